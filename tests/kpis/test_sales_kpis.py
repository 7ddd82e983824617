import pytest

from tests.kpis.business import build_sales_business
from tests.kpis.helpers import breakdown, kpi, rolled_up, value

pytestmark = pytest.mark.django_db

JAN = ("2025-01-01", "2025-01-31")


@pytest.fixture
def business():
    built = build_sales_business()
    rolled_up()
    return built


def test_revenue_sums_won_deals_by_close_day(business):
    assert value("revenue", *JAN) == 1500.00
    assert value("revenue", "2025-01-01", "2025-02-28") == 1900.00
    assert breakdown("revenue", *JAN, "owner") == {"alice": 1500.00}
    assert breakdown("revenue", *JAN, "team") == {"North": 1500.00}
    assert breakdown("revenue", *JAN, "campaign") == {"cmp-1": 1000.00}
    assert breakdown("revenue", *JAN, "deal_kind") == {"new": 1000.00, "upsell": 500.00}
    assert breakdown("revenue", *JAN, "pipeline") == {"p-new": 1500.00}


def test_revenue_points_follow_calendar_months_clipped_to_the_range(business):
    result = kpi("revenue", "2025-01-15", "2025-02-14", grain="month")
    assert [(str(p["start"]), str(p["end"]), p["value"]) for p in result.points] == [
        ("2025-01-15", "2025-01-31", 500.00),
        ("2025-02-01", "2025-02-14", 400.00),
    ]
    assert result.value == 900.00


def test_weeks_start_on_the_configured_weekday(business, settings):
    settings.CRM_WEEK_START = "sunday"
    result = kpi("deals_created", "2025-01-01", "2025-01-11", grain="week")
    # 2025-01-05 is a Sunday: Wed 1 .. Sat 4, Sun 5 .. Sat 11.
    assert [(str(p["start"]), p["value"]) for p in result.points] == [("2025-01-01", 3), ("2025-01-05", 1)]


def test_deal_counts_and_win_rate(business):
    assert value("deals_won", *JAN) == 2
    assert value("deals_created", *JAN) == 4
    assert value("win_rate", *JAN) == pytest.approx(2 / 3)
    assert breakdown("win_rate", *JAN, "owner") == {"alice": 1.0, "bob": 0.0}
    assert breakdown("deals_created", *JAN, "team") == {"North": 2, "South": 2}


def test_win_rate_and_averages_are_null_without_closed_deals(business):
    assert value("win_rate", "2025-01-23", "2025-01-31") is None
    assert value("avg_deal_value", "2025-01-23", "2025-01-31") is None
    assert value("sales_cycle_days", "2025-01-23", "2025-01-31") is None
    assert value("sales_velocity", "2025-01-23", "2025-01-31") is None
    assert value("revenue", "2025-01-23", "2025-01-31") == 0


def test_average_deal_value_and_sales_cycle(business):
    assert value("avg_deal_value", *JAN) == 750.00
    # d1: Jan 1 10:00 → Jan 11 10:00 = 10 days; d2: Jan 2 → Jan 22 = 20 days.
    assert value("sales_cycle_days", *JAN) == pytest.approx(15.0)


def test_time_in_stage_counts_exits_only(business):
    # Exits in January: d1 Qualified 4 d, d1 Demo 6 d (closed), d2 Qualified 20 d, d3 Qualified 10 d,
    # d4 Qualified 10 d. d4 is still in Demo and is not counted.
    assert value("stage_duration_days", *JAN) == pytest.approx(10.0)
    assert breakdown("stage_duration_days", *JAN, "stage") == {"st-q": pytest.approx(11.0), "st-d": pytest.approx(6.0)}


def test_sales_velocity(business):
    # 4 created × 2/3 win rate × 750 average ÷ 15 days.
    assert value("sales_velocity", *JAN) == pytest.approx(133.33, abs=0.005)


def test_open_and_weighted_pipeline_are_states_at_the_end(business):
    # End of Jan 4: d1 1000, d2 500, d3 2000 open, all in Qualified (0.1).
    assert value("open_pipeline_value", "2025-01-01", "2025-01-04") == 3500.00
    assert value("weighted_pipeline_value", "2025-01-01", "2025-01-04") == pytest.approx(350.00)
    # End of Jan 5: d1 moved to Demo (0.5) that morning: 500 + 50 + 200.
    assert value("weighted_pipeline_value", "2025-01-01", "2025-01-05") == pytest.approx(750.00)
    # End of January: only d4, 300 EUR × 1.1 = 330 USD, in Demo.
    assert value("open_pipeline_value", *JAN) == 330.00
    assert value("weighted_pipeline_value", *JAN) == 165.00
    assert breakdown("open_pipeline_value", *JAN, "stage") == {"st-d": 330.00}
    points = kpi("open_pipeline_value", "2025-01-01", "2025-01-03", grain="day").points
    assert [p["value"] for p in points] == [1000.00, 1500.00, 3500.00]


def test_upsell_rate_divides_by_customers_active_at_the_start(business):
    # Active at end of Jan 14: Acme. Upsell won Jan 15..31: d2.
    assert value("upsell_rate", "2025-01-15", "2025-01-31") == 1.0
    # Nobody was a customer at the start of January: no denominator.
    assert value("upsell_rate", *JAN) is None
