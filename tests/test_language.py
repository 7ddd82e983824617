"""Staff read the CRM in the language they chose; customers and the login page follow the browser."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import translation

from core.jalali import format_jalali
from crm.models import Role
from tests.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_persian_user_gets_right_to_left_persian_pages_whatever_the_browser_asks_for():
    user = UserFactory(role=Role.SALES, language="fa")
    response = _client_for(user).get("/contacts/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Language"] == "fa"
    assert '<html lang="fa" dir="rtl"' in response.content.decode()


def test_an_english_user_gets_english_pages_from_a_persian_browser():
    user = UserFactory(role=Role.SALES, language="en")
    response = _client_for(user).get("/contacts/", HTTP_ACCEPT_LANGUAGE="fa")
    assert '<html lang="en" dir="ltr"' in response.content.decode()


def test_the_switch_saves_the_language_for_the_user_and_returns_to_the_page():
    user = UserFactory(role=Role.SALES, language="en")
    client = _client_for(user)
    response = client.post("/account/language/", {"language": "fa", "next": "/contacts/?q=a"})
    assert response.status_code == 302
    assert response["Location"] == "/contacts/?q=a"
    user.refresh_from_db()
    assert user.language == "fa"
    # Another device (a new session, no cookie) gets Persian too.
    assert '<html lang="fa" dir="rtl"' in _client_for(user).get("/").content.decode()


def test_the_switch_ignores_an_unknown_language_and_a_foreign_next_page():
    user = UserFactory(role=Role.SALES, language="en")
    client = _client_for(user)
    response = client.post("/account/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    user.refresh_from_db()
    assert user.language == "en"


def test_the_switch_needs_a_post_with_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert client.get("/account/language/").status_code == 405
    assert client.post("/account/language/", {"language": "fa"}).status_code == 403


def test_the_login_page_follows_the_browser_and_the_cookie_the_switch_sets():
    client = Client()
    assert '<html lang="fa" dir="rtl"' in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    client.post("/account/language/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert '<html lang="en" dir="ltr"' in page


def test_dates_read_in_the_business_zone_and_in_jalali_for_a_persian_reader(settings):
    settings.CRM_TIME_ZONE = "Asia/Tehran"  # UTC+03:30
    settings.CRM_LATIN_DIGITS = False
    TicketFactory(subject="Invoice", created_at=datetime(2025, 3, 20, 14, 30, tzinfo=UTC))
    english = _client_for(UserFactory(role=Role.SUPPORT, language="en")).get("/tickets/?queue=all")
    assert ">2025-03-20 18:00</time>" in english.content.decode()
    persian = _client_for(UserFactory(role=Role.SUPPORT, language="fa")).get("/tickets/?queue=all")
    assert ">۱۴۰۳/۱۲/۳۰ ۱۸:۰۰</time>" in persian.content.decode()  # 30 Esfand 1403, a leap day
    # The machine-readable instant stays Gregorian.
    assert 'datetime="2025-03-20T18:00:00+03:30"' in persian.content.decode()


def test_the_change_history_shows_a_persian_reader_jalali_moments(settings):
    settings.CRM_LATIN_DIGITS = False
    agent = UserFactory(role=Role.SUPPORT, language="fa")
    ticket = TicketFactory(subject="Invoice")
    client = _client_for(agent)
    client.post(f"/tickets/{ticket.pk}/reply/", {"body": "سلام", "kind": "reply"})
    ticket.refresh_from_db()
    with translation.override("fa"):
        expected = format_jalali(ticket.first_response_at, "%Y/%m/%d %H:%M")
    assert expected.startswith("۱۴")  # a Jalali year in Persian digits
    # Right to left, the arrow points from the old value to the new one.
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f"— ← {expected}" in page


def test_a_new_member_of_staff_who_never_chose_follows_the_browser():
    user = UserFactory(role=Role.SALES)
    assert user.language == ""
    client = _client_for(user)
    assert '<html lang="fa" dir="rtl"' in client.get("/contacts/", HTTP_ACCEPT_LANGUAGE="fa,en;q=0.8").content.decode()
    assert '<html lang="en" dir="ltr"' in client.get("/contacts/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()


def test_a_browser_asking_for_neither_language_gets_the_business_language(settings):
    settings.LANGUAGE_CODE = "fa"
    user = UserFactory(role=Role.SALES)
    page = _client_for(user).get("/contacts/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="fa" dir="rtl"' in page
    assert '<html lang="fa" dir="rtl"' in Client().get("/accounts/login/").content.decode()


def test_an_explicit_choice_beats_the_browser_and_the_business_language(settings):
    settings.LANGUAGE_CODE = "fa"
    user = UserFactory(role=Role.SALES, language="en")
    page = _client_for(user).get("/contacts/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert '<html lang="en" dir="ltr"' in page


def test_new_contacts_and_email_templates_speak_the_business_language(settings):
    from crm.models import EmailTemplate
    from crm.services import contact_create

    settings.LANGUAGE_CODE = "fa"
    assert contact_create(first_name="Sara").language == "fa"
    assert contact_create(first_name="Sam", language="en").language == "en"
    assert EmailTemplate(name="Hello", subject="Hi", body="Hi").language == "fa"


def test_names_are_isolated_and_machine_text_reads_left_to_right_in_latin_digits(settings):
    from tests.factories import ContactFactory

    settings.CRM_LATIN_DIGITS = False
    ContactFactory(first_name="Arash", last_name="Farahani.", email="arash.farahani2@example.com",
                   phone="+98 912 345 6789")
    page = _client_for(UserFactory(role=Role.SALES, language="fa")).get("/contacts/").content.decode()
    assert "<bdi>Arash Farahani.</bdi>" in page  # the full stop stays on the name's side
    assert '<bdi class="machine" dir="ltr">arash.farahani2@example.com</bdi>' in page
    assert '<bdi class="machine" dir="ltr">+98 912 345 6789</bdi>' in page
    stylesheet = (settings.BASE_DIR / "static/css/app.css").read_text()
    assert ".machine { direction: ltr; unicode-bidi: isolate; }" in stylesheet
    assert "overflow-wrap: anywhere" in stylesheet
