"""Reading a ticket's thread the way the reply-time KPI does. Pure functions, no database."""

from collections.abc import Sequence
from datetime import datetime

from support.models import MessageAuthor


def reply_waiting_since(created_at: datetime, thread: Sequence[tuple[datetime, str, bool]]) -> list[datetime | None]:
    """For each (at, author, public) message, in thread order: when the wait it answered began.

    A marker starts at the ticket's creation. A public customer message sets it when unset; a public
    agent reply with the marker set answers a wait that began at the marker, and unsets it. Anything
    else (internal notes, customer messages, replies nobody was waiting for) gets None.
    """
    marker: datetime | None = created_at
    result: list[datetime | None] = []
    for at, author, public in thread:
        waited_since = None
        if public and author == MessageAuthor.CUSTOMER:
            marker = marker or at
        elif public and author == MessageAuthor.AGENT and marker is not None:
            waited_since, marker = marker, None
        result.append(waited_since)
    return result
