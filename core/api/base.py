"""What every API resource shares: lookup by id or `ext:<external id>`, the version check, pagination,
one permission class that asks crm.permissions (the same policy the pages use), and the create and
change actions (policy 403, input 400, stale version 409 via core.api.errors, then the record)."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import filters, mixins, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from core.ids import (
    INVALID_RECORD_ID,
    INVALID_RECORD_REFERENCE,
    INVALID_WHOLE_NUMBER,
    MAX_DATABASE_ID,
    RECORD_REFERENCE_PATH_REGEX,
    has_external_id,
    parse_record_id,
    parse_whole_number,
    record_lookup,
)
from core.permissions import can_read_area
from core.search_text import folded_matches, key_matches, search_words

ID_PATH_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.STR, OpenApiParameter.PATH,
    description="The record's id, or `ext:` followed by its external id (e.g. `ext:CRM-42`).",
)
IF_MATCH_HEADER = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="The version the client last read (as in `version`); a newer stored version answers 409.",
)


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class WholeNumberField(serializers.IntegerField):
    """A whole number in ASCII digits (or a JSON integer): no sign, spaces, decimals or other scripts' digits."""

    default_error_messages = {"invalid": INVALID_WHOLE_NUMBER}

    def to_internal_value(self, data: Any) -> int:
        number = parse_whole_number(data)
        if number is None:
            self.fail("invalid")
        return number


class RecordIdField(serializers.IntegerField):
    """A record id (core.ids.parse_record_id), given to the view as an int."""

    default_error_messages = {"invalid": INVALID_RECORD_ID}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_DATABASE_ID, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        record_id = parse_record_id(data)
        if record_id is None:
            self.fail("invalid")
        return record_id


class VersionSerializer(serializers.Serializer):
    version = WholeNumberField(
        required=False, min_value=1, max_value=MAX_DATABASE_ID,
        help_text="The version the client last read; a newer stored version answers 409.",
    )


def record_field(queryset: QuerySet, **kwargs: Any) -> "RecordField":
    """A related record given by id, or by `ext:<external id>` when its model has external ids."""
    return RecordField(queryset=queryset, **kwargs)


class RecordField(serializers.PrimaryKeyRelatedField):
    """Reads a reference through core.ids.record_lookup: a malformed one is a 400 saying what to give."""

    default_error_messages = {"invalid_id": INVALID_RECORD_ID, "invalid_reference": INVALID_RECORD_REFERENCE}

    def to_internal_value(self, data: Any) -> Model:
        queryset = self.get_queryset()
        lookup = record_lookup(data, queryset.model)
        if lookup is None:
            self.fail("invalid_reference" if has_external_id(queryset.model) else "invalid_id")
        try:
            return queryset.get(**lookup)
        except ObjectDoesNotExist:
            self.fail("does_not_exist", pk_value=data)


class RolePermission(BasePermission):
    """Reads need the view's `read_area`; writes ask the view's `may_write(user, record)` policy function."""

    message = _("Your role may not do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and can_read_area(request.user, view.read_area))

    def has_object_permission(self, request: Request, view: Any, obj: Model) -> bool:
        return True  # writes on a record are checked by the view's policy (RecordViewSet.check_write)


class NormalisedSearchFilter(filters.SearchFilter):
    """`?search=` as every search box reads it: the words normalised by core.search_text, matched against
    the stored search key where the model has one (or the view's `search_matches(words)`), else against the
    view's `search_fields` folded the same way; `external_id` (when searchable) matches the whole query
    exactly, so an id from another system finds its record through the unique index."""

    def get_search_terms(self, request: Request) -> list[str]:
        return search_words(request.query_params.get(self.search_param, ""))

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        words = self.get_search_terms(request)
        fields = [name for name in (self.get_search_fields(view, request) or ()) if name != "external_id"]
        if not words or not (fields or getattr(view, "search_matches", None)):
            return queryset
        matches = getattr(view, "search_matches", None)
        if matches is not None:
            condition = matches(words)
        elif any(field.name == "search_key" for field in queryset.model._meta.concrete_fields):
            condition = key_matches(words)
        else:
            condition = Q(pk__in=folded_matches(queryset.model._default_manager.all(), fields, words).values("pk"))
        if "external_id" in (self.get_search_fields(view, request) or ()):
            condition |= Q(external_id=request.query_params.get(self.search_param, "").strip())
        return queryset.filter(condition)


class RecordViewSet(GenericViewSet):
    """A resource addressed by id or `ext:<external id>`, guarded by crm.permissions."""

    permission_classes = [RolePermission]
    pagination_class = Pagination
    filter_backends = [
        DjangoFilterBackend,
        NormalisedSearchFilter,
        filters.OrderingFilter,
    ]
    read_area: str = "customers"
    lookup_value_regex = RECORD_REFERENCE_PATH_REGEX

    def check_permissions(self, request: Request) -> None:
        # DRF throttles after the permission check, so an anonymous caller (guessing tokens, say) would get
        # 401s forever; counting them first puts the per-address rate in front of every resource.
        if not request.user.is_authenticated:
            self.check_throttles(request)
        super().check_permissions(request)

    def get_object(self) -> Model:
        """The record the path names (core.ids.record_lookup); a malformed or unknown reference is a 404."""
        queryset = self.filter_queryset_for_detail(self.get_queryset())
        lookup = record_lookup(self.kwargs[self.lookup_url_kwarg or self.lookup_field], queryset.model)
        if lookup is None:
            raise Http404(_("No record has this id."))
        record = get_object_or_404(queryset, **lookup)
        self.check_object_permissions(self.request, record)
        return record

    def filter_queryset_for_detail(self, queryset: QuerySet) -> QuerySet:
        return queryset

    def check_write(self, allowed: bool) -> None:
        """Refuse with 403 unless the policy function said yes."""
        if not allowed:
            self.permission_denied(self.request, message=_("Your role may not change this record."))

    def expected_version(self, data: dict | None = None) -> int | None:
        """The version the client last read: `version` in the body, else the If-Match header."""
        if data and data.get("version") is not None:
            return data["version"]
        header = self.request.headers.get("If-Match")
        if header is None:
            return None
        value = header.strip().removeprefix("W/").strip('"')
        version = parse_record_id(value)
        if version is None:
            raise ValidationError({"If-Match": [_("Give the record's version, a whole number.")]})
        return version

    def validated(self, serializer_class: type[serializers.Serializer], **kwargs: Any) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def prepare_new(self, data: dict) -> dict:
        """Complete or check a new record's validated input before the service sees it (a hook)."""
        return data

    def create_with(self, service: Callable[..., Model], serializer_class: type[serializers.Serializer],
                    allowed: bool) -> Response:
        """The create action: the role's policy, the input, `prepare_new`, the service, 201 with the record."""
        self.check_write(allowed)
        data = self.prepare_new(self.validated(serializer_class))
        return respond_with(self, service(**data), status_code=status.HTTP_201_CREATED)

    def change_with(self, service: Callable[..., Model], serializer_class: type[serializers.Serializer],
                    policy: Callable[[dict], bool] | None = None, prepare: Callable[[dict], dict] | None = None,
                    **arguments: Any) -> Response:
        """A change to one record: the input, the policy on that input, `prepare` (a check or completion of
        the input), then the service with the rest of the input and the version the client last read (body
        or If-Match), answered with the changed record."""
        data = self.validated(serializer_class)
        if policy is not None:
            self.check_write(policy(data))
        if prepare is not None:
            data = prepare(data)
        version = self.expected_version({"version": data.pop("version", None)})
        return respond_with(self, service(**arguments, expected_version=version, **data))


@extend_schema_view(retrieve=extend_schema(parameters=[ID_PATH_PARAMETER]))
class ReadableRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RecordViewSet):
    """A resource with a list and a detail; subclasses add the writes their roles may make."""


def creates(request_serializer: type, record_serializer: type) -> extend_schema:
    """The schema of a create action: its input, and the new record with 201."""
    return extend_schema(request=request_serializer, responses={201: record_serializer})


def changes(request_serializer: type | None, record_serializer: type, description: str | None = None) -> extend_schema:
    """The schema of a change to one record, addressed by id and optionally by the version last read."""
    return extend_schema(parameters=[ID_PATH_PARAMETER, IF_MATCH_HEADER], request=request_serializer,
                         responses=record_serializer, description=description)


def respond_with(view: RecordViewSet, record: Model, serializer_class: type | None = None,
                 status_code: int = 200) -> Response:
    """The record as the resource shows it."""
    serializer = (serializer_class or view.get_serializer_class())(record, context=view.get_serializer_context())
    return Response(serializer.data, status=status_code)

