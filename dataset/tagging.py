"""The optional `tags` of companies, contacts and deals: names in the file, one shared vocabulary in the
database. Absent or null leaves a record's tags as they are; a list (even empty) replaces them."""

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from crm.models import Tag
from dataset import fields as f
from dataset.engine import Importer, _Item
from dataset.fields import RecordError

TAGS = "tags"
TAG_NAME_MAX_LENGTH = 50


def tags_value(record: Mapping[str, Any]) -> list[str] | None:
    """The record's tag names, blanks and case-insensitive repeats dropped; None when it has no `tags`."""
    if record.get(TAGS) is None:
        return None
    wanted: dict[str, str] = {}
    for name in f.array(record, TAGS):
        if not isinstance(name, str) or len(name.strip()) > TAG_NAME_MAX_LENGTH:
            raise RecordError(_("“tags” must be a list of names of at most %(max)d characters")
                              % {"max": TAG_NAME_MAX_LENGTH})
        cleaned = " ".join(name.split())
        if cleaned:
            wanted.setdefault(cleaned.casefold(), cleaned)
    return list(wanted.values())


def take_tags(items: list[_Item]) -> dict[str, list[str]]:
    """Remove the parsed tags from the batch's values (they are no column), by record key."""
    return {item.key: names for item in items if (names := item.data.pop(TAGS, None)) is not None}


def write_tags(importer: Importer, model: type[models.Model], type_name: str, tagged: dict[str, list[str]]) -> None:
    """Replace the tags of the batch's records that named theirs, creating new names, in a few queries."""
    if not tagged:
        return
    ids = importer.lookup(model, type_name, set(tagged))
    names = {name for record_names in tagged.values() for name in record_names}
    by_name = {tag.name.casefold(): tag.pk for tag in
               Tag.objects.annotate(folded=Lower("name")).filter(folded__in={n.lower() for n in names})}
    missing = {name.casefold(): name for name in names if name.casefold() not in by_name}
    if missing:
        Tag.objects.bulk_create([Tag(name=name) for name in missing.values()])
        by_name.update({tag.name.casefold(): tag.pk for tag in
                        Tag.objects.annotate(folded=Lower("name")).filter(folded__in={n.lower() for n in
                                                                                       missing.values()})})
    through = model.tags.through
    column = f"{model._meta.model_name}_id"
    record_ids = [ids[key] for key in tagged if key in ids]
    through.objects.filter(**{f"{column}__in": record_ids}).delete()
    through.objects.bulk_create([through(**{column: ids[key], "tag_id": by_name[name.casefold()]})
                                 for key, record_names in tagged.items() if key in ids for name in record_names])


def tags_by_record(model: type[models.Model], pks: list[int]) -> dict[int, list[str]]:
    """The exported chunk's tag names per record, sorted, in one query."""
    through = model.tags.through
    column = f"{model._meta.model_name}_id"
    found: dict[int, list[str]] = defaultdict(list)
    for pk, name in (through.objects.filter(**{f"{column}__in": pks}).order_by("tag__name")
                     .values_list(column, "tag__name")):
        found[pk].append(name)
    return found


def tags_entry(tags: Mapping[int, list[str]], pk: int) -> dict[str, list[str]]:
    """`tags` for an exported record that has any; none at all otherwise, as files without tags read."""
    names = tags.get(pk)
    return {TAGS: names} if names else {}
