from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm import services as crm
from crm.models import Pipeline, Stage, User
from kpis.catalog import CATALOG
from kpis.rollup import run_rollup

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client():
    user = User.objects.create(username="maryam", role="manager")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def client_for(role: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.create(username=f"u-{role}", role=role))
    return client


def test_catalog_lists_every_kpi_with_its_definition(manager_client):
    response = manager_client.get("/api/kpis/")
    assert response.status_code == 200
    body = response.json()
    assert [item["key"] for item in body] == [kpi.key for kpi in CATALOG]
    revenue = body[0]
    assert revenue == {
        "key": "revenue", "name": "Revenue", "description": revenue["description"],
        "formula": "Σ amount of won deals, by close date", "unit": "currency", "direction": "up", "kind": "flow",
        "dimensions": ["owner", "team", "pipeline", "campaign", "deal_kind"],
    }


def test_kpi_answer_follows_the_contract(manager_client):
    owner = User.objects.create(username="sara", role="sales")
    stage = Stage.objects.create(pipeline=Pipeline.objects.create(name="P"), name="S")
    contact = crm.contact_create(first_name="X", created_at=datetime(2025, 1, 1, tzinfo=UTC))
    deal = crm.deal_create(title="D", pipeline_stage=stage, contact=contact, owner=owner, amount=Decimal("12.5"),
                           created_at=datetime(2025, 1, 2, tzinfo=UTC))
    crm.deal_close(deal=deal, won=True, at=datetime(2025, 2, 3, tzinfo=UTC))
    run_rollup()
    response = manager_client.get("/api/kpis/revenue/?start=2025-01-15&end=2025-02-10&grain=month&dimension=owner")
    assert response.status_code == 200
    body = response.json()
    assert body["key"] == "revenue"
    assert body["unit"] == "currency"
    assert (body["start"], body["end"], body["grain"]) == ("2025-01-15", "2025-02-10", "month")
    assert body["value"] == 12.5
    assert body["points"] == [
        {"start": "2025-01-15", "end": "2025-01-31", "value": 0.0},
        {"start": "2025-02-01", "end": "2025-02-10", "value": 12.5},
    ]
    assert body["breakdown"] == [{"id": "sara", "label": "sara", "value": 12.5}]
    assert body["computed_at"] is not None


def test_grain_defaults_to_day_and_breakdown_is_absent_without_dimension(manager_client):
    body = manager_client.get("/api/kpis/deals_won/?start=2025-01-01&end=2025-01-03").json()
    assert body["grain"] == "day"
    assert len(body["points"]) == 3
    assert "breakdown" not in body
    assert body["value"] == 0


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("end=2025-01-31", "start"),
        ("start=2025-01-01", "end"),
        ("start=2025-13-01&end=2025-12-31", "start"),
        ("start=yesterday&end=2025-12-31", "start"),
        ("start=2025-02-01&end=2025-01-01", "end"),
        ("start=2000-01-01&end=2025-01-01", "end"),
        ("start=2025-01-01&end=2025-01-31&grain=fortnight", "grain"),
        ("start=2025-01-01&end=2025-01-31&dimension=stage", "dimension"),
        ("start=2025-01-01&end=2025-01-31&dimension=", "dimension"),
        ("start=0001-01-01&end=0001-01-07&grain=week", "start"),
        ("start=9999-12-01&end=9999-12-31&grain=month", "start"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(manager_client, query, parameter):
    response = manager_client.get(f"/api/kpis/revenue/?{query}")
    assert response.status_code == 400
    assert parameter in response.json()


def test_unknown_kpi_is_404(manager_client):
    assert manager_client.get("/api/kpis/happiness/?start=2025-01-01&end=2025-01-31").status_code == 404


def test_anonymous_requests_are_refused():
    assert APIClient().get("/api/kpis/").status_code in {401, 403}
    assert APIClient().get("/api/kpis/revenue/?start=2025-01-01&end=2025-01-31").status_code in {401, 403}


@pytest.mark.parametrize(
    ("role", "key", "status"),
    [
        ("sales", "revenue", 200), ("sales", "cac", 200), ("sales", "nps", 403), ("sales", "backlog", 403),
        ("support", "backlog", 200), ("support", "csat", 200), ("support", "revenue", 403),
        ("manager", "revenue", 200), ("manager", "nps", 200), ("admin", "clv", 200), ("admin", "backlog", 200),
    ],
)
def test_roles_read_their_own_areas(role, key, status):
    response = client_for(role).get(f"/api/kpis/{key}/?start=2025-01-01&end=2025-01-31")
    assert response.status_code == status


def test_catalog_shows_only_readable_kpis():
    keys = {item["key"] for item in client_for("support").get("/api/kpis/").json()}
    assert "backlog" in keys
    assert "revenue" not in keys


def test_a_repeated_query_is_answered_from_the_cache_until_the_next_rollup(manager_client, django_assert_num_queries):
    owner = User.objects.create(username="sara", role="sales")
    stage = Stage.objects.create(pipeline=Pipeline.objects.create(name="P"), name="S")
    contact = crm.contact_create(first_name="X", created_at=datetime(2025, 1, 1, tzinfo=UTC))
    deal = crm.deal_create(title="D", pipeline_stage=stage, contact=contact, owner=owner, amount=Decimal("10"),
                           created_at=datetime(2025, 1, 2, tzinfo=UTC))
    crm.deal_close(deal=deal, won=True, at=datetime(2025, 1, 3, tzinfo=UTC))
    run_rollup()
    url = "/api/kpis/revenue/?start=2025-01-01&end=2025-01-31&dimension=owner"
    assert manager_client.get(url).json()["value"] == 10.0
    with django_assert_num_queries(2):  # the token with its user, the latest roll-up run
        assert manager_client.get(url).json()["value"] == 10.0
    crm.deal_update(deal=deal, amount=Decimal("25"))
    assert manager_client.get(url).json()["value"] == 10.0  # snapshots are what the last roll-up wrote
    run_rollup()
    assert manager_client.get(url).json()["value"] == 25.0
