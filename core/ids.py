"""Record ids, parsed once and only here: for URL paths, request bodies, query strings and form fields.

A record id is written in ASCII digits only (`[0-9]+`: no sign, no spaces, no other script's digits such as
'²' or '۱') and lies in the database's range, 1 to 2**31 - 1. A record with an external id may also be named
`ext:<external id>`. Anything else names no record: a 404 in a path, a 400 in a body or a query string.
"""

import re
from typing import Any

from django import forms
from django.db.models import Model
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _

EXTERNAL_ID_PREFIX = "ext:"
MAX_DATABASE_ID = 2**31 - 1
MAX_EXTERNAL_ID_LENGTH = 100
DIGITS = r"[0-9]+"
_DIGITS = re.compile(DIGITS)
_MAX_DIGITS = len(str(MAX_DATABASE_ID))
# An external id in a path: one segment (a slash, even as %2F, ends the segment and so names nothing).
RECORD_REFERENCE_PATH_REGEX = rf"{DIGITS}|{EXTERNAL_ID_PREFIX}[^/]+"

INVALID_RECORD_ID = _("Enter a record id (digits 0-9).")
INVALID_RECORD_REFERENCE = _("Enter a record id (digits 0-9) or ext: followed by an external id.")
INVALID_WHOLE_NUMBER = _("Enter a whole number in digits 0-9.")


def parse_whole_number(value: Any, max_digits: int = 18) -> int | None:
    """A whole number written in ASCII digits (or given as an int), else None; bools are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and len(value) <= max_digits and _DIGITS.fullmatch(value):
        return int(value)
    return None


def parse_record_id(value: Any) -> int | None:
    """A record id within the database's range, else None."""
    number = parse_whole_number(value, max_digits=_MAX_DIGITS)
    return number if number is not None and 0 < number <= MAX_DATABASE_ID else None


def parse_external_id(value: Any) -> str | None:
    """The external id of an `ext:<external id>` reference, else None (empty, too long or with control
    characters, which no stored external id has and PostgreSQL refuses as NUL)."""
    if not isinstance(value, str) or not value.startswith(EXTERNAL_ID_PREFIX):
        return None
    external_id = value[len(EXTERNAL_ID_PREFIX):]
    if not 0 < len(external_id) <= MAX_EXTERNAL_ID_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in external_id):
        return None
    return external_id


def has_external_id(model: type[Model]) -> bool:
    return any(field.name == "external_id" for field in model._meta.fields)


def record_lookup(value: Any, model: type[Model]) -> dict[str, int | str] | None:
    """The query naming one record of `model`: {"pk": id} or {"external_id": ...}; None when `value` names none."""
    record_id = parse_record_id(value)
    if record_id is not None:
        return {"pk": record_id}
    external_id = parse_external_id(value) if has_external_id(model) else None
    return {"external_id": external_id} if external_id is not None else None


class RecordIdConverter:
    """`<id:pk>` in a URL pattern: a record id, given to the view as an int; anything else is a 404."""

    regex = DIGITS

    def to_python(self, value: str) -> int:
        record_id = parse_record_id(value)
        if record_id is None:
            raise ValueError(value)  # the pattern does not match: 404
        return record_id

    def to_url(self, value: int | str) -> str:
        record_id = parse_record_id(value)
        if record_id is None:
            raise ValueError(value)  # reverse() finds no URL for it
        return str(record_id)


register_converter(RecordIdConverter, "id")


class WholeNumberFormField(forms.IntegerField):
    """A form field (and query-string filter field) for a whole number in ASCII digits."""

    default_error_messages = {"invalid": INVALID_WHOLE_NUMBER}

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        number = parse_whole_number(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class RecordIdFormField(WholeNumberFormField):
    """A form field (and query-string filter field) for a record id."""

    default_error_messages = {"invalid": INVALID_RECORD_ID}

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        record_id = parse_record_id(value)
        if record_id is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return record_id
