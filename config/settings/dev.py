"""Settings for `manage.py` in a checkout: the base settings with DEBUG on unless DJANGO_DEBUG says otherwise.

A checkout is a development environment, so management commands work without a secret key.
Servers (gunicorn through config.wsgi, Celery through config.celery) use config.settings.base, which
refuses to start without DJANGO_SECRET_KEY; a production shell sets DJANGO_SETTINGS_MODULE to it too.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from config.settings.base import *  # noqa: F403
