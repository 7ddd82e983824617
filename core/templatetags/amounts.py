"""Amounts on any page: `{% load amounts %}` then `{{ deal.amount|amount:deal.currency }}`.

The same `format_amount` as the KPI pages, so a deal, a board column and a revenue card write money
alike: the currency's code, or rial and toman (CRM_AMOUNT_UNIT) named after the number, with the
page language's separators.
"""

from decimal import Decimal

from django import template

from core.amounts import format_amount

register = template.Library()


@register.filter
def amount(value: Decimal | float | None, currency: str | None = None) -> str:
    """An amount stored in `currency`, the base currency when none is given."""
    if value in (None, ""):
        return format_amount(None)
    return format_amount(value, currency or None)
