"""Template context shared by every staff page."""

from django.http import HttpRequest

from crm.permissions import can_read_deals, can_read_tickets, role_of


def navigation(request: HttpRequest) -> dict[str, object]:
    """The signed-in user's role and the areas it opens, so the base template shows the menu that role may use."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "crm_role": role_of(user) if signed_in else None,
        "nav_deals": signed_in and can_read_deals(user),
        "nav_tickets": signed_in and can_read_tickets(user),
    }
