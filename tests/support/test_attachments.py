import base64
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.models import Role
from support.inbound import decoded_size, read_email
from support.models import Attachment, InboundEmail, InboundStatus, MessageAuthor, Ticket, TicketMessage
from support.services import inbound_email_file
from support.tasks import poll_support_mailbox
from tests.api.conftest import token_client
from tests.factories import ContactFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

RECEIVED = datetime(2025, 3, 4, 15, 30, tzinfo=UTC)
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJ"
                       "RU5ErkJggg==")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _support_address(settings):
    settings.CRM_SUPPORT_EMAIL = "Acme Support <help@acme.example>"
    settings.CRM_ATTACHMENT_MAX_MB = 10


@pytest.fixture
def agent(db):
    return UserFactory(role=Role.SUPPORT, full_name="Ada Agent")


@pytest.fixture
def ticket(db):
    return TicketFactory(subject="Export broken", created_at=timezone.now(),
                         contact=ContactFactory(email="grace@example.com", first_name="Grace"), body="Broken.")


def email_with(files: list[tuple[str, bytes, str]], *, subject: str = "Invoice attached",
               message_id: str = "<a1@mail.example.com>") -> bytes:
    message = EmailMessage()
    message["From"] = "Grace Hopper <grace@example.com>"
    message["To"] = "help@acme.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(RECEIVED)
    message["Message-ID"] = message_id
    message.set_content("Here is the file.")
    for name, content, mimetype in files:
        maintype, subtype = mimetype.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def file(raw: bytes, key: str = "k1") -> InboundEmail:
    return inbound_email_file(raw=raw, received_at=RECEIVED, mailbox_key=key)


# Inbound


def test_an_emails_attachments_are_stored_under_random_names_with_sniffed_types():
    # The sender calls the PNG a PDF; the type kept is what its content is.
    inbound = file(email_with([("screen shot.png", PNG, "application/pdf"), ("../../etc/رسید.pdf", PDF,
                                                                               "application/octet-stream")]))

    assert inbound.status == InboundStatus.FILED
    png, pdf = inbound.message.attachments.order_by("id")
    assert (png.filename, png.content_type, png.size_bytes, png.kept) == ("screen shot.png", "image/png", len(PNG),
                                                                          True)
    assert (pdf.filename, pdf.content_type) == ("رسید.pdf", "application/pdf")
    assert "screen" not in png.file.name
    assert "رسید" not in pdf.file.name
    assert png.file.name.startswith("attachments/")
    with default_storage.open(png.file.name, "rb") as stored:
        assert stored.read() == PNG


def test_an_attachment_over_the_limit_is_noted_not_kept_and_the_raw_email_keeps_it(settings, ticket):
    settings.CRM_ATTACHMENT_MAX_MB = 1
    big = b"\x00" * (3 * 1024 * 1024 + 5)
    inbound = file(email_with([("backup.bin", big, "application/octet-stream"), ("ok.png", PNG, "image/png")]))

    refused, kept = inbound.message.attachments.order_by("id")
    assert (refused.kept, refused.file.name, refused.limit_mb, refused.size_bytes) == (False, "", 1, len(big))
    assert kept.kept
    assert base64.b64encode(big[:300]) in bytes(inbound.raw).replace(b"\n", b"")
    page = Client()
    page.force_login(UserFactory(role=Role.SUPPORT))
    html = page.get(reverse("support:ticket_detail", args=[inbound.ticket.pk])).content.decode()
    assert "Attachment backup.bin (3.0 MB) was not kept: larger than 1 MB." in html


def big_email(size: int) -> bytes:
    """An email with one attachment of `size` bytes, built with the C base64 encoder (the email package's
    own takes seconds for tens of megabytes)."""
    return (b"From: Grace Hopper <grace@example.com>\r\nTo: help@acme.example\r\nSubject: The recording\r\n"
            b"Message-ID: <big@mail.example.com>\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n'
            b"The recording.\r\n--b1\r\nContent-Type: video/mp4\r\nContent-Transfer-Encoding: base64\r\n"
            b'Content-Disposition: attachment; filename="call.mp4"\r\n\r\n'
            + base64.encodebytes(b"\x01" * size) + b"--b1--\r\n")


# 11 MB, just over the default limit: 50 MB behaves the same (the size is read from the base64 length, never
# decoded) but takes about ten seconds, most of it the email package parsing 68 MB of text.
def test_an_attachment_over_the_default_limit_is_measured_without_decoding_and_not_kept():
    size = 11 * 1024 * 1024
    raw = big_email(size)

    inbound = file(raw)

    assert inbound.status == InboundStatus.FILED
    attachment = inbound.message.attachments.get()
    assert (attachment.filename, attachment.kept, attachment.size_bytes, attachment.limit_mb) == (
        "call.mp4", False, size, 10)
    assert bytes(inbound.raw) == raw
    assert inbound.message.body == "The recording."


@pytest.mark.parametrize("size", [0, 1, 2, 3, 1000, 57 * 3 + 1])
def test_the_decoded_size_of_base64_is_exact(size):
    raw = email_with([("f.bin", b"\x07" * size, "application/octet-stream")])
    mail = read_email(raw)
    message_part = next(message_from_bytes(raw, policy=policy.default).iter_attachments())

    assert decoded_size(message_part) == size
    assert mail.attachments[0].size_bytes == size


def test_an_attachment_in_the_mailbox_is_on_the_ticket_after_one_poll(imap_server):
    imap_server.append(email_with([("invoice.pdf", PDF, "application/pdf")]), RECEIVED)

    assert poll_support_mailbox.delay().get() == 1

    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type, attachment.message.author) == (
        "invoice.pdf", "application/pdf", MessageAuthor.CUSTOMER)
    with attachment.file.open("rb") as stored:
        assert stored.read() == PDF


# Outbound


def test_a_reply_with_attachments_reaches_the_mail_server_with_them(client, agent, ticket, smtp_server,
                                                                  django_capture_on_commit_callbacks):
    client.force_login(agent)
    uploads = [SimpleUploadedFile("report.pdf", PDF, content_type="text/html"),
               SimpleUploadedFile("pixel.png", PNG, content_type="image/png")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("support:ticket_reply", args=[ticket.pk]),
                               {"body": "Files attached.", "kind": "reply", "attachments": uploads})

    assert response.status_code == 302
    reply = TicketMessage.objects.filter(ticket=ticket, author=MessageAuthor.AGENT).get()
    assert [a.content_type for a in reply.attachments.order_by("id")] == ["application/pdf", "image/png"]
    (received,) = smtp_server.messages
    assert received.rcpt_tos == ["grace@example.com"]
    parts = {part.get_filename(): part for part in received.message.iter_attachments()}
    assert set(parts) == {"report.pdf", "pixel.png"}
    assert parts["report.pdf"].get_content_type() == "application/pdf"
    assert parts["report.pdf"].get_content() == PDF
    assert parts["pixel.png"].get_content() == PNG
    assert "Files attached." in received.message.get_body(("plain",)).get_content()


def test_a_reply_with_a_file_over_the_limit_is_refused_on_the_form(settings, client, agent, ticket):
    settings.CRM_ATTACHMENT_MAX_MB = 1
    client.force_login(agent)
    upload = SimpleUploadedFile("big.bin", b"x" * (1024 * 1024 + 1))

    response = client.post(reverse("support:ticket_reply", args=[ticket.pk]),
                           {"body": "Too big", "kind": "reply", "attachments": [upload]})

    assert response.status_code == 200
    assert "big.bin is larger than 1.0" in response.content.decode()
    assert not TicketMessage.objects.filter(ticket=ticket, author=MessageAuthor.AGENT).exists()
    assert Attachment.objects.count() == 0


def test_the_ticket_page_offers_files_on_the_reply_form_and_links_attachments(client, agent):
    inbound = file(email_with([("invoice.pdf", PDF, "application/pdf")]))
    client.force_login(agent)

    html = client.get(reverse("support:ticket_detail", args=[inbound.ticket.pk])).content.decode()

    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="attachments"' in html
    assert reverse("support:attachment_download", args=[Attachment.objects.get().pk]) in html


# Download


@pytest.mark.parametrize(("role", "status"), [(Role.SALES, 403), (Role.SUPPORT, 200), (Role.MANAGER, 200)])
def test_an_attachment_is_downloaded_only_by_those_who_read_tickets(role, status):
    inbound = file(email_with([("<script>.html", b"<script>alert(1)</script>", "text/html")]))
    attachment = inbound.message.attachments.get()
    client = Client()
    client.force_login(UserFactory(role=role))

    response = client.get(reverse("support:attachment_download", args=[attachment.pk]))

    assert response.status_code == status
    if status == 200:
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "text/plain"
        assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


def test_a_download_asks_anonymous_visitors_to_log_in_and_unknown_or_refused_files_are_404(settings, client,
                                                                                           agent):
    settings.CRM_ATTACHMENT_MAX_MB = 1
    inbound = file(email_with([("big.bin", b"\x00" * (1024 * 1024 + 1), "application/octet-stream")]))
    refused = inbound.message.attachments.get()

    assert client.get(reverse("support:attachment_download", args=[refused.pk])).status_code == 302
    client.force_login(agent)
    assert client.get(reverse("support:attachment_download", args=[refused.pk])).status_code == 404
    assert client.get(reverse("support:attachment_download", args=[999999])).status_code == 404
    assert client.get("/tickets/attachments/abc/").status_code == 404


def test_a_download_whose_file_is_gone_is_404(client, agent):
    inbound = file(email_with([("invoice.pdf", PDF, "application/pdf")]))
    attachment = inbound.message.attachments.get()
    default_storage.delete(attachment.file.name)
    client.force_login(agent)

    assert client.get(reverse("support:attachment_download", args=[attachment.pk])).status_code == 404


# The public support form


def test_the_public_form_takes_attachments(django_capture_on_commit_callbacks):
    cache.clear()
    form = Client().get("/support/new/").content.decode()
    assert 'enctype="multipart/form-data"' in form
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/support/new/", {
            "name": "Grace Hopper", "email": "grace@example.com", "subject": "Cannot log in",
            "body": "Screenshot attached.", "website": "",
            "attachments": [SimpleUploadedFile("error.png", PNG, content_type="image/png")]})

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    attachment = ticket.messages.get().attachments.get()
    assert (attachment.filename, attachment.content_type, attachment.kept) == ("error.png", "image/png", True)


# The API


def test_the_api_lists_a_messages_attachments_and_serves_each_as_a_download(settings, ticket):
    settings.CRM_ATTACHMENT_MAX_MB = 1
    inbound = file(email_with([("screen shot.png", PNG, "image/png"),
                               ("backup.bin", b"\x00" * (1024 * 1024 + 1), "application/octet-stream")]))
    png, refused = inbound.message.attachments.order_by("id")
    api = token_client(UserFactory(role=Role.SUPPORT))

    thread = api.get(f"/api/tickets/{inbound.ticket.pk}/messages/").json()
    assert thread[-1]["attachments"] == [
        {"id": png.pk, "filename": "screen shot.png", "content_type": "image/png", "size_bytes": len(PNG),
         "kept": True, "limit_mb": None, "download": f"/api/tickets/{inbound.ticket.pk}/attachments/{png.pk}/"},
        {"id": refused.pk, "filename": "backup.bin", "content_type": "", "size_bytes": 1024 * 1024 + 1,
         "kept": False, "limit_mb": 1, "download": None},
    ]
    response = api.get(thread[-1]["attachments"][0]["download"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == "attachment; filename=\"screen shot.png\""
    assert response["X-Content-Type-Options"] == "nosniff"
    for accept in ("application/octet-stream", "image/*"):  # what the schema's 200 says, or the file's kind
        assert api.get(thread[-1]["attachments"][0]["download"], HTTP_ACCEPT=accept).status_code == 200
    missing = api.get(f"/api/tickets/{inbound.ticket.pk}/attachments/{png.pk + 1000}/",
                      HTTP_ACCEPT="application/octet-stream")
    assert missing.status_code == 404


def test_the_api_serves_an_attachment_only_through_its_own_ticket_and_only_to_support(ticket):
    inbound = file(email_with([("screen shot.png", PNG, "image/png")]))
    png = inbound.message.attachments.get()
    other = TicketFactory(subject="Another", created_at=timezone.now())
    support = token_client(UserFactory(role=Role.SUPPORT))
    assert support.get(f"/api/tickets/{other.pk}/attachments/{png.pk}/").status_code == 404
    for unknown in (png.pk + 1000, 2**31, 10**30, "ext:x"):
        assert support.get(f"/api/tickets/{inbound.ticket.pk}/attachments/{unknown}/").status_code == 404
    sales = token_client(UserFactory(role=Role.SALES))
    assert sales.get(f"/api/tickets/{inbound.ticket.pk}/attachments/{png.pk}/").status_code == 403
