"""Deals: the list, the board by stage, a deal's page, its forms, and moving, winning, losing and reopening."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from core.concurrency import StaleEditError
from core.ids import parse_record_id
from core.permissions import role_of
from core.templatetags.amounts import amount
from crm import selectors, services
from crm.filters import DealFilter
from crm.forms import (
    ActivityForm,
    BulkChangeForm,
    ContactEmailForm,
    DealForm,
    DealLoseForm,
    DealMoveForm,
    DealWinForm,
    QuickDealForm,
    StageSettingsFormSet,
    add_service_error,
)
from crm.models import BoardScope, Contact, Deal, Pipeline, Role, Stage
from crm.permissions import (
    can_create_deal,
    can_edit_deal,
    can_edit_pipelines,
    can_email_contacts,
    can_read_deals,
    can_reassign,
)
from crm.views.common import (
    back_to,
    columns_csv_response,
    error_messages,
    paginate,
    query_without_page,
    require,
    tag_names,
    wants_csv,
)

DEAL_CSV_COLUMNS = [
    ("id", lambda d: d.pk), ("title", lambda d: d.title), ("pipeline", lambda d: d.pipeline.name),
    ("stage", lambda d: d.stage.name), ("status", lambda d: d.status), ("amount", lambda d: d.amount),
    ("currency", lambda d: d.currency), ("exchange_rate", lambda d: d.exchange_rate),
    ("amount_base", lambda d: d.amount_base), ("kind", lambda d: d.kind), ("contact", lambda d: d.contact),
    ("company", lambda d: d.company), ("owner", lambda d: d.owner),
    ("created_at", lambda d: d.created_at), ("closed_at", lambda d: d.closed_at),
    ("external_id", lambda d: d.external_id), ("tags", tag_names),
]


@login_required
def deal_list(request: HttpRequest) -> HttpResponse:
    require(can_read_deals(request.user))
    filterset = DealFilter(request.GET, queryset=selectors.deal_list(user=request.user))
    deals = filterset.qs
    if wants_csv(request):
        return columns_csv_response("deals.csv", DEAL_CSV_COLUMNS, deals.iterator(chunk_size=500))
    return render(request, "crm/deal_list.html", {
        "filter": filterset, "page_obj": paginate(request, deals), "query": query_without_page(request),
        "can_create": can_create_deal(request.user), "bulk_form": BulkChangeForm(),
        "can_reassign": can_reassign(request.user), "nav_current": "deals",
    })


@login_required
def deal_board_default(request: HttpRequest) -> HttpResponse:
    """The board of the first pipeline (the menu's Board link)."""
    require(can_read_deals(request.user))
    pipeline = request.user.board_pipeline or Pipeline.objects.order_by("name", "id").first()
    if pipeline is None:
        messages.info(request, _("There is no pipeline yet: an admin creates pipelines and their stages."))
        return redirect("crm:deal_list")
    return redirect("crm:deal_board", pipeline_id=pipeline.pk)


@login_required
def deal_board(request: HttpRequest, pipeline_id: int) -> HttpResponse:
    require(can_read_deals(request.user))
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    scope = _board_scope(request)
    chosen_scope = scope if request.GET.get("scope") == scope else None
    services.user_set_board_preference(user=request.user, scope=chosen_scope, pipeline=pipeline)
    columns = selectors.deal_board(pipeline=pipeline, user=request.user, scope=scope)
    may_create = can_create_deal(request.user)
    for column in columns:
        for card in column.cards:
            card.can_edit = can_edit_deal(request.user, card)
        if may_create:
            column.quick_form = QuickDealForm(initial={"stage": column.stage.pk},
                                              auto_id=f"quick-{column.stage.pk}-%s")
    return render(request, "crm/deal_board.html", {
        "pipeline": pipeline, "pipelines": Pipeline.objects.order_by("name", "id"), "columns": columns,
        "stages": [column.stage for column in columns], "base_currency": settings.CRM_CURRENCY,
        "scope": scope, "scopes": BoardScope.choices, "can_edit_pipelines": can_edit_pipelines(request.user),
        "nav_current": "board",
    })


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_settings(request: HttpRequest, pipeline_id: int) -> HttpResponse:
    """Managers tune stage names, order, win probabilities and idle days without the admin."""
    require(can_edit_pipelines(request.user))
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    formset = StageSettingsFormSet(request.POST or None, queryset=pipeline.stages.order_by("position", "id"))
    if request.method == "POST" and formset.is_valid():
        changes = [(form.instance.pk, form.service_values()) for form in formset.forms
                   if form.instance.pk is not None and form.has_changed()]  # rows added to the POST are ignored
        try:
            services.pipeline_update_stages(pipeline=pipeline, changes=changes)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Pipeline %s saved.") % pipeline)
            return redirect("crm:pipeline_settings", pipeline_id=pipeline.pk)
    return render(request, "crm/pipeline_settings.html", {"pipeline": pipeline, "formset": formset,
                                                          "nav_current": "board"})


@login_required
@require_POST
def deal_quick_add(request: HttpRequest) -> HttpResponse:
    """A deal from a board column's quick-add card, owned by whoever adds it, back on the board."""
    require(can_create_deal(request.user))
    form = QuickDealForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        stage = Stage.objects.filter(pk=parse_record_id(request.POST.get("stage"))).first()
        if stage is None:
            return redirect("crm:deal_board_default")
        return redirect("crm:deal_board", pipeline_id=stage.pipeline_id)
    data = form.cleaned_data
    try:
        deal = services.deal_create(title=data["title"], pipeline_stage=data["stage"], contact=data["contact"],
                                    company=data["contact"].company, owner=request.user, amount=data["amount"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Deal %s created.") % deal)
    return redirect("crm:deal_board", pipeline_id=data["stage"].pipeline_id)


def _board_scope(request: HttpRequest) -> str:
    """The scope asked for, else the one the user last chose, else their role's: sales staff work their
    own deals, managers and admins look at everyone's."""
    asked = request.GET.get("scope")
    if asked in BoardScope.values:
        return asked
    if request.user.board_scope:
        return request.user.board_scope
    return BoardScope.MINE if role_of(request.user) == Role.SALES else BoardScope.EVERYONE


def _deal_page(request: HttpRequest, deal: Deal, *, activity_form: ActivityForm | None = None,
               close_form: DealWinForm | DealLoseForm | None = None,
               email_form: ContactEmailForm | None = None) -> HttpResponse:
    may_edit = can_edit_deal(request.user, deal)
    win_form = close_form if isinstance(close_form, DealWinForm) else DealWinForm(
        initial={"version": deal.version, "exchange_rate": deal.exchange_rate}, needs_rate=_needs_rate(deal))
    lose_form = close_form if isinstance(close_form, DealLoseForm) else DealLoseForm(
        initial={"version": deal.version})
    return render(request, "crm/deal_detail.html", {
        "deal": deal, "can_edit": may_edit,
        "stages": deal.pipeline.stages.all(),
        "stage_entries": deal.stage_entries.select_related("stage").order_by("entered_at", "id"),
        "timeline": selectors.record_timeline(deal, user=request.user, kind=request.GET.get("kind", ""),
                                              limit=selectors.timeline_limit(request.GET.get("shown"))),
        "history": selectors.record_history(deal),
        "activity_form": activity_form or ActivityForm(),
        "win_form": win_form, "lose_form": lose_form, "close_form": close_form,
        "needs_rate": _needs_rate(deal),
        "can_email": can_email_contacts(request.user),
        # The form when the contact has an address; a refused email comes back on its form regardless.
        "email_offered": bool(deal.contact.email) or email_form is not None,
        "email_form": email_form or ContactEmailForm(contact=deal.contact, rep=request.user),
        "nav_current": "deals",
    })


def _needs_rate(deal: Deal) -> bool:
    return deal.currency != settings.CRM_CURRENCY


def _get_deal(pk: int) -> Deal:
    return get_object_or_404(Deal.objects.select_related("pipeline", "stage", "contact", "company", "owner",
                                                         "campaign", "lost_reason"), pk=pk)


@login_required
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_read_deals(request.user))
    return _deal_page(request, _get_deal(pk))


@login_required
@require_http_methods(["GET", "POST"])
def deal_create(request: HttpRequest) -> HttpResponse:
    require(can_create_deal(request.user))
    initial = {name: request.GET[name] for name in ("contact", "company", "pipeline_stage") if request.GET.get(name)}
    initial.setdefault("pipeline_stage", selectors.first_stage_id())
    initial.setdefault("owner", request.user.pk)
    contact_id = parse_record_id(initial.get("contact"))
    if "company" not in initial and contact_id is not None:
        initial["company"] = Contact.objects.filter(pk=contact_id).values_list("company_id", flat=True).first()
    form = DealForm(request.POST or None, can_reassign=can_reassign(request.user), initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.changes()
        values.setdefault("owner", request.user)
        try:
            deal = services.deal_create(**values)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Deal %s created.") % deal)
            return redirect("crm:deal_detail", pk=deal.pk)
    return render(request, "crm/record_form.html", {"form": form, "record": None, "kind": "deal",
                                                     "nav_current": "deals"})


@login_required
@require_http_methods(["GET", "POST"])
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _get_deal(pk)
    require(can_edit_deal(request.user, deal))
    form = DealForm(request.POST or None, instance=deal, can_reassign=can_reassign(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.deal_update(deal=deal, expected_version=form.cleaned_data["version"], **form.changes())
        except StaleEditError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Deal saved."))
            return redirect("crm:deal_detail", pk=pk)
    return render(request, "crm/record_form.html", {"form": form, "record": deal, "kind": "deal",
                                                     "nav_current": "deals"})


@login_required
@require_POST
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a deal to another stage (a board card's drop or its Move button); refusals come back as messages.

    The board's script asks for JSON (Accept: application/json) to move the card in place: the same checks
    and service, answered with the deal's new version and every column's count and totals, or 400/403/409
    with the message to show."""
    deal = _get_deal(pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not can_edit_deal(request.user, deal):
        if wants_json:
            return JsonResponse({"error": _("Only the owner or a manager can move this deal.")}, status=403)
        require(False)
    fallback = reverse("crm:deal_board", args=[deal.pipeline_id])
    form = DealMoveForm(request.POST)
    if not form.is_valid():
        return _move_refused(request, fallback, wants_json, 400, _("Choose a stage to move “%s” to.") % deal)
    stage = form.cleaned_data["stage"]
    try:
        moved = services.deal_move_stage(deal=deal, stage=stage, expected_version=form.cleaned_data["version"])
    except StaleEditError as error:
        return _move_refused(request, fallback, wants_json, 409, str(error))
    except ValidationError as error:
        return _move_refused(request, fallback, wants_json, 400, " ".join(error.messages))
    done = _("“%(deal)s” moved to %(stage)s.") % {"deal": deal, "stage": stage.display_name}
    if wants_json:
        return JsonResponse({"message": done, "version": moved.version, "stage": stage.pk,
                             "columns": _column_numbers(request, moved.pipeline)})
    messages.success(request, done)
    return back_to(request, fallback)


def _move_refused(request: HttpRequest, fallback: str, wants_json: bool, status: int, message: str) -> HttpResponse:
    if wants_json:
        return JsonResponse({"error": message}, status=status)
    messages.error(request, message)
    return back_to(request, fallback)


def _column_numbers(request: HttpRequest, pipeline: Pipeline) -> list[dict[str, object]]:
    """Each column's count and totals as the board shows them, for the script to update in place."""
    columns = selectors.deal_board(pipeline=pipeline, user=request.user, scope=_board_scope(request),
                                   cards_per_stage=0)
    base = settings.CRM_CURRENCY
    return [{"stage": column.stage.pk, "count": column.count,
             "count_text": ngettext("%(counter)s deal", "%(counter)s deals", column.count) % {
                 "counter": column.count},
             "total": amount(column.total_base, base), "weighted": amount(column.weighted_base, base)}
            for column in columns]


@login_required
@require_POST
def deal_close(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _get_deal(pk)
    require(can_edit_deal(request.user, deal))
    outcome = request.POST.get("outcome")
    if outcome not in ("won", "lost"):
        messages.error(request, _("Press Won or Lost to close “%s”.") % deal)
        return back_to(request, reverse("crm:deal_detail", args=[pk]))
    won = outcome == "won"
    form = DealWinForm(request.POST, needs_rate=_needs_rate(deal)) if won else DealLoseForm(request.POST)
    if not form.is_valid():
        return _deal_page(request, deal, close_form=form)
    data = form.cleaned_data
    try:
        services.deal_close(deal=deal, won=won, exchange_rate=data.get("exchange_rate"),
                            lost_reason=data.get("lost_reason"), lost_note=data.get("lost_note", ""),
                            expected_version=data["version"])
    except StaleEditError as error:
        form.add_error(None, str(error))
        return _deal_page(request, deal, close_form=form)
    except ValidationError as error:
        add_service_error(form, error)
        return _deal_page(request, deal, close_form=form)
    messages.success(request, (_("“%s” marked won.") if won else _("“%s” marked lost.")) % deal)
    return back_to(request, reverse("crm:deal_detail", args=[pk]))


@login_required
@require_POST
def deal_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _get_deal(pk)
    require(can_edit_deal(request.user, deal))
    version = request.POST.get("version", "")
    try:
        services.deal_reopen(deal=deal, expected_version=parse_record_id(version))
    except StaleEditError as error:
        messages.error(request, str(error))
    except ValidationError as error:
        error_messages(request, error)
    else:
        messages.success(request, _("“%s” reopened.") % deal)
    return back_to(request, reverse("crm:deal_detail", args=[pk]))

