"""People, customers and the sales pipeline.

Deals are written only through `crm.services` so that stage history, derived
base amounts and the KPI roll-up's dirty days can never be skipped.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.concurrency import VersionedModel
from crm.querysets import DealQuerySet


class Role(models.TextChoices):
    SALES = "sales", _("Sales")
    SUPPORT = "support", _("Support")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    PERSIAN = "fa", _("Persian")


class Team(models.Model):
    """A group of staff; a user belongs to at most one. KPIs break down by a user's team now."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff. The role decides what they may see and do (mirrored as a Django group)."""

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.SALES)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class ChurnFields(models.Model):
    """Churn is recorded by staff on the customer record; the KPIs ignore a churn before the first win."""

    churned_at = models.DateTimeField(_("churned at"), null=True, blank=True)
    churn_reason = models.CharField(_("churn reason"), max_length=200, blank=True)

    class Meta:
        abstract = True


class Company(ChurnFields, VersionedModel):
    """An organisation we sell to. When a deal names a company, the company is the customer."""

    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="companies",
    )
    created_at = models.DateTimeField(_("created at"), db_index=True)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [models.Index(fields=["name", "id"], name="crm_company_name")]  # the list's order

    def __str__(self) -> str:
        return self.name


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


class Contact(ChurnFields, VersionedModel):
    """A person. A deal without a company makes the contact itself the customer."""

    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    company = models.ForeignKey(Company, verbose_name=_("company"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="contacts")
    source_campaign = models.ForeignKey(Campaign, verbose_name=_("source campaign"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="leads")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="contacts")
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [models.Index(fields=["last_name", "first_name", "id"], name="crm_contact_name")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email or f"#{self.pk}"


class Pipeline(models.Model):
    """An ordered list of stages a deal moves through."""

    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """A step of a pipeline with the probability that a deal in it is won."""

    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE,
                                 related_name="stages")
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)
    probability = models.DecimalField(_("win probability"), max_digits=5, decimal_places=4, default=Decimal("0"))
    idle_days = models.PositiveIntegerField(
        _("idle after days"), null=True, blank=True,
        help_text=_("Deals longer than this in the stage are flagged on the board."),
    )

    class Meta:
        ordering = ["pipeline_id", "position", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.CheckConstraint(condition=Q(probability__gte=0) & Q(probability__lte=1),
                                   name="crm_stage_probability_0_1",
                                   violation_error_message=_("Probability must be between 0 and 1.")),
        ]

    def __str__(self) -> str:
        return f"{self.pipeline.name} / {self.name}" if self.pipeline_id else self.name


class LostReason(models.Model):
    """A reason a deal was lost, from a list staff can edit."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")

    def __str__(self) -> str:
        return self.name


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
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["version", "updated_at", "amount_base"])

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
