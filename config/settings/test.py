"""Test settings: the base settings with a fixed key and fast password hashing."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "x" * 40)

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Tests run tasks in-process even with REDIS_URL set (the PostgreSQL leg of CI): a task queued from inside a
# test's transaction could not be seen by a worker anyway. Redis still serves the cache and the rate limits,
# and the tests that exercise the real broker (a worker process, a delayed task) turn eager mode off themselves.
CELERY_TASK_ALWAYS_EAGER = True
