"""A seeded synthetic business in the dataset format (docs/DATASET_FORMAT.md).

Pure generation: no database, no clock, no global random state. One `random.Random(seed)` drives a
single pass over customers (a company with its contacts, or a lone contact); each customer's
journey (leads, new-business attempts, a first win, upsells, renewals, churn, tickets, surveys) is
simulated in time order and yielded as dicts. The file wants records grouped by type, so
`iter_lines` writes companies straight out and spools the other types to temporary files, then
concatenates them: memory stays flat however many deals are asked for. The high-volume types are
turned into JSON by f-string templates (`_FAST_LINES`), byte for byte what `json.dumps` gives but
several times quicker; the tests hold them to that.

All instants are int seconds since the epoch, kept within the period so that each falls on a date
in `[start, end]` whichever offset (-05:00 .. +03:30) it is written in. What would happen after the
end has not happened yet: open deals, unresolved tickets, unanswered invitations. The base currency
is USD (`exchange_rate` is null for USD deals).
"""


from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import random
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from statistics import NormalDist
from typing import Any, TextIO, TypeVar

BASE_CURRENCY = "USD"
DEFAULT_DEALS = 3000
DEFAULT_SEED = 1
DEFAULT_END = dt.date(2026, 10, 31)

RECORD_ORDER = (
    "team", "user", "company", "campaign", "contact", "pipeline", "deal", "ticket", "survey", "invitation",
    "response",
)

DAY = 86_400
HOUR = 3_600
_EPOCH = dt.date(1970, 1, 1)

Record = dict[str, Any]
T = TypeVar("T")
# A contact of the customer being generated: (external_id, created_at, speaks Persian, source campaign).
_Contact = tuple[str, int, bool, str | None]
# A deal of its journey: (kind, pipeline index, created_at, status, closed_at or None,
#                         [(stage external_id, entered_at)], contact index, lost reason, campaign).
_Deal = tuple[str, int, int, str, int | None, list[tuple[str, int]], int, str, str | None]
# A ticket as the surveys see it: (record, contact index, resolved_at or None, resolved within SLA).
_Ticket = tuple[Record, int, int | None, bool]

# --- reference data ----------------------------------------------------------------------------

# (latin, Persian script)
_FA_FIRST = (
    ("Reza", "رضا"), ("Ali", "علی"), ("Mohammad", "محمد"), ("Hossein", "حسین"), ("Mehdi", "مهدی"),
    ("Amir", "امیر"), ("Hamid", "حمید"), ("Saeed", "سعید"), ("Majid", "مجید"), ("Omid", "امید"),
    ("Kian", "کیان"), ("Arash", "آرش"), ("Babak", "بابک"), ("Dariush", "داریوش"), ("Farhad", "فرهاد"),
    ("Kaveh", "کاوه"), ("Navid", "نوید"), ("Pouya", "پویا"), ("Sina", "سینا"), ("Payam", "پیام"),
    ("Sara", "سارا"), ("Maryam", "مریم"), ("Fatemeh", "فاطمه"), ("Zahra", "زهرا"), ("Nazanin", "نازنین"),
    ("Leila", "لیلا"), ("Mina", "مینا"), ("Neda", "ندا"), ("Parisa", "پریسا"), ("Shirin", "شیرین"),
    ("Azadeh", "آزاده"), ("Roya", "رویا"), ("Elham", "الهام"), ("Niloufar", "نیلوفر"), ("Golnaz", "گلناز"),
    ("Yasaman", "یاسمن"), ("Setareh", "ستاره"), ("Hanieh", "هانیه"), ("Mahsa", "مهسا"), ("Ladan", "لادن"),
)
_FA_LAST = (
    ("Ahmadi", "احمدی"), ("Karimi", "کریمی"), ("Hosseini", "حسینی"), ("Mohammadi", "محمدی"),
    ("Rezaei", "رضایی"), ("Moradi", "مرادی"), ("Jafari", "جعفری"), ("Rahimi", "رحیمی"),
    ("Hashemi", "هاشمی"), ("Ebrahimi", "ابراهیمی"), ("Kazemi", "کاظمی"), ("Sadeghi", "صادقی"),
    ("Ghasemi", "قاسمی"), ("Rostami", "رستمی"), ("Tehrani", "تهرانی"), ("Shirazi", "شیرازی"),
    ("Esfahani", "اصفهانی"), ("Tabrizi", "تبریزی"), ("Nouri", "نوری"), ("Farahani", "فراهانی"),
    ("Bagheri", "باقری"), ("Azizi", "عزیزی"), ("Safavi", "صفوی"), ("Najafi", "نجفی"), ("Zand", "زند"),
    ("Amini", "امینی"), ("Yazdani", "یزدانی"), ("Mousavi", "موسوی"), ("Kamali", "کمالی"),
    ("Soltani", "سلطانی"),
)
_EN_FIRST = (
    "Emma", "Olivia", "Ava", "Sophia", "Mia", "Amelia", "Harper", "Lena", "Grace", "Chloe", "Lucy", "Hannah",
    "Julia", "Anna", "Ella", "Ruby", "Zoe", "Claire", "Nora", "Alice", "Marta", "Sofia", "Liam", "Noah",
    "James", "Oliver", "Lucas", "Henry", "Jack", "Ethan", "Daniel", "Samuel", "Leo", "Owen", "Adam", "Ryan",
    "Nathan", "Thomas", "Peter", "Mark", "David", "Piotr", "Jonas", "Mateo",
)
_EN_LAST = (
    "Smith", "Johnson", "Brown", "Taylor", "Clark", "Walker", "Wright", "Hill", "Green", "Baker", "Adams",
    "Nelson", "Carter", "Mitchell", "Turner", "Parker", "Collins", "Evans", "Morris", "Murphy", "Cook",
    "Bell", "Ward", "Cooper", "Reed", "Bailey", "Kelly", "Howard", "Fischer", "Novak", "Rossi", "Kowalski",
    "Larsen",
)
_EN_COMPANY_A = (
    "Blue River", "Northwind", "Summit", "Brightline", "Cedar", "Ironbridge", "Silverleaf", "Redwood",
    "Harbor", "Pioneer", "Evergreen", "Atlas", "Keystone", "Lakeside", "Granite", "Orbit", "Sterling",
    "Maple", "Falcon", "Crescent", "Beacon", "Copper Hill", "Westgate", "Sunrise",
)
_EN_COMPANY_B = (
    "Logistics", "Analytics", "Foods", "Health", "Systems", "Media", "Retail", "Energy", "Labs", "Consulting",
    "Travel", "Finance", "Robotics", "Studio", "Textiles", "Software", "Dental", "Architects",
)
_EN_COMPANY_SUFFIX = ("", "", " Ltd", " Inc.", " GmbH", " Group", " LLC")
_FA_COMPANY_A = (
    ("Aria", "آریا"), ("Pars", "پارس"), ("Alborz", "البرز"), ("Sepehr", "سپهر"), ("Aseman", "آسمان"),
    ("Novin", "نوین"), ("Kourosh", "کوروش"), ("Damavand", "دماوند"), ("Mehregan", "مهرگان"),
    ("Saman", "سامان"), ("Persian", "پرشین"), ("Arvand", "اروند"),
)
_FA_COMPANY_B = (
    ("Ertebat", "ارتباط"), ("Tejarat", "تجارت"), ("Fanavari", "فناوری"), ("Pakhsh", "پخش"),
    ("Sanat", "صنعت"), ("System", "سیستم"), ("Dadeh", "داده"), ("Negar", "نگار"), ("Tadbir", "تدبیر"),
    ("Gostar", "گستر"),
)

_LOST_REASONS = ("price", "chose competitor", "no decision", "no budget", "timing", "missing feature")
_CHURN_REASONS = (
    "moved to competitor", "too expensive", "no longer needed", "went out of business",
    "poor support experience", "merged with another company",
)

# (external_id, name, probability, median days in stage, chance to move on (or, last stage: to win))
_NEW_BUSINESS = (
    ("st-1", "Qualified", 0.1, 6.0, 0.55),
    ("st-2", "Demo", 0.3, 9.0, 0.65),
    ("st-3", "Proposal", 0.6, 11.0, 0.75),
    ("st-4", "Negotiation", 0.8, 9.0, 0.75),
)
_EXPANSION = (
    ("st-5", "Discovery", 0.3, 7.0, 0.8),
    ("st-6", "Quote", 0.6, 8.0, 0.8),
    ("st-7", "Commit", 0.85, 6.0, 0.85),
)
_PIPELINES = (("p-1", "New business", _NEW_BUSINESS), ("p-2", "Expansion", _EXPANSION))

_CAMPAIGN_NAMES = {
    "email": ("Spring mailing", "Monthly newsletter", "Nowruz offer mailing"),
    "social": ("Social ads", "LinkedIn sponsored posts", "Instagram stories"),
    "search": ("Search ads - brand", "Search ads - generic"),
    "event": ("Trade fair booth", "Customer summit", "Webinar series"),
    "referral": ("Partner referrals", "Customer referral program"),
    "other": ("Podcast sponsorship", "Print ads"),
}

# Offsets a record's timestamps are written in: (seconds, text, weight for English-speaking customers).
_OFFSETS = ((0, "+00:00", 45), (-5 * HOUR, "-05:00", 30), (HOUR, "+01:00", 15), (12_600, "+03:30", 10))
_TEHRAN = 3  # index of +03:30 in _OFFSETS

_TICKET_TOPICS = (
    ("Cannot log in", "نمی‌توانم وارد حساب شوم", "I can't log in since this morning.",
     "از صبح نمی‌توانم وارد حساب کاربری‌ام شوم."),
    ("Question about my invoice", "سؤال درباره فاکتور", "The amount on the latest invoice looks wrong.",
     "مبلغ فاکتور آخر اشتباه به نظر می‌رسد."),
    ("Export to Excel fails", "خروجی اکسل کار نمی‌کند", "Exporting the report to Excel gives an error.",
     "هنگام گرفتن خروجی اکسل از گزارش خطا می‌گیرم."),
    ("Calendar sync stopped", "همگام‌سازی تقویم متوقف شده", "Our calendar stopped syncing yesterday.",
     "همگام‌سازی تقویم از دیروز کار نمی‌کند."),
    ("Add users to our plan", "افزودن کاربر به اشتراک", "We need five more seats on our plan.",
     "به پنج کاربر بیشتر در اشتراکمان نیاز داریم."),
    ("Error 500 on the reports page", "خطای ۵۰۰ در صفحه گزارش‌ها", "The reports page shows error 500.",
     "صفحه گزارش‌ها خطای ۵۰۰ نشان می‌دهد."),
    ("Feature request: custom fields", "درخواست قابلیت: فیلدهای سفارشی", "Can we add custom fields to deals?",
     "آیا می‌شود به معامله‌ها فیلد سفارشی اضافه کرد؟"),
    ("Password reset email not received", "ایمیل بازیابی رمز نرسید",
     "The password reset email never arrives.", "ایمیل بازیابی رمز عبور به دستم نمی‌رسد."),
    ("Dashboard is very slow", "داشبورد خیلی کند است", "The dashboard takes a minute to load.",
     "بارگذاری داشبورد یک دقیقه طول می‌کشد."),
    ("How do I cancel my subscription?", "لغو اشتراک", "How can I cancel or pause our subscription?",
     "چطور می‌توانم اشتراکمان را لغو یا متوقف کنم؟"),
)
_AGENT_REPLIES = (
    ("Thanks for reaching out, we are looking into it.", "ممنون از پیامتان، در حال بررسی هستیم."),
    ("Could you send us a screenshot of the error?", "لطفاً از خطا یک اسکرین‌شات بفرستید."),
    ("We have found the cause and are working on a fix.", "علت را پیدا کردیم و در حال رفع آن هستیم."),
    ("Could you try again now?", "لطفاً دوباره امتحان کنید."),
)
_AGENT_CLOSING = (
    ("This is fixed now. Let us know if anything else comes up.",
     "مشکل برطرف شد. اگر سؤال دیگری بود در خدمتیم."),
    ("Done! Your account has been updated.", "انجام شد! حساب شما به‌روزرسانی شد."),
)
_CUSTOMER_FOLLOW_UPS = (
    ("Any update on this?", "خبری نشد؟"),
    ("Here is the screenshot you asked for.", "این هم اسکرین‌شاتی که خواستید."),
    ("It still does not work for me.", "هنوز برای من کار نمی‌کند."),
    ("Thanks, that helped.", "ممنون، مشکل حل شد."),
)
_INTERNAL_NOTES = (
    "Escalated to engineering.", "Known issue, linked to the incident.", "Customer is on the annual plan.",
    "Checked the logs, nothing unusual.", "Offered a discount on the next invoice.",
)
_COMMENTS = {
    "good": (("Great service, thank you!", "خدمات عالی، ممنون!"), ("Quick and helpful.", "سریع و مفید.")),
    "mid": (("It was fine.", "بد نبود."), ("Took a bit long but solved.", "کمی طول کشید ولی حل شد.")),
    "bad": (("Too slow to respond.", "پاسخگویی خیلی کند بود."),
            ("The problem keeps coming back.", "مشکل مدام تکرار می‌شود.")),
}
_DEAL_TITLES_NEW = ("Starter plan", "Team plan", "Business plan", "Enterprise plan")
_DEAL_TITLES_UPSELL = ("Premium support add-on", "Analytics module", "Extra storage", "API access")

# Surveys: external_id, name, kind.
_SURVEYS = (
    ("sv-nps", "Relationship NPS", "nps"),
    ("sv-nps-onboarding", "Onboarding NPS", "nps"),
    ("sv-csat", "After-support CSAT", "csat"),
    ("sv-ces", "Support effort (CES)", "ces"),
    ("sv-servqual", "Service quality (SERVQUAL)", "servqual"),
)
_SERVQUAL_DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
# Cumulative weights of scores (index = score - low).
_NPS_CUM = (4, 6, 8, 11, 14, 19, 25, 37, 53, 75, 100)
_CSAT_CUM = (7, 12, 22, 50, 100)
_CES_CUM = (30, 62, 82, 93, 100)

# First response / resolution medians in hours by priority (SLA targets: 1/8, 4/24, 8/72, 24/168).
_PRIORITIES = (("low", 20, 10.0, 60.0, 168), ("normal", 55, 3.5, 26.0, 72),
               ("high", 20, 1.5, 10.0, 24), ("urgent", 5, 0.4, 3.5, 8))
_PRIORITY_CUM = (20, 75, 95, 100)
_CHANNELS = ("email", "web", "chat", "phone")
_CHANNEL_CUM = (40, 65, 85, 100)

_LOST_CUM = (28, 50, 70, 84, 94, 100)  # cumulative weights of _LOST_REASONS
_first = itemgetter(0)
_P_COMPANY = 0.36  # share of customers that are companies (contacts ≈ 4 x companies overall)


@dataclass(frozen=True)
class DatasetOptions:
    """What to generate: about `deals` deals over `[start, end]` (start defaults to two years before end)."""

    deals: int = DEFAULT_DEALS
    seed: int = DEFAULT_SEED
    start: dt.date | None = None
    end: dt.date = DEFAULT_END

    @property
    def first_day(self) -> dt.date:
        """The start date, defaulting to the same day two years before the end."""
        if self.start is not None:
            return self.start
        try:
            return self.end.replace(year=self.end.year - 2)
        except ValueError:  # 29 February
            return self.end.replace(year=self.end.year - 2, day=28)


def _cum(weights: tuple[float, ...] | list[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, cum: tuple[float, ...] | list[float]) -> int:
    """Index drawn from cumulative weights."""
    return bisect.bisect_right(cum, rng.random() * cum[-1])


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(_normal(rng, lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


# Quantiles of the standard normal distribution: a fast, deterministic stand-in for gauss().
_Z = tuple(NormalDist().inv_cdf((i + 0.5) / 8192) for i in range(8192))


# exp(sigma * z) for the sigmas the durations use.
_LOGNORMAL = {sigma: tuple(math.exp(sigma * z) for z in _Z) for sigma in (0.7, 0.8, 0.9, 1.0, 1.1, 1.5)}


def _normal(rng: random.Random, mu: float, sigma: float) -> float:
    return mu + sigma * _Z[int(rng.random() * 8192)]


def _choose(rng: random.Random, seq: Sequence[T]) -> T:
    return seq[int(rng.random() * len(seq))]


def _below(rng: random.Random, n: int) -> int:
    """An int in [0, n)."""
    return int(rng.random() * n)


def _money(value: float) -> str:
    return f"{value:.2f}"


class _Clock:
    """Formats instants (epoch seconds) as ISO 8601 in one of `_OFFSETS`, from precomputed pieces."""

    def __init__(self, first_day: dt.date, last_day: dt.date) -> None:
        self.day0 = (first_day - _EPOCH).days - 2
        n = (last_day - first_day).days + 5
        self.dates = [(first_day + dt.timedelta(days=i - 2)).isoformat() for i in range(n)]
        self.prefixes = [d + "T" for d in self.dates]
        self.times = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
        self.iso = self._make_iso()

    def _make_iso(self) -> Callable[[int, int], str]:
        prefixes, times, day0 = self.prefixes, self.times, self.day0
        offsets = [o[0] for o in _OFFSETS]
        suffixes = [o[1] for o in _OFFSETS]

        def iso(t: int, off: int) -> str:
            """`t` written in offset number `off`."""
            local = t + offsets[off]
            day = local // DAY
            return prefixes[day - day0] + times[local - day * DAY] + suffixes[off]

        return iso

    def date(self, t: int) -> str:
        """The UTC date of `t`."""
        return self.dates[t // DAY - self.day0]


class _Business:
    """One generated business: staff, campaigns and a stream of customers with their records."""

    def __init__(self, options: DatasetOptions) -> None:
        if options.deals < 1:
            raise ValueError("deals must be at least 1")
        first, last = options.first_day, options.end
        if (last - first).days < 27:
            raise ValueError("the period from start to end must span at least four weeks")
        self.options = options
        self.rng = random.Random(options.seed)
        self.clock = _Clock(first, last)
        # Every instant falls on a date in [first, last] in each of _OFFSETS (-05:00 .. +03:30).
        self.lo = (first - _EPOCH).days * DAY + 5 * HOUR
        self.hi = ((last - _EPOCH).days + 1) * DAY - 12_600 - 1
        self.span_days = (last - first).days + 1
        self._build_calendar()
        self._build_staff()
        self._build_campaigns()
        self.deals_left = options.deals
        self.n_company = self.n_contact = self.n_deal = self.n_ticket = self.n_inv = self.n_resp = 0

    # --- setup ---------------------------------------------------------------------------------

    def _build_calendar(self) -> None:
        """Cumulative weights of the period's days for new leads: growth, weekdays, a December dip."""
        rng = self.rng
        first = self.options.first_day
        weekday = (1.15, 1.2, 1.15, 1.1, 0.95, 0.3, 0.25)
        weights = []
        for i in range(self.span_days):
            day = first + dt.timedelta(days=i)
            w = math.exp(0.9 * i / self.span_days) * weekday[day.weekday()]
            if day.month == 12:
                w *= 0.45 if day.day >= 20 else 0.7
            elif day.month == 8:
                w *= 0.85
            elif (day.month == 3 and day.day >= 20) or (day.month == 4 and day.day <= 2):
                w *= 0.75  # Nowruz
            weights.append(w * (0.85 + 0.3 * rng.random()))
        self.day_cum = _cum(weights)

    def _build_staff(self) -> None:
        rng = self.rng
        scale = (self.options.deals / 3000) ** 0.554
        n_reps = max(2, round(8 * scale))
        n_agents = max(2, round(6 * scale))
        sales_names = ("North", "South", "East", "West", "Central", "Enterprise", "Partners", "Inside")
        care_names = ("Care", "Care Tier 2", "Care Nights")
        n_sales_teams = min(len(sales_names), max(2, math.ceil(n_reps / 25)))
        n_care_teams = min(len(care_names), max(1, math.ceil(n_agents / 50)))
        self.teams = list(sales_names[:n_sales_teams]) + list(care_names[:n_care_teams])
        self.users: list[Record] = []
        taken: set[str] = set()

        def add(role: str, team: str | None) -> tuple[str, bool]:
            persian = rng.random() < 0.5
            if persian:
                first, last = _choose(rng, _FA_FIRST)[0], _choose(rng, _FA_LAST)[0]
            else:
                first, last = _choose(rng, _EN_FIRST), _choose(rng, _EN_LAST)
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

    def _build_campaigns(self) -> None:
        rng = self.rng
        channels = list(_CAMPAIGN_NAMES)
        rng.shuffle(channels)
        n = 5 + _below(rng, 4)
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
            names = [x for x in _CAMPAIGN_NAMES[channel] if x not in used] or list(_CAMPAIGN_NAMES[channel])
            name = _choose(rng, names)
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
                spend.append({"date": self.clock.date(t), "amount": _money(amount)})
                t += step
            self.campaign_records.append(
                {"type": "campaign", "external_id": ext, "name": name, "channel": channel, "spend": spend}
            )

    def counts(self) -> dict[str, int]:
        """How many records of each type have been generated so far."""
        return {
            "team": len(self.teams), "user": len(self.users), "company": self.n_company,
            "campaign": len(self.campaign_records), "contact": self.n_contact, "pipeline": len(_PIPELINES),
            "deal": self.n_deal, "ticket": self.n_ticket, "survey": len(_SURVEYS), "invitation": self.n_inv,
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
        for ext, name, stages in _PIPELINES:
            yield {
                "type": "pipeline", "external_id": ext, "name": name,
                "stages": [{"external_id": s[0], "name": s[1], "probability": s[2]} for s in stages],
            }

    @staticmethod
    def survey_records() -> Iterator[Record]:
        """One survey of each kind plus an onboarding NPS."""
        for ext, name, kind in _SURVEYS:
            yield {"type": "survey", "external_id": ext, "name": name, "kind": kind}

    # --- time helpers ---------------------------------------------------------------------------

    def _time_of_day(self) -> int:
        """Seconds after local midnight: office hours mostly, some at any time, a few around midnight."""
        r = self.rng.random()
        if r < 0.008:
            return _below(self.rng, 150)
        if r < 0.016:
            return DAY - 1 - _below(self.rng, 150)
        if r < 0.2:
            return _below(self.rng, DAY)
        return 8 * HOUR + int((self.rng.random() + self.rng.random()) * 5.5 * HOUR)

    def _new_lead_instant(self, off: int) -> int:
        """When a new lead appears: a seasonal day, a local time of day."""
        day = bisect.bisect_right(self.day_cum, self.rng.random() * self.day_cum[-1])
        t = self.lo + day * DAY + self._time_of_day() - _OFFSETS[off][0]
        return min(max(t, self.lo), self.hi)

    def _working_day(self, t: int, off: int, keep_weekend: float) -> int:
        """Moves `t` forward to the next working day (same local time) unless kept by chance."""
        local_day = (t + _OFFSETS[off][0]) // DAY
        weekday = (local_day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        shift = 7 - weekday if weekday >= 5 else 0
        if off == _TEHRAN:
            shift = 1 if weekday == 4 else 0  # Friday is the weekend in Iran
        if shift and self.rng.random() >= keep_weekend:
            t += shift * DAY
        return t

    def _instant_between(self, lo: int, hi: int, off: int, keep_weekend: float) -> int:
        """A working-hours instant in `[lo, hi]`, mostly on working days."""
        rng = self.rng
        t = lo + int((hi - lo) * rng.random())
        local = t + _OFFSETS[off][0]
        t = t - local % DAY + self._time_of_day()
        t = self._working_day(t, off, keep_weekend)
        return lo if t < lo else hi if t > hi else t

    def _duration(self, median_seconds: float, sigma: float) -> int:
        """A lognormal duration in whole seconds (at least 1)."""
        return int(median_seconds * _LOGNORMAL[sigma][int(self.rng.random() * 8192)]) + 1

    def _active_campaign(self, t: int) -> str | None:
        active = [c[0] for c in self.campaigns if c[1] <= t <= c[2]]
        return _choose(self.rng, active) if active else None

    # --- the customers --------------------------------------------------------------------------

    def customers(self) -> Iterator[Record]:
        """Customers one by one, each as its company, contacts, deals, tickets, invitations and responses."""
        while self.deals_left > 0:
            yield from self._customer()

    def _customer(self) -> Iterator[Record]:
        rng = self.rng
        clock = self.clock
        hi = self.hi
        is_company = rng.random() < _P_COMPANY
        persian = rng.random() < 0.35
        off = (_TEHRAN if rng.random() < 0.85 else 0) if persian else _pick(rng, (45, 75, 90, 100))
        born = self._new_lead_instant(off)
        owner = _choose(rng, self.reps)
        r = rng.random()
        if persian:
            currency = "IRR" if r < 0.08 else BASE_CURRENCY
        else:
            currency = "EUR" if r < 0.035 else "GBP" if r < 0.055 else BASE_CURRENCY
        size = math.exp(_normal(rng, 0.7, 0.6)) if is_company else 1.0

        # Contacts: (external_id, created_at, language, source campaign)
        company_ext = None
        domain = ""
        company_name = ""
        if is_company:
            company_name, domain = self._company_name(persian)
            n_contacts = 1 + min(11, _poisson(rng, 1.6))
        else:
            n_contacts = 1
        contacts: list[_Contact] = []
        contact_records: list[Record] = []
        for i in range(n_contacts):
            created = born + _below(rng, 2 * HOUR) if i == 0 else born + self._duration(120 * DAY, 0.9)
            if created > hi:
                continue
            fa = persian if rng.random() < 0.9 else not persian
            campaign = self._active_campaign(created) if rng.random() < 0.5 else None
            self.n_contact += 1
            ext = f"ct-{self.n_contact}"
            contacts.append((ext, created, fa, campaign))
            contact_records.append(self._contact_record(ext, created, fa, campaign, owner, domain, off))
        if is_company:
            self.n_company += 1
            company_ext = f"co-{self.n_company}"
            for rec in contact_records:
                rec["company"] = company_ext

        deals, first_win, churn, churn_reason = self._journey(contacts, is_company, off)
        if len(deals) > self.deals_left:
            deals = deals[: self.deals_left]
            won = [d[4] for d in deals if d[3] == "won"]
            first_win = min(won) if won else None
            if first_win is None:
                churn = None
        self.deals_left -= len(deals)

        churned_at = clock.iso(churn, off) if churn is not None else None
        if not churn_reason and churn is not None:
            churn_reason = _choose(rng, _CHURN_REASONS)
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

    def _company_name(self, persian: bool) -> tuple[str, str]:
        rng = self.rng
        if persian:
            a, b = _choose(rng, _FA_COMPANY_A), _choose(rng, _FA_COMPANY_B)
            name = f"شرکت {a[1]} {b[1]}" if rng.random() < 0.6 else f"{a[0]} {b[0]} Co."
            return name, f"{a[0]}-{b[0]}.example".lower()
        a_en, b_en = _choose(rng, _EN_COMPANY_A), _choose(rng, _EN_COMPANY_B)
        name = f"{a_en} {b_en}{_choose(rng, _EN_COMPANY_SUFFIX)}"
        return name, f"{a_en}-{b_en}.example".lower().replace(" ", "-")

    def _contact_record(
        self, ext: str, created: int, fa: bool, campaign: str | None, owner: str, domain: str, off: int
    ) -> Record:
        rng = self.rng
        if fa:
            first, last = _choose(rng, _FA_FIRST), _choose(rng, _FA_LAST)
            latin = f"{first[0]}.{last[0]}".lower()
            first_name, last_name = (first[1], last[1]) if rng.random() < 0.6 else (first[0], last[0])
        else:
            first_name, last_name = _choose(rng, _EN_FIRST), _choose(rng, _EN_LAST)
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
            digits = _below(rng, 10_000_000)
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
        stages = _PIPELINES[pipeline][2]
        entries = [(stages[0][0], created)]
        t = created
        last = len(stages) - 1
        for i, (_, _, _, median_days, move_on) in enumerate(stages):
            t_next = t + self._duration(median_days * DAY * stall, 0.9)
            t_next = self._working_day(t_next, off, 0.15)
            if rng.random() < move_on:
                if i == last:
                    return "won", t_next, entries, ""
                entries.append((stages[i + 1][0], t_next))
                t = t_next
                continue
            # Lost deals linger a little before someone marks them lost.
            t_lost = t_next + self._duration(2 * DAY, 1.0)
            reason = _LOST_REASONS[_pick(rng, _LOST_CUM)]
            return "lost", t_lost, entries, reason
        raise AssertionError("unreachable")

    def _journey(
        self, contacts: list[_Contact], is_company: bool, off: int
    ) -> tuple[list[_Deal], int | None, int | None, str]:
        """The customer's deals in creation order, its first win, churn time and reason."""
        rng = self.rng
        hi = self.hi
        deals: list[_Deal] = []
        if not contacts:
            return deals, None, None, ""

        def add(kind: str, pipeline: int, created: int, who: int) -> tuple[str, int | None]:
            stall = math.exp(_normal(rng, 1.6, 0.5)) if rng.random() < 0.2 else 1.0
            status, closed, entries, reason = self._simulate(pipeline, created, off, stall)
            source = contacts[who][3]
            if kind == "new":
                campaign = source if source and rng.random() < 0.85 else (
                    self._active_campaign(created) if rng.random() < 0.1 else None)
            else:
                campaign = self._active_campaign(created) if rng.random() < 0.05 else None
            if closed > hi:
                status, closed, reason = "open", None, ""
                entries = [e for e in entries if e[1] <= hi]
            deals.append((kind, pipeline, created, status, closed, entries, who, reason, campaign))
            return status, closed

        # Each contact (the first always, colleagues often) brings an opportunity; new-business
        # attempts follow until one is won or the lead goes cold. Once the customer has won, a
        # colleague's interest is an upsell.
        first_win: int | None = None
        retry = 0.7
        for who, contact in enumerate(contacts):
            if who and rng.random() >= 0.9:
                continue
            t = contact[1] + self._duration(4 * DAY, 1.0)
            while t <= hi:
                t = self._working_day(t, off, 0.1)
                if t > hi:
                    break
                if first_win is not None and first_win < t:
                    add("upsell", 1, t, who)
                    break
                status, closed = add("new", 0, t, who)
                if status == "won":
                    first_win = closed if first_win is None else min(first_win, closed)
                    break
                if closed is None or rng.random() >= retry:
                    break
                t = closed + self._duration(60 * DAY, 0.8)
        if first_win is None:
            return deals, None, None, ""

        # Customer: upsells now and then, a renewal each year, churn at some point for some.
        churn: int | None = None
        reason = ""
        if rng.random() < 0.3:
            churn = first_win + self._duration(320 * DAY, 0.7)
        upsell_gap = (90 if is_company else 200) * DAY
        next_upsell = first_win + self._duration(upsell_gap, 0.8)
        next_renewal = first_win + 335 * DAY + _below(rng, 20 * DAY)
        stop = min(churn, hi) if churn is not None else hi
        while True:
            t = min(next_upsell, next_renewal)
            if t > stop:
                break
            t = self._working_day(t, off, 0.1)
            if t > stop:
                break
            who = self._contact_at(contacts, t)
            if next_upsell <= next_renewal:
                add("upsell", 1, t, who)
                next_upsell = t + self._duration(upsell_gap, 0.8)
            else:
                status, closed = add("renewal", 1, t, who)
                next_renewal += 365 * DAY
                if status == "lost" and closed is not None and rng.random() < 0.7:
                    lapse = closed + self._duration(10 * DAY, 0.8)
                    if churn is None or lapse < churn:
                        churn, reason = lapse, "did not renew"
                        stop = min(churn, hi)
        if churn is not None:
            if churn > hi:
                churn, reason = None, ""
            else:  # a colleague's opportunity may have come up after the customer left
                deals = [d for d in deals if d[2] < churn]
        deals.sort(key=itemgetter(2))
        return deals, first_win, churn, reason

    def _rate(self, currency: str, t: int) -> float:
        """Units of USD per unit of `currency` at `t`: drifting, a little noisy."""
        years = (t - self.lo) / (365.25 * DAY)
        noise = 1 + 0.004 * _normal(self.rng, 0.0, 1.0)
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
                usd = math.exp(_normal(rng, 7.6, 1.0)) * size
                seats = max(1, int(usd / 240))
                title = f"{_choose(rng, _DEAL_TITLES_NEW)} - {seats} seats"
                if status == "won" and not first_amount:
                    first_amount = usd
            elif kind == "upsell":
                usd = (first_amount or 3000.0) * 0.3 * math.exp(_normal(rng, 0.0, 0.6))
                title = f"Add {2 + _below(rng, 39)} seats"
                if rng.random() < 0.5:
                    title = _choose(rng, _DEAL_TITLES_UPSELL)
            else:
                usd = (first_amount or 3000.0) * math.exp(_normal(rng, 0.05, 0.15))
                title = f"Renewal {iso(created, off)[:4]}"
            if currency == BASE_CURRENCY:
                amount, rate = _money(usd), None
            else:
                r = self._rate(currency, closed if closed is not None else created)
                amount = _money(round(usd / r, -3) if currency == "IRR" else usd / r)
                rate = f"{r:.10f}" if currency == "IRR" else f"{r:.6f}"
            self.n_deal += 1
            yield {
                "type": "deal", "external_id": f"d-{self.n_deal}", "title": title,
                "pipeline": _PIPELINES[pipeline][0], "contact": contacts[who][0], "company": company,
                "owner": owner if rng.random() < 0.88 else _choose(rng, self.reps), "amount": amount,
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
        rnd = rng.random
        iso = self.clock.iso
        duration = self._duration
        agents, fa_agents = self.agents, self.fa_agents
        hi = self.hi
        if not contacts or not n_deals:
            return
        times = []
        for _ in range(_poisson(rng, 1.0 * n_deals)):
            lo = first_win if first_win is not None and rnd() < 0.85 else contacts[0][1]
            if lo < end:
                times.append(self._instant_between(lo, end, off, 0.4))
        times.sort()
        for created in times:
            who = self._contact_at(contacts, created)
            lang = 1 if contacts[who][2] else 0
            priority, _, frt_hours, resolution_hours, sla_hours = _PRIORITIES[
                bisect.bisect_right(_PRIORITY_CUM, rnd() * 100)
            ]
            channel = _CHANNELS[bisect.bisect_right(_CHANNEL_CUM, rnd() * 100)]
            pool = fa_agents if lang and rnd() < 0.8 else agents
            assignee: str | None = pool[int(rnd() * len(pool))]
            first_reply = created + 30 + duration(frt_hours * HOUR, 1.1)
            resolved: int | None = first_reply + duration(resolution_hours * HOUR, 1.1)
            if rnd() < 0.04:
                resolved += duration(20 * DAY, 0.8)  # stuck waiting on someone
            if resolved > hi or (hi - created < 21 * DAY and rnd() < 0.3):
                resolved = None
            limit = resolved if resolved is not None else hi
            topic = _TICKET_TOPICS[int(rnd() * len(_TICKET_TOPICS))]
            # (at, author, user, public, body)
            msgs: list[tuple[int, str, str | None, bool, str]] = [
                (created, "customer", None, True, topic[2 + lang]),
            ]
            if first_reply <= limit:
                replier = agents[int(rnd() * len(agents))] if rnd() < 0.1 else assignee  # a colleague helped
                if rnd() < 0.15:
                    nudge = created + 1 + int(rnd() * (first_reply - created - 1))
                    msgs.append((nudge, "customer", None, True, _CUSTOMER_FOLLOW_UPS[0][lang]))
                reply = _AGENT_REPLIES[int(rnd() * len(_AGENT_REPLIES))][lang]
                msgs.append((first_reply, "agent", replier, True, reply))
                last = limit
                if resolved is not None and resolved - first_reply > 2 * HOUR:
                    last = resolved - 60 - int(rnd() * (2 * HOUR - 60))
                    closing = _AGENT_CLOSING[int(rnd() * len(_AGENT_CLOSING))][lang]
                    msgs.append((last, "agent", assignee, True, closing))
                r = rnd()
                exchanges = 0 if r < 0.55 else 1 if r < 0.85 else 2 if r < 0.97 else 3
                if exchanges and last - first_reply > 4 * exchanges:
                    span = last - first_reply - 1
                    points = sorted([first_reply + 1 + int(rnd() * span) for _ in range(2 * exchanges)])
                    for j, at in enumerate(points):
                        if j % 2 == 0:
                            body = _CUSTOMER_FOLLOW_UPS[int(rnd() * len(_CUSTOMER_FOLLOW_UPS))][lang]
                            msgs.append((at, "customer", None, True, body))
                        else:
                            reply = _AGENT_REPLIES[int(rnd() * len(_AGENT_REPLIES))][lang]
                            msgs.append((at, "agent", assignee, True, reply))
            elif resolved is None and rnd() < 0.6:
                assignee = None  # still waiting in the queue
            if assignee is not None and rnd() < 0.3:
                note_at = created + int(rnd() * (limit - created))
                note = _INTERNAL_NOTES[int(rnd() * len(_INTERNAL_NOTES))]
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
            yield record, who, resolved, resolved is not None and resolved - created <= sla_hours * HOUR

    def _surveys(
        self, contacts: list[_Contact], tickets: list[_Ticket], n_deals: int,
        first_win: int | None, end: int, churn: int | None, off: int,
    ) -> Iterator[Record]:
        """Invitations (after support, to customers) and then the responses to them."""
        rng = self.rng
        iso = self.clock.iso
        hi = self.hi
        # (survey index, contact index, ticket external_id, sent_at, mood: 0 good .. 2 bad)
        invites: list[tuple[int, int, str | None, int, int]] = []
        for record, who, resolved, sla_met in tickets:
            if resolved is None:
                continue
            r = rng.random()
            if r < 0.92:
                sent = resolved + self._duration(HOUR, 1.0)
                if sent <= hi:
                    survey = 2 if r < 0.68 else 3
                    invites.append((survey, who, record["external_id"], sent, 0 if sla_met else 2))
        if first_win is not None:
            churn_soon = churn is not None
            lo = first_win + 7 * DAY
            for _ in range(_poisson(rng, 0.33 * n_deals)):
                if lo < end:
                    sent = self._instant_between(lo, end, off, 0.05)
                    who = self._contact_at(contacts, sent)
                    invites.append((0, who, None, sent, 2 if churn_soon and rng.random() < 0.5 else 1))
            onboarding = first_win + 14 * DAY + _below(rng, 14 * DAY)
            if onboarding <= end and rng.random() < 0.9:
                invites.append((1, self._contact_at(contacts, onboarding), None, onboarding, 0))
            for _ in range(_poisson(rng, 0.07 * n_deals)):
                if lo < end:
                    sent = self._instant_between(lo, end, off, 0.05)
                    invites.append((4, self._contact_at(contacts, sent), None, sent, 1))
        invites.sort(key=itemgetter(3))
        responses: list[Record] = []
        answer_rate = (0.62, 0.7, 0.8, 0.76, 0.55)
        for survey, who, ticket, sent, mood in invites:
            self.n_inv += 1
            inv_ext = f"inv-{self.n_inv}"
            yield {
                "type": "invitation", "external_id": inv_ext, "survey": _SURVEYS[survey][0],
                "contact": contacts[who][0], "ticket": ticket, "sent_at": iso(sent, off),
            }
            if rng.random() < answer_rate[survey]:
                answered = sent + self._duration(4 * HOUR, 1.5)
                if answered <= hi:
                    responses.append(
                        self._response(survey, inv_ext, contacts[who], ticket, answered, mood, off)
                    )
        if first_win is not None and rng.random() < 0.05 and first_win + DAY < end:
            at = self._instant_between(first_win + DAY, end, off, 0.3)
            who = self._contact_at(contacts, at)  # answered the NPS widget on the website, uninvited
            responses.append(self._response(0, None, contacts[who], None, at, 1, off))
        yield from responses

    def _contact_at(self, contacts: list[_Contact], t: int) -> int:
        """One of the contacts that existed at `t` (the first one always did)."""
        if len(contacts) == 1:
            return 0
        live = [i for i, c in enumerate(contacts) if c[1] <= t]
        return _choose(self.rng, live) if len(live) > 1 else 0

    def _response(
        self, survey: int, invitation: str | None, contact: _Contact,
        ticket: str | None, answered: int, mood: int, off: int,
    ) -> Record:
        rng = self.rng
        kind = _SURVEYS[survey][2]
        score: int | None = None
        servqual: dict[str, dict[str, int]] | None = None
        if kind == "servqual":
            servqual = {}
            for dim in _SERVQUAL_DIMENSIONS:
                expectation = min(7, max(1, round(_normal(rng, 6.0, 0.9))))
                gap = _pick(rng, (10, 45, 80, 95, 100)) - 1
                servqual[dim] = {"expectation": expectation, "perception": min(7, max(1, expectation - gap))}
            sentiment = "mid"
        else:
            shift = mood - 1  # 0 good, 1 neutral, 2 bad
            if kind == "nps":
                score = _pick(rng, _NPS_CUM)
                if shift > 0 and rng.random() < 0.5:
                    score = max(0, score - 2 - _below(rng, 5))
                sentiment = "good" if score >= 9 else "mid" if score >= 7 else "bad"
            elif kind == "csat":
                score = 1 + _pick(rng, _CSAT_CUM)
                if shift > 0 and rng.random() < 0.45:
                    score = max(1, score - 1 - _below(rng, 2))
                sentiment = "good" if score >= 4 else "mid" if score == 3 else "bad"
            else:
                score = 1 + _pick(rng, _CES_CUM)
                if shift > 0 and rng.random() < 0.45:
                    score = min(5, score + 1 + _below(rng, 2))
                sentiment = "good" if score <= 2 else "mid" if score == 3 else "bad"
        comment = _choose(rng, _COMMENTS[sentiment])[1 if contact[2] else 0] if rng.random() < 0.12 else ""
        self.n_resp += 1
        return {
            "type": "response", "external_id": f"r-{self.n_resp}", "survey": _SURVEYS[survey][0],
            "invitation": invitation, "contact": contact[0], "ticket": ticket,
            "answered_at": self.clock.iso(answered, off), "score": score, "servqual": servqual,
            "comment": comment,
        }


_SPOOLED = ("contact", "deal", "ticket", "invitation", "response")


def _unserializable(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _make_encoder() -> Callable[[Record], str]:
    """`json.dumps(record, ensure_ascii=False)`, faster: the C encoder is built once, not per record."""
    c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if c_make_encoder is None:  # not CPython's accelerated json
        return json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
    iterencode = c_make_encoder(
        None, _unserializable, json.encoder.encode_basestring, None, ": ", ", ", False, False, True
    )
    return lambda record: "".join(iterencode(record, 0))


# Fast JSON for the high-volume types: the same text `json.dumps(record, ensure_ascii=False)` gives
# (tests compare them on whole datasets), three to five times quicker. Valid only because every string
# in these records is plain: made here from the constants above, none with a quote, a backslash or a
# control character.


def _s(value: str | None) -> str:
    return "null" if value is None else f'"{value}"'


def _company_line(r: Record) -> str:
    return (
        f'{{"type": "company", "external_id": "{r["external_id"]}", "name": "{r["name"]}", '
        f'"created_at": "{r["created_at"]}", "churned_at": {_s(r["churned_at"])}, '
        f'"churn_reason": "{r["churn_reason"]}"}}\n'
    )


def _contact_line(r: Record) -> str:
    return (
        f'{{"type": "contact", "external_id": "{r["external_id"]}", "first_name": "{r["first_name"]}", '
        f'"last_name": "{r["last_name"]}", "email": "{r["email"]}", "phone": "{r["phone"]}", '
        f'"company": {_s(r["company"])}, "source_campaign": {_s(r["source_campaign"])}, '
        f'"owner": {_s(r["owner"])}, "language": "{r["language"]}", "created_at": "{r["created_at"]}", '
        f'"churned_at": {_s(r["churned_at"])}, "churn_reason": "{r["churn_reason"]}"}}\n'
    )


def _deal_line(r: Record) -> str:
    history = ", ".join(
        [f'{{"stage": "{e["stage"]}", "entered_at": "{e["entered_at"]}"}}' for e in r["stage_history"]]
    )
    return (
        f'{{"type": "deal", "external_id": "{r["external_id"]}", "title": "{r["title"]}", '
        f'"pipeline": "{r["pipeline"]}", "contact": "{r["contact"]}", "company": {_s(r["company"])}, '
        f'"owner": "{r["owner"]}", "amount": "{r["amount"]}", "currency": "{r["currency"]}", '
        f'"exchange_rate": {_s(r["exchange_rate"])}, "kind": "{r["kind"]}", "campaign": {_s(r["campaign"])}, '
        f'"created_at": "{r["created_at"]}", "stage_history": [{history}], "status": "{r["status"]}", '
        f'"closed_at": {_s(r["closed_at"])}, "lost_reason": "{r["lost_reason"]}"}}\n'
    )


def _ticket_line(r: Record) -> str:
    messages = ", ".join([
        f'{{"at": "{m["at"]}", "author": "{m["author"]}", "user": {_s(m["user"])}, '
        f'"public": {"true" if m["public"] else "false"}, "body": "{m["body"]}"}}'
        for m in r["messages"]
    ])
    return (
        f'{{"type": "ticket", "external_id": "{r["external_id"]}", "subject": "{r["subject"]}", '
        f'"contact": "{r["contact"]}", "assignee": {_s(r["assignee"])}, "priority": "{r["priority"]}", '
        f'"channel": "{r["channel"]}", "created_at": "{r["created_at"]}", '
        f'"resolved_at": {_s(r["resolved_at"])}, "messages": [{messages}]}}\n'
    )


def _invitation_line(r: Record) -> str:
    return (
        f'{{"type": "invitation", "external_id": "{r["external_id"]}", "survey": "{r["survey"]}", '
        f'"contact": "{r["contact"]}", "ticket": {_s(r["ticket"])}, "sent_at": "{r["sent_at"]}"}}\n'
    )


def _response_line(r: Record) -> str:
    servqual = r["servqual"]
    if servqual is None:
        servqual_json = "null"
    else:
        servqual_json = "{" + ", ".join([
            f'"{dim}": {{"expectation": {v["expectation"]}, "perception": {v["perception"]}}}'
            for dim, v in servqual.items()
        ]) + "}"
    score = r["score"]
    return (
        f'{{"type": "response", "external_id": "{r["external_id"]}", "survey": "{r["survey"]}", '
        f'"invitation": {_s(r["invitation"])}, "contact": "{r["contact"]}", "ticket": {_s(r["ticket"])}, '
        f'"answered_at": "{r["answered_at"]}", "score": {"null" if score is None else score}, '
        f'"servqual": {servqual_json}, "comment": "{r["comment"]}"}}\n'
    )


_FAST_LINES: dict[str, Callable[[Record], str]] = {
    "company": _company_line, "contact": _contact_line, "deal": _deal_line, "ticket": _ticket_line,
    "invitation": _invitation_line, "response": _response_line,
}


def _pieces(business: _Business, *, whole_lines: bool) -> Iterator[str]:
    """The dataset's text in file order: single lines, or (`whole_lines=False`) also large chunks.

    Companies stream straight through; the other per-customer types are spooled to temporary
    files during the single pass over customers and replayed in order afterwards.
    """
    encode = _make_encoder()
    for record in business.staff_records():
        yield encode(record) + "\n"
    spools: dict[str, TextIO] = {
        kind: tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n", buffering=1 << 20)  # noqa: SIM115
        for kind in _SPOOLED
    }
    try:
        writers = {kind: spool.write for kind, spool in spools.items()}
        lines = _FAST_LINES
        for record in business.customers():
            kind = record["type"]
            if kind == "company":
                yield lines[kind](record)
            else:
                writers[kind](lines[kind](record))
        for record in business.campaign_records:
            yield encode(record) + "\n"
        for kind in _SPOOLED:
            spool = spools[kind]
            spool.flush()
            spool.seek(0)
            if whole_lines:
                yield from spool
            else:
                while chunk := spool.read(1 << 20):
                    yield chunk
            spool.close()
            if kind == "contact":
                for record in business.pipeline_records():
                    yield encode(record) + "\n"
            elif kind == "ticket":
                for record in business.survey_records():
                    yield encode(record) + "\n"
    finally:
        for spool in spools.values():
            spool.close()


def iter_lines(options: DatasetOptions) -> Iterator[str]:
    """The dataset as JSON lines (each ending in a newline) in the file's record order."""
    yield from _pieces(_Business(options), whole_lines=True)


def iter_records(options: DatasetOptions) -> Iterator[Record]:
    """The records as dicts in file order, parsed back from `iter_lines` (for tests and small sets)."""
    for line in iter_lines(options):
        yield json.loads(line)


def write_dataset(options: DatasetOptions, write: Callable[[str], object]) -> dict[str, int]:
    """Writes the dataset through `write` in pieces of about a megabyte; returns the count of each type."""
    business = _Business(options)
    buffer: list[str] = []
    size = 0
    for piece in _pieces(business, whole_lines=False):
        buffer.append(piece)
        size += len(piece)
        if size >= 1 << 20:
            write("".join(buffer))
            buffer.clear()
            size = 0
    if buffer:
        write("".join(buffer))
    return business.counts()
