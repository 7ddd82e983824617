"""One error format whatever goes wrong, the schema and its offline docs page, throttling."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from rest_framework.test import APIClient

from core.api.errors import api_exception_handler
from core.concurrency import StaleEditError
from tests.factories import CompanyFactory


def test_unknown_api_addresses_answer_json_404(clients):
    for path in ("/api/nothing-here/", "/api/deals/1/2/3/", "/api/deals/abc/"):
        response = clients["admin"].get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": response.json()["detail"]}


def test_a_duplicate_external_id_is_a_field_error(clients):
    CompanyFactory(external_id="ACME")
    response = clients["sales"].post("/api/companies/", {"name": "Acme", "external_id": "ACME"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["external_id"]


def test_database_protection_and_stale_edits_become_409s(deal):
    protected = api_exception_handler(ProtectedError("in use", {deal}), {})
    assert (protected.status_code, set(protected.data)) == (409, {"detail"})
    stale = api_exception_handler(StaleEditError(current_version=3), {})
    assert (stale.status_code, stale.data["current_version"]) == (409, 3)
    invalid = api_exception_handler(ValidationError({"amount": "Too much."}), {})
    assert (invalid.status_code, invalid.data) == (400, {"amount": ["Too much."]})


def test_malformed_json_is_a_400_detail(clients):
    response = clients["sales"].post("/api/companies/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}


def test_a_list_body_is_a_field_error(clients):
    response = clients["sales"].post("/api/companies/", [1, 2], format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


def test_schema_documents_lookup_errors_and_actions(db):
    schema = APIClient().get("/api/schema/?format=json").json()
    assert schema["openapi"].startswith("3.")
    win = schema["paths"]["/api/deals/{id}/win/"]["post"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(win["responses"])
    parameters = {parameter["name"]: parameter for parameter in win["parameters"]}
    assert "ext:" in parameters["id"]["description"]
    assert parameters["If-Match"]["in"] == "header"
    board = schema["paths"]["/api/deals/board/"]["get"]
    assert board["parameters"][0]["name"] == "pipeline"
    assert "/api/kpis/{key}/" in schema["paths"]


def test_docs_page_uses_only_self_hosted_assets(db):
    page = APIClient().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        if asset.startswith("/api/docs/?script"):  # its start-up script, served apart for the CSP
            script = APIClient().get(asset.replace("&amp;", "&"))
            assert script.status_code == 200
            assert "SwaggerUIBundle" in script.content.decode()
            continue
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script: the CSP forbids it"


@pytest.mark.parametrize(("rates", "client_kind"), [({"user": "3/minute", "anon": "100/minute"}, "user"),
                                                     ({"user": "100/minute", "anon": "3/minute"}, "anonymous")])
def test_throttling_per_user_and_per_address(settings, clients, rates, client_kind):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client = clients["sales"] if client_kind == "user" else clients["anonymous"]
    statuses = [client.get("/api/companies/").status_code for _ in range(4)]
    assert statuses[-1] == 429
    assert statuses[:3] == ([200] * 3 if client_kind == "user" else [401] * 3)
    assert set(client.get("/api/companies/").json()) == {"detail"}
