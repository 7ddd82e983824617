"""How KPI numbers read on a page: by unit, in the active language. CSV files keep raw numbers."""

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kpis.dashboards import Change

EMPTY = "—"

UNIT_LABELS = {
    "currency": gettext_lazy("money in the base currency"), "currency_per_day": gettext_lazy("money per day"),
    "count": gettext_lazy("count"), "ratio": gettext_lazy("percentage"), "days": gettext_lazy("days"),
    "hours": gettext_lazy("hours"), "score": gettext_lazy("score from −100 to 100"),
    "score5": gettext_lazy("score from 1 to 5"), "gap": gettext_lazy("gap from −6 to 6"),
    "multiple": gettext_lazy("multiple"),
}
KIND_LABELS = {
    "flow": gettext_lazy("flow: summed over the period"), "state": gettext_lazy("state: at the end of the period"),
    "trailing": gettext_lazy("trailing: over the 365 days ending with the period"),
    "flow+state": gettext_lazy("flow and state: changes in the period against the start"),
    "mixed": gettext_lazy("mixed: a ratio of a trailing and a flow KPI"),
}


def _number(value: float, decimals: int) -> str:
    return number_format(round(float(value), decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _signed(value: float, decimals: int) -> str:
    text = _number(abs(value), decimals)
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


def format_value(value: float | int | None, unit: str, *, compact: bool = False) -> str:
    """A KPI value with its unit: money with the base currency, a ratio as %, hours and days to 1 decimal.

    `compact` drops the cents of large amounts (cards); tables and lists keep them.
    """
    if value is None:
        return EMPTY
    if unit in {"currency", "currency_per_day"}:
        # Cards drop the cents where they no longer matter: from 10,000, or 1,000 a day.
        threshold = 1_000 if unit == "currency_per_day" else 10_000
        amount = _number(value, 0 if compact and abs(value) >= threshold else 2)
        if unit == "currency_per_day":
            return _("%(currency)s\u00a0%(amount)s/day") % {"currency": settings.CRM_CURRENCY, "amount": amount}
        return _("%(currency)s\u00a0%(amount)s") % {"currency": settings.CRM_CURRENCY, "amount": amount}
    if unit == "count":
        return _number(value, 0)
    if unit == "ratio":
        return _("%(value)s%%") % {"value": _number(value * 100, 1)}
    if unit == "hours":
        return _("%(value)s h") % {"value": _number(value, 1)}
    if unit == "days":
        return _("%(value)s days") % {"value": _number(value, 1)}
    if unit == "score":
        return _number(value, 1)
    if unit == "score5":
        return _("%(value)s / 5") % {"value": _number(value, 2)}
    if unit == "gap":
        return _signed(value, 2)
    if unit == "multiple":
        return _("%(value)s×") % {"value": _number(value, 1)}
    return _number(value, 2)


def format_change(change: Change | None) -> str:
    """+12.5 % (relative), +2.3 pp (percentage points of a rate) or +1.2 (a score's difference)."""
    if change is None:
        return EMPTY
    if change.mode == "relative" and change.relative is not None:
        return _("%(value)s%%") % {"value": _signed(change.relative * 100, 1)}
    if change.mode == "points":
        return _("%(value)s pp") % {"value": _signed(change.delta * 100, 1)}
    return _signed(change.delta, 2)
