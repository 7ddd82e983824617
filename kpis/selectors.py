"""Reading KPIs from the daily measures: any range, grain and breakdown, from snapshots only.

A request costs a fixed handful of queries whatever the range: one for the sums before the
range, one for the daily rows within it, and for a breakdown one per window kind plus label look-ups.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from core.ids import parse_record_id
from core.names import display_name_of
from crm import kpi_sources as crm_sources
from crm.kpi_sources import DealKind
from kpis.catalog import SERVQUAL_GAPS, Kpi
from kpis.models import DailyMeasure, RollupRun
from kpis.periods import split_range
from support.kpi_sources import Channel, Priority
from surveys import kpi_sources as survey_sources
from surveys.kpi_sources import SERVQUAL_DIMENSIONS

TRAILING_DAYS = 365
SERVQUAL_LABELS = {"tangibles": _("Tangibles"), "reliability": _("Reliability"),
                   "responsiveness": _("Responsiveness"), "assurance": _("Assurance"), "empathy": _("Empathy")}
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class KpiResult:
    value: float | None
    points: list[dict[str, object]]
    breakdown: list[dict[str, object]] | None
    computed_at: datetime | None


class DailySeries:
    """Cumulative sums of one measure's daily values over [first_day, last_day], plus what came before."""

    def __init__(self, first_day: date, last_day: date, before: float, daily: Mapping[date, float]) -> None:
        self.first_day = first_day
        self.before = before
        self.daily = daily
        length = (last_day - first_day).days + 1
        running = 0.0
        self.cumulative = [0.0] * length
        for offset in range(length):
            running += daily.get(first_day + timedelta(days=offset), 0.0)
            self.cumulative[offset] = running

    def through(self, day: date) -> float:
        """Sum of every value up to and including `day` (from the beginning of time)."""
        offset = (day - self.first_day).days
        if offset < 0:
            return self.before  # callers never ask for a day before first_day - 1, folded into `before`
        return self.before + self.cumulative[min(offset, len(self.cumulative) - 1)]

    def between(self, first: date, last: date) -> float:
        return self.through(last) - self.through(first - timedelta(days=1))


def _window_value(series: DailySeries, window: str, start: date, end: date) -> float:
    if window == "range":
        return series.between(start, end)
    if window == "through_end":
        return series.through(end)
    if window == "before_start":
        return series.through(start - timedelta(days=1))
    if window == "trailing_365":
        return series.between(end - timedelta(days=TRAILING_DAYS - 1), end)
    if window == "level_at_end":
        return series.daily.get(end, 0.0)
    raise ValueError(window)


def _measures_of(kpi: Kpi) -> set[str]:
    return {measure for measure, _ in kpi.inputs.values()}


def _load_series(kpi: Kpi, start: date, end: date) -> dict[str, DailySeries]:
    windows = {window for _, window in kpi.inputs.values()}
    first_day = start - timedelta(days=1)
    if "trailing_365" in windows:
        first_day = min(first_day, start - timedelta(days=TRAILING_DAYS))
    measures = _measures_of(kpi)
    cumulative = [m for m, w in kpi.inputs.values() if w in {"through_end", "before_start"}]
    before: dict[str, float] = defaultdict(float)
    if cumulative:
        rows = (DailyMeasure.objects.filter(measure__in=cumulative, dimension="", day__lt=first_day)
                .values("measure").annotate(total=Sum("value")).order_by())
        for row in rows:
            before[row["measure"]] = row["total"] or 0.0
    daily: dict[str, dict[date, float]] = defaultdict(dict)
    rows = DailyMeasure.objects.filter(measure__in=measures, dimension="", day__gte=first_day, day__lte=end)
    for measure, day, value in rows.values_list("measure", "day", "value"):
        daily[measure][day] = value
    return {m: DailySeries(first_day, end, before[m], daily[m]) for m in measures}


def evaluate(kpi: Kpi, series: Mapping[str, DailySeries], start: date, end: date) -> float | None:
    """The KPI's value over [start, end] from loaded daily series (shared by the API and the dashboards)."""
    values = {alias: _window_value(series[measure], window, start, end)
              for alias, (measure, window) in kpi.inputs.items()}
    return kpi.compute(values)


def present(kpi: Kpi, value: float | None) -> float | int | None:
    """JSON-ready number: cents for money, whole numbers for counts, full precision otherwise."""
    if value is None:
        return None
    if kpi.is_currency:
        return round(value, 2)
    if kpi.unit == "count":
        return round(value)
    return value


def _window_filter(window: str, start: date, end: date) -> Q:
    if window == "range":
        return Q(day__gte=start, day__lte=end)
    if window == "through_end":
        return Q(day__lte=end)
    if window == "before_start":
        return Q(day__lt=start)
    if window == "trailing_365":
        return Q(day__gte=end - timedelta(days=TRAILING_DAYS - 1), day__lte=end)
    return Q(day=end)


def _member_values(kpi: Kpi, stored_dimension: str, start: date, end: date) -> dict[str, dict[str, float]]:
    """Per member of a stored dimension, each input alias's summed value."""
    by_window: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for alias, (measure, window) in kpi.inputs.items():
        by_window[window].append((alias, measure))
    members: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(kpi.inputs, 0.0))
    for window, aliases in by_window.items():
        measures = {measure for _, measure in aliases}
        rows = (DailyMeasure.objects.filter(_window_filter(window, start, end), measure__in=measures,
                                            dimension=stored_dimension)
                .values("measure", "member").annotate(total=Sum("value")).order_by())
        totals = {(row["measure"], row["member"]): row["total"] for row in rows}
        for (measure, member), total in totals.items():
            for alias, aliased_measure in aliases:
                if aliased_measure == measure:
                    members[member][alias] = total
    # A member whose every input is 0 (say, a stage with nothing open at the end) has nothing to show.
    return {member: values for member, values in members.items() if any(values.values())}


def _record_ids(members: Iterable[str]) -> list[int]:
    """The members that are record ids (core.ids), as ints."""
    return [record_id for record_id in map(parse_record_id, members) if record_id is not None]


def _labels(dimension: str, member_ids: list[str]) -> dict[str, tuple[str, str]]:
    """member → (public id, label) per the API contract's id rules."""
    def by_pk(records: QuerySet, label_field: str = "name") -> dict[str, tuple[str, str]]:
        rows = records.filter(pk__in=_record_ids(member_ids)).values_list(
            "pk", "external_id", label_field)
        return {str(pk): (external_id or str(pk), str(label)) for pk, external_id, label in rows}

    if dimension in {"owner", "assignee"}:
        rows = crm_sources.users().filter(pk__in=_record_ids(member_ids)).values_list(
            "pk", "username", "full_name")
        return {str(pk): (username, full_name or username) for pk, username, full_name in rows}
    if dimension in {"pipeline", "stage"}:
        records = crm_sources.pipelines() if dimension == "pipeline" else crm_sources.stages()
        rows = records.filter(pk__in=_record_ids(member_ids)).values_list("pk", "external_id", "name", "name_fa")
        return {str(pk): (external_id or str(pk), display_name_of(name, name_fa))
                for pk, external_id, name, name_fa in rows}
    if dimension == "team":  # members are team names, which the public id stays
        rows = crm_sources.teams().filter(name__in=member_ids).values_list("name", "name_fa")
        persian = {name: (name, display_name_of(name, name_fa)) for name, name_fa in rows}
        return {m: persian.get(m, (m, m)) for m in member_ids}
    if dimension == "campaign":
        return by_pk(crm_sources.campaigns())
    if dimension == "survey":
        return by_pk(survey_sources.surveys())
    choices: dict[str, dict[str, str]] = {
        "priority": dict(Priority.choices), "channel": dict(Channel.choices),
        "deal_kind": dict(DealKind.choices),
    }
    names = choices.get(dimension, {})
    return {m: (m, str(names.get(m, m))) for m in member_ids}


def breakdown_rows(kpi: Kpi, dimension: str, start: date, end: date,
               series: Mapping[str, DailySeries]) -> list[dict[str, object]]:
    if dimension == "servqual_dimension":
        values = {alias: _window_value(series[measure], window, start, end)
                  for alias, (measure, window) in kpi.inputs.items()}
        return [{"id": d, "label": str(SERVQUAL_LABELS[d]), "value": present(kpi, SERVQUAL_GAPS[d](values))}
                for d in SERVQUAL_DIMENSIONS]
    stored = kpi.team_via if dimension == "team" else dimension
    members = _member_values(kpi, stored, start, end)
    if dimension == "team":
        team_of = dict(crm_sources.users().filter(pk__in=_record_ids(members), team__isnull=False)
                       .values_list("pk", "team__name"))
        teams: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(kpi.inputs, 0.0))
        for member, values in members.items():
            team = team_of.get(parse_record_id(member))
            if team is None:
                continue
            for alias, value in values.items():
                teams[team][alias] += value
        return sorted(({"id": team, "label": team, "value": present(kpi, kpi.compute(values))}
                       for team, values in teams.items()), key=lambda item: str(item["id"]))
    labels = _labels(dimension, list(members))
    result = []
    for member, values in members.items():
        public_id, label = labels.get(member, (member, member))
        result.append({"id": public_id, "label": label, "value": present(kpi, kpi.compute(values))})
    return sorted(result, key=lambda item: str(item["label"]))


RESULT_CACHE_SECONDS = 600


def cache_call(method: Callable[..., Any], *args: object) -> Any:
    """The cache only saves work: when it is unreachable (Redis down), answer from the snapshots."""
    try:
        return method(*args)
    except Exception:
        logger.warning("KPI cache unavailable", exc_info=True)
        return None


def latest_rollup() -> tuple[int, datetime] | None:
    return RollupRun.objects.order_by("-finished_at", "-id").values_list("id", "finished_at").first()


def kpi_result(*, kpi: Kpi, start: date, end: date, grain: str, dimension: str | None = None) -> KpiResult:
    """The KPI over [start, end], its points per calendar period of `grain`, and an optional breakdown.

    Snapshot rows change only in a roll-up, and every roll-up records a run, so an answer is cached
    under the latest run's identity: a repeated dashboard query costs one indexed look-up. A team
    breakdown is never cached, because a team is its members now and membership changes without a
    roll-up.
    """
    latest = latest_rollup()
    cache_key = None
    if latest is not None and dimension != "team":
        run_id, finished_at = latest
        cache_key = ":".join(["kpi", str(run_id), finished_at.isoformat(), settings.CRM_WEEK_START, kpi.key,
                              start.isoformat(), end.isoformat(), grain, dimension or ""])
        cached = cache_call(cache.get, cache_key)
        if cached is not None:
            return cached
    series = _load_series(kpi, start, end)
    points = [
        {"start": first, "end": last, "value": present(kpi, evaluate(kpi, series, first, last))}
        for first, last in split_range(start, end, grain)
    ]
    breakdown = breakdown_rows(kpi, dimension, start, end, series) if dimension else None
    result = KpiResult(value=present(kpi, evaluate(kpi, series, start, end)), points=points, breakdown=breakdown,
                       computed_at=latest[1] if latest else None)
    if cache_key is not None:
        cache_call(cache.set, cache_key, result, RESULT_CACHE_SECONDS)
    return result
