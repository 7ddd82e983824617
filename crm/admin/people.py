"""Team and user admins: saving a user puts them in their role's group."""



from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crm.models import (
    Team,
    User,
)
from crm.services import (
    user_sync_role_group,
)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "name_fa")
    search_fields = ("name", "name_fa")


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
