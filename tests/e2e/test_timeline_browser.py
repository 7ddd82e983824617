import pytest
from playwright.sync_api import expect

from crm.models import Activity, ActivityKind, Role, User
from crm.services import activity_create
from tests.factories import ContactFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seller(transactional_db):
    return User.objects.create(username="sara", full_name="Sara Seller", role=Role.SALES)


def test_a_task_added_on_the_task_list_is_pinned_on_its_contacts_timeline(open_browser, seller):
    contact = ContactFactory(first_name="Ann", last_name="Zed", email="ann@acme.test")
    activity_create(kind=ActivityKind.CALL, subject="Intro call", owner=seller, contact=contact)
    TicketFactory(subject="Cannot export invoices", contact=contact)
    session = open_browser(seller)
    page = session.page
    session.goto("/tasks/")
    page.get_by_text("Add task", exact=True).first.click()
    page.get_by_label("Subject").fill("Send the quote")
    page.get_by_role("combobox", name="Contact").click()
    page.keyboard.type("ann")
    page.locator(".ts-dropdown .option", has_text="ann@acme.test").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Add task").click()
    expect(page.locator(".task-list")).to_contain_text("Send the quote")
    assert Activity.objects.get(subject="Send the quote").contact == contact

    session.goto(f"/contacts/{contact.pk}/")
    expect(page.locator("#timeline-next-task")).to_contain_text("Send the quote")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Intro call")
    expect(timeline).to_contain_text("Cannot export invoices")
    session.screenshot("timeline-everything")
    with page.expect_navigation():
        page.locator("nav.chips").get_by_role("link", name="Tickets").click()
    expect(timeline).to_contain_text("Cannot export invoices")
    expect(timeline).not_to_contain_text("Intro call")
    expect(page.locator("nav.chips [aria-current='true']")).to_have_text("Tickets")
