"""Whole pages: a dashboard, a person's own numbers and one KPI, each from one load of the daily rows,
and any one chart of them alone, computed exactly as on its page, for its CSV."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.urls import reverse
from django.utils.functional import Promise

from core.permissions import can_read_area
from kpis.catalog import KPIS, Kpi
from kpis.dashboards.cards import Card, build_card
from kpis.dashboards.charts import DIMENSION_LABELS, ChartData, breakdown_chart, records_url, trend_chart
from kpis.dashboards.definitions import ChartSpec, Dashboard, me_sections_for
from kpis.dashboards.ranges import DashboardQuery
from kpis.dashboards.series import last_rollup_at, load_series, series_span
from kpis.models import Target
from kpis.periods import period_start, split_range
from kpis.records import drilldown_for
from kpis.selectors import DailySeries
from kpis.targets import TargetBook, TargetProgress, progress, target_book

# --- dashboards --------------------------------------------------------------------------------

@dataclass
class DashboardPage:
    board: Dashboard
    query: DashboardQuery
    cards: list[Card]
    charts: list[ChartData]
    computed_at: datetime | None


def _kpi_detail_url(kpi: Kpi, user: object, query: DashboardQuery) -> str | None:
    if kpi.key not in KPIS or not can_read_area(user, kpi.area):
        return None
    return f"{reverse('kpi-detail', args=[kpi.key])}?{query.querystring()}"


def chart_csv_url(board_slug: str, chart_slug: str, query: DashboardQuery) -> str:
    return f"{reverse('dashboard-chart-csv', args=[board_slug, chart_slug])}?{query.exact_querystring()}"


def dashboard_chart(board: Dashboard, spec: ChartSpec, query: DashboardQuery, series: Mapping[str, DailySeries],
                    periods: list[tuple[date, date]], book: TargetBook) -> ChartData:
    csv_url = chart_csv_url(board.slug, spec.slug, query)
    if spec.dimension:
        return breakdown_chart(spec, query, series, csv_url)
    return trend_chart(spec, query, series, periods, book, csv_url)


def _board_kpis(board: Dashboard, specs: Iterable[ChartSpec]) -> list[Kpi]:
    return list({kpi.key: kpi for kpi in (*board.cards, *(k for spec in specs for k in spec.kpis))}.values())


def dashboard_page(*, board: Dashboard, query: DashboardQuery, user: object) -> DashboardPage:
    """Every card and chart of a dashboard, from one load of the daily rows."""
    periods = list(split_range(query.start, query.end, query.grain))
    series = load_series(_board_kpis(board, board.charts), *series_span(query))
    book = target_book(kpi_keys=[kpi.key for kpi in board.cards], first=query.start, last=query.end)
    cards = [
        build_card(kpi, series, query, periods, book, detail_url=_kpi_detail_url(kpi, user, query),
                   records_url=records_url(kpi.key, query.start, query.end))
        for kpi in board.cards
    ]
    charts = [dashboard_chart(board, spec, query, series, periods, book) for spec in board.charts]
    return DashboardPage(board=board, query=query, cards=cards, charts=charts, computed_at=last_rollup_at())


def dashboard_chart_data(*, board: Dashboard, chart_slug: str, query: DashboardQuery) -> ChartData | None:
    """One chart of a dashboard alone (for its CSV), computed exactly as on the page."""
    spec = next((spec for spec in board.charts if spec.slug == chart_slug), None)
    if spec is None:
        return None
    periods = list(split_range(query.start, query.end, query.grain))
    series = load_series(spec.kpis, *series_span(query))
    book = target_book(kpi_keys=[kpi.key for kpi in spec.kpis], first=query.start, last=query.end) \
        if spec.target else TargetBook([])
    return dashboard_chart(board, spec, query, series, periods, book)


# --- a person's own numbers --------------------------------------------------------------------

@dataclass
class MeSection:
    area: str
    dimension: str
    title: Promise
    cards: list[Card]
    charts: list[ChartData]

    @property
    def is_empty(self) -> bool:
        """Nothing of this person's in the range (every value 0 or empty)."""
        return all(not card.value for card in self.cards)


@dataclass
class MePage:
    query: DashboardQuery
    sections: list[MeSection]
    computed_at: datetime | None


def me_chart(spec: ChartSpec, dimension: str, user: object, query: DashboardQuery,
             series: Mapping[str, DailySeries], periods: list[tuple[date, date]], book: TargetBook) -> ChartData:
    csv_url = chart_csv_url("me", spec.slug, query)
    return trend_chart(spec, query, series, periods, book, csv_url, drill_dimension=dimension,
                       drill_member=user.get_username())


def me_page(*, user: object, query: DashboardQuery) -> MePage:
    """The user's own row of each KPI of their area's breakdown by owner (sales) or assignee (support).

    A person's stored rows are evaluated like the business's, so each value equals their row in the
    API's breakdown (a count with no records is 0 here where the breakdown leaves the row out).
    """
    periods = list(split_range(query.start, query.end, query.grain))
    sections = []
    for area, dimension, title, kpis, specs in me_sections_for(user):
        series = load_series([*kpis, *(k for spec in specs for k in spec.kpis)], *series_span(query),
                             dimension=dimension, member=str(user.pk))
        book = target_book(kpi_keys=[kpi.key for kpi in kpis], first=query.start, last=query.end, owner_id=user.pk)
        cards = [
            build_card(kpi, series, query, periods, book, detail_url=_kpi_detail_url(kpi, user, query),
                       records_url=records_url(kpi.key, query.start, query.end, dimension, user.get_username()))
            for kpi in kpis
        ]
        charts = [me_chart(spec, dimension, user, query, series, periods, book) for spec in specs]
        sections.append(MeSection(area=area, dimension=dimension, title=title, cards=cards, charts=charts))
    return MePage(query=query, sections=sections, computed_at=last_rollup_at())


def me_chart_data(*, user: object, chart_slug: str, query: DashboardQuery) -> ChartData | None:
    for _area, dimension, _title, _kpis, specs in me_sections_for(user):
        for spec in specs:
            if spec.slug == chart_slug:
                periods = list(split_range(query.start, query.end, query.grain))
                series = load_series(spec.kpis, *series_span(query), dimension=dimension, member=str(user.pk))
                book = target_book(kpi_keys=[k.key for k in spec.kpis], first=query.start, last=query.end,
                                   owner_id=user.pk)
                return me_chart(spec, dimension, user, query, series, periods, book)
    return None


# --- one KPI -----------------------------------------------------------------------------------

@dataclass
class BreakdownTable:
    dimension: str
    label: str
    chart: ChartData
    progress: dict[str, TargetProgress]  # member id → its target progress, for people and teams


@dataclass
class KpiPage:
    kpi: Kpi
    query: DashboardQuery
    card: Card
    trend: ChartData
    breakdowns: list[BreakdownTable]
    computed_at: datetime | None


def kpi_csv_url(kpi: Kpi, query: DashboardQuery, dimension: str | None = None) -> str:
    return f"{reverse('kpi-csv', args=[kpi.key])}?{query.exact_querystring(dimension=dimension)}"


def kpi_trend(kpi: Kpi, query: DashboardQuery, series: Mapping[str, DailySeries], book: TargetBook) -> ChartData:
    periods = list(split_range(query.start, query.end, query.grain))
    spec = ChartSpec("trend", kpi.name, "line", (kpi,), target=True,
                     drill=kpi.key if drilldown_for(kpi.key) else None)
    return trend_chart(spec, query, series, periods, book, kpi_csv_url(kpi, query))


def kpi_breakdown(kpi: Kpi, dimension: str, query: DashboardQuery, series: Mapping[str, DailySeries]) -> ChartData:
    order = {"priority": "priority", "servqual_dimension": "servqual", "stage": "stage"}.get(dimension, "value")
    drill = drilldown_for(kpi.key)
    spec = ChartSpec(f"by-{dimension}", DIMENSION_LABELS.get(dimension, dimension), "hbar", (kpi,),
                     dimension=dimension, order=order,
                     drill=kpi.key if drill and dimension in drill.dimensions else None)
    return breakdown_chart(spec, query, series, kpi_csv_url(kpi, query, dimension))


def _people_and_team_progress(kpi: Kpi, dimension: str, chart: ChartData, query: DashboardQuery,
                              books: Mapping[tuple[str, str], TargetBook]) -> dict[str, TargetProgress]:
    scope = "team" if dimension == "team" else "person" if dimension in {"owner", "assignee"} else None
    if scope is None:
        return {}
    found = {}
    values = chart.datasets[0].values
    for index, row in enumerate(chart.rows):
        book = books.get((scope, row.ident[0]))
        if book:
            result = progress(kpi, book, values[index], query.start, query.end)
            if result is not None:
                found[row.ident[0]] = result
    return found


def scoped_target_books(kpi: Kpi, first: date, last: date) -> dict[tuple[str, str], TargetBook]:
    """Targets of people (by username) and teams (by name) for one KPI, in one query."""
    grouped: dict[tuple[str, str], list[Target]] = defaultdict(list)
    rows = (Target.objects.filter(kpi_key=kpi.key, period_start__gte=period_start(first, "quarter"),
                                  period_start__lte=last)
            .exclude(owner__isnull=True, team__isnull=True).select_related("owner", "team"))
    for target in rows:
        if target.owner_id:
            grouped[("person", target.owner.get_username())].append(target)
        else:
            grouped[("team", target.team.name)].append(target)
    return {key: TargetBook(targets) for key, targets in grouped.items()}


def kpi_page(*, kpi: Kpi, query: DashboardQuery, user: object) -> KpiPage:
    """One KPI: its card, its trend with the target line, and a breakdown per supported dimension."""
    periods = list(split_range(query.start, query.end, query.grain))
    series = load_series([kpi], *series_span(query))
    book = target_book(kpi_keys=[kpi.key], first=query.start, last=query.end)
    card = build_card(kpi, series, query, periods, book, detail_url=None,
                      records_url=records_url(kpi.key, query.start, query.end))
    scoped = scoped_target_books(kpi, query.start, query.end) if {"owner", "assignee", "team"} & set(kpi.dimensions) \
        else {}
    breakdowns = []
    for dimension in kpi.dimensions:
        chart = kpi_breakdown(kpi, dimension, query, series)
        chart.statuses = _people_and_team_progress(kpi, dimension, chart, query, scoped)
        breakdowns.append(BreakdownTable(dimension=dimension, label=str(DIMENSION_LABELS.get(dimension, dimension)),
                                         chart=chart, progress=chart.statuses))
    return KpiPage(kpi=kpi, query=query, card=card, trend=kpi_trend(kpi, query, series, book), breakdowns=breakdowns,
                   computed_at=last_rollup_at())


def kpi_chart_data(*, kpi: Kpi, query: DashboardQuery, dimension: str | None) -> ChartData:
    """The trend (no dimension) or one breakdown of a KPI, as its page draws it: for the CSV."""
    series = load_series([kpi], query.start, query.end)
    if dimension:
        return kpi_breakdown(kpi, dimension, query, series)
    book = target_book(kpi_keys=[kpi.key], first=query.start, last=query.end)
    return kpi_trend(kpi, query, series, book)
