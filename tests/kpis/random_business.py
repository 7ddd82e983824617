"""Random small businesses and random late edits, all made through the services."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from crm import services as crm
from crm.models import Campaign, Company, Contact, Deal, Pipeline, Stage, Team, User
from support import services as support
from support.models import Ticket
from surveys import services as surveys
from surveys.models import SERVQUAL_DIMENSIONS, Invitation, Survey

START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN_MINUTES = 120 * 24 * 60


def moment(rng: random.Random, after: datetime | None = None, within_days: int | None = None) -> datetime:
    """A random instant, often near a midnight somewhere, after `after`."""
    base = after or START
    limit = within_days * 24 * 60 if within_days else SPAN_MINUTES
    minutes = rng.randint(1, limit)
    return base + timedelta(minutes=minutes, seconds=rng.choice([0, 0, 59]))


def build_random_business(rng: random.Random, deals: int = 25, tickets: int = 15, responses: int = 15) -> None:
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
    for i in range(deals):
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
    for record in rng.sample([*companies, *contacts], 4):
        crm.customer_set_churn(customer=record, churned_at=moment(rng, START + timedelta(days=20)), reason="r")
    created_tickets = []
    for i in range(tickets):
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
    kinds = [Survey.objects.create(name=kind, kind=kind) for kind in ("nps", "csat", "ces", "servqual")]
    for _ in range(responses):
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


def random_late_edits(rng: random.Random, count: int = 8) -> None:
    """Edits that change the past: backdated closes, reopenings, amounts, churn, owners, late replies."""
    for _ in range(count):
        action = rng.randrange(8)
        if action == 0 and (deal := Deal.objects.exclude(status="open").order_by("?").first()):
            deal = crm.deal_reopen(deal=deal)
            last = deal.stage_entries.order_by("-entered_at").first()
            crm.deal_close(deal=deal, won=rng.random() < 0.5, at=moment(rng, last.entered_at, 40))
        elif action == 1 and (deal := Deal.objects.order_by("?").first()):
            crm.deal_update(deal=deal, amount=Decimal(rng.randint(100, 1_000_000)) / 100,
                            owner=User.objects.filter(role="sales").order_by("?").first())
        elif action == 2:
            record = rng.choice([Company, Contact]).objects.order_by("?").first()
            churned_at = None if rng.random() < 0.3 else moment(rng)
            crm.customer_set_churn(customer=record, churned_at=churned_at, reason="late")
        elif action == 3 and (ticket := Ticket.objects.filter(resolved_at__isnull=False).order_by("?").first()):
            ticket = support.ticket_reopen(ticket=ticket)
            if rng.random() < 0.5:
                support.ticket_resolve(ticket=ticket, at=moment(rng, ticket.created_at, 20))
        elif action == 4 and (ticket := Ticket.objects.order_by("?").first()):
            support.ticket_add_message(ticket=ticket, author="agent", body="late", public=True,
                                       user=User.objects.filter(role="support").first(),
                                       at=moment(rng, ticket.created_at, 3))
        elif action == 5 and (invitation := Invitation.objects.filter(response__isnull=True).order_by("?").first()):
            _answer(rng, invitation.survey, invitation.contact, invitation, invitation.ticket,
                    moment(rng, invitation.sent_at, 30))
        elif action == 6 and (stage := Stage.objects.order_by("?").first()):
            crm.stage_set_probability(stage=stage, probability=Decimal(rng.choice(["0", "0.33", "0.75", "1"])))
        elif action == 7 and (ticket := Ticket.objects.order_by("?").first()):
            support.ticket_update(ticket=ticket, assignee=User.objects.filter(role="support").order_by("?").first(),
                                  channel=rng.choice(["email", "web"]))
