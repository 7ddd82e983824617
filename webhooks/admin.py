"""Admins register endpoints here and read the delivery log."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from webhooks.models import Delivery, DeliveryAttempt, Endpoint, EventType


class EndpointForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(label=_("event types"), choices=EventType.choices,
                                            widget=forms.CheckboxSelectMultiple)
    secret = forms.CharField(label=_("secret"), max_length=200, widget=forms.PasswordInput(render_value=True),
                             help_text=_("Shared with the receiver, which checks the X-CRM-Signature header."))

    class Meta:
        model = Endpoint
        fields = ["name", "url", "secret", "event_types", "active"]


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["name", "url", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["attempt", "at", "status_code", "error", "duration_ms"]
    readonly_fields = fields

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read only, one row per event and endpoint, each attempt inline."""

    list_display = ["event_type", "endpoint", "status", "attempts", "created_at", "delivered_at"]
    list_filter = ["status", "event_type", "endpoint"]
    list_select_related = ["endpoint"]
    readonly_fields = ["endpoint", "event_type", "event_id", "body", "status", "attempts", "created_at",
                       "delivered_at"]
    inlines = [DeliveryAttemptInline]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
