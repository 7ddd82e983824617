"""Structured logs: one JSON object per line, each carrying the id of the request (or task) it belongs to.

A request's id comes from the `X-Request-ID` header a proxy set (if it looks like an id), else a new
one; it is echoed back in the response, so a user's report can be matched to the server's lines.
Celery tasks log what they did and how long it took, under the task's id.
"""

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")  # never echo arbitrary text into logs or headers

request_logger = logging.getLogger("crm.request")
task_logger = logging.getLogger("crm.task")


class RequestIdMiddleware:
    """Gives every request an id, logs one line per request with its status and duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = offered if _ACCEPTABLE_ID.match(offered) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            request_logger.info("request", extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                # only a user the request already loaded: logging must not cost a query (or fail without one)
                "user_id": getattr(getattr(request, "_cached_user", None), "pk", None),
            })
            return response
        finally:
            request_id_var.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds the current request's (or task's) id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {
    "message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """A record as one JSON line: time, level, logger, message, request id and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def connect_task_logging() -> None:
    """Log each Celery task's start, outcome and duration, with its id as the request id."""
    from celery import signals

    started: dict[str, tuple[float, contextvars.Token[str]]] = {}

    @signals.task_prerun.connect(weak=False)
    def task_started(task_id: str, task: Any, **kwargs: Any) -> None:
        started[task_id] = (time.perf_counter(), request_id_var.set(task_id))
        task_logger.info("task started", extra={"task": task.name})

    @signals.task_postrun.connect(weak=False)
    def task_finished(task_id: str, task: Any, retval: Any = None, state: str | None = None, **kwargs: Any) -> None:
        began, token = started.pop(task_id, (None, None))
        duration = round((time.perf_counter() - began) * 1000, 1) if began is not None else None
        task_logger.info("task finished", extra={"task": task.name, "state": state, "duration_ms": duration,
                                                 "result": retval if isinstance(retval, dict | str | int) else None})
        if token is not None:
            request_id_var.reset(token)
