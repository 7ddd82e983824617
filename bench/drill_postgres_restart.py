"""Drill: PostgreSQL restarts while gunicorn serves staff under load.

    .venv/bin/python bench/drill_postgres_restart.py --clients 20 --seconds 40 --down-at 10 --down-for 8

A private PostgreSQL cluster (initdb in a temporary directory, its own port; the machine's server is not
touched) gets the sample business, rolled up. gunicorn serves it with the production settings; each
client thread is a logged-in manager reading pages round-robin. At --down-at seconds the cluster is
stopped (fast shutdown: open connections are cut), and started again --down-for seconds later.

Reported per phase (before, down, after): answers by status. While it is down every answer must be a
clean 503 (no 500, no hung request); after it is back, pages must answer 200 again without restarting
gunicorn: the seconds from restart to the first 200 and the share of 200s in the last phase.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadclient import LoadRun, logged_in_opener

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql") / sorted(os.listdir("/usr/lib/postgresql"))[-1] / "bin"
PAGES = ["/dashboards/sales/", "/api/kpis/revenue/?start=2025-01-01&end=2025-12-31", "/contacts/", "/tickets/",
         "/healthz"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_postgres(*command: str) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--down-at", type=float, default=10)
    parser.add_argument("--down-for", type=float, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    options = parser.parse_args()

    cluster = Path(tempfile.mkdtemp(prefix="drill-pg-"))
    shutil.chown(cluster, "postgres") if os.geteuid() == 0 else None
    data, pg_port, web_port = cluster / "data", free_port(), free_port()
    pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(cluster / "log"), "-w"]
    pg_options = f"-p {pg_port} -k {cluster} -c listen_addresses=127.0.0.1 -c fsync=off"
    as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    as_postgres(*pg_ctl, "-o", pg_options, "start")
    env = dict(os.environ, DATABASE_URL=f"postgres://postgres@127.0.0.1:{pg_port}/postgres",
               DJANGO_SETTINGS_MODULE="config.settings.base", DJANGO_SECRET_KEY="drill-only-secret-key-" + "x" * 40,
               DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="127.0.0.1", CRM_LOG_LEVEL="ERROR")
    env.pop("REDIS_URL", None)
    gunicorn = None
    report: dict[str, object] = {"clients": options.clients, "gunicorn_workers": options.workers}
    try:
        manage = [sys.executable, "manage.py"]
        for args in (["migrate", "--noinput"], ["import_dataset", str(ROOT / "tests/data/sample_business.jsonl"),
                                                "--no-rollup"], ["rollup_kpis", "--full"]):
            subprocess.run([*manage, *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*manage, "shell", "-c", "from crm.models import User; u = User.objects.create_user("
                        "'drill-manager', password='drill-password-2026', role='manager')"],
                       cwd=ROOT, env=env, check=True)
        gunicorn = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
                                     f"127.0.0.1:{web_port}", "--workers", str(options.workers), "--timeout", "60"],
                                    cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(web_port)
        base = f"http://127.0.0.1:{web_port}"
        openers = [logged_in_opener(base, "drill-manager", "drill-password-2026") for _ in range(options.clients)]
        marks: dict[str, float] = {}
        run = LoadRun()

        def stop_database() -> None:
            marks["down"] = time.monotonic()
            as_postgres(*pg_ctl, "-m", "fast", "stop")

        def start_database() -> None:
            as_postgres(*pg_ctl, "-o", pg_options, "start")
            marks["up"] = time.monotonic()

        started = run.run(openers, base, PAGES, options.seconds,
                          during=[(options.down_at, stop_database),
                                  (options.down_at + options.down_for, start_database)])
        down, up = marks["down"] - started, marks["up"] - started

        def phase(first: float, last: float) -> dict[str, int]:
            counts: dict[str, int] = {}
            for s in run.samples:
                if first <= s.at < last:
                    counts[str(s.status)] = counts.get(str(s.status), 0) + 1
            return counts

        after = [s for s in run.samples if s.at >= up]
        first_ok = min((s.at for s in after if s.status == 200 and s.page != "/healthz"), default=None)
        settled = [s for s in after if s.at >= up + 5]
        report.update(
            down_at_s=round(down, 1), up_at_s=round(up, 1),
            before=phase(0, down), while_down=phase(down + 0.5, up), after=phase(up, options.seconds + 60),
            seconds_from_restart_to_first_200=round(first_ok - up, 2) if first_ok is not None else None,
            share_of_200_from_5s_after_restart=round(sum(s.status == 200 for s in settled) / max(1, len(settled)), 4),
            server_errors_500=sum(s.status == 500 for s in run.samples),
            connection_errors=sum(s.status == 0 for s in run.samples),
            slowest_answer_while_down_ms=round(max((s.ms for s in run.samples if down <= s.at < up), default=0), 1),
            per_page=run.per_page(),
        )
    finally:
        print(json.dumps(report, indent=2))
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(30)
        subprocess.run([*(["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []), *pg_ctl, "-m",
                        "immediate", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(cluster, ignore_errors=True)


if __name__ == "__main__":
    main()
