"""Admin for the KPI tables: snapshots read-only, since only the roll-up writes them; targets through the service."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin
from kpis.models import DailyMeasure, DirtyDay, NightlyRollup, RollupRun, Target
from kpis.services import target_delete, target_save


@admin.register(DailyMeasure)
class DailyMeasureAdmin(ReadOnlyAdmin):
    list_display = ("day", "measure", "dimension", "member", "value")
    list_filter = ("day",)
    search_fields = ("=measure", "=member")
    ordering = ("-id",)
    show_full_result_count = False


@admin.register(DirtyDay)
class DirtyDayAdmin(ReadOnlyAdmin):
    list_display = ("family", "day")
    list_filter = ("family", "day")
    ordering = ("-id",)
    show_full_result_count = False


@admin.register(RollupRun)
class RollupRunAdmin(ReadOnlyAdmin):
    list_display = ("finished_at", "started_at", "days", "rows", "full")
    list_filter = ("full",)


@admin.register(NightlyRollup)
class NightlyRollupAdmin(ReadOnlyAdmin):
    list_display = ("night", "claimed_at")


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    """Targets are validated and written through kpis.services, as on the targets page."""

    list_display = ("kpi_key", "period_kind", "period_start", "owner", "team", "value")
    list_filter = ("period_kind", "kpi_key")
    search_fields = ("=kpi_key", "owner__username", "team__name")
    autocomplete_fields = ("owner", "team")
    date_hierarchy = "period_start"

    def save_model(self, request: HttpRequest, obj: Target, form: object, change: bool) -> None:
        target_save(target=obj)

    def delete_model(self, request: HttpRequest, obj: Target) -> None:
        target_delete(target=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Target]) -> None:
        for target in queryset:
            target_delete(target=target)
