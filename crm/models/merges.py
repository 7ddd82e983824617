"""The audit trail of merges: which record was kept, which was dropped, and what the dropped one held."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MergeKind(models.TextChoices):
    CONTACT = "contact", _("Contact")
    COMPANY = "company", _("Company")


class MergeRecord(models.Model):
    """One merge of two contacts or two companies. The dropped record is deleted, so its values (as JSON), the
    fields taken from it and how many related records moved to the kept one are kept here."""

    kind = models.CharField(_("kind"), max_length=10, choices=MergeKind.choices)
    kept_id = models.PositiveBigIntegerField(_("kept id"), db_index=True)
    dropped_id = models.PositiveBigIntegerField(_("dropped id"), db_index=True)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("merged by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    merged_at = models.DateTimeField(_("merged at"))
    dropped_values = models.JSONField(_("dropped record's values"))
    fields_from_dropped = models.JSONField(_("fields taken from the dropped record"), default=list)
    moved = models.JSONField(_("related records moved"), default=dict)

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.kind} #{self.dropped_id} → #{self.kept_id}"
