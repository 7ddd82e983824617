"""Writes to invitations and responses; each marks the survey KPI days it touches."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import dirtying, events
from crm.models import Activity, ActivityKind, Contact, User
from crm.services import activity_create
from support.models import RESOLVED_STATUSES, MessageAuthor, Ticket, TicketMessage
from surveys.models import (
    DEFAULT_QUESTIONS,
    SCORE_RANGES,
    SERVQUAL_DIMENSIONS,
    SERVQUAL_RANGE,
    Invitation,
    Response,
    Survey,
    SurveyKind,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def invitation_create(*, survey: Survey, contact: Contact, ticket: Ticket | None = None,
                      sent_at: datetime | None = None, external_id: str | None = None) -> Invitation:
    """Record that a survey was sent to a contact."""
    invitation = Invitation.objects.create(survey=survey, contact=contact, ticket=ticket,
                                           sent_at=sent_at or timezone.now(), external_id=external_id)
    dirtying.mark("invitations", Invitation.objects.filter(pk=invitation.pk))
    return invitation


def validate_answer(*, kind: str, score: int | None, servqual: dict[str, dict[str, int]] | None) -> None:
    """Raise ValidationError naming the field when an answer does not fit the survey's scale."""
    if kind == SurveyKind.SERVQUAL:
        if not servqual:
            raise ValidationError({"servqual": _("A SERVQUAL response needs its dimensions.")})
        low, high = SERVQUAL_RANGE
        for dimension, pair in servqual.items():
            if dimension not in SERVQUAL_DIMENSIONS:
                raise ValidationError({"servqual": _("Unknown SERVQUAL dimension %(d)s.") % {"d": dimension}})
            for side in ("expectation", "perception"):
                value = pair.get(side)
                if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                    raise ValidationError({"servqual": _("%(d)s %(s)s must be a whole number from 1 to 7.")
                                           % {"d": dimension, "s": side}})
        return
    low, high = SCORE_RANGES[kind]
    if not isinstance(score, int) or isinstance(score, bool) or not low <= score <= high:
        raise ValidationError({"score": _("The score must be a whole number from %(low)d to %(high)d.")
                               % {"low": low, "high": high}})


@transaction.atomic
def response_record(
    *,
    survey: Survey,
    contact: Contact,
    score: int | None = None,
    servqual: dict[str, dict[str, int]] | None = None,
    invitation: Invitation | None = None,
    ticket: Ticket | None = None,
    comment: str = "",
    answered_at: datetime | None = None,
    external_id: str | None = None,
) -> Response:
    """Store one response, checked against the survey's scale; an invitation takes at most one."""
    validate_answer(kind=survey.kind, score=score, servqual=servqual)
    if invitation is not None and invitation.survey_id != survey.pk:
        raise ValidationError({"invitation": _("This invitation is for another survey.")})
    if invitation is not None and invitation.contact_id != contact.pk:
        raise ValidationError({"invitation": _("This invitation is for another contact.")})
    if invitation is not None and Response.objects.filter(invitation=invitation).exists():
        raise ValidationError({"invitation": _("This invitation has already been answered.")})
    response = Response(survey=survey, contact=contact, invitation=invitation,
                        ticket=ticket or (invitation.ticket if invitation else None),
                        answered_at=answered_at or timezone.now(), score=score, comment=comment,
                        external_id=external_id)
    for dimension, pair in (servqual or {}).items():
        setattr(response, f"{dimension}_expectation", pair["expectation"])
        setattr(response, f"{dimension}_perception", pair["perception"])
    response.save()
    dirtying.mark("responses", Response.objects.filter(pk=response.pk))
    events.survey_response_recorded(response_id=response.pk)
    return response


def _check_survey_sending(*, kind: str, send_after_ticket_resolved: bool, send_to_active_customers: bool) -> None:
    """Only CSAT and CES follow a ticket's resolution, and only NPS goes to active customers on the schedule:
    an NPS survey sent after every resolved ticket would flood customers and skew the NPS."""
    if kind not in SurveyKind.values:
        raise ValidationError({"kind": _("Unknown survey kind.")})
    if send_after_ticket_resolved and kind not in (SurveyKind.CSAT, SurveyKind.CES):
        raise ValidationError({"send_after_ticket_resolved": _("Only CSAT and CES surveys follow a ticket.")})
    if send_to_active_customers and kind != SurveyKind.NPS:
        raise ValidationError({"send_to_active_customers": _("Only an NPS survey goes to active customers.")})


@transaction.atomic
def survey_create(*, name: str, kind: str, question: str = "", question_fa: str = "", active: bool = True,
                  send_after_ticket_resolved: bool = False, ticket_delay_hours: int = 24,
                  send_to_active_customers: bool = False, external_id: str | None = None) -> Survey:
    """Create a survey; with no question at all it takes the kind's standard wording in English and Persian
    (a question written in one language only is shown to both, rather than a standard one that may differ).

    Only CSAT and CES follow a ticket's resolution, and only NPS goes to active customers on the
    schedule; asking otherwise is refused, naming the field.
    """
    _check_survey_sending(kind=kind, send_after_ticket_resolved=send_after_ticket_resolved,
                          send_to_active_customers=send_to_active_customers)
    english, persian = DEFAULT_QUESTIONS[kind]
    question, question_fa = question.strip(), question_fa.strip()
    if not question and not question_fa:
        question, question_fa = english, persian
    survey = Survey(name=name, kind=kind, question=question, question_fa=question_fa, active=active,
                    send_after_ticket_resolved=send_after_ticket_resolved, ticket_delay_hours=ticket_delay_hours,
                    send_to_active_customers=send_to_active_customers, external_id=external_id)
    survey.full_clean()
    survey.save()
    return survey


SURVEY_EDITABLE_FIELDS = frozenset({"name", "question", "question_fa", "active", "send_after_ticket_resolved",
                                    "ticket_delay_hours", "send_to_active_customers", "external_id"})


@transaction.atomic
def survey_update(*, survey: Survey, **changes: object) -> Survey:
    """Change a survey's wording or sending, checked as `survey_create` checks them. Its kind is fixed once
    created: its answers were given on that kind's scale."""
    unknown = set(changes) - SURVEY_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"survey_update cannot change {', '.join(sorted(unknown))}")
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    for field, value in changes.items():
        setattr(survey, field, value)
    _check_survey_sending(kind=survey.kind, send_after_ticket_resolved=survey.send_after_ticket_resolved,
                          send_to_active_customers=survey.send_to_active_customers)
    survey.full_clean()
    survey.save()
    return survey


@transaction.atomic
def survey_delete(*, surveys: QuerySet[Survey]) -> int:
    """Delete surveys with their invitations and answers; the days those counted on are recomputed."""
    dirty = dirtying.days_of("surveys", surveys)
    count = surveys.count()
    surveys.delete()
    dirty.save()
    return count


@transaction.atomic
def invitation_delete(*, invitations: QuerySet[Invitation]) -> int:
    """Delete invitations; their answers stay, no longer counted as responses to an invitation."""
    dirty = dirtying.days_of("invitations", invitations)
    count = invitations.count()
    invitations.delete()
    dirty.save()
    return count


@transaction.atomic
def response_delete(*, responses: QuerySet[Response]) -> int:
    """Delete answers; their days (and their invitations' sending days) are recomputed."""
    dirty = dirtying.days_of("responses", responses)
    count = responses.count()
    responses.delete()
    dirty.save()
    return count


def contact_recently_invited(*, contact: Contact, now: datetime | None = None) -> bool:
    """Whether the contact was asked any survey in the last SURVEY_THROTTLE_DAYS days."""
    since = (now or timezone.now()) - timedelta(days=settings.SURVEY_THROTTLE_DAYS)
    return Invitation.objects.filter(contact=contact, sent_at__gt=since).exists()


@transaction.atomic
def invitation_send(*, survey: Survey, contact: Contact, ticket: Ticket | None = None) -> Invitation:
    """Invite a contact to answer a survey now and queue the email with its link.

    Raises ValidationError naming the field when the survey is inactive (`survey`), the contact has no
    email address or was asked within SURVEY_THROTTLE_DAYS (`contact`), or the ticket is another
    contact's (`ticket`). The contact row is locked, so two concurrent sends cannot both pass the
    throttle. The email goes out from a Celery task once the transaction commits.
    """
    if not survey.active:
        raise ValidationError({"survey": _("This survey is not active.")})
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if not contact.email:
        raise ValidationError({"contact": _("This contact has no email address.")})
    if ticket is not None and ticket.contact_id != contact.pk:
        raise ValidationError({"ticket": _("This ticket belongs to another contact.")})
    if contact_recently_invited(contact=contact):
        raise ValidationError({"contact": _("This contact was asked for feedback in the last %(days)d days.")
                               % {"days": settings.SURVEY_THROTTLE_DAYS}})
    invitation = invitation_create(survey=survey, contact=contact, ticket=ticket)
    transaction.on_commit(lambda: _queue_invitation_email(invitation.pk))
    return invitation


def _queue_invitation_email(invitation_id: int) -> None:
    from surveys.tasks import send_invitation_email_task  # tasks import services

    try:
        send_invitation_email_task.delay(invitation_id)
    except Exception:  # the invitation stays; its email can be sent again from the admin or a retry
        logger.exception("could not queue the email of invitation %s", invitation_id)


@transaction.atomic
def invitation_mark_emailed(*, invitation: Invitation, at: datetime | None = None) -> Invitation:
    """Record that the invitation's email was handed to the mail server (not a KPI input)."""
    invitation.emailed_at = at or timezone.now()
    invitation.save(update_fields=["emailed_at"])
    return invitation


def response_editable(response: Response, *, now: datetime | None = None) -> bool:
    """A customer may change an answer for SURVEY_EDIT_HOURS after first giving it."""
    return (now or timezone.now()) < response.answered_at + timedelta(hours=settings.SURVEY_EDIT_HOURS)


@transaction.atomic
def response_edit(*, response: Response, score: int | None = None,
                  servqual: dict[str, dict[str, int]] | None = None, comment: str = "",
                  at: datetime | None = None) -> Response:
    """Change an answer within SURVEY_EDIT_HOURS of giving it; the same response is updated, never a second.

    The answer keeps its `answered_at` (the KPI day it counts on), which is marked dirty because its
    score changes. A changed answer is announced like a new one, so a detractor is followed up.
    """
    at = at or timezone.now()
    response = Response.objects.select_for_update().select_related("survey").get(pk=response.pk)
    if not response_editable(response, now=at):
        raise ValidationError({"response": _("This answer can no longer be changed.")})
    validate_answer(kind=response.survey.kind, score=score, servqual=servqual)
    response.score = score if response.survey.kind != SurveyKind.SERVQUAL else None
    for dimension in SERVQUAL_DIMENSIONS:
        pair = (servqual or {}).get(dimension, {})
        setattr(response, f"{dimension}_expectation", pair.get("expectation"))
        setattr(response, f"{dimension}_perception", pair.get("perception"))
    response.comment = comment
    response.edited_at = at
    response.full_clean(exclude=["invitation", "follow_up"])
    response.save()
    dirtying.mark("answer_moments", [response.answered_at])
    events.survey_response_recorded(response_id=response.pk)
    return response


def needs_follow_up(response: Response) -> bool:
    """A detractor (NPS 0–6) or an unhappy CSAT answer (1–2) is followed up by a person."""
    if response.score is None:
        return False
    if response.survey.kind == SurveyKind.NPS:
        return response.score <= 6
    if response.survey.kind == SurveyKind.CSAT:
        return response.score <= 2
    return False


def follow_up_owner(response: Response) -> User | None:
    """Who follows up: the ticket's assignee when the answer is about a ticket, else the account's owner
    (the contact's company's owner, else the contact's owner)."""
    if response.ticket is not None and response.ticket.assignee is not None:
        return response.ticket.assignee
    contact = response.contact
    if contact.company is not None and contact.company.owner is not None:
        return contact.company.owner
    return contact.owner


@transaction.atomic
def response_follow_up(*, response: Response, now: datetime | None = None) -> Activity | None:
    """Give the right person a task to call back an unhappy customer, once per response.

    Returns the task, or None when the answer needs none, already has one, or nobody owns the
    account. The owner's email notice is queued after commit.
    """
    response = (Response.objects.select_for_update(of=("self",))
                .select_related("survey", "contact__company__owner", "contact__owner", "ticket__assignee")
                .get(pk=response.pk))
    if response.follow_up_id is not None or not needs_follow_up(response):
        return None
    owner = follow_up_owner(response)
    if owner is None:
        logger.warning("survey response %s needs a follow-up but its account has no owner", response.pk)
        return None
    now = now or timezone.now()
    contact = response.contact
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        subject = _("Follow up on %(kind)s answer %(score)d from %(contact)s") % {
            "kind": response.survey.get_kind_display(), "score": response.score, "contact": contact}
    task = activity_create(
        kind=ActivityKind.TASK, owner=owner, contact=contact, company=contact.company, subject=subject[:200],
        body=response.comment, due_at=now + timedelta(days=settings.SURVEY_FOLLOW_UP_DAYS), created_at=now,
    )
    response.follow_up = task
    response.save(update_fields=["follow_up"])
    transaction.on_commit(lambda: _queue_follow_up_email(task.pk))
    return task


def _queue_follow_up_email(activity_id: int) -> None:
    from surveys.tasks import send_follow_up_email_task

    try:
        send_follow_up_email_task.delay(activity_id)
    except Exception:  # the task exists on the owner's list even if the notice cannot be queued
        logger.exception("could not queue the follow-up notice of activity %s", activity_id)


def invitation_expired(invitation: Invitation, *, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= invitation.expires_at


@transaction.atomic
def invitation_answer(*, invitation: Invitation, score: int | None = None,
                      servqual: dict[str, dict[str, int]] | None = None, comment: str = "",
                      at: datetime | None = None) -> Response:
    """Record the answer given through an invitation's link, or change it within the edit window.

    The invitation row is locked, so two taps at once make one response, never two. An expired link
    takes no new answer (`invitation`); an answer past its edit window cannot change (`response`).
    """
    at = at or timezone.now()
    invitation = (Invitation.objects.select_for_update(of=("self",)).select_related("survey", "contact", "ticket")
                  .get(pk=invitation.pk))
    existing = Response.objects.filter(invitation=invitation).first()
    if existing is not None:
        return response_edit(response=existing, score=score, servqual=servqual, comment=comment, at=at)
    if invitation_expired(invitation, now=at):
        raise ValidationError({"invitation": _("This survey link has expired.")})
    return response_record(survey=invitation.survey, contact=invitation.contact, score=score, servqual=servqual,
                           invitation=invitation, comment=comment, answered_at=at)


def ticket_has_public_agent_reply(ticket: Ticket) -> bool:
    """Whether an agent ever answered the customer publicly: a ticket closed without one gets no survey."""
    return TicketMessage.objects.filter(ticket=ticket, author=MessageAuthor.AGENT, public=True).exists()


def ticket_survey_due_at(*, survey: Survey, resolved_at: datetime) -> datetime:
    return resolved_at + timedelta(hours=survey.ticket_delay_hours)


@transaction.atomic
def ticket_survey_invite(*, survey: Survey, ticket: Ticket, resolved_at: datetime,
                         now: datetime | None = None) -> Invitation | None:
    """Invite a resolved ticket's contact once the survey's delay has passed; None when nothing is sent.

    Checked when it runs, so it is safe to run twice and late: nothing is sent when the ticket was
    reopened (or resolved again later: that resolution schedules its own), when no agent replied
    publicly, before the delay (Celery holds the task until then; only in-process mode runs it
    early), when this survey was already sent about this ticket, or when the contact is throttled.
    """
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update().select_related("contact").get(pk=ticket.pk)
    if ticket.status not in RESOLVED_STATUSES or ticket.resolved_at != resolved_at:
        return None
    if not survey.active or not survey.send_after_ticket_resolved:
        return None
    if now < ticket_survey_due_at(survey=survey, resolved_at=resolved_at):
        return None
    if not ticket_has_public_agent_reply(ticket):
        return None
    if Invitation.objects.filter(survey=survey, ticket=ticket).exists():
        return None
    try:
        return invitation_send(survey=survey, contact=ticket.contact, ticket=ticket)
    except ValidationError as exc:
        logger.info("no %s survey for ticket %s: %s", survey.kind, ticket.pk, "; ".join(exc.messages))
        return None


def relationship_nps_send(*, now: datetime | None = None) -> dict[str, int]:
    """Invite every active customer's contacts to each active relationship NPS survey.

    Throttled or unusable contacts are skipped (a second run within the throttle sends nothing more).
    Each invitation commits on its own, so one bad contact does not stop the rest.
    """
    from surveys.selectors import active_customer_contacts

    sent = skipped = 0
    surveys = list(Survey.objects.filter(active=True, kind=SurveyKind.NPS, send_to_active_customers=True))
    for survey in surveys:
        for contact in active_customer_contacts().exclude(email="").order_by("pk").iterator():
            try:
                invitation_send(survey=survey, contact=contact)
                sent += 1
            except ValidationError:
                skipped += 1
    return {"sent": sent, "skipped": skipped}


def survey_send_to_contacts(*, survey: Survey, contacts: list[Contact]) -> dict[str, int]:
    """Send a survey by hand to each contact; throttled or unusable ones are skipped and counted."""
    sent = skipped = 0
    for contact in contacts:
        try:
            invitation_send(survey=survey, contact=contact)
            sent += 1
        except ValidationError:
            skipped += 1
    return {"sent": sent, "skipped": skipped}
