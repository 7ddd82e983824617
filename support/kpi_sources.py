"""What the KPI engine reads from support: tickets and their messages, the SLA-breach rule, and the choices
the service KPIs break down by. kpis reads support through this module (and `support.selectors` for its
record lists), never through support's models."""

from django.db.models import QuerySet

from support.models import Channel, MessageAuthor, Priority, Ticket, TicketMessage
from support.selectors import SLA_BREACHED

__all__ = ["SLA_BREACHED", "Channel", "Priority", "agent_replies", "public_agent_replies", "tickets"]


def tickets() -> QuerySet[Ticket]:
    return Ticket.objects.all()


def public_agent_replies() -> QuerySet[TicketMessage]:
    """Agents' public replies: each one's `at` may be a first response, and a reply wait when it answered a
    waiting customer (`waiting_since`, derived along the thread when messages are written)."""
    return TicketMessage.objects.filter(author=MessageAuthor.AGENT, public=True)


def agent_replies() -> QuerySet[TicketMessage]:
    """The public agent replies that answered a waiting customer: the reply-time KPI's rows."""
    return public_agent_replies().filter(waiting_since__isnull=False)
