"""The one search box across apps: crm searches its own records and asks here for what other apps find.

An app registers a source for a kind of record when it loads (support registers "tickets"); each source
applies its own permission rule and answers at most `limit` records matching every word. crm's search
never imports the apps it shows results from.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

# Counting every match of a common word in a million rows costs more than the page: past this, "1000+".
COUNT_CAP = 1000


@dataclass(frozen=True)
class Found:
    """The first records a search found, and how many it found in all (at most COUNT_CAP + 1)."""

    records: list[Any] = field(default_factory=list)
    count: int = 0

    @property
    def count_is_capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def has_more(self) -> bool:
        return self.count > len(self.records)


def found(queryset: QuerySet, limit: int) -> Found:
    """The first `limit` records of `queryset` and their count; no count query when all of them fit."""
    records = list(queryset[:limit])
    if len(records) < limit:
        return Found(records, len(records))
    return Found(records, queryset.order_by()[: COUNT_CAP + 1].count())


Source = Callable[..., Found]

_sources: dict[str, Source] = {}


def register(kind: str, source: Source) -> None:
    """Answer searches for `kind` with `source(user=..., words=..., limit=...)`."""
    _sources[kind] = source


def find(kind: str, *, user: object, words: Sequence[str], limit: int) -> Found:
    """What the registered source of `kind` finds for the user; nothing when no app registered one."""
    source = _sources.get(kind)
    return source(user=user, words=words, limit=limit) if source is not None else Found()
