"""Contacts: parse, write and export; a contact names its company by key, resolved per batch."""

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from crm.models import Company, Contact, Language
from crm.normalize import CONTACT_NORMALIZED_FIELDS, contact_normalized_fields
from crm.search_keys import contact_search_key, refresh_dependent_keys
from dataset import fields as f
from dataset.engine import Importer, _apply, _Item
from dataset.fields import RecordError
from dataset.records.companies import churn_values, optional_values
from dataset.sections import KeyMaps, Row, Section, _key, _ts
from dataset.tagging import TAGS, tags_by_record, tags_entry, tags_value, take_tags, write_tags

# Plain strings: enum attribute access and `.values` cost microseconds, and these run per record.
LANGUAGES = tuple(Language.values)
LANGUAGE_DEFAULT = Language.ENGLISH.value


def parse(importer: Importer, record: Mapping[str, Any], line: int) -> _Item:
    ext = f.key(record, "external_id", required=True)
    assert ext is not None
    item = _Item(
        line,
        ext,
        {
            "first_name": f.text(record, "first_name", 100),
            "last_name": f.text(record, "last_name", 100),
            "job_title": f.text(record, "job_title", 100),
            "email": f.text(record, "email", 254),
            "phone": f.text(record, "phone", 50),
            "company": f.key(record, "company"),
            "source_campaign_id": importer.ref(importer.cache("campaign"), "campaign", record, "source_campaign"),
            "owner_id": importer.ref(importer.cache("user"), "user", record, "owner"),
            "language": f.choice(record, "language", LANGUAGES, default=LANGUAGE_DEFAULT),
            "created_at": f.timestamp(record, "created_at", required=True),
            **churn_values(record),
        },
    )
    item.data[TAGS] = tags_value(record)
    return item


def write(importer: Importer, items: list[_Item]) -> None:
    tagged = take_tags(items)
    companies = importer.lookup(Company, "company", {i.data["company"] for i in items})
    company_names = dict(Company.objects.filter(pk__in=companies.values()).values_list("pk", "name"))
    existing = importer.existing(Contact, "contact", (i.key for i in items))
    now = timezone.now()
    new, changed, renamed = [], [], []
    unchanged = 0
    for item in items:
        values = {**item.data, **contact_normalized_fields(item.data)}
        try:
            values["company_id"] = importer.resolve(companies, "company", "company", values.pop("company"))
        except RecordError as exc:
            importer.fail_item("contact", item, exc)
            continue
        values["search_key"] = contact_search_key(
            first_name=values["first_name"], last_name=values["last_name"], email=values["email"],
            phone=values["phone"], phone_e164=values["phone_e164"], job_title=values["job_title"],
            company_name=company_names.get(values["company_id"], ""))
        contact = existing.get(item.key)
        if contact is None:
            new.append({"external_id": item.key, **values})
            continue
        named = (contact.first_name, contact.last_name)
        if _apply(contact, values):
            contact.version += 1
            changed.append(contact)
            if named != (contact.first_name, contact.last_name):
                renamed.append(contact.pk)
        else:
            unchanged += 1
    changed_ids = [contact.pk for contact in changed]
    importer.note_records("contacts", Contact, changed_ids)
    new_ids = importer.insert(Contact, new, returning=True)
    Contact.objects.bulk_update(
        changed,
        [
            "first_name",
            "last_name",
            "job_title",
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
            "search_key",
            *CONTACT_NORMALIZED_FIELDS,
        ],
    )
    refresh_dependent_keys(contact_ids=renamed)  # their deals' keys carry the old names
    importer.note_records("contacts", Contact, [*changed_ids, *new_ids])
    importer.write_history(Contact, now, new_ids, changed_ids)
    write_tags(importer, Contact, "contact", tagged)
    importer.count("contact", created=len(new), updated=len(changed), unchanged=unchanged)


def export(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        tags = tags_by_record(Contact, [r["pk"] for r in rows])
        return [{"type": "contact", "external_id": _key("contact", r["external_id"], r["pk"]),
                 "first_name": r["first_name"], "last_name": r["last_name"], "email": r["email"], "phone": r["phone"],
                 "company": _key("company", r["company__external_id"], r["company_id"]),
                 "source_campaign": keys.campaigns.get(r["source_campaign_id"]), "owner": keys.users.get(r["owner_id"]),
                 "language": r["language"], "created_at": _ts(r["created_at"]), "churned_at": _ts(r["churned_at"]),
                 "churn_reason": r["churn_reason"], **optional_values(r, ("job_title",)),
                 **tags_entry(tags, r["pk"])} for r in rows]

    fields = ("external_id", "first_name", "last_name", "job_title", "email", "phone", "company_id",
              "company__external_id", "source_campaign_id", "owner_id", "language", "created_at", "churned_at",
              "churn_reason")
    return Section(Contact.objects.all(), fields, build)
