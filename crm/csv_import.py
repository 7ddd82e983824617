"""Import contacts or companies from a CSV file staff upload: check every row first, then write all or none.

A file is parsed and checked without writing anything; the page shows a preview and each bad row's
number and reason. Only a clean file is written, every row through `crm.services` in one transaction,
so leads still mark their campaign's KPI days.
"""

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Campaign, Company, Contact, Language, User
from crm.services import company_create, contact_create

MAX_ROWS = 5000

COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts": ("first_name", "last_name", "email", "phone", "company", "source_campaign", "owner", "language",
                 "external_id"),
    "companies": ("name", "owner", "external_id"),
}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {"contacts": ("first_name",), "companies": ("name",)}


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class ImportPlan:
    """The checked file: rows ready for the services, or the errors that stop it."""

    kind: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.message_dict.items())
    return " ".join(error.messages)


def plan_import(*, kind: str, content: str) -> ImportPlan:
    """Parse and check a CSV file (a header line naming the columns, then one record a line). Writes nothing.

    Companies, campaigns and owners are named by company name, campaign name and username; each
    name must match exactly one record. Line numbers count the header as line 1.
    """
    plan = ImportPlan(kind=kind)
    reader = csv.DictReader(io.StringIO(content))
    header = [name.strip() for name in (reader.fieldnames or [])]
    plan.errors.extend(_header_errors(kind, header))
    if plan.errors:
        return plan
    reader.fieldnames = header
    raw_rows = _read_rows(reader, plan)
    if raw_rows is None:
        return plan
    lookups = _lookups(kind, [row for _line, row in raw_rows])
    seen_external_ids: set[str] = set()
    for line, raw in raw_rows:
        try:
            values = _check_row(kind, raw, lookups)
        except ValidationError as error:
            plan.errors.append(RowError(line, _messages(error)))
            continue
        external_id = values.get("external_id")
        if external_id and (external_id in seen_external_ids or external_id in lookups["taken_external_ids"]):
            plan.errors.append(RowError(line, _("external_id: %s is already used.") % external_id))
            continue
        if external_id:
            seen_external_ids.add(external_id)
        plan.rows.append(values)
    return plan


def _header_errors(kind: str, header: list[str]) -> list[RowError]:
    """Line 1's complaints: required columns missing, columns the kind does not have."""
    errors = []
    missing = [name for name in REQUIRED_COLUMNS[kind] if name not in header]
    unknown = [name for name in header if name not in COLUMNS[kind]]
    if missing:
        errors.append(RowError(1, _("Missing column(s): %s.") % ", ".join(missing)))
    if unknown:
        errors.append(RowError(1, _("Unknown column(s): %(unknown)s. Allowed: %(allowed)s.")
                               % {"unknown": ", ".join(unknown), "allowed": ", ".join(COLUMNS[kind])}))
    return errors


def _read_rows(reader: csv.DictReader, plan: ImportPlan) -> list[tuple[int, dict[str, str]]] | None:
    """(line, stripped values) of each row; None when the file as a whole is refused (too long, empty)."""
    raw_rows = []
    for raw in reader:
        if reader.line_num - 1 > MAX_ROWS:
            plan.errors.append(RowError(reader.line_num, _("A file may hold at most %d rows.") % MAX_ROWS))
            return None
        if None in raw:
            plan.errors.append(RowError(reader.line_num, _("More values than columns.")))
            continue
        raw_rows.append((reader.line_num, {key: (value or "").strip() for key, value in raw.items()}))
    if not raw_rows and not plan.errors:
        plan.errors.append(RowError(1, _("The file has no rows.")))
        return None
    return raw_rows


def _by_unique_name(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Name → object, with None for a name shared by several objects (ambiguous)."""
    found: dict[str, Any] = {}
    for name, obj in pairs:
        found[name] = None if name in found else obj
    return found


def _lookups(kind: str, rows: list[dict[str, str]]) -> dict[str, Any]:
    """The related records the file names, fetched with one query per kind of record."""
    def named(column: str) -> set[str]:
        return {row[column] for row in rows if row.get(column)}

    model = Contact if kind == "contacts" else Company
    lookups: dict[str, Any] = {
        "owners": {user.username: user for user in User.objects.filter(username__in=named("owner"))},
        "taken_external_ids": set(model.objects.filter(external_id__in=named("external_id"))
                                  .values_list("external_id", flat=True)),
    }
    if kind == "contacts":
        lookups["companies"] = _by_unique_name([(c.name, c) for c in Company.objects.filter(name__in=named("company"))])
        lookups["campaigns"] = _by_unique_name(
            [(c.name, c) for c in Campaign.objects.filter(name__in=named("source_campaign"))])
    return lookups


def _related(lookups: dict[str, Any], table: str, column: str, name: str, errors: dict[str, list[str]]) -> Any:
    if not name:
        return None
    if name not in lookups[table]:
        errors.setdefault(column, []).append(_("No record is named “%s”.") % name)
        return None
    if lookups[table][name] is None:
        errors.setdefault(column, []).append(_("Several records are named “%s”.") % name)
    return lookups[table][name]


def _check_row(kind: str, raw: dict[str, str], lookups: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    owner = _related(lookups, "owners", "owner", raw.get("owner", ""), errors)
    if kind == "companies":
        values: dict[str, Any] = {"name": raw["name"], "owner": owner, "external_id": raw.get("external_id") or None}
        record: Contact | Company = Company(created_at=timezone.now(), **values)
    else:
        values = {
            "first_name": raw.get("first_name", ""), "last_name": raw.get("last_name", ""),
            "email": raw.get("email", ""), "phone": raw.get("phone", ""),
            "company": _related(lookups, "companies", "company", raw.get("company", ""), errors),
            "source_campaign": _related(lookups, "campaigns", "source_campaign", raw.get("source_campaign", ""),
                                        errors),
            "owner": owner, "language": raw.get("language") or Language.ENGLISH,
            "external_id": raw.get("external_id") or None,
        }
        if not (values["first_name"] or values["last_name"] or values["email"]):
            errors.setdefault("first_name", []).append(_("Give a name or an email address."))
        record = Contact(created_at=timezone.now(), **values)
    try:
        record.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def run_import(*, plan: ImportPlan) -> int:
    """Write a clean plan's rows through the services, all in one transaction; returns how many were written."""
    if not plan.ok:
        raise ValueError("only a clean import plan can be written")
    create = contact_create if plan.kind == "contacts" else company_create
    for values in plan.rows:
        create(**values)
    return len(plan.rows)


def preview_columns(kind: str) -> tuple[str, ...]:
    return COLUMNS[kind]
