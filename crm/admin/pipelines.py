"""Pipelines, stages and lost reasons; a changed win probability re-weights the stage's history."""



from django.contrib import admin
from django.db import models
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from core.admin import ServiceAdmin
from crm.models import (
    LostReason,
    Pipeline,
    Stage,
)
from crm.services import (
    stage_set_probability,
)


class StageListFilter(admin.RelatedFieldListFilter):
    """Stages named with their pipeline, fetched in one query rather than one per stage."""

    def field_choices(self, field: models.Field, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        stages = Stage.objects.select_related("pipeline").order_by("pipeline__name", "position", "id")
        return [(stage.pk, str(stage)) for stage in stages]





class StageInline(admin.TabularInline):
    model = Stage
    fields = ("position", "name", "name_fa", "probability", "idle_days", "external_id")
    ordering = ("position", "id")
    extra = 0


@admin.register(Pipeline)
class PipelineAdmin(ServiceAdmin):
    list_display = ("name", "name_fa", "external_id")
    search_fields = ("name", "name_fa", "=external_id")
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
    list_display = ("name", "name_fa", "pipeline", "position", "probability", "idle_days")
    list_filter = ("pipeline",)
    search_fields = ("name", "name_fa", "pipeline__name", "=external_id")
    list_select_related = ("pipeline",)
    ordering = ("pipeline__name", "position", "id")

    def save_model(self, request: HttpRequest, obj: Stage, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "probability" in form.changed_data:
            stage_set_probability(stage=obj, probability=obj.probability)


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    list_display = ("name", "name_fa")
    search_fields = ("name", "name_fa")
