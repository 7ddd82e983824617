"""Reads shaped for the CRM's pages."""

from datetime import datetime

from django.db.models import Q, QuerySet

from crm.models import Company, Contact, Deal, DealStatus, User


def home_summary(*, user: User) -> dict[str, int]:
    """Headline counts for the home page."""
    return {
        "contacts": Contact.objects.count(),
        "companies": Company.objects.count(),
        "open_deals": Deal.objects.filter(status=DealStatus.OPEN).count(),
        "my_open_deals": Deal.objects.filter(status=DealStatus.OPEN, owner=user).count(),
    }


def won_deals_closed_between(*, start_at: datetime, end_at: datetime, owner: str | None = None,
                             team: str | None = None, pipeline: str | None = None, campaign: str | None = None,
                             kind: str | None = None) -> QuerySet[Deal]:
    """Won deals with `start_at <= closed_at < end_at`, newest first: the records behind revenue and
    deals won. Filters take the KPI breakdown ids: a username, a team's name, an external id (or the
    primary key of an object without one), a deal kind."""
    deals = (Deal.objects.won().filter(closed_at__gte=start_at, closed_at__lt=end_at)
             .select_related("owner", "pipeline", "campaign", "company", "contact")
             .order_by("-closed_at", "-id"))
    if owner is not None:
        deals = deals.filter(owner__username=owner)
    if team is not None:
        deals = deals.filter(owner__team__name=team)
    if pipeline is not None:
        deals = deals.filter(by_public_id("pipeline", pipeline))
    if campaign is not None:
        deals = deals.filter(by_public_id("campaign", campaign))
    if kind is not None:
        deals = deals.filter(kind=kind)
    return deals


def by_public_id(relation: str, public_id: str) -> Q:
    """A related object named as the KPI API names it: its external id, else its primary key."""
    condition = Q(**{f"{relation}__external_id": public_id})
    if public_id.isdigit():
        condition |= Q(**{f"{relation}__external_id__isnull": True, f"{relation}__pk": int(public_id)})
    return condition
