"""The import engine: reads a file line by line, batches records of one type, and writes each batch with
the record type's own functions (`dataset.records`), all-or-nothing.

Lines are read one at a time and buffered in batches of one record type; a batch is written
when it is full or the type changes, so references to earlier lines always resolve against
the database. Small tables (teams, users, pipelines, stages, campaigns, surveys, lost reasons)
live in dicts; the large ones are resolved per batch with one query per referenced table.

The importer bypasses the services for speed, so it sets their derived fields itself (base
amount, current stage, stage exits, first response, SLA due times, ticket status) and writes in
bulk. What the services' rules decide it does not restate: the KPI days a batch dirties come from
the KPI engine's rules (`core.dirtying`), asked about the batch's rows before and after it is
written, or given the moments a service would give them (a stage move, a reply, a resolution);
role groups are synced by `crm.services.users_sync_role_groups`; and every created or changed
record with a change history gets the historical row a service's save would have written.
Records whose stored values already equal the file's are left alone and mark nothing.

This module holds what every record type shares: the driver (`Importer.run`, `flush`), error collection,
references and lookups, the small-table caches, the batched upsert helpers (`insert`, `write_with_rows`,
`_BatchWithRows`) and the dirty-day and history plumbing. A record type is a `RecordType`: its parse, write
and export functions, registered in `dataset.records.RECORD_TYPES`.
"""

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db import DatabaseError, models, transaction
from django.utils.translation import gettext as _

from core import dirtying
from crm.models import Campaign, LostReason, Pipeline, Stage, Team, User
from dataset import fields as f
from dataset.fields import RecordError
from dataset.sections import KeyMaps, Section
from dataset.sql import BulkInserter, copy_to_history, id_range, ids_by_key
from kpis.dirty import DirtySet
from support.services import sla_hours
from surveys.models import Survey

BATCH_SIZE = 2000
MAX_LISTED_ERRORS = 100
# Bad records remembered so a later reference to one names the line to fix, not "unknown".
MAX_REMEMBERED_FAILURES = 100_000
TEXT_MAX = 1_000_000
# How the exporter names a row that has no external_id; the importer maps it back to that row.
GENERATED_KEY = re.compile(r"([a-z]+)-(\d+)")


class DatasetImportError(Exception):
    """The file had bad lines; nothing was written."""

    def __init__(self, errors: list[tuple[int, str]], total: int) -> None:
        self.errors = errors
        self.total = total
        super().__init__(self.message())

    def message(self) -> str:
        lines = [_("Import failed: %(count)d bad line(s), nothing was written.") % {"count": self.total}]
        lines += [
            _("line %(line)d: %(reason)s") % {"line": line, "reason": reason} for line, reason in self.errors
        ]
        if self.total > len(self.errors):
            lines.append(_("… and %(more)d more.") % {"more": self.total - len(self.errors)})
        return "\n".join(lines)


@dataclass
class ImportResult:
    """What an import wrote, for the command's summary line."""

    counts: Counter[str] = field(default_factory=Counter)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dirty_days: int = 0
    seconds: float = 0.0
    # The record types in file order, for the summary (set by the Importer from its record types).
    order: tuple[str, ...] = field(default=(), repr=False)

    def summary(self) -> str:
        per_type = ", ".join(f"{name} {self.counts[name]}" for name in self.order if self.counts[name])
        return _(
            "Imported %(total)d records (%(created)d created, %(updated)d updated, %(unchanged)d unchanged) "
            "in %(seconds).2f s: %(per_type)s; %(dirty)d dirty KPI days."
        ) % {
            "total": sum(self.counts.values()),
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "seconds": self.seconds,
            "per_type": per_type or "-",
            "dirty": self.dirty_days,
        }


@dataclass
class _BatchWithRows:
    """One flush of records that have rows of their own (a deal's stage entries, a ticket's messages): the
    new records, the changed ones, and the records whose rows are replaced as a whole."""

    now: datetime
    new: list[dict[str, Any]] = field(default_factory=list)
    new_rows: list[list[tuple[Any, ...]]] = field(default_factory=list)
    changed: list[Any] = field(default_factory=list)
    replace: list[int] = field(default_factory=list)
    rows: list[tuple[int, list[tuple[Any, ...]]]] = field(default_factory=list)
    unchanged: int = 0

    def add(self, key: str, values: dict[str, Any], rows: list[tuple[Any, ...]]) -> None:
        self.new.append({"external_id": key, "updated_at": self.now, **values})
        self.new_rows.append(rows)

    def update(
        self, record: Any, values: Mapping[str, Any], rows_changed: bool, rows: list[tuple[Any, ...]]
    ) -> bool:
        """Apply the file's values to a stored record (a new version when any differ) and queue its rows
        for replacement when they differ; True when anything changed."""
        fields_changed = _apply(record, values)
        if fields_changed:
            record.updated_at = self.now
            record.version += 1
            self.changed.append(record)
        if rows_changed:
            self.replace.append(record.pk)
            self.rows.append((record.pk, rows))
        if not (fields_changed or rows_changed):
            self.unchanged += 1
        return fields_changed or rows_changed


def _stored_rows(
    model: type[models.Model], parent: str, parent_ids: list[int], order: tuple[str, ...], columns: tuple[str, ...]
) -> dict[int, list[tuple[Any, ...]]]:
    """The stored rows of these parent records, in `order`, as tuples of `columns`."""
    rows: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for parent_id, *row in (
        model.objects.filter(**{f"{parent}__in": parent_ids}).order_by(parent, *order).values_list(parent, *columns)
    ):
        rows[parent_id].append(tuple(row))
    return rows


class _Item:
    """One parsed record waiting in a batch."""

    __slots__ = ("data", "key", "line")

    def __init__(self, line: int, key: str, data: dict[str, Any]) -> None:
        self.line = line
        self.key = key
        self.data = data


def _apply(obj: models.Model, values: Mapping[str, Any]) -> bool:
    """Set the values that differ; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _row_key(type_name: str, external_id: str | None, pk: int) -> str:
    return external_id if external_id is not None else f"{type_name}-{pk}"


def item_key(obj: Any, type_name: str) -> str:
    return _row_key(type_name, obj.external_id, obj.pk)


class RecordType(NamedTuple):
    """One record type of the format: how a line becomes a batched item, how a batch is written, and which
    rows the export writes (see `dataset.records`)."""

    parse: Callable[["Importer", Mapping[str, Any], int], _Item]
    write: Callable[["Importer", list[_Item]], None]
    export: Callable[[KeyMaps], Section]


class Importer:
    """Parses, validates and writes one file; collects bad lines instead of stopping at the first."""

    def __init__(self, record_types: Mapping[str, RecordType]) -> None:
        self.record_types = record_types
        self.result = ImportResult(order=tuple(record_types))
        self.dirty = DirtySet()
        self.batch_dirty = DirtySet()
        self.errors: list[tuple[int, str]] = []
        self.error_count = 0
        self.failed: dict[tuple[str, str], int] = {}
        self.batch: list[_Item] = []
        self.batch_type: str | None = None
        self.batch_keys: set[str] = set()
        self.base_currency = settings.CRM_CURRENCY
        self._caches: dict[str, dict[str, Any]] = {}
        self._sla: dict[str, tuple[timedelta, timedelta]] = {}
        self._inserters: dict[type[models.Model], BulkInserter] = {}
        self.handlers: dict[
            str, tuple[Callable[[Importer, Mapping[str, Any], int], _Item], Callable[[Importer, list[_Item]], None]]
        ] = {name: (record_type.parse, record_type.write) for name, record_type in record_types.items()}

    # -- driver ---------------------------------------------------------------------------------

    def run(self, lines: Iterable[bytes | str]) -> None:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except UnicodeDecodeError:
                self.error(number, _("the line is not valid UTF-8"))
                continue
            except json.JSONDecodeError as exc:
                self.error(
                    number, _("invalid JSON: %(msg)s (column %(col)d)") % {"msg": exc.msg, "col": exc.colno}
                )
                continue
            if not isinstance(record, dict):
                self.error(number, _("a line must be a JSON object"))
                continue
            type_name = record.get("type")
            if type_name is None:
                self.error(number, _("missing required field “type”"))
                continue
            handler = self.handlers.get(type_name) if isinstance(type_name, str) else None
            if handler is None:
                self.error(
                    number,
                    _("unknown type “%(type)s”; expected one of %(types)s")
                    % {"type": str(type_name)[:40], "types": ", ".join(self.record_types)},
                )
                continue
            if type_name != self.batch_type or len(self.batch) >= BATCH_SIZE:
                self.flush()
            parse, _flush = handler
            try:
                item = parse(self, record, number)
            except RecordError as exc:
                self.error(number, str(exc))
                self.remember_failure(type_name, record, number)
                continue
            if item.key in self.batch_keys:  # a later line updates an earlier one: write that first
                self.flush()
            self.batch_type = type_name
            self.batch.append(item)
            self.batch_keys.add(item.key)
        self.flush()

    def flush(self) -> None:
        if not self.batch:
            self.batch_type = None
            return
        items, type_name = self.batch, self.batch_type
        assert type_name is not None
        self.batch, self.batch_keys, self.batch_type = [], set(), None
        self.batch_dirty = DirtySet()
        try:
            with transaction.atomic():
                self.handlers[type_name][1](self, items)
        except DatabaseError as exc:
            # Validation should make this unreachable; if not, blame the batch rather than crash.
            self.error(
                items[0].line,
                _("database error writing lines %(first)d to %(last)d: %(error)s")
                % {"first": items[0].line, "last": items[-1].line, "error": str(exc)[:300]},
            )
            self._caches.clear()
            return
        # DirtyDay rows are append-only, so the batches' days are saved together, once, by import_dataset.
        self.dirty.update(self.batch_dirty)

    def error(self, line: int, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append((line, reason))

    def remember_failure(self, type_name: str, record: Mapping[str, Any], line: int) -> None:
        key_field = {"team": "name", "user": "username"}.get(type_name, "external_id")
        value = record.get(key_field)
        if isinstance(value, str) and len(self.failed) < MAX_REMEMBERED_FAILURES:
            self.failed.setdefault((type_name, value), line)

    def fail_item(self, type_name: str, item: _Item, exc: RecordError) -> None:
        self.error(item.line, str(exc))
        if len(self.failed) < MAX_REMEMBERED_FAILURES:
            self.failed.setdefault((type_name, item.key), item.line)

    def note_records(self, change: str, model: type[models.Model], ids: list[int]) -> None:
        """Add the days these stored rows count on now, by the KPI engine's rule for `change`, to the batch's.

        Called before a batch is written (the days the rows counted on) and after (the days they count on).
        """
        if ids:
            span = id_range(ids)
            rows = model.objects.filter(pk__in=ids) if span is None else model.objects.filter(pk__range=span)
            self.batch_dirty.update(dirtying.days_of(change, rows))

    def note_moments(self, change: str, moments: list[datetime | date | None]) -> None:
        """Add the days of these moments, by the rule a service gives them to (a move, a reply, spend)."""
        if moments:
            self.batch_dirty.update(dirtying.days_of(change, moments))

    def write_history(
        self, model: type[models.Model], now: datetime, created: list[int], changed: list[int]
    ) -> None:
        """The change history of the batch's created and changed records, as their services' saves write it
        (one "+" or "~" row each, dated at the batch's write, with no user: an import has no request)."""
        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            copy_to_history(model, created, "+", now)
            copy_to_history(model, changed, "~", now)

    def insert(
        self, model: type[models.Model], rows: list[dict[str, Any]], *, returning: bool = False
    ) -> list[int]:
        if model not in self._inserters:
            self._inserters[model] = BulkInserter(model)
        return self._inserters[model].insert(rows, returning=returning)

    def write_with_rows(
        self,
        type_name: str,
        model: type[models.Model],
        batch: _BatchWithRows,
        fields: list[str],
        row_model: type[models.Model],
        parent: str,
        row_dicts: Callable[[int, list[tuple[Any, ...]]], Iterable[dict[str, Any]]],
    ) -> list[int]:
        """Insert the batch's new records, update the changed ones, replace the rows that differ, write their
        change history, and count; returns the new records' ids."""
        new_ids = self.insert(model, batch.new, returning=True)
        batch.rows.extend(zip(new_ids, batch.new_rows, strict=True))
        model.objects.bulk_update(batch.changed, fields)
        row_model.objects.filter(**{f"{parent}__in": batch.replace}).delete()
        self.insert(row_model, [row for parent_id, rows in batch.rows for row in row_dicts(parent_id, rows)])
        self.write_history(model, batch.now, new_ids, [record.pk for record in batch.changed])
        updated = len({record.pk for record in batch.changed} | set(batch.replace))
        self.count(type_name, created=len(batch.new), updated=updated, unchanged=batch.unchanged)
        return new_ids

    def count(self, type_name: str, created: int = 0, updated: int = 0, unchanged: int = 0) -> None:
        self.result.counts[type_name] += created + updated + unchanged
        self.result.created += created
        self.result.updated += updated
        self.result.unchanged += unchanged

    # -- references -----------------------------------------------------------------------------

    def unknown(self, type_name: str, field_name: str, value: str) -> RecordError:
        line = self.failed.get((type_name, value))
        if line is not None:
            return RecordError(
                _("“%(field)s” refers to %(type)s “%(value)s”, which is invalid (line %(line)d)")
                % {"field": field_name, "type": type_name, "value": value, "line": line}
            )
        return RecordError(
            _("unknown %(type)s “%(value)s” in “%(field)s”")
            % {"type": type_name, "value": value, "field": field_name}
        )

    def ref(
        self,
        ids: Mapping[str, Any],
        type_name: str,
        record: Mapping[str, Any],
        field_name: str,
        *,
        required: bool = False,
    ) -> Any:
        """Resolve a reference field through `ids` (key → id); None stays None."""
        value = f.key(record, field_name, required=required, max_length=150)
        if value is None:
            return None
        try:
            return ids[value]
        except KeyError:
            raise self.unknown(type_name, field_name, value) from None

    def resolve(
        self, ids: Mapping[str, int], type_name: str, field_name: str, value: str | None
    ) -> int | None:
        if value is None:
            return None
        try:
            return ids[value]
        except KeyError:
            raise self.unknown(type_name, field_name, value) from None

    def lookup(self, model: type[models.Model], type_name: str, keys: set[str | None]) -> dict[str, int]:
        """Ids of the rows with these keys, in one query (two when generated keys are involved)."""
        wanted = [k for k in keys if k is not None]
        found = ids_by_key(model, wanted)
        generated = self._generated(type_name, (k for k in wanted if k not in found))
        if generated:
            for pk in model.objects.filter(pk__in=generated, external_id__isnull=True).values_list(
                "pk", flat=True
            ):
                found[generated[pk]] = pk
        return found

    def existing(self, model: type[models.Model], type_name: str, keys: Iterable[str]) -> dict[str, Any]:
        """The rows the batch updates, by key (none at all on a first import: one cheap query)."""
        ids = self.lookup(model, type_name, set(keys))
        if not ids:
            return {}
        by_pk = {pk: key for key, pk in ids.items()}
        return {by_pk[obj.pk]: obj for obj in model.objects.filter(pk__in=by_pk)}

    @staticmethod
    def _generated(type_name: str, keys: Iterable[str]) -> dict[int, str]:
        """Keys of the form `<type>-<pk>` that the exporter gives rows without an external_id."""
        out = {}
        for key in keys:
            match = GENERATED_KEY.fullmatch(key)
            if match and match.group(1) == type_name:
                out[int(match.group(2))] = key
        return out

    def cache(self, name: str) -> dict[str, Any]:
        """Small tables, loaded once: key → id (stages: (id, pipeline id); surveys: (id, kind))."""
        if name not in self._caches:
            if name == "team":
                data = dict(Team.objects.values_list("name", "pk"))
            elif name == "user":
                data = dict(User.objects.values_list("username", "pk"))
            elif name == "lost_reason":
                data = dict(LostReason.objects.values_list("name", "pk"))
            elif name == "stage":
                data = {
                    _row_key("stage", ext, pk): (pk, pipeline_id)
                    for pk, ext, pipeline_id in Stage.objects.values_list("pk", "external_id", "pipeline_id")
                }
            elif name == "survey":
                data = {
                    _row_key("survey", ext, pk): (pk, kind)
                    for pk, ext, kind in Survey.objects.values_list("pk", "external_id", "kind")
                }
            else:
                model = {"pipeline": Pipeline, "campaign": Campaign}[name]
                data = {
                    _row_key(name, ext, pk): pk for pk, ext in model.objects.values_list("pk", "external_id")
                }
            self._caches[name] = data
        return self._caches[name]

    def sla(self, priority: str) -> tuple[timedelta, timedelta]:
        if priority not in self._sla:
            first, resolution = sla_hours(priority)
            self._sla[priority] = (timedelta(hours=first), timedelta(hours=resolution))
        return self._sla[priority]

    def lost_reason_id(self, name: str) -> int:
        reasons = self.cache("lost_reason")
        if name not in reasons:
            reasons[name] = LostReason.objects.get_or_create(name=name)[0].pk
        return reasons[name]
