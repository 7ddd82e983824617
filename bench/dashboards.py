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
import os
from datetime import timedelta

import benchdb

PAGES = [
    "/dashboards/sales/", "/dashboards/marketing/", "/dashboards/service/", "/dashboards/me/",
    "/kpis/revenue/", "/kpis/revenue/records/", "/dashboards/sales/charts/funnel/csv/",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=30, help="requests per page and range")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", metavar="DATABASE", help="measure the pages of a database kept by an earlier "
                        "run (--keep) on the same server, without importing or rolling up again")
    options = parser.parse_args()

    with benchdb.scratch_run("bench_dashboards", options, "testserver,localhost",
                             CRM_TIME_ZONE=os.environ.get("CRM_TIME_ZONE", "Asia/Tehran")) as (env, report):
        report["requests_per_page"] = options.requests
        if not options.reuse:
            benchdb.load_business(env, options.deals, options.seed, report)
            report["rollup_seconds"] = round(benchdb.manage(env, "rollup_kpis", "--full"), 1)

        benchdb.setup_django(env)
        from django.http import HttpResponseBase
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

        def fetch(full: str) -> HttpResponseBase:
            response = client.get(full)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)  # a CSV streams: its time is in the reading
            return response

        pages: dict[str, dict[str, object]] = {}
        for path in PAGES:
            for label, (start, stop, grain) in ranges.items():
                query = f"preset=custom&start={start}&end={stop}&grain={grain}"
                if path.endswith("/csv/"):
                    query = f"start={start}&end={stop}&grain={grain}"
                full = f"{path}?{query}"
                with benchdb.counted_statements() as statements:
                    response = fetch(full)
                assert response.status_code == 200, (full, response.status_code)
                pages[f"{path} {label}"] = {
                    **benchdb.time_requests(lambda full=full: fetch(full), options.requests),
                    "queries": len(statements),
                }
        report["pages"] = pages


if __name__ == "__main__":
    main()
