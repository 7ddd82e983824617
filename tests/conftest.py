"""Shared fixtures.

The business settings are pinned (UTC, USD, Monday weeks) so no test depends on the environment
of the machine running it; a test that needs another zone or currency overrides them with `settings`.
"""

from datetime import UTC, datetime

import pytest

from crm.models import Role
from tests.factories import (
    CampaignFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    PipelineFactory,
    SurveyFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
)

# A fixed instant the time-dependent tests build on: Monday 2025-03-03 09:00 UTC.
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session", autouse=True)
def _empty_cache_at_start(django_db_setup):
    """A new test database restarts its ids, so answers cached under a roll-up run's id by an earlier run
    of the suite (in Redis, which outlives it) must not be read: the cache starts empty."""
    from django.core.cache import caches

    caches["default"].clear()


@pytest.fixture(autouse=True)
def _fresh_local_cache():
    """Answers are cached under a roll-up run's id and time; SQLite reuses the ids of rolled-back rows, so
    an in-process cache is emptied between tests. (Redis, in the PostgreSQL leg, is left alone: there ids
    are never reused, and the Celery broker shares it.)"""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


@pytest.fixture(autouse=True)
def _language_reset():
    """A request activates its language in the thread and Django leaves it active afterwards (the next
    request sets its own); tests run one after another in one thread, so each starts from the default."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _business_settings(settings):
    settings.CRM_TIME_ZONE = "UTC"
    settings.CRM_CURRENCY = "USD"
    settings.CRM_WEEK_START = "monday"
    settings.CRM_WEEKEND = (5, 6)
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def t0():
    return T0


@pytest.fixture
def team(db):
    return TeamFactory()


@pytest.fixture
def sales_user(db):
    return UserFactory(role=Role.SALES)


@pytest.fixture
def support_user(db):
    return UserFactory(role=Role.SUPPORT)


@pytest.fixture
def manager_user(db):
    return UserFactory(role=Role.MANAGER, is_staff=True)


@pytest.fixture
def company(db):
    return CompanyFactory(created_at=T0)


@pytest.fixture
def contact(db):
    return ContactFactory(created_at=T0)


@pytest.fixture
def campaign(db):
    return CampaignFactory()


@pytest.fixture
def pipeline(db):
    """A pipeline with three stages: Lead (0.1), Proposal (0.5), Negotiation (0.8)."""
    return PipelineFactory()


@pytest.fixture
def stages(pipeline):
    return list(pipeline.stages.order_by("position"))


@pytest.fixture
def deal(stages, contact, sales_user):
    """An open USD 1000.00 deal created at T0 in the pipeline's first stage."""
    return DealFactory(pipeline_stage=stages[0], contact=contact, owner=sales_user, created_at=T0)


@pytest.fixture
def ticket(contact):
    """A new normal-priority ticket created at T0."""
    return TicketFactory(contact=contact, created_at=T0)


@pytest.fixture
def survey(db):
    return SurveyFactory()


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    """Uploaded and received files (ticket attachments) go to the test's own folder, never the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"
