"""Measure email both ways against real servers, on a scratch PostgreSQL database.

    .venv/bin/python bench/mail.py inbound --messages 10000
    .venv/bin/python bench/mail.py outbound --messages 10000 --workers 2

inbound: a private Dovecot (tests/mail_servers.py) holds `--messages` customer emails (half answer existing
tickets by `[#N]` in the subject, half open new tickets); one poll (`poll_support_mailbox`, in its own process,
so its peak RSS is its own, from wait4) files them all. Reports messages per second and peak memory.

outbound: `--messages` public agent replies are queued in Redis (database 14 of REDIS_URL's server, or of
redis://127.0.0.1:6379, flushed before and after) while no worker runs; then `--workers` Celery worker
processes (one task at a time each) send them to an aiosmtpd server in this process. Reports replies per
second from the first mail accepted to the last (and the seconds from the workers' start).

The database is made on the server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)
and dropped afterwards unless --keep. Run by hand; not part of the test suite.
"""

import argparse
import os
import subprocess
import sys
import time
from email.message import EmailMessage
from urllib.parse import urlsplit

from benchdb import ROOT, manage, scratch_run, setup_django

sys.path.insert(0, str(ROOT))
from tests.mail_servers import running_dovecot, running_smtp_server

REDIS_BENCH_URL = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379")._replace(path="/14").geturl()
TICKETS = 1000


def _seed_tickets(count: int) -> list[int]:
    """`count` email tickets, each with its contact's first message; returns their ids."""
    from django.utils import timezone

    from crm.models import Contact
    from support.models import Channel, Priority
    from support.services import ticket_create

    now = timezone.now()
    Contact.objects.bulk_create(Contact(first_name=f"Customer {n}", email=f"customer{n}@example.com",
                                        created_at=now) for n in range(count))
    return [ticket_create(subject=f"Question {contact.pk}", contact=contact, priority=Priority.NORMAL,
                          channel=Channel.EMAIL, body="Hello").pk
            for contact in Contact.objects.order_by("pk")]


def _customer_email(n: int, tickets: list[int]) -> bytes:
    mail = EmailMessage()
    if n % 2:
        ticket = tickets[n % len(tickets)]
        mail["From"] = f"customer{n % len(tickets)}@example.com"
        mail["Subject"] = f"Re: [#{ticket}] Question"
    else:
        mail["From"] = f"New Customer {n} <new{n}@example.org>"
        mail["Subject"] = f"A new question {n}"
    mail["To"] = "help@acme.example"
    mail["Message-ID"] = f"<bench-{n}@mail.example.com>"
    mail.set_content(f"Message {n}.\n\nOn Monday, Acme Support wrote:\n> An earlier answer.\n")
    return mail.as_bytes()


def _run_measured(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run a manage.py command; (seconds, its own peak RSS in KiB, from wait4)."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env)
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{args[0]} failed with exit code {process.returncode}")
    return time.monotonic() - started, usage.ru_maxrss


def inbound(options: argparse.Namespace) -> None:
    with running_dovecot() as imap, scratch_run("bench_mail", options, "localhost",
                                                CRM_SUPPORT_EMAIL="Acme Support <help@acme.example>",
                                                CRM_INBOUND_IMAP_URL=imap.url, CRM_LOG_LEVEL="WARNING",
                                                ) as (env, report):
        manage(env, "migrate", "--noinput")
        setup_django(env)
        tickets = _seed_tickets(TICKETS)
        started = time.monotonic()
        with imap.client() as client:
            for n in range(options.messages):
                client.append("INBOX", _customer_email(n, tickets))
        report["append_seconds"] = round(time.monotonic() - started, 1)
        seconds, peak_kib = _run_measured(
            ["shell", "-c", "from support.tasks import poll_support_mailbox; poll_support_mailbox()"], env)
        from support.models import InboundEmail

        filed = InboundEmail.objects.count()
        report.update(messages=options.messages, filed=filed, poll_seconds=round(seconds, 1),
                      messages_per_second=round(filed / seconds, 1), peak_rss_mib=round(peak_kib / 1024, 1))


def outbound(options: argparse.Namespace) -> None:
    import redis

    broker = redis.Redis.from_url(REDIS_BENCH_URL)
    broker.flushdb()
    with running_smtp_server() as (smtp, port), scratch_run(
            "bench_mail", options, "localhost", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port), EMAIL_USE_TLS="0",
            CRM_SUPPORT_EMAIL="Acme Support <help@acme.example>", CRM_LOG_LEVEL="WARNING",
    ) as (env, report):
        env["REDIS_URL"] = REDIS_BENCH_URL  # queued in Redis for the workers, not run in this process
        manage(env, "migrate", "--noinput")
        setup_django(env)
        from crm.models import Role, User
        from support.models import MessageAuthor, Ticket
        from support.services import ticket_add_message

        agent = User.objects.create(username="agent", full_name="Ann Agent", role=Role.SUPPORT)
        tickets = list(Ticket.objects.filter(pk__in=_seed_tickets(TICKETS)))
        started = time.monotonic()
        for n in range(options.messages):
            ticket_add_message(ticket=tickets[n % len(tickets)], author=MessageAuthor.AGENT, user=agent,
                               body=f"Answer {n}.")
        report["queue_seconds"] = round(time.monotonic() - started, 1)
        workers = [subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
                                     "--loglevel", "WARNING", "-n", f"bench{n}@%h"], cwd=ROOT, env=env)
                   for n in range(options.workers)]
        started = time.monotonic()
        first_mail_at = None
        try:
            while len(smtp.messages) < options.messages and time.monotonic() - started < options.timeout:
                if first_mail_at is None and smtp.messages:
                    first_mail_at = time.monotonic()
                time.sleep(0.05)
            seconds = time.monotonic() - started
            sending = time.monotonic() - (first_mail_at or started)
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)
            broker.flushdb()
        report.update(messages=options.messages, workers=options.workers, received=len(smtp.messages),
                      seconds_with_start=round(seconds, 1), seconds_sending=round(sending, 1),
                      replies_per_second=round((len(smtp.messages) - 1) / sending, 1) if sending else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("direction", choices=["inbound", "outbound"])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800, help="give up on outbound after these seconds")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    options = parser.parse_args()
    options.deals = 0
    (inbound if options.direction == "inbound" else outbound)(options)


if __name__ == "__main__":
    main()
