import csv
import io
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm import services as crm
from crm.models import Role, User
from kpis.catalog import KPIS
from kpis.dashboards.cards import change_between
from kpis.dashboards.definitions import DASHBOARDS, ME_SECTIONS
from kpis.dashboards.pages import dashboard_page, me_page
from kpis.dashboards.ranges import MAX_POINTS, DashboardQuery, dashboard_query, point_count, resolve_range
from kpis.formatting import format_change, format_value
from kpis.models import RollupRun
from kpis.records import local_day_bounds
from kpis.rollup import run_rollup
from kpis.selectors import kpi_result
from tests.kpis.business import at
from tests.kpis.dashboard_business import build_dashboard_business

JAN = "preset=custom&start=2025-01-01&end=2025-01-31&grain=week"
TWO_YEARS = "preset=custom&start=2023-03-01&end=2025-02-28&grain=month"
DASHBOARD_URLS = ["/dashboards/sales/", "/dashboards/marketing/", "/dashboards/service/", "/dashboards/me/"]


def user_with(role: str, **extra: object) -> User:
    return User.objects.create(username=f"u-{role}", role=role, **extra)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def business(db):
    return build_dashboard_business()


@pytest.fixture
def manager(db):
    return user_with(Role.MANAGER, is_staff=True)


@pytest.fixture
def manager_client(manager):
    return client_for(manager)


def parse_csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def number(text: str) -> float | None:
    return None if text == "" else float(text)


# Presets: a pure function of the day they are resolved on.

@pytest.mark.parametrize(("preset", "today", "expected"), [
    ("this_month", date(2025, 2, 15), (date(2025, 2, 1), date(2025, 2, 15))),
    ("this_month", date(2025, 2, 1), (date(2025, 2, 1), date(2025, 2, 1))),
    ("last_month", date(2025, 3, 31), (date(2025, 2, 1), date(2025, 2, 28))),
    ("last_month", date(2025, 1, 10), (date(2024, 12, 1), date(2024, 12, 31))),
    ("last_month", date(2024, 3, 1), (date(2024, 2, 1), date(2024, 2, 29))),
    ("this_quarter", date(2025, 5, 20), (date(2025, 4, 1), date(2025, 5, 20))),
    ("this_quarter", date(2025, 12, 31), (date(2025, 10, 1), date(2025, 12, 31))),
    ("last_90_days", date(2025, 3, 31), (date(2025, 1, 1), date(2025, 3, 31))),
    ("year_to_date", date(2025, 8, 9), (date(2025, 1, 1), date(2025, 8, 9))),
    ("last_12_months", date(2025, 2, 15), (date(2024, 3, 1), date(2025, 2, 15))),
    ("last_12_months", date(2025, 12, 5), (date(2025, 1, 1), date(2025, 12, 5))),
])
def test_resolve_range_presets(preset, today, expected):
    assert resolve_range(preset, today) == expected


@pytest.mark.parametrize(("week_start", "preset", "expected"), [
    # 2026-12-02 is a Wednesday.
    ("saturday", "this_week", (date(2026, 11, 28), date(2026, 12, 2))),
    ("saturday", "last_week", (date(2026, 11, 21), date(2026, 11, 27))),
    ("monday", "this_week", (date(2026, 11, 30), date(2026, 12, 2))),
    ("monday", "last_week", (date(2026, 11, 23), date(2026, 11, 29))),
    ("wednesday", "this_week", (date(2026, 12, 2), date(2026, 12, 2))),
])
def test_week_presets_start_on_the_configured_weekday(settings, week_start, preset, expected):
    settings.CRM_WEEK_START = week_start
    assert resolve_range(preset, date(2026, 12, 2)) == expected


def test_a_saturday_week_gives_this_weeks_chart_one_bucket_from_saturday(settings):
    settings.CRM_WEEK_START = "saturday"
    query = dashboard_query({"preset": "last_week", "grain": "week"}, today=date(2026, 12, 2))
    assert (query.start, query.end, query.grain, query.problems) == (date(2026, 11, 21), date(2026, 11, 27),
                                                                     "week", ())
    assert point_count(query.start, query.end, "week") == 1


def test_resolve_range_custom_takes_the_dates_as_given():
    assert resolve_range("custom", date(2025, 2, 15), date(2020, 1, 1), date(2020, 1, 1)) == (
        date(2020, 1, 1), date(2020, 1, 1))


@pytest.mark.parametrize(("preset", "start", "end"), [
    ("custom", None, date(2025, 1, 1)),
    ("custom", date(2025, 1, 2), date(2025, 1, 1)),
    ("fortnight", None, None),
])
def test_resolve_range_refuses_what_it_cannot_mean(preset, start, end):
    with pytest.raises(ValueError):  # noqa: PT011 - the message is for developers
        resolve_range(preset, date(2025, 2, 15), start, end)


def test_dashboard_query_defaults_to_the_last_90_days_by_week():
    query = dashboard_query({}, today=date(2025, 3, 31))
    assert (query.start, query.end, query.grain, query.preset, query.problems) == (
        date(2025, 1, 1), date(2025, 3, 31), "week", "last_90_days", ())
    assert query.previous == (date(2024, 10, 3), date(2024, 12, 31))


def test_dashboard_query_reads_dates_without_a_preset_as_custom():
    query = dashboard_query({"start": "2024-01-01", "end": "2024-12-31"}, today=date(2025, 3, 31))
    assert (query.start, query.end, query.grain, query.preset) == (date(2024, 1, 1), date(2024, 12, 31), "month",
                                                                    "custom")
    assert query.params() == {"preset": "custom", "start": "2024-01-01", "end": "2024-12-31", "grain": "month"}


@pytest.mark.parametrize("params", [
    {"preset": "fortnight"},
    {"preset": "custom", "start": "2025-02-30", "end": "2025-03-01"},
    {"preset": "custom", "start": "2025-03-01"},
    {"preset": "custom", "start": "2025-03-02", "end": "2025-03-01"},
    {"preset": "custom", "start": "0001-01-01", "end": "0001-01-02"},
    {"preset": "custom", "start": "1990-01-01", "end": "2025-01-01"},
    {"start": "yesterday", "end": "today"},
    {"grain": "fortnight"},
])
def test_dashboard_query_replaces_bad_values_with_defaults_and_says_so(params):
    query = dashboard_query(params, today=date(2025, 3, 31))
    assert query.problems
    if "grain" in params:
        assert query.grain == "week"
    else:
        assert (query.start, query.end, query.preset) == (date(2025, 1, 1), date(2025, 3, 31), "last_90_days")


def test_dashboard_query_coarsens_a_grain_that_would_draw_too_many_points():
    query = dashboard_query({"start": "2020-01-01", "end": "2024-12-31", "grain": "day"}, today=date(2025, 3, 31))
    assert point_count(date(2020, 1, 1), date(2024, 12, 31), "day") > MAX_POINTS
    assert query.grain == "week"
    assert len(query.problems) == 1
    assert point_count(query.start, query.end, query.grain) <= MAX_POINTS


def test_point_count_matches_the_split_of_the_range():
    from kpis.periods import split_range

    for grain in ("day", "week", "month", "quarter", "year"):
        for start, end in [(date(2024, 2, 29), date(2025, 3, 1)), (date(2025, 1, 5), date(2025, 1, 5))]:
            assert point_count(start, end, grain) == len(list(split_range(start, end, grain)))


# Formatting


@pytest.mark.parametrize(("value", "unit", "text"), [
    (1234.5, "currency", "USD\u00a01,234.50"),
    (None, "currency", "—"),
    (0.4567, "ratio", "45.7%"),
    (12.345, "hours", "12.3 h"),
    (3.0, "days", "3.0 days"),
    (1234, "count", "1,234"),
    (-0.5, "gap", "−0.50"),
    (4.214, "score5", "4.21 / 5"),
    (40.0, "score", "40.0"),
])
def test_values_are_formatted_by_unit(value, unit, text):
    assert format_value(value, unit) == text


def test_change_is_relative_for_amounts_in_points_for_rates_and_coloured_by_direction():
    revenue = change_between(KPIS["revenue"], 150.0, 100.0)
    assert (revenue.arrow, revenue.good, format_change(revenue)) == ("up", True, "+50.0%")
    cycle = change_between(KPIS["sales_cycle_days"], 12.0, 10.0)
    assert (cycle.arrow, cycle.good) == ("up", False)
    win_rate = change_between(KPIS["win_rate"], 0.5, 0.25)
    assert format_change(win_rate) == "+25.0 pp"
    spend = change_between(KPIS["marketing_spend"], 10.0, 20.0)
    assert (spend.arrow, spend.good) == ("down", None)
    assert change_between(KPIS["revenue"], 10.0, None) is None
    assert format_change(change_between(KPIS["revenue"], 10.0, 0.0)) == "+10.00"


# Permissions

ROLES = ["anonymous", Role.SALES, Role.SUPPORT, Role.MANAGER, Role.ADMIN]
EXPECTED = {
    "/dashboards/sales/": [302, 200, 403, 200, 200],
    "/dashboards/marketing/": [302, 200, 403, 200, 200],
    "/dashboards/service/": [302, 403, 200, 200, 200],
    "/dashboards/me/": [302, 200, 200, 200, 200],
    "/kpis/revenue/": [302, 200, 403, 200, 200],
    "/kpis/cac/": [302, 200, 403, 200, 200],
    "/kpis/backlog/": [302, 403, 200, 200, 200],
    "/kpis/nps/": [302, 403, 200, 200, 200],
    "/kpis/revenue/records/": [302, 200, 403, 200, 200],
    "/kpis/sla_breach_rate/records/": [302, 403, 200, 200, 200],
    "/kpis/revenue/csv/?start=2025-01-01&end=2025-01-31": [302, 200, 403, 200, 200],
    "/dashboards/service/charts/backlog/csv/?start=2025-01-01&end=2025-01-31": [302, 403, 200, 200, 200],
    "/kpis/targets/": [302, 403, 403, 200, 200],
}


@pytest.mark.django_db
@pytest.mark.parametrize("url", list(EXPECTED))
def test_permission_matrix(url):
    for role, expected in zip(ROLES, EXPECTED[url], strict=True):
        user = None if role == "anonymous" else user_with(role)
        response = client_for(user).get(url)
        assert response.status_code == expected, (url, role)
        if expected == 302:
            assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_unknown_dashboards_and_kpis_are_not_found(manager_client):
    assert manager_client.get("/dashboards/finance/").status_code == 404
    assert manager_client.get("/kpis/happiness/").status_code == 404
    assert manager_client.get("/kpis/win_rate/records/").status_code == 404  # no record list for this KPI
    assert manager_client.get("/dashboards/sales/charts/nope/csv/?start=2025-01-01&end=2025-01-02").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "links", "absent"), [
    (Role.SALES, ["/dashboards/sales/", "/dashboards/marketing/", "/dashboards/me/"],
     ["/dashboards/service/", "/kpis/targets/"]),
    (Role.SUPPORT, ["/dashboards/service/", "/dashboards/me/"],
     ["/dashboards/sales/", "/dashboards/marketing/", "/kpis/targets/"]),
    (Role.MANAGER, ["/dashboards/sales/", "/dashboards/marketing/", "/dashboards/service/", "/dashboards/me/",
                    "/kpis/targets/"], []),
])
def test_navigation_links_the_dashboards_a_role_may_open(role, links, absent):
    page = client_for(user_with(role)).get("/").content.decode()
    nav = re.search(r'<nav class="nav".*?</nav>', page, re.DOTALL).group(0)
    assert 'href="/"' in nav
    for link in links:
        assert f'href="{link}"' in nav
    for link in absent:
        assert f'href="{link}"' not in nav


# Pages


@pytest.mark.parametrize("url", [*DASHBOARD_URLS, "/kpis/revenue/", "/kpis/sla_breach_rate/"])
def test_pages_render_their_figures_charts_and_freshness(business, manager_client, url):
    response = manager_client.get(f"{url}?{JAN}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Data rolled up" in page
    assert 'name="csrfmiddlewaretoken"' in page  # the refresh button
    assert 'data-chart-source="chart-' in page
    assert '<script id="chart-' in page
    assert 'type="application/json"' in page
    assert "<caption>" in page
    assert 'class="csv"' in page


def test_chart_data_is_embedded_with_json_script_and_matches_the_table(business, manager_client):
    page = manager_client.get(f"/dashboards/sales/?{JAN}").content.decode()
    payload = json.loads(re.search(r'<script id="chart-revenue-data" type="application/json">(.*?)</script>', page,
                                   re.DOTALL).group(1))
    assert payload["kind"] == "line"
    assert payload["labels"] == ["1 Jan", "6 Jan", "13 Jan", "20 Jan", "27 Jan"]  # periods clipped to the range
    assert payload["datasets"][0]["values"] == [0.0, 1000.0, 0.0, 500.0, 0.0]
    assert payload["links"][1] == "/kpis/revenue/records/?start=2025-01-06&end=2025-01-12"


def test_chartjs_comes_from_the_cdn_with_its_integrity_hash_or_self_hosted(business, manager_client, settings):
    page = manager_client.get(f"/dashboards/sales/?{JAN}").content.decode()
    assert ('<script src="https://cdn.jsdelivr.net/npm/chart.js@4.6.1/dist/chart.umd.min.js" '
            f'integrity="{settings.CHARTJS_SRI}" crossorigin="anonymous" defer></script>') in page
    assert settings.CHARTJS_SRI.startswith("sha384-")
    settings.CHARTJS_SELF_HOSTED = True
    page = manager_client.get(f"/dashboards/sales/?{JAN}").content.decode()
    assert '<script src="/static/vendor/chart.umd.min.js" defer></script>' in page
    assert "cdn.jsdelivr.net" not in page


def test_the_self_hosted_chartjs_is_the_file_the_hash_was_made_from(settings):
    import base64
    import hashlib

    digest = hashlib.sha384((settings.BASE_DIR / "static" / "vendor" / "chart.umd.min.js").read_bytes()).digest()
    assert "sha384-" + base64.b64encode(digest).decode() == settings.CHARTJS_SRI
    assert settings.CHARTJS_VERSION == "4.6.1"


@pytest.mark.parametrize("query", [
    "preset=fortnight", "preset=custom&start=2025-13-01&end=2025-01-01", "start=2025-02-01&end=2025-01-01",
    "grain=hour", "preset=custom&start=0001-01-01&end=9999-12-31", "start=%00&end=%ff", "preset=custom",
    "start=2000-01-01&end=2019-12-31&grain=day", "page=-1&dimension=%3Cscript%3E",
])
@pytest.mark.parametrize("url", [*DASHBOARD_URLS, "/kpis/revenue/", "/kpis/revenue/records/", "/kpis/nps/records/"])
def test_bad_query_values_rerender_with_a_message(business, manager_client, url, query):
    response = manager_client.get(f"{url}?{query}")
    assert response.status_code == 200
    if "page=" not in query:
        assert 'class="problems" role="alert"' in response.content.decode()


@pytest.mark.parametrize("query", [
    "start=2025-01-01", "start=2025-02-01&end=2025-01-01", "start=2025-01-01&end=2025-01-31&grain=hour",
    "start=0001-01-01&end=0001-01-02", "start=2025-01-01&end=2025-01-31&dimension=", "start=x&end=y",
    "start=2025-01-01&end=2025-01-31&dimension=survey",
])
def test_csv_endpoints_answer_400_to_bad_queries(business, manager_client, query):
    for url in ["/kpis/revenue/csv/", "/dashboards/sales/charts/revenue/csv/", "/dashboards/me/charts/my-revenue/csv/"]:
        response = manager_client.get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)


# Numbers: the dashboards agree with the engine and the API


def test_dashboard_cards_and_charts_equal_the_kpi_engine(business, manager):
    query = DashboardQuery(start=date(2025, 1, 6), end=date(2025, 2, 16), grain="week", preset="custom")
    for board in DASHBOARDS.values():
        page = dashboard_page(board=board, query=query, user=manager)
        for card in page.cards:
            now = kpi_result(kpi=card.kpi, start=query.start, end=query.end, grain="week")
            before = kpi_result(kpi=card.kpi, start=query.previous[0], end=query.previous[1], grain="week")
            assert card.value == now.value, card.kpi.key
            assert card.previous == before.value, card.kpi.key
            assert card.sparkline == [point["value"] for point in now.points], card.kpi.key
        for chart in page.charts:
            for dataset in chart.datasets:
                if dataset.key not in KPIS:
                    continue
                result = kpi_result(kpi=KPIS[dataset.key], start=query.start, end=query.end, grain="week",
                                    dimension=chart.spec.dimension)
                if chart.spec.dimension:
                    assert dict(zip([row.ident[0] for row in chart.rows], dataset.values, strict=True)) == {
                        str(row["id"]): row["value"] for row in result.breakdown}
                else:
                    assert dataset.values == [point["value"] for point in result.points]


@pytest.mark.parametrize(("key", "params"), [
    ("revenue", "grain=month"), ("revenue", "grain=week&dimension=owner"), ("win_rate", "grain=day"),
    ("open_pipeline_value", "grain=month&dimension=stage"), ("sla_breach_rate", "grain=week&dimension=priority"),
    ("nps", "grain=month&dimension=assignee"), ("clv", "grain=quarter"), ("churn_rate", "grain=month"),
    ("servqual_gap", "grain=month&dimension=servqual_dimension"), ("revenue", "grain=month&dimension=team"),
    ("revenue", "grain=month&dimension=deal_kind"),
])
def test_kpi_csv_holds_the_numbers_the_api_returns(business, manager_client, key, params):
    query = f"start=2024-12-15&end=2025-03-20&{params}"
    api = manager_client.get(f"/api/kpis/{key}/?{query}").json()
    rows = parse_csv(manager_client.get(f"/kpis/{key}/csv/?{query}"))
    if "dimension" in params:
        assert [(row["id"], number(row["value"])) for row in rows] == sorted(
            [(item["id"], item["value"]) for item in api["breakdown"]], key=lambda pair: [r["id"] for r in rows].index(
                pair[0]))
        assert {row["id"]: number(row["value"]) for row in rows} == {i["id"]: i["value"] for i in api["breakdown"]}
        assert len(rows) == len(api["breakdown"])
    else:
        assert [(row["start"], row["end"], number(row["value"])) for row in rows] == [
            (point["start"], point["end"], point["value"]) for point in api["points"]]


@pytest.mark.parametrize(("board", "chart"), [
    ("sales", "deals"), ("sales", "pipeline"), ("marketing", "leads"), ("marketing", "churn"),
    ("service", "tickets"), ("service", "times"), ("sales", "funnel"), ("service", "sla-by-priority"),
    ("marketing", "campaign-roi"),
])
def test_dashboard_chart_csv_holds_the_numbers_the_api_returns(business, manager_client, board, chart):
    query = "start=2025-01-01&end=2025-02-28&grain=week"
    response = manager_client.get(f"/dashboards/{board}/charts/{chart}/csv/?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = parse_csv(response)
    spec = next(spec for spec in DASHBOARDS[board].charts if spec.slug == chart)
    for kpi in spec.kpis:
        if kpi.key not in KPIS:
            continue
        if spec.dimension:
            api = manager_client.get(f"/api/kpis/{kpi.key}/?{query}&dimension={spec.dimension}").json()
            assert {row["id"]: number(row[kpi.key]) for row in rows if row[kpi.key] != ""} == {
                item["id"]: item["value"] for item in api["breakdown"]}
        else:
            api = manager_client.get(f"/api/kpis/{kpi.key}/?{query}").json()
            assert [(row["start"], row["end"], number(row[kpi.key])) for row in rows] == [
                (p["start"], p["end"], p["value"]) for p in api["points"]]


def test_funnel_lists_open_count_and_value_per_stage_in_pipeline_order(business, manager_client):
    rows = parse_csv(manager_client.get("/dashboards/sales/charts/funnel/csv/?start=2025-01-01&end=2025-01-31"))
    # At the end of January only d4 (330 USD) is open, in Demo.
    assert rows == [{"id": "st-d", "label": "Demo", "open_deals": "1", "open_pipeline_value": "330.0"}]


def test_me_page_shows_the_users_own_breakdown_rows(business):
    query = DashboardQuery(start=date(2025, 1, 1), end=date(2025, 2, 28), grain="month", preset="custom")
    for user, (area, dimension) in [(business.sales.alice, ("sales", "owner")), (business.ann, ("support",
                                                                                                "assignee"))]:
        page = me_page(user=user, query=query)
        assert [section.area for section in page.sections] == [area]
        for card in page.sections[0].cards:
            result = kpi_result(kpi=card.kpi, start=query.start, end=query.end, grain="month", dimension=dimension)
            row = {item["id"]: item["value"] for item in result.breakdown}.get(user.username)
            if row is not None:
                assert card.value == row, card.kpi.key
            else:
                assert card.value in (0, None), card.kpi.key
    alice = me_page(user=business.sales.alice, query=query).sections[0]
    assert {card.kpi.key: card.value for card in alice.cards}["revenue"] == 1500.0


def test_managers_see_both_halves_of_their_own_numbers(business, manager):
    query = DashboardQuery(start=date(2025, 1, 1), end=date(2025, 1, 31), grain="week", preset="custom")
    assert [section.area for section in me_page(user=manager, query=query).sections] == [
        section[0] for section in ME_SECTIONS]


def test_me_chart_csv_is_the_users_own_series(business):
    response = client_for(business.sales.alice).get(
        "/dashboards/me/charts/my-revenue/csv/?start=2025-01-01&end=2025-02-28&grain=month")
    assert parse_csv(response) == [
        {"start": "2025-01-01", "end": "2025-01-31", "revenue": "1500.0"},
        {"start": "2025-02-01", "end": "2025-02-28", "revenue": "0.0"},
    ]


# Query counts: bounded, and the same for a month as for two years


def new_rollup_run() -> None:
    """A new run: what was cached under the previous one is not read again."""
    now = datetime.now(UTC)
    RollupRun.objects.create(started_at=now, finished_at=now, days=0, rows=0)


def count_queries(client: Client, url: str) -> int:
    new_rollup_run()  # count a page computed from the snapshot rows, not one read from the cache
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


# Each cached read (series, breakdowns) first looks up the latest roll-up run: one small query each.
@pytest.mark.parametrize(("url", "limit"), [
    ("/dashboards/sales/", 18), ("/dashboards/marketing/", 12), ("/dashboards/service/", 12),
    ("/dashboards/me/", 12), ("/kpis/revenue/", 21), ("/kpis/nps/", 18),
    ("/kpis/revenue/records/", 8), ("/kpis/sla_breach_rate/records/", 8),
])
def test_pages_make_a_bounded_number_of_queries_whatever_the_range(business, manager_client,
                                                                   django_assert_max_num_queries, url, limit):
    with django_assert_max_num_queries(limit):
        manager_client.get(f"{url}?{TWO_YEARS}")
    assert count_queries(manager_client, f"{url}?{JAN}") == count_queries(manager_client, f"{url}?{TWO_YEARS}")


@pytest.mark.parametrize(("url", "live_reads"), [
    ("/dashboards/sales/", 0), ("/dashboards/service/", 0), ("/dashboards/marketing/", 0),
    ("/kpis/revenue/", 1),  # the team breakdown: a team is its members now, so it is never cached
])
def test_a_page_opened_again_after_the_same_rollup_reads_no_daily_rows(business, manager_client, url, live_reads):
    new_rollup_run()
    first = manager_client.get(f"{url}?{TWO_YEARS}")
    with CaptureQueriesContext(connection) as captured:
        again = manager_client.get(f"{url}?{TWO_YEARS}")
    assert len([q for q in captured.captured_queries if "kpis_dailymeasure" in q["sql"]]) == live_reads
    assert (first.status_code, again.status_code) == (200, 200)
    new_rollup_run()  # the next roll-up's figures are read afresh
    with CaptureQueriesContext(connection) as captured:
        manager_client.get(f"{url}?{TWO_YEARS}")
    assert [q for q in captured.captured_queries if "kpis_dailymeasure" in q["sql"]]


def test_a_dashboard_reads_the_daily_rows_once_for_all_its_cards(business, manager_client):
    with CaptureQueriesContext(connection) as captured:
        manager_client.get(f"/dashboards/marketing/?{TWO_YEARS}")
    reads = [q["sql"] for q in captured.captured_queries if "kpis_dailymeasure" in q["sql"]]
    # Sums before the span, daily rows within it, one grouped query for the campaign breakdown.
    assert len(reads) == 3


# Drill-down


def test_revenue_records_are_the_won_deals_of_the_range(business, manager_client):
    response = manager_client.get("/kpis/revenue/records/?start=2025-01-01&end=2025-01-31")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [cells[0][1] for _pk, cells in rows] == ["d2", "d1"]  # newest first
    assert response.context["totals"] == {"count": 2, "amount": Decimal("1500.00")}
    assert f'href="/admin/crm/deal/{business.sales.deals["d1"].pk}/change/"' in response.content.decode()


@pytest.mark.parametrize(("dimension", "member", "titles"), [
    ("owner", "alice", ["d2", "d1"]), ("owner", "bob", []), ("team", "North", ["d2", "d1"]),
    ("pipeline", "p-new", ["d2", "d1"]), ("campaign", "cmp-1", ["d1"]), ("deal_kind", "upsell", ["d2"]),
])
def test_revenue_records_filter_by_breakdown_member(business, manager_client, dimension, member, titles):
    response = manager_client.get(f"/kpis/revenue/records/?start=2025-01-01&end=2025-01-31&dimension={dimension}"
                                  f"&member={member}")
    assert [cells[0][1] for _pk, cells in response.context["rows"]] == titles


def test_revenue_records_add_up_to_the_breakdown_row_they_open(business, manager_client):
    api = manager_client.get("/api/kpis/revenue/?start=2025-01-01&end=2025-02-28&dimension=owner").json()
    for item in api["breakdown"]:
        response = manager_client.get(
            f"/kpis/revenue/records/?start=2025-01-01&end=2025-02-28&dimension=owner&member={item['id']}")
        assert float(response.context["totals"]["amount"]) == item["value"]


def test_sla_breach_records_are_the_breached_tickets_resolved_in_the_range(business, manager_client):
    response = manager_client.get("/kpis/sla_breach_rate/records/?start=2025-01-01&end=2025-01-31")
    subjects = {cells[0][1] for _pk, cells in response.context["rows"]}
    assert subjects == {"Help urgent", "Help low"}
    late = {cells[0][1]: cells[-1][1] for _pk, cells in response.context["rows"]}
    assert late == {"Help urgent": "first response", "Help low": "first response"}
    urgent = manager_client.get("/kpis/sla_breach_rate/records/?start=2025-01-01&end=2025-01-31"
                                "&dimension=priority&member=urgent")
    assert [cells[0][1] for _pk, cells in urgent.context["rows"]] == ["Help urgent"]


def test_sla_breach_records_count_what_the_kpi_counts(business, manager_client):
    api = manager_client.get("/api/kpis/tickets_resolved/?start=2025-01-01&end=2025-01-31").json()
    rate = manager_client.get("/api/kpis/sla_breach_rate/?start=2025-01-01&end=2025-01-31").json()
    records = manager_client.get("/kpis/sla_breach_rate/records/?start=2025-01-01&end=2025-01-31")
    assert records.context["totals"]["count"] == round(rate["value"] * api["value"])


def test_nps_records_are_the_detractors(business, manager_client):
    response = manager_client.get("/kpis/nps/records/?start=2025-01-01&end=2025-01-31")
    assert [pk for pk, _cells in response.context["rows"]] == [business.detractor.pk]
    by_ann = manager_client.get("/kpis/nps/records/?start=2025-01-01&end=2025-01-31&dimension=assignee&member=ann")
    assert by_ann.context["totals"]["count"] == 1
    by_survey = manager_client.get("/kpis/nps/records/?start=2025-01-01&end=2025-01-31&dimension=survey"
                                   "&member=sv-nps")
    assert by_survey.context["totals"]["count"] == 1


def test_records_csv_exports_every_record(business, manager_client):
    rows = parse_csv(manager_client.get("/kpis/revenue/records/csv/?start=2025-01-01&end=2025-02-28"))
    assert [(row["deal"], row["amount"], row["closed_at"]) for row in rows] == [
        ("d5", "400.00", "2025-02-10T00:00:00+00:00"), ("d2", "500.00", "2025-01-22T00:00:00+00:00"),
        ("d1", "1000.00", "2025-01-11T10:00:00+00:00"),
    ]


def test_records_csv_names_owners_by_full_name(business, manager_client):
    from crm.models import Deal

    won = Deal.objects.filter(title="d1").select_related("owner").get()
    won.owner.full_name = "Sara Ahmadi"
    won.owner.save(update_fields=["full_name"])
    rows = parse_csv(manager_client.get("/kpis/revenue/records/csv/?start=2025-01-01&end=2025-02-28"))
    assert {row["deal"]: row["owner"] for row in rows}["d1"] == "Sara Ahmadi"


def test_records_are_paginated(db, manager_client, stages, contact, sales_user):
    for index in range(55):
        deal = crm.deal_create(title=f"deal {index:02d}", pipeline_stage=stages[0], contact=contact,
                               owner=sales_user, amount=Decimal(10), created_at=at("2025-01-01 00:00"))
        crm.deal_close(deal=deal, won=True, at=at("2025-01-02 00:00"))
    first = manager_client.get("/kpis/deals_won/records/?start=2025-01-01&end=2025-01-31")
    second = manager_client.get("/kpis/deals_won/records/?start=2025-01-01&end=2025-01-31&page=2")
    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 5
    assert first.context["totals"]["count"] == 55
    assert 'rel="next"' in first.content.decode()


def test_records_use_the_business_days_of_its_time_zone(db, settings, manager_client, stages, contact, sales_user):
    settings.CRM_TIME_ZONE = "Asia/Tehran"  # UTC+03:30
    late_january = crm.deal_create(title="31 Jan local", pipeline_stage=stages[0], contact=contact, owner=sales_user,
                                   amount=Decimal(10), created_at=at("2025-01-01 00:00"))
    crm.deal_close(deal=late_january, won=True, at=datetime(2025, 1, 31, 20, 29, tzinfo=UTC))
    early_february = crm.deal_create(title="1 Feb local", pipeline_stage=stages[0], contact=contact,
                                     owner=sales_user, amount=Decimal(10), created_at=at("2025-01-01 00:00"))
    crm.deal_close(deal=early_february, won=True, at=datetime(2025, 1, 31, 20, 30, tzinfo=UTC))
    run_rollup()
    assert local_day_bounds(date(2025, 2, 1), date(2025, 2, 1))[0] == datetime(2025, 1, 31, 20, 30, tzinfo=UTC)
    for day, title in [("2025-01-31", "31 Jan local"), ("2025-02-01", "1 Feb local")]:
        response = manager_client.get(f"/kpis/deals_won/records/?start={day}&end={day}")
        assert [cells[0][1] for _pk, cells in response.context["rows"]] == [title]
        api = manager_client.get(f"/api/kpis/deals_won/?start={day}&end={day}").json()
        assert api["value"] == 1


def test_records_without_admin_access_are_listed_without_admin_links(business):
    page = client_for(business.sales.alice).get("/kpis/revenue/records/?start=2025-01-01&end=2025-01-31")
    assert page.status_code == 200
    assert "/admin/crm/deal/" not in page.content.decode()


# Freshness and refresh


def test_pages_say_when_the_data_was_rolled_up(business, manager_client):
    page = manager_client.get(f"/dashboards/sales/?{JAN}").content.decode()
    finished = RollupRun.objects.latest().finished_at
    assert f'<time datetime="{finished.isoformat()}' in page or f'datetime="{finished:%Y-%m-%dT%H:%M:%S}' in page
    assert "ago" in page or "now" in page


def test_pages_before_any_rollup_say_so(db, manager_client):
    assert "have not been rolled up yet" in manager_client.get("/dashboards/sales/").content.decode()


def test_refresh_now_rolls_up_and_goes_back_with_a_message(business, manager, monkeypatch):
    from celery import current_app

    monkeypatch.setitem(current_app.conf, "task_always_eager", True)  # also on the leg with a Redis broker
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    page = client.get(f"/dashboards/sales/?{JAN}").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    before = RollupRun.objects.count()
    response = client.post(reverse("kpi-refresh"), {"csrfmiddlewaretoken": token, "next": f"/dashboards/sales/?{JAN}"},
                           follow=True)
    assert response.redirect_chain == [(f"/dashboards/sales/?{JAN}", 302)]
    assert RollupRun.objects.count() == before + 1
    assert "rolled up just now" in response.content.decode()


def test_refresh_needs_a_csrf_token_a_post_and_a_manager(business, manager):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    assert strict.post(reverse("kpi-refresh")).status_code == 403
    assert client_for(manager).get(reverse("kpi-refresh")).status_code == 405
    assert client_for(user_with(Role.SALES)).post(reverse("kpi-refresh")).status_code == 403
    assert Client().post(reverse("kpi-refresh")).status_code == 302


def test_refresh_never_redirects_off_site(business, manager_client, monkeypatch):
    monkeypatch.setattr("kpis.views.rollup_kpis_task.delay", lambda: None)
    response = manager_client.post(reverse("kpi-refresh"), {"next": "https://evil.example/"})
    assert response["Location"] == "/dashboards/me/"


def test_refresh_queues_the_rollup_task(business, manager_client, monkeypatch):
    calls = []
    monkeypatch.setattr("kpis.views.rollup_kpis_task.delay", lambda: calls.append(1))
    from celery import current_app

    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    response = manager_client.post(reverse("kpi-refresh"), {"next": "/dashboards/service/"}, follow=True)
    assert calls == [1]
    assert "roll-up was queued" in response.content.decode()


def test_csv_text_cannot_run_as_a_spreadsheet_formula(business, manager_client):
    from surveys.models import Response

    Response.objects.filter(pk=business.detractor.pk).update(comment="=HYPERLINK(\"http://x\")")
    rows = parse_csv(manager_client.get("/kpis/nps/records/csv/?start=2025-01-01&end=2025-01-31"))
    assert rows[0]["comment"] == "'=HYPERLINK(\"http://x\")"
    from core.csv import csv_cell

    assert (csv_cell(-0.5), csv_cell("-1 Beta"), csv_cell("@team"), csv_cell(None)) == (-0.5, "'-1 Beta",
                                                                                        "'@team", "")


def test_csat_and_ces_distributions_are_each_scores_share_of_the_periods_answers(db, manager_client):
    from surveys.models import SurveyKind
    from surveys.services import response_record
    from tests.factories import ContactFactory, SurveyFactory

    csat, ces, contact = SurveyFactory(kind=SurveyKind.CSAT), SurveyFactory(kind=SurveyKind.CES), ContactFactory()
    # January: CSAT 5, 4, 4, 2 and CES 1, 1, 3. February: one CSAT 1.
    for survey, score, day in [(csat, 5, 3), (csat, 4, 4), (csat, 4, 5), (csat, 2, 6),
                               (ces, 1, 7), (ces, 1, 8), (ces, 3, 9)]:
        response_record(survey=survey, contact=contact, score=score, answered_at=at(f"2025-01-{day:02d} 12:00"))
    response_record(survey=csat, contact=contact, score=1, answered_at=at("2025-02-10 12:00"))
    run_rollup()
    query = "preset=custom&start=2025-01-01&end=2025-02-28&grain=month"

    csat_rows = parse_csv(manager_client.get(f"/dashboards/service/charts/csat-mix/csv/?{query}"))
    ces_rows = parse_csv(manager_client.get(f"/dashboards/service/charts/ces-mix/csv/?{query}"))

    scores = [f"csat_score_{s}" for s in range(1, 6)]
    assert [[number(row[key]) for key in scores] for row in csat_rows] == [
        [0.0, 0.25, 0.0, 0.5, 0.25],  # 1 of 4 answers gave 2, 2 of 4 gave 4, 1 of 4 gave 5
        [1.0, 0.0, 0.0, 0.0, 0.0],
    ]
    scores = [f"ces_score_{s}" for s in range(1, 6)]
    assert [number(ces_rows[0][key]) for key in scores] == pytest.approx([2 / 3, 0.0, 1 / 3, 0.0, 0.0], abs=1e-4)
    assert [ces_rows[1][key] for key in scores] == ["", "", "", "", ""]  # no answers: no shares, not zeros


# Jalali presets: offered on Persian pages; a shared link with one still works in English


def preset_choices(page: str) -> tuple[set[str], set[str]]:
    links = set(re.findall(r'data-preset="(\w+)"', page))
    options = set(re.findall(r'<option value="(\w+)"', page.split('name="preset"', 1)[1].split("</select>")[0]))
    return links, options


def test_jalali_presets_are_offered_on_persian_pages_only(manager):
    english = client_for(manager).get("/dashboards/sales/").content.decode()
    links, options = preset_choices(english)
    assert "last_90_days" in links
    assert "last_90_days" in options
    assert not {"this_jmonth", "last_jmonth", "this_jquarter", "jyear_to_date"} & (links | options)

    manager.language = "fa"
    manager.save(update_fields=["language"])
    persian = client_for(manager).get("/dashboards/sales/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    links, options = preset_choices(persian)
    assert {"this_jmonth", "last_jmonth", "this_jquarter", "jyear_to_date", "last_90_days"} <= links & options


def test_a_shared_jalali_preset_still_resolves_on_an_english_page(manager):
    from datetime import timedelta

    import jdatetime

    from kpis.dashboards.ranges import business_today

    response = client_for(manager).get("/dashboards/sales/?preset=last_jmonth")
    query = response.context["query"]
    this_month = jdatetime.date.fromgregorian(date=business_today()).replace(day=1)
    assert (query.preset, query.problems) == ("last_jmonth", ())
    assert query.end == this_month.togregorian() - timedelta(days=1)
    assert jdatetime.date.fromgregorian(date=query.start).day == 1
    links, options = preset_choices(response.content.decode())
    assert "last_jmonth" in links
    assert "last_jmonth" in options
    assert not {"this_jmonth", "this_jquarter", "jyear_to_date"} & (links | options)
