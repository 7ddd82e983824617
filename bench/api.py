"""Measure REST API list pages on PostgreSQL with a generated business.

    .venv/bin/python bench/api.py --deals 20000      # generates bench/data/deals-20000-seed-1.jsonl once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/api.py --requests 50

A scratch database `bench_api_<timestamp>` is created on the server of DATABASE_URL and dropped
afterwards (unless --keep). The dataset is imported (no KPI roll-up: the API lists read operational
tables), then each list below is requested --requests times through the whole Django stack with a
manager's API token: pages of 50 deals and 50 tickets, unfiltered and with the filters, search and
ordering integrators use, and the pipeline board. Reported per request: p50 and p95 server time in
ms, the queries one request makes and the rows the filter matched. Run by hand; not part of the
test suite.
"""

import argparse
from datetime import timedelta

import benchdb


def requests_to_measure() -> dict[str, str]:
    """The lists, with filter values taken from the imported business."""
    from crm.models import Deal, Pipeline
    from support.models import Ticket

    pipeline = Pipeline.objects.order_by("id").first()
    owner = Deal.objects.exclude(owner=None).values_list("owner_id", flat=True).order_by("owner_id").first()
    assignee = Ticket.objects.exclude(assignee=None).values_list("assignee_id", flat=True).first()
    last_ticket = Ticket.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    since = (last_ticket.replace(microsecond=0) - timedelta(days=90)).isoformat()
    return {
        "deals, page 1": "/api/deals/?page_size=50",
        "deals, page 20": "/api/deals/?page_size=50&page=20",
        "deals, open in a pipeline by amount": f"/api/deals/?page_size=50&status=open&pipeline={pipeline.pk}"
                                               "&ordering=-amount_base",
        "deals, an owner's won": f"/api/deals/?page_size=50&status=won&owner={owner}&ordering=-closed_at",
        "deals, search": "/api/deals/?page_size=50&search=renewal",
        "deals board": f"/api/deals/board/?pipeline={pipeline.pk}",
        "tickets, page 1": "/api/tickets/?page_size=50",
        "tickets, open or pending, urgent or high": "/api/tickets/?page_size=50&status=open&status=pending"
                                                    "&priority=urgent&priority=high&ordering=resolution_due_at",
        "tickets, an assignee's last 90 days": f"/api/tickets/?page_size=50&assignee={assignee}"
                                               f"&created_after={since.replace('+', '%2B')}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=50, help="requests per list")
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()

    with benchdb.scratch_run("bench_api", options, "testserver,localhost", CRM_API_USER_RATE="1000000/minute",
                             CRM_LOG_LEVEL="WARNING") as (env, report):  # a log line per request would be measured too
        report["requests_per_list"] = options.requests
        benchdb.load_business(env, options.deals, options.seed, report)

        benchdb.setup_django(env)
        from django.test import Client
        from rest_framework.authtoken.models import Token

        from crm.models import Deal, User
        from support.models import Ticket

        report["rows"] = {"deals": Deal.objects.count(), "tickets": Ticket.objects.count()}
        manager = User.objects.create(username="bench-manager", role="manager", is_staff=True)
        client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
        lists: dict[str, dict[str, object]] = {}
        for label, path in requests_to_measure().items():
            with benchdb.counted_statements() as statements:
                response = client.get(path)
            assert response.status_code == 200, (path, response.status_code, response.content[:300])
            body = response.json()
            lists[label] = {
                "path": path,
                **benchdb.time_requests(lambda path=path: client.get(path), options.requests),
                "queries": len(statements),
                "matched": body["count"] if isinstance(body, dict) else len(body),
            }
        report["lists"] = lists


if __name__ == "__main__":
    main()
