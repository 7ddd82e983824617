import smtplib

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from crm.models import Contact
from support.models import Channel, MessageAuthor, Ticket
from support.tasks import send_ticket_confirmation
from tests.factories import ContactFactory, TicketFactory

pytestmark = pytest.mark.django_db

URL = "/support/new/"
VALID = {"name": "Grace Hopper", "email": "grace@example.com", "subject": "Cannot log in",
         "body": "The login page says my password is wrong.", "website": ""}


@pytest.fixture(autouse=True)
def _empty_rate_limit_counts():
    cache.clear()
    yield
    cache.clear()


def test_the_form_is_public():
    response = Client().get(URL)

    assert response.status_code == 200
    assert reverse("support:public_ticket_new") == URL
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_a_request_opens_a_web_ticket_for_a_new_contact_and_confirms_it(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(URL, VALID)

    assert response.status_code == 302
    assert response["Location"] == reverse("support:public_ticket_done")
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.channel, ticket.assignee) == ("Cannot log in", Channel.WEB, None)
    assert (ticket.contact.first_name, ticket.contact.last_name, ticket.contact.email) == (
        "Grace", "Hopper", "grace@example.com")
    message = ticket.messages.get()
    assert (message.author, message.public, message.body) == (MessageAuthor.CUSTOMER, True, VALID["body"])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["grace@example.com"]
    assert f"#{ticket.pk}" in mail.outbox[0].subject
    assert "Cannot log in" in mail.outbox[0].body


def test_a_request_from_the_persian_form_makes_a_persian_contact_and_a_persian_confirmation(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(URL, VALID, HTTP_ACCEPT_LANGUAGE="fa")

    ticket = Ticket.objects.get()
    assert ticket.contact.language == "fa"
    with translation.override("fa"):
        expected_subject = render_to_string("emails/support/ticket_confirmation_subject.txt", {"ticket": ticket})
    assert mail.outbox[0].subject == " ".join(expected_subject.split())
    assert "درخواست" in mail.outbox[0].subject


def test_a_known_email_reuses_its_contact_whatever_the_case(django_capture_on_commit_callbacks):
    known = ContactFactory(email="Grace@Example.COM", first_name="Grace")

    with django_capture_on_commit_callbacks(execute=True):
        Client().post(URL, VALID)

    assert Contact.objects.count() == 1
    assert Ticket.objects.get().contact == known
    assert mail.outbox[0].to == ["Grace@Example.COM"]


def test_the_confirmation_task_sends_once_when_run_twice(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(URL, VALID)
    ticket = Ticket.objects.get()

    sent_again = send_ticket_confirmation.delay(ticket.pk).get()

    assert sent_again is False
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(("changes", "fields"), [
    ({"email": ""}, {"email"}),
    ({"email": "grace@"}, {"email"}),
    ({"name": "", "subject": ""}, {"name", "subject"}),
    ({"body": "   "}, {"body"}),
    ({"subject": "x" * 301}, {"subject"}),
])
def test_missing_or_malformed_fields_are_named_and_nothing_is_written(changes, fields):
    response = Client().post(URL, {**VALID, **changes})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == fields
    for field in fields:
        assert f'id="id_{field}_error"' in response.content.decode()
    assert Ticket.objects.count() == 0
    assert Contact.objects.count() == 0
    assert mail.outbox == []


def test_a_bot_filling_the_trap_field_is_thanked_and_ignored(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(URL, {**VALID, "website": "http://spam.example"})

    assert response.status_code == 302
    assert Ticket.objects.count() == 0
    assert mail.outbox == []


def test_a_flood_from_one_address_is_refused_with_429(settings):
    settings.SUPPORT_FORM_RATE_LIMIT = 3
    client = Client(REMOTE_ADDR="203.0.113.7")

    answers = [client.post(URL, {**VALID, "subject": f"Request {n}"}).status_code for n in range(4)]

    assert answers == [302, 302, 302, 429]
    assert Ticket.objects.count() == 3
    refused = client.post(URL, VALID)
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(settings.SUPPORT_FORM_RATE_WINDOW_SECONDS)
    assert "Too many requests" in refused.content.decode()


def test_the_limit_is_per_client_address(settings):
    settings.SUPPORT_FORM_RATE_LIMIT = 1
    Client(REMOTE_ADDR="203.0.113.7").post(URL, VALID)

    other = Client(REMOTE_ADDR="198.51.100.2").post(URL, {**VALID, "subject": "Another"})

    assert other.status_code == 302
    assert Ticket.objects.count() == 2


def test_the_form_refuses_a_post_without_csrf_token():
    client = Client(enforce_csrf_checks=True)

    response = client.post(URL, VALID)

    assert response.status_code == 403
    assert Ticket.objects.count() == 0


def test_the_form_accepts_a_post_with_its_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.get(URL)
    token = client.cookies["csrftoken"].value

    response = client.post(URL, {**VALID, "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert Ticket.objects.count() == 1


def test_staff_ticket_pages_enforce_csrf_too(support_user, contact):
    client = Client(enforce_csrf_checks=True)
    client.force_login(support_user)
    opened = TicketFactory(contact=contact)
    response = client.post(reverse("support:ticket_reply", args=[opened.pk]), {"body": "hi", "kind": "reply"})

    assert response.status_code == 403
    assert opened.messages.count() == 0


def test_a_failing_mail_server_asks_for_a_retry_which_sends_the_email(monkeypatch, contact):
    ticket = TicketFactory(contact=contact)
    attempts = []
    send = EmailMessage.send

    def flaky_send(email, *args, **kwargs):
        attempts.append(email.to)
        if len(attempts) == 1:
            raise smtplib.SMTPServerDisconnected("connection lost")
        return send(email, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", flaky_send)

    with pytest.raises(Retry):  # a worker runs it again later; eager Celery hands the retry back here
        send_ticket_confirmation.delay(ticket.pk)
    assert mail.outbox == []
    send_ticket_confirmation.delay(ticket.pk)

    assert attempts == [[contact.email], [contact.email]]
    assert len(mail.outbox) == 1


def test_a_subject_with_quotes_and_apostrophes_is_confirmed_as_typed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(URL, {**VALID, "subject": 'can\'t "export" <all> & more'})

    ticket = Ticket.objects.get()
    sent = mail.outbox[0]
    assert sent.subject == f'We received your request #{ticket.pk}: can\'t "export" <all> & more'
    assert 'Subject: can\'t "export" <all> & more' in sent.body
    assert "&#x27;" not in sent.message().as_string()


def test_the_confirmation_comes_from_the_support_address_and_answers_go_to_the_ticket(
        settings, django_capture_on_commit_callbacks):
    settings.CRM_SUPPORT_EMAIL = "Acme Support <help@acme.example>"
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(URL, VALID)

    ticket = Ticket.objects.get()
    sent = mail.outbox[0]
    assert sent.from_email == "Acme Support <help@acme.example>"
    assert sent.reply_to == [f"help+{ticket.token}@acme.example"]
    assert sent.extra_headers["Auto-Submitted"] == "auto-replied"
