"""Ticket endpoints: thin ViewSets that check crm.permissions and call one support.services function."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.base import ID_PATH_PARAMETER, IF_MATCH_HEADER, RecordViewSet, respond_with
from crm.permissions import can_assign_ticket, can_work_tickets
from support import services
from support.api import serializers as s
from support.api.filters import TicketFilter
from support.models import Ticket


def _ticket_action(request_serializer: type | None, description: str) -> extend_schema:
    return extend_schema(parameters=[ID_PATH_PARAMETER, IF_MATCH_HEADER], request=request_serializer,
                         responses=s.TicketSerializer, description=description)


@extend_schema_view(retrieve=extend_schema(parameters=[ID_PATH_PARAMETER]))
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RecordViewSet):
    """Tickets: support, managers and admins; support takes tickets, managers and admins reassign them."""

    read_area = "support"
    serializer_class = s.TicketSerializer
    queryset = Ticket.objects.all()
    filterset_class = TicketFilter
    search_fields = ["subject", "external_id"]
    ordering_fields = ["created_at", "resolved_at", "first_response_due_at", "resolution_due_at", "priority", "id"]
    ordering = ["-created_at", "-id"]

    def _workable_ticket(self) -> Ticket:
        ticket = self.get_object()
        self.check_write(can_work_tickets(self.request.user))
        return ticket

    def _version(self, data: dict) -> int | None:
        return self.expected_version({"version": data.pop("version", None)})

    @extend_schema(request=s.TicketCreateSerializer, responses={201: s.TicketSerializer})
    def create(self, request: Request) -> Response:
        self.check_write(can_work_tickets(request.user))
        data = self.validated(s.TicketCreateSerializer)
        ticket = services.ticket_create(**data)
        return respond_with(self, ticket, status_code=status.HTTP_201_CREATED)

    @_ticket_action(s.TicketUpdateSerializer, "Change the subject, contact, priority or channel.")
    def partial_update(self, request: Request, pk: str) -> Response:
        ticket = self._workable_ticket()
        data = self.validated(s.TicketUpdateSerializer)
        version = self._version(data)
        return respond_with(self, services.ticket_update(ticket=ticket, expected_version=version, **data))

    @_ticket_action(s.TicketAssignSerializer, "Give the ticket to an agent (support may take it themselves; "
                                              "managers and admins give it to anyone who works tickets).")
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        data = self.validated(s.TicketAssignSerializer)
        self.check_write(can_assign_ticket(request.user, data["assignee"]))
        version = self._version(data)
        return respond_with(self, services.ticket_assign(ticket=ticket, assignee=data["assignee"],
                                                         expected_version=version))

    @_ticket_action(s.TicketResolveSerializer, "Resolve (or close) the ticket.")
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        ticket = self._workable_ticket()
        data = self.validated(s.TicketResolveSerializer)
        version = self._version(data)
        return respond_with(self, services.ticket_resolve(ticket=ticket, expected_version=version, **data))

    @_ticket_action(None, "Reopen a resolved or closed ticket.")
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        ticket = self._workable_ticket()
        return respond_with(self, services.ticket_reopen(ticket=ticket, expected_version=self.expected_version()))

    @extend_schema(parameters=[ID_PATH_PARAMETER], responses=s.TicketMessageSerializer(many=True), filters=False,
                   description="The thread, oldest first, internal notes included.")
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def messages(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        return Response(s.TicketMessageSerializer(ticket.messages.order_by("at", "id"), many=True).data)

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
