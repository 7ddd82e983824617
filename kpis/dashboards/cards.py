"""A dashboard card: a KPI's value over the range, its change against the previous period of equal
length, a sparkline of the range's periods and its progress against the target."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from kpis.catalog import Kpi
from kpis.dashboards.ranges import DashboardQuery
from kpis.dashboards.series import presented_value
from kpis.selectors import DailySeries
from kpis.targets import TargetBook, TargetProgress, progress


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


def build_card(kpi: Kpi, series: Mapping[str, DailySeries], query: DashboardQuery,
               periods: list[tuple[date, date]], book: TargetBook, *, detail_url: str | None,
               records_url: str | None) -> Card:
    """One KPI's card: the range against the previous period of equal length, a sparkline point per
    period of the range."""
    value = presented_value(kpi, series, query.start, query.end)
    previous = presented_value(kpi, series, *query.previous)
    return Card(
        kpi=kpi, value=value, previous=previous, change=change_between(kpi, value, previous),
        sparkline=[presented_value(kpi, series, first, last) for first, last in periods],
        target=progress(kpi, book, value, query.start, query.end), detail_url=detail_url, records_url=records_url,
    )

