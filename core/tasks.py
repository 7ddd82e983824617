"""What every app's Celery tasks share: how a task is acknowledged, how a mail task retries, and how a mail
server's refusal is written down for people."""

import smtplib

# A task is acknowledged once it finished, so a worker killed halfway leaves it queued for another.
TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}
# A mail server that cannot be reached, or refuses for now, is tried again: after 1 minute, then twice as long
# each time, at most an hour apart, 8 times in all.
MAIL_ERRORS = (smtplib.SMTPException, OSError)
MAIL_RETRY = {"autoretry_for": MAIL_ERRORS, "retry_backoff": 60, "retry_backoff_max": 3600, "max_retries": 8}
# How long a cache marker remembers that a one-off email went out, so a retried task does not send it twice.
SENT_MARKER_SECONDS = 30 * 24 * 3600


def mail_error_text(error: BaseException) -> str:
    """What the mail server said, as people read it: "550 5.1.1 No such user" rather than a Python tuple."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{address}: {code} {answer.decode(errors='replace')}"
                         for address, (code, answer) in error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        answer = error.smtp_error
        return f"{error.smtp_code} {answer.decode(errors='replace') if isinstance(answer, bytes) else answer}"
    return f"{type(error).__name__}: {error}"
