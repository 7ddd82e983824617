from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from crm.models import DealStageEntry, DealStatus, Role, base_amount
from crm.services import (
    customer_set_churn,
    deal_close,
    deal_delete,
    deal_move_stage,
    deal_reopen,
    deal_update,
    user_sync_role_group,
)
from kpis.dirty import local_day
from kpis.models import DirtyDay
from tests.conftest import T0
from tests.factories import CompanyFactory, DealFactory, PipelineFactory, UserFactory

pytestmark = pytest.mark.django_db


def dirty(family: str) -> set[date]:
    return set(DirtyDay.objects.filter(family=family).values_list("day", flat=True))


def history(deal) -> list[tuple[str, datetime, datetime | None]]:
    entries = DealStageEntry.objects.filter(deal=deal).select_related("stage").order_by("entered_at", "id")
    return [(e.stage.name, e.entered_at, e.exited_at) for e in entries]


# Stage history


def test_create_records_the_first_stage_entry(deal, stages):
    assert deal.pipeline == stages[0].pipeline
    assert history(deal) == [("Lead", T0, None)]


def test_every_move_closes_the_current_entry_and_opens_the_next(deal, stages):
    first, second = T0 + timedelta(days=1), T0 + timedelta(days=3)

    deal_move_stage(deal=deal, stage=stages[1], at=first)
    deal_move_stage(deal=deal, stage=stages[2], at=second)

    deal.refresh_from_db()
    assert deal.stage == stages[2]
    assert history(deal) == [("Lead", T0, first), ("Proposal", first, second), ("Negotiation", second, None)]


def test_moving_back_to_an_earlier_stage_is_a_new_entry(deal, stages):
    deal_move_stage(deal=deal, stage=stages[1], at=T0 + timedelta(hours=1))
    deal_move_stage(deal=deal, stage=stages[0], at=T0 + timedelta(hours=2))

    assert [name for name, _, _ in history(deal)] == ["Lead", "Proposal", "Lead"]


def test_closing_exits_the_current_stage(deal, stages):
    deal_move_stage(deal=deal, stage=stages[1], at=T0 + timedelta(days=1))
    closed_at = T0 + timedelta(days=2)

    deal_close(deal=deal, won=True, at=closed_at)

    assert history(deal)[-1] == ("Proposal", T0 + timedelta(days=1), closed_at)
    deal.refresh_from_db()
    assert (deal.status, deal.closed_at) == (DealStatus.WON, closed_at)


def test_a_closed_deal_cannot_move(deal, stages):
    deal_close(deal=deal, won=False, at=T0 + timedelta(days=1))

    with pytest.raises(ValidationError, match="closed deal"):
        deal_move_stage(deal=deal, stage=stages[1], at=T0 + timedelta(days=2))


def test_a_stage_of_another_pipeline_is_refused(deal):
    other = PipelineFactory().stages.first()

    with pytest.raises(ValidationError, match="another pipeline"):
        deal_move_stage(deal=deal, stage=other, at=T0 + timedelta(days=1))


def test_moving_to_the_current_stage_is_refused(deal, stages):
    with pytest.raises(ValidationError, match="already in that stage"):
        deal_move_stage(deal=deal, stage=stages[0], at=T0 + timedelta(days=1))


def test_a_move_dated_before_the_current_stage_was_entered_is_refused(deal, stages):
    deal_move_stage(deal=deal, stage=stages[1], at=T0 + timedelta(days=2))

    with pytest.raises(ValidationError, match="before the current stage"):
        deal_move_stage(deal=deal, stage=stages[2], at=T0 + timedelta(days=1))
    assert len(history(deal)) == 2


def test_a_refused_move_changes_nothing(deal, stages):
    with pytest.raises(ValidationError):
        deal_move_stage(deal=deal, stage=stages[1], at=T0 - timedelta(minutes=1))

    deal.refresh_from_db()
    assert deal.stage == stages[0]
    assert history(deal) == [("Lead", T0, None)]


def test_closing_before_the_current_stage_was_entered_is_refused(deal, stages):
    deal_move_stage(deal=deal, stage=stages[1], at=T0 + timedelta(days=2))

    with pytest.raises(ValidationError):
        deal_close(deal=deal, won=True, at=T0 + timedelta(days=1))


def test_closing_twice_is_refused(deal):
    deal_close(deal=deal, won=True, at=T0 + timedelta(days=1))

    with pytest.raises(ValidationError, match="already closed"):
        deal_close(deal=deal, won=False, at=T0 + timedelta(days=2))


# Reopen


def test_reopen_clears_the_close_and_resumes_the_last_stage(deal, stages):
    deal_move_stage(deal=deal, stage=stages[1], at=T0 + timedelta(days=1))
    deal_close(deal=deal, won=False, at=T0 + timedelta(days=2))

    deal_reopen(deal=deal)

    deal.refresh_from_db()
    assert (deal.status, deal.closed_at, deal.lost_reason) == (DealStatus.OPEN, None, None)
    assert history(deal)[-1] == ("Proposal", T0 + timedelta(days=1), None)
    deal_move_stage(deal=deal, stage=stages[2], at=T0 + timedelta(days=3))
    assert history(deal)[-1][0] == "Negotiation"


def test_reopening_an_open_deal_is_refused(deal):
    with pytest.raises(ValidationError, match="already open"):
        deal_reopen(deal=deal)


def test_reopen_marks_the_old_close_day_dirty(deal):
    deal_close(deal=deal, won=True, at=T0 + timedelta(days=5))
    DirtyDay.objects.all().delete()

    deal_reopen(deal=deal)

    assert date(2025, 3, 8) in dirty("deals")
    assert date(2025, 3, 8) in dirty("customers")


# Money


@pytest.mark.parametrize(
    ("amount", "currency", "rate", "expected"),
    [
        ("10.005", "USD", "1", "10.01"),
        ("10.004", "USD", "1", "10.00"),
        ("2.675", "USD", None, "2.68"),
        ("100", "IRR", "0.0000238", "0.00"),
        ("1000000", "IRR", "0.0000238", "23.80"),
        ("10.01", "EUR", "0.5", "5.01"),
    ],
)
def test_base_amount_rounds_half_up_to_cents(amount, currency, rate, expected):
    assert base_amount(Decimal(amount), currency, Decimal(rate) if rate else None) == Decimal(expected)


def test_base_amount_of_a_foreign_deal_without_rate_is_unknown():
    assert base_amount(Decimal("10"), "EUR", None) is None


def test_deal_create_stores_the_rounded_base_amount(stages, contact):
    deal = DealFactory(pipeline_stage=stages[0], contact=contact, amount=Decimal("10.01"), currency="eur",
                       exchange_rate=Decimal("0.5"), created_at=T0)

    deal.refresh_from_db()
    assert (deal.currency, deal.amount_base) == ("EUR", Decimal("5.01"))


def test_a_tiny_foreign_amount_rounds_to_zero(stages, contact):
    deal = DealFactory(pipeline_stage=stages[0], contact=contact, amount=Decimal("100"), currency="IRR",
                       exchange_rate=Decimal("0.0000238"), created_at=T0)

    deal.refresh_from_db()
    assert deal.amount_base == Decimal("0.00")


def test_winning_a_foreign_deal_needs_a_rate(stages, contact):
    deal = DealFactory(pipeline_stage=stages[0], contact=contact, amount=Decimal("300"), currency="EUR",
                       created_at=T0)
    assert deal.amount_base is None

    with pytest.raises(ValidationError, match="exchange rate"):
        deal_close(deal=deal, won=True, at=T0 + timedelta(days=1))

    deal_close(deal=deal, won=True, at=T0 + timedelta(days=1), exchange_rate=Decimal("1.1"))
    deal.refresh_from_db()
    assert (deal.status, deal.amount_base) == (DealStatus.WON, Decimal("330.00"))


def test_losing_a_foreign_deal_needs_no_rate(stages, contact):
    deal = DealFactory(pipeline_stage=stages[0], contact=contact, currency="EUR", created_at=T0)

    deal_close(deal=deal, won=False, at=T0 + timedelta(days=1))

    deal.refresh_from_db()
    assert (deal.status, deal.amount_base) == (DealStatus.LOST, None)


def test_deal_update_recomputes_the_base_amount(deal):
    deal_update(deal=deal, amount=Decimal("20.01"), currency="EUR", exchange_rate=Decimal("0.5"))

    deal.refresh_from_db()
    assert deal.amount_base == Decimal("10.01")


def test_deal_update_refuses_stage_and_status(deal, stages):
    with pytest.raises(ValueError, match="stage"):
        deal_update(deal=deal, stage=stages[1])
    with pytest.raises(ValueError, match="status"):
        deal_update(deal=deal, status=DealStatus.WON)


# Dirty days


def test_create_marks_the_created_day_for_deals_and_stages(deal):
    assert dirty("deals") == {date(2025, 3, 3)}
    assert dirty("stages") == {date(2025, 3, 3)}


def test_a_close_is_dirty_on_its_local_day_in_tehran(settings, stages, contact):
    settings.CRM_TIME_ZONE = "Asia/Tehran"
    deal = DealFactory(pipeline_stage=stages[0], contact=contact, created_at=datetime(2025, 3, 1, tzinfo=UTC))

    deal_close(deal=deal, won=True, at=datetime.fromisoformat("2025-03-20T21:00:00+00:00"))

    assert date(2025, 3, 21) in dirty("deals")
    assert date(2025, 3, 20) not in dirty("deals")
    assert date(2025, 3, 21) in dirty("customers")


def test_local_day_in_new_york_after_the_dst_change(settings):
    settings.CRM_TIME_ZONE = "America/New_York"

    assert local_day(datetime.fromisoformat("2025-03-10T03:30:00+00:00")) == date(2025, 3, 9)
    assert local_day(datetime.fromisoformat("2025-03-10T04:30:00+00:00")) == date(2025, 3, 10)


def test_a_move_is_dirty_on_its_local_day_in_new_york(settings, deal, stages):
    settings.CRM_TIME_ZONE = "America/New_York"
    DirtyDay.objects.all().delete()

    deal_move_stage(deal=deal, stage=stages[1], at=datetime.fromisoformat("2025-03-10T03:30:00+00:00"))

    assert dirty("stages") == {date(2025, 3, 9)}


def test_a_backdated_close_marks_both_the_old_and_new_close_days(deal):
    deal_close(deal=deal, won=True, at=T0 + timedelta(days=10))
    deal_reopen(deal=deal)
    DirtyDay.objects.all().delete()

    deal_close(deal=deal, won=True, at=T0 + timedelta(days=1))

    assert date(2025, 3, 4) in dirty("deals")


def test_deal_update_marks_the_days_before_and_after(deal):
    deal_close(deal=deal, won=True, at=T0 + timedelta(days=2))
    DirtyDay.objects.all().delete()

    deal_update(deal=deal, amount=Decimal("5"))

    assert dirty("deals") == {date(2025, 3, 3), date(2025, 3, 5)}
    assert date(2025, 3, 5) in dirty("customers")
    assert dirty("stages") == {date(2025, 3, 3), date(2025, 3, 5)}


def test_deal_delete_removes_its_history_and_marks_its_days(deal, stages):
    deal_move_stage(deal=deal, stage=stages[1], at=T0 + timedelta(days=1))
    DirtyDay.objects.all().delete()

    deal_delete(deal=deal)

    assert not DealStageEntry.objects.exists()
    assert dirty("deals") == {date(2025, 3, 3)}
    assert dirty("stages") == {date(2025, 3, 3), date(2025, 3, 4)}


def test_an_earlier_win_marks_the_customers_previous_first_win_day(stages, company):
    """The customer's first win moves from the later deal's day to the earlier one: both change."""
    later = DealFactory(pipeline_stage=stages[0], company=company, created_at=T0)
    deal_close(deal=later, won=True, at=T0 + timedelta(days=10))
    earlier = DealFactory(pipeline_stage=stages[0], company=company, created_at=T0)
    DirtyDay.objects.all().delete()

    deal_close(deal=earlier, won=True, at=T0 + timedelta(days=1))

    assert {date(2025, 3, 4), date(2025, 3, 13)} <= dirty("customers")


def test_reopening_the_first_win_marks_the_next_first_win_day(stages, company):
    first = DealFactory(pipeline_stage=stages[0], company=company, created_at=T0)
    second = DealFactory(pipeline_stage=stages[0], company=company, created_at=T0)
    deal_close(deal=first, won=True, at=T0 + timedelta(days=1))
    deal_close(deal=second, won=True, at=T0 + timedelta(days=5))
    DirtyDay.objects.all().delete()

    deal_reopen(deal=first)

    assert {date(2025, 3, 4), date(2025, 3, 8)} <= dirty("customers")


def test_winning_a_churned_customers_first_deal_marks_the_churn_day(deal, contact):
    """Whether a churn counts (and the lifespan it adds) depends on the first win."""
    customer_set_churn(customer=contact, churned_at=T0 + timedelta(days=20), reason="price")
    DirtyDay.objects.all().delete()

    deal_close(deal=deal, won=True, at=T0 + timedelta(days=2))

    assert {date(2025, 3, 5), date(2025, 3, 23)} <= dirty("customers")


def test_churn_marks_the_old_and_new_churn_days_and_the_first_win(deal, contact):
    deal_close(deal=deal, won=True, at=T0 + timedelta(days=1))
    customer_set_churn(customer=contact, churned_at=T0 + timedelta(days=10), reason="price")
    DirtyDay.objects.all().delete()

    customer_set_churn(customer=contact, churned_at=T0 + timedelta(days=20), reason="price")

    assert dirty("customers") == {date(2025, 3, 4), date(2025, 3, 13), date(2025, 3, 23)}


def test_clearing_churn_also_clears_the_reason(contact):
    customer_set_churn(customer=contact, churned_at=T0, reason="price")

    customer_set_churn(customer=contact, churned_at=None, reason="ignored")

    contact.refresh_from_db()
    assert (contact.churned_at, contact.churn_reason) == (None, "")


def test_a_company_customer_is_its_company_not_its_contact(stages, contact):
    company = CompanyFactory(created_at=T0)
    deal = DealFactory(pipeline_stage=stages[0], contact=contact, company=company, created_at=T0)

    assert deal.customer_key == f"company:{company.pk}"


# Role groups


def test_user_sync_role_group_moves_the_user_between_role_groups():
    user = UserFactory(role=Role.SALES)
    custom = Group.objects.create(name="newsletter editors")
    user.groups.add(custom)

    user.role = Role.SUPPORT
    user.save()
    user_sync_role_group(user=user)

    assert set(user.groups.values_list("name", flat=True)) == {"support", "newsletter editors"}


def test_user_sync_role_group_is_idempotent():
    user = UserFactory(role=Role.MANAGER)

    user_sync_role_group(user=user)
    user_sync_role_group(user=user)

    assert list(user.groups.values_list("name", flat=True)) == ["manager"]
