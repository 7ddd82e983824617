"""Instants on either side of local midnight land on the business's local day."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from crm import services as crm
from crm.models import Pipeline, Stage, User
from tests.kpis.helpers import kpi, rolled_up, value

pytestmark = pytest.mark.django_db


def won_deal(closed_at: datetime, amount: str = "100") -> None:
    owner = User.objects.get_or_create(username="owner", defaults={"role": "sales"})[0]
    pipeline = Pipeline.objects.get_or_create(name="P")[0]
    stage = Stage.objects.get_or_create(pipeline=pipeline, name="S", defaults={"probability": Decimal("0.5")})[0]
    contact = crm.contact_create(first_name="X", created_at=datetime(2024, 1, 1, tzinfo=UTC))
    deal = crm.deal_create(title="D", pipeline_stage=stage, contact=contact, owner=owner, amount=Decimal(amount),
                           created_at=datetime(2024, 6, 1, tzinfo=UTC))
    crm.deal_close(deal=deal, won=True, at=closed_at)


def test_tehran_midnight(settings):
    settings.CRM_TIME_ZONE = "Asia/Tehran"  # UTC+03:30 all year
    won_deal(datetime(2025, 3, 20, 20, 29, 59, tzinfo=UTC), "1")  # 23:59:59 on 20 March in Tehran
    won_deal(datetime(2025, 3, 20, 20, 30, 0, tzinfo=UTC), "10")  # 00:00:00 on 21 March in Tehran
    rolled_up()
    assert value("revenue", "2025-03-20", "2025-03-20") == 1.00
    assert value("revenue", "2025-03-21", "2025-03-21") == 10.00


def test_new_york_daylight_saving_days(settings):
    settings.CRM_TIME_ZONE = "America/New_York"
    # 9 March 2025 has 23 hours (EST → EDT); its last instant is 03:59:59.999 UTC on the 10th.
    won_deal(datetime(2025, 3, 10, 3, 59, 59, tzinfo=UTC), "1")
    won_deal(datetime(2025, 3, 10, 4, 0, 0, tzinfo=UTC), "10")
    # 2 November 2025 has 25 hours (EDT → EST): it runs from 04:00 UTC on the 2nd to 05:00 UTC on the 3rd.
    won_deal(datetime(2025, 11, 2, 4, 0, 0, tzinfo=UTC), "100")
    won_deal(datetime(2025, 11, 3, 4, 59, 59, tzinfo=UTC), "1000")
    won_deal(datetime(2025, 11, 3, 5, 0, 0, tzinfo=UTC), "10000")
    rolled_up()
    assert value("revenue", "2025-03-09", "2025-03-09") == 1.00
    assert value("revenue", "2025-03-10", "2025-03-10") == 10.00
    assert value("revenue", "2025-11-02", "2025-11-02") == 1100.00
    assert value("revenue", "2025-11-03", "2025-11-03") == 10000.00


def test_state_kpis_read_the_end_of_each_local_day(settings):
    settings.CRM_TIME_ZONE = "Asia/Tehran"
    won_deal(datetime(2025, 3, 20, 20, 30, 0, tzinfo=UTC))  # 21 March in Tehran: first customer
    rolled_up()
    points = kpi("active_customers", "2025-03-20", "2025-03-21", grain="day").points
    assert [p["value"] for p in points] == [0, 1]
