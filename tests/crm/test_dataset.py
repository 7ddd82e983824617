"""import_dataset / export_dataset: the sample imports, re-imports change nothing, a bad line writes
nothing and is named, the export round-trips, and the KPI roll-up learns every touched day."""

import copy
import io
import json
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from crm import services as crm_services
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
from kpis.models import DirtyDay
from support import services as support_services
from support.models import Ticket, TicketMessage
from surveys.models import Invitation, Response, Survey

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample_business.jsonl"
MODELS = (
    Team,
    User,
    Company,
    Campaign,
    CampaignSpend,
    Contact,
    Pipeline,
    Stage,
    Deal,
    DealStageEntry,
    Ticket,
    TicketMessage,
    Survey,
    Invitation,
    Response,
    LostReason,
)

pytestmark = pytest.mark.django_db


# -- helpers ---------------------------------------------------------------------------------------


def run_import(path: Path | str, *extra: str) -> str:
    out = io.StringIO()
    call_command("import_dataset", str(path), "--no-rollup", *extra, stdout=out)
    return out.getvalue()


def run_export(path: Path) -> bytes:
    call_command("export_dataset", str(path), stdout=io.StringIO())
    return path.read_bytes()


def write_lines(tmp_path: Path, records: list[Any], name: str = "data.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records),
        encoding="utf-8",
    )
    return path


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def dirty(family: str) -> set[date]:
    return set(DirtyDay.objects.filter(family=family).values_list("day", flat=True))


def base_records() -> list[dict[str, Any]]:
    """A small valid business; the error tests break one field of one line."""
    return [
        {"type": "team", "name": "North"},  # 1
        {
            "type": "user",
            "username": "sara",
            "full_name": "Sara A",
            "email": "sara@example.com",  # 2
            "role": "sales",
            "team": "North",
        },
        {
            "type": "user",
            "username": "ali",
            "full_name": "Ali B",
            "email": "ali@example.com",  # 3
            "role": "support",
            "team": None,
        },
        {
            "type": "company",
            "external_id": "co-1",
            "name": "Acme",
            "created_at": "2025-01-01T10:00:00+00:00",
            "churned_at": None,
            "churn_reason": "",
        },  # 4
        {
            "type": "campaign",
            "external_id": "cmp-1",
            "name": "Spring",
            "channel": "email",  # 5
            "spend": [{"date": "2025-03-01", "amount": "250.00"}],
        },
        {
            "type": "contact",
            "external_id": "ct-1",
            "first_name": "Reza",
            "last_name": "K",  # 6
            "email": "reza@example.com",
            "phone": "",
            "company": "co-1",
            "source_campaign": "cmp-1",
            "owner": "sara",
            "language": "fa",
            "created_at": "2025-01-02T10:00:00+00:00",
            "churned_at": None,
            "churn_reason": "",
        },
        {
            "type": "pipeline",
            "external_id": "p-1",
            "name": "New business",  # 7
            "stages": [
                {"external_id": "st-1", "name": "Qualified", "probability": 0.1},
                {"external_id": "st-2", "name": "Proposal", "probability": 0.6},
            ],
        },
        {
            "type": "pipeline",
            "external_id": "p-2",
            "name": "Expansion",  # 8
            "stages": [{"external_id": "st-x", "name": "Quote", "probability": 0.5}],
        },
        {
            "type": "deal",
            "external_id": "d-1",
            "title": "50 seats",
            "pipeline": "p-1",
            "contact": "ct-1",  # 9
            "company": "co-1",
            "owner": "sara",
            "amount": "1200.00",
            "currency": "EUR",
            "exchange_rate": "1.085",
            "kind": "new",
            "campaign": "cmp-1",
            "created_at": "2025-02-01T09:00:00+03:30",
            "stage_history": [
                {"stage": "st-1", "entered_at": "2025-02-01T09:00:00+03:30"},
                {"stage": "st-2", "entered_at": "2025-02-10T12:00:00+00:00"},
            ],
            "status": "won",
            "closed_at": "2025-02-20T12:00:00+00:00",
            "lost_reason": "",
        },
        {
            "type": "ticket",
            "external_id": "t-1",
            "subject": "Cannot log in",
            "contact": "ct-1",  # 10
            "assignee": "ali",
            "priority": "high",
            "channel": "email",
            "created_at": "2025-03-01T08:00:00+00:00",
            "resolved_at": None,
            "messages": [
                {
                    "at": "2025-03-01T08:00:00+00:00",
                    "author": "customer",
                    "user": None,
                    "public": True,
                    "body": "help",
                },
                {
                    "at": "2025-03-01T09:00:00+00:00",
                    "author": "agent",
                    "user": "ali",
                    "public": False,
                    "body": "note",
                },
                {
                    "at": "2025-03-01T10:00:00+00:00",
                    "author": "agent",
                    "user": "ali",
                    "public": True,
                    "body": "try this",
                },
            ],
        },
        {"type": "survey", "external_id": "sv-nps", "name": "NPS", "kind": "nps"},  # 11
        {"type": "survey", "external_id": "sv-sq", "name": "Quality", "kind": "servqual"},  # 12
        {
            "type": "invitation",
            "external_id": "inv-1",
            "survey": "sv-nps",
            "contact": "ct-1",  # 13
            "ticket": "t-1",
            "sent_at": "2025-03-02T08:00:00+00:00",
        },
        {
            "type": "response",
            "external_id": "r-1",
            "survey": "sv-nps",
            "invitation": "inv-1",  # 14
            "contact": "ct-1",
            "ticket": "t-1",
            "answered_at": "2025-03-03T08:00:00+00:00",
            "score": 9,
            "servqual": None,
            "comment": "good",
        },
        {
            "type": "response",
            "external_id": "r-2",
            "survey": "sv-sq",
            "invitation": None,  # 15
            "contact": "ct-1",
            "ticket": None,
            "answered_at": "2025-03-04T08:00:00+00:00",
            "score": None,
            "servqual": {
                "tangibles": {"expectation": 6, "perception": 5},
                "empathy": {"expectation": 7, "perception": 4},
            },
            "comment": "",
        },
    ]


# -- the sample ------------------------------------------------------------------------------------


def test_the_sample_imports_with_every_record():
    summary = run_import(SAMPLE)
    assert "Imported 1917 records" in summary
    assert Team.objects.count() == 3
    assert User.objects.count() == 8
    assert Company.objects.count() == 70
    assert Campaign.objects.count() == 5
    assert Contact.objects.count() == 260
    assert Pipeline.objects.count() == 2
    assert Deal.objects.count() == 480
    assert Ticket.objects.count() == 360
    assert Survey.objects.count() == 5
    assert Invitation.objects.count() == 420
    assert Response.objects.count() == 304
    lines = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    assert DealStageEntry.objects.count() == sum(
        len(r["stage_history"]) for r in lines if r["type"] == "deal"
    )
    assert TicketMessage.objects.count() == sum(len(r["messages"]) for r in lines if r["type"] == "ticket")
    assert CampaignSpend.objects.count() == sum(len(r["spend"]) for r in lines if r["type"] == "campaign")
    # Every deal is in the last stage of its history, and each entry is exited by the next or the close.
    for deal in Deal.objects.prefetch_related("stage_entries"):
        entries = list(deal.stage_entries.all())
        assert deal.stage_id == entries[-1].stage_id
        assert [e.exited_at for e in entries] == [e.entered_at for e in entries[1:]] + [deal.closed_at]


def test_the_sample_imports_twice_without_duplicates_or_changes(tmp_path: Path):
    run_import(SAMPLE)
    before, first_export = counts(), run_export(tmp_path / "one.jsonl")
    entry_ids = set(DealStageEntry.objects.values_list("pk", flat=True))
    DirtyDay.objects.all().delete()
    summary = run_import(SAMPLE)
    assert "0 created, 0 updated, 1917 unchanged" in summary
    assert counts() == before
    assert run_export(tmp_path / "two.jsonl") == first_export
    assert set(DealStageEntry.objects.values_list("pk", flat=True)) == entry_ids  # history left alone
    assert not DirtyDay.objects.exists()  # nothing changed, nothing to recompute


def test_export_then_import_into_an_empty_database_then_export_is_identical(tmp_path: Path):
    run_import(SAMPLE)
    first = run_export(tmp_path / "first.jsonl")
    for model in (
        Response,
        Invitation,
        Survey,
        TicketMessage,
        Ticket,
        DealStageEntry,
        Deal,
        LostReason,
        Stage,
        Pipeline,
        Contact,
        CampaignSpend,
        Campaign,
        Company,
    ):
        model.objects.all().delete()
    User.objects.all().delete()
    Team.objects.all().delete()
    assert not any(counts().values())
    run_import(tmp_path / "first.jsonl")
    second = run_export(tmp_path / "second.jsonl")
    assert second == first
    assert first.count(b"\n") == 1917


def test_the_export_keeps_every_value_of_the_sample(tmp_path: Path):
    """Same records as the sample, up to timestamps written in UTC and spend sorted by date."""

    def normal(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: normal(v, k) for k, v in value.items()}
        if isinstance(value, list):
            items = [normal(v) for v in value]
            return sorted(items, key=lambda s: s["date"]) if key == "spend" else items
        if isinstance(value, str) and (key.endswith("_at") or key == "at"):
            return datetime.fromisoformat(value).astimezone(UTC)
        if key == "exchange_rate" and value is not None:
            return Decimal(value)
        return value

    def with_optional_fields(record: dict[str, Any]) -> dict[str, Any]:
        if record.get("type") == "deal":
            record.setdefault("expected_close_date", None)  # optional: left out means not set
        return record

    run_import(SAMPLE)
    exported = run_export(tmp_path / "out.jsonl").decode().splitlines()
    original = SAMPLE.read_text(encoding="utf-8").splitlines()
    assert [normal(json.loads(line)) for line in exported] == [
        normal(with_optional_fields(json.loads(line))) for line in original]


# -- derived fields --------------------------------------------------------------------------------


def test_derived_fields_users_and_groups(tmp_path: Path):
    records = base_records()
    records.insert(
        3, {"type": "user", "username": "boss", "full_name": "", "email": "", "role": "admin", "team": None}
    )
    run_import(write_lines(tmp_path, records))
    sara, boss = User.objects.get(username="sara"), User.objects.get(username="boss")
    assert set(sara.groups.values_list("name", flat=True)) == {"sales"}
    assert not sara.has_usable_password()
    assert (sara.is_staff, sara.is_superuser, sara.team.name) == (False, False, "North")
    assert (boss.is_staff, boss.is_superuser) == (True, True)
    assert set(boss.groups.values_list("name", flat=True)) == {"admin"}
    # A role change moves the user to the other role group.
    records[1]["role"] = "manager"
    run_import(write_lines(tmp_path, records))
    sara.refresh_from_db()
    assert set(sara.groups.values_list("name", flat=True)) == {"manager"}
    assert sara.is_staff
    assert Group.objects.filter(name="sales", user=sara).count() == 0


def test_deal_and_ticket_derived_fields_match_the_services(tmp_path: Path):
    run_import(write_lines(tmp_path, base_records()))
    deal = Deal.objects.get(external_id="d-1")
    assert deal.amount_base == Decimal("1302.00")
    assert deal.stage.external_id == "st-2"
    assert deal.pipeline.external_id == "p-1"
    assert deal.company.external_id == "co-1"

    # The same deal and ticket written through the services come out the same.
    stages = {s.external_id: s for s in Stage.objects.all()}
    twin = crm_services.deal_create(
        title="twin",
        pipeline_stage=stages["st-1"],
        contact=deal.contact,
        owner=deal.owner,
        amount=deal.amount,
        company=deal.company,
        currency="EUR",
        exchange_rate=Decimal("1.085"),
        created_at=deal.created_at,
    )
    crm_services.deal_move_stage(deal=twin, stage=stages["st-2"], at=datetime(2025, 2, 10, 12, tzinfo=UTC))
    twin = crm_services.deal_close(deal=twin, won=True, at=datetime(2025, 2, 20, 12, tzinfo=UTC))
    fields = (
        "pipeline_id",
        "stage_id",
        "amount",
        "currency",
        "exchange_rate",
        "amount_base",
        "status",
        "created_at",
        "closed_at",
        "lost_reason_id",
    )
    assert [getattr(twin, f) for f in fields] == [getattr(deal, f) for f in fields]
    assert list(twin.stage_entries.values_list("stage_id", "entered_at", "exited_at")) == list(
        deal.stage_entries.values_list("stage_id", "entered_at", "exited_at")
    )

    ticket = Ticket.objects.get(external_id="t-1")
    twin_ticket = support_services.ticket_create(
        subject="twin",
        contact=ticket.contact,
        priority="high",
        channel="email",
        assignee=ticket.assignee,
        created_at=ticket.created_at,
        body="help",
    )
    for message in ticket.messages.exclude(at=ticket.created_at).order_by("at"):
        support_services.ticket_add_message(
            ticket=twin_ticket,
            author=message.author,
            body=message.body,
            public=message.public,
            user=message.user,
            at=message.at,
        )
    twin_ticket.refresh_from_db()
    fields = ("status", "first_response_at", "first_response_due_at", "resolution_due_at", "resolved_at")
    assert [getattr(twin_ticket, f) for f in fields] == [getattr(ticket, f) for f in fields]
    assert ticket.status == "pending"
    assert ticket.first_response_at == datetime(2025, 3, 1, 10, tzinfo=UTC)
    assert ticket.first_response_due_at == ticket.created_at + timedelta(hours=4)

    response = Response.objects.get(external_id="r-2")
    assert (response.tangibles_expectation, response.tangibles_perception) == (6, 5)
    assert (response.empathy_expectation, response.empathy_perception) == (7, 4)
    assert response.reliability_expectation is None
    assert Response.objects.get(external_id="r-1").ticket.external_id == "t-1"


def test_a_lost_deal_gets_its_lost_reason_by_name(tmp_path: Path):
    records = base_records()
    records[8].update(status="lost", exchange_rate=None, lost_reason="price")
    run_import(write_lines(tmp_path, records))
    deal = Deal.objects.get(external_id="d-1")
    assert deal.lost_reason.name == "price"
    assert deal.amount_base is None  # a foreign deal without a rate has no base amount yet
    run_import(write_lines(tmp_path, records))
    assert LostReason.objects.count() == 1


def test_a_deal_expected_close_date_imports_exports_and_is_checked(tmp_path: Path):
    records = base_records()
    records[8]["expected_close_date"] = "2026-03-31"
    run_import(write_lines(tmp_path, records))
    assert Deal.objects.get(external_id="d-1").expected_close_date == date(2026, 3, 31)
    exported = [json.loads(line) for line in run_export(tmp_path / "out.jsonl").decode().splitlines()]
    assert [r["expected_close_date"] for r in exported if r["type"] == "deal"] == ["2026-03-31"]

    records[8]["expected_close_date"] = "31/03/2026"
    with pytest.raises(CommandError, match="expected_close_date"):
        run_import(write_lines(tmp_path, records))
    assert Deal.objects.get(external_id="d-1").expected_close_date == date(2026, 3, 31)


# -- updates ---------------------------------------------------------------------------------------


def test_reimport_replaces_stage_history_messages_and_spend(tmp_path: Path):
    records = base_records()
    run_import(write_lines(tmp_path, records))
    deal = Deal.objects.get(external_id="d-1")
    records[8]["stage_history"] = records[8]["stage_history"][:1]
    records[8].update(status="open", closed_at=None)
    records[9]["messages"] = records[9]["messages"][:1]
    records[9]["resolved_at"] = "2025-03-05T08:00:00+00:00"
    records[4]["spend"] = [{"date": "2025-04-01", "amount": "10.00"}, {"date": "2025-04-02", "amount": "0"}]
    records[6]["stages"] = [
        records[6]["stages"][1],
        records[6]["stages"][0],
        {"external_id": "st-3", "name": "Won", "probability": "1"},
    ]
    DirtyDay.objects.all().delete()
    summary = run_import(write_lines(tmp_path, records))
    assert "0 created" in summary
    deal.refresh_from_db()
    assert Deal.objects.count() == 1
    assert deal.status == "open"
    assert deal.stage.external_id == "st-1"
    assert list(deal.stage_entries.values_list("exited_at", flat=True)) == [None]
    ticket = Ticket.objects.get(external_id="t-1")
    assert ticket.messages.count() == 1
    assert (ticket.status, ticket.first_response_at) == ("resolved", None)
    assert list(CampaignSpend.objects.values_list("amount", flat=True)) == [Decimal("10.00"), Decimal("0.00")]
    assert list(
        Stage.objects.filter(pipeline__external_id="p-1")
        .order_by("position")
        .values_list("external_id", flat=True)
    ) == ["st-2", "st-1", "st-3"]
    # Old and new days are both recomputed.
    assert {date(2025, 2, 20), date(2025, 2, 1)} <= dirty("deals")
    assert {date(2025, 2, 10), date(2025, 2, 20)} <= dirty("stages")
    assert date(2025, 2, 20) in dirty("customers")
    assert {date(2025, 3, 1), date(2025, 3, 5)} <= dirty("tickets")
    assert date(2025, 3, 1) in dirty("replies")
    assert {date(2025, 3, 1), date(2025, 4, 1), date(2025, 4, 2)} <= dirty("campaigns")


def test_a_later_line_updates_an_earlier_one_of_the_same_file(tmp_path: Path):
    records = base_records()
    moved = copy.deepcopy(records[3])
    moved["name"] = "Acme Renamed"
    records.insert(4, moved)
    run_import(write_lines(tmp_path, records))
    assert list(Company.objects.values_list("name", flat=True)) == ["Acme Renamed"]


def test_rows_without_external_id_export_as_generated_keys_and_reimport_in_place(tmp_path: Path):
    run_import(write_lines(tmp_path, base_records()))
    stage = Stage.objects.get(external_id="st-1")
    contact = Contact.objects.get(external_id="ct-1")
    deal = crm_services.deal_create(
        title="manual",
        pipeline_stage=stage,
        contact=contact,
        owner=None,
        amount=Decimal("5"),
        created_at=datetime(2025, 5, 1, tzinfo=UTC),
    )
    exported = run_export(tmp_path / "out.jsonl").decode()
    assert f'"external_id": "deal-{deal.pk}"' in exported
    before = counts()
    run_import(tmp_path / "out.jsonl")
    assert counts() == before
    deal.refresh_from_db()
    assert deal.external_id is None
    assert deal.title == "manual"


# -- all or nothing --------------------------------------------------------------------------------


def _set(line: int, path: str, value: Any):
    """Mutation: set a (dotted, list-indexed) field of one base record."""

    def mutate(records: list[Any]) -> None:
        target = records[line - 1]
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return mutate


def _delete(line: int, key: str):
    def mutate(records: list[Any]) -> None:
        del records[line - 1][key]

    return mutate


def _replace(line: int, value: Any):
    def mutate(records: list[Any]) -> None:
        records[line - 1] = value

    return mutate


ERROR_CASES = {
    "unknown contact": (_set(9, "contact", "ct-404"), 9, "unknown contact “ct-404” in “contact”"),
    "unknown user": (_set(6, "owner", "nobody"), 6, "unknown user “nobody” in “owner”"),
    "unknown team": (_set(2, "team", "South"), 2, "unknown team “South” in “team”"),
    "unknown stage": (_set(9, "stage_history.1.stage", "st-9"), 9, "unknown stage “st-9”"),
    "score out of range": (_set(14, "score", 11), 14, "from 0 to 10"),
    "servqual out of range": (_set(15, "servqual.tangibles.perception", 8), 15, "from 1 to 7"),
    "score on a servqual survey": (_set(15, "score", 5), 15, "instead of “score”"),
    "won deal without closed_at": (_set(9, "closed_at", None), 9, "a won deal needs “closed_at”"),
    "open deal with closed_at": (_set(9, "status", "open"), 9, "an open deal cannot have “closed_at”"),
    "stage history out of order": (
        _set(9, "stage_history.1.entered_at", "2025-01-31T00:00:00+00:00"),
        9,
        "stage_history must be in time order",
    ),
    "first stage not at created_at": (
        _set(9, "stage_history.0.entered_at", "2025-02-02T00:00:00+00:00"),
        9,
        "stage_history[0] must be entered at “created_at”",
    ),
    "stage of another pipeline": (_set(9, "stage_history.1.stage", "st-x"), 9, "belongs to another pipeline"),
    "stage entered after close": (
        _set(9, "stage_history.1.entered_at", "2025-02-21T00:00:00+00:00"),
        9,
        "is entered after “closed_at”",
    ),
    "amount not a string": (_set(9, "amount", 1200.5), 9, "“amount” must be a decimal string"),
    "amount not a decimal": (_set(9, "amount", "12,50"), 9, "“amount” must be a decimal string"),
    "amount negative": (_set(9, "amount", "-1.00"), 9, "“amount” cannot be negative"),
    "amount with 3 places": (_set(9, "amount", "1.005"), 9, "more than 2 decimal places"),
    "spend negative": (_set(5, "spend.0.amount", "-5"), 5, "cannot be negative"),
    "exchange rate zero": (_set(9, "exchange_rate", "0"), 9, "“exchange_rate” must be greater than zero"),
    "timestamp garbage": (_set(4, "created_at", "yesterday"), 4, "not an ISO 8601 timestamp"),
    "timestamp naive": (_set(4, "created_at", "2025-01-01T10:00:00"), 4, "has no UTC offset"),
    "date bad format": (_set(5, "spend.0.date", "01/03/2025"), 5, "must be a date written YYYY-MM-DD"),
    "date impossible": (_set(5, "spend.0.date", "2025-02-30"), 5, "not a valid date"),
    "unknown enum": (_set(9, "status", "pending"), 9, "“status” must be one of open, won, lost"),
    "unknown role": (_set(2, "role", "intern"), 2, "“role” must be one of"),
    "unknown type": (_replace(11, {"type": "lead", "external_id": "l-1"}), 11, "unknown type “lead”"),
    "no type": (_replace(11, {"external_id": "l-1"}), 11, "missing required field “type”"),
    "invalid JSON": (_replace(11, '{"type": "survey", '), 11, "invalid JSON"),
    "not an object": (_replace(11, "[1, 2]"), 11, "a line must be a JSON object"),
    "missing required field": (_delete(9, "title"), 9, "missing required field “title”"),
    "missing external_id": (_delete(4, "external_id"), 4, "missing required field “external_id”"),
    "closed before created": (
        _set(9, "closed_at", "2025-01-01T00:00:00+00:00"),
        9,
        "“closed_at” is before “created_at”",
    ),
    "resolved before created": (
        _set(10, "resolved_at", "2025-02-28T00:00:00+00:00"),
        10,
        "“resolved_at” is before “created_at”",
    ),
    "message before ticket": (
        _set(10, "messages.0.at", "2025-02-28T00:00:00+00:00"),
        10,
        "messages[0] is dated before the ticket was created",
    ),
    "customer internal note": (
        _set(10, "messages.0.public", False),
        10,
        "a customer message cannot be an internal",
    ),
    "foreign won deal without rate": (
        _set(9, "exchange_rate", None),
        9,
        "a won deal in EUR needs an “exchange_rate” to USD",
    ),
    "second response to an invitation": (_set(15, "invitation", "inv-1"), 15, "already has another response"),
    "stage owned by another pipeline": (
        _set(8, "stages.0.external_id", "st-1"),
        8,
        "belongs to another pipeline",
    ),
    "probability above one": (_set(7, "stages.0.probability", 1.5), 7, "must be a number from 0 to 1"),
}


@pytest.mark.parametrize(("mutate", "line", "reason"), ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_a_bad_line_writes_nothing_and_is_named(tmp_path: Path, mutate, line: int, reason: str):
    records = base_records()
    mutate(records)
    with pytest.raises(CommandError) as failure:
        run_import(write_lines(tmp_path, records))
    message = str(failure.value)
    assert f"line {line}: " in message
    assert reason in message.split(f"line {line}: ", 1)[1].splitlines()[0]
    assert not any(counts().values()), "the import must write nothing"
    assert not DirtyDay.objects.exists()


def test_a_bad_file_leaves_existing_data_untouched(tmp_path: Path):
    records = base_records()
    run_import(write_lines(tmp_path, records))
    before = counts()
    records[3]["name"] = "Changed"
    records[8]["amount"] = "oops"
    with pytest.raises(CommandError):
        run_import(write_lines(tmp_path, records))
    assert counts() == before
    assert Company.objects.get().name == "Acme"


def test_a_reference_to_a_bad_line_names_that_line(tmp_path: Path):
    records = base_records()
    records[5]["created_at"] = "not a time"  # contact ct-1, line 6
    with pytest.raises(CommandError) as failure:
        run_import(write_lines(tmp_path, records))
    assert "line 6: “created_at” is not an ISO 8601 timestamp" in str(failure.value)
    assert "line 9: “contact” refers to contact “ct-1”, which is invalid (line 6)" in str(failure.value)


def test_at_most_100_bad_lines_are_listed(tmp_path: Path):
    records = [{"type": "team", "name": ""} for _ in range(150)]
    with pytest.raises(CommandError) as failure:
        run_import(write_lines(tmp_path, records))
    message = str(failure.value)
    assert "150 bad line(s)" in message
    assert "line 100: " in message
    assert "line 101: " not in message
    assert "and 50 more" in message


def test_a_missing_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(CommandError, match="Cannot read"):
        run_import(tmp_path / "nope.jsonl")


# -- streams ---------------------------------------------------------------------------------------


def test_import_reads_standard_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    data = write_lines(tmp_path, base_records()).read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    assert "Imported 15 records" in run_import("-")
    assert Deal.objects.count() == 1


def test_export_writes_standard_output(tmp_path: Path):
    run_import(write_lines(tmp_path, base_records()))
    out = io.StringIO()
    call_command("export_dataset", "-", stdout=out)
    lines = out.getvalue().splitlines()
    assert [json.loads(line)["type"] for line in lines] == [
        "team",
        "user",
        "user",
        "company",
        "campaign",
        "contact",
        "pipeline",
        "pipeline",
        "deal",
        "ticket",
        "survey",
        "survey",
        "invitation",
        "response",
        "response",
    ]
    deal = json.loads(lines[8])
    assert deal["amount"] == "1200.00"
    assert deal["exchange_rate"] == "1.085"
    assert deal["created_at"] == "2025-02-01T05:30:00+00:00"


# -- KPI dirty days and the roll-up ----------------------------------------------------------------


def test_dirty_days_are_local_days_of_the_business(tmp_path: Path, settings):
    settings.CRM_TIME_ZONE = "Asia/Tehran"
    records = base_records()
    records[8]["stage_history"][1]["entered_at"] = "2025-02-10T12:00:00+00:00"
    records[8]["closed_at"] = "2025-03-20T22:00:00+00:00"  # 01:30 on the 21st in Tehran
    run_import(write_lines(tmp_path, records))
    assert date(2025, 3, 21) in dirty("deals")
    assert date(2025, 3, 20) not in dirty("deals")
    assert date(2025, 3, 21) in dirty("customers")
    assert {date(2025, 2, 1), date(2025, 2, 10), date(2025, 3, 21)} <= dirty("stages")
    assert {date(2025, 1, 2), date(2025, 3, 1)} <= dirty("campaigns")  # lead created, spend
    assert date(2025, 3, 1) in dirty("tickets")
    assert date(2025, 3, 1) in dirty("replies")
    assert {date(2025, 3, 2), date(2025, 3, 3), date(2025, 3, 4)} <= dirty("surveys")


def test_the_rollup_is_queued_after_commit_unless_disabled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
):
    from kpis import tasks

    calls: list[int] = []
    monkeypatch.setattr(tasks.rollup_kpis_task, "delay", lambda: calls.append(1))
    path = write_lines(tmp_path, base_records())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("import_dataset", str(path), stdout=io.StringIO())
    assert len(callbacks) == 1
    assert calls == [1]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("import_dataset", str(path), "--no-rollup", stdout=io.StringIO())
    assert callbacks == []
    assert calls == [1]
