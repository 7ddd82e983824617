"""Validation of KPI query parameters and the shapes the KPI API answers with."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.jalali import parse_jalali_date
from kpis.catalog import Kpi
from kpis.periods import EARLIEST_DAY, GRAINS, LATEST_DAY, MAX_RANGE_DAYS

# The calendar `start` and `end` are written in; answers always give Gregorian ISO dates.
CALENDARS = ("gregorian", "jalali")


class KpiDefinitionSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    formula = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField()
    kind = serializers.CharField()
    dimensions = serializers.ListField(child=serializers.CharField())


class JalaliDateField(serializers.Field):
    """A Jalali date, YYYY/MM/DD or YYYY-MM-DD in Persian or Latin digits, read as its Gregorian date."""

    def to_internal_value(self, data: object) -> date:
        try:
            return parse_jalali_date(str(data))
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def to_representation(self, value: date) -> str:
        return value.isoformat()


class KpiQuerySerializer(serializers.Serializer):
    """start and end (inclusive local dates, Gregorian unless calendar=jalali), grain, and an optional breakdown."""

    start = serializers.DateField(input_formats=["%Y-%m-%d"])
    end = serializers.DateField(input_formats=["%Y-%m-%d"])
    calendar = serializers.ChoiceField(choices=CALENDARS, default="gregorian")
    grain = serializers.ChoiceField(choices=GRAINS, default="day")
    dimension = serializers.CharField(required=False, allow_blank=False)

    def __init__(self, *args: object, kpi: Kpi, **kwargs: object) -> None:
        self.kpi = kpi
        super().__init__(*args, **kwargs)
        if getattr(self, "initial_data", {}).get("calendar") == "jalali":
            self.fields["start"] = JalaliDateField()
            self.fields["end"] = JalaliDateField()

    def validate_dimension(self, value: str) -> str:
        if value not in self.kpi.dimensions:
            supported = ", ".join(self.kpi.dimensions) or _("none")
            raise serializers.ValidationError(
                _("%(kpi)s cannot be broken down by %(dimension)s; supported: %(supported)s.")
                % {"kpi": self.kpi.key, "dimension": value, "supported": supported}
            )
        return value

    def _within_calendar(self, value: date) -> date:
        if not EARLIEST_DAY <= value <= LATEST_DAY:
            raise serializers.ValidationError(_("Dates run from 1900-01-01 to 2999-12-31."))
        return value

    def validate_start(self, value: date) -> date:
        return self._within_calendar(value)

    def validate_end(self, value: date) -> date:
        return self._within_calendar(value)

    def validate(self, attrs: dict) -> dict:
        if "dimension" in self.initial_data and not self.initial_data.get("dimension"):
            # DRF drops a blank optional query parameter; an empty breakdown request is still a mistake.
            raise serializers.ValidationError({"dimension": [_("Name a dimension or leave the parameter out.")]})
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": [_("end must be on or after start.")]})
        if (attrs["end"] - attrs["start"]).days > MAX_RANGE_DAYS:
            raise serializers.ValidationError({"end": [_("A range may span at most 20 years.")]})
        return attrs


class KpiPointSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    value = serializers.FloatField(allow_null=True)


class KpiBreakdownSerializer(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True)


class KpiResultSerializer(serializers.Serializer):
    key = serializers.CharField()
    unit = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    grain = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    points = KpiPointSerializer(many=True)
    breakdown = KpiBreakdownSerializer(many=True, required=False)
    computed_at = serializers.DateTimeField(allow_null=True)
