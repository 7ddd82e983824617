"""The API reads numbers as people type them and refuses dates centuries away, naming the field."""

import pytest

from crm.models import Deal


@pytest.mark.django_db
def test_the_api_reads_amounts_typed_in_persian_digits(clients, stages, contact):
    created = clients["sales"].post("/api/deals/", {"title": "Persian", "stage": stages[0].pk,
                                                    "contact": contact.pk, "amount": "۱۲٬۵۰۰٫۵۰"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["amount"] == "12500.50"


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["2648-02-24", "1404-09-14", "1899-12-31", "2101-01-01"])
def test_the_api_refuses_a_date_outside_1900_to_2100_naming_the_field(clients, stages, contact, day):
    answer = clients["sales"].post("/api/deals/", {"title": "Far", "stage": stages[0].pk, "contact": contact.pk,
                                                   "amount": "10", "expected_close_date": day}, format="json")
    assert answer.status_code == 400
    assert "expected_close_date" in str(answer.json())
    assert "Enter a year from 1900 to 2100." in str(answer.json())
    assert not Deal.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_a_moment_outside_1900_to_2100(clients, deal, stages):
    answer = clients["sales"].post(f"/api/deals/{deal.pk}/move/", {
        "stage": stages[1].pk, "version": deal.version, "at": "2648-02-24T10:00:00Z"}, format="json")
    assert answer.status_code == 400
    assert "at" in str(answer.json())
    deal.refresh_from_db()
    assert deal.stage == stages[0]
