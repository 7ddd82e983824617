import pytest
from playwright.sync_api import expect

from crm.models import Contact, Role, User
from tests.factories import ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seller(transactional_db):
    return User.objects.create(username="sara", full_name="Sara Seller", role=Role.SALES)


def test_select_all_ticks_the_page_and_the_tag_goes_on_every_contact(open_browser, seller):
    for first_name in ("Ann", "Bob", "Cyd"):
        ContactFactory(first_name=first_name, last_name="Zed", email=f"{first_name.lower()}@example.test")
    session = open_browser(seller, language="fa")
    session.goto("/contacts/")
    page = session.page
    select_all = page.locator("input[data-select-all]")
    rows = page.locator('input[name="ids"][form="bulk-form"]')
    expect(rows).to_have_count(3)
    select_all.check()
    for index in range(3):
        expect(rows.nth(index)).to_be_checked()
    select_all.uncheck()
    expect(rows.first).not_to_be_checked()
    select_all.check()
    page.locator("#bulk-tag").fill("vip")
    session.screenshot("bulk-tag-rtl")
    with page.expect_navigation():
        page.locator("#bulk-form button[type=submit]").click()
    assert all([t.name for t in contact.tags.all()] == ["vip"] for contact in Contact.objects.all())
    expect(page.locator("a.tag", has_text="vip")).to_have_count(3)
