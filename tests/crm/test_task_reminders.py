"""Task reminders: an email to the owner once a task falls due, and the due count on every page's header."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from crm.models import ActivityKind, Role
from crm.services import activity_create, task_set_done
from crm.tasks import send_task_reminders
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def _task(owner, subject: str, *, due_in: timedelta | None):
    due_at = None if due_in is None else timezone.now() + due_in
    return activity_create(kind=ActivityKind.TASK, subject=subject, owner=owner, contact=ContactFactory(),
                           due_at=due_at)


@override_settings(CRM_SALES_EMAIL="sales@example.com")
def test_due_task_is_reminded_once_by_email() -> None:
    rep = UserFactory(role=Role.SALES, username="rep.mina", email="mina@example.com")
    task = _task(rep, "Call Acme back", due_in=timedelta(minutes=-5))
    _task(rep, "Later task", due_in=timedelta(days=1))
    _task(rep, "Undated task", due_in=None)

    assert send_task_reminders.delay().get() == 1
    assert send_task_reminders.delay().get() == 0

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["mina@example.com"]
    assert message.from_email == "sales@example.com"
    assert "Call Acme back" in message.subject
    assert reverse("crm:task_list") in message.body
    task.refresh_from_db()
    assert task.reminded_at is not None


def test_done_task_is_not_reminded() -> None:
    rep = UserFactory(role=Role.SALES)
    task_set_done(task=_task(rep, "Already done", due_in=timedelta(hours=-1)), done=True)

    assert send_task_reminders.delay().get() == 0
    assert mail.outbox == []


@override_settings(CRM_SALES_EMAIL="", DEFAULT_FROM_EMAIL="CRM <crm@example.com>")
def test_reminder_is_in_the_owners_language_from_the_default_sender() -> None:
    rep = UserFactory(role=Role.SALES, language="fa")
    _task(rep, "Call Acme back", due_in=timedelta(minutes=-1))

    send_task_reminders.delay().get()

    message = mail.outbox[0]
    assert message.from_email == "CRM <crm@example.com>"
    assert message.subject == "سررسید کار: Call Acme back"


def test_an_owner_who_never_chose_a_language_is_reminded_in_the_business_language(settings) -> None:
    settings.LANGUAGE_CODE = "fa"
    _task(UserFactory(role=Role.SALES), "Call Acme back", due_in=timedelta(minutes=-1))

    send_task_reminders.delay().get()

    assert mail.outbox[0].subject == "سررسید کار: Call Acme back"


def test_header_shows_the_users_due_task_count(client) -> None:
    rep = UserFactory(role=Role.SALES)
    _task(rep, "Due one", due_in=timedelta(hours=-2))
    _task(rep, "Due two", due_in=timedelta(minutes=-1))
    _task(rep, "Not yet", due_in=timedelta(days=2))
    task_set_done(task=_task(rep, "Done one", due_in=timedelta(hours=-3)), done=True)
    _task(UserFactory(role=Role.SALES), "Someone else's", due_in=timedelta(hours=-1))
    client.force_login(rep)

    page = client.get(reverse("home"))

    body = page.content.decode()
    badge = body.split('id="due-tasks-badge"', 1)[1].split("</span>", 1)[0]
    assert badge.endswith(">2")
    assert page.context["nav_due_tasks"] == 2


def test_header_has_no_badge_without_due_tasks(client) -> None:
    rep = UserFactory(role=Role.SALES)
    _task(rep, "Not yet", due_in=timedelta(days=2))
    client.force_login(rep)

    assert 'id="due-tasks-badge"' not in client.get(reverse("crm:task_list")).content.decode()


def test_reminders_run_every_minute(settings) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["task-reminders"]

    assert entry["task"] == send_task_reminders.name
    assert entry["schedule"] == 60.0


def test_a_task_overdue_for_more_than_a_day_is_not_emailed_when_the_reminders_start() -> None:
    """The first run after an upgrade (or after the workers were down) does not email every old overdue task:
    they stay on the task list and its count."""
    rep = UserFactory(role=Role.SALES, email="mina@example.com")
    _task(rep, "Overdue for a week", due_in=timedelta(days=-7))
    recent = _task(rep, "Due an hour ago", due_in=timedelta(hours=-1))

    assert send_task_reminders.delay().get() == 1
    assert [message.subject for message in mail.outbox if "Due an hour ago" in message.subject]
    assert len(mail.outbox) == 1
    recent.refresh_from_db()
    assert recent.reminded_at is not None


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                   EMAIL_PORT=9, EMAIL_TIMEOUT=2)
def test_a_reminder_the_mail_server_refused_is_tried_again_next_run() -> None:
    rep = UserFactory(role=Role.SALES, email="mina@example.com")
    task = _task(rep, "Call Acme back", due_in=timedelta(minutes=-5))

    assert send_task_reminders.delay().get() == 0  # nothing listens on port 9: connection refused
    task.refresh_from_db()
    assert task.reminded_at is None
