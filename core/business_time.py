"""The business's own calendar: KPI days, pages and CSV files are in CRM_TIME_ZONE, whatever the server's."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings


def business_zone() -> ZoneInfo:
    return ZoneInfo(settings.CRM_TIME_ZONE)


def local_day(instant: datetime | None) -> date | None:
    """The business's calendar date on which an instant falls (None stays None)."""
    if instant is None:
        return None
    return instant.astimezone(business_zone()).date()


def is_weekend(day: date) -> bool:
    """Whether `day` is one of the business's days off (CRM_WEEKEND: Friday, or Thursday and Friday, in Iran).
    Business-hours calendars start from it."""
    return day.weekday() in settings.CRM_WEEKEND
