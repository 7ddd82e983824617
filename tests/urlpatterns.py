"""Every URL pattern of the project, walked from the root URLconf, so tests cover new endpoints by themselves."""

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern


def walk(patterns: list | None = None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """(the full route or regex, as written, and the pattern) for every endpoint."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + _text(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        else:
            yield route, entry


def _text(pattern: RoutePattern | RegexPattern) -> str:
    return str(pattern._route) if isinstance(pattern, RoutePattern) else pattern._regex.lstrip("^").rstrip("$")
