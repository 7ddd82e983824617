"""Query-string filters of the CRM lists (django-filter); every list also takes `search` and `ordering`."""

import django_filters as filters

from core.api.filters import IdFilter, TimeFilter
from core.forms import ApiQueryForm
from crm.models import Activity, ActivityKind, Campaign, Company, Contact, Deal, DealKind, DealStatus, Stage, User


class CompanyFilter(filters.FilterSet):
    tag = filters.CharFilter(field_name="tags__name", lookup_expr="iexact", label="Records with this tag")
    external_id = filters.CharFilter()
    domain = filters.CharFilter(lookup_expr="iexact")
    industry = filters.CharFilter(lookup_expr="iexact")
    owner = IdFilter(field_name="owner_id")
    created_after = TimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = TimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Company
        form = ApiQueryForm
        fields = ["external_id", "domain", "industry", "size", "owner"]


class ContactFilter(filters.FilterSet):
    tag = filters.CharFilter(field_name="tags__name", lookup_expr="iexact", label="Records with this tag")
    external_id = filters.CharFilter()
    email = filters.CharFilter(lookup_expr="iexact")
    company = IdFilter(field_name="company_id")
    owner = IdFilter(field_name="owner_id")
    source_campaign = IdFilter(field_name="source_campaign_id")
    created_after = TimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = TimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Contact
        form = ApiQueryForm
        fields = ["external_id", "email", "company", "owner", "source_campaign"]


class CampaignFilter(filters.FilterSet):
    external_id = filters.CharFilter()

    class Meta:
        model = Campaign
        form = ApiQueryForm
        fields = ["external_id", "channel"]


class StageFilter(filters.FilterSet):
    external_id = filters.CharFilter()
    pipeline = IdFilter(field_name="pipeline_id")

    class Meta:
        model = Stage
        form = ApiQueryForm
        fields = ["external_id", "pipeline"]


class DealFilter(filters.FilterSet):
    tag = filters.CharFilter(field_name="tags__name", lookup_expr="iexact", label="Records with this tag")
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
        form = ApiQueryForm
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
        form = ApiQueryForm
        fields = ["kind", "owner", "contact", "company", "deal"]


class UserFilter(filters.FilterSet):
    team = IdFilter(field_name="team_id")

    class Meta:
        model = User
        form = ApiQueryForm
        fields = ["role", "team", "is_active"]
