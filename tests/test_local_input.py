"""What a Persian or English user types is stored as what they meant: dates in either calendar, numbers in
any script's digits, and never a year centuries away."""

import importlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import django_filters
import pytest
from django import forms
from django.apps import apps
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers

from core.digits import number_text
from core.forms import LocalInputForm, LocalInputModelForm
from crm.models import Company, Contact, Deal, Role
from dataset.engine import DatasetImportError
from dataset.importer import import_dataset
from kpis.models import Target
from tests.crm.test_jalali_forms import persian_client
from tests.factories import UserFactory

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


# --- numbers ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "read"), [
    ("۱۲۵۰۰", "12500"),
    ("١٢٥٠٠", "12500"),
    ("۱۲٬۵۰۰", "12500"),  # the Arabic thousands separator
    ("۱۲٬۵۰۰٫۵۰", "12500.50"),  # and the Arabic decimal separator
    ("12,500", "12500"),
    ("1,250,000.5", "1250000.5"),
    ("۱2۳", "123"),  # mixed scripts: each digit means the same in every one
    (" ۴۲ ", "42"),
    ("\u2212۵", "-5"),  # a typographic minus
    ("1,5", "1,5"),  # not a thousands grouping: left for the field to refuse, never read as 15
    ("12,50", "12,50"),
    ("twelve", "twelve"),
])
def test_number_text_reads_what_a_keyboard_types(typed, read):
    assert number_text(typed) == read


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from([PERSIAN, ARABIC_INDIC, None]),
       st.sampled_from([",", "\u066c", ""]))
def test_any_whole_number_in_any_digits_with_any_grouping_is_itself(number, digits, separator):
    typed = f"{number:,}".replace(",", separator)
    if digits is not None:
        typed = typed.translate(digits)
    assert int(number_text(typed)) == number


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "stored"), [
    ("۱۲۵۰۰", Decimal("12500.00")),
    ("۱۲٬۵۰۰٫۷۵", Decimal("12500.75")),
    ("12,500", Decimal("12500.00")),
    ("۱2۳", Decimal("123.00")),
])
def test_a_persian_rep_creates_a_deal_with_the_amount_typed_in_persian_digits(client, stages, contact, typed,
                                                                             stored):
    persian_client(client)
    response = client.post(reverse("crm:deal_create"), {
        "title": "Persian digits", "pipeline_stage": stages[0].pk, "contact": contact.pk, "amount": typed,
        "currency": "USD", "kind": "new"})
    assert response.status_code == 302, response.context["form"].errors
    assert Deal.objects.get().amount == stored


@pytest.mark.django_db
def test_an_amount_that_is_not_a_number_is_a_field_error_that_shows_what_was_typed(client, stages, contact):
    persian_client(client)
    response = client.post(reverse("crm:deal_create"), {
        "title": "Bad", "pipeline_stage": stages[0].pk, "contact": contact.pk, "amount": "1,5",
        "currency": "USD", "kind": "new"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["amount"]
    assert 'value="1,5"' in response.content.decode()
    assert not Deal.objects.exists()


@pytest.mark.django_db
def test_number_boxes_are_text_boxes_with_a_number_pad_not_browser_number_boxes(client, stages):
    persian_client(client)
    page = client.get(reverse("crm:deal_create")).content.decode()
    amount = page[page.index('name="amount"') - 200:page.index('name="amount"') + 200]
    assert 'type="text"' in amount
    assert 'inputmode="decimal"' in amount
    assert 'type="number"' not in page


@pytest.mark.django_db
def test_a_persian_manager_sets_a_target_and_a_stage_probability_in_persian_digits(client, stages):
    persian_client(client, role=Role.MANAGER, is_staff=True)
    response = client.post(reverse("kpi-targets"), {"kpi_key": "win_rate", "period_kind": "month",
                                                    "period_start": "۱۴۰۴/۱۰/۱۱", "value": "۲۵٫۵"})
    assert response.status_code == 302
    assert Target.objects.get().value == Decimal("0.255")  # 25.5 %, stored as a fraction


# --- dates --------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_gregorian_date_on_a_persian_page_is_shown_back_in_jalali_and_saved_once_confirmed(client, company):
    """The finding: `2026-12-05 10:00` was read as a Jalali year and saved as 2648-02-24."""
    persian_client(client)
    url = reverse("crm:company_churn", args=[company.pk])
    response = client.post(url, {"churned_at": "2026-12-05 10:00", "reason": "price", "version": company.version})
    assert response.status_code == 200
    [error] = response.context["churn_form"].errors["churned_at"]
    assert "۱۴۰۵/۰۹/۱۴ ۱۰:۰۰" in error
    assert 'value="1405/09/14 10:00"' in response.content.decode()
    company.refresh_from_db()
    assert company.churned_at is None

    response = client.post(url, {"churned_at": "1405/09/14 10:00", "reason": "price", "version": company.version})
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.churned_at == datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_an_iso_date_on_a_persian_deal_form_is_confirmed_in_jalali_not_saved(client, stages, contact):
    persian_client(client)
    response = client.post(reverse("crm:deal_create"), {
        "title": "Dated", "pipeline_stage": stages[0].pk, "contact": contact.pk, "amount": "100",
        "currency": "USD", "kind": "new", "expected_close_date": "2026-06-30"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["expected_close_date"]
    assert 'value="1405/04/09"' in response.content.decode()
    assert not Deal.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["2648/02/24 10:00", "1299/01/01 10:00", "1501/01/01 10:00", "2101-01-01 10:00"])
def test_a_year_outside_both_windows_is_a_field_error_on_a_persian_page(client, company, typed):
    persian_client(client)
    response = client.post(reverse("crm:company_churn", args=[company.pk]),
                           {"churned_at": typed, "reason": "price", "version": company.version})
    assert response.status_code == 200
    assert "churned_at" in response.context["churn_form"].errors
    assert not Company.objects.filter(churned_at__isnull=False).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["2648-02-24T10:00", "1404-01-01T10:00", "0202-01-01T10:00"])
def test_a_year_outside_1900_to_2100_is_a_field_error_on_an_english_page(client, company, typed):
    client.force_login(UserFactory(role=Role.SALES))
    response = client.post(reverse("crm:company_churn", args=[company.pk]),
                           {"churned_at": typed, "reason": "price", "version": company.version})
    assert response.status_code == 200
    assert response.context["churn_form"].errors["churned_at"] == ["Enter a year from 1900 to 2100."]
    company.refresh_from_db()
    assert company.churned_at is None


@pytest.mark.django_db
def test_the_deal_forms_expected_close_date_is_jalali_on_persian_pages(client, stages, contact):
    persian_client(client)
    response = client.post(reverse("crm:deal_create"), {
        "title": "Dated", "pipeline_stage": stages[0].pk, "contact": contact.pk, "amount": "100",
        "currency": "USD", "kind": "new", "expected_close_date": "۱۴۰۵/۰۴/۰۹"})
    assert response.status_code == 302
    assert Deal.objects.get().expected_close_date == date(2026, 6, 30)


# --- every form ---------------------------------------------------------------------------------------

PROJECT_APPS = ("core", "crm", "kpis", "support", "surveys", "webhooks", "dataset")


def _project_forms() -> list[type[forms.BaseForm]]:
    for app in PROJECT_APPS:
        for module in ("forms", "filters", "api.filters"):
            try:
                importlib.import_module(f"{app}.{module}")
            except ModuleNotFoundError:
                continue
    found, pending = [], [forms.BaseForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.split(".")[0] in PROJECT_APPS and ".admin" not in subclass.__module__:
                found.append(subclass)
    return found


def test_every_form_of_the_product_reads_input_as_people_type_it():
    assert apps.ready
    found = _project_forms()
    assert len(found) > 20
    plain = [f"{form.__module__}.{form.__qualname__}" for form in found
             if not issubclass(form, LocalInputForm | LocalInputModelForm)]
    assert plain == []


def test_every_list_filter_form_reads_input_as_people_type_it():
    _project_forms()
    filtersets, pending = [], [django_filters.FilterSet]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.split(".")[0] in PROJECT_APPS and subclass._meta.model is not None:
                filtersets.append(subclass)
    assert filtersets
    assert [f.__qualname__ for f in filtersets if not issubclass(f._meta.form, LocalInputForm)] == []


# --- the API and the importer -------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(("record", "message"), [
    ({"type": "contact", "external_id": "ct-1", "first_name": "Reza", "created_at": "2648-02-24T10:00:00+00:00"},
     "“created_at” has the year 2648: dates from 1900 to 2100 are accepted"),
    ({"type": "contact", "external_id": "ct-1", "first_name": "Reza", "created_at": "1404-09-14T10:00:00+03:30"},
     "“created_at” has the year 1404: dates from 1900 to 2100 are accepted"),
])
def test_the_importer_refuses_a_year_outside_1900_to_2100_and_imports_nothing(record, message):
    good = {"type": "contact", "external_id": "ct-0", "first_name": "Sara", "created_at": "2025-03-03T09:00:00+00:00"}
    with pytest.raises(DatasetImportError) as refused:
        import_dataset([json.dumps(good), json.dumps(record)], rollup=False)
    assert message in str(refused.value.errors)
    assert not Contact.objects.exists()


PLAIN_DRF_FIELDS = (serializers.DecimalField, serializers.IntegerField, serializers.FloatField,
                    serializers.DateField, serializers.DateTimeField)


def test_every_api_input_field_reads_digits_and_checks_years():
    """Write serializers declare core.api.fields' number and date fields, never DRF's own."""
    for app in ("crm", "support", "surveys"):
        importlib.import_module(f"{app}.api.serializers")
    plain, pending = [], [serializers.Serializer]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.split(".")[0] not in ("crm", "support", "surveys"):
                continue
            for name, field in subclass._declared_fields.items():
                if type(field) in PLAIN_DRF_FIELDS and not field.read_only:
                    plain.append(f"{subclass.__qualname__}.{name}")
    assert plain == []
