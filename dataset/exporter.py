"""Streaming export of everything in the dataset format, in the order the importer needs.

Rows are read in primary-key chunks (keyset pagination, so memory stays flat and no server-side
cursor is held) as plain values, and each chunk's children (stage history, messages, spend) come
in one extra query. Small tables are mapped to their keys in dicts once.

A row without an external_id is written as `<type>-<pk>`; the importer maps that key back to the
same row, so re-importing an export into the same database updates rather than duplicates.
"""

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple, TextIO

from django.db import models

from crm.models import (
    Campaign,
    CampaignSpend,
    Company,
    Contact,
    Deal,
    DealStageEntry,
    LostReason,
    Pipeline,
    Stage,
    Team,
    User,
)
from support.models import Ticket, TicketMessage
from surveys.models import SERVQUAL_DIMENSIONS, Invitation, Response, Survey

CHUNK_SIZE = 2000


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


def _chunks(queryset: models.QuerySet, *fields: str) -> Iterator[list[dict[str, Any]]]:
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        rows = list(page.order_by("pk").values("pk", *fields)[:CHUNK_SIZE])
        if not rows:
            return
        yield rows
        last = rows[-1]["pk"]


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


def _teams(keys: KeyMaps) -> Section:
    return Section(Team.objects.all(), ("name",), lambda rows: [{"type": "team", "name": r["name"]} for r in rows])


def _users(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        return [{"type": "user", "username": r["username"], "full_name": r["full_name"], "email": r["email"],
                 "role": r["role"], "team": keys.teams.get(r["team_id"])} for r in rows]

    return Section(User.objects.all(), ("username", "full_name", "email", "role", "team_id"), build)


def _companies(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        return [{"type": "company", "external_id": _key("company", r["external_id"], r["pk"]), "name": r["name"],
                 "created_at": _ts(r["created_at"]), "churned_at": _ts(r["churned_at"]),
                 "churn_reason": r["churn_reason"]} for r in rows]

    return Section(Company.objects.all(), ("external_id", "name", "created_at", "churned_at", "churn_reason"), build)


def _campaigns(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        spend = _children(CampaignSpend, "campaign_id", [r["pk"] for r in rows], ("date", "id"), "date", "amount")
        return [{"type": "campaign", "external_id": _key("campaign", r["external_id"], r["pk"]), "name": r["name"],
                 "channel": r["channel"],
                 "spend": [{"date": _day(s["date"]), "amount": _money(s["amount"])} for s in spend[r["pk"]]]}
                for r in rows]

    return Section(Campaign.objects.all(), ("external_id", "name", "channel"), build)


def _contacts(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        return [{"type": "contact", "external_id": _key("contact", r["external_id"], r["pk"]),
                 "first_name": r["first_name"], "last_name": r["last_name"], "email": r["email"], "phone": r["phone"],
                 "company": _key("company", r["company__external_id"], r["company_id"]),
                 "source_campaign": keys.campaigns.get(r["source_campaign_id"]), "owner": keys.users.get(r["owner_id"]),
                 "language": r["language"], "created_at": _ts(r["created_at"]), "churned_at": _ts(r["churned_at"]),
                 "churn_reason": r["churn_reason"]} for r in rows]

    fields = ("external_id", "first_name", "last_name", "email", "phone", "company_id", "company__external_id",
              "source_campaign_id", "owner_id", "language", "created_at", "churned_at", "churn_reason")
    return Section(Contact.objects.all(), fields, build)


def _pipelines(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        stages = _children(Stage, "pipeline_id", [r["pk"] for r in rows], ("position", "id"), "id", "name",
                           "probability")
        return [{"type": "pipeline", "external_id": _key("pipeline", r["external_id"], r["pk"]), "name": r["name"],
                 "stages": [{"external_id": keys.stages[s["id"]], "name": s["name"],
                             "probability": float(s["probability"])} for s in stages[r["pk"]]]}
                for r in rows]

    return Section(Pipeline.objects.all(), ("external_id", "name"), build)


def _deals(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        history = _children(DealStageEntry, "deal_id", [r["pk"] for r in rows], ("entered_at", "id"), "stage_id",
                            "entered_at")
        return [{"type": "deal", "external_id": _key("deal", r["external_id"], r["pk"]), "title": r["title"],
                 "pipeline": keys.pipelines[r["pipeline_id"]],
                 "contact": _key("contact", r["contact__external_id"], r["contact_id"]),
                 "company": _key("company", r["company__external_id"], r["company_id"]),
                 "owner": keys.users.get(r["owner_id"]), "amount": _money(r["amount"]), "currency": r["currency"],
                 "exchange_rate": _rate(r["exchange_rate"]), "kind": r["kind"],
                 "campaign": keys.campaigns.get(r["campaign_id"]), "created_at": _ts(r["created_at"]),
                 "stage_history": [{"stage": keys.stages[e["stage_id"]], "entered_at": _ts(e["entered_at"])}
                                   for e in history[r["pk"]]],
                 "status": r["status"], "closed_at": _ts(r["closed_at"]),
                 "lost_reason": keys.lost_reasons.get(r["lost_reason_id"], "")} for r in rows]

    fields = ("external_id", "title", "pipeline_id", "contact_id", "contact__external_id", "company_id",
              "company__external_id", "owner_id", "amount", "currency", "exchange_rate", "kind", "campaign_id",
              "created_at", "status", "closed_at", "lost_reason_id")
    return Section(Deal.objects.all(), fields, build)


def _tickets(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        messages = _children(TicketMessage, "ticket_id", [r["pk"] for r in rows], ("at", "id"), "at", "author",
                             "user_id", "public", "body")
        return [{"type": "ticket", "external_id": _key("ticket", r["external_id"], r["pk"]), "subject": r["subject"],
                 "contact": _key("contact", r["contact__external_id"], r["contact_id"]),
                 "assignee": keys.users.get(r["assignee_id"]), "priority": r["priority"], "channel": r["channel"],
                 "created_at": _ts(r["created_at"]), "resolved_at": _ts(r["resolved_at"]),
                 "messages": [{"at": _ts(m["at"]), "author": m["author"], "user": keys.users.get(m["user_id"]),
                               "public": m["public"], "body": m["body"]} for m in messages[r["pk"]]]}
                for r in rows]

    fields = ("external_id", "subject", "contact_id", "contact__external_id", "assignee_id", "priority", "channel",
              "created_at", "resolved_at")
    return Section(Ticket.objects.all(), fields, build)


def _surveys(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        return [{"type": "survey", "external_id": _key("survey", r["external_id"], r["pk"]), "name": r["name"],
                 "kind": r["kind"]} for r in rows]

    return Section(Survey.objects.all(), ("external_id", "name", "kind"), build)


def _invitations(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        return [{"type": "invitation", "external_id": _key("invitation", r["external_id"], r["pk"]),
                 "survey": keys.surveys[r["survey_id"]],
                 "contact": _key("contact", r["contact__external_id"], r["contact_id"]),
                 "ticket": _key("ticket", r["ticket__external_id"], r["ticket_id"]), "sent_at": _ts(r["sent_at"])}
                for r in rows]

    fields = ("external_id", "survey_id", "contact_id", "contact__external_id", "ticket_id", "ticket__external_id",
              "sent_at")
    return Section(Invitation.objects.all(), fields, build)


SERVQUAL_FIELDS = tuple(f"{d}_{s}" for d in SERVQUAL_DIMENSIONS for s in ("expectation", "perception"))


def _responses(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        return [{"type": "response", "external_id": _key("response", r["external_id"], r["pk"]),
                 "survey": keys.surveys[r["survey_id"]],
                 "invitation": _key("invitation", r["invitation__external_id"], r["invitation_id"]),
                 "contact": _key("contact", r["contact__external_id"], r["contact_id"]),
                 "ticket": _key("ticket", r["ticket__external_id"], r["ticket_id"]),
                 "answered_at": _ts(r["answered_at"]), "score": r["score"], "servqual": _servqual(r),
                 "comment": r["comment"]} for r in rows]

    fields = ("external_id", "survey_id", "invitation_id", "invitation__external_id", "contact_id",
              "contact__external_id", "ticket_id", "ticket__external_id", "answered_at", "score", "comment",
              *SERVQUAL_FIELDS)
    return Section(Response.objects.all(), fields, build)


def _servqual(row: Row) -> dict[str, dict[str, int | None]] | None:
    answered = {
        dim: {"expectation": row[f"{dim}_expectation"], "perception": row[f"{dim}_perception"]}
        for dim in SERVQUAL_DIMENSIONS
        if row[f"{dim}_expectation"] is not None or row[f"{dim}_perception"] is not None
    }
    return answered or None


# The record types in the order the importer needs them: each after the types it names.
SECTIONS: tuple[tuple[str, Callable[[KeyMaps], Section]], ...] = (
    ("team", _teams), ("user", _users), ("company", _companies), ("campaign", _campaigns),
    ("contact", _contacts), ("pipeline", _pipelines), ("deal", _deals), ("ticket", _tickets),
    ("survey", _surveys), ("invitation", _invitations), ("response", _responses),
)


class Exporter:
    """Writes one JSON object per line to `out`, counting records per type."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.counts: Counter[str] = Counter()

    def write(self, type_name: str, records: list[Row]) -> None:
        self.out.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        self.counts[type_name] += len(records)

    def run(self) -> Counter[str]:
        keys = KeyMaps()
        for type_name, section_of in SECTIONS:
            section = section_of(keys)
            for rows in _chunks(section.queryset, *section.fields):
                self.write(type_name, section.build(rows))
        return self.counts


def export_dataset(out: TextIO) -> Counter[str]:
    """Write every record to `out`; returns how many of each type."""
    return Exporter(out).run()
