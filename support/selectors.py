"""Reads of tickets shaped for pages."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import search
from core.timeline import TimelineEntry
from crm.models import Contact, Role, User
from support.models import RESOLVED_STATUSES, Attachment, DeliveryStatus, MessageAuthor, Priority, Ticket, TicketMessage
from support.permissions import can_read_tickets

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


# Pages: the queues, a ticket's page and its history.

QUEUE_LABELS: dict[str, str] = {
    "mine": _("Mine"),
    "unassigned": _("Unassigned"),
    "open": _("Open"),
    "breaching": _("Breaching SLA"),
    "all": _("All tickets"),
}
DEFAULT_QUEUE = "open"

# Most urgent first when the list is sorted by priority (the stored codes sort alphabetically).
PRIORITY_RANK = Case(
    When(priority=Priority.URGENT, then=Value(0)),
    When(priority=Priority.HIGH, then=Value(1)),
    When(priority=Priority.NORMAL, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
UNRESOLVED = ~Q(status__in=RESOLVED_STATUSES)


def _past_due(now: datetime) -> Q:
    return Q(first_response_at__isnull=True, first_response_due_at__lt=now) | Q(resolution_due_at__lt=now)


def breaching_sla(now: datetime) -> Q:
    """Unresolved tickets past a due time without the thing that was due: no first response by its due
    time, or no resolution by its due time. These can still be helped; the KPI counts them when resolved."""
    return UNRESOLVED & _past_due(now)


def _queue_condition(queue: str, *, user: User, now: datetime) -> Q:
    conditions = {
        "mine": UNRESOLVED & Q(assignee=user),
        "unassigned": UNRESOLVED & Q(assignee__isnull=True),
        "open": UNRESOLVED,
        "breaching": breaching_sla(now),
        "all": Q(),
    }
    return conditions[queue]


def ticket_queue(*, user: User, queue: str, now: datetime | None = None) -> QuerySet[Ticket]:
    """One queue's tickets, with what a list row shows (contact, assignee) and `priority_rank` to sort by.
    Unknown queues are the default one. Callers check `can_work_tickets` first."""
    now = now or timezone.now()
    if queue not in QUEUE_LABELS:
        queue = DEFAULT_QUEUE
    return (Ticket.objects.filter(_queue_condition(queue, user=user, now=now))
            .select_related("contact", "assignee").annotate(priority_rank=PRIORITY_RANK)
            .order_by("-created_at", "-id"))


def queue_counts(*, user: User, now: datetime | None = None) -> dict[str, int]:
    """How many tickets each queue holds, in two queries: the working queues count only unresolved tickets
    (through the partial index `support_ticket_unresolved`, a few percent of all tickets), and "all" is a
    plain count, instead of one pass that filtered every ticket ever written."""
    now = now or timezone.now()
    # created_at (never null) is counted, not id: every column read is in the index.
    counts = Ticket.objects.filter(UNRESOLVED).aggregate(
        mine=Count("created_at", filter=Q(assignee=user)),
        unassigned=Count("created_at", filter=Q(assignee__isnull=True)),
        open=Count("created_at"), breaching=Count("created_at", filter=_past_due(now)))
    counts["all"] = Ticket.objects.count()
    return {queue: counts[queue] for queue in QUEUE_LABELS}


def ticket_for_page(*, pk: int) -> Ticket:
    """A ticket with its contact and assignee; 404 when there is none."""
    return get_object_or_404(Ticket.objects.select_related("contact", "contact__company", "assignee"), pk=pk)


def ticket_thread(*, ticket: Ticket) -> list[TicketMessage]:
    """Every message and internal note, oldest first, with its author and, for a customer's email, the email
    (whose whole text the page folds away under the new part) and its attachments."""
    return list(ticket.messages.select_related("user", "inbound_email").prefetch_related("attachments")
                .order_by("at", "id"))


def attachment_for_download(*, pk: int) -> Attachment:
    """A kept attachment with its message's ticket; 404 when there is none (or it was not kept)."""
    return get_object_or_404(Attachment.objects.select_related("message__ticket").exclude(file=""),
                             pk=pk, limit_mb__isnull=True)


def message_to_email(*, message_id: int) -> TicketMessage | None:
    """A public agent reply still waiting to be emailed, with its ticket, contact and author; None otherwise."""
    return (TicketMessage.objects.select_related("ticket__contact", "user").prefetch_related("attachments")
            .filter(pk=message_id, author=MessageAuthor.AGENT, public=True, delivery_status=DeliveryStatus.QUEUED)
            .first())


def earlier_message_ids(*, message: TicketMessage) -> list[str]:
    """The Message-IDs of the ticket's mails before `message` (the customer's and ours), oldest first."""
    return list(message.ticket.messages
                .filter(Q(at__lt=message.at) | Q(at=message.at, id__lt=message.pk), public=True,
                        message_id__isnull=False)
                .order_by("at", "id").values_list("message_id", flat=True))


def ticket_assignees() -> QuerySet[User]:
    """Everyone a manager may give a ticket to: active support staff, managers and admins."""
    return (User.objects.filter(is_active=True)
            .filter(Q(role__in=[Role.SUPPORT, Role.MANAGER, Role.ADMIN]) | Q(is_superuser=True))
            .order_by("full_name", "username"))


@dataclass(frozen=True)
class SlaTarget:
    """One SLA target of a ticket as the page shows it."""

    label: str
    due_at: datetime
    done_at: datetime | None
    now: datetime

    @property
    def met(self) -> bool | None:
        """True or False once done (on time or not); None while it is still pending."""
        return None if self.done_at is None else self.done_at <= self.due_at

    @property
    def overdue(self) -> bool:
        return self.done_at is None and self.now > self.due_at

    @property
    def seconds(self) -> int:
        """Time left (pending), or how far past the due time it is (overdue) or was done (late), or how
        early it was done: always positive, the state says which."""
        reference = self.done_at or self.now
        return int(abs((self.due_at - reference).total_seconds()))


def ticket_sla_targets(*, ticket: Ticket, now: datetime | None = None) -> list[SlaTarget]:
    """First response and resolution targets; an unanswered ticket that was resolved counts its first
    response at its resolution, as the SLA breach KPI does."""
    now = now or timezone.now()
    first_done = ticket.first_response_at or ticket.resolved_at
    return [
        SlaTarget(label=gettext("First response"), due_at=ticket.first_response_due_at, done_at=first_done,
                  now=now),
        SlaTarget(label=gettext("Resolution"), due_at=ticket.resolution_due_at, done_at=ticket.resolved_at, now=now),
    ]


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: object  # text, or a datetime the page writes in the reader's calendar
    new: object


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    user: User | None
    kind: str  # "+" created, "~" changed, "-" deleted
    changes: list[FieldChange] = field(default_factory=list)


def _shown(ticket_field: models.Field, value: object, users: dict[int, User]) -> object:
    """A stored value as the history shows it; a moment stays a datetime, which the page writes in the
    reader's calendar (`|shown_value`)."""
    if value is None or value == "":
        return "—"
    if ticket_field.name == "assignee":
        user = users.get(value)
        return str(user) if user is not None else f"#{value}"
    if ticket_field.is_relation:
        return f"#{value}"
    if ticket_field.choices:
        return str(dict(ticket_field.flatchoices).get(value, value))
    if isinstance(value, datetime):
        return value
    return str(value)


def ticket_history(*, ticket: Ticket) -> list[HistoryEntry]:
    """Who changed which field of the ticket and when, newest first: each record compared with the one
    before it. Two queries, however long the history."""
    records = list(ticket.history.select_related("history_user").order_by("history_date", "history_id"))
    assignee_ids = {record.assignee_id for record in records if record.assignee_id is not None}
    users = User.objects.in_bulk(assignee_ids) if assignee_ids else {}
    tracked = [f.name for f in Ticket.history.model.tracked_fields if f.name != "id"]
    derived = [f.name for f in Ticket.history.model.tracked_fields if not f.editable and f.name != "id"]
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            # diff_against leaves out fields people cannot edit; the derived ones the services write (the
            # first response) are compared here.
            changed = [(change.field, change.old, change.new) for change in delta.changes]
            changed += [(name, getattr(previous, name), getattr(record, name)) for name in derived
                        if getattr(previous, name) != getattr(record, name)]
            for name, old, new in sorted(changed, key=lambda change: tracked.index(change[0])):
                ticket_field = Ticket._meta.get_field(name)
                changes.append(FieldChange(field=capfirst(str(ticket_field.verbose_name)),
                                           old=_shown(ticket_field, old, users), new=_shown(ticket_field, new, users)))
        if previous is None or changes:
            entries.append(HistoryEntry(at=record.history_date, user=record.history_user,
                                        kind=record.history_type, changes=changes))
        previous = record
    entries.reverse()
    return entries


def search_tickets(*, user: object, words: Sequence[str], limit: int) -> search.Found:
    """Tickets whose subject holds every word, newest first, for those who read the ticket queues (the
    source of the search box's ticket results, registered in support/apps.py)."""
    if not can_read_tickets(user):
        return search.Found()
    return search.found(Ticket.objects.filter(ticket_matches(words)).select_related("contact")
                        .order_by("-created_at", "-id"), limit)


def ticket_matches(words: Sequence[str]) -> Q:
    """Tickets where each word (core.search_text.search_words) is in the subject or in the contact's search
    key (name, email, phone digits): "ali refund" finds Ali's ticket about a refund."""
    condition = Q()
    for word in words:
        condition &= Q(search_key__contains=word) | Q(contact__in=Contact.objects.filter(search_key__contains=word))
    return condition


def ticket_timeline(*, record_kind: str, record_id: int, user: object, limit: int) -> list[TimelineEntry]:
    """A contact's or company's newest tickets for its timeline (registered in support/apps.py). Every role
    that reads the record sees them, as the contact page always showed them; only ticket readers get a link."""
    if record_kind == "contact":
        tickets = Ticket.objects.filter(contact_id=record_id)
    elif record_kind == "company":
        tickets = Ticket.objects.filter(contact__company_id=record_id)
    else:
        return []
    linked = can_read_tickets(user)
    return [TimelineEntry(at=ticket.created_at, kind="ticket", title=ticket.subject,
                          url=reverse("support:ticket_detail", args=[ticket.pk]) if linked else "",
                          detail=f"{ticket.get_status_display()} · {ticket.get_priority_display()}", item=ticket)
            for ticket in tickets.select_related("assignee").order_by("-created_at", "-id")[:limit]]
