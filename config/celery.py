"""The Celery application; settings come from Django's, prefixed CELERY_."""

import os

from celery import Celery

from config.observability import connect_task_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
connect_task_logging()
