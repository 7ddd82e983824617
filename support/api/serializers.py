"""Shapes of tickets and their messages; input serializers validate before support.services is called."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import fields as local
from core.api.base import VersionSerializer, record_field
from crm.models import Contact, User
from support.models import Attachment, Channel, MessageAuthor, Priority, Ticket, TicketMessage


class TicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = ["id", "external_id", "subject", "contact", "assignee", "priority", "channel", "status",
                  "created_at", "resolved_at", "first_response_at", "first_response_due_at", "resolution_due_at",
                  "updated_at", "version"]


class TicketCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=300)
    contact = record_field(Contact.objects.all())
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.EMAIL)
    body = serializers.CharField(required=False, allow_blank=True, max_length=100_000,
                                 help_text=_("The customer's first message."))
    external_id = serializers.CharField(max_length=100, required=False, allow_null=True)


class TicketUpdateSerializer(VersionSerializer):
    subject = serializers.CharField(max_length=300, required=False)
    contact = record_field(Contact.objects.all(), required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)


class TicketAssignSerializer(VersionSerializer):
    assignee = record_field(User.objects.all(), allow_null=True,
                            help_text=_("The agent to give the ticket to; null leaves it unassigned."))


class TicketResolveSerializer(VersionSerializer):
    at = local.DateTimeField(required=False, help_text=_("When it was resolved; now when left out."))
    close = serializers.BooleanField(default=False, help_text=_("Close the ticket rather than resolve it."))


class AttachmentSerializer(serializers.ModelSerializer):
    kept = serializers.BooleanField(
        read_only=True, help_text=_("False for a file larger than the limit when it came: listed, but not stored."))
    download = serializers.SerializerMethodField(
        help_text=_("Where the file is served (as a download, to those who may read the ticket); null when it "
                    "was not kept."))

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size_bytes", "kept", "limit_mb", "download"]

    def get_download(self, attachment: Attachment) -> str | None:
        if not attachment.kept:
            return None
        return reverse("api-ticket-attachment", args=[attachment.message.ticket_id, attachment.pk])


class TicketMessageSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TicketMessage
        fields = ["id", "ticket", "at", "author", "user", "public", "body", "message_id", "delivery_status",
                  "delivery_error", "sent_at", "attachments"]
        read_only_fields = ["message_id", "delivery_status", "delivery_error", "sent_at"]


class TicketMessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=100_000)
    public = serializers.BooleanField(
        default=True, help_text=_("A public reply the customer sees (true) or an internal note (false)."))
    author = serializers.ChoiceField(
        choices=MessageAuthor.choices, default=MessageAuthor.AGENT,
        help_text=_("`customer` records a message the customer sent (from another channel)."))
    at = local.DateTimeField(required=False, help_text=_("When it was written; now when left out."))
