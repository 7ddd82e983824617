"""Admin for the KPI tables: read-only, since only the roll-up and the services write them."""

from django.contrib import admin

from crm.admin import ReadOnlyAdmin
from kpis.models import DailyMeasure, DirtyDay, RollupRun


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
