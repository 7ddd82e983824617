"""Template filters that show dates in the Jalali calendar: `{% load jalali %}` then `{{ day|jdate }}`.

Digits are Persian on Persian pages unless CRM_LATIN_DIGITS is set; month names follow the language.
"""

from datetime import date, datetime

from django import template
from django.template.defaultfilters import date as date_filter

from core.jalali import format_jalali, localize_digits, persian_active

register = template.Library()


@register.filter
def jdate(value: date | datetime | None, pattern: str = "%Y/%m/%d") -> str:
    """A date (or a datetime, on its local date) in the Jalali calendar; strftime codes, `%B` = month name."""
    if not isinstance(value, date):
        return ""
    return format_jalali(value, pattern)


@register.filter
def jdigits(value: object) -> str:
    """Any text with its digits written the way the page's language writes them."""
    return localize_digits(str(value))


# Persian patterns for the Django date formats the pages use; anything else shows date and time.
_JALALI_PATTERNS = {
    "SHORT_DATE_FORMAT": "%Y/%m/%d",
    "Y-m-d": "%Y/%m/%d",
    "DATE_FORMAT": "%d %B %Y",
    "DATETIME_FORMAT": "%d %B %Y، %H:%M",
}


@register.filter(expects_localtime=True)
def local_date(value: date | datetime | None, django_format: str = "SHORT_DATE_FORMAT") -> str:
    """A date as the reader counts dates: Jalali on Persian pages, else Django's `date` filter with
    `django_format`. Only for text people read; links and `datetime` attributes keep `|date`."""
    if not isinstance(value, date):
        return ""
    if persian_active():
        return format_jalali(value, _JALALI_PATTERNS.get(django_format, "%Y/%m/%d"))
    return date_filter(value, django_format)


@register.filter(expects_localtime=True)
def local_datetime(value: datetime | None, django_format: str = "SHORT_DATETIME_FORMAT") -> str:
    """A moment in the current time zone, Jalali on Persian pages; see `local_date`."""
    if not isinstance(value, datetime):
        return ""
    if persian_active():
        return format_jalali(value, _JALALI_PATTERNS.get(django_format, "%Y/%m/%d %H:%M"))
    return date_filter(value, django_format)


@register.filter(expects_localtime=True)
def shown_value(value: object, django_format: str = "SHORT_DATETIME_FORMAT") -> object:
    """A stored value as a person reads it (a change-history line): moments and dates through
    `local_datetime` (with `django_format` on English pages) and `local_date`, anything else as it is."""
    if isinstance(value, datetime):
        return local_datetime(value, django_format)
    if isinstance(value, date):
        return local_date(value)
    return value
