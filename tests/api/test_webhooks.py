"""Webhooks: a real HTTP receiver on localhost checks the signature; failures are retried and logged."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ValidationError

from crm.models import Role
from crm.services import deal_close
from surveys.services import response_record
from tests.factories import SurveyFactory, UserFactory
from webhooks.models import Delivery, DeliveryStatus, EventType
from webhooks.services import endpoint_register
from webhooks.signing import SIGNATURE_HEADER, verify
from webhooks.tasks import MAX_RETRIES

SECRET = "s3cret-shared-with-the-receiver"


class Receiver:
    """An HTTP server in a thread that answers the queued status codes (then 200) and keeps what it got."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": self.headers, "body": body})
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _receivers_on_this_machine_allowed(settings):
    """The test receivers listen on 127.0.0.1; the tests of the private-address guard turn it back on."""
    settings.CRM_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def test_a_won_deal_is_posted_signed(clients, deal, receiver, django_capture_on_commit_callbacks):
    endpoint_register(name="ERP", url=receiver.url, secret=SECRET, event_types=[EventType.DEAL_WON])
    with django_capture_on_commit_callbacks(execute=True):
        assert clients["sales"].post(f"/api/deals/{deal.pk}/win/", {}, format="json").status_code == 200
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert verify(secret=SECRET, header=request["headers"][SIGNATURE_HEADER], body=request["body"],
                  now=int(time.time()))
    assert not verify(secret="wrong", header=request["headers"][SIGNATURE_HEADER], body=request["body"],
                      now=int(time.time()))
    assert not verify(secret=SECRET, header=request["headers"][SIGNATURE_HEADER], body=request["body"] + b" ",
                      now=int(time.time()))
    payload = json.loads(request["body"])
    assert (payload["type"], payload["data"]["id"], payload["data"]["status"]) == ("deal.won", deal.pk, "won")
    assert request["headers"]["X-CRM-Event"] == "deal.won"
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 1)
    assert [(a.attempt, a.status_code) for a in delivery.attempt_log.all()] == [(1, 200)]


def test_a_failed_delivery_is_retried_with_the_same_body(deal, clients, receiver,
                                                         django_capture_on_commit_callbacks):
    endpoint_register(name="ERP", url=receiver.url, secret=SECRET, event_types=[EventType.DEAL_LOST])
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        clients["sales"].post(f"/api/deals/{deal.pk}/lose/", {}, format="json")
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    log = list(delivery.attempt_log.values_list("attempt", "status_code"))
    assert log == [(1, 500), (2, 200)]
    assert all(attempt.duration_ms >= 0 for attempt in delivery.attempt_log.all())


def test_a_delivery_gives_up_after_its_last_retry(deal, clients, receiver, django_capture_on_commit_callbacks):
    endpoint_register(name="ERP", url=receiver.url, secret=SECRET, event_types=[EventType.DEAL_WON])
    receiver.statuses = [503] * (MAX_RETRIES + 5)
    with django_capture_on_commit_callbacks(execute=True):
        assert clients["sales"].post(f"/api/deals/{deal.pk}/win/", {}, format="json").status_code == 200
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_RETRIES + 1)
    assert len(receiver.requests) == MAX_RETRIES + 1


def test_an_unreachable_receiver_is_logged_with_its_error(deal, clients, django_capture_on_commit_callbacks):
    endpoint_register(name="Gone", url="http://127.0.0.1:9/hook", secret=SECRET, event_types=[EventType.DEAL_WON])
    with django_capture_on_commit_callbacks(execute=True):
        assert clients["sales"].post(f"/api/deals/{deal.pk}/win/", {}, format="json").status_code == 200
    attempt = Delivery.objects.get().attempt_log.first()
    assert attempt.status_code is None
    assert attempt.error


def test_only_subscribed_events_are_sent(ticket, contact, clients, receiver, django_capture_on_commit_callbacks):
    endpoint_register(name="Helpdesk", url=receiver.url, secret=SECRET,
                      event_types=[EventType.TICKET_RESOLVED, EventType.SURVEY_RESPONSE])
    survey = SurveyFactory()
    with django_capture_on_commit_callbacks(execute=True):
        clients["support"].post(f"/api/tickets/{ticket.pk}/resolve/", {}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        response_record(survey=survey, contact=contact, score=3)
    types = [json.loads(request["body"])["type"] for request in receiver.requests]
    assert types == ["ticket.resolved", "survey.response"]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://example.com", "example.com"])
def test_only_http_addresses_can_be_registered(db, url):
    with pytest.raises(ValidationError) as error:
        endpoint_register(name="Bad", url=url, secret=SECRET, event_types=[EventType.DEAL_WON])
    assert "url" in error.value.message_dict


@pytest.mark.parametrize(("url", "address"), [
    ("http://127.0.0.1:8000/hook", "127.0.0.1"),
    ("http://localhost/hook", "127.0.0.1"),
    ("http://10.1.2.3/", "10.1.2.3"),
    ("http://192.168.0.10/", "192.168.0.10"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
    ("http://[::1]/", "::1"),
    ("http://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1"),
])
def test_addresses_on_private_networks_are_refused(db, settings, url, address):
    settings.CRM_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as error:
        endpoint_register(name="Inside", url=url, secret=SECRET, event_types=[EventType.DEAL_WON])
    assert error.value.message_dict["url"] == [
        f"This address is on a private network ({address}): webhooks go to public addresses only."]


def test_a_public_address_is_accepted(db, settings):
    settings.CRM_WEBHOOK_ALLOW_PRIVATE = False
    endpoint = endpoint_register(name="ERP", url="https://93.184.215.14/hooks", secret=SECRET,
                                 event_types=[EventType.DEAL_WON])
    assert endpoint.pk


def test_a_delivery_that_connects_to_a_private_address_sends_nothing(deal, clients, receiver, settings,
                                                                      django_capture_on_commit_callbacks):
    """The address is checked where the connection went, so a name that later resolves inside is caught."""
    endpoint_register(name="Rebound", url=receiver.url, secret=SECRET, event_types=[EventType.DEAL_WON])
    settings.CRM_WEBHOOK_ALLOW_PRIVATE = False
    with django_capture_on_commit_callbacks(execute=True):
        assert clients["sales"].post(f"/api/deals/{deal.pk}/win/", {}, format="json").status_code == 200
    assert receiver.requests == []
    attempt = Delivery.objects.get().attempt_log.first()
    assert (attempt.status_code, attempt.error) == (None, "refused: 127.0.0.1 is a private address")


def test_unknown_event_types_are_refused(db):
    with pytest.raises(ValidationError) as error:
        endpoint_register(name="Bad", url="https://example.com/", secret=SECRET, event_types=["deal.eaten"])
    assert "event_types" in error.value.message_dict


def test_admins_register_endpoints_and_read_the_log(client, deal, receiver, django_capture_on_commit_callbacks):
    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    refused = client.post("/admin/webhooks/endpoint/add/", {"name": "X", "url": "file:///etc/passwd",
                                                             "secret": SECRET, "event_types": ["deal.won"],
                                                             "active": "on"})
    assert refused.status_code == 200  # the form again, with the error
    assert "http:// or https://" in refused.content.decode()
    added = client.post("/admin/webhooks/endpoint/add/", {"name": "ERP", "url": receiver.url, "secret": SECRET,
                                                           "event_types": ["deal.won"], "active": "on"})
    assert added.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        deal_close(deal=deal, won=True)
    delivery = Delivery.objects.get()
    page = client.get(f"/admin/webhooks/delivery/{delivery.pk}/change/").content.decode()
    assert "deal.won" in page
    assert "Succeeded" in page


def test_the_admin_role_manages_webhooks_in_the_admin(db, client):
    admin = UserFactory(role=Role.ADMIN, is_staff=True)
    client.force_login(admin)
    assert client.get("/admin/webhooks/endpoint/add/").status_code == 200
    assert client.get("/admin/webhooks/delivery/").status_code == 200
    manager = UserFactory(role=Role.MANAGER, is_staff=True)
    client.force_login(manager)
    assert client.get("/admin/webhooks/endpoint/add/").status_code == 403
