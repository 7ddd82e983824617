"""Celery entry points for the KPI roll-up."""

from celery import shared_task


@shared_task(name="kpis.tasks.rollup_kpis_task", acks_late=True, reject_on_worker_lost=True)
def rollup_kpis_task() -> dict[str, int]:
    """Recompute every dirty day. Safe to run twice: the roll-up holds a lock and upserts whole days."""
    from kpis.rollup import run_rollup

    return run_rollup()
