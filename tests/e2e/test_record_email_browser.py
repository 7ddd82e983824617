"""A rep writes a deal's contact an email from the deal's page, starting from a template that the browser
fills for the contact, and the email is on the deal's timeline."""

import pytest
from playwright.sync_api import expect

from crm.models import Activity, Role, User
from crm.services import email_template_save
from tests.factories import CompanyFactory, ContactFactory, DealFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seller(transactional_db):
    return User.objects.create(username="sara", full_name="Sara Seller", role=Role.SALES)


def test_a_chosen_template_fills_the_email_for_the_deals_contact(open_browser, seller):
    contact = ContactFactory(first_name="Grace", last_name="Hopper", email="grace@example.com",
                             company=CompanyFactory(name="Navy"))
    deal = DealFactory(contact=contact, owner=seller, title="Navy renewal")
    email_template_save(name="Renewal", language="en", subject="Your renewal, {first_name}",
                        body="Dear {first_name} {last_name} of {company},\nshall we talk?\n{rep_name}")
    session = open_browser(seller)
    session.goto(f"/deals/{deal.pk}/")
    page = session.page

    page.get_by_text("Write Grace Hopper (grace@example.com) an email").click()
    page.get_by_label("Template").select_option(label="Renewal")

    expect(page.locator("#id_email_subject")).to_have_value("Your renewal, Grace")
    expect(page.locator("#id_email_body")).to_have_value("Dear Grace Hopper of Navy,\nshall we talk?\nSara Seller")
    session.screenshot("deal-email-template")
    page.locator("#id_email_subject").fill("Your renewal, Grace (20 seats)")
    with page.expect_navigation():
        page.get_by_role("button", name="Send email").click()
    expect(page.locator(".messages")).to_contain_text("Email to grace@example.com queued")
    expect(page.locator("main")).to_contain_text("Your renewal, Grace (20 seats)")
    email = Activity.objects.get()
    assert (email.deal, email.contact, email.subject) == (deal, contact, "Your renewal, Grace (20 seats)")
    assert email.body == "Dear Grace Hopper of Navy,\nshall we talk?\nSara Seller"
