import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, Role
from support.models import Channel, MessageAuthor, Priority, Ticket, TicketStatus
from support.services import ticket_add_message, ticket_resolve, ticket_update
from tests.factories import ContactFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return UserFactory(role=Role.ADMIN)


@pytest.fixture
def fresh_ticket(contact):
    """A new ticket opened just now, so none of its SLA targets has passed."""
    return TicketFactory(contact=contact, subject="Printer on fire", created_at=timezone.now())


def client_for(client, user):
    client.force_login(user)
    return client


def detail_url(ticket):
    return reverse("support:ticket_detail", args=[ticket.pk])


# Who may open what


GET_PAGES = ["support:ticket_list", "support:ticket_export", "support:ticket_new"]


@pytest.mark.parametrize("name", GET_PAGES)
def test_anonymous_visitors_are_sent_to_login(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_visitors_are_sent_to_login_from_a_ticket(client, fresh_ticket):
    response = client.get(detail_url(fresh_ticket))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", GET_PAGES)
def test_sales_staff_cannot_open_the_ticket_pages(client, sales_user, name):
    assert client_for(client, sales_user).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("action", ["ticket_detail", "ticket_reply", "ticket_status", "ticket_assign", "ticket_edit"])
def test_sales_staff_cannot_open_or_change_a_ticket(client, sales_user, fresh_ticket, action):
    client_for(client, sales_user)
    url = reverse(f"support:{action}", args=[fresh_ticket.pk])
    response = client.get(url) if action == "ticket_detail" else client.post(url, {
        "body": "hello", "kind": "reply", "status": "open", "assignee": sales_user.pk, "version": 1,
        "subject": "x", "priority": "low", "channel": "email"})

    assert response.status_code == 403
    fresh_ticket.refresh_from_db()
    assert fresh_ticket.version == 1
    assert fresh_ticket.messages.count() == 0


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.MANAGER, Role.ADMIN])
@pytest.mark.parametrize("name", GET_PAGES)
def test_support_managers_and_admins_open_the_ticket_pages(client, role, name):
    assert client_for(client, UserFactory(role=role)).get(reverse(name)).status_code == 200


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.MANAGER, Role.ADMIN])
def test_support_managers_and_admins_open_a_ticket(client, role, fresh_ticket):
    response = client_for(client, UserFactory(role=role)).get(detail_url(fresh_ticket))

    assert response.status_code == 200
    assert "Printer on fire" in response.content.decode()


def test_a_superuser_counts_as_an_admin(client, fresh_ticket):
    superuser = UserFactory(role=Role.SALES, is_superuser=True)

    assert client_for(client, superuser).get(detail_url(fresh_ticket)).status_code == 200


def test_an_unknown_ticket_is_not_found(client, support_user):
    assert client_for(client, support_user).get(reverse("support:ticket_detail", args=[999999])).status_code == 404


# Queues


def listed(response) -> set[str]:
    return {ticket.subject for ticket, _target in response.context["rows"]}


@pytest.fixture
def queue_tickets(support_user, contact):
    now = timezone.now()
    other = UserFactory(role=Role.SUPPORT)
    mine = TicketFactory(subject="mine", contact=contact, assignee=support_user, created_at=now)
    TicketFactory(subject="theirs", contact=contact, assignee=other, created_at=now)
    TicketFactory(subject="nobody's", contact=contact, created_at=now)
    unanswered_late = TicketFactory(subject="late first response", contact=contact, priority=Priority.URGENT,
                                    created_at=now - timedelta(hours=2))
    answered = TicketFactory(subject="answered, late resolution", contact=contact, assignee=other,
                             priority=Priority.URGENT, created_at=now - timedelta(hours=9))
    ticket_add_message(ticket=answered, author=MessageAuthor.AGENT, body="on it",
                       at=now - timedelta(hours=8, minutes=30))
    answered_in_time = TicketFactory(subject="answered in time", contact=contact, priority=Priority.URGENT,
                                     created_at=now - timedelta(hours=2))
    ticket_add_message(ticket=answered_in_time, author=MessageAuthor.AGENT, body="hi",
                       at=now - timedelta(hours=1, minutes=30))
    done = TicketFactory(subject="resolved mine", contact=contact, assignee=support_user,
                         created_at=now - timedelta(days=30))
    ticket_resolve(ticket=done, at=now - timedelta(days=1))
    return {"mine": mine, "unanswered_late": unanswered_late}


@pytest.mark.parametrize(("queue", "expected"), [
    ("mine", {"mine"}),
    ("unassigned", {"nobody's", "late first response", "answered in time"}),
    ("open", {"mine", "theirs", "nobody's", "late first response", "answered, late resolution", "answered in time"}),
    ("breaching", {"late first response", "answered, late resolution"}),
    ("all", {"mine", "theirs", "nobody's", "late first response", "answered, late resolution", "answered in time",
             "resolved mine"}),
])
def test_each_queue_lists_its_tickets(client, support_user, queue_tickets, queue, expected):
    response = client_for(client, support_user).get(reverse("support:ticket_list"), {"queue": queue})

    assert listed(response) == expected
    counts = {key: count for key, _label, count in response.context["queues"]}
    assert counts[queue] == len(expected)


def test_an_unknown_queue_shows_the_open_queue(client, support_user, queue_tickets):
    response = client_for(client, support_user).get(reverse("support:ticket_list"), {"queue": "nonsense"})

    assert response.context["queue"] == "open"


def test_filters_narrow_a_queue(client, support_user, queue_tickets):
    client_for(client, support_user)

    by_priority = client.get(reverse("support:ticket_list"), {"queue": "open", "priority": "urgent"})
    by_status = client.get(reverse("support:ticket_list"), {"queue": "all", "status": "resolved"})
    by_search = client.get(reverse("support:ticket_list"), {"queue": "all", "q": "NOBODY"})
    by_number = client.get(reverse("support:ticket_list"), {"queue": "all", "q": f"#{queue_tickets['mine'].pk}"})
    by_channel = client.get(reverse("support:ticket_list"), {"queue": "all", "channel": "web"})

    assert listed(by_priority) == {"late first response", "answered, late resolution", "answered in time"}
    assert listed(by_status) == {"resolved mine"}
    assert listed(by_search) == {"nobody's"}
    assert listed(by_number) == {"mine"}
    assert listed(by_channel) == set()


def test_a_bad_filter_value_is_named_and_ignored(client, support_user, queue_tickets):
    response = client_for(client, support_user).get(reverse("support:ticket_list"),
                                                     {"queue": "open", "priority": "extreme"})

    assert response.status_code == 200
    assert "priority" in response.context["filter"].form.errors
    assert len(listed(response)) == 6


def test_sorting_by_priority_puts_urgent_first(client, support_user, queue_tickets):
    response = client_for(client, support_user).get(reverse("support:ticket_list"),
                                                     {"queue": "open", "sort": "priority"})

    priorities = [ticket.priority for ticket, _target in response.context["rows"]]
    assert priorities[:3] == [Priority.URGENT] * 3
    assert priorities[3:] == [Priority.NORMAL] * 3


def test_the_list_is_paginated(client, support_user, contact):
    for number in range(30):
        TicketFactory(subject=f"t{number}", contact=contact, created_at=timezone.now())
    client_for(client, support_user)

    first = client.get(reverse("support:ticket_list"))
    second = client.get(reverse("support:ticket_list"), {"page": 2})

    assert len(first.context["rows"]) == 25
    assert len(second.context["rows"]) == 5
    assert listed(first).isdisjoint(listed(second))


def list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("support:ticket_list"), {"queue": "all", "sort": "-priority"})
    assert response.status_code == 200
    return len(queries)


def test_the_list_query_count_does_not_grow_with_its_rows(client, support_user, contact):
    assignee = UserFactory(role=Role.SUPPORT)
    for number in range(3):
        TicketFactory(subject=f"few {number}", contact=ContactFactory(), assignee=assignee,
                      created_at=timezone.now())
    client_for(client, support_user)
    few = list_queries(client)
    for number in range(40):
        TicketFactory(subject=f"many {number}", contact=ContactFactory(), assignee=UserFactory(role=Role.SUPPORT),
                      created_at=timezone.now())

    many = list_queries(client)

    # session, user, the header's due-task count, queue counts (one query for all five), the page's count, the
    # page's rows
    assert few == many <= 7


def test_the_csv_export_holds_the_filtered_list(client, support_user, queue_tickets):
    response = client_for(client, support_user).get(reverse("support:ticket_export"),
                                                     {"queue": "open", "priority": "urgent", "page": 2})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert response["Content-Type"].startswith("text/csv")
    assert {row["subject"] for row in rows} == {"late first response", "answered, late resolution",
                                                "answered in time"}
    assert {row["priority"] for row in rows} == {"urgent"}


def test_the_csv_export_defuses_spreadsheet_formulas(client, support_user, contact):
    TicketFactory(subject="=HYPERLINK(\"http://x\")", contact=contact, created_at=timezone.now())

    response = client_for(client, support_user).get(reverse("support:ticket_export"), {"queue": "all"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0]["subject"].startswith("'=")


# The ticket page: replies, notes, status, assignment, SLA, history


def test_a_public_reply_is_the_first_response_once(client, support_user, fresh_ticket):
    client_for(client, support_user)

    first = client.post(reverse("support:ticket_reply", args=[fresh_ticket.pk]),
                        {"body": "We are on it", "kind": "reply"})
    fresh_ticket.refresh_from_db()
    first_response_at = fresh_ticket.first_response_at
    client.post(reverse("support:ticket_reply", args=[fresh_ticket.pk]), {"body": "Any news?", "kind": "reply"})
    fresh_ticket.refresh_from_db()

    assert first.status_code == 302
    assert first_response_at is not None
    assert fresh_ticket.first_response_at == first_response_at
    assert fresh_ticket.status == TicketStatus.PENDING
    message = fresh_ticket.messages.order_by("at", "id").first()
    assert (message.public, message.author, message.user, message.body) == (True, MessageAuthor.AGENT, support_user,
                                                                            "We are on it")


def test_an_internal_note_is_not_a_first_response(client, support_user, fresh_ticket):
    response = client_for(client, support_user).post(reverse("support:ticket_reply", args=[fresh_ticket.pk]),
                                                     {"body": "Customer is a VIP", "kind": "note"})

    fresh_ticket.refresh_from_db()
    assert response.status_code == 302
    assert fresh_ticket.first_response_at is None
    assert fresh_ticket.status == TicketStatus.NEW
    assert fresh_ticket.messages.get().public is False


def test_the_thread_shows_replies_and_marks_notes(client, support_user, fresh_ticket):
    client_for(client, support_user)
    client.post(reverse("support:ticket_reply", args=[fresh_ticket.pk]), {"body": "Public words", "kind": "reply"})
    client.post(reverse("support:ticket_reply", args=[fresh_ticket.pk]), {"body": "Private words", "kind": "note"})

    page = client.get(detail_url(fresh_ticket)).content.decode()

    assert "Public words" in page
    assert "Private words" in page
    assert 'class="message note"' in page
    assert 'class="message agent"' in page


def test_an_empty_reply_is_refused_with_a_field_error(client, support_user, fresh_ticket):
    response = client_for(client, support_user).post(reverse("support:ticket_reply", args=[fresh_ticket.pk]),
                                                     {"body": "   ", "kind": "reply"})

    assert response.status_code == 200
    assert "body" in response.context["reply_form"].errors
    assert fresh_ticket.messages.count() == 0


def test_resolve_and_reopen_through_the_page(client, support_user, fresh_ticket):
    client_for(client, support_user)
    url = reverse("support:ticket_status", args=[fresh_ticket.pk])

    resolved = client.post(url, {"status": "resolved", "version": fresh_ticket.version})
    fresh_ticket.refresh_from_db()
    resolved_at = fresh_ticket.resolved_at
    reopened = client.post(url, {"status": "open", "version": fresh_ticket.version})
    fresh_ticket.refresh_from_db()

    assert resolved.status_code == 302
    assert resolved_at is not None
    assert reopened.status_code == 302
    assert fresh_ticket.status == TicketStatus.OPEN
    assert fresh_ticket.resolved_at is None


def test_closing_from_the_page_records_the_resolution(client, support_user, fresh_ticket):
    client_for(client, support_user).post(reverse("support:ticket_status", args=[fresh_ticket.pk]),
                                          {"status": "closed", "version": fresh_ticket.version})

    fresh_ticket.refresh_from_db()
    assert fresh_ticket.status == TicketStatus.CLOSED
    assert fresh_ticket.resolved_at is not None


def test_pending_and_open_change_only_the_status(client, support_user, fresh_ticket):
    client_for(client, support_user).post(reverse("support:ticket_status", args=[fresh_ticket.pk]),
                                          {"status": "pending", "version": fresh_ticket.version})

    fresh_ticket.refresh_from_db()
    assert fresh_ticket.status == TicketStatus.PENDING
    assert fresh_ticket.resolved_at is None
    assert fresh_ticket.first_response_at is None


def test_a_worked_ticket_cannot_become_new_again(client, support_user, fresh_ticket):
    ticket_resolve(ticket=fresh_ticket)
    fresh_ticket.refresh_from_db()

    response = client_for(client, support_user).post(reverse("support:ticket_status", args=[fresh_ticket.pk]),
                                                     {"status": "new", "version": fresh_ticket.version})

    assert response.status_code == 200
    fresh_ticket.refresh_from_db()
    assert fresh_ticket.status == TicketStatus.RESOLVED


def test_a_stale_status_change_is_refused_and_overwrites_nothing(client, support_user, fresh_ticket):
    shown_version = fresh_ticket.version
    ticket_update(ticket=fresh_ticket, priority=Priority.HIGH)  # someone else saves meanwhile

    response = client_for(client, support_user).post(reverse("support:ticket_status", args=[fresh_ticket.pk]),
                                                     {"status": "resolved", "version": shown_version})

    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    fresh_ticket.refresh_from_db()
    assert fresh_ticket.status == TicketStatus.NEW
    assert fresh_ticket.resolved_at is None


def test_a_stale_edit_is_refused_and_overwrites_nothing(client, support_user, fresh_ticket):
    shown_version = fresh_ticket.version
    ticket_update(ticket=fresh_ticket, subject="Renamed by a colleague")

    response = client_for(client, support_user).post(reverse("support:ticket_edit", args=[fresh_ticket.pk]), {
        "subject": "My title", "priority": "urgent", "channel": "phone", "version": shown_version})

    assert response.status_code == 409
    assert response.context["edit_form"].non_field_errors()
    fresh_ticket.refresh_from_db()
    assert (fresh_ticket.subject, fresh_ticket.priority) == ("Renamed by a colleague", Priority.NORMAL)


def test_the_edit_form_changes_priority_and_subject(client, support_user, fresh_ticket):
    response = client_for(client, support_user).post(reverse("support:ticket_edit", args=[fresh_ticket.pk]), {
        "subject": "Printer still on fire", "priority": "urgent", "channel": "phone", "version": fresh_ticket.version})

    assert response.status_code == 302
    fresh_ticket.refresh_from_db()
    assert (fresh_ticket.subject, fresh_ticket.priority, fresh_ticket.channel) == (
        "Printer still on fire", Priority.URGENT, Channel.PHONE)


def test_support_staff_take_a_ticket_themselves(client, support_user, fresh_ticket):
    response = client_for(client, support_user).post(reverse("support:ticket_assign", args=[fresh_ticket.pk]),
                                                     {"assignee": support_user.pk, "version": fresh_ticket.version})

    assert response.status_code == 302
    fresh_ticket.refresh_from_db()
    assert fresh_ticket.assignee == support_user


def test_support_staff_cannot_give_a_ticket_to_someone_else(client, support_user, fresh_ticket):
    colleague = UserFactory(role=Role.SUPPORT)

    response = client_for(client, support_user).post(reverse("support:ticket_assign", args=[fresh_ticket.pk]),
                                                     {"assignee": colleague.pk, "version": fresh_ticket.version})

    assert response.status_code == 200
    fresh_ticket.refresh_from_db()
    assert fresh_ticket.assignee is None


def test_managers_reassign_to_anyone_in_support(client, manager_user, support_user, fresh_ticket):
    client_for(client, manager_user)
    url = reverse("support:ticket_assign", args=[fresh_ticket.pk])

    response = client.post(url, {"assignee": support_user.pk, "version": fresh_ticket.version})
    fresh_ticket.refresh_from_db()
    refused = client.post(url, {"assignee": UserFactory(role=Role.SALES).pk, "version": fresh_ticket.version})

    assert response.status_code == 302
    assert refused.status_code == 200
    fresh_ticket.refresh_from_db()
    assert fresh_ticket.assignee == support_user


def test_a_past_due_ticket_shows_how_overdue_it_is(client, support_user, contact):
    ticket = TicketFactory(contact=contact, priority=Priority.URGENT,
                           created_at=timezone.now() - timedelta(hours=3, minutes=10))

    page = client_for(client, support_user).get(detail_url(ticket)).content.decode()

    # Urgent: first response due after 1 hour, resolution after 8.
    assert "Overdue by 2 h 10 min" in page
    assert "4 h 49 min left" in page or "4 h 50 min left" in page


def test_a_late_first_response_shows_as_missed(client, support_user, contact):
    ticket = TicketFactory(contact=contact, priority=Priority.URGENT, created_at=timezone.now() - timedelta(hours=3))
    ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="sorry",
                       at=ticket.created_at + timedelta(hours=2))

    page = client_for(client, support_user).get(detail_url(ticket)).content.decode()

    assert "Missed by 1 h 0 min" in page


def test_the_history_shows_who_changed_which_field(client, support_user, manager_user, fresh_ticket):
    client_for(client, manager_user).post(reverse("support:ticket_edit", args=[fresh_ticket.pk]), {
        "subject": fresh_ticket.subject, "priority": "high", "channel": "email", "version": fresh_ticket.version})

    client.force_login(support_user)
    response = client.get(detail_url(fresh_ticket))

    newest = response.context["history"][0]
    assert newest.user == manager_user
    assert [(change.field, change.old, change.new) for change in newest.changes] == [("Priority", "Normal", "High")]


def test_the_history_shows_the_first_response_a_reply_recorded(client, support_user, fresh_ticket):
    client_for(client, support_user).post(reverse("support:ticket_reply", args=[fresh_ticket.pk]),
                                          {"body": "Hello", "kind": "reply"})

    newest = client.get(detail_url(fresh_ticket)).context["history"][0]

    assert newest.user == support_user
    assert [(change.field, change.old) for change in newest.changes] == [("Status", "New"),
                                                                         ("First response at", "—")]
    assert newest.changes[0].new == "Pending"


def test_the_ticket_page_query_count_is_bounded(client, manager_user, fresh_ticket, django_assert_max_num_queries):
    for number in range(10):
        ticket_add_message(ticket=fresh_ticket, author=MessageAuthor.AGENT, body=f"reply {number}",
                           user=UserFactory(role=Role.SUPPORT))
        ticket_update(ticket=fresh_ticket, assignee=UserFactory(role=Role.SUPPORT))
    client_for(client, manager_user)

    with django_assert_max_num_queries(9):  # 8 before the header counted due tasks
        client.get(detail_url(fresh_ticket))


# Staff open tickets


def test_staff_open_a_ticket_for_a_new_contact(client, support_user):
    response = client_for(client, support_user).post(reverse("support:ticket_new"), {
        "email": "Caller@Example.com", "name": "Ada Lovelace", "subject": "Phone call", "body": "Called about X",
        "channel": "phone", "priority": "high", "assignee": support_user.pk})

    ticket = Ticket.objects.get(subject="Phone call")
    assert response.status_code == 302
    assert response["Location"] == detail_url(ticket)
    assert (ticket.contact.first_name, ticket.contact.last_name, ticket.contact.email) == (
        "Ada", "Lovelace", "Caller@Example.com")
    assert (ticket.channel, ticket.priority, ticket.assignee) == (Channel.PHONE, Priority.HIGH, support_user)
    assert ticket.messages.get().author == MessageAuthor.CUSTOMER


def test_staff_ticket_form_refuses_bad_input_and_writes_nothing(client, support_user):
    response = client_for(client, support_user).post(reverse("support:ticket_new"), {
        "email": "not-an-email", "subject": "", "channel": "pigeon", "priority": "high"})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"email", "subject", "channel"}
    assert Ticket.objects.count() == 0
    assert Contact.objects.count() == 0


def test_an_edit_without_its_version_is_refused_with_a_visible_error(client, support_user, fresh_ticket):
    response = client_for(client, support_user).post(reverse("support:ticket_status", args=[fresh_ticket.pk]),
                                                     {"status": "resolved"})

    assert response.status_code == 200
    assert "This form is out of date" in response.content.decode()
    fresh_ticket.refresh_from_db()
    assert fresh_ticket.status == TicketStatus.NEW
