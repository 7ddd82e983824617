from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Role
from support.models import MessageAuthor, Priority, Ticket
from support.services import ticket_add_message
from tests.e2e.conftest import BrowserSession
from tests.factories import ContactFactory, TicketFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agent(transactional_db):
    return UserFactory(username="sara", full_name="Sara Support", role=Role.SUPPORT)


@pytest.fixture
def tickets(transactional_db, agent):
    now = timezone.now()
    customer = ContactFactory(first_name="Nima", last_name="Karimi", email="nima@example.com")
    late = TicketFactory(subject="Invoice shows the wrong amount", contact=customer, priority=Priority.URGENT,
                         created_at=now - timedelta(hours=3))
    ticket_add_message(ticket=late, author=MessageAuthor.CUSTOMER, body="Please check my March invoice.",
                       at=late.created_at + timedelta(minutes=5))
    TicketFactory(subject="How do I export my data?", contact=ContactFactory(), assignee=agent,
                  created_at=now - timedelta(minutes=20))
    TicketFactory(subject="Feature request: dark mode", contact=ContactFactory(), priority=Priority.LOW,
                  created_at=now - timedelta(days=2))
    return {"late": late}


def test_an_agent_answers_a_ticket_from_the_queue(tickets, agent, open_browser):
    session = open_browser(agent)
    session.goto("/tickets/?queue=breaching")
    expect(session.page.locator(".queue-tabs a[aria-current=page]")).to_contain_text("Breaching SLA")
    expect(session.page.locator("table.tickets")).to_contain_text("Overdue by")
    session.screenshot("support-queue")

    session.page.get_by_role("link", name="Invoice shows the wrong amount").click()
    session.page.wait_for_load_state("load")
    expect(session.page.locator(".sla-panel")).to_contain_text("Overdue by")
    session.page.get_by_label("Message").fill("Sorry about that: a corrected invoice is attached.")
    session.page.get_by_role("button", name="Send reply").click()
    session.page.wait_for_load_state("load")

    expect(session.page.locator(".messages")).to_contain_text("Reply sent.")
    last = session.page.locator(".thread .message").last
    expect(last).to_contain_text("a corrected invoice is attached")
    expect(last).to_contain_text("Sara Support")
    expect(session.page.locator(".ticket-facts")).to_contain_text("Pending")
    expect(session.page.locator(".sla-panel")).to_contain_text("Missed by")
    session.screenshot("support-ticket-replied")


def test_a_manager_reassigns_a_ticket_and_sees_it_in_the_history(tickets, agent, open_browser):
    manager = UserFactory(username="maryam", full_name="Maryam Manager", role=Role.MANAGER)
    session = open_browser(manager)
    session.goto(f"/tickets/{tickets['late'].pk}/")
    session.page.get_by_role("combobox", name="Assignee").click()  # the type-ahead of people who work tickets
    session.page.keyboard.type("sar")
    session.page.locator(".ts-dropdown .option", has_text="Sara Support").click()
    session.page.get_by_role("button", name="Assign", exact=True).click()
    session.page.wait_for_load_state("load")

    expect(session.page.locator(".ticket-facts")).to_contain_text("Sara Support")
    newest = session.page.locator(".history-list > li").first
    expect(newest).to_contain_text("Maryam Manager")
    expect(newest).to_contain_text("Assignee: — → Sara Support")
    session.screenshot("support-ticket-manager")


def test_the_ticket_page_reads_right_to_left_in_persian(tickets, agent, open_browser):
    session = open_browser(agent, language="fa", width=420, height=900)
    session.goto(f"/tickets/{tickets['late'].pk}/")

    assert session.page.get_attribute("html", "dir") == "rtl"
    thread_box = session.page.locator(".thread").bounding_box()
    side_box = session.page.locator(".ticket-side").bounding_box()
    assert side_box["y"] > thread_box["y"]  # narrow screen: one column
    session.screenshot("support-ticket-rtl-narrow")
    session.goto("/tickets/")
    session.screenshot("support-queue-rtl")


@pytest.fixture
def anonymous_page(chromium, live_server):
    """A browser page with nobody logged in; fails the test on any console error."""
    cache.clear()  # the support form's rate-limit counts live in the cache
    context = chromium.new_context(viewport={"width": 1024, "height": 900}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield BrowserSession(page=page, base_url=live_server.url, errors=errors)
    context.close()
    assert errors == [], f"console errors: {errors}"


def test_a_customer_sends_a_request_on_the_public_form(anonymous_page):
    session = anonymous_page
    page = session.page
    session.goto("/support/new/")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_load_state("load")
    expect(page.locator(".form-errors")).to_be_visible()
    session.screenshot("support-public-form-errors")

    page.get_by_label("Your name").fill("Leila Ahmadi")
    page.get_by_label("Your email").fill("leila@example.com")
    page.get_by_label("Subject").fill("Cannot reset my password")
    page.get_by_label("How can we help?").fill("The reset email never arrives.")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_load_state("load")

    expect(page.locator("h1")).to_have_text("Thank you")
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.contact.email) == ("Cannot reset my password", "leila@example.com")
    assert [message.to for message in mail.outbox] == [["leila@example.com"]]
