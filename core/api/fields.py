"""The API's number and date fields: numbers in any script's digits, dates in a sane window of years.

A client may send a number as a JSON string typed by a person (`"۱۲٬۵۰۰"`, `"12,500"`): core.digits reads
it as the form fields do, before DRF validates it. A date's year outside 1900–2100 is refused with the
field named, never stored as a date centuries away (a slip such as `20266-01-01` or a Jalali year sent
as Gregorian). Write serializers use these in place of DRF's own (tests/test_local_input.py checks).
"""

from typing import Any

from rest_framework import serializers

from core.digits import number_text
from core.jalali import validate_gregorian_year


class _NumberText:
    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(number_text(data) if isinstance(data, str) else data)  # type: ignore[misc]


class DecimalField(_NumberText, serializers.DecimalField):
    """DRF's DecimalField, reading Persian and Arabic-Indic digits and thousands separators."""


class IntegerField(_NumberText, serializers.IntegerField):
    """DRF's IntegerField, reading Persian and Arabic-Indic digits and thousands separators."""


class FloatField(_NumberText, serializers.FloatField):
    """DRF's FloatField, reading Persian and Arabic-Indic digits and thousands separators."""


class DateField(serializers.DateField):
    """DRF's DateField, refusing a year outside 1900–2100."""

    default_validators = [validate_gregorian_year]


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, refusing a year outside 1900–2100."""

    default_validators = [validate_gregorian_year]
