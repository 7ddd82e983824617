"""Drill: many concurrent staff through gunicorn on a big business.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dashboards_... \\
        .venv/bin/python bench/drill_load.py --clients 50 --seconds 60

Runs against an existing, rolled-up database (for the 1M-scale business: `bench/dashboards.py
--deals 1000000 --keep` leaves one). gunicorn serves it with the production-like base settings
(REDIS_URL is passed through when set, for the shared KPI answer cache); each client is a logged-in
manager requesting the sales and service dashboards, the KPI API, the deal board of the biggest
pipeline and the ticket queue, round-robin. Reported: requests, errors (anything but 200; aim 0),
and p50/p95 per page.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadclient import LoadRun, logged_in_opener

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    options = parser.parse_args()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.base", DJANGO_DEBUG="0",
               DJANGO_SECRET_KEY="drill-only-secret-key-" + "x" * 40, DJANGO_ALLOWED_HOSTS="127.0.0.1",
               CRM_LOG_LEVEL="ERROR")
    script = ("from crm.models import User, Pipeline; from django.db.models import Count; "
              "User.objects.filter(username='load-manager').delete(); "
              "User.objects.create_user('load-manager', password='load-password-2026', role='manager'); "
              "p = Pipeline.objects.annotate(n=Count('deals')).order_by('-n').first(); print(p.pk)")
    pipeline = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]
    end = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                          "from crm.models import Deal; print(Deal.objects.latest('created_at').created_at.date())"],
                         cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    range_query = f"preset=custom&start={end[:4]}-01-01&end={end}"
    pages = [f"/dashboards/sales/?{range_query}", f"/dashboards/service/?{range_query}",
             f"/api/kpis/revenue/?start={end[:4]}-01-01&end={end}&grain=month",
             f"/api/kpis/win_rate/?start={end[:4]}-01-01&end={end}&dimension=owner",
             f"/deals/board/{pipeline}/", "/tickets/?queue=open"]
    port = free_port()
    gunicorn = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
                                 f"127.0.0.1:{port}", "--workers", str(options.workers), "--timeout", "120"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report: dict[str, object] = {"clients": options.clients, "seconds": options.seconds,
                                 "gunicorn_workers": options.workers, "redis": bool(os.environ.get("REDIS_URL"))}
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                openers = [logged_in_opener(base, "load-manager", "load-password-2026")
                           for _ in range(options.clients)]
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        for page in pages:  # warm each worker's first request out of the measurement
            openers[0].open(base + page, timeout=120).read()
        run = LoadRun()
        run.run(openers, base, pages, options.seconds)
        report.update(requests=len(run.samples), errors=sum(s.status != 200 for s in run.samples),
                      requests_per_second=round(len(run.samples) / options.seconds, 1), per_page=run.per_page())
    finally:
        print(json.dumps(report, indent=2))
        gunicorn.terminate()
        gunicorn.wait(30)


if __name__ == "__main__":
    main()
