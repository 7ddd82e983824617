"""The deal board moves a card in place: dragged with the mouse or a finger, the card lands in its new column,
the counts and weighted totals update, and the page is not reloaded (a marker set on window survives)."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.models import Role, User
from tests.factories import ContactFactory, DealFactory, PipelineFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rep(transactional_db):
    return User.objects.create(username="rita", full_name="Rita Rep", role=Role.SALES)


@pytest.fixture
def board(rep):
    """Lead (0.1), Proposal (0.5), Negotiation (0.8); two 1,000.00 deals in Lead."""
    pipeline = PipelineFactory(name="Board test")
    stages = list(pipeline.stages.order_by("position"))
    contact = ContactFactory(first_name="Ben", last_name="Board")
    deals = [DealFactory(title=f"Board deal {n}", pipeline_stage=stages[0], contact=contact, owner=rep,
                         amount=Decimal("1000.00"), currency="USD") for n in range(2)]
    return pipeline, stages, deals


def column(page, stage):
    return page.locator(f".board-column[data-stage-id='{stage.pk}']")


def center(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_mouse_drag_moves_the_card_in_place_and_updates_weighted_totals(open_browser, board, rep, settings):
    pipeline, stages, deals = board
    session = open_browser(rep)
    session.goto(f"/deals/board/{pipeline.pk}/")
    page = session.page
    expect(column(page, stages[0]).locator("[data-weighted]")).to_contain_text("200.00")  # 2,000.00 × 0.1
    page.evaluate("() => { window.boardMarker = 'still here'; }")
    page.locator(f".deal-card[data-deal-id='{deals[0].pk}']").drag_to(column(page, stages[2]))
    expect(page.locator("[data-board-message]")).to_contain_text("moved to Negotiation")
    expect(column(page, stages[0]).locator("[data-count]")).to_have_text("1 deal")
    expect(column(page, stages[2]).locator("[data-count]")).to_have_text("1 deal")
    expect(column(page, stages[0]).locator("[data-weighted]")).to_contain_text("100.00")  # 1,000.00 × 0.1
    expect(column(page, stages[2]).locator("[data-weighted]")).to_contain_text("800.00")  # 1,000.00 × 0.8
    expect(column(page, stages[2]).locator(f".deal-card[data-deal-id='{deals[0].pk}']")).to_be_visible()
    assert page.evaluate("() => window.boardMarker") == "still here"
    deals[0].refresh_from_db()
    assert deals[0].stage == stages[2]


def test_touch_drag_moves_the_card_without_a_reload(open_browser, board, rep):
    pipeline, stages, deals = board
    session = open_browser(rep)
    session.goto(f"/deals/board/{pipeline.pk}/")
    page = session.page
    page.evaluate("() => { window.boardMarker = 'still here'; }")
    card = page.locator(f".deal-card[data-deal-id='{deals[1].pk}'] .deal-title")
    start_x, start_y = center(card)
    end_x, end_y = center(column(page, stages[1]).locator("h2"))
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": start_x, "y": start_y}]})
    for step in range(1, 6):
        x = start_x + (end_x - start_x) * step / 5
        y = start_y + (end_y - start_y) * step / 5
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    expect(page.locator("[data-board-message]")).to_contain_text("moved to Proposal")
    expect(column(page, stages[1]).locator("[data-count]")).to_have_text("1 deal")
    expect(column(page, stages[1]).locator("[data-weighted]")).to_contain_text("500.00")  # 1,000.00 × 0.5
    assert page.evaluate("() => window.boardMarker") == "still here"
    deals[1].refresh_from_db()
    assert deals[1].stage == stages[1]
