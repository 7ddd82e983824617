"""How numbers and amounts read on a page: by unit, in the active language. CSV files keep raw numbers.

Every amount on a page goes through `format_amount` (the dashboards' charts through `chart_formats`),
so the rial and toman rule lives in one place.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.amounts import EMPTY, _number, amount_style, format_amount

if TYPE_CHECKING:  # kpis.dashboards.charts imports this module for its chart data
    from kpis.dashboards.cards import Change

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


def chart_formats() -> dict[str, object]:
    """What dashboard.js needs to write a chart's numbers as the page does: the base currency's style and
    the unit patterns, in the active language; `%(value)s` stands for a number the chart formats."""
    style = amount_style()
    value = "%(value)s"
    return {
        "amount": {
            "currency": style.currency, "divisor": style.divisor,
            # None: the chart writes the currency itself (Intl's currency style).
            "pattern": _("%(amount)s %(unit)s") % {"amount": value, "unit": style.unit} if style.unit else None,
        },
        "units": {
            "hours": _("%(value)s h") % {"value": value},
            # Translators: a number of days, short enough for a chart's axis.
            "days": _("%(value)s d") % {"value": value},
            # Translators: an amount per day, short enough for a chart's axis.
            "per_day": _("%(value)s/d") % {"value": value},
        },
    }


def _signed(value: float, decimals: int) -> str:
    text = _number(abs(value), decimals)
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


def format_value(value: float | int | None, unit: str, *, compact: bool = False) -> str:
    """A KPI value with its unit: money as `format_amount` writes it, a ratio as %, hours and days to 1 decimal.

    `compact` drops the cents of large amounts (cards); tables and lists keep them.
    """
    if value is None:
        return EMPTY
    if unit in {"currency", "currency_per_day"}:
        return format_amount(value, compact=compact, per_day=unit == "currency_per_day")
    unit_format = _UNIT_FORMATS.get(unit)
    return unit_format(value) if unit_format else _number(value, 2)


# How each unit writes a value; the texts are translated when a value is written.
_UNIT_FORMATS: dict[str, Callable[[float], str]] = {
    "count": lambda value: _number(value, 0),
    "ratio": lambda value: _("%(value)s%%") % {"value": _number(value * 100, 1)},
    "hours": lambda value: _("%(value)s h") % {"value": _number(value, 1)},
    "days": lambda value: _("%(value)s days") % {"value": _number(value, 1)},
    "score": lambda value: _number(value, 1),
    "score5": lambda value: _("%(value)s / 5") % {"value": _number(value, 2)},
    "gap": lambda value: _signed(value, 2),
    "multiple": lambda value: _("%(value)s×") % {"value": _number(value, 1)},
}


def format_change(change: "Change | None", unit: str | None = None) -> str:
    """+12.5 % (relative), +2.3 pp (percentage points of a rate) or +1.2 (a score's difference).

    An amount's difference (from a previous period of zero) is written as an amount when `unit` says so:
    +USD 12,000, or +1,200 toman.
    """
    if change is None:
        return EMPTY
    if change.mode == "relative" and change.relative is not None:
        return _("%(value)s%%") % {"value": _signed(change.relative * 100, 1)}
    if change.mode == "points":
        return _("%(value)s pp") % {"value": _signed(change.delta * 100, 1)}
    if unit in {"currency", "currency_per_day"}:
        text = format_amount(abs(change.delta), compact=True, per_day=unit == "currency_per_day")
        return f"+{text}" if change.delta > 0 else f"−{text}" if change.delta < 0 else text
    return _signed(change.delta, 2)
