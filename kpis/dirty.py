"""Recording which local days of which KPI family a change touches.

Every service that writes operational data calls `mark_dirty` inside its own transaction,
with the days before and after the change, so the next roll-up recomputes exactly those days.
"""

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from kpis.models import DirtyDay

# Independent groups of measures; each is recomputed from its own source tables.
FAMILIES = ("deals", "stages", "customers", "campaigns", "tickets", "replies", "surveys")


def business_zone() -> ZoneInfo:
    return ZoneInfo(settings.CRM_TIME_ZONE)


def local_day(instant: datetime | None) -> date | None:
    """The business's calendar date on which an instant falls (None stays None)."""
    if instant is None:
        return None
    return instant.astimezone(business_zone()).date()


class DirtySet:
    """Collects (family, day) pairs; `save()` writes each once."""

    def __init__(self) -> None:
        self.pairs: set[tuple[str, date]] = set()

    def add(self, family: str, *moments: datetime | date | None) -> None:
        if family not in FAMILIES:
            raise ValueError(f"unknown KPI family {family!r}")
        for moment in moments:
            if moment is None:
                continue
            day = local_day(moment) if isinstance(moment, datetime) else moment
            self.pairs.add((family, day))

    def update(self, other: "DirtySet") -> None:
        self.pairs |= other.pairs

    def save(self) -> int:
        DirtyDay.objects.bulk_create(
            [DirtyDay(family=family, day=day) for family, day in sorted(self.pairs)], batch_size=2000
        )
        return len(self.pairs)


def mark_dirty(family: str, moments: Iterable[datetime | date | None]) -> None:
    """Mark the local days of these instants (or dates) dirty for one family."""
    dirty = DirtySet()
    dirty.add(family, *moments)
    dirty.save()
