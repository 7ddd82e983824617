"""The roll-up: recompute the daily measures of every dirty day and swap them in.

Each family's measures for a set of local days are computed with grouped SQL (one query per
breakdown dimension, days bucketed with `TruncDate` in the business's zone); the two families
whose rules walk a sequence (first purchases and churn of customers, reply waits in a ticket
thread) are walked in Python over exactly the rows they need. Then, in one short transaction,
the rows of those days are deleted and the new ones inserted and the dirty markers read are
removed, so readers see the old day or the new, never a mix. A run holds a lock (a PostgreSQL
advisory lock, or a file lock next to a SQLite database) so two runs never interleave. Running
it twice writes the same rows. `full=True` recomputes every family over all of history with
the same code.
"""

import fcntl
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from crm import kpi_sources as crm_sources
from crm.kpi_sources import DealStatus
from kpis.dirty import FAMILIES, business_zone, local_day
from kpis.measures import FAMILY_MEASURES
from kpis.models import DailyMeasure, DirtyDay, RollupRun
from support import kpi_sources as support_sources
from support.kpi_sources import SLA_BREACHED
from surveys import kpi_sources as survey_sources
from surveys.kpi_sources import SERVQUAL_DIMENSIONS, SurveyKind

logger = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 0x4B50_4953  # "KPIS"
SECONDS_PER_YEAR = 365.25 * 86_400
TRAILING_WINDOW_DAYS = 365
DELETE_CHUNK = 500

Key = tuple[date, str, str, str]  # day, measure, dimension, member


class Measures:
    """Sums contributions into (day, measure, dimension, member) cells."""

    def __init__(self) -> None:
        self.cells: dict[Key, float] = defaultdict(float)

    def add(self, day: date, measure: str, value: float, dimension: str = "", member: object = "") -> None:
        self.cells[(day, measure, dimension, str(member))] += value

    def add_all_dimensions(self, day: date, measure: str, value: float, members: dict[str, object]) -> None:
        """Add to the whole business and to each dimension whose member is known."""
        self.add(day, measure, value)
        for dimension, member in members.items():
            if member is not None and member != "":
                self.add(day, measure, value, dimension, member)

    def rows(self) -> Iterator[DailyMeasure]:
        for (day, measure, dimension, member), value in self.cells.items():
            if value != 0:
                yield DailyMeasure(day=day, measure=measure, dimension=dimension, member=member, value=value)


def _number(value: object) -> float:
    if value is None:
        return 0.0
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return float(value)
    return float(value)  # type: ignore[arg-type]


def day_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Sorted days as maximal runs of consecutive days."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def start_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=business_zone())


def instants_on_days(field: str, days: set[date] | None) -> Q:
    """A filter for instants in `field` that fall on one of `days` (all days when None)."""
    if days is None:
        return Q()
    condition = Q(pk__in=[])
    for first, last in day_runs(days):
        condition |= Q(**{f"{field}__gte": start_of_day(first), f"{field}__lt": start_of_day(last + timedelta(days=1))})
    return condition


def dates_on_days(field: str, days: set[date] | None) -> Q:
    if days is None:
        return Q()
    condition = Q(pk__in=[])
    for first, last in day_runs(days):
        condition |= Q(**{f"{field}__gte": first, f"{field}__lte": last})
    return condition


def aggregate_by_day(
    measures: Measures,
    queryset: QuerySet,
    instant_field: str,
    days: set[date] | None,
    dimensions: dict[str, str],
    aggregates: dict[str, object],
    sign: float = 1.0,
    is_date: bool = False,
) -> None:
    """Grouped SQL: per local day (and per member of each dimension), each aggregate → a measure."""
    if is_date:
        base = queryset.filter(dates_on_days(instant_field, days)).annotate(local_day=F(instant_field))
    else:
        base = queryset.filter(instants_on_days(instant_field, days)).annotate(
            local_day=TruncDate(instant_field, tzinfo=business_zone())
        )
    for dimension, field in [("", None), *dimensions.items()]:
        group = ["local_day"] if field is None else ["local_day", field]
        for row in base.values(*group).annotate(**aggregates).order_by():
            day = row["local_day"]
            if days is not None and day not in days:
                continue
            member = "" if field is None else row[field]
            if field is not None and (member is None or member == ""):
                continue  # a record with no value for a dimension is in no group of it
            for measure in aggregates:
                value = _number(row[measure])
                if value:
                    measures.add(day, measure, sign * value, dimension, member)


def duration(later: str, earlier: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


# --- families -----------------------------------------------------------------------------------

def compute_deals(days: set[date] | None) -> Measures:
    measures = Measures()
    aggregate_by_day(measures, crm_sources.deals(), "created_at", days,
                     {"owner": "owner_id", "pipeline": "pipeline_id"}, {"deals_created": Count("id")})
    won = Q(status=DealStatus.WON)
    aggregate_by_day(
        measures, crm_sources.deals().exclude(status=DealStatus.OPEN), "closed_at", days,
        {"owner": "owner_id", "pipeline": "pipeline_id", "campaign": "campaign_id", "deal_kind": "kind"},
        {
            "won_count": Count("id", filter=won),
            "won_amount": Sum("amount_base", filter=won),
            "lost_count": Count("id", filter=Q(status=DealStatus.LOST)),
            "won_cycle_seconds": Sum(duration("closed_at", "created_at"), filter=won),
            "upsell_won_count": Count("id", filter=won & Q(kind="upsell")),
            "campaign_won_amount": Sum("amount_base", filter=won & Q(campaign__isnull=False)),
        },
    )
    return measures


def compute_stages(days: set[date] | None) -> Measures:
    measures = Measures()
    dims = {"stage": "stage_id", "owner": "deal__owner_id", "pipeline": "deal__pipeline_id"}
    entries = crm_sources.stage_entries()
    aggregate_by_day(measures, entries.filter(exited_at__isnull=False), "exited_at", days, dims,
                     {"stage_exits": Count("id"), "stage_seconds": Sum(duration("exited_at", "entered_at"))})
    pipeline_change = {
        "open_count_delta": Count("id"),
        "open_amount_delta": Sum("deal__amount_base"),
        "weighted_amount_delta": Sum(F("deal__amount_base") * F("stage__probability")),
    }
    aggregate_by_day(measures, entries, "entered_at", days, dims, pipeline_change)
    aggregate_by_day(measures, entries.filter(exited_at__isnull=False), "exited_at", days, dims, pipeline_change,
                     sign=-1.0)
    return measures


CustomerKey = tuple[str, int]


def compute_customers(days: set[date] | None) -> Measures:
    """Customers: first won deal (became customer, acquiring campaign), churn, lifespans, trailing buyers.

    A customer is a deal's company, else its contact. A churn earlier than the first win is ignored.
    The trailing-buyer level of day X counts customers with a won deal in [X − 364, X], so a purchase
    on D changes the levels of D … D + 364. An incremental run computes all days and keeps those that
    changed (`changed_customer_days`).
    """
    measures = Measures()
    first_win, purchase_days = _wins_by_customer()
    churned_at = _churn_by_customer()
    buyer_changes: dict[date, int] = defaultdict(int)
    for key, (became_at, campaign_id) in first_win.items():
        _add_lifecycle(measures, days, became_at, campaign_id, churned_at.get(key))
        _add_buying_windows(buyer_changes, purchase_days[key])
    _add_buyer_levels(measures, days, buyer_changes)
    return measures


def _wins_by_customer() -> tuple[dict[CustomerKey, tuple[datetime, int | None]], dict[CustomerKey, set[date]]]:
    """Each customer's first win (moment, campaign) and the local days of all its wins."""
    first_win: dict[CustomerKey, tuple[datetime, int | None]] = {}
    purchase_days: dict[CustomerKey, set[date]] = defaultdict(set)
    won = (crm_sources.deals().filter(status=DealStatus.WON).order_by("closed_at", "id")
           .values_list("company_id", "contact_id", "closed_at", "campaign_id"))
    for company_id, contact_id, closed_at, campaign_id in won.iterator(chunk_size=5000):
        key = ("company", company_id) if company_id else ("contact", contact_id)
        first_win.setdefault(key, (closed_at, campaign_id))
        purchase_days[key].add(local_day(closed_at))
    return first_win, purchase_days


def _churn_by_customer() -> dict[CustomerKey, datetime]:
    churned_at: dict[CustomerKey, datetime] = {}
    for kind, churned in crm_sources.churned_customers():
        for pk, moment in churned.values_list("id", "churned_at").iterator():
            churned_at[(kind, pk)] = moment
    return churned_at


def _add_lifecycle(measures: Measures, days: set[date] | None, became_at: datetime, campaign_id: int | None,
                   churn: datetime | None) -> None:
    """One customer's becoming a customer and, if it churned after that, its churn and lifespan."""
    became_day = local_day(became_at)
    if days is None or became_day in days:
        measures.add_all_dimensions(became_day, "new_customers", 1, {"campaign": campaign_id})
        measures.add(became_day, "active_delta", 1)
    if churn is None or churn < became_at:
        return
    churn_day = local_day(churn)
    if days is None or churn_day in days:
        measures.add(churn_day, "churned_customers", 1)
        measures.add(churn_day, "active_delta", -1)
        measures.add(churn_day, "lifespan_count", 1)
        measures.add(churn_day, "lifespan_years", (churn - became_at).total_seconds() / SECONDS_PER_YEAR)


def _add_buying_windows(buyer_changes: dict[date, int], purchase_days: set[date]) -> None:
    """+1 where one customer's trailing-buyer window opens and −1 the day after it closes.

    Purchases whose windows overlap or touch make one window, so the customer counts once a day.
    """
    window_end: date | None = None
    for day in sorted(purchase_days):
        if window_end is None or day > window_end + timedelta(days=1):
            if window_end is not None:
                buyer_changes[window_end + timedelta(days=1)] -= 1
            buyer_changes[day] += 1
        window_end = day + timedelta(days=TRAILING_WINDOW_DAYS - 1)
    if window_end is not None:
        buyer_changes[window_end + timedelta(days=1)] -= 1


def _add_buyer_levels(measures: Measures, days: set[date] | None, buyer_changes: dict[date, int]) -> None:
    """The running sum of the window changes: the trailing-buyer level of each day."""
    if not buyer_changes:
        return
    level = 0
    cursor = min(buyer_changes)
    last = max(buyer_changes)
    if days:
        last = max(last, max(days))
    while cursor <= last:
        level += buyer_changes.get(cursor, 0)
        if level and (days is None or cursor in days):
            measures.add(cursor, "buyers_365_level", level)
        cursor += timedelta(days=1)


def changed_customer_days(measures: Measures) -> set[date]:
    """The days whose stored customer rows differ from a fresh computation of all of history.

    Whether a customer is new, active or churned on a day depends on all of its deals and on its churn
    record, so an edit can move rows to days far from the one it dirtied (a first win handed to an
    older deal, a churn that stops counting, trailing buyers a year later). The whole family is cheap
    to compute, so it is computed in full and compared: only days that really changed are rewritten.
    """
    stored = {
        (day, measure, dimension, member): value
        for day, measure, dimension, member, value in DailyMeasure.objects.filter(
            measure__in=FAMILY_MEASURES["customers"]).values_list("day", "measure", "dimension", "member", "value")
    }
    fresh = {key: value for key, value in measures.cells.items() if value != 0}
    return {key[0] for key in stored.keys() | fresh.keys()
            if abs(stored.get(key, 0.0) - fresh.get(key, 0.0)) > 1e-9}


def compute_campaigns(days: set[date] | None) -> Measures:
    measures = Measures()
    aggregate_by_day(measures, crm_sources.campaign_spend(), "date", days, {"campaign": "campaign_id"},
                     {"marketing_spend": Sum("amount")}, is_date=True)
    aggregate_by_day(measures, crm_sources.contacts(), "created_at", days, {"campaign": "source_campaign_id"},
                     {"new_leads": Count("id")})
    return measures


TICKET_DIMENSIONS = {"assignee": "assignee_id", "priority": "priority", "channel": "channel"}


def compute_tickets(days: set[date] | None) -> Measures:
    measures = Measures()
    tickets = support_sources.tickets()
    aggregate_by_day(measures, tickets, "created_at", days, TICKET_DIMENSIONS,
                     {"tickets_created": Count("id"), "backlog_delta": Count("id")})
    resolved = tickets.filter(resolved_at__isnull=False)
    aggregate_by_day(measures, resolved, "resolved_at", days, TICKET_DIMENSIONS, {
        "tickets_resolved": Count("id"),
        "resolution_seconds": Sum(duration("resolved_at", "created_at")),
        "sla_breached": Count("id", filter=SLA_BREACHED),
    })
    aggregate_by_day(measures, resolved, "resolved_at", days, TICKET_DIMENSIONS,
                     {"backlog_delta": Count("id")}, sign=-1.0)
    aggregate_by_day(measures, tickets.filter(first_response_at__isnull=False), "first_response_at", days,
                     TICKET_DIMENSIONS, {"frt_count": Count("id"),
                                         "frt_seconds": Sum(duration("first_response_at", "created_at"))})
    return measures


def compute_replies(days: set[date] | None) -> Measures:
    """Reply waits: each public agent reply that answered a waiting customer, on the reply's day.

    The wait's start (`waiting_since`) is derived along the thread when messages are written
    (support.threads), so this is one grouped aggregate like the other families.
    """
    measures = Measures()
    replies = support_sources.agent_replies()
    aggregate_by_day(measures, replies, "at", days,
                     {"assignee": "ticket__assignee_id", "priority": "ticket__priority", "channel": "ticket__channel"},
                     {"reply_count": Count("id"), "reply_wait_seconds": Sum(duration("at", "waiting_since"))})
    return measures


def compute_surveys(days: set[date] | None) -> Measures:
    measures = Measures()
    nps, csat, ces = Q(survey__kind=SurveyKind.NPS), Q(survey__kind=SurveyKind.CSAT), Q(survey__kind=SurveyKind.CES)
    servqual = Q(survey__kind=SurveyKind.SERVQUAL)
    aggregates: dict[str, object] = {
        "nps_promoters": Count("id", filter=nps & Q(score__gte=9)),
        "nps_passives": Count("id", filter=nps & Q(score__in=[7, 8])),
        "nps_detractors": Count("id", filter=nps & Q(score__lte=6)),
        "csat_n": Count("id", filter=csat & Q(score__isnull=False)),
        "csat_sum": Sum("score", filter=csat),
        "csat_top2": Count("id", filter=csat & Q(score__gte=4)),
        "ces_n": Count("id", filter=ces & Q(score__isnull=False)),
        "ces_sum": Sum("score", filter=ces),
    }
    for score in range(1, 6):
        aggregates[f"csat_score_{score}"] = Count("id", filter=csat & Q(score=score))
        aggregates[f"ces_score_{score}"] = Count("id", filter=ces & Q(score=score))
    for dimension in SERVQUAL_DIMENSIONS:
        for side, column in (("exp", "expectation"), ("per", "perception")):
            field = f"{dimension}_{column}"
            aggregates[f"sq_{dimension}_{side}_n"] = Count(field, filter=servqual)
            aggregates[f"sq_{dimension}_{side}_sum"] = Sum(field, filter=servqual)
    aggregate_by_day(measures, survey_sources.responses(), "answered_at", days,
                     {"survey": "survey_id", "assignee": "ticket__assignee_id", "channel": "ticket__channel"},
                     aggregates)
    aggregate_by_day(measures, survey_sources.invitations(), "sent_at", days, {"survey": "survey_id"},
                     {"invitations_sent": Count("id"), "invitations_responded": Count("response")})
    return measures


COMPUTE = {
    "deals": compute_deals,
    "stages": compute_stages,
    "customers": compute_customers,
    "campaigns": compute_campaigns,
    "tickets": compute_tickets,
    "replies": compute_replies,
    "surveys": compute_surveys,
}


# --- running -----------------------------------------------------------------------------------

@contextmanager
def rollup_lock(family: str) -> Iterator[None]:
    """Serialise roll-ups of one family: a session advisory lock on PostgreSQL, a file lock beside a
    SQLite file. Different families run in parallel (on several Celery workers); one family never twice."""
    if connection.vendor == "postgresql":
        key = ADVISORY_LOCK_KEY + FAMILIES.index(family)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    name = str(settings.DATABASES["default"]["NAME"])
    if not name or ":memory:" in name or "mode=memory" in name:
        yield  # an in-memory database belongs to one process
        return
    with Path(f"{name}.rollup-{family}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rollup_family(family: str, days: set[date] | None) -> tuple[Measures, set[date] | None]:
    """Compute one family's measures for `days` (None: all of history); returns them and the days they replace."""
    if family == "customers" and days is not None:
        measures = compute_customers(None)
        changed = changed_customer_days(measures)
        measures.cells = defaultdict(float, {k: v for k, v in measures.cells.items() if k[0] in changed})
        return measures, changed
    return COMPUTE[family](days), days


def swap_in(family: str, replaced_days: set[date] | None, measures: Measures) -> int:
    """Replace a family's rows of those days with the new rows. Runs inside the caller's transaction."""
    existing = DailyMeasure.objects.filter(measure__in=FAMILY_MEASURES[family])
    if replaced_days is None:
        existing.delete()
    else:
        ordered = sorted(replaced_days)
        for start in range(0, len(ordered), DELETE_CHUNK):
            existing.filter(day__in=ordered[start:start + DELETE_CHUNK]).delete()
    return insert_rows(measures)


def insert_rows(measures: Measures) -> int:
    """Write the measures: COPY on PostgreSQL (a full history is hundreds of thousands of rows), else bulk_create."""
    if connection.vendor == "postgresql":
        count = 0
        table = connection.ops.quote_name(DailyMeasure._meta.db_table)
        with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} (day, measure, dimension, member, value) FROM STDIN"
        ) as copy:
            for (day, measure, dimension, member), value in measures.cells.items():
                if value != 0:
                    copy.write_row((day, measure, dimension, member, value))
                    count += 1
        return count
    rows = list(measures.rows())
    DailyMeasure.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def rollup_one_family(family: str, *, full: bool = False, since: date | None = None) -> tuple[int, int]:
    """Recompute one family's dirty days (or all history, or every day from `since`) and swap them in.

    The dirty markers read are deleted by id in the swap's transaction; a marker written meanwhile
    (even by a transaction that started earlier) survives for the next run. Returns (days, rows).
    """
    with rollup_lock(family):
        dirty = list(DirtyDay.objects.filter(family=family).values_list("id", "day"))
        days: set[date] | None = {day for _, day in dirty}
        if full:
            days = None
        elif since is not None:
            today = timezone.localdate(timezone=business_zone())
            days |= {since + timedelta(days=k) for k in range(max(0, (today - since).days) + 1)}
        if days is not None and not days:
            return 0, 0
        measures, replaced_days = rollup_family(family, days)
        read_ids = [pk for pk, _ in dirty]
        with transaction.atomic():
            rows = swap_in(family, replaced_days, measures)
            for start in range(0, len(read_ids), DELETE_CHUNK):
                DirtyDay.objects.filter(id__in=read_ids[start:start + DELETE_CHUNK]).delete()
        return (len(replaced_days) if replaced_days is not None else 0), rows


def run_rollup(*, full: bool = False, since: date | None = None,
               families: Iterable[str] | None = None) -> dict[str, int]:
    """Recompute every dirty day of the given families (all by default), one family after another.

    Returns counts: families rolled up, days recomputed and rows written. Records a RollupRun, whose
    finish time the pages show as the data's freshness.
    """
    started_at = timezone.now()
    clock = time.monotonic()
    chosen = list(families or FAMILIES)
    unknown = set(chosen) - set(FAMILIES)
    if unknown:
        raise ValueError(f"unknown KPI families: {', '.join(sorted(unknown))}")
    day_count = rows_written = 0
    for family in chosen:
        days, rows = rollup_one_family(family, full=full, since=since)
        day_count += days
        rows_written += rows
    RollupRun.objects.create(started_at=started_at, finished_at=timezone.now(), days=day_count,
                             rows=rows_written, full=full)
    logger.info("KPI roll-up of %s: %d family-days, %d rows in %.2fs", ", ".join(chosen), day_count,
                rows_written, time.monotonic() - clock)
    return {"families": len(chosen), "days": day_count, "rows": rows_written}
