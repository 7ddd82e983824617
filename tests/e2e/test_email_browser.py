"""A whole conversation by email, in Chromium against real mail servers: an agent answers on the ticket page,
the SMTP server receives the one email the customer gets (with the agent's file), the customer's answer (with
a file of theirs) lands in the IMAP mailbox,
one poll files it on the ticket (threaded, quoted text folded, the resolved ticket reopened), and the
reply-time KPI counts the customer's wait from the moment the mail server received the answer."""

import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Role
from kpis.rollup import run_rollup
from support.models import MessageAuthor, Ticket, TicketStatus
from support.services import ticket_add_message
from support.tasks import poll_support_mailbox
from tests.factories import ContactFactory, TicketFactory, UserFactory
from tests.support.conftest import imap_server, smtp_server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The smallest PNG: a 1×1 transparent pixel.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@pytest.fixture
def agent(transactional_db):
    return UserFactory(username="sara", full_name="Sara Support", role=Role.SUPPORT)


@pytest.fixture
def ticket(transactional_db, settings) -> Ticket:
    settings.CRM_SUPPORT_EMAIL = "Acme Support <help@acme.example>"
    customer = ContactFactory(first_name="Nima", last_name="Karimi", email="nima@example.com", language="fa")
    ticket = TicketFactory(subject='Can\'t "export" my data', contact=customer,
                           created_at=timezone.now() - timedelta(hours=5))
    ticket_add_message(ticket=ticket, author=MessageAuthor.CUSTOMER, body="The export button does nothing.",
                       at=ticket.created_at + timedelta(minutes=5))
    return ticket


def _send_reply(session, ticket: Ticket, text: str, files: list | None = None) -> None:
    session.goto(f"/tickets/{ticket.pk}/")
    session.page.get_by_label("Message").fill(text)
    if files:
        session.page.locator("input[name=attachments]").set_input_files(files)
    session.page.get_by_role("button", name="Send reply").click()
    session.page.wait_for_load_state("load")
    expect(session.page.locator(".messages")).to_contain_text("Reply sent.")


def _customer_answer(our_email, received_at: datetime) -> bytes:
    answer = EmailMessage()
    answer["From"] = "Nima Karimi <nima@example.com>"
    answer["To"] = our_email["Reply-To"]
    answer["Subject"] = f"Re: {our_email['Subject']}"
    answer["Message-ID"] = "<answer-1@mail.example.com>"
    answer["In-Reply-To"] = our_email["Message-ID"]
    answer["References"] = our_email["Message-ID"]
    # The customer's clock is a day off: the ticket must keep the time the server received the mail.
    answer["Date"] = format_datetime(received_at - timedelta(days=1))
    answer.set_content("Still broken on Firefox, sorry.\n\nOn Tue, Sara Support wrote:\n> Please try again now.\n")
    answer.add_attachment(PNG, maintype="image", subtype="png", filename="screenshot.png")
    return answer.as_bytes()


def test_an_agent_and_a_customer_hold_a_conversation_by_email(open_browser, agent, ticket, smtp_server,  # noqa: F811
                                                              imap_server):  # noqa: F811
    session = open_browser(agent)

    _send_reply(session, ticket, "Please try again now.",
                files=[{"name": "steps.png", "mimeType": "image/png", "buffer": PNG}])
    [sent] = smtp_server.messages
    email = sent.message
    assert sent.rcpt_tos == ["nima@example.com"]
    assert email["Subject"] == f'[#{ticket.pk}] Can\'t "export" my data'
    assert email["From"] == "Acme Support <help@acme.example>"
    ticket.refresh_from_db()
    assert email["Reply-To"] == f"help+{ticket.token}@acme.example"  # the ticket's own, unguessable address
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert "Please try again now." in text
    assert "تیم پشتیبانی ما" in text  # "Our support team", in the customer's language
    [attached] = list(email.iter_attachments())
    assert (attached.get_filename(), attached.get_content()) == ("steps.png", PNG)
    expect(session.page.locator(".thread .message").last).to_contain_text("Emailed")

    _resolve(session, ticket)

    # The server's receipt has whole seconds: the next whole second, so the answer comes after our reply.
    received_at = (timezone.now() + timedelta(seconds=1)).replace(microsecond=0).astimezone(UTC)
    imap_server.append(_customer_answer(email, received_at), received_at)
    assert poll_support_mailbox.delay().get() == 1

    session.goto(f"/tickets/{ticket.pk}/")
    answer = session.page.locator(".thread .message.customer").last
    expect(answer.locator(".message-body")).to_have_text("Still broken on Firefox, sorry.")
    expect(answer.locator(".message-full")).to_contain_text("Please try again now.")  # folded, one click away
    with session.page.expect_download() as download:
        answer.get_by_role("link", name="screenshot.png").click()
    assert Path(download.value.path()).read_bytes() == PNG  # the customer's file, served to the agent
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert Ticket.objects.count() == 1
    filed = ticket.messages.get(message_id="<answer-1@mail.example.com>")
    assert filed.at == received_at

    while timezone.now() <= received_at:  # the agent answers after the answer arrived
        time.sleep(0.05)
    _send_reply(session, ticket, "Fixed for Firefox too.")
    assert len(smtp_server.messages) == 2
    second = smtp_server.messages[1].message
    assert second["In-Reply-To"] == "<answer-1@mail.example.com>"
    assert email["Message-ID"] in second["References"]

    assert _reply_time_kpi() == pytest.approx(_reply_waits_by_hand(ticket, received_at), abs=1e-6)
    session.screenshot("support-email-conversation")


def _resolve(session, ticket: Ticket) -> None:
    session.page.get_by_label("Status").select_option(TicketStatus.RESOLVED)
    session.page.get_by_role("button", name="Change status").click()
    session.page.wait_for_load_state("load")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED


def _reply_waits_by_hand(ticket: Ticket, received_at: datetime) -> float:
    """The mean wait of the two replies, in hours: the first from the ticket's opening (the customer waits
    from then), the second from the server's receipt of the answer, not the customer's Date header."""
    replies = list(ticket.messages.filter(author=MessageAuthor.AGENT, public=True).order_by("at"))
    first_wait = replies[0].at - ticket.created_at
    second_wait = replies[1].at - received_at
    return (first_wait + second_wait).total_seconds() / 3600 / 2


def _reply_time_kpi() -> float:
    """reply_time_hours over yesterday and today, after a roll-up, as a manager reads it from the API."""
    run_rollup()
    client = Client()
    client.force_login(UserFactory(username="maria", role=Role.MANAGER))
    today = timezone.localdate()
    answer = client.get("/api/kpis/reply_time_hours/", {"start": (today - timedelta(days=1)).isoformat(),
                                                        "end": today.isoformat()})
    return answer.json()["value"]
