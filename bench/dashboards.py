"""Measure the dashboard pages' server time on PostgreSQL with a generated business.

    .venv/bin/python bench/dashboards.py --deals 20000      # generates bench/data/deals-20000-seed-1.jsonl once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/dashboards.py --requests 50

A scratch database `bench_dashboards_<timestamp>` is created on the server of DATABASE_URL and
dropped afterwards (unless --keep). The dataset is imported, rolled up in full, then every dashboard
page (and a KPI page, a drill-down list, a chart CSV) is requested --requests times with the Django
test Client as a manager, for a 90-day and a two-year range ending on the dataset's last day.
Reported per page and range: p50 and p95 server time in ms, and the queries one request makes.
Run by hand; not part of the test suite.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from benchdb import create_postgres_database, drop_postgres_database

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "/dashboards/sales/", "/dashboards/marketing/", "/dashboards/service/", "/dashboards/me/",
    "/kpis/revenue/", "/kpis/revenue/records/", "/dashboards/sales/charts/funnel/csv/",
]


def manage(env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=30, help="requests per page and range")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", metavar="DATABASE", help="measure the pages of a database kept by an earlier "
                        "run (--keep) on the same server, without importing or rolling up again")
    options = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if options.reuse:
        name = options.reuse
        url = base_url.rsplit("/", 1)[0] + "/" + name
        options.keep = True
    else:
        url, name = create_postgres_database(base_url, "bench_dashboards")
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.base",
               DJANGO_SECRET_KEY="bench-only-secret-key-" + "x" * 40, DJANGO_DEBUG="0",
               DJANGO_ALLOWED_HOSTS="testserver,localhost",
               CRM_TIME_ZONE=os.environ.get("CRM_TIME_ZONE", "Asia/Tehran"))
    env.pop("REDIS_URL", None)
    dataset = ROOT / "bench" / "data" / f"deals-{options.deals}-seed-{options.seed}.jsonl"
    report: dict[str, object] = {"deals": options.deals, "database": name, "requests_per_page": options.requests}
    try:
        if not options.reuse and not dataset.exists():
            dataset.parent.mkdir(parents=True, exist_ok=True)
            report["generate_seconds"] = round(manage(env, "generate_dataset", "--deals", str(options.deals),
                                                      "--seed", str(options.seed), "--output", str(dataset)), 1)
        if not options.reuse:
            manage(env, "migrate", "--noinput")
            report["import_seconds"] = round(manage(env, "import_dataset", str(dataset), "--no-rollup"), 1)
            report["rollup_seconds"] = round(manage(env, "rollup_kpis", "--full"), 1)

        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connection
        from django.test import Client

        from crm.models import Deal, User
        from kpis.dirty import business_zone
        from kpis.models import DailyMeasure

        report["measure_rows"] = DailyMeasure.objects.count()
        last = Deal.objects.order_by("-created_at").values_list("created_at", flat=True).first()
        end = last.astimezone(business_zone()).date()
        ranges = {
            "90_days": (end - timedelta(days=89), end, "week"),
            "2_years": (end.replace(year=end.year - 2) + timedelta(days=1), end, "month"),
        }
        manager, _ = User.objects.get_or_create(username="bench-manager",
                                                defaults={"role": "manager", "is_staff": True})
        client = Client()
        client.force_login(manager)
        pages: dict[str, dict[str, object]] = {}
        for path in PAGES:
            for label, (start, stop, grain) in ranges.items():
                query = f"preset=custom&start={start}&end={stop}&grain={grain}"
                if path.endswith("/csv/"):
                    query = f"start={start}&end={stop}&grain={grain}"
                full = f"{path}?{query}"
                statements: list[str] = []

                def count(execute, sql, params, many, context, statements=statements):
                    statements.append(sql)
                    return execute(sql, params, many, context)

                with connection.execute_wrapper(count):
                    response = client.get(full)
                    if getattr(response, "streaming", False):
                        b"".join(response.streaming_content)
                assert response.status_code == 200, (full, response.status_code)
                timings = []
                for _ in range(options.requests):
                    started = time.perf_counter()
                    response = client.get(full)
                    if getattr(response, "streaming", False):
                        b"".join(response.streaming_content)
                    timings.append((time.perf_counter() - started) * 1000)
                pages[f"{path} {label}"] = {
                    "p50_ms": round(statistics.median(timings), 1),
                    "p95_ms": round(percentile(timings, 0.95), 1),
                    "queries": len(statements),
                }
        report["pages"] = pages
    finally:
        if not options.keep:
            from django.db import connections

            connections.close_all()
            drop_postgres_database(base_url, name)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
