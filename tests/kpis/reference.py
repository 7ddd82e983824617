"""A slow, independent reference: every KPI computed straight from the operational tables in Python.

It follows docs/KPI_SPEC.md literally (instants, not daily measures) and shares no code with the engine
except the models, so agreement between the two is evidence that both read the spec the same way.
"""

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from crm.models import CampaignSpend, Company, Contact, Deal
from support.models import Ticket
from surveys.models import SERVQUAL_DIMENSIONS, Invitation, Response

SLA_HOURS = {"urgent": (1, 8), "high": (4, 24), "normal": (8, 72), "low": (24, 168)}


def _ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def _mean(values):
    return sum(values) / len(values) if values else None


class Reference:
    def __init__(self, start: date, end: date) -> None:
        self.zone = ZoneInfo(settings.CRM_TIME_ZONE)
        self.start, self.end = start, end
        self.t_start = self._midnight(start)  # instants >= this are on or after the start
        self.t_end = self._midnight(end + timedelta(days=1))  # instants < this are on or before the end
        self.deals = list(Deal.objects.prefetch_related("stage_entries__stage"))

    def _midnight(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=self.zone)

    def _in(self, instant: datetime | None, start: datetime | None = None) -> bool:
        return instant is not None and (start or self.t_start) <= instant < self.t_end

    @staticmethod
    def amount(deal: Deal) -> float:
        rate = deal.exchange_rate if deal.exchange_rate is not None else Decimal(1)
        return float((deal.amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

    # Sales -------------------------------------------------------------------------------------
    def _closed(self, status: str) -> list[Deal]:
        return [d for d in self.deals if d.status == status and self._in(d.closed_at)]

    def revenue(self):
        return sum(self.amount(d) for d in self._closed("won"))

    def deals_won(self):
        return len(self._closed("won"))

    def deals_created(self):
        return sum(1 for d in self.deals if self._in(d.created_at))

    def win_rate(self):
        return _ratio(len(self._closed("won")), len(self._closed("won")) + len(self._closed("lost")))

    def avg_deal_value(self):
        return _ratio(self.revenue(), self.deals_won())

    def sales_cycle_days(self):
        return _mean([(d.closed_at - d.created_at).total_seconds() / 86400 for d in self._closed("won")])

    def _stays(self, deal: Deal):
        entries = sorted(deal.stage_entries.all(), key=lambda e: (e.entered_at, e.id))
        for index, entry in enumerate(entries):
            exit_at = entries[index + 1].entered_at if index + 1 < len(entries) else deal.closed_at
            yield entry, exit_at

    def stage_duration_days(self):
        return _mean([(exit_at - entry.entered_at).total_seconds() / 86400
                      for d in self.deals for entry, exit_at in self._stays(d) if self._in(exit_at)])

    def upsell_rate(self):
        upsells = sum(1 for d in self._closed("won") if d.kind == "upsell")
        return _ratio(upsells, self._active_at(self.t_start))

    def sales_velocity(self):
        parts = [self.win_rate(), self.avg_deal_value(), self.sales_cycle_days()]
        if any(p is None for p in parts):
            return None
        return _ratio(self.deals_created() * parts[0] * parts[1], parts[2])

    def _open_at_end(self):
        return [d for d in self.deals if d.created_at < self.t_end and not (d.closed_at and d.closed_at < self.t_end)]

    def open_pipeline_value(self):
        return sum(self.amount(d) for d in self._open_at_end())

    def weighted_pipeline_value(self):
        total = 0.0
        for d in self._open_at_end():
            entries = [e for e in d.stage_entries.all() if e.entered_at < self.t_end]
            stage = max(entries, key=lambda e: (e.entered_at, e.id)).stage
            total += self.amount(d) * float(stage.probability)
        return total

    # Customers ---------------------------------------------------------------------------------
    def _customers(self):
        """key → (became_customer_at, acquiring campaign id, churned_at or None when ignored)."""
        first: dict[tuple, Deal] = {}
        for d in sorted(self.deals, key=lambda d: (d.closed_at or datetime.max.replace(tzinfo=self.zone), d.id)):
            if d.status == "won":
                first.setdefault(("co", d.company_id) if d.company_id else ("ct", d.contact_id), d)
        churn = {("co", c.id): c.churned_at for c in Company.objects.all()}
        churn.update({("ct", c.id): c.churned_at for c in Contact.objects.all()})
        result = {}
        for key, deal in first.items():
            churned_at = churn.get(key)
            if churned_at is not None and churned_at < deal.closed_at:
                churned_at = None
            result[key] = (deal.closed_at, deal.campaign_id, churned_at)
        return result

    def _active_at(self, before: datetime) -> int:
        """Customers active at the last instant before `before`."""
        return sum(1 for became, _, churned in self._customers().values()
                   if became < before and (churned is None or churned >= before))

    def new_leads(self):
        return sum(1 for c in Contact.objects.all() if self._in(c.created_at))

    def new_customers(self):
        return sum(1 for became, _, _ in self._customers().values() if self._in(became))

    def lead_conversion_rate(self):
        return _ratio(self.new_customers(), self.new_leads())

    def marketing_spend(self):
        return float(sum(s.amount for s in CampaignSpend.objects.all() if self.start <= s.date <= self.end))

    def cac(self):
        return _ratio(self.marketing_spend(), self.new_customers())

    def campaign_revenue(self):
        return sum(self.amount(d) for d in self._closed("won") if d.campaign_id)

    def campaign_roi(self):
        spend = self.marketing_spend()
        return _ratio(self.campaign_revenue() - spend, spend)

    def active_customers(self):
        return self._active_at(self.t_end)

    def _churned_in_range(self):
        return sum(1 for _, _, churned in self._customers().values() if self._in(churned))

    def churn_rate(self):
        return _ratio(self._churned_in_range(), self._active_at(self.t_start))

    def retention_rate(self):
        return _ratio(self._active_at(self.t_end) - self.new_customers(), self._active_at(self.t_start))

    def clv(self):
        window_start = self._midnight(self.end - timedelta(days=364))
        won = [d for d in self.deals if d.status == "won" and self._in(d.closed_at, window_start)]
        buyers = {("co", d.company_id) if d.company_id else ("ct", d.contact_id) for d in won}
        value = _ratio(sum(self.amount(d) for d in won), len(buyers))
        lifespans = [(churned - became).total_seconds() / (365.25 * 86400)
                     for became, _, churned in self._customers().values() if churned and churned < self.t_end]
        lifespan = _mean(lifespans)
        return None if value is None or lifespan is None else value * lifespan

    def clv_cac_ratio(self):
        return _ratio(self.clv(), self.cac())

    # Support -----------------------------------------------------------------------------------
    def _tickets(self):
        return list(Ticket.objects.prefetch_related("messages"))

    @staticmethod
    def _first_reply(ticket):
        replies = sorted(m.at for m in ticket.messages.all() if m.author == "agent" and m.public)
        return replies[0] if replies else None

    def tickets_created(self):
        return sum(1 for t in self._tickets() if self._in(t.created_at))

    def tickets_resolved(self):
        return sum(1 for t in self._tickets() if self._in(t.resolved_at))

    def backlog(self):
        return sum(1 for t in self._tickets()
                   if t.created_at < self.t_end and not (t.resolved_at and t.resolved_at < self.t_end))

    def first_response_hours(self):
        return _mean([(self._first_reply(t) - t.created_at).total_seconds() / 3600 for t in self._tickets()
                      if self._in(self._first_reply(t))])

    def resolution_hours(self):
        return _mean([(t.resolved_at - t.created_at).total_seconds() / 3600 for t in self._tickets()
                      if self._in(t.resolved_at)])

    def reply_time_hours(self):
        waits = []
        for t in self._tickets():
            marker = t.created_at
            for m in sorted((m for m in t.messages.all() if m.public), key=lambda m: (m.at, m.id)):
                if m.author == "customer":
                    marker = marker or m.at
                elif marker is not None:
                    if self._in(m.at):
                        waits.append((m.at - marker).total_seconds() / 3600)
                    marker = None
        return _mean(waits)

    def sla_breach_rate(self):
        resolved = [t for t in self._tickets() if self._in(t.resolved_at)]
        breached = 0
        for t in resolved:
            first_hours, resolution_hours = SLA_HOURS[t.priority]
            first = self._first_reply(t) or t.resolved_at
            if (first - t.created_at > timedelta(hours=first_hours)
                    or t.resolved_at - t.created_at > timedelta(hours=resolution_hours)):
                breached += 1
        return _ratio(breached, len(resolved))

    # Surveys -----------------------------------------------------------------------------------
    def _responses(self, kind):
        return [r for r in Response.objects.select_related("survey") if r.survey.kind == kind
                and self._in(r.answered_at)]

    def nps(self):
        scores = [r.score for r in self._responses("nps")]
        if not scores:
            return None
        return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)

    def csat(self):
        scores = [r.score for r in self._responses("csat")]
        return _ratio(sum(s >= 4 for s in scores), len(scores))

    def csat_avg(self):
        return _mean([r.score for r in self._responses("csat")])

    def ces(self):
        return _mean([r.score for r in self._responses("ces")])

    def servqual_gap(self):
        responses = self._responses("servqual")
        gaps = []
        for dimension in SERVQUAL_DIMENSIONS:
            per = _mean([getattr(r, f"{dimension}_perception") for r in responses
                         if getattr(r, f"{dimension}_perception") is not None])
            exp = _mean([getattr(r, f"{dimension}_expectation") for r in responses
                         if getattr(r, f"{dimension}_expectation") is not None])
            if per is None or exp is None:
                return None
            gaps.append(per - exp)
        return sum(gaps) / len(gaps)

    def survey_response_rate(self):
        sent = [i for i in Invitation.objects.all() if self._in(i.sent_at)]
        answered = {r.invitation_id for r in Response.objects.filter(invitation__isnull=False)}
        return _ratio(sum(i.id in answered for i in sent), len(sent))


def reference_values(start: date, end: date) -> dict[str, float | None]:
    from kpis.catalog import CATALOG

    reference = Reference(start, end)
    return {kpi.key: getattr(reference, kpi.key)() for kpi in CATALOG}

