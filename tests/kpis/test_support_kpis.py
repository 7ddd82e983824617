import pytest

from crm import services as crm
from crm.models import Team, User
from support import services as support
from tests.kpis.business import at
from tests.kpis.helpers import breakdown, kpi, rolled_up, value

pytestmark = pytest.mark.django_db

JAN = ("2025-01-01", "2025-01-31")


@pytest.fixture
def tickets():
    """Four tickets in January 2025 (UTC) under the default SLA targets.

    t1 normal/email/ann: created Jan 1 00:00; reply 02:00 (waited 2 h); customer 03:00; internal note 03:30;
       reply 05:00 (waited 2 h); reply 06:00 (nobody waiting: no wait); resolved Jan 2 00:00 (24 h). No breach.
    t2 urgent/chat/tom: created Jan 1 10:00; reply 13:00 (3 h > 1 h target: breach); resolved 14:00 (4 h).
    t3 low/phone/unassigned: created Jan 3 00:00, never answered, resolved Jan 4 01:00: first response
       measured at resolution, 25 h > 24 h: breach.
    t4 high/web/ann: created Jan 5 00:00, still open.
    """
    care = Team.objects.create(name="Care")
    ann = User.objects.create(username="ann", role="support", team=care)
    tom = User.objects.create(username="tom", role="support")
    customer = crm.contact_create(first_name="Cy", created_at=at("2024-12-01 00:00"))

    def ticket(priority, channel, assignee, created):
        return support.ticket_create(subject="Help", contact=customer, priority=priority, channel=channel,
                                     assignee=assignee, created_at=at(created), body="help")

    t1 = ticket("normal", "email", ann, "2025-01-01 00:00")
    support.ticket_add_message(ticket=t1, author="agent", user=ann, body="hi", at=at("2025-01-01 02:00"))
    support.ticket_add_message(ticket=t1, author="customer", body="more", at=at("2025-01-01 03:00"))
    support.ticket_add_message(ticket=t1, author="agent", user=ann, body="note", public=False,
                               at=at("2025-01-01 03:30"))
    support.ticket_add_message(ticket=t1, author="agent", user=ann, body="a", at=at("2025-01-01 05:00"))
    support.ticket_add_message(ticket=t1, author="agent", user=ann, body="b", at=at("2025-01-01 06:00"))
    support.ticket_resolve(ticket=t1, at=at("2025-01-02 00:00"))
    t2 = ticket("urgent", "chat", tom, "2025-01-01 10:00")
    support.ticket_add_message(ticket=t2, author="agent", user=tom, body="hi", at=at("2025-01-01 13:00"))
    support.ticket_resolve(ticket=t2, at=at("2025-01-01 14:00"))
    t3 = ticket("low", "phone", None, "2025-01-03 00:00")
    support.ticket_resolve(ticket=t3, at=at("2025-01-04 01:00"))
    t4 = ticket("high", "web", ann, "2025-01-05 00:00")
    rolled_up()
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4}


def test_ticket_counts_and_backlog(tickets):
    assert value("tickets_created", *JAN) == 4
    assert value("tickets_resolved", *JAN) == 3
    assert value("backlog", *JAN) == 1
    points = kpi("backlog", "2025-01-01", "2025-01-05", grain="day").points
    assert [p["value"] for p in points] == [1, 0, 1, 0, 1]
    assert breakdown("backlog", *JAN, "team") == {"Care": 1}
    assert breakdown("tickets_created", *JAN, "channel") == {"email": 1, "chat": 1, "phone": 1, "web": 1}


def test_first_response_and_resolution_hours(tickets):
    assert value("first_response_hours", *JAN) == pytest.approx(2.5)
    assert breakdown("first_response_hours", *JAN, "priority") == {"normal": 2.0, "urgent": 3.0}
    assert breakdown("first_response_hours", *JAN, "assignee") == {"ann": 2.0, "tom": 3.0}
    assert value("resolution_hours", *JAN) == pytest.approx((24 + 4 + 25) / 3)


def test_reply_time_walks_the_thread_and_ignores_notes(tickets):
    assert value("reply_time_hours", *JAN) == pytest.approx((2 + 2 + 3) / 3)
    assert breakdown("reply_time_hours", *JAN, "assignee") == {"ann": 2.0, "tom": 3.0}


def test_sla_breach_rate(tickets):
    assert value("sla_breach_rate", *JAN) == pytest.approx(2 / 3)
    assert breakdown("sla_breach_rate", *JAN, "priority") == {"normal": 0.0, "urgent": 1.0, "low": 1.0}


def test_support_kpis_are_null_without_tickets(tickets):
    assert value("first_response_hours", "2025-02-01", "2025-02-28") is None
    assert value("sla_breach_rate", "2025-02-01", "2025-02-28") is None
    assert value("tickets_created", "2025-02-01", "2025-02-28") == 0


def test_reopening_a_ticket_recomputes_its_old_resolution_day(tickets):
    support.ticket_reopen(ticket=tickets["t1"])
    rolled_up()
    assert value("tickets_resolved", *JAN) == 2
    assert value("backlog", *JAN) == 2
    assert value("resolution_hours", *JAN) == pytest.approx((4 + 25) / 2)
