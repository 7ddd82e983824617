"""The business's weekend (CRM_WEEKEND), which business-hours calendars start from."""

from datetime import date

import pytest

from core.business_time import is_weekend

# 2026-12-03 is a Thursday, 12-04 a Friday, 12-05 a Saturday, 12-06 a Sunday.
THU, FRI, SAT, SUN = (date(2026, 12, day) for day in (3, 4, 5, 6))


@pytest.mark.parametrize(("weekend", "days_off"), [
    ((5, 6), {SAT, SUN}),  # saturday,sunday: the default
    ((4,), {FRI}),  # friday
    ((3, 4), {THU, FRI}),  # thursday,friday
])
def test_weekend_days_are_the_configured_ones(settings, weekend, days_off):
    settings.CRM_WEEKEND = weekend
    assert {day for day in (THU, FRI, SAT, SUN) if is_weekend(day)} == days_off
