"""Admin for people, customers and the sales pipeline.

The admin writes through `crm.services` like every other entry point (creating, editing and deleting
alike), so stage history, change history, derived amounts, role groups and the KPI roll-up's dirty days
cannot be skipped from here, and a service's refusal shows as the same message the pages give.
Lists are sized for a million rows: no full counts, related rows fetched with the page, indexed
orderings, and big foreign keys picked by search instead of a select of every row.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdmin, ServiceAdmin, adopt_saved, deletable_with_parent, posted_choice, run_for_each
from crm.models import (
    Activity,
    Campaign,
    CampaignSpend,
    Company,
    Contact,
    Deal,
    DealStageEntry,
    LostReason,
    Pipeline,
    Stage,
    Team,
    User,
)
from crm.services import (
    CAMPAIGN_EDITABLE_FIELDS,
    DEAL_EDITABLE_FIELDS,
    campaign_add_spend,
    campaign_create,
    campaign_delete,
    campaign_update,
    company_create,
    company_delete,
    company_update,
    contact_create,
    contact_delete,
    contact_update,
    customer_set_churn,
    deal_close,
    deal_create,
    deal_delete,
    deal_move_stage,
    deal_reopen,
    deal_update,
    spend_delete,
    spend_update,
    stage_set_probability,
    user_sync_role_group,
)

CHURN_FIELDS = ("churned_at", "churn_reason")


class StageListFilter(admin.RelatedFieldListFilter):
    """Stages named with their pipeline, fetched in one query rather than one per stage."""

    def field_choices(self, field: models.Field, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        stages = Stage.objects.select_related("pipeline").order_by("pipeline__name", "position", "id")
        return [(stage.pk, str(stage)) for stage in stages]


# People


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin with the CRM's fields; saving puts the user in their role's group."""

    fieldsets = (
        DjangoUserAdmin.fieldsets[0],
        (_("CRM"), {"fields": ("full_name", "role", "team", "language")}),
        *DjangoUserAdmin.fieldsets[1:],
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("CRM"), {"classes": ("wide",), "fields": ("full_name", "role", "team", "language")}),
    )
    list_display = ("username", "full_name", "email", "role", "team", "is_staff", "is_active")
    list_filter = ("role", "team", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "full_name", "first_name", "last_name", "email")
    list_select_related = ("team",)

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: list, change: bool) -> None:
        # After the form's own groups are saved, or they would overwrite the synced role group.
        super().save_related(request, form, formsets, change)
        user_sync_role_group(user=form.instance)


# Customers


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
        (_("Churn"), {"fields": CHURN_FIELDS}),
    )

    def create_record(self, obj: Company) -> Company:
        return company_create(name=obj.name, created_at=obj.created_at, owner=obj.owner,
                              external_id=obj.external_id)

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
        (None, {"fields": ("first_name", "last_name", "email", "phone", "language")}),
        (_("Relations"), {"fields": ("company", "source_campaign", "owner")}),
        (None, {"fields": ("created_at", "external_id")}),
        (_("Churn"), {"fields": CHURN_FIELDS}),
    )

    def create_record(self, obj: Contact) -> Contact:
        return contact_create(
            first_name=obj.first_name, last_name=obj.last_name, email=obj.email, phone=obj.phone,
            company=obj.company, source_campaign=obj.source_campaign, owner=obj.owner, language=obj.language,
            created_at=obj.created_at, external_id=obj.external_id,
        )

    def update_record(self, stored: Contact, changes: dict[str, object]) -> Contact:
        return contact_update(contact=stored, **changes)

    def delete_model(self, request: HttpRequest, obj: Contact) -> None:
        contact_delete(contacts=Contact.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Contact]) -> None:
        contact_delete(contacts=queryset)


# Campaigns


class CampaignSpendInline(admin.TabularInline):
    model = CampaignSpend
    fields = ("date", "amount")
    ordering = ("-date", "-id")
    extra = 1


@admin.register(Campaign)
class CampaignAdmin(ServiceAdmin):
    list_display = ("name", "channel", "external_id")
    list_filter = ("channel",)
    search_fields = ("name", "=external_id")
    inlines = [CampaignSpendInline]

    def save_model(self, request: HttpRequest, obj: Campaign, form: ModelForm, change: bool) -> None:
        if not change:
            adopt_saved(obj, campaign_create(name=obj.name, channel=obj.channel, external_id=obj.external_id))
            return
        changes = {name: getattr(obj, name) for name in form.changed_data if name in CAMPAIGN_EDITABLE_FIELDS}
        if changes:
            adopt_saved(obj, campaign_update(campaign=obj, **changes))

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        """Spend entries added, corrected or deleted here go through the spend services, one by one."""
        if formset.model is not CampaignSpend:
            super().save_formset(request, form, formset, change)
            return
        for spend_form in formset.forms:
            spend = spend_form.instance
            if spend_form in formset.deleted_forms:
                if spend.pk is not None:
                    spend_delete(spends=CampaignSpend.objects.filter(pk=spend.pk))
            elif spend.pk is None and spend_form.has_changed():
                spend_form.instance = campaign_add_spend(campaign=form.instance, spent_on=spend.date,
                                                         amount=spend.amount)
            elif spend.pk is not None and spend_form.has_changed():
                spend_update(spend=spend, spent_on=spend.date, amount=spend.amount)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request: HttpRequest, obj: Campaign) -> None:
        campaign_delete(campaigns=Campaign.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        campaign_delete(campaigns=queryset)


@admin.register(CampaignSpend)
class CampaignSpendAdmin(ServiceAdmin):
    list_display = ("date", "campaign", "amount")
    list_filter = ("date", "campaign")
    search_fields = ("campaign__name",)
    list_select_related = ("campaign",)
    autocomplete_fields = ("campaign",)
    ordering = ("-date", "-id")
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: CampaignSpend, form: ModelForm, change: bool) -> None:
        if not change:
            adopt_saved(obj, campaign_add_spend(campaign=obj.campaign, spent_on=obj.date, amount=obj.amount))
            return
        adopt_saved(obj, spend_update(spend=obj, spent_on=obj.date, amount=obj.amount, campaign=obj.campaign))

    def delete_model(self, request: HttpRequest, obj: CampaignSpend) -> None:
        spend_delete(spends=CampaignSpend.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CampaignSpend]) -> None:
        spend_delete(spends=queryset)


# Pipelines


class StageInline(admin.TabularInline):
    model = Stage
    fields = ("position", "name", "probability", "idle_days", "external_id")
    ordering = ("position", "id")
    extra = 0


@admin.register(Pipeline)
class PipelineAdmin(ServiceAdmin):
    list_display = ("name", "external_id")
    search_fields = ("name", "=external_id")
    inlines = [StageInline]

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        """A changed win probability re-weights the stage's whole history: the service marks those days."""
        super().save_formset(request, form, formset, change)
        if formset.model is Stage:
            for stage, changed in formset.changed_objects:
                if "probability" in changed:
                    stage_set_probability(stage=stage, probability=stage.probability)


@admin.register(Stage)
class StageAdmin(ServiceAdmin):
    list_display = ("name", "pipeline", "position", "probability", "idle_days")
    list_filter = ("pipeline",)
    search_fields = ("name", "pipeline__name", "=external_id")
    list_select_related = ("pipeline",)
    ordering = ("pipeline__name", "position", "id")

    def save_model(self, request: HttpRequest, obj: Stage, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "probability" in form.changed_data:
            stage_set_probability(stage=obj, probability=obj.probability)


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


# Deals


class DealAddForm(forms.ModelForm):
    """The add page: the deal starts in the chosen stage, which the service records as its first entry."""

    initial_stage = forms.ModelChoiceField(
        queryset=Stage.objects.select_related("pipeline"), label=_("Stage"),
        help_text=_("The stage the deal starts in; its pipeline becomes the deal's pipeline."),
    )

    class Meta:
        model = Deal
        fields = ("title", "contact", "company", "owner", "amount", "currency", "exchange_rate", "kind",
                  "campaign", "created_at", "external_id")


class DealActionForm(ActionForm):
    """The changelist's action bar, with what "move to stage" and "mark lost" need."""

    stage = forms.ModelChoiceField(
        queryset=Stage.objects.select_related("pipeline"), required=False, label=_("Stage"),
        help_text=_('For "Move to the chosen stage".'),
    )
    lost_reason = forms.ModelChoiceField(
        queryset=LostReason.objects.all(), required=False, label=_("Lost reason"),
        help_text=_('For "Mark lost".'),
    )


class DealStageEntryInline(admin.TabularInline):
    """The deal's stage history, written only by the services."""

    model = DealStageEntry
    fields = ("stage", "entered_at", "exited_at")
    readonly_fields = fields
    ordering = ("entered_at", "id")
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[DealStageEntry]:
        return super().get_queryset(request).select_related("stage__pipeline")

    def has_add_permission(self, request: HttpRequest, obj: Deal | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Deal | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Deal | None = None) -> bool:
        return False


@admin.register(Deal)
class DealAdmin(ServiceAdmin):
    """Deals are created, edited, moved, closed and deleted only through `crm.services`.

    Stage, status and close time are read-only here: stage moves and closing are actions, so the
    stage history and dirty KPI days are written by the same code the pages use.
    """

    list_display = ("title", "pipeline", "stage", "status", "amount", "currency", "amount_base", "owner",
                    "created_at", "closed_at")
    list_filter = ("status", "pipeline", ("stage", StageListFilter), "kind", "owner", "created_at",
                   "closed_at")
    search_fields = ("title", "=external_id")
    list_select_related = ("pipeline", "stage__pipeline", "owner")
    autocomplete_fields = ("contact", "company", "owner", "campaign")
    show_full_result_count = False
    inlines = [DealStageEntryInline]
    action_form = DealActionForm
    actions = ["mark_won", "mark_lost", "move_to_stage", "reopen"]
    add_form = DealAddForm
    add_fieldsets = (
        (None, {"fields": ("title", "initial_stage", "contact", "company", "owner", "kind", "campaign")}),
        (_("Amount"), {"fields": ("amount", "currency", "exchange_rate")}),
        (None, {"fields": ("created_at", "external_id")}),
    )
    fieldsets = (
        (None, {"fields": ("title", "pipeline", "stage", "status", "contact", "company", "owner", "kind",
                           "campaign")}),
        (_("Amount"), {"fields": ("amount", "currency", "exchange_rate", "amount_base")}),
        (_("Closing"), {"fields": ("closed_at", "lost_reason", "lost_note")}),
        (None, {"fields": ("created_at", "updated_at", "external_id")}),
    )
    change_readonly_fields = ("pipeline", "stage", "status", "created_at", "closed_at", "lost_reason",
                              "lost_note", "amount_base", "external_id", "updated_at")

    def get_fieldsets(self, request: HttpRequest, obj: Deal | None = None) -> Any:
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Deal | None = None) -> Any:
        return () if obj is None else self.change_readonly_fields

    def get_form(
        self, request: HttpRequest, obj: Deal | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inline_instances(self, request: HttpRequest, obj: Deal | None = None) -> list:
        return super().get_inline_instances(request, obj) if obj is not None else []

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"created_at": timezone.now(), "currency": settings.CRM_CURRENCY,
                **super().get_changeform_initial_data(request)}

    def save_model(self, request: HttpRequest, obj: Deal, form: ModelForm, change: bool) -> None:
        if change:
            changes = {name: getattr(obj, name) for name in form.changed_data if name in DEAL_EDITABLE_FIELDS}
            if changes:
                adopt_saved(obj, deal_update(deal=obj, **changes))
            return
        deal = deal_create(
            title=obj.title, pipeline_stage=form.cleaned_data["initial_stage"], contact=obj.contact,
            owner=obj.owner, amount=obj.amount, company=obj.company, currency=obj.currency,
            exchange_rate=obj.exchange_rate, kind=obj.kind, campaign=obj.campaign, created_at=obj.created_at,
            external_id=obj.external_id,
        )
        adopt_saved(obj, deal)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[list, dict, set, list]:
        return deletable_with_parent(super().get_deleted_objects(objs, request), DealStageEntry)

    def delete_model(self, request: HttpRequest, obj: Deal) -> None:
        deal_delete(deal=obj)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Deal]) -> None:
        for deal in queryset:
            deal_delete(deal=deal)

    @admin.action(description=_("Mark won"), permissions=["change"])
    def mark_won(self, request: HttpRequest, queryset: QuerySet[Deal]) -> None:
        run_for_each(self, request, queryset, lambda deal: deal_close(deal=deal, won=True),
                     lambda n: ngettext("%d deal marked won.", "%d deals marked won.", n) % n)

    @admin.action(description=_("Mark lost (with the chosen lost reason)"), permissions=["change"])
    def mark_lost(self, request: HttpRequest, queryset: QuerySet[Deal]) -> None:
        reason = posted_choice(request, "lost_reason", LostReason.objects.all())
        run_for_each(self, request, queryset,
                     lambda deal: deal_close(deal=deal, won=False, lost_reason=reason),
                     lambda n: ngettext("%d deal marked lost.", "%d deals marked lost.", n) % n)

    @admin.action(description=_("Move to the chosen stage"), permissions=["change"])
    def move_to_stage(self, request: HttpRequest, queryset: QuerySet[Deal]) -> None:
        stage = posted_choice(request, "stage", Stage.objects.all())
        if stage is None:
            self.message_user(request, _("Choose a stage to move the deals to."), messages.ERROR)
            return
        run_for_each(self, request, queryset, lambda deal: deal_move_stage(deal=deal, stage=stage),
                     lambda n: ngettext("%d deal moved.", "%d deals moved.", n) % n)

    @admin.action(description=_("Reopen"), permissions=["change"])
    def reopen(self, request: HttpRequest, queryset: QuerySet[Deal]) -> None:
        run_for_each(self, request, queryset, lambda deal: deal_reopen(deal=deal),
                     lambda n: ngettext("%d deal reopened.", "%d deals reopened.", n) % n)


@admin.register(DealStageEntry)
class DealStageEntryAdmin(ReadOnlyAdmin):
    list_display = ("deal", "stage", "entered_at", "exited_at")
    list_filter = (("stage", StageListFilter), "entered_at")
    search_fields = ("deal__title", "=deal__external_id")
    list_select_related = ("deal", "stage__pipeline")
    ordering = ("-entered_at", "-id")
    show_full_result_count = False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """Activities feed no KPI, so they are edited directly."""

    list_display = ("subject", "kind", "owner", "contact", "company", "deal", "due_at", "done_at",
                    "created_at")
    list_filter = ("kind", "owner", ("done_at", admin.EmptyFieldListFilter))
    search_fields = ("subject",)
    list_select_related = ("owner", "contact", "company", "deal")
    autocomplete_fields = ("contact", "company", "deal", "owner")
    ordering = ("-id",)
    show_full_result_count = False

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"created_at": timezone.now(), "owner": request.user.pk,
                **super().get_changeform_initial_data(request)}
