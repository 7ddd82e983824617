"""How roll-ups run: the nightly schedule, the run after an import, failures and repeats.

With REDIS_URL set (the PostgreSQL leg of CI) the post-import roll-up goes through a real Redis
to a real Celery worker process; without it Celery runs the task in-process. Both must end with
the imported days rolled up.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from config.celery import app
from kpis import rollup
from kpis.models import DailyMeasure, DirtyDay, RollupRun
from kpis.tasks import rollup_kpis_task
from tests.kpis.business import build_sales_business
from tests.kpis.helpers import value

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE = ROOT / "tests" / "data" / "sample_business.jsonl"


def test_nightly_rollup_is_scheduled_at_one_in_the_business_zone():
    entry = settings.CELERY_BEAT_SCHEDULE["nightly-kpi-rollup"]
    assert entry["task"] == rollup_kpis_task.name
    assert entry["schedule"] == crontab(hour=1, minute=0)
    assert app.conf.timezone == settings.CRM_TIME_ZONE


def test_rollup_task_is_set_for_tasks_that_may_run_twice():
    assert rollup_kpis_task.acks_late is True
    assert rollup_kpis_task.reject_on_worker_lost is True
    assert app.conf.broker_transport_options["visibility_timeout"] >= 3600


@pytest.mark.django_db
def test_a_failed_rollup_leaves_the_previous_rows_and_its_dirty_days(monkeypatch):
    business = build_sales_business()
    rollup.run_rollup()
    before = set(DailyMeasure.objects.values_list("day", "measure", "dimension", "member", "value"))
    from crm import services

    services.deal_update(deal=business.deals["d1"], amount=business.deals["d1"].amount * 2)
    dirty_before = DirtyDay.objects.count()

    def worker_dies(days):
        raise SystemExit("worker lost")

    monkeypatch.setitem(rollup.COMPUTE, "stages", worker_dies)
    with pytest.raises(SystemExit):
        rollup.run_rollup()
    assert set(DailyMeasure.objects.values_list("day", "measure", "dimension", "member", "value")) == before
    assert DirtyDay.objects.count() == dirty_before

    monkeypatch.undo()
    rollup.run_rollup()
    assert not DirtyDay.objects.exists()
    assert value("revenue", "2025-01-01", "2025-01-31") == 2500.00


@pytest.mark.django_db
def test_running_the_task_twice_writes_the_same_rows():
    build_sales_business()
    rollup_kpis_task.apply()
    first = set(DailyMeasure.objects.values_list("day", "measure", "dimension", "member", "value"))
    result = rollup_kpis_task.apply().get()
    assert result["days"] == 0
    assert set(DailyMeasure.objects.values_list("day", "measure", "dimension", "member", "value")) == first
    assert RollupRun.objects.count() == 2


def _worker_environment() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    return dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.test",
                CRM_TIME_ZONE="Asia/Tehran")


@pytest.mark.django_db(transaction=True)
def test_import_queues_a_rollup_that_a_worker_runs(settings):
    settings.CRM_TIME_ZONE = "Asia/Tehran"
    worker = None
    if settings.REDIS_URL:
        assert connection.vendor == "postgresql", "a worker process needs a database it can share"
        app.control.purge()
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
             "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
            cwd=ROOT, env=_worker_environment(),
        )
    try:
        call_command("import_dataset", str(SAMPLE))
        deadline = time.monotonic() + 120
        while not RollupRun.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert RollupRun.objects.exists(), "no roll-up ran after the import"
        assert not DirtyDay.objects.exists()
        assert value("revenue", "2025-01-01", "2026-06-30") == pytest.approx(4421925.28, abs=0.01)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
