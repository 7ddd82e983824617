"""Activities feed no KPI, so they are edited directly."""


from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from crm.models import (
    Activity,
)


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
