import pytest
from playwright.sync_api import expect

from crm.models import Role, User
from crm.services import activity_create, contact_update
from tests.factories import CompanyFactory, ContactFactory, DealFactory, PipelineFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seller(transactional_db):
    return User.objects.create(username="sara", full_name="Sara Seller", role=Role.SALES)


@pytest.fixture
def board_deals(seller):
    pipeline = PipelineFactory(name="New business")
    stages = list(pipeline.stages.order_by("position"))
    acme = CompanyFactory(name="Acme")
    contact = ContactFactory(first_name="Ann", last_name="Zed", company=acme)
    deals = [DealFactory(title=f"Acme deal {n}", pipeline_stage=stages[0], contact=contact, company=acme,
                         owner=seller) for n in range(2)]
    DealFactory(title="Proposal deal", pipeline_stage=stages[1], contact=contact, owner=seller)
    return pipeline, stages, deals


def column(page, stage):
    return page.locator(f".board-column[data-stage-id='{stage.pk}']")


def test_drag_a_card_to_another_stage_updates_the_column_counts(open_browser, board_deals, seller):
    pipeline, stages, deals = board_deals
    session = open_browser(seller)
    session.goto(f"/deals/board/{pipeline.pk}/")
    expect(column(session.page, stages[0]).locator("[data-count]")).to_have_text("2 deals")
    expect(column(session.page, stages[2]).locator("[data-count]")).to_have_text("0 deals")
    card = session.page.locator(f".deal-card[data-deal-id='{deals[0].pk}']")
    card.drag_to(column(session.page, stages[2]))  # moved in place: no reload
    expect(column(session.page, stages[0]).locator("[data-count]")).to_have_text("1 deal")
    expect(column(session.page, stages[2]).locator("[data-count]")).to_have_text("1 deal")
    expect(column(session.page, stages[2]).locator(".deal-card")).to_contain_text("Acme deal 0")
    expect(session.page.locator("[data-board-message]")).to_contain_text("moved to Negotiation")
    session.screenshot("sales-board-after-drag")
    deals[0].refresh_from_db()
    assert deals[0].stage == stages[2]


def test_keyboard_alternative_moves_a_card_without_a_mouse(open_browser, board_deals, seller):
    pipeline, stages, deals = board_deals
    session = open_browser(seller)
    session.goto(f"/deals/board/{pipeline.pk}/")
    stage_select = session.page.get_by_label(f"Stage for {deals[1].title}")
    stage_select.focus()
    stage_select.select_option(str(stages[1].pk))
    session.page.keyboard.press("Tab")
    focused = session.page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Move"
    with session.page.expect_navigation():
        session.page.keyboard.press("Enter")
    expect(column(session.page, stages[1]).locator("[data-count]")).to_have_text("2 deals")
    deals[1].refresh_from_db()
    assert deals[1].stage == stages[1]


def test_board_works_without_javascript(chromium, live_server, board_deals, seller):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(seller)
    context = chromium.new_context(java_script_enabled=False)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    pipeline, stages, deals = board_deals
    page = context.new_page()
    page.goto(f"{live_server.url}/deals/board/{pipeline.pk}/")
    card = page.locator(f".deal-card[data-deal-id='{deals[0].pk}']")
    card.locator("select").select_option(str(stages[1].pk))
    card.get_by_role("button", name="Move").click()
    expect(page.locator(f".board-column[data-stage-id='{stages[1].pk}'] [data-count]")).to_have_text("2 deals")
    context.close()


def test_contact_page_shows_timeline_tickets_and_history(open_browser, board_deals, seller):
    contact = board_deals[2][0].contact
    TicketFactory(contact=contact, subject="Cannot export invoices")
    contact_update(contact=contact, phone="+1 555 0100")
    activity_create(kind="task", subject="Send the proposal", owner=seller, contact=contact)
    session = open_browser(seller)
    session.goto(f"/contacts/{contact.pk}/")
    expect(session.page.get_by_role("heading", name="Ann Zed")).to_be_visible()
    expect(session.page.locator("#tickets-title + ul")).to_contain_text("Cannot export invoices")
    expect(session.page.locator(".history")).to_contain_text("+1 555 0100")
    session.page.get_by_text("Log a call, email, meeting, note or task").click()
    session.page.locator(".log-activity").get_by_label("Subject").fill("Discussed pricing")
    with session.page.expect_navigation():
        session.page.get_by_role("button", name="Save activity").click()
    expect(session.page.locator(".timeline")).to_contain_text("Discussed pricing")
    session.screenshot("sales-contact")


def test_search_from_the_top_bar(open_browser, board_deals, seller):
    session = open_browser(seller)
    session.goto("/")
    session.page.get_by_label("Search contacts, companies, deals and tickets").fill("acme")
    with session.page.expect_navigation():
        session.page.keyboard.press("Enter")
    expect(session.page.locator(".search-results")).to_contain_text("Acme deal 1")
    expect(session.page.locator(".search-results")).to_contain_text("Ann Zed")
    session.screenshot("sales-search")


def test_pages_in_persian_are_right_to_left(open_browser, board_deals, seller):
    pipeline, _stages, _deals = board_deals
    session = open_browser(seller, language="fa", width=900)
    session.goto(f"/deals/board/{pipeline.pk}/")
    assert session.page.get_attribute("html", "dir") == "rtl"
    first_column = column(session.page, _stages[0]).bounding_box()
    second_column = column(session.page, _stages[1]).bounding_box()
    assert first_column["x"] > second_column["x"], "the first stage sits at the right in a right-to-left page"
    session.screenshot("sales-board-rtl")
    session.goto("/contacts/")
    session.screenshot("sales-contacts-rtl")


def test_contact_list_on_a_phone(open_browser, board_deals, seller):
    session = open_browser(seller, width=390, height=800)
    session.goto("/contacts/")
    expect(session.page.get_by_role("link", name="Ann Zed")).to_be_visible()
    overflow = session.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    session.screenshot("sales-contacts-phone")
