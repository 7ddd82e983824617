"""Celery entry points for support: the emails to customers (a public agent reply, the support form's
confirmation), and the poll of the support mailbox for theirs.

Tasks take ids and re-read the rows. Mail failures (the server refusing, or unreachable) are retried with
backoff. A reply is sent while it is `queued` and then marked `sent`; every failed attempt keeps the
server's answer on the message, and after the last one the reply is `failed` with it. A confirmation is
sent once: a marker in the cache (Redis when REDIS_URL is set) is taken before sending and given back if
the mail server fails, so a retry sends it and a duplicate delivery of the task does not.
"""

import logging

from celery import Task, shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_noop

from core.tasks import MAIL_ERRORS, MAIL_RETRY, SENT_MARKER_SECONDS, TASK_OPTIONS, mail_error_text
from support import mailbox, outbound
from support.models import Ticket
from support.selectors import earlier_message_ids, message_to_email
from support.services import (
    inbound_email_file,
    message_delivery_failed,
    message_delivery_sent,
    ticket_reply_token,
)

logger = logging.getLogger(__name__)

# Kept on the message in English and translated where it is shown; a mail server's own answer is shown as it is.
NO_ADDRESS = gettext_noop("The contact has no email address.")


@shared_task(name="support.tasks.send_ticket_reply", bind=True, **MAIL_RETRY, **TASK_OPTIONS)
def send_ticket_reply(self: Task, message_id: int) -> bool:
    """Email a public agent reply to the ticket's contact; True when the mail server took it now."""
    message = message_to_email(message_id=message_id)
    if message is None:
        logger.info("reply %s is gone or not waiting to be emailed", message_id)
        return False
    if not message.ticket.contact.email:
        message_delivery_failed(message_id=message_id, error=NO_ADDRESS, final=True)
        return False
    email = outbound.reply_email(message=message, token=ticket_reply_token(ticket=message.ticket),
                                 earlier_message_ids=earlier_message_ids(message=message))
    try:
        email.send()
    except MAIL_ERRORS as error:
        final = self.request.retries >= self.max_retries
        message_delivery_failed(message_id=message_id, error=mail_error_text(error), final=final)
        if final:
            logger.warning("reply %s failed after %s attempts: %s", message_id, self.request.retries + 1, error)
            return False
        raise
    message_delivery_sent(message_id=message_id)
    return True


@shared_task(name="support.tasks.send_ticket_confirmation", **MAIL_RETRY, **TASK_OPTIONS)
def send_ticket_confirmation(ticket_id: int) -> bool:
    """Email the customer that their request was received, with its reference; True when sent now."""
    ticket = Ticket.objects.select_related("contact").filter(pk=ticket_id).first()
    if ticket is None or not ticket.contact.email:
        logger.info("no confirmation for ticket %s: it or its email address is gone", ticket_id)
        return False
    marker = f"support:confirmation-sent:{ticket_id}"
    if not cache.add(marker, 1, timeout=SENT_MARKER_SECONDS):
        return False
    try:
        outbound.confirmation_email(ticket=ticket, token=ticket_reply_token(ticket=ticket)).send()
    except BaseException:
        cache.delete(marker)
        raise
    return True


@shared_task(name="support.tasks.poll_support_mailbox", **TASK_OPTIONS)
def poll_support_mailbox() -> int:
    """Fetch and file the unseen emails of the support mailbox (CRM_INBOUND_IMAP_URL); how many were filed.
    A mailbox that cannot be reached is tried again at the next beat."""
    if not settings.CRM_INBOUND_IMAP_URL:
        return 0
    return mailbox.poll(mailbox.Mailbox.from_url(settings.CRM_INBOUND_IMAP_URL), inbound_email_file)
