"""Likely duplicates are found by normalised email, E.164 phone and name in company, and warned about on every way
in: the pages (with "Save anyway"), the API (400 unless allow_duplicate) and the CSV import (row errors unless
"import duplicates anyway")."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm import selectors, services
from crm.csv_import import plan_import
from crm.models import Company, Contact
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(db):
    return services.contact_create(first_name="Ada", last_name="Lovelace", email="ada@example.com",
                                   phone="+1 415 555 2671")


def new_contact_post(client, email, **extra):
    return client.post(reverse("crm:contact_create"), {"first_name": "Ada", "last_name": "King", "email": email,
                                                       "phone": "", "language": "en", **extra})


# The finding: the same email in capitals made a second contact silently, whichever way it came in.

def test_the_page_warns_of_the_same_email_in_capitals_instead_of_saving(client, sales_user, ada):
    client.force_login(sales_user)
    response = new_contact_post(client, "ADA@Example.com")
    assert response.status_code == 200
    assert Contact.objects.count() == 1
    assert [duplicate.record for duplicate in response.context["duplicates"]] == [ada]
    page = response.content.decode()
    assert reverse("crm:contact_detail", args=[ada.pk]) in page
    assert 'name="confirm_duplicate" value="1"' in page
    assert "Save anyway" in page


def test_the_api_refuses_the_same_email_in_capitals(sales_user, ada):
    response = token_client(sales_user).post("/api/contacts/", {"first_name": "Ada", "email": "ADA@Example.com"},
                                             format="json")
    assert response.status_code == 400
    assert response.json() == {"email": [f"A contact with this email exists: #{ada.pk}"], "code": "duplicate"}
    assert Contact.objects.count() == 1


def test_the_csv_import_refuses_the_same_email_in_capitals(ada):
    plan = plan_import(kind="contacts", content="first_name,email\nAda,ADA@Example.com\n")
    assert not plan.ok
    assert [(error.line, f"#{ada.pk}" in error.message) for error in plan.errors] == [(2, True)]


# Saving anyway.

def test_save_anyway_creates_the_second_contact(client, sales_user, ada):
    client.force_login(sales_user)
    response = new_contact_post(client, "ADA@Example.com", confirm_duplicate="1")
    assert response.status_code == 302
    assert Contact.objects.filter(email_normalized="ada@example.com").count() == 2


def test_editing_a_contact_does_not_warn_of_itself_but_of_others(client, sales_user, ada):
    other = services.contact_create(first_name="Grace", email="grace@example.com")
    client.force_login(sales_user)
    data = {"first_name": "Grace", "email": "grace@example.com", "phone": "(415) 555-2671", "language": "en",
            "version": other.version}
    response = client.post(reverse("crm:contact_edit", args=[other.pk]), data)
    assert response.status_code == 200
    assert [(d.record, d.reasons) for d in response.context["duplicates"]] == [(ada, ("phone",))]
    response = client.post(reverse("crm:contact_edit", args=[other.pk]), {**data, "confirm_duplicate": "1"})
    assert response.status_code == 302
    assert Contact.objects.get(pk=other.pk).phone_e164 == "+14155552671"
    response = client.post(reverse("crm:contact_edit", args=[ada.pk]), {
        "first_name": "Ada", "last_name": "Lovelace", "email": "ADA@example.com", "phone": "", "language": "en",
        "version": ada.version})
    assert response.status_code == 302


def test_the_company_page_warns_of_the_same_name(client, sales_user):
    acme = services.company_create(name="Acme  Ltd")
    client.force_login(sales_user)
    response = client.post(reverse("crm:company_create"), {"name": "ACME ltd"})
    assert response.status_code == 200
    assert [d.record for d in response.context["duplicates"]] == [acme]
    assert client.post(reverse("crm:company_create"), {"name": "ACME ltd", "confirm_duplicate": "1"}).status_code == 302
    assert Company.objects.count() == 2


def test_the_api_creates_a_duplicate_when_allowed(sales_user, ada):
    response = token_client(sales_user).post("/api/contacts/", {
        "first_name": "Ada", "email": "ada@EXAMPLE.com", "phone": "415-555-2671", "allow_duplicate": True},
        format="json")
    assert response.status_code == 201
    assert "allow_duplicate" not in response.json()
    assert Contact.objects.count() == 2


def test_the_api_names_every_matching_field(sales_user, ada):
    company = services.company_create(name="Acme")
    services.contact_update(contact=ada, company=company)
    response = token_client(sales_user).post("/api/contacts/", {
        "first_name": "ada", "last_name": "LOVELACE", "phone": "(415) 555-2671", "company": company.pk},
        format="json")
    assert response.status_code == 400
    assert response.json() == {"phone": [f"A contact with this phone number exists: #{ada.pk}"],
                               "first_name": [f"A contact with this name exists in this company: #{ada.pk}"],
                               "code": "duplicate"}


def test_an_api_change_that_makes_a_duplicate_is_refused_unless_allowed(sales_user, ada):
    other = services.contact_create(first_name="Grace", last_name="Hopper", email="grace@example.com",
                                    owner=sales_user)
    client = token_client(sales_user)
    response = client.patch(f"/api/contacts/{other.pk}/", {"email": "ADA@example.com"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"email": [f"A contact with this email exists: #{ada.pk}"], "code": "duplicate"}
    other.refresh_from_db()
    assert other.email == "grace@example.com"
    response = client.patch(f"/api/contacts/{other.pk}/", {"email": "ADA@example.com", "allow_duplicate": True},
                            format="json")
    assert response.status_code == 200
    other.refresh_from_db()
    assert other.email == "ADA@example.com"


def test_an_api_change_is_not_compared_with_the_contact_itself(sales_user, ada):
    services.contact_update(contact=ada, owner=sales_user)
    client = token_client(sales_user)
    response = client.patch(f"/api/contacts/{ada.pk}/", {"email": "ADA@example.com", "last_name": "King"},
                            format="json")
    assert response.status_code == 200
    assert client.patch(f"/api/contacts/{ada.pk}/", {"language": "fa"}, format="json").status_code == 200


# The selector.

def test_contact_duplicates_by_email_phone_and_name_in_company():
    acme = services.company_create(name="Acme")
    globex = services.company_create(name="Globex")
    by_email = services.contact_create(first_name="A", email="Ada@Example.com")
    by_phone = services.contact_create(first_name="B", phone="+14155552671")
    by_name = services.contact_create(first_name="Ada", last_name="Lovelace", company=acme)
    services.contact_create(first_name="Ada", last_name="Lovelace", company=globex)  # another company
    services.contact_create(first_name="Ada", last_name="Lovelace")  # no company
    services.contact_create(first_name="C", email="a.da@example.com", phone="garbage")
    found = selectors.contact_duplicates(email="ADA@example.com", phone="(415) 555-2671", first_name="ADA",
                                         last_name=" lovelace", company=acme)
    assert [(d.record, d.reasons) for d in found] == [
        (by_email, ("email",)), (by_phone, ("phone",)), (by_name, ("name",))]
    assert selectors.contact_duplicates(email="ada@example.com", exclude_pk=by_email.pk) == []
    assert selectors.contact_duplicates(phone="not a number", first_name="Ada", last_name="Lovelace") == []


def test_duplicate_pairs_list_every_group_once():
    first = services.contact_create(first_name="A", email="x@example.com")
    second = services.contact_create(first_name="B", email="X@example.com", phone="+14155552671")
    third = services.contact_create(first_name="C", email="x@EXAMPLE.com", phone="+1 415 555 2671")
    services.contact_create(first_name="D", email="y@example.com")
    pairs = selectors.duplicate_pair_ids(Contact)
    assert pairs == [(first.pk, second.pk, ("email",)), (first.pk, third.pk, ("email",)),
                     (second.pk, third.pk, ("phone",))]
    assert [(p.first, p.second) for p in selectors.duplicate_pairs(Contact, pairs[:1])] == [(first, second)]


# The CSV import.

def test_csv_rows_duplicating_each_other_are_errors_of_the_later_line(db):
    plan = plan_import(kind="contacts", content="first_name,email,phone\nAda,a@example.com,\n"
                                                "Ada B,A@EXAMPLE.COM,\nGrace,,+14155552671\nG,,(415) 555-2671\n")
    assert [(error.line, "line" in error.message) for error in plan.errors] == [(3, True), (5, True)]
    assert "line 2" in plan.errors[0].message


def test_csv_companies_duplicate_by_name(db):
    services.company_create(name="Acme")
    plan = plan_import(kind="companies", content="name\nACME\nGlobex\nglobex\n")
    assert [error.line for error in plan.errors] == [2, 4]


def test_csv_import_duplicates_anyway(client, sales_user, ada):
    client.force_login(sales_user)
    content = "first_name,email\nAda,ADA@example.com\n"
    url = reverse("crm:csv_import", args=["contacts"])
    response = client.post(url, {"file": SimpleUploadedFile("c.csv", content.encode(), content_type="text/csv")})
    assert response.context["plan"].errors
    response = client.post(url, {"file": SimpleUploadedFile("c.csv", content.encode(), content_type="text/csv"),
                                 "allow_duplicates": "on"})
    assert response.context["plan"].ok
    assert 'name="allow_duplicates" value="on"' in response.content.decode()
    response = client.post(url, {"content": content, "allow_duplicates": "on", "confirm": "1"})
    assert response.status_code == 302
    assert Contact.objects.count() == 2
