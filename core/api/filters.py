"""Query-string filters every app's API lists share: ids and whole numbers parsed once (core.ids), and times
within the range the databases and the KPIs hold. A bad value is a 400 naming the parameter."""

from datetime import UTC, datetime

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from core.ids import RecordIdFormField, WholeNumberFormField


class WholeNumberFilter(filters.NumberFilter):
    """A whole number in ASCII digits (core.ids); anything else is a 400 naming the parameter."""

    field_class = WholeNumberFormField


class IdFilter(filters.NumberFilter):
    """A related record's id, parsed by core.ids (digits 0-9, within the database's range); else a 400."""

    field_class = RecordIdFormField


class BoundedIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time between the years 1900 and 2999 (in UTC): the databases' range, and the KPIs'."""

    def to_python(self, value: object) -> datetime | None:
        result = super().to_python(value)
        if result is not None:
            try:
                year = result.astimezone(UTC).year
            except OverflowError:
                year = 0
            if not 1900 <= year <= 2999:
                raise forms.ValidationError(_("Give a time between the years 1900 and 2999."), code="out_of_range")
        return result


class TimeFilter(filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField
