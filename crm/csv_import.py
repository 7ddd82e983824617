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
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import Campaign, Company, Contact, Language, User
from crm.normalize import contact_normalized_fields, normalize_name
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


def plan_import(*, kind: str, content: str, allow_duplicates: bool = False) -> ImportPlan:
    """Parse and check a CSV file (a header line naming the columns, then one record a line). Writes nothing.

    Companies, campaigns and owners are named by company name, campaign name and username; each
    name must match exactly one record. Line numbers count the header as line 1. Unless
    `allow_duplicates`, a row that looks like a stored record or an earlier row (the same email, phone, or
    name in the same company; for companies the same name) is an error of its line.
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
    lines: list[int] = []
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
        lines.append(line)
    if not allow_duplicates:
        plan.errors.extend(_duplicate_errors(kind, list(zip(lines, plan.rows, strict=True))))
        plan.errors.sort(key=lambda error: error.line)
    return plan


def _row_keys(kind: str, values: dict[str, Any]) -> dict[str, str]:
    """A row's duplicate keys by reason, the empty ones left out."""
    if kind == "companies":
        keys = {"name": normalize_name(values["name"])}
    else:
        normalized = contact_normalized_fields(values)
        company = values.get("company")
        keys = {"email": normalized["email_normalized"], "phone": normalized["phone_e164"],
                "name": f"{company.pk}:{normalized['full_name_normalized']}"
                if company and normalized["full_name_normalized"] else ""}
    return {reason: key for reason, key in keys.items() if key}


def _stored_keys(kind: str, rows_keys: list[dict[str, str]]) -> dict[tuple[str, str], int]:
    """(reason, key) → the oldest stored record with that key, for the keys of these rows (one query)."""
    wanted: dict[str, set[str]] = {}
    for keys in rows_keys:
        for reason, key in keys.items():
            wanted.setdefault(reason, set()).add(key)
    if kind == "companies":
        stored = Company.objects.filter(name_normalized__in=wanted.get("name", set())).order_by("-id")
        return {("name", name): pk for pk, name in stored.values_list("pk", "name_normalized")}
    names = {key.split(":", 1)[1] for key in wanted.get("name", set())}
    stored_contacts = Contact.objects.filter(
        Q(email_normalized__in=wanted.get("email", set())) | Q(phone_e164__in=wanted.get("phone", set()))
        | Q(full_name_normalized__in=names, company__isnull=False)).order_by("-id")
    found: dict[tuple[str, str], int] = {}
    for pk, email, phone, company_id, name in stored_contacts.values_list(
            "pk", "email_normalized", "phone_e164", "company_id", "full_name_normalized"):
        found.update({("email", email): pk, ("phone", phone): pk, ("name", f"{company_id}:{name}"): pk})
    return found


DUPLICATE_OF_RECORD = {"email": gettext_lazy("Same email as #%s."), "phone": gettext_lazy("Same phone as #%s."),
                       "name": gettext_lazy("Same name as #%s.")}
DUPLICATE_OF_LINE = {"email": gettext_lazy("Same email as line %s."), "phone": gettext_lazy("Same phone as line %s."),
                     "name": gettext_lazy("Same name as line %s.")}


def _duplicate_errors(kind: str, rows: list[tuple[int, dict[str, Any]]]) -> list[RowError]:
    """Each row that looks like a stored record or an earlier row of the file, with what it matches."""
    rows_keys = [_row_keys(kind, values) for _line, values in rows]
    stored = _stored_keys(kind, rows_keys)
    seen: dict[tuple[str, str], int] = {}
    errors = []
    for (line, _values), keys in zip(rows, rows_keys, strict=True):
        problems = []
        for reason, key in keys.items():
            if (reason, key) in stored:
                problems.append(str(DUPLICATE_OF_RECORD[reason]) % stored[(reason, key)])
            elif (reason, key) in seen:
                problems.append(str(DUPLICATE_OF_LINE[reason]) % seen[(reason, key)])
            seen.setdefault((reason, key), line)
        if problems:
            errors.append(RowError(line, " ".join([*problems, _("Tick “Import duplicates anyway” to import it.")])))
    return errors


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
