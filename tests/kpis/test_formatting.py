import json
import os
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import reset_format_cache

from crm.models import Role
from kpis.catalog import KPIS
from kpis.dashboards.cards import change_between
from kpis.formatting import chart_formats, format_amount, format_change, format_value
from kpis.forms import TargetForm
from tests.factories import DealFactory, UserFactory

NBSP = "\u00a0"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_formats():
    """Persian separators follow CRM_LATIN_DIGITS, and Django caches a locale's formats once read."""
    reset_format_cache()
    yield
    reset_format_cache()


@pytest.fixture
def rial(settings):
    settings.CRM_CURRENCY = "IRR"
    settings.CRM_AMOUNT_UNIT = "currency"


@pytest.fixture
def toman(settings):
    settings.CRM_CURRENCY = "IRR"
    settings.CRM_AMOUNT_UNIT = "toman"


def in_language(language, function, *args, **kwargs):
    with translation.override(language):
        return function(*args, **kwargs)


# Amounts: USD, IRR in rial and IRR in toman, English and Persian


@pytest.mark.parametrize(("language", "expected"), [
    ("en", f"USD{NBSP}1,234,567.50"),
    ("fa", f"USD{NBSP}1٬234٬567٫50"),
])
def test_base_currency_amounts_have_the_iso_code_and_the_languages_separators(language, expected):
    assert in_language(language, format_value, 1234567.5, "currency") == expected


@pytest.mark.parametrize(("language", "expected"), [
    ("en", f"1,234,568{NBSP}rial"),
    ("fa", f"1٬234٬568{NBSP}ریال"),
])
def test_rial_amounts_are_named_rial_with_no_decimals(rial, language, expected):
    assert in_language(language, format_value, 1234567.5, "currency") == expected


@pytest.mark.parametrize(("language", "expected"), [
    ("en", f"123,457{NBSP}toman"),
    ("fa", f"123٬457{NBSP}تومان"),
])
def test_toman_shows_a_tenth_of_the_stored_rials(toman, language, expected):
    assert in_language(language, format_value, 1234567.5, "currency") == expected


def test_cards_drop_the_cents_of_large_amounts_and_keep_small_ones():
    assert format_value(12345.67, "currency", compact=True) == f"USD{NBSP}12,346"
    assert format_value(999.5, "currency", compact=True) == f"USD{NBSP}999.50"
    assert format_value(1500.4, "currency_per_day", compact=True) == f"USD{NBSP}1,500/day"
    assert format_value(None, "currency") == "—"


def test_amounts_per_day_in_toman(toman):
    assert format_value(25_000, "currency_per_day") == f"2,500{NBSP}toman/day"


def test_a_deal_in_another_currency_keeps_its_own_code_whatever_the_base(toman):
    assert format_amount(Decimal("1500.00"), "usd") == f"USD{NBSP}1,500.00"
    assert format_amount(Decimal("1500000"), "IRR") == f"150,000{NBSP}toman"


def test_an_amounts_change_from_nothing_reads_as_an_amount_in_the_same_unit(toman):
    change = change_between(KPIS["revenue"], 1_093_930.0, 0.0)
    assert in_language("en", format_change, change, "currency") == f"+109,393{NBSP}toman"
    assert in_language("fa", format_change, change, "currency") == f"+109٬393{NBSP}تومان"
    assert format_change(change_between(KPIS["revenue"], 0.0, 500.0), "currency") == "−100.0%"


def test_other_units_take_persian_separators_on_persian_pages_only():
    assert in_language("en", format_value, 12345, "count") == "12,345"
    assert in_language("fa", format_value, 12345, "count") == "12٬345"
    assert in_language("en", format_value, 0.4567, "ratio") == "45.7%"
    assert in_language("fa", format_value, 0.4567, "ratio") == "45٫7%"


def test_latin_digits_bring_latin_separators_on_persian_pages(settings):
    settings.CRM_LATIN_DIGITS = True
    assert in_language("fa", format_value, 1234567.5, "currency") == f"USD{NBSP}1,234,567.50"
    settings.CRM_CURRENCY = "IRR"
    assert in_language("fa", format_value, 1234567, "currency") == f"1,234,567{NBSP}ریال"


def test_templates_write_amounts_and_grouped_numbers_in_the_pages_language(toman):
    template = Template("{% load amounts humanize %}{{ deal|amount:'IRR' }} | {{ base|amount }} | "
                        "{{ usd|amount:'USD' }} | {{ count|intcomma }} | {{ nothing|amount }}")
    context = {"deal": Decimal("25000000"), "base": 10, "usd": Decimal("1234.5"), "count": 12345, "nothing": None}
    with translation.override("en"):
        assert template.render(Context(context)) == (
            f"2,500,000{NBSP}toman | 1{NBSP}toman | USD{NBSP}1,234.50 | 12,345 | —")
    with translation.override("fa"):
        assert template.render(Context(context)) == (
            f"2٬500٬000{NBSP}تومان | 1{NBSP}تومان | USD{NBSP}1٬234٫50 | 12٬345 | —")


# Charts


def test_charts_get_the_amount_unit_and_the_unit_patterns_of_the_page(toman):
    english = in_language("en", chart_formats)
    assert english["amount"] == {"currency": "IRR", "divisor": 10, "pattern": "%(value)s toman"}
    assert english["units"] == {"hours": "%(value)s h", "days": "%(value)s d", "per_day": "%(value)s/d"}
    assert in_language("fa", chart_formats)["amount"]["pattern"] == "%(value)s تومان"


def test_charts_in_usd_use_the_currency_style(settings):
    assert chart_formats()["amount"] == {"currency": "USD", "divisor": 1, "pattern": None}
    settings.CRM_CURRENCY = "IRR"
    assert in_language("fa", chart_formats)["amount"]["pattern"] == "%(value)s ریال"


@pytest.mark.django_db
def test_the_dashboard_chart_data_names_toman(toman):
    client = Client()
    client.force_login(UserFactory(role=Role.MANAGER))
    page = client.get("/dashboards/sales/").content.decode()
    found = re.search(r'<script id="chart-revenue-data" type="application/json">(.*?)</script>', page, re.DOTALL)
    spec = json.loads(found.group(1))
    assert spec["amount"] == {"currency": "IRR", "divisor": 10, "pattern": "%(value)s toman"}


# Typeface and digits of a page


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "latin", "digits", "locale"), [
    ("en", False, "latin", "en"),
    ("fa", False, "persian", "fa"),
    ("fa", True, "latin", "fa-u-nu-latn"),
])
def test_pages_say_which_digits_they_show_and_load_the_typeface(settings, language, latin, digits, locale):
    settings.CRM_LATIN_DIGITS = latin
    page = Client().get("/support/new/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    tag = html_tag(page)
    assert f'lang="{language}"' in tag
    assert f'data-digits="{digits}"' in tag
    assert f'data-number-locale="{locale}"' in tag
    assert "/static/css/fonts.css" in page


def test_the_typeface_files_and_their_licence_are_served_from_the_site():
    css = (ROOT / "static/css/fonts.css").read_text()
    for name in re.findall(r'url\("\.\./vendor/vazirmatn/([^"]+)"\)', css):
        assert (ROOT / "static/vendor/vazirmatn" / name).stat().st_size > 10_000
    assert '"Vazirmatn FD"' in css
    assert "font-display: swap" in css
    assert "SIL OPEN FONT LICENSE" in (ROOT / "static/vendor/vazirmatn/OFL.txt").read_text().upper()


@pytest.mark.django_db
def test_a_deal_page_shows_its_amount_in_toman(toman):
    user = UserFactory(role=Role.MANAGER)
    deal = DealFactory(amount=Decimal("15000000"), currency="IRR", owner=user)
    client = Client()
    client.force_login(user)
    page = client.get(reverse("crm:deal_detail", args=[deal.pk])).content.decode()
    assert f"<bdi>1,500,000{NBSP}toman</bdi>" in page


# Settings and targets


def settings_error(**environment: str) -> str:
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SECRET_KEY": "x" * 50, **environment}
    result = subprocess.run([sys.executable, "-c", "import config.settings.base"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)
    return result.stderr


def test_toman_needs_rial_books():
    assert "CRM_AMOUNT_UNIT=toman needs CRM_CURRENCY=IRR" in settings_error(CRM_AMOUNT_UNIT="toman",
                                                                            CRM_CURRENCY="USD")
    assert settings_error(CRM_AMOUNT_UNIT="toman", CRM_CURRENCY="IRR") == ""
    assert "CRM_AMOUNT_UNIT must be currency or toman" in settings_error(CRM_AMOUNT_UNIT="dinar")


@pytest.mark.django_db
def test_a_target_amount_is_typed_in_toman_and_stored_in_rial(toman):
    form = TargetForm(data={"kpi_key": "revenue", "period_kind": "month", "period_start": date(2025, 3, 1),
                            "value": "1500000"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["value"] == Decimal("15000000")
