"""Measure search at a million contacts on PostgreSQL, typed with Persian and Arabic letters.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/search.py --contacts 1000000

A scratch database `bench_search_<timestamp>` is created on the server of DATABASE_URL (dropped afterwards
unless --keep; --reuse NAME measures a kept one again). It is migrated (so the pg_trgm indexes exist) and
filled with --contacts contacts in 20,000 companies: Persian and English names, a fifth of the Persian
ones written with Arabic yeh and kaf (ي ك) as imported files have them, emails and phones; each with the
search key the services would store. Then, through the whole Django stack as a signed-in manager, p50
and p95 over --requests requests of each query on the contact list (`/contacts/?q=`), the global search
(`/search/?q=`), the type-ahead (`/search/contacts/?q=`) and the API (`/api/contacts/?search=`).
Target (the Persian input issue): p95 <= 100 ms.

Run by hand; not part of the test suite.
"""

import argparse
import random
import time
from datetime import UTC, datetime

import benchdb

PERSIAN_FIRST = ("علی", "محمد", "رضا", "حسین", "مریم", "فاطمه", "زهرا", "سارا", "نگار", "کاوه", "یاسمن",
                 "کیان", "نیلوفر", "مهدی", "پریسا", "یوسف", "کامران", "شیرین", "بیژن", "لیلا")
PERSIAN_LAST = ("کریمی", "احمدی", "حسینی", "رضایی", "محمدی", "کاظمی", "یزدانی", "کیانی", "موسوی", "جعفری",
                "صادقی", "رحیمی", "نیکپور", "فرهانی", "شریفی", "کرمانی", "یگانه", "ملکی", "زارعی", "تهرانی")
ENGLISH_FIRST = ("Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Henry", "Isla", "Jack")
ENGLISH_LAST = ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts", "Walker", "Wright")
ARABIC_LETTERS = str.maketrans({"ی": "ي", "ک": "ك"})

# What people type, and what it must find: Arabic letters for names stored with Persian ones (and the
# other way round), a phone by its digits, a common name's first letters, an English surname.
QUERIES = {
    "Arabic yeh for a Persian first name (علي)": "علي",
    "Arabic letters, full name (علي كريمي)": "علي كريمي",
    "Persian letters for a name stored with Arabic ones (کریمی)": "کریمی",
    "common 3-letter prefix (محم)": "محم",
    "a phone's 7 digits, Persian digits": "۵۵۵۰۱۳۶",
    "English surname (Wright)": "Wright",
    "an email's start": "sara.kiani1",
}


def fill(contacts: int, seed: int) -> dict[str, object]:
    """Companies and contacts written in batches with the keys the services would store."""
    from django.db import connection

    from crm.models import Company, Contact, User
    from crm.normalize import normalize_email
    from crm.search_keys import company_search_key, contact_search_key

    rng = random.Random(seed)
    started = time.monotonic()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    owner = User.objects.filter(role="sales").first() or User.objects.create(username="bench-rep", role="sales")
    companies = Company.objects.bulk_create(
        [Company(name=f"شرکت {rng.choice(PERSIAN_LAST)} {index}", created_at=now, owner=owner,
                 search_key=company_search_key(name=f"شرکت {rng.choice(PERSIAN_LAST)} {index}"))
         for index in range(20_000)], batch_size=5_000)
    batch: list[Contact] = []
    for index in range(contacts):
        persian = rng.random() < 0.7
        first = rng.choice(PERSIAN_FIRST if persian else ENGLISH_FIRST)
        last = rng.choice(PERSIAN_LAST if persian else ENGLISH_LAST)
        if persian and rng.random() < 0.2:
            first, last = first.translate(ARABIC_LETTERS), last.translate(ARABIC_LETTERS)
        email = f"{rng.choice(ENGLISH_FIRST).lower()}.{rng.choice(ENGLISH_LAST).lower()}{index}@example.com"
        phone = f"+1 202 {rng.randint(200, 999)} {rng.randint(0, 9999):04d}"
        company = rng.choice(companies)
        batch.append(Contact(
            first_name=first, last_name=last, email=email, email_normalized=normalize_email(email), phone=phone,
            company=company, owner=owner, created_at=now,
            search_key=contact_search_key(first_name=first, last_name=last, email=email, phone=phone,
                                          company_name=company.name)))
        if len(batch) == 10_000:
            Contact.objects.bulk_create(batch)
            batch = []
    Contact.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_contact")
        cursor.execute("ANALYZE crm_company")
    return {"fill_seconds": round(time.monotonic() - started, 1)}


def measure(client: object, requests: int) -> dict[str, object]:
    from urllib.parse import quote

    pages = {"contact list": "/contacts/?q={}", "global search": "/search/?q={}",
             "type-ahead": "/search/contacts/?q={}", "API": "/api/contacts/?search={}"}
    measured: dict[str, object] = {}
    for label, query in QUERIES.items():
        for page, pattern in pages.items():
            path = pattern.format(quote(query))
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code, response.content[:300])
            measured[f"{page}: {label}"] = benchdb.time_requests(lambda path=path: client.get(path), requests)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=30, help="requests per query and page")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", help="measure again on a database kept by an earlier run")
    options = parser.parse_args()
    options.deals = 0

    with benchdb.scratch_run("bench_search", options, "testserver,localhost",
                             CRM_LOG_LEVEL="WARNING") as (env, report):
        if not options.reuse:
            benchdb.manage(env, "migrate", "--noinput")
        benchdb.setup_django(env)
        from django.test import Client

        from crm.models import Contact, User

        if not options.reuse:
            report.update(fill(options.contacts, options.seed))
        report["contacts"] = Contact.objects.count()
        manager = User.objects.filter(role="manager").first() or User.objects.create(
            username="bench-manager", role="manager")
        client = Client()
        client.force_login(manager)
        report["p95_target_ms"] = 100
        report["requests"] = measure(client, options.requests)


if __name__ == "__main__":
    main()
