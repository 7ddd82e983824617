"""Every write to tickets and their threads.

Keeps the derived fields (first response, SLA due times) and marks the KPI days each change touches.
"""

import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import dirtying, events
from core.concurrency import check_version
from core.dirtying import DaySet
from core.search_text import search_key
from crm import selectors as crm_selectors
from crm.models import Contact, User
from crm.services import contact_create, contact_email_bounced, contact_email_reply_record
from support.attachments import IncomingFile, head_of, limit_bytes, sniff_type
from support.inbound import Bounce, MalformedEmailError, ReadEmail, new_text, read_email, token_of
from support.models import (
    DEFAULT_SLA_HOURS,
    RESOLVED_STATUSES,
    Attachment,
    Channel,
    DeliveryStatus,
    InboundEmail,
    InboundStatus,
    MessageAuthor,
    Priority,
    SlaPolicy,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from support.outbound import new_message_id, support_mailbox
from support.threads import reply_waiting_since

# Errors kept on a message are the mail server's answer; anything longer is cut.
DELIVERY_ERROR_MAX_CHARS = 2000
logger = logging.getLogger(__name__)


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


def message_attach(*, message: TicketMessage, files: Sequence[IncomingFile]) -> list[Attachment]:
    """Store `files` on `message` through the default storage, each under a random name with its type sniffed
    from its content. A file larger than CRM_ATTACHMENT_MAX_MB (or one that came without its content for
    that reason) is not stored: its row says it came and the limit it exceeded."""
    limit, attached = limit_bytes(), []
    for incoming in files:
        attachment = Attachment(message=message, filename=incoming.filename, size_bytes=incoming.size_bytes)
        if incoming.content is None or incoming.size_bytes > limit:
            attachment.limit_mb = settings.CRM_ATTACHMENT_MAX_MB
        else:
            content = incoming.content
            attachment.content_type = sniff_type(head_of(content))
            attachment.file.save(incoming.filename, ContentFile(content) if isinstance(content, bytes) else content,
                                 save=False)
        attachment.save()
        attached.append(attachment)
    return attached


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
    message_id: str | None = None,
    attachments: Sequence[IncomingFile] = (),
) -> Ticket:
    """Open a ticket, fixing its SLA due times from the policy now in force; `body` is the customer's message
    (`message_id` its Message-ID when it came by email), with its `attachments`."""
    created_at = created_at or timezone.now()
    first_hours, resolution_hours = sla_hours(priority)
    ticket = Ticket(
        external_id=external_id, subject=subject, contact=contact, priority=priority, channel=channel,
        assignee=assignee, created_at=created_at, status=TicketStatus.NEW, token=new_ticket_token(),
        first_response_due_at=created_at + timedelta(hours=first_hours),
        resolution_due_at=created_at + timedelta(hours=resolution_hours), search_key=search_key(subject),
    )
    ticket.full_clean()
    ticket.save()
    if body or attachments or message_id:
        message = TicketMessage.objects.create(ticket=ticket, at=created_at, author=MessageAuthor.CUSTOMER,
                                               public=True, body=body, message_id=message_id)
        message_attach(message=message, files=attachments)
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
    attachments: Sequence[IncomingFile] = (),
) -> TicketMessage:
    """Add a customer message, a public agent reply or an internal note, with its `attachments` (a reply's
    are sent with its email).

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
    message_attach(message=message, files=attachments)
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
    ticket.search_key = search_key(ticket.subject)
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
    created_at: datetime | None = None,
    message_id: str | None = None,
    attachments: Sequence[IncomingFile] = (),
) -> Ticket:
    """Open a ticket for whoever writes from `email`: their contact, found by address, or a new contact
    named `name` who reads `language`. `body` is the customer's first message (`message_id` its Message-ID
    when it came by email, `created_at` when it arrived), with its `attachments`."""
    contact = _contact_for_email(email=email, name=name, language=language)
    return ticket_create(subject=subject, contact=contact, priority=priority, channel=channel, assignee=assignee,
                         body=body, created_at=created_at, message_id=message_id, attachments=attachments)


@transaction.atomic
def ticket_submit_from_web(*, email: str, name: str, subject: str, body: str, language: str = "en",
                           attachments: Sequence[IncomingFile] = ()) -> Ticket:
    """A customer's request from the public support form, with its `attachments`: a web ticket, confirmed by
    email after commit in the contact's language (a new contact gets the language of the form they filled
    in)."""
    ticket = ticket_open_for_email(email=email, name=name, subject=subject, body=body, channel=Channel.WEB,
                                   language=language, attachments=attachments)
    events.ticket_submitted(ticket_id=ticket.pk)
    return ticket


# Email from customers: each email fetched from the support mailbox is stored whole and filed. The reasons
# kept on it are in English and translated where they are shown.
FILED_BY_HEADERS = gettext_noop("by its threading headers")
FILED_BY_ADDRESS = gettext_noop("by the ticket's reply address")
FILED_BY_NUMBER = gettext_noop("by the ticket number in the subject, from the ticket's contact")
FILED_NEW = gettext_noop("a new ticket")
FILED_NEW_AFTER_OLD = gettext_noop("a new ticket: it answers one resolved too long ago")
FILED_BY_HAND = gettext_noop("filed by hand")
FILED_ON_TIMELINE = gettext_noop("an answer to a rep's email: on the contact's timeline")
IGNORED_AUTOMATIC = gettext_noop("an automatic message (auto-reply, mailing list or bounce)")
IGNORED_OWN = gettext_noop("sent from our own support address (a loop)")
IGNORED_DUPLICATE = gettext_noop("a message with this Message-ID is on a ticket already")
IGNORED_BOUNCE = gettext_noop("a delivery report: our email bounced")
IGNORED_BOUNCE_UNKNOWN = gettext_noop("a delivery report about an email we did not send")
UNFILED_RATE_LIMITED = gettext_noop("too many new tickets from this sender in the last hour (a loop?)")


def _record_bounce(inbound: InboundEmail, bounce: Bounce) -> InboundEmail:
    """A report that one of our emails failed for good: the reply (or a rep's email) it names is marked bounced
    with the receiving server's answer; the report is kept as ignored, beside the reply's ticket."""
    message = TicketMessage.objects.select_related("ticket").filter(message_id=bounce.original_message_id).first()
    if message is not None:
        TicketMessage.objects.filter(pk=message.pk).update(delivery_status=DeliveryStatus.BOUNCED,
                                                           delivery_error=bounce.reason[:DELIVERY_ERROR_MAX_CHARS])
        inbound.ticket, inbound.message, reason = message.ticket, message, IGNORED_BOUNCE
    elif contact_email_bounced(message_id=bounce.original_message_id, error=bounce.reason):
        reason = IGNORED_BOUNCE
    else:
        reason = IGNORED_BOUNCE_UNKNOWN
    logger.info("delivery report %s: %s bounced: %s", inbound.mailbox_key, bounce.original_message_id, bounce.reason)
    inbound.status, inbound.reason = InboundStatus.IGNORED, reason
    inbound.save()
    return inbound


def _too_many_new_tickets(sender: str, received_at: datetime) -> bool:
    """Whether `sender` opened CRM_INBOUND_NEW_TICKETS_PER_HOUR email tickets in the hour before `received_at`:
    a loop with a mail robot that sends no auto-reply headers, or a flood. The mail is kept unfiled."""
    return InboundEmail.objects.filter(
        sender__iexact=sender, status=InboundStatus.FILED, reason__in=[FILED_NEW, FILED_NEW_AFTER_OLD],
        received_at__gt=received_at - timedelta(hours=1), received_at__lte=received_at,
    ).count() >= settings.CRM_INBOUND_NEW_TICKETS_PER_HOUR


def _own_address(address: str) -> bool:
    """The support address itself or one of its subaddresses (support+...@domain)."""
    local, domain = support_mailbox()
    own_local, _at, own_domain = address.lower().rpartition("@")
    return own_domain == domain and (own_local == local.lower() or own_local.startswith(f"{local.lower()}+"))


def _ignore_reason(mail: ReadEmail) -> str:
    if mail.automatic:
        return IGNORED_AUTOMATIC
    if _own_address(mail.sender):
        return IGNORED_OWN
    if mail.message_id and (TicketMessage.objects.filter(message_id=mail.message_id).exists()
                            or crm_selectors.email_activity_exists(message_id=mail.message_id)):
        return IGNORED_DUPLICATE
    return ""


def _ticket_answered(mail: ReadEmail) -> tuple[Ticket | None, str]:
    """The ticket `mail` answers and how it was told: its threading headers, its ticket's reply address, or
    the ticket's number in the subject when the sender is that ticket's contact."""
    if mail.answers:
        by_id = dict(TicketMessage.objects.filter(message_id__in=mail.answers).values_list("message_id", "ticket_id"))
        for answered in mail.answers:
            if answered in by_id:
                return Ticket.objects.get(pk=by_id[answered]), FILED_BY_HEADERS
    local, domain = support_mailbox()
    token = token_of(mail.recipients, local=local, domain=domain)
    if token is not None:
        ticket = Ticket.objects.filter(token=token).first()
        if ticket is not None:
            return ticket, FILED_BY_ADDRESS
    number = mail.ticket_number
    if number is not None:
        ticket = Ticket.objects.filter(pk=number, contact__email__iexact=mail.sender).first()
        if ticket is not None:
            return ticket, FILED_BY_NUMBER
    return None, ""


def _open_email_ticket(mail: ReadEmail, *, body: str, received_at: datetime) -> Ticket:
    return ticket_open_for_email(email=mail.sender, name=mail.sender_name, subject=mail.subject or _("(no subject)"),
                                 body=body, channel=Channel.EMAIL, created_at=received_at,
                                 message_id=mail.message_id or None, attachments=mail.attachments)


def _file_on(ticket: Ticket, mail: ReadEmail, *, body: str, received_at: datetime) -> tuple[TicketMessage, str]:
    """Add the customer's answer to `ticket`, reopening it when it is resolved; one resolved longer than
    CRM_REOPEN_DAYS before the answer arrived stays resolved and the answer opens a new ticket instead.

    An answer the server received shortly before the ticket was resolved reopens it too: it was filed
    after, so whoever resolved the ticket had not seen it (the mailbox is polled every minute, and the
    server's receipt time has whole seconds only)."""
    if ticket.status in RESOLVED_STATUSES:
        if received_at - ticket.resolved_at > timedelta(days=settings.CRM_REOPEN_DAYS):
            follow_up = _("Follow-up to ticket #%(number)s.") % {"number": ticket.pk}
            new = _open_email_ticket(mail, body=f"{follow_up}\n\n{body}", received_at=received_at)
            return new.messages.get(), FILED_NEW_AFTER_OLD
        ticket = ticket_reopen(ticket=ticket)
    message = ticket_add_message(ticket=ticket, author=MessageAuthor.CUSTOMER, body=body,
                                 at=max(received_at, ticket.created_at), message_id=mail.message_id or None,
                                 attachments=mail.attachments)
    return message, ""


@transaction.atomic
def inbound_email_file(*, raw: bytes, received_at: datetime, mailbox_key: str) -> InboundEmail:
    """Store one email fetched from the support mailbox and file it: on the ticket it answers (threading
    headers, then the ticket's reply address, then `[#N]` in the subject from ticket N's contact), else on a
    new email ticket for the sender; an answer to an email a rep sent from the CRM (by its threading headers)
    goes on that contact's timeline instead, and the rep is told. Its message is dated `received_at` (when the
    server received it) and shows only the new text; the whole email stays in the `InboundEmail`. Automatic
    mail (auto-replies, lists, bounces, our own) is stored as ignored and touches no ticket; a malformed one
    as unfiled.

    Safe to run twice: an email already stored under `mailbox_key` is returned as it was filed."""
    stored = InboundEmail.objects.filter(mailbox_key=mailbox_key).first()
    if stored is not None:
        return stored
    inbound = InboundEmail(mailbox_key=mailbox_key, raw=raw, received_at=received_at, fetched_at=timezone.now())
    try:
        mail = read_email(raw, max_attachment_bytes=limit_bytes())
    except MalformedEmailError as error:
        inbound.status, inbound.reason = InboundStatus.UNFILED, str(error)[:300]
        inbound.save()
        return inbound
    inbound.sender, inbound.subject, inbound.text = mail.sender[:254], mail.subject, mail.text
    inbound.header_message_id = mail.message_id
    if mail.bounce is not None:
        return _record_bounce(inbound, mail.bounce)
    reason = _ignore_reason(mail)
    if reason:
        inbound.status, inbound.reason = InboundStatus.IGNORED, reason[:300]
        inbound.save()
        return inbound
    body = new_text(mail.text)
    answered = crm_selectors.email_answered(message_ids=mail.answers)
    if answered is not None:
        inbound.activity = contact_email_reply_record(answered=answered, subject=mail.subject, body=body,
                                                      message_id=mail.message_id or None, at=received_at)
        inbound.status, inbound.reason = InboundStatus.FILED, FILED_ON_TIMELINE
        inbound.save()
        return inbound
    ticket, how = _ticket_answered(mail)
    if ticket is None and _too_many_new_tickets(mail.sender, received_at):
        inbound.status, inbound.reason = InboundStatus.UNFILED, UNFILED_RATE_LIMITED
        inbound.save()
        logger.warning("email %s from %s kept unfiled: %s", mailbox_key, mail.sender, UNFILED_RATE_LIMITED)
        return inbound
    if ticket is None:
        message, how = _open_email_ticket(mail, body=body, received_at=received_at).messages.get(), FILED_NEW
    else:
        message, note = _file_on(ticket, mail, body=body, received_at=received_at)
        how = note or how
    inbound.status, inbound.reason = InboundStatus.FILED, how
    inbound.ticket, inbound.message = message.ticket, message
    inbound.save()
    return inbound


@transaction.atomic
def inbound_email_file_on(*, inbound: InboundEmail, ticket: Ticket) -> InboundEmail:
    """File an email that could not be filed (or was ignored) on `ticket`, by hand: the customer's message as
    read from it, dated when it arrived."""
    inbound = InboundEmail.objects.select_for_update().get(pk=inbound.pk)
    if inbound.status == InboundStatus.FILED:
        raise ValidationError({"status": _("This email is filed already.")})
    try:
        mail = read_email(bytes(inbound.raw), max_attachment_bytes=limit_bytes())
        body, message_id, attachments = new_text(mail.text), mail.message_id or None, mail.attachments
    except MalformedEmailError:
        body, message_id, attachments = bytes(inbound.raw).decode("utf-8", errors="replace"), None, []
    if message_id and TicketMessage.objects.filter(message_id=message_id).exists():
        message_id = None
    message = ticket_add_message(ticket=ticket, author=MessageAuthor.CUSTOMER, body=body,
                                 at=max(inbound.received_at, ticket.created_at), message_id=message_id,
                                 attachments=attachments)
    inbound.status, inbound.reason = InboundStatus.FILED, FILED_BY_HAND
    inbound.ticket, inbound.message = ticket, message
    inbound.save(update_fields=["status", "reason", "ticket", "message"])
    return inbound


@transaction.atomic
def inbound_email_discard(*, inbound: InboundEmail) -> InboundEmail:
    """Set aside an email nobody needs to file (it stays stored, whole)."""
    inbound = InboundEmail.objects.select_for_update().get(pk=inbound.pk)
    if inbound.status == InboundStatus.FILED:
        raise ValidationError({"status": _("This email is filed already.")})
    inbound.status = InboundStatus.DISCARDED
    inbound.save(update_fields=["status"])
    return inbound
