"""Tickets and surveys through the API."""

import pytest

from support.models import TicketMessage, TicketStatus
from surveys.models import Response, SurveyKind
from tests.factories import ContactFactory, SurveyFactory, TicketFactory


@pytest.fixture
def support(clients):
    return clients["support"]


def test_open_answer_note_resolve_and_reopen_a_ticket(support, support_user, contact):
    created = support.post("/api/tickets/", {"subject": "Broken", "contact": contact.pk, "priority": "high",
                                             "body": "It broke.", "external_id": "T-1"}, format="json")
    assert created.status_code == 201
    ticket = created.json()
    assert ticket["status"] == TicketStatus.NEW
    assert ticket["first_response_due_at"] is not None
    reply = support.post("/api/tickets/ext:T-1/messages/", {"body": "On it."}, format="json")
    assert reply.status_code == 201
    assert (reply.json()["public"], reply.json()["author"], reply.json()["user"]) == (True, "agent", support_user.pk)
    note = support.post(f"/api/tickets/{ticket['id']}/messages/", {"body": "Check logs", "public": False},
                        format="json")
    assert note.json()["public"] is False
    thread = support.get(f"/api/tickets/{ticket['id']}/messages/").json()
    assert [message["body"] for message in thread] == ["It broke.", "On it.", "Check logs"]
    after_reply = support.get(f"/api/tickets/{ticket['id']}/").json()
    assert after_reply["status"] == TicketStatus.PENDING
    assert after_reply["first_response_at"] is not None
    resolved = support.post(f"/api/tickets/{ticket['id']}/resolve/", {}, format="json")
    assert resolved.json()["status"] == TicketStatus.RESOLVED
    again = support.post(f"/api/tickets/{ticket['id']}/resolve/", {}, format="json")
    assert again.status_code == 400
    assert again.json() == {"status": ["The ticket is already resolved."]}
    reopened = support.post(f"/api/tickets/{ticket['id']}/reopen/")
    assert reopened.json()["status"] == TicketStatus.OPEN


def test_a_customer_cannot_write_an_internal_note(support, ticket):
    response = support.post(f"/api/tickets/{ticket.pk}/messages/", {"body": "x", "public": False,
                                                                    "author": "customer"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["public"]
    assert not TicketMessage.objects.filter(ticket=ticket, body="x").exists()


def test_ticket_update_with_stale_version_is_409(support, ticket):
    assert support.patch(f"/api/tickets/{ticket.pk}/", {"priority": "urgent", "version": 1},
                         format="json").status_code == 200
    stale = support.patch(f"/api/tickets/{ticket.pk}/", {"priority": "low", "version": 1}, format="json")
    assert stale.status_code == 409
    assert support.post(f"/api/tickets/{ticket.pk}/resolve/", {"version": 1}, format="json").status_code == 409


def test_ticket_filters(support, contact, support_user):
    TicketFactory(contact=contact, priority="urgent", assignee=support_user)
    TicketFactory(contact=contact, priority="low")
    assert support.get("/api/tickets/?priority=urgent").json()["count"] == 1
    assert support.get("/api/tickets/?priority=urgent&priority=low").json()["count"] == 2
    assert support.get(f"/api/tickets/?assignee={support_user.pk}").json()["count"] == 1
    assert support.get("/api/tickets/?unassigned=true").json()["count"] == 1


def test_invitation_is_sent_with_its_public_address(support, contact):
    survey = SurveyFactory(kind=SurveyKind.NPS)
    created = support.post("/api/invitations/", {"survey": survey.pk, "contact": contact.pk}, format="json")
    assert created.status_code == 201
    assert "/s/" in created.json()["public_url"]
    assert created.json()["public_url"].startswith("http://testserver/")
    throttled = support.post("/api/invitations/", {"survey": survey.pk, "contact": contact.pk}, format="json")
    assert throttled.status_code == 400
    assert list(throttled.json()) == ["contact"]


def test_recording_responses_checks_the_scale(support, contact):
    nps = SurveyFactory(kind=SurveyKind.NPS)
    assert support.post("/api/responses/", {"survey": nps.pk, "contact": contact.pk, "score": 9},
                        format="json").status_code == 201
    servqual = SurveyFactory(kind=SurveyKind.SERVQUAL)
    missing = support.post("/api/responses/", {"survey": servqual.pk, "contact": contact.pk}, format="json")
    assert missing.status_code == 400
    assert list(missing.json()) == ["servqual"]
    answer = {"survey": servqual.pk, "contact": ContactFactory().pk, "tangibles_expectation": 6,
              "tangibles_perception": 5}
    recorded = support.post("/api/responses/", answer, format="json")
    assert recorded.status_code == 201
    assert recorded.json()["tangibles_perception"] == 5
    assert Response.objects.count() == 2


def test_surveys_are_created_through_the_service(support):
    created = support.post("/api/surveys/", {"name": "After ticket", "kind": "nps",
                                             "send_after_ticket_resolved": True}, format="json")
    assert created.status_code == 400
    assert list(created.json()) == ["send_after_ticket_resolved"]
    ok = support.post("/api/surveys/", {"name": "Relationship", "kind": "nps"}, format="json")
    assert ok.status_code == 201
    assert ok.json()["question"]  # the kind's default wording
