"""Campaigns and their spend, through the campaign and spend services."""



from django.contrib import admin
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from core.admin import ServiceAdmin, adopt_saved
from crm.models import (
    Campaign,
    CampaignSpend,
)
from crm.services import (
    CAMPAIGN_EDITABLE_FIELDS,
    campaign_add_spend,
    campaign_create,
    campaign_delete,
    campaign_update,
    spend_delete,
    spend_update,
)


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
