"""Reading KPI values from the snapshot tables through the KPI engine (`kpis.selectors`).

A page loads the daily rows of every measure its KPIs need in two queries (the sums before the span
and the daily rows within it), over a span that covers the range, the previous period of equal length
and the trailing windows, and evaluates each KPI, period and comparison from them in memory; a
breakdown chart adds its own few grouped queries. So a page costs the same number of queries for a
week as for twenty years. The series and the breakdown rows are cached under the latest roll-up,
which alone changes the snapshot rows (save a team's breakdown: its members change without one).
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum

from kpis.catalog import Kpi
from kpis.dashboards.ranges import DashboardQuery
from kpis.models import DailyMeasure, RollupRun
from kpis.selectors import TRAILING_DAYS, DailySeries, breakdown_rows, cache_call, evaluate, latest_rollup, present

SERIES_CACHE_SECONDS = 600


def series_span(query: DashboardQuery) -> tuple[date, date]:
    """The days a page reads: the previous period through the range's end."""
    return query.previous[0], query.end


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
