"""Which local days of which KPI family a change touches: the one definition, for services and importer.

Each rule takes the records a write is about to change or has just changed (a queryset, so one rule
serves one record from a service and a batch of thousands from the importer) and answers the days
whose snapshot rows depend on them, as they stand when the rule runs. A service takes the days before
its change and after it; a delete takes them before. Marking a day that turns out unchanged costs one
recomputation; missing one leaves a wrong number, so the rules err on the side of more days.

Rules register themselves with `core.dirtying` when the kpis app loads (`kpis/apps.py`); the apps
below kpis call them by name.
"""

from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import QuerySet

from core import dirtying
from crm.kpi_sources import DealStatus
from kpis.dirty import DirtySet
from support.kpi_sources import public_agent_replies

Moment = datetime | date | None


def _on_their_days(family: str, moments: Iterable[Moment]) -> DirtySet:
    """The rule of the changes that name their moments: each counts on its own local day, in one family."""
    dirty = DirtySet()
    dirty.add(family, *moments)
    return dirty


@dirtying.rule("deals")
def deal_days(deals: QuerySet) -> DirtySet:
    """A deal counts on its creation and close days, on each stage entry's and exit's day, and, when won,
    on its customer's days: its win may be (or stop being) the customer's first, which also decides
    whether and how the customer's churn counts."""
    dirty = DirtySet()
    won_ids: set[int] = set()
    won_companies: set[int] = set()
    won_contacts: set[int] = set()
    moments: list[datetime | None] = []  # added at once: a batch of the importer has thousands
    for pk, created_at, closed_at, status, company_id, contact_id in deals.values_list(
            "pk", "created_at", "closed_at", "status", "company_id", "contact_id").iterator():
        moments += (created_at, closed_at)
        if status == DealStatus.WON:
            dirty.add("customers", closed_at)
            won_ids.add(pk)
            (won_companies if company_id else won_contacts).add(company_id or contact_id)
    dirty.add("deals", *moments)
    entries = deals.filter(stage_entries__isnull=False).values_list(
        "stage_entries__entered_at", "stage_entries__exited_at")
    dirty.add("stages", *(moment for entry in entries.iterator() for moment in entry))
    if won_ids:
        dirty.update(_customer_first_win_days(deals, won_ids, won_companies, won_contacts))
    return dirty


def _customer_first_win_days(deals: QuerySet, won_ids: set[int], companies: set[int],
                             contacts: set[int]) -> DirtySet:
    """Each customer's first win among its other won deals, and its churn day: moving, reopening or deleting
    a won deal can hand the first win to one of them."""
    dirty = DirtySet()
    all_deals = deals.model.objects.filter(status=DealStatus.WON).exclude(pk__in=won_ids)
    groups = (
        ("company_id", all_deals.filter(company_id__in=companies), companies, "company"),
        ("contact_id", all_deals.filter(contact_id__in=contacts, company__isnull=True), contacts, "contact"),
    )
    for key, others, ids, relation in groups:
        if not ids:
            continue
        dirty.add("customers", *_first_closes(others, key))
        customers = deals.model._meta.get_field(relation).related_model.objects.filter(pk__in=ids)
        dirty.add("customers", *customers.values_list("churned_at", flat=True))
    return dirty


def _first_closes(won: QuerySet, key: str) -> list[datetime]:
    """Each customer's earliest close among these won deals, `key` naming the customer column."""
    firsts: dict[int, datetime] = {}
    for customer_id, closed_at in won.order_by(key, "closed_at", "id").values_list(key, "closed_at"):
        firsts.setdefault(customer_id, closed_at)
    return list(firsts.values())


@dirtying.rule("stage_moves")
def stage_move_days(moments: Iterable[Moment]) -> DirtySet:
    """A stage move closes one stay and opens the next at the same moment."""
    return _on_their_days("stages", moments)


@dirtying.rule("stages")
def stage_days(stages: QuerySet) -> DirtySet:
    """A stage's win probability weights every stay in it, over all of history."""
    dirty = DirtySet()
    entries = stages.filter(entries__isnull=False).values_list("entries__entered_at", "entries__exited_at")
    dirty.add("stages", *(moment for entry in entries.iterator() for moment in entry))
    return dirty


@dirtying.rule("customers")
def customer_days(customers: QuerySet) -> DirtySet:
    """A company or contact as a customer: its churn day and its first win's day (churn before the first
    win is ignored, so both move together). A contact's own deals count only without a company."""
    dirty = DirtySet()
    dirty.add("customers", *customers.values_list("churned_at", flat=True))
    won = customers.model.deals.field.model.objects.filter(status=DealStatus.WON)
    if customers.model._meta.model_name == "company":
        won, key = won.filter(company__in=customers), "company_id"
    else:
        won, key = won.filter(contact__in=customers, company__isnull=True), "contact_id"
    dirty.add("customers", *_first_closes(won, key))
    return dirty


@dirtying.rule("contacts")
def contact_days(contacts: QuerySet) -> DirtySet:
    """A contact is a lead on its creation day (for its source campaign), maybe a customer, the contact of
    won deals (whose customer it is when they have no company), and the answerer of surveys."""
    dirty = DirtySet()
    dirty.add("campaigns", *contacts.values_list("created_at", flat=True))
    dirty.update(customer_days(contacts))
    won_deals = contacts.model.deals.field.model.objects.filter(contact__in=contacts, status=DealStatus.WON)
    dirty.update(deal_days(won_deals))
    dirty.add("surveys", *contacts.filter(survey_invitations__isnull=False)
              .values_list("survey_invitations__sent_at", flat=True))
    dirty.add("surveys", *contacts.filter(survey_responses__isnull=False)
              .values_list("survey_responses__answered_at", flat=True))
    return dirty


@dirtying.rule("companies")
def company_days(companies: QuerySet) -> DirtySet:
    """A company is a customer through its won deals and its churn."""
    dirty = customer_days(companies)
    dirty.update(deal_days(companies.model.deals.field.model.objects.filter(
        company__in=companies, status=DealStatus.WON)))
    return dirty


@dirtying.rule("campaigns")
def campaign_days(campaigns: QuerySet) -> DirtySet:
    """A campaign counts on its spend dates, its leads' creation days and its deals' days (revenue, ROI,
    and the first wins it acquired)."""
    dirty = DirtySet()
    dirty.add("campaigns", *campaigns.filter(spend_entries__isnull=False)
              .values_list("spend_entries__date", flat=True))
    dirty.add("campaigns", *campaigns.filter(leads__isnull=False).values_list("leads__created_at", flat=True))
    dirty.update(deal_days(campaigns.model.deals.field.model.objects.filter(campaign__in=campaigns)))
    return dirty


@dirtying.rule("spend_dates")
def spend_days(dates: Iterable[Moment]) -> DirtySet:
    """Spend counts on its own date."""
    return _on_their_days("campaigns", dates)


@dirtying.rule("tickets")
def ticket_days(tickets: QuerySet) -> DirtySet:
    """A ticket counts on its creation, first response and resolution days, each public agent reply's day
    (reply waits), and the days of the survey answers about it (broken down by its assignee and channel)."""
    dirty = DirtySet()
    dirty.add("tickets", *(moment for row in tickets.values_list(
        "created_at", "first_response_at", "resolved_at").iterator() for moment in row))
    replies = public_agent_replies().filter(ticket__in=tickets)
    dirty.add("replies", *replies.values_list("at", flat=True))
    dirty.add("surveys", *tickets.filter(survey_responses__isnull=False)
              .values_list("survey_responses__answered_at", flat=True))
    return dirty


@dirtying.rule("ticket_moments")
def ticket_moment_days(moments: Iterable[Moment]) -> DirtySet:
    """A ticket's created, first-response or resolution moment set or cleared."""
    return _on_their_days("tickets", moments)


@dirtying.rule("reply_moments")
def reply_moment_days(moments: Iterable[Moment]) -> DirtySet:
    """Replies whose wait changed count on their own day."""
    return _on_their_days("replies", moments)


@dirtying.rule("surveys")
def survey_days(surveys: QuerySet) -> DirtySet:
    """A survey counts on the days its invitations were sent and its answers given."""
    dirty = DirtySet()
    dirty.add("surveys", *surveys.filter(invitations__isnull=False).values_list("invitations__sent_at", flat=True))
    dirty.add("surveys", *surveys.filter(responses__isnull=False).values_list("responses__answered_at", flat=True))
    return dirty


@dirtying.rule("invitations")
def invitation_days(invitations: QuerySet) -> DirtySet:
    """An invitation counts on its sending day, and its answer on the answer's day."""
    dirty = DirtySet()
    dirty.add("surveys", *invitations.values_list("sent_at", flat=True))
    dirty.add("surveys", *invitations.filter(response__isnull=False).values_list("response__answered_at", flat=True))
    return dirty


@dirtying.rule("answer_moments")
def answer_moment_days(moments: Iterable[Moment]) -> DirtySet:
    """An answer's score changed in place: only the day it was given (its invitation still has a response)."""
    return _on_their_days("surveys", moments)


@dirtying.rule("responses")
def response_days(responses: QuerySet) -> DirtySet:
    """An answer counts on its own day, and as its invitation's response on the sending day."""
    dirty = DirtySet()
    dirty.add("surveys", *responses.values_list("answered_at", flat=True))
    dirty.add("surveys", *responses.filter(invitation__isnull=False).values_list("invitation__sent_at", flat=True))
    return dirty
