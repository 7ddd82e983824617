"""Reads shaped for the CRM's pages."""

from crm.models import Company, Contact, Deal, DealStatus, User


def home_summary(*, user: User) -> dict[str, int]:
    """Headline counts for the home page."""
    return {
        "contacts": Contact.objects.count(),
        "companies": Company.objects.count(),
        "open_deals": Deal.objects.filter(status=DealStatus.OPEN).count(),
        "my_open_deals": Deal.objects.filter(status=DealStatus.OPEN, owner=user).count(),
    }
