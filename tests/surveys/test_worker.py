"""The survey after a resolved ticket crosses the broker: in the PostgreSQL leg a real worker process
sends it from Redis; on SQLite the task runs in-process. Both end with one invitation for the ticket."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Role
from support.models import MessageAuthor
from support.services import ticket_add_message, ticket_resolve
from surveys.models import Invitation, SurveyKind
from surveys.services import survey_create
from tests.factories import TicketFactory, UserFactory
from tests.workers import celery_worker, wait_for


@pytest.mark.django_db(transaction=True)
def test_a_resolved_ticket_gets_its_survey_from_the_worker():
    survey = survey_create(name="After support", kind=SurveyKind.CSAT, send_after_ticket_resolved=True,
                           ticket_delay_hours=0)
    agent = UserFactory(role=Role.SUPPORT)
    ticket = TicketFactory(assignee=agent, created_at=timezone.now() - timedelta(days=2))
    ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="Fixed", user=agent,
                       at=timezone.now() - timedelta(days=1))
    with celery_worker():
        ticket_resolve(ticket=ticket)  # committed at once: the trigger queues the task after commit
        assert wait_for(lambda: Invitation.objects.filter(ticket=ticket).exists(), seconds=90)
    invitation = Invitation.objects.get()
    assert (invitation.survey, invitation.contact, invitation.ticket) == (survey, ticket.contact, ticket)
