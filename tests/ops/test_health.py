import json
import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from config.observability import JsonFormatter, RequestIdFilter
from kpis.models import RollupRun

pytestmark = pytest.mark.django_db


def rolled_up(hours_ago: float) -> None:
    finished = timezone.now() - timedelta(hours=hours_ago)
    RollupRun.objects.create(started_at=finished - timedelta(seconds=5), finished_at=finished, days=1, rows=1)


def test_healthz_answers_without_login_and_says_nothing_else():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ready_with_a_database_and_a_recent_rollup(settings):
    settings.REDIS_URL = ""
    rolled_up(hours_ago=2)
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": True, "redis": True, "rollup": True}}


@pytest.mark.parametrize("hours_ago", [None, 27])
def test_readyz_is_unavailable_without_a_rollup_in_the_last_26_hours(settings, hours_ago):
    settings.REDIS_URL = ""
    if hours_ago is not None:
        rolled_up(hours_ago=hours_ago)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["rollup"] is False


def test_readyz_is_unavailable_when_redis_does_not_answer(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    rolled_up(hours_ago=1)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": True, "redis": False, "rollup": True}}


def test_readyz_refuses_writes():
    assert Client().post("/readyz").status_code == 405


def test_every_response_carries_a_request_id_and_a_proxys_id_is_kept():
    generated = Client().get("/healthz")["X-Request-ID"]
    assert len(generated) == 32
    assert Client().get("/healthz", HTTP_X_REQUEST_ID="lb-1234abcd")["X-Request-ID"] == "lb-1234abcd"
    # text that is not an id is never echoed into headers or logs
    assert Client().get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"


class Lines(logging.Handler):
    """Formats records the way the console handler of the settings does."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict] = []
        self.addFilter(RequestIdFilter())
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


def test_request_lines_are_json_with_the_request_id():
    handler = Lines()
    logger = logging.getLogger("crm.request")
    logger.addHandler(handler)
    try:
        Client().get("/healthz", HTTP_X_REQUEST_ID="req-00000001")
    finally:
        logger.removeHandler(handler)
    [line] = handler.lines
    assert (line["message"], line["request_id"]) == ("request", "req-00000001")
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert isinstance(line["duration_ms"], float)


def test_tasks_log_what_they_did_and_how_long_it_took():
    from kpis.tasks import rollup_family_task

    handler = Lines()
    logger = logging.getLogger("crm.task")
    logger.addHandler(handler)
    try:
        result = rollup_family_task.apply(args=["campaigns"])  # run here, with or without a worker
    finally:
        logger.removeHandler(handler)
    started, finished = handler.lines
    assert started["message"] == "task started"
    assert finished["message"] == "task finished"
    assert finished["request_id"] == result.id  # the task's lines carry its id
    assert finished["task"] == "kpis.tasks.rollup_family_task"
    assert finished["state"] == "SUCCESS"
    assert finished["duration_ms"] >= 0


def test_a_lost_database_is_a_clean_503_for_pages_and_the_api(rf):
    from django.db import OperationalError

    from config.middleware import DatabaseUnavailableMiddleware

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    error = OperationalError("server closed the connection unexpectedly")
    page = middleware.process_exception(rf.get("/dashboards/sales/"), error)
    api = middleware.process_exception(rf.get("/api/deals/"), error)
    assert (page.status_code, page["Retry-After"]) == (503, "15")
    assert "try again in a few seconds" in page.content.decode()
    assert api.status_code == 503
    assert json.loads(api.content)["detail"].startswith("The service is briefly unavailable")
    assert middleware.process_exception(rf.get("/"), ValueError("a bug")) is None  # bugs stay 500s


def test_the_500_handler_answers_503_when_the_database_went_away(rf):
    from django.db import InterfaceError

    from config.middleware import server_error

    try:
        raise InterfaceError("connection already closed")  # as when the session middleware hits a dead link
    except InterfaceError:
        lost = server_error(rf.get("/contacts/"))
    try:
        raise KeyError("a bug")
    except KeyError:
        bug = server_error(rf.get("/api/deals/"))
    assert lost.status_code == 503
    assert bug.status_code == 500
    assert json.loads(bug.content) == {"detail": "Something went wrong on our side; it has been logged."}


def test_pages_carry_a_content_security_policy_allowing_exactly_the_chartjs_file(settings):
    policy = Client().get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == f"'self' {settings.CHARTJS_CDN_URL}"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
