"""Measure the screens a sales rep uses a hundred times a day, on PostgreSQL with a generated business.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/rep_day.py --deals 100000

A scratch database `bench_rep_day_<timestamp>` is created on the server of DATABASE_URL and dropped
afterwards (unless --keep; --reuse NAME measures a kept one again). The generated business is imported
(no KPI roll-up), then, through the whole Django stack as a logged-in rep and a manager:

- the type-ahead (`/search/<kind>/?q=`): three letters of a contact's name, an email's start, a phone's
  digits, a company, a deal, an owner; p50 and p95 over --requests each (target: p95 <= 50 ms);
- the deal board as the rep who owns the most deals ("my deals") and as a manager (everyone), with the
  page's size (target: the rep's p95 <= 150 ms);
- the merge of two contacts when the dropped one carries 1,000 related records (deals, tickets and
  activities moved onto it from other contacts first), through `crm.services.contact_merge`, --merges
  times (target: <= 1 s each).

Run by hand; not part of the test suite.
"""

import argparse
import time

import benchdb

RELATED_PER_MERGE = {"deals": 300, "tickets": 300, "activities": 400}


def typeahead_queries() -> dict[str, str]:
    """Queries a rep types, taken from the imported business so each one matches something."""
    from crm.models import Company, Contact, Deal

    contact = Contact.objects.exclude(email="").exclude(phone="").order_by("id")[Contact.objects.count() // 2]
    company = Company.objects.order_by("id")[Company.objects.count() // 2]
    deal = Deal.objects.order_by("id")[Deal.objects.count() // 2]
    digits = "".join(character for character in contact.phone if character.isdigit())
    return {
        "contact, 3 letters of a first name": f"/search/contacts/?q={contact.first_name[:3]}",
        "contact, a full name": f"/search/contacts/?q={contact.first_name} {contact.last_name}",
        "contact, an email's start": f"/search/contacts/?q={contact.email.split('@')[0][:6]}",
        "contact, a phone's last 7 digits": f"/search/contacts/?q={digits[-7:]}",
        "company, 3 letters": f"/search/companies/?q={company.name[:3]}",
        "deal, a word of a title": f"/search/deals/?q={deal.title.split()[0][:5]}",
        "owner, 2 letters": "/search/users/?q=sa",
    }


def measure_typeahead(client: object, requests: int) -> dict[str, object]:
    measured: dict[str, object] = {}
    for label, path in typeahead_queries().items():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        measured[label] = {"path": path, "matches": len(response.json()["results"]),
                           **benchdb.time_requests(lambda path=path: client.get(path), requests)}
    return measured


def measure_board(client: object, requests: int) -> dict[str, object]:
    with benchdb.counted_statements() as statements:
        response = client.get("/deals/board/", follow=True)
    assert response.status_code == 200, response.status_code
    path = response.request["PATH_INFO"]
    return {"path": path, "queries": len(statements), "kilobytes": round(len(response.content) / 1024, 1),
            **benchdb.time_requests(lambda: client.get(path), requests)}


def measure_merges(merges: int) -> dict[str, object]:
    """Each merge: pick two contacts, move RELATED_PER_MERGE records of other contacts onto the one to
    drop, then time the merge service alone."""
    from django.utils import timezone

    from crm import services
    from crm.merging import merge_fields
    from crm.models import Activity, Contact, Deal
    from support.models import Ticket

    seconds = []
    moved = []
    contacts = list(Contact.objects.order_by("-id").values_list("id", flat=True)[: merges * 2])
    for number in range(merges):
        keep = Contact.objects.get(pk=contacts[2 * number])
        drop = Contact.objects.get(pk=contacts[2 * number + 1])
        others = Contact.objects.exclude(pk__in=[keep.pk, drop.pk])
        for model, count in ((Deal, RELATED_PER_MERGE["deals"]), (Ticket, RELATED_PER_MERGE["tickets"])):
            ids = list(model.objects.filter(contact__in=others.values("pk")).order_by("id")
                       .values_list("id", flat=True)[number * count:(number + 1) * count])
            model.objects.filter(pk__in=ids).update(contact=drop)
        now = timezone.now()  # the dataset has no activities: the dropped contact gets logged calls
        Activity.objects.bulk_create(Activity(kind="call", subject=f"Call {n}", contact=drop, created_at=now)
                                     for n in range(RELATED_PER_MERGE["activities"]))
        keep.refresh_from_db()
        drop.refresh_from_db()
        fields = {name: "keep" for name in merge_fields(Contact) if getattr(keep, name) != getattr(drop, name)}
        related = (Deal.objects.filter(contact=drop).count() + Ticket.objects.filter(contact=drop).count()
                   + Activity.objects.filter(contact=drop).count())
        started = time.perf_counter()
        services.contact_merge(keep=keep, drop=drop, fields=fields, expected_versions=(keep.version, drop.version))
        seconds.append(round(time.perf_counter() - started, 3))
        moved.append(related)
    return {"related_records_moved": moved, "seconds": seconds, "max_seconds": max(seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=50, help="requests per query or page")
    parser.add_argument("--merges", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", help="measure again on a database kept by an earlier run")
    options = parser.parse_args()

    with benchdb.scratch_run("bench_rep_day", options, "testserver,localhost",
                             CRM_LOG_LEVEL="WARNING") as (env, report):
        if not options.reuse:
            benchdb.load_business(env, options.deals, options.seed, report)
        benchdb.setup_django(env)
        from django.db.models import Count
        from django.test import Client

        from crm.models import Contact, Deal, User

        report["rows"] = {"deals": Deal.objects.count(), "contacts": Contact.objects.count()}
        rep = (User.objects.filter(role="sales").annotate(owned=Count("deals")).order_by("-owned").first())
        manager = User.objects.filter(role="manager").first() or User.objects.create(
            username="bench-manager", role="manager")
        rep_client, manager_client = Client(), Client()
        rep_client.force_login(rep)
        manager_client.force_login(manager)
        report["rep"] = {"username": rep.username, "deals": rep.owned}
        report["typeahead"] = measure_typeahead(rep_client, options.requests)
        report["board"] = {"my deals (rep)": measure_board(rep_client, options.requests),
                           "everyone (manager)": measure_board(manager_client, options.requests)}
        report["merge"] = measure_merges(options.merges)


if __name__ == "__main__":
    main()
