"""The one timeline on contact, company and deal pages: crm merges its own entries with what other apps add.

An app registers a source when it loads (support: a record's tickets; surveys: its survey answers). A source
answers at most `limit` newest entries of a record, applying its own permission rule, so crm never imports
the apps whose entries it shows.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a timeline; `item` keeps the record behind it for templates that show more of it."""

    at: datetime
    kind: str
    title: str
    url: str = ""
    detail: str = ""
    item: Any = None


Source = Callable[..., list[TimelineEntry]]

_sources: dict[str, Source] = {}
_labels: dict[str, Any] = {}


def register(kind: str, source: Source, *, label: Any) -> None:
    """Add `kind` entries, named `label` on the filter chips, to timelines with
    `source(record_kind=..., record_id=..., user=..., limit=...)`."""
    _sources[kind] = source
    _labels[kind] = label


def registered_kinds() -> dict[str, Any]:
    """Each registered kind and its label, in the order the apps registered them."""
    return dict(_labels)


def entries(kind: str, *, record_kind: str, record_id: int, user: object, limit: int) -> list[TimelineEntry]:
    """The newest `kind` entries of a record from the app that registered them; none when no app did."""
    source = _sources.get(kind)
    if source is None:
        return []
    return source(record_kind=record_kind, record_id=record_id, user=user, limit=limit)
