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
    """A deal was marked won or lost: webhooks subscribed to deal.won or deal.lost are sent."""
    from webhooks import events as webhook_events  # imported here: webhooks read crm's models

    _after_commit(lambda: webhook_events.deal_closed(deal_id=deal_id, won=won), "deal_closed webhooks")


def ticket_resolved(*, ticket_id: int) -> None:
    """A ticket was resolved or closed: queue its CSAT/CES surveys for when their delay has passed, and send
    the ticket.resolved webhooks."""
    from surveys.tasks import schedule_ticket_surveys  # imported here: surveys' modules import this one
    from webhooks import events as webhook_events

    _after_commit(lambda: schedule_ticket_surveys(ticket_id=ticket_id), "ticket_resolved")
    _after_commit(lambda: webhook_events.ticket_resolved(ticket_id=ticket_id), "ticket_resolved webhooks")


def ticket_reopened(*, ticket_id: int) -> None:
    """A resolved ticket was reopened.

    Its queued surveys are cancelled by their own check: each re-reads the ticket when it runs and
    sends nothing unless the ticket is still resolved at the same moment (surveys.services.ticket_survey_invite).
    """


def ticket_submitted(*, ticket_id: int) -> None:
    """A customer opened a ticket through the public support form: confirm it to them by email."""
    from support.tasks import send_ticket_confirmation  # imported here: support's modules import this one

    _after_commit(lambda: send_ticket_confirmation.delay(ticket_id), "ticket_submitted")


def survey_response_recorded(*, response_id: int) -> None:
    """A customer answered a survey (through its page, the API or the admin), or changed the answer:
    a detractor or unhappy customer gets a follow-up task for the account's owner; survey.response webhooks
    are sent."""
    from surveys.tasks import follow_up_response_task
    from webhooks import events as webhook_events

    _after_commit(lambda: follow_up_response_task.delay(response_id), "survey_response_recorded")
    _after_commit(lambda: webhook_events.survey_response_recorded(response_id=response_id),
                  "survey_response_recorded webhooks")
