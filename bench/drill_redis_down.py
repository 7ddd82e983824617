"""Drill: Redis goes down under pages and writes, then comes back.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/drill_redis_down.py

A private redis-server (its own port, nothing on disk) serves as cache and broker, with a Celery
worker, for a scratch PostgreSQL database holding the sample business, rolled up in full. Then:
1. with Redis up, pages are read and records written (deal amounts, ticket replies and resolutions);
2. Redis is killed; the same pages and writes run again: every request must answer as before (no
   5xx), every write must be stored, and the failures (cache, broker) must be logged;
3. Redis is started again and a roll-up is queued to the worker; when it has finished, the snapshot
   rows must equal what a full roll-up computes from scratch: no recompute was lost.
"""

import argparse
import json
import logging
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdb import create_postgres_database, drop_postgres_database

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "sample_business.jsonl"
FINGERPRINT_SQL = ("SELECT day, measure, dimension, member, round(value::numeric, 6) FROM kpis_dailymeasure "
                   "ORDER BY 1, 2, 3, 4")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(port: int) -> subprocess.Popen:
    redis = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind",
                              "127.0.0.1", "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    for _ in range(50):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return redis
        time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20, help="page reads and writes per phase")
    options = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url, name = create_postgres_database(base_url, "bench_redis_down")
    port = free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=redis_url, DJANGO_SETTINGS_MODULE="config.settings.base",
               DJANGO_SECRET_KEY="drill-only-secret-key-" + "x" * 40, DJANGO_DEBUG="0",
               DJANGO_ALLOWED_HOSTS="testserver", CRM_LOG_LEVEL="WARNING")
    redis = start_redis(port)
    worker = None
    report: dict[str, object] = {"database": name, "redis_port": port}
    try:
        for args in (["migrate", "--noinput"], ["import_dataset", str(SAMPLE), "--no-rollup"],
                     ["rollup_kpis", "--full"]):
            subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL)
        worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=1",
                                   "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connection
        from django.test import Client

        from crm import services as crm_services
        from crm.models import Deal, DealStatus, Pipeline, User
        from kpis.models import DirtyDay
        from support import services as support_services
        from support.models import MessageAuthor, Ticket, TicketStatus

        manager = User.objects.create(username="drill-manager", role="manager", is_staff=True)
        client = Client()
        client.force_login(manager)
        pipeline = Pipeline.objects.first()
        pages = ["/dashboards/sales/", "/dashboards/service/", "/api/kpis/revenue/?start=2025-01-01&end=2025-12-31",
                 "/api/kpis/nps/?start=2025-01-01&end=2025-12-31&grain=month", "/api/deals/?page_size=50",
                 f"/deals/board/{pipeline.pk}/", "/tickets/", "/contacts/"]
        open_deals = list(Deal.objects.filter(status=DealStatus.OPEN).order_by("pk")[: 2 * options.rounds])
        open_tickets = list(Ticket.objects.exclude(status__in=[TicketStatus.RESOLVED, TicketStatus.CLOSED])
                            .order_by("pk")[: 2 * options.rounds])

        def phase(label: str, offset: int) -> dict[str, object]:
            statuses: dict[str, list[int]] = {page: [] for page in pages}
            timings: list[float] = []
            write_errors: list[str] = []
            for i in range(options.rounds):
                for page in pages:
                    started = time.perf_counter()
                    statuses[page].append(client.get(page).status_code)
                    timings.append((time.perf_counter() - started) * 1000)
                deal, ticket = open_deals[offset + i], open_tickets[offset + i]
                try:
                    crm_services.deal_update(deal=deal, amount=deal.amount + Decimal("1.00"))
                    support_services.ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="drill")
                    support_services.ticket_resolve(ticket=ticket)
                except Exception as exc:  # the drill counts any failure of a write
                    write_errors.append(f"{type(exc).__name__}: {exc}"[:200])
            stored = sum(1 for t in open_tickets[offset:offset + options.rounds]
                         if Ticket.objects.get(pk=t.pk).status == TicketStatus.RESOLVED)
            return {"phase": label,
                    "statuses": {page: sorted(set(codes)) for page, codes in statuses.items()},
                    "server_errors": sum(code >= 500 for codes in statuses.values() for code in codes),
                    "p50_ms": round(statistics.median(timings), 1),
                    "p95_ms": round(sorted(timings)[int(0.95 * len(timings))], 1),
                    "writes": options.rounds, "write_errors": write_errors, "writes_stored": stored}

        report["redis_up"] = phase("redis up", 0)
        collected = Collect()
        logging.getLogger().addHandler(collected)
        redis.kill()
        redis.wait(10)
        report["redis_down"] = phase("redis down", options.rounds)
        logging.getLogger().removeHandler(collected)
        report["redis_down"]["failures_logged"] = len(collected.records)
        report["redis_down"]["loggers"] = sorted({r.name for r in collected.records})
        report["dirty_days_waiting"] = DirtyDay.objects.count()

        redis = start_redis(port)
        time.sleep(2)  # the worker reconnects
        from kpis.tasks import rollup_kpis_task

        rollup_kpis_task.delay()
        deadline = time.monotonic() + 300
        while DirtyDay.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        report["dirty_days_left_after_recovery"] = DirtyDay.objects.count()
        with connection.cursor() as cursor:
            cursor.execute(FINGERPRINT_SQL)
            incremental = cursor.fetchall()
        subprocess.run([sys.executable, "manage.py", "rollup_kpis", "--full"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        with connection.cursor() as cursor:
            cursor.execute(FINGERPRINT_SQL)
            full = cursor.fetchall()
        report["snapshot_rows"] = len(full)
        report["incremental_equals_full_rollup"] = incremental == full
    finally:
        print(json.dumps(report, indent=2, default=str))
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        redis.kill()
        from django.db import connections

        connections.close_all()
        drop_postgres_database(base_url, name)


if __name__ == "__main__":
    main()
