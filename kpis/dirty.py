"""Recording which local days of which KPI family a change touches.

The rules of which days a change touches are in `kpis/dirty_rules.py`; services and the importer reach
them through `core.dirtying`, and each rule answers a `DirtySet`, which writes its days once, in the
caller's transaction, so the next roll-up recomputes exactly those days.
"""

from datetime import date, datetime, tzinfo

from core.business_time import business_zone, local_day
from kpis.models import DirtyDay

__all__ = ["FAMILIES", "DirtySet", "business_zone", "local_day"]

# Independent groups of measures; each is recomputed from its own source tables.
FAMILIES = ("deals", "stages", "customers", "campaigns", "tickets", "replies", "surveys")


class DirtySet:
    """Collects (family, day) pairs; `save()` writes each once."""

    def __init__(self) -> None:
        self.pairs: set[tuple[str, date]] = set()
        self._zone: tzinfo | None = None

    def add(self, family: str, *moments: datetime | date | None) -> None:
        """Add each moment's local day (a date as it is); None adds nothing."""
        if family not in FAMILIES:
            raise ValueError(f"unknown KPI family {family!r}")
        # The zone is looked up once per set: a rule adds tens of thousands of moments for a batch.
        zone = self._zone
        if zone is None:
            zone = self._zone = business_zone()
        pairs = self.pairs
        for moment in moments:
            if moment is None:
                continue
            pairs.add((family, moment.astimezone(zone).date() if isinstance(moment, datetime) else moment))

    def update(self, other: "DirtySet") -> None:
        self.pairs |= other.pairs

    def save(self) -> int:
        DirtyDay.objects.bulk_create(
            [DirtyDay(family=family, day=day) for family, day in sorted(self.pairs)], batch_size=2000
        )
        return len(self.pairs)
