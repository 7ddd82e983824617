"""Survey endpoints (support, managers and admins): thin ViewSets over surveys.services."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.base import ID_PATH_PARAMETER, RecordViewSet, respond_with
from crm.permissions import can_send_surveys
from surveys import services
from surveys.api import serializers as s
from surveys.api.filters import InvitationFilter, ResponseFilter, SurveyFilter
from surveys.models import Invitation, Survey
from surveys.models import Response as SurveyResponse

DETAIL = extend_schema(parameters=[ID_PATH_PARAMETER])


@extend_schema_view(retrieve=DETAIL)
class SurveyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RecordViewSet):
    """Surveys: support, managers and admins read and create them."""

    read_area = "surveys"
    serializer_class = s.SurveySerializer
    queryset = Survey.objects.all()
    filterset_class = SurveyFilter
    search_fields = ["name", "external_id"]
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]

    @extend_schema(request=s.SurveyCreateSerializer, responses={201: s.SurveySerializer})
    def create(self, request: Request) -> Response:
        self.check_write(can_send_surveys(request.user))
        survey = services.survey_create(**self.validated(s.SurveyCreateSerializer))
        return respond_with(self, survey, status_code=status.HTTP_201_CREATED)


@extend_schema_view(retrieve=DETAIL)
class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RecordViewSet):
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
        self.check_write(can_send_surveys(request.user))
        invitation = services.invitation_send(**self.validated(s.InvitationCreateSerializer))
        return respond_with(self, invitation, status_code=status.HTTP_201_CREATED)


@extend_schema_view(retrieve=DETAIL)
class ResponseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RecordViewSet):
    """Answers to surveys; recording one sends the `survey.response` webhook."""

    read_area = "surveys"
    serializer_class = s.ResponseSerializer
    queryset = SurveyResponse.objects.all()
    filterset_class = ResponseFilter
    search_fields = ["comment", "external_id"]
    ordering_fields = ["answered_at", "score", "id"]
    ordering = ["-answered_at", "-id"]

    @extend_schema(request=s.ResponseCreateSerializer, responses={201: s.ResponseSerializer})
    def create(self, request: Request) -> Response:
        self.check_write(can_send_surveys(request.user))
        response = services.response_record(**self.validated(s.ResponseCreateSerializer))
        return respond_with(self, response, status_code=status.HTTP_201_CREATED)
