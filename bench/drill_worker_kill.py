"""Drill: SIGKILL a Celery worker in the middle of a roll-up, again and again.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/drill_worker_kill.py --deals 20000 --kills 20

A scratch PostgreSQL database gets a generated business, rolled up in full. Then, each round:
every day of every family is marked dirty (the data does not change, so every correct reading of the
snapshot rows is the same), a roll-up is queued to a worker process, and the worker (with its pool)
is killed with SIGKILL after a random delay inside the roll-up. Meanwhile a reader polls a
fingerprint of the snapshot table (rows and value sums per measure) in its own connection. A fresh
worker then takes the next roll-up, which must leave no dirty day and the same fingerprint.

Reported: kills, kills that landed while a family was being computed or swapped, reads, reads that
saw anything but the full fingerprint (a half-written day: must be 0), and rounds whose next run did
not complete (must be 0). The Redis database of REDIS_URL is purged: give it one of its own.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdb import create_postgres_database, drop_postgres_database

ROOT = Path(__file__).resolve().parent.parent
FINGERPRINT_SQL = "SELECT measure, count(*), round(sum(value)::numeric, 4) FROM kpis_dailymeasure GROUP BY measure"


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=2", "--without-gossip",
         "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_worker(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)  # the main process and its pool, with no chance to clean up
    worker.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")
    url, name = create_postgres_database(base_url, "bench_worker_kill")
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=redis_url, DJANGO_SETTINGS_MODULE="config.settings.base",
               DJANGO_SECRET_KEY="drill-only-secret-key-" + "x" * 40, DJANGO_DEBUG="0", CRM_LOG_LEVEL="WARNING")
    dataset = ROOT / "bench" / "data" / f"deals-{options.deals}-seed-{options.seed}.jsonl"
    report: dict[str, object] = {"deals": options.deals, "database": name}
    import psycopg

    try:
        if not dataset.exists():
            dataset.parent.mkdir(parents=True, exist_ok=True)
            manage(env, "generate_dataset", "--deals", str(options.deals), "--output", str(dataset))
        manage(env, "migrate", "--noinput")
        manage(env, "import_dataset", str(dataset), "--no-rollup")
        started = time.monotonic()
        manage(env, "rollup_kpis", "--full")
        report["full_rollup_seconds"] = round(time.monotonic() - started, 1)

        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from config.celery import app
        from kpis.dirty import FAMILIES

        app.control.purge()
        db = psycopg.connect(url, autocommit=True)
        expected = sorted(db.execute(FINGERPRINT_SQL).fetchall())
        first, last = db.execute("SELECT min(day), max(day) FROM kpis_dailymeasure").fetchone()

        def mark_everything_dirty() -> None:
            db.execute(
                "INSERT INTO kpis_dirtyday (family, day) SELECT f, d::date FROM unnest(%s::text[]) f, "
                "generate_series(%s::date, %s::date, '1 day') d", (list(FAMILIES), first, last))

        reads = torn = 0
        stop = threading.Event()

        def reader() -> None:
            nonlocal reads, torn
            with psycopg.connect(url, autocommit=True) as own:
                while not stop.is_set():
                    if sorted(own.execute(FINGERPRINT_SQL).fetchall()) != expected:
                        torn += 1
                    reads += 1

        watcher = threading.Thread(target=reader, daemon=True)
        watcher.start()
        rng = random.Random(options.seed)
        kills_mid_rollup = incomplete = 0
        recover_seconds: list[float] = []
        for _ in range(options.kills):
            mark_everything_dirty()
            worker = start_worker(env)
            time.sleep(3)  # the worker connects to Redis and the database
            app.send_task("kpis.tasks.rollup_kpis_task")
            time.sleep(rng.uniform(0.3, max(0.4, report["full_rollup_seconds"] * 0.8)))
            busy = db.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state <> 'idle' "
                              "AND pid <> pg_backend_pid() AND query NOT LIKE 'SELECT measure, count%%'",
                              (name,)).fetchone()[0]
            kills_mid_rollup += busy > 0
            kill_worker(worker)
            app.control.purge()  # the killed run's leftover family tasks; the next run covers their days

            began = time.monotonic()
            worker = start_worker(env)
            app.send_task("kpis.tasks.rollup_kpis_task")
            deadline = time.monotonic() + 600
            while db.execute("SELECT count(*) FROM kpis_dirtyday").fetchone()[0] and time.monotonic() < deadline:
                time.sleep(0.2)
            remaining = db.execute("SELECT count(*) FROM kpis_dirtyday").fetchone()[0]
            incomplete += remaining > 0 or sorted(db.execute(FINGERPRINT_SQL).fetchall()) != expected
            recover_seconds.append(round(time.monotonic() - began, 1))
            kill_worker(worker)
        stop.set()
        watcher.join(10)
        report.update(kills=options.kills, kills_while_rollup_was_working=kills_mid_rollup, reads=reads,
                      reads_that_saw_a_half_written_day=torn, rounds_not_completed_by_the_next_run=incomplete,
                      next_run_seconds_max=max(recover_seconds), next_run_seconds=recover_seconds)
    finally:
        print(json.dumps(report, indent=2))
        drop_postgres_database(base_url, name)


if __name__ == "__main__":
    main()
