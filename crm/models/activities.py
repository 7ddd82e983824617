"""The timeline of contacts, companies and deals: calls, emails, meetings, notes and tasks."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models.customers import Company, Contact
from crm.models.deals import Deal


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")
    TASK = "task", _("Task")


class EmailDirection(models.TextChoices):
    """An email entry written here and sent (out), or the contact's answer to one (in); logged by hand: blank."""

    OUT = "out", _("Sent")
    IN = "in", _("Received")


class EmailDelivery(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


# How long after a task fell due its reminder is still worth emailing: the first run after an upgrade, or
# after the workers were down, does not email every old overdue task (they stay on the list and its count).
TASK_REMINDER_WINDOW = timedelta(days=1)


class Activity(models.Model):
    """An entry on the timeline of a contact, company or deal; a task has a due date and can be done.

    An email a rep sends from a contact's page is an `email` entry that went `out`: `message_id` is its
    Message-ID and `delivery_status` (with `delivery_error` and `sent_at`) says how sending went. The
    contact's answer, matched by its In-Reply-To, is an `email` entry that came `in`, `in_reply_to` the
    entry it answers. Emails logged by hand have no direction.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    contact = models.ForeignKey(Contact, verbose_name=_("contact"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="activities")
    company = models.ForeignKey(Company, verbose_name=_("company"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="activities")
    deal = models.ForeignKey(Deal, verbose_name=_("deal"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="activities")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="activities")
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    # When the owner was reminded of the task falling due, so the reminder goes out once.
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"))
    direction = models.CharField(_("direction"), max_length=3, choices=EmailDirection.choices, blank=True,
                                 editable=False)
    message_id = models.CharField(_("Message-ID"), max_length=998, null=True, blank=True, unique=True,
                                  editable=False)
    in_reply_to = models.ForeignKey("self", verbose_name=_("in reply to"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="replies", editable=False)
    delivery_status = models.CharField(_("delivery"), max_length=10, choices=EmailDelivery.choices, blank=True,
                                       editable=False)
    delivery_error = models.TextField(_("delivery error"), blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["owner", "kind", "done_at", "due_at"], name="crm_activity_tasks")]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False) | Q(company__isnull=False) | Q(deal__isnull=False),
                name="crm_activity_has_subject_record",
                violation_error_message=_("An activity belongs to a contact, a company or a deal."),
            ),
            models.CheckConstraint(condition=Q(kind=ActivityKind.TASK) | Q(due_at__isnull=True),
                                   name="crm_activity_due_only_on_tasks",
                                   violation_error_message=_("Only tasks have a due date.")),
            models.CheckConstraint(condition=Q(kind=ActivityKind.EMAIL) | Q(direction=""),
                                   name="crm_activity_direction_only_on_emails",
                                   violation_error_message=_("Only emails are sent or received.")),
        ]

    def __str__(self) -> str:
        return self.subject
