"""Random small businesses and random late edits, all made through the services."""

import io
import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from crm import services as crm
from crm.models import Campaign, Company, Contact, Deal, Pipeline, Stage, Team, User
from dataset.exporter import export_dataset
from dataset.importer import import_dataset
from support import services as support
from support.models import Ticket
from surveys import services as surveys
from surveys.models import SERVQUAL_DIMENSIONS, Invitation, Response, Survey

START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN_MINUTES = 120 * 24 * 60


def moment(rng: random.Random, after: datetime | None = None, within_days: int | None = None) -> datetime:
    """A random instant, often near a midnight somewhere, after `after`."""
    base = after or START
    limit = within_days * 24 * 60 if within_days else SPAN_MINUTES
    minutes = rng.randint(1, limit)
    return base + timedelta(minutes=minutes, seconds=rng.choice([0, 0, 59]))


def build_random_business(rng: random.Random, deals: int = 25, tickets: int = 15, responses: int = 15) -> None:
    """A random small business (teams, pipelines, campaigns, customers, deals, tickets, answers), seeded."""
    teams = [Team.objects.create(name=f"T{i}") for i in range(2)]
    owners = [User.objects.create(username=f"rep{i}", role="sales", team=rng.choice([*teams, None]))
              for i in range(3)]
    agents = [User.objects.create(username=f"agent{i}", role="support", team=teams[i % 2]) for i in range(2)]
    stages = []
    for p in range(2):
        pipeline = Pipeline.objects.create(name=f"P{p}")
        stages.append([Stage.objects.create(pipeline=pipeline, name=f"S{p}{s}", position=s,
                                            probability=Decimal(rng.choice(["0.1", "0.25", "0.5", "0.9"])))
                       for s in range(3)])
    campaigns = [Campaign.objects.create(name=f"C{i}") for i in range(2)]
    for _ in range(4):
        crm.campaign_add_spend(campaign=rng.choice(campaigns), spent_on=moment(rng).date(),
                               amount=Decimal(rng.randint(0, 50000)) / 100)
    companies = [crm.company_create(name=f"Co{i}", created_at=START) for i in range(4)]
    contacts = [crm.contact_create(first_name=f"P{i}", company=rng.choice([*companies, None]),
                                   source_campaign=rng.choice([*campaigns, None]), created_at=moment(rng))
                for i in range(10)]
    _random_deals(rng, deals, contacts, stages, owners, campaigns)
    for record in rng.sample([*companies, *contacts], 4):
        crm.customer_set_churn(customer=record, churned_at=moment(rng, START + timedelta(days=20)), reason="r")
    created_tickets = _random_tickets(rng, tickets, contacts, agents)
    _random_responses(rng, responses, contacts, created_tickets)


def _random_deals(rng: random.Random, count: int, contacts: list, stages: list, owners: list,
                  campaigns: list) -> None:
    """Deals in random currencies and kinds, moved on through some stages; three in four closed."""
    for i in range(count):
        contact = rng.choice(contacts)
        pipeline_stages = rng.choice(stages)
        created_at = moment(rng)
        currency, rate = rng.choice([("USD", None), ("USD", None), ("EUR", Decimal("1.0837")),
                                     ("IRR", Decimal("0.0000238"))])
        deal = crm.deal_create(title=f"D{i}", pipeline_stage=pipeline_stages[0], contact=contact,
                               company=contact.company if rng.random() < 0.8 else None, owner=rng.choice(owners),
                               amount=Decimal(rng.randint(100, 10_000_000)) / 100, currency=currency,
                               exchange_rate=rate, kind=rng.choice(["new", "new", "upsell", "renewal"]),
                               campaign=rng.choice([*campaigns, None]), created_at=created_at)
        at = created_at
        for stage in pipeline_stages[1:rng.randint(1, 3)]:
            at = moment(rng, at, 20)
            crm.deal_move_stage(deal=deal, stage=stage, at=at)
        if rng.random() < 0.75:
            crm.deal_close(deal=deal, won=rng.random() < 0.5, at=moment(rng, at, 30))


def _random_tickets(rng: random.Random, count: int, contacts: list, agents: list) -> list:
    """Tickets with up to four messages each (some internal notes); four in five resolved."""
    created_tickets = []
    for i in range(count):
        created_at = moment(rng)
        ticket = support.ticket_create(subject=f"T{i}", contact=rng.choice(contacts),
                                       priority=rng.choice(["low", "normal", "high", "urgent"]),
                                       channel=rng.choice(["email", "phone", "web", "chat"]),
                                       assignee=rng.choice([*agents, None]), created_at=created_at, body="help")
        at = created_at
        for _ in range(rng.randint(0, 4)):
            at = moment(rng, at, 2) if rng.random() < 0.8 else at + timedelta(hours=rng.randint(1, 30))
            author = rng.choice(["customer", "agent", "agent"])
            support.ticket_add_message(ticket=ticket, author=author, body="…", user=rng.choice(agents),
                                       public=author == "customer" or rng.random() < 0.8, at=at)
        if rng.random() < 0.8:
            support.ticket_resolve(ticket=ticket, at=moment(rng, at, 5))
        created_tickets.append(ticket)
    return created_tickets


def _random_responses(rng: random.Random, count: int, contacts: list, created_tickets: list) -> None:
    """Survey answers of every kind, most of them invited, some about a ticket."""
    kinds = [Survey.objects.create(name=kind, kind=kind) for kind in ("nps", "csat", "ces", "servqual")]
    for _ in range(count):
        survey = rng.choice(kinds)
        contact = rng.choice(contacts)
        ticket = rng.choice([*created_tickets, None])
        invitation = None
        sent_at = moment(rng)
        if rng.random() < 0.7:
            invitation = surveys.invitation_create(survey=survey, contact=contact, ticket=ticket, sent_at=sent_at)
        if rng.random() < 0.8:
            _answer(rng, survey, contact, invitation, ticket, moment(rng, sent_at, 10))


def _answer(rng, survey, contact, invitation, ticket, answered_at) -> None:
    if survey.kind == "servqual":
        dimensions = SERVQUAL_DIMENSIONS if rng.random() < 0.8 else rng.sample(SERVQUAL_DIMENSIONS, 3)
        servqual = {d: {"expectation": rng.randint(1, 7), "perception": rng.randint(1, 7)} for d in dimensions}
        surveys.response_record(survey=survey, contact=contact, servqual=servqual, invitation=invitation,
                                ticket=ticket, answered_at=answered_at)
    else:
        low, high = (0, 10) if survey.kind == "nps" else (1, 5)
        surveys.response_record(survey=survey, contact=contact, score=rng.randint(low, high), invitation=invitation,
                                ticket=ticket, answered_at=answered_at)


def _pick(rng: random.Random, queryset: QuerySet) -> Any:
    """One row of `queryset` chosen by `rng` (in primary-key order, so a seed always picks the same), or None."""
    rows = list(queryset.order_by("pk"))
    return rng.choice(rows) if rows else None


def _reclose(rng: random.Random) -> None:
    """A closed deal reopened and closed again, won or lost, at another time."""
    if deal := _pick(rng, Deal.objects.exclude(status="open")):
        deal = crm.deal_reopen(deal=deal)
        last = deal.stage_entries.order_by("-entered_at").first()
        crm.deal_close(deal=deal, won=rng.random() < 0.5, at=moment(rng, last.entered_at, 40))


def _update_deal(rng: random.Random) -> None:
    if deal := _pick(rng, Deal.objects.all()):
        crm.deal_update(deal=deal, amount=Decimal(rng.randint(100, 1_000_000)) / 100,
                        owner=_pick(rng, User.objects.filter(role="sales")))


def _set_churn(rng: random.Random) -> None:
    record = _pick(rng, rng.choice([Company, Contact]).objects.all())
    churned_at = None if rng.random() < 0.3 else moment(rng)
    crm.customer_set_churn(customer=record, churned_at=churned_at, reason="late")


def _reopen_ticket(rng: random.Random) -> None:
    if ticket := _pick(rng, Ticket.objects.filter(resolved_at__isnull=False)):
        ticket = support.ticket_reopen(ticket=ticket)
        if rng.random() < 0.5:
            support.ticket_resolve(ticket=ticket, at=moment(rng, ticket.created_at, 20))


def _add_message(rng: random.Random) -> None:
    """A late message on a ticket: an agent's public reply, an internal note or the customer writing again."""
    if ticket := _pick(rng, Ticket.objects.all()):
        author = rng.choice(["agent", "agent", "customer"])
        public = author == "customer" or rng.random() < 0.7
        user = _pick(rng, User.objects.filter(role="support")) if author == "agent" else None
        support.ticket_add_message(ticket=ticket, author=author, body="late", public=public, user=user,
                                   at=moment(rng, ticket.created_at, 3))


def _answer_invitation(rng: random.Random) -> None:
    if invitation := _pick(rng, Invitation.objects.filter(response__isnull=True)):
        _answer(rng, invitation.survey, invitation.contact, invitation, invitation.ticket,
                moment(rng, invitation.sent_at, 30))


def _set_probability(rng: random.Random) -> None:
    if stage := _pick(rng, Stage.objects.all()):
        crm.stage_set_probability(stage=stage, probability=Decimal(rng.choice(["0", "0.33", "0.75", "1"])))


def _update_ticket(rng: random.Random) -> None:
    if ticket := _pick(rng, Ticket.objects.all()):
        support.ticket_update(ticket=ticket, assignee=_pick(rng, User.objects.filter(role="support")),
                              channel=rng.choice(["email", "web"]))


def _move_stage(rng: random.Random) -> None:
    """An open deal moved to another stage of its pipeline (forwards or back), after it entered its current one."""
    deal = _pick(rng, Deal.objects.filter(status="open"))
    if deal is None:
        return
    stage = _pick(rng, Stage.objects.filter(pipeline_id=deal.pipeline_id).exclude(pk=deal.stage_id))
    current = deal.stage_entries.filter(exited_at__isnull=True).order_by("-entered_at", "-id").first()
    if stage is not None:
        crm.deal_move_stage(deal=deal, stage=stage, at=moment(rng, current.entered_at, 20))


def _update_contact(rng: random.Random) -> None:
    """A contact's source campaign, company or creation time changed."""
    contact = _pick(rng, Contact.objects.all())
    changes: dict[str, Any] = {"source_campaign": _pick(rng, Campaign.objects.all()) if rng.random() < 0.7 else None}
    if rng.random() < 0.5:
        changes["company"] = _pick(rng, Company.objects.all()) if rng.random() < 0.7 else None
    if rng.random() < 0.5:
        changes["created_at"] = moment(rng)
    crm.contact_update(contact=contact, **changes)


def _delete_deal(rng: random.Random) -> None:
    if deal := _pick(rng, Deal.objects.all()):
        crm.deal_delete(deal=deal)


def _edit_response(rng: random.Random) -> None:
    """An answer changed within its edit window (it keeps the day it counts on)."""
    if response := _pick(rng, Response.objects.select_related("survey")):
        at = response.answered_at + timedelta(minutes=rng.randint(1, settings.SURVEY_EDIT_HOURS * 60 - 1))
        if response.survey.kind == "servqual":
            servqual = {d: {"expectation": rng.randint(1, 7), "perception": rng.randint(1, 7)}
                        for d in SERVQUAL_DIMENSIONS}
            surveys.response_edit(response=response, servqual=servqual, at=at)
        else:
            low, high = (0, 10) if response.survey.kind == "nps" else (1, 5)
            surveys.response_edit(response=response, score=rng.randint(low, high), at=at)


def _reimport(rng: random.Random) -> None:
    """The business exported and imported again: whole (which must change nothing), or a few of its deals
    and contacts with changed amounts and source campaigns (which the importer writes itself)."""
    out = io.StringIO()
    export_dataset(out)
    lines = out.getvalue().splitlines()
    if rng.random() < 0.5:
        import_dataset(lines, rollup=False)
        return
    records = [json.loads(line) for line in lines]
    campaigns = [r["external_id"] for r in records if r["type"] == "campaign"]
    subset = []
    for record in records:
        if record["type"] == "deal" and rng.random() < 0.3:
            record["amount"] = f"{Decimal(rng.randint(100, 1_000_000)) / 100:.2f}"
        elif record["type"] == "contact" and rng.random() < 0.3:
            record["source_campaign"] = rng.choice([*campaigns, None])
        elif record["type"] not in REIMPORT_CONTEXT:
            continue
        subset.append(json.dumps(record, ensure_ascii=False))
    import_dataset(subset, rollup=False)


# Records a partial re-import sends unchanged so that the changed deals and contacts resolve their references.
REIMPORT_CONTEXT = {"team", "user", "company", "campaign", "pipeline"}

LATE_EDITS = (
    _reclose, _update_deal, _set_churn, _reopen_ticket, _add_message, _answer_invitation, _set_probability,
    _update_ticket, _move_stage, _update_contact, _delete_deal, _edit_response, _reimport,
)


def random_late_edits(rng: random.Random, count: int = 12) -> None:
    """Edits that change the past, every choice drawn from `rng`: backdated closes, reopenings, amounts,
    churn, owners, late messages and answers, stage moves and probabilities, contact changes, deletes,
    edited answers and a re-import of the business's own export."""
    for _ in range(count):
        rng.choice(LATE_EDITS)(rng)
