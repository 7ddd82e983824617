"""Pages in the language each member of staff chose, with times in the business's time zone.

Django's LocaleMiddleware picks a language from the cookie or the browser's Accept-Language; that is
right for customers and the login page, but staff choose theirs once and expect it on every device,
so a signed-in user's saved `language` wins. It runs after AuthenticationMiddleware.
"""

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if not language:
            return self.get_response(request)
        # Scoped to this request, so the language never leaks into whatever the thread runs next.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        response.headers["Content-Language"] = request.LANGUAGE_CODE  # LocaleMiddleware only sets a default
        return response


class BusinessTimeZoneMiddleware:
    """Pages show and read wall-clock times in the business's zone (CRM_TIME_ZONE), the zone its KPI days
    are counted in: a manager in Tehran types 14:30 and reads 14:30, not the UTC the database keeps.
    The REST API keeps UTC, so what it returns does not depend on the server's configuration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return self.get_response(request)
        with timezone.override(ZoneInfo(settings.CRM_TIME_ZONE)):
            return self.get_response(request)
