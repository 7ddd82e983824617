"""Ticket endpoints: thin ViewSets that check crm.permissions and call one support.services function."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ID_PATH_PARAMETER, ReadableRecordViewSet, changes, creates, respond_with
from core.ids import RECORD_REFERENCE_PATH_REGEX, parse_record_id
from support import services
from support.api import serializers as s
from support.api.filters import TicketFilter
from support.attachments import attachment_response
from support.models import Ticket
from support.permissions import can_assign_ticket, can_download_attachment, can_work_tickets
from support.selectors import attachment_for_download, ticket_matches


class AnyTypeRenderer(JSONRenderer):
    """Lets the download answer whatever a client accepts (`application/octet-stream`, `image/*`): the file
    goes out as the FileResponse it is, and a refusal (403, 404) as JSON, instead of DRF's 406."""

    media_type = "*/*"
    format = "download"


ATTACHMENT_ID_PARAMETER = OpenApiParameter("attachment_id", int, OpenApiParameter.PATH,
                                           description="The attachment's id (from the message's `attachments`).")


class TicketViewSet(ReadableRecordViewSet):
    """Tickets: support, managers and admins; support takes tickets, managers and admins reassign them."""

    read_area = "support"
    serializer_class = s.TicketSerializer
    queryset = Ticket.objects.all()
    filterset_class = TicketFilter
    search_fields = ["subject", "external_id"]
    search_matches = staticmethod(ticket_matches)  # the subject, or the contact's name, email or phone
    ordering_fields = ["created_at", "resolved_at", "first_response_due_at", "resolution_due_at", "priority", "id"]
    ordering = ["-created_at", "-id"]

    def _workable_ticket(self) -> Ticket:
        ticket = self.get_object()
        self.check_write(can_work_tickets(self.request.user))
        return ticket

    @creates(s.TicketCreateSerializer, s.TicketSerializer)
    def create(self, request: Request) -> Response:
        return self.create_with(services.ticket_create, s.TicketCreateSerializer, can_work_tickets(request.user))

    @changes(s.TicketUpdateSerializer, s.TicketSerializer, "Change the subject, contact, priority or channel.")
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.change_with(services.ticket_update, s.TicketUpdateSerializer, ticket=self._workable_ticket())

    @changes(s.TicketAssignSerializer, s.TicketSerializer,
             "Give the ticket to an agent (support may take it themselves; managers and admins give it to anyone "
             "who works tickets).")
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        return self.change_with(services.ticket_assign, s.TicketAssignSerializer,
                                lambda data: can_assign_ticket(request.user, data["assignee"]),
                                ticket=self.get_object())

    @changes(s.TicketResolveSerializer, s.TicketSerializer, "Resolve (or close) the ticket.")
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        return self.change_with(services.ticket_resolve, s.TicketResolveSerializer, ticket=self._workable_ticket())

    @changes(None, s.TicketSerializer, "Reopen a resolved or closed ticket.")
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        ticket = self._workable_ticket()
        return respond_with(self, services.ticket_reopen(ticket=ticket, expected_version=self.expected_version()))

    @extend_schema(parameters=[ID_PATH_PARAMETER], responses=s.TicketMessageSerializer(many=True), filters=False,
                   description="The thread, oldest first, internal notes included.")
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def messages(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        thread = ticket.messages.order_by("at", "id").prefetch_related("attachments__message")
        return Response(s.TicketMessageSerializer(thread, many=True).data)

    @extend_schema(parameters=[ID_PATH_PARAMETER, ATTACHMENT_ID_PARAMETER], filters=False,
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
                   description="A file of one of the ticket's messages, as a download (`Content-Disposition: "
                               "attachment`, the type sniffed from its content when it was stored).")
    @action(detail=True, methods=["get"], url_path=rf"attachments/(?P<attachment_id>{RECORD_REFERENCE_PATH_REGEX})",
            filterset_class=None, pagination_class=None, renderer_classes=[JSONRenderer, AnyTypeRenderer])
    def attachment(self, request: Request, pk: str, attachment_id: str) -> FileResponse:
        ticket = self.get_object()
        self.check_write(can_download_attachment(request.user, ticket))
        number = parse_record_id(attachment_id)  # attachments have no external id: `ext:` names none
        if number is None:
            raise NotFound()
        found = attachment_for_download(pk=number)
        if found.message.ticket_id != ticket.pk:
            raise NotFound()
        return attachment_response(found)

    @extend_schema(parameters=[ID_PATH_PARAMETER], request=s.TicketMessageCreateSerializer,
                   responses={201: s.TicketMessageSerializer},
                   description="Add a public reply (`public: true`) or an internal note (`public: false`).")
    @messages.mapping.post
    def add_message(self, request: Request, pk: str) -> Response:
        ticket = self._workable_ticket()
        data = self.validated(s.TicketMessageCreateSerializer)
        user = request.user if data["author"] == "agent" else None
        message = services.ticket_add_message(ticket=ticket, user=user, **data)
        return Response(s.TicketMessageSerializer(message).data, status=status.HTTP_201_CREATED)
