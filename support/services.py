"""Every write to tickets and their threads.

Keeps the derived fields (first response, SLA due times) and marks the KPI days each change touches.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import events
from crm.concurrency import check_version
from crm.models import Contact, User
from kpis.dirty import DirtySet
from support.models import (
    DEFAULT_SLA_HOURS,
    RESOLVED_STATUSES,
    MessageAuthor,
    SlaPolicy,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from support.threads import reply_waiting_since


def sla_hours(priority: str) -> tuple[int, int]:
    """(first response, resolution) target hours in force now for a priority."""
    policy = SlaPolicy.objects.filter(priority=priority).first()
    if policy is None:
        return DEFAULT_SLA_HOURS[priority]
    return policy.first_response_hours, policy.resolution_hours


def ticket_dirty_days(ticket: Ticket) -> DirtySet:
    """The days whose measures depend on this ticket as it stands now."""
    dirty = DirtySet()
    dirty.add("tickets", ticket.created_at, ticket.resolved_at, ticket.first_response_at)
    agent_reply_times = ticket.messages.filter(author=MessageAuthor.AGENT, public=True).values_list("at", flat=True)
    dirty.add("replies", *agent_reply_times)
    return dirty


def first_response_at(ticket: Ticket) -> datetime | None:
    return (
        ticket.messages.filter(author=MessageAuthor.AGENT, public=True).order_by("at").values_list("at", flat=True)
    ).first()


@transaction.atomic
def ticket_create(
    *,
    subject: str,
    contact: Contact,
    priority: str,
    channel: str,
    assignee: User | None = None,
    created_at: datetime | None = None,
    body: str = "",
    external_id: str | None = None,
) -> Ticket:
    """Open a ticket, fixing its SLA due times from the policy now in force; `body` is the customer's message."""
    created_at = created_at or timezone.now()
    first_hours, resolution_hours = sla_hours(priority)
    ticket = Ticket(
        external_id=external_id, subject=subject, contact=contact, priority=priority, channel=channel,
        assignee=assignee, created_at=created_at, status=TicketStatus.NEW,
        first_response_due_at=created_at + timedelta(hours=first_hours),
        resolution_due_at=created_at + timedelta(hours=resolution_hours),
    )
    ticket.full_clean()
    ticket.save()
    if body:
        TicketMessage.objects.create(ticket=ticket, at=created_at, author=MessageAuthor.CUSTOMER, public=True,
                                     body=body)
    ticket_dirty_days(ticket).save()
    return ticket


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def thread_refresh_waits(*, ticket: Ticket) -> DirtySet:
    """Recompute `waiting_since` along the whole thread; returns the reply days whose wait changed.

    A message added anywhere in the thread (a backdated reply, a late customer message) can change
    the wait of every later reply, so the thread is walked again; it is short.
    """
    messages = list(ticket.messages.order_by("at", "id"))
    waits = reply_waiting_since(ticket.created_at, [(m.at, m.author, m.public) for m in messages])
    dirty = DirtySet()
    changed = []
    for message, waiting_since in zip(messages, waits, strict=True):
        if message.waiting_since != waiting_since:
            message.waiting_since = waiting_since
            changed.append(message)
            dirty.add("replies", message.at)
    TicketMessage.objects.bulk_update(changed, ["waiting_since"])
    return dirty


@transaction.atomic
def ticket_add_message(
    *,
    ticket: Ticket,
    author: str,
    body: str,
    public: bool = True,
    user: User | None = None,
    at: datetime | None = None,
) -> TicketMessage:
    """Add a customer message, a public agent reply or an internal note.

    A public agent reply may become the ticket's first response and moves a new ticket to pending
    (waiting on the customer); a customer message on a pending ticket makes it open again.
    """
    at = at or timezone.now()
    ticket = _lock(ticket)
    if at < ticket.created_at:
        raise ValidationError({"at": _("A message cannot be dated before the ticket was created.")})
    if author == MessageAuthor.CUSTOMER and not public:
        raise ValidationError({"public": _("Only agents write internal notes.")})
    message = TicketMessage(ticket=ticket, at=at, author=author, public=public, user=user, body=body)
    message.full_clean()
    message.save()
    dirty = thread_refresh_waits(ticket=ticket)
    if author == MessageAuthor.AGENT and public:
        if ticket.first_response_at is None or at < ticket.first_response_at:
            dirty.add("tickets", ticket.first_response_at, at, ticket.resolved_at)
            ticket.first_response_at = at
        if ticket.status in (TicketStatus.NEW, TicketStatus.OPEN):
            ticket.status = TicketStatus.PENDING
    elif author == MessageAuthor.CUSTOMER and ticket.status == TicketStatus.PENDING:
        ticket.status = TicketStatus.OPEN
    ticket.save(update_fields=["first_response_at", "status", "updated_at"])
    dirty.save()
    return message


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, at: datetime | None = None, close: bool = False,
                   expected_version: int | None = None) -> Ticket:
    """Resolve (or close) a ticket at `at`."""
    at = at or timezone.now()
    ticket = _lock(ticket)
    check_version(ticket, expected_version)
    if ticket.status in RESOLVED_STATUSES:
        raise ValidationError({"status": _("The ticket is already resolved.")})
    if at < ticket.created_at:
        raise ValidationError({"resolved_at": _("A ticket cannot be resolved before it was created.")})
    ticket.status = TicketStatus.CLOSED if close else TicketStatus.RESOLVED
    ticket.resolved_at = at
    ticket.save(update_fields=["status", "resolved_at", "updated_at"])
    dirty = DirtySet()
    dirty.add("tickets", at)
    dirty.save()
    events.ticket_resolved(ticket_id=ticket.pk)
    return ticket


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, expected_version: int | None = None) -> Ticket:
    """Reopen a resolved ticket: its resolution time is cleared and its old resolution day recomputed."""
    ticket = _lock(ticket)
    check_version(ticket, expected_version)
    if ticket.status not in RESOLVED_STATUSES:
        raise ValidationError({"status": _("Only a resolved or closed ticket can be reopened.")})
    dirty = DirtySet()
    dirty.add("tickets", ticket.resolved_at)
    ticket.status = TicketStatus.OPEN
    ticket.resolved_at = None
    ticket.save(update_fields=["status", "resolved_at", "updated_at"])
    dirty.save()
    events.ticket_reopened(ticket_id=ticket.pk)
    return ticket


@transaction.atomic
def ticket_update(*, ticket: Ticket, expected_version: int | None = None, **changes: object) -> Ticket:
    """Change a ticket's subject, assignee, priority or channel; every day it counts on is recomputed."""
    allowed = {"subject", "assignee", "priority", "channel", "contact"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"ticket_update cannot change {', '.join(sorted(unknown))}")
    ticket = _lock(ticket)
    check_version(ticket, expected_version)
    dirty = ticket_dirty_days(ticket)
    # Survey responses about the ticket are broken down by its assignee and channel.
    dirty.add("surveys", *ticket.survey_responses.values_list("answered_at", flat=True))
    for field, value in changes.items():
        setattr(ticket, field, value)
    ticket.full_clean()
    ticket.save()
    dirty.save()
    return ticket
