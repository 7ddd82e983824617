"""The seeded randomness every part of the generator draws from: distributions and random instants.

Nothing here touches global random state: each function takes the business's `random.Random`, and
`Moments` holds it for the draws of instants and durations. Normal and lognormal draws read precomputed
quantile tables instead of calling `gauss()`, which is quicker and gives the same numbers everywhere.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections.abc import Sequence
from statistics import NormalDist
from typing import TypeVar

from .options import DAY, HOUR
from .reference import OFFSETS, TEHRAN

T = TypeVar("T")

# Quantiles of the standard normal distribution: a fast, deterministic stand-in for gauss().
_Z = tuple(NormalDist().inv_cdf((i + 0.5) / 8192) for i in range(8192))


# exp(sigma * z) for the sigmas the durations use.
_LOGNORMAL = {sigma: tuple(math.exp(sigma * z) for z in _Z) for sigma in (0.7, 0.8, 0.9, 1.0, 1.1, 1.5)}


def cum(weights: tuple[float, ...] | list[float]) -> list[float]:
    """Running totals of `weights`, for `pick`."""
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


def pick(rng: random.Random, cumulative: tuple[float, ...] | list[float]) -> int:
    """Index drawn from cumulative weights."""
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson count with mean `lam` (normal approximation above 40)."""
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(normal(rng, lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def normal(rng: random.Random, mu: float, sigma: float) -> float:
    """A normal draw from the quantile table."""
    return mu + sigma * _Z[int(rng.random() * 8192)]


def choose(rng: random.Random, seq: Sequence[T]) -> T:
    """One element of `seq`, uniformly."""
    return seq[int(rng.random() * len(seq))]


def below(rng: random.Random, n: int) -> int:
    """An int in [0, n)."""
    return int(rng.random() * n)


def lead_days(rng: random.Random, first: dt.date, span_days: int) -> list[float]:
    """Cumulative weights of the period's days for new leads: growth, weekdays, a December dip."""
    weekday = (1.15, 1.2, 1.15, 1.1, 0.95, 0.3, 0.25)
    weights = []
    for i in range(span_days):
        day = first + dt.timedelta(days=i)
        w = math.exp(0.9 * i / span_days) * weekday[day.weekday()]
        if day.month == 12:
            w *= 0.45 if day.day >= 20 else 0.7
        elif day.month == 8:
            w *= 0.85
        elif (day.month == 3 and day.day >= 20) or (day.month == 4 and day.day <= 2):
            w *= 0.75  # Nowruz
        weights.append(w * (0.85 + 0.3 * rng.random()))
    return cum(weights)


class Moments:
    """Random instants and durations within the period `[lo, hi]`, drawn from the business's `rng`.

    `day_cum` weighs the period's days for new leads (see `lead_days`); `off` arguments are indexes of
    `OFFSETS`, the local time the customer lives in.
    """

    def __init__(self, rng: random.Random, lo: int, hi: int, day_cum: list[float]) -> None:
        self.rng = rng
        self.lo = lo
        self.hi = hi
        self.day_cum = day_cum

    def time_of_day(self) -> int:
        """Seconds after local midnight: office hours mostly, some at any time, a few around midnight."""
        r = self.rng.random()
        if r < 0.008:
            return below(self.rng, 150)
        if r < 0.016:
            return DAY - 1 - below(self.rng, 150)
        if r < 0.2:
            return below(self.rng, DAY)
        return 8 * HOUR + int((self.rng.random() + self.rng.random()) * 5.5 * HOUR)

    def new_lead_instant(self, off: int) -> int:
        """When a new lead appears: a seasonal day, a local time of day."""
        day = bisect.bisect_right(self.day_cum, self.rng.random() * self.day_cum[-1])
        t = self.lo + day * DAY + self.time_of_day() - OFFSETS[off][0]
        return min(max(t, self.lo), self.hi)

    def working_day(self, t: int, off: int, keep_weekend: float) -> int:
        """Moves `t` forward to the next working day (same local time) unless kept by chance."""
        local_day = (t + OFFSETS[off][0]) // DAY
        weekday = (local_day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        shift = 7 - weekday if weekday >= 5 else 0
        if off == TEHRAN:
            shift = 1 if weekday == 4 else 0  # Friday is the weekend in Iran
        if shift and self.rng.random() >= keep_weekend:
            t += shift * DAY
        return t

    def instant_between(self, lo: int, hi: int, off: int, keep_weekend: float) -> int:
        """A working-hours instant in `[lo, hi]`, mostly on working days."""
        rng = self.rng
        t = lo + int((hi - lo) * rng.random())
        local = t + OFFSETS[off][0]
        t = t - local % DAY + self.time_of_day()
        t = self.working_day(t, off, keep_weekend)
        return lo if t < lo else hi if t > hi else t

    def duration(self, median_seconds: float, sigma: float) -> int:
        """A lognormal duration in whole seconds (at least 1)."""
        return int(median_seconds * _LOGNORMAL[sigma][int(self.rng.random() * 8192)]) + 1
