"""What an export section is, and the helpers that turn stored values into the format's.

Each record type's module in `dataset.records` builds its `Section` from these; `dataset.exporter` reads the
sections in file order. A row without an external_id is written as `<type>-<pk>`.
"""

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from django.db import models

from crm.models import Campaign, LostReason, Pipeline, Stage, Team, User
from surveys.models import Survey


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _day(value: date) -> str:
    return value.isoformat()


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _rate(value: Decimal | None) -> str | None:
    """Normalized, never in exponent form: 1.0850000000 → "1.085", 100 → "100"."""
    return None if value is None else format(value.normalize(), "f")


def _key(type_name: str, external_id: str | None, pk: int | None) -> str | None:
    if pk is None:
        return None
    return external_id if external_id is not None else f"{type_name}-{pk}"


def _keys(model: type[models.Model], type_name: str) -> dict[int, str]:
    return {
        pk: f"{type_name}-{pk}" if ext is None else ext
        for pk, ext in model.objects.values_list("pk", "external_id")
    }



def _children(
    model: type[models.Model], parent: str, ids: list[int], order: tuple[str, ...], *fields: str
) -> dict[int, list[dict[str, Any]]]:
    """One query for the children of a chunk of parents, grouped by parent id."""
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        model.objects.filter(**{f"{parent}__in": ids}).order_by(parent, *order).values(parent, *fields)
    ):
        grouped[row[parent]].append(row)
    return grouped


Row = dict[str, Any]
Build = Callable[[list[Row]], list[Row]]


class Section(NamedTuple):
    """One record type of the export: which rows, which of their fields, and how a chunk becomes records."""

    queryset: models.QuerySet
    fields: tuple[str, ...]
    build: Build


class KeyMaps:
    """Id → the key by which the format names a related record, each read once per export when first asked."""

    @cached_property
    def teams(self) -> dict[int, str]:
        return dict(Team.objects.values_list("pk", "name"))

    @cached_property
    def users(self) -> dict[int, str]:
        return dict(User.objects.values_list("pk", "username"))

    @cached_property
    def campaigns(self) -> dict[int, str]:
        return _keys(Campaign, "campaign")

    @cached_property
    def stages(self) -> dict[int, str]:
        return _keys(Stage, "stage")

    @cached_property
    def pipelines(self) -> dict[int, str]:
        return _keys(Pipeline, "pipeline")

    @cached_property
    def lost_reasons(self) -> dict[int, str]:
        return dict(LostReason.objects.values_list("pk", "name"))

    @cached_property
    def surveys(self) -> dict[int, str]:
        return _keys(Survey, "survey")
