"""Streaming export of everything in the dataset format, in the order the importer needs.

Rows are read in primary-key chunks (keyset pagination, so memory stays flat and no server-side
cursor is held) as plain values, and each chunk's children (stage history, messages, spend) come
in one extra query. Small tables are mapped to their keys in dicts once.

A row without an external_id is written as `<type>-<pk>`; the importer maps that key back to the
same row, so re-importing an export into the same database updates rather than duplicates.
"""

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from django.db import models

from dataset.records import RECORD_TYPES
from dataset.sections import KeyMaps, Row, Section

CHUNK_SIZE = 2000


def _chunks(queryset: models.QuerySet, *fields: str) -> Iterator[list[dict[str, Any]]]:
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        rows = list(page.order_by("pk").values("pk", *fields)[:CHUNK_SIZE])
        if not rows:
            return
        yield rows
        last = rows[-1]["pk"]


# The record types in the order the importer needs them: each after the types it names.
SECTIONS: tuple[tuple[str, Callable[[KeyMaps], Section]], ...] = tuple(
    (type_name, record_type.export) for type_name, record_type in RECORD_TYPES.items()
)


class Exporter:
    """Writes one JSON object per line to `out`, counting records per type."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.counts: Counter[str] = Counter()

    def write(self, type_name: str, records: list[Row]) -> None:
        self.out.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        self.counts[type_name] += len(records)

    def run(self) -> Counter[str]:
        keys = KeyMaps()
        for type_name, section_of in SECTIONS:
            section = section_of(keys)
            for rows in _chunks(section.queryset, *section.fields):
                self.write(type_name, section.build(rows))
        return self.counts


def export_dataset(out: TextIO) -> Counter[str]:
    """Write every record to `out`; returns how many of each type."""
    return Exporter(out).run()
