"""A rep emails a contact from its page (crm), and the contact's answer comes back through the support
mailbox's filing service onto the same timeline (support), with a note to the rep."""

from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from crm.models import Activity, ActivityKind, EmailDelivery, EmailDirection, Role
from crm.tasks import notify_rep_of_reply, send_contact_email
from support.models import InboundEmail, InboundStatus, Ticket
from support.services import inbound_email_file
from tests.factories import ContactFactory, DealFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _addresses(settings):
    settings.CRM_SUPPORT_EMAIL = "Acme Support <help@acme.example>"
    settings.CRM_SALES_EMAIL = "Acme Sales <sales@acme.example>"
    settings.DEFAULT_FROM_EMAIL = "Acme CRM <crm@acme.example>"
    settings.SURVEY_PUBLIC_BASE_URL = "https://crm.acme.example"
    cache.clear()


@pytest.fixture
def rep(db):
    return UserFactory(role=Role.SALES, full_name="Rita Rep", email="rita@acme.example")


@pytest.fixture
def contact(db):
    return ContactFactory(email="grace@example.com", first_name="Grace", last_name="Hopper")


def send(client, rep, contact, capture, subject="Your renewal", body="Shall we talk on Monday?"):
    client.force_login(rep)
    with capture(execute=True):
        response = client.post(reverse("crm:contact_email", args=[contact.pk]), {"subject": subject, "body": body})
    assert response.status_code == 302
    return Activity.objects.filter(contact=contact, direction=EmailDirection.OUT).latest("id")


def answer(*, in_reply_to: str, body: str = "Monday works.\n\nOn Fri, Rita Rep wrote:\n> Shall we talk?",
           message_id: str = "<ans1@mail.example.com>") -> bytes:
    message = EmailMessage()
    message["From"] = "Grace Hopper <grace@example.com>"
    message["To"] = "help@acme.example"
    message["Subject"] = "Re: Your renewal"
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id
    message["In-Reply-To"] = in_reply_to
    message.set_content(body)
    return message.as_bytes()


def test_a_reps_email_is_sent_in_their_name_and_logged_on_the_contacts_timeline(
        client, rep, contact, smtp_server, django_capture_on_commit_callbacks):
    email = send(client, rep, contact, django_capture_on_commit_callbacks, subject='Your "renewal" & <terms>')

    (received,) = smtp_server.messages
    assert received.rcpt_tos == ["grace@example.com"]
    assert received.message["From"] == "Rita Rep <sales@acme.example>"
    assert received.message["Reply-To"] == "help@acme.example"
    assert received.message["Subject"] == 'Your "renewal" & <terms>'
    assert received.message["Message-ID"] == email.message_id
    assert received.message.get_content().strip() == "Shall we talk on Monday?"
    assert (email.kind, email.owner, email.delivery_status, email.delivery_error) == (
        ActivityKind.EMAIL, rep, EmailDelivery.SENT, "")
    assert email.sent_at is not None
    page = client.get(reverse("crm:contact_detail", args=[contact.pk])).content.decode()
    assert "Your &quot;renewal&quot; &amp; &lt;terms&gt;" in page
    assert f'action="/contacts/{contact.pk}/email/"' in page


def test_without_a_sales_address_a_reps_email_comes_from_the_support_address(
        settings, client, rep, contact, smtp_server, django_capture_on_commit_callbacks):
    settings.CRM_SALES_EMAIL = ""

    send(client, rep, contact, django_capture_on_commit_callbacks)

    assert smtp_server.messages[0].message["From"] == "Rita Rep <help@acme.example>"


def test_the_contacts_answer_threads_onto_the_timeline_and_the_rep_is_told(
        client, rep, contact, smtp_server, django_capture_on_commit_callbacks):
    email = send(client, rep, contact, django_capture_on_commit_callbacks)
    smtp_server.messages.clear()

    with django_capture_on_commit_callbacks(execute=True):
        inbound = inbound_email_file(raw=answer(in_reply_to=email.message_id), received_at=timezone.now(),
                                     mailbox_key="k1")

    reply = Activity.objects.get(direction=EmailDirection.IN)
    assert (reply.contact, reply.owner, reply.in_reply_to, reply.kind) == (contact, rep, email, ActivityKind.EMAIL)
    assert reply.body == "Monday works."
    assert reply.message_id == "<ans1@mail.example.com>"
    assert (inbound.status, inbound.activity, inbound.ticket) == (InboundStatus.FILED, reply, None)
    assert Ticket.objects.count() == 0
    (note,) = smtp_server.messages
    assert note.rcpt_tos == ["rita@acme.example"]
    assert note.message["Subject"] == "Grace Hopper answered your email: Re: Your renewal"
    text = note.message.get_content()
    assert "Monday works." in text
    assert f"https://crm.acme.example/contacts/{contact.pk}/" in text
    page = client.get(reverse("crm:contact_detail", args=[contact.pk])).content.decode()
    assert "Monday works." in page


def test_the_same_answer_fetched_twice_is_on_the_timeline_once_and_the_rep_told_once(
        rep, contact, smtp_server, django_capture_on_commit_callbacks):
    email = Activity.objects.create(kind=ActivityKind.EMAIL, direction=EmailDirection.OUT, subject="Hi",
                                    contact=contact, owner=rep, created_at=timezone.now() - timedelta(hours=1),
                                    message_id="<out1@acme.example>", delivery_status=EmailDelivery.SENT)
    with django_capture_on_commit_callbacks(execute=True):
        inbound_email_file(raw=answer(in_reply_to=email.message_id), received_at=timezone.now(), mailbox_key="k1")
        second = inbound_email_file(raw=answer(in_reply_to=email.message_id), received_at=timezone.now(),
                                    mailbox_key="k2")

    assert (second.status, second.reason) == (InboundStatus.IGNORED,
                                              "a message with this Message-ID is on a ticket already")
    assert Activity.objects.filter(direction=EmailDirection.IN).count() == 1
    assert len(smtp_server.messages) == 1
    assert notify_rep_of_reply(Activity.objects.get(direction=EmailDirection.IN).pk) is False


def test_an_answer_to_something_else_still_opens_a_ticket(rep, contact):
    inbound = inbound_email_file(raw=answer(in_reply_to="<unknown@elsewhere.example>"), received_at=timezone.now(),
                                 mailbox_key="k1")

    assert inbound.ticket is not None
    assert inbound.activity is None
    assert not Activity.objects.filter(direction=EmailDirection.IN).exists()


def test_a_refusing_mail_server_leaves_the_email_failed_with_its_answer_after_the_last_retry(
        client, rep, contact, smtp_server, django_capture_on_commit_callbacks):
    smtp_server.refuse = "550 5.7.1 Relaying denied"

    email = send(client, rep, contact, django_capture_on_commit_callbacks)

    email.refresh_from_db()
    assert (email.delivery_status, email.delivery_error) == (EmailDelivery.QUEUED, "550 5.7.1 Relaying denied")
    conf = send_contact_email.app.conf
    conf.task_eager_propagates = False
    try:
        result = send_contact_email.apply(args=[email.pk])
    finally:
        conf.task_eager_propagates = True
    assert result.get() is False
    email.refresh_from_db()
    assert (email.delivery_status, email.delivery_error) == (EmailDelivery.FAILED, "550 5.7.1 Relaying denied")
    page = client.get(reverse("crm:contact_detail", args=[contact.pk])).content.decode()
    assert "550 5.7.1 Relaying denied" in page


def test_support_staff_cannot_email_contacts_from_the_crm(client, contact):
    client.force_login(UserFactory(role=Role.SUPPORT))

    response = client.post(reverse("crm:contact_email", args=[contact.pk]), {"subject": "Hi", "body": "Hello"})

    assert response.status_code == 403
    assert f'action="/contacts/{contact.pk}/email/"' not in client.get(
        reverse("crm:contact_detail", args=[contact.pk])).content.decode()
    assert not Activity.objects.exists()


def test_a_contact_without_an_address_or_an_empty_form_is_refused_on_the_page(client, rep):
    no_address = ContactFactory(email="")
    client.force_login(rep)

    refused = client.post(reverse("crm:contact_email", args=[no_address.pk]), {"subject": "Hi", "body": "Hello"})
    empty = client.post(reverse("crm:contact_email", args=[ContactFactory(email="a@example.com").pk]),
                        {"subject": "", "body": ""})

    assert refused.status_code == 200
    assert "This contact has no email address." in refused.content.decode()
    assert empty.status_code == 200
    assert not Activity.objects.exists()
    assert InboundEmail.objects.count() == 0


def test_a_bounce_of_a_reps_email_leaves_it_failed_with_the_receiving_servers_answer(
        client, rep, contact, smtp_server, django_capture_on_commit_callbacks):
    from tests.support.test_inbound_mail import delivery_report

    email = send(client, rep, contact, django_capture_on_commit_callbacks)

    inbound = inbound_email_file(raw=delivery_report(email.message_id), received_at=timezone.now(),
                                 mailbox_key="dsn1")

    email.refresh_from_db()
    assert email.delivery_status == EmailDelivery.FAILED
    assert email.delivery_error.startswith("5.1.1 550 5.1.1")
    assert (inbound.status, inbound.reason) == (InboundStatus.IGNORED, "a delivery report: our email bounced")
    assert not Ticket.objects.exists()


def test_an_email_from_a_deal_page_reaches_its_contact_and_the_answer_threads_onto_the_deal(
        client, rep, contact, smtp_server, django_capture_on_commit_callbacks):
    deal = DealFactory(contact=contact, owner=rep, title="Hopper renewal")
    client.force_login(rep)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("crm:deal_email", args=[deal.pk]),
                               {"subject": "Your renewal", "body": "Shall we talk on Monday?"})
    assert response.status_code == 302
    email = Activity.objects.get(direction=EmailDirection.OUT)
    (received,) = smtp_server.messages
    assert received.rcpt_tos == ["grace@example.com"]
    assert received.message["Message-ID"] == email.message_id
    assert (email.deal, email.delivery_status) == (deal, EmailDelivery.SENT)
    smtp_server.messages.clear()

    with django_capture_on_commit_callbacks(execute=True):
        inbound_email_file(raw=answer(in_reply_to=email.message_id), received_at=timezone.now(), mailbox_key="k1")

    reply = Activity.objects.get(direction=EmailDirection.IN)
    assert (reply.deal, reply.contact, reply.in_reply_to) == (deal, contact, email)
    deal_page = client.get(reverse("crm:deal_detail", args=[deal.pk])).content.decode()
    contact_page = client.get(reverse("crm:contact_detail", args=[contact.pk])).content.decode()
    assert "Monday works." in deal_page
    assert "Monday works." in contact_page
    (note,) = smtp_server.messages
    assert note.rcpt_tos == ["rita@acme.example"]
    assert f"https://crm.acme.example/deals/{deal.pk}/" in note.message.get_content()
