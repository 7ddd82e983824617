"""CRM endpoints: thin ViewSets that check crm.permissions, validate input and call one crm.services function."""

from django.db.models import Count, DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm import services
from crm.api import serializers as s
from crm.api.base import ID_PATH_PARAMETER, IF_MATCH_HEADER, RecordViewSet, respond_with
from crm.api.filters import (
    ActivityFilter,
    CampaignFilter,
    CompanyFilter,
    ContactFilter,
    DealFilter,
    StageFilter,
    UserFilter,
)
from crm.concurrency import check_version
from crm.models import Activity, Campaign, Company, Contact, Deal, DealStatus, Pipeline, Stage, Team, User
from crm.permissions import (
    can_create_deal,
    can_edit_activity,
    can_edit_customers,
    can_edit_deal,
    can_reassign,
    can_record_spend,
)

DETAIL = extend_schema(parameters=[ID_PATH_PARAMETER])
WRITE_DETAIL = extend_schema(parameters=[ID_PATH_PARAMETER, IF_MATCH_HEADER])


def _owner_change_allowed(user: User, data: dict) -> bool:
    """Handing a record to someone else is a manager's or admin's move."""
    owner = data.get("owner", user)
    return owner == user or can_reassign(user)


@extend_schema_view(retrieve=DETAIL)
class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RecordViewSet):
    """Staff, read only (accounts are managed in the admin)."""

    read_area = "customers"
    serializer_class = s.UserSerializer
    queryset = User.objects.all()
    filterset_class = UserFilter
    search_fields = ["username", "full_name", "email"]
    ordering_fields = ["username", "full_name", "id"]
    ordering = ["username", "id"]


@extend_schema_view(retrieve=DETAIL)
class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RecordViewSet):
    """Teams of staff, read only."""

    read_area = "customers"
    serializer_class = s.TeamSerializer
    queryset = Team.objects.all()
    search_fields = ["name"]
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]


@extend_schema_view(retrieve=DETAIL)
class CompanyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RecordViewSet):
    """Companies: every role reads them; sales, managers and admins create and edit them."""

    read_area = "customers"
    serializer_class = s.CompanySerializer
    queryset = Company.objects.all()
    filterset_class = CompanyFilter
    search_fields = ["name", "external_id"]
    ordering_fields = ["name", "created_at", "id"]
    ordering = ["name", "id"]

    @extend_schema(request=s.CompanyCreateSerializer, responses={201: s.CompanySerializer})
    def create(self, request: Request) -> Response:
        self.check_write(can_edit_customers(request.user))
        data = self.validated(s.CompanyCreateSerializer)
        data.setdefault("owner", request.user)
        self.check_write(_owner_change_allowed(request.user, data))
        company = services.company_create(**data)
        return respond_with(self, company, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=s.CompanyUpdateSerializer, responses=s.CompanySerializer,
                   parameters=[ID_PATH_PARAMETER, IF_MATCH_HEADER])
    def partial_update(self, request: Request, pk: str) -> Response:
        company = self.get_object()
        self.check_write(can_edit_customers(request.user))
        data = self.validated(s.CompanyUpdateSerializer)
        self.check_write("owner" not in data or _owner_change_allowed(request.user, data))
        version = data.pop("version", None)
        company = services.company_update(company=company, expected_version=self.expected_version({"version": version}),
                                          **data)
        return respond_with(self, company)


@extend_schema_view(retrieve=DETAIL)
class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RecordViewSet):
    """Contacts: every role reads them; sales, managers and admins create and edit them."""

    read_area = "customers"
    serializer_class = s.ContactSerializer
    queryset = Contact.objects.all()
    filterset_class = ContactFilter
    search_fields = ["first_name", "last_name", "email", "phone", "external_id"]
    ordering_fields = ["last_name", "first_name", "created_at", "id"]
    ordering = ["last_name", "first_name", "id"]

    @extend_schema(request=s.ContactCreateSerializer, responses={201: s.ContactSerializer})
    def create(self, request: Request) -> Response:
        self.check_write(can_edit_customers(request.user))
        data = self.validated(s.ContactCreateSerializer)
        data.setdefault("owner", request.user)
        self.check_write(_owner_change_allowed(request.user, data))
        contact = services.contact_create(**data)
        return respond_with(self, contact, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=s.ContactUpdateSerializer, responses=s.ContactSerializer,
                   parameters=[ID_PATH_PARAMETER, IF_MATCH_HEADER])
    def partial_update(self, request: Request, pk: str) -> Response:
        contact = self.get_object()
        self.check_write(can_edit_customers(request.user))
        data = self.validated(s.ContactUpdateSerializer)
        self.check_write("owner" not in data or _owner_change_allowed(request.user, data))
        version = data.pop("version", None)
        contact = services.contact_update(contact=contact, expected_version=self.expected_version({"version": version}),
                                          **data)
        return respond_with(self, contact)


@extend_schema_view(retrieve=DETAIL)
class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RecordViewSet):
    """Marketing campaigns with their total spend; managers and admins record spend."""

    read_area = "marketing"
    serializer_class = s.CampaignSerializer
    filterset_class = CampaignFilter
    search_fields = ["name", "external_id"]
    ordering_fields = ["name", "spend_total", "id"]
    ordering = ["name", "id"]

    def get_queryset(self) -> QuerySet[Campaign]:
        zero = Value(0, output_field=DecimalField(max_digits=20, decimal_places=2))
        return Campaign.objects.annotate(spend_total=Coalesce(Sum("spend_entries__amount"), zero))

    @extend_schema(parameters=[ID_PATH_PARAMETER], responses=s.CampaignSpendSerializer(many=True),
                   filters=False)
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def spend(self, request: Request, pk: str) -> Response:
        """The campaign's spend entries, oldest first."""
        campaign = self.get_object()
        return Response(s.CampaignSpendSerializer(campaign.spend_entries.all(), many=True).data)

    @extend_schema(parameters=[ID_PATH_PARAMETER], request=s.CampaignSpendCreateSerializer,
                   responses={201: s.CampaignSpendSerializer})
    @spend.mapping.post
    def add_spend(self, request: Request, pk: str) -> Response:
        """Record money spent on the campaign on a date."""
        campaign = self.get_object()
        self.check_write(can_record_spend(request.user))
        data = self.validated(s.CampaignSpendCreateSerializer)
        spend = services.campaign_add_spend(campaign=campaign, spent_on=data["date"], amount=data["amount"])
        return Response(s.CampaignSpendSerializer(spend).data, status=status.HTTP_201_CREATED)


@extend_schema_view(retrieve=DETAIL)
class PipelineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RecordViewSet):
    """Pipelines with their stages in order, read only."""

    read_area = "sales"
    serializer_class = s.PipelineSerializer
    queryset = Pipeline.objects.prefetch_related("stages")
    search_fields = ["name", "external_id"]
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]


@extend_schema_view(retrieve=DETAIL)
class StageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RecordViewSet):
    """Pipeline stages, read only."""

    read_area = "sales"
    serializer_class = s.StageSerializer
    queryset = Stage.objects.all()
    filterset_class = StageFilter
    search_fields = ["name", "external_id"]
    ordering_fields = ["pipeline", "position", "id"]
    ordering = ["pipeline", "position", "id"]


def _deal_action(request_serializer: type, description: str) -> extend_schema:
    return extend_schema(parameters=[ID_PATH_PARAMETER, IF_MATCH_HEADER], request=request_serializer,
                         responses=s.DealSerializer, description=description)


@extend_schema_view(retrieve=DETAIL, destroy=WRITE_DETAIL)
class DealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RecordViewSet):
    """Deals: sales, managers and admins read all of them; sales edit their own, managers and admins all."""

    read_area = "sales"
    serializer_class = s.DealSerializer
    queryset = Deal.objects.all()
    filterset_class = DealFilter
    search_fields = ["title", "external_id"]
    ordering_fields = ["created_at", "closed_at", "amount_base", "title", "id"]
    ordering = ["-created_at", "-id"]

    def _editable_deal(self) -> Deal:
        deal = self.get_object()
        self.check_write(can_edit_deal(self.request.user, deal))
        return deal

    def _version(self, data: dict) -> int | None:
        return self.expected_version({"version": data.pop("version", None)})

    @extend_schema(request=s.DealCreateSerializer, responses={201: s.DealSerializer})
    def create(self, request: Request) -> Response:
        self.check_write(can_create_deal(request.user))
        data = self.validated(s.DealCreateSerializer)
        data.setdefault("owner", request.user)
        self.check_write(_owner_change_allowed(request.user, data))
        deal = services.deal_create(pipeline_stage=data.pop("stage"), **data)
        return respond_with(self, deal, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=s.DealUpdateSerializer, responses=s.DealSerializer,
                   parameters=[ID_PATH_PARAMETER, IF_MATCH_HEADER])
    def partial_update(self, request: Request, pk: str) -> Response:
        deal = self._editable_deal()
        data = self.validated(s.DealUpdateSerializer)
        self.check_write("owner" not in data or _owner_change_allowed(request.user, data))
        version = self._version(data)
        return respond_with(self, services.deal_update(deal=deal, expected_version=version, **data))

    def destroy(self, request: Request, pk: str) -> Response:
        deal = self._editable_deal()
        check_version(deal, self.expected_version())
        services.deal_delete(deal=deal)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @_deal_action(s.DealMoveSerializer, "Move an open deal to another stage of its pipeline.")
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        deal = self._editable_deal()
        data = self.validated(s.DealMoveSerializer)
        version = self._version(data)
        return respond_with(self, services.deal_move_stage(deal=deal, expected_version=version, **data))

    @_deal_action(s.DealWinSerializer, "Mark an open deal won (a foreign-currency deal needs its exchange rate).")
    @action(detail=True, methods=["post"])
    def win(self, request: Request, pk: str) -> Response:
        deal = self._editable_deal()
        data = self.validated(s.DealWinSerializer)
        version = self._version(data)
        return respond_with(self, services.deal_close(deal=deal, won=True, expected_version=version, **data))

    @_deal_action(s.DealLoseSerializer, "Mark an open deal lost, with a reason.")
    @action(detail=True, methods=["post"])
    def lose(self, request: Request, pk: str) -> Response:
        deal = self._editable_deal()
        data = self.validated(s.DealLoseSerializer)
        version = self._version(data)
        return respond_with(self, services.deal_close(deal=deal, won=False, expected_version=version, **data))

    @_deal_action(s.VersionSerializer, "Reopen a won or lost deal in the stage it closed in.")
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        deal = self._editable_deal()
        data = self.validated(s.VersionSerializer)
        return respond_with(self, services.deal_reopen(deal=deal, expected_version=self._version(data)))

    @extend_schema(
        parameters=[OpenApiParameter("pipeline", int, required=True, description="The pipeline's id.")],
        responses=s.BoardStageSerializer(many=True), filters=False,
        description="Open deals per stage of a pipeline: how many and their sum in the base currency.",
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def board(self, request: Request) -> Response:
        query = s.BoardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        pipeline = Pipeline.objects.filter(pk=query.validated_data["pipeline"]).first()
        if pipeline is None:
            return Response({"pipeline": [_("No pipeline has this id.")]}, status=status.HTTP_400_BAD_REQUEST)
        totals = {
            row["stage_id"]: row
            for row in Deal.objects.filter(pipeline=pipeline, status=DealStatus.OPEN).values("stage_id")
            .annotate(count=Count("id"), amount_base=Sum("amount_base"))
        }
        rows = [
            {"stage": stage.pk, "name": stage.name, "position": stage.position,
             "count": totals.get(stage.pk, {}).get("count", 0),
             "amount_base": totals.get(stage.pk, {}).get("amount_base") or 0}
            for stage in pipeline.stages.order_by("position", "id")
        ]
        return Response(s.BoardStageSerializer(rows, many=True).data)


@extend_schema_view(retrieve=DETAIL)
class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RecordViewSet):
    """Calls, emails, meetings, notes and tasks on the timeline of contacts, companies and deals."""

    read_area = "sales"
    serializer_class = s.ActivitySerializer
    queryset = Activity.objects.all()
    filterset_class = ActivityFilter
    search_fields = ["subject", "body"]
    ordering_fields = ["created_at", "due_at", "id"]
    ordering = ["-created_at", "-id"]

    @extend_schema(request=s.ActivityCreateSerializer, responses={201: s.ActivitySerializer})
    def create(self, request: Request) -> Response:
        self.check_write(can_edit_customers(request.user))
        data = self.validated(s.ActivityCreateSerializer)
        if data.get("owner") is None:
            data["owner"] = request.user
        self.check_write(_owner_change_allowed(request.user, data))
        activity = services.activity_create(**data)
        return respond_with(self, activity, status_code=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ID_PATH_PARAMETER], request=None, responses=s.ActivitySerializer,
                   description="Tick a task off.")
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: str) -> Response:
        return self._set_done(done=True)

    @extend_schema(parameters=[ID_PATH_PARAMETER], request=None, responses=s.ActivitySerializer,
                   description="Put a done task back on the list.")
    @action(detail=True, methods=["post"])
    def undone(self, request: Request, pk: str) -> Response:
        return self._set_done(done=False)

    def _set_done(self, *, done: bool) -> Response:
        activity = self.get_object()
        self.check_write(can_edit_activity(self.request.user, activity))
        return respond_with(self, services.task_set_done(task=activity, done=done))

