from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from core import events
from core.concurrency import StaleEditError
from crm.models import Contact, Role
from kpis.models import DirtyDay
from support.models import Channel, MessageAuthor, TicketStatus
from support.services import (
    ticket_add_message,
    ticket_assign,
    ticket_change_status,
    ticket_open_for_email,
    ticket_resolve,
    ticket_set_status,
)
from tests.conftest import T0
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(monkeypatch):
    recorded = []
    monkeypatch.setattr(events, "ticket_resolved", lambda **kwargs: recorded.append(("resolved", kwargs)))
    monkeypatch.setattr(events, "ticket_reopened", lambda **kwargs: recorded.append(("reopened", kwargs)))
    return recorded


def test_assigning_recomputes_the_tickets_days_under_the_new_assignee(ticket):
    agent = UserFactory(role=Role.SUPPORT)
    DirtyDay.objects.all().delete()

    ticket_assign(ticket=ticket, assignee=agent, expected_version=ticket.version)

    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert set(DirtyDay.objects.filter(family="tickets").values_list("day", flat=True)) == {T0.date()}


def test_assigning_the_same_person_again_changes_nothing(ticket):
    agent = UserFactory(role=Role.SUPPORT)
    ticket = ticket_assign(ticket=ticket, assignee=agent)
    version = ticket.version

    again = ticket_assign(ticket=ticket, assignee=agent, expected_version=version)

    assert again.version == version


def test_a_stale_assignment_is_refused(ticket):
    shown = ticket.version
    ticket_assign(ticket=ticket, assignee=UserFactory(role=Role.SUPPORT))

    with pytest.raises(StaleEditError):
        ticket_assign(ticket=ticket, assignee=None, expected_version=shown)


def test_pending_and_open_touch_no_kpi_day(ticket):
    ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="hi", at=T0 + timedelta(hours=1))
    DirtyDay.objects.all().delete()

    ticket = ticket_set_status(ticket=ticket, status=TicketStatus.OPEN)

    assert ticket.status == TicketStatus.OPEN
    assert not DirtyDay.objects.exists()


def test_set_status_does_not_cross_resolution(ticket):
    with pytest.raises(ValidationError) as refused:
        ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED)

    assert "status" in refused.value.message_dict


def test_resolved_and_closed_swap_keeping_the_resolution_time(ticket):
    ticket_resolve(ticket=ticket, at=T0 + timedelta(hours=2))

    ticket = ticket_set_status(ticket=ticket, status=TicketStatus.CLOSED)

    assert (ticket.status, ticket.resolved_at) == (TicketStatus.CLOSED, T0 + timedelta(hours=2))


def test_changing_status_to_resolved_goes_through_ticket_resolve(ticket, calls):
    ticket = ticket_change_status(ticket=ticket, status=TicketStatus.RESOLVED, expected_version=ticket.version)

    assert ticket.resolved_at is not None
    assert calls == [("resolved", {"ticket_id": ticket.pk})]


def test_changing_a_resolved_ticket_to_pending_reopens_it_first(ticket, calls):
    ticket_resolve(ticket=ticket)
    calls.clear()

    ticket = ticket_change_status(ticket=ticket, status=TicketStatus.PENDING)

    assert (ticket.status, ticket.resolved_at) == (TicketStatus.PENDING, None)
    assert calls == [("reopened", {"ticket_id": ticket.pk})]


def test_a_stale_status_change_is_refused(ticket):
    shown = ticket.version
    ticket_set_status(ticket=ticket, status=TicketStatus.OPEN)

    with pytest.raises(StaleEditError):
        ticket_change_status(ticket=ticket, status=TicketStatus.RESOLVED, expected_version=shown)


def test_a_ticket_for_a_known_email_goes_to_the_oldest_contact_with_it():
    oldest = ContactFactory(email="ana@example.com", created_at=T0)
    ContactFactory(email="ANA@example.com", created_at=T0 + timedelta(days=1))

    ticket = ticket_open_for_email(email="Ana@Example.com", name="Ana", subject="Hi", body="Help",
                                   channel=Channel.CHAT)

    assert ticket.contact == oldest
    assert Contact.objects.count() == 2


def test_a_ticket_for_a_new_email_creates_its_contact():
    ticket = ticket_open_for_email(email="new@example.com", name="  Mary   Ann  Smith ", subject="Hi", body="Help",
                                   channel=Channel.WEB)

    assert (ticket.contact.first_name, ticket.contact.last_name) == ("Mary", "Ann Smith")
    assert ticket.messages.get().author == MessageAuthor.CUSTOMER
