"""One error format for the whole API, whatever raised the error.

Invalid input answers 400 with `{"field": ["message"]}`; everything else answers `{"detail": "message"}`
with the status that fits. Services raise Django's ValidationError (field dicts) and StaleEditError; the
database may raise ProtectedError or IntegrityError. None of them may become a 500.
"""

import logging

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler, set_rollback

from core.concurrency import StaleEditError

logger = logging.getLogger(__name__)


def validation_error_dict(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as `{"field": ["message"]}`; errors without a field go under non_field_errors."""
    if hasattr(error, "error_dict"):
        result: dict[str, list[str]] = {}
        for field, messages in error.message_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
            result.setdefault(key, []).extend(str(message) for message in messages)
        return result
    return {api_settings.NON_FIELD_ERRORS_KEY: [str(message) for message in error.messages]}


def _detail(message: str, code: int, **extra: object) -> Response:
    set_rollback()
    return Response({"detail": message, **extra}, status=code)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, plus the domain and database errors the services let through."""
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(validation_error_dict(exc))
    elif isinstance(exc, StaleEditError):
        return _detail(str(exc), status.HTTP_409_CONFLICT, current_version=exc.current_version)
    elif isinstance(exc, ProtectedError | RestrictedError):
        return _detail(_("Other records still refer to this one, so it cannot be deleted."),
                       status.HTTP_409_CONFLICT)
    elif isinstance(exc, IntegrityError):
        logger.info("integrity error answered with 409: %s", exc)
        return _detail(_("This change conflicts with another record (a duplicate external id, for instance)."),
                       status.HTTP_409_CONFLICT)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError) and not isinstance(response.data, dict):
        # A bare list of messages (raised without a field) still gets a key, so clients parse one shape.
        response.data = {api_settings.NON_FIELD_ERRORS_KEY: response.data}
    return response
