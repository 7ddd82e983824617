"""Per-field readers for dataset records.

Each reader takes the decoded JSON object and a field name, and either returns a clean Python
value or raises `RecordError` with a reason fit to show next to the line number. They are
hand-written rather than model `full_clean()` because the importer must check tens of
thousands of records a second.
"""

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.utils.translation import gettext as _

from core.jalali import GREGORIAN_YEARS

_MISSING = object()
DateOrMoment = TypeVar("DateOrMoment", date, datetime)
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


class RecordError(Exception):
    """One reason a record cannot be imported; the importer adds the line number."""


def present(record: Mapping[str, Any], name: str, required: bool) -> Any:
    value = record.get(name, _MISSING)
    if value is _MISSING:
        if required:
            raise RecordError(_("missing required field “%(field)s”") % {"field": name})
        return None
    if value is None and required:
        raise RecordError(_("“%(field)s” cannot be null") % {"field": name})
    return value


def text(
    record: Mapping[str, Any], name: str, max_length: int, *, required: bool = False, blank: bool = True
) -> str:
    """A string field; absent or null gives "" unless required."""
    value = present(record, name, required)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(_("“%(field)s” must be a string") % {"field": name})
    if len(value) > max_length:
        raise RecordError(
            _("“%(field)s” is longer than %(max)d characters") % {"field": name, "max": max_length}
        )
    if not blank and not value.strip():
        raise RecordError(_("“%(field)s” cannot be empty") % {"field": name})
    return value


def key(record: Mapping[str, Any], name: str, *, required: bool = False, max_length: int = 100) -> str | None:
    """A reference (external_id, username, team name) or the record's own key; null unless required."""
    value = present(record, name, required)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise RecordError(_("“%(field)s” must be a non-empty string") % {"field": name})
    if len(value) > max_length:
        raise RecordError(
            _("“%(field)s” is longer than %(max)d characters") % {"field": name, "max": max_length}
        )
    return value


def timestamp_value(value: Any, name: str) -> datetime:
    """An ISO 8601 timestamp with a UTC offset; a naive one is refused, as its instant is unknown."""
    if not isinstance(value, str):
        raise RecordError(_("“%(field)s” must be an ISO 8601 timestamp string") % {"field": name})
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(
            _("“%(field)s” is not an ISO 8601 timestamp: “%(value)s”") % {"field": name, "value": value[:40]}
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise RecordError(
            _("“%(field)s” has no UTC offset (write e.g. 2025-01-02T03:04:05+00:00): “%(value)s”")
            % {"field": name, "value": value[:40]}
        )
    return _in_year_window(parsed, name)


def timestamp(record: Mapping[str, Any], name: str, *, required: bool = False) -> datetime | None:
    value = present(record, name, required)
    return None if value is None else timestamp_value(value, name)


def date_value(value: Any, name: str) -> date:
    """A calendar date written exactly YYYY-MM-DD."""
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise RecordError(_("“%(field)s” must be a date written YYYY-MM-DD") % {"field": name})
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise RecordError(
            _("“%(field)s” is not a valid date: “%(value)s”") % {"field": name, "value": value}
        ) from None
    return _in_year_window(parsed, name)


def _in_year_window(value: DateOrMoment, name: str) -> DateOrMoment:
    """A date or moment whose year is in GREGORIAN_YEARS: a year such as 2648 or 0202 is a slip (or a Jalali
    year written as Gregorian), refused rather than imported as a date centuries away."""
    if value.year not in GREGORIAN_YEARS:
        raise RecordError(
            _("“%(field)s” has the year %(year)s: dates from %(first)s to %(last)s are accepted")
            % {"field": name, "year": value.year, "first": GREGORIAN_YEARS[0], "last": GREGORIAN_YEARS[-1]}
        )
    return value


def decimal_value(value: Any, name: str, *, max_digits: int, places: int, positive: bool = False) -> Decimal:
    """A non-negative decimal string that fits the column; numbers are refused, as floats lose cents."""
    if not isinstance(value, str) or not _DECIMAL_RE.fullmatch(value):
        raise RecordError(_('“%(field)s” must be a decimal string such as "1200.00"') % {"field": name})
    try:
        number = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        raise RecordError(
            _('“%(field)s” must be a decimal string such as "1200.00"') % {"field": name}
        ) from None
    if number < 0 or (positive and number == 0):
        message = (
            _("“%(field)s” must be greater than zero") if positive else _("“%(field)s” cannot be negative")
        )
        raise RecordError(message % {"field": name})
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > places and number != number.quantize(Decimal(1).scaleb(-places)):
        raise RecordError(
            _("“%(field)s” has more than %(places)d decimal places") % {"field": name, "places": places}
        )
    if number.adjusted() >= max_digits - places:
        raise RecordError(_("“%(field)s” is too large") % {"field": name})
    return number


def choice(
    record: Mapping[str, Any], name: str, choices: Iterable[str], *, default: str | None = None
) -> str:
    """One of a model's choices; absent or null takes the default when there is one."""
    value = present(record, name, default is None)
    if value is None:
        assert default is not None
        return default
    allowed = tuple(choices)
    if value not in allowed:
        raise RecordError(
            _("“%(field)s” must be one of %(allowed)s, not “%(value)s”")
            % {"field": name, "allowed": ", ".join(allowed), "value": str(value)[:40]}
        )
    return value


def boolean(record: Mapping[str, Any], name: str, *, default: bool) -> bool:
    value = present(record, name, False)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise RecordError(_("“%(field)s” must be true or false") % {"field": name})
    return value


def array(record: Mapping[str, Any], name: str) -> list[Any]:
    """A list field; absent or null is an empty list."""
    value = present(record, name, False)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(_("“%(field)s” must be a list") % {"field": name})
    return value


def obj(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise RecordError(_("“%(field)s” must be an object") % {"field": name})
    return value
