"""Merging two contacts or two companies into one: the chosen values kept, every related record moved.

A merge is one transaction with both rows locked. Every model with a foreign key to Contact or Company is
found through `_meta.related_objects`, so a relation added later is moved too; `MERGE_RELATIONS` lists the
ones known to be safe to move, and a merge refuses to run (and a test fails) when a new one appears, so
someone decides what merging means for it. The KPI days of everything that moved are marked, before and
after, through `core.dirtying`.
"""

from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import F
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from core import dirtying
from core.concurrency import StaleEditError, check_version
from core.dirtying import DaySet
from crm.models import Company, Contact, MergeKind, MergeRecord, User
from crm.normalize import contact_normalized_fields, normalize_name
from crm.search_keys import company_key_of, contact_key_of, refresh_dependent_keys

# Each relation a merge moves ("app.Model.field"), with the dirty-day rule of the moved records (None: no KPI).
MERGE_RELATIONS: dict[str, str | None] = {
    "crm.Deal.contact": "deals",
    "crm.Activity.contact": None,
    "support.Ticket.contact": "tickets",
    "surveys.Invitation.contact": "invitations",
    "surveys.Response.contact": "responses",
    "crm.Contact.company": "contacts",
    "crm.Deal.company": "deals",
    "crm.Activity.company": None,
}
CONTACT_MERGE_FIELDS = ("first_name", "last_name", "email", "phone", "job_title", "company", "source_campaign",
                        "owner", "language", "created_at", "external_id")
COMPANY_MERGE_FIELDS = ("name", "domain", "industry", "size", "address", "owner", "created_at", "external_id")
CUSTOMER_RULES = {Contact: "contacts", Company: "companies"}


def relation_key(relation: models.ForeignObjectRel) -> str:
    return f"{relation.related_model._meta.label}.{relation.field.name}"


def merge_relations(model: type[Contact] | type[Company]) -> list[models.ForeignObjectRel]:
    """The relations pointing at `model`; ImproperlyConfigured when one is not in MERGE_RELATIONS."""
    relations = [rel for rel in model._meta.related_objects if not rel.related_model.__name__.startswith("Historical")]
    unknown = [relation_key(rel) for rel in relations if relation_key(rel) not in MERGE_RELATIONS]
    if unknown:
        raise ImproperlyConfigured(f"merging does not know how to move {', '.join(unknown)}: add it to MERGE_RELATIONS")
    return relations


def merge_fields(model: type[Contact] | type[Company]) -> tuple[str, ...]:
    return CONTACT_MERGE_FIELDS if model is Contact else COMPANY_MERGE_FIELDS


def related_counts(record: Contact | Company) -> dict[str, int]:
    """How many records of each relation point at `record` (what a merge would move)."""
    return {relation_key(rel): rel.related_model._default_manager.filter(**{rel.field.name: record}).count()
            for rel in merge_relations(type(record))}


def _check_pair(keep: Contact | Company, drop: Contact | Company, fields: dict[str, str]) -> None:
    if type(keep) is not type(drop) or type(keep) not in CUSTOMER_RULES:
        raise ValidationError(_("Only two contacts or two companies can be merged."))
    if keep.pk == drop.pk:
        raise ValidationError(_("A record cannot be merged with itself."))
    allowed = merge_fields(type(keep))
    bad = [name for name, side in fields.items() if name not in allowed or side not in {"keep", "drop"}]
    if bad:
        raise ValidationError(_("These fields cannot be chosen: %s.") % ", ".join(sorted(bad)))


def _lock_pair(keep: Contact | Company, drop: Contact | Company,
               expected_versions: tuple[int, int]) -> tuple[Contact | Company, Contact | Company]:
    model = type(keep)
    locked = model.objects.select_for_update().in_bulk([keep.pk, drop.pk])
    if keep.pk not in locked or drop.pk not in locked:
        raise ValidationError(_("One of the two records no longer exists."))
    keep, drop = locked[keep.pk], locked[drop.pk]
    try:
        check_version(keep, expected_versions[0])
        check_version(drop, expected_versions[1])
    except StaleEditError:
        raise ValidationError(_("One of the two records was changed after this merge was previewed. "
                                "Review the merge again.")) from None
    return keep, drop


def _related_days(record: Contact | Company, relations: list[models.ForeignObjectRel]) -> DaySet:
    """The KPI days of the record itself and of everything pointing at it."""
    dirty = dirtying.days_of(CUSTOMER_RULES[type(record)], type(record).objects.filter(pk=record.pk))
    for rel in relations:
        rule = MERGE_RELATIONS[relation_key(rel)]
        if rule is not None:
            dirty.update(dirtying.days_of(rule, rel.related_model._default_manager.filter(**{rel.field.name: record})))
    return dirty


def _move(rel: models.ForeignObjectRel, drop: Contact | Company, keep: Contact | Company, by: User | None) -> int:
    """Point the drop's records of one relation at `keep`. Records with a change history get their historical
    row each, as a save would give them (a raised version, the time, who and why), but in one UPDATE and one
    bulk INSERT per relation: saving a thousand records one by one took about a second."""
    model, name = rel.related_model, rel.field.name
    moving = model._default_manager.filter(**{name: drop}).order_by("pk")
    if not hasattr(model, "history"):
        return moving.update(**{name: keep})
    field_names = {field.name for field in model._meta.concrete_fields}
    now = timezone.now()
    changes: dict[str, Any] = {name: keep}
    if "updated_at" in field_names:
        changes["updated_at"] = now
    records = list(moving.select_for_update())
    for record in records:
        for field, value in changes.items():
            setattr(record, field, value)
        if "version" in field_names:
            record.version = (record.version or 0) + 1
    if "version" in field_names:
        changes["version"] = F("version") + 1
    moving.update(**changes)
    model.history.bulk_history_create(records, update=True, default_user=by, default_date=now,
                                      default_change_reason=f"merged #{drop.pk} into #{keep.pk}")
    return len(records)


def _set_keys(record: Contact | Company) -> None:
    if isinstance(record, Company):
        record.name_normalized = normalize_name(record.name)
        record.search_key = company_key_of(record)
        return
    keys = contact_normalized_fields({"email": record.email, "phone": record.phone,
                                      "first_name": record.first_name, "last_name": record.last_name})
    for name, value in keys.items():
        setattr(record, name, value)
    record.search_key = contact_key_of(record)


@transaction.atomic
def merge_records(*, keep: Contact | Company, drop: Contact | Company, fields: dict[str, str],
                  expected_versions: tuple[int, int], by: User | None = None) -> MergeRecord:
    """Merge `drop` into `keep` (see contact_merge)."""
    _check_pair(keep, drop, fields)
    keep, drop = _lock_pair(keep, drop, expected_versions)
    relations = merge_relations(type(keep))
    dirty = _related_days(keep, relations)
    dirty.update(_related_days(drop, relations))
    dropped_values = model_to_dict(drop, fields=[f.name for f in drop._meta.concrete_fields])
    taken = sorted(name for name, side in fields.items() if side == "drop")
    chosen = {name: getattr(drop, name) for name in taken}
    moved = {relation_key(rel): _move(rel, drop, keep, by) for rel in relations}
    keep.tags.add(*drop.tags.all())  # the merged record has the tags of both
    drop.delete()  # before the kept record takes a unique value (external id) from it
    for name, value in chosen.items():
        setattr(keep, name, value)
    _set_keys(keep)
    keep._change_reason = f"merged #{dropped_values['id']}"
    if by is not None:
        keep._history_user = by
    keep.full_clean()
    keep.save()
    # The moved deals (and a company's moved contacts) carry the dropped record's name in their keys.
    refresh_dependent_keys(**{"company_ids" if isinstance(keep, Company) else "contact_ids": [keep.pk]})
    dirty.update(_related_days(keep, relations))
    dirty.save()
    return MergeRecord.objects.create(
        kind=MergeKind.CONTACT if isinstance(keep, Contact) else MergeKind.COMPANY, kept_id=keep.pk,
        dropped_id=dropped_values["id"], merged_by=by, merged_at=timezone.now(),
        dropped_values=_json_ready(dropped_values), fields_from_dropped=taken, moved=moved)


def _json_ready(values: dict[str, Any]) -> dict[str, Any]:
    encoder = DjangoJSONEncoder()
    return {name: value if isinstance(value, str | int | float | bool | type(None)) else encoder.default(value)
            for name, value in values.items()}
