import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from crm.models import Role, Team, User
from kpis.catalog import KPIS
from kpis.dashboards.definitions import SALES
from kpis.dashboards.pages import dashboard_page, kpi_page, me_page
from kpis.dashboards.ranges import DashboardQuery
from kpis.models import Target
from kpis.services import target_create, target_delete
from kpis.targets import AT_RISK, OFF_TRACK, ON_TRACK, TargetBook, progress, target_status
from tests.kpis.dashboard_business import build_dashboard_business

pytestmark = pytest.mark.django_db


def target(key: str, kind: str, start: str, value: str, **scope: object) -> Target:
    return Target(kpi_key=key, period_kind=kind, period_start=date.fromisoformat(start), value=Decimal(value), **scope)


@pytest.fixture
def manager():
    return User.objects.create(username="maryam", role=Role.MANAGER, is_staff=True)


@pytest.fixture
def manager_client(manager):
    client = Client()
    client.force_login(manager)
    return client


# The model


def test_a_target_ends_with_its_month_or_quarter():
    assert target("revenue", "month", "2024-02-01", "1").period_end == date(2024, 2, 29)
    assert target("revenue", "quarter", "2024-10-01", "1").period_end == date(2024, 12, 31)


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"kpi_key": "happiness"}, "kpi_key", "Unknown KPI happiness."),
    ({"period_start": date(2025, 1, 15)}, "period_start", "A period starts on the first day of a month."),
    ({"period_kind": "quarter", "period_start": date(2025, 2, 1)}, "period_start",
     "A quarter starts on 1 January, 1 April, 1 July or 1 October."),
    ({"period_kind": "week"}, "period_kind", "Value 'week' is not a valid choice."),
])
def test_target_validation_names_the_field(fields, field, message):
    candidate = target("revenue", "month", "2025-01-01", "1000")
    for name, value in fields.items():
        setattr(candidate, name, value)
    with pytest.raises(ValidationError) as caught:
        target_create(**{name: getattr(candidate, name) for name in
                         ("kpi_key", "period_kind", "period_start", "value")})
    assert caught.value.message_dict[field] == [message]


def test_jalali_targets_run_from_the_first_of_a_jalali_month_or_quarter():
    # 1 Dey 1403 is 21 December 2024; Dey has 30 days; Esfand 1403 (a leap year) has 30.
    assert target("revenue", "jmonth", "2024-12-21", "1").period_end == date(2025, 1, 19)
    assert target("revenue", "jquarter", "2024-12-21", "1").period_end == date(2025, 3, 20)
    with pytest.raises(ValidationError) as caught:  # 1 January 2026 is 11 Dey 1404
        target_create(kpi_key="revenue", period_kind="jmonth", period_start=date(2026, 1, 1), value=Decimal(1))
    assert caught.value.message_dict["period_start"] == [
        "A Jalali month starts on its first day (1 Farvardin, 1 Ordibehesht …)."]
    with pytest.raises(ValidationError) as caught:  # 1 Bahman 1403 starts a month, not a quarter
        target_create(kpi_key="revenue", period_kind="jquarter", period_start=date(2025, 1, 20), value=Decimal(1))
    assert caught.value.message_dict["period_start"] == [
        "A Jalali quarter starts on 1 Farvardin, 1 Tir, 1 Mehr or 1 Dey."]


def test_jalali_targets_are_pro_rated_over_their_own_days_and_give_way_to_a_month_target():
    revenue = KPIS["revenue"]
    dey = target("revenue", "jmonth", "2024-12-21", "3000")  # 30 days: 100 a day
    assert TargetBook([dey]).expected(revenue, date(2024, 12, 21), date(2025, 1, 19)) == pytest.approx(3000)
    assert TargetBook([dey]).expected(revenue, date(2025, 1, 1), date(2025, 1, 19)) == pytest.approx(1900)
    # January's own target (100 a day) covers its days; Bahman 1403 (20 Jan to 18 Feb, 200 a day) the rest.
    book = TargetBook([target("revenue", "month", "2025-01-01", "3100"),
                       target("revenue", "jmonth", "2025-01-20", "6000")])
    assert book.expected(revenue, date(2025, 1, 20), date(2025, 2, 18)) == pytest.approx(12 * 100 + 18 * 200)
    winter = TargetBook([target("revenue", "jquarter", "2024-12-21", "9000")])  # 90 days: 100 a day
    assert winter.expected(revenue, date(2025, 3, 1), date(2025, 3, 20)) == pytest.approx(2000)
    assert winter.expected(revenue, date(2025, 3, 1), date(2025, 3, 21)) is None  # Farvardin 1404 has none


def test_a_persian_manager_sets_a_target_for_a_jalali_month(manager, manager_client):
    manager.language = "fa"
    manager.save()
    page = manager_client.get("/kpis/targets/").content.decode()
    assert re.search(r'<option value="jmonth" selected>', page)
    response = manager_client.post("/kpis/targets/", {"kpi_key": "revenue", "period_kind": "jmonth",
                                                      "period_start": "۱۴۰۳/۱۰/۰۱", "value": "3000"})
    assert response.status_code == 302
    saved = Target.objects.get()
    assert (saved.period_kind, saved.period_start, saved.period_end) == ("jmonth", date(2024, 12, 21),
                                                                          date(2025, 1, 19))


def test_english_managers_are_offered_gregorian_periods_only(manager_client):
    page = manager_client.get("/kpis/targets/").content.decode()
    assert 'value="month"' in page
    assert 'value="jmonth"' not in page


def test_a_target_is_for_one_person_or_one_team_not_both():
    team = Team.objects.create(name="North")
    person = User.objects.create(username="alice", team=team)
    with pytest.raises(ValidationError) as caught:
        target_create(kpi_key="revenue", period_kind="month", period_start=date(2025, 1, 1), value=Decimal(1),
                      owner=person, team=team)
    assert caught.value.messages == ["A target is for one person or one team, not both."]


def test_one_target_per_kpi_period_and_scope():
    team = Team.objects.create(name="North")
    alice, bob = User.objects.create(username="alice"), User.objects.create(username="bob")
    common = {"kpi_key": "revenue", "period_kind": "month", "period_start": date(2025, 1, 1), "value": Decimal(1)}
    target_create(**common)
    target_create(**common, owner=alice)
    target_create(**common, owner=bob)
    target_create(**common, team=team)
    target_create(**{**common, "period_kind": "quarter"})
    for scope, message in [({}, "The business already has a target for this KPI and period."),
                           ({"owner": alice}, "This person already has a target for this KPI and period."),
                           ({"team": team}, "This team already has a target for this KPI and period.")]:
        with pytest.raises(ValidationError) as caught:
            target_create(**common, **scope)
        assert caught.value.messages == [message]
    assert Target.objects.count() == 5


def test_the_database_also_refuses_a_second_business_target():
    from django.db import IntegrityError

    Target.objects.create(kpi_key="revenue", period_kind="month", period_start=date(2025, 1, 1), value=1)
    with pytest.raises(IntegrityError):
        Target.objects.create(kpi_key="revenue", period_kind="month", period_start=date(2025, 1, 1), value=2)


# The rule


def test_flow_targets_that_add_up_are_pro_rated_by_the_days_covered():
    revenue = KPIS["revenue"]
    book = TargetBook([target("revenue", "month", "2025-01-01", "3100"), target("revenue", "month", "2025-02-01",
                                                                                  "2800")])
    assert book.expected(revenue, date(2025, 1, 1), date(2025, 1, 31)) == pytest.approx(3100)
    assert book.expected(revenue, date(2025, 1, 1), date(2025, 1, 15)) == pytest.approx(1500)
    assert book.expected(revenue, date(2025, 1, 17), date(2025, 2, 14)) == pytest.approx(1500 + 1400)
    assert book.expected(revenue, date(2025, 2, 20), date(2025, 3, 5)) is None  # March has no target
    assert book.expected(KPIS["deals_won"], date(2025, 1, 1), date(2025, 1, 31)) is None


def test_a_quarter_target_covers_the_months_without_their_own():
    revenue = KPIS["revenue"]
    book = TargetBook([target("revenue", "quarter", "2025-01-01", "9000"),
                       target("revenue", "month", "2025-02-01", "5000")])
    assert book.expected(revenue, date(2025, 1, 1), date(2025, 1, 31)) == pytest.approx(9000 * 31 / 90)
    assert book.expected(revenue, date(2025, 2, 1), date(2025, 2, 28)) == pytest.approx(5000)


def test_rates_and_states_take_the_target_in_force_on_the_last_day():
    book = TargetBook([target("win_rate", "month", "2025-01-01", "0.3"), target("win_rate", "month", "2025-02-01",
                                                                                  "0.4"),
                       target("backlog", "quarter", "2025-01-01", "20")])
    assert book.expected(KPIS["win_rate"], date(2025, 1, 10), date(2025, 2, 3)) == pytest.approx(0.4)
    assert book.expected(KPIS["win_rate"], date(2025, 1, 10), date(2025, 1, 12)) == pytest.approx(0.3)
    assert book.expected(KPIS["backlog"], date(2025, 2, 1), date(2025, 2, 10)) == 20


@pytest.mark.parametrize(("direction", "value", "expected", "status"), [
    ("up", 100, 100, ON_TRACK), ("up", 120, 100, ON_TRACK), ("up", 90, 100, AT_RISK), ("up", 89.9, 100, OFF_TRACK),
    ("down", 10, 10, ON_TRACK), ("down", 11, 10, AT_RISK), ("down", 11.1, 10, OFF_TRACK), ("down", 5, 10, ON_TRACK),
    ("up", -11, -10, AT_RISK), ("up", -12, -10, OFF_TRACK), ("up", 0, 0, ON_TRACK), ("up", -0.1, 0, OFF_TRACK),
    ("none", 5, 10, None), ("up", None, 10, None),
])
def test_status_rule(direction, value, expected, status):
    assert target_status(direction=direction, value=value, expected=expected) == status


def test_progress_reports_the_share_and_whether_the_target_was_pro_rated():
    book = TargetBook([target("revenue", "month", "2025-01-01", "3100")])
    result = progress(KPIS["revenue"], book, 1000.0, date(2025, 1, 1), date(2025, 1, 15))
    assert (result.status, result.pro_rated) == (OFF_TRACK, True)
    assert result.share == pytest.approx(1000 / 1500)
    assert progress(KPIS["revenue"], TargetBook([]), 1000.0, date(2025, 1, 1), date(2025, 1, 15)) is None


# Targets on the pages


def test_cards_and_the_trend_line_show_the_business_target(manager):
    build_dashboard_business()
    target_create(kpi_key="revenue", period_kind="month", period_start=date(2025, 1, 1), value=Decimal("3100"))
    target_create(kpi_key="sales_cycle_days", period_kind="month", period_start=date(2025, 1, 1), value=Decimal("12"))
    query = DashboardQuery(start=date(2025, 1, 1), end=date(2025, 1, 31), grain="week", preset="custom")
    page = dashboard_page(board=SALES, query=query, user=manager)
    cards = {card.kpi.key: card for card in page.cards}
    assert cards["revenue"].value == 1500.0
    assert (cards["revenue"].target.expected, cards["revenue"].target.status) == (pytest.approx(3100), OFF_TRACK)
    # Won deals took (10 d + 20 d) / 2 = 15 days against 12 expected: over by more than 10 %, lower is better.
    assert cards["sales_cycle_days"].target.status == OFF_TRACK
    assert cards["win_rate"].target is None
    trend = next(chart for chart in page.charts if chart.spec.slug == "revenue")
    line = next(dataset for dataset in trend.datasets if dataset.role == "target")
    assert line.values == pytest.approx([500.0, 700.0, 700.0, 700.0, 500.0])  # 5, 7, 7, 7 and 5 days of 31


def test_a_person_target_shows_on_their_own_numbers_and_the_owner_breakdown(manager):
    business = build_dashboard_business()
    alice = business.sales.alice
    target_create(kpi_key="revenue", period_kind="month", period_start=date(2025, 1, 1), value=Decimal("1400"),
                  owner=alice)
    target_create(kpi_key="revenue", period_kind="month", period_start=date(2025, 1, 1), value=Decimal("100"),
                  team=Team.objects.get(name="South"))
    query = DashboardQuery(start=date(2025, 1, 1), end=date(2025, 1, 31), grain="week", preset="custom")
    mine = {card.kpi.key: card for card in me_page(user=alice, query=query).sections[0].cards}
    assert mine["revenue"].target.status == ON_TRACK
    page = kpi_page(kpi=KPIS["revenue"], query=query, user=manager)
    by = {table.dimension: table for table in page.breakdowns}
    assert by["owner"].progress["alice"].status == ON_TRACK
    assert "bob" not in by["owner"].progress
    assert by["team"].progress == {}  # South won nothing in January: no row to judge


def test_status_is_shown_on_the_dashboard(manager_client):
    build_dashboard_business()
    target_create(kpi_key="revenue", period_kind="month", period_start=date(2025, 1, 1), value=Decimal("1400"))
    page = manager_client.get("/dashboards/sales/?preset=custom&start=2025-01-01&end=2025-01-31").content.decode()
    assert 'class="target status-on_track"' in page
    assert "On track" in page
    payload = json.loads(re.search(r'<script id="chart-revenue-data" type="application/json">(.*?)</script>', page,
                                   re.DOTALL).group(1))
    assert payload["datasets"][-1]["role"] == "target"


# The targets page


def test_targets_page_lists_targets_and_explains_the_rule(manager_client):
    target_create(kpi_key="win_rate", period_kind="quarter", period_start=date(2025, 1, 1), value=Decimal("0.25"))
    page = manager_client.get("/kpis/targets/").content.decode()
    assert "Win rate" in page
    assert "25.0%" in page
    assert "pro-rated" in page
    assert "at risk" in page


def test_managers_create_a_target_with_a_rate_as_a_percentage(manager_client):
    response = manager_client.post("/kpis/targets/", {"kpi_key": "win_rate", "period_kind": "month",
                                                      "period_start": "2025-01-01", "value": "25"}, follow=True)
    assert response.redirect_chain == [("/kpis/targets/", 302)]
    assert "Target saved" in response.content.decode()
    saved = Target.objects.get()
    assert (saved.kpi_key, saved.value, saved.owner, saved.team) == ("win_rate", Decimal("0.25"), None, None)


def test_a_target_for_a_person(manager_client, manager):
    person = User.objects.create(username="alice", role=Role.SALES)
    manager_client.post("/kpis/targets/", {"kpi_key": "revenue", "period_kind": "quarter",
                                           "period_start": "2025-04-01", "value": "90000", "owner": person.pk})
    assert Target.objects.get().owner == person


@pytest.mark.parametrize(("data", "error"), [
    ({"period_start": "2025-01-15"}, "A period starts on the first day of a month."),
    ({"period_kind": "quarter", "period_start": "2025-02-01"},
     "A quarter starts on 1 January, 1 April, 1 July or 1 October."),
    ({"value": "lots"}, "Enter a number."),
    ({"kpi_key": "happiness"}, "Select a valid choice. happiness is not one of the available choices."),
    ({"period_start": ""}, "This field is required."),
])
def test_invalid_targets_rerender_the_form_with_field_errors(manager_client, data, error):
    fields = {"kpi_key": "revenue", "period_kind": "month", "period_start": "2025-01-01", "value": "1000", **data}
    response = manager_client.post("/kpis/targets/", fields)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Target.objects.exists()


def test_a_duplicate_target_is_refused_with_a_message(manager_client):
    fields = {"kpi_key": "revenue", "period_kind": "month", "period_start": "2025-01-01", "value": "1000"}
    manager_client.post("/kpis/targets/", fields)
    response = manager_client.post("/kpis/targets/", fields)
    assert "The business already has a target for this KPI and period." in response.content.decode()
    assert Target.objects.count() == 1


def test_a_person_and_a_team_together_are_refused(manager_client):
    team = Team.objects.create(name="North")
    person = User.objects.create(username="alice", team=team)
    response = manager_client.post("/kpis/targets/", {"kpi_key": "revenue", "period_kind": "month",
                                                      "period_start": "2025-01-01", "value": "1",
                                                      "owner": person.pk, "team": team.pk})
    assert "A target is for one person or one team, not both." in response.content.decode()


def test_managers_delete_targets_with_a_post(manager_client):
    saved = target_create(kpi_key="revenue", period_kind="month", period_start=date(2025, 1, 1), value=Decimal(1))
    assert manager_client.get(f"/kpis/targets/{saved.pk}/delete/").status_code == 405
    response = manager_client.post(f"/kpis/targets/{saved.pk}/delete/", follow=True)
    assert "Target deleted." in response.content.decode()
    assert not Target.objects.exists()
    assert manager_client.post(f"/kpis/targets/{saved.pk}/delete/").status_code == 404


@pytest.mark.parametrize("role", [Role.SALES, Role.SUPPORT])
def test_only_managers_and_admins_change_targets(role):
    saved = target_create(kpi_key="revenue", period_kind="month", period_start=date(2025, 1, 1), value=Decimal(1))
    client = Client()
    client.force_login(User.objects.create(username="someone", role=role))
    assert client.post("/kpis/targets/", {"kpi_key": "revenue", "period_kind": "month", "period_start": "2025-02-01",
                                          "value": "1"}).status_code == 403
    assert client.post(f"/kpis/targets/{saved.pk}/delete/").status_code == 403
    assert Target.objects.count() == 1


def test_targets_in_the_admin_go_through_the_service():
    admin = User.objects.create(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/kpis/target/").status_code == 200
    response = client.post("/admin/kpis/target/add/", {"kpi_key": "revenue", "period_kind": "month",
                                                       "period_start": "2025-01-10", "value": "5"})
    assert response.status_code == 200
    assert "A period starts on the first day of a month." in response.content.decode()
    response = client.post("/admin/kpis/target/add/", {"kpi_key": "revenue", "period_kind": "month",
                                                       "period_start": "2025-01-01", "value": "5"})
    assert response.status_code == 302
    saved = Target.objects.get()
    target_delete(target=saved)
    assert not Target.objects.exists()
