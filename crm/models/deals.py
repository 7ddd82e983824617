"""Deals and their stage history.

Deals are written only through `crm.services` so that stage history, derived
base amounts and the KPI roll-up's dirty days can never be skipped.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.concurrency import VersionedModel
from crm.models.campaigns import Campaign
from crm.models.customers import Company, Contact
from crm.models.pipelines import LostReason, Pipeline, Stage
from crm.models.tags import Tag
from crm.querysets import DealQuerySet


class DealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class DealKind(models.TextChoices):
    NEW = "new", _("New business")
    UPSELL = "upsell", _("Upsell")
    RENEWAL = "renewal", _("Renewal")


def base_amount(amount: Decimal, currency: str, exchange_rate: Decimal | None) -> Decimal | None:
    """Amount in the base currency, rounded half-up to cents; None when a foreign deal has no rate yet."""
    if exchange_rate is None:
        if currency != settings.CRM_CURRENCY:
            return None
        exchange_rate = Decimal(1)
    return (amount * exchange_rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Deal(VersionedModel):
    """A sales opportunity. Its customer is its company when set, else its contact.

    `amount_base` is derived (amount × exchange rate, half-up to cents) and kept by the services.
    """

    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    title = models.CharField(_("title"), max_length=200)
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT,
                                 related_name="deals")
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals")
    contact = models.ForeignKey(Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="deals")
    company = models.ForeignKey(Company, verbose_name=_("company"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="deals")
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="deals")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="deals")
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    exchange_rate = models.DecimalField(_("exchange rate"), max_digits=24, decimal_places=10, null=True, blank=True)
    amount_base = models.DecimalField(_("amount in base currency"), max_digits=20, decimal_places=2, null=True,
                                      blank=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=DealKind.choices, default=DealKind.NEW)
    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="deals")
    status = models.CharField(_("status"), max_length=5, choices=DealStatus.choices, default=DealStatus.OPEN)
    created_at = models.DateTimeField(_("created at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    lost_reason = models.ForeignKey(LostReason, verbose_name=_("lost reason"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="deals")
    lost_note = models.TextField(_("lost note"), blank=True)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True,
                                           help_text=_("When the rep expects the deal to close."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Kept by the services and the importer (crm/search_keys.py); searched through a trigram index on PostgreSQL.
    search_key = models.TextField(_("search key"), blank=True, default="", editable=False)
    history = HistoricalRecords(excluded_fields=["version", "updated_at", "amount_base", "search_key"])

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(fields=["created_at"], name="crm_deal_created"),
            models.Index(fields=["status", "closed_at"], name="crm_deal_status_closed"),
            models.Index(fields=["pipeline", "stage", "status"], name="crm_deal_board"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="crm_deal_amount_not_negative",
                                   violation_error_message=_("Amount cannot be negative.")),
            models.CheckConstraint(condition=Q(exchange_rate__isnull=True) | Q(exchange_rate__gt=0),
                                   name="crm_deal_exchange_rate_positive",
                                   violation_error_message=_("Exchange rate must be positive.")),
            models.CheckConstraint(
                condition=(Q(status=DealStatus.OPEN) & Q(closed_at__isnull=True))
                | (Q(status__in=[DealStatus.WON, DealStatus.LOST]) & Q(closed_at__isnull=False)),
                name="crm_deal_closed_at_matches_status",
                violation_error_message=_("A won or lost deal needs a close time; an open deal has none."),
            ),
            models.CheckConstraint(condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("created_at")),
                                   name="crm_deal_closed_after_created",
                                   violation_error_message=_("A deal cannot close before it was created.")),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def customer_key(self) -> str:
        """Identifies the customer: the company when set, else the contact."""
        return f"company:{self.company_id}" if self.company_id else f"contact:{self.contact_id}"


class DealStageEntry(models.Model):
    """One entry of a deal into a stage; `exited_at` is set when the next stage is entered or the deal closes."""

    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="stage_entries")
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="entries")
    entered_at = models.DateTimeField(_("entered at"))
    exited_at = models.DateTimeField(_("exited at"), null=True, blank=True)

    class Meta:
        ordering = ["deal_id", "entered_at", "id"]
        verbose_name = _("stage entry")
        verbose_name_plural = _("stage history")
        indexes = [
            models.Index(fields=["deal", "entered_at"], name="crm_stage_entry_deal"),
            models.Index(fields=["entered_at"], name="crm_stage_entry_entered"),
            models.Index(fields=["exited_at"], name="crm_stage_entry_exited"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(exited_at__isnull=True) | Q(exited_at__gte=F("entered_at")),
                                   name="crm_stage_entry_exit_after_entry",
                                   violation_error_message=_("A stage cannot be left before it was entered.")),
        ]

    def __str__(self) -> str:
        return f"{self.deal} → {self.stage} at {self.entered_at:%Y-%m-%d %H:%M}"
