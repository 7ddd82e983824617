"""Query-string filters of the survey lists; each list also takes `search` and `ordering`."""

import django_filters as filters

from core.api.filters import IdFilter, TimeFilter, WholeNumberFilter
from core.forms import ApiQueryForm
from surveys.models import Invitation, Response, Survey, SurveyKind


class SurveyFilter(filters.FilterSet):
    external_id = filters.CharFilter()
    kind = filters.ChoiceFilter(choices=SurveyKind.choices)

    class Meta:
        model = Survey
        form = ApiQueryForm
        fields = ["external_id", "kind", "active"]


class InvitationFilter(filters.FilterSet):
    external_id = filters.CharFilter()
    survey = IdFilter(field_name="survey_id")
    contact = IdFilter(field_name="contact_id")
    ticket = IdFilter(field_name="ticket_id")
    sent_after = TimeFilter(field_name="sent_at", lookup_expr="gte")
    sent_before = TimeFilter(field_name="sent_at", lookup_expr="lt")

    class Meta:
        model = Invitation
        form = ApiQueryForm
        fields = ["external_id", "survey", "contact", "ticket"]


class ResponseFilter(filters.FilterSet):
    external_id = filters.CharFilter()
    survey = IdFilter(field_name="survey_id")
    contact = IdFilter(field_name="contact_id")
    ticket = IdFilter(field_name="ticket_id")
    score_min = WholeNumberFilter(field_name="score", lookup_expr="gte", min_value=0, max_value=10)
    score_max = WholeNumberFilter(field_name="score", lookup_expr="lte", min_value=0, max_value=10)
    answered_after = TimeFilter(field_name="answered_at", lookup_expr="gte")
    answered_before = TimeFilter(field_name="answered_at", lookup_expr="lt")

    class Meta:
        model = Response
        form = ApiQueryForm
        fields = ["external_id", "survey", "contact", "ticket"]
