"""Campaigns and their spend entries, which a campaign's record replaces as a whole."""

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from crm.models import Campaign, CampaignChannel, CampaignSpend
from dataset import fields as f
from dataset.engine import Importer, _apply, _Item, _row_key, item_key
from dataset.sections import KeyMaps, Row, Section, _children, _day, _key, _money

# Plain strings: enum attribute access and `.values` cost microseconds, and these run per record.
CAMPAIGN_CHANNELS = tuple(CampaignChannel.values)
CAMPAIGN_CHANNELS_DEFAULT = CampaignChannel.OTHER.value


def parse(importer: Importer, record: Mapping[str, Any], line: int) -> _Item:
    ext = f.key(record, "external_id", required=True)
    assert ext is not None
    spend = []
    for index, entry in enumerate(f.array(record, "spend")):
        label = f"spend[{index}]"
        entry = f.obj(entry, label)
        spent_on = f.date_value(entry.get("date"), f"{label}.date")
        amount = f.decimal_value(entry.get("amount"), f"{label}.amount", max_digits=14, places=2)
        spend.append((spent_on, amount))
    return _Item(
        line,
        ext,
        {
            "name": f.text(record, "name", 200, required=True, blank=False),
            "channel": f.choice(record, "channel", CAMPAIGN_CHANNELS, default=CAMPAIGN_CHANNELS_DEFAULT),
            "spend": spend,
        },
    )


def write(importer: Importer, items: list[_Item]) -> None:
    campaigns = importer.cache("campaign")
    ids = [campaigns[i.key] for i in items if i.key in campaigns]
    rows = {_row_key("campaign", c.external_id, c.pk): c for c in Campaign.objects.filter(pk__in=ids)}
    old_spend: dict[int, list[tuple[Any, Decimal]]] = defaultdict(list)
    for campaign_id, spent_on, amount in (
        CampaignSpend.objects.filter(campaign_id__in=ids)
        .order_by("campaign_id", "date", "id")
        .values_list("campaign_id", "date", "amount")
    ):
        old_spend[campaign_id].append((spent_on, amount))
    new, changed, replace = [], [], []
    spend_rows: list[dict[str, Any]] = []
    pending: list[tuple[Campaign, list[tuple[Any, Decimal]]]] = []
    spend_dates: list[date] = []  # of the entries added or removed, as the spend services mark them
    unchanged = 0
    for item in items:
        spend = item.data["spend"]
        values = {"name": item.data["name"], "channel": item.data["channel"]}
        campaign = rows.get(item.key)
        if campaign is None:
            campaign = Campaign(external_id=item.key, **values)
            new.append(campaign)
            pending.append((campaign, spend))
            spend_dates.extend(d for d, _a in spend)
            continue
        fields_changed = _apply(campaign, values)
        spend_changed = sorted(spend, key=lambda s: s[0]) != old_spend.get(campaign.pk, [])
        if fields_changed:
            changed.append(campaign)
        if spend_changed:
            replace.append(campaign.pk)
            pending.append((campaign, spend))
            stored, given = Counter(old_spend.get(campaign.pk, [])), Counter(spend)
            spend_dates.extend(d for d, _a in ((stored - given) + (given - stored)).elements())
        if not (fields_changed or spend_changed):
            unchanged += 1
    Campaign.objects.bulk_create(new)
    Campaign.objects.bulk_update(changed, ["name", "channel"])
    CampaignSpend.objects.filter(campaign_id__in=replace).delete()
    for campaign, spend in pending:
        spend_rows.extend({"campaign_id": campaign.pk, "date": d, "amount": a} for d, a in spend)
    importer.insert(CampaignSpend, spend_rows)
    # A name or channel moves no day (campaign KPIs are broken down by id), as `campaign_update` says.
    importer.note_moments("spend_dates", spend_dates)
    for campaign in new:
        campaigns[item_key(campaign, "campaign")] = campaign.pk
    importer.count(
        "campaign", created=len(new), updated=len(items) - len(new) - unchanged, unchanged=unchanged
    )


def export(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        spend = _children(CampaignSpend, "campaign_id", [r["pk"] for r in rows], ("date", "id"), "date", "amount")
        return [{"type": "campaign", "external_id": _key("campaign", r["external_id"], r["pk"]), "name": r["name"],
                 "channel": r["channel"],
                 "spend": [{"date": _day(s["date"]), "amount": _money(s["amount"])} for s in spend[r["pk"]]]}
                for r in rows]

    return Section(Campaign.objects.all(), ("external_id", "name", "channel"), build)
