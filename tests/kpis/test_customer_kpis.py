import pytest

from tests.kpis.business import build_sales_business
from tests.kpis.helpers import breakdown, rolled_up, value

pytestmark = pytest.mark.django_db

JAN = ("2025-01-01", "2025-01-31")
MAR = ("2025-03-01", "2025-03-31")


@pytest.fixture
def business():
    built = build_sales_business()
    rolled_up()
    return built


def test_leads_and_conversion(business):
    assert value("new_leads", *JAN) == 2  # c2 and c3; c1 was created in December
    assert breakdown("new_leads", *JAN, "campaign") == {"cmp-1": 1}
    assert value("new_customers", *JAN) == 1  # Acme, first won Jan 11
    assert value("new_customers", "2025-02-01", "2025-02-28") == 1  # c2, a contact without company
    assert breakdown("new_customers", "2025-01-01", "2025-02-28", "campaign") == {"cmp-1": 2}
    assert value("lead_conversion_rate", *JAN) == 0.5


def test_spend_cac_and_campaign_return(business):
    assert value("marketing_spend", *JAN) == 300.00
    assert value("cac", *JAN) == 300.00
    assert value("cac", "2025-01-01", "2025-02-28") == 250.00
    assert value("campaign_revenue", *JAN) == 1000.00  # d2 has no campaign
    assert value("campaign_roi", *JAN) == pytest.approx((1000 - 300) / 300)
    assert breakdown("campaign_roi", "2025-01-01", "2025-02-28", "campaign") == {
        "cmp-1": pytest.approx((1400 - 500) / 500)
    }
    assert value("cac", *MAR) is None


def test_active_customers_churn_and_retention(business):
    assert value("active_customers", *JAN) == 1
    assert value("active_customers", "2025-02-01", "2025-02-28") == 2
    assert value("active_customers", *MAR) == 1
    assert value("churn_rate", *MAR) == 0.5
    assert value("retention_rate", *MAR) == 0.5
    assert value("churn_rate", *JAN) is None  # nobody active at the start


def test_churn_before_first_win_is_ignored(business):
    from crm import services
    from tests.kpis.business import at

    services.customer_set_churn(customer=business.acme, churned_at=at("2025-01-05 00:00"), reason="mistake")
    rolled_up()
    assert value("active_customers", *MAR) == 1
    assert value("churn_rate", "2025-01-01", "2025-01-31") is None


def test_customer_lifetime_value(business):
    # Window ending Mar 31: revenue 1000 + 500 + 400 = 1900 from 2 buyers → 950 per customer.
    # Lifespans of churned customers: c2, Feb 10 → Mar 10 = 28 days = 28 / 365.25 years.
    assert value("clv", *MAR) == pytest.approx(950 * 28 / 365.25, abs=0.005)
    # Before any churn there is no lifespan to average.
    assert value("clv", *JAN) is None
    # CAC over Jan..Mar: 500 spend / 2 new customers = 250.
    assert value("clv_cac_ratio", "2025-01-01", "2025-03-31") == pytest.approx(950 * 28 / 365.25 / 250)
