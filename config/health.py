"""Liveness and readiness for load balancers and orchestrators: cheap, unauthenticated, and saying
nothing beyond whether each check passed (no versions, hosts or error texts).

/healthz answers 200 whenever the process can serve a request. /readyz answers 200 only when the
database and (if configured) Redis answer and the last successful KPI roll-up finished less than
READY_ROLLUP_MAX_AGE ago, so a stalled nightly job takes the instance out of rotation visibly.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

READY_ROLLUP_MAX_AGE = timedelta(hours=26)  # a nightly run plus two hours of slack


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("readiness: the database did not answer", exc_info=True)
        return False


def _redis_ok() -> bool:
    if not settings.REDIS_URL:
        return True  # not configured: tasks run in-process, nothing to reach
    try:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        return bool(client.ping())
    except Exception:
        logger.warning("readiness: Redis did not answer", exc_info=True)
        return False


def _rollup_fresh() -> bool:
    from kpis.models import RollupRun

    try:
        last = RollupRun.objects.order_by("-finished_at").values_list("finished_at", flat=True).first()
    except Exception:
        return False
    return last is not None and timezone.now() - last < READY_ROLLUP_MAX_AGE


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    database = _database_ok()
    checks = {"database": database, "redis": _redis_ok(), "rollup": database and _rollup_fresh()}
    ready = all(checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
