"""Survey endpoints (support, managers and admins): thin ViewSets over surveys.services."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ReadableRecordViewSet, creates
from surveys import services
from surveys.api import serializers as s
from surveys.api.filters import InvitationFilter, ResponseFilter, SurveyFilter
from surveys.models import Invitation, Survey
from surveys.models import Response as SurveyResponse
from surveys.permissions import can_send_surveys


class SurveyViewSet(ReadableRecordViewSet):
    """Surveys: support, managers and admins read and create them."""

    read_area = "surveys"
    serializer_class = s.SurveySerializer
    queryset = Survey.objects.all()
    filterset_class = SurveyFilter
    search_fields = ["name", "external_id"]
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]

    @creates(s.SurveyCreateSerializer, s.SurveySerializer)
    def create(self, request: Request) -> Response:
        return self.create_with(services.survey_create, s.SurveyCreateSerializer, can_send_surveys(request.user))


class InvitationViewSet(ReadableRecordViewSet):
    """Invitations sent to contacts, with the address of their answer page."""

    read_area = "surveys"
    serializer_class = s.InvitationSerializer
    queryset = Invitation.objects.all()
    filterset_class = InvitationFilter
    search_fields = ["external_id"]
    ordering_fields = ["sent_at", "id"]
    ordering = ["-sent_at", "-id"]

    @extend_schema(request=s.InvitationCreateSerializer, responses={201: s.InvitationSerializer},
                   description="Invite a contact now and email them the link; refused (400) when the survey is "
                               "inactive or the contact was asked recently.")
    def create(self, request: Request) -> Response:
        return self.create_with(services.invitation_send, s.InvitationCreateSerializer,
                                can_send_surveys(request.user))


class ResponseViewSet(ReadableRecordViewSet):
    """Answers to surveys; recording one sends the `survey.response` webhook."""

    read_area = "surveys"
    serializer_class = s.ResponseSerializer
    queryset = SurveyResponse.objects.all()
    filterset_class = ResponseFilter
    search_fields = ["comment", "external_id"]
    ordering_fields = ["answered_at", "score", "id"]
    ordering = ["-answered_at", "-id"]

    @creates(s.ResponseCreateSerializer, s.ResponseSerializer)
    def create(self, request: Request) -> Response:
        return self.create_with(services.response_record, s.ResponseCreateSerializer, can_send_surveys(request.user))
