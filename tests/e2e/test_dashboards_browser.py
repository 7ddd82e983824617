import re

import pytest
from playwright.sync_api import expect

from crm.models import Role, User
from kpis.models import Target
from tests.e2e.business import build_recent_business

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHART_POINTS = """() => [...document.querySelectorAll("canvas[data-chart-source]")].map((canvas) => {
  const chart = Chart.getChart(canvas);
  if (!chart) { return -1; }
  return chart.data.datasets.reduce((n, d) => n + d.data.filter((v) => v !== null && v !== undefined).length, 0);
})"""
CHARTS_DRAWN = """() => typeof Chart !== "undefined" &&
  [...document.querySelectorAll("canvas[data-chart-source]")].every((canvas) => Chart.getChart(canvas))"""


@pytest.fixture
def business(transactional_db):
    return build_recent_business()


@pytest.fixture
def manager(transactional_db):
    return User.objects.create(username="maryam", full_name="Maryam Manager", role=Role.MANAGER, is_staff=True)


def drawn_points(session) -> list[int]:
    session.page.wait_for_function(CHARTS_DRAWN)
    return session.page.evaluate(CHART_POINTS)


def labels_of(session, canvas_id: str) -> list[str]:
    return session.page.evaluate(f"() => Chart.getChart(document.getElementById('{canvas_id}')).data.labels")


@pytest.mark.parametrize("board", ["sales", "marketing", "service", "me"])
def test_each_dashboard_draws_all_its_charts(business, manager, open_browser, board):
    session = open_browser(business["reps"][0] if board == "me" else manager)
    session.goto(f"/dashboards/{board}/")
    points = drawn_points(session)
    assert points, "no charts"
    assert all(count > 0 for count in points), points
    assert len(points) == session.page.locator("[data-chart-card]").count()
    expect(session.page.locator(".kpi-card").first).to_be_visible()
    expect(session.page.locator(".freshness")).to_contain_text("Data rolled up")
    session.screenshot(f"dashboard-{board}")


def test_changing_the_range_redraws_the_charts(business, manager, open_browser):
    session = open_browser(manager)
    session.goto("/dashboards/sales/")
    drawn_points(session)
    weeks = labels_of(session, "chart-revenue")
    assert 13 <= len(weeks) <= 14  # 90 days by week

    session.page.get_by_role("link", name="Last 12 months").click()
    session.page.wait_for_url(re.compile(r"preset=last_12_months"))
    assert all(count > 0 for count in drawn_points(session))
    months = labels_of(session, "chart-revenue")
    assert len(months) == 12
    expect(session.page.locator('.presets a[aria-current="true"]')).to_have_text("Last 12 months")

    form = session.page.locator("form[data-range-form]")
    form.locator("select[name=grain]").select_option("quarter")
    form.locator("button[type=submit]").click()
    session.page.wait_for_url(re.compile(r"grain=quarter"))
    assert "start=" not in session.page.url  # a preset sends no dates
    assert all(count > 0 for count in drawn_points(session))
    assert 4 <= len(labels_of(session, "chart-revenue")) <= 5

    start = session.page.evaluate("() => new Date(Date.now() - 40 * 864e5).toISOString().slice(0, 10)")
    form = session.page.locator("form[data-range-form]")
    form.locator("input[name=start]").fill(start)
    form.locator("input[name=start]").dispatch_event("change")
    form.locator("select[name=grain]").select_option("day")
    form.locator("button[type=submit]").click()
    session.page.wait_for_url(re.compile(r"preset=custom"))
    assert all(count > 0 for count in drawn_points(session))
    assert 40 <= len(labels_of(session, "chart-revenue")) <= 41
    session.screenshot("dashboard-sales-custom-range")


def test_a_chart_bar_opens_the_records_behind_it(business, manager, open_browser):
    session = open_browser(manager)
    session.goto("/dashboards/sales/?preset=last_12_months")
    drawn_points(session)
    canvas = session.page.locator("#chart-revenue-by-owner")
    canvas.scroll_into_view_if_needed()
    x, y = session.page.evaluate("""() => {
      const chart = Chart.getChart(document.getElementById("chart-revenue-by-owner"));
      const bar = chart.getDatasetMeta(0).data[0];
      return [bar.base + (bar.x - bar.base) / 2, bar.y];
    }""")
    canvas.click(position={"x": x, "y": y})
    session.page.wait_for_url(re.compile(r"/kpis/revenue/records/\?.*dimension=owner&member=(alice|bob)"))
    rows = session.page.locator("table.records tbody tr")
    assert rows.count() > 0
    expect(session.page.locator("h1")).to_have_text("Won deals")
    expect(rows.first.locator("th a")).to_have_attribute("href", re.compile(r"^/admin/crm/deal/\d+/change/$"))
    session.screenshot("records-revenue-by-owner")


def test_a_data_table_row_opens_the_records_behind_it(business, manager, open_browser):
    session = open_browser(manager)
    session.goto("/dashboards/service/?preset=last_12_months")
    drawn_points(session)
    section = session.page.locator("section[aria-labelledby=chart-sla-by-priority-title]")
    section.locator("summary").click()
    section.locator("tbody th a").first.click()
    session.page.wait_for_url(re.compile(r"/kpis/sla_breach_rate/records/\?.*dimension=priority"))
    expect(session.page.locator("h1")).to_have_text("Tickets that breached their SLA")
    assert session.page.locator("table.records tbody tr").count() > 0


def test_kpi_page_draws_the_trend_with_its_target_and_every_breakdown(business, manager, open_browser):
    from datetime import timedelta

    from django.utils import timezone

    from kpis.periods import next_period_start, period_start

    today = timezone.localdate()
    month = period_start(today - timedelta(days=89), "month")
    while month <= today:  # a monthly revenue target for every month the last 90 days touch
        Target.objects.create(kpi_key="revenue", period_kind="month", period_start=month, value=20000)
        month = next_period_start(month, "month")
    session = open_browser(manager)
    session.goto("/kpis/revenue/?preset=last_90_days")
    points = drawn_points(session)
    assert all(count > 0 for count in points)
    assert len(points) == 1 + 5  # the trend and one chart per dimension
    datasets = session.page.evaluate(
        "() => Chart.getChart(document.getElementById('chart-trend')).data.datasets.map((d) => d.label)")
    assert datasets == ["Revenue", "Target"]
    expect(session.page.locator(".kpi-card .target")).to_be_visible()
    session.screenshot("kpi-revenue")


def test_managers_set_a_target_in_the_browser(business, manager, open_browser):
    session = open_browser(manager)
    session.goto("/kpis/targets/")
    session.page.select_option("#id_kpi_key", "win_rate")
    session.page.fill("#id_period_start", "2025-01-15")
    session.page.fill("#id_value", "30")
    session.page.get_by_role("button", name="Save target").click()
    expect(session.page.locator(".field.has-error .error")).to_have_text("A period starts on the first day of a month.")
    session.page.fill("#id_period_start", "2025-01-01")
    session.page.get_by_role("button", name="Save target").click()
    expect(session.page.locator(".messages")).to_contain_text("Target saved")
    expect(session.page.locator("table.records tbody tr").first).to_contain_text("30.0%")
    session.screenshot("targets")


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_persian_dashboards_are_right_to_left_without_horizontal_overflow(business, manager, open_browser, width,
                                                                          height):
    session = open_browser(manager, language="fa", width=width, height=height)
    for board in ("sales", "service"):
        session.goto(f"/dashboards/{board}/")
        assert session.page.evaluate("() => document.documentElement.dir") == "rtl"
        assert session.page.evaluate("() => document.documentElement.lang") == "fa"
        assert all(count > 0 for count in drawn_points(session))
        overflow = session.page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert overflow[0] <= overflow[1], overflow
        options = session.page.evaluate("""() => {
          const chart = Chart.getChart(document.querySelector("canvas[data-chart-source]"));
          return {reverse: chart.options.scales.x.reverse, legend: chart.options.plugins.legend.rtl,
                  tooltip: chart.options.plugins.tooltip.rtl};
        }""")
        assert options == {"reverse": True, "legend": True, "tooltip": True}
        session.screenshot(f"dashboard-{board}-fa-{width}")
