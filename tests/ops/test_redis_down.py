"""With the cache's Redis unreachable, pages and writes work as before and the failure is logged.

(bench/drill_redis_down.py kills a real Redis under a worker, and checks the roll-up afterwards.)
"""

import logging

import pytest
from django.core.cache import caches
from django.test import Client

from crm.models import Role
from tests.factories import DealFactory, UserFactory
from tests.kpis.dashboard_business import build_dashboard_business

pytestmark = pytest.mark.django_db

DEAD_REDIS = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                          "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1}}}


@pytest.fixture
def dead_cache(settings):
    settings.CACHES = DEAD_REDIS
    settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    caches.close_all()
    yield
    caches.close_all()


def test_pages_logins_and_writes_work_and_the_failure_is_logged(dead_cache, caplog):
    build_dashboard_business()
    manager = UserFactory(role=Role.MANAGER, username="boss")
    manager.set_password("boss-password-2026")
    manager.save()
    client = Client()
    with caplog.at_level(logging.WARNING):
        login = client.post("/accounts/login/", {"username": "boss", "password": "boss-password-2026"})
        dashboard = client.get("/dashboards/sales/?preset=custom&start=2025-01-01&end=2025-01-31")
        api = client.get("/api/kpis/revenue/?start=2025-01-01&end=2025-01-31")
        deal = DealFactory()
        from crm.services import deal_update

        deal_update(deal=deal, title="Written while Redis is down")
    assert login.status_code == 302
    assert dashboard.status_code == 200
    assert api.status_code == 200
    assert api.json()["value"] is not None
    assert deal.__class__.objects.get(pk=deal.pk).title == "Written while Redis is down"
    assert any(record.name == "django_redis.cache" for record in caplog.records)
