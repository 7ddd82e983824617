"""Reads shaped for the CRM's pages."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.db.models import Case, Count, F, Model, OuterRef, Q, QuerySet, Subquery, Sum, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import search, timeline
from core.ids import parse_record_id
from core.search_text import folded_matches, key_matches, search_words
from crm.merging import merge_fields, merge_relations, related_counts, relation_key
from crm.models import (
    Activity,
    ActivityKind,
    BoardScope,
    Campaign,
    Company,
    Contact,
    Deal,
    DealStageEntry,
    DealStatus,
    EmailDelivery,
    EmailDirection,
    EmailTemplate,
    Pipeline,
    Role,
    Stage,
    User,
)
from crm.models.activities import TASK_REMINDER_WINDOW
from crm.normalize import contact_normalized_fields, normalize_name
from crm.permissions import can_read_customers, can_read_deals, deals_visible_to


def home_summary(*, user: User) -> dict[str, int]:
    """Headline counts for the home page."""
    return {
        "contacts": Contact.objects.count(),
        "companies": Company.objects.count(),
        "open_deals": Deal.objects.filter(status=DealStatus.OPEN).count(),
        "my_open_deals": Deal.objects.filter(status=DealStatus.OPEN, owner=user).count(),
    }


def won_deals_closed_between(*, start_at: datetime, end_at: datetime, owner: str | None = None,
                             team: str | None = None, pipeline: str | None = None, campaign: str | None = None,
                             kind: str | None = None) -> QuerySet[Deal]:
    """Won deals with `start_at <= closed_at < end_at`, newest first: the records behind revenue and
    deals won. Filters take the KPI breakdown ids: a username, a team's name, an external id (or the
    primary key of an object without one), a deal kind."""
    deals = (Deal.objects.won().filter(closed_at__gte=start_at, closed_at__lt=end_at)
             .select_related("owner", "pipeline", "campaign", "company", "contact")
             .order_by("-closed_at", "-id"))
    if owner is not None:
        deals = deals.filter(owner__username=owner)
    if team is not None:
        deals = deals.filter(owner__team__name=team)
    if pipeline is not None:
        deals = deals.filter(by_public_id("pipeline", pipeline))
    if campaign is not None:
        deals = deals.filter(by_public_id("campaign", campaign))
    if kind is not None:
        deals = deals.filter(kind=kind)
    return deals


def by_public_id(relation: str, public_id: str) -> Q:
    """A related object named as the KPI API names it: its external id, else its primary key."""
    condition = Q(**{f"{relation}__external_id": public_id})
    record_id = parse_record_id(public_id)
    if record_id is not None:
        condition |= Q(**{f"{relation}__external_id__isnull": True, f"{relation}__pk": record_id})
    return condition


def first_stage_id() -> int | None:
    """The stage a new deal starts in unless the rep says otherwise: the first of the first pipeline (by
    name, as the menu's Board link opens it)."""
    pipeline_id = Pipeline.objects.order_by("name", "id").values_list("pk", flat=True).first()
    return (Stage.objects.filter(pipeline_id=pipeline_id).order_by("position", "id")
            .values_list("pk", flat=True).first())


# Lists


def contact_list() -> QuerySet[Contact]:
    return (Contact.objects.select_related("company", "owner", "source_campaign").prefetch_related("tags")
            .order_by("last_name", "first_name", "id"))


def company_list() -> QuerySet[Company]:
    """Companies by name with their number of contacts. The count is a subquery, run for the rows of the
    page only (a join grouped over every contact took most of a second at a million contacts)."""
    contacts = (Contact.objects.filter(company=OuterRef("pk")).order_by().values("company")
                .annotate(count=Count("id")).values("count"))
    return (Company.objects.select_related("owner").prefetch_related("tags")
            .annotate(contact_count=Coalesce(Subquery(contacts), 0)).order_by("name", "id"))


def deal_list(*, user: User) -> QuerySet[Deal]:
    return (deals_visible_to(user).select_related("stage", "pipeline", "owner", "contact", "company")
            .prefetch_related("tags").order_by("-created_at", "-id"))


def my_open_deals(*, user: User, limit: int = 10) -> list[Deal]:
    return list(Deal.objects.open().owned_by(user).select_related("stage", "contact", "company")
                .order_by("-updated_at", "-id")[:limit])


def my_tasks(*, user: User, done: bool = False) -> QuerySet[Activity]:
    """The user's tasks: open ones soonest due first (undated last), or done ones latest first."""
    tasks = (Activity.objects.filter(owner=user, kind=ActivityKind.TASK)
             .select_related("contact", "company", "deal"))
    if done:
        return tasks.filter(done_at__isnull=False).order_by("-done_at", "-id")
    return tasks.filter(done_at__isnull=True).order_by(F("due_at").asc(nulls_last=True), "id")


def due_task_reminders(*, now: datetime, limit: int = 500) -> QuerySet[Activity]:
    """Open tasks that fell due within TASK_REMINDER_WINDOW (see crm.services.task_claim_reminder)
    and whose owner was not reminded yet, most recently due first, so a backlog never starves new ones."""
    return (Activity.objects.filter(kind=ActivityKind.TASK, done_at__isnull=True, reminded_at__isnull=True,
                                    due_at__lte=now, due_at__gt=now - TASK_REMINDER_WINDOW, owner__isnull=False)
            .order_by("-due_at", "-id")[:limit])


def due_task_count(*, user: User, now: datetime) -> int:
    """How many of the user's open tasks are due: the header's notice, one count on the tasks index."""
    return Activity.objects.filter(owner=user, kind=ActivityKind.TASK, done_at__isnull=True,
                                   due_at__lte=now).count()


# Detail pages


def record_activities(record: Contact | Company | Deal) -> QuerySet[Activity]:
    return record.activities.select_related("owner").order_by("-created_at", "-id")


TIMELINE_PAGE = 30
TIMELINE_MAX = 300


@dataclass
class Timeline:
    """A record's merged timeline as its page shows it: the chips to filter by kind, the next open task
    pinned on top, and the newest `limit` entries (`has_more` offers the next step)."""

    entries: list[timeline.TimelineEntry]
    kinds: list[tuple[str, Any]]
    kind: str
    pinned: Activity | None
    limit: int
    has_more: bool

    @property
    def more_limit(self) -> int:
        return min(self.limit + TIMELINE_PAGE, TIMELINE_MAX)


def timeline_limit(value: str | None) -> int:
    """The number of entries asked for by `?shown=`; anything unusable gives the first page."""
    try:
        asked = int(value or TIMELINE_PAGE)
    except ValueError:
        return TIMELINE_PAGE
    return max(TIMELINE_PAGE, min(asked, TIMELINE_MAX))


def _activity_entries(record: Contact | Company | Deal, *, kind: str, limit: int) -> list[timeline.TimelineEntry]:
    activities = record_activities(record)
    if kind:
        activities = activities.filter(kind=kind)
    return [timeline.TimelineEntry(at=activity.created_at, kind=activity.kind, title=activity.subject,
                                   detail=activity.body, item=activity) for activity in activities[:limit]]


def _deal_entries(record: Contact | Company, *, user: User, limit: int) -> list[timeline.TimelineEntry]:
    if not can_read_deals(user):
        return []
    return [timeline.TimelineEntry(at=deal.created_at, kind="deal", title=deal.title,
                                   url=reverse("crm:deal_detail", args=[deal.pk]),
                                   detail=f"{deal.get_status_display()} · {deal.stage.display_name}", item=deal)
            for deal in record_deals(record, user=user)[:limit]]


def next_open_task(record: Contact | Company | Deal) -> Activity | None:
    """The task to do next on a record: open, earliest due first (undated last)."""
    return (record.activities.filter(kind=ActivityKind.TASK, done_at__isnull=True).select_related("owner")
            .order_by(F("due_at").asc(nulls_last=True), "id").first())


def record_timeline(record: Contact | Company | Deal, *, user: User, kind: str = "",
                    limit: int = TIMELINE_PAGE) -> Timeline:
    """Activities and emails, deals, and what other apps registered (tickets, survey answers) of a record,
    newest first. Each source gives at most `limit + 1` newest entries, so the merge is bounded and knows
    whether there is more."""
    record_kind = type(record).__name__.lower()
    kinds: list[tuple[str, Any]] = list(ActivityKind.choices)
    if not isinstance(record, Deal):
        kinds.append(("deal", _("Deals")))
        kinds += list(timeline.registered_kinds().items())
    kind = kind if kind in dict(kinds) else ""
    wanted = limit + 1
    merged: list[timeline.TimelineEntry] = []
    if kind in ("", *ActivityKind.values):
        merged += _activity_entries(record, kind=kind, limit=wanted)
    if not isinstance(record, Deal):
        if kind in ("", "deal"):
            merged += _deal_entries(record, user=user, limit=wanted)
        for source_kind in timeline.registered_kinds():
            if kind in ("", source_kind):
                merged += timeline.entries(source_kind, record_kind=record_kind, record_id=record.pk, user=user,
                                           limit=wanted)
    merged.sort(key=lambda entry: entry.at, reverse=True)
    return Timeline(entries=merged[:limit], kinds=kinds, kind=kind, pinned=next_open_task(record), limit=limit,
                    has_more=len(merged) > limit and limit < TIMELINE_MAX)  # 300 is as far as it goes


def contact_tickets(contact: Contact) -> QuerySet[Any]:
    """A contact's tickets, newest first; shown on its page to every role that may read the contact."""
    return contact.tickets.select_related("assignee").order_by("-created_at", "-id")


def record_deals(record: Contact | Company, *, user: User) -> QuerySet[Deal]:
    return (deals_visible_to(user).filter(**{type(record).__name__.lower(): record})
            .select_related("stage", "owner").order_by("-created_at", "-id"))


@dataclass
class FieldChange:
    label: str
    old: object
    new: object


@dataclass
class HistoryEntry:
    at: datetime
    user: User | None
    kind: str  # "+" created, "~" changed, "-" deleted
    changes: list[FieldChange] = field(default_factory=list)


def record_history(record: Contact | Company | Deal, *, limit: int = 50) -> list[HistoryEntry]:
    """Who changed which field when, newest first, from consecutive historical records.

    Related objects are named with one query per related model, not one per change.
    """
    records = list(record.history.select_related("history_user").order_by("-history_date", "-history_id")
                   [:limit + 1])
    model = type(record)
    entries: list[HistoryEntry] = []
    wanted: dict[type[Model], set[object]] = {}
    for index, newer in enumerate(records[:limit]):
        older = records[index + 1] if index + 1 < len(records) else None
        entry = HistoryEntry(at=newer.history_date, user=newer.history_user, kind=newer.history_type)
        if older is not None and newer.history_type == "~":
            for change in newer.diff_against(older).changes:
                model_field = model._meta.get_field(change.field)
                # An emptied text field reads as "nothing", like a cleared relation.
                old_value = None if change.old == "" else change.old
                new_value = None if change.new == "" else change.new
                if model_field.is_relation:
                    # Resolved to names below, once all the ids are known.
                    wanted.setdefault(model_field.related_model, set()).update({old_value, new_value})
                    old_value = (model_field.related_model, old_value)
                    new_value = (model_field.related_model, new_value)
                elif model_field.choices:
                    labels = dict(model_field.flatchoices)
                    old_value, new_value = labels.get(old_value, old_value), labels.get(new_value, new_value)
                entry.changes.append(FieldChange(label=str(model_field.verbose_name), old=old_value,
                                                 new=new_value))
        if entry.kind != "~" or entry.changes:
            entries.append(entry)
    names = {related: related._default_manager.in_bulk([pk for pk in pks if pk is not None])
             for related, pks in wanted.items()}
    for entry in entries:
        for change in entry.changes:
            if isinstance(change.old, tuple):
                change.old = names[change.old[0]].get(change.old[1])
                change.new = names[change.new[0]].get(change.new[1])
    return entries


# The deal board


@dataclass
class BoardColumn:
    stage: Stage
    count: int
    total_base: Decimal
    cards: list[Deal]
    weighted_base: Decimal = Decimal("0")
    quick_form: Any = None  # the page's quick-add form for this stage, when the user may add deals

    @property
    def hidden(self) -> int:
        return self.count - len(self.cards)


def board_scope_deals(deals: QuerySet[Deal], *, user: User, scope: str) -> QuerySet[Deal]:
    """Narrow deals to the user's own, their team's (their own when they have no team), or leave them all."""
    if scope == BoardScope.MINE:
        return deals.filter(owner=user)
    if scope == BoardScope.TEAM:
        return deals.filter(owner__team=user.team_id) if user.team_id else deals.filter(owner=user)
    return deals


def deal_board(*, pipeline: Pipeline, user: User, cards_per_stage: int = 50,
               now: datetime | None = None, scope: str = BoardScope.EVERYONE) -> list[BoardColumn]:
    """The open deals of a pipeline by stage (narrowed to `scope`): each column's count, base-currency total
    and weighted total (base amount × the stage's win probability) over all its deals, and the
    `cards_per_stage` most recently updated cards. Four queries whatever the number of deals: the
    cards are ranked on the deals table alone, and only the chosen ones are joined to their contact,
    company, owner, stage entry and next open task (joining all open deals first took seconds at a million).

    A card's `stage_entered_at` is when it entered its stage; `is_idle` flags it past the stage's idle_days;
    `next_task_subject` / `next_task_due_at` name its open task due first (undated tasks last).
    """
    now = now or timezone.now()
    stages = list(pipeline.stages.all())
    open_deals = board_scope_deals(deals_visible_to(user).filter(pipeline=pipeline, status=DealStatus.OPEN),
                                   user=user, scope=scope)
    totals = {row["stage_id"]: row for row in open_deals.order_by().values("stage_id")
              .annotate(count=Count("id"), total=Sum("amount_base"))}
    probability = {stage.pk: stage.probability for stage in stages}
    entered = (DealStageEntry.objects.filter(deal=OuterRef("pk"), exited_at__isnull=True)
               .order_by("-entered_at", "-id").values("entered_at")[:1])
    next_task = (Activity.objects.filter(deal=OuterRef("pk"), kind=ActivityKind.TASK, done_at__isnull=True)
                 .order_by(F("due_at").asc(nulls_last=True), "id"))
    chosen = [row["id"] for row in open_deals.order_by()
              .annotate(rank=Window(RowNumber(), partition_by=[F("stage_id")],
                                    order_by=[F("updated_at").desc(), F("id").desc()]))
              .filter(rank__lte=cards_per_stage).values("id")]
    cards = (Deal.objects.filter(pk__in=chosen).select_related("contact", "company", "owner")
             .annotate(stage_entered_at=Subquery(entered),
                       next_task_subject=Subquery(next_task.values("subject")[:1]),
                       next_task_due_at=Subquery(next_task.values("due_at")[:1]))
             .order_by("stage_id", "-updated_at", "-id"))
    by_stage: dict[int, list[Deal]] = {stage.pk: [] for stage in stages}
    idle_after = {stage.pk: stage.idle_days for stage in stages}
    for card in cards:
        days = idle_after.get(card.stage_id)
        card.is_idle = bool(days is not None and card.stage_entered_at
                            and now - card.stage_entered_at > timedelta(days=days))
        by_stage.setdefault(card.stage_id, []).append(card)
    columns = []
    for stage in stages:
        total = totals.get(stage.pk, {}).get("total") or Decimal("0")
        columns.append(BoardColumn(stage=stage, count=totals.get(stage.pk, {}).get("count", 0), total_base=total,
                                   cards=by_stage[stage.pk],
                                   weighted_base=(total * probability[stage.pk]).quantize(Decimal("0.01"),
                                                                                     ROUND_HALF_UP)))
    return columns


# Search across the areas a user may read


@dataclass
class SearchResults:
    """Per kind, the first matches and how many there are (core.search.Found)."""

    contacts: search.Found = field(default_factory=search.Found)
    companies: search.Found = field(default_factory=search.Found)
    deals: search.Found = field(default_factory=search.Found)
    tickets: search.Found = field(default_factory=search.Found)

    @property
    def total(self) -> int:
        return self.contacts.count + self.companies.count + self.deals.count + self.tickets.count


def global_search(*, user: User, query: str, limit: int = 20) -> SearchResults:
    """Contacts, companies, deals and tickets matching every word of `query` (normalised by
    core.search_text, compared with the stored search keys), only from areas the user reads; each kind
    in the order of its list page, so "see all" continues where the first matches stop (past "1000+", the
    first shown are the first among 1,001 matches: core.search.found)."""
    words = search_words(query)
    results = SearchResults()
    if not words:
        return results
    if can_read_customers(user):
        results.contacts = search.found(Contact.objects.filter(key_matches(words)).select_related("company"), limit)
        results.companies = search.found(Company.objects.filter(key_matches(words)), limit)
    results.deals = search.found(deals_visible_to(user).filter(key_matches(words))
                                 .select_related("stage", "company", "contact"), limit)
    results.tickets = search.find("tickets", user=user, words=words, limit=limit)
    return results


# Type-ahead pickers: a few records matching what the user typed, each with what tells it apart


TYPEAHEAD_LIMIT = 20
TypeaheadKind = Literal["contacts", "companies", "deals", "users", "campaigns"]


@dataclass(frozen=True)
class PickerOption:
    """One match of a type-ahead: the record's id, its name and what tells it from namesakes."""

    id: int
    label: str
    detail: str


def _first_keyed(queryset: QuerySet, query: str, limit: int) -> list:
    """The first `limit` records in the queryset's order whose key holds every word of `query` (the first of
    all when it has none), found the way the global search finds them (core.search.found)."""
    words = search_words(query)
    if not words:
        return list(queryset[:limit])
    return search.found(queryset.filter(key_matches(words)), limit).records


def _matching(queryset: QuerySet, fields: Sequence[str], query: str) -> QuerySet:
    """Records of a small table where every word of `query` is in one of `fields`, both sides folded."""
    return folded_matches(queryset, fields, search_words(query))


def _joined(*parts: object) -> str:
    return " · ".join(str(part) for part in parts if part)


def typeahead_contacts(*, query: str, limit: int = TYPEAHEAD_LIMIT) -> list[PickerOption]:
    contacts = Contact.objects.select_related("company").order_by("last_name", "first_name", "id")
    return [PickerOption(id=c.pk, label=str(c), detail=_joined(c.email, c.company))
            for c in _first_keyed(contacts, query, limit)]


def typeahead_companies(*, query: str, limit: int = TYPEAHEAD_LIMIT) -> list[PickerOption]:
    companies = Company.objects.select_related("owner").order_by("name", "id")
    return [PickerOption(id=c.pk, label=c.name, detail=_joined(c.owner))
            for c in _first_keyed(companies, query, limit)]


def typeahead_deals(*, user: User, query: str, limit: int = TYPEAHEAD_LIMIT) -> list[PickerOption]:
    deals = deals_visible_to(user).select_related("company", "contact", "pipeline", "stage").order_by("title", "id")
    return [PickerOption(id=d.pk, label=d.title,
                         detail=_joined(d.company or d.contact, f"{d.pipeline.display_name} / {d.stage.display_name}"))
            for d in _first_keyed(deals, query, limit)]


def typeahead_users(*, query: str, roles: Sequence[str] = (), limit: int = TYPEAHEAD_LIMIT) -> list[PickerOption]:
    """Active staff, of `roles` when given (a superuser counts as an admin, as core.permissions says)."""
    users = User.objects.filter(is_active=True)
    if roles:
        users = users.filter(Q(role__in=roles) | Q(is_superuser=True) if Role.ADMIN in roles else Q(role__in=roles))
    users = _matching(users, ["full_name", "username", "email"], query)
    return [PickerOption(id=u.pk, label=str(u), detail=_joined(u.username, u.get_role_display()))
            for u in users.order_by("full_name", "username", "id")[:limit]]


def typeahead_campaigns(*, query: str, limit: int = TYPEAHEAD_LIMIT) -> list[PickerOption]:
    campaigns = _matching(Campaign.objects.all(), ["name"], query)
    return [PickerOption(id=c.pk, label=c.name, detail=c.get_channel_display())
            for c in campaigns.order_by("name", "id")[:limit]]


def typeahead_options(*, kind: TypeaheadKind, user: User, query: str,
                      roles: Sequence[str] = ()) -> list[PickerOption]:
    """At most TYPEAHEAD_LIMIT records of `kind` matching `query` (the first by name when it is empty).
    The caller has checked that the user may read that kind; deals are further limited to the visible ones."""
    if kind == "contacts":
        return typeahead_contacts(query=query)
    if kind == "companies":
        return typeahead_companies(query=query)
    if kind == "deals":
        return typeahead_deals(user=user, query=query)
    if kind == "users":
        return typeahead_users(query=query, roles=roles)
    return typeahead_campaigns(query=query)


# A rep's emails to contacts (crm.tasks, and support's filing of the answers).


def email_activity_to_send(*, activity_id: int) -> Activity | None:
    """A rep's email still waiting to be sent, with its contact and rep; None otherwise."""
    return (Activity.objects.select_related("contact", "owner")
            .filter(pk=activity_id, kind=ActivityKind.EMAIL, direction=EmailDirection.OUT,
                    delivery_status=EmailDelivery.QUEUED, contact__isnull=False).first())


def email_reply_to_notify(*, activity_id: int) -> Activity | None:
    """A contact's answer to a rep's email, with its contact and rep."""
    return (Activity.objects.select_related("contact", "owner")
            .filter(pk=activity_id, kind=ActivityKind.EMAIL, direction=EmailDirection.IN).first())


def email_answered(*, message_ids: list[str]) -> Activity | None:
    """The rep's email (sent from the CRM) that an email with these In-Reply-To/References answers, the
    first of them that is one; None when none is."""
    if not message_ids:
        return None
    by_id = {activity.message_id: activity for activity in
             Activity.objects.select_related("contact", "owner")
             .filter(message_id__in=message_ids, kind=ActivityKind.EMAIL, direction=EmailDirection.OUT)}
    return next((by_id[answered] for answered in message_ids if answered in by_id), None)


def email_activity_exists(*, message_id: str) -> bool:
    """Whether an email entry with this Message-ID is on a timeline already."""
    return Activity.objects.filter(message_id=message_id).exists()


# -- duplicates -------------------------------------------------------------------------------------------

DuplicateReason = Literal["email", "phone", "name"]


@dataclass(frozen=True)
class Duplicate:
    """A stored record that looks like the one being saved, and why (its reasons, in a fixed order)."""

    record: Contact | Company
    reasons: tuple[DuplicateReason, ...]


def contact_duplicates(*, email: str = "", phone: str = "", first_name: str = "", last_name: str = "",
                       company: Company | int | None = None, exclude_pk: int | None = None,
                       limit: int = 10) -> list[Duplicate]:
    """Contacts that are likely the same person: the same normalised email, the same E.164 phone, or the same
    normalised full name within the same company. Keys that normalise to nothing match nothing."""
    keys = contact_normalized_fields({"email": email, "phone": phone, "first_name": first_name,
                                      "last_name": last_name})
    company_id = company.pk if isinstance(company, Company) else company
    tests: dict[DuplicateReason, Q] = {}
    if keys["email_normalized"]:
        tests["email"] = Q(email_normalized=keys["email_normalized"])
    if keys["phone_e164"]:
        tests["phone"] = Q(phone_e164=keys["phone_e164"])
    if company_id and keys["full_name_normalized"]:
        tests["name"] = Q(company_id=company_id, full_name_normalized=keys["full_name_normalized"])
    if not tests:
        return []
    matches = Q()
    for test in tests.values():
        matches |= test
    found = Contact.objects.filter(matches).select_related("company").order_by("id")
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    values = {"email": keys["email_normalized"], "phone": keys["phone_e164"], "name": keys["full_name_normalized"]}
    return [Duplicate(contact, tuple(reason for reason in tests if _contact_key(contact, reason) == values[reason]
                                     and (reason != "name" or contact.company_id == company_id)))
            for contact in found[:limit]]


def _contact_key(contact: Contact, reason: DuplicateReason) -> str:
    return {"email": contact.email_normalized, "phone": contact.phone_e164,
            "name": contact.full_name_normalized}[reason]


def company_duplicates(*, name: str, exclude_pk: int | None = None, limit: int = 10) -> list[Duplicate]:
    """Companies with the same normalised name (case, Persian letters and spacing aside)."""
    key = normalize_name(name)
    if not key:
        return []
    found = Company.objects.filter(name_normalized=key).order_by("id")
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return [Duplicate(company, ("name",)) for company in found[:limit]]


@dataclass(frozen=True)
class DuplicatePair:
    """Two stored records that look like one, the older first."""

    first: Contact | Company
    second: Contact | Company
    reasons: tuple[DuplicateReason, ...]


CONTACT_PAIR_KEYS: dict[DuplicateReason, tuple[str, ...]] = {
    "email": ("email_normalized",), "phone": ("phone_e164",), "name": ("company_id", "full_name_normalized"),
}
COMPANY_PAIR_KEYS: dict[DuplicateReason, tuple[str, ...]] = {"name": ("name_normalized",)}


def _grouped_ids(model: type[Contact] | type[Company], fields: tuple[str, ...]) -> list[list[int]]:
    """The ids of the records sharing each non-empty key of `fields` with at least one other record."""
    filled = model.objects.exclude(**{fields[-1]: ""}).filter(**{f"{name}__isnull": False for name in fields})
    shared = filled.values(*fields).annotate(count=Count("id")).filter(count__gt=1).order_by()
    rows = filled.filter(**{f"{fields[-1]}__in": shared.values(fields[-1])}).order_by(*fields, "id")
    groups: dict[tuple, list[int]] = {}
    for row in rows.values_list(*fields, "id"):
        groups.setdefault(row[:-1], []).append(row[-1])
    return [ids for ids in groups.values() if len(ids) > 1]


def duplicate_pair_ids(model: type[Contact] | type[Company]) -> list[tuple[int, int, tuple[DuplicateReason, ...]]]:
    """Every candidate pair (older id, newer id, reasons): each record of a group is paired with its oldest."""
    keys = CONTACT_PAIR_KEYS if model is Contact else COMPANY_PAIR_KEYS
    reasons: dict[tuple[int, int], list[DuplicateReason]] = {}
    for reason, fields in keys.items():
        for ids in _grouped_ids(model, fields):
            for other in ids[1:]:
                reasons.setdefault((ids[0], other), []).append(reason)
    return [(first, second, tuple(why)) for (first, second), why in sorted(reasons.items())]


def duplicate_pairs(model: type[Contact] | type[Company], pairs: Sequence[tuple[int, int, tuple]]
                    ) -> list[DuplicatePair]:
    """The records of some candidate pairs (a page of them), in one query."""
    ids = {pk for first, second, _reasons in pairs for pk in (first, second)}
    records = model.objects.in_bulk(ids)
    return [DuplicatePair(records[first], records[second], reasons) for first, second, reasons in pairs
            if first in records and second in records]


# -- merge preview ----------------------------------------------------------------------------------------

MergeSide = Literal["keep", "drop"]


@dataclass(frozen=True)
class MergeField:
    """One mergeable field of a pair: its label, both values as shown, and the side chosen by default."""

    name: str
    label: str
    keep_value: Any
    drop_value: Any
    differs: bool
    default: MergeSide


@dataclass(frozen=True)
class MergeMove:
    """How many records of one relation the merge moves from the dropped record to the kept one."""

    label: str
    count: int


@dataclass(frozen=True)
class MergePreview:
    """What merging `drop` into `keep` would do: every mergeable field side by side and what moves."""

    keep: Contact | Company
    drop: Contact | Company
    fields: list[MergeField]
    moves: list[MergeMove]

    def differing(self) -> list[str]:
        return [row.name for row in self.fields if row.differs]


def _shown_value(record: Model, name: str) -> Any:
    model_field = record._meta.get_field(name)
    if model_field.choices:
        return getattr(record, f"get_{name}_display")()
    value = getattr(record, name)
    return "" if value is None else value


def merge_preview(*, keep: Contact | Company, drop: Contact | Company) -> MergePreview:
    """The preview of a merge: per field both values, whether they differ, and the default side (the kept
    record's value, or the dropped one's when the kept record has none); per relation the count that moves."""
    rows = []
    for name in merge_fields(type(keep)):
        model_field = keep._meta.get_field(name)
        kept, dropped = model_field.value_from_object(keep), model_field.value_from_object(drop)
        default: MergeSide = "drop" if kept in (None, "") and dropped not in (None, "") else "keep"
        rows.append(MergeField(name=name, label=str(model_field.verbose_name), keep_value=_shown_value(keep, name),
                               drop_value=_shown_value(drop, name), differs=kept != dropped, default=default))
    counts = related_counts(drop)
    moves = [MergeMove(label=str(rel.related_model._meta.verbose_name_plural), count=counts[relation_key(rel)])
             for rel in merge_relations(type(drop))]
    return MergePreview(keep=keep, drop=drop, fields=rows, moves=moves)


def email_templates_offered(*, language: str) -> QuerySet[EmailTemplate]:
    """Active email templates for the compose form, those in `language` (the contact's) first, then by name."""
    return EmailTemplate.objects.filter(active=True).order_by(
        Case(When(language=language, then=0), default=1), "name", "id")


def email_template_list() -> QuerySet[EmailTemplate]:
    return EmailTemplate.objects.order_by("name", "id")
