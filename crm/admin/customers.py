"""Companies and contacts: creating, editing, churn and deleting through crm.services."""


from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.admin import ServiceAdmin, adopt_saved
from crm.models import (
    Company,
    Contact,
    MergeRecord,
)
from crm.services import (
    company_create,
    company_delete,
    company_update,
    contact_create,
    contact_delete,
    contact_update,
    customer_set_churn,
)

CHURN_FIELDS = ("churned_at", "churn_reason")




class CustomerAdmin(ServiceAdmin):
    """Shared by companies and contacts: a change of churn goes through `customer_set_churn`."""

    ordering = ("-created_at",)
    show_full_result_count = False
    list_filter = (("churned_at", admin.EmptyFieldListFilter), "created_at")
    autocomplete_fields = ("owner",)

    def create_record(self, obj: Company | Contact) -> Company | Contact:
        raise NotImplementedError

    def update_record(self, stored: Company | Contact, changes: dict[str, object]) -> Company | Contact:
        raise NotImplementedError

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"created_at": timezone.now(), **super().get_changeform_initial_data(request)}

    def save_model(self, request: HttpRequest, obj: Company | Contact, form: ModelForm, change: bool) -> None:
        churned_at, reason = obj.churned_at, obj.churn_reason
        if change:
            stored = type(obj).objects.get(pk=obj.pk)
            changes = {name: getattr(obj, name) for name in form.changed_data if name not in CHURN_FIELDS}
            record = self.update_record(stored, changes) if changes else stored
            churn_changed = any(name in form.changed_data for name in CHURN_FIELDS)
        else:
            record = self.create_record(obj)
            churn_changed = churned_at is not None
        if churn_changed:
            customer_set_churn(customer=record, churned_at=churned_at, reason=reason)
        adopt_saved(obj, record)


@admin.register(Company)
class CompanyAdmin(CustomerAdmin):
    list_display = ("name", "owner", "created_at", "churned_at", "external_id")
    search_fields = ("name", "=external_id")
    list_select_related = ("owner",)
    fieldsets = (
        (None, {"fields": ("name", "owner", "created_at", "external_id")}),
        (_("Profile"), {"fields": ("domain", "industry", "size", "address")}),
        (_("Churn"), {"fields": CHURN_FIELDS}),
    )

    def create_record(self, obj: Company) -> Company:
        return company_create(name=obj.name, created_at=obj.created_at, owner=obj.owner,
                              external_id=obj.external_id, domain=obj.domain, industry=obj.industry,
                              size=obj.size, address=obj.address)

    def update_record(self, stored: Company, changes: dict[str, object]) -> Company:
        return company_update(company=stored, **changes)

    def delete_model(self, request: HttpRequest, obj: Company) -> None:
        company_delete(companies=Company.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Company]) -> None:
        company_delete(companies=queryset)


@admin.register(Contact)
class ContactAdmin(CustomerAdmin):
    list_display = ("__str__", "email", "company", "source_campaign", "owner", "created_at", "churned_at")
    search_fields = ("first_name", "last_name", "email", "=external_id")
    list_select_related = ("company", "source_campaign", "owner")
    autocomplete_fields = ("company", "source_campaign", "owner")
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "job_title", "email", "phone", "language")}),
        (_("Relations"), {"fields": ("company", "source_campaign", "owner")}),
        (None, {"fields": ("created_at", "external_id")}),
        (_("Churn"), {"fields": CHURN_FIELDS}),
    )

    def create_record(self, obj: Contact) -> Contact:
        return contact_create(
            first_name=obj.first_name, last_name=obj.last_name, email=obj.email, phone=obj.phone,
            company=obj.company, source_campaign=obj.source_campaign, owner=obj.owner, language=obj.language,
            created_at=obj.created_at, external_id=obj.external_id, job_title=obj.job_title,
        )

    def update_record(self, stored: Contact, changes: dict[str, object]) -> Contact:
        return contact_update(contact=stored, **changes)

    def delete_model(self, request: HttpRequest, obj: Contact) -> None:
        contact_delete(contacts=Contact.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Contact]) -> None:
        contact_delete(contacts=queryset)


@admin.register(MergeRecord)
class MergeRecordAdmin(admin.ModelAdmin):
    """The merges' audit trail, read only: merges are made through `crm.services.contact_merge`/`company_merge`."""

    list_display = ("kind", "kept_id", "dropped_id", "merged_by", "merged_at")
    list_filter = ("kind",)
    search_fields = ("=kept_id", "=dropped_id")
    list_select_related = ("merged_by",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: MergeRecord | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: MergeRecord | None = None) -> bool:
        return False
