"""One change, one result, whichever way it comes in.

Every write that feeds a KPI or a change history goes through one service, and the admin, the REST API,
the staff (or public) pages and the dataset importer are entry points to it. Here the same change is
applied through each entry point that offers it, from the same fixture (`world`), and each must leave
the same:

- record: a normalized dict of the model's fields (ids, `updated_at` and, for a record created here,
  `external_id` left out: the staff pages offer no external id), and its rows (stage entries, thread
  messages, spend entries);
- change history (django-simple-history on Contact, Company, Deal, Ticket): the new historical rows,
  each as its `history_type` and the fields it changed with their new values;
- dirty KPI days: the set of `DirtyDay` (family, day) pairs.

The expected values are written out by hand below, so each case also documents the rule
(`kpis/dirty_rules.py`) for that change. The importer is held to the same expectations: it writes in
bulk, but through the same dirty-day rules and with the same change history.

The clock is fixed at NOW (Wednesday 2025-03-05 12:00 UTC) so that "now" is the same moment whichever
entry point stamps it; the fixture's records were made on Monday 2025-03-03 (T0) and a won deal closed
on Tuesday 2025-03-04.

Which entry point offers which change (— not offered, so not tested; API paths under /api/, pages by URL
name; the importer writes a whole record of the dataset format, docs/DATASET_FORMAT.md):

    change           admin                   API                        page                     importer
    contact create   contact add page        POST contacts/             crm:contact_create       contact
    contact edit     contact change page     PATCH contacts/<id>/       crm:contact_edit         contact
    company create   company add page        POST companies/            crm:company_create       company
    company edit     company change page     PATCH companies/<id>/      crm:company_edit         company
    company churn    company change page     —                          crm:company_churn        company
    deal create      deal add page           POST deals/                crm:deal_create          deal
    deal edit        deal change page        PATCH deals/<id>/          crm:deal_edit            deal
    deal move        "move to stage" action  POST deals/<id>/move/      crm:deal_move (board)    deal
    deal win         "mark won" action       POST deals/<id>/win/       crm:deal_close (won)     deal
    deal lose        "mark lost" action      POST deals/<id>/lose/      crm:deal_close (lost)    deal
    deal reopen      "reopen" action         POST deals/<id>/reopen/    crm:deal_reopen          deal
    deal delete      deal delete page        DELETE deals/<id>/         —                        —
    campaign spend   spend add page          POST campaigns/<id>/spend/ —                        campaign (spend)
    ticket create    ticket add page         POST tickets/              support:ticket_new       ticket
    ticket reply     ticket change page box  POST tickets/<id>/messages/ support:ticket_reply    ticket (messages)
    ticket resolve   "resolve" action        POST tickets/<id>/resolve/ support:ticket_status    ticket
    survey response  response add page       POST responses/            survey-answer (public)   response

Notes on what each offers: the importer's company record has no owner, so companies are created without
one everywhere; the API's ticket create takes no assignee, so tickets are created unassigned; the API has
no churn field; no page deletes a deal or records spend; the importer deletes nothing.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.search_text import search_key
from crm import services as crm
from crm.models import (
    Campaign,
    CampaignSpend,
    Company,
    Contact,
    Deal,
    DealStatus,
    LostReason,
    Pipeline,
    Role,
    Stage,
    User,
)
from crm.search_keys import stale_search_keys
from dataset.importer import import_dataset
from kpis.models import DirtyDay
from support import services as support
from support.models import MessageAuthor, Ticket, TicketStatus
from surveys import services as surveys
from surveys.models import Invitation, Response, Survey, SurveyKind
from tests.api.conftest import token_client
from tests.conftest import T0
from tests.crm.test_admin import admin_url, form_data
from tests.factories import PipelineFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
WON_AT = T0 + timedelta(days=1)  # the fixture's won deal closed on Tuesday 2025-03-04
MON, TUE, WED = date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)

ENTRY_POINTS = ("admin", "api", "page", "import")


# -- the fixture ---------------------------------------------------------------------------------------


@dataclass
class World:
    """The same records before every change, and a client per entry point, all acting as one user."""

    boss: User
    client: Client
    api: Any
    company: Company
    campaign: Campaign
    contact: Contact
    pipeline: Pipeline
    stages: list[Stage]
    deal: Deal  # open, in the first stage since T0
    won_deal: Deal  # won on Tuesday
    reason: LostReason
    ticket: Ticket  # new, with the customer's first message at T0
    survey: Survey
    invitation: Invitation  # to the contact, about the ticket, sent at T0
    before: dict[type, set[int]] = field(default_factory=dict)
    history_marks: dict[type, int] = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    """Every entry point stamps "now" with the same moment."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def world(db) -> World:
    boss = UserFactory(username="boss", role=Role.ADMIN, is_staff=True, is_superuser=True)
    company = crm.company_create(name="Acme", created_at=T0, external_id="co-1")
    campaign = crm.campaign_create(name="Spring mailing", channel="email", external_id="cmp-1")
    crm.campaign_add_spend(campaign=campaign, spent_on=MON, amount=Decimal("100.00"))
    contact = crm.contact_create(first_name="Reza", last_name="Karimi", email="reza@example.com", company=company,
                                 owner=boss, created_at=T0, external_id="ct-1")
    pipeline = PipelineFactory(name="New business")
    Pipeline.objects.filter(pk=pipeline.pk).update(external_id="p-1")
    stages = list(pipeline.stages.order_by("position"))
    for number, stage in enumerate(stages, start=1):
        stage.external_id = f"st-{number}"
        stage.save(update_fields=["external_id"])
    deal = crm.deal_create(title="50 seats", pipeline_stage=stages[0], contact=contact, company=company, owner=boss,
                           amount=Decimal("1000.00"), created_at=T0, external_id="d-1")
    won_deal = crm.deal_create(title="10 seats", pipeline_stage=stages[0], contact=contact, company=company,
                               owner=boss, amount=Decimal("2000.00"), created_at=T0, external_id="d-2")
    crm.deal_close(deal=won_deal, won=True, at=WON_AT)
    reason = LostReason.objects.create(name="Price")
    ticket = support.ticket_create(subject="Cannot log in", contact=contact, priority="normal", channel="email",
                                   created_at=T0, body="Help", external_id="t-1")
    survey = surveys.survey_create(name="After-support NPS", kind=SurveyKind.NPS, external_id="sv-1")
    invitation = surveys.invitation_create(survey=survey, contact=contact, ticket=ticket, sent_at=T0,
                                           external_id="inv-1")
    client = Client()
    client.force_login(boss)
    w = World(boss=boss, client=client, api=token_client(boss), company=company, campaign=campaign,
              contact=contact, pipeline=pipeline, stages=stages, deal=deal, won_deal=won_deal, reason=reason,
              ticket=ticket, survey=survey, invitation=invitation)
    for model in (Contact, Company, Deal, Ticket, CampaignSpend, Response):
        w.before[model] = set(model.objects.values_list("pk", flat=True))
    for model in HISTORIED:
        w.history_marks[model] = model.history.aggregate(last=models.Max("history_id"))["last"] or 0
    DirtyDay.objects.all().delete()
    return w


HISTORIED = (Contact, Company, Deal, Ticket)


# -- what is compared ----------------------------------------------------------------------------------

# The search key is compared as "stale search keys": recomputed from the record, it must equal the stored one.
LEFT_OUT = {"id", "updated_at", "search_key"}


def stale_keys() -> dict[str, int]:
    """How many stored search keys differ from their recomputed value, per model (all 0 when every path
    keeps them)."""
    stale = stale_search_keys()
    stale["support.Ticket"] = sum(1 for t in Ticket.objects.all() if t.search_key != search_key(t.subject))
    return stale


def row(model: type[models.Model], pk: int, *, created: bool = False) -> dict[str, Any] | None:
    """The record's fields that matter, or None when it is gone."""
    record = model.objects.filter(pk=pk).first()
    if record is None:
        return None
    left_out = LEFT_OUT | ({"external_id", "token"} if created else set())
    return {f.attname: getattr(record, f.attname) for f in model._meta.concrete_fields if f.attname not in left_out}


def children(model: type[models.Model], pk: int) -> list[tuple]:
    """The rows that belong to the record, in order, without their ids."""
    if model is Deal:
        return list(Deal.stage_entries.rel.related_model.objects.filter(deal_id=pk)
                    .order_by("entered_at", "id").values_list("stage_id", "entered_at", "exited_at"))
    if model is Ticket:
        return list(Ticket.messages.rel.related_model.objects.filter(ticket_id=pk).order_by("at", "id")
                    .values_list("at", "author", "user_id", "public", "body", "waiting_since"))
    if model is Campaign:
        return list(CampaignSpend.objects.filter(campaign_id=pk).order_by("date", "amount")
                    .values_list("date", "amount"))
    return []


def tracked_fields(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model.history.model._meta.concrete_fields
            if not f.name.startswith("history_") and f.attname not in {"id", "external_id"}]


def new_history(w: World, model: type[models.Model], pk: int) -> list[tuple[str, dict[str, Any]]]:
    """The historical rows this change wrote for the record: their type and the fields each changed."""
    if model not in HISTORIED:
        return []
    rows = []
    names = tracked_fields(model)
    for record in model.history.filter(id=pk, history_id__gt=w.history_marks[model]).order_by("history_id"):
        # By id, not date: the clock is fixed, so every historical row has the same `history_date`.
        previous = model.history.filter(id=pk, history_id__lt=record.history_id).order_by("-history_id").first()
        if record.history_type == "-":
            rows.append(("-", {}))
        elif previous is None:
            rows.append((record.history_type, {name: getattr(record, name) for name in names}))
        else:
            rows.append((record.history_type, {name: getattr(record, name) for name in names
                                               if getattr(record, name) != getattr(previous, name)}))
    return rows


def dirty_pairs() -> set[tuple[str, date]]:
    return set(DirtyDay.objects.values_list("family", "day"))


# -- helpers for the entry points ----------------------------------------------------------------------


def ok(response, *codes: int) -> None:
    assert response.status_code in codes, (
        response.status_code, getattr(response, "data", None) or response.content[:3000])
    context = getattr(response, "context", None)
    if context is not None and response.status_code == 200 and "adminform" in context:
        pytest.fail(f"the admin form was refused: {context['adminform'].form.errors}")


def admin_change(w: World, model: type[models.Model], pk: int, **changes: str) -> None:
    page = w.client.get(admin_url(model, "change", pk))
    response = w.client.post(admin_url(model, "change", pk), form_data(page) | changes)
    ok(response, 302)


def admin_action(w: World, model: type[models.Model], action: str, records: list, **extra: object) -> None:
    response = w.client.post(admin_url(model, "changelist"), {
        "action": action, "_selected_action": [r.pk for r in records], "index": 0, **extra})
    ok(response, 302)
    errors = [str(m) for m in response.wsgi_request._messages if m.level_tag == "error"]
    assert not errors, errors


def split(moment: datetime, name: str) -> dict[str, str]:
    """An admin split date-time field."""
    local = timezone.localtime(moment)
    return {f"{name}_0": local.strftime("%Y-%m-%d"), f"{name}_1": local.strftime("%H:%M:%S")}


def shown_version(record: models.Model) -> int:
    """The version a page shows (and posts back): the stored one."""
    return type(record).objects.values_list("version", flat=True).get(pk=record.pk)


def run_import(*records: dict[str, Any]) -> None:
    import_dataset([json.dumps(record) for record in records], rollup=False)


def ts(moment: datetime) -> str:
    return moment.isoformat()


# Dataset records of the fixture, as an export would write them; a change overrides some fields.


def company_record(**changes: Any) -> dict[str, Any]:
    return {"type": "company", "external_id": "co-1", "name": "Acme", "created_at": ts(T0), "churned_at": None,
            "churn_reason": "", **changes}


def contact_record(**changes: Any) -> dict[str, Any]:
    return {"type": "contact", "external_id": "ct-1", "first_name": "Reza", "last_name": "Karimi",
            "email": "reza@example.com", "phone": "", "company": "co-1", "source_campaign": None, "owner": "boss",
            "language": "en", "created_at": ts(T0), "churned_at": None, "churn_reason": "", **changes}


def deal_record(external_id: str = "d-1", **changes: Any) -> dict[str, Any]:
    title, amount = ("50 seats", "1000.00") if external_id == "d-1" else ("10 seats", "2000.00")
    return {"type": "deal", "external_id": external_id, "title": title, "pipeline": "p-1", "contact": "ct-1",
            "company": "co-1", "owner": "boss", "amount": amount, "currency": "USD", "exchange_rate": None,
            "kind": "new", "campaign": None, "created_at": ts(T0),
            "stage_history": [{"stage": "st-1", "entered_at": ts(T0)}], "status": "open", "closed_at": None,
            "lost_reason": "", **changes}


def ticket_record(**changes: Any) -> dict[str, Any]:
    return {"type": "ticket", "external_id": "t-1", "subject": "Cannot log in", "contact": "ct-1",
            "assignee": None, "priority": "normal", "channel": "email", "created_at": ts(T0), "resolved_at": None,
            "messages": [{"at": ts(T0), "author": "customer", "user": None, "public": True, "body": "Help"}],
            **changes}


# -- the changes ---------------------------------------------------------------------------------------


@dataclass
class Change:
    """One change: the record it is about (None: the one it creates), what it must leave, and the ways in."""

    model: type[models.Model]
    target: Callable[[World], int | None]
    expected_row: Callable[[World, dict | None], dict[str, Any] | None]
    expected_children: Callable[[World, list], list]
    expected_history: Callable[[World, dict | None], list]
    dirty: set[tuple[str, date]]
    via: dict[str, Callable[[World], None]]


def unchanged_children(w: World, before: list) -> list:
    return before


def full_history(kind: str, model: type[models.Model]) -> Callable[[World, dict | None], list]:
    """A created record's one historical row carries every tracked field, as the record has it."""
    def expected(w: World, expected_row: dict | None) -> list:
        assert expected_row is not None
        return [(kind, {name: expected_row[name] for name in tracked_fields(model)})]
    return expected


def one_change(**fields: Callable[[World], Any]) -> Callable[[World, dict | None], list]:
    def expected(w: World, expected_row: dict | None) -> list:
        return [("~", {name: value(w) for name, value in fields.items()})]
    return expected


def const(value: Any) -> Callable[[World], Any]:
    return lambda w: value


CHANGES: dict[str, Change] = {}


# Contact create: a lead of the campaign on its creation day.

def _contact_create_admin(w: World) -> None:
    ok(w.client.post(admin_url(Contact, "add"), {
        "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "phone": "", "language": "en",
        "company": w.company.pk, "source_campaign": w.campaign.pk, "owner": w.boss.pk, **split(NOW, "created_at"),
        "external_id": "", "churned_at_0": "", "churned_at_1": "", "churn_reason": "",
    }), 302)


def _contact_create_api(w: World) -> None:
    ok(w.api.post("/api/contacts/", {
        "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "company": w.company.pk,
        "source_campaign": w.campaign.pk, "owner": w.boss.pk, "language": "en"}, format="json"), 201)


def _contact_create_page(w: World) -> None:
    ok(w.client.post(reverse("crm:contact_create"), {
        "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "phone": "",
        "company": w.company.pk, "source_campaign": w.campaign.pk, "owner": w.boss.pk, "language": "en"}), 302)


def _contact_create_import(w: World) -> None:
    run_import(contact_record(external_id="ct-2", first_name="Ada", last_name="Lovelace", email="ada@example.com",
                              source_campaign="cmp-1", created_at=ts(NOW)))


def _new_contact(w: World, before: dict | None) -> dict[str, Any]:
    return {"first_name": "Ada", "last_name": "Lovelace", "job_title": "", "email": "ada@example.com", "phone": "",
            "company_id": w.company.pk, "source_campaign_id": w.campaign.pk, "owner_id": w.boss.pk,
            "language": "en", "created_at": NOW, "churned_at": None, "churn_reason": "", "version": 1,
            "email_normalized": "ada@example.com", "phone_e164": "", "full_name_normalized": "ada lovelace"}


CHANGES["contact_create"] = Change(
    Contact, lambda w: None, _new_contact, unchanged_children, full_history("+", Contact),
    {("campaigns", WED)},
    {"admin": _contact_create_admin, "api": _contact_create_api, "page": _contact_create_page,
     "import": _contact_create_import},
)


# Contact edit: a new source campaign re-counts every day the contact counts on: its lead day, the survey it
# was sent, and its won deal (whose customer is its company).

def _contact_edit_admin(w: World) -> None:
    admin_change(w, Contact, w.contact.pk, source_campaign=str(w.campaign.pk))


def _contact_edit_api(w: World) -> None:
    ok(w.api.patch(f"/api/contacts/{w.contact.pk}/", {"source_campaign": w.campaign.pk}, format="json"), 200)


def _contact_edit_page(w: World) -> None:
    ok(w.client.post(reverse("crm:contact_edit", args=[w.contact.pk]), {
        "first_name": "Reza", "last_name": "Karimi", "email": "reza@example.com", "phone": "",
        "company": w.company.pk, "source_campaign": w.campaign.pk, "owner": w.boss.pk, "language": "en",
        "version": shown_version(w.contact)}), 302)


def _contact_edit_import(w: World) -> None:
    run_import(contact_record(source_campaign="cmp-1"))


CHANGES["contact_edit"] = Change(
    Contact, lambda w: w.contact.pk,
    lambda w, before: before | {"source_campaign_id": w.campaign.pk, "version": before["version"] + 1},
    unchanged_children, one_change(source_campaign_id=lambda w: w.campaign.pk),
    {("campaigns", MON), ("surveys", MON), ("deals", MON), ("deals", TUE), ("customers", TUE),
     ("stages", MON), ("stages", TUE)},
    {"admin": _contact_edit_admin, "api": _contact_edit_api, "page": _contact_edit_page,
     "import": _contact_edit_import},
)


# Company create: a company with no deals counts on no day.

def _company_create_admin(w: World) -> None:
    ok(w.client.post(admin_url(Company, "add"), {
        "name": "Globex", "owner": "", **split(NOW, "created_at"), "external_id": "", "churned_at_0": "",
        "churned_at_1": "", "churn_reason": ""}), 302)


def _company_create_api(w: World) -> None:
    ok(w.api.post("/api/companies/", {"name": "Globex", "owner": None}, format="json"), 201)


def _company_create_page(w: World) -> None:
    ok(w.client.post(reverse("crm:company_create"), {"name": "Globex", "owner": ""}), 302)


def _company_create_import(w: World) -> None:
    run_import(company_record(external_id="co-2", name="Globex", created_at=ts(NOW)))


CHANGES["company_create"] = Change(
    Company, lambda w: None,
    lambda w, before: {"name": "Globex", "name_normalized": "globex", "owner_id": None, "created_at": NOW,
                       "domain": "", "industry": "", "size": "", "address": "",
                       "churned_at": None, "churn_reason": "", "version": 1},
    unchanged_children, full_history("+", Company), set(),
    {"admin": _company_create_admin, "api": _company_create_api, "page": _company_create_page,
     "import": _company_create_import},
)


# Company edit: customers are counted by id, so a new name moves no KPI day.

def _company_edit_admin(w: World) -> None:
    admin_change(w, Company, w.company.pk, name="Acme Corp")


def _company_edit_api(w: World) -> None:
    ok(w.api.patch(f"/api/companies/{w.company.pk}/", {"name": "Acme Corp"}, format="json"), 200)


def _company_edit_page(w: World) -> None:
    ok(w.client.post(reverse("crm:company_edit", args=[w.company.pk]), {
        "name": "Acme Corp", "owner": "", "version": shown_version(w.company)}), 302)


def _company_edit_import(w: World) -> None:
    run_import(company_record(name="Acme Corp"))


CHANGES["company_edit"] = Change(
    Company, lambda w: w.company.pk,
    lambda w, before: before | {"name": "Acme Corp", "name_normalized": "acme corp", "version": before["version"] + 1},
    unchanged_children, one_change(name=const("Acme Corp")), set(),
    {"admin": _company_edit_admin, "api": _company_edit_api, "page": _company_edit_page,
     "import": _company_edit_import},
)


# Company churn: the churn day, and the first win's day (churn before the first win is ignored).

def _company_churn_admin(w: World) -> None:
    admin_change(w, Company, w.company.pk, **split(NOW, "churned_at"), churn_reason="price")


def _company_churn_page(w: World) -> None:
    ok(w.client.post(reverse("crm:company_churn", args=[w.company.pk]), {
        "churned_at": timezone.localtime(NOW).strftime("%Y-%m-%dT%H:%M"), "reason": "price",
        "version": shown_version(w.company)}), 302)


def _company_churn_import(w: World) -> None:
    run_import(company_record(churned_at=ts(NOW), churn_reason="price"))


CHANGES["company_churn"] = Change(
    Company, lambda w: w.company.pk,
    lambda w, before: before | {"churned_at": NOW, "churn_reason": "price", "version": before["version"] + 1},
    unchanged_children, one_change(churned_at=const(NOW), churn_reason=const("price")),
    {("customers", WED), ("customers", TUE)},
    {"admin": _company_churn_admin, "page": _company_churn_page, "import": _company_churn_import},
)


# Deal create: its creation day, and the day it entered its first stage.

def _deal_create_admin(w: World) -> None:
    ok(w.client.post(admin_url(Deal, "add"), {
        "title": "New deal", "initial_stage": w.stages[1].pk, "contact": w.contact.pk, "company": w.company.pk,
        "owner": w.boss.pk, "kind": "new", "campaign": w.campaign.pk, "amount": "500.00", "currency": "USD",
        "exchange_rate": "", "expected_close_date": "2026-04-30", **split(NOW, "created_at"),
        "external_id": ""}), 302)


def _deal_create_api(w: World) -> None:
    ok(w.api.post("/api/deals/", {
        "title": "New deal", "stage": w.stages[1].pk, "contact": w.contact.pk, "company": w.company.pk,
        "owner": w.boss.pk, "kind": "new", "campaign": w.campaign.pk, "amount": "500.00", "currency": "USD",
        "expected_close_date": "2026-04-30"}, format="json"), 201)


def _deal_create_page(w: World) -> None:
    ok(w.client.post(reverse("crm:deal_create"), {
        "title": "New deal", "pipeline_stage": w.stages[1].pk, "contact": w.contact.pk, "company": w.company.pk,
        "owner": w.boss.pk, "amount": "500.00", "currency": "USD", "exchange_rate": "", "kind": "new",
        "campaign": w.campaign.pk, "expected_close_date": "2026-04-30"}), 302)


def _deal_create_import(w: World) -> None:
    run_import(deal_record(external_id="d-3", title="New deal", amount="500.00", campaign="cmp-1",
                           created_at=ts(NOW), stage_history=[{"stage": "st-2", "entered_at": ts(NOW)}],
                           expected_close_date="2026-04-30"))


def _new_deal(w: World, before: dict | None) -> dict[str, Any]:
    return {"title": "New deal", "pipeline_id": w.pipeline.pk, "stage_id": w.stages[1].pk,
            "contact_id": w.contact.pk, "company_id": w.company.pk, "owner_id": w.boss.pk,
            "amount": Decimal("500.00"), "currency": "USD", "exchange_rate": None, "amount_base": Decimal("500.00"),
            "kind": "new", "campaign_id": w.campaign.pk, "status": "open", "created_at": NOW, "closed_at": None,
            "lost_reason_id": None, "lost_note": "", "expected_close_date": date(2026, 4, 30), "version": 1}


CHANGES["deal_create"] = Change(
    Deal, lambda w: None, _new_deal, lambda w, before: [(w.stages[1].pk, NOW, None)], full_history("+", Deal),
    {("deals", WED), ("stages", WED)},
    {"admin": _deal_create_admin, "api": _deal_create_api, "page": _deal_create_page,
     "import": _deal_create_import},
)


# Deal edit (amount and title): every day the open deal counts on, before and after.

def _deal_edit_admin(w: World) -> None:
    admin_change(w, Deal, w.deal.pk, title="60 seats", amount="1500.00")


def _deal_edit_api(w: World) -> None:
    ok(w.api.patch(f"/api/deals/{w.deal.pk}/", {"title": "60 seats", "amount": "1500.00"}, format="json"), 200)


def _deal_edit_page(w: World) -> None:
    ok(w.client.post(reverse("crm:deal_edit", args=[w.deal.pk]), {
        "title": "60 seats", "contact": w.contact.pk, "company": w.company.pk, "owner": w.boss.pk,
        "amount": "1500.00", "currency": "USD", "exchange_rate": "", "kind": "new", "campaign": "",
        "version": shown_version(w.deal)}), 302)


def _deal_edit_import(w: World) -> None:
    run_import(deal_record(title="60 seats", amount="1500.00"))


CHANGES["deal_edit"] = Change(
    Deal, lambda w: w.deal.pk,
    lambda w, before: before | {"title": "60 seats", "amount": Decimal("1500.00"),
                                "amount_base": Decimal("1500.00"), "version": before["version"] + 1},
    unchanged_children, one_change(title=const("60 seats"), amount=const(Decimal("1500.00"))),
    {("deals", MON), ("stages", MON)},
    {"admin": _deal_edit_admin, "api": _deal_edit_api, "page": _deal_edit_page, "import": _deal_edit_import},
)


# Deal move: one stay closes and the next opens at the same moment, so only that day's stages.

def _deal_move_admin(w: World) -> None:
    admin_action(w, Deal, "move_to_stage", [w.deal], stage=w.stages[2].pk)


def _deal_move_api(w: World) -> None:
    ok(w.api.post(f"/api/deals/{w.deal.pk}/move/", {"stage": w.stages[2].pk}, format="json"), 200)


def _deal_move_page(w: World) -> None:
    ok(w.client.post(reverse("crm:deal_move", args=[w.deal.pk]), {
        "stage": w.stages[2].pk, "version": shown_version(w.deal)}), 302)
    _no_error_message(w)


def _deal_move_import(w: World) -> None:
    run_import(deal_record(stage_history=[{"stage": "st-1", "entered_at": ts(T0)},
                                          {"stage": "st-3", "entered_at": ts(NOW)}]))


def _no_error_message(w: World) -> None:
    """Pages report a service's refusal as a message on the next page."""
    from django.contrib.messages import get_messages

    page = w.client.get(reverse("crm:deal_list"))
    errors = [str(m) for m in get_messages(page.wsgi_request) if m.level_tag == "error"]
    assert not errors, errors


CHANGES["deal_move"] = Change(
    Deal, lambda w: w.deal.pk,
    lambda w, before: before | {"stage_id": w.stages[2].pk, "version": before["version"] + 1},
    lambda w, before: [(w.stages[0].pk, T0, NOW), (w.stages[2].pk, NOW, None)],
    one_change(stage_id=lambda w: w.stages[2].pk),
    {("stages", WED)},
    {"admin": _deal_move_admin, "api": _deal_move_api, "page": _deal_move_page, "import": _deal_move_import},
)


# Deal win: its creation and close days, its stay, and the customer's days: the win on Wednesday, and the
# company's other win on Tuesday, which stays its first.

def _deal_win_admin(w: World) -> None:
    admin_action(w, Deal, "mark_won", [w.deal])


def _deal_win_api(w: World) -> None:
    ok(w.api.post(f"/api/deals/{w.deal.pk}/win/", {}, format="json"), 200)


def _deal_win_page(w: World) -> None:
    ok(w.client.post(reverse("crm:deal_close", args=[w.deal.pk]), {
        "outcome": "won", "lost_reason": "", "lost_note": "", "version": shown_version(w.deal)}), 302)


def _deal_win_import(w: World) -> None:
    run_import(deal_record(status="won", closed_at=ts(NOW)))


CHANGES["deal_win"] = Change(
    Deal, lambda w: w.deal.pk,
    lambda w, before: before | {"status": DealStatus.WON, "closed_at": NOW, "version": before["version"] + 1},
    lambda w, before: [(w.stages[0].pk, T0, NOW)],
    one_change(status=const(DealStatus.WON), closed_at=const(NOW)),
    {("deals", MON), ("deals", WED), ("stages", MON), ("stages", WED), ("customers", WED), ("customers", TUE)},
    {"admin": _deal_win_admin, "api": _deal_win_api, "page": _deal_win_page, "import": _deal_win_import},
)


# Deal lose: its creation and close days and its stay; a lost deal makes no customer.

def _deal_lose_admin(w: World) -> None:
    admin_action(w, Deal, "mark_lost", [w.deal], lost_reason=w.reason.pk)


def _deal_lose_api(w: World) -> None:
    ok(w.api.post(f"/api/deals/{w.deal.pk}/lose/", {"lost_reason": w.reason.pk}, format="json"), 200)


def _deal_lose_page(w: World) -> None:
    ok(w.client.post(reverse("crm:deal_close", args=[w.deal.pk]), {
        "outcome": "lost", "lost_reason": w.reason.pk, "lost_note": "", "version": shown_version(w.deal)}), 302)


def _deal_lose_import(w: World) -> None:
    run_import(deal_record(status="lost", closed_at=ts(NOW), lost_reason="Price"))


CHANGES["deal_lose"] = Change(
    Deal, lambda w: w.deal.pk,
    lambda w, before: before | {"status": DealStatus.LOST, "closed_at": NOW, "lost_reason_id": w.reason.pk,
                                "version": before["version"] + 1},
    lambda w, before: [(w.stages[0].pk, T0, NOW)],
    one_change(status=const(DealStatus.LOST), closed_at=const(NOW), lost_reason_id=lambda w: w.reason.pk),
    {("deals", MON), ("deals", WED), ("stages", MON), ("stages", WED)},
    {"admin": _deal_lose_admin, "api": _deal_lose_api, "page": _deal_lose_page, "import": _deal_lose_import},
)


# Deal reopen: the days the won deal counted on (its close day, as a deal and as the customer's first win).

def _deal_reopen_admin(w: World) -> None:
    admin_action(w, Deal, "reopen", [w.won_deal])


def _deal_reopen_api(w: World) -> None:
    ok(w.api.post(f"/api/deals/{w.won_deal.pk}/reopen/", {}, format="json"), 200)


def _deal_reopen_page(w: World) -> None:
    ok(w.client.post(reverse("crm:deal_reopen", args=[w.won_deal.pk]), {"version": shown_version(w.won_deal)}), 302)
    _no_error_message(w)


def _deal_reopen_import(w: World) -> None:
    run_import(deal_record("d-2"))


CHANGES["deal_reopen"] = Change(
    Deal, lambda w: w.won_deal.pk,
    lambda w, before: before | {"status": DealStatus.OPEN, "closed_at": None, "version": before["version"] + 1},
    lambda w, before: [(w.stages[0].pk, T0, None)],
    one_change(status=const(DealStatus.OPEN), closed_at=const(None)),
    {("deals", MON), ("deals", TUE), ("stages", MON), ("stages", TUE), ("customers", TUE)},
    {"admin": _deal_reopen_admin, "api": _deal_reopen_api, "page": _deal_reopen_page,
     "import": _deal_reopen_import},
)


# Deal delete: the days it counted on.

def _deal_delete_admin(w: World) -> None:
    ok(w.client.post(admin_url(Deal, "delete", w.deal.pk), {"post": "yes"}), 302)


def _deal_delete_api(w: World) -> None:
    ok(w.api.delete(f"/api/deals/{w.deal.pk}/"), 204)


CHANGES["deal_delete"] = Change(
    Deal, lambda w: w.deal.pk, lambda w, before: None, lambda w, before: [],
    lambda w, expected_row: [("-", {})],
    {("deals", MON), ("stages", MON)},
    {"admin": _deal_delete_admin, "api": _deal_delete_api},
)


# Campaign spend: spend counts on its own date.

def _spend_admin(w: World) -> None:
    ok(w.client.post(admin_url(CampaignSpend, "add"), {
        "campaign": w.campaign.pk, "date": "2025-03-05", "amount": "250.00"}), 302)


def _spend_api(w: World) -> None:
    ok(w.api.post(f"/api/campaigns/{w.campaign.pk}/spend/", {"date": "2025-03-05", "amount": "250.00"},
                  format="json"), 201)


def _spend_import(w: World) -> None:
    run_import({"type": "campaign", "external_id": "cmp-1", "name": "Spring mailing", "channel": "email",
                "spend": [{"date": "2025-03-03", "amount": "100.00"}, {"date": "2025-03-05", "amount": "250.00"}]})


CHANGES["campaign_spend"] = Change(
    Campaign, lambda w: w.campaign.pk, lambda w, before: before,
    lambda w, before: [(MON, Decimal("100.00")), (WED, Decimal("250.00"))],
    lambda w, expected_row: [],
    {("campaigns", WED)},
    {"admin": _spend_admin, "api": _spend_api, "import": _spend_import},
)


# Ticket create: its creation day (the customer's first message is no reply).

def _ticket_create_admin(w: World) -> None:
    ok(w.client.post(admin_url(Ticket, "add"), {
        "subject": "Printer on fire", "contact": w.contact.pk, "priority": "high", "channel": "phone",
        "assignee": "", "body": "It burns", **split(NOW, "created_at"), "external_id": ""}), 302)


def _ticket_create_api(w: World) -> None:
    ok(w.api.post("/api/tickets/", {"subject": "Printer on fire", "contact": w.contact.pk, "priority": "high",
                                    "channel": "phone", "body": "It burns"}, format="json"), 201)


def _ticket_create_page(w: World) -> None:
    ok(w.client.post(reverse("support:ticket_new"), {
        "email": "reza@example.com", "name": "", "subject": "Printer on fire", "body": "It burns",
        "channel": "phone", "priority": "high", "assignee": ""}), 302)


def _ticket_create_import(w: World) -> None:
    run_import(ticket_record(external_id="t-2", subject="Printer on fire", priority="high", channel="phone",
                             created_at=ts(NOW), messages=[{"at": ts(NOW), "author": "customer", "user": None,
                                                            "public": True, "body": "It burns"}]))


CHANGES["ticket_create"] = Change(
    Ticket, lambda w: None,
    lambda w, before: {"subject": "Printer on fire", "contact_id": w.contact.pk, "assignee_id": None,
                       "priority": "high", "channel": "phone", "status": TicketStatus.NEW, "created_at": NOW,
                       "resolved_at": None, "first_response_at": None,
                       "first_response_due_at": NOW + timedelta(hours=4),
                       "resolution_due_at": NOW + timedelta(hours=24), "version": 1},
    lambda w, before: [(NOW, MessageAuthor.CUSTOMER, None, True, "It burns", None)],
    full_history("+", Ticket),
    {("tickets", WED)},
    {"admin": _ticket_create_admin, "api": _ticket_create_api, "page": _ticket_create_page,
     "import": _ticket_create_import},
)


# Ticket reply: the first response's day, and the reply's own day (its wait, since the customer wrote).

def _reply_admin(w: World) -> None:
    admin_change(w, Ticket, w.ticket.pk, message_kind="reply", message_body="On it")


def _reply_api(w: World) -> None:
    ok(w.api.post(f"/api/tickets/{w.ticket.pk}/messages/", {"body": "On it"}, format="json"), 201)


def _reply_page(w: World) -> None:
    ok(w.client.post(reverse("support:ticket_reply", args=[w.ticket.pk]), {"body": "On it", "kind": "reply"}), 302)


def _reply_import(w: World) -> None:
    run_import(ticket_record(messages=[
        {"at": ts(T0), "author": "customer", "user": None, "public": True, "body": "Help"},
        {"at": ts(NOW), "author": "agent", "user": "boss", "public": True, "body": "On it"}]))


CHANGES["ticket_reply"] = Change(
    Ticket, lambda w: w.ticket.pk,
    lambda w, before: before | {"status": TicketStatus.PENDING, "first_response_at": NOW,
                                "version": before["version"] + 1},
    lambda w, before: [*before, (NOW, MessageAuthor.AGENT, w.boss.pk, True, "On it", T0)],
    one_change(status=const(TicketStatus.PENDING), first_response_at=const(NOW)),
    {("tickets", WED), ("replies", WED)},
    {"admin": _reply_admin, "api": _reply_api, "page": _reply_page, "import": _reply_import},
)


# Ticket resolve: the resolution day.

def _resolve_admin(w: World) -> None:
    admin_action(w, Ticket, "resolve", [w.ticket])


def _resolve_api(w: World) -> None:
    ok(w.api.post(f"/api/tickets/{w.ticket.pk}/resolve/", {}, format="json"), 200)


def _resolve_page(w: World) -> None:
    ok(w.client.post(reverse("support:ticket_status", args=[w.ticket.pk]), {
        "status": "resolved", "version": shown_version(w.ticket)}), 302)


def _resolve_import(w: World) -> None:
    run_import(ticket_record(resolved_at=ts(NOW)))


CHANGES["ticket_resolve"] = Change(
    Ticket, lambda w: w.ticket.pk,
    lambda w, before: before | {"status": TicketStatus.RESOLVED, "resolved_at": NOW,
                                "version": before["version"] + 1},
    unchanged_children, one_change(status=const(TicketStatus.RESOLVED), resolved_at=const(NOW)),
    {("tickets", WED)},
    {"admin": _resolve_admin, "api": _resolve_api, "page": _resolve_page, "import": _resolve_import},
)


# Survey response: the answer's day, and its invitation's sending day (the response rate).

def _response_admin(w: World) -> None:
    ok(w.client.post(admin_url(Response, "add"), {
        "survey": w.survey.pk, "invitation": w.invitation.pk, "contact": w.contact.pk, "ticket": w.ticket.pk,
        **split(NOW, "answered_at"), "score": "9", "comment": "Great", "external_id": ""}), 302)


def _response_api(w: World) -> None:
    ok(w.api.post("/api/responses/", {"survey": w.survey.pk, "contact": w.contact.pk,
                                      "invitation": w.invitation.pk, "score": 9, "comment": "Great"},
                  format="json"), 201)


def _response_page(w: World) -> None:
    ok(Client().post(reverse("survey-answer", args=[w.invitation.token]), {"score": "9", "comment": "Great"}), 302)


def _response_import(w: World) -> None:
    run_import({"type": "response", "external_id": "r-1", "survey": "sv-1", "invitation": "inv-1",
                "contact": "ct-1", "ticket": "t-1", "answered_at": ts(NOW), "score": 9, "servqual": None,
                "comment": "Great"})


def _new_response(w: World, before: dict | None) -> dict[str, Any]:
    expected = {"survey_id": w.survey.pk, "invitation_id": w.invitation.pk, "contact_id": w.contact.pk,
                "ticket_id": w.ticket.pk, "answered_at": NOW, "score": 9, "comment": "Great", "edited_at": None,
                "follow_up_id": None}
    servqual = {f.attname: None for f in Response._meta.concrete_fields if f.attname.endswith(("_expectation",
                                                                                             "_perception"))}
    return expected | servqual


CHANGES["survey_response"] = Change(
    Response, lambda w: None, _new_response, unchanged_children, lambda w, expected_row: [],
    {("surveys", WED), ("surveys", MON)},
    {"admin": _response_admin, "api": _response_api, "page": _response_page, "import": _response_import},
)


# -- the test ------------------------------------------------------------------------------------------

CASES = [(name, entry) for name, change in CHANGES.items() for entry in ENTRY_POINTS if entry in change.via]


def test_every_change_is_offered_by_at_least_two_entry_points():
    assert all(len(change.via) >= 2 for change in CHANGES.values())
    assert all(set(change.via) <= set(ENTRY_POINTS) for change in CHANGES.values())


@pytest.mark.parametrize(("change_name", "entry"), CASES, ids=[f"{name}-{entry}" for name, entry in CASES])
def test_the_same_change_leaves_the_same_record_history_and_dirty_days(world, change_name, entry):
    change = CHANGES[change_name]
    model = change.model
    target = change.target(world)
    before_row = row(model, target) if target is not None else None
    before_children = children(model, target) if target is not None else []

    change.via[entry](world)

    if target is None:  # a create: the one new record
        new = model.objects.exclude(pk__in=world.before[model])
        assert new.count() == 1, f"{entry} should create one {model.__name__}, created {new.count()}"
        target = new.get().pk
    created = change.target(world) is None
    expected_row = change.expected_row(world, before_row)
    found = {
        "record": (row(model, target, created=created), expected_row),
        "the record's rows": (children(model, target), change.expected_children(world, before_children)),
        "change history": (new_history(world, model, target), change.expected_history(world, expected_row)),
        "dirty KPI days": (dirty_pairs(), change.dirty),
        "stale search keys": (stale_keys(), dict.fromkeys(["crm.Company", "crm.Contact", "crm.Deal",
                                                             "support.Ticket"], 0)),
    }
    differences = [describe(aspect, got, wanted) for aspect, (got, wanted) in found.items() if got != wanted]
    assert not differences, f"{change_name} via {entry} differs from the other entry points:\n" + "\n".join(
        differences)


def describe(aspect: str, got: Any, wanted: Any) -> str:
    """What differs, briefly: the keys or pairs that are missing or extra, else both values."""
    if isinstance(got, dict) and isinstance(wanted, dict):
        keys = sorted(set(got) | set(wanted))
        detail = {key: (got.get(key, "<absent>"), wanted.get(key, "<absent>")) for key in keys
                  if got.get(key, "<absent>") != wanted.get(key, "<absent>")}
        return f"- {aspect}: (got, expected) per field: {detail}"
    if isinstance(got, set) and isinstance(wanted, set):
        return f"- {aspect}: missing {sorted(wanted - got)}, extra {sorted(got - wanted)}"
    return f"- {aspect}: got {got!r}, expected {wanted!r}"
