"""Backup and restore: an export imported into an empty database gives every KPI back unchanged."""

import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction

from kpis.catalog import KPIS
from kpis.models import DailyMeasure
from kpis.rollup import run_rollup
from kpis.selectors import kpi_result

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample_business.jsonl"
RANGES = [("2024-01-01", "2025-06-30", "month"), ("2025-01-01", "2025-03-31", "week")]
APPS = ("crm", "support", "surveys", "kpis", "webhooks")

pytestmark = pytest.mark.django_db(transaction=True)


def rounded(value: object) -> object:
    """Floats to 9 significant digits: PostgreSQL may add the same numbers in another order."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(rounded(v) for v in value)
    return value


def every_kpi() -> dict[tuple[str, str, str], object]:
    from datetime import date

    answers = {}
    for key, kpi in KPIS.items():
        for start, end, grain in RANGES:
            result = kpi_result(kpi=kpi, start=date.fromisoformat(start), end=date.fromisoformat(end), grain=grain,
                                dimension=kpi.dimensions[0] if kpi.dimensions else None)
            # Records get new ids in the new database: breakdown rows are compared by what they name.
            breakdown = sorted((row["label"], row["value"]) for row in result.breakdown or [])
            answers[(key, start, grain)] = rounded((result.value, result.points, breakdown))
    return answers


def empty_the_database() -> None:
    """Delete every row of our apps, like a fresh server: children before parents, in one statement each."""
    models = [m for m in apps.get_models(include_auto_created=True) if m._meta.app_label in APPS]
    # One transaction: PostgreSQL checks its (deferred) foreign keys at commit, when every row is gone.
    with transaction.atomic(), connection.constraint_checks_disabled():
        for model in models:
            model._base_manager.all()._raw_delete(model._base_manager.db)


def test_an_export_restored_into_an_empty_database_gives_the_same_kpis(tmp_path: Path):
    call_command("import_dataset", str(SAMPLE), "--no-rollup", stdout=io.StringIO())
    run_rollup()
    before = every_kpi()
    backup = tmp_path / "backup.jsonl"
    call_command("export_dataset", str(backup), stdout=io.StringIO())

    empty_the_database()
    assert not DailyMeasure.objects.exists()
    call_command("import_dataset", str(backup), "--no-rollup", stdout=io.StringIO())
    run_rollup()

    after = every_kpi()
    assert after.keys() == before.keys()
    differing = [k for k in before if after[k] != before[k]]
    assert not differing, differing[:5]
    assert sum(1 for value, _, breakdown in before.values() if value and breakdown) > 50  # not vacuous
