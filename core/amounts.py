"""Money as a page shows it: by currency, in the active language, with rial and toman named after the number.

Every amount on a page goes through `format_amount` (templates through the `amount` filter of
`core.templatetags.amounts`), so the rial and toman rule lives in one place.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core.jalali import persian_active

EMPTY = "—"

# Iran's own names for its money, fixed per language like the Jalali month names (core.jalali).
AMOUNT_UNIT_NAMES = {"rial": {"en": "rial", "fa": "ریال"}, "toman": {"en": "toman", "fa": "تومان"}}
TOMAN_IN_RIALS = 10


@dataclass(frozen=True)
class AmountStyle:
    """How amounts in one currency read: divided by `divisor`, then either named by `unit` after the number
    (rial, toman) or, with no unit, preceded by the ISO code (USD 1,234.50)."""

    currency: str
    divisor: int
    unit: str
    decimals: int


def amount_style(currency: str | None = None) -> AmountStyle:
    """The style of `currency` (the base currency by default). Rials have no smaller coin, so no decimals;
    with CRM_AMOUNT_UNIT=toman they read as tomans, a tenth of the stored amount."""
    code = (currency or settings.CRM_CURRENCY).upper()
    if code != "IRR":
        return AmountStyle(currency=code, divisor=1, unit="", decimals=2)
    unit = "toman" if settings.CRM_AMOUNT_UNIT == "toman" else "rial"
    names = AMOUNT_UNIT_NAMES[unit]
    return AmountStyle(currency=code, divisor=TOMAN_IN_RIALS if unit == "toman" else 1,
                       unit=names["fa"] if persian_active() else names["en"], decimals=0)


def _number(value: float | Decimal, decimals: int) -> str:
    return number_format(round(float(value), decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)


def format_amount(value: float | Decimal | None, currency: str | None = None, *, compact: bool = False,
                  per_day: bool = False) -> str:
    """An amount stored in `currency` (the base currency by default) as a page shows it, with its unit.

    `compact` drops the decimals of large amounts (cards): from 10,000, or 1,000 a day.
    """
    if value is None:
        return EMPTY
    style = amount_style(currency)
    shown = float(value) / style.divisor
    threshold = 1_000 if per_day else 10_000
    amount = _number(shown, 0 if compact and abs(shown) >= threshold else style.decimals)
    if style.unit:
        text = (_("%(amount)s %(unit)s/day") if per_day else _("%(amount)s %(unit)s")) % {
            "amount": amount, "unit": style.unit}
    else:
        text = (_("%(currency)s %(amount)s/day") if per_day else _("%(currency)s %(amount)s")) % {
            "currency": style.currency, "amount": amount}
    # An amount never breaks across lines. The messages keep plain spaces: gettext's extraction reads a
    # "\u00a0" escape literally, and a message written with one would never find its translation.
    return text.replace(" ", "\u00a0")
