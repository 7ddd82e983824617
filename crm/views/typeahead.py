"""The type-ahead's search endpoints: JSON matches of one record kind, for the record pickers of the forms."""

from collections.abc import Callable

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.permissions import can_read_area
from crm import selectors
from crm.forms import TypeaheadQueryForm
from crm.permissions import can_read_customers, can_read_deals

# Who may search a kind is who may read it (the areas of the API's viewsets say the same).
READERS: dict[str, Callable[[object], bool]] = {
    "contacts": can_read_customers,
    "companies": can_read_customers,
    "users": can_read_customers,
    "deals": can_read_deals,
    "campaigns": lambda user: can_read_area(user, "marketing"),
}


@require_GET
def typeahead(request: HttpRequest, kind: str) -> JsonResponse:
    """`?q=` (and for users `&role=`) → `{"results": [{"id", "label", "detail"}, ...]}`, at most 20;
    403 for a user who may not read the kind, 400 with the field's errors for a query that cannot match."""
    if kind not in READERS:
        return JsonResponse({"detail": _("There is no such kind of record.")}, status=404)
    if not request.user.is_authenticated or not READERS[kind](request.user):
        return JsonResponse({"detail": _("Your role does not allow this.")}, status=403)
    form = TypeaheadQueryForm(request.GET)
    if not form.is_valid():
        return JsonResponse({name: [str(message) for message in messages]
                             for name, messages in form.errors.items()}, status=400)
    options = selectors.typeahead_options(kind=kind, user=request.user, query=form.cleaned_data["q"],
                                          roles=form.cleaned_data["role"])
    return JsonResponse({"results": [{"id": o.id, "label": o.label, "detail": o.detail} for o in options]})
