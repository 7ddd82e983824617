import re

import pytest

from crm.models import Role, User
from tests.e2e.business import build_recent_business

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSIAN_DIGIT = re.compile("[۰-۹]")
LATIN_DIGIT = re.compile("[0-9]")


@pytest.fixture
def manager(transactional_db):
    build_recent_business()
    return User.objects.create(username="maryam", full_name="Maryam Manager", role=Role.MANAGER, is_staff=True)


def open_revenue_chart(session) -> dict:
    session.goto("/dashboards/sales/?preset=last_12_months")
    session.page.wait_for_function("() => typeof Chart !== 'undefined' && "
                                   "Chart.getChart(document.getElementById('chart-revenue'))")
    return session.page.evaluate("""async () => {
        await document.fonts.ready;
        const chart = Chart.getChart(document.getElementById('chart-revenue'));
        return {
            font: getComputedStyle(document.body).fontFamily,
            inputFont: getComputedStyle(document.querySelector('input, select')).fontFamily,
            loaded: [...document.fonts].filter((f) => f.status === 'loaded').map((f) => f.family.replaceAll('"', '')),
            locale: document.documentElement.dataset.numberLocale,
            ticks: chart.scales.y.ticks.map((t) => t.label).join(' '),
        };
    }""")


def test_a_persian_page_draws_its_digits_as_persian_ones_with_amounts_in_toman(open_browser, manager, settings):
    settings.CRM_CURRENCY = "IRR"
    settings.CRM_AMOUNT_UNIT = "toman"
    session = open_browser(manager, language="fa")
    shown = open_revenue_chart(session)
    assert shown["font"].startswith('"Vazirmatn FD"')
    assert shown["inputFont"].startswith('"Vazirmatn FD"')
    assert "Vazirmatn FD" in shown["loaded"]
    assert shown["locale"] == "fa"
    assert "تومان" in shown["ticks"]
    assert PERSIAN_DIGIT.search(shown["ticks"])
    session.screenshot("dashboard-sales-fa-toman")


def test_latin_digits_keep_a_persian_page_in_plain_vazirmatn(open_browser, manager, settings):
    settings.CRM_LATIN_DIGITS = True
    session = open_browser(manager, language="fa")
    shown = open_revenue_chart(session)
    assert shown["font"].startswith("Vazirmatn")
    assert shown["locale"] == "fa-u-nu-latn"
    assert LATIN_DIGIT.search(shown["ticks"])
    assert not PERSIAN_DIGIT.search(shown["ticks"])


def test_an_english_page_keeps_the_system_typeface(open_browser, manager):
    session = open_browser(manager)
    shown = open_revenue_chart(session)
    assert shown["font"].startswith("system-ui")
    assert shown["locale"] == "en"
    assert "Vazirmatn FD" not in shown["loaded"]
