import re

import pytest
from django.urls import reverse

from crm.forms import DealForm
from crm.models import Contact, Role
from crm.search_keys import contact_key_of
from tests.factories import CampaignFactory, CompanyFactory, ContactFactory, DealFactory, UserFactory

pytestmark = pytest.mark.django_db


def search(client, kind, query="", **params):
    return client.get(reverse("crm:typeahead", args=[kind]), {"q": query, **params})


def labels(response):
    assert response.status_code == 200, response.content
    return [row["label"] for row in response.json()["results"]]


def test_contacts_match_by_name_and_by_email_and_say_which_is_which(client, sales_user):
    acme = CompanyFactory(name="Acme")
    ann = ContactFactory(first_name="Ann", last_name="Zed", email="ann@acme.test", company=acme)
    ContactFactory(first_name="Ann", last_name="Zed", email="ann.zed@home.test")
    ContactFactory(first_name="Bob", last_name="Young", email="bob@young.test")
    client.force_login(sales_user)
    assert labels(search(client, "contacts", "anN")) == ["Ann Zed", "Ann Zed"]
    by_email = search(client, "contacts", "acme.test").json()["results"]
    assert by_email == [{"id": ann.pk, "label": "Ann Zed", "detail": "ann@acme.test · Acme"}]
    assert labels(search(client, "contacts", "ann zed")) == ["Ann Zed", "Ann Zed"]


def test_persian_letters_match_whichever_keyboard_typed_them(client, sales_user):
    ContactFactory(first_name="علی", last_name="کریمی", email="ali@example.com")
    ContactFactory(first_name="مهر\u200cناز", last_name="یزدی", email="mehrnaz@example.com")
    client.force_login(sales_user)
    assert labels(search(client, "contacts", "كريمي")) == ["علی کریمی"]  # Arabic kaf and yeh
    assert labels(search(client, "contacts", "مهرناز")) == ["مهر\u200cناز یزدی"]  # without the ZWNJ


def test_an_empty_query_gives_the_first_twenty_by_name(client, sales_user):
    contacts = [Contact(first_name="P", last_name=f"Name {n:02}", email=f"p{n}@example.com",
                        created_at="2025-01-01T00:00Z") for n in range(25)]
    for contact in contacts:
        contact.search_key = contact_key_of(contact)
    Contact.objects.bulk_create(contacts)
    client.force_login(sales_user)
    found = labels(search(client, "contacts"))
    assert found == [f"P Name {n:02}" for n in range(20)]
    assert len(labels(search(client, "contacts", "name"))) == 20


@pytest.mark.parametrize("query", ["x" * 101, "?!.,", "  ---  "])
def test_a_query_that_cannot_match_is_a_400_with_the_reason(client, sales_user, query):
    client.force_login(sales_user)
    response = search(client, "contacts", query)
    assert response.status_code == 400
    assert list(response.json()) == ["q"]
    assert response.json()["q"][0]


def test_companies_deals_users_and_campaigns_have_their_details(client, manager_user, stages):
    owner = UserFactory(full_name="Olga Owner", username="olga", role=Role.SALES)
    acme = CompanyFactory(name="Acme", owner=owner)
    DealFactory(title="Acme renewal", pipeline_stage=stages[1], company=acme, owner=owner)
    CampaignFactory(name="Spring fair", channel="event")
    manager_user.full_name = "Mia Manager"  # not a random name that could hold "olg"
    manager_user.save(update_fields=["full_name"])
    client.force_login(manager_user)
    assert search(client, "companies", "acm").json()["results"][0]["detail"] == "Olga Owner"
    deal = search(client, "deals", "renewal").json()["results"][0]
    assert deal["label"] == "Acme renewal"
    assert deal["detail"] == f"Acme · {stages[1].pipeline.name} / Proposal"
    assert search(client, "users", "olg").json()["results"] == [
        {"id": owner.pk, "label": "Olga Owner", "detail": "olga · Sales"}]
    assert labels(search(client, "campaigns", "spring")) == ["Spring fair"]


def test_users_can_be_narrowed_to_roles(client):
    manager = UserFactory(full_name="Mia Manager", role=Role.MANAGER)  # a name of its own: "sa" is in many
    UserFactory(full_name="Sam Support", role=Role.SUPPORT)
    UserFactory(full_name="Sal Sales", role=Role.SALES)
    client.force_login(manager)
    assert labels(search(client, "users", "sa", role=["sales", "manager", "admin"])) == ["Sal Sales"]
    assert search(client, "users", "", role="nobody").status_code == 400


def test_searching_follows_who_may_read_the_records(client, support_user, sales_user, deal):
    client.force_login(support_user)
    assert search(client, "contacts", "a").status_code == 200
    assert search(client, "companies", "a").status_code == 200
    assert search(client, "deals", "a").status_code == 403
    assert search(client, "campaigns", "a").status_code == 403
    client.force_login(sales_user)
    assert search(client, "deals", "").status_code == 200
    assert search(client, "elephants", "a").status_code == 404


def test_anonymous_visitors_search_nothing(client, contact):
    response = search(client, "contacts", "a")
    assert response.status_code == 403
    assert "results" not in response.json()


def new_contacts(count: int, start: int = 0) -> None:
    Contact.objects.bulk_create([Contact(first_name="C", last_name=str(n), email=f"c{n}@example.com",
                                         created_at="2025-01-01T00:00Z") for n in range(start, start + count)],
                                batch_size=5_000)


def test_the_new_deal_page_is_the_same_size_with_100_and_with_100000_contacts(client, sales_user, stages, campaign):
    """The finding: a select of every contact made the new-deal form the slowest page (92 KB at 1,573)."""
    new_contacts(100)
    client.force_login(sales_user)
    with_hundred = client.get(reverse("crm:deal_create")).content
    new_contacts(99_900, start=100)
    CompanyFactory.create_batch(20)
    CampaignFactory.create_batch(20)
    UserFactory.create_batch(20)
    assert Contact.objects.count() == 100_000
    with_many = client.get(reverse("crm:deal_create")).content
    assert len(with_many) == len(with_hundred)  # the same bytes but for the form's random CSRF token
    assert len(re.findall(rb"<option\b", with_many)) == len(re.findall(rb"<option\b", with_hundred))


def test_the_chosen_contact_is_the_only_one_on_the_page(client, sales_user, stages):
    chosen = ContactFactory(first_name="Chosen", last_name="One")
    ContactFactory.create_batch(3)
    client.force_login(sales_user)
    html = client.get(reverse("crm:deal_create"), {"contact": chosen.pk}).content.decode()
    select = re.search(r'<select name="contact".*?</select>', html, re.S).group(0)
    assert 'data-typeahead-url="/search/contacts/"' in select
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select) == ["Chosen One"]


def deal_data(stages, contact_id, **changes):
    return {"title": "Ten seats", "pipeline_stage": stages[0].pk, "contact": contact_id, "amount": "100.00",
            "currency": "USD", "kind": "new", **changes}


def test_a_submitted_contact_id_is_accepted_and_a_missing_one_refused_by_name(stages, contact):
    assert DealForm(deal_data(stages, contact.pk)).is_valid()
    form = DealForm(deal_data(stages, contact.pk + 1000))
    assert not form.is_valid()
    assert list(form.errors) == ["contact"]


def test_an_owner_outside_the_selling_roles_is_refused(stages, contact, support_user):
    form = DealForm(deal_data(stages, contact.pk, owner=support_user.pk))
    assert not form.is_valid()
    assert list(form.errors) == ["owner"]


def test_a_refused_form_shows_only_the_record_it_was_given(client, sales_user, stages, contact):
    ContactFactory.create_batch(3)
    client.force_login(sales_user)
    response = client.post(reverse("crm:deal_create"), deal_data(stages, contact.pk, title=""))
    select = re.search(r'<select name="contact".*?</select>', response.content.decode(), re.S).group(0)
    assert re.findall(r'<option value="(\d+)"', select) == [str(contact.pk)]


def test_list_filters_render_only_the_chosen_owner(client, sales_user):
    UserFactory.create_batch(5)
    client.force_login(sales_user)
    html = client.get(reverse("crm:contact_list"), {"owner": sales_user.pk}).content.decode()
    select = re.search(r'<select name="owner".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\d+)"', select) == [str(sales_user.pk)]
    assert 'data-typeahead-url="/search/users/"' in select
