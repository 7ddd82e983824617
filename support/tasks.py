"""Celery entry points for support: the confirmation email of a ticket opened on the public form.

Tasks take ids and re-read the rows. A confirmation is sent once: a marker in the cache (Redis when
REDIS_URL is set) is taken before sending and given back if the mail server fails, so a retry sends
it and a duplicate delivery of the task does not. Mail failures are retried with backoff.
"""

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from support.models import Ticket

logger = logging.getLogger(__name__)

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}
MAIL_RETRY = {"autoretry_for": (smtplib.SMTPException, OSError), "retry_backoff": 60, "retry_backoff_max": 3600,
              "max_retries": 8}
SENT_MARKER_SECONDS = 30 * 24 * 3600


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
    context = {"ticket": ticket, "contact": ticket.contact}
    try:
        with translation.override(ticket.contact.language or settings.LANGUAGE_CODE):
            subject = render_to_string("emails/support/ticket_confirmation_subject.txt", context)
            body = render_to_string("emails/support/ticket_confirmation.txt", context)
        send_mail(subject=" ".join(subject.split()), message=body, from_email=settings.DEFAULT_FROM_EMAIL,
                  recipient_list=[ticket.contact.email])
    except BaseException:
        cache.delete(marker)
        raise
    return True
