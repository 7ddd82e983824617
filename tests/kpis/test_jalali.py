import csv
import io
import json
import re
from datetime import date, timedelta
from itertools import pairwise

import jdatetime
import pytest
from django.test import Client
from django.utils import translation

from crm.models import Role, User
from kpis.dashboards.definitions import DASHBOARDS
from kpis.dashboards.ranges import (
    dashboard_query,
    default_grain,
    fitting_grain,
    period_label,
    point_count,
    resolve_range,
)
from kpis.periods import next_period_start, period_start, split_range
from tests.kpis.dashboard_business import build_dashboard_business
from tests.kpis.helpers import kpi

YEARS = range(1399, 1406)


def jalali(day: date) -> jdatetime.date:
    return jdatetime.date.fromgregorian(date=day)


def esfand_length(year: int) -> int:
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


def test_leap_years_have_a_30_day_esfand():
    assert [year for year in YEARS if esfand_length(year) == 30] == [1399, 1403]
    assert jdatetime.date(1403, 12, 30).togregorian() == date(2025, 3, 20)


def test_every_jmonth_period_is_a_whole_jalali_month():
    start, end = jdatetime.date(1399, 1, 1).togregorian(), jdatetime.date(1405, 12, 29).togregorian()
    periods = list(split_range(start, end, "jmonth"))
    assert len(periods) == 7 * 12
    for index, (first, last) in enumerate(periods):
        year, month = 1399 + index // 12, index % 12 + 1
        assert (jalali(first).year, jalali(first).month, jalali(first).day) == (year, month, 1)
        length = esfand_length(year) if month == 12 else jdatetime.j_days_in_month[month - 1]
        assert jalali(last) == jdatetime.date(year, month, length)
        assert (last - first).days + 1 == length
    assert all(b[0] - a[1] == timedelta(days=1) for a, b in pairwise(periods))


def test_jquarters_are_three_jalali_months_and_jyears_run_farvardin_to_esfand():
    start, end = jdatetime.date(1399, 1, 1).togregorian(), jdatetime.date(1405, 12, 29).togregorian()
    quarters = list(split_range(start, end, "jquarter"))
    assert len(quarters) == 28
    for index, (first, last) in enumerate(quarters):
        year, quarter = 1399 + index // 4, index % 4
        assert jalali(first) == jdatetime.date(year, 3 * quarter + 1, 1)
        assert jalali(last + timedelta(days=1)) == (jdatetime.date(year, 3 * quarter + 4, 1) if quarter < 3
                                                   else jdatetime.date(year + 1, 1, 1))
    years = list(split_range(start, end, "jyear"))
    assert [(jalali(first), jalali(last)) for first, last in years] == [
        (jdatetime.date(year, 1, 1), jdatetime.date(year, 12, esfand_length(year))) for year in YEARS]
    assert [(last - first).days + 1 for first, last in years] == [366, 365, 365, 365, 366, 365, 365]


@pytest.mark.parametrize("grain", ["jmonth", "jquarter", "jyear"])
def test_period_start_and_next_agree_on_every_day(grain):
    day = jdatetime.date(1402, 11, 1).togregorian()
    for _ in range(500):
        first = period_start(day, grain)
        assert first <= day < next_period_start(first, grain)
        assert jalali(first).day == 1
        day += timedelta(days=1)


def test_a_range_starting_mid_month_is_clipped_to_its_start_and_end():
    # 15 Esfand 1403 to 10 Farvardin 1404
    start, end = date(2025, 3, 5), date(2025, 3, 30)
    assert list(split_range(start, end, "jmonth")) == [(date(2025, 3, 5), date(2025, 3, 20)),
                                                       (date(2025, 3, 21), date(2025, 3, 30))]
    assert list(split_range(start, end, "jyear")) == [(date(2025, 3, 5), date(2025, 3, 20)),
                                                      (date(2025, 3, 21), date(2025, 3, 30))]


@pytest.mark.parametrize("grain", ["jmonth", "jquarter", "jyear"])
def test_point_count_matches_the_split(grain):
    for start, end in [(date(2020, 1, 7), date(2025, 3, 20)), (date(2025, 3, 21), date(2025, 3, 21)),
                       (date(2006, 5, 1), date(2025, 12, 31))]:
        assert point_count(start, end, grain) == len(list(split_range(start, end, grain)))


def test_jalali_presets_on_a_day_in_farvardin():
    today = date(2025, 4, 5)  # 16 Farvardin 1404
    assert resolve_range("this_jmonth", today) == (date(2025, 3, 21), today)
    assert resolve_range("last_jmonth", today) == (date(2025, 2, 19), date(2025, 3, 20))  # Esfand 1403, 30 days
    assert resolve_range("this_jquarter", today) == (date(2025, 3, 21), today)
    assert resolve_range("jyear_to_date", today) == (date(2025, 3, 21), today)
    today = date(2025, 12, 1)  # 10 Azar 1404
    assert resolve_range("this_jquarter", today) == (date(2025, 9, 23), today)  # 1 Mehr
    assert resolve_range("last_jmonth", today) == (date(2025, 10, 23), date(2025, 11, 21))  # Aban


def test_jalali_grains_coarsen_and_default_within_their_own_calendar():
    assert fitting_grain(date(1990, 1, 1), date(2025, 1, 1), "jmonth") == "jquarter"
    assert fitting_grain(date(2024, 1, 1), date(2025, 1, 1), "jmonth") == "jmonth"
    assert default_grain(date(2024, 1, 1), date(2025, 6, 1), jalali=True) == "jmonth"
    assert default_grain(date(2024, 1, 1), date(2025, 6, 1)) == "month"
    query = dashboard_query({"preset": "jyear_to_date"}, today=date(2025, 12, 1))
    assert (query.start, query.end, query.grain, query.problems) == (date(2025, 3, 21), date(2025, 12, 1),
                                                                     "jmonth", ())


def test_period_labels_name_jalali_months_in_the_page_language(settings):
    settings.CRM_LATIN_DIGITS = False
    first, last = date(2025, 3, 21), date(2025, 4, 20)
    assert period_label(first, last, "jmonth") == "Farvardin 1404"
    assert period_label(date(2025, 9, 23), date(2025, 12, 21), "jquarter") == "Q3 1404"
    assert period_label(first, date(2026, 3, 20), "jyear") == "1404"
    with translation.override("fa"):
        assert period_label(first, last, "jmonth") == "فروردین ۱۴۰۴"
        settings.CRM_LATIN_DIGITS = True
        assert period_label(first, last, "jmonth") == "فروردین 1404"


def test_days_and_weeks_are_named_by_their_jalali_date_in_persian(settings):
    settings.CRM_LATIN_DIGITS = False
    week = (date(2024, 12, 30), date(2025, 1, 5))  # 10 Dey 1403 to 16 Dey 1403
    across_new_year = (date(2025, 3, 17), date(2025, 3, 23))  # 27 Esfand 1403 to 3 Farvardin 1404
    assert period_label(*week, "week") == "30 Dec 2024"  # the week crosses the Gregorian new year
    with translation.override("fa"):
        assert period_label(*week, "week") == "۱۰ دی"
        assert period_label(*across_new_year, "week") == "۲۷ اسفند ۱۴۰۳"
        assert period_label(date(2025, 3, 21), date(2025, 3, 21), "day") == "۱ فروردین"


def test_custom_range_typed_in_jalali_is_read_and_impossible_dates_are_named():
    query = dashboard_query({"preset": "custom", "calendar": "jalali", "start": "۱۴۰۳/۱۱/۰۱", "end": "1403/12/30"},
                            today=date(2025, 6, 1))
    assert (query.start, query.end, query.problems) == (date(2025, 1, 20), date(2025, 3, 20), ())
    query = dashboard_query({"preset": "custom", "calendar": "jalali", "start": "1404/12/30", "end": "1405/01/10"},
                            today=date(2025, 6, 1))
    assert query.preset == "last_90_days"
    assert query.problems == ("“1404/12/30”: Esfand 1404 has 29 days: there is no day 30. Showing the last 90 days.",)


# --- with a business: values, the API and the pages ---------------------------------------------

@pytest.fixture
def business(db):
    return build_dashboard_business()


@pytest.fixture
def manager_client(db):
    client = Client()
    client.force_login(User.objects.create(username="u-manager", role=Role.MANAGER, is_staff=True))
    return client


def reads_persian(client: Client) -> Client:
    """The signed-in user of `client` switches to Persian (saved on the user, as the header switch does)."""
    assert client.post("/account/language/", {"language": "fa"}).status_code == 302
    return client


@pytest.mark.parametrize("key", ["revenue", "open_pipeline_value", "win_rate", "nps", "sla_breach_rate"])
def test_jmonth_points_equal_the_same_ranges_asked_in_gregorian(business, key):
    result = kpi(key, "2024-12-10", "2025-03-25", grain="jmonth")
    assert [(p["start"].isoformat(), p["end"].isoformat()) for p in result.points] == [
        ("2024-12-10", "2024-12-20"), ("2024-12-21", "2025-01-19"), ("2025-01-20", "2025-02-18"),
        ("2025-02-19", "2025-03-20"), ("2025-03-21", "2025-03-25")]
    for point in result.points:
        assert point["value"] == kpi(key, point["start"].isoformat(), point["end"].isoformat()).value
    assert result.value == kpi(key, "2024-12-10", "2025-03-25").value
    assert any(point["value"] not in (None, 0) for point in result.points)


def test_api_answers_by_jalali_month(business, manager_client):
    response = manager_client.get("/api/kpis/revenue/?start=2024-12-21&end=2025-02-18&grain=jmonth")
    assert response.status_code == 200
    body = response.json()
    assert body["grain"] == "jmonth"
    # Dey 1403 holds d1 (1000) and d2 (500); Bahman holds d5 (400).
    assert body["points"] == [{"start": "2024-12-21", "end": "2025-01-19", "value": 1000.0},
                              {"start": "2025-01-20", "end": "2025-02-18", "value": 900.0}]


def test_api_reads_jalali_dates_with_calendar_jalali(business, manager_client):
    response = manager_client.get("/api/kpis/revenue/?calendar=jalali&start=۱۴۰۳/۱۰/۰۱&end=1403/12/30&grain=jmonth")
    assert response.status_code == 200
    body = response.json()
    assert (body["start"], body["end"]) == ("2024-12-21", "2025-03-20")
    assert [point["end"] for point in body["points"]] == ["2025-01-19", "2025-02-18", "2025-03-20"]
    gregorian = manager_client.get("/api/kpis/revenue/?start=2024-12-21&end=2025-03-20&grain=jmonth").json()
    assert body["points"] == gregorian["points"]


@pytest.mark.parametrize(("query", "field", "message"), [
    ("calendar=jalali&start=1404/12/30&end=1405/01/05", "start", "Esfand 1404 has 29 days: there is no day 30."),
    ("calendar=jalali&start=1404/01/01&end=1404/13/01", "end",
     "There is no month 13: Jalali months run from 1 (Farvardin) to 12 (Esfand)."),
    ("calendar=jalali&start=9999/01/01&end=9999/01/02", "start",
     "There is no year 9999 here: Jalali years run from 1 to 9377."),
    ("calendar=jalali&start=1200/01/01&end=1404/01/02", "start", "Dates run from 1900-01-01 to 2999-12-31."),
    ("start=2025-01-01&end=2025-02-01&grain=jdecade", "grain", None),
    ("calendar=persian&start=1404/01/01&end=1404/01/02", "calendar", None),
    ("start=1404/01/01&end=1404/01/02", "start", None),  # Jalali dates need calendar=jalali
])
def test_api_refuses_impossible_jalali_dates_naming_the_field(business, manager_client, query, field, message):
    response = manager_client.get(f"/api/kpis/revenue/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert field in body
    if message:
        assert body[field] == [message]


def test_openapi_lists_the_jalali_grains_and_the_calendar(manager_client):
    schema = manager_client.get("/api/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/kpis/{key}/"]["get"]["parameters"]}
    assert {"jmonth", "jquarter", "jyear"} <= set(parameters["grain"]["schema"]["enum"])
    assert parameters["calendar"]["schema"]["enum"] == ["gregorian", "jalali"]


def chart_payload(page: str, chart: str) -> dict:
    found = re.search(rf'<script id="chart-{chart}-data" type="application/json">(.*?)</script>', page, re.DOTALL)
    return json.loads(found.group(1))


def test_dashboard_by_jalali_month_labels_its_chart_with_jalali_months(business, manager_client):
    response = manager_client.get("/dashboards/sales/?preset=custom&start=2024-12-21&end=2025-03-20&grain=jmonth")
    assert response.status_code == 200
    page = response.content.decode()
    assert chart_payload(page, "revenue")["labels"] == ["Dey 1403", "Bahman 1403", "Esfand 1403"]
    response = reads_persian(manager_client).get(
        "/dashboards/sales/?preset=custom&start=2024-12-21&end=2025-03-20&grain=jmonth")
    labels = chart_payload(response.content.decode(), "revenue")["labels"]
    assert labels == ["دی ۱۴۰۳", "بهمن ۱۴۰۳", "اسفند ۱۴۰۳"]


@pytest.mark.parametrize("chart", ["revenue", "deals"])
def test_dashboard_chart_csv_by_jalali_month_holds_the_apis_numbers(business, manager_client, chart):
    query = "start=2024-12-10&end=2025-03-25&grain=jmonth"
    body = manager_client.get(f"/dashboards/sales/charts/{chart}/csv/?{query}").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 5
    spec = next(spec for spec in DASHBOARDS["sales"].charts if spec.slug == chart)
    for key in (chart_kpi.key for chart_kpi in spec.kpis):
        api = manager_client.get(f"/api/kpis/{key}/?{query}").json()
        assert [(row["start"], row["end"], float(row[key]) if row[key] else None) for row in rows] == [
            (p["start"], p["end"], p["value"]) for p in api["points"]]
        assert any(p["value"] for p in api["points"])


def test_persian_range_form_takes_jalali_dates(business, manager_client):
    page = reads_persian(manager_client).get(
        "/dashboards/sales/?preset=custom&start=2024-12-21&end=2025-03-20").content.decode()
    assert 'name="calendar" value="jalali"' in page
    assert "<bdi>۰۱ دی ۱۴۰۳</bdi>" in page  # the range summary, 21 December 2024
    assert re.search(r'name="start" value="(?:1403/10/01|۱۴۰۳/۱۰/۰۱)"', page)
    manager_client.post("/account/language/", {"language": "en"})  # a shared Jalali link works in English
    response = manager_client.get("/dashboards/sales/?preset=custom&calendar=jalali&start=۱۴۰۳/۱۰/۰۱"
                                  "&end=۱۴۰۳/۱۲/۳۰&grain=jmonth")
    labels = chart_payload(response.content.decode(), "revenue")["labels"]
    assert labels == ["Dey 1403", "Bahman 1403", "Esfand 1403"]
