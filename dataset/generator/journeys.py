"""Customer journeys: what happens to each customer of the business over the period, in time order.

A customer is a company with its contacts or a lone contact. Its leads become new-business attempts
until one is won or the lead goes cold; a customer then brings upsells, a renewal each year, tickets
and survey answers, and may churn. What would happen after the end has not happened yet: open deals,
unresolved tickets, unanswered invitations. `Business.customers` yields each customer's records as dicts.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator
from operator import itemgetter

from .business import BusinessSetup
from .formats import money
from .options import DAY, HOUR, Record
from .randomness import below, choose, normal, pick, poisson
from .reference import (
    AGENT_CLOSING,
    AGENT_REPLIES,
    BASE_CURRENCY,
    CES_CUM,
    CHANNEL_CUM,
    CHANNELS,
    CHURN_REASONS,
    COMMENTS,
    CSAT_CUM,
    CUSTOMER_FOLLOW_UPS,
    DEAL_TITLES_NEW,
    DEAL_TITLES_UPSELL,
    EN_COMPANY_A,
    EN_COMPANY_B,
    EN_COMPANY_SUFFIX,
    EN_FIRST,
    EN_LAST,
    FA_COMPANY_A,
    FA_COMPANY_B,
    FA_FIRST,
    FA_LAST,
    INTERNAL_NOTES,
    LOST_CUM,
    LOST_REASONS,
    NPS_CUM,
    P_COMPANY,
    PIPELINES,
    PRIORITIES,
    PRIORITY_CUM,
    SERVQUAL_DIMENSIONS,
    SURVEYS,
    TEHRAN,
    TICKET_TOPICS,
)

# A contact of the customer being generated: (external_id, created_at, speaks Persian, source campaign).
_Contact = tuple[str, int, bool, str | None]
# A deal of its journey: (kind, pipeline index, created_at, status, closed_at or None,
#                         [(stage external_id, entered_at)], contact index, lost reason, campaign).
_Deal = tuple[str, int, int, str, int | None, list[tuple[str, int]], int, str, str | None]
# A ticket as the surveys see it: (record, contact index, resolved_at or None, resolved within SLA).
_Ticket = tuple[Record, int, int | None, bool]
# An invitation to send: (survey index, contact index, ticket external_id, sent_at, mood: 0 good .. 2 bad).
_Invite = tuple[int, int, str | None, int, int]
# A message of a ticket: (at, author, user, public, body).
_Message = tuple[int, str, str | None, bool, str]

_first = itemgetter(0)


class Business(BusinessSetup):
    """One generated business: staff, campaigns and a stream of customers with their records."""

    def customers(self) -> Iterator[Record]:
        """Customers one by one, each as its company, contacts, deals, tickets, invitations and responses."""
        while self.deals_left > 0:
            yield from self._customer()

    def _customer(self) -> Iterator[Record]:
        rng = self.rng
        clock = self.clock
        hi = self.hi
        is_company = rng.random() < P_COMPANY
        persian = rng.random() < 0.35
        off = (TEHRAN if rng.random() < 0.85 else 0) if persian else pick(rng, (45, 75, 90, 100))
        born = self.moments.new_lead_instant(off)
        owner = choose(rng, self.reps)
        currency = self._currency(persian)
        size = math.exp(normal(rng, 0.7, 0.6)) if is_company else 1.0

        company_ext = None
        domain = ""
        company_name = ""
        if is_company:
            company_name, domain = self._company_name(persian)
            n_contacts = 1 + min(11, poisson(rng, 1.6))
        else:
            n_contacts = 1
        contacts, contact_records = self._contacts(n_contacts, born, persian, owner, domain, off)
        if is_company:
            self.n_company += 1
            company_ext = f"co-{self.n_company}"
            for rec in contact_records:
                rec["company"] = company_ext

        deals, first_win, churn, churn_reason = self._journey(contacts, is_company, off)
        if len(deals) > self.deals_left:  # the last customer gets what is left of the deal budget
            deals = deals[: self.deals_left]
            won = [d[4] for d in deals if d[3] == "won"]
            first_win = min(won) if won else None
            if first_win is None:
                churn = None
        self.deals_left -= len(deals)

        churned_at = clock.iso(churn, off) if churn is not None else None
        if not churn_reason and churn is not None:
            churn_reason = choose(rng, CHURN_REASONS)
        if is_company:
            yield {
                "type": "company", "external_id": company_ext, "name": company_name,
                "created_at": clock.iso(born, off), "churned_at": churned_at,
                "churn_reason": churn_reason if churn is not None else "",
            }
        elif churn is not None:
            contact_records[0]["churned_at"] = churned_at
            contact_records[0]["churn_reason"] = churn_reason
        yield from contact_records
        yield from self._deal_records(deals, contacts, company_ext, owner, currency, size, off)
        end = min(churn, hi) if churn is not None else hi
        tickets = list(self._tickets(contacts, len(deals), first_win, end, off))
        for ticket in tickets:
            yield ticket[0]
        yield from self._surveys(contacts, tickets, len(deals), first_win, end, churn, off)

    def _currency(self, persian: bool) -> str:
        r = self.rng.random()
        if persian:
            return "IRR" if r < 0.08 else BASE_CURRENCY
        return "EUR" if r < 0.035 else "GBP" if r < 0.055 else BASE_CURRENCY

    def _contacts(
        self, count: int, born: int, persian: bool, owner: str, domain: str, off: int
    ) -> tuple[list[_Contact], list[Record]]:
        """Up to `count` contacts of one customer, (external_id, created_at, language, source campaign)
        and their records; the first comes with the customer, the others later (none after the end)."""
        rng = self.rng
        contacts: list[_Contact] = []
        records: list[Record] = []
        for i in range(count):
            created = born + below(rng, 2 * HOUR) if i == 0 else born + self.moments.duration(120 * DAY, 0.9)
            if created > self.hi:
                continue
            fa = persian if rng.random() < 0.9 else not persian
            campaign = self.active_campaign(created) if rng.random() < 0.5 else None
            self.n_contact += 1
            ext = f"ct-{self.n_contact}"
            contacts.append((ext, created, fa, campaign))
            records.append(self._contact_record(ext, created, fa, campaign, owner, domain, off))
        return contacts, records

    def _company_name(self, persian: bool) -> tuple[str, str]:
        rng = self.rng
        if persian:
            a, b = choose(rng, FA_COMPANY_A), choose(rng, FA_COMPANY_B)
            name = f"شرکت {a[1]} {b[1]}" if rng.random() < 0.6 else f"{a[0]} {b[0]} Co."
            return name, f"{a[0]}-{b[0]}.example".lower()
        a_en, b_en = choose(rng, EN_COMPANY_A), choose(rng, EN_COMPANY_B)
        name = f"{a_en} {b_en}{choose(rng, EN_COMPANY_SUFFIX)}"
        return name, f"{a_en}-{b_en}.example".lower().replace(" ", "-")

    def _contact_record(
        self, ext: str, created: int, fa: bool, campaign: str | None, owner: str, domain: str, off: int
    ) -> Record:
        rng = self.rng
        if fa:
            first, last = choose(rng, FA_FIRST), choose(rng, FA_LAST)
            latin = f"{first[0]}.{last[0]}".lower()
            first_name, last_name = (first[1], last[1]) if rng.random() < 0.6 else (first[0], last[0])
        else:
            first_name, last_name = choose(rng, EN_FIRST), choose(rng, EN_LAST)
            latin = f"{first_name}.{last_name}".lower()
        r = rng.random()
        if domain:
            email = f"{latin}@{domain}"
        elif r < 0.9:
            email = f"{latin}{ext[3:]}@{('example.com', 'example.org', 'example.net')[int(r * 10) % 3]}"
        else:
            email = ""
        phone = ""
        if rng.random() < 0.55:
            digits = below(rng, 10_000_000)
            local_phone = f"+98 912 {digits // 10_000:03d} {digits % 10_000:04d}"
            phone = local_phone if fa else f"+1 202 555 01{digits % 100:02d}"
        return {
            "type": "contact", "external_id": ext, "first_name": first_name, "last_name": last_name,
            "email": email, "phone": phone, "company": None, "source_campaign": campaign,
            "owner": owner if rng.random() < 0.92 else None, "language": "fa" if fa else "en",
            "created_at": self.clock.iso(created, off), "churned_at": None, "churn_reason": "",
        }

    def _simulate(
        self, pipeline: int, created: int, off: int, stall: float
    ) -> tuple[str, int, list[tuple[str, int]], str]:
        """Walks a deal through a pipeline's stages in order from `created`.

        Returns its status (won or lost), close time (maybe after the end), stage entries and lost reason.
        """
        rng = self.rng
        stages = PIPELINES[pipeline][2]
        entries = [(stages[0][0], created)]
        t = created
        last = len(stages) - 1
        for i, (_, _, _, median_days, move_on) in enumerate(stages):
            t_next = t + self.moments.duration(median_days * DAY * stall, 0.9)
            t_next = self.moments.working_day(t_next, off, 0.15)
            if rng.random() < move_on:
                if i == last:
                    return "won", t_next, entries, ""
                entries.append((stages[i + 1][0], t_next))
                t = t_next
                continue
            # Lost deals linger a little before someone marks them lost.
            t_lost = t_next + self.moments.duration(2 * DAY, 1.0)
            reason = LOST_REASONS[pick(rng, LOST_CUM)]
            return "lost", t_lost, entries, reason
        raise AssertionError("unreachable")

    def _journey(
        self, contacts: list[_Contact], is_company: bool, off: int
    ) -> tuple[list[_Deal], int | None, int | None, str]:
        """The customer's deals in creation order, its first win, churn time and reason."""
        deals: list[_Deal] = []
        if not contacts:
            return deals, None, None, ""
        first_win = self._prospect(deals, contacts, off)
        if first_win is None:
            return deals, None, None, ""
        churn, reason = self._customer_life(deals, contacts, first_win, is_company, off)
        if churn is not None:
            if churn > self.hi:
                churn, reason = None, ""
            else:  # a colleague's opportunity may have come up after the customer left
                deals = [d for d in deals if d[2] < churn]
        deals.sort(key=itemgetter(2))
        return deals, first_win, churn, reason

    def _add_deal(
        self, deals: list[_Deal], contacts: list[_Contact], kind: str, pipeline: int, created: int, who: int,
        off: int,
    ) -> tuple[str, int | None]:
        """Simulates a deal created at `created` and appends it to `deals`; returns its status and close time."""
        rng = self.rng
        stall = math.exp(normal(rng, 1.6, 0.5)) if rng.random() < 0.2 else 1.0
        status, closed, entries, reason = self._simulate(pipeline, created, off, stall)
        source = contacts[who][3]
        if kind == "new":
            campaign = source if source and rng.random() < 0.85 else (
                self.active_campaign(created) if rng.random() < 0.1 else None)
        else:
            campaign = self.active_campaign(created) if rng.random() < 0.05 else None
        if closed > self.hi:
            status, closed, reason = "open", None, ""
            entries = [e for e in entries if e[1] <= self.hi]
        deals.append((kind, pipeline, created, status, closed, entries, who, reason, campaign))
        return status, closed

    def _prospect(self, deals: list[_Deal], contacts: list[_Contact], off: int) -> int | None:
        """The lead's opportunities until its first win, which it returns (None if it never wins).

        Each contact (the first always, colleagues often) brings an opportunity; new-business attempts
        follow until one is won or the lead goes cold. Once the customer has won, a colleague's interest
        is an upsell.
        """
        rng = self.rng
        hi = self.hi
        first_win: int | None = None
        retry = 0.7
        for who, contact in enumerate(contacts):
            if who and rng.random() >= 0.9:
                continue
            t = contact[1] + self.moments.duration(4 * DAY, 1.0)
            while t <= hi:
                t = self.moments.working_day(t, off, 0.1)
                if t > hi:
                    break
                if first_win is not None and first_win < t:
                    self._add_deal(deals, contacts, "upsell", 1, t, who, off)
                    break
                status, closed = self._add_deal(deals, contacts, "new", 0, t, who, off)
                if status == "won":
                    first_win = closed if first_win is None else min(first_win, closed)
                    break
                if closed is None or rng.random() >= retry:
                    break
                t = closed + self.moments.duration(60 * DAY, 0.8)
        return first_win

    def _customer_life(
        self, deals: list[_Deal], contacts: list[_Contact], first_win: int, is_company: bool, off: int
    ) -> tuple[int | None, str]:
        """A customer's upsells now and then and a renewal each year; returns its churn time and reason.

        Some customers churn at some point, others when a renewal is lost; the churn time may fall after
        the end (the caller drops it then).
        """
        rng = self.rng
        hi = self.hi
        duration = self.moments.duration
        churn: int | None = None
        reason = ""
        if rng.random() < 0.3:
            churn = first_win + duration(320 * DAY, 0.7)
        upsell_gap = (90 if is_company else 200) * DAY
        next_upsell = first_win + duration(upsell_gap, 0.8)
        next_renewal = first_win + 335 * DAY + below(rng, 20 * DAY)
        stop = min(churn, hi) if churn is not None else hi
        while True:
            t = min(next_upsell, next_renewal)
            if t > stop:
                break
            t = self.moments.working_day(t, off, 0.1)
            if t > stop:
                break
            who = self._contact_at(contacts, t)
            if next_upsell <= next_renewal:
                self._add_deal(deals, contacts, "upsell", 1, t, who, off)
                next_upsell = t + duration(upsell_gap, 0.8)
            else:
                status, closed = self._add_deal(deals, contacts, "renewal", 1, t, who, off)
                next_renewal += 365 * DAY
                if status == "lost" and closed is not None and rng.random() < 0.7:
                    lapse = closed + duration(10 * DAY, 0.8)
                    if churn is None or lapse < churn:
                        churn, reason = lapse, "did not renew"
                        stop = min(churn, hi)
        return churn, reason

    def _rate(self, currency: str, t: int) -> float:
        """Units of USD per unit of `currency` at `t`: drifting, a little noisy."""
        years = (t - self.lo) / (365.25 * DAY)
        noise = 1 + 0.004 * normal(self.rng, 0.0, 1.0)
        if currency == "EUR":
            return (1.08 + 0.04 * math.sin(years * 2.1)) * noise
        if currency == "GBP":
            return (1.27 + 0.03 * math.sin(years * 1.7 + 1)) * noise
        return noise / (580_000 * (1.25 ** years))  # IRR on the open market, losing value

    def _deal_records(
        self, deals: list[_Deal], contacts: list[_Contact], company: str | None,
        owner: str, currency: str, size: float, off: int,
    ) -> Iterator[Record]:
        rng = self.rng
        iso = self.clock.iso
        first_amount = 0.0
        for kind, pipeline, created, status, closed, entries, who, reason, campaign in deals:
            if kind == "new":
                usd = math.exp(normal(rng, 7.6, 1.0)) * size
                seats = max(1, int(usd / 240))
                title = f"{choose(rng, DEAL_TITLES_NEW)} - {seats} seats"
                if status == "won" and not first_amount:
                    first_amount = usd
            elif kind == "upsell":
                usd = (first_amount or 3000.0) * 0.3 * math.exp(normal(rng, 0.0, 0.6))
                title = f"Add {2 + below(rng, 39)} seats"
                if rng.random() < 0.5:
                    title = choose(rng, DEAL_TITLES_UPSELL)
            else:
                usd = (first_amount or 3000.0) * math.exp(normal(rng, 0.05, 0.15))
                title = f"Renewal {iso(created, off)[:4]}"
            if currency == BASE_CURRENCY:
                amount, rate = money(usd), None
            else:
                r = self._rate(currency, closed if closed is not None else created)
                amount = money(round(usd / r, -3) if currency == "IRR" else usd / r)
                rate = f"{r:.10f}" if currency == "IRR" else f"{r:.6f}"
            self.n_deal += 1
            yield {
                "type": "deal", "external_id": f"d-{self.n_deal}", "title": title,
                "pipeline": PIPELINES[pipeline][0], "contact": contacts[who][0], "company": company,
                "owner": owner if rng.random() < 0.88 else choose(rng, self.reps), "amount": amount,
                "currency": currency, "exchange_rate": rate, "kind": kind, "campaign": campaign,
                "created_at": iso(created, off),
                "stage_history": [{"stage": s, "entered_at": iso(e, off)} for s, e in entries],
                "status": status, "closed_at": iso(closed, off) if closed is not None else None,
                "lost_reason": reason,
            }

    def _tickets(
        self, contacts: list[_Contact], n_deals: int, first_win: int | None, end: int, off: int
    ) -> Iterator[_Ticket]:
        """About as many tickets as the customer has deals, mostly while it is a customer."""
        rng = self.rng
        if not contacts or not n_deals:
            return
        times = []
        for _ in range(poisson(rng, 1.0 * n_deals)):
            lo = first_win if first_win is not None and rng.random() < 0.85 else contacts[0][1]
            if lo < end:
                times.append(self.moments.instant_between(lo, end, off, 0.4))
        times.sort()
        for created in times:
            yield self._ticket(contacts, created, off)

    def _ticket(self, contacts: list[_Contact], created: int, off: int) -> _Ticket:
        """A ticket opened at `created` by one of the contacts then, with its conversation."""
        rnd = self.rng.random
        iso = self.clock.iso
        duration = self.moments.duration
        hi = self.hi
        who = self._contact_at(contacts, created)
        lang = 1 if contacts[who][2] else 0
        priority, _, frt_hours, resolution_hours, sla_hours = PRIORITIES[
            bisect.bisect_right(PRIORITY_CUM, rnd() * 100)
        ]
        channel = CHANNELS[bisect.bisect_right(CHANNEL_CUM, rnd() * 100)]
        pool = self.fa_agents if lang and rnd() < 0.8 else self.agents
        assignee: str | None = pool[int(rnd() * len(pool))]
        first_reply = created + 30 + duration(frt_hours * HOUR, 1.1)
        resolved: int | None = first_reply + duration(resolution_hours * HOUR, 1.1)
        if rnd() < 0.04:
            resolved += duration(20 * DAY, 0.8)  # stuck waiting on someone
        if resolved > hi or (hi - created < 21 * DAY and rnd() < 0.3):
            resolved = None
        limit = resolved if resolved is not None else hi
        topic = TICKET_TOPICS[int(rnd() * len(TICKET_TOPICS))]
        msgs: list[_Message] = [(created, "customer", None, True, topic[2 + lang])]
        if first_reply <= limit:
            msgs.extend(self._conversation(created, first_reply, resolved, limit, assignee, lang))
        elif resolved is None and rnd() < 0.6:
            assignee = None  # still waiting in the queue
        if assignee is not None and rnd() < 0.3:
            note_at = created + int(rnd() * (limit - created))
            note = INTERNAL_NOTES[int(rnd() * len(INTERNAL_NOTES))]
            msgs.append((note_at, "agent", assignee, False, note))
        msgs.sort(key=_first)
        self.n_ticket += 1
        record = {
            "type": "ticket", "external_id": f"t-{self.n_ticket}", "subject": topic[lang],
            "contact": contacts[who][0], "assignee": assignee, "priority": priority, "channel": channel,
            "created_at": iso(created, off),
            "resolved_at": iso(resolved, off) if resolved is not None else None,
            "messages": [
                {"at": iso(at, off), "author": author, "user": user, "public": public, "body": body}
                for at, author, user, public, body in msgs
            ],
        }
        return record, who, resolved, resolved is not None and resolved - created <= sla_hours * HOUR

    def _conversation(
        self, created: int, first_reply: int, resolved: int | None, limit: int, assignee: str | None, lang: int
    ) -> list[_Message]:
        """The messages after the customer's first one: a reply, maybe a nudge before it, a closing
        message and a few exchanges, all by `limit` (the resolution, or the end)."""
        rnd = self.rng.random
        agents = self.agents
        msgs: list[_Message] = []
        replier = agents[int(rnd() * len(agents))] if rnd() < 0.1 else assignee  # a colleague helped
        if rnd() < 0.15:
            nudge = created + 1 + int(rnd() * (first_reply - created - 1))
            msgs.append((nudge, "customer", None, True, CUSTOMER_FOLLOW_UPS[0][lang]))
        reply = AGENT_REPLIES[int(rnd() * len(AGENT_REPLIES))][lang]
        msgs.append((first_reply, "agent", replier, True, reply))
        last = limit
        if resolved is not None and resolved - first_reply > 2 * HOUR:
            last = resolved - 60 - int(rnd() * (2 * HOUR - 60))
            closing = AGENT_CLOSING[int(rnd() * len(AGENT_CLOSING))][lang]
            msgs.append((last, "agent", assignee, True, closing))
        r = rnd()
        exchanges = 0 if r < 0.55 else 1 if r < 0.85 else 2 if r < 0.97 else 3
        if exchanges and last - first_reply > 4 * exchanges:
            span = last - first_reply - 1
            points = sorted([first_reply + 1 + int(rnd() * span) for _ in range(2 * exchanges)])
            for j, at in enumerate(points):
                if j % 2 == 0:
                    body = CUSTOMER_FOLLOW_UPS[int(rnd() * len(CUSTOMER_FOLLOW_UPS))][lang]
                    msgs.append((at, "customer", None, True, body))
                else:
                    reply = AGENT_REPLIES[int(rnd() * len(AGENT_REPLIES))][lang]
                    msgs.append((at, "agent", assignee, True, reply))
        return msgs

    def _surveys(
        self, contacts: list[_Contact], tickets: list[_Ticket], n_deals: int,
        first_win: int | None, end: int, churn: int | None, off: int,
    ) -> Iterator[Record]:
        """Invitations (after support, to customers) and then the responses to them."""
        rng = self.rng
        iso = self.clock.iso
        hi = self.hi
        invites = self._ticket_invitations(tickets)
        if first_win is not None:
            invites.extend(self._customer_invitations(contacts, n_deals, first_win, end, churn, off))
        invites.sort(key=itemgetter(3))
        responses: list[Record] = []
        answer_rate = (0.62, 0.7, 0.8, 0.76, 0.55)
        for survey, who, ticket, sent, mood in invites:
            self.n_inv += 1
            inv_ext = f"inv-{self.n_inv}"
            yield {
                "type": "invitation", "external_id": inv_ext, "survey": SURVEYS[survey][0],
                "contact": contacts[who][0], "ticket": ticket, "sent_at": iso(sent, off),
            }
            if rng.random() < answer_rate[survey]:
                answered = sent + self.moments.duration(4 * HOUR, 1.5)
                if answered <= hi:
                    responses.append(
                        self._response(survey, inv_ext, contacts[who], ticket, answered, mood, off)
                    )
        if first_win is not None and rng.random() < 0.05 and first_win + DAY < end:
            at = self.moments.instant_between(first_win + DAY, end, off, 0.3)
            who = self._contact_at(contacts, at)  # answered the NPS widget on the website, uninvited
            responses.append(self._response(0, None, contacts[who], None, at, 1, off))
        yield from responses

    def _ticket_invitations(self, tickets: list[_Ticket]) -> list[_Invite]:
        """CSAT or CES invitations after most resolved tickets; a missed SLA makes a bad mood."""
        rng = self.rng
        invites: list[_Invite] = []
        for record, who, resolved, sla_met in tickets:
            if resolved is None:
                continue
            r = rng.random()
            if r < 0.92:
                sent = resolved + self.moments.duration(HOUR, 1.0)
                if sent <= self.hi:
                    survey = 2 if r < 0.68 else 3
                    invites.append((survey, who, record["external_id"], sent, 0 if sla_met else 2))
        return invites

    def _customer_invitations(
        self, contacts: list[_Contact], n_deals: int, first_win: int, end: int, churn: int | None, off: int,
    ) -> list[_Invite]:
        """NPS invitations, an onboarding survey and SERVQUAL ones, from a week after the first win."""
        rng = self.rng
        invites: list[_Invite] = []
        churn_soon = churn is not None
        lo = first_win + 7 * DAY
        for _ in range(poisson(rng, 0.33 * n_deals)):
            if lo < end:
                sent = self.moments.instant_between(lo, end, off, 0.05)
                who = self._contact_at(contacts, sent)
                invites.append((0, who, None, sent, 2 if churn_soon and rng.random() < 0.5 else 1))
        onboarding = first_win + 14 * DAY + below(rng, 14 * DAY)
        if onboarding <= end and rng.random() < 0.9:
            invites.append((1, self._contact_at(contacts, onboarding), None, onboarding, 0))
        for _ in range(poisson(rng, 0.07 * n_deals)):
            if lo < end:
                sent = self.moments.instant_between(lo, end, off, 0.05)
                invites.append((4, self._contact_at(contacts, sent), None, sent, 1))
        return invites

    def _contact_at(self, contacts: list[_Contact], t: int) -> int:
        """One of the contacts that existed at `t` (the first one always did)."""
        if len(contacts) == 1:
            return 0
        live = [i for i, c in enumerate(contacts) if c[1] <= t]
        return choose(self.rng, live) if len(live) > 1 else 0

    def _response(
        self, survey: int, invitation: str | None, contact: _Contact,
        ticket: str | None, answered: int, mood: int, off: int,
    ) -> Record:
        rng = self.rng
        kind = SURVEYS[survey][2]
        score: int | None = None
        servqual: dict[str, dict[str, int]] | None = None
        if kind == "servqual":
            servqual = {}
            for dim in SERVQUAL_DIMENSIONS:
                expectation = min(7, max(1, round(normal(rng, 6.0, 0.9))))
                gap = pick(rng, (10, 45, 80, 95, 100)) - 1
                servqual[dim] = {"expectation": expectation, "perception": min(7, max(1, expectation - gap))}
            sentiment = "mid"
        else:
            shift = mood - 1  # 0 good, 1 neutral, 2 bad
            if kind == "nps":
                score = pick(rng, NPS_CUM)
                if shift > 0 and rng.random() < 0.5:
                    score = max(0, score - 2 - below(rng, 5))
                sentiment = "good" if score >= 9 else "mid" if score >= 7 else "bad"
            elif kind == "csat":
                score = 1 + pick(rng, CSAT_CUM)
                if shift > 0 and rng.random() < 0.45:
                    score = max(1, score - 1 - below(rng, 2))
                sentiment = "good" if score >= 4 else "mid" if score == 3 else "bad"
            else:
                score = 1 + pick(rng, CES_CUM)
                if shift > 0 and rng.random() < 0.45:
                    score = min(5, score + 1 + below(rng, 2))
                sentiment = "good" if score <= 2 else "mid" if score == 3 else "bad"
        comment = choose(rng, COMMENTS[sentiment])[1 if contact[2] else 0] if rng.random() < 0.12 else ""
        self.n_resp += 1
        return {
            "type": "response", "external_id": f"r-{self.n_resp}", "survey": SURVEYS[survey][0],
            "invitation": invitation, "contact": contact[0], "ticket": ticket,
            "answered_at": self.clock.iso(answered, off), "score": score, "servqual": servqual,
            "comment": comment,
        }

