"""Admin for tickets, their threads and the SLA policies.

Tickets and messages are written through `support.services`, so the first response, the SLA due
times and the KPI roll-up's dirty days are kept exactly as the pages keep them. Status and the
derived times are read-only; resolving and reopening are actions.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdmin, ServiceAdmin, adopt_saved, deletable_with_parent, posted_choice, run_for_each
from support.models import Attachment, InboundEmail, MessageAuthor, SlaPolicy, Ticket, TicketMessage
from support.services import (
    inbound_email_discard,
    inbound_email_file_on,
    ticket_add_message,
    ticket_create,
    ticket_delete,
    ticket_reopen,
    ticket_resolve,
    ticket_update,
)

TICKET_EDITABLE_FIELDS = frozenset({"subject", "contact", "assignee", "priority", "channel"})

# What the "add a message" box on a ticket writes: (author, public).
MESSAGE_KINDS = {
    "reply": (MessageAuthor.AGENT, True),
    "note": (MessageAuthor.AGENT, False),
    "customer": (MessageAuthor.CUSTOMER, True),
}


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """A change applies to tickets created afterwards: tickets keep the due times they were given."""

    list_display = ("priority", "first_response_hours", "resolution_hours")


class TicketAddForm(forms.ModelForm):
    body = forms.CharField(label=_("Customer's message"), widget=forms.Textarea(attrs={"rows": 4}),
                           required=False)

    class Meta:
        model = Ticket
        fields = ("subject", "contact", "priority", "channel", "assignee", "created_at", "external_id")


class TicketChangeForm(forms.ModelForm):
    """The change page, with a box to add a message to the thread through the service."""

    message_kind = forms.ChoiceField(
        label=_("Kind"), required=False, initial="reply",
        choices=[("reply", _("Public reply from an agent")), ("note", _("Internal note")),
                 ("customer", _("Message from the customer"))],
    )
    message_body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}),
                                   required=False)

    class Meta:
        model = Ticket
        fields = ("subject", "contact", "priority", "channel", "assignee")


class TicketMessageInline(admin.TabularInline):
    """The thread, written only by the services."""

    model = TicketMessage
    fields = ("at", "author", "public", "user", "body")
    readonly_fields = fields
    ordering = ("at", "id")
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[TicketMessage]:
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ServiceAdmin):
    list_display = ("subject", "contact", "priority", "channel", "status", "assignee", "created_at",
                    "first_response_at", "resolved_at")
    list_filter = ("status", "priority", "channel", "assignee", "created_at", "resolved_at")
    search_fields = ("subject", "=external_id")
    list_select_related = ("contact", "assignee")
    autocomplete_fields = ("contact", "assignee")
    show_full_result_count = False
    inlines = [TicketMessageInline]
    actions = ["resolve", "close", "reopen"]
    form = TicketChangeForm
    add_form = TicketAddForm
    add_fieldsets = (
        (None, {"fields": ("subject", "contact", "priority", "channel", "assignee")}),
        (None, {"fields": ("body",)}),
        (None, {"fields": ("created_at", "external_id")}),
    )
    fieldsets = (
        (None, {"fields": ("subject", "contact", "priority", "channel", "assignee", "status")}),
        (_("Times"), {"fields": ("created_at", "first_response_at", "first_response_due_at", "resolved_at",
                                 "resolution_due_at", "updated_at")}),
        (None, {"fields": ("external_id",)}),
        (_("Add a message"), {"fields": ("message_kind", "message_body")}),
    )
    change_readonly_fields = ("status", "created_at", "first_response_at", "first_response_due_at",
                              "resolved_at", "resolution_due_at", "updated_at", "external_id")

    def get_fieldsets(self, request: HttpRequest, obj: Ticket | None = None) -> Any:
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Ticket | None = None) -> Any:
        return () if obj is None else self.change_readonly_fields

    def get_form(
        self, request: HttpRequest, obj: Ticket | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inline_instances(self, request: HttpRequest, obj: Ticket | None = None) -> list:
        return super().get_inline_instances(request, obj) if obj is not None else []

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"created_at": timezone.now(), **super().get_changeform_initial_data(request)}

    def save_model(self, request: HttpRequest, obj: Ticket, form: ModelForm, change: bool) -> None:
        if not change:
            adopt_saved(obj, ticket_create(
                subject=obj.subject, contact=obj.contact, priority=obj.priority, channel=obj.channel,
                assignee=obj.assignee, created_at=obj.created_at, body=form.cleaned_data.get("body", ""),
                external_id=obj.external_id,
            ))
            return
        changes = {name: getattr(obj, name) for name in form.changed_data if name in TICKET_EDITABLE_FIELDS}
        if changes:
            adopt_saved(obj, ticket_update(ticket=obj, **changes))
        body = form.cleaned_data.get("message_body", "").strip()
        if body:
            author, public = MESSAGE_KINDS[form.cleaned_data.get("message_kind") or "reply"]
            user = request.user if author == MessageAuthor.AGENT else None
            ticket_add_message(ticket=obj, author=author, public=public, user=user, body=body)
            obj.refresh_from_db()

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[list, dict, set, list]:
        return deletable_with_parent(super().get_deleted_objects(objs, request), TicketMessage)

    def delete_model(self, request: HttpRequest, obj: Ticket) -> None:
        ticket_delete(tickets=Ticket.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        ticket_delete(tickets=queryset)

    @admin.action(description=_("Resolve"), permissions=["change"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        run_for_each(self, request, queryset, lambda ticket: ticket_resolve(ticket=ticket),
                     lambda n: ngettext("%d ticket resolved.", "%d tickets resolved.", n) % n)

    @admin.action(description=_("Close"), permissions=["change"])
    def close(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        run_for_each(self, request, queryset, lambda ticket: ticket_resolve(ticket=ticket, close=True),
                     lambda n: ngettext("%d ticket closed.", "%d tickets closed.", n) % n)

    @admin.action(description=_("Reopen"), permissions=["change"])
    def reopen(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        run_for_each(self, request, queryset, lambda ticket: ticket_reopen(ticket=ticket),
                     lambda n: ngettext("%d ticket reopened.", "%d tickets reopened.", n) % n)


class TicketMessageAddForm(forms.ModelForm):
    class Meta:
        model = TicketMessage
        fields = ("ticket", "author", "public", "user", "body", "at")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        ticket, at = data.get("ticket"), data.get("at")
        if ticket is not None and at is not None and at < ticket.created_at:
            raise ValidationError({"at": _("A message cannot be dated before the ticket was created.")})
        return data


@admin.register(TicketMessage)
class TicketMessageAdmin(ReadOnlyAdmin):
    """Messages are added through the service (it keeps the first response) and never edited."""

    list_display = ("ticket", "at", "author", "public", "user", "delivery_status")
    list_filter = ("author", "public", "delivery_status", "at")
    search_fields = ("ticket__subject", "=ticket__external_id")
    list_select_related = ("ticket", "user")
    autocomplete_fields = ("ticket", "user")
    ordering = ("-at", "-id")
    show_full_result_count = False
    form = TicketMessageAddForm

    def has_add_permission(self, request: HttpRequest, obj: TicketMessage | None = None) -> bool:
        return admin.ModelAdmin.has_add_permission(self, request)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"at": timezone.now(), "author": MessageAuthor.AGENT, "user": request.user.pk,
                **super().get_changeform_initial_data(request)}

    def save_model(self, request: HttpRequest, obj: TicketMessage, form: ModelForm, change: bool) -> None:
        adopt_saved(obj, ticket_add_message(ticket=obj.ticket, author=obj.author, public=obj.public,
                                            user=obj.user, body=obj.body, at=obj.at))


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    """Files on ticket messages, stored by the services; downloaded from the ticket page (its permission)."""

    list_display = ("filename", "content_type", "size_bytes", "limit_mb", "message", "created_at")
    list_filter = ("content_type", "created_at")
    search_fields = ("filename", "=message__ticket__id")
    list_select_related = ("message",)
    ordering = ("-created_at", "-id")
    exclude = ("file",)
    show_full_result_count = False


class InboundActionForm(ActionForm):
    """The changelist's action bar, with the ticket "File on the chosen ticket" needs."""

    ticket = forms.ModelChoiceField(queryset=Ticket.objects.all(), required=False, label=_("Ticket"),
                                    widget=forms.NumberInput, help_text=_('Its number, for "File on the ticket".'))


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdmin):
    """The emails fetched from the support mailbox, kept whole; those that could not be filed are filed on a
    ticket by hand or discarded (through the services)."""

    list_display = ("received_at", "sender", "subject", "status", "shown_reason", "ticket")
    list_filter = ("status", "received_at")
    search_fields = ("sender", "subject", "header_message_id")
    list_select_related = ("ticket",)
    ordering = ("-received_at", "-id")
    readonly_fields = ("received_at", "fetched_at", "sender", "subject", "header_message_id", "status",
                       "shown_reason", "ticket", "message", "activity", "text")
    exclude = ("raw", "mailbox_key", "reason")
    action_form = InboundActionForm
    actions = ["file_on_ticket", "discard"]

    @admin.display(description=_("reason"))
    def shown_reason(self, obj: InboundEmail) -> str:
        return _(obj.reason) if obj.reason else ""

    def has_change_permission(self, request: HttpRequest, obj: InboundEmail | None = None) -> bool:
        return obj is None and admin.ModelAdmin.has_change_permission(self, request)

    @admin.action(description=_("File on the ticket"), permissions=["change"])
    def file_on_ticket(self, request: HttpRequest, queryset: QuerySet[InboundEmail]) -> None:
        ticket = posted_choice(request, "ticket", Ticket.objects.all())
        if ticket is None:
            self.message_user(request, _("Give the number of the ticket to file the emails on."), messages.ERROR)
            return
        run_for_each(self, request, queryset, lambda inbound: inbound_email_file_on(inbound=inbound, ticket=ticket),
                     lambda n: ngettext("%d email filed.", "%d emails filed.", n) % n)

    @admin.action(description=_("Discard"), permissions=["change"])
    def discard(self, request: HttpRequest, queryset: QuerySet[InboundEmail]) -> None:
        run_for_each(self, request, queryset, lambda inbound: inbound_email_discard(inbound=inbound),
                     lambda n: ngettext("%d email discarded.", "%d emails discarded.", n) % n)
