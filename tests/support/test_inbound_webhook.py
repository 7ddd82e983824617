import base64
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from support.models import InboundEmail, InboundStatus, MessageAuthor, Ticket
from support.services import ticket_add_message
from tests.factories import ContactFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

POSTMARK = "/mail/inbound/postmark/inbound/"
SECRET = "postmark:s3cret-webhook-pass"
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.CRM_SUPPORT_EMAIL = "Acme Support <help@acme.example>"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


def auth(secret: str = SECRET) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def postmark_payload(*, message_id: str = "<pm1@mail.example.com>", in_reply_to: str = "", attachments=(),
                     event_id: str = "7c2a8f1e-0001") -> dict:
    headers = [{"Name": "Return-Path", "Value": "<grace@example.com>"},
               {"Name": "Message-ID", "Value": message_id}]
    if in_reply_to:
        headers.append({"Name": "In-Reply-To", "Value": in_reply_to})
    return {
        "FromFull": {"Email": "grace@example.com", "Name": "Grace Hopper"},
        "ToFull": [{"Email": "help@acme.example", "Name": ""}],
        "CcFull": [], "BccFull": [],
        "OriginalRecipient": "help@acme.example",
        "Subject": "Export still broken",
        "MessageID": event_id,
        "Date": "Tue, 4 Mar 2025 15:30:00 +0000",
        "TextBody": "It fails again.\n\nOn Mon, Acme Support wrote:\n> We fixed it.",
        "HtmlBody": "",
        "Headers": headers,
        "Attachments": [{"Name": name, "Content": base64.b64encode(content).decode(), "ContentType": mimetype,
                         "ContentLength": len(content)} for name, content, mimetype in attachments],
    }


def post(payload: dict, **extra) -> object:
    return Client().post(POSTMARK, json.dumps(payload), content_type="application/json", **extra)


def test_a_postmark_inbound_email_opens_a_ticket_through_the_filing_service():
    response = post(postmark_payload(attachments=[("log.pdf", PDF, "application/pdf")]), **auth())

    assert response.status_code == 200
    inbound = InboundEmail.objects.get()
    assert (inbound.status, inbound.mailbox_key) == (InboundStatus.FILED, "webhook/postmark/7c2a8f1e-0001")
    assert inbound.header_message_id == "<pm1@mail.example.com>"
    assert b"Subject: Export still broken" in bytes(inbound.raw)
    assert "> We fixed it." in inbound.text
    assert abs(inbound.received_at - timezone.now()) < timedelta(minutes=1)  # Postmark gives no arrival time
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.contact.email, ticket.subject) == ("email", "grace@example.com",
                                                                      "Export still broken")
    message = ticket.messages.get()
    assert message.body == "It fails again."
    attachment = message.attachments.get()
    assert (attachment.filename, attachment.content_type) == ("log.pdf", "application/pdf")


def test_an_answer_by_webhook_threads_onto_its_ticket_and_a_redelivery_files_once():
    ticket = TicketFactory(subject="Export", created_at=timezone.now() - timedelta(days=1),
                           contact=ContactFactory(email="grace@example.com"))
    ours = ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="We fixed it.", user=UserFactory())

    for _attempt in range(2):
        assert post(postmark_payload(in_reply_to=ours.message_id), **auth()).status_code == 200

    assert Ticket.objects.count() == 1
    assert InboundEmail.objects.count() == 1
    latest = ticket.messages.latest("id")
    assert (latest.author, latest.body, latest.message_id) == (MessageAuthor.CUSTOMER, "It fails again.",
                                                                "<pm1@mail.example.com>")


@pytest.mark.parametrize("headers", [{}, "postmark:wrong"])
def test_a_post_without_the_secret_is_refused_and_files_nothing(headers):
    extra = auth(headers) if isinstance(headers, str) else headers

    response = post(postmark_payload(), **extra)

    assert response.status_code in (400, 401, 403)
    assert InboundEmail.objects.count() == 0


def test_without_a_configured_secret_the_webhooks_are_not_there(settings):
    settings.ANYMAIL = {}

    assert post(postmark_payload(), **auth()).status_code == 404
    assert InboundEmail.objects.count() == 0


def test_a_postmark_post_with_the_raw_email_is_filed_from_its_original_bytes():
    raw = (b"From: Grace Hopper <grace@example.com>\r\nTo: help@acme.example\r\nSubject: Raw one\r\n"
           b"Message-ID: <raw1@mail.example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n"
           b"\r\n<p>Sent <b>raw</b>.</p><script>alert(1)</script>\r\n")

    response = post({**postmark_payload(), "RawEmail": raw.decode()}, **auth())

    assert response.status_code == 200
    inbound = InboundEmail.objects.get()
    assert (inbound.status, inbound.header_message_id) == (InboundStatus.FILED, "<raw1@mail.example.com>")
    assert Ticket.objects.get().messages.get().body == "Sent raw."


def test_an_email_that_fails_to_be_filed_is_answered_500_for_the_provider_to_deliver_again(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("support.mail_providers.inbound_email_file", broken)

    response = Client(raise_request_exception=False).post(POSTMARK, json.dumps(postmark_payload()),
                                                          content_type="application/json", **auth())

    assert response.status_code == 500


def test_malformed_provider_posts_are_answered_without_a_server_error():
    client = Client(raise_request_exception=False)

    assert client.post(POSTMARK, "not json", content_type="application/json", **auth()).status_code < 500
    assert client.get(POSTMARK, **auth()).status_code < 500


def test_a_persian_email_by_webhook_keeps_its_subject_and_text():
    payload = {**postmark_payload(), "Subject": "خروجی کار نمی‌کند",
               "FromFull": {"Email": "sara@example.com", "Name": "سارا رضایی"},
               "TextBody": "سلام، خروجی اکسل خالی است."}

    assert post(payload, **auth()).status_code == 200

    ticket = Ticket.objects.get()
    assert ticket.subject == "خروجی کار نمی‌کند"
    assert ticket.messages.get().body == "سلام، خروجی اکسل خالی است."
    assert (ticket.contact.first_name, ticket.contact.last_name) == ("سارا", "رضایی")
