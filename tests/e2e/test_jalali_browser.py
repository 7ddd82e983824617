import pytest
from playwright.sync_api import expect

from crm.models import Role, User
from tests.e2e.business import build_recent_business

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager(transactional_db):
    build_recent_business()
    return User.objects.create(username="maryam", full_name="Maryam Manager", role=Role.MANAGER, is_staff=True)


def test_a_persian_user_types_a_jalali_range_and_reads_jalali_months(open_browser, manager):
    session = open_browser(manager, language="fa")
    session.goto("/dashboards/sales/")
    form = session.page.locator("form[data-range-form]")
    form.locator("[name=start]").fill("۱۴۰۳/۱۰/۰۱")
    form.locator("[name=end]").fill("1403/12/30")
    form.locator("[name=grain]").select_option("jmonth")
    form.locator("button[type=submit]").click()
    session.page.wait_for_load_state("load")
    session.page.wait_for_function("() => typeof Chart !== 'undefined' && "
                                   "Chart.getChart(document.getElementById('chart-revenue'))")
    labels = session.page.evaluate("() => Chart.getChart(document.getElementById('chart-revenue')).data.labels")
    assert labels == ["دی ۱۴۰۳", "بهمن ۱۴۰۳", "اسفند ۱۴۰۳"]
    expect(form.locator("[name=start]")).to_have_value("1403/10/01")  # Latin digits, drawn as Persian by the font
    session.screenshot("dashboard-sales-fa-jalali")

    form.locator("[name=start]").fill("1404/12/30")  # 1404 is a common year: Esfand has 29 days
    form.locator("[name=end]").fill("1405/01/10")
    form.locator("button[type=submit]").click()
    session.page.wait_for_load_state("load")
    expect(session.page.locator(".problems")).to_contain_text("1404/12/30")
