"""Reads of tickets shaped for pages."""

from datetime import datetime

from django.db.models import F, Q, QuerySet

from support.models import Ticket

# A ticket breached its SLA when its first response or its resolution came after its due time; a
# ticket never answered measures its first response at its resolution. The KPI roll-up counts the
# same condition (kpis/rollup.py, compute_tickets).
SLA_BREACHED = (
    Q(resolved_at__gt=F("resolution_due_at"))
    | Q(first_response_at__gt=F("first_response_due_at"))
    | Q(first_response_at__isnull=True, resolved_at__gt=F("first_response_due_at"))
)


def tickets_breaching_sla_resolved_between(*, start_at: datetime, end_at: datetime, assignee: str | None = None,
                                           team: str | None = None, priority: str | None = None,
                                           channel: str | None = None) -> QuerySet[Ticket]:
    """Tickets with `start_at <= resolved_at < end_at` that breached their SLA, newest first: the records
    behind the SLA breach rate. Filters take the KPI breakdown ids (username, team name, codes)."""
    tickets = (Ticket.objects.filter(SLA_BREACHED, resolved_at__gte=start_at, resolved_at__lt=end_at)
               .select_related("assignee", "contact").order_by("-resolved_at", "-id"))
    if assignee is not None:
        tickets = tickets.filter(assignee__username=assignee)
    if team is not None:
        tickets = tickets.filter(assignee__team__name=team)
    if priority is not None:
        tickets = tickets.filter(priority=priority)
    if channel is not None:
        tickets = tickets.filter(channel=channel)
    return tickets
