"""Companies: parse, write and export; `churn_values` is shared with contacts, which churn the same way."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Company, CompanySize
from crm.normalize import normalize_domain, normalize_name, validate_domain
from crm.search_keys import company_search_key, refresh_dependent_keys
from dataset import fields as f
from dataset.engine import Importer, _apply, _Item
from dataset.fields import RecordError
from dataset.sections import KeyMaps, Row, Section, _key, _ts
from dataset.tagging import TAGS, tags_by_record, tags_entry, tags_value, take_tags, write_tags


def churn_values(record: Mapping[str, Any]) -> dict[str, Any]:
    churned_at = f.timestamp(record, "churned_at")
    reason = f.text(record, "churn_reason", 200)
    return {"churned_at": churned_at, "churn_reason": reason if churned_at else ""}


SIZES = ("", *CompanySize.values)
PROFILE_FIELDS = ("domain", "industry", "size", "address")


def domain_value(record: Mapping[str, Any]) -> str:
    """The optional `domain` as its host (a full web address is accepted), refused when it is no host name."""
    host = normalize_domain(f.text(record, "domain", 253))
    try:
        validate_domain(host)
    except ValidationError as exc:
        raise RecordError(_("“%(field)s” is not a domain such as example.com") % {"field": "domain"}) from exc
    return host


def optional_values(row: Row, names: tuple[str, ...]) -> dict[str, Any]:
    """The optional fields that hold something: an export of records without them reads as the files
    written before the fields existed."""
    return {name: row[name] for name in names if row[name]}


def parse(importer: Importer, record: Mapping[str, Any], line: int) -> _Item:
    ext = f.key(record, "external_id", required=True)
    assert ext is not None
    item = _Item(
        line,
        ext,
        {
            "name": f.text(record, "name", 200, required=True, blank=False),
            "created_at": f.timestamp(record, "created_at", required=True),
            "domain": domain_value(record),
            "industry": f.text(record, "industry", 100),
            "size": f.choice(record, "size", SIZES, default=""),
            "address": f.text(record, "address", 10_000),
            **churn_values(record),
        },
    )
    item.data[TAGS] = tags_value(record)
    return item


def write(importer: Importer, items: list[_Item]) -> None:
    """Names and creation times move no KPI day (customers are counted by id, from their deals and
    churn); a churn set, moved or cleared is marked as `customer_set_churn` marks it."""
    tagged = take_tags(items)
    existing = importer.existing(Company, "company", (i.key for i in items))
    now = timezone.now()
    new, changed, churn_changed, renamed = [], [], [], []
    for item in items:
        values = {**item.data, "name_normalized": normalize_name(item.data["name"]),
                  "search_key": company_search_key(name=item.data["name"], domain=item.data["domain"])}
        company = existing.get(item.key)
        if company is None:
            new.append({"external_id": item.key, **values})
            continue
        churn = (company.churned_at, company.churn_reason)
        name = company.name
        if _apply(company, values):
            company.version += 1
            changed.append(company)
            if name != company.name:
                renamed.append(company.pk)
            if churn != (company.churned_at, company.churn_reason):
                churn_changed.append(company.pk)
    importer.note_records("customers", Company, churn_changed)
    new_ids = importer.insert(Company, new, returning=True)
    Company.objects.bulk_update(changed, ["name", "name_normalized", "search_key", "created_at", *PROFILE_FIELDS,
                                          "churned_at", "churn_reason", "version"])
    refresh_dependent_keys(company_ids=renamed)  # their contacts' and deals' keys carry the old names
    churned_new = [pk for pk, values in zip(new_ids, new, strict=True) if values["churned_at"] is not None]
    importer.note_records("customers", Company, [*churn_changed, *churned_new])
    importer.write_history(Company, now, new_ids, [company.pk for company in changed])
    write_tags(importer, Company, "company", tagged)
    importer.count(
        "company", created=len(new), updated=len(changed), unchanged=len(items) - len(new) - len(changed)
    )


def export(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        tags = tags_by_record(Company, [r["pk"] for r in rows])
        return [{"type": "company", "external_id": _key("company", r["external_id"], r["pk"]), "name": r["name"],
                 "created_at": _ts(r["created_at"]), "churned_at": _ts(r["churned_at"]),
                 "churn_reason": r["churn_reason"], **optional_values(r, PROFILE_FIELDS),
                 **tags_entry(tags, r["pk"])} for r in rows]

    return Section(Company.objects.all(), ("external_id", "name", *PROFILE_FIELDS, "created_at", "churned_at",
                                           "churn_reason"), build)
