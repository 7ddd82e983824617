"""How roll-ups run: the nightly schedule, the run after an import, failures and repeats.

With REDIS_URL set (the PostgreSQL leg of CI) the post-import roll-up goes through a real Redis
to a real Celery worker process; without it Celery runs the task in-process. Both must end with
the imported days rolled up.
"""

from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import call_command

from config.celery import app
from kpis import rollup
from kpis.dirty import FAMILIES
from kpis.measures import FAMILY_MEASURES
from kpis.models import DailyMeasure, DirtyDay, RollupRun
from kpis.tasks import nightly_rollup_task, rollup_family_task, rollup_kpis_task
from tests.kpis.business import build_sales_business
from tests.kpis.helpers import value
from tests.workers import celery_worker, wait_for

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE = ROOT / "tests" / "data" / "sample_business.jsonl"


def test_nightly_rollup_is_scheduled_at_one_in_the_business_zone():
    entry = settings.CELERY_BEAT_SCHEDULE["nightly-kpi-rollup"]
    assert entry["task"] == nightly_rollup_task.name
    assert entry["schedule"] == crontab(hour=1, minute=0)
    assert app.conf.timezone == settings.CRM_TIME_ZONE


@pytest.mark.django_db
def test_a_second_beat_on_the_same_night_queues_no_second_rollup(monkeypatch):
    started = []
    monkeypatch.setattr("kpis.tasks.rollup_kpis_task", lambda: started.append(1) or {"queued": 7})
    assert nightly_rollup_task() == {"queued": 7}
    assert nightly_rollup_task() == {"skipped": 1}  # the same night, from a second beat
    assert started == [1]


def test_rollup_task_is_set_for_tasks_that_may_run_twice():
    assert rollup_kpis_task.acks_late is True
    assert rollup_kpis_task.reject_on_worker_lost is True
    assert app.conf.broker_transport_options["visibility_timeout"] >= 3600


def stage_rows() -> set[tuple]:
    return set(DailyMeasure.objects.filter(measure__in=FAMILY_MEASURES["stages"])
               .values_list("day", "measure", "dimension", "member", "value"))


@pytest.mark.django_db
def test_a_family_that_fails_mid_rollup_keeps_its_previous_rows_and_dirty_days(monkeypatch):
    business = build_sales_business()
    rollup.run_rollup()
    stages_before = stage_rows()
    from crm import services

    services.deal_update(deal=business.deals["d4"], amount=business.deals["d4"].amount * 2)
    stage_dirty = DirtyDay.objects.filter(family="stages").count()
    assert stage_dirty > 0

    def worker_dies(days):
        raise SystemExit("worker lost")

    monkeypatch.setitem(rollup.COMPUTE, "stages", worker_dies)
    with pytest.raises(SystemExit):
        rollup.run_rollup()
    assert stage_rows() == stages_before
    assert DirtyDay.objects.filter(family="stages").count() == stage_dirty

    monkeypatch.undo()
    rollup.run_rollup()
    assert not DirtyDay.objects.exists()
    assert value("open_pipeline_value", "2025-01-01", "2025-01-31") == 660.00


@pytest.mark.django_db
def test_running_the_task_twice_writes_the_same_rows():
    build_sales_business()
    for family in FAMILIES:
        rollup_family_task.apply(args=[family])
    first = set(DailyMeasure.objects.values_list("day", "measure", "dimension", "member", "value"))
    result = rollup_family_task.apply(args=["deals"]).get()
    assert result["days"] == 0
    assert set(DailyMeasure.objects.values_list("day", "measure", "dimension", "member", "value")) == first
    assert RollupRun.objects.count() == len(FAMILIES) + 1


def test_an_unknown_family_is_refused():
    with pytest.raises(ValueError, match="bogus"):
        rollup.run_rollup(families=["bogus"])


@pytest.mark.django_db(transaction=True)
def test_import_queues_a_rollup_that_a_worker_runs(settings):
    settings.CRM_TIME_ZONE = "Asia/Tehran"
    with celery_worker(CRM_TIME_ZONE="Asia/Tehran"):
        call_command("import_dataset", str(SAMPLE))
        wait_for(lambda: RollupRun.objects.exists() and not DirtyDay.objects.exists())
        assert RollupRun.objects.exists(), "no roll-up ran after the import"
        assert not DirtyDay.objects.exists(), "the roll-up left days dirty"
        assert value("revenue", "2025-01-01", "2026-06-30") == pytest.approx(4421925.28, abs=0.01)
