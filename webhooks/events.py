"""The data each event sends, built from ids after the change committed (core.events calls these)."""

from crm.models import Deal
from support.models import Ticket
from surveys.models import Response
from webhooks.models import EventType
from webhooks.services import event_publish


def deal_closed(*, deal_id: int, won: bool) -> None:
    deal = Deal.objects.select_related("owner").filter(pk=deal_id).first()
    if deal is None:
        return
    event_publish(event_type=EventType.DEAL_WON if won else EventType.DEAL_LOST, data={
        "id": deal.pk, "external_id": deal.external_id, "title": deal.title, "status": deal.status,
        "amount": deal.amount, "currency": deal.currency, "amount_base": deal.amount_base,
        "pipeline": deal.pipeline_id, "stage": deal.stage_id, "contact": deal.contact_id,
        "company": deal.company_id, "owner": deal.owner.username if deal.owner else None,
        "closed_at": deal.closed_at, "lost_reason": deal.lost_reason_id,
    })


def ticket_resolved(*, ticket_id: int) -> None:
    ticket = Ticket.objects.select_related("assignee").filter(pk=ticket_id).first()
    if ticket is None:
        return
    event_publish(event_type=EventType.TICKET_RESOLVED, data={
        "id": ticket.pk, "external_id": ticket.external_id, "subject": ticket.subject, "status": ticket.status,
        "priority": ticket.priority, "channel": ticket.channel, "contact": ticket.contact_id,
        "assignee": ticket.assignee.username if ticket.assignee else None,
        "created_at": ticket.created_at, "resolved_at": ticket.resolved_at,
    })


def survey_response_recorded(*, response_id: int) -> None:
    response = Response.objects.select_related("survey").filter(pk=response_id).first()
    if response is None:
        return
    event_publish(event_type=EventType.SURVEY_RESPONSE, data={
        "id": response.pk, "external_id": response.external_id, "survey": response.survey_id,
        "survey_kind": response.survey.kind, "contact": response.contact_id, "ticket": response.ticket_id,
        "invitation": response.invitation_id, "score": response.score, "comment": response.comment,
        "answered_at": response.answered_at,
    })
