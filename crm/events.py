"""What follows a change, in one readable place: survey triggers, webhooks, notifications.

Services call these functions inside their transaction; each queues its follow-ups with
`transaction.on_commit`, so nothing acts on a change that was rolled back, and a failing follow-up
is logged instead of undoing the write (the change the user made is kept). Follow-ups that do real
work enqueue Celery tasks, which take ids and are safe to run twice.

The calls are explicit rather than Django signals so the flow reads top to bottom: to learn what
happens when a ticket is resolved, read `ticket_resolved`.
"""

import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)


def _after_commit(follow_up: Callable[[], None], what: str) -> None:
    def run() -> None:
        try:
            follow_up()
        except Exception:  # a follow-up must never turn a saved change into an error page
            logger.exception("follow-up of %s failed", what)

    transaction.on_commit(run)


def deal_closed(*, deal_id: int, won: bool) -> None:
    """A deal was marked won or lost."""


def ticket_resolved(*, ticket_id: int) -> None:
    """A ticket was resolved or closed."""


def ticket_reopened(*, ticket_id: int) -> None:
    """A resolved ticket was reopened."""


def survey_response_recorded(*, response_id: int) -> None:
    """A customer answered a survey (through its page, the API or the admin)."""
