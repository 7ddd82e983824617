import base64
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.core import mail as outbox

from support.inbound import new_text, read_email
from support.models import InboundEmail, InboundStatus, MessageAuthor, Ticket, TicketStatus
from support.services import (
    inbound_email_discard,
    inbound_email_file,
    inbound_email_file_on,
    ticket_add_message,
    ticket_resolve,
)
from support.tasks import poll_support_mailbox
from tests.factories import ContactFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
RECEIVED = datetime(2025, 3, 4, 15, 30, tzinfo=UTC)
QUOTED_REPLY = """Thanks, that worked!

On Mon, 3 Mar 2025 at 10:00, Acme Support <help@acme.example> wrote:
> We are on it.
> Ada
"""


@pytest.fixture(autouse=True)
def _support_address(settings):
    settings.CRM_SUPPORT_EMAIL = "Acme Support <help@acme.example>"
    settings.CRM_REOPEN_DAYS = 14


@pytest.fixture
def ticket(db):
    ticket = TicketFactory(subject="Export broken", created_at=T0,
                           contact=ContactFactory(email="grace@example.com", first_name="Grace"))
    return ticket


@pytest.fixture
def our_reply(ticket):
    return ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="We are on it.",
                              user=UserFactory(), at=T0 + timedelta(hours=1))


def email(*, sender="Grace Hopper <grace@example.com>", to="help@acme.example", subject="Re: Export broken",
          body=QUOTED_REPLY, message_id="<r1@mail.example.com>", charset="utf-8", **headers) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(RECEIVED)
    if message_id:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body, charset=charset)
    return message.as_bytes()


def file(raw: bytes, key: str = "k1", at: datetime = RECEIVED) -> InboundEmail:
    return inbound_email_file(raw=raw, received_at=at, mailbox_key=key)


# Through a real IMAP server (tests/support/conftest.py)


def test_a_reply_in_the_mailbox_is_on_its_ticket_after_one_poll_threaded_folded_and_reopening_it(
        imap_server, ticket, our_reply):
    ticket_resolve(ticket=ticket, at=T0 + timedelta(hours=2))
    imap_server.append(email(In_Reply_To=our_reply.message_id), RECEIVED)

    assert poll_support_mailbox.delay().get() == 1

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.resolved_at is None
    message = ticket.messages.latest("at")
    assert (message.author, message.public, message.at) == (MessageAuthor.CUSTOMER, True, RECEIVED)
    assert message.body == "Thanks, that worked!"
    assert message.message_id == "<r1@mail.example.com>"
    inbound = InboundEmail.objects.get()
    assert (inbound.status, inbound.ticket, inbound.message) == (InboundStatus.FILED, ticket, message)
    assert "> We are on it." in inbound.text
    assert b"Thanks, that worked!" in bytes(inbound.raw)
    assert imap_server.unseen() == []
    assert poll_support_mailbox.delay().get() == 0
    assert ticket.messages.count() == 2


def test_fifty_auto_replies_open_no_ticket_and_are_all_kept_as_ignored(imap_server, ticket, our_reply):
    for n in range(50):
        imap_server.append(email(subject="Out of office", body="I am away.", message_id=f"<auto{n}@mx.example>",
                                 Auto_Submitted="auto-replied", In_Reply_To=f"<nothing{n}@acme.example>"),
                           RECEIVED)

    assert poll_support_mailbox.delay().get() == 50

    assert Ticket.objects.count() == 1
    assert ticket.messages.count() == 1
    assert InboundEmail.objects.filter(status=InboundStatus.IGNORED).count() == 50
    assert imap_server.unseen() == []
    assert outbox.outbox == []


def test_a_malformed_email_is_kept_unfiled_and_nothing_is_lost(imap_server):
    imap_server.append(b"Subject: no sender at all\r\n\r\njust text\r\n", RECEIVED)

    poll_support_mailbox.delay().get()

    inbound = InboundEmail.objects.get()
    assert (inbound.status, inbound.reason) == (InboundStatus.UNFILED, "no sender address")
    assert bytes(inbound.raw) == b"Subject: no sender at all\r\n\r\njust text\r\n"
    assert Ticket.objects.count() == 0


# Filing (the service the poll calls)


@pytest.mark.parametrize("how", ["in_reply_to", "references", "token", "number_from_contact"])
def test_an_answer_finds_its_ticket(ticket, our_reply, how):
    ticket.refresh_from_db()
    headers = {
        "in_reply_to": {"In_Reply_To": our_reply.message_id},
        "references": {"References": f"<older@x.example> {our_reply.message_id}"},
        "token": {"to": f"Acme Support <help+{ticket.token}@acme.example>"},
        "number_from_contact": {"subject": f"Re: [#{ticket.pk}] Export broken", "sender": "GRACE@example.com"},
    }[how]

    inbound = file(email(**headers))

    assert inbound.status == InboundStatus.FILED
    assert inbound.ticket == ticket
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("headers", [
    {"subject": "[#1] Export broken", "sender": "mallory@evil.example"},
    {"subject": "A new question"},
    {"to": "help+notatoken@acme.example"},
])
def test_an_email_answering_nothing_we_know_opens_a_new_email_ticket(ticket, headers):
    inbound = file(email(**headers))

    assert inbound.status == InboundStatus.FILED
    assert inbound.ticket != ticket
    new = inbound.ticket
    subject = headers.get("subject", "Re: Export broken")
    assert (new.channel, new.created_at, new.subject) == ("email", RECEIVED, subject)
    assert new.contact.email == headers.get("sender", "grace@example.com").split()[-1]


def test_an_answer_to_a_ticket_resolved_long_ago_opens_a_new_one_naming_it(ticket, our_reply):
    ticket_resolve(ticket=ticket, at=T0 + timedelta(hours=2))

    inbound = file(email(In_Reply_To=our_reply.message_id), at=T0 + timedelta(days=20))

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert inbound.ticket != ticket
    assert inbound.message.body.startswith(f"Follow-up to ticket #{ticket.pk}.")
    assert inbound.ticket.contact == ticket.contact


@pytest.mark.parametrize("headers", [
    {"Precedence": "bulk"}, {"Precedence": "list"}, {"X_Autoreply": "yes"}, {"Auto_Submitted": "auto-generated"},
    {"sender": "help@acme.example"}, {"sender": "help+abc@acme.example"},
])
def test_automatic_mail_and_our_own_are_ignored(ticket, our_reply, headers):
    inbound = file(email(In_Reply_To=our_reply.message_id, **headers))

    assert inbound.status == InboundStatus.IGNORED
    assert inbound.ticket is None
    assert ticket.messages.count() == 1


def test_auto_submitted_no_is_a_person(ticket, our_reply):
    assert file(email(In_Reply_To=our_reply.message_id, Auto_Submitted="no")).status == InboundStatus.FILED


def test_the_same_email_twice_is_filed_once(ticket, our_reply):
    first = file(email(In_Reply_To=our_reply.message_id), key="a")
    again = file(email(In_Reply_To=our_reply.message_id), key="a")
    copy = file(email(In_Reply_To=our_reply.message_id), key="b")

    assert again == first
    assert copy.status == InboundStatus.IGNORED
    assert copy.reason == "a message with this Message-ID is on a ticket already"
    assert ticket.messages.count() == 2


def test_encoded_headers_and_charsets_are_decoded():
    persian = "سلام دوست، گزارش خراب است"  # letters windows-1256 has (it lacks the Persian yeh)
    cp1256 = read_email(email(subject="مشکل ویندوز", body=persian, charset="windows-1256",
                              sender="رضا <reza@example.com>"))
    utf16 = read_email(b"From: =?utf-8?b?" + base64.b64encode("رضا".encode()) + b"?= <reza@example.com>\r\n"
                       b"Subject: =?utf-16?b?" + base64.b64encode("مشکل".encode("utf-16")) + b"?=\r\n"
                       b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-16\r\n"
                       b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(persian.encode("utf-16")))

    assert (cp1256.subject, cp1256.sender_name, cp1256.text) == ("مشکل ویندوز", "رضا", persian)
    assert (utf16.subject, utf16.sender_name, utf16.text) == ("مشکل", "رضا", persian)
    assert b"=?utf-8?" in email(subject="مشکل").lower()


def test_quoted_history_and_signature_are_folded():
    assert new_text(QUOTED_REPLY) == "Thanks, that worked!"
    assert new_text("> only a quote") == "> only a quote"


def test_unfiled_mail_can_be_filed_by_hand_or_discarded(ticket):
    broken = file(b"Subject: x\r\n\r\nplease call me\r\n", key="x")
    other = file(b"Subject: y\r\n\r\nspam\r\n", key="y")

    filed = inbound_email_file_on(inbound=broken, ticket=ticket)
    discarded = inbound_email_discard(inbound=other)

    assert (filed.status, filed.ticket) == (InboundStatus.FILED, ticket)
    assert "please call me" in filed.message.body
    assert discarded.status == InboundStatus.DISCARDED


# An answer filed on a resolved ticket reopens it even when the server received it a little before the ticket
# was resolved: the mailbox is polled every minute, so an agent can resolve a ticket in the seconds between the
# customer's answer arriving and its being filed, without having seen it.

@pytest.mark.parametrize("resolved_after_receipt", [timedelta(seconds=0.4), timedelta(seconds=30)])
def test_an_answer_received_just_before_the_ticket_was_resolved_reopens_it(ticket, our_reply,
                                                                           resolved_after_receipt):
    ticket_resolve(ticket=ticket, at=RECEIVED + resolved_after_receipt)

    inbound = file(email(In_Reply_To=our_reply.message_id))

    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at) == (TicketStatus.OPEN, None)
    assert (inbound.message.author, inbound.message.at) == (MessageAuthor.CUSTOMER, RECEIVED)
    assert ticket.messages.count() == 2


def test_an_answer_received_long_after_resolution_still_opens_a_new_ticket(ticket, our_reply, settings):
    ticket_resolve(ticket=ticket, at=T0 + timedelta(hours=2))
    late = RECEIVED + timedelta(days=settings.CRM_REOPEN_DAYS + 1)

    inbound = file(email(In_Reply_To=our_reply.message_id), at=late)

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert inbound.ticket != ticket
    assert inbound.message.body.startswith(f"Follow-up to ticket #{ticket.pk}.")


# Delivery reports and loops

def delivery_report(original_message_id: str, *, action: str = "failed", with_headers: bool = True) -> bytes:
    """A report as Postfix writes one (RFC 3464): a note, the per-recipient status, the original's headers."""
    headers = f"Message-ID: {original_message_id}\r\nSubject: [#1] Export broken\r\n" if with_headers else ""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\nTo: help@acme.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.example.com>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; grace@example.com\r\nAction: {action}\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <grace@example.com>: Recipient address rejected: User unknown\r\n\r\n"
        f"--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n{headers}\r\n--b1--\r\n"
    ).encode()


def test_a_bounce_marks_the_reply_it_names_bounced_with_the_servers_answer(ticket, our_reply):
    inbound = file(delivery_report(our_reply.message_id))

    our_reply.refresh_from_db()
    assert our_reply.delivery_status == "bounced"
    assert our_reply.delivery_error == ("5.1.1 550 5.1.1 <grace@example.com>: Recipient address rejected: "
                                        "User unknown (grace@example.com)")
    assert (inbound.status, inbound.ticket, inbound.message) == (InboundStatus.IGNORED, ticket, our_reply)
    assert inbound.reason == "a delivery report: our email bounced"
    assert ticket.messages.count() == 1  # no message on the ticket, no new ticket
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(("action", "with_headers"), [("delayed", True), ("failed", False)])
def test_a_delay_or_a_report_that_names_no_email_is_only_kept(ticket, our_reply, action, with_headers):
    our_reply.delivery_status = "sent"
    our_reply.save(update_fields=["delivery_status"])

    inbound = file(delivery_report(our_reply.message_id, action=action, with_headers=with_headers))

    our_reply.refresh_from_db()
    assert our_reply.delivery_status == "sent"
    assert inbound.status == InboundStatus.IGNORED
    assert Ticket.objects.count() == 1


def test_a_bounce_of_an_email_we_never_sent_is_kept_as_ignored(ticket):
    inbound = file(delivery_report("<not-ours@elsewhere.example>"))

    assert (inbound.status, inbound.reason) == (InboundStatus.IGNORED, "a delivery report about an email we did not "
                                                                       "send")


def test_a_loop_of_a_thousand_auto_replies_opens_no_ticket_and_keeps_every_one(ticket, our_reply):
    for n in range(1000):
        file(email(subject="Automatic reply: Export broken", body="I am away.", message_id=f"<loop{n}@mx.example>",
                   Auto_Submitted="auto-replied", In_Reply_To=f"<ours{n}@acme.example>"), key=f"loop{n}")

    assert InboundEmail.objects.filter(status=InboundStatus.IGNORED).count() == 1000
    assert Ticket.objects.count() == 1
    assert ticket.messages.count() == 1


def test_a_robot_without_auto_reply_headers_opens_at_most_the_hourly_limit_of_tickets(settings):
    settings.CRM_INBOUND_NEW_TICKETS_PER_HOUR = 3
    for n in range(8):
        file(email(sender="robot@alerts.example", subject=f"Alert {n}", body="Disk full.",
                   message_id=f"<alert{n}@alerts.example>"), key=f"alert{n}", at=RECEIVED + timedelta(minutes=n))
    next_hour = file(email(sender="robot@alerts.example", subject="Alert 9", body="Disk full.",
                           message_id="<alert9@alerts.example>"), key="alert9", at=RECEIVED + timedelta(hours=2))

    assert Ticket.objects.filter(contact__email="robot@alerts.example").count() == 4  # 3, then 1 an hour later
    unfiled = InboundEmail.objects.filter(status=InboundStatus.UNFILED)
    assert unfiled.count() == 5
    assert set(unfiled.values_list("reason", flat=True)) == {
        "too many new tickets from this sender in the last hour (a loop?)"}
    assert next_hour.status == InboundStatus.FILED
    assert InboundEmail.objects.count() == 9  # nothing lost
