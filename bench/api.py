"""Measure REST API list pages on PostgreSQL with a generated business.

    .venv/bin/python bench/api.py --deals 20000      # generates bench/data/deals-20000-seed-1.jsonl once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/api.py --requests 50

A scratch database `bench_api_<timestamp>` is created on the server of DATABASE_URL and dropped
afterwards (unless --keep). The dataset is imported (no KPI roll-up: the API lists read operational
tables), then each list below is requested --requests times through the whole Django stack with a
manager's API token: pages of 50 deals and 50 tickets, unfiltered and with the filters, search and
ordering integrators use, and the pipeline board. Reported per request: p50 and p95 server time in
ms, the queries one request makes and the rows the filter matched. Run by hand; not part of the
test suite.
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


def manage(env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def requests_to_measure() -> dict[str, str]:
    """The lists, with filter values taken from the imported business."""
    from crm.models import Deal, Pipeline
    from support.models import Ticket

    pipeline = Pipeline.objects.order_by("id").first()
    owner = Deal.objects.exclude(owner=None).values_list("owner_id", flat=True).order_by("owner_id").first()
    assignee = Ticket.objects.exclude(assignee=None).values_list("assignee_id", flat=True).first()
    last_ticket = Ticket.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    since = (last_ticket.replace(microsecond=0) - timedelta(days=90)).isoformat()
    return {
        "deals, page 1": "/api/deals/?page_size=50",
        "deals, page 20": "/api/deals/?page_size=50&page=20",
        "deals, open in a pipeline by amount": f"/api/deals/?page_size=50&status=open&pipeline={pipeline.pk}"
                                               "&ordering=-amount_base",
        "deals, an owner's won": f"/api/deals/?page_size=50&status=won&owner={owner}&ordering=-closed_at",
        "deals, search": "/api/deals/?page_size=50&search=renewal",
        "deals board": f"/api/deals/board/?pipeline={pipeline.pk}",
        "tickets, page 1": "/api/tickets/?page_size=50",
        "tickets, open or pending, urgent or high": "/api/tickets/?page_size=50&status=open&status=pending"
                                                    "&priority=urgent&priority=high&ordering=resolution_due_at",
        "tickets, an assignee's last 90 days": f"/api/tickets/?page_size=50&assignee={assignee}"
                                               f"&created_after={since.replace('+', '%2B')}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=50, help="requests per list")
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url, name = create_postgres_database(base_url, "bench_api")
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.base",
               DJANGO_SECRET_KEY="bench-only-secret-key-" + "x" * 40, DJANGO_DEBUG="0",
               DJANGO_ALLOWED_HOSTS="testserver,localhost", CRM_API_USER_RATE="1000000/minute",
               CRM_LOG_LEVEL="WARNING")  # a log line per request would be measured too
    env.pop("REDIS_URL", None)
    dataset = ROOT / "bench" / "data" / f"deals-{options.deals}-seed-{options.seed}.jsonl"
    report: dict[str, object] = {"deals": options.deals, "database": name, "requests_per_list": options.requests}
    try:
        if not dataset.exists():
            dataset.parent.mkdir(parents=True, exist_ok=True)
            report["generate_seconds"] = round(manage(env, "generate_dataset", "--deals", str(options.deals),
                                                      "--seed", str(options.seed), "--output", str(dataset)), 1)
        manage(env, "migrate", "--noinput")
        report["import_seconds"] = round(manage(env, "import_dataset", str(dataset), "--no-rollup"), 1)

        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connection
        from django.test import Client
        from rest_framework.authtoken.models import Token

        from crm.models import Deal, User
        from support.models import Ticket

        report["rows"] = {"deals": Deal.objects.count(), "tickets": Ticket.objects.count()}
        manager = User.objects.create(username="bench-manager", role="manager", is_staff=True)
        client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
        lists: dict[str, dict[str, object]] = {}
        for label, path in requests_to_measure().items():
            statements: list[str] = []

            def count(execute, sql, params, many, context, statements=statements):
                statements.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                response = client.get(path)
            assert response.status_code == 200, (path, response.status_code, response.content[:300])
            body = response.json()
            timings = []
            for _ in range(options.requests):
                started = time.perf_counter()
                client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
            lists[label] = {
                "path": path,
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(percentile(timings, 0.95), 1),
                "queries": len(statements),
                "matched": body["count"] if isinstance(body, dict) else len(body),
            }
        report["lists"] = lists
    finally:
        if not options.keep:
            from django.db import connections

            connections.close_all()
            drop_postgres_database(base_url, name)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
