import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from crm.models import Contact, Deal, Role
from kpis.models import DirtyDay
from tests.factories import CompanyFactory, ContactFactory, DealFactory, UserFactory

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def bulk(client, kind, ids, **data):
    return client.post(reverse("crm:bulk_change", args=[kind]), {"ids": ids, **data})


def test_a_manager_gives_the_ticked_deals_a_new_owner_with_history_and_dirty_kpi_days(client, manager_user):
    seller = UserFactory(role=Role.SALES, username="sara", full_name="Sara Ahmadi")
    first, second, untouched = DealFactory(), DealFactory(), DealFactory()
    DirtyDay.objects.all().delete()
    client.force_login(manager_user)
    response = bulk(client, "deal", [first.pk, second.pk], owner=seller.pk)
    assert response.status_code == 302
    assert messages_of(response) == ["2 records changed."]
    assert set(Deal.objects.filter(owner=seller).values_list("pk", flat=True)) == {first.pk, second.pk}
    assert Deal.objects.get(pk=untouched.pk).owner_id != seller.pk
    first.refresh_from_db()
    assert first.history.first().owner_id == seller.pk
    assert first.version == 2
    assert DirtyDay.objects.exists()


def test_bulk_tag_adds_the_tag_and_keeps_the_ones_a_record_has(client, sales_user):
    tagged = ContactFactory(first_name="Ann")
    tagged.tags.create(name="partner")
    plain = ContactFactory(first_name="Bob")
    client.force_login(sales_user)
    response = bulk(client, "contact", [tagged.pk, plain.pk], add_tag="VIP")
    assert messages_of(response) == ["2 records changed."]
    assert sorted(t.name for t in Contact.objects.get(pk=tagged.pk).tags.all()) == ["VIP", "partner"]
    assert [t.name for t in Contact.objects.get(pk=plain.pk).tags.all()] == ["VIP"]


def test_a_rep_cannot_bulk_change_a_deal_they_do_not_own_and_nothing_is_changed(client, sales_user):
    own = DealFactory(owner=sales_user)
    others = DealFactory()
    client.force_login(sales_user)
    response = bulk(client, "deal", [own.pk, others.pk], add_tag="hot")
    assert messages_of(response) == ["You may not edit 1 of the selected records; nothing was changed."]
    assert not own.tags.exists()
    assert not others.tags.exists()
    assert Deal.objects.get(pk=own.pk).version == own.version


def test_a_rep_cannot_change_owners_in_bulk(client, sales_user):
    company = CompanyFactory(owner=sales_user)
    other = UserFactory(role=Role.SALES)
    client.force_login(sales_user)
    response = bulk(client, "company", [company.pk], owner=other.pk)
    assert messages_of(response) == ["Your role does not allow changing owners; nothing was changed."]
    company.refresh_from_db()
    assert company.owner_id == sales_user.pk


def test_support_staff_cannot_bulk_change_contacts(client, support_user):
    contact = ContactFactory()
    client.force_login(support_user)
    bulk(client, "contact", [contact.pk], add_tag="vip")
    assert not contact.tags.exists()


@pytest.mark.parametrize(("data", "message"), [
    ({"ids": [], "add_tag": "x"}, "Select at least one row."),
    ({"ids": ["nope"], "add_tag": "x"}, "nope is not a record id."),
    ({"ids": ["۳"], "add_tag": "x"}, "۳ is not a record id."),
    ({"ids": ["-1"], "add_tag": "x"}, "-1 is not a record id."),
    ({"ids": ["1" * 21], "add_tag": "x"}, f"{'1' * 21} is not a record id."),
    ({"ids": [str(n) for n in range(1, 202)], "add_tag": "x"}, "Select at most 200 rows at a time."),
    ({"ids": ["1"]}, "Choose a new owner or a tag to add."),
])
def test_bad_bulk_input_is_a_message_not_an_error(client, sales_user, data, message):
    client.force_login(sales_user)
    response = client.post(reverse("crm:bulk_change", args=["contact"]), data)
    assert response.status_code == 302
    shown = messages_of(response)
    assert shown
    if message:
        assert message in shown


def test_the_lists_offer_row_checkboxes_and_a_select_all_for_editors(client, sales_user, support_user):
    contact = ContactFactory()
    client.force_login(sales_user)
    page = client.get(reverse("crm:contact_list")).content.decode()
    assert f'name="ids" value="{contact.pk}" form="bulk-form"' in page
    assert 'data-select-all="bulk-form"' in page
    client.force_login(support_user)
    assert 'id="bulk-form"' not in client.get(reverse("crm:contact_list")).content.decode()
