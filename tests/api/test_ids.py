"""Ids are parsed once, by core.ids: ASCII digits within the database's range, or `ext:<external id>`. Every
id-taking path, body field and filter of the API is found from the URL patterns, the served schema and the
router's filter sets, and fed malformed ids: a path answers 404, a body or a filter 400 naming the field."""

import json
import re
from urllib.parse import quote

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from core.api.base import RecordViewSet
from core.api.filters import IdFilter, WholeNumberFilter
from core.ids import (
    INVALID_RECORD_ID,
    INVALID_RECORD_REFERENCE,
    MAX_DATABASE_ID,
    RECORD_REFERENCE_PATH_REGEX,
    parse_external_id,
    parse_record_id,
    record_lookup,
)
from crm import services as crm_services
from crm.models import Company, User
from surveys import services as survey_services
from tests.factories import (
    CampaignFactory,
    CompanyFactory,
    DealFactory,
    InvitationFactory,
    SurveyFactory,
    TeamFactory,
    TicketFactory,
)
from tests.urlpatterns import walk

# As a client would type them; quoted into the path, sent as JSON strings in a body and in query strings.
BAD_IDS = ["²", "³", "۱۲", "١٢", "+5", "-5", " 5", "5 ", "5\n", "1e3", "5.0", "1" * 30, "0", "00",
           str(MAX_DATABASE_ID + 1), "ext:a/b", "ext:", "ext:\x00", "", "abc"]
# In a body "" is no record (null where the field allows it), and `ext:a/b` names the company below.
BAD_JSON_IDS = [*(bad for bad in BAD_IDS if bad not in {"", "ext:a/b"}), "ext:x/y",
                -5, 0, MAX_DATABASE_ID + 1, 10**30, 5.5, True, [1], {"id": 1}]
# Already percent-encoded by the client: a superscript three, a slash inside an external id.
RAW_PATH_IDS = ["%C2%B3", "ext:a%2Fb", "%2B5", "%205", "5%20", "%DB%B1%DB%B2"]


def _schema() -> dict:
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


SCHEMA = _schema()
ID_PATHS = sorted(path for path in SCHEMA["paths"] if "{id}" in path)
OPERATIONS = sorted((path, method) for path in ID_PATHS for method in SCHEMA["paths"][path]
                    if method in {"get", "post", "patch", "put", "delete"})


def _takes_record_id(schema: dict) -> bool:
    """A request property holding a record id (or a version, read the same way): bounded by the database."""
    return any(option.get("maximum") == MAX_DATABASE_ID for option in [schema, *schema.get("oneOf", [])])


def _body_fields() -> list[tuple[str, str, str]]:
    """(path, method, field) for every id-taking field of every request body in the schema."""
    found = []
    for path, operations in SCHEMA["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if not content:
                continue
            component = SCHEMA["components"]["schemas"][content["schema"]["$ref"].rsplit("/", 1)[1]]
            found += [(path, method, name) for name, prop in component["properties"].items() if _takes_record_id(prop)]
    return sorted(found)


BODY_FIELDS = _body_fields()


def _list_filters() -> list[tuple[str, str]]:
    """(list path, query parameter) for every id or whole-number filter of every routed resource."""
    found = set()
    for route, pattern in walk():
        view = getattr(pattern.callback, "cls", None)
        filterset = getattr(view, "filterset_class", None)
        if filterset and issubclass(view, RecordViewSet) and "list" in pattern.callback.actions.values():
            path = "/" + route.replace("\\", "")
            for name, field in filterset.base_filters.items():
                if isinstance(field, IdFilter | WholeNumberFilter):
                    found.add((path, name))
    return sorted(found)


LIST_FILTERS = _list_filters()


@pytest.fixture
def business(db):
    """One record of every resource, so a well-formed id in a path names a real record."""
    deal = DealFactory(external_id="D-1")
    TicketFactory()
    TeamFactory()
    survey = SurveyFactory()
    InvitationFactory(survey=survey)
    crm_services.activity_create(kind="note", subject="Call", owner=deal.owner, deal=deal)
    survey_services.response_record(survey=survey, contact=deal.contact, score=4)
    CampaignFactory()
    CompanyFactory(external_id="a/b")


def _existing_id(path: str) -> int:
    model = resolve(path.replace("{id}", "1")).func.cls.serializer_class.Meta.model
    return model.objects.order_by("pk").values_list("pk", flat=True).first()


def _send(client, method: str, path: str, body: dict | None = None):
    return getattr(client, method)(path, body if body is not None else {}, format="json")


def test_parse_record_id_takes_ascii_digits_within_the_database_range():
    assert [parse_record_id(v) for v in ("1", "42", str(MAX_DATABASE_ID), 7)] == [1, 42, MAX_DATABASE_ID, 7]
    odd = [v for v in [*BAD_IDS, *BAD_JSON_IDS] if not isinstance(v, list | dict) and parse_record_id(v) is not None]
    assert not odd
    assert parse_record_id("9" * 5000) is None  # beyond int()'s digit limit: no ValueError


def test_ext_references_name_an_external_id_only_on_models_that_have_one():
    assert record_lookup("ext:CRM-42", Company) == {"external_id": "CRM-42"}
    assert record_lookup("ext:a/b", Company) == {"external_id": "a/b"}
    assert record_lookup("ext:CRM-42", User) is None
    assert record_lookup("12", User) == {"pk": 12}
    assert [parse_external_id(v) for v in ("ext:", "ext:\x00", "ext:" + "x" * 101, "CRM-42", 5)] == [None] * 5


def test_the_id_endpoints_are_found():
    assert len(OPERATIONS) >= 31, OPERATIONS
    assert "/api/tickets/{id}/messages/" in ID_PATHS
    assert ("/api/activities/", "post", "deal") in BODY_FIELDS
    assert ("/api/activities/", "get", "deal") not in BODY_FIELDS
    assert ("/api/activities/", "deal") in LIST_FILTERS


def test_every_routed_id_is_read_by_core_ids():
    """No pattern takes `<int:pk>` or a regex of its own: new endpoints are covered by the tests below.
    (Django's admin reads its own ids.)"""
    for route, _pattern in walk():
        if route.startswith("admin/"):
            continue
        for converter, name in re.findall(r"(?<!\?P)<(?:(\w+):)?(\w+)>", route):
            if name == "pk" or name.endswith("_id"):
                assert converter == "id", route
        for group in re.findall(r"\(\?P<(\w+)>", route):
            assert f"(?P<{group}>{RECORD_REFERENCE_PATH_REGEX})" in route, route


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=" ".join)
def test_a_malformed_path_id_is_a_404(business, clients, path, method):
    for value in [quote(bad, safe="/:") for bad in BAD_IDS if bad] + RAW_PATH_IDS:
        response = _send(clients["admin"], method, path.replace("{id}", value))
        assert response.status_code == 404, (value, response.status_code, response.content[:300])
        assert set(response.json()) == {"detail"}


@pytest.mark.parametrize("path", ID_PATHS)
def test_a_wellformed_path_id_is_read(business, clients, path):
    if path.endswith("/{id}/"):
        record_id = _existing_id(path)
        assert clients["admin"].get(path.replace("{id}", str(record_id))).status_code == 200


def test_an_external_id_with_a_slash_is_read_from_a_body_not_a_path(business, clients):
    company = Company.objects.get(external_id="a/b")
    for path in ("/api/companies/ext:a/b/", "/api/companies/ext:a%2Fb/"):
        assert clients["admin"].get(path).status_code == 404
    assert clients["admin"].get("/api/deals/ext:D-1/").status_code == 200
    response = clients["admin"].post("/api/contacts/", {"first_name": "Ann", "company": "ext:a/b"}, format="json")
    assert (response.status_code, response.json()["company"]) == (201, company.pk)
    response = clients["admin"].post("/api/contacts/", {"first_name": "Ann", "company": "ext:c/d"}, format="json")
    assert (response.status_code, list(response.json())) == (400, ["company"])


def test_the_reported_500s_are_gone(business, clients):
    assert clients["admin"].get("/api/tickets/%C2%B3/messages/").status_code == 404
    response = clients["admin"].post("/api/activities/", {"kind": "note", "subject": "x", "deal": "²"},
                                     format="json")
    assert response.status_code == 400
    assert response.json()["deal"] == [str(INVALID_RECORD_REFERENCE)]


@pytest.mark.parametrize(("path", "method", "field"), BODY_FIELDS, ids=" ".join)
def test_a_malformed_body_id_is_a_400_naming_the_field(business, clients, path, method, field):
    if "{id}" in path:
        path = path.replace("{id}", str(_existing_id(path)))
    for value in BAD_JSON_IDS:
        response = _send(clients["admin"], method, path, {field: value})
        assert response.status_code == 400, (value, response.status_code, response.content[:300])
        assert field in response.json(), (value, response.json())


@pytest.mark.parametrize(("path", "field"), [(p, f) for p, m, f in BODY_FIELDS if f != "version"][:1])
def test_the_body_message_says_what_to_give(business, clients, path, field):
    response = _send(clients["admin"], "post", path, {field: "۱۲"})
    assert response.json()[field][0] in {str(INVALID_RECORD_ID), str(INVALID_RECORD_REFERENCE)}


@pytest.mark.parametrize(("path", "parameter"), LIST_FILTERS, ids=" ".join)
def test_a_malformed_filter_id_is_a_400_naming_the_parameter(business, clients, path, parameter):
    for value in BAD_IDS:
        if not value or (value in {"0", "00"} and "score" in parameter):
            continue  # empty is no filter; 0 is a score
        response = clients["admin"].get(path, {parameter: value})
        assert response.status_code == 400, (value, response.status_code, response.content[:300])
        assert parameter in response.json(), (value, response.json())


def test_a_malformed_if_match_is_a_400(business, clients):
    path = f"/api/deals/{_existing_id('/api/deals/{id}/')}/"
    for value in ("²", '"²"', "۱۲", "-5", "0", str(MAX_DATABASE_ID + 1)):
        response = clients["admin"].patch(path, {"title": "x"}, format="json", HTTP_IF_MATCH=value)
        assert (response.status_code, list(response.json())) == (400, ["If-Match"]), value


def test_the_board_pipeline_query_is_a_record_id(business, clients):
    for value in ("²", "۱۲", "-5", "0", "1" * 30):
        response = clients["admin"].get("/api/deals/board/", {"pipeline": value})
        assert (response.status_code, list(response.json())) == (400, ["pipeline"]), value


def test_the_kpi_filters_by_public_id_refuse_odd_digits_without_a_500(business, clients):
    for value in ("²", "۱۲", "1" * 30):
        response = clients["admin"].get("/api/kpis/win_rate/", {"pipeline": value, "campaign": value})
        assert response.status_code < 500, (value, response.content[:300])
