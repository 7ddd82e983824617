"""Merging duplicate contacts and companies: the candidate pairs, and a preview to merge one pair."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.ids import parse_record_id, parse_whole_number
from crm import selectors, services
from crm.models import Company, Contact
from crm.permissions import can_merge_customers
from crm.views.common import paginate, require

DUPLICATE_PAIRS_PER_PAGE = 25
# A missing or unreadable version is never the stored one, so the service refuses it as stale.
UNKNOWN_VERSION = -1


def _kind(model: type[Contact] | type[Company]) -> str:
    return "contact" if model is Contact else "company"


def _duplicates_page(request: HttpRequest, model: type[Contact] | type[Company]) -> HttpResponse:
    require(can_merge_customers(request.user))
    page_obj = paginate(request, selectors.duplicate_pair_ids(model), per_page=DUPLICATE_PAIRS_PER_PAGE)
    return render(request, "crm/record_duplicates.html", {
        "kind": _kind(model), "page_obj": page_obj, "pairs": selectors.duplicate_pairs(model, page_obj.object_list),
        "query": "", "nav_current": _kind(model) + "s",
    })


@login_required
@require_GET
def contact_duplicates(request: HttpRequest) -> HttpResponse:
    return _duplicates_page(request, Contact)


@login_required
@require_GET
def company_duplicates(request: HttpRequest) -> HttpResponse:
    return _duplicates_page(request, Company)


def _chosen_fields(request: HttpRequest, preview: selectors.MergePreview) -> dict[str, str]:
    """The side posted for each differing field; a field left unanswered keeps its default."""
    chosen = {}
    for row in preview.fields:
        if row.differs:
            side = request.POST.get(f"field_{row.name}")
            chosen[row.name] = side if side in {"keep", "drop"} else row.default
    return chosen


def _posted_versions(request: HttpRequest) -> tuple[int, int]:
    keep_version = parse_whole_number(request.POST.get("keep_version"))
    drop_version = parse_whole_number(request.POST.get("drop_version"))
    return (UNKNOWN_VERSION if keep_version is None else keep_version,
            UNKNOWN_VERSION if drop_version is None else drop_version)


def _merge_page(request: HttpRequest, model: type[Contact] | type[Company], pk: int) -> HttpResponse:
    require(can_merge_customers(request.user))
    kind = _kind(model)
    keep = get_object_or_404(model, pk=pk)
    context = {"kind": kind, "keep": keep, "nav_current": kind + "s", "preview": None, "errors": []}
    other_id = parse_record_id(request.GET.get("with"))
    if other_id is None:
        context["errors"] = [_("Choose the record to merge with: add ?with= and its id to the address.")]
        return render(request, "crm/record_merge.html", context, status=400)
    drop = get_object_or_404(model, pk=other_id)
    if drop.pk == keep.pk:
        context["errors"] = [_("A record cannot be merged with itself.")]
        return render(request, "crm/record_merge.html", context, status=400)
    preview = selectors.merge_preview(keep=keep, drop=drop)
    context["preview"] = preview
    if request.method == "POST":
        merge = services.contact_merge if model is Contact else services.company_merge
        try:
            kept = merge(keep=keep, drop=drop, fields=_chosen_fields(request, preview),
                         expected_versions=_posted_versions(request), by=request.user)
        except ValidationError as error:
            context["errors"] = error.messages
            # Shown again as stored now, with the versions the next attempt is checked against.
            context["preview"] = selectors.merge_preview(keep=model.objects.get(pk=keep.pk),
                                                         drop=model.objects.get(pk=drop.pk))
            return render(request, "crm/record_merge.html", context, status=409)
        messages.success(request, _("%(dropped)s was merged into %(kept)s.") % {"dropped": drop, "kept": kept})
        return redirect(f"crm:{kind}_detail", pk=kept.pk)
    return render(request, "crm/record_merge.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_merge(request: HttpRequest, pk: int) -> HttpResponse:
    return _merge_page(request, Contact, pk)


@login_required
@require_http_methods(["GET", "POST"])
def company_merge(request: HttpRequest, pk: int) -> HttpResponse:
    return _merge_page(request, Company, pk)
