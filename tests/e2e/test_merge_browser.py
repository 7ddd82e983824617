import pytest
from playwright.sync_api import expect

from crm import services
from crm.models import Contact, Deal, MergeRecord, Role, User
from tests.factories import DealFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager(transactional_db):
    return User.objects.create(username="mina", full_name="Mina Manager", role=Role.MANAGER)


def test_a_manager_merges_two_contacts_from_the_duplicates_page(open_browser, manager):
    keep = services.contact_create(first_name="Ada", last_name="Lovelace", email="ada@example.com",
                                   phone="+442079460958")
    drop = services.contact_create(first_name="Ada", last_name="Lovelace", email="ADA@example.com",
                                   phone="+14155552671")
    deal = DealFactory(title="Analytical engine", contact=drop)
    session = open_browser(manager)
    session.goto("/contacts/duplicates/")
    pair = session.page.locator("table.duplicate-pairs tbody tr", has_text="same email")
    with session.page.expect_navigation():
        pair.get_by_role("link", name="Review merge").click()
    assert session.page.url.endswith(f"/contacts/{keep.pk}/merge/?with={drop.pk}")
    expect(session.page.get_by_role("radio", name="+442079460958")).to_be_checked()
    session.page.get_by_role("radio", name="+14155552671").check()
    expect(session.page.locator(".merge-moves")).to_contain_text("Deals: 1")
    session.screenshot("merge-preview")
    with session.page.expect_navigation():
        session.page.get_by_role("button", name="Merge").click()
    assert session.page.url.endswith(f"/contacts/{keep.pk}/")
    expect(session.page.locator(".messages")).to_contain_text("was merged into")
    expect(session.page.locator(".definition")).to_contain_text("+14155552671")
    # the moved deal is in the contact's deals table (and on its timeline)
    expect(session.page.get_by_role("table").get_by_role("link", name="Analytical engine")).to_be_visible()
    kept = Contact.objects.get(pk=keep.pk)
    assert kept.phone == "+14155552671"
    assert kept.email == "ada@example.com"
    assert not Contact.objects.filter(pk=drop.pk).exists()
    assert Deal.objects.get(pk=deal.pk).contact_id == keep.pk
    assert MergeRecord.objects.get().fields_from_dropped == ["phone"]
