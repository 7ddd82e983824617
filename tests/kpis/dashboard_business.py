"""The sales business of business.py plus support tickets and survey answers, for the dashboard tests.

Tickets (January 2025, UTC, default SLA targets), assigned to ann (team Care) or tom:
  t1 normal/email/ann: created Jan 1 00:00, answered 02:00, resolved Jan 2 00:00: no breach.
  t2 urgent/chat/tom: created Jan 1 10:00, answered 13:00 (> 1 h), resolved 14:00: breach.
  t3 low/phone/nobody: created Jan 3 00:00, never answered, resolved Jan 4 01:00 (25 h > 24 h): breach.
  t4 high/web/ann: created Jan 5 00:00, still open.
NPS answers (survey sv-nps): 10, 9, 7 and 3 (the 3 about ann's t1), Jan 10–13 12:00.
"""

from dataclasses import dataclass

from crm import services as crm
from crm.models import Team, User
from kpis.rollup import run_rollup
from support import services as support
from support.models import Ticket
from surveys import services as surveys
from surveys.models import Response, Survey
from tests.kpis.business import SalesBusiness, at, build_sales_business


@dataclass
class DashboardBusiness:
    sales: SalesBusiness
    ann: User
    tom: User
    tickets: dict[str, Ticket]
    detractor: Response


def build_dashboard_business() -> DashboardBusiness:
    sales = build_sales_business()
    care = Team.objects.create(name="Care")
    ann = User.objects.create(username="ann", full_name="Ann", role="support", team=care)
    tom = User.objects.create(username="tom", full_name="Tom", role="support")
    customer = crm.contact_create(first_name="Cy", created_at=at("2024-12-01 00:00"))

    def ticket(priority: str, channel: str, assignee: User | None, created: str) -> Ticket:
        return support.ticket_create(subject=f"Help {priority}", contact=customer, priority=priority, channel=channel,
                                     assignee=assignee, created_at=at(created), body="help")

    t1 = ticket("normal", "email", ann, "2025-01-01 00:00")
    support.ticket_add_message(ticket=t1, author="agent", user=ann, body="hi", at=at("2025-01-01 02:00"))
    support.ticket_resolve(ticket=t1, at=at("2025-01-02 00:00"))
    t2 = ticket("urgent", "chat", tom, "2025-01-01 10:00")
    support.ticket_add_message(ticket=t2, author="agent", user=tom, body="hi", at=at("2025-01-01 13:00"))
    support.ticket_resolve(ticket=t2, at=at("2025-01-01 14:00"))
    t3 = ticket("low", "phone", None, "2025-01-03 00:00")
    support.ticket_resolve(ticket=t3, at=at("2025-01-04 01:00"))
    t4 = ticket("high", "web", ann, "2025-01-05 00:00")

    nps = Survey.objects.create(name="NPS", kind="nps", external_id="sv-nps")
    detractor = None
    for index, score in enumerate([10, 9, 7, 3]):
        response = surveys.response_record(survey=nps, contact=customer, score=score, ticket=t1 if score == 3 else None,
                                           answered_at=at(f"2025-01-1{index} 12:00"))
        if score == 3:
            detractor = response
    run_rollup()
    return DashboardBusiness(sales=sales, ann=ann, tom=tom, tickets={"t1": t1, "t2": t2, "t3": t3, "t4": t4},
                             detractor=detractor)
