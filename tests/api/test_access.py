"""Who may do what through the API: one matrix per resource and role, from crm.permissions."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from crm.models import ActivityKind
from crm.services import activity_create
from tests.factories import CampaignFactory, CompanyFactory, DealFactory, TicketFactory, UserFactory

READS = [
    # path, roles that may read it
    ("/api/companies/", {"sales", "support", "manager", "admin"}),
    ("/api/contacts/", {"sales", "support", "manager", "admin"}),
    ("/api/users/", {"sales", "support", "manager", "admin"}),
    ("/api/teams/", {"sales", "support", "manager", "admin"}),
    ("/api/deals/", {"sales", "manager", "admin"}),
    ("/api/pipelines/", {"sales", "manager", "admin"}),
    ("/api/stages/", {"sales", "manager", "admin"}),
    ("/api/activities/", {"sales", "manager", "admin"}),
    ("/api/campaigns/", {"sales", "manager", "admin"}),
    ("/api/tickets/", {"support", "manager", "admin"}),
    ("/api/surveys/", {"support", "manager", "admin"}),
    ("/api/invitations/", {"support", "manager", "admin"}),
    ("/api/responses/", {"support", "manager", "admin"}),
]
ROLES = ["sales", "support", "manager", "admin"]


@pytest.mark.parametrize(("path", "readers"), READS)
@pytest.mark.parametrize("role", ROLES)
def test_lists_answer_by_role(clients, path, readers, role):
    response = clients[role].get(path)
    assert response.status_code == (200 if role in readers else 403)
    if role not in readers:
        assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(("path", "readers"), READS)
def test_anonymous_gets_401_with_a_token_challenge(db, path, readers):
    response = APIClient().get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert set(response.json()) == {"detail"}


def test_a_bad_token_is_refused(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/companies/").status_code == 401


def test_session_login_works_too(sales_user):
    client = APIClient()
    client.force_login(sales_user)
    assert client.get("/api/deals/").status_code == 200


def test_api_token_command_prints_a_working_token(sales_user, capsys):
    call_command("api_token", sales_user.username)
    key = capsys.readouterr().out.strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/deals/").status_code == 200
    call_command("api_token", sales_user.username)
    assert capsys.readouterr().out.strip() == key  # the same token until rotated
    call_command("api_token", sales_user.username, "--rotate")
    assert capsys.readouterr().out.strip() != key
    assert client.get("/api/deals/").status_code == 401


@pytest.mark.parametrize(("role", "own", "expected"), [
    ("sales", True, 200), ("sales", False, 403), ("support", False, 403), ("manager", False, 200),
    ("admin", False, 200),
])
def test_deal_edits_are_for_its_owner_managers_and_admins(clients, sales_user, stages, role, own, expected):
    deal = DealFactory(pipeline_stage=stages[0], owner=sales_user if own else UserFactory())
    response = clients[role].patch(f"/api/deals/{deal.pk}/", {"title": "Renamed"}, format="json")
    assert response.status_code == expected
    move = clients[role].post(f"/api/deals/{deal.pk}/move/", {"stage": stages[1].pk}, format="json")
    assert move.status_code == expected


@pytest.mark.parametrize(("role", "expected"), [("sales", 201), ("support", 403), ("manager", 201), ("admin", 201)])
def test_who_creates_contacts_and_companies(clients, role, expected):
    assert clients[role].post("/api/companies/", {"name": "Acme"}, format="json").status_code == expected
    assert clients[role].post("/api/contacts/", {"first_name": "Ada"}, format="json").status_code == expected


def test_sales_cannot_hand_a_new_deal_to_someone_else(clients, stages, contact):
    other = UserFactory()
    body = {"title": "X", "stage": stages[0].pk, "contact": contact.pk, "amount": "10.00", "owner": other.pk}
    assert clients["sales"].post("/api/deals/", body, format="json").status_code == 403
    assert clients["manager"].post("/api/deals/", body, format="json").status_code == 201


@pytest.mark.parametrize(("role", "expected"), [("sales", 403), ("support", 200), ("manager", 200), ("admin", 200)])
def test_ticket_work_is_supports(clients, contact, role, expected):
    ticket = TicketFactory(contact=contact)
    response = clients[role].post(f"/api/tickets/{ticket.pk}/messages/", {"body": "Hello"}, format="json")
    assert response.status_code == (201 if expected == 200 else 403)


def test_support_takes_tickets_and_managers_reassign(clients, support_user, manager_user, contact):
    ticket = TicketFactory(contact=contact)
    colleague = UserFactory(role="support")
    assert clients["support"].post(f"/api/tickets/{ticket.pk}/assign/", {"assignee": colleague.pk},
                                   format="json").status_code == 403
    taken = clients["support"].post(f"/api/tickets/{ticket.pk}/assign/", {"assignee": support_user.pk},
                                    format="json")
    assert taken.status_code == 200
    assert taken.json()["assignee"] == support_user.pk
    moved = clients["manager"].post(f"/api/tickets/{ticket.pk}/assign/", {"assignee": colleague.pk}, format="json")
    assert moved.status_code == 200
    assert moved.json()["assignee"] == colleague.pk


@pytest.mark.parametrize(("role", "expected"), [("sales", 403), ("manager", 201), ("admin", 201)])
def test_campaign_spend_is_recorded_by_managers_and_admins(clients, role, expected):
    campaign = CampaignFactory()
    response = clients[role].post(f"/api/campaigns/{campaign.pk}/spend/", {"date": "2025-03-01", "amount": "12.50"},
                                  format="json")
    assert response.status_code == expected
    if expected == 201:
        assert Decimal(clients[role].get(f"/api/campaigns/{campaign.pk}/").json()["spend_total"]) == Decimal("12.50")


def test_sales_tick_off_only_their_own_tasks(clients, sales_user, company):
    mine = activity_create(kind=ActivityKind.TASK, subject="Call back", owner=sales_user, company=company)
    theirs = activity_create(kind=ActivityKind.TASK, subject="Call back", owner=UserFactory(), company=company)
    done = clients["sales"].post(f"/api/activities/{mine.pk}/done/")
    assert done.status_code == 200
    assert done.json()["done_at"] is not None
    assert clients["sales"].post(f"/api/activities/{theirs.pk}/done/").status_code == 403
    undone = clients["sales"].post(f"/api/activities/{mine.pk}/undone/")
    assert undone.json()["done_at"] is None


def test_users_and_teams_are_read_only(clients):
    assert clients["admin"].post("/api/users/", {"username": "x"}, format="json").status_code == 405
    assert clients["admin"].post("/api/teams/", {"name": "x"}, format="json").status_code == 405


def test_support_reads_companies_but_not_deals(clients):
    company = CompanyFactory()
    assert clients["support"].get(f"/api/companies/{company.pk}/").status_code == 200
    deal = DealFactory()
    assert clients["support"].get(f"/api/deals/{deal.pk}/").status_code == 403
