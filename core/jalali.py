"""The Jalali (Solar Hijri) calendar for input and display: parsing, month names, digits and a form field.

The arithmetic is jdatetime's; this module adds what the CRM needs around it: input in Persian or
Latin digits, errors that name the impossible part of a date (never a silently shifted Gregorian day),
and the month names and digits a page shows in English or Persian.
"""

import re
from collections.abc import Callable
from datetime import date, datetime, time

import jdatetime
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import from_current_timezone, to_current_timezone
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from core.digits import PERSIAN_DIGITS, latin_digits

MONTH_NAMES_EN = ("Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
                  "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand")
MONTH_NAMES_FA = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
                  "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")
_TO_PERSIAN = str.maketrans("0123456789", PERSIAN_DIGITS)
_DATE_PATTERN = re.compile(r"^(\d{3,4})[/-](\d{1,2})[/-](\d{1,2})$")
_TIME_PATTERN = re.compile(r"^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$")
_ISO_T = re.compile(r"(?<=\d)T(?=\d)")
# Years a typed date may have. The two windows do not overlap, so a year says which calendar it is in.
JALALI_YEARS = range(1300, 1501)
GREGORIAN_YEARS = range(1900, 2101)


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
        raise ValueError(gettext("There is no year %(year)s here: Jalali years run from %(first)s to %(last)s.")
                         % {"year": year, "first": jdatetime.MINYEAR, "last": jdatetime.MAXYEAR})
    if not 1 <= month <= 12:
        raise ValueError(gettext("There is no month %(month)s: Jalali months run from 1 (Farvardin) to 12 (Esfand).")
                         % {"month": month})
    length = month_length(year, month)
    if not 1 <= day <= length:
        raise ValueError(gettext("%(month)s %(year)s has %(length)s days: there is no day %(day)s.")
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
    match = _DATE_PATTERN.match(latin_digits(text.strip()))
    if match is None:
        raise ValueError(gettext("Enter a Jalali date as YYYY/MM/DD, such as 1403/12/30."))
    year, month, day = (int(part) for part in match.groups())
    return to_gregorian(year, month, day)


def format_jalali(value: date | datetime, pattern: str = "%Y/%m/%d") -> str:
    """`value` in the Jalali calendar with strftime's codes; month names and digits follow the language.

    A datetime is shown in the current time zone (`%H:%M` its wall-clock time). `%B` is the month's name
    in the active language.
    """
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        jalali = jdatetime.datetime.fromgregorian(datetime=local.replace(tzinfo=None))
    else:
        jalali = to_jalali(value)
    pattern = pattern.replace("%B", month_name(jalali.month).replace("%", "%%"))
    return localize_digits(jalali.strftime(pattern))


def parse_jalali_datetime(text: str) -> datetime:
    """A Jalali `YYYY/MM/DD HH:MM` (seconds optional) as a naive Gregorian datetime; no time is midnight.

    Digits may be Persian, Arabic-Indic or Latin. Raises ValueError naming what is wrong, like
    `parse_jalali_date`, or the hour, minute or second that does not exist.
    """
    date_part, time_part = _split_moment(text)
    return datetime.combine(parse_jalali_date(date_part), _read_time(time_part))


def read_typed_date(text: str) -> tuple[date, bool]:
    """The date typed into a Jalali field, and whether it was typed in the Gregorian calendar.

    A year from 1900 to 2100 can only be Gregorian (the Jalali year 1900 is 2521), so `2026-12-05` is the
    5th of December 2026, to be shown back in Jalali for the user to confirm; a Jalali year must lie in
    JALALI_YEARS. Any other year is refused: read as Jalali it would be a date centuries away.
    """
    match = _DATE_PATTERN.match(latin_digits(text.strip()))
    if match is None:
        raise ValueError(gettext("Enter a Jalali date as YYYY/MM/DD, such as 1403/12/30."))
    year, month, day = (int(part) for part in match.groups())
    if year in GREGORIAN_YEARS:
        try:
            return date(year, month, day), True
        except ValueError:
            raise ValueError(gettext("%(year)s is a Gregorian year, and it has no date %(month)s/%(day)s.")
                             % {"year": year, "month": month, "day": day}) from None
    if year not in JALALI_YEARS:
        raise ValueError(gettext("There is no year %(year)s here: type a Jalali year from %(first)s to %(last)s "
                                 "(or a Gregorian one from %(gregorian_first)s to %(gregorian_last)s).")
                         % {"year": year, "first": JALALI_YEARS[0], "last": JALALI_YEARS[-1],
                            "gregorian_first": GREGORIAN_YEARS[0], "gregorian_last": GREGORIAN_YEARS[-1]})
    return to_gregorian(year, month, day), False


def read_typed_datetime(text: str) -> tuple[datetime, bool]:
    """A moment typed into a Jalali field (a naive datetime), and whether its date was Gregorian.

    As `read_typed_date`; an ISO moment such as `2026-12-05T10:00` is Gregorian too.
    """
    date_part, time_part = _split_moment(text)
    day, gregorian = read_typed_date(date_part)
    return datetime.combine(day, _read_time(time_part)), gregorian


def _split_moment(text: str) -> tuple[str, str | None]:
    parts = _ISO_T.sub(" ", latin_digits(text.strip())).split()
    if not 1 <= len(parts) <= 2 or _DATE_PATTERN.match(parts[0]) is None:
        raise ValueError(gettext("Enter a Jalali date and time as YYYY/MM/DD HH:MM, such as 1403/12/30 14:30."))
    return parts[0], (parts[1] if len(parts) == 2 else None)


def _read_time(text: str | None) -> time:
    if text is None:
        return time()
    match = _TIME_PATTERN.match(text)
    if match is None:
        raise ValueError(gettext("Enter the time as HH:MM, such as 14:30."))
    hour, minute, second = (int(part or 0) for part in match.groups())
    if hour > 23:
        raise ValueError(gettext("There is no hour %(hour)s: hours run from 0 to 23.") % {"hour": hour})
    if minute > 59:
        raise ValueError(gettext("There is no minute %(minute)s: minutes run from 0 to 59.") % {"minute": minute})
    if second > 59:
        raise ValueError(gettext("There is no second %(second)s: seconds run from 0 to 59.") % {"second": second})
    return time(hour, minute, second)


def validate_gregorian_year(value: date | datetime) -> None:
    """A date's year lies in GREGORIAN_YEARS: a typing slip such as 20266 or 0202 is an error, not a date."""
    if value.year not in GREGORIAN_YEARS:
        raise ValidationError(
            _("Enter a year from %(first)s to %(last)s.") % {"first": GREGORIAN_YEARS[0], "last": GREGORIAN_YEARS[-1]},
            code="year",
        )


def _gregorian_typed_error(value: date | datetime) -> ValidationError:
    shown = format_jalali(value, "%Y/%m/%d %H:%M" if isinstance(value, datetime) else "%Y/%m/%d")
    return ValidationError(
        gettext("That is a Gregorian date: in the Jalali calendar it is %(jalali)s, now filled in. "
                "Check it and save again.") % {"jalali": shown},
        code="gregorian",
    )


class JalaliDateInput(forms.TextInput):
    """A text box showing its date in the Jalali calendar, YYYY/MM/DD, with the Jalali picker.

    The value keeps Latin digits, as every number in the HTML does (the Persian pages' font draws them
    as Persian ones): the picker reads no others, and copied text stays machine-readable. `data-jdp`
    is what static/crm/jalali-picker.js attaches the picker to; `data-jdp-digits` tells it which
    digits to draw in its calendar.
    """

    picker_attrs: dict[str, bool] = {"data-jdp": True, "data-jdp-only-date": True}

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__({"placeholder": "1403/12/30", "inputmode": "numeric", "dir": "ltr", "autocomplete": "off",
                          **self.picker_attrs, **(attrs or {})})

    def get_context(self, name: str, value: object, attrs: dict | None) -> dict:
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-jdp-digits"] = "fa" if uses_persian_digits() else "latin"
        return context

    def format_value(self, value: object) -> str | None:
        if isinstance(value, datetime):
            value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        if isinstance(value, date):
            return to_jalali(value).strftime("%Y/%m/%d")
        return super().format_value(value)


class JalaliDateTimeInput(JalaliDateInput):
    """A text box showing its moment as a Jalali date and time, YYYY/MM/DD HH:MM, in the current time zone."""

    picker_attrs = {"data-jdp": True}

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__({"placeholder": "1403/12/30 14:30", **(attrs or {})})

    def format_value(self, value: object) -> str | None:
        if isinstance(value, datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return jdatetime.datetime.fromgregorian(datetime=value).strftime("%Y/%m/%d %H:%M")
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
            day, gregorian = read_typed_date(str(value))
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc
        if gregorian:
            raise _gregorian_typed_error(day)
        return day

    def bound_data(self, data: object, initial: object) -> object:
        """A Gregorian date the user typed comes back as its Jalali date, for them to confirm."""
        return _confirmable(super().bound_data(data, initial), read_typed_date)


class JalaliDateTimeField(forms.Field):
    """A moment typed as a Jalali date and time, cleaned to an aware datetime; impossible ones are refused.

    The wall time is read in the current time zone, exactly as Django's DateTimeField (the English
    pages' datetime-local inputs) reads it, so both languages store the same instant. The time may be
    left out: the day's midnight.
    """

    widget = JalaliDateTimeInput
    default_error_messages = {
        "invalid": _("Enter a Jalali date and time as YYYY/MM/DD HH:MM, such as 1403/12/30 14:30."),
    }

    def prepare_value(self, value: object) -> object:
        if isinstance(value, datetime):
            return to_current_timezone(value)
        return value

    def to_python(self, value: object) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return from_current_timezone(value)
        if isinstance(value, date):
            return from_current_timezone(datetime.combine(value, time()))
        try:
            moment, gregorian = read_typed_datetime(str(value))
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc
        if gregorian:
            raise _gregorian_typed_error(moment)
        return from_current_timezone(moment)

    def bound_data(self, data: object, initial: object) -> object:
        """A Gregorian moment the user typed comes back as its Jalali date and time, for them to confirm."""
        return _confirmable(super().bound_data(data, initial), read_typed_datetime)


def _confirmable(shown: object, read: Callable[[str], tuple[object, bool]]) -> object:
    """What a Jalali box shows after a submit: the typed text, or the date itself (which the widget writes
    in Jalali) when the text was a Gregorian date."""
    if isinstance(shown, str):
        try:
            value, gregorian = read(shown)
        except ValueError:
            return shown
        if gregorian:
            return value
    return shown


def jalali_twin(field: forms.Field) -> forms.Field:
    """The Jalali field that stands for a date or date-time field on a Persian page (core.forms.localize_inputs).

    Label, required, help text, initial, disabled and custom validators carry over, so the cleaned value
    is the same Gregorian date or instant as the English page's.
    """
    twin: type[forms.Field] = JalaliDateTimeField if isinstance(field, forms.DateTimeField) else JalaliDateField
    return twin(
        label=field.label, required=field.required, help_text=field.help_text, initial=field.initial,
        disabled=field.disabled, show_hidden_initial=field.show_hidden_initial,
        validators=[check for check in field.validators if check is not validate_gregorian_year],
        error_messages={"required": field.error_messages["required"]}, label_suffix=field.label_suffix,
    )
