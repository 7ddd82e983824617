"""The specification's sample business (tests/data/sample_business.jsonl) gives every KPI through the API
as docs/KPI_SPEC.md defines it (tests/data/sample_expected_kpis.json).

The expected values were computed independently of this project, straight from the records.
"""

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from rest_framework.test import APIClient

from crm.models import User
from kpis.rollup import run_rollup

DATA = Path(__file__).resolve().parent.parent / "data"
EXPECTED = json.loads((DATA / "sample_expected_kpis.json").read_text(encoding="utf-8"))
CURRENCY_KEYS = {"revenue", "avg_deal_value", "open_pipeline_value", "weighted_pipeline_value", "marketing_spend",
                 "cac", "campaign_revenue", "clv", "sales_velocity"}


def close(key: str, got: float | None, want: float | None) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return abs(got - want) <= max(abs(want) * 1e-5, 0.0051 if key in CURRENCY_KEYS else 1e-6)


@pytest.fixture(scope="module")
def api(django_db_setup, django_db_blocker):
    """Import and roll up once for the module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(CRM_TIME_ZONE=EXPECTED["time_zone"], CRM_CURRENCY=EXPECTED["currency"]):
            call_command("import_dataset", str(DATA / "sample_business.jsonl"), "--no-rollup")
            run_rollup()
        client = APIClient()
        client.force_authenticate(User.objects.create(username="sample-manager", role="manager"))
        yield client
        transaction.set_rollback(True)


def label(query: dict) -> str:
    return f"{query['key']} {query['start']}..{query['end']} {query['grain']} {query.get('dimension') or ''}"


@pytest.mark.parametrize("query", EXPECTED["queries"], ids=label)
def test_sample_query(api, query):
    url = f"/api/kpis/{query['key']}/?start={query['start']}&end={query['end']}&grain={query['grain']}"
    if query.get("dimension"):
        url += f"&dimension={query['dimension']}"
    body = api.get(url).json()
    key = query["key"]
    assert close(key, body["value"], query["value"]), (body["value"], query["value"])
    assert [(p["start"], p["end"]) for p in body["points"]] == [(p["start"], p["end"]) for p in query["points"]]
    for got, want in zip(body["points"], query["points"], strict=True):
        assert close(key, got["value"], want["value"]), (want["start"], got["value"], want["value"])
    if "breakdown" in query:
        groups = {row["id"]: row["value"] for row in body["breakdown"]}
        for group, want in query["breakdown"].items():
            assert close(key, groups.get(group), want), (group, groups.get(group), want)
