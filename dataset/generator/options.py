"""What a generated dataset is made of: its options, its record types in file order and its units of time.

All instants are int seconds since the epoch (see the package docstring); a record is a plain dict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

DEFAULT_DEALS = 3000
DEFAULT_SEED = 1
DEFAULT_END = dt.date(2026, 10, 31)

RECORD_ORDER = (
    "team", "user", "company", "campaign", "contact", "pipeline", "deal", "ticket", "survey", "invitation",
    "response",
)

DAY = 86_400
HOUR = 3_600
EPOCH = dt.date(1970, 1, 1)

Record = dict[str, Any]

@dataclass(frozen=True)
class DatasetOptions:
    """What to generate: about `deals` deals over `[start, end]` (start defaults to two years before end)."""

    deals: int = DEFAULT_DEALS
    seed: int = DEFAULT_SEED
    start: dt.date | None = None
    end: dt.date = DEFAULT_END

    @property
    def first_day(self) -> dt.date:
        """The start date, defaulting to the same day two years before the end."""
        if self.start is not None:
            return self.start
        try:
            return self.end.replace(year=self.end.year - 2)
        except ValueError:  # 29 February
            return self.end.replace(year=self.end.year - 2, day=28)
