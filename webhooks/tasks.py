"""Celery entry point: one delivery id in, one attempt out, retried with exponential backoff."""

from celery import shared_task

from webhooks.services import delivery_attempt, delivery_give_up

MAX_RETRIES = 6  # 7 attempts over about an hour: 30 s, 1, 2, 4, 8, 16 and 32 min apart
BACKOFF_BASE_SECONDS = 30


class DeliveryFailedError(Exception):
    """The receiver did not answer 2xx; the attempt is logged and retried."""


@shared_task(bind=True, name="webhooks.tasks.deliver_webhook_task", max_retries=MAX_RETRIES, acks_late=True,
             ignore_result=True)
def deliver_webhook_task(self, delivery_id: int) -> object:
    """Send a delivery; safe to run twice (a delivered one is not sent again)."""
    if delivery_attempt(delivery_id=delivery_id):
        return True
    if self.request.retries >= self.max_retries:
        delivery_give_up(delivery_id=delivery_id)
        return False
    # A worker queues the retry after the backoff; run eagerly (no broker), Celery's apply() re-runs a returned
    # Retry at once, whereas a raised one would propagate as an error.
    return self.retry(exc=DeliveryFailedError(delivery_id), countdown=BACKOFF_BASE_SECONDS * 2**self.request.retries,
                      throw=not self.request.is_eager)
