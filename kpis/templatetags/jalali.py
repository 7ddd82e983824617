"""Template filters that show dates in the Jalali calendar: `{% load jalali %}` then `{{ day|jdate }}`.

Digits are Persian on Persian pages unless CRM_LATIN_DIGITS is set; month names follow the language.
"""

from datetime import date, datetime

from django import template

from config.jalali import format_jalali, localize_digits

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
