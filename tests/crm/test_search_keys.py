"""Stored search keys: what a person types finds the record, with Persian letters and digits folded and
phone numbers by their digits, and the keys stay true when a name they copy changes."""

import json

import pytest
from django.urls import reverse

from crm import services
from crm.models import Company, Contact, Deal
from crm.search_keys import stale_search_keys
from dataset.importer import import_dataset
from support.models import Channel, Priority
from support.services import ticket_create, ticket_update

pytestmark = pytest.mark.django_db

T0 = "2025-03-03T09:00:00+00:00"


def found(client, url_name, query, param="q"):
    response = client.get(reverse(url_name), {param: query})
    assert response.status_code == 200
    return response


def contact_names(response):
    return sorted(str(contact) for contact in response.context["page_obj"].object_list)


@pytest.fixture
def persian_contacts(db):
    karimi = services.contact_create(first_name="علی", last_name="کریمی", email="ali@example.com",
                                     phone="+1 202 555 0136")
    services.contact_create(first_name="سارا", last_name="احمدی", email="sara@example.com")
    return karimi


def test_arabic_letters_persian_digits_and_phone_digits_find_the_contact(client, sales_user, persian_contacts):
    client.force_login(sales_user)
    for query in ("علي", "كريمي", "علی کریمی", "2025550136", "+1 202 555 0136", "(202) 555-0136", "۲۰۲۵۵۵۰۱۳۶"):
        assert contact_names(found(client, "crm:contact_list", query)) == ["علی کریمی"], query
    assert contact_names(found(client, "crm:contact_list", "ALI@EXAMPLE")) == ["علی کریمی"]


def test_the_global_search_type_ahead_and_api_normalise_alike(client, sales_user, persian_contacts):
    client.force_login(sales_user)
    results = found(client, "crm:search", "كريمي").context["results"]
    assert [str(c) for c in results.contacts.records] == ["علی کریمی"]
    options = client.get(reverse("crm:typeahead", args=["contacts"]), {"q": "علي"}).json()["results"]
    assert [option["label"] for option in options] == ["علی کریمی"]
    api = client.get("/api/contacts/", {"search": "2025550136"}).json()
    assert [row["first_name"] for row in api["results"]] == ["علی"]


def test_a_contact_is_found_by_its_company_and_a_deal_by_its_company_and_contact(client, sales_user, stages):
    acme = services.company_create(name="Acme Trading", domain="https://www.acme.example/about")
    reza = services.contact_create(first_name="Reza", last_name="Tehrani", company=acme)
    services.deal_create(title="50 seats", pipeline_stage=stages[0], contact=reza, company=acme, owner=sales_user,
                         amount=1000)
    client.force_login(sales_user)
    assert contact_names(found(client, "crm:contact_list", "acme")) == ["Reza Tehrani"]
    assert [d.title for d in found(client, "crm:deal_list", "tehrani seats").context["page_obj"]] == ["50 seats"]
    assert [c.name for c in found(client, "crm:company_list", "acme.example").context["page_obj"]] == ["Acme Trading"]


def test_renaming_a_company_or_a_contact_rewrites_the_keys_that_copy_the_name(client, sales_user, stages):
    acme = services.company_create(name="Acme")
    reza = services.contact_create(first_name="Reza", last_name="Tehrani", company=acme)
    services.deal_create(title="50 seats", pipeline_stage=stages[0], contact=reza, company=acme, owner=sales_user,
                         amount=1000)
    services.company_update(company=acme, name="Globex")
    services.contact_update(contact=reza, last_name="Shirazi")
    client.force_login(sales_user)
    assert contact_names(found(client, "crm:contact_list", "globex")) == ["Reza Shirazi"]
    assert contact_names(found(client, "crm:contact_list", "acme")) == []
    deals = found(client, "crm:deal_list", "globex shirazi").context["page_obj"]
    assert [d.title for d in deals] == ["50 seats"]
    assert not found(client, "crm:deal_list", "tehrani").context["page_obj"].object_list
    assert set(stale_search_keys().values()) == {0}


def test_a_merge_gives_the_moved_deals_the_kept_contacts_name(client, sales_user, stages):
    keep = services.contact_create(first_name="Reza", last_name="Tehrani", email="reza@example.com")
    drop = services.contact_create(first_name="R.", last_name="Tehrany", email="REZA@example.com")
    services.deal_create(title="Renewal", pipeline_stage=stages[0], contact=drop, owner=sales_user, amount=10)
    keep.refresh_from_db()
    drop.refresh_from_db()
    services.contact_merge(keep=keep, drop=drop, fields={"first_name": "keep", "last_name": "keep"},
                           expected_versions=(keep.version, drop.version))
    client.force_login(sales_user)
    assert [d.title for d in found(client, "crm:deal_list", "tehrani").context["page_obj"]] == ["Renewal"]
    assert set(stale_search_keys().values()) == {0}


def test_the_importer_writes_keys_and_rewrites_them_when_a_company_is_renamed():
    def business(company_name):
        return [json.dumps(record) for record in [
            {"type": "company", "external_id": "co-1", "name": company_name, "created_at": T0},
            {"type": "contact", "external_id": "ct-1", "first_name": "علي", "last_name": "كريمي",
             "phone": "+98 912 123 4567", "company": "co-1", "created_at": T0},
            {"type": "pipeline", "external_id": "p-1", "name": "New business",
             "stages": [{"external_id": "st-1", "name": "Lead", "probability": "0.1"}]},
            {"type": "deal", "external_id": "d-1", "title": "۵۰ seats", "pipeline": "p-1", "contact": "ct-1",
             "company": "co-1", "amount": "1000.00", "status": "open", "created_at": T0,
             "stage_history": [{"stage": "st-1", "entered_at": T0}]},
        ]]

    import_dataset(business("Acme"), rollup=False)
    assert Contact.objects.get().search_key == "علی کریمی acme 989121234567 989121234567"
    assert Deal.objects.get().search_key == "50 seats acme علی کریمی"
    import_dataset(business("Globex")[:1], rollup=False)  # only the company, renamed
    assert "globex" in Contact.objects.get().search_key
    assert "globex" in Deal.objects.get().search_key
    assert set(stale_search_keys().values()) == {0}


def test_tickets_are_found_by_subject_or_by_their_contacts_name_email_or_phone(client, support_user,
                                                                                persian_contacts):
    ticket = ticket_create(subject="Invoice غلط", contact=persian_contacts, priority=Priority.NORMAL,
                           channel=Channel.EMAIL)
    client.force_login(support_user)
    for query in ("invoice", "غلط", "كريمي", "2025550136", "ali@example.com"):
        tickets = found(client, "support:ticket_list", query).context["page_obj"]
        assert [t.pk for t in tickets] == [ticket.pk], query
    ticket_update(ticket=ticket, subject="Refund")
    assert not found(client, "support:ticket_list", "invoice").context["page_obj"].object_list
    api = client.get("/api/tickets/", {"search": "refund"}).json()
    assert [row["id"] for row in api["results"]] == [ticket.pk]


def test_an_external_id_is_found_by_its_exact_value_through_the_api(client, sales_user):
    services.contact_create(first_name="Ada", external_id="HUB-42")
    services.contact_create(first_name="Bea", external_id="HUB-421")
    client.force_login(sales_user)
    rows = client.get("/api/contacts/", {"search": "HUB-42"}).json()["results"]
    assert [row["first_name"] for row in rows] == ["Ada"]


def test_stale_keys_are_found_and_fixed():
    services.company_create(name="Acme")
    Company.objects.update(search_key="")  # as a row written by SQL outside the product would be
    assert stale_search_keys()["crm.Company"] == 1
    assert stale_search_keys(fix=True)["crm.Company"] == 1
    assert Company.objects.get().search_key == "acme"
    assert set(stale_search_keys().values()) == {0}
