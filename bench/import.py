"""Measure `import_dataset` on a fresh database: records per second and peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import.py FILE.jsonl
    .venv/bin/python bench/import.py FILE.jsonl            # SQLite in a temporary file

For PostgreSQL a new database `bench_import_<timestamp>` is created on the server of DATABASE_URL
(the database named there is only used to connect) and dropped afterwards unless --keep is given.
Migrations and the import each run in their own subprocess, so the import's peak RSS is its own
(from wait4), not the benchmark's or the migration's. Run by hand; not part of the test suite.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchdb import create_postgres_database, drop_postgres_database

ROOT = Path(__file__).resolve().parent.parent


def count_records(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(1 for line in stream if line.strip())


def run_measured(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run a manage.py command, reaping it with wait4 so its own peak RSS (KiB) is known."""
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, stdout=out, stderr=err
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)  # tell Popen it has been reaped
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed ({process.returncode}):\n{stderr[-4000:]}")
    return seconds, usage.ru_maxrss, stdout


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", type=Path, help="the .jsonl file to import")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    options = parser.parse_args()
    path = options.file.resolve()
    records = count_records(path)

    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    env.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    env.setdefault("DJANGO_DEBUG", "0")  # DEBUG logs every query; measure the production path
    base_url = os.environ.get("DATABASE_URL", "")
    workdir = tempfile.TemporaryDirectory(prefix="bench_import_")
    pg_name = None
    if base_url.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"], pg_name = create_postgres_database(base_url)
        where = f"PostgreSQL database {pg_name}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir.name}/bench.sqlite3"
        where = f"SQLite {workdir.name}/bench.sqlite3"
    try:
        print(f"{where}: migrating…", flush=True)
        run_measured(["migrate", "--no-input", "-v0"], env)
        print(f"importing {records} records from {path} …", flush=True)
        seconds, peak_kib, stdout = run_measured(["import_dataset", str(path), "--no-rollup"], env)
    finally:
        if pg_name and not options.keep:
            drop_postgres_database(base_url, pg_name)
        if not options.keep:
            workdir.cleanup()
    print(stdout.strip())
    inner = re.search(r" in ([0-9.]+) s", stdout)
    if inner:
        print(f"import itself: {records / float(inner.group(1)):,.0f} records/s")
    print(
        f"{records} records in {seconds:.2f} s (process wall time, with Django start-up): "
        f"{records / seconds:,.0f} records/s; peak RSS {peak_kib / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
