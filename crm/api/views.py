"""CRM endpoints: thin ViewSets that check crm.permissions, validate input and call one crm.services function."""

from django.db.models import Count, DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import (
    ID_PATH_PARAMETER,
    IF_MATCH_HEADER,
    ReadableRecordViewSet,
    changes,
    creates,
    respond_with,
)
from core.concurrency import check_version
from crm import selectors, services
from crm.api import serializers as s
from crm.api.filters import (
    ActivityFilter,
    CampaignFilter,
    CompanyFilter,
    ContactFilter,
    DealFilter,
    StageFilter,
    UserFilter,
)
from crm.models import Activity, Campaign, Company, Contact, Deal, DealStatus, Pipeline, Stage, Team, User
from crm.permissions import (
    can_create_deal,
    can_edit_activity,
    can_edit_customers,
    can_edit_deal,
    can_reassign,
    can_record_spend,
)


def _owner_change_allowed(user: User, data: dict) -> bool:
    """Handing a record to someone else is a manager's or admin's move."""
    owner = data.get("owner", user)
    return owner == user or can_reassign(user)


DUPLICATE_MESSAGES = {
    "email": gettext_lazy("A contact with this email exists: %s"),
    "phone": gettext_lazy("A contact with this phone number exists: %s"),
    "name": gettext_lazy("A contact with this name exists in this company: %s"),
}
DUPLICATE_FIELDS = {"email": "email", "phone": "phone", "name": "first_name"}


def _duplicate_errors(found: list[selectors.Duplicate]) -> dict[str, object]:
    """The 400 body of a likely duplicate: the field each match is on with the matching ids, and the code."""
    errors: dict[str, object] = {}
    for reason, message in DUPLICATE_MESSAGES.items():
        ids = [f"#{duplicate.record.pk}" for duplicate in found if reason in duplicate.reasons]
        if ids:
            errors[DUPLICATE_FIELDS[reason]] = [str(message) % ", ".join(ids)]
    errors["code"] = "duplicate"
    return errors


DUPLICATE_KEY_FIELDS = {"email", "phone", "first_name", "last_name", "company"}


def _refuse_duplicates(data: dict, *, exclude_pk: int | None = None) -> None:
    """400 with the matching contacts when the contact's email, phone or name in its company is taken."""
    found = selectors.contact_duplicates(
        email=data.get("email") or "", phone=data.get("phone") or "", first_name=data.get("first_name") or "",
        last_name=data.get("last_name") or "", company=data.get("company"), exclude_pk=exclude_pk)
    if found:
        raise ValidationError(_duplicate_errors(found))


def _deal_create(*, stage: Stage, **fields: object) -> Deal:
    """The API names the first stage `stage`; the service calls it `pipeline_stage`."""
    return services.deal_create(pipeline_stage=stage, **fields)


class OwnedRecordViewSet(ReadableRecordViewSet):
    """Records with an owner: a new one is its creator's, and only managers and admins give one to someone else."""

    def prepare_new(self, data: dict) -> dict:
        data.setdefault("owner", self.request.user)
        self.check_write(_owner_change_allowed(self.request.user, data))
        return data

    def owner_kept_or_allowed(self, data: dict) -> bool:
        """A change that leaves the owner alone, or one this role may make."""
        return "owner" not in data or _owner_change_allowed(self.request.user, data)


class UserViewSet(ReadableRecordViewSet):
    """Staff, read only (accounts are managed in the admin)."""

    read_area = "customers"
    serializer_class = s.UserSerializer
    queryset = User.objects.all()
    filterset_class = UserFilter
    search_fields = ["username", "full_name", "email"]
    ordering_fields = ["username", "full_name", "id"]
    ordering = ["username", "id"]


class TeamViewSet(ReadableRecordViewSet):
    """Teams of staff, read only."""

    read_area = "customers"
    serializer_class = s.TeamSerializer
    queryset = Team.objects.all()
    search_fields = ["name"]
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]


class CompanyViewSet(OwnedRecordViewSet):
    """Companies: every role reads them; sales, managers and admins create and edit them."""

    read_area = "customers"
    serializer_class = s.CompanySerializer
    queryset = Company.objects.prefetch_related("tags")
    filterset_class = CompanyFilter
    search_fields = ["name", "external_id"]
    ordering_fields = ["name", "created_at", "id"]
    ordering = ["name", "id"]

    @creates(s.CompanyCreateSerializer, s.CompanySerializer)
    def create(self, request: Request) -> Response:
        return self.create_with(services.company_create, s.CompanyCreateSerializer, can_edit_customers(request.user))

    @changes(s.CompanyUpdateSerializer, s.CompanySerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        company = self.get_object()
        self.check_write(can_edit_customers(request.user))
        return self.change_with(services.company_update, s.CompanyUpdateSerializer, self.owner_kept_or_allowed,
                                company=company)


class ContactViewSet(OwnedRecordViewSet):
    """Contacts: every role reads them; sales, managers and admins create and edit them."""

    read_area = "customers"
    serializer_class = s.ContactSerializer
    queryset = Contact.objects.prefetch_related("tags")
    filterset_class = ContactFilter
    search_fields = ["first_name", "last_name", "email", "phone", "external_id"]
    ordering_fields = ["last_name", "first_name", "created_at", "id"]
    ordering = ["last_name", "first_name", "id"]

    @creates(s.ContactCreateSerializer, s.ContactSerializer)
    def create(self, request: Request) -> Response:
        """A contact that looks like a stored one (same email, phone, or name in the same company) is refused
        with 400 and `"code": "duplicate"` unless the body says `"allow_duplicate": true`."""
        return self.create_with(services.contact_create, s.ContactCreateSerializer, can_edit_customers(request.user))

    def prepare_new(self, data: dict) -> dict:
        data = super().prepare_new(data)
        if not data.pop("allow_duplicate", False):
            _refuse_duplicates(data)
        return data

    @changes(s.ContactUpdateSerializer, s.ContactSerializer,
             description=gettext_lazy(
                 "A change that makes the contact look like another one (the same email, phone, or name in the same "
                 "company) is refused with 400 and `\"code\": \"duplicate\"` unless the body says "
                 "`\"allow_duplicate\": true`."))
    def partial_update(self, request: Request, pk: str) -> Response:
        contact = self.get_object()
        self.check_write(can_edit_customers(request.user))

        def refuse_duplicates(data: dict) -> dict:
            if not data.pop("allow_duplicate", False) and DUPLICATE_KEY_FIELDS & data.keys():
                current = {field: getattr(contact, field) for field in DUPLICATE_KEY_FIELDS}
                _refuse_duplicates({**current, **data}, exclude_pk=contact.pk)
            return data

        return self.change_with(services.contact_update, s.ContactUpdateSerializer, self.owner_kept_or_allowed,
                                prepare=refuse_duplicates, contact=contact)


class CampaignViewSet(ReadableRecordViewSet):
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


class PipelineViewSet(ReadableRecordViewSet):
    """Pipelines with their stages in order, read only."""

    read_area = "sales"
    serializer_class = s.PipelineSerializer
    queryset = Pipeline.objects.prefetch_related("stages")
    search_fields = ["name", "external_id"]
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]


class StageViewSet(ReadableRecordViewSet):
    """Pipeline stages, read only."""

    read_area = "sales"
    serializer_class = s.StageSerializer
    queryset = Stage.objects.all()
    filterset_class = StageFilter
    search_fields = ["name", "external_id"]
    ordering_fields = ["pipeline", "position", "id"]
    ordering = ["pipeline", "position", "id"]


@extend_schema_view(destroy=extend_schema(parameters=[ID_PATH_PARAMETER, IF_MATCH_HEADER]))
class DealViewSet(OwnedRecordViewSet):
    """Deals: sales, managers and admins read all of them; sales edit their own, managers and admins all."""

    read_area = "sales"
    serializer_class = s.DealSerializer
    queryset = Deal.objects.prefetch_related("tags")
    filterset_class = DealFilter
    search_fields = ["title", "external_id"]
    ordering_fields = ["created_at", "closed_at", "amount_base", "title", "id"]
    ordering = ["-created_at", "-id"]

    def _editable_deal(self) -> Deal:
        deal = self.get_object()
        self.check_write(can_edit_deal(self.request.user, deal))
        return deal

    @creates(s.DealCreateSerializer, s.DealSerializer)
    def create(self, request: Request) -> Response:
        return self.create_with(_deal_create, s.DealCreateSerializer, can_create_deal(request.user))

    @changes(s.DealUpdateSerializer, s.DealSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.change_with(services.deal_update, s.DealUpdateSerializer, self.owner_kept_or_allowed,
                                deal=self._editable_deal())

    def destroy(self, request: Request, pk: str) -> Response:
        deal = self._editable_deal()
        check_version(deal, self.expected_version())
        services.deal_delete(deal=deal)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @changes(s.DealMoveSerializer, s.DealSerializer, "Move an open deal to another stage of its pipeline.")
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        return self.change_with(services.deal_move_stage, s.DealMoveSerializer, deal=self._editable_deal())

    @changes(s.DealWinSerializer, s.DealSerializer,
             "Mark an open deal won (a foreign-currency deal needs its exchange rate).")
    @action(detail=True, methods=["post"])
    def win(self, request: Request, pk: str) -> Response:
        return self.change_with(services.deal_close, s.DealWinSerializer, deal=self._editable_deal(), won=True)

    @changes(s.DealLoseSerializer, s.DealSerializer, "Mark an open deal lost, with a reason.")
    @action(detail=True, methods=["post"])
    def lose(self, request: Request, pk: str) -> Response:
        return self.change_with(services.deal_close, s.DealLoseSerializer, deal=self._editable_deal(), won=False)

    @changes(s.VersionSerializer, s.DealSerializer, "Reopen a won or lost deal in the stage it closed in.")
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        return self.change_with(services.deal_reopen, s.VersionSerializer, deal=self._editable_deal())

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
            {"stage": stage.pk, "name": stage.name, "name_fa": stage.name_fa, "position": stage.position,
             "count": totals.get(stage.pk, {}).get("count", 0),
             "amount_base": totals.get(stage.pk, {}).get("amount_base") or 0}
            for stage in pipeline.stages.order_by("position", "id")
        ]
        return Response(s.BoardStageSerializer(rows, many=True).data)


class ActivityViewSet(OwnedRecordViewSet):
    """Calls, emails, meetings, notes and tasks on the timeline of contacts, companies and deals."""

    read_area = "sales"
    serializer_class = s.ActivitySerializer
    queryset = Activity.objects.all()
    filterset_class = ActivityFilter
    search_fields = ["subject", "body"]
    ordering_fields = ["created_at", "due_at", "id"]
    ordering = ["-created_at", "-id"]

    def prepare_new(self, data: dict) -> dict:
        if data.get("owner") is None:  # an activity given no owner (or null) is its creator's
            data["owner"] = self.request.user
        return super().prepare_new(data)

    @creates(s.ActivityCreateSerializer, s.ActivitySerializer)
    def create(self, request: Request) -> Response:
        return self.create_with(services.activity_create, s.ActivityCreateSerializer, can_edit_customers(request.user))

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

