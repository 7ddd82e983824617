"""A real Celery worker for the tests that must cross the broker.

With REDIS_URL set (the PostgreSQL leg of CI) `celery_worker()` turns eager mode off and starts a worker
process on the same Redis and test database, so a task goes through the broker exactly as in
production; without it (SQLite) tasks run in-process and the same test checks the same outcome.
"""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from config.celery import app

ROOT = Path(__file__).resolve().parent.parent


def _worker_environment(extra: dict[str, str]) -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    return dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.test", **extra)


@contextmanager
def celery_worker(**environment: str) -> Iterator[None]:
    """Run the block with a worker process consuming the queue (REDIS_URL set), else with eager tasks.
    `environment` is passed to the worker (its settings come from the environment, not the test's)."""
    if not settings.REDIS_URL:
        yield
        return
    assert connection.vendor == "postgresql", "a worker process needs a database it can share"
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.control.purge()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
         "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT, env=_worker_environment(environment),
    )
    try:
        yield
    finally:
        app.conf.task_always_eager = previous
        worker.terminate()
        worker.wait(30)


def wait_for(condition: Callable[[], bool], seconds: float = 120) -> bool:
    """Poll until `condition()` holds (a worker's write is seen) or the time is up; its last answer."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.5)
    return condition()
