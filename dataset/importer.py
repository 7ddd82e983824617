"""Streaming, all-or-nothing import of the dataset format.

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
"""

import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import dirtying
from crm.models import (
    Campaign,
    CampaignChannel,
    CampaignSpend,
    Company,
    Contact,
    Deal,
    DealKind,
    DealStageEntry,
    DealStatus,
    Language,
    LostReason,
    Pipeline,
    Role,
    Stage,
    Team,
    User,
    base_amount,
)
from crm.normalize import CONTACT_NORMALIZED_FIELDS, contact_normalized_fields, normalize_name
from crm.services import users_sync_role_groups
from dataset import fields as f
from dataset.fields import RecordError
from dataset.sql import BulkInserter, copy_to_history, id_range, ids_by_key
from kpis.dirty import DirtySet
from kpis.models import DirtyDay
from support.models import Channel, MessageAuthor, Priority, Ticket, TicketMessage, TicketStatus
from support.services import sla_hours
from support.threads import reply_waiting_since
from surveys.models import SERVQUAL_DIMENSIONS, Invitation, Response, Survey, SurveyKind
from surveys.services import validate_answer

BATCH_SIZE = 2000
MAX_LISTED_ERRORS = 100
# Bad records remembered so a later reference to one names the line to fix, not "unknown".
MAX_REMEMBERED_FAILURES = 100_000
TEXT_MAX = 1_000_000
# How the exporter names a row that has no external_id; the importer maps it back to that row.
GENERATED_KEY = re.compile(r"([a-z]+)-(\d+)")
ORDER = (
    "team",
    "user",
    "company",
    "campaign",
    "contact",
    "pipeline",
    "deal",
    "ticket",
    "survey",
    "invitation",
    "response",
)
SERVQUAL_FIELDS = tuple(
    f"{dim}_{side}" for dim in SERVQUAL_DIMENSIONS for side in ("expectation", "perception")
)
USERNAME = re.compile(r"[\w.@+-]+")
CURRENCY = re.compile(r"[A-Z]{3}")

# Plain strings: enum attribute access and `.values` cost microseconds, and these run per record.
ROLES = tuple(Role.values)
CAMPAIGN_CHANNELS = tuple(CampaignChannel.values)
LANGUAGES = tuple(Language.values)
DEAL_STATUSES = tuple(DealStatus.values)
DEAL_KINDS = tuple(DealKind.values)
AUTHORS = tuple(MessageAuthor.values)
PRIORITIES = tuple(Priority.values)
TICKET_CHANNELS = tuple(Channel.values)
SURVEY_KINDS = tuple(SurveyKind.values)
MANAGER, ADMIN = Role.MANAGER.value, Role.ADMIN.value
OPEN, WON, LOST = DealStatus.OPEN.value, DealStatus.WON.value, DealStatus.LOST.value
AGENT, CUSTOMER = MessageAuthor.AGENT.value, MessageAuthor.CUSTOMER.value
TICKET_NEW, TICKET_OPEN, TICKET_PENDING = (
    TicketStatus.NEW.value,
    TicketStatus.OPEN.value,
    TicketStatus.PENDING.value,
)
TICKET_RESOLVED, TICKET_CLOSED = TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value
SERVQUAL = SurveyKind.SERVQUAL.value
CAMPAIGN_CHANNELS_DEFAULT = CampaignChannel.OTHER.value
LANGUAGE_DEFAULT = Language.ENGLISH.value
DEAL_KIND_DEFAULT = DealKind.NEW.value
PRIORITY_DEFAULT = Priority.NORMAL.value
TICKET_CHANNEL_DEFAULT = Channel.EMAIL.value


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

    def summary(self) -> str:
        per_type = ", ".join(f"{name} {self.counts[name]}" for name in ORDER if self.counts[name])
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


def _stage_moves(
    deal: Deal, values: Mapping[str, Any], old: list[tuple[Any, ...]], entries: list[tuple[Any, ...]]
) -> list[datetime] | None:
    """The moments of the moves that take the stored open deal on through stages to the file's, when that is
    all that changed (what `deal_move_stage` does, one move at a time); None when anything else changed."""
    last = len(old) - 1
    if deal.status != OPEN or last < 0 or len(entries) <= len(old):
        return None
    if entries[:last] != old[:last] or entries[last][:2] != old[last][:2] or old[last][2] is not None:
        return None
    if any(getattr(deal, name) != value for name, value in values.items() if name != "stage_id"):
        return None
    return [entered_at for _stage, entered_at, _exited in entries[len(old) :]]


# A ticket's fields that only `ticket_update` changes (and its creation, which no service changes): every day
# the ticket counts on is re-counted when one of them changes.
TICKET_DESCRIPTION = ("subject", "contact_id", "assignee_id", "priority", "channel", "created_at")


def _ticket_moments(before: tuple[datetime | None, datetime | None], ticket: Ticket) -> list[datetime | None]:
    """The moments a service marks for a ticket's new first response or resolution: a resolution's old and
    new moments (`ticket_resolve`, `ticket_reopen`); a first response's old and new moments with the
    resolution's (`ticket_add_message`)."""
    first_response_at, resolved_at = before
    moments: list[datetime | None] = []
    if ticket.resolved_at != resolved_at:
        moments += [resolved_at, ticket.resolved_at]
    if ticket.first_response_at != first_response_at:
        moments += [first_response_at, ticket.first_response_at, resolved_at, ticket.resolved_at]
    return moments


def _reply_wait_changes(old: list[tuple[Any, ...]], new: list[tuple[Any, ...]]) -> list[datetime]:
    """The moments of the messages whose `waiting_since` changed, as `thread_refresh_waits` reports them:
    a message new to the thread had none, and one the file leaves out loses the one it had."""
    stored: dict[tuple[Any, ...], list[datetime | None]] = defaultdict(list)
    for *message, waiting_since in old:
        stored[tuple(message)].append(waiting_since)
    moments = []
    for *message, waiting_since in new:
        waits = stored.get(tuple(message))
        if waiting_since != (waits.pop() if waits else None):
            moments.append(message[0])
    moments += [message[0] for message, waits in stored.items() for wait in waits if wait is not None]
    return moments


class Importer:
    """Parses, validates and writes one file; collects bad lines instead of stopping at the first."""

    def __init__(self) -> None:
        self.result = ImportResult()
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
            str, tuple[Callable[[Mapping[str, Any], int], _Item], Callable[[list[_Item]], None]]
        ] = {name: (getattr(self, f"parse_{name}"), getattr(self, f"flush_{name}")) for name in ORDER}

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
                    % {"type": str(type_name)[:40], "types": ", ".join(ORDER)},
                )
                continue
            if type_name != self.batch_type or len(self.batch) >= BATCH_SIZE:
                self.flush()
            parse, _flush = handler
            try:
                item = parse(record, number)
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
                self.handlers[type_name][1](items)
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

    # -- teams and users ------------------------------------------------------------------------

    def parse_team(self, record: Mapping[str, Any], line: int) -> _Item:
        name = f.text(record, "name", 100, required=True, blank=False)
        return _Item(line, name, {})

    def flush_team(self, items: list[_Item]) -> None:
        teams = self.cache("team")
        new = [Team(name=item.key) for item in items if item.key not in teams]
        Team.objects.bulk_create(new)
        teams.update(Team.objects.filter(name__in=[t.name for t in new]).values_list("name", "pk"))
        self.count("team", created=len(new), unchanged=len(items) - len(new))

    def parse_user(self, record: Mapping[str, Any], line: int) -> _Item:
        username = f.text(record, "username", 150, required=True, blank=False)
        if not USERNAME.fullmatch(username):
            raise RecordError(_("“username” may contain only letters, digits and @ . + - _"))
        role = f.choice(record, "role", ROLES)
        return _Item(
            line,
            username,
            {
                "full_name": f.text(record, "full_name", 200),
                "email": f.text(record, "email", 254),
                "role": role,
                "team_id": self.ref(self.cache("team"), "team", record, "team"),
            },
        )

    def flush_user(self, items: list[_Item]) -> None:
        existing = {u.username: u for u in User.objects.filter(username__in=[i.key for i in items])}
        new, changed, unchanged = [], [], 0
        for item in items:
            values = item.data
            staff = values["role"] in (MANAGER, ADMIN)
            superuser = values["role"] == ADMIN
            user = existing.get(item.key)
            if user is None:
                user = User(username=item.key, is_staff=staff, is_superuser=superuser, **values)
                user.set_unusable_password()
                new.append(user)
                continue
            # An import grants what a role needs but never revokes staff or superuser rights.
            if _apply(
                user,
                {
                    **values,
                    "is_staff": user.is_staff or staff,
                    "is_superuser": user.is_superuser or superuser,
                },
            ):
                changed.append(user)
            else:
                unchanged += 1
        User.objects.bulk_create(new)
        User.objects.bulk_update(
            changed, ["full_name", "email", "role", "team_id", "is_staff", "is_superuser"]
        )
        users = self.cache("user")
        batch = [*existing.values(), *new]
        for user in new:
            users[user.username] = user.pk
        users_sync_role_groups(batch)
        self.count("user", created=len(new), updated=len(changed), unchanged=unchanged)

    # -- companies, campaigns, contacts ---------------------------------------------------------

    def _churn(self, record: Mapping[str, Any]) -> dict[str, Any]:
        churned_at = f.timestamp(record, "churned_at")
        reason = f.text(record, "churn_reason", 200)
        return {"churned_at": churned_at, "churn_reason": reason if churned_at else ""}

    def parse_company(self, record: Mapping[str, Any], line: int) -> _Item:
        ext = f.key(record, "external_id", required=True)
        assert ext is not None
        return _Item(
            line,
            ext,
            {
                "name": f.text(record, "name", 200, required=True, blank=False),
                "created_at": f.timestamp(record, "created_at", required=True),
                **self._churn(record),
            },
        )

    def flush_company(self, items: list[_Item]) -> None:
        """Names and creation times move no KPI day (customers are counted by id, from their deals and
        churn); a churn set, moved or cleared is marked as `customer_set_churn` marks it."""
        existing = self.existing(Company, "company", (i.key for i in items))
        now = timezone.now()
        new, changed, churn_changed = [], [], []
        for item in items:
            values = {**item.data, "name_normalized": normalize_name(item.data["name"])}
            company = existing.get(item.key)
            if company is None:
                new.append({"external_id": item.key, **values})
                continue
            churn = (company.churned_at, company.churn_reason)
            if _apply(company, values):
                company.version += 1
                changed.append(company)
                if churn != (company.churned_at, company.churn_reason):
                    churn_changed.append(company.pk)
        self.note_records("customers", Company, churn_changed)
        new_ids = self.insert(Company, new, returning=True)
        Company.objects.bulk_update(changed, ["name", "name_normalized", "created_at", "churned_at", "churn_reason",
                                              "version"])
        churned_new = [pk for pk, values in zip(new_ids, new, strict=True) if values["churned_at"] is not None]
        self.note_records("customers", Company, [*churn_changed, *churned_new])
        self.write_history(Company, now, new_ids, [company.pk for company in changed])
        self.count(
            "company", created=len(new), updated=len(changed), unchanged=len(items) - len(new) - len(changed)
        )

    def parse_campaign(self, record: Mapping[str, Any], line: int) -> _Item:
        ext = f.key(record, "external_id", required=True)
        assert ext is not None
        spend = []
        for index, entry in enumerate(f.array(record, "spend")):
            label = f"spend[{index}]"
            entry = f.obj(entry, label)
            spent_on = f.date_value(entry.get("date"), f"{label}.date")
            amount = f.decimal_value(entry.get("amount"), f"{label}.amount", max_digits=14, places=2)
            spend.append((spent_on, amount))
        return _Item(
            line,
            ext,
            {
                "name": f.text(record, "name", 200, required=True, blank=False),
                "channel": f.choice(record, "channel", CAMPAIGN_CHANNELS, default=CAMPAIGN_CHANNELS_DEFAULT),
                "spend": spend,
            },
        )

    def flush_campaign(self, items: list[_Item]) -> None:
        campaigns = self.cache("campaign")
        ids = [campaigns[i.key] for i in items if i.key in campaigns]
        rows = {_row_key("campaign", c.external_id, c.pk): c for c in Campaign.objects.filter(pk__in=ids)}
        old_spend: dict[int, list[tuple[Any, Decimal]]] = defaultdict(list)
        for campaign_id, spent_on, amount in (
            CampaignSpend.objects.filter(campaign_id__in=ids)
            .order_by("campaign_id", "date", "id")
            .values_list("campaign_id", "date", "amount")
        ):
            old_spend[campaign_id].append((spent_on, amount))
        new, changed, replace = [], [], []
        spend_rows: list[dict[str, Any]] = []
        pending: list[tuple[Campaign, list[tuple[Any, Decimal]]]] = []
        spend_dates: list[date] = []  # of the entries added or removed, as the spend services mark them
        unchanged = 0
        for item in items:
            spend = item.data["spend"]
            values = {"name": item.data["name"], "channel": item.data["channel"]}
            campaign = rows.get(item.key)
            if campaign is None:
                campaign = Campaign(external_id=item.key, **values)
                new.append(campaign)
                pending.append((campaign, spend))
                spend_dates.extend(d for d, _a in spend)
                continue
            fields_changed = _apply(campaign, values)
            spend_changed = sorted(spend, key=lambda s: s[0]) != old_spend.get(campaign.pk, [])
            if fields_changed:
                changed.append(campaign)
            if spend_changed:
                replace.append(campaign.pk)
                pending.append((campaign, spend))
                stored, given = Counter(old_spend.get(campaign.pk, [])), Counter(spend)
                spend_dates.extend(d for d, _a in ((stored - given) + (given - stored)).elements())
            if not (fields_changed or spend_changed):
                unchanged += 1
        Campaign.objects.bulk_create(new)
        Campaign.objects.bulk_update(changed, ["name", "channel"])
        CampaignSpend.objects.filter(campaign_id__in=replace).delete()
        for campaign, spend in pending:
            spend_rows.extend({"campaign_id": campaign.pk, "date": d, "amount": a} for d, a in spend)
        self.insert(CampaignSpend, spend_rows)
        # A name or channel moves no day (campaign KPIs are broken down by id), as `campaign_update` says.
        self.note_moments("spend_dates", spend_dates)
        for campaign in new:
            campaigns[item_key(campaign, "campaign")] = campaign.pk
        self.count(
            "campaign", created=len(new), updated=len(items) - len(new) - unchanged, unchanged=unchanged
        )

    def parse_contact(self, record: Mapping[str, Any], line: int) -> _Item:
        ext = f.key(record, "external_id", required=True)
        assert ext is not None
        return _Item(
            line,
            ext,
            {
                "first_name": f.text(record, "first_name", 100),
                "last_name": f.text(record, "last_name", 100),
                "email": f.text(record, "email", 254),
                "phone": f.text(record, "phone", 50),
                "company": f.key(record, "company"),
                "source_campaign_id": self.ref(self.cache("campaign"), "campaign", record, "source_campaign"),
                "owner_id": self.ref(self.cache("user"), "user", record, "owner"),
                "language": f.choice(record, "language", LANGUAGES, default=LANGUAGE_DEFAULT),
                "created_at": f.timestamp(record, "created_at", required=True),
                **self._churn(record),
            },
        )

    def flush_contact(self, items: list[_Item]) -> None:
        companies = self.lookup(Company, "company", {i.data["company"] for i in items})
        existing = self.existing(Contact, "contact", (i.key for i in items))
        now = timezone.now()
        new, changed = [], []
        unchanged = 0
        for item in items:
            values = {**item.data, **contact_normalized_fields(item.data)}
            try:
                values["company_id"] = self.resolve(companies, "company", "company", values.pop("company"))
            except RecordError as exc:
                self.fail_item("contact", item, exc)
                continue
            contact = existing.get(item.key)
            if contact is None:
                new.append({"external_id": item.key, **values})
                continue
            if _apply(contact, values):
                contact.version += 1
                changed.append(contact)
            else:
                unchanged += 1
        changed_ids = [contact.pk for contact in changed]
        self.note_records("contacts", Contact, changed_ids)
        new_ids = self.insert(Contact, new, returning=True)
        Contact.objects.bulk_update(
            changed,
            [
                "first_name",
                "last_name",
                "email",
                "phone",
                "company_id",
                "source_campaign_id",
                "owner_id",
                "language",
                "created_at",
                "churned_at",
                "churn_reason",
                "version",
                *CONTACT_NORMALIZED_FIELDS,
            ],
        )
        self.note_records("contacts", Contact, [*changed_ids, *new_ids])
        self.write_history(Contact, now, new_ids, changed_ids)
        self.count("contact", created=len(new), updated=len(changed), unchanged=unchanged)

    # -- pipelines and deals --------------------------------------------------------------------

    def parse_pipeline(self, record: Mapping[str, Any], line: int) -> _Item:
        ext = f.key(record, "external_id", required=True)
        assert ext is not None
        stages, seen = [], set()
        for index, entry in enumerate(f.array(record, "stages")):
            label = f"stages[{index}]"
            entry = f.obj(entry, label)
            stage_key = f.key(entry, "external_id", required=True)
            if stage_key in seen:
                raise RecordError(
                    _("%(label)s repeats stage “%(stage)s”") % {"label": label, "stage": stage_key}
                )
            seen.add(stage_key)
            stages.append(
                (
                    stage_key,
                    f.text(entry, "name", 200, required=True, blank=False),
                    self._probability(entry.get("probability", 0), f"{label}.probability"),
                )
            )
        return _Item(
            line, ext, {"name": f.text(record, "name", 200, required=True, blank=False), "stages": stages}
        )

    @staticmethod
    def _probability(value: Any, label: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise RecordError(_("“%(field)s” must be a number from 0 to 1") % {"field": label})
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise RecordError(_("“%(field)s” must be a number from 0 to 1") % {"field": label}) from None
        if not number.is_finite() or not 0 <= number <= 1:
            raise RecordError(_("“%(field)s” must be a number from 0 to 1") % {"field": label})
        if number != number.quantize(Decimal("0.0001")):
            raise RecordError(_("“%(field)s” has more than 4 decimal places") % {"field": label})
        return number

    def flush_pipeline(self, items: list[_Item]) -> None:
        """Pipelines are few: written one by one; stages are upserted by external_id in list order."""
        pipelines, stages = self.cache("pipeline"), self.cache("stage")
        for item in items:
            pipeline_id = pipelines.get(item.key)
            try:
                for index, (stage_key, _name, _p) in enumerate(item.data["stages"]):
                    owner = stages.get(stage_key)
                    if owner is not None and owner[1] != pipeline_id:
                        raise RecordError(
                            _("stages[%(i)d] “%(stage)s” belongs to another pipeline")
                            % {"i": index, "stage": stage_key}
                        )
            except RecordError as exc:
                self.fail_item("pipeline", item, exc)
                continue
            created = pipeline_id is None
            if pipeline_id is None:
                pipeline = Pipeline.objects.create(external_id=item.key, name=item.data["name"])
                pipelines[item.key] = pipeline_id = pipeline.pk
                changed = True
            else:
                changed = (
                    Pipeline.objects.filter(pk=pipeline_id)
                    .exclude(name=item.data["name"])
                    .update(name=item.data["name"])
                    > 0
                )
            rows = {
                _row_key("stage", s.external_id, s.pk): s
                for s in Stage.objects.filter(pipeline_id=pipeline_id)
            }
            new, updated, reprobed = [], [], []
            for position, (stage_key, name, probability) in enumerate(item.data["stages"]):
                stage = rows.get(stage_key)
                if stage is None:
                    new.append(
                        Stage(
                            external_id=stage_key,
                            pipeline_id=pipeline_id,
                            name=name,
                            position=position,
                            probability=probability,
                        )
                    )
                    continue
                old_probability = stage.probability
                if _apply(stage, {"name": name, "position": position, "probability": probability}):
                    updated.append(stage)
                    if old_probability != probability:
                        reprobed.append(stage.pk)
            Stage.objects.bulk_create(new)
            Stage.objects.bulk_update(updated, ["name", "position", "probability"])
            for stage in new:
                stages[stage.external_id] = (stage.pk, pipeline_id)
            self.note_records("stages", Stage, reprobed)  # as `stage_set_probability` marks a new probability
            changed = changed or bool(new or updated)
            self.count(
                "pipeline",
                created=int(created),
                updated=int(changed and not created),
                unchanged=int(not changed),
            )

    def parse_deal(self, record: Mapping[str, Any], line: int) -> _Item:
        ext = f.key(record, "external_id", required=True)
        assert ext is not None
        pipeline_id = self.ref(self.cache("pipeline"), "pipeline", record, "pipeline", required=True)
        amount = f.decimal_value(f.present(record, "amount", True), "amount", max_digits=16, places=2)
        currency = f.text(record, "currency", 3).upper() or self.base_currency
        if not CURRENCY.fullmatch(currency):
            raise RecordError(_("“currency” must be a three-letter ISO 4217 code such as USD"))
        rate_value = record.get("exchange_rate")
        rate = (
            None
            if rate_value is None
            else f.decimal_value(rate_value, "exchange_rate", max_digits=24, places=10, positive=True)
        )
        status = f.choice(record, "status", DEAL_STATUSES)
        created_at = f.timestamp(record, "created_at", required=True)
        closed_at = f.timestamp(record, "closed_at")
        assert created_at is not None
        if status == OPEN and closed_at is not None:
            raise RecordError(_("an open deal cannot have “closed_at”"))
        if status != OPEN and closed_at is None:
            raise RecordError(_("a %(status)s deal needs “closed_at”") % {"status": status})
        if closed_at is not None and closed_at < created_at:
            raise RecordError(_("“closed_at” is before “created_at”"))
        if status == WON and rate is None and currency != self.base_currency:
            raise RecordError(
                _("a won deal in %(currency)s needs an “exchange_rate” to %(base)s")
                % {"currency": currency, "base": self.base_currency}
            )
        entries = self._stage_history(record, pipeline_id, created_at, closed_at)
        lost_reason = f.text(record, "lost_reason", 200)
        return _Item(
            line,
            ext,
            {
                "title": f.text(record, "title", 200, required=True, blank=False),
                "pipeline_id": pipeline_id,
                "stage_id": entries[-1][0],
                "contact": f.key(record, "contact", required=True),
                "company": f.key(record, "company"),
                "owner_id": self.ref(self.cache("user"), "user", record, "owner"),
                "amount": amount,
                "currency": currency,
                "exchange_rate": rate,
                "amount_base": base_amount(amount, currency, rate),
                "kind": f.choice(record, "kind", DEAL_KINDS, default=DEAL_KIND_DEFAULT),
                "campaign_id": self.ref(self.cache("campaign"), "campaign", record, "campaign"),
                "status": status,
                "created_at": created_at,
                "closed_at": closed_at,
                "lost_reason_id": self.lost_reason_id(lost_reason)
                if status == LOST and lost_reason
                else None,
                "entries": entries,
            },
        )

    def _stage_history(
        self, record: Mapping[str, Any], pipeline_id: int, created_at: datetime, closed_at: datetime | None
    ) -> list[tuple[int, datetime, datetime | None]]:
        """A deal's stage entries as (stage id, entered, exited): each is exited when the next is entered, the
        last when the deal closed; in time order, in the deal's pipeline, from its creation to its close."""
        history = f.array(record, "stage_history")
        if not history:
            raise RecordError(_("“stage_history” needs at least one entry"))
        stages = self.cache("stage")
        entries: list[list[Any]] = []
        for index, entry in enumerate(history):
            label = f"stage_history[{index}]"
            entry = f.obj(entry, label)
            stage_key = f.key(entry, "stage", required=True)
            assert stage_key is not None
            stage = stages.get(stage_key)
            if stage is None:
                raise self.unknown("stage", f"{label}.stage", stage_key)
            if stage[1] != pipeline_id:
                raise RecordError(
                    _("%(label)s: stage “%(stage)s” belongs to another pipeline than “%(pipeline)s”")
                    % {"label": label, "stage": stage_key, "pipeline": record["pipeline"]}
                )
            entered_at = f.timestamp_value(f.present(entry, "entered_at", True), f"{label}.entered_at")
            if index == 0 and entered_at != created_at:
                raise RecordError(_("stage_history[0] must be entered at “created_at”"))
            if entries and entered_at < entries[-1][1]:
                raise RecordError(
                    _("%(label)s is entered before the entry above it: stage_history must be in time order")
                    % {"label": label}
                )
            if closed_at is not None and entered_at > closed_at:
                raise RecordError(_("%(label)s is entered after “closed_at”") % {"label": label})
            if entries:
                entries[-1][2] = entered_at
            entries.append([stage[0], entered_at, None])
        entries[-1][2] = closed_at
        return [(stage_id, entered_at, exited_at) for stage_id, entered_at, exited_at in entries]

    def flush_deal(self, items: list[_Item]) -> None:
        """A deal that only moved on through stages marks the moves' moments, as `deal_move_stage` does;
        any other change marks what the deal counted on before and counts on after, as `deal_update`,
        `deal_close` and `deal_reopen` do; a new deal what it counts on, as `deal_create` does."""
        contacts = self.lookup(Contact, "contact", {i.data["contact"] for i in items})
        companies = self.lookup(Company, "company", {i.data["company"] for i in items})
        existing = self.existing(Deal, "deal", (i.key for i in items))
        old_entries = _stored_rows(
            DealStageEntry,
            "deal_id",
            [d.pk for d in existing.values()],
            ("entered_at", "id"),
            ("stage_id", "entered_at", "exited_at"),
        )
        batch = _BatchWithRows(timezone.now())
        moves: list[datetime | date | None] = []
        rechecked: list[int] = []
        for item in items:
            values = dict(item.data)
            entries = values.pop("entries")
            try:
                values["contact_id"] = self.resolve(contacts, "contact", "contact", values.pop("contact"))
                values["company_id"] = self.resolve(companies, "company", "company", values.pop("company"))
            except RecordError as exc:
                self.fail_item("deal", item, exc)
                continue
            deal = existing.get(item.key)
            if deal is None:
                batch.add(item.key, values, entries)
                continue
            old = old_entries.get(deal.pk, [])
            moved = _stage_moves(deal, values, old, entries) if old != entries else None
            if batch.update(deal, values, old != entries, entries):
                if moved is None:
                    rechecked.append(deal.pk)
                else:
                    moves.extend(moved)
        self.note_records("deals", Deal, rechecked)
        new_ids = self.write_with_rows(
            "deal",
            Deal,
            batch,
            [
                "title",
                "pipeline_id",
                "stage_id",
                "contact_id",
                "company_id",
                "owner_id",
                "amount",
                "currency",
                "exchange_rate",
                "amount_base",
                "kind",
                "campaign_id",
                "status",
                "created_at",
                "closed_at",
                "lost_reason_id",
                "updated_at",
                "version",
            ],
            DealStageEntry,
            "deal_id",
            lambda deal_id, entries: (
                {"deal_id": deal_id, "stage_id": stage_id, "entered_at": entered_at, "exited_at": exited_at}
                for stage_id, entered_at, exited_at in entries
            ),
        )
        self.note_records("deals", Deal, [*rechecked, *new_ids])
        self.note_moments("stage_moves", moves)

    # -- tickets --------------------------------------------------------------------------------

    def parse_ticket(self, record: Mapping[str, Any], line: int) -> _Item:
        ext = f.key(record, "external_id", required=True)
        assert ext is not None
        created_at = f.timestamp(record, "created_at", required=True)
        resolved_at = f.timestamp(record, "resolved_at")
        assert created_at is not None
        if resolved_at is not None and resolved_at < created_at:
            raise RecordError(_("“resolved_at” is before “created_at”"))
        users = self.cache("user")
        messages = []
        for index, entry in enumerate(f.array(record, "messages")):
            label = f"messages[{index}]"
            entry = f.obj(entry, label)
            at = f.timestamp_value(f.present(entry, "at", True), f"{label}.at")
            if at < created_at:
                raise RecordError(_("%(label)s is dated before the ticket was created") % {"label": label})
            author = f.choice(entry, "author", AUTHORS)
            public = f.boolean(entry, "public", default=True)
            if author == CUSTOMER and not public:
                raise RecordError(
                    _(
                        "%(label)s: a customer message cannot be an internal note (only agents "
                        "write internal notes)"
                    )
                    % {"label": label}
                )
            user_id = self.ref(users, "user", entry, "user")
            messages.append((at, author, user_id, public, f.text(entry, "body", TEXT_MAX)))
        # Replay the thread as support.services would have seen it, message by message in time order.
        thread = sorted(messages, key=lambda m: m[0])
        # Rows are inserted in file order, so (at, id) order is this stable sort by time.
        order = sorted(range(len(messages)), key=lambda i: messages[i][0])
        waits = reply_waiting_since(created_at, [(messages[i][0], messages[i][1], messages[i][3]) for i in order])
        waiting_since: list[datetime | None] = [None] * len(messages)
        for position, index in enumerate(order):
            waiting_since[index] = waits[position]
        messages = [(*message, waiting_since[i]) for i, message in enumerate(messages)]
        status, first_response_at = TICKET_NEW, None
        for at, author, _user, public, _body in thread:
            if author == AGENT and public:
                if first_response_at is None:
                    first_response_at = at
                if status in (TICKET_NEW, TICKET_OPEN):
                    status = TICKET_PENDING
            elif author == CUSTOMER and status == TICKET_PENDING:
                status = TICKET_OPEN
        if resolved_at is not None:
            status = TICKET_RESOLVED
        return _Item(
            line,
            ext,
            {
                "subject": f.text(record, "subject", 300, required=True, blank=False),
                "contact": f.key(record, "contact", required=True),
                "assignee_id": self.ref(users, "user", record, "assignee"),
                "priority": f.choice(record, "priority", PRIORITIES, default=PRIORITY_DEFAULT),
                "channel": f.choice(record, "channel", TICKET_CHANNELS, default=TICKET_CHANNEL_DEFAULT),
                "status": status,
                "created_at": created_at,
                "resolved_at": resolved_at,
                "first_response_at": first_response_at,
                "messages": messages,
                "thread": thread,
            },
        )

    def flush_ticket(self, items: list[_Item]) -> None:
        """A new ticket marks what it counts on, as `ticket_create` does. A changed one marks the moments a
        service gives for the same change: the replies whose wait changed and a first response that moved
        (`ticket_add_message`), a resolution set, moved or cleared (`ticket_resolve`, `ticket_reopen`);
        and, when its subject, contact, assignee, priority, channel or creation changed, every day it counts
        on, before and after (`ticket_update`)."""
        contacts = self.lookup(Contact, "contact", {i.data["contact"] for i in items})
        existing = self.existing(Ticket, "ticket", (i.key for i in items))
        old_thread = _stored_rows(
            TicketMessage,
            "ticket_id",
            [t.pk for t in existing.values()],
            ("at", "id"),
            ("at", "author", "user_id", "public", "body", "waiting_since"),
        )
        batch = _BatchWithRows(timezone.now())
        rechecked: list[int] = []
        moments: list[datetime | date | None] = []
        replies: list[datetime | date | None] = []
        for item in items:
            values = dict(item.data)
            messages, thread = values.pop("messages"), values.pop("thread")
            try:
                values["contact_id"] = self.resolve(contacts, "contact", "contact", values.pop("contact"))
            except RecordError as exc:
                self.fail_item("ticket", item, exc)
                continue
            ticket = existing.get(item.key)
            first_hours, resolution_hours = self.sla(values["priority"])
            due = {
                "first_response_due_at": values["created_at"] + first_hours,
                "resolution_due_at": values["created_at"] + resolution_hours,
            }
            if ticket is None:
                batch.add(item.key, {**values, **due}, messages)
                continue
            before = (ticket.first_response_at, ticket.resolved_at)
            described = any(getattr(ticket, name) != values[name] for name in TICKET_DESCRIPTION)
            if values["status"] == TICKET_RESOLVED and ticket.status == TICKET_CLOSED:
                values["status"] = TICKET_CLOSED
            if ticket.created_at == values["created_at"] and ticket.priority == values["priority"]:
                due = {}  # due times are fixed when the ticket is created, by the policy then in force
            old = old_thread.get(ticket.pk, [])
            thread_changed = [message[:5] for message in old] != thread
            if batch.update(ticket, {**values, **due}, thread_changed, messages):
                if described:
                    rechecked.append(ticket.pk)
                moments.extend(_ticket_moments(before, ticket))
                if thread_changed:
                    replies.extend(_reply_wait_changes(old, messages))
        self.note_records("tickets", Ticket, rechecked)
        new_ids = self.write_with_rows(
            "ticket",
            Ticket,
            batch,
            [
                "subject",
                "contact_id",
                "assignee_id",
                "priority",
                "channel",
                "status",
                "created_at",
                "resolved_at",
                "first_response_at",
                "first_response_due_at",
                "resolution_due_at",
                "updated_at",
                "version",
            ],
            TicketMessage,
            "ticket_id",
            lambda ticket_id, messages: (
                {
                    "ticket_id": ticket_id,
                    "at": at,
                    "author": author,
                    "user_id": user_id,
                    "public": public,
                    "body": body,
                    "waiting_since": waiting_since,
                }
                for at, author, user_id, public, body, waiting_since in messages
            ),
        )
        self.note_records("tickets", Ticket, [*rechecked, *new_ids])
        self.note_moments("ticket_moments", moments)
        self.note_moments("reply_moments", replies)

    # -- surveys --------------------------------------------------------------------------------

    def parse_survey(self, record: Mapping[str, Any], line: int) -> _Item:
        ext = f.key(record, "external_id", required=True)
        assert ext is not None
        return _Item(
            line,
            ext,
            {
                "name": f.text(record, "name", 200, required=True, blank=False),
                "kind": f.choice(record, "kind", SURVEY_KINDS),
            },
        )

    def flush_survey(self, items: list[_Item]) -> None:
        surveys = self.cache("survey")
        rows = {
            _row_key("survey", s.external_id, s.pk): s
            for s in Survey.objects.filter(pk__in=[surveys[i.key][0] for i in items if i.key in surveys])
        }
        answered = set(
            Response.objects.filter(survey_id__in=[s.pk for s in rows.values()])
            .values_list("survey_id", flat=True)
            .distinct()
        )
        new, changed = [], []
        unchanged = 0
        for item in items:
            survey = rows.get(item.key)
            if survey is None:
                new.append(Survey(external_id=item.key, **item.data))
                continue
            if survey.kind != item.data["kind"] and survey.pk in answered:
                self.fail_item(
                    "survey",
                    item,
                    RecordError(
                        _("“kind” cannot change from %(old)s to %(new)s: the survey already has responses")
                        % {"old": survey.kind, "new": item.data["kind"]}
                    ),
                )
                continue
            if _apply(survey, item.data):
                changed.append(survey)
            else:
                unchanged += 1
        Survey.objects.bulk_create(new)
        Survey.objects.bulk_update(changed, ["name", "kind"])
        for survey in [*new, *changed]:
            surveys[item_key(survey, "survey")] = (survey.pk, survey.kind)
        self.count("survey", created=len(new), updated=len(changed), unchanged=unchanged)

    def parse_invitation(self, record: Mapping[str, Any], line: int) -> _Item:
        ext = f.key(record, "external_id", required=True)
        assert ext is not None
        survey = self.ref(self.cache("survey"), "survey", record, "survey", required=True)
        return _Item(
            line,
            ext,
            {
                "survey_id": survey[0],
                "contact": f.key(record, "contact", required=True),
                "ticket": f.key(record, "ticket"),
                "sent_at": f.timestamp(record, "sent_at", required=True),
            },
        )

    def flush_invitation(self, items: list[_Item]) -> None:
        """New and changed invitations mark their sending day and their answer's, as `invitation_create`
        and `invitation_delete` do (before and after a change)."""
        contacts = self.lookup(Contact, "contact", {i.data["contact"] for i in items})
        tickets = self.lookup(Ticket, "ticket", {i.data["ticket"] for i in items})
        existing = self.existing(Invitation, "invitation", (i.key for i in items))
        new, changed = [], []
        unchanged = 0
        for item in items:
            values = dict(item.data)
            try:
                values["contact_id"] = self.resolve(contacts, "contact", "contact", values.pop("contact"))
                values["ticket_id"] = self.resolve(tickets, "ticket", "ticket", values.pop("ticket"))
            except RecordError as exc:
                self.fail_item("invitation", item, exc)
                continue
            invitation = existing.get(item.key)
            if invitation is None:
                new.append({"external_id": item.key, **values})
                continue
            if _apply(invitation, values):
                changed.append(invitation)
            else:
                unchanged += 1
        changed_ids = [invitation.pk for invitation in changed]
        self.note_records("invitations", Invitation, changed_ids)
        new_ids = self.insert(Invitation, new, returning=True)
        Invitation.objects.bulk_update(changed, ["survey_id", "contact_id", "ticket_id", "sent_at"])
        self.note_records("invitations", Invitation, [*changed_ids, *new_ids])
        self.count("invitation", created=len(new), updated=len(changed), unchanged=unchanged)

    def parse_response(self, record: Mapping[str, Any], line: int) -> _Item:
        ext = f.key(record, "external_id", required=True)
        assert ext is not None
        survey_key = record.get("survey")
        survey_id, kind = self.ref(self.cache("survey"), "survey", record, "survey", required=True)
        score = record.get("score")
        servqual = record.get("servqual")
        if kind == SERVQUAL:
            if score is not None:
                raise RecordError(_("a SERVQUAL response has “servqual” instead of “score”"))
            if not isinstance(servqual, dict) or not all(isinstance(v, dict) for v in servqual.values()):
                raise RecordError(
                    _("“servqual” must map each answered dimension to its expectation and perception")
                )
        elif servqual is not None:
            raise RecordError(_("only a SERVQUAL survey's response has “servqual”"))
        try:
            validate_answer(kind=kind, score=score, servqual=servqual)
        except ValidationError as exc:
            reasons = "; ".join(
                f"“{name}”: {' '.join(messages)}" for name, messages in exc.message_dict.items()
            )
            raise RecordError(
                _("%(reasons)s (survey “%(survey)s” is %(kind)s)")
                % {"reasons": reasons, "survey": survey_key, "kind": kind}
            ) from None
        values = {
            "survey_id": survey_id,
            "invitation": f.key(record, "invitation"),
            "contact": f.key(record, "contact", required=True),
            "ticket": f.key(record, "ticket"),
            "answered_at": f.timestamp(record, "answered_at", required=True),
            "score": score,
            "comment": f.text(record, "comment", TEXT_MAX),
        }
        for name in SERVQUAL_FIELDS:
            values[name] = None
        for dimension, pair in (servqual or {}).items():
            values[f"{dimension}_expectation"] = pair["expectation"]
            values[f"{dimension}_perception"] = pair["perception"]
        return _Item(line, ext, values)

    def flush_response(self, items: list[_Item]) -> None:
        """A new answer marks its day and its invitation's sending day, as `response_record` does; an answer
        changed in place (same moment, same invitation) only its own day, as `response_edit` does; any
        other change what it counted on before and counts on after."""
        contacts = self.lookup(Contact, "contact", {i.data["contact"] for i in items})
        tickets = self.lookup(Ticket, "ticket", {i.data["ticket"] for i in items})
        invitations = self.lookup(Invitation, "invitation", {i.data["invitation"] for i in items})
        existing = self.existing(Response, "response", (i.key for i in items))
        taken = dict(
            Response.objects.filter(invitation_id__in=invitations.values()).values_list("invitation_id", "pk")
        )
        claimed: set[int] = set()
        new, changed, rechecked = [], [], []
        answer_moments: list[datetime | date | None] = []
        unchanged = 0
        for item in items:
            values = dict(item.data)
            response = existing.get(item.key)
            try:
                values["contact_id"] = self.resolve(contacts, "contact", "contact", values.pop("contact"))
                values["ticket_id"] = self.resolve(tickets, "ticket", "ticket", values.pop("ticket"))
                invitation_key = values.pop("invitation")
                invitation_id = values["invitation_id"] = self.resolve(
                    invitations, "invitation", "invitation", invitation_key
                )
                owner = taken.get(invitation_id)
                if invitation_id is not None and (
                    invitation_id in claimed or (owner is not None and owner != getattr(response, "pk", None))
                ):
                    raise RecordError(
                        _("invitation “%(invitation)s” already has another response")
                        % {"invitation": invitation_key}
                    )
            except RecordError as exc:
                self.fail_item("response", item, exc)
                continue
            if invitation_id is not None:
                claimed.add(invitation_id)
            if response is None:
                new.append({"external_id": item.key, **values})
                continue
            in_place = (response.answered_at, response.invitation_id) == (values["answered_at"], invitation_id)
            if _apply(response, values):
                changed.append(response)
                if in_place:
                    answer_moments.append(response.answered_at)
                else:
                    rechecked.append(response.pk)
            else:
                unchanged += 1
        self.note_records("responses", Response, rechecked)
        new_ids = self.insert(Response, new, returning=True)
        Response.objects.bulk_update(
            changed,
            [
                "survey_id",
                "invitation_id",
                "contact_id",
                "ticket_id",
                "answered_at",
                "score",
                "comment",
                *SERVQUAL_FIELDS,
            ],
        )
        self.note_records("responses", Response, [*rechecked, *new_ids])
        self.note_moments("answer_moments", answer_moments)
        self.count("response", created=len(new), updated=len(changed), unchanged=unchanged)


def item_key(obj: Any, type_name: str) -> str:
    return _row_key(type_name, obj.external_id, obj.pk)


def _enqueue_rollup() -> None:
    from kpis.tasks import rollup_kpis_task

    rollup_kpis_task.delay()


def import_dataset(lines: Iterable[bytes | str], *, rollup: bool = True) -> ImportResult:
    """Import every line in one transaction; raise DatasetImportError (and write nothing) if any is bad.

    With `rollup`, the KPI roll-up is queued once the transaction commits. `robust` keeps a failing
    queue from turning a committed import into an error: the dirty days are saved, so the next
    roll-up (nightly at the latest) still recomputes them.
    """
    started = time.monotonic()
    importer = Importer()
    with transaction.atomic():
        importer.run(lines)
        if importer.error_count:
            raise DatasetImportError(importer.errors, importer.error_count)
        importer.result.dirty_days = importer.dirty.save()
        if rollup:
            transaction.on_commit(_enqueue_rollup, robust=True)
    if importer.result.created + importer.result.updated >= ANALYZE_AFTER_ROWS:
        _refresh_planner_statistics()
    importer.result.seconds = time.monotonic() - started
    return importer.result


# After a big import PostgreSQL's planner still believes the tables are as small as before (autovacuum
# analyses them only later), and picks plans that read every row; ANALYZE makes the first pages fast.
ANALYZE_AFTER_ROWS = 10_000


def _refresh_planner_statistics() -> None:
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (Company, Contact, Campaign, CampaignSpend, Deal, DealStageEntry,
                                                  Ticket, TicketMessage, Survey, Invitation, Response, DirtyDay)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))
