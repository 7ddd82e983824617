"""Customers: companies and contacts, with the churn staff record on them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.concurrency import VersionedModel
from crm.models.campaigns import Campaign
from crm.models.people import Language, business_language
from crm.models.tags import Tag
from crm.normalize import validate_domain


class CompanySize(models.TextChoices):
    """Head-count bands, as sales teams usually segment accounts."""

    S1_10 = "1-10", _("1-10 employees")
    S11_50 = "11-50", _("11-50 employees")
    S51_200 = "51-200", _("51-200 employees")
    S201_1000 = "201-1000", _("201-1000 employees")
    S1001_PLUS = "1001+", _("1001+ employees")


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
    # Derived by the services (crm/normalize.py) for duplicate detection; never typed.
    name_normalized = models.CharField(_("normalised name"), max_length=200, blank=True, db_index=True,
                                       editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="companies",
    )
    # Stored as its host only (crm/normalize.py), so two spellings of one web site compare equal.
    domain = models.CharField(_("domain"), max_length=253, blank=True, validators=[validate_domain])
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=CompanySize.choices, blank=True)
    address = models.TextField(_("address"), blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="companies")
    created_at = models.DateTimeField(_("created at"), db_index=True)
    # Kept by the services and the importer (crm/search_keys.py); searched through a trigram index on PostgreSQL.
    search_key = models.TextField(_("search key"), blank=True, default="", editable=False)
    history = HistoricalRecords(excluded_fields=["version", "name_normalized", "search_key"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [models.Index(fields=["name", "id"], name="crm_company_name")]  # the list's order

    def __str__(self) -> str:
        return self.name


class Contact(ChurnFields, VersionedModel):
    """A person. A deal without a company makes the contact itself the customer."""

    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="contacts")
    # Derived from what was typed by the services and the importer (crm/normalize.py), for duplicate detection.
    email_normalized = models.CharField(_("normalised email"), max_length=254, blank=True, db_index=True,
                                        editable=False)
    phone_e164 = models.CharField(_("phone (E.164)"), max_length=20, blank=True, db_index=True, editable=False)
    full_name_normalized = models.CharField(_("normalised name"), max_length=201, blank=True, editable=False)
    company = models.ForeignKey(Company, verbose_name=_("company"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="contacts")
    source_campaign = models.ForeignKey(Campaign, verbose_name=_("source campaign"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="leads")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="contacts")
    language = models.CharField(_("language"), max_length=2, choices=Language.choices,
                                default=business_language)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    # Kept by the services and the importer (crm/search_keys.py); searched through a trigram index on PostgreSQL.
    search_key = models.TextField(_("search key"), blank=True, default="", editable=False)
    history = HistoricalRecords(excluded_fields=["version", "email_normalized", "phone_e164",
                                                 "full_name_normalized", "search_key"])

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [models.Index(fields=["last_name", "first_name", "id"], name="crm_contact_name"),
                   models.Index(fields=["company", "full_name_normalized"], name="crm_contact_company_name")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email or f"#{self.pk}"
