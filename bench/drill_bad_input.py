"""Drill: 10,000 random or truncated JSONL lines into the importer.

    .venv/bin/python bench/drill_bad_input.py --lines 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/drill_bad_input.py

A scratch database (a temporary SQLite file, or `bench_bad_input_<timestamp>` on the PostgreSQL server
of DATABASE_URL, dropped afterwards) is loaded with the sample business. Each bad line (made by
tests/drills/bad_lines.py from a sample record) is imported on its own, inside a transaction that is
rolled back afterwards. Reported: how many lines were refused with a message naming their line, how
many happened to stay valid and imported, and any crash (an exception other than the importer's
refusal) or any refused line that changed a table — the drill's failures, which must be 0.
"""

import argparse
import collections
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "")
    scratch = None
    if base_url.startswith("postgres"):
        sys.path.insert(0, str(ROOT / "bench"))
        from benchdb import create_postgres_database

        url, scratch = create_postgres_database(base_url, "bench_bad_input")
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/drill.sqlite3"
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.test")
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections, transaction

    from dataset.importer import DatasetImportError, import_dataset
    from kpis.models import DirtyDay
    from tests.crm.test_dataset import MODELS
    from tests.drills.bad_lines import bad_line

    report: dict[str, object] = {"lines": options.lines, "database": connections["default"].vendor}
    try:
        call_command("migrate", "--noinput", verbosity=0)
        sample = (ROOT / "tests" / "data" / "sample_business.jsonl").read_text(encoding="utf-8").splitlines()
        import_dataset(sample, rollup=False)
        DirtyDay.objects.all().delete()
        records = [json.loads(line) for line in sample]

        def counts() -> tuple[int, ...]:
            return (*(m.objects.count() for m in MODELS), DirtyDay.objects.count())

        before = counts()
        rng = random.Random(options.seed)
        outcomes: collections.Counter[str] = collections.Counter()
        reasons: collections.Counter[str] = collections.Counter()
        failures: list[str] = []
        started = time.monotonic()
        for _ in range(options.lines):
            how, line = bad_line(rng, records)
            with transaction.atomic():
                try:
                    import_dataset([line], rollup=False)
                    outcomes["imported (still valid)"] += 1
                except DatasetImportError as refused:
                    first = refused.errors[0][1] if refused.errors else ""
                    if not refused.errors or refused.errors[0][0] != 1:
                        failures.append(f"{how}: refused without naming line 1: {refused}")
                    elif counts() != before:
                        failures.append(f"{how}: refused but wrote")
                    outcomes["refused with a message"] += 1
                    reasons[re.sub(r"“[^”]*”|\(column \d+\)", "…", first)[:70]] += 1
                except Exception as exc:  # the drill's point: anything else is a crash
                    failures.append(f"{how}: {type(exc).__name__}: {exc}"[:300])
                    outcomes["crashed"] += 1
                transaction.set_rollback(True)
        report["seconds"] = round(time.monotonic() - started, 1)
        report["outcomes"] = dict(outcomes)
        report["failures"] = len(failures)
        report["failure_examples"] = failures[:10]
        report["top_reasons"] = dict(reasons.most_common(12))
        report["unchanged_after"] = counts() == before
    finally:
        connections.close_all()
        if scratch:
            from benchdb import drop_postgres_database

            drop_postgres_database(base_url, scratch)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
