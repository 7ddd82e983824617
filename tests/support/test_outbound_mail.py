import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from crm.models import Role
from support.models import DeliveryStatus, MessageAuthor, Ticket, TicketMessage
from support.services import ticket_add_message
from support.tasks import send_ticket_reply
from tests.factories import ContactFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

SUBJECT = 'can\'t "export" <csv> & more'


@pytest.fixture(autouse=True)
def _support_address(settings):
    settings.CRM_SUPPORT_EMAIL = "Acme Support <help@acme.example>"


@pytest.fixture
def agent(db):
    return UserFactory(role=Role.SUPPORT, full_name="Ada Agent")


@pytest.fixture
def ticket(db):
    return TicketFactory(subject=SUBJECT, contact=ContactFactory(email="grace@example.com", first_name="Grace"),
                         created_at=timezone.now(), body="Export is broken.")


def post_reply(client, agent, ticket, body="We are on it.", kind="reply", capture=None):
    client.force_login(agent)
    with capture(execute=True):
        response = client.post(reverse("support:ticket_reply", args=[ticket.pk]), {"body": body, "kind": kind})
    assert response.status_code == 302
    return TicketMessage.objects.filter(ticket=ticket).latest("id")


def test_a_public_reply_is_emailed_to_the_contact_from_the_support_address(
        client, agent, ticket, django_capture_on_commit_callbacks):
    message = post_reply(client, agent, ticket, capture=django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["grace@example.com"]
    assert sent.from_email == "Acme Support <help@acme.example>"
    assert sent.subject == f"[#{ticket.pk}] {SUBJECT}"
    ticket.refresh_from_db()
    assert sent.reply_to == [f"help+{ticket.token}@acme.example"]
    assert sent.extra_headers["Message-ID"] == message.message_id
    assert message.message_id.endswith("@acme.example>")
    assert "We are on it." in sent.body
    assert "Ada Agent" in sent.body
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html"
    assert "<p>We are on it.</p>" in html
    assert (message.delivery_status, message.delivery_error) == (DeliveryStatus.SENT, "")
    assert message.sent_at is not None


def test_the_subject_and_text_are_never_html_escaped(client, agent, ticket, django_capture_on_commit_callbacks):
    post_reply(client, agent, ticket, body='Use "Export" & don\'t <panic>', capture=django_capture_on_commit_callbacks)

    headers = mail.outbox[0].message()
    assert headers["Subject"] == f"[#{ticket.pk}] {SUBJECT}"
    assert 'Use "Export" & don\'t <panic>' in mail.outbox[0].body
    assert "Use &quot;Export&quot; &amp; don&#x27;t &lt;panic&gt;" in mail.outbox[0].alternatives[0][0]


def test_replies_thread_onto_the_earlier_mails_of_the_ticket(agent, ticket, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="One", user=agent)
    customer = ticket_add_message(ticket=ticket, author=MessageAuthor.CUSTOMER, body="Still broken",
                                  message_id="<abc@mail.example.com>")
    with django_capture_on_commit_callbacks(execute=True):
        second = ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="Two", user=agent)

    first_mail, second_mail = mail.outbox
    assert "In-Reply-To" not in first_mail.extra_headers
    assert second_mail.extra_headers["Message-ID"] == second.message_id != first.message_id
    assert second_mail.extra_headers["In-Reply-To"] == customer.message_id
    assert second_mail.extra_headers["References"] == f"{first.message_id} {customer.message_id}"
    assert customer.delivery_status == ""


def test_internal_notes_and_recorded_customer_messages_are_never_emailed(
        client, agent, ticket, django_capture_on_commit_callbacks):
    note = post_reply(client, agent, ticket, kind="note", capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        customer = ticket_add_message(ticket=ticket, author=MessageAuthor.CUSTOMER, body="By phone")

    assert mail.outbox == []
    assert (note.public, note.delivery_status, note.message_id) == (False, "", None)
    assert (customer.delivery_status, customer.message_id) == ("", None)
    assert send_ticket_reply.delay(note.pk).get() is False


def test_a_persian_contact_gets_the_persian_email(client, agent, ticket, django_capture_on_commit_callbacks):
    ticket.contact.language = "fa"
    ticket.contact.save(update_fields=["language"])

    post_reply(client, agent, ticket, body="در حال بررسی است.", capture=django_capture_on_commit_callbacks)

    sent = mail.outbox[0]
    with translation.override("fa"):
        team = translation.gettext("Our support team")
    assert team != "Our support team"
    assert team in sent.body
    assert "Our support team" not in sent.body
    html = sent.alternatives[0][0]
    assert '<html lang="fa" dir="rtl">' in html
    assert team in html
    assert sent.subject == f"[#{ticket.pk}] {SUBJECT}"


def test_the_ticket_page_shows_each_replys_delivery(client, agent, ticket, django_capture_on_commit_callbacks):
    sent = post_reply(client, agent, ticket, capture=django_capture_on_commit_callbacks)
    failed = ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="Again", user=agent)
    TicketMessage.objects.filter(pk=failed.pk).update(delivery_status=DeliveryStatus.FAILED,
                                                       delivery_error="550 5.1.1 No such user")
    queued = ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="Third", user=agent)

    page = client.get(reverse("support:ticket_detail", args=[ticket.pk])).content.decode()

    assert sent.delivery_status == DeliveryStatus.SENT
    assert page.count('class="delivery delivery-sent"') == 1
    assert "Emailed" in page
    assert "Email failed" in page
    assert "550 5.1.1 No such user" in page
    assert queued.delivery_status == DeliveryStatus.QUEUED
    assert "Email queued" in page

    agent.language = "fa"
    agent.save(update_fields=["language"])
    persian = client.get(reverse("support:ticket_detail", args=[ticket.pk])).content.decode()
    with translation.override("fa"):
        assert translation.gettext("Emailed") in persian
        assert translation.gettext("Emailed") != "Emailed"


def test_a_contact_without_an_email_address_fails_with_the_reason(agent, django_capture_on_commit_callbacks,
                                                                   client):
    ticket = TicketFactory(contact=ContactFactory(email=""), created_at=timezone.now())
    message = post_reply(client, agent, ticket, capture=django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert mail.outbox == []
    assert (message.delivery_status, message.delivery_error) == (DeliveryStatus.FAILED,
                                                                 "The contact has no email address.")
    agent.language = "fa"
    agent.save(update_fields=["language"])
    page = client.get(reverse("support:ticket_detail", args=[ticket.pk])).content.decode()
    with translation.override("fa"):
        assert translation.gettext("The contact has no email address.") in page


def test_a_ticket_without_a_token_gets_one_when_it_is_first_emailed(agent, ticket,
                                                                    django_capture_on_commit_callbacks):
    Ticket.objects.filter(pk=ticket.pk).update(token=None)  # as the importer leaves it
    ticket.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="Hi", user=agent)

    ticket.refresh_from_db()
    assert len(ticket.token) == 32
    assert mail.outbox[0].reply_to == [f"help+{ticket.token}@acme.example"]


def test_tickets_get_distinct_unguessable_tokens(db):
    tokens = {TicketFactory().token for _ in range(5)}

    assert len(tokens) == 5
    assert all(len(token) == 32 and int(token, 16) >= 0 for token in tokens)


def test_a_second_run_of_the_task_sends_nothing_more(agent, ticket, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="Hi", user=agent)

    assert send_ticket_reply.delay(message.pk).get() is False
    assert len(mail.outbox) == 1


def test_the_api_shows_the_delivery_read_only(agent, ticket, django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_authenticate(agent)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(f"/api/tickets/{ticket.pk}/messages/",
                           {"body": "Hi", "delivery_status": "bounced", "message_id": "<x@y>"}, format="json")

    assert created.status_code == 201
    assert created.json()["delivery_status"] == "queued"  # the answer is written before the commit sends it
    thread = api.get(f"/api/tickets/{ticket.pk}/messages/").json()
    reply = thread[-1]
    assert reply["delivery_status"] == "sent"
    assert reply["message_id"] == mail.outbox[0].extra_headers["Message-ID"]
    assert reply["sent_at"] is not None


# A real mail server (tests/support/conftest.py)


def test_a_reply_reaches_a_real_smtp_server_with_its_headers_and_both_parts(
        client, agent, ticket, smtp_server, django_capture_on_commit_callbacks):
    customer = ticket_add_message(ticket=ticket, author=MessageAuthor.CUSTOMER, body="Any news?",
                                  message_id="<q1@mail.example.com>")

    message = post_reply(client, agent, ticket, body="Fixed: try again.", capture=django_capture_on_commit_callbacks)

    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received.rcpt_tos == ["grace@example.com"]
    assert received.mail_from == "help@acme.example"
    email = received.message
    ticket.refresh_from_db()
    assert email["Subject"] == f"[#{ticket.pk}] {SUBJECT}"
    assert email["From"] == "Acme Support <help@acme.example>"
    assert email["To"] == "grace@example.com"
    assert email["Message-ID"] == message.message_id
    assert email["In-Reply-To"] == customer.message_id
    assert email["References"] == customer.message_id
    assert email["Reply-To"] == f"help+{ticket.token}@acme.example"
    assert email.get_content_type() == "multipart/alternative"
    assert "Fixed: try again." in email.get_body(("plain",)).get_content()
    assert "<p>Fixed: try again.</p>" in email.get_body(("html",)).get_content()
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT


def test_a_refusing_smtp_server_leaves_the_reply_failed_with_its_answer_after_the_last_retry(
        client, agent, ticket, smtp_server, django_capture_on_commit_callbacks):
    smtp_server.refuse = "550 5.7.1 Relaying denied"

    message = post_reply(client, agent, ticket, capture=django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_error) == (DeliveryStatus.QUEUED, "550 5.7.1 Relaying denied")
    # What a worker does with the retries, run here one after another: eager Celery runs each retry at once
    # when it does not hand the retry back to the caller.
    conf = send_ticket_reply.app.conf
    conf.task_eager_propagates = False
    try:
        result = send_ticket_reply.apply(args=[message.pk])
    finally:
        conf.task_eager_propagates = True

    assert result.get() is False
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_error) == (DeliveryStatus.FAILED, "550 5.7.1 Relaying denied")
    assert smtp_server.messages == []
