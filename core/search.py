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
    """The first `limit` records of `queryset` in its order, and how many match (at most COUNT_CAP + 1).

    Three short queries rather than one: the matches' ids straight from the search index, unordered and at
    most COUNT_CAP + 1 of them; the first `limit` of those ids in the queryset's order; then those records.
    Asked directly for the first 20 in name order, PostgreSQL walks the name index and tests every row on
    the way: Persian names sort after Latin ones, so `علی` at a million contacts tested 302,158 rows (1 s).
    So when more than COUNT_CAP match, what is shown is the first in order among COUNT_CAP + 1 of them, and
    the page says "1000+": typing more narrows it, the list page ("see all") orders every match."""
    candidates = list(queryset.order_by().values_list("pk", flat=True)[: COUNT_CAP + 1])
    if len(candidates) <= limit:
        return Found(list(queryset.filter(pk__in=candidates)) if candidates else [], len(candidates))
    first_ids = list(queryset.filter(pk__in=candidates).values_list("pk", flat=True)[:limit])
    by_id = {record.pk: record for record in queryset.order_by().filter(pk__in=first_ids)}
    return Found([by_id[pk] for pk in first_ids if pk in by_id], len(candidates))


Source = Callable[..., Found]

_sources: dict[str, Source] = {}


def register(kind: str, source: Source) -> None:
    """Answer searches for `kind` with `source(user=..., words=..., limit=...)`."""
    _sources[kind] = source


def find(kind: str, *, user: object, words: Sequence[str], limit: int) -> Found:
    """What the registered source of `kind` finds for the user; nothing when no app registered one."""
    source = _sources.get(kind)
    return source(user=user, words=words, limit=limit) if source is not None else Found()
