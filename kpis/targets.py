"""Targets: what a KPI is expected to reach over a span of days, and whether it is on track.

The rule, shown to users on the targets page:

1. **Expected value for a span of days.** For a flow KPI that adds up over time (a count or an
   amount: revenue, deals won, tickets resolved …) each target is pro-rated by the share of its
   period the span covers: a 1,000 monthly target expects 500 over the first 15 days of a 30-day
   month, and a span over several periods adds up each period's share. A month's target is used
   where there is one, else its quarter's. Every day of the span must be covered by a target, else
   there is no expectation. For any other KPI (rates, means, scores, states such as open pipeline)
   the target in force on the span's last day applies as is.
2. **Status.** For a KPI where higher is better: *on track* when the value reaches the expected
   value, *at risk* when it falls short by at most 10 % of the expected value, *off track*
   otherwise. Where lower is better the comparison is reversed (on track at or below the expected
   value, at risk up to 10 % above it). A KPI without a direction, or with no value, gets no status.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kpis.catalog import Kpi
from kpis.models import Target, TargetPeriod
from kpis.periods import next_period_start, period_start

ADDITIVE_UNITS = frozenset({"count", "currency"})
TOLERANCE = 0.10

ON_TRACK, AT_RISK, OFF_TRACK = "on_track", "at_risk", "off_track"
STATUS_LABELS = {ON_TRACK: _("On track"), AT_RISK: _("At risk"), OFF_TRACK: _("Off track")}


def is_pro_rated(kpi: Kpi) -> bool:
    """Whether a target of this KPI is spread over its period's days (flows that add up over time)."""
    return kpi.kind == "flow" and kpi.unit in ADDITIVE_UNITS


def period_days(first: date, kind: str) -> int:
    return (next_period_start(first, kind) - first).days


class TargetBook:
    """The targets of one scope (the business, one person or one team), indexed by KPI and period."""

    def __init__(self, targets: Iterable[Target]) -> None:
        self.values: dict[tuple[str, str, date], float] = {
            (t.kpi_key, t.period_kind, t.period_start): float(t.value) for t in targets
        }

    def __bool__(self) -> bool:
        return bool(self.values)

    def has_any(self, kpi: Kpi) -> bool:
        return any(key == kpi.key for key, _, _ in self.values)

    def _in_force(self, kpi: Kpi, day: date) -> tuple[float, date, str] | None:
        """The target covering `day`: a month's own (Gregorian, then Jalali) before a quarter's."""
        for kind in (TargetPeriod.MONTH, TargetPeriod.JALALI_MONTH, TargetPeriod.QUARTER, TargetPeriod.JALALI_QUARTER):
            first = period_start(day, kind)
            value = self.values.get((kpi.key, kind, first))
            if value is not None:
                return value, first, kind
        return None

    def expected(self, kpi: Kpi, first: date, last: date) -> float | None:
        """The value expected over [first, last] (see the module docstring), or None without targets."""
        if not self.has_any(kpi):
            return None
        if not is_pro_rated(kpi):
            found = self._in_force(kpi, last)
            return found[0] if found else None
        total = 0.0
        cursor = first
        while cursor <= last:
            # One piece at a time, cut at every month end of both calendars (where a more specific target
            # may begin) and at the end of the target in force: its share of that target's period.
            found = self._in_force(kpi, cursor)
            if found is None:
                return None
            value, start_of_period, kind = found
            piece_end = min(next_period_start(period_start(cursor, "month"), "month") - timedelta(days=1),
                            next_period_start(period_start(cursor, "jmonth"), "jmonth") - timedelta(days=1),
                            next_period_start(start_of_period, kind) - timedelta(days=1), last)
            total += value * ((piece_end - cursor).days + 1) / period_days(start_of_period, kind)
            cursor = piece_end + timedelta(days=1)
        return total


@dataclass(frozen=True)
class TargetProgress:
    expected: float
    status: str | None  # ON_TRACK, AT_RISK, OFF_TRACK, or None without a direction or a value
    share: float | None  # value ÷ expected, for the progress bar (None when not meaningful)
    pro_rated: bool

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status]) if self.status else ""


def target_status(*, direction: str, value: float | None, expected: float) -> str | None:
    """On track / at risk / off track for a value against the expected value (module docstring, rule 2)."""
    if value is None or direction not in {"up", "down"}:
        return None
    tolerance = abs(expected) * TOLERANCE
    if direction == "up":
        if value >= expected:
            return ON_TRACK
        return AT_RISK if value >= expected - tolerance else OFF_TRACK
    if value <= expected:
        return ON_TRACK
    return AT_RISK if value <= expected + tolerance else OFF_TRACK


def progress(kpi: Kpi, book: TargetBook, value: float | None, first: date, last: date) -> TargetProgress | None:
    """The target progress of `value`, the KPI over [first, last], or None when no target covers the span."""
    expected = book.expected(kpi, first, last)
    if expected is None:
        return None
    share = value / expected if value is not None and expected > 0 and value >= 0 else None
    return TargetProgress(expected=expected, status=target_status(direction=kpi.direction, value=value,
                                                                   expected=expected),
                          share=share, pro_rated=is_pro_rated(kpi))


def target_book(*, kpi_keys: Iterable[str], first: date, last: date, owner_id: int | None = None,
                team_id: int | None = None) -> TargetBook:
    """One query: the targets of these KPIs for one scope whose periods meet [first, last].

    No owner and no team means the business's own targets.
    """
    earliest = period_start(first, "quarter")
    scope = Q(owner_id=owner_id) if owner_id else Q(owner__isnull=True)
    scope &= Q(team_id=team_id) if team_id else Q(team__isnull=True)
    rows = Target.objects.filter(scope, kpi_key__in=list(kpi_keys), period_start__gte=earliest,
                                 period_start__lte=last)
    return TargetBook(rows)
