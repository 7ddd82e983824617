"""Query-string filters of the CRM lists (django-filter); every list also takes `search` and `ordering`."""

from datetime import UTC, datetime

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from core.ids import RecordIdFormField, WholeNumberFormField
from crm.models import Activity, ActivityKind, Campaign, Company, Contact, Deal, DealKind, DealStatus, Stage, User


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


class CompanyFilter(filters.FilterSet):
    external_id = filters.CharFilter()
    owner = IdFilter(field_name="owner_id")
    created_after = TimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = TimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Company
        fields = ["external_id", "owner"]


class ContactFilter(filters.FilterSet):
    external_id = filters.CharFilter()
    email = filters.CharFilter(lookup_expr="iexact")
    company = IdFilter(field_name="company_id")
    owner = IdFilter(field_name="owner_id")
    source_campaign = IdFilter(field_name="source_campaign_id")
    created_after = TimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = TimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Contact
        fields = ["external_id", "email", "company", "owner", "source_campaign"]


class CampaignFilter(filters.FilterSet):
    external_id = filters.CharFilter()

    class Meta:
        model = Campaign
        fields = ["external_id", "channel"]


class StageFilter(filters.FilterSet):
    external_id = filters.CharFilter()
    pipeline = IdFilter(field_name="pipeline_id")

    class Meta:
        model = Stage
        fields = ["external_id", "pipeline"]


class DealFilter(filters.FilterSet):
    external_id = filters.CharFilter()
    status = filters.ChoiceFilter(choices=DealStatus.choices)
    kind = filters.ChoiceFilter(choices=DealKind.choices)
    pipeline = IdFilter(field_name="pipeline_id")
    stage = IdFilter(field_name="stage_id")
    owner = IdFilter(field_name="owner_id")
    contact = IdFilter(field_name="contact_id")
    company = IdFilter(field_name="company_id")
    campaign = IdFilter(field_name="campaign_id")
    amount_min = filters.NumberFilter(field_name="amount_base", lookup_expr="gte", max_digits=20, decimal_places=2)
    amount_max = filters.NumberFilter(field_name="amount_base", lookup_expr="lte", max_digits=20, decimal_places=2)
    created_after = TimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = TimeFilter(field_name="created_at", lookup_expr="lt")
    closed_after = TimeFilter(field_name="closed_at", lookup_expr="gte")
    closed_before = TimeFilter(field_name="closed_at", lookup_expr="lt")

    class Meta:
        model = Deal
        fields = ["external_id", "status", "kind", "pipeline", "stage", "owner", "contact", "company", "campaign"]


class ActivityFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ActivityKind.choices)
    owner = IdFilter(field_name="owner_id")
    contact = IdFilter(field_name="contact_id")
    company = IdFilter(field_name="company_id")
    deal = IdFilter(field_name="deal_id")
    done = filters.BooleanFilter(field_name="done_at", lookup_expr="isnull", exclude=True,
                                 label="Tasks done (true) or still to do (false)")
    due_before = TimeFilter(field_name="due_at", lookup_expr="lt")

    class Meta:
        model = Activity
        fields = ["kind", "owner", "contact", "company", "deal"]


class UserFilter(filters.FilterSet):
    team = IdFilter(field_name="team_id")

    class Meta:
        model = User
        fields = ["role", "team", "is_active"]
