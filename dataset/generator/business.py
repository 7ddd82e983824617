"""The business before its customers: the period, staff (teams and users), campaigns and their spend.

`BusinessSetup` draws all of it from the seed, in this order, before the first customer; the customer
journeys (`journeys.Business`) build on it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator

from .formats import Clock, money
from .options import DAY, EPOCH, HOUR, DatasetOptions, Record
from .randomness import Moments, below, choose, lead_days
from .reference import CAMPAIGN_NAMES, EN_FIRST, EN_LAST, FA_FIRST, FA_LAST, PIPELINES, SURVEYS


class BusinessSetup:
    """One generated business's staff, campaigns and period; the counters of the records made so far."""

    def __init__(self, options: DatasetOptions) -> None:
        if options.deals < 1:
            raise ValueError("deals must be at least 1")
        first, last = options.first_day, options.end
        if (last - first).days < 27:
            raise ValueError("the period from start to end must span at least four weeks")
        self.options = options
        self.rng = random.Random(options.seed)
        self.clock = Clock(first, last)
        # Every instant falls on a date in [first, last] in each of OFFSETS (-05:00 .. +03:30).
        self.lo = (first - EPOCH).days * DAY + 5 * HOUR
        self.hi = ((last - EPOCH).days + 1) * DAY - 12_600 - 1
        self.moments = Moments(self.rng, self.lo, self.hi, lead_days(self.rng, first, (last - first).days + 1))
        self._build_staff()
        self._build_campaigns()
        self.deals_left = options.deals
        self.n_company = self.n_contact = self.n_deal = self.n_ticket = self.n_inv = self.n_resp = 0

    # --- setup ---------------------------------------------------------------------------------

    def _build_staff(self) -> None:
        scale = (self.options.deals / 3000) ** 0.554
        n_reps = max(2, round(8 * scale))
        n_agents = max(2, round(6 * scale))
        sales_names = ("North", "South", "East", "West", "Central", "Enterprise", "Partners", "Inside")
        care_names = ("Care", "Care Tier 2", "Care Nights")
        n_sales_teams = min(len(sales_names), max(2, math.ceil(n_reps / 25)))
        n_care_teams = min(len(care_names), max(1, math.ceil(n_agents / 50)))
        self.teams = list(sales_names[:n_sales_teams]) + list(care_names[:n_care_teams])
        self.users: list[Record] = []
        self._usernames: set[str] = set()
        add = self._add_user
        self.reps = [add("sales", self.teams[i % n_sales_teams])[0] for i in range(n_reps)]
        agents = [add("support", self.teams[n_sales_teams + i % n_care_teams]) for i in range(n_agents)]
        self.agents = [a[0] for a in agents]
        self.fa_agents = [a[0] for a in agents if a[1]] or self.agents
        for team in self.teams:
            add("manager", team)
        add("manager", None)
        add("admin", None)
        if n_reps > 40:
            add("admin", None)

    def _add_user(self, role: str, team: str | None) -> tuple[str, bool]:
        """A new user with a unique username; returns the username and whether the name is Persian."""
        rng = self.rng
        taken = self._usernames
        persian = rng.random() < 0.5
        if persian:
            first, last = choose(rng, FA_FIRST)[0], choose(rng, FA_LAST)[0]
        else:
            first, last = choose(rng, EN_FIRST), choose(rng, EN_LAST)
        username = first.lower()
        if username in taken:
            username = f"{first}.{last}".lower()
        n = 2
        base = username
        while username in taken:
            username = f"{base}{n}"
            n += 1
        taken.add(username)
        self.users.append({
            "type": "user", "username": username, "full_name": f"{first} {last}",
            "email": f"{username}@example.com", "role": role, "team": team,
        })
        return username, persian

    def _build_campaigns(self) -> None:
        rng = self.rng
        channels = list(CAMPAIGN_NAMES)
        rng.shuffle(channels)
        n = 5 + below(rng, 4)
        # About 150 USD of marketing per deal, split across campaigns by weight.
        budget = 150.0 * self.options.deals
        weights = [0.5 + rng.random() for _ in range(n)]
        total_w = sum(weights)
        self.campaigns: list[tuple[str, int, int]] = []  # (external_id, active from, active until)
        self.campaign_records: list[Record] = []
        used: set[str] = set()
        span = self.hi - self.lo
        for i in range(n):
            channel = channels[i % len(channels)]
            names = [x for x in CAMPAIGN_NAMES[channel] if x not in used] or list(CAMPAIGN_NAMES[channel])
            name = choose(rng, names)
            used.add(name)
            if i < 2 or channel in ("search", "referral"):
                start, end = self.lo, self.hi  # always on
            else:
                length = int(span * (0.15 + 0.45 * rng.random()))
                start = self.lo + int((span - length) * rng.random())
                end = start + length
            ext = f"cmp-{i + 1}"
            self.campaigns.append((ext, start, end))
            step = 30 * DAY if channel == "event" else 7 * DAY
            entries = max(1, (end - start) // step)
            per_entry = budget * weights[i] / total_w / entries
            spend = []
            t = start
            while t <= end and len(spend) < 10_000:
                amount = per_entry * (0.6 + 0.8 * rng.random())
                spend.append({"date": self.clock.date(t), "amount": money(amount)})
                t += step
            self.campaign_records.append(
                {"type": "campaign", "external_id": ext, "name": name, "channel": channel, "spend": spend}
            )

    def counts(self) -> dict[str, int]:
        """How many records of each type have been generated so far."""
        return {
            "team": len(self.teams), "user": len(self.users), "company": self.n_company,
            "campaign": len(self.campaign_records), "contact": self.n_contact, "pipeline": len(PIPELINES),
            "deal": self.n_deal, "ticket": self.n_ticket, "survey": len(SURVEYS), "invitation": self.n_inv,
            "response": self.n_resp,
        }

    # --- records that do not depend on customers ------------------------------------------------

    def staff_records(self) -> Iterator[Record]:
        """Teams, then users."""
        for team in self.teams:
            yield {"type": "team", "name": team}
        yield from self.users

    @staticmethod
    def pipeline_records() -> Iterator[Record]:
        """The two pipelines with their stages."""
        for ext, name, stages in PIPELINES:
            yield {
                "type": "pipeline", "external_id": ext, "name": name,
                "stages": [{"external_id": s[0], "name": s[1], "probability": s[2]} for s in stages],
            }

    @staticmethod
    def survey_records() -> Iterator[Record]:
        """One survey of each kind plus an onboarding NPS."""
        for ext, name, kind in SURVEYS:
            yield {"type": "survey", "external_id": ext, "name": name, "kind": kind}


    def active_campaign(self, t: int) -> str | None:
        """One of the campaigns running at `t`, if any."""
        active = [c[0] for c in self.campaigns if c[1] <= t <= c[2]]
        return choose(self.rng, active) if active else None
