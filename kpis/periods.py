"""Calendar arithmetic for KPI ranges: grains, and the points a range is split into."""

from collections.abc import Iterator
from datetime import date, timedelta

from django.conf import settings

from core.jalali import to_gregorian, to_jalali

GREGORIAN_GRAINS = ("day", "week", "month", "quarter", "year")
# Periods of the Jalali calendar, Farvardin 1 to Esfand 29 (30 in a leap year).
JALALI_GRAINS = ("jmonth", "jquarter", "jyear")
GRAINS = GREGORIAN_GRAINS + JALALI_GRAINS
# How many months one period of a month-based grain spans.
MONTHS_PER_PERIOD = {"month": 1, "quarter": 3, "year": 12, "jmonth": 1, "jquarter": 3, "jyear": 12}
MAX_RANGE_DAYS = 20 * 366
# Far enough for any business, near enough that week starts and trailing windows stay valid dates.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)


def week_start_weekday() -> int:
    """0 = Monday … 6 = Sunday, from CRM_WEEK_START."""
    return settings.WEEKDAYS.index(settings.CRM_WEEK_START)


def period_start(day: date, grain: str) -> date:
    """The first day of the calendar period of `grain` containing `day`."""
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=(day.weekday() - week_start_weekday()) % 7)
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if grain == "year":
        return date(day.year, 1, 1)
    if grain in JALALI_GRAINS:
        jalali = to_jalali(day)
        months = MONTHS_PER_PERIOD[grain]
        return to_gregorian(jalali.year, months * ((jalali.month - 1) // months) + 1, 1)
    raise ValueError(f"unknown grain {grain!r}")


def month_index(day: date, grain: str) -> int:
    """Months since year 0 of the calendar `grain` belongs to (Jalali for the j-grains), for counting periods."""
    if grain in JALALI_GRAINS:
        jalali = to_jalali(day)
        return jalali.year * 12 + jalali.month - 1
    return day.year * 12 + day.month - 1


def next_period_start(start: date, grain: str) -> date:
    """The first day of the period after the one `start` begins."""
    if grain == "day":
        return start + timedelta(days=1)
    if grain == "week":
        return start + timedelta(days=7)
    following = month_index(start, grain) + MONTHS_PER_PERIOD[grain]
    if grain in JALALI_GRAINS:
        return to_gregorian(following // 12, following % 12 + 1, 1)
    return date(following // 12, following % 12 + 1, 1)


def split_range(start: date, end: date, grain: str) -> Iterator[tuple[date, date]]:
    """Each calendar period of `grain` that meets [start, end], clipped to it."""
    cursor = period_start(start, grain)
    while cursor <= end:
        following = next_period_start(cursor, grain)
        yield max(cursor, start), min(following - timedelta(days=1), end)
        cursor = following
