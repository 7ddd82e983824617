"""Celery entry points for the KPI roll-up.

Each family is its own task, so several workers can share a big roll-up; a family's advisory lock
keeps two runs of the same family apart. Tasks are safe to run twice (they recompute whole days and
delete only the dirty markers they read), which is what acks_late and reject_on_worker_lost need.
"""

import logging

from celery import current_app, group, shared_task
from django.db import OperationalError
from django.utils import timezone

from core.tasks import TASK_OPTIONS
from kpis.dirty import FAMILIES, business_zone
from kpis.models import NightlyRollup
from kpis.rollup import run_rollup

logger = logging.getLogger(__name__)



@shared_task(name="kpis.tasks.rollup_family_task", autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5, **TASK_OPTIONS)
def rollup_family_task(family: str) -> dict[str, int]:
    """Recompute one family's dirty days."""
    return run_rollup(families=[family])


@shared_task(name="kpis.tasks.rollup_kpis_task", **TASK_OPTIONS)
def rollup_kpis_task() -> dict[str, int]:
    """Recompute every dirty day: in-process when Celery is eager, else one task per family for the workers."""
    if current_app.conf.task_always_eager:
        return run_rollup()
    group(rollup_family_task.s(family) for family in FAMILIES).apply_async()
    return {"families": len(FAMILIES), "queued": len(FAMILIES)}


@shared_task(name="kpis.tasks.nightly_rollup_task", **TASK_OPTIONS)
def nightly_rollup_task() -> dict[str, int]:
    """Beat's nightly entry. It first claims the business's date (a unique row), so a second beat
    started by mistake finds the night taken and queues nothing: still one roll-up a night."""
    night = timezone.localdate(timezone=business_zone())
    _, claimed = NightlyRollup.objects.get_or_create(night=night)
    if not claimed:
        logger.warning("nightly roll-up of %s already claimed (is a second beat running?); skipped", night)
        return {"skipped": 1}
    return rollup_kpis_task()
