"""Turn a lost database into a clean 503 instead of a 500.

While PostgreSQL restarts, every query raises OperationalError (or InterfaceError on a connection
that died). That is not a bug in the request, so users get "try again shortly" with Retry-After, API
clients a JSON `detail`, and the log one warning line. Django's connection health checks
(conn_health_checks) replace the dead connection on the next request, so the app recovers by itself.
"""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 15


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable: %s %s (%s: %s)", request.method, request.path,
                       type(exception).__name__, exception)
        message = _("The service is briefly unavailable. Please try again in a few seconds.")
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database that went away mid-request (in a view or in a middleware such as the
    session's) is still a 503; anything else is a real error page."""
    import sys

    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        response = DatabaseUnavailableMiddleware(lambda r: HttpResponse()).process_exception(request, exception)
        if response is not None:
            return response
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Something went wrong on our side; it has been logged.")}, status=500)
    return HttpResponse(render_to_string("500.html"), status=500)
