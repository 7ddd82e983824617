"""Drill-down: the operational records behind a KPI's number, read through each app's selectors.

A range of local dates [start, end] becomes the instants [midnight of start, midnight after end) in
the business's zone, the same days the roll-up files each record under.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Model, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.selectors import won_deals_closed_between
from kpis.dirty import business_zone
from support.selectors import tickets_breaching_sla_resolved_between
from surveys.selectors import nps_detractors_answered_between


def local_day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[midnight of `start`, midnight after `end`) in the business's zone, as aware instants."""
    zone = business_zone()
    return (datetime.combine(start, time.min, tzinfo=zone),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone))


@dataclass(frozen=True)
class Column:
    key: str  # the CSV header
    label: Promise
    kind: str = "text"  # "text", "money", "instant", "number"


@dataclass(frozen=True)
class Drilldown:
    """Which records stand behind a KPI, how to filter them by a breakdown member, and how to show them."""

    kpi_key: str
    title: Promise
    explanation: Promise
    filters: Mapping[str, str]  # breakdown dimension → keyword of the selector
    fetch: Callable[..., QuerySet]
    columns: tuple[Column, ...]
    row: Callable[[Model], list[object]]
    admin_view: str  # admin URL name of a record's change page
    money_field: str | None = None  # summed for the total shown above the list

    @property
    def dimensions(self) -> tuple[str, ...]:
        return tuple(self.filters)

    def records(self, *, start: date, end: date, dimension: str | None = None,
                member: str | None = None) -> QuerySet:
        start_at, end_at = local_day_bounds(start, end)
        extra = {self.filters[dimension]: member} if dimension in self.filters and member is not None else {}
        return self.fetch(start_at=start_at, end_at=end_at, **extra)

    def totals(self, records: QuerySet) -> dict[str, object]:
        aggregates: dict[str, object] = {"count": Count("pk")}
        if self.money_field:
            aggregates["amount"] = Sum(self.money_field)
        return records.aggregate(**aggregates)


def _deal_row(deal: Model) -> list[object]:
    return [deal.title, str(deal.owner) if deal.owner_id else "", deal.pipeline.name,
            deal.campaign.name if deal.campaign_id else "", deal.get_kind_display(), deal.created_at, deal.closed_at,
            deal.amount_base]


DEAL_COLUMNS = (
    Column("deal", _("Deal")), Column("owner", _("Owner")), Column("pipeline", _("Pipeline")),
    Column("campaign", _("Campaign")), Column("kind", _("Kind")), Column("created_at", _("Created"), "instant"),
    Column("closed_at", _("Won"), "instant"), Column("amount", _("Amount"), "money"),
)
DEAL_FILTERS = {"owner": "owner", "team": "team", "pipeline": "pipeline", "campaign": "campaign",
                "deal_kind": "kind"}


def _breach_of(ticket: Model) -> str:
    late = []
    first_response = ticket.first_response_at or ticket.resolved_at
    if first_response > ticket.first_response_due_at:
        late.append(gettext("first response"))
    if ticket.resolved_at > ticket.resolution_due_at:
        late.append(gettext("resolution"))
    return ", ".join(late)


def _ticket_row(ticket: Model) -> list[object]:
    return [ticket.subject, ticket.get_priority_display(), ticket.get_channel_display(),
            str(ticket.assignee) if ticket.assignee_id else "", ticket.created_at, ticket.first_response_at,
            ticket.resolved_at, _breach_of(ticket)]


def _response_row(response: Model) -> list[object]:
    ticket = response.ticket
    return [str(response.contact), response.survey.name, response.score, response.comment, response.answered_at,
            ticket.subject if ticket else "", str(ticket.assignee) if ticket and ticket.assignee_id else ""]


DRILLDOWNS: dict[str, Drilldown] = {
    "revenue": Drilldown(
        "revenue", _("Won deals"),
        _("Deals won in the period; their amounts in the base currency add up to the revenue."),
        DEAL_FILTERS, won_deals_closed_between, DEAL_COLUMNS, _deal_row, "admin:crm_deal_change", "amount_base",
    ),
    "deals_won": Drilldown(
        "deals_won", _("Won deals"), _("Deals won in the period."),
        DEAL_FILTERS,
        won_deals_closed_between, DEAL_COLUMNS, _deal_row, "admin:crm_deal_change", "amount_base",
    ),
    "sla_breach_rate": Drilldown(
        "sla_breach_rate", _("Tickets that breached their SLA"),
        _("Tickets resolved in the period whose first response or resolution came after the SLA target."),
        {"assignee": "assignee", "team": "team", "priority": "priority", "channel": "channel"},
        tickets_breaching_sla_resolved_between,
        (Column("ticket", _("Ticket")), Column("priority", _("Priority")), Column("channel", _("Channel")),
         Column("assignee", _("Assignee")), Column("created_at", _("Created"), "instant"),
         Column("first_response_at", _("First response"), "instant"),
         Column("resolved_at", _("Resolved on"), "instant"), Column("breached", _("Late"))),
        _ticket_row, "admin:support_ticket_change",
    ),
    "nps": Drilldown(
        "nps", _("Detractors"), _("NPS answers of 0 to 6 given in the period: the detractors that lower the score."),
        {"survey": "survey", "assignee": "assignee", "team": "team", "channel": "channel"},
        nps_detractors_answered_between,
        (Column("contact", _("Contact")), Column("survey", _("Survey")), Column("score", _("Score"), "number"),
         Column("comment", _("Comment")), Column("answered_at", _("Answered"), "instant"),
         Column("ticket", _("Ticket")), Column("assignee", _("Assignee"))),
        _response_row, "admin:surveys_response_change",
    ),
}


def drilldown_for(kpi_key: str | None) -> Drilldown | None:
    return DRILLDOWNS.get(kpi_key) if kpi_key else None
