"""A fixed-window request counter per client address, kept in Django's cache: the one rate limit of the
public pages (the support form: SUPPORT_FORM_RATE_LIMIT an hour; survey pages: SURVEY_PUBLIC_RATE_LIMIT a
minute). The next request is refused with 429.

The address is REMOTE_ADDR: a proxy in front of the app must pass the client's address there
(forwarded headers are not trusted, since any client can write them). With REDIS_URL set the count is
shared by every process; without it each process counts for itself. When the cache is unreachable the
limit fails open (the request is served, and the cache logs the failure): a rate limit must not take
the pages down with Redis.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class RateLimit:
    scope: str
    limit: int
    window_seconds: int

    def _key(self, request: HttpRequest) -> str:
        return f"ratelimit:{self.scope}:{request.META.get('REMOTE_ADDR', '') or 'unknown'}"

    def hit(self, request: HttpRequest) -> bool:
        """Count one request from this client; False once it is over the limit in the current window."""
        key = self._key(request)
        # add() starts the window only if none is running, so the window does not slide with each hit.
        if cache.add(key, 1, timeout=self.window_seconds):
            count: int | None = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # the window expired between add() and incr()
                cache.add(key, 1, timeout=self.window_seconds)
                count = 1
        return count is None or count <= self.limit  # None: the cache is down, so nothing was counted
