"""Tickets, their message threads and the SLA targets they are measured against.

Tickets are written only through `support.services`: it keeps the derived
first-response time and SLA due times and marks the KPI days a change touches.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.concurrency import VersionedModel


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    WEB = "web", _("Web")
    CHAT = "chat", _("Chat")


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


RESOLVED_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)

# Calendar hours (first response, resolution) per priority, from docs/KPI_SPEC.md.
DEFAULT_SLA_HOURS = {
    Priority.URGENT: (1, 8),
    Priority.HIGH: (4, 24),
    Priority.NORMAL: (8, 72),
    Priority.LOW: (24, 168),
}


class SlaPolicy(models.Model):
    """SLA targets for one priority. A change applies to tickets created after it (tickets copy their due times)."""

    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, unique=True)
    first_response_hours = models.PositiveIntegerField(_("first response target (hours)"))
    resolution_hours = models.PositiveIntegerField(_("resolution target (hours)"))

    class Meta:
        ordering = ["priority"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(condition=Q(first_response_hours__gt=0) & Q(resolution_hours__gt=0),
                                   name="support_sla_targets_positive",
                                   violation_error_message=_("SLA targets must be at least one hour.")),
        ]

    def __str__(self) -> str:
        return f"{self.get_priority_display()}: {self.first_response_hours}h / {self.resolution_hours}h"


class Ticket(VersionedModel):
    """A customer's request to support.

    Derived fields kept by the services: `first_response_at` (the first public agent reply) and the
    two SLA due times, fixed from the policy in force when the ticket was created.
    """

    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    subject = models.CharField(_("subject"), max_length=300)
    contact = models.ForeignKey("crm.Contact", verbose_name=_("contact"), on_delete=models.PROTECT,
                                related_name="tickets")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="assigned_tickets")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(_("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW)
    created_at = models.DateTimeField(_("created at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True, editable=False)
    first_response_due_at = models.DateTimeField(_("first response due"), editable=False)
    resolution_due_at = models.DateTimeField(_("resolution due"), editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The secret in the ticket's reply address (support+<token>@...), which files the customer's answers on
    # it; set when it is opened (or, for an imported ticket, when it is first emailed). Kept out of history.
    token = models.CharField(_("reply token"), max_length=64, null=True, blank=True, unique=True, editable=False)
    # The subject as searches compare it (core.search_text), kept by the services and the importer; searched
    # through a trigram index on PostgreSQL.
    search_key = models.TextField(_("search key"), blank=True, default="", editable=False)
    history = HistoricalRecords(excluded_fields=["version", "updated_at", "token", "search_key"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["created_at"], name="support_ticket_created"),
            models.Index(fields=["resolved_at"], name="support_ticket_resolved"),
            models.Index(fields=["first_response_at"], name="support_ticket_first_resp"),
            models.Index(fields=["status", "assignee"], name="support_ticket_queue"),
            # The working queues and their counts read only unresolved tickets, a small share of all of them.
            # On PostgreSQL it carries what the queue counts filter on, so they never read the table.
            models.Index(fields=["-created_at"], condition=~Q(status__in=["resolved", "closed"]),
                         include=["assignee", "first_response_at", "first_response_due_at", "resolution_due_at"],
                         name="support_ticket_unresolved"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status__in=RESOLVED_STATUSES) & Q(resolved_at__isnull=False))
                | (~Q(status__in=RESOLVED_STATUSES) & Q(resolved_at__isnull=True)),
                name="support_ticket_resolved_at_matches_status",
                violation_error_message=_("A resolved or closed ticket needs a resolution time; others have none."),
            ),
            models.CheckConstraint(condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("created_at")),
                                   name="support_ticket_resolved_after_created",
                                   violation_error_message=_("A ticket cannot be resolved before it was created.")),
        ]

    def __str__(self) -> str:
        return self.subject


class MessageAuthor(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")


class DeliveryStatus(models.TextChoices):
    """Where the email of a public agent reply stands. Other messages are never emailed (blank)."""

    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")


class TicketMessage(models.Model):
    """A message on a ticket: a public message from the customer or an agent, or an agent's internal note.

    A public agent reply is emailed to the ticket's contact: `message_id` is its Message-ID header, and
    `delivery_status` (with `delivery_error` and `sent_at`) says how that went. A customer message that came
    by email keeps its own Message-ID, so later mails thread onto it.
    """

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages")
    at = models.DateTimeField(_("at"))
    author = models.CharField(_("author"), max_length=10, choices=MessageAuthor.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="ticket_messages")
    public = models.BooleanField(_("public"), default=True)
    body = models.TextField(_("body"), blank=True)
    # Derived by the services and the importer (support.threads): for a public agent reply, when the
    # customer's wait it answered began; null when nobody was waiting. The reply-time KPI sums these.
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True, editable=False)
    message_id = models.CharField(_("Message-ID"), max_length=998, null=True, blank=True, unique=True,
                                  editable=False)
    delivery_status = models.CharField(_("delivery"), max_length=10, choices=DeliveryStatus.choices, blank=True,
                                       editable=False)
    delivery_error = models.TextField(_("delivery error"), blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["ticket_id", "at", "id"]
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        indexes = [
            models.Index(fields=["ticket", "at"], name="support_message_thread"),
            models.Index(fields=["at"], name="support_message_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(author=MessageAuthor.AGENT) | Q(public=True),
                                   name="support_message_notes_are_agents",
                                   violation_error_message=_("Only agents write internal notes.")),
        ]

    def __str__(self) -> str:
        return f"{self.get_author_display()} {self.at:%Y-%m-%d %H:%M}"


class InboundStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    UNFILED = "unfiled", _("Could not be filed")
    IGNORED = "ignored", _("Ignored")
    DISCARDED = "discarded", _("Discarded")


class InboundEmail(models.Model):
    """One email fetched from the support mailbox, kept whole (`raw`, the bytes as received) whatever became
    of it: filed on a ticket (`message` is the customer message it made) or, when it answers a rep's email, on
    the contact's timeline (`activity`), ignored (an auto-reply, a loop, a
    duplicate) or unfiled (malformed), with the `reason`. Written only by `support.services`.

    `mailbox_key` names the message in its mailbox (UIDVALIDITY and UID), so one fetched again after a
    failure is recognised and not filed twice. `received_at` is the server's INTERNALDATE: when the customer's
    mail arrived, which is when their message on the ticket is dated.
    """

    mailbox_key = models.CharField(_("mailbox key"), max_length=200, unique=True)
    raw = models.BinaryField(_("original message"))
    received_at = models.DateTimeField(_("received at"))
    fetched_at = models.DateTimeField(_("fetched at"))
    header_message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    sender = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    text = models.TextField(_("text"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=InboundStatus.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="inbound_emails")
    message = models.OneToOneField(TicketMessage, verbose_name=_("message"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="inbound_email")
    # A contact's answer to an email a rep sent from the CRM is filed on that contact's timeline, not a ticket.
    activity = models.OneToOneField("crm.Activity", verbose_name=_("activity"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="inbound_email")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        indexes = [models.Index(fields=["status", "received_at"], name="support_inbound_status")]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


def attachment_path(attachment: "Attachment", filename: str) -> str:
    """A random stored name (the original is kept in `filename`): nobody can guess another's file, and a
    customer's name never reaches the storage's paths."""
    return f"attachments/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    """A file on a ticket message: from a customer's email or the support form, or an agent's reply (sent
    with it). The file goes through Django's storage (`default_storage`) under a random name; `filename` is
    the name it came with and `content_type` is sniffed from its content, never taken from the sender.

    One larger than CRM_ATTACHMENT_MAX_MB is not kept (`file` empty, `limit_mb` the limit it exceeded):
    the row records that it came, and the whole email it came in stays in its `InboundEmail`.
    """

    message = models.ForeignKey(TicketMessage, verbose_name=_("message"), on_delete=models.CASCADE,
                                related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    limit_mb = models.PositiveIntegerField(_("not kept: larger than (MB)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["message_id", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(condition=Q(limit_mb__isnull=True) | Q(file=""),
                                   name="support_attachment_refused_has_no_file",
                                   violation_error_message=_("An attachment that was not kept has no file.")),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def kept(self) -> bool:
        return self.limit_mb is None and bool(self.file)

    @property
    def size_mb(self) -> str:
        """The size in MB with one decimal, as people read it."""
        return f"{self.size_bytes / 1_048_576:.1f}"
