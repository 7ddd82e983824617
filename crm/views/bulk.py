"""Bulk actions of the contact, company and deal lists: a new owner or one more tag for the ticked rows."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from crm import services
from crm.forms import BulkChangeForm
from crm.models import Company, Contact
from crm.permissions import can_read_customers, can_read_deals, deals_visible_to
from crm.views.common import back_to, error_messages, require

# kind → (the records the user may read, the list to return to, who may open that list)
BULK_KINDS: dict[str, tuple[Callable[[object], QuerySet[Model]], str, Callable[[object], bool]]] = {
    "contact": (lambda user: Contact.objects.all(), "crm:contact_list", can_read_customers),
    "company": (lambda user: Company.objects.all(), "crm:company_list", can_read_customers),
    "deal": (deals_visible_to, "crm:deal_list", can_read_deals),
}


@login_required
@require_POST
def bulk_change(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in BULK_KINDS:
        raise Http404
    readable, list_name, can_open = BULK_KINDS[kind]
    require(can_open(request.user))
    fallback = reverse(list_name)
    form = BulkChangeForm(request.POST)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, message)
        return back_to(request, fallback)
    ids = set(form.cleaned_data["ids"])
    records = list(readable(request.user).filter(pk__in=ids).prefetch_related("tags"))
    if len(records) != len(ids):
        messages.error(request, _("Some of the selected records no longer exist; nothing was changed."))
        return back_to(request, fallback)
    owner = form.cleaned_data["owner"]
    try:
        count = services.records_bulk_change(user=request.user, records=records, kind=kind, owner=owner,
                                             change_owner=owner is not None,
                                             add_tag=form.cleaned_data["add_tag"].strip())
    except ValidationError as error:
        error_messages(request, error)
    else:
        messages.success(request, ngettext("%(count)d record changed.", "%(count)d records changed.", count)
                         % {"count": count})
    return back_to(request, fallback)
