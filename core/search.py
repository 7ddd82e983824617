"""The one search box across apps: crm searches its own records and asks here for what other apps find.

An app registers a source for a kind of record when it loads (support registers "tickets"); each source
applies its own permission rule and answers at most `limit` records matching every word. crm's search
never imports the apps it shows results from.
"""

from collections.abc import Callable, Sequence
from typing import Any

Source = Callable[..., list[Any]]

_sources: dict[str, Source] = {}


def register(kind: str, source: Source) -> None:
    """Answer searches for `kind` with `source(user=..., words=..., limit=...)`."""
    _sources[kind] = source


def find(kind: str, *, user: object, words: Sequence[str], limit: int) -> list[Any]:
    """What the registered source of `kind` finds for the user; nothing when no app registered one."""
    source = _sources.get(kind)
    return source(user=user, words=words, limit=limit) if source is not None else []
