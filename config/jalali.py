"""The Jalali (Solar Hijri) calendar for input and display: parsing, month names, digits and a form field.

The arithmetic is jdatetime's; this module adds what the CRM needs around it: input in Persian or
Latin digits, errors that name the impossible part of a date (never a silently shifted Gregorian day),
and the month names and digits a page shows in English or Persian.
"""

import re
from datetime import date, datetime

import jdatetime
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

MONTH_NAMES_EN = ("Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
                  "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand")
MONTH_NAMES_FA = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
                  "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_TO_LATIN = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, "0123456789" * 2)
_TO_PERSIAN = str.maketrans("0123456789", PERSIAN_DIGITS)
_DATE_PATTERN = re.compile(r"^(\d{3,4})[/-](\d{1,2})[/-](\d{1,2})$")


def persian_active() -> bool:
    return (get_language() or "").split("-")[0] == "fa"


def uses_persian_digits() -> bool:
    """Persian pages write Persian digits unless CRM_LATIN_DIGITS asks for Latin ones."""
    return persian_active() and not getattr(settings, "CRM_LATIN_DIGITS", False)


def localize_digits(text: str) -> str:
    return text.translate(_TO_PERSIAN) if uses_persian_digits() else text


def to_jalali(day: date) -> jdatetime.date:
    return jdatetime.date.fromgregorian(date=day)


def to_gregorian(year: int, month: int, day: int) -> date:
    """The Gregorian date of a Jalali one; ValueError (with a readable message) if it does not exist."""
    if not jdatetime.MINYEAR <= year <= jdatetime.MAXYEAR:
        raise ValueError(_g("There is no year %(year)s here: Jalali years run from %(first)s to %(last)s.")
                         % {"year": year, "first": jdatetime.MINYEAR, "last": jdatetime.MAXYEAR})
    if not 1 <= month <= 12:
        raise ValueError(_g("There is no month %(month)s: Jalali months run from 1 (Farvardin) to 12 (Esfand).")
                         % {"month": month})
    length = month_length(year, month)
    if not 1 <= day <= length:
        raise ValueError(_g("%(month)s %(year)s has %(length)s days: there is no day %(day)s.")
                         % {"month": month_name(month), "year": year, "length": length, "day": day})
    return jdatetime.date(year, month, day).togregorian()


def month_length(year: int, month: int) -> int:
    if month < 12:
        return jdatetime.j_days_in_month[month - 1]
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


def month_name(month: int) -> str:
    return (MONTH_NAMES_FA if persian_active() else MONTH_NAMES_EN)[month - 1]


def parse_jalali_date(text: str) -> date:
    """A Jalali `YYYY/MM/DD` or `YYYY-MM-DD` (Persian, Arabic-Indic or Latin digits) as a Gregorian date.

    Raises ValueError naming what is wrong: the shape, the month or the day.
    """
    match = _DATE_PATTERN.match(text.strip().translate(_TO_LATIN))
    if match is None:
        raise ValueError(_g("Enter a Jalali date as YYYY/MM/DD, such as 1403/12/30."))
    year, month, day = (int(part) for part in match.groups())
    return to_gregorian(year, month, day)


def format_jalali(value: date | datetime, pattern: str = "%Y/%m/%d") -> str:
    """`value` in the Jalali calendar with strftime's codes; month names and digits follow the language.

    A datetime is shown on its local date. `%B` is the month's name in the active language.
    """
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    jalali = to_jalali(value)
    pattern = pattern.replace("%B", month_name(jalali.month).replace("%", "%%"))
    return localize_digits(jalali.strftime(pattern))


class JalaliDateInput(forms.TextInput):
    """A text box showing its date in the Jalali calendar, YYYY/MM/DD."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__({"placeholder": "1403/12/30", "inputmode": "numeric", "dir": "ltr", **(attrs or {})})

    def format_value(self, value: object) -> str | None:
        if isinstance(value, date):
            return format_jalali(value)
        return super().format_value(value)


class JalaliDateField(forms.Field):
    """A date typed in the Jalali calendar, cleaned to a Gregorian `date`; impossible dates are refused."""

    widget = JalaliDateInput
    default_error_messages = {"invalid": _("Enter a Jalali date as YYYY/MM/DD, such as 1403/12/30.")}

    def to_python(self, value: object) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value
        try:
            return parse_jalali_date(str(value))
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc
