"""A page's range and grain: the presets, the grains, and reading them from a query string.

`dashboard_query` never fails, so a shared or hand-edited link always shows a page; what it could not
use is named in the query's `problems`. `period_label` names one period of a grain on a chart.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.jalali import format_jalali, localize_digits, month_name, parse_jalali_date, persian_active, to_jalali
from kpis.dirty import business_zone
from kpis.periods import (
    GRAINS,
    GREGORIAN_GRAINS,
    JALALI_GRAINS,
    MAX_RANGE_DAYS,
    MONTHS_PER_PERIOD,
    month_index,
    period_start,
)

PRESETS: dict[str, Promise] = {
    "this_week": _("This week"),
    "last_week": _("Last week"),
    "this_month": _("This month"),
    "last_month": _("Last month"),
    "this_quarter": _("This quarter"),
    "last_90_days": _("Last 90 days"),
    "year_to_date": _("Year to date"),
    "last_12_months": _("Last 12 months"),
    "this_jmonth": _("This Jalali month"),
    "last_jmonth": _("Last Jalali month"),
    "this_jquarter": _("This Jalali quarter"),
    "jyear_to_date": _("Jalali year to date"),
    "custom": _("Custom"),
}
JALALI_PRESETS = frozenset({"this_jmonth", "last_jmonth", "this_jquarter", "jyear_to_date"})
GRAIN_LABELS: dict[str, Promise] = {
    "day": _("Day"), "week": _("Week"), "month": _("Month"), "quarter": _("Quarter"), "year": _("Year"),
    "jmonth": _("Jalali month"), "jquarter": _("Jalali quarter"), "jyear": _("Jalali year"),
}
DEFAULT_PRESET = "last_90_days"
# A chart draws at most this many periods; a finer grain is coarsened with a message.
MAX_POINTS = 400
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def offered_presets(current: str = "") -> list[tuple[str, Promise]]:
    """The presets a page offers, `custom` included: the Jalali ones only on Persian pages.

    Any preset still resolves whoever opens the link; a Jalali one that a shared link chose is also
    offered on an English page, so the controls show the range the page is showing.
    """
    persian = persian_active()
    return [(key, label) for key, label in PRESETS.items()
            if persian or key not in JALALI_PRESETS or key == current]


def resolve_range(preset: str, today: date, start: date | None = None, end: date | None = None) -> tuple[date, date]:
    """The inclusive local dates [start, end] a preset means on `today`; a pure function.

    Periods "to date" end today: this week is the week's first day (CRM_WEEK_START) through today, last
    week the whole week before it; this month is the 1st of the month through today, this quarter and
    year to date likewise; last month is the whole previous calendar month; last 90 days is today and
    the 89 days before it; last 12 months is the 12 calendar months up to and including this one
    (its first day is the 1st of the month 11 months ago). The Jalali presets mean the same of the
    Jalali calendar (this Jalali month is 1 Farvardin… of the current month through today, and so on).
    `custom` is [start, end] as given.
    Raises ValueError for an unknown preset, a custom range without both dates or one that ends
    before it starts.
    """
    if preset == "custom":
        if start is None or end is None:
            raise ValueError("a custom range needs a start and an end")
        if start > end:
            raise ValueError("a range cannot end before it starts")
        return start, end
    try:
        first_day = _PRESET_STARTS[preset]
    except KeyError:
        raise ValueError(f"unknown preset {preset!r}") from None
    if preset in _WHOLE_LAST_PERIODS:
        last = _WHOLE_LAST_PERIODS[preset](today)
        return first_day(last), last
    return first_day(today), today


def _twelve_months_back(today: date) -> date:
    index = today.year * 12 + today.month - 1 - 11
    return date(index // 12, index % 12 + 1, 1)


# Where each preset starts, given the day it ends on; the "last" presets end on the day before the
# current period starts, the others today.
_PRESET_STARTS: dict[str, Callable[[date], date]] = {
    "this_week": lambda day: period_start(day, "week"),
    "last_week": lambda day: period_start(day, "week"),
    "this_month": lambda day: day.replace(day=1),
    "last_month": lambda day: day.replace(day=1),
    "this_quarter": lambda day: period_start(day, "quarter"),
    "last_90_days": lambda day: day - timedelta(days=89),
    "year_to_date": lambda day: date(day.year, 1, 1),
    "last_12_months": _twelve_months_back,
    "this_jmonth": lambda day: period_start(day, "jmonth"),
    "last_jmonth": lambda day: period_start(day, "jmonth"),
    "this_jquarter": lambda day: period_start(day, "jquarter"),
    "jyear_to_date": lambda day: period_start(day, "jyear"),
}
_WHOLE_LAST_PERIODS: dict[str, Callable[[date], date]] = {
    "last_week": lambda today: period_start(today, "week") - timedelta(days=1),
    "last_month": lambda today: today.replace(day=1) - timedelta(days=1),
    "last_jmonth": lambda today: period_start(today, "jmonth") - timedelta(days=1),
}


def point_count(start: date, end: date, grain: str) -> int:
    """How many periods of `grain` meet [start, end], without listing them."""
    first = period_start(start, grain)
    if grain == "day":
        return (end - start).days + 1
    if grain == "week":
        return (end - first).days // 7 + 1
    span = month_index(end, grain) - month_index(first, grain)
    return span // MONTHS_PER_PERIOD[grain] + 1


def default_grain(start: date, end: date, *, jalali: bool = False) -> str:
    """The grain a range reads best at: days up to two months, weeks up to about half a year, then months.

    With `jalali`, months, quarters and years are those of the Jalali calendar.
    """
    days = (end - start).days + 1
    if days <= 62:
        return "day"
    if days <= 190:
        return "week"
    grain = "month" if days <= 3 * 366 else "quarter" if days <= 10 * 366 else "year"
    return f"j{grain}" if jalali else grain


def fitting_grain(start: date, end: date, grain: str) -> str:
    """`grain`, or the finest coarser one of its calendar that draws at most MAX_POINTS periods."""
    family = JALALI_GRAINS if grain in JALALI_GRAINS else GREGORIAN_GRAINS
    for candidate in family[family.index(grain):]:
        if point_count(start, end, candidate) <= MAX_POINTS:
            return candidate
    return family[-1]


@dataclass(frozen=True)
class DashboardQuery:
    """A page's range and grain, with the problems found in the query string it came from."""

    start: date
    end: date
    grain: str
    preset: str
    problems: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> tuple[date, date]:
        """The period of equal length just before the range."""
        return self.start - timedelta(days=self.days), self.start - timedelta(days=1)

    def params(self, **overrides: object) -> dict[str, str]:
        """Query parameters that reproduce this view: a relative preset stays relative when shared."""
        values: dict[str, str] = {"preset": self.preset}
        if self.preset == "custom":
            values.update(start=self.start.isoformat(), end=self.end.isoformat())
        values["grain"] = self.grain
        values.update({key: str(value) for key, value in overrides.items() if value is not None})
        return values

    def querystring(self, **overrides: object) -> str:
        return urlencode(self.params(**overrides))

    def exact_querystring(self, **extra: object) -> str:
        """Absolute dates, for downloads and drill-downs that must mean the same days tomorrow."""
        values = {"start": self.start.isoformat(), "end": self.end.isoformat(), "grain": self.grain}
        values.update({key: str(value) for key, value in extra.items() if value is not None})
        return urlencode(values)


def business_today() -> date:
    return timezone.localdate(timezone=business_zone())


def _parse_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if EARLIEST_DATE <= value <= LATEST_DATE else None


def dashboard_query(params: Mapping[str, str], *, today: date) -> DashboardQuery:
    """Read preset, start, end and grain from a query string, never failing.

    A value that cannot be used is replaced by a sensible default (the last 90 days; the grain that suits
    the range) and named in `problems`, which the page shows.
    """
    problems: list[str] = []
    preset = (params.get("preset") or "").strip()
    raw_start, raw_end = params.get("start"), params.get("end")
    if not preset:
        preset = "custom" if (raw_start or raw_end) else DEFAULT_PRESET
    if preset not in PRESETS:
        problems.append(gettext("Unknown range “%(preset)s”: showing the last 90 days.") % {"preset": preset[:40]})
        preset = DEFAULT_PRESET
    start = end = None
    # calendar=jalali: the dates were typed in the Jalali calendar, so months are read as Jalali months too.
    jalali_input = (params.get("calendar") or "").strip() == "jalali"
    if preset == "custom":
        known_problems = len(problems)
        if jalali_input:
            start, end = _parse_jalali_date(raw_start, problems), _parse_jalali_date(raw_end, problems)
        else:
            start, end = _parse_date(raw_start), _parse_date(raw_end)
        if len(problems) > known_problems:
            pass  # the Jalali parser has named the impossible date
        elif start is None or end is None:
            problems.append(gettext("A custom range needs a start and an end date (YYYY-MM-DD between 1900 and 2999): "
                               "showing the last 90 days."))
        elif start > end:
            problems.append(gettext("The end date is before the start date: showing the last 90 days."))
        elif (end - start).days > MAX_RANGE_DAYS:
            problems.append(gettext("A range may span at most 20 years: showing the last 90 days."))
        else:
            return _with_grain(params, start, end, preset, problems, jalali=jalali_input)
        preset = DEFAULT_PRESET
    start, end = resolve_range(preset, today)
    return _with_grain(params, start, end, preset, problems, jalali=jalali_input or preset in JALALI_PRESETS)


def _parse_jalali_date(text: str | None, problems: list[str]) -> date | None:
    """A Jalali date typed in the range form; an impossible one is named in `problems`."""
    if not text:
        return None
    try:
        value = parse_jalali_date(text)
    except ValueError as exc:
        problems.append(gettext("“%(text)s”: %(problem)s Showing the last 90 days.")
                        % {"text": text.strip()[:40], "problem": exc})
        return None
    return value if EARLIEST_DATE <= value <= LATEST_DATE else None


def _with_grain(params: Mapping[str, str], start: date, end: date, preset: str,
                problems: list[str], *, jalali: bool = False) -> DashboardQuery:
    grain = (params.get("grain") or "").strip()
    if grain and grain not in GRAINS:
        problems.append(gettext("Unknown grain “%(grain)s”: choose day, week, month, quarter or year, or a Jalali "
                           "month, quarter or year.") % {"grain": grain[:40]})
        grain = ""
    if not grain:
        grain = default_grain(start, end, jalali=jalali)
    fitted = fitting_grain(start, end, grain)
    if fitted != grain:
        problems.append(gettext("%(count)s points are too many for one chart: showing %(grain)s instead.")
                        % {"count": point_count(start, end, grain), "grain": GRAIN_LABELS[fitted]})
        grain = fitted
    return DashboardQuery(start=start, end=end, grain=grain, preset=preset, problems=tuple(problems))


def period_label(first: date, last: date, grain: str) -> str:
    """A short, localized name for one point of a chart."""
    if grain == "year":
        return str(first.year)
    if grain == "quarter":
        return gettext("Q%(quarter)s %(year)s") % {"quarter": (first.month - 1) // 3 + 1, "year": first.year}
    if grain == "month":
        return formats.date_format(first, "M Y")
    if grain == "jyear":
        return localize_digits(str(to_jalali(first).year))
    if grain == "jquarter":
        jalali = to_jalali(first)
        return localize_digits(gettext("Q%(quarter)s %(year)s") % {"quarter": (jalali.month - 1) // 3 + 1,
                                                              "year": jalali.year})
    if grain == "jmonth":
        return format_jalali(first, "%B %Y")
    if persian_active():  # days and weeks: a Persian reader counts dates in the Jalali calendar
        jalali_first, jalali_last = to_jalali(first), to_jalali(last)
        label = f"{jalali_first.day} {month_name(jalali_first.month)}"
        return localize_digits(label if jalali_first.year == jalali_last.year else f"{label} {jalali_first.year}")
    return formats.date_format(first, "j M" if first.year == last.year else "j M Y")

