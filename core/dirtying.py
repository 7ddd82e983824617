"""Which KPI days a write changes: services and the importer ask, the KPI engine answers.

The roll-up sums each local day's operational rows into snapshots, so a write that changes rows it has
already summed must name the days for it to recompute. Which days a record counts on is the KPI
engine's knowledge: its rules live in one module, `kpis/dirty_rules.py`, and register themselves here
when Django loads the kpis app. The apps below it (crm, support, surveys) name what they changed and
never import kpis; the importer names whole batches through the same rules.

In a service, inside its transaction::

    dirty = dirtying.days_of("deals", Deal.objects.filter(pk=deal.pk))  # what the deal counted on
    ...change the deal...
    dirty.update(dirtying.days_of("deals", Deal.objects.filter(pk=deal.pk)))  # and what it counts on now
    dirty.save()

or `dirtying.mark("spend_dates", [spent_on])` when the days are known at once.
"""

from collections.abc import Callable
from typing import Any, Protocol


class DaySet(Protocol):
    """A set of (KPI family, local day) pairs, written once by `save()` in the caller's transaction."""

    def update(self, other: "DaySet") -> None: ...

    def save(self) -> int: ...


Rule = Callable[..., DaySet]

_rules: dict[str, Rule] = {}


def rule(change: str) -> Callable[[Rule], Rule]:
    """Register the KPI engine's rule for one kind of change (a decorator)."""

    def register(function: Rule) -> Rule:
        if change in _rules and _rules[change] is not function:
            raise ValueError(f"a dirty-day rule for {change!r} is already registered")
        _rules[change] = function
        return function

    return register


def days_of(change: str, *args: Any, **kwargs: Any) -> DaySet:
    """The days this change touches, by the registered rule; evaluated now (take it before a delete)."""
    try:
        found = _rules[change]
    except KeyError:
        raise LookupError(f"no dirty-day rule for {change!r}: is the kpis app installed?") from None
    return found(*args, **kwargs)


def mark(change: str, *args: Any, **kwargs: Any) -> None:
    """Record the days this change touches, in the caller's transaction."""
    days_of(change, *args, **kwargs).save()


def changes() -> list[str]:
    """The kinds of change with a registered rule, for tests and docs."""
    return sorted(_rules)
