"""The events hub: what follows a change (survey triggers, webhooks, confirmations), with no app importing
the apps that react to it.

A service announces a change by calling one of the named events below inside its transaction. The apps
that react register their listeners when Django loads them (their `apps.py`), so crm never imports
webhooks and support never imports surveys. Every listener runs after the transaction commits, so
nothing acts on a change that was rolled back, and a failing listener is logged instead of undoing the
write (the change the user made is kept). Listeners that do real work enqueue Celery tasks, which take
ids and are safe to run twice.

The events are explicit functions rather than Django signals so a service reads top to bottom, and
each event's docstring names who listens: to learn what happens when a ticket is resolved, read
`ticket_resolved`. `listeners()` lists the registrations.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)

Listener = Callable[..., object]

_listeners: dict[str, list[Listener]] = defaultdict(list)


def listen(event: str, listener: Listener) -> None:
    """Run `listener(**payload)` after the commit of every transaction that publishes `event`."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    if listener not in _listeners[event]:
        _listeners[event].append(listener)


def listeners() -> dict[str, list[str]]:
    """Who listens to what, by dotted name, in the order they run."""
    return {event: [f"{item.__module__}.{getattr(item, '__qualname__', repr(item))}" for item in _listeners[event]]
            for event in EVENTS}


def _after_commit(follow_up: Callable[[], object], what: str) -> None:
    def run() -> None:
        try:
            follow_up()
        except Exception:  # a follow-up must never turn a saved change into an error page
            logger.exception("follow-up of %s failed", what)

    transaction.on_commit(run)


def publish(event: str, **payload: object) -> None:
    """Queue every listener of `event` for after the current transaction commits."""
    for listener in _listeners[event]:
        _after_commit(partial(listener, **payload), f"{event} ({listener.__module__})")


def deal_closed(*, deal_id: int, won: bool) -> None:
    """A deal was marked won or lost. Listeners: webhooks (deal.won, deal.lost)."""
    publish("deal_closed", deal_id=deal_id, won=won)


def ticket_resolved(*, ticket_id: int) -> None:
    """A ticket was resolved or closed. Listeners: surveys (queues its CSAT/CES surveys for when their delay
    has passed), webhooks (ticket.resolved)."""
    publish("ticket_resolved", ticket_id=ticket_id)


def ticket_reopened(*, ticket_id: int) -> None:
    """A resolved ticket was reopened. No listener: its queued surveys are cancelled by their own check,
    since each re-reads the ticket when it runs and sends nothing unless the ticket is still resolved at the
    same moment (surveys.services.ticket_survey_invite)."""
    publish("ticket_reopened", ticket_id=ticket_id)


def ticket_submitted(*, ticket_id: int) -> None:
    """A customer opened a ticket through the public support form. Listeners: support (confirms it to them
    by email)."""
    publish("ticket_submitted", ticket_id=ticket_id)


def ticket_reply_posted(*, message_id: int) -> None:
    """An agent added a public reply to a ticket. Listeners: support (emails it to the ticket's contact)."""
    publish("ticket_reply_posted", message_id=message_id)


def contact_email_posted(*, activity_id: int) -> None:
    """A rep wrote a contact an email from the CRM. Listeners: crm (sends it)."""
    publish("contact_email_posted", activity_id=activity_id)


def contact_email_replied(*, activity_id: int) -> None:
    """A contact answered a rep's email; the answer is on the timeline. Listeners: crm (tells the rep)."""
    publish("contact_email_replied", activity_id=activity_id)


def survey_response_recorded(*, response_id: int) -> None:
    """A customer answered a survey (through its page, the API or the admin), or changed the answer.
    Listeners: surveys (a follow-up task for the account's owner when the customer is a detractor or
    unhappy), webhooks (survey.response)."""
    publish("survey_response_recorded", response_id=response_id)


EVENTS = frozenset({"deal_closed", "ticket_resolved", "ticket_reopened", "ticket_submitted", "ticket_reply_posted",
                    "survey_response_recorded", "contact_email_posted", "contact_email_replied"})
