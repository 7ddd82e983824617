"""The timeline of contacts, companies and deals: calls, emails, meetings, notes and tasks."""

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


class Activity(models.Model):
    """An entry on the timeline of a contact, company or deal; a task has a due date and can be done."""

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
    created_at = models.DateTimeField(_("created at"))

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
        ]

    def __str__(self) -> str:
        return self.subject
