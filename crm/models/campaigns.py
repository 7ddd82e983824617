"""Marketing campaigns and what is spent on them."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CampaignChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SOCIAL = "social", _("Social")
    SEARCH = "search", _("Search")
    EVENT = "event", _("Event")
    REFERRAL = "referral", _("Referral")
    OTHER = "other", _("Other")


class Campaign(models.Model):
    """A marketing campaign: leads and deals point to it, spend entries cost it."""

    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    name = models.CharField(_("name"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10, choices=CampaignChannel.choices,
                               default=CampaignChannel.OTHER)

    class Meta:
        ordering = ["name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


class CampaignSpend(models.Model):
    """Money spent on a campaign on a date (in the base currency)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE,
                                 related_name="spend_entries")
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("campaign spend")
        verbose_name_plural = _("campaign spend")
        indexes = [models.Index(fields=["date"], name="crm_spend_date")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="crm_spend_amount_not_negative",
                                   violation_error_message=_("Spend cannot be negative.")),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.date} {self.amount}"
