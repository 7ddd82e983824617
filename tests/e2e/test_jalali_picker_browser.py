from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from crm.models import Activity, Role, User
from tests.factories import CompanyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def persian_seller(transactional_db):
    return User.objects.create(username="sara", full_name="Sara Seller", role=Role.SALES, language="fa")


def test_a_persian_user_picks_a_jalali_date_and_time_for_a_churn(open_browser, persian_seller):
    company = CompanyFactory(name="Acme")
    session = open_browser(persian_seller, language="fa")
    session.goto(f"/companies/{company.pk}/")
    page = session.page
    page.locator("#churn-title + details > summary").click()
    field = page.locator("[name=churned_at]")
    expect(field).to_have_attribute("data-jdp", "")
    field.click()
    picker = page.locator("jdp-container")
    expect(picker).to_be_visible()
    expect(picker.locator(".jdp-month select")).to_contain_text("اسفند")  # Persian month names
    picker.locator(".jdp-year select").select_option("1403")
    picker.locator(".jdp-month select").select_option("12")
    picker.locator(".jdp-day:not(.not-in-month)", has_text="۳۰").click()  # leap Esfand, Persian digits
    hour, minute = picker.locator(".jdp-time select").nth(1), picker.locator(".jdp-time select").nth(0)
    hour.select_option("14")
    minute.select_option("30")
    expect(field).to_have_value("1403/12/30 14:30")
    session.screenshot("churn-fa-jalali-picker")

    page.keyboard.press("Escape")
    expect(picker).to_be_hidden()
    page.locator("[name=reason]").fill("قیمت")
    with page.expect_navigation():
        page.locator("#churn-title + details form button[type=submit]").click()
    company.refresh_from_db()
    assert company.churned_at == datetime(2025, 3, 20, 14, 30, tzinfo=UTC)


def test_the_picker_opens_on_the_fields_date_shown_in_persian_digits(open_browser, persian_seller):
    company = CompanyFactory(name="Acme")
    session = open_browser(persian_seller, language="fa")
    session.goto(f"/companies/{company.pk}/")
    page = session.page
    page.locator(".log-activity > summary").click()
    due = page.locator("[name=due_at]")
    due.fill("۱۴۰۴/۰۹/۰۲ ۰۸:۰۵")
    page.locator("[name=subject]").click()
    due.click()
    picker = page.locator("jdp-container")
    expect(picker).to_be_visible()
    expect(due).to_have_value("1404/09/02 08:05")  # Latin digits for the picker, which reads no others
    expect(picker.locator(".jdp-year select")).to_have_value("1404")
    expect(picker.locator(".jdp-month select")).to_have_value("9")
    expect(picker.locator(".jdp-day.selected")).to_have_text("۲")
    page.locator("[name=kind]").focus()  # moving on to another field closes the picker
    expect(picker).to_be_hidden()
    page.locator("[name=kind]").select_option("task")
    page.locator("[name=subject]").fill("Call back")
    with page.expect_navigation():
        page.locator(".log-activity form button[type=submit]").click()
    assert Activity.objects.get().due_at == datetime(2025, 11, 23, 8, 5, tzinfo=UTC)


def test_moving_on_while_the_picker_is_still_opening_leaves_it_closed(open_browser, persian_seller):
    """The picker opens in a 300 ms transition whose end shows it again; a user who tabs on within it
    (as a fast typist, or a slow machine, does) must not find it back over the next field."""
    company = CompanyFactory(name="Acme")
    session = open_browser(persian_seller, language="fa")
    session.goto(f"/companies/{company.pk}/")
    page = session.page
    page.locator(".log-activity > summary").click()
    page.locator("[name=due_at]").click()
    page.locator("[name=kind]").focus()  # at once, inside the transition
    page.wait_for_timeout(400)  # past its end
    expect(page.locator("jdp-container")).to_be_hidden()
