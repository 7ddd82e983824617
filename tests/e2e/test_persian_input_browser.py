"""A Persian rep's day of typing, in a real browser at desktop and phone widths: a Gregorian date is shown
back in Jalali before anything is saved, amounts are typed in Persian digits, a search with Arabic
letters finds the Persian name, and a 200-character unbroken title fits the screen. Screenshots go to
tests/e2e/screenshots/ to be looked at."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.models import Contact, Deal, Role, User
from crm.services import contact_update
from tests.e2e.business import build_recent_business
from tests.factories import CompanyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def rep(transactional_db):
    build_recent_business()
    return User.objects.create(username="reza", full_name="رضا کریمی", role=Role.SALES, language="fa")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_gregorian_churn_date_is_confirmed_in_jalali_then_saved(open_browser, rep, width):
    company = CompanyFactory(name="شرکت نوین", owner=rep)
    session = open_browser(rep, language="fa", width=width, height=844)
    session.goto(f"/companies/{company.pk}/")
    session.page.locator("#churn-title ~ details summary").click()
    form = session.page.locator("#churn-title ~ details form")
    form.locator("[name=churned_at]").fill("2026-12-05 10:00")
    form.locator("[name=reason]").fill("قیمت")
    form.locator("button[type=submit]").click()
    session.page.wait_for_load_state("load")

    form = session.page.locator("#churn-title ~ details form")
    expect(form.locator("[name=churned_at]")).to_have_value("1405/09/14 10:00")
    expect(form).to_contain_text("میلادی")
    session.screenshot(f"fa-churn-gregorian-confirm-{width}")
    company.refresh_from_db()
    assert company.churned_at is None

    session.page.keyboard.press("Escape")  # the Jalali picker opens on focus
    form.locator("button[type=submit]").click()
    session.page.wait_for_load_state("load")
    company.refresh_from_db()
    assert company.churned_at == datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    assert session.errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_a_persian_rep_types_an_amount_in_persian_digits(open_browser, rep, width):
    deal = Deal.objects.filter(status="open").order_by("pk").first()
    deal.owner = rep
    deal.save(update_fields=["owner"])
    session = open_browser(rep, language="fa", width=width, height=844)
    session.goto(f"/deals/{deal.pk}/edit/")
    amount = session.page.locator("[name=amount]")
    assert amount.get_attribute("type") == "text"
    assert amount.get_attribute("inputmode") == "decimal"
    amount.fill("")
    amount.press_sequentially("۱۲٬۵۰۰٫۵۰")
    expect(amount).to_have_value("۱۲٬۵۰۰٫۵۰")  # the browser keeps what was typed
    session.screenshot(f"fa-deal-amount-{width}")
    session.page.locator("form:has([name=amount]) button[type=submit]").click()
    session.page.wait_for_load_state("load")
    deal.refresh_from_db()
    assert deal.amount == Decimal("12500.50")
    assert session.errors == []


def test_a_search_typed_with_arabic_letters_finds_the_persian_name(open_browser, rep):
    contact_update(contact=Contact.objects.order_by("pk").first(), first_name="علی", last_name="کریمی‌نژاد")
    session = open_browser(rep, language="fa", width=390, height=844)
    session.goto("/")
    session.page.locator("#top-search").fill("علي كريمي")
    session.page.locator("#top-search").press("Enter")
    session.page.wait_for_load_state("load")
    expect(session.page.locator("main")).to_contain_text("کریمی‌نژاد")
    session.screenshot("fa-search-arabic-letters-390")
    assert session.errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_a_200_character_unbroken_title_fits_the_home_page_board_and_deal_page(open_browser, rep, width):
    deal = Deal.objects.filter(status="open").order_by("pk").first()
    Deal.objects.filter(pk=deal.pk).update(owner=rep, title="قرارداد" * 28 + "X" * 4)
    session = open_browser(rep, language="fa", width=width, height=844)
    for name, path in [("home", "/"), ("board", f"/deals/board/{deal.pipeline_id}/?scope=mine"),
                       ("deal", f"/deals/{deal.pk}/")]:
        session.goto(path)
        session.page.evaluate("() => document.fonts.ready")
        expect(session.page.locator("main")).to_contain_text("قرارداد")
        session.screenshot(f"fa-long-title-{name}-{width}")
        assert session.page.evaluate(OVERFLOW) <= 1, f"{path} is wider than the screen"
        language_button = session.page.locator("header .language-switch button")
        box = language_button.bounding_box()
        assert box is not None
        assert box["x"] >= 0, f"{path}: the header's language button is off the screen"
        assert box["x"] + box["width"] <= width + 1, f"{path}: the header's language button is off the screen"
    assert session.errors == []
