"""Celery entry points for surveys: emails, ticket-triggered and scheduled invitations, follow-ups.

Every task takes ids, re-reads the rows and is safe to run twice: an invitation's email is sent
once (`emailed_at`), a ticket survey checks the ticket when it runs, a response is followed up once.
Mail failures are retried with backoff; nothing else is.
"""

import logging
from datetime import datetime

from celery import current_app, shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.tasks import MAIL_RETRY, TASK_OPTIONS
from crm.models import Activity
from support.models import RESOLVED_STATUSES, Ticket
from surveys.forms import SCALE_ENDS
from surveys.models import Invitation, Response, Survey, SurveyKind
from surveys.selectors import invitation_public_url, invitation_score_urls
from surveys.services import (
    invitation_mark_emailed,
    relationship_nps_send,
    response_follow_up,
    ticket_survey_due_at,
    ticket_survey_invite,
)

logger = logging.getLogger(__name__)



def _send(*, to: str, language: str, template: str, context: dict[str, object], from_email: str) -> None:
    """Render a text and HTML email in the recipient's language and send it."""
    with translation.override(language):
        subject = render_to_string(f"emails/surveys/{template}_subject.txt", context).strip()
        text = render_to_string(f"emails/surveys/{template}.txt", context)
        html = render_to_string(f"emails/surveys/{template}.html", context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text,
                                     from_email=from_email, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


@shared_task(name="surveys.tasks.send_invitation_email_task", **MAIL_RETRY, **TASK_OPTIONS)
def send_invitation_email_task(invitation_id: int) -> bool:
    """Email an invitation with its scale as links; False when it was already sent or is gone."""
    invitation = (Invitation.objects.select_related("survey", "contact", "ticket")
                  .filter(pk=invitation_id, emailed_at__isnull=True).first())
    if invitation is None or not invitation.contact.email:
        return False
    contact = invitation.contact
    language = contact.language or settings.LANGUAGE_CODE
    low, high = invitation.survey.score_range
    _send(to=contact.email, language=language, template="invitation", from_email=settings.CRM_SUPPORT_EMAIL, context={
        "invitation": invitation,
        "contact": contact,
        "survey": invitation.survey,
        "question": invitation.survey.question_in(language),
        "answer_url": invitation_public_url(invitation),
        "score_urls": invitation_score_urls(invitation),
        "is_servqual": invitation.survey.kind == SurveyKind.SERVQUAL,
        "low": low,
        "high": high,
        "low_label": SCALE_ENDS[invitation.survey.kind][0],
        "high_label": SCALE_ENDS[invitation.survey.kind][1],
        "link_days": settings.SURVEY_LINK_DAYS,
        "rtl": translation.get_language_info(language)["bidi"],
        "language": language,
    })
    invitation_mark_emailed(invitation=invitation)
    return True


@shared_task(name="surveys.tasks.send_follow_up_email_task", **MAIL_RETRY, **TASK_OPTIONS)
def send_follow_up_email_task(activity_id: int) -> bool:
    """Tell the owner of a follow-up task about the unhappy answer behind it."""
    task = Activity.objects.select_related("owner").filter(pk=activity_id).first()
    response = (Response.objects.select_related("survey", "contact", "ticket").filter(follow_up_id=activity_id)
                .first())
    if task is None or response is None or task.owner is None or not task.owner.email:
        return False
    _send(to=task.owner.email, language=task.owner.language or settings.LANGUAGE_CODE, template="follow_up",
          from_email=settings.DEFAULT_FROM_EMAIL, context={"task": task, "response": response, "owner": task.owner,
                   "survey_url": settings.SURVEY_PUBLIC_BASE_URL + reverse("surveys:detail",
                                                                           args=[response.survey_id])})
    return True


@shared_task(name="surveys.tasks.ticket_survey_task", **TASK_OPTIONS)
def ticket_survey_task(survey_id: int, ticket_id: int, resolved_at: str) -> bool:
    """Send a CSAT/CES survey about a resolved ticket if it still deserves one (see ticket_survey_invite)."""
    survey = Survey.objects.filter(pk=survey_id).first()
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if survey is None or ticket is None:
        return False
    invitation = ticket_survey_invite(survey=survey, ticket=ticket, resolved_at=datetime.fromisoformat(resolved_at))
    return invitation is not None


def schedule_ticket_surveys(*, ticket_id: int) -> int:
    """Queue each ticket-triggered survey to run when its delay after this resolution has passed.

    A worker holds each task until its eta; the task re-checks the ticket then, so a reopened
    ticket gets nothing. Redis may hand a task held longer than its visibility timeout to a second
    worker; the check (one invitation per survey and ticket, under the ticket's lock) makes that
    harmless. In-process mode (no broker) runs tasks at once, before their delay, so they send
    nothing there. Returns how many were queued.
    """
    ticket = Ticket.objects.filter(pk=ticket_id, status__in=RESOLVED_STATUSES).first()
    if ticket is None or ticket.resolved_at is None:
        return 0
    surveys = Survey.objects.filter(active=True, send_after_ticket_resolved=True)
    queued = 0
    for survey in surveys:
        due_at = ticket_survey_due_at(survey=survey, resolved_at=ticket.resolved_at)
        options = {} if current_app.conf.task_always_eager else {"eta": max(due_at, timezone.now())}
        ticket_survey_task.apply_async(args=[survey.pk, ticket.pk, ticket.resolved_at.isoformat()], **options)
        queued += 1
    return queued


@shared_task(name="surveys.tasks.relationship_nps_task", **TASK_OPTIONS)
def relationship_nps_task() -> dict[str, int]:
    """The scheduled relationship NPS (quarterly by the beat entry): every active customer, throttled."""
    return relationship_nps_send()


@shared_task(name="surveys.tasks.follow_up_response_task", **TASK_OPTIONS)
def follow_up_response_task(response_id: int) -> bool:
    """Give a detractor's or unhappy customer's account owner a task, once."""
    response = Response.objects.filter(pk=response_id).first()
    if response is None:
        return False
    return response_follow_up(response=response) is not None
