"""Schemathesis fuzzes every operation of the served schema, as an admin and as a sales user, through the WSGI
application: no answer may be a 5xx, and every answer must be one the schema documents (status code, content
type, body). A few derandomized examples per operation keep the run short and repeatable; a longer run asks for
more with CRM_FUZZ_EXAMPLES (examples per operation and seed) and CRM_FUZZ_SEEDS (that many seeds, 0, 1, …)."""

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given, seed, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm.models import Role
from tests.factories import DealFactory, InvitationFactory, SurveyFactory, TicketFactory, UserFactory

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = int(os.environ.get("CRM_FUZZ_EXAMPLES") or 4)
SEEDS = range(int(os.environ.get("CRM_FUZZ_SEEDS") or 0))  # none: one derandomized run, as the fast leg does


def _served_schema() -> dict:
    """The document /api/schema/ serves (built the same way, without a request)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


SCHEMA = schemathesis.openapi.from_dict(_served_schema())
SCHEMA.app = get_wsgi_application()
OPERATIONS = {result.ok().label: result.ok() for result in SCHEMA.get_all_operations()}


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calling the WSGI app directly sends request_started/finished, whose close_old_connections would
    close the test's connection inside its transaction (PostgreSQL really closes it); Django's test
    client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def business(db):
    """A small business, so ids such as 1 and 2 name real records."""
    for _ in range(2):
        DealFactory()
        TicketFactory()
        InvitationFactory(survey=SurveyFactory())


def fuzz(label: str, role: str) -> None:
    operation = OPERATIONS[label]
    token = Token.objects.create(user=UserFactory(role=role, is_staff=role == Role.ADMIN)).key

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=not SEEDS, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)

    if not SEEDS:
        run()
    for number in SEEDS:
        seed(number)(run)()


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_as_admin_no_operation_answers_a_server_error_or_off_schema(business, label):
    fuzz(label, Role.ADMIN)


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_as_sales_no_operation_answers_a_server_error_or_off_schema(business, label):
    fuzz(label, Role.SALES)


def test_every_resource_is_in_the_schema():
    paths = {label.split(" ", 1)[1] for label in OPERATIONS}
    for resource in ("users", "teams", "companies", "contacts", "campaigns", "pipelines", "stages", "deals",
                     "activities", "tickets", "surveys", "invitations", "responses", "kpis"):
        assert f"/api/{resource}/" in paths
