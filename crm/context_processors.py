"""Template context shared by every staff page."""

from django.http import HttpRequest

from crm.permissions import role_of


def navigation(request: HttpRequest) -> dict[str, object]:
    """The signed-in user's role, so the base template shows the menu that role may use."""
    user = getattr(request, "user", None)
    return {"crm_role": role_of(user) if user is not None and user.is_authenticated else None}
