"""Every write to tickets and their threads.

Keeps the derived fields (first response, SLA due times) and marks the KPI days each change touches.
"""

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core import dirtying, events
from core.concurrency import check_version
from core.dirtying import DaySet
from crm.models import Contact, User
from crm.services import contact_create
from support.models import (
    DEFAULT_SLA_HOURS,
    RESOLVED_STATUSES,
    Channel,
    DeliveryStatus,
    MessageAuthor,
    Priority,
    SlaPolicy,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from support.outbound import new_message_id
from support.threads import reply_waiting_since

# Errors kept on a message are the mail server's answer; anything longer is cut.
DELIVERY_ERROR_MAX_CHARS = 2000


def sla_hours(priority: str) -> tuple[int, int]:
    """(first response, resolution) target hours in force now for a priority."""
    policy = SlaPolicy.objects.filter(priority=priority).first()
    if policy is None:
        return DEFAULT_SLA_HOURS[priority]
    return policy.first_response_hours, policy.resolution_hours


def ticket_dirty_days(ticket: Ticket) -> DaySet:
    """The KPI days this ticket counts on as it stands now (the KPI engine's rule, through core.dirtying)."""
    return dirtying.days_of("tickets", Ticket.objects.filter(pk=ticket.pk))


def new_ticket_token() -> str:
    """128 random bits in lower-case hex: safe in an email address's local part, whatever its case rules."""
    return secrets.token_hex(16)


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
        assignee=assignee, created_at=created_at, status=TicketStatus.NEW, token=new_ticket_token(),
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


def thread_refresh_waits(*, ticket: Ticket) -> list[datetime]:
    """Recompute `waiting_since` along the whole thread; returns the times of the replies whose wait changed.

    A message added anywhere in the thread (a backdated reply, a late customer message) can change
    the wait of every later reply, so the thread is walked again; it is short.
    """
    messages = list(ticket.messages.order_by("at", "id"))
    waits = reply_waiting_since(ticket.created_at, [(m.at, m.author, m.public) for m in messages])
    changed = []
    for message, waiting_since in zip(messages, waits, strict=True):
        if message.waiting_since != waiting_since:
            message.waiting_since = waiting_since
            changed.append(message)
    TicketMessage.objects.bulk_update(changed, ["waiting_since"])
    return [message.at for message in changed]


@transaction.atomic
def ticket_add_message(
    *,
    ticket: Ticket,
    author: str,
    body: str,
    public: bool = True,
    user: User | None = None,
    at: datetime | None = None,
    message_id: str | None = None,
) -> TicketMessage:
    """Add a customer message, a public agent reply or an internal note.

    A public agent reply may become the ticket's first response and moves a new ticket to pending
    (waiting on the customer); a customer message on a pending ticket makes it open again.
    A public agent reply is emailed to the contact after commit (`ticket_reply_posted`): it gets its
    Message-ID now and stays `queued` until the mail server has it. Internal notes are never emailed.
    `message_id` is the Message-ID of a customer's message that came by email.
    """
    at = at or timezone.now()
    ticket = _lock(ticket)
    if at < ticket.created_at:
        raise ValidationError({"at": _("A message cannot be dated before the ticket was created.")})
    if author == MessageAuthor.CUSTOMER and not public:
        raise ValidationError({"public": _("Only agents write internal notes.")})
    emailed = author == MessageAuthor.AGENT and public
    message = TicketMessage(ticket=ticket, at=at, author=author, public=public, user=user, body=body,
                            message_id=new_message_id() if emailed else message_id,
                            delivery_status=DeliveryStatus.QUEUED if emailed else "")
    message.full_clean()
    message.save()
    dirty = dirtying.days_of("reply_moments", thread_refresh_waits(ticket=ticket))
    if author == MessageAuthor.AGENT and public:
        if ticket.first_response_at is None or at < ticket.first_response_at:
            dirty.update(dirtying.days_of("ticket_moments", [ticket.first_response_at, at, ticket.resolved_at]))
            ticket.first_response_at = at
        if ticket.status in (TicketStatus.NEW, TicketStatus.OPEN):
            ticket.status = TicketStatus.PENDING
    elif author == MessageAuthor.CUSTOMER and ticket.status == TicketStatus.PENDING:
        ticket.status = TicketStatus.OPEN
    ticket.save(update_fields=["first_response_at", "status", "updated_at"])
    dirty.save()
    if emailed:
        events.ticket_reply_posted(message_id=message.pk)
    return message


def ticket_reply_token(*, ticket: Ticket) -> str:
    """The ticket's reply token; one is made now for a ticket that has none (an imported one). No version
    bump and no history: the token is not something people change or read."""
    if ticket.token:
        return ticket.token
    Ticket.objects.filter(pk=ticket.pk, token__isnull=True).update(token=new_ticket_token())
    ticket.token = Ticket.objects.values_list("token", flat=True).get(pk=ticket.pk)
    return ticket.token


def message_delivery_sent(*, message_id: int, at: datetime | None = None) -> bool:
    """The mail server accepted the reply's email; False when it was not queued (sent already, or failed)."""
    return TicketMessage.objects.filter(pk=message_id, delivery_status=DeliveryStatus.QUEUED).update(
        delivery_status=DeliveryStatus.SENT, sent_at=at or timezone.now(), delivery_error="") == 1


def message_delivery_failed(*, message_id: int, error: str, final: bool) -> bool:
    """An attempt to email the reply failed with `error`, which is kept; after the last attempt (`final`)
    the reply is `failed`, else it stays queued for the next one. False when it was not queued."""
    changes: dict[str, object] = {"delivery_error": error[:DELIVERY_ERROR_MAX_CHARS]}
    if final:
        changes["delivery_status"] = DeliveryStatus.FAILED
    return TicketMessage.objects.filter(pk=message_id, delivery_status=DeliveryStatus.QUEUED).update(
        **changes) == 1


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
    dirtying.mark("ticket_moments", [at])
    events.ticket_resolved(ticket_id=ticket.pk)
    return ticket


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, expected_version: int | None = None) -> Ticket:
    """Reopen a resolved ticket: its resolution time is cleared and its old resolution day recomputed."""
    ticket = _lock(ticket)
    check_version(ticket, expected_version)
    if ticket.status not in RESOLVED_STATUSES:
        raise ValidationError({"status": _("Only a resolved or closed ticket can be reopened.")})
    dirty = dirtying.days_of("ticket_moments", [ticket.resolved_at])
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
    # The rule includes the survey answers about the ticket: they are broken down by its assignee and channel.
    dirty = ticket_dirty_days(ticket)
    for field, value in changes.items():
        setattr(ticket, field, value)
    ticket.full_clean()
    ticket.save()
    dirty.save()
    return ticket


@transaction.atomic
def ticket_delete(*, tickets: QuerySet[Ticket]) -> int:
    """Delete tickets with their threads; their days, and those of the survey answers about them (which stay,
    without the ticket's assignee and channel), are recomputed. Returns how many were deleted."""
    dirty = dirtying.days_of("tickets", tickets)
    count = tickets.count()
    tickets.delete()
    dirty.save()
    return count


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee: User | None, expected_version: int | None = None) -> Ticket:
    """Give a ticket to an agent, or to nobody. Who may assign whom is the caller's check
    (`crm.permissions.can_assign_ticket`). The ticket's days are recomputed under the new assignee;
    assigning the current assignee again changes nothing."""
    current = _lock(ticket)
    check_version(current, expected_version)
    if current.assignee_id == (assignee.pk if assignee is not None else None):
        return current
    return ticket_update(ticket=current, assignee=assignee)


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, expected_version: int | None = None) -> Ticket:
    """Move a ticket between statuses on one side of resolution: open and pending (or new, while it still
    is), or resolved and closed. Crossing that line goes through `ticket_resolve` and `ticket_reopen`.

    No KPI reads the status itself (the backlog counts creation and resolution times), so no day is marked.
    """
    current = _lock(ticket)
    check_version(current, expected_version)
    if status not in TicketStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if (status in RESOLVED_STATUSES) != (current.status in RESOLVED_STATUSES):
        raise ValidationError({"status": _("Resolve or reopen the ticket to make this change.")})
    if status == TicketStatus.NEW and current.status != TicketStatus.NEW:
        raise ValidationError({"status": _("A ticket someone has worked on cannot become new again.")})
    if status == current.status:
        return current
    current.status = status
    current.save(update_fields=["status", "updated_at"])
    return current


@transaction.atomic
def ticket_change_status(*, ticket: Ticket, status: str, expected_version: int | None = None) -> Ticket:
    """The status control of the ticket page: resolving, closing and reopening go through `ticket_resolve`
    and `ticket_reopen` (so their times, KPI days and follow-ups are kept); other moves through
    `ticket_set_status`."""
    current = _lock(ticket)
    check_version(current, expected_version)
    was_resolved = current.status in RESOLVED_STATUSES
    if status in RESOLVED_STATUSES and not was_resolved:
        return ticket_resolve(ticket=current, close=status == TicketStatus.CLOSED)
    if status not in RESOLVED_STATUSES and was_resolved:
        if status == TicketStatus.NEW:
            raise ValidationError({"status": _("A ticket someone has worked on cannot become new again.")})
        current = ticket_reopen(ticket=current)
    return ticket_set_status(ticket=current, status=status)


def _contact_for_email(*, email: str, name: str, language: str = "en") -> Contact:
    """The contact writing from `email` (any letter case; the oldest when several share it), else a new one
    who reads `language` (the language of the page or message they wrote in)."""
    contact = Contact.objects.filter(email__iexact=email).order_by("created_at", "id").first()
    if contact is not None:
        return contact
    first_name, _space, last_name = " ".join(name.split()).partition(" ")
    return contact_create(first_name=first_name, last_name=last_name, email=email, language=language)


@transaction.atomic
def ticket_open_for_email(
    *,
    email: str,
    name: str = "",
    subject: str,
    body: str,
    channel: str,
    priority: str = Priority.NORMAL,
    assignee: User | None = None,
    language: str = "en",
) -> Ticket:
    """Open a ticket for whoever writes from `email`: their contact, found by address, or a new contact
    named `name` who reads `language`. `body` is the customer's first message."""
    contact = _contact_for_email(email=email, name=name, language=language)
    return ticket_create(subject=subject, contact=contact, priority=priority, channel=channel, assignee=assignee,
                         body=body)


@transaction.atomic
def ticket_submit_from_web(*, email: str, name: str, subject: str, body: str, language: str = "en") -> Ticket:
    """A customer's request from the public support form: a web ticket, confirmed by email after commit in
    the contact's language (a new contact gets the language of the form they filled in)."""
    ticket = ticket_open_for_email(email=email, name=name, subject=subject, body=body, channel=Channel.WEB,
                                   language=language)
    events.ticket_submitted(ticket_id=ticket.pk)
    return ticket
