"""Multi-row INSERTs straight from Python values, for the importer's large tables.

`bulk_create` spends most of its time building model instances and preparing each value
through the field API (tens of microseconds a row); the importer already holds validated
values, so it only needs them adapted for the driver. Every concrete column is written, with
the model field's default (or "now" for `auto_now`) when a row does not give it, so the rows
are the ones `bulk_create` would have written.
"""

import sqlite3
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from django.db import connection, models
from django.utils import timezone

# Rows per statement: large enough to amortise the round trip, small enough to keep the SQL short.
MAX_ROWS_PER_STATEMENT = 500


def _sqlite_datetime(value: datetime) -> str:
    """What Django's SQLite backend stores for USE_TZ=True: naive UTC as text ("+00:00" cut off)."""
    if value.tzinfo is UTC:  # the file's timestamps mostly are: spare the conversion
        return value.isoformat(" ")[:-6]
    return str(value.astimezone(UTC))[:-6]


def _max_params() -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        try:
            return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except AttributeError:  # pragma: no cover - Python < 3.11
            return 999
    return connection.features.max_query_params or 65535


class BulkInserter:
    """INSERT rows given as dicts of attname → value, returning the new primary keys in row order.

    Relies, as `bulk_create` does, on INSERT … RETURNING giving rows back in VALUES order. All the
    rows of one `insert()` call must have the same keys (they come from one code path).
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        meta = model._meta
        self.fields = [f for f in meta.concrete_fields if not f.primary_key]
        self.sqlite = connection.vendor == "sqlite"
        self.placeholder = "?" if self.sqlite else "%s"
        ops = connection.ops
        self.qn = ops.quote_name
        self.table = self.qn(meta.db_table)
        self.pk_column = self.qn(meta.pk.column)
        self.returning = connection.features.can_return_rows_from_bulk_insert
        self.per_statement = max(1, min(MAX_ROWS_PER_STATEMENT, _max_params() // len(self.fields)))
        self.adapters: dict[str, Callable[[Any], Any]] = {}
        for field in self.fields:
            if isinstance(field, models.DateTimeField):
                if self.sqlite:
                    self.adapters[field.attname] = _sqlite_datetime
                elif connection.vendor != "postgresql":
                    self.adapters[field.attname] = ops.adapt_datetimefield_value
            elif isinstance(field, models.DecimalField) and connection.vendor not in ("sqlite", "postgresql"):
                self.adapters[field.attname] = ops.adapt_decimalfield_value
        self._sql_cache: dict[tuple[tuple[str, ...], int, bool], str] = {}
        self._sequence: str | None = None

    @staticmethod
    def _producer(field: models.Field) -> Callable[[], Any]:
        """A column a row leaves out gets what a new model instance would hold."""
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return timezone.now
        if field.has_default() and callable(field.default):
            return field.default
        value = field.get_default()
        return lambda: value

    def _sql(self, columns: tuple[str, ...], count: int, returning: bool) -> str:
        key = (columns, count, returning)
        if key not in self._sql_cache:
            row_sql = "(" + ", ".join([self.placeholder] * len(columns)) + ")"
            sql = f"INSERT INTO {self.table} ({', '.join(self.qn(c) for c in columns)}) VALUES " + ", ".join(
                [row_sql] * count
            )
            if returning:
                sql += f" RETURNING {self.pk_column}"
            self._sql_cache[key] = sql
        return self._sql_cache[key]

    def insert(self, rows: list[Mapping[str, Any]], *, returning: bool = False) -> list[int]:
        """Write the rows; with `returning`, their new primary keys in the same order."""
        if not rows:
            return []
        given = [f for f in self.fields if f.attname in rows[0]]
        missing = [f for f in self.fields if f.attname not in rows[0]]
        columns = tuple(f.column for f in given + missing)
        getter = itemgetter(*(f.attname for f in given))
        single = len(given) == 1
        producers = [self._producer(f) for f in missing]
        adapt = [
            (i, self.adapters[f.attname]) for i, f in enumerate(given + missing) if f.attname in self.adapters
        ]

        def values(row: Mapping[str, Any]) -> list[Any]:
            out = [getter(row)] if single else list(getter(row))
            for produce in producers:
                out.append(produce())
            for index, adapter in adapt:
                if out[index] is not None:
                    out[index] = adapter(out[index])
            return out

        if connection.vendor == "postgresql":
            return self._copy(rows, columns, values, returning)
        return self._insert_values(rows, columns, values, returning)

    def _insert_values(
        self,
        rows: list[Mapping[str, Any]],
        columns: tuple[str, ...],
        values: Callable[[Mapping[str, Any]], list[Any]],
        returning: bool,
    ) -> list[int]:
        """Multi-row INSERT … VALUES (… RETURNING id) in statements of `per_statement` rows."""
        if returning and not self.returning:  # pragma: no cover - SQLite >= 3.35 returns
            raise NotImplementedError("this database cannot return ids from a multi-row INSERT")
        ids: list[int] = []
        if self.sqlite:  # the driver's own cursor: Django's rewrites every "%s" of the SQL by regex
            connection.ensure_connection()
            cursor = connection.connection.cursor()
        else:
            cursor = connection.cursor()
        try:
            step = self.per_statement
            for start in range(0, len(rows), step):
                chunk = rows[start : start + step]
                params: list[Any] = []
                for row in chunk:
                    params += values(row)
                cursor.execute(self._sql(columns, len(chunk), returning), params)
                if returning:
                    ids.extend(row[0] for row in cursor.fetchall())
        finally:
            cursor.close()
        return ids

    def _copy(
        self,
        rows: list[Mapping[str, Any]],
        columns: tuple[str, ...],
        values: Callable[[Mapping[str, Any]], list[Any]],
        returning: bool,
    ) -> list[int]:
        """PostgreSQL COPY, several times faster than INSERT; ids are drawn from the sequence first.

        Taking the ids with nextval() keeps them unique under concurrent writers, as a default would.
        """
        ids: list[int] = []
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            if returning:
                if self._sequence is None:
                    cursor.execute(
                        "SELECT pg_get_serial_sequence(%s, %s)",
                        [self.model._meta.db_table, self.model._meta.pk.column],
                    )
                    self._sequence = cursor.fetchone()[0]
                cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [self._sequence, len(rows)])
                ids = [row[0] for row in cursor.fetchall()]
                columns = (self.model._meta.pk.column, *columns)
            sql = f"COPY {self.table} ({', '.join(self.qn(c) for c in columns)}) FROM STDIN"
            with cursor.copy(sql) as copy:
                if returning:
                    for pk, row in zip(ids, rows, strict=True):
                        copy.write_row([pk, *values(row)])
                else:
                    for row in rows:
                        copy.write_row(values(row))
        return ids


def ids_by_key(model: type[models.Model], keys: list[str]) -> dict[str, int]:
    """external_id → pk for the rows among `keys`, in raw SQL.

    The ORM prepares every value of a 2,000-item IN list through the field API; this is called
    two or three times per batch, so it skips that.
    """
    found: dict[str, int] = {}
    if not keys:
        return found
    qn = connection.ops.quote_name
    meta = model._meta
    key_column, pk_column = qn(meta.get_field("external_id").column), qn(meta.pk.column)
    select = f"SELECT {key_column}, {pk_column} FROM {qn(meta.db_table)} WHERE {key_column}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one array parameter instead of thousands
            cursor.execute(f"{select} = ANY(%s)", [keys])
            found.update(cursor.fetchall())
            return found
        step = max(1, min(MAX_ROWS_PER_STATEMENT * 4, _max_params() - 1))
        for start in range(0, len(keys), step):
            chunk = keys[start : start + step]
            cursor.execute(f"{select} IN ({', '.join(['%s'] * len(chunk))})", chunk)
            found.update(cursor.fetchall())
    return found


def id_range(ids: list[int]) -> tuple[int, int] | None:
    """(lowest, highest) when the ids are consecutive and distinct, as a batch's new rows usually are."""
    low, high = min(ids), max(ids)
    return (low, high) if high - low + 1 == len(ids) == len(set(ids)) else None


def copy_to_history(model: type[models.Model], ids: list[int], history_type: str, history_date: datetime) -> None:
    """Write the historical row simple-history's save writes for each of these stored rows: every tracked
    field as stored, the type ("+" created, "~" changed) and the date, no user and no change reason.

    INSERT … SELECT copies the rows inside the database, a statement per batch: the values never come
    back to Python, and the history is the stored row itself.
    """
    if not ids:
        return
    history = model.history.model  # type: ignore[attr-defined]
    qn = connection.ops.quote_name
    meta, history_meta = model._meta, history._meta
    source = [meta.get_field(f.name).column for f in history.tracked_fields]
    target = [history_meta.get_field(f.attname).column for f in history.tracked_fields]
    target += [history_meta.get_field(name).column for name in
               ("history_date", "history_type", "history_change_reason", "history_user")]
    pk = qn(meta.pk.column)
    head = (
        f"INSERT INTO {qn(history_meta.db_table)} ({', '.join(qn(c) for c in target)}) "
        f"SELECT {', '.join(qn(c) for c in source)}, %s, %s, NULL, NULL FROM {qn(meta.db_table)} WHERE {pk}"
    )
    stamp = [connection.ops.adapt_datetimefield_value(history_date), history_type]
    with connection.cursor() as cursor:
        span = id_range(ids)
        if span is not None:
            cursor.execute(f"{head} BETWEEN %s AND %s ORDER BY {pk}", [*stamp, *span])
            return
        step = max(1, min(MAX_ROWS_PER_STATEMENT * 4, _max_params() - len(stamp)))
        ordered = sorted(ids)
        for start in range(0, len(ordered), step):
            chunk = ordered[start : start + step]
            cursor.execute(f"{head} IN ({', '.join(['%s'] * len(chunk))}) ORDER BY {pk}", [*stamp, *chunk])
