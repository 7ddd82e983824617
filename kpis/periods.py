"""Calendar arithmetic for KPI ranges: grains, and the points a range is split into."""

from collections.abc import Iterator
from datetime import date, timedelta

from django.conf import settings

GRAINS = ("day", "week", "month", "quarter", "year")
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
    raise ValueError(f"unknown grain {grain!r}")


def next_period_start(start: date, grain: str) -> date:
    if grain == "day":
        return start + timedelta(days=1)
    if grain == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    month_index = start.year * 12 + start.month - 1 + months
    return date(month_index // 12, month_index % 12 + 1, 1)


def split_range(start: date, end: date, grain: str) -> Iterator[tuple[date, date]]:
    """Each calendar period of `grain` that meets [start, end], clipped to it."""
    cursor = period_start(start, grain)
    while cursor <= end:
        following = next_period_start(cursor, grain)
        yield max(cursor, start), min(following - timedelta(days=1), end)
        cursor = following
