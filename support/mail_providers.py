"""Customers' email through a mail provider's inbound webhook (django-anymail) rather than the IMAP mailbox.

Anymail parses each provider's own format into one normalised inbound event and sends the `inbound` signal;
`provider_email_received` files its message through `support.services.inbound_email_file`, the service the
mailbox poll calls, so both ways file, thread, ignore and keep an email alike. The webhook URLs answer only
when ANYMAIL_WEBHOOK_SECRET ("user:password", anymail's own setting) is set, and then only to requests that
carry it as HTTP basic auth; without it anymail would accept anyone's posts, so they are not found (404).
A post that is not in the provider's format is answered 400; one that fails to be filed, 500, so that the
provider delivers it again.
"""

import hashlib
import logging
from collections.abc import Callable
from functools import wraps

from anymail import urls as anymail_urls
from anymail.signals import AnymailInboundEvent
from anymail.utils import get_anymail_setting
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import URLPattern
from django.utils import timezone

from support.services import inbound_email_file

logger = logging.getLogger(__name__)

MAILBOX_KEY_MAX_CHARS = 200
# What anymail's parsers raise on a post that is not in the provider's format (broken JSON, missing fields).
MALFORMED_POST_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError)


class ProviderFilingError(Exception):
    """Filing an email that came by webhook failed: the provider must be answered 5xx, to deliver it again."""


def provider_mailbox_key(*, esp_name: str, event_id: str | None, raw: bytes) -> str:
    """What names an email that came by webhook, as UIDVALIDITY/UID names one in a mailbox: the provider's
    event id, else a digest of the message itself, so a webhook the provider delivers twice files once."""
    name = event_id or hashlib.sha256(raw).hexdigest()
    return f"webhook/{esp_name.lower()}/{name}"[:MAILBOX_KEY_MAX_CHARS]


def provider_email_received(sender: object, event: AnymailInboundEvent, esp_name: str, **kwargs: object) -> None:
    """Anymail's `inbound` receiver: file the email, dated when the provider says it arrived (else now).
    An error propagates, so the webhook answers 5xx and the provider delivers it again."""
    raw = event.message.as_bytes()
    try:
        inbound = inbound_email_file(raw=raw, received_at=event.timestamp or timezone.now(),
                                     mailbox_key=provider_mailbox_key(esp_name=esp_name, event_id=event.event_id,
                                                                      raw=raw))
    except Exception as error:
        raise ProviderFilingError(f"{esp_name} email not filed: {error}") from error
    logger.info("email from %s by %s webhook: %s", inbound.sender, esp_name, inbound.status)


def _only_with_secret(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not get_anymail_setting("webhook_secret", default=None):
            raise Http404("No inbound webhook is configured.")
        try:
            return view(request, *args, **kwargs)
        except ProviderFilingError:
            raise
        except MALFORMED_POST_ERRORS as error:
            logger.warning("malformed %s webhook post: %s: %s", request.path, type(error).__name__, error)
            return HttpResponseBadRequest("Not a provider's inbound webhook post.")
    return guarded


def inbound_urlpatterns() -> list[URLPattern]:
    """Anymail's inbound webhook URLs (`<provider>/inbound/`), each refusing to run without the secret."""
    return [URLPattern(pattern.pattern, _only_with_secret(pattern.callback), pattern.default_args, pattern.name)
            for pattern in anymail_urls.urlpatterns
            if isinstance(pattern, URLPattern) and pattern.name and pattern.name.endswith("_inbound_webhook")]
