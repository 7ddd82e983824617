"""Writes of the KPI app's own data: targets. (The snapshot tables are written only by the roll-up.)"""

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from kpis.models import Target

if TYPE_CHECKING:
    from crm.models import Team, User


@transaction.atomic
def target_save(*, target: Target) -> Target:
    """Validate a new or changed target (catalog key, period start, one scope, uniqueness) and save it.

    Raises django.core.exceptions.ValidationError with a message per field.
    """
    target.full_clean()
    target.save()
    return target


def target_create(*, kpi_key: str, period_kind: str, period_start: date, value: Decimal, owner: "User | None" = None,
                  team: "Team | None" = None) -> Target:
    """A new target for the business (no owner, no team), one person or one team."""
    return target_save(target=Target(kpi_key=kpi_key, period_kind=period_kind, period_start=period_start,
                                     value=value, owner=owner, team=team))


@transaction.atomic
def target_delete(*, target: Target) -> None:
    target.delete()
