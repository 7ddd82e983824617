"""Login with throttling: repeated wrong passwords lock the username and the client address for a while.

Counts live in the cache (shared between processes with REDIS_URL), per username and per address, so
neither guessing one account's password from many addresses nor many accounts from one address gets
far. A locked attempt is answered 429 without checking the password at all, so it reveals nothing.
"""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

LOGIN_FAILURES_PER_USERNAME = getattr(settings, "LOGIN_FAILURES_PER_USERNAME", 5)
LOGIN_FAILURES_PER_ADDRESS = getattr(settings, "LOGIN_FAILURES_PER_ADDRESS", 20)
LOGIN_LOCK_SECONDS = getattr(settings, "LOGIN_LOCK_SECONDS", 15 * 60)


def _keys(request: HttpRequest) -> list[tuple[str, int]]:
    username = (request.POST.get("username") or "").strip().lower()[:150]
    address = request.META.get("REMOTE_ADDR", "")
    keys = [(f"login-failures:address:{address}", LOGIN_FAILURES_PER_ADDRESS)]
    if username:
        keys.append((f"login-failures:username:{username}", LOGIN_FAILURES_PER_USERNAME))
    return keys


def _locked(request: HttpRequest) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(request))


def _count_failure(request: HttpRequest) -> None:
    for key, _limit in _keys(request):
        if not cache.add(key, 1, LOGIN_LOCK_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, LOGIN_LOCK_SECONDS)


class ThrottledLoginView(LoginView):
    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if _locked(request):
            message = _("Too many failed attempts. Wait %(minutes)d minutes, then try again.") % {
                "minutes": LOGIN_LOCK_SECONDS // 60}
            context = self.get_context_data(form=AuthenticationForm(request), throttled=message)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        _count_failure(self.request)
        return super().form_invalid(form)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        username = form.get_user().get_username().strip().lower()
        cache.delete(f"login-failures:username:{username}")
        return super().form_valid(form)
