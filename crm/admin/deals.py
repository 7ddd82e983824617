"""Deals: created, edited, moved, closed and deleted only through crm.services; stage history read-only."""


from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdmin, ServiceAdmin, adopt_saved, deletable_with_parent, posted_choice, run_for_each
from crm.admin.pipelines import StageListFilter
from crm.models import (
    Deal,
    DealStageEntry,
    LostReason,
    Stage,
)
from crm.services import (
    DEAL_EDITABLE_FIELDS,
    deal_close,
    deal_create,
    deal_delete,
    deal_move_stage,
    deal_reopen,
    deal_update,
)


class DealAddForm(forms.ModelForm):
    """The add page: the deal starts in the chosen stage, which the service records as its first entry."""

    initial_stage = forms.ModelChoiceField(
        queryset=Stage.objects.select_related("pipeline"), label=_("Stage"),
        help_text=_("The stage the deal starts in; its pipeline becomes the deal's pipeline."),
    )

    class Meta:
        model = Deal
        fields = ("title", "contact", "company", "owner", "amount", "currency", "exchange_rate", "kind",
                  "campaign", "expected_close_date", "created_at", "external_id")


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
        (None, {"fields": ("title", "initial_stage", "contact", "company", "owner", "kind", "campaign",
                           "expected_close_date")}),
        (_("Amount"), {"fields": ("amount", "currency", "exchange_rate")}),
        (None, {"fields": ("created_at", "external_id")}),
    )
    fieldsets = (
        (None, {"fields": ("title", "pipeline", "stage", "status", "contact", "company", "owner", "kind",
                           "campaign", "expected_close_date")}),
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
            external_id=obj.external_id, expected_close_date=obj.expected_close_date,
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
