"""Template context for the navigation: the dashboards this user may open."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kpis.dashboards.definitions import can_manage, dashboards_for


def dashboards(request: HttpRequest) -> dict[str, object]:
    """(slug, url, label) of each dashboard link in the menu, in order; none for anonymous users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_dashboards": []}
    links = [(board.slug, reverse("dashboard", args=[board.slug]), board.title) for board in dashboards_for(user)]
    links.append(("me", reverse("dashboard-me"), _("My numbers")))
    if can_manage(user):
        links.append(("targets", reverse("kpi-targets"), _("Targets")))
    return {"nav_dashboards": links}
