"""Clients for the API tests: one per role, authenticated by token as integrators are."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.models import Role
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_role_user(db):
    return UserFactory(role=Role.ADMIN, is_staff=True)


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def clients(sales_user, support_user, manager_user, admin_role_user):
    """An API client per role, plus an anonymous one."""
    return {
        "sales": token_client(sales_user),
        "support": token_client(support_user),
        "manager": token_client(manager_user),
        "admin": token_client(admin_role_user),
        "anonymous": APIClient(),
    }
