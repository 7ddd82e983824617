"""How values are written inside records: amounts as two-decimal strings, instants as ISO 8601 in an offset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .options import DAY, EPOCH
from .reference import OFFSETS


def money(value: float) -> str:
    """An amount with two decimals, as the format writes them."""
    return f"{value:.2f}"


class Clock:
    """Formats instants (epoch seconds) as ISO 8601 in one of `OFFSETS`, from precomputed pieces."""

    def __init__(self, first_day: dt.date, last_day: dt.date) -> None:
        self.day0 = (first_day - EPOCH).days - 2
        n = (last_day - first_day).days + 5
        self.dates = [(first_day + dt.timedelta(days=i - 2)).isoformat() for i in range(n)]
        self.prefixes = [d + "T" for d in self.dates]
        self.times = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
        self.iso = self._make_iso()

    def _make_iso(self) -> Callable[[int, int], str]:
        prefixes, times, day0 = self.prefixes, self.times, self.day0
        offsets = [o[0] for o in OFFSETS]
        suffixes = [o[1] for o in OFFSETS]

        def iso(t: int, off: int) -> str:
            """`t` written in offset number `off`."""
            local = t + offsets[off]
            day = local // DAY
            return prefixes[day - day0] + times[local - day * DAY] + suffixes[off]

        return iso

    def date(self, t: int) -> str:
        """The UTC date of `t`."""
        return self.dates[t // DAY - self.day0]
