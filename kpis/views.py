"""Dashboard, KPI, drill-down and target pages. Thin: each view checks access, reads, renders."""

import logging
from collections.abc import Iterable
from datetime import date
from urllib.parse import urlencode

from celery import current_app
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.csv import csv_response
from core.permissions import can_read_area
from kpis.api.serializers import KpiQuerySerializer
from kpis.catalog import KPIS, Kpi
from kpis.dashboards.charts import DIMENSION_LABELS, ChartData
from kpis.dashboards.definitions import DASHBOARDS, can_manage, can_open
from kpis.dashboards.pages import dashboard_chart_data, dashboard_page, kpi_chart_data, kpi_page, me_chart_data, me_page
from kpis.dashboards.ranges import (
    EARLIEST_DATE,
    LATEST_DATE,
    DashboardQuery,
    business_today,
    dashboard_query,
    offered_presets,
)
from kpis.dirty import business_zone
from kpis.formatting import KIND_LABELS, UNIT_LABELS
from kpis.forms import RangeForm, TargetForm
from kpis.models import Target
from kpis.records import drilldown_for
from kpis.services import target_create, target_delete
from kpis.tasks import rollup_kpis_task

logger = logging.getLogger(__name__)

RECORDS_PER_PAGE = 50
AREA_DASHBOARD = {"sales": "sales", "marketing": "marketing", "support": "service", "surveys": "service"}


def _page_context(request: HttpRequest, query: DashboardQuery) -> dict[str, object]:
    """What every dashboard-like page shows around its figures: controls, freshness, time zone."""
    return {
        "query": query,
        "range_form": RangeForm(initial={"preset": query.preset, "start": query.start, "end": query.end,
                                         "grain": query.grain}),
        "presets": [(key, label) for key, label in offered_presets(query.preset) if key != "custom"],
        "can_refresh": can_manage(request.user),
        "business_zone": str(business_zone()),
    }


def _query(request: HttpRequest) -> DashboardQuery:
    return dashboard_query(request.GET, today=business_today())


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    board = DASHBOARDS.get(slug)
    if board is None:
        raise Http404(_("Unknown dashboard."))
    if not can_open(request.user, board):
        raise PermissionDenied(_("Your role cannot open this dashboard."))
    query = _query(request)
    page = dashboard_page(board=board, query=query, user=request.user)
    return render(request, "kpis/dashboard.html", {**_page_context(request, query), "page": page,
                                                   "computed_at": page.computed_at, "nav_current": slug})


@login_required
def me(request: HttpRequest) -> HttpResponse:
    query = _query(request)
    page = me_page(user=request.user, query=query)
    return render(request, "kpis/me.html", {**_page_context(request, query), "page": page,
                                            "computed_at": page.computed_at, "nav_current": "me"})


def _chart_csv(chart: ChartData, name: str, query: DashboardQuery) -> HttpResponse:
    return csv_response(f"{name}-{query.start}-{query.end}-{query.grain}.csv", chart.csv_header(), chart.csv_rows(),
                        stream=False)


def _exact_query(request: HttpRequest, kpi: Kpi) -> tuple[DashboardQuery | None, str | None, HttpResponse | None]:
    """start, end, grain and dimension validated exactly as the KPI API does; a 400 names the problems."""
    serializer = KpiQuerySerializer(data=request.GET, kpi=kpi)
    if not serializer.is_valid():
        lines = [f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in serializer.errors.items()]
        return None, None, HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")
    data = serializer.validated_data
    if not (data["start"] >= EARLIEST_DATE and data["end"] <= LATEST_DATE):
        return None, None, HttpResponseBadRequest(_("Dates must fall between 1900 and 2999."),
                                                  content_type="text/plain; charset=utf-8")
    query = DashboardQuery(start=data["start"], end=data["end"], grain=data["grain"], preset="custom")
    return query, data.get("dimension"), None


@login_required
def dashboard_chart_csv(request: HttpRequest, slug: str, chart: str) -> HttpResponse:
    """The numbers one dashboard chart draws, for the range and grain in the query string."""
    board = DASHBOARDS.get(slug)
    if slug != "me" and board is None:
        raise Http404(_("Unknown dashboard."))
    if board is not None and not can_open(request.user, board):
        raise PermissionDenied(_("Your role cannot open this dashboard."))
    anchor = board.cards[0] if board is not None else KPIS["revenue"]
    query, _dimension, problem = _exact_query(request, anchor)
    if problem is not None:
        return problem
    if board is None:
        data = me_chart_data(user=request.user, chart_slug=chart, query=query)
    else:
        data = dashboard_chart_data(board=board, chart_slug=chart, query=query)
    if data is None:
        raise Http404(_("Unknown chart."))
    return _chart_csv(data, f"{slug}-{chart}", query)


def _readable_kpi(request: HttpRequest, key: str) -> Kpi:
    kpi = KPIS.get(key)
    if kpi is None:
        raise Http404(_("Unknown KPI."))
    if not can_read_area(request.user, kpi.area):
        raise PermissionDenied(_("Your role cannot read this KPI."))
    return kpi


@login_required
def kpi_detail(request: HttpRequest, key: str) -> HttpResponse:
    kpi = _readable_kpi(request, key)
    query = _query(request)
    page = kpi_page(kpi=kpi, query=query, user=request.user)
    board = DASHBOARDS[AREA_DASHBOARD[kpi.area]]
    return render(request, "kpis/kpi_detail.html", {
        "board": board, "board_url": f"{reverse('dashboard', args=[board.slug])}?{query.querystring()}",
        **_page_context(request, query), "page": page, "kpi": kpi, "computed_at": page.computed_at,
        "drilldown": drilldown_for(kpi.key), "unit_label": UNIT_LABELS.get(kpi.unit, kpi.unit),
        "kind_label": KIND_LABELS.get(kpi.kind, kpi.kind),
    })


@login_required
def kpi_csv(request: HttpRequest, key: str) -> HttpResponse:
    """The KPI's points (no dimension) or its breakdown, as the KPI page draws them and the API answers."""
    kpi = _readable_kpi(request, key)
    query, dimension, problem = _exact_query(request, kpi)
    if problem is not None:
        return problem
    data = kpi_chart_data(kpi=kpi, query=query, dimension=dimension)
    header = data.csv_header()
    header[2] = "value"  # one KPI: the column is its value, as in the API
    name = f"{kpi.key}-{dimension}" if dimension else kpi.key
    return csv_response(f"{name}-{query.start}-{query.end}-{query.grain}.csv", header, data.csv_rows(), stream=False)


def _records_query(request: HttpRequest, dimensions: Iterable[str]) -> tuple[date, date, str | None, str | None,
                                                                           list[str]]:
    """Lenient: a bad range falls back to this month, an unknown dimension is dropped; problems are shown."""
    query = _query(request)
    problems = list(query.problems)
    dimension = request.GET.get("dimension") or None
    member = request.GET.get("member")
    if dimension is not None and dimension not in dimensions:
        problems.append(_("These records cannot be filtered by “%(dimension)s”: showing all of them.")
                        % {"dimension": dimension[:40]})
        dimension = None
    if dimension is None:
        member = None
    elif not member:
        problems.append(_("Name a member to filter by: showing all records."))
        dimension = None
    return query.start, query.end, dimension, member, problems


@login_required
def kpi_records(request: HttpRequest, key: str) -> HttpResponse:
    """The records behind a KPI's number over a range, optionally for one breakdown member."""
    kpi = _readable_kpi(request, key)
    drill = drilldown_for(kpi.key)
    if drill is None:
        raise Http404(_("This KPI has no record list."))
    start, end, dimension, member, problems = _records_query(request, drill.dimensions)
    records = drill.records(start=start, end=end, dimension=dimension, member=member)
    totals = drill.totals(records)
    paginator = Paginator(records, RECORDS_PER_PAGE)
    paginator.count = totals["count"]  # one scan of the range gives both the totals and the page count
    page = paginator.get_page(request.GET.get("page"))
    rows = [(record.pk, list(zip(drill.columns, drill.row(record), strict=True))) for record in page.object_list]
    exact = {"start": start.isoformat(), "end": end.isoformat()}
    if dimension:
        exact.update(dimension=dimension, member=member)
    return render(request, "kpis/kpi_records.html", {
        "kpi": kpi, "drill": drill, "start": start, "end": end, "dimension": dimension, "member": member,
        "dimension_label": DIMENSION_LABELS.get(dimension or "", dimension), "problems": problems,
        "page_obj": page, "rows": rows, "totals": totals, "exact_qs": urlencode(exact),
        "admin_links": request.user.is_staff, "business_zone": str(business_zone()),
        "unit": kpi.unit,
    })


@login_required
def kpi_records_csv(request: HttpRequest, key: str) -> StreamingHttpResponse:
    kpi = _readable_kpi(request, key)
    drill = drilldown_for(kpi.key)
    if drill is None:
        raise Http404(_("This KPI has no record list."))
    start, end, dimension, member, _problems = _records_query(request, drill.dimensions)
    records = drill.records(start=start, end=end, dimension=dimension, member=member)

    header = ["id", *(column.key for column in drill.columns)]
    rows = ([record.pk, *drill.row(record)] for record in records.iterator(chunk_size=2000))
    return csv_response(f"{kpi.key}-records-{start}-{end}.csv", header, rows)


def _require_manager(request: HttpRequest) -> None:
    if not can_manage(request.user):
        raise PermissionDenied(_("Only managers and admins may do this."))


@login_required
@require_http_methods(["GET", "POST"])
def targets(request: HttpRequest) -> HttpResponse:
    """List, create (POST) and delete targets; managers and admins only."""
    _require_manager(request)
    form = TargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = target_create(**form.cleaned_data)
        messages.success(request, _("Target saved: %(kpi)s from %(start)s.")
                         % {"kpi": KPIS[target.kpi_key].name, "start": target.period_start})
        return redirect("kpi-targets")
    chosen = request.GET.get("kpi") or ""
    listed = Target.objects.select_related("owner", "team")
    if chosen in KPIS:
        listed = listed.filter(kpi_key=chosen)
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    rows = [(target, KPIS.get(target.kpi_key)) for target in page.object_list]
    return render(request, "kpis/target_list.html", {"form": form, "page_obj": page, "rows": rows,
                                                      "chosen": chosen, "kpis": list(KPIS.values()),
                                                      "nav_current": "targets"})


@login_required
@require_POST
def target_remove(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    target = get_object_or_404(Target, pk=pk)
    target_delete(target=target)
    messages.success(request, _("Target deleted."))
    return redirect("kpi-targets")


@login_required
@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    """Queue a KPI roll-up now (managers and admins) and go back to the page it was asked from."""
    _require_manager(request)
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("dashboard-me")
    eager = current_app.conf.task_always_eager
    try:
        rollup_kpis_task.delay()
    except Exception:  # the page must come back whatever the broker or the roll-up says
        logger.exception("Could not start a KPI roll-up from the dashboard")
        messages.error(request, _("The roll-up could not be started; try again in a minute."))
        return redirect(target)
    if eager:
        messages.success(request, _("The KPIs were rolled up just now."))
    else:
        messages.success(request, _("A KPI roll-up was queued; the figures update when it finishes."))
    return redirect(target)
