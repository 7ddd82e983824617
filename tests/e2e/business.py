"""A small business whose records fall in the weeks before today, so the relative range presets
(last 90 days, last 12 months …) show data in the browser tests. Built through the services, seeded."""

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from crm import services as crm
from crm.models import Campaign, Pipeline, Stage, Team, User
from kpis.rollup import run_rollup
from support import services as support
from surveys import services as surveys
from surveys.models import SERVQUAL_DIMENSIONS, Survey


def build_recent_business(*, seed: int = 7) -> dict[str, object]:
    """A small business whose records all fall in the last 400 days, written through the services."""
    rng = random.Random(seed)
    now = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)

    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    north, south, care = (Team.objects.create(name=name) for name in ("North", "South", "Care"))
    reps = [User.objects.create(username="alice", full_name="Alice Clark", role="sales", team=north),
            User.objects.create(username="bob", full_name="Bob Stone", role="sales", team=south)]
    agents = [User.objects.create(username="ann", full_name="Ann Lee", role="support", team=care),
              User.objects.create(username="tom", full_name="Tom Park", role="support", team=care)]
    pipeline = Pipeline.objects.create(name="New business", external_id="p-new")
    stages = [Stage.objects.create(pipeline=pipeline, name=name, position=index, probability=Decimal(p),
                                   external_id=f"st-{index}")
              for index, (name, p) in enumerate([("Lead", "0.1"), ("Proposal", "0.5"), ("Negotiation", "0.8")])]
    campaigns = _campaigns(rng, ago)
    contacts = [crm.contact_create(first_name=f"Customer {index}", source_campaign=campaigns[index % 2]
                                   if index % 3 else None, created_at=ago(rng.uniform(5, 400)))
                for index in range(40)]
    _deals(rng, now, ago, contacts, stages, reps, campaigns)
    for contact in contacts[:4]:
        if contact.deals.filter(status="won", closed_at__lt=ago(20)).exists():
            crm.customer_set_churn(customer=contact, churned_at=ago(rng.uniform(2, 15)), reason="budget")
    tickets = _tickets(rng, ago, contacts, agents)
    _survey_answers(rng, ago, contacts, tickets)
    run_rollup()
    return {"reps": reps, "agents": agents, "pipeline": pipeline}


Ago = Callable[[float], datetime]


def _campaigns(rng: random.Random, ago: Ago) -> list[Campaign]:
    campaigns = [Campaign.objects.create(name="Webinar", channel="event", external_id="cmp-web"),
                 Campaign.objects.create(name="Search ads", channel="search", external_id="cmp-search")]
    for days in range(5, 400, 10):
        for campaign in campaigns:
            crm.campaign_add_spend(campaign=campaign, spent_on=ago(days).date(),
                                   amount=Decimal(rng.randrange(50, 400)))
    return campaigns


def _deals(rng: random.Random, now: datetime, ago: Ago, contacts: list, stages: list, reps: list,
           campaigns: list) -> None:
    """70 deals, each moved on through some stages and most of them closed."""
    for index in range(70):
        created = rng.uniform(3, 380)
        contact = contacts[index % len(contacts)]
        if contact.created_at > ago(created):
            created = (now - contact.created_at).days
        deal = crm.deal_create(title=f"Deal {index:02d}", pipeline_stage=stages[0], contact=contact,
                               owner=reps[index % 2], amount=Decimal(rng.randrange(500, 9000)),
                               campaign=campaigns[index % 2] if index % 3 else None, created_at=ago(created))
        age = created
        for stage in stages[1:]:
            step = rng.uniform(1, 12)
            if age - step < 1 or rng.random() < 0.3:
                break
            age -= step
            crm.deal_move_stage(deal=deal, stage=stage, at=ago(age))
        close_after = rng.uniform(2, 30)
        if age - close_after > 0.5 and rng.random() < 0.75:
            crm.deal_close(deal=deal, won=rng.random() < 0.55, at=ago(age - close_after))


def _tickets(rng: random.Random, ago: Ago, contacts: list, agents: list) -> list:
    """45 tickets; most answered, most of those resolved."""
    tickets = []
    for index in range(45):
        created = rng.uniform(2, 120)
        ticket = support.ticket_create(subject=f"Ticket {index:02d}", contact=contacts[index % len(contacts)],
                                       priority=rng.choice(["low", "normal", "high", "urgent"]),
                                       channel=rng.choice(["email", "phone", "web", "chat"]),
                                       assignee=agents[index % 2] if index % 5 else None, created_at=ago(created),
                                       body="Help please")
        reply_hours = rng.uniform(0.3, 30)
        if created * 24 - reply_hours > 1:
            support.ticket_add_message(ticket=ticket, author="agent", user=ticket.assignee, body="On it",
                                       at=ago(created - reply_hours / 24))
            resolve_hours = reply_hours + rng.uniform(1, 150)
            if created * 24 - resolve_hours > 1 and rng.random() < 0.8:
                support.ticket_resolve(ticket=ticket, at=ago(created - resolve_hours / 24))
        tickets.append(ticket)
    return tickets


def _survey_answers(rng: random.Random, ago: Ago, contacts: list, tickets: list) -> None:
    """NPS invitations and answers, CSAT and CES answers after tickets, a few SERVQUAL answers."""
    nps = Survey.objects.create(name="Relationship NPS", kind="nps", external_id="sv-nps")
    csat = Survey.objects.create(name="Ticket CSAT", kind="csat", external_id="sv-csat")
    ces = Survey.objects.create(name="Effort", kind="ces", external_id="sv-ces")
    servqual = Survey.objects.create(name="Service quality", kind="servqual", external_id="sv-sq")
    for index in range(40):
        contact = contacts[index % len(contacts)]
        sent = rng.uniform(3, 110)
        invitation = surveys.invitation_create(survey=nps, contact=contact, sent_at=ago(sent))
        if rng.random() < 0.75:
            surveys.response_record(survey=nps, contact=contact, invitation=invitation,
                                    ticket=tickets[index] if index < len(tickets) else None,
                                    score=rng.choice([0, 3, 5, 6, 7, 8, 9, 9, 10, 10]),
                                    comment="Slow answers" if index % 4 == 0 else "", answered_at=ago(sent - 1))
    for index in range(25):
        surveys.response_record(survey=csat, contact=contacts[index], score=rng.randint(1, 5),
                                ticket=tickets[index], answered_at=ago(rng.uniform(1, 100)))
        surveys.response_record(survey=ces, contact=contacts[index], score=rng.randint(1, 5),
                                answered_at=ago(rng.uniform(1, 100)))
    for index in range(12):
        surveys.response_record(survey=servqual, contact=contacts[index], answered_at=ago(rng.uniform(1, 100)),
                                servqual={d: {"expectation": rng.randint(5, 7), "perception": rng.randint(3, 7)}
                                          for d in SERVQUAL_DIMENSIONS})
