"""Scratch PostgreSQL databases for the benchmarks, and the steps the measuring scripts share around them:
the environment a scratch database runs under, manage.py commands, loading a generated business, and
timing requests."""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def create_postgres_database(url: str, prefix: str = "bench_import") -> tuple[str, str]:
    """Create <prefix>_<timestamp> next to the database of `url`; returns (its url, its name)."""
    import psycopg

    name = f"{prefix}_{time.strftime('%Y%m%d_%H%M%S')}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment)), name


def drop_postgres_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # a killed worker may hold a session


def scratch_database(base_url: str, prefix: str, reuse: str | None = None) -> tuple[str, str]:
    """A new <prefix>_<timestamp> database, or the database `reuse` kept by an earlier run on the same
    server; returns (its url, its name)."""
    if reuse:
        parts = urlsplit(base_url)
        return urlunsplit((parts.scheme, parts.netloc, f"/{reuse}", "", "")), reuse
    return create_postgres_database(base_url, prefix)


def bench_env(url: str, allowed_hosts: str, **settings: str) -> dict[str, str]:
    """Production settings on the scratch database, without Redis (cache and queue stay in-process)."""
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.base",
               DJANGO_SECRET_KEY="bench-only-secret-key-" + "x" * 40, DJANGO_DEBUG="0",
               DJANGO_ALLOWED_HOSTS=allowed_hosts, **settings)
    env.pop("REDIS_URL", None)
    return env


@contextmanager
def scratch_run(
    prefix: str, options: argparse.Namespace, allowed_hosts: str, **settings: str
) -> Iterator[tuple[dict[str, str], dict[str, object]]]:
    """A measuring run on a new database on the server of DATABASE_URL (or on the kept database --reuse
    names): yields the environment to run under and the report to fill, drops the database afterwards
    unless --keep or --reuse, then prints the report as JSON."""
    base_url = os.environ.get("DATABASE_URL", DEFAULT_SERVER_URL)
    reuse = getattr(options, "reuse", None)
    url, name = scratch_database(base_url, prefix, reuse)
    env = bench_env(url, allowed_hosts, **settings)
    report: dict[str, object] = {"deals": options.deals, "database": name}
    try:
        yield env, report
    finally:
        if not (options.keep or reuse):
            from django.db import connections

            connections.close_all()
            drop_postgres_database(base_url, name)
    print(json.dumps(report, indent=2))


def manage(env: dict[str, str], *args: str) -> float:
    """Run a manage.py command under `env`; returns its seconds."""
    started = time.monotonic()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def load_business(env: dict[str, str], deals: int, seed: int, report: dict[str, object]) -> None:
    """Migrate the scratch database and import a generated business, without the KPI roll-up. The
    business is generated once into bench/data: later runs with the same size and seed reuse the file."""
    dataset = ROOT / "bench" / "data" / f"deals-{deals}-seed-{seed}.jsonl"
    if not dataset.exists():
        dataset.parent.mkdir(parents=True, exist_ok=True)
        report["generate_seconds"] = round(manage(env, "generate_dataset", "--deals", str(deals),
                                                  "--seed", str(seed), "--output", str(dataset)), 1)
    manage(env, "migrate", "--noinput")
    report["import_seconds"] = round(manage(env, "import_dataset", str(dataset), "--no-rollup"), 1)


def setup_django(env: dict[str, str]) -> None:
    """Measure in this process from here on, on the scratch database."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """The SQL statements run inside the block (Django's connection), in order."""
    from django.db import connection

    statements: list[str] = []

    def count(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield statements


def time_requests(request: Callable[[], object], times: int) -> dict[str, float]:
    """Median and 95th percentile of `times` calls of `request`, in milliseconds."""
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        request()
        timings.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(statistics.median(timings), 1), "p95_ms": round(percentile(timings, 0.95), 1)}
