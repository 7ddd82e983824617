"""Writes to invitations and responses; each marks the survey KPI days it touches."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import events
from crm.models import Contact
from kpis.dirty import DirtySet
from support.models import Ticket
from surveys.models import SCORE_RANGES, SERVQUAL_DIMENSIONS, SERVQUAL_RANGE, Invitation, Response, Survey, SurveyKind


@transaction.atomic
def invitation_create(*, survey: Survey, contact: Contact, ticket: Ticket | None = None,
                      sent_at: datetime | None = None, external_id: str | None = None) -> Invitation:
    """Record that a survey was sent to a contact."""
    invitation = Invitation.objects.create(survey=survey, contact=contact, ticket=ticket,
                                           sent_at=sent_at or timezone.now(), external_id=external_id)
    dirty = DirtySet()
    dirty.add("surveys", invitation.sent_at)
    dirty.save()
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
    dirty = DirtySet()
    dirty.add("surveys", response.answered_at, invitation.sent_at if invitation else None)
    dirty.save()
    events.survey_response_recorded(response_id=response.pk)
    return response
