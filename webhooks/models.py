"""Outbound webhooks: addresses that receive a signed POST when something happens, and the log of each
delivery and each of its attempts."""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from webhooks.addresses import url_address_problem


class EventType(models.TextChoices):
    DEAL_WON = "deal.won", _("Deal won")
    DEAL_LOST = "deal.lost", _("Deal lost")
    TICKET_RESOLVED = "ticket.resolved", _("Ticket resolved")
    SURVEY_RESPONSE = "survey.response", _("Survey response received")


# Only plain web addresses: a file:, ftp: or gopher: URL must never be fetched by the server.
validate_http_url = URLValidator(schemes=["http", "https"], message=_("Enter an http:// or https:// address."))


class Endpoint(models.Model):
    """An address registered by an admin; it receives the events it subscribed to, signed with its secret."""

    name = models.CharField(_("name"), max_length=100)
    url = models.CharField(_("URL"), max_length=500, validators=[validate_http_url])
    secret = models.CharField(_("secret"), max_length=200,
                              help_text=_("Shared with the receiver, which checks the X-CRM-Signature header."))
    event_types = models.JSONField(_("event types"), default=list,
                                   help_text=_("The events sent to this address."))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"

    def clean(self) -> None:
        """Refuse a receiver on a private network (see webhooks/addresses.py), whoever registers it."""
        problem = url_address_problem(self.url) if self.url else None
        if problem:
            raise ValidationError({"url": problem})


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One event for one endpoint. The body is fixed when the event happens, so every retry sends the same
    bytes; `event_id` lets the receiver drop a repeat."""

    endpoint = models.ForeignKey(Endpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE,
                                 related_name="deliveries")
    event_type = models.CharField(_("event type"), max_length=30, choices=EventType.choices)
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, editable=False)
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "created_at"], name="webhooks_delivery_status")]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint}"


class DeliveryAttempt(models.Model):
    """One POST of a delivery: what the receiver answered (or the error), and how long it took."""

    delivery = models.ForeignKey(Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE,
                                 related_name="attempt_log")
    attempt = models.PositiveIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"))
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))

    class Meta:
        ordering = ["delivery_id", "attempt"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"#{self.attempt}: {self.status_code or self.error[:40]}"
