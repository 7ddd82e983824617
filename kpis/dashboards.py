"""Reads shaped for the dashboard pages: date ranges, cards, charts and a person's own numbers.

Everything here reads the snapshot tables through the KPI engine (`kpis.selectors`). A page loads
the daily rows of every measure its KPIs need in two queries (the sums before the span and the
daily rows within it), over a span that covers the range, the previous period of equal length and
the trailing windows, and evaluates each KPI, period and comparison from them in memory; a
breakdown chart adds its own few grouped queries. So a page costs the same number of queries for a
week as for twenty years.
"""

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.jalali import format_jalali, localize_digits, month_name, parse_jalali_date, persian_active, to_jalali
from core.permissions import can_read_area, role_of
from crm import kpi_sources as crm_sources
from crm.kpi_sources import DealKind, Role
from kpis import calculations as calc
from kpis.catalog import KPIS, NPS, Kpi
from kpis.dirty import business_zone
from kpis.formatting import chart_formats
from kpis.models import DailyMeasure, RollupRun
from kpis.periods import (
    GRAINS,
    GREGORIAN_GRAINS,
    JALALI_GRAINS,
    MAX_RANGE_DAYS,
    MONTHS_PER_PERIOD,
    month_index,
    period_start,
    split_range,
)
from kpis.records import drilldown_for
from kpis.selectors import (
    TRAILING_DAYS,
    DailySeries,
    breakdown_rows,
    cache_call,
    evaluate,
    latest_rollup,
    present,
)
from kpis.targets import TargetBook, TargetProgress, progress, target_book
from support.kpi_sources import Priority
from surveys.kpi_sources import SERVQUAL_DIMENSIONS

# --- date ranges -------------------------------------------------------------------------------

PRESETS: dict[str, Promise] = {
    "this_month": _("This month"),
    "last_month": _("Last month"),
    "this_quarter": _("This quarter"),
    "last_90_days": _("Last 90 days"),
    "year_to_date": _("Year to date"),
    "last_12_months": _("Last 12 months"),
    "this_jmonth": _("This Jalali month"),
    "last_jmonth": _("Last Jalali month"),
    "this_jquarter": _("This Jalali quarter"),
    "jyear_to_date": _("Jalali year to date"),
    "custom": _("Custom"),
}
JALALI_PRESETS = frozenset({"this_jmonth", "last_jmonth", "this_jquarter", "jyear_to_date"})
GRAIN_LABELS: dict[str, Promise] = {
    "day": _("Day"), "week": _("Week"), "month": _("Month"), "quarter": _("Quarter"), "year": _("Year"),
    "jmonth": _("Jalali month"), "jquarter": _("Jalali quarter"), "jyear": _("Jalali year"),
}
DIMENSION_LABELS: dict[str, Promise] = {
    "owner": _("Owner"), "team": _("Team"), "pipeline": _("Pipeline"), "stage": _("Stage"),
    "campaign": _("Campaign"), "deal_kind": _("Deal kind"), "assignee": _("Assignee"), "priority": _("Priority"),
    "channel": _("Channel"), "survey": _("Survey"), "servqual_dimension": _("SERVQUAL dimension"),
}
DEFAULT_PRESET = "last_90_days"
# A chart draws at most this many periods; a finer grain is coarsened with a message.
MAX_POINTS = 400
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def offered_presets(current: str = "") -> list[tuple[str, Promise]]:
    """The presets a page offers, `custom` included: the Jalali ones only on Persian pages.

    Any preset still resolves whoever opens the link; a Jalali one that a shared link chose is also
    offered on an English page, so the controls show the range the page is showing.
    """
    persian = persian_active()
    return [(key, label) for key, label in PRESETS.items()
            if persian or key not in JALALI_PRESETS or key == current]


def resolve_range(preset: str, today: date, start: date | None = None, end: date | None = None) -> tuple[date, date]:
    """The inclusive local dates [start, end] a preset means on `today`; a pure function.

    Periods "to date" end today: this month is the 1st of the month through today, this quarter and
    year to date likewise; last month is the whole previous calendar month; last 90 days is today and
    the 89 days before it; last 12 months is the 12 calendar months up to and including this one
    (its first day is the 1st of the month 11 months ago). The Jalali presets mean the same of the
    Jalali calendar (this Jalali month is 1 Farvardin… of the current month through today, and so on).
    `custom` is [start, end] as given.
    Raises ValueError for an unknown preset, a custom range without both dates or one that ends
    before it starts.
    """
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        first_of_this = today.replace(day=1)
        last = first_of_this - timedelta(days=1)
        return last.replace(day=1), last
    if preset == "this_quarter":
        return period_start(today, "quarter"), today
    if preset == "last_90_days":
        return today - timedelta(days=89), today
    if preset == "year_to_date":
        return date(today.year, 1, 1), today
    if preset == "last_12_months":
        index = today.year * 12 + today.month - 1 - 11
        return date(index // 12, index % 12 + 1, 1), today
    if preset == "this_jmonth":
        return period_start(today, "jmonth"), today
    if preset == "last_jmonth":
        last = period_start(today, "jmonth") - timedelta(days=1)
        return period_start(last, "jmonth"), last
    if preset == "this_jquarter":
        return period_start(today, "jquarter"), today
    if preset == "jyear_to_date":
        return period_start(today, "jyear"), today
    if preset == "custom":
        if start is None or end is None:
            raise ValueError("a custom range needs a start and an end")
        if start > end:
            raise ValueError("a range cannot end before it starts")
        return start, end
    raise ValueError(f"unknown preset {preset!r}")


def point_count(start: date, end: date, grain: str) -> int:
    """How many periods of `grain` meet [start, end], without listing them."""
    first = period_start(start, grain)
    if grain == "day":
        return (end - start).days + 1
    if grain == "week":
        return (end - first).days // 7 + 1
    span = month_index(end, grain) - month_index(first, grain)
    return span // MONTHS_PER_PERIOD[grain] + 1


def default_grain(start: date, end: date, *, jalali: bool = False) -> str:
    """The grain a range reads best at: days up to two months, weeks up to about half a year, then months.

    With `jalali`, months, quarters and years are those of the Jalali calendar.
    """
    days = (end - start).days + 1
    if days <= 62:
        return "day"
    if days <= 190:
        return "week"
    grain = "month" if days <= 3 * 366 else "quarter" if days <= 10 * 366 else "year"
    return f"j{grain}" if jalali else grain


def fitting_grain(start: date, end: date, grain: str) -> str:
    """`grain`, or the finest coarser one of its calendar that draws at most MAX_POINTS periods."""
    family = JALALI_GRAINS if grain in JALALI_GRAINS else GREGORIAN_GRAINS
    for candidate in family[family.index(grain):]:
        if point_count(start, end, candidate) <= MAX_POINTS:
            return candidate
    return family[-1]


@dataclass(frozen=True)
class DashboardQuery:
    """A page's range and grain, with the problems found in the query string it came from."""

    start: date
    end: date
    grain: str
    preset: str
    problems: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> tuple[date, date]:
        """The period of equal length just before the range."""
        return self.start - timedelta(days=self.days), self.start - timedelta(days=1)

    def params(self, **overrides: object) -> dict[str, str]:
        """Query parameters that reproduce this view: a relative preset stays relative when shared."""
        values: dict[str, str] = {"preset": self.preset}
        if self.preset == "custom":
            values.update(start=self.start.isoformat(), end=self.end.isoformat())
        values["grain"] = self.grain
        values.update({key: str(value) for key, value in overrides.items() if value is not None})
        return values

    def querystring(self, **overrides: object) -> str:
        return urlencode(self.params(**overrides))

    def exact_querystring(self, **extra: object) -> str:
        """Absolute dates, for downloads and drill-downs that must mean the same days tomorrow."""
        values = {"start": self.start.isoformat(), "end": self.end.isoformat(), "grain": self.grain}
        values.update({key: str(value) for key, value in extra.items() if value is not None})
        return urlencode(values)


def business_today() -> date:
    return timezone.localdate(timezone=business_zone())


def _parse_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if EARLIEST_DATE <= value <= LATEST_DATE else None


def dashboard_query(params: Mapping[str, str], *, today: date) -> DashboardQuery:
    """Read preset, start, end and grain from a query string, never failing.

    A value that cannot be used is replaced by a sensible default (the last 90 days; the grain that suits
    the range) and named in `problems`, which the page shows.
    """
    problems: list[str] = []
    preset = (params.get("preset") or "").strip()
    raw_start, raw_end = params.get("start"), params.get("end")
    if not preset:
        preset = "custom" if (raw_start or raw_end) else DEFAULT_PRESET
    if preset not in PRESETS:
        problems.append(gettext("Unknown range “%(preset)s”: showing the last 90 days.") % {"preset": preset[:40]})
        preset = DEFAULT_PRESET
    start = end = None
    # calendar=jalali: the dates were typed in the Jalali calendar, so months are read as Jalali months too.
    jalali_input = (params.get("calendar") or "").strip() == "jalali"
    if preset == "custom":
        known_problems = len(problems)
        if jalali_input:
            start, end = _parse_jalali_date(raw_start, problems), _parse_jalali_date(raw_end, problems)
        else:
            start, end = _parse_date(raw_start), _parse_date(raw_end)
        if len(problems) > known_problems:
            pass  # the Jalali parser has named the impossible date
        elif start is None or end is None:
            problems.append(gettext("A custom range needs a start and an end date (YYYY-MM-DD between 1900 and 2999): "
                               "showing the last 90 days."))
        elif start > end:
            problems.append(gettext("The end date is before the start date: showing the last 90 days."))
        elif (end - start).days > MAX_RANGE_DAYS:
            problems.append(gettext("A range may span at most 20 years: showing the last 90 days."))
        else:
            return _with_grain(params, start, end, preset, problems, jalali=jalali_input)
        preset = DEFAULT_PRESET
    start, end = resolve_range(preset, today)
    return _with_grain(params, start, end, preset, problems, jalali=jalali_input or preset in JALALI_PRESETS)


def _parse_jalali_date(text: str | None, problems: list[str]) -> date | None:
    """A Jalali date typed in the range form; an impossible one is named in `problems`."""
    if not text:
        return None
    try:
        value = parse_jalali_date(text)
    except ValueError as exc:
        problems.append(gettext("“%(text)s”: %(problem)s Showing the last 90 days.")
                        % {"text": text.strip()[:40], "problem": exc})
        return None
    return value if EARLIEST_DATE <= value <= LATEST_DATE else None


def _with_grain(params: Mapping[str, str], start: date, end: date, preset: str,
                problems: list[str], *, jalali: bool = False) -> DashboardQuery:
    grain = (params.get("grain") or "").strip()
    if grain and grain not in GRAINS:
        problems.append(gettext("Unknown grain “%(grain)s”: choose day, week, month, quarter or year, or a Jalali "
                           "month, quarter or year.") % {"grain": grain[:40]})
        grain = ""
    if not grain:
        grain = default_grain(start, end, jalali=jalali)
    fitted = fitting_grain(start, end, grain)
    if fitted != grain:
        problems.append(gettext("%(count)s points are too many for one chart: showing %(grain)s instead.")
                        % {"count": point_count(start, end, grain), "grain": GRAIN_LABELS[fitted]})
        grain = fitted
    return DashboardQuery(start=start, end=end, grain=grain, preset=preset, problems=tuple(problems))


# --- formatting of periods ---------------------------------------------------------------------

def period_label(first: date, last: date, grain: str) -> str:
    """A short, localized name for one point of a chart."""
    if grain == "year":
        return str(first.year)
    if grain == "quarter":
        return gettext("Q%(quarter)s %(year)s") % {"quarter": (first.month - 1) // 3 + 1, "year": first.year}
    if grain == "month":
        return formats.date_format(first, "M Y")
    if grain == "jyear":
        return localize_digits(str(to_jalali(first).year))
    if grain == "jquarter":
        jalali = to_jalali(first)
        return localize_digits(gettext("Q%(quarter)s %(year)s") % {"quarter": (jalali.month - 1) // 3 + 1,
                                                              "year": jalali.year})
    if grain == "jmonth":
        return format_jalali(first, "%B %Y")
    if persian_active():  # days and weeks: a Persian reader counts dates in the Jalali calendar
        jalali_first, jalali_last = to_jalali(first), to_jalali(last)
        label = f"{jalali_first.day} {month_name(jalali_first.month)}"
        return localize_digits(label if jalali_first.year == jalali_last.year else f"{label} {jalali_first.year}")
    return formats.date_format(first, "j M" if first.year == last.year else "j M Y")


# --- dashboard definitions ---------------------------------------------------------------------

def _share_of_nps(part: str) -> Callable[[Mapping[str, float]], float | None]:
    def share(v: Mapping[str, float]) -> float | None:
        return calc.ratio(v[part], v["promoters"] + v["passives"] + v["detractors"])

    return share


# Figures a chart draws that are not catalog KPIs but come from the same stored measures.
OPEN_DEALS = Kpi("open_deals", _("Open deals"), _("Deals open at the end of the period."),
                 _("count of deals created and not closed at the end"), "count", "up", "state", "sales",
                 {"open": ("open_count_delta", "through_end")}, lambda v: v["open"],
                 ("owner", "team", "pipeline", "stage"))
NPS_MIX = tuple(
    Kpi(f"nps_{part}", label, label, label, "ratio", direction, "flow", "surveys", NPS, _share_of_nps(part))
    for part, label, direction in (
        ("promoters", _("Promoters (9–10)"), "up"),
        ("passives", _("Passives (7–8)"), "none"),
        ("detractors", _("Detractors (0–6)"), "down"),
    )
)


def _score_mix(kind: str, labels: tuple[Promise, ...], directions: tuple[str, ...]) -> tuple[Kpi, ...]:
    """Each score's share of a 1–5 survey's answers in a period: the distribution, drawn as stacked bars."""
    inputs = {str(score): (f"{kind}_score_{score}", "range") for score in range(1, 6)}

    def share(score: int) -> Callable[[Mapping[str, float]], float | None]:
        return lambda v: calc.ratio(v[str(score)], sum(v[str(s)] for s in range(1, 6)))

    return tuple(Kpi(f"{kind}_score_{score}", label, label, label, "ratio", direction, "flow", "surveys", inputs,
                     share(score))
                 for score, label, direction in zip(range(1, 6), labels, directions, strict=True))


CSAT_MIX = _score_mix("csat", (_("1 · very dissatisfied"), _("2 · dissatisfied"), _("3 · neutral"),
                               _("4 · satisfied"), _("5 · very satisfied")),
                      ("down", "down", "none", "up", "up"))
CES_MIX = _score_mix("ces", (_("1 · very easy"), _("2 · easy"), _("3 · neither"), _("4 · difficult"),
                             _("5 · very difficult")),
                     ("up", "up", "none", "down", "down"))


@dataclass(frozen=True)
class ChartSpec:
    """One chart: a trend of KPIs over the range's periods, or, with `dimension`, a breakdown."""

    slug: str
    title: Promise
    kind: str  # "line", "bar", "hbar" (horizontal bars) or "stacked" (stacked bars)
    kpis: tuple[Kpi, ...]
    dimension: str | None = None
    secondary: tuple[str, ...] = ()  # keys of the KPIs drawn against a second value axis
    target: bool = False  # draw the target line of its (single) KPI
    drill: str | None = None  # the KPI whose records a point or row opens
    order: str = "label"  # breakdown rows: "label", "value" (largest first), "priority", "stage", "servqual"
    note: Promise | None = None


def kpis_of(*keys: str) -> tuple[Kpi, ...]:
    return tuple(KPIS[key] for key in keys)


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: Promise
    intro: Promise
    areas: tuple[str, ...]  # the user must read every one of these areas; () = everyone
    cards: tuple[Kpi, ...]
    charts: tuple[ChartSpec, ...]


SALES = Dashboard(
    "sales", _("Sales"), _("Revenue, deals and the pipeline."), ("sales",),
    kpis_of("revenue", "deals_won", "win_rate", "avg_deal_value", "sales_cycle_days", "sales_velocity",
            "open_pipeline_value", "weighted_pipeline_value"),
    (
        ChartSpec("revenue", _("Revenue"), "line", kpis_of("revenue"), target=True, drill="revenue"),
        ChartSpec("deals", _("Deals won and created"), "line", kpis_of("deals_won", "deals_created"),
                  drill="deals_won"),
        ChartSpec("pipeline", _("Open and weighted pipeline"), "line",
                  kpis_of("open_pipeline_value", "weighted_pipeline_value")),
        ChartSpec("funnel", _("Pipeline funnel by stage"), "hbar", (OPEN_DEALS, KPIS["open_pipeline_value"]),
                  dimension="stage", secondary=("open_deals",), order="stage",
                  note=_("Deals open at the end of the range, in each stage: their number and amount.")),
        ChartSpec("revenue-by-owner", _("Revenue by owner"), "hbar", kpis_of("revenue"), dimension="owner",
                  order="value", drill="revenue"),
    ),
)
MARKETING = Dashboard(
    "marketing", _("Marketing"), _("Leads, customers, spend and returns."), ("marketing",),
    kpis_of("new_leads", "new_customers", "lead_conversion_rate", "marketing_spend", "cac", "campaign_roi", "clv",
            "clv_cac_ratio", "churn_rate", "retention_rate", "active_customers"),
    (
        ChartSpec("leads", _("New leads and new customers"), "line", kpis_of("new_leads", "new_customers")),
        ChartSpec("spend", _("Marketing spend and campaign revenue"), "line",
                  kpis_of("marketing_spend", "campaign_revenue")),
        ChartSpec("campaign-roi", _("Campaign ROI by campaign"), "bar", kpis_of("campaign_roi"),
                  dimension="campaign", order="value"),
        ChartSpec("churn", _("Churn and retention"), "line", kpis_of("churn_rate", "retention_rate")),
        ChartSpec("active-customers", _("Active customers"), "line", kpis_of("active_customers"), target=True),
    ),
)
SERVICE = Dashboard(
    "service", _("Service"), _("Tickets, response times, SLAs and what customers say."), ("support", "surveys"),
    kpis_of("tickets_created", "tickets_resolved", "backlog", "first_response_hours", "resolution_hours",
            "reply_time_hours", "sla_breach_rate", "nps", "csat", "csat_avg", "ces", "servqual_gap",
            "survey_response_rate"),
    (
        ChartSpec("tickets", _("Tickets created and resolved"), "line", kpis_of("tickets_created", "tickets_resolved")),
        ChartSpec("backlog", _("Backlog"), "line", kpis_of("backlog"), target=True),
        ChartSpec("times", _("First response and resolution time"), "line",
                  kpis_of("first_response_hours", "resolution_hours"), secondary=("resolution_hours",)),
        ChartSpec("sla-by-priority", _("SLA breach rate by priority"), "bar", kpis_of("sla_breach_rate"),
                  dimension="priority", order="priority", drill="sla_breach_rate"),
        ChartSpec("nps", _("Net Promoter Score"), "line", kpis_of("nps"), target=True, drill="nps"),
        ChartSpec("nps-mix", _("Promoters, passives and detractors"), "stacked", NPS_MIX),
        ChartSpec("csat-mix", _("CSAT answers by score"), "stacked", CSAT_MIX),
        ChartSpec("ces-mix", _("Customer effort answers by score"), "stacked", CES_MIX),
        ChartSpec("servqual", _("SERVQUAL gaps by dimension"), "bar", kpis_of("servqual_gap"),
                  dimension="servqual_dimension", order="servqual",
                  note=_("Perception minus expectation: below zero, service falls short of what customers expect.")),
    ),
)
DASHBOARDS: dict[str, Dashboard] = {board.slug: board for board in (SALES, MARKETING, SERVICE)}

# A person's own numbers: the KPIs with a breakdown by the person who owns the work.
ME_SECTIONS: tuple[tuple[str, str, Promise, tuple[Kpi, ...], tuple[ChartSpec, ...]], ...] = (
    ("sales", "owner", _("My deals"),
     kpis_of("revenue", "deals_won", "deals_created", "win_rate", "avg_deal_value", "sales_cycle_days",
             "sales_velocity", "open_pipeline_value", "weighted_pipeline_value"),
     (ChartSpec("my-revenue", _("My revenue"), "line", kpis_of("revenue"), target=True, drill="revenue"),)),
    ("support", "assignee", _("My tickets"),
     kpis_of("tickets_resolved", "tickets_created", "backlog", "first_response_hours", "resolution_hours",
             "reply_time_hours", "sla_breach_rate", "nps", "csat", "csat_avg", "ces"),
     (ChartSpec("my-tickets", _("My tickets created and resolved"), "line",
                kpis_of("tickets_created", "tickets_resolved")),)),
)


def can_open(user: object, board: Dashboard) -> bool:
    return all(can_read_area(user, area) for area in board.areas)


def dashboards_for(user: object) -> list[Dashboard]:
    return [board for board in DASHBOARDS.values() if can_open(user, board)]


def me_sections_for(user: object) -> list[tuple[str, str, Promise, tuple[Kpi, ...], tuple[ChartSpec, ...]]]:
    """Sales staff see their deals, support staff their tickets; managers and admins both."""
    role = role_of(user)
    if role == Role.SALES:
        return [ME_SECTIONS[0]]
    if role == Role.SUPPORT:
        return [ME_SECTIONS[1]]
    return list(ME_SECTIONS)


def can_manage(user: object) -> bool:
    """Managers and admins set targets and start a roll-up."""
    return role_of(user) in {Role.MANAGER, Role.ADMIN}


# --- loading daily rows once for many KPIs ----------------------------------------------------

SERIES_CACHE_SECONDS = 600

def load_series(kpis: Iterable[Kpi], first: date, last: date, *, dimension: str = "",
                member: str = "") -> dict[str, DailySeries]:
    """Daily series of every measure these KPIs read, enough to evaluate them on any span within
    [first, last] (trailing windows included). Two queries whatever the span.

    With `dimension` and `member`, the series of one member of a stored dimension (a person's rows),
    which evaluates to that member's breakdown value.
    """
    kpis = list(kpis)
    windows = {window for kpi in kpis for _, window in kpi.inputs.values()}
    first_day = first - timedelta(days=1)
    if "trailing_365" in windows:
        first_day = min(first_day, first - timedelta(days=TRAILING_DAYS))
    measures = {measure for kpi in kpis for measure, _ in kpi.inputs.values()}
    cumulative = {measure for kpi in kpis for measure, window in kpi.inputs.values()
                  if window in {"through_end", "before_start"}}
    # Snapshot rows change only in a roll-up, so the series are cached under the latest run, as the
    # API's answers are: a page opened again (by anyone) costs one cache read instead of the rows.
    latest = latest_rollup()
    cache_key = None
    if latest is not None:
        names = ",".join(sorted(measures)) + "|" + ",".join(sorted(cumulative))
        cache_key = ":".join(["series", str(latest[0]), latest[1].isoformat(), dimension, member,
                              first_day.isoformat(), last.isoformat(), hashlib.sha1(names.encode()).hexdigest()])
        cached = cache_call(cache.get, cache_key)
        if cached is not None:
            return cached
    series = _read_series(measures, cumulative, first_day, last, dimension, member)
    if cache_key is not None:
        cache_call(cache.set, cache_key, series, SERIES_CACHE_SECONDS)
    return series


def _read_series(measures: set[str], cumulative: set[str], first_day: date, last: date, dimension: str,
                 member: str) -> dict[str, DailySeries]:
    before: dict[str, float] = defaultdict(float)
    if cumulative:
        rows = (DailyMeasure.objects.filter(measure__in=cumulative, dimension=dimension, member=member,
                                            day__lt=first_day)
                .values("measure").annotate(total=Sum("value")).order_by())
        for row in rows:
            before[row["measure"]] = row["total"] or 0.0
    daily: dict[str, dict[date, float]] = defaultdict(dict)
    rows = DailyMeasure.objects.filter(measure__in=measures, dimension=dimension, member=member,
                                       day__gte=first_day, day__lte=last)
    for measure, day, value in rows.values_list("measure", "day", "value"):
        daily[measure][day] = value
    return {measure: DailySeries(first_day, last, before[measure], daily[measure]) for measure in measures}


def presented_value(kpi: Kpi, series: Mapping[str, DailySeries], first: date, last: date) -> float | int | None:
    """The KPI over [first, last], as the API presents it."""
    return present(kpi, evaluate(kpi, series, first, last))


def last_rollup_at() -> datetime | None:
    """When the newest roll-up finished: the freshness every KPI result reports."""
    return RollupRun.objects.order_by("-finished_at").values_list("finished_at", flat=True).first()


# --- cards -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """A value against the previous period: relative for amounts and counts, in points for rates and
    scores. `good` is None when the KPI has no direction or nothing changed."""

    delta: float
    relative: float | None
    mode: str  # "relative", "points" (percentage points) or "absolute"
    good: bool | None

    @property
    def arrow(self) -> str:
        return "up" if self.delta > 0 else "down" if self.delta < 0 else "flat"


def change_between(kpi: Kpi, value: float | None, previous: float | None) -> Change | None:
    if value is None or previous is None:
        return None
    delta = float(value) - float(previous)
    good = None
    if delta and kpi.direction in {"up", "down"}:
        good = (delta > 0) == (kpi.direction == "up")
    if kpi.unit == "ratio":
        return Change(delta=delta, relative=None, mode="points", good=good)
    if kpi.unit in {"score", "score5", "gap"}:
        return Change(delta=delta, relative=None, mode="absolute", good=good)
    if previous == 0:
        return Change(delta=delta, relative=None, mode="absolute", good=good) if delta else \
            Change(delta=0.0, relative=0.0, mode="relative", good=None)
    return Change(delta=delta, relative=delta / abs(float(previous)), mode="relative", good=good)


@dataclass
class Card:
    kpi: Kpi
    value: float | int | None
    previous: float | int | None
    change: Change | None
    sparkline: list[float | int | None]
    target: TargetProgress | None
    detail_url: str | None
    records_url: str | None


def _card(kpi: Kpi, series: Mapping[str, DailySeries], query: DashboardQuery, periods: list[tuple[date, date]],
          book: TargetBook, *, detail_url: str | None, records_url: str | None) -> Card:
    value = presented_value(kpi, series, query.start, query.end)
    previous = presented_value(kpi, series, *query.previous)
    return Card(
        kpi=kpi, value=value, previous=previous, change=change_between(kpi, value, previous),
        sparkline=[presented_value(kpi, series, first, last) for first, last in periods],
        target=progress(kpi, book, value, query.start, query.end), detail_url=detail_url, records_url=records_url,
    )


# --- charts ------------------------------------------------------------------------------------

@dataclass
class Dataset:
    key: str  # the CSV column
    label: str
    unit: str
    values: list[float | int | None]
    axis: str = "primary"
    role: str = "value"  # "value" or "target"
    direction: str = "none"  # the KPI's good direction: stacked shares are coloured good, neutral or bad by it


@dataclass
class ChartRow:
    """One period (trend) or one member (breakdown) of a chart."""

    label: str
    ident: tuple[str, str]  # (start, end) of a period, or (id, label) of a member
    link: str | None = None


@dataclass
class ChartData:
    spec: ChartSpec
    trend: bool
    rows: list[ChartRow]
    datasets: list[Dataset]
    csv_url: str
    dom_id: str
    statuses: dict[str, TargetProgress] = field(default_factory=dict)  # breakdown member id → target progress

    @property
    def title(self) -> str:
        return str(self.spec.title)

    @property
    def data_id(self) -> str:
        return f"{self.dom_id}-data"

    @property
    def dimension_label(self) -> str:
        return str(DIMENSION_LABELS.get(self.spec.dimension or "", self.spec.dimension or ""))

    @property
    def is_empty(self) -> bool:
        return not self.rows or all(value is None for ds in self.datasets for value in ds.values)

    def payload(self) -> dict[str, object]:
        """What dashboard.js draws (embedded with json_script): exactly the numbers of the table and CSV,
        with how to write them (amount style and unit patterns) in the page's language."""
        return {
            "kind": self.spec.kind, "title": self.title, "trend": self.trend, "currency": settings.CRM_CURRENCY,
            **chart_formats(),
            "labels": [row.label for row in self.rows], "links": [row.link for row in self.rows],
            "datasets": [{"key": ds.key, "label": ds.label, "unit": ds.unit, "values": ds.values, "axis": ds.axis,
                          "role": ds.role, "direction": ds.direction} for ds in self.datasets],
        }

    def csv_header(self) -> list[str]:
        return (["start", "end"] if self.trend else ["id", "label"]) + [ds.key for ds in self.datasets]

    def csv_rows(self) -> list[list[object]]:
        return [[*row.ident, *(ds.values[index] for ds in self.datasets)] for index, row in enumerate(self.rows)]

    def table_rows(self) -> list[tuple[ChartRow, list[tuple[float | int | None, str]], TargetProgress | None]]:
        return [(row, [(ds.values[index], ds.unit) for ds in self.datasets], self.statuses.get(row.ident[0]))
                for index, row in enumerate(self.rows)]


SERVQUAL_LABELS: dict[str, Promise] = {
    "tangibles": _("Tangibles"), "reliability": _("Reliability"), "responsiveness": _("Responsiveness"),
    "assurance": _("Assurance"), "empathy": _("Empathy"),
}
PRIORITY_ORDER = [Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW]


def records_url(kpi_key: str, first: date, last: date, dimension: str | None = None,
                member: str | None = None) -> str | None:
    """The drill-down list behind one number, when the KPI has one (and supports the dimension)."""
    drill = drilldown_for(kpi_key)
    if drill is None or (dimension and dimension not in drill.dimensions):
        return None
    params = {"start": first.isoformat(), "end": last.isoformat()}
    if dimension and member is not None:
        params.update(dimension=dimension, member=member)
    return f"{reverse('kpi-records', args=[kpi_key])}?{urlencode(params)}"


def trend_chart(spec: ChartSpec, query: DashboardQuery, series: Mapping[str, DailySeries],
                periods: list[tuple[date, date]], book: TargetBook, csv_url: str, *,
                drill_dimension: str | None = None, drill_member: str | None = None) -> ChartData:
    rows = [
        ChartRow(label=period_label(first, last, query.grain), ident=(first.isoformat(), last.isoformat()),
                 link=records_url(spec.drill, first, last, drill_dimension, drill_member) if spec.drill else None)
        for first, last in periods
    ]
    datasets = [
        Dataset(key=kpi.key, label=str(kpi.name), unit=kpi.unit, direction=kpi.direction,
                values=[presented_value(kpi, series, first, last) for first, last in periods],
                axis="secondary" if kpi.key in spec.secondary else "primary")
        for kpi in spec.kpis
    ]
    if spec.target and len(spec.kpis) == 1:
        kpi = spec.kpis[0]
        expected = [book.expected(kpi, first, last) for first, last in periods]
        if any(value is not None for value in expected):
            datasets.append(Dataset(key="target", label=gettext("Target"), unit=kpi.unit, role="target",
                                    values=[present(kpi, value) if value is not None else None for value in expected]))
    return ChartData(spec=spec, trend=True, rows=rows, datasets=datasets, csv_url=csv_url,
                     dom_id=f"chart-{spec.slug}")


def _relabel(dimension: str, rows: list[dict[str, object]]) -> None:
    """Translated names where the engine gives stored codes."""
    names: dict[str, object] = {}
    if dimension == "deal_kind":
        names = dict(DealKind.choices)
    elif dimension == "servqual_dimension":
        names = SERVQUAL_LABELS
    elif dimension == "priority":
        names = dict(Priority.choices)
    for row in rows:
        if row["id"] in names:
            row["label"] = str(names[row["id"]])


def _ordered_members(spec: ChartSpec, merged: dict[str, dict[str, object]], first_key: str) -> list[str]:
    ids = list(merged)
    if spec.order == "priority":
        rank = {str(p): index for index, p in enumerate(PRIORITY_ORDER)}
        return sorted(ids, key=lambda i: rank.get(i, len(rank)))
    if spec.order == "servqual":
        return [d for d in SERVQUAL_DIMENSIONS if d in merged]
    if spec.order == "value":
        def by_value(i: str) -> tuple[bool, float]:
            value = merged[i]["values"].get(first_key)
            return value is None, -(value or 0)

        return sorted(ids, key=by_value)
    if spec.order == "stage":
        stages = {
            (external_id or str(pk)): (pipeline, position, pk)
            for pk, external_id, pipeline, position in crm_sources.stages().values_list(
                "pk", "external_id", "pipeline__name", "position")
        }
        pipelines = {stages[i][0] for i in ids if i in stages}
        for i in ids:
            if len(pipelines) > 1 and i in stages:
                merged[i]["label"] = f"{stages[i][0]} / {merged[i]['label']}"
        return sorted(ids, key=lambda i: stages.get(i, ("", 0, 0)))
    return sorted(ids, key=lambda i: str(merged[i]["label"]))


def cached_breakdown_rows(kpi: Kpi, dimension: str, start: date, end: date,
                          series: Mapping[str, DailySeries]) -> list[dict[str, object]]:
    """breakdown_rows, cached under the latest roll-up like the series; never for teams, which are their
    members now (membership changes without a roll-up)."""
    latest = latest_rollup() if dimension != "team" else None
    if latest is None:
        return breakdown_rows(kpi, dimension, start, end, series)
    key = ":".join(["breakdown", str(latest[0]), latest[1].isoformat(), settings.CRM_WEEK_START, kpi.key, dimension,
                    start.isoformat(), end.isoformat()])
    rows = cache_call(cache.get, key)
    if rows is None:
        rows = breakdown_rows(kpi, dimension, start, end, series)
        cache_call(cache.set, key, rows, SERIES_CACHE_SECONDS)
    return [dict(row) for row in rows]  # callers relabel rows in place


def breakdown_chart(spec: ChartSpec, query: DashboardQuery, series: Mapping[str, DailySeries],
                    csv_url: str) -> ChartData:
    """Each KPI of the chart broken down by its dimension over the whole range, rows merged by member id."""
    assert spec.dimension is not None
    merged: dict[str, dict[str, object]] = {}
    for kpi in spec.kpis:
        rows = cached_breakdown_rows(kpi, spec.dimension, query.start, query.end, series)
        _relabel(spec.dimension, rows)
        for row in rows:
            entry = merged.setdefault(str(row["id"]), {"label": str(row["label"]), "values": {}})
            entry["values"][kpi.key] = row["value"]
    order = _ordered_members(spec, merged, spec.kpis[0].key)
    rows = [
        ChartRow(label=str(merged[i]["label"]), ident=(i, str(merged[i]["label"])),
                 link=records_url(spec.drill, query.start, query.end, spec.dimension, i) if spec.drill else None)
        for i in order
    ]
    datasets = [
        Dataset(key=kpi.key, label=str(kpi.name), unit=kpi.unit, direction=kpi.direction,
                values=[merged[i]["values"].get(kpi.key) for i in order],
                axis="secondary" if kpi.key in spec.secondary else "primary")
        for kpi in spec.kpis
    ]
    return ChartData(spec=spec, trend=False, rows=rows, datasets=datasets, csv_url=csv_url, dom_id=f"chart-{spec.slug}")


# --- pages -------------------------------------------------------------------------------------

def series_span(query: DashboardQuery) -> tuple[date, date]:
    """The days a page reads: the previous period through the range's end."""
    return query.previous[0], query.end


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
        _card(kpi, series, query, periods, book, detail_url=_kpi_detail_url(kpi, user, query),
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
            _card(kpi, series, query, periods, book, detail_url=_kpi_detail_url(kpi, user, query),
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
    from kpis.models import Target

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
    card = _card(kpi, series, query, periods, book, detail_url=None, records_url=records_url(kpi.key, query.start,
                                                                                             query.end))
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
