"""Drill: two Celery beats started by mistake still give one nightly roll-up.

    .venv/bin/python bench/drill_two_beats.py

A scratch PostgreSQL database (the sample business, with days left dirty) and a private Redis
database are served by one worker and TWO beat processes whose nightly roll-up time is set to the next
minute (CRM_NIGHTLY_ROLLUP_TIME). After that minute has passed: both beats sent the nightly task,
one claimed the night (NightlyRollup has one row), the dirty days were rolled up, and the other task
logged that it skipped.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdb import create_postgres_database, drop_postgres_database

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url, name = create_postgres_database(base_url, "bench_two_beats")
    zone = os.environ.get("CRM_TIME_ZONE", "UTC")
    fire = datetime.now(ZoneInfo(zone)).replace(second=0, microsecond=0) + timedelta(minutes=2)
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=os.environ.get("DRILL_REDIS_URL", "redis://127.0.0.1:6379/8"),
               DJANGO_SETTINGS_MODULE="config.settings.base", DJANGO_SECRET_KEY="drill-only-secret-key-" + "x" * 40,
               DJANGO_DEBUG="0", CRM_TIME_ZONE=zone, CRM_NIGHTLY_ROLLUP_TIME=f"{fire:%H:%M}", CRM_LOG_FORMAT="plain")
    processes: list[subprocess.Popen] = []
    logs = Path(tempfile.mkdtemp(prefix="drill-beats-"))
    report: dict[str, object] = {"database": name, "nightly_time": f"{fire:%H:%M}"}
    try:
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*manage, "import_dataset", str(ROOT / "tests/data/sample_business.jsonl"), "--no-rollup"],
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, "-m", "celery", "-A", "config", "purge", "-f"], cwd=ROOT, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        celery = [sys.executable, "-m", "celery", "-A", "config"]
        commands = {"worker": [*celery, "worker", "--concurrency=2", "--loglevel=INFO"]}
        for number in (1, 2):
            commands[f"beat{number}"] = [*celery, "beat", "--loglevel=INFO", "--schedule",
                                         str(logs / f"beat{number}-schedule")]
        for label, command in commands.items():
            with (logs / f"{label}.log").open("w") as log:  # the child keeps its own copy of the descriptor
                processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        wait = (fire - datetime.now(ZoneInfo(zone))).total_seconds() + 45
        time.sleep(max(0, wait))
        deadline = time.monotonic() + 120
        import psycopg

        with psycopg.connect(url, autocommit=True) as db:
            while db.execute("SELECT count(*) FROM kpis_dirtyday").fetchone()[0] and time.monotonic() < deadline:
                time.sleep(1)
            report["nightly_claims"] = db.execute("SELECT count(*) FROM kpis_nightlyrollup").fetchone()[0]
            report["dirty_days_left"] = db.execute("SELECT count(*) FROM kpis_dirtyday").fetchone()[0]
            report["rollup_runs"] = db.execute("SELECT count(*) FROM kpis_rolluprun").fetchone()[0]
        worker_log = (logs / "worker.log").read_text()
        report["nightly_tasks_sent"] = sum((logs / f"beat{n}.log").read_text().count("nightly_rollup_task")
                                           for n in (1, 2))
        report["nightly_tasks_skipped"] = worker_log.count("already claimed")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
        print(json.dumps(report, indent=2))
        drop_postgres_database(base_url, name)


if __name__ == "__main__":
    main()
