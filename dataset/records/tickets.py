"""Tickets and their messages: the thread replayed as the support services see it (status, first response,
SLA due times, each reply's wait), and the days a changed ticket dirties."""

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.search_text import search_key
from crm.models import Contact
from dataset import fields as f
from dataset.engine import TEXT_MAX, Importer, _BatchWithRows, _Item, _stored_rows
from dataset.fields import RecordError
from dataset.sections import KeyMaps, Row, Section, _children, _key, _ts
from support.models import Channel, MessageAuthor, Priority, Ticket, TicketMessage, TicketStatus
from support.threads import reply_waiting_since

# Plain strings: enum attribute access and `.values` cost microseconds, and these run per record.
AUTHORS = tuple(MessageAuthor.values)
PRIORITIES = tuple(Priority.values)
TICKET_CHANNELS = tuple(Channel.values)
AGENT, CUSTOMER = MessageAuthor.AGENT.value, MessageAuthor.CUSTOMER.value
TICKET_NEW, TICKET_OPEN, TICKET_PENDING = (
    TicketStatus.NEW.value,
    TicketStatus.OPEN.value,
    TicketStatus.PENDING.value,
)
TICKET_RESOLVED, TICKET_CLOSED = TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value
PRIORITY_DEFAULT = Priority.NORMAL.value
TICKET_CHANNEL_DEFAULT = Channel.EMAIL.value


# A ticket's fields that only `ticket_update` changes (and its creation, which no service changes): every day
# the ticket counts on is re-counted when one of them changes.
TICKET_DESCRIPTION = ("subject", "contact_id", "assignee_id", "priority", "channel", "created_at")


def parse(importer: Importer, record: Mapping[str, Any], line: int) -> _Item:
    ext = f.key(record, "external_id", required=True)
    assert ext is not None
    created_at = f.timestamp(record, "created_at", required=True)
    resolved_at = f.timestamp(record, "resolved_at")
    assert created_at is not None
    if resolved_at is not None and resolved_at < created_at:
        raise RecordError(_("“resolved_at” is before “created_at”"))
    users = importer.cache("user")
    messages = []
    for index, entry in enumerate(f.array(record, "messages")):
        label = f"messages[{index}]"
        entry = f.obj(entry, label)
        at = f.timestamp_value(f.present(entry, "at", True), f"{label}.at")
        if at < created_at:
            raise RecordError(_("%(label)s is dated before the ticket was created") % {"label": label})
        author = f.choice(entry, "author", AUTHORS)
        public = f.boolean(entry, "public", default=True)
        if author == CUSTOMER and not public:
            raise RecordError(
                _(
                    "%(label)s: a customer message cannot be an internal note (only agents "
                    "write internal notes)"
                )
                % {"label": label}
            )
        user_id = importer.ref(users, "user", entry, "user")
        messages.append((at, author, user_id, public, f.text(entry, "body", TEXT_MAX)))
    # Replay the thread as support.services would have seen it, message by message in time order.
    thread = sorted(messages, key=lambda m: m[0])
    # Rows are inserted in file order, so (at, id) order is this stable sort by time.
    order = sorted(range(len(messages)), key=lambda i: messages[i][0])
    waits = reply_waiting_since(created_at, [(messages[i][0], messages[i][1], messages[i][3]) for i in order])
    waiting_since: list[datetime | None] = [None] * len(messages)
    for position, index in enumerate(order):
        waiting_since[index] = waits[position]
    messages = [(*message, waiting_since[i]) for i, message in enumerate(messages)]
    status, first_response_at = TICKET_NEW, None
    for at, author, _user, public, _body in thread:
        if author == AGENT and public:
            if first_response_at is None:
                first_response_at = at
            if status in (TICKET_NEW, TICKET_OPEN):
                status = TICKET_PENDING
        elif author == CUSTOMER and status == TICKET_PENDING:
            status = TICKET_OPEN
    if resolved_at is not None:
        status = TICKET_RESOLVED
    return _Item(
        line,
        ext,
        {
            "subject": f.text(record, "subject", 300, required=True, blank=False),
            "contact": f.key(record, "contact", required=True),
            "assignee_id": importer.ref(users, "user", record, "assignee"),
            "priority": f.choice(record, "priority", PRIORITIES, default=PRIORITY_DEFAULT),
            "channel": f.choice(record, "channel", TICKET_CHANNELS, default=TICKET_CHANNEL_DEFAULT),
            "status": status,
            "created_at": created_at,
            "resolved_at": resolved_at,
            "first_response_at": first_response_at,
            "messages": messages,
            "thread": thread,
        },
    )


def write(importer: Importer, items: list[_Item]) -> None:
    """A new ticket marks what it counts on, as `ticket_create` does. A changed one marks the moments a
    service gives for the same change: the replies whose wait changed and a first response that moved
    (`ticket_add_message`), a resolution set, moved or cleared (`ticket_resolve`, `ticket_reopen`);
    and, when its subject, contact, assignee, priority, channel or creation changed, every day it counts
    on, before and after (`ticket_update`)."""
    contacts = importer.lookup(Contact, "contact", {i.data["contact"] for i in items})
    existing = importer.existing(Ticket, "ticket", (i.key for i in items))
    old_thread = _stored_rows(
        TicketMessage,
        "ticket_id",
        [t.pk for t in existing.values()],
        ("at", "id"),
        ("at", "author", "user_id", "public", "body", "waiting_since"),
    )
    batch = _BatchWithRows(timezone.now())
    rechecked: list[int] = []
    moments: list[datetime | date | None] = []
    replies: list[datetime | date | None] = []
    for item in items:
        values = dict(item.data)
        messages, thread = values.pop("messages"), values.pop("thread")
        try:
            values["contact_id"] = importer.resolve(contacts, "contact", "contact", values.pop("contact"))
        except RecordError as exc:
            importer.fail_item("ticket", item, exc)
            continue
        values["search_key"] = search_key(values["subject"])
        ticket = existing.get(item.key)
        first_hours, resolution_hours = importer.sla(values["priority"])
        due = {
            "first_response_due_at": values["created_at"] + first_hours,
            "resolution_due_at": values["created_at"] + resolution_hours,
        }
        if ticket is None:
            batch.add(item.key, {**values, **due}, messages)
            continue
        before = (ticket.first_response_at, ticket.resolved_at)
        described = any(getattr(ticket, name) != values[name] for name in TICKET_DESCRIPTION)
        if values["status"] == TICKET_RESOLVED and ticket.status == TICKET_CLOSED:
            values["status"] = TICKET_CLOSED
        if ticket.created_at == values["created_at"] and ticket.priority == values["priority"]:
            due = {}  # due times are fixed when the ticket is created, by the policy then in force
        old = old_thread.get(ticket.pk, [])
        thread_changed = [message[:5] for message in old] != thread
        if batch.update(ticket, {**values, **due}, thread_changed, messages):
            if described:
                rechecked.append(ticket.pk)
            moments.extend(_ticket_moments(before, ticket))
            if thread_changed:
                replies.extend(_reply_wait_changes(old, messages))
    importer.note_records("tickets", Ticket, rechecked)
    new_ids = importer.write_with_rows(
        "ticket",
        Ticket,
        batch,
        [
            "subject",
            "contact_id",
            "assignee_id",
            "priority",
            "channel",
            "status",
            "created_at",
            "resolved_at",
            "first_response_at",
            "first_response_due_at",
            "resolution_due_at",
            "search_key",
            "updated_at",
            "version",
        ],
        TicketMessage,
        "ticket_id",
        lambda ticket_id, messages: (
            {
                "ticket_id": ticket_id,
                "at": at,
                "author": author,
                "user_id": user_id,
                "public": public,
                "body": body,
                "waiting_since": waiting_since,
            }
            for at, author, user_id, public, body, waiting_since in messages
        ),
    )
    importer.note_records("tickets", Ticket, [*rechecked, *new_ids])
    importer.note_moments("ticket_moments", moments)
    importer.note_moments("reply_moments", replies)


def _ticket_moments(before: tuple[datetime | None, datetime | None], ticket: Ticket) -> list[datetime | None]:
    """The moments a service marks for a ticket's new first response or resolution: a resolution's old and
    new moments (`ticket_resolve`, `ticket_reopen`); a first response's old and new moments with the
    resolution's (`ticket_add_message`)."""
    first_response_at, resolved_at = before
    moments: list[datetime | None] = []
    if ticket.resolved_at != resolved_at:
        moments += [resolved_at, ticket.resolved_at]
    if ticket.first_response_at != first_response_at:
        moments += [first_response_at, ticket.first_response_at, resolved_at, ticket.resolved_at]
    return moments


def _reply_wait_changes(old: list[tuple[Any, ...]], new: list[tuple[Any, ...]]) -> list[datetime]:
    """The moments of the messages whose `waiting_since` changed, as `thread_refresh_waits` reports them:
    a message new to the thread had none, and one the file leaves out loses the one it had."""
    stored: dict[tuple[Any, ...], list[datetime | None]] = defaultdict(list)
    for *message, waiting_since in old:
        stored[tuple(message)].append(waiting_since)
    moments = []
    for *message, waiting_since in new:
        waits = stored.get(tuple(message))
        if waiting_since != (waits.pop() if waits else None):
            moments.append(message[0])
    moments += [message[0] for message, waits in stored.items() for wait in waits if wait is not None]
    return moments


def export(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        messages = _children(TicketMessage, "ticket_id", [r["pk"] for r in rows], ("at", "id"), "at", "author",
                             "user_id", "public", "body")
        return [{"type": "ticket", "external_id": _key("ticket", r["external_id"], r["pk"]), "subject": r["subject"],
                 "contact": _key("contact", r["contact__external_id"], r["contact_id"]),
                 "assignee": keys.users.get(r["assignee_id"]), "priority": r["priority"], "channel": r["channel"],
                 "created_at": _ts(r["created_at"]), "resolved_at": _ts(r["resolved_at"]),
                 "messages": [{"at": _ts(m["at"]), "author": m["author"], "user": keys.users.get(m["user_id"]),
                               "public": m["public"], "body": m["body"]} for m in messages[r["pk"]]]}
                for r in rows]

    fields = ("external_id", "subject", "contact_id", "contact__external_id", "assignee_id", "priority", "channel",
              "created_at", "resolved_at")
    return Section(Ticket.objects.all(), fields, build)
