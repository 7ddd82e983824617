import pytest
from playwright.sync_api import expect

from crm.models import Deal, DealStatus, Role, Stage, User
from tests.factories import CompanyFactory, ContactFactory, PipelineFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seller(transactional_db):
    return User.objects.create(username="sara", full_name="Sara Seller", role=Role.SALES)


@pytest.fixture
def namesakes(transactional_db):
    PipelineFactory(name="New business")
    acme = CompanyFactory(name="Acme")
    wanted = ContactFactory(first_name="Ann", last_name="Zed", email="ann@acme.test", company=acme)
    ContactFactory(first_name="Ann", last_name="Zed", email="ann@home.test")
    ContactFactory(first_name="Bob", last_name="Young", email="bob@young.test")
    return wanted


def namesakes_stage():
    return Stage.objects.get(pipeline__name="New business", position=0).pk


def test_a_deal_is_created_by_typing_part_of_its_contacts_name(open_browser, seller, namesakes):
    session = open_browser(seller)
    session.goto("/deals/new/")
    page = session.page
    page.get_by_label("Title").fill("Twenty seats")
    page.get_by_label("Amount").fill("1200")
    expect(page.get_by_label("Stage")).to_have_value(str(namesakes_stage()))  # the first stage, by default
    expect(page.get_by_label("Exchange rate")).to_be_hidden()  # a deal in the base currency has no rate
    page.get_by_label("Currency").fill("EUR")
    expect(page.get_by_label("Exchange rate")).to_be_visible()
    page.get_by_label("Currency").fill("USD")
    page.get_by_role("combobox", name="Contact").click()
    page.keyboard.type("ann")
    options = page.locator(".ts-dropdown .typeahead-option")
    expect(options).to_have_count(2)
    expect(options.first).to_contain_text("ann@acme.test · Acme")
    session.screenshot("typeahead-contact")
    page.locator(".ts-dropdown .option", has_text="ann@acme.test").click()
    expect(page.get_by_role("combobox", name="Contact")).to_be_focused()
    session.screenshot("typeahead-contact-chosen")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Twenty seats")).to_be_visible()
    deal = Deal.objects.get(title="Twenty seats")
    assert deal.contact == namesakes
    expect(page.get_by_label("Lost reason")).to_be_hidden()  # only once Lost is pressed
    with page.expect_navigation():
        page.get_by_role("button", name="Won", exact=True).click()
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON


def test_the_picker_sits_right_to_left_on_a_persian_page(open_browser, seller, namesakes):
    session = open_browser(seller, language="fa", width=900)
    session.goto("/deals/new/")
    page = session.page
    wrapper = page.locator("select[name=contact] + .ts-wrapper")
    assert "rtl" in (wrapper.get_attribute("class") or "")
    wrapper.locator("input").click()
    page.keyboard.type("zed")
    expect(page.locator(".ts-dropdown .typeahead-option")).to_have_count(2)
    field = page.locator(".field", has=wrapper).bounding_box()
    dropdown = page.locator(".ts-dropdown").first.bounding_box()
    assert abs((field["x"] + field["width"]) - (dropdown["x"] + dropdown["width"])) < 2, "aligned at the right"
    session.screenshot("typeahead-contact-rtl")
