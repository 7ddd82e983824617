"""Measure the KPI engine on PostgreSQL: full roll-up, nightly roll-up, KPI API under load, live contrast.

    .venv/bin/python bench/rollup.py --deals 100000          # generates bench/data/deals-100000-seed-1.jsonl once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/rollup.py --deals 1000000

A scratch database `bench_rollup_<timestamp>` is created on the server of DATABASE_URL and dropped
afterwards (unless --keep). Reported:
- full roll-up time, per family, and the slowest single SQL statement;
- nightly roll-up with one day dirty (median of 5 edits);
- GET /api/kpis/<key>/ for a two-year monthly range with a breakdown, N concurrent clients against
  gunicorn: p50/p95 latency, requests per second, and queries per request;
- the same answer computed live from the operational tables, and the ratio.
Run by hand; not part of the test suite.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import benchdb

QUERIES = [
    ("revenue", "owner"), ("win_rate", "team"), ("open_pipeline_value", "stage"), ("sla_breach_rate", "priority"),
    ("nps", "survey"), ("first_response_hours", "assignee"), ("cac", "campaign"), ("clv", None),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=800, help="total API requests in the load test")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", metavar="DATABASE", help="measure an existing database (kept) instead of a new one")
    options = parser.parse_args()

    with benchdb.scratch_run("bench_rollup", options, "127.0.0.1,localhost,testserver",
                             CRM_TIME_ZONE=os.environ.get("CRM_TIME_ZONE", "Asia/Tehran")) as (env, report):
        gunicorn = None
        try:
            if not options.reuse:
                benchdb.load_business(env, options.deals, options.seed, report)
                print(report, flush=True)

            benchdb.setup_django(env)
            from django.core.cache import cache
            from django.db import connection
            from django.db.models import Sum
            from django.db.models.functions import TruncMonth
            from django.test import Client
            from django.test.utils import CaptureQueriesContext
            from rest_framework.authtoken.models import Token

            from crm import services
            from crm.models import Deal, User
            from kpis.catalog import KPIS
            from kpis.dirty import business_zone
            from kpis.models import DailyMeasure
            from kpis.rollup import COMPUTE, run_rollup
            from kpis.selectors import kpi_result

            statement_seconds: list[float] = []

            def timed_statement(execute, sql, params, many, context):
                started = time.monotonic()
                try:
                    return execute(sql, params, many, context)
                finally:
                    statement_seconds.append(time.monotonic() - started)

            family_seconds = {}
            with connection.execute_wrapper(timed_statement):
                for family, compute in COMPUTE.items():
                    started = time.monotonic()
                    compute(None)
                    family_seconds[family] = round(time.monotonic() - started, 2)
            report["family_compute_seconds"] = family_seconds
            print(report, flush=True)
            report["slowest_statement_seconds"] = round(max(statement_seconds), 2)
            started = time.monotonic()
            run_rollup(full=True)
            report["full_rollup_seconds"] = round(time.monotonic() - started, 1)
            report["measure_rows"] = DailyMeasure.objects.count()

            nightly = []
            for deal in Deal.objects.order_by("-created_at")[:5]:
                services.deal_update(deal=deal, amount=deal.amount + 1)
                started = time.monotonic()
                run_rollup()
                nightly.append(time.monotonic() - started)
            report["nightly_rollup_seconds_median"] = round(statistics.median(nightly), 2)

            last_day = Deal.objects.order_by("-created_at").values_list("created_at", flat=True).first()
            end = last_day.astimezone(business_zone()).date()
            start = date(end.year - 2, end.month, 1)
            paths = [f"/api/kpis/{key}/?start={start}&end={end}&grain=month" + (f"&dimension={dim}" if dim else "")
                     for key, dim in QUERIES]
            manager, _ = User.objects.get_or_create(username="bench-manager", defaults={"role": "manager"})
            client = Client()
            client.force_login(manager)
            queries = {}
            for path in paths:
                with CaptureQueriesContext(connection) as captured:
                    assert client.get(path).status_code == 200
                queries[path.split("?")[0]] = len(captured.captured_queries)
            report["queries_per_request"] = queries

            elapsed = 0.0
            for _ in range(20):
                cache.clear()  # the snapshot read itself, not the per-run answer cache
                started = time.monotonic()
                kpi_result(kpi=KPIS["revenue"], start=start, end=end, grain="month", dimension="owner")
                elapsed += time.monotonic() - started
            snapshot_ms = elapsed / 20 * 1000
            started = time.monotonic()
            for _ in range(20):
                kpi_result(kpi=KPIS["revenue"], start=start, end=end, grain="month", dimension="owner")
            report["revenue_by_owner_cached_ms"] = round((time.monotonic() - started) / 20 * 1000, 2)
            started = time.monotonic()
            for _ in range(3):
                list(Deal.objects.filter(status="won", closed_at__date__gte=start, closed_at__date__lte=end)
                     .annotate(month=TruncMonth("closed_at", tzinfo=business_zone()))
                     .values("month", "owner_id").annotate(total=Sum("amount_base")).order_by())
            live_ms = (time.monotonic() - started) / 3 * 1000
            report["revenue_by_owner_snapshot_ms"] = round(snapshot_ms, 1)
            report["revenue_by_owner_live_ms"] = round(live_ms, 1)
            report["live_over_snapshot"] = round(live_ms / snapshot_ms, 1)

            token = Token.objects.get_or_create(user=manager)[0].key
            port = free_port()
            gunicorn = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "2", "--threads", "4",
                 "--bind", f"127.0.0.1:{port}", "--log-level", "warning"], cwd=benchdb.ROOT, env=env)
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)

            def fetch(index: int) -> float:
                request = urllib.request.Request(f"http://127.0.0.1:{port}{paths[index % len(paths)]}",
                                                 headers={"Authorization": f"Token {token}"})
                started = time.monotonic()
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                return time.monotonic() - started

            for index in range(len(paths) * 2):
                fetch(index)  # warm the workers
            started = time.monotonic()
            with ThreadPoolExecutor(options.clients) as pool:
                latencies = list(pool.map(fetch, range(options.requests)))
            wall = time.monotonic() - started
            report["api_clients"] = options.clients
            report["api_p50_ms"] = round(benchdb.percentile(latencies, 0.5) * 1000, 1)
            report["api_p95_ms"] = round(benchdb.percentile(latencies, 0.95) * 1000, 1)
            report["api_requests_per_second"] = round(options.requests / wall, 1)
        finally:
            if gunicorn is not None:
                gunicorn.terminate()
                gunicorn.wait(10)


if __name__ == "__main__":
    main()
