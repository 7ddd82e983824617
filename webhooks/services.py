"""Registering endpoints, recording the deliveries an event causes, and sending one attempt."""

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from webhooks.addresses import public_opener
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint, EventType
from webhooks.signing import SIGNATURE_HEADER, signature_header

TIMEOUT_SECONDS = 10


@transaction.atomic
def endpoint_register(*, name: str, url: str, secret: str, event_types: Iterable[str],
                      active: bool = True) -> Endpoint:
    """Register an address for some event types; only http(s) addresses and known event types are accepted."""
    event_types = list(dict.fromkeys(event_types))
    unknown = [event for event in event_types if event not in EventType.values]
    if unknown:
        raise ValidationError({"event_types": _("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)}})
    endpoint = Endpoint(name=name, url=url, secret=secret, event_types=event_types, active=active)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def event_publish(*, event_type: str, data: dict) -> list[int]:
    """Record one delivery per active endpoint subscribed to `event_type` and queue each after commit.

    Returns the new deliveries' ids. Called from core.events after the change committed."""
    from webhooks.tasks import deliver_webhook_task  # tasks import this module

    created_at = timezone.now()
    ids = []
    with transaction.atomic():
        for endpoint in Endpoint.objects.filter(active=True):
            if event_type not in endpoint.event_types:
                continue
            delivery = Delivery(endpoint=endpoint, event_type=event_type)
            delivery.body = json.dumps(
                {"id": str(delivery.event_id), "type": event_type, "created_at": created_at, "data": data},
                cls=DjangoJSONEncoder, sort_keys=True,
            )
            delivery.save()
            ids.append(delivery.pk)
        for delivery_id in ids:
            transaction.on_commit(lambda delivery_id=delivery_id: deliver_webhook_task.delay(delivery_id))
    return ids


def delivery_attempt(*, delivery_id: int) -> bool:
    """POST a pending delivery once and log the attempt; True when the receiver answered 2xx (or the delivery
    was already done, so running twice sends nothing twice)."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery_id)
        if delivery.status == DeliveryStatus.SUCCEEDED:
            return True
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
    body = delivery.body.encode()
    timestamp = int(time.time())
    request = urllib.request.Request(
        delivery.endpoint.url, data=body, method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "crm-webhooks/1",
            "X-CRM-Event": delivery.event_type,
            "X-CRM-Delivery": str(delivery.event_id),
            SIGNATURE_HEADER: signature_header(secret=delivery.endpoint.secret, timestamp=timestamp, body=body),
        },
    )
    started = time.monotonic()
    status_code, error = None, ""
    try:
        with public_opener().open(request, timeout=TIMEOUT_SECONDS) as answer:
            status_code = answer.status
    except urllib.error.HTTPError as exc:
        status_code, error = exc.code, str(exc.reason)[:1000]
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        error = str(reason)[:1000] or reason.__class__.__name__
    duration_ms = int((time.monotonic() - started) * 1000)
    succeeded = status_code is not None and 200 <= status_code < 300
    with transaction.atomic():
        DeliveryAttempt.objects.create(delivery=delivery, attempt=delivery.attempts, at=timezone.now(),
                                       status_code=status_code, error=error, duration_ms=duration_ms)
        if succeeded:
            Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SUCCEEDED,
                                                           delivered_at=timezone.now())
    return succeeded


def delivery_give_up(*, delivery_id: int) -> None:
    """Mark a delivery failed after its last retry."""
    Delivery.objects.filter(pk=delivery_id).exclude(status=DeliveryStatus.SUCCEEDED).update(
        status=DeliveryStatus.FAILED)
