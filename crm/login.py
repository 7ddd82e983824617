"""Login with throttling: repeated wrong passwords lock the username and the client address for a while.

Counts live in the cache (shared between processes with REDIS_URL), per username and per address, so
neither guessing one account's password from many addresses nor many accounts from one address gets
far. A locked attempt is answered 429 without checking the password at all, so it reveals nothing.

The username is keyed as the login form reads it (Unicode NFKC, as Django's UsernameField normalises
it) and case-folded, so 'ｔｈｒｏｔｔｌｅ-ａ' and 'Throttle-A' spend the same five tries as 'throttle-a'.
Each attempt takes its place in the count before the password is checked (one atomic INCR on Redis), so
twenty attempts sent at once check at most five passwords: a separate read-then-count would let every
concurrent attempt read 'not locked yet'.
"""

import contextlib
import unicodedata

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

LOGIN_FAILURES_PER_USERNAME = getattr(settings, "LOGIN_FAILURES_PER_USERNAME", 5)
LOGIN_FAILURES_PER_ADDRESS = getattr(settings, "LOGIN_FAILURES_PER_ADDRESS", 20)
LOGIN_LOCK_SECONDS = getattr(settings, "LOGIN_LOCK_SECONDS", 15 * 60)


def username_lock_key(username: str) -> str:
    """The cache key of a username's failures: the name as the form authenticates it, case-folded."""
    normalised = unicodedata.normalize("NFKC", username).strip().casefold()[:150]
    return f"login-failures:username:{normalised}"


def _address_key(request: HttpRequest) -> str:
    return f"login-failures:address:{request.META.get('REMOTE_ADDR', '')}"


def _keys(request: HttpRequest) -> list[tuple[str, int]]:
    keys = [(_address_key(request), LOGIN_FAILURES_PER_ADDRESS)]
    username = request.POST.get("username") or ""
    if username.strip():
        keys.append((username_lock_key(username), LOGIN_FAILURES_PER_USERNAME))
    return keys


def _count(key: str) -> int | None:
    """Add one to a key's count and return the new count; the first count starts the lock window.

    None when the cache is unreachable: the attempt goes on uncounted, as the public rate limits do,
    rather than locking every user out while Redis is down.
    """
    if cache.add(key, 1, LOGIN_LOCK_SECONDS):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        return 1 if cache.add(key, 1, LOGIN_LOCK_SECONDS) else None


def _reserve_attempt(request: HttpRequest) -> bool:
    """Count this attempt as a failure up front; False when that puts any key past its limit.

    A successful login gives its place back (see ThrottledLoginView.form_valid), so only failures and
    refused attempts stay counted.
    """
    allowed = True
    for key, limit in _keys(request):
        count = _count(key)
        if count is not None and count > limit:
            allowed = False
    return allowed


class ThrottledLoginView(LoginView):
    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not _reserve_attempt(request):
            message = _("Too many failed attempts. Wait %(minutes)d minutes, then try again.") % {
                "minutes": LOGIN_LOCK_SECONDS // 60}
            context = self.get_context_data(form=AuthenticationForm(request), throttled=message)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        cache.delete(username_lock_key(self.request.POST.get("username") or ""))
        cache.delete(username_lock_key(form.get_user().get_username()))
        with contextlib.suppress(ValueError):  # the address's window expired meanwhile
            cache.decr(_address_key(self.request))
        return super().form_valid(form)
