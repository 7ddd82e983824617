"""A small business built through the services, whose KPI values are worked out by hand in the tests."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from crm import services as crm
from crm.models import Campaign, Company, Contact, Deal, Pipeline, Stage, Team, User


def at(text: str) -> datetime:
    """An instant from 'YYYY-MM-DD HH:MM' in UTC."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


@dataclass
class SalesBusiness:
    alice: User
    bob: User
    pipeline: Pipeline
    qualified: Stage
    demo: Stage
    campaign: Campaign
    acme: Company
    deals: dict[str, Deal]
    contacts: dict[str, Contact]


def build_sales_business() -> SalesBusiness:
    """Four deals in January 2025, one in February, one churned contact customer (all times UTC).

    d1 alice, Acme, 1000 new, campaign C1: created Jan 1 10:00, Demo Jan 5 10:00, won Jan 11 10:00.
    d2 alice, Acme, 500 upsell: created Jan 2 00:00, won Jan 22 00:00 (20 days in Qualified).
    d3 bob, 2000: created Jan 3 00:00, lost Jan 13 00:00.
    d4 bob, 300 EUR at 1.1 (330 USD): created Jan 10 00:00, Demo Jan 20 00:00, still open.
    d5 bob, contact c2 (no company), 400, campaign C1: created Feb 1 00:00, won Feb 10 00:00;
       c2 churns Mar 10 00:00.
    Contacts: c1 (Acme, source C1) Dec 1 2024; c2 (source C1) Jan 5; c3 (no campaign) Jan 6.
    Spend on C1: 300 on Jan 1, 200 on Feb 1.
    """
    north, south = Team.objects.create(name="North"), Team.objects.create(name="South")
    alice = User.objects.create(username="alice", full_name="Alice", role="sales", team=north)
    bob = User.objects.create(username="bob", full_name="Bob", role="sales", team=south)
    pipeline = Pipeline.objects.create(name="New business", external_id="p-new")
    qualified = Stage.objects.create(pipeline=pipeline, name="Qualified", position=1, probability=Decimal("0.1"),
                                     external_id="st-q")
    demo = Stage.objects.create(pipeline=pipeline, name="Demo", position=2, probability=Decimal("0.5"),
                                external_id="st-d")
    campaign = Campaign.objects.create(name="C1", channel="email", external_id="cmp-1")
    crm.campaign_add_spend(campaign=campaign, spent_on=at("2025-01-01 00:00").date(), amount=Decimal("300"))
    crm.campaign_add_spend(campaign=campaign, spent_on=at("2025-02-01 00:00").date(), amount=Decimal("200"))
    acme = crm.company_create(name="Acme", created_at=at("2024-12-01 00:00"), external_id="co-acme")
    c1 = crm.contact_create(first_name="C1", company=acme, source_campaign=campaign, created_at=at("2024-12-01 00:00"))
    c2 = crm.contact_create(first_name="C2", source_campaign=campaign, created_at=at("2025-01-05 00:00"))
    c3 = crm.contact_create(first_name="C3", created_at=at("2025-01-06 00:00"))

    def deal(title: str, owner: User, contact: Contact, amount: str, created: str, **extra: object) -> Deal:
        return crm.deal_create(title=title, pipeline_stage=qualified, contact=contact, owner=owner,
                               amount=Decimal(amount), created_at=at(created), **extra)

    d1 = deal("d1", alice, c1, "1000", "2025-01-01 10:00", company=acme, campaign=campaign)
    crm.deal_move_stage(deal=d1, stage=demo, at=at("2025-01-05 10:00"))
    crm.deal_close(deal=d1, won=True, at=at("2025-01-11 10:00"))
    d2 = deal("d2", alice, c1, "500", "2025-01-02 00:00", company=acme, kind="upsell")
    crm.deal_close(deal=d2, won=True, at=at("2025-01-22 00:00"))
    d3 = deal("d3", bob, c3, "2000", "2025-01-03 00:00")
    crm.deal_close(deal=d3, won=False, at=at("2025-01-13 00:00"))
    d4 = deal("d4", bob, c3, "300", "2025-01-10 00:00", currency="EUR", exchange_rate=Decimal("1.1"))
    crm.deal_move_stage(deal=d4, stage=demo, at=at("2025-01-20 00:00"))
    d5 = deal("d5", bob, c2, "400", "2025-02-01 00:00", campaign=campaign)
    crm.deal_close(deal=d5, won=True, at=at("2025-02-10 00:00"))
    crm.customer_set_churn(customer=c2, churned_at=at("2025-03-10 00:00"), reason="budget")
    return SalesBusiness(alice=alice, bob=bob, pipeline=pipeline, qualified=qualified, demo=demo,
                         campaign=campaign, acme=acme, deals={"d1": d1, "d2": d2, "d3": d3, "d4": d4, "d5": d5},
                         contacts={"c1": c1, "c2": c2, "c3": c3})
