"""Search, filter and sort controls of the contact, company and deal lists (django-filter).

The same filter sets drive the pages and their CSV exports, so an export is exactly the list shown.
"""

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import SortFilter
from core.forms import LocalInputForm
from core.ids import parse_record_id
from core.permissions import can_read_area
from core.search_text import key_matches, search_words
from crm.forms import picker
from crm.models import Campaign, Company, Contact, Deal, DealKind, DealStatus, Pipeline, Stage, User


def _staff(request: object = None) -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("full_name", "username")


class ChurnedFilter(django_filters.ChoiceFilter):
    """Churned customers only, or those who have not churned."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("choices", [("yes", _("Churned")), ("no", _("Not churned"))])
        kwargs.setdefault("empty_label", _("Any"))
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if value not in ("yes", "no"):
            return qs
        return qs.filter(churned_at__isnull=value == "no")


class ContactFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__name", lookup_expr="iexact", label=_("Tag"))
    q = django_filters.CharFilter(method="search", label=_("Search"))
    owner = django_filters.ModelChoiceFilter(queryset=_staff, label=_("Owner"), empty_label=_("Anyone"),
                                             widget=picker("users"))
    # Typed, not chosen from a list: a list of every company cannot be rendered at a million contacts.
    # A number is a company's id (links from a company page), anything else part of its name.
    company = django_filters.CharFilter(method="by_company", label=_("Company"))
    source_campaign = django_filters.ModelChoiceFilter(queryset=Campaign.objects.all(), label=_("Source campaign"),
                                                      empty_label=_("Any"), widget=picker("campaigns"))
    churned = ChurnedFilter(label=_("Churned"))
    ordering = SortFilter(
        fields=(("last_name", "name"), ("email", "email"), ("company__name", "company"), ("created_at", "created")),
        field_labels={"last_name": _("Name"), "email": _("Email"), "company__name": _("Company"),
                      "created_at": _("Created")},
        label=_("Sort by"), empty_label=_("Default order"),
    )

    class Meta:
        model = Contact
        form = LocalInputForm
        fields = ["q", "owner", "company", "source_campaign", "churned"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Campaigns are the marketing area's: support staff read contacts but not which campaign brought them.
        if self.request is not None and not can_read_area(self.request.user, "marketing"):
            del self.filters["source_campaign"]

    def by_company(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        value = value.strip()
        company_id = parse_record_id(value)
        if company_id is not None:
            return queryset.filter(company_id=company_id)
        return queryset.filter(company__name__icontains=value) if value else queryset

    def search(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        """Name, email, phone digits, job title or company name (the stored key, crm/search_keys.py)."""
        return queryset.filter(key_matches(search_words(value)))


class CompanyFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__name", lookup_expr="iexact", label=_("Tag"))
    q = django_filters.CharFilter(method="search", label=_("Search"))
    owner = django_filters.ModelChoiceFilter(queryset=_staff, label=_("Owner"), empty_label=_("Anyone"),
                                             widget=picker("users"))
    churned = ChurnedFilter(label=_("Churned"))
    ordering = SortFilter(
        fields=(("name", "name"), ("created_at", "created"), ("contact_count", "contacts")),
        field_labels={"name": _("Name"), "created_at": _("Created"), "contact_count": _("Contacts")},
        label=_("Sort by"), empty_label=_("Default order"),
    )

    class Meta:
        model = Company
        form = LocalInputForm
        fields = ["q", "size", "owner", "churned"]

    def search(self, queryset: QuerySet[Company], name: str, value: str) -> QuerySet[Company]:
        """Name or domain (the stored key, crm/search_keys.py)."""
        return queryset.filter(key_matches(search_words(value)))


class DealFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__name", lookup_expr="iexact", label=_("Tag"))
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(choices=DealStatus.choices, label=_("Status"), empty_label=_("Any"))
    pipeline = django_filters.ModelChoiceFilter(queryset=Pipeline.objects.all(), label=_("Pipeline"),
                                                empty_label=_("Any"))
    stage = django_filters.ModelChoiceFilter(queryset=Stage.objects.select_related("pipeline"), label=_("Stage"),
                                             empty_label=_("Any"))
    owner = django_filters.ModelChoiceFilter(queryset=_staff, label=_("Owner"), empty_label=_("Anyone"),
                                             widget=picker("users"))
    kind = django_filters.ChoiceFilter(choices=DealKind.choices, label=_("Kind"), empty_label=_("Any"))
    campaign = django_filters.ModelChoiceFilter(queryset=Campaign.objects.all(), label=_("Campaign"),
                                                empty_label=_("Any"), widget=picker("campaigns"))
    company = django_filters.NumberFilter(field_name="company_id", widget=forms.HiddenInput)
    contact = django_filters.NumberFilter(field_name="contact_id", widget=forms.HiddenInput)
    ordering = SortFilter(
        fields=(("title", "title"), ("amount_base", "amount"), ("created_at", "created"), ("closed_at", "closed"),
                ("stage__position", "stage")),
        field_labels={"title": _("Title"), "amount_base": _("Amount"), "created_at": _("Created"),
                      "closed_at": _("Closed on"), "stage__position": _("Stage")},
        label=_("Sort by"), empty_label=_("Default order"),
    )

    class Meta:
        model = Deal
        form = LocalInputForm
        fields = ["q", "status", "pipeline", "stage", "owner", "kind", "campaign"]

    def search(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        """Title, company name or contact name (the stored key, crm/search_keys.py)."""
        return queryset.filter(key_matches(search_words(value)))
