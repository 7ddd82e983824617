"""Scratch PostgreSQL databases for the benchmarks."""

import time
from urllib.parse import urlsplit, urlunsplit


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
