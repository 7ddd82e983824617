from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from kpis.models import DirtyDay
from support.models import MessageAuthor, Priority, SlaPolicy, TicketMessage, TicketStatus
from support.services import (
    ticket_add_message,
    ticket_create,
    ticket_reopen,
    ticket_resolve,
    ticket_update,
)
from surveys.services import response_record
from tests.conftest import T0
from tests.factories import ContactFactory, SurveyFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def dirty(family: str) -> set[date]:
    return set(DirtyDay.objects.filter(family=family).values_list("day", flat=True))


def reply(ticket, at: datetime, *, public: bool = True, author: str = MessageAuthor.AGENT) -> TicketMessage:
    return ticket_add_message(ticket=ticket, author=author, public=public, body="...", at=at)


# First response


def test_the_first_public_agent_reply_is_the_first_response(ticket):
    reply(ticket, T0 + timedelta(hours=2))
    reply(ticket, T0 + timedelta(hours=5))

    ticket.refresh_from_db()
    assert ticket.first_response_at == T0 + timedelta(hours=2)


def test_an_internal_note_is_not_a_first_response(ticket):
    reply(ticket, T0 + timedelta(hours=1), public=False)

    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert ticket.status == TicketStatus.NEW


def test_a_customer_message_is_not_a_first_response(ticket):
    reply(ticket, T0 + timedelta(hours=1), author=MessageAuthor.CUSTOMER)

    ticket.refresh_from_db()
    assert ticket.first_response_at is None


def test_a_note_then_a_reply_takes_the_reply(ticket):
    reply(ticket, T0 + timedelta(hours=1), public=False)
    reply(ticket, T0 + timedelta(hours=3))

    ticket.refresh_from_db()
    assert ticket.first_response_at == T0 + timedelta(hours=3)


def test_a_backdated_reply_becomes_the_first_response(ticket):
    reply(ticket, T0 + timedelta(hours=5))
    reply(ticket, T0 + timedelta(hours=2))

    ticket.refresh_from_db()
    assert ticket.first_response_at == T0 + timedelta(hours=2)


def test_a_customer_cannot_write_an_internal_note(ticket):
    with pytest.raises(ValidationError):
        reply(ticket, T0 + timedelta(hours=1), public=False, author=MessageAuthor.CUSTOMER)
    assert not TicketMessage.objects.exists()


def test_a_message_before_the_ticket_was_created_is_refused(ticket):
    with pytest.raises(ValidationError):
        reply(ticket, T0 - timedelta(minutes=1))


def test_the_body_is_the_customers_first_message(contact):
    ticket = TicketFactory(contact=contact, created_at=T0, body="It is broken")

    message = ticket.messages.get()
    assert (message.author, message.public, message.at, message.body) == (
        MessageAuthor.CUSTOMER, True, T0, "It is broken")


# Status


def test_a_reply_waits_on_the_customer_and_their_answer_reopens(ticket):
    reply(ticket, T0 + timedelta(hours=1))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING

    reply(ticket, T0 + timedelta(hours=2), author=MessageAuthor.CUSTOMER)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


def test_resolve_sets_resolved_at(ticket):
    ticket_resolve(ticket=ticket, at=T0 + timedelta(hours=4))

    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at) == (TicketStatus.RESOLVED, T0 + timedelta(hours=4))


def test_close_is_a_resolution_too(ticket):
    ticket_resolve(ticket=ticket, at=T0 + timedelta(hours=4), close=True)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at) == (TicketStatus.CLOSED, T0 + timedelta(hours=4))


def test_resolving_twice_or_before_creation_is_refused(ticket):
    with pytest.raises(ValidationError):
        ticket_resolve(ticket=ticket, at=T0 - timedelta(hours=1))
    ticket_resolve(ticket=ticket, at=T0 + timedelta(hours=1))
    with pytest.raises(ValidationError, match="already resolved"):
        ticket_resolve(ticket=ticket, at=T0 + timedelta(hours=2))


def test_reopen_clears_resolved_at_and_marks_the_old_resolution_day(ticket):
    ticket_resolve(ticket=ticket, at=T0 + timedelta(days=2))
    DirtyDay.objects.all().delete()

    ticket_reopen(ticket=ticket)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at) == (TicketStatus.OPEN, None)
    assert dirty("tickets") == {date(2025, 3, 5)}


def test_reopening_an_unresolved_ticket_is_refused(ticket):
    with pytest.raises(ValidationError):
        ticket_reopen(ticket=ticket)


# SLA


def test_urgent_due_times_follow_the_policy(contact):
    ticket = TicketFactory(contact=contact, priority=Priority.URGENT, created_at=T0)

    assert ticket.first_response_due_at == T0 + timedelta(hours=1)
    assert ticket.resolution_due_at == T0 + timedelta(hours=8)


@pytest.mark.parametrize(("priority", "first", "resolution"),
                         [("high", 4, 24), ("normal", 8, 72), ("low", 24, 168)])
def test_default_due_times(contact, priority, first, resolution):
    ticket = TicketFactory(contact=contact, priority=priority, created_at=T0)

    assert (ticket.first_response_due_at, ticket.resolution_due_at) == (
        T0 + timedelta(hours=first), T0 + timedelta(hours=resolution))


def test_without_a_policy_row_the_spec_defaults_apply(contact):
    SlaPolicy.objects.filter(priority=Priority.URGENT).delete()

    ticket = TicketFactory(contact=contact, priority=Priority.URGENT, created_at=T0)

    assert ticket.first_response_due_at == T0 + timedelta(hours=1)


def test_a_policy_change_applies_only_to_new_tickets(contact):
    before = TicketFactory(contact=contact, priority=Priority.URGENT, created_at=T0)

    SlaPolicy.objects.filter(priority=Priority.URGENT).update(first_response_hours=2, resolution_hours=12)
    after = TicketFactory(contact=contact, priority=Priority.URGENT, created_at=T0)

    before.refresh_from_db()
    assert (before.first_response_due_at, before.resolution_due_at) == (
        T0 + timedelta(hours=1), T0 + timedelta(hours=8))
    assert (after.first_response_due_at, after.resolution_due_at) == (
        T0 + timedelta(hours=2), T0 + timedelta(hours=12))


# Dirty days


def test_create_marks_the_created_day(ticket):
    assert dirty("tickets") == {date(2025, 3, 3)}


def test_a_ticket_is_dirty_on_its_local_day_in_new_york(settings, contact):
    settings.CRM_TIME_ZONE = "America/New_York"

    ticket_create(subject="Late", contact=contact, priority=Priority.NORMAL, channel="email",
                  created_at=datetime.fromisoformat("2025-03-10T03:30:00+00:00"))

    assert dirty("tickets") == {date(2025, 3, 9)}


def test_a_first_response_marks_the_reply_and_ticket_days(ticket):
    DirtyDay.objects.all().delete()

    reply(ticket, T0 + timedelta(days=1))

    assert dirty("replies") == {date(2025, 3, 4)}
    assert dirty("tickets") == {date(2025, 3, 4)}


def test_an_internal_note_marks_nothing(ticket):
    DirtyDay.objects.all().delete()

    reply(ticket, T0 + timedelta(days=1), public=False)

    assert not DirtyDay.objects.exists()


def test_a_first_response_after_resolution_remarks_the_resolution_day(ticket):
    """The SLA breach of a resolved ticket is counted on its resolution day."""
    ticket_resolve(ticket=ticket, at=T0 + timedelta(days=1))
    DirtyDay.objects.all().delete()

    reply(ticket, T0 + timedelta(days=2))

    assert dirty("tickets") == {date(2025, 3, 4), date(2025, 3, 5)}


def test_a_backdated_reply_marks_the_day_of_the_reply_that_used_to_record_the_wait(ticket):
    """The later reply found the customer waiting; after the backdated one nobody is waiting for it."""
    reply(ticket, T0 + timedelta(days=2))
    DirtyDay.objects.all().delete()

    reply(ticket, T0 + timedelta(days=1))

    assert dirty("replies") == {date(2025, 3, 4), date(2025, 3, 5)}


def test_a_late_customer_message_gives_the_next_reply_a_wait_and_marks_its_day(ticket):
    reply(ticket, T0 + timedelta(days=1))  # answers the wait since creation
    reply(ticket, T0 + timedelta(days=3))  # nobody was waiting: no wait recorded
    DirtyDay.objects.all().delete()

    reply(ticket, T0 + timedelta(days=2), author=MessageAuthor.CUSTOMER)

    assert dirty("replies") == {date(2025, 3, 6)}
    last = ticket.messages.order_by("-at").first()
    assert last.waiting_since == T0 + timedelta(days=2)


def test_a_customer_message_that_changes_no_wait_marks_nothing(ticket):
    reply(ticket, T0 + timedelta(days=2))  # answers the wait since creation, whatever came between
    DirtyDay.objects.all().delete()

    reply(ticket, T0 + timedelta(days=1), author=MessageAuthor.CUSTOMER)

    assert dirty("replies") == set()


def test_reassigning_a_ticket_marks_the_days_of_its_survey_responses(ticket):
    """Survey KPIs break responses down by their ticket's assignee and channel."""
    response_record(survey=SurveyFactory(), contact=ticket.contact, score=9, ticket=ticket,
                    answered_at=T0 + timedelta(days=7))
    DirtyDay.objects.all().delete()

    ticket_update(ticket=ticket, assignee=UserFactory())

    assert dirty("surveys") == {date(2025, 3, 10)}
    assert dirty("tickets") == {date(2025, 3, 3)}


def test_ticket_update_refuses_status(ticket):
    with pytest.raises(ValueError, match="status"):
        ticket_update(ticket=ticket, status=TicketStatus.RESOLVED)


def test_ticket_update_changes_the_contact(ticket):
    other = ContactFactory()

    ticket_update(ticket=ticket, contact=other, subject="New subject")

    ticket.refresh_from_db()
    assert (ticket.contact, ticket.subject) == (other, "New subject")
