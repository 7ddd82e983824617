"""Deals and their stage history: the derived fields a deal's services set (base amount, current stage, stage
exits), and the days a changed deal dirties, as `deal_move_stage`, `deal_update`, `deal_close` and
`deal_reopen` mark them."""

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Company, Contact, Deal, DealKind, DealStageEntry, DealStatus, base_amount
from crm.search_keys import contact_name, deal_search_key
from dataset import fields as f
from dataset.engine import Importer, _BatchWithRows, _Item, _stored_rows
from dataset.fields import RecordError
from dataset.sections import KeyMaps, Row, Section, _children, _key, _money, _rate, _ts
from dataset.tagging import TAGS, tags_by_record, tags_entry, tags_value, take_tags, write_tags

CURRENCY = re.compile(r"[A-Z]{3}")
# Plain strings: enum attribute access and `.values` cost microseconds, and these run per record.
DEAL_STATUSES = tuple(DealStatus.values)
DEAL_KINDS = tuple(DealKind.values)
OPEN, WON, LOST = DealStatus.OPEN.value, DealStatus.WON.value, DealStatus.LOST.value
DEAL_KIND_DEFAULT = DealKind.NEW.value


def parse(importer: Importer, record: Mapping[str, Any], line: int) -> _Item:
    ext = f.key(record, "external_id", required=True)
    assert ext is not None
    pipeline_id = importer.ref(importer.cache("pipeline"), "pipeline", record, "pipeline", required=True)
    amount = f.decimal_value(f.present(record, "amount", True), "amount", max_digits=16, places=2)
    currency = f.text(record, "currency", 3).upper() or importer.base_currency
    if not CURRENCY.fullmatch(currency):
        raise RecordError(_("“currency” must be a three-letter ISO 4217 code such as USD"))
    rate_value = record.get("exchange_rate")
    rate = (
        None
        if rate_value is None
        else f.decimal_value(rate_value, "exchange_rate", max_digits=24, places=10, positive=True)
    )
    status = f.choice(record, "status", DEAL_STATUSES)
    created_at = f.timestamp(record, "created_at", required=True)
    closed_at = f.timestamp(record, "closed_at")
    assert created_at is not None
    if status == OPEN and closed_at is not None:
        raise RecordError(_("an open deal cannot have “closed_at”"))
    if status != OPEN and closed_at is None:
        raise RecordError(_("a %(status)s deal needs “closed_at”") % {"status": status})
    if closed_at is not None and closed_at < created_at:
        raise RecordError(_("“closed_at” is before “created_at”"))
    if status == WON and rate is None and currency != importer.base_currency:
        raise RecordError(
            _("a won deal in %(currency)s needs an “exchange_rate” to %(base)s")
            % {"currency": currency, "base": importer.base_currency}
        )
    entries = _stage_history(importer, record, pipeline_id, created_at, closed_at)
    lost_reason = f.text(record, "lost_reason", 200)
    close_value = record.get("expected_close_date")
    expected_close = None if close_value is None else f.date_value(close_value, "expected_close_date")
    item = _Item(
        line,
        ext,
        {
            "title": f.text(record, "title", 200, required=True, blank=False),
            "pipeline_id": pipeline_id,
            "stage_id": entries[-1][0],
            "contact": f.key(record, "contact", required=True),
            "company": f.key(record, "company"),
            "owner_id": importer.ref(importer.cache("user"), "user", record, "owner"),
            "amount": amount,
            "currency": currency,
            "exchange_rate": rate,
            "amount_base": base_amount(amount, currency, rate),
            "kind": f.choice(record, "kind", DEAL_KINDS, default=DEAL_KIND_DEFAULT),
            "campaign_id": importer.ref(importer.cache("campaign"), "campaign", record, "campaign"),
            "status": status,
            "created_at": created_at,
            "closed_at": closed_at,
            "lost_reason_id": importer.lost_reason_id(lost_reason)
            if status == LOST and lost_reason
            else None,
            "expected_close_date": expected_close,
            "entries": entries,
        },
    )
    item.data[TAGS] = tags_value(record)
    return item


def _stage_history(
    importer: Importer, record: Mapping[str, Any], pipeline_id: int, created_at: datetime, closed_at: datetime | None
) -> list[tuple[int, datetime, datetime | None]]:
    """A deal's stage entries as (stage id, entered, exited): each is exited when the next is entered, the
    last when the deal closed; in time order, in the deal's pipeline, from its creation to its close."""
    history = f.array(record, "stage_history")
    if not history:
        raise RecordError(_("“stage_history” needs at least one entry"))
    stages = importer.cache("stage")
    entries: list[list[Any]] = []
    for index, entry in enumerate(history):
        label = f"stage_history[{index}]"
        entry = f.obj(entry, label)
        stage_key = f.key(entry, "stage", required=True)
        assert stage_key is not None
        stage = stages.get(stage_key)
        if stage is None:
            raise importer.unknown("stage", f"{label}.stage", stage_key)
        if stage[1] != pipeline_id:
            raise RecordError(
                _("%(label)s: stage “%(stage)s” belongs to another pipeline than “%(pipeline)s”")
                % {"label": label, "stage": stage_key, "pipeline": record["pipeline"]}
            )
        entered_at = f.timestamp_value(f.present(entry, "entered_at", True), f"{label}.entered_at")
        if index == 0 and entered_at != created_at:
            raise RecordError(_("stage_history[0] must be entered at “created_at”"))
        if entries and entered_at < entries[-1][1]:
            raise RecordError(
                _("%(label)s is entered before the entry above it: stage_history must be in time order")
                % {"label": label}
            )
        if closed_at is not None and entered_at > closed_at:
            raise RecordError(_("%(label)s is entered after “closed_at”") % {"label": label})
        if entries:
            entries[-1][2] = entered_at
        entries.append([stage[0], entered_at, None])
    entries[-1][2] = closed_at
    return [(stage_id, entered_at, exited_at) for stage_id, entered_at, exited_at in entries]


def _stage_moves(
    deal: Deal, values: Mapping[str, Any], old: list[tuple[Any, ...]], entries: list[tuple[Any, ...]]
) -> list[datetime] | None:
    """The moments of the moves that take the stored open deal on through stages to the file's, when that is
    all that changed (what `deal_move_stage` does, one move at a time); None when anything else changed."""
    last = len(old) - 1
    if deal.status != OPEN or last < 0 or len(entries) <= len(old):
        return None
    if entries[:last] != old[:last] or entries[last][:2] != old[last][:2] or old[last][2] is not None:
        return None
    if any(getattr(deal, name) != value for name, value in values.items() if name != "stage_id"):
        return None
    return [entered_at for _stage, entered_at, _exited in entries[len(old) :]]


def write(importer: Importer, items: list[_Item]) -> None:
    """A deal that only moved on through stages marks the moves' moments, as `deal_move_stage` does;
    any other change marks what the deal counted on before and counts on after, as `deal_update`,
    `deal_close` and `deal_reopen` do; a new deal what it counts on, as `deal_create` does."""
    tagged = take_tags(items)
    contacts = importer.lookup(Contact, "contact", {i.data["contact"] for i in items})
    companies = importer.lookup(Company, "company", {i.data["company"] for i in items})
    existing = importer.existing(Deal, "deal", (i.key for i in items))
    contact_names = {pk: contact_name(first, last) for pk, first, last in
                     Contact.objects.filter(pk__in=contacts.values()).values_list("pk", "first_name", "last_name")}
    company_names = dict(Company.objects.filter(pk__in=companies.values()).values_list("pk", "name"))
    old_entries = _stored_rows(
        DealStageEntry,
        "deal_id",
        [d.pk for d in existing.values()],
        ("entered_at", "id"),
        ("stage_id", "entered_at", "exited_at"),
    )
    batch = _BatchWithRows(timezone.now())
    moves: list[datetime | date | None] = []
    rechecked: list[int] = []
    for item in items:
        values = dict(item.data)
        entries = values.pop("entries")
        try:
            values["contact_id"] = importer.resolve(contacts, "contact", "contact", values.pop("contact"))
            values["company_id"] = importer.resolve(companies, "company", "company", values.pop("company"))
        except RecordError as exc:
            importer.fail_item("deal", item, exc)
            continue
        values["search_key"] = deal_search_key(title=values["title"],
                                               company_name=company_names.get(values["company_id"], ""),
                                               contact_name=contact_names[values["contact_id"]])
        deal = existing.get(item.key)
        if deal is None:
            batch.add(item.key, values, entries)
            continue
        old = old_entries.get(deal.pk, [])
        moved = _stage_moves(deal, values, old, entries) if old != entries else None
        if batch.update(deal, values, old != entries, entries):
            if moved is None:
                rechecked.append(deal.pk)
            else:
                moves.extend(moved)
    importer.note_records("deals", Deal, rechecked)
    new_ids = importer.write_with_rows(
        "deal",
        Deal,
        batch,
        [
            "title",
            "pipeline_id",
            "stage_id",
            "contact_id",
            "company_id",
            "owner_id",
            "amount",
            "currency",
            "exchange_rate",
            "amount_base",
            "kind",
            "campaign_id",
            "status",
            "created_at",
            "closed_at",
            "lost_reason_id",
            "expected_close_date",
            "search_key",
            "updated_at",
            "version",
        ],
        DealStageEntry,
        "deal_id",
        lambda deal_id, entries: (
            {"deal_id": deal_id, "stage_id": stage_id, "entered_at": entered_at, "exited_at": exited_at}
            for stage_id, entered_at, exited_at in entries
        ),
    )
    importer.note_records("deals", Deal, [*rechecked, *new_ids])
    importer.note_moments("stage_moves", moves)
    write_tags(importer, Deal, "deal", tagged)


def export(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        tags = tags_by_record(Deal, [r["pk"] for r in rows])
        history = _children(DealStageEntry, "deal_id", [r["pk"] for r in rows], ("entered_at", "id"), "stage_id",
                            "entered_at")
        return [{"type": "deal", "external_id": _key("deal", r["external_id"], r["pk"]), "title": r["title"],
                 "pipeline": keys.pipelines[r["pipeline_id"]],
                 "contact": _key("contact", r["contact__external_id"], r["contact_id"]),
                 "company": _key("company", r["company__external_id"], r["company_id"]),
                 "owner": keys.users.get(r["owner_id"]), "amount": _money(r["amount"]), "currency": r["currency"],
                 "exchange_rate": _rate(r["exchange_rate"]), "kind": r["kind"],
                 "campaign": keys.campaigns.get(r["campaign_id"]), "created_at": _ts(r["created_at"]),
                 "stage_history": [{"stage": keys.stages[e["stage_id"]], "entered_at": _ts(e["entered_at"])}
                                   for e in history[r["pk"]]],
                 "status": r["status"], "closed_at": _ts(r["closed_at"]),
                 "lost_reason": keys.lost_reasons.get(r["lost_reason_id"], ""),
                 "expected_close_date": r["expected_close_date"].isoformat() if r["expected_close_date"] else None,
                 **tags_entry(tags, r["pk"])}
                for r in rows]

    fields = ("external_id", "title", "pipeline_id", "contact_id", "contact__external_id", "company_id",
              "company__external_id", "owner_id", "amount", "currency", "exchange_rate", "kind", "campaign_id",
              "created_at", "status", "closed_at", "lost_reason_id", "expected_close_date")
    return Section(Deal.objects.all(), fields, build)
