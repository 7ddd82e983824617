"""Shapes of surveys, invitations and responses; input serializers validate before surveys.services is called."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import fields as local
from core.api.base import record_field
from crm.models import Contact
from support.models import Ticket
from surveys.models import SERVQUAL_DIMENSIONS, Invitation, Response, Survey, SurveyKind
from surveys.selectors import invitation_public_url


class SurveySerializer(serializers.ModelSerializer):
    class Meta:
        model = Survey
        fields = ["id", "external_id", "name", "kind", "question", "question_fa", "active",
                  "send_after_ticket_resolved", "ticket_delay_hours", "send_to_active_customers"]


class SurveyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=SurveyKind.choices)
    question = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    question_fa = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    active = serializers.BooleanField(default=True)
    send_after_ticket_resolved = serializers.BooleanField(default=False)
    ticket_delay_hours = local.IntegerField(default=24, min_value=0, max_value=24 * 365)
    send_to_active_customers = serializers.BooleanField(default=False)


class InvitationSerializer(serializers.ModelSerializer):
    public_url = serializers.SerializerMethodField(help_text=_("The page where the contact answers."))

    class Meta:
        model = Invitation
        fields = ["id", "external_id", "survey", "contact", "ticket", "sent_at", "public_url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_public_url(self, invitation: Invitation) -> str:
        return invitation_public_url(invitation, self.context.get("request"))


class InvitationCreateSerializer(serializers.Serializer):
    survey = record_field(Survey.objects.all())
    contact = record_field(Contact.objects.all())
    ticket = record_field(Ticket.objects.all(), required=False, allow_null=True)


SERVQUAL_FIELDS = [f"{dimension}_{side}" for dimension in SERVQUAL_DIMENSIONS for side in ("expectation", "perception")]


class ResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Response
        fields = ["id", "external_id", "survey", "invitation", "contact", "ticket", "answered_at", "score",
                  *SERVQUAL_FIELDS, "comment"]


class ResponseCreateSerializer(serializers.Serializer):
    """A score (NPS 0–10, CSAT and CES 1–5), or for SERVQUAL an expectation and a perception (1–7) for each
    dimension, as flat fields such as `tangibles_expectation`."""

    survey = record_field(Survey.objects.all())
    contact = record_field(Contact.objects.all())
    invitation = record_field(Invitation.objects.all(), required=False, allow_null=True)
    ticket = record_field(Ticket.objects.all(), required=False, allow_null=True)
    score = local.IntegerField(required=False, allow_null=True, min_value=0, max_value=10)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    answered_at = local.DateTimeField(required=False)
    external_id = serializers.CharField(max_length=100, required=False, allow_null=True)

    def get_fields(self) -> dict:
        fields = super().get_fields()
        for name in SERVQUAL_FIELDS:
            fields[name] = local.IntegerField(required=False, allow_null=True, min_value=1, max_value=7)
        return fields

    def validate(self, attrs: dict) -> dict:
        servqual: dict[str, dict[str, int]] = {}
        for dimension in SERVQUAL_DIMENSIONS:
            pair = {side: attrs.pop(f"{dimension}_{side}", None) for side in ("expectation", "perception")}
            if any(value is not None for value in pair.values()):
                servqual[dimension] = pair
        attrs["servqual"] = servqual or None
        return attrs
