"""Celery entry points for crm: a rep's email to a contact, and the note to the rep when the contact answers.

Tasks take ids and re-read the rows. A rep's email is sent while it is `queued` and then marked `sent`; a
mail server that refuses or cannot be reached is tried again with backoff, each failure kept on the entry,
and after the last one the entry is `failed` with it. The note to the rep is sent once (a marker in the
cache is taken before sending and given back if the mail server fails).
"""

import logging

from celery import Task, shared_task
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core.tasks import MAIL_ERRORS, MAIL_RETRY, SENT_MARKER_SECONDS, TASK_OPTIONS, mail_error_text
from crm import mail
from crm.selectors import due_task_reminders, email_activity_to_send, email_reply_to_notify
from crm.services import contact_email_failed, contact_email_sent, task_claim_reminder, task_release_reminder

logger = logging.getLogger(__name__)



@shared_task(name="crm.tasks.send_contact_email", bind=True, **MAIL_RETRY, **TASK_OPTIONS)
def send_contact_email(self: Task, activity_id: int) -> bool:
    """Send a rep's email to its contact; True when the mail server took it now."""
    activity = email_activity_to_send(activity_id=activity_id)
    if activity is None:
        logger.info("email %s is gone or not waiting to be sent", activity_id)
        return False
    try:
        mail.contact_email(activity=activity).send()
    except MAIL_ERRORS as error:
        final = self.request.retries >= self.max_retries
        contact_email_failed(activity_id=activity_id, error=mail_error_text(error), final=final)
        if final:
            return False
        raise
    contact_email_sent(activity_id=activity_id)
    return True


@shared_task(name="crm.tasks.notify_rep_of_reply", **MAIL_RETRY, **TASK_OPTIONS)
def notify_rep_of_reply(activity_id: int) -> bool:
    """Email the rep whose email a contact answered; True when sent now."""
    reply = email_reply_to_notify(activity_id=activity_id)
    if reply is None or reply.owner is None or not reply.owner.email:
        return False
    marker = f"crm:reply-notified:{activity_id}"
    if not cache.add(marker, 1, timeout=SENT_MARKER_SECONDS):
        return False
    # The answer to an email written from a deal's page links to that deal, where the rep wrote it.
    page = ("crm:deal_detail", reply.deal_id) if reply.deal_id else ("crm:contact_detail", reply.contact_id)
    page_url = settings.SURVEY_PUBLIC_BASE_URL + reverse(page[0], args=[page[1]])
    try:
        mail.reply_notification(reply=reply, page_url=page_url).send()
    except BaseException:
        cache.delete(marker)
        raise
    return True


@shared_task(name="crm.tasks.send_task_reminders", **TASK_OPTIONS)
def send_task_reminders() -> int:
    """Every minute (beat): email the owners of tasks that fell due since the last run; how many went out.
    A reminder the mail server refused stays due and is tried again at the next run."""
    now = timezone.now()
    page_url = settings.SURVEY_PUBLIC_BASE_URL + reverse("crm:task_list")
    sent = 0
    for task_id in due_task_reminders(now=now).values_list("id", flat=True):
        task = task_claim_reminder(task_id=task_id, now=now)
        if task is None or not task.owner.email:
            continue
        try:
            mail.task_reminder(task=task, page_url=page_url).send()
        except MAIL_ERRORS as error:
            task_release_reminder(task_id=task_id)
            logger.warning("reminder of task %s not sent: %s", task_id, mail_error_text(error))
        else:
            sent += 1
    return sent
