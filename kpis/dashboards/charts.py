"""Charts: what one draws (`ChartData`, the same numbers as its table and CSV) and how a trend over
the range's periods or a breakdown by a dimension is built from the loaded series."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm import kpi_sources as crm_sources
from crm.kpi_sources import DealKind
from kpis.dashboards.definitions import ChartSpec
from kpis.dashboards.ranges import DashboardQuery, period_label
from kpis.dashboards.series import cached_breakdown_rows, presented_value
from kpis.formatting import chart_formats
from kpis.records import drilldown_for
from kpis.selectors import DailySeries, present
from kpis.targets import TargetBook, TargetProgress
from support.kpi_sources import Priority
from surveys.kpi_sources import SERVQUAL_DIMENSIONS

DIMENSION_LABELS: dict[str, Promise] = {
    "owner": _("Owner"), "team": _("Team"), "pipeline": _("Pipeline"), "stage": _("Stage"),
    "campaign": _("Campaign"), "deal_kind": _("Deal kind"), "assignee": _("Assignee"), "priority": _("Priority"),
    "channel": _("Channel"), "survey": _("Survey"), "servqual_dimension": _("SERVQUAL dimension"),
}


@dataclass
class Dataset:
    key: str  # the CSV column
    label: str
    unit: str
    values: list[float | int | None]
    axis: str = "primary"
    role: str = "value"  # "value" or "target"
    direction: str = "none"  # the KPI's good direction: stacked shares are coloured good, neutral or bad by it


@dataclass
class ChartRow:
    """One period (trend) or one member (breakdown) of a chart."""

    label: str
    ident: tuple[str, str]  # (start, end) of a period, or (id, label) of a member
    link: str | None = None


@dataclass
class ChartData:
    spec: ChartSpec
    trend: bool
    rows: list[ChartRow]
    datasets: list[Dataset]
    csv_url: str
    dom_id: str
    statuses: dict[str, TargetProgress] = field(default_factory=dict)  # breakdown member id → target progress

    @property
    def title(self) -> str:
        return str(self.spec.title)

    @property
    def data_id(self) -> str:
        return f"{self.dom_id}-data"

    @property
    def dimension_label(self) -> str:
        return str(DIMENSION_LABELS.get(self.spec.dimension or "", self.spec.dimension or ""))

    @property
    def is_empty(self) -> bool:
        return not self.rows or all(value is None for ds in self.datasets for value in ds.values)

    def payload(self) -> dict[str, object]:
        """What dashboard.js draws (embedded with json_script): exactly the numbers of the table and CSV,
        with how to write them (amount style and unit patterns) in the page's language."""
        return {
            "kind": self.spec.kind, "title": self.title, "trend": self.trend, "currency": settings.CRM_CURRENCY,
            **chart_formats(),
            "labels": [row.label for row in self.rows], "links": [row.link for row in self.rows],
            "datasets": [{"key": ds.key, "label": ds.label, "unit": ds.unit, "values": ds.values, "axis": ds.axis,
                          "role": ds.role, "direction": ds.direction} for ds in self.datasets],
        }

    def csv_header(self) -> list[str]:
        return (["start", "end"] if self.trend else ["id", "label"]) + [ds.key for ds in self.datasets]

    def csv_rows(self) -> list[list[object]]:
        return [[*row.ident, *(ds.values[index] for ds in self.datasets)] for index, row in enumerate(self.rows)]

    def table_rows(self) -> list[tuple[ChartRow, list[tuple[float | int | None, str]], TargetProgress | None]]:
        return [(row, [(ds.values[index], ds.unit) for ds in self.datasets], self.statuses.get(row.ident[0]))
                for index, row in enumerate(self.rows)]


SERVQUAL_LABELS: dict[str, Promise] = {
    "tangibles": _("Tangibles"), "reliability": _("Reliability"), "responsiveness": _("Responsiveness"),
    "assurance": _("Assurance"), "empathy": _("Empathy"),
}
PRIORITY_ORDER = [Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW]


def records_url(kpi_key: str, first: date, last: date, dimension: str | None = None,
                member: str | None = None) -> str | None:
    """The drill-down list behind one number, when the KPI has one (and supports the dimension)."""
    drill = drilldown_for(kpi_key)
    if drill is None or (dimension and dimension not in drill.dimensions):
        return None
    params = {"start": first.isoformat(), "end": last.isoformat()}
    if dimension and member is not None:
        params.update(dimension=dimension, member=member)
    return f"{reverse('kpi-records', args=[kpi_key])}?{urlencode(params)}"


def trend_chart(spec: ChartSpec, query: DashboardQuery, series: Mapping[str, DailySeries],
                periods: list[tuple[date, date]], book: TargetBook, csv_url: str, *,
                drill_dimension: str | None = None, drill_member: str | None = None) -> ChartData:
    rows = [
        ChartRow(label=period_label(first, last, query.grain), ident=(first.isoformat(), last.isoformat()),
                 link=records_url(spec.drill, first, last, drill_dimension, drill_member) if spec.drill else None)
        for first, last in periods
    ]
    datasets = [
        Dataset(key=kpi.key, label=str(kpi.name), unit=kpi.unit, direction=kpi.direction,
                values=[presented_value(kpi, series, first, last) for first, last in periods],
                axis="secondary" if kpi.key in spec.secondary else "primary")
        for kpi in spec.kpis
    ]
    if spec.target and len(spec.kpis) == 1:
        kpi = spec.kpis[0]
        expected = [book.expected(kpi, first, last) for first, last in periods]
        if any(value is not None for value in expected):
            datasets.append(Dataset(key="target", label=gettext("Target"), unit=kpi.unit, role="target",
                                    values=[present(kpi, value) if value is not None else None for value in expected]))
    return ChartData(spec=spec, trend=True, rows=rows, datasets=datasets, csv_url=csv_url,
                     dom_id=f"chart-{spec.slug}")


def _relabel(dimension: str, rows: list[dict[str, object]]) -> None:
    """Translated names where the engine gives stored codes."""
    names: dict[str, object] = {}
    if dimension == "deal_kind":
        names = dict(DealKind.choices)
    elif dimension == "servqual_dimension":
        names = SERVQUAL_LABELS
    elif dimension == "priority":
        names = dict(Priority.choices)
    for row in rows:
        if row["id"] in names:
            row["label"] = str(names[row["id"]])


def _ordered_members(spec: ChartSpec, merged: dict[str, dict[str, object]], first_key: str) -> list[str]:
    ids = list(merged)
    if spec.order == "priority":
        rank = {str(p): index for index, p in enumerate(PRIORITY_ORDER)}
        return sorted(ids, key=lambda i: rank.get(i, len(rank)))
    if spec.order == "servqual":
        return [d for d in SERVQUAL_DIMENSIONS if d in merged]
    if spec.order == "value":
        def by_value(i: str) -> tuple[bool, float]:
            value = merged[i]["values"].get(first_key)
            return value is None, -(value or 0)

        return sorted(ids, key=by_value)
    if spec.order == "stage":
        stages = {
            (external_id or str(pk)): (pipeline, position, pk)
            for pk, external_id, pipeline, position in crm_sources.stages().values_list(
                "pk", "external_id", "pipeline__name", "position")
        }
        pipelines = {stages[i][0] for i in ids if i in stages}
        for i in ids:
            if len(pipelines) > 1 and i in stages:
                merged[i]["label"] = f"{stages[i][0]} / {merged[i]['label']}"
        return sorted(ids, key=lambda i: stages.get(i, ("", 0, 0)))
    return sorted(ids, key=lambda i: str(merged[i]["label"]))


def breakdown_chart(spec: ChartSpec, query: DashboardQuery, series: Mapping[str, DailySeries],
                    csv_url: str) -> ChartData:
    """Each KPI of the chart broken down by its dimension over the whole range, rows merged by member id."""
    assert spec.dimension is not None
    merged: dict[str, dict[str, object]] = {}
    for kpi in spec.kpis:
        rows = cached_breakdown_rows(kpi, spec.dimension, query.start, query.end, series)
        _relabel(spec.dimension, rows)
        for row in rows:
            entry = merged.setdefault(str(row["id"]), {"label": str(row["label"]), "values": {}})
            entry["values"][kpi.key] = row["value"]
    order = _ordered_members(spec, merged, spec.kpis[0].key)
    rows = [
        ChartRow(label=str(merged[i]["label"]), ident=(i, str(merged[i]["label"])),
                 link=records_url(spec.drill, query.start, query.end, spec.dimension, i) if spec.drill else None)
        for i in order
    ]
    datasets = [
        Dataset(key=kpi.key, label=str(kpi.name), unit=kpi.unit, direction=kpi.direction,
                values=[merged[i]["values"].get(kpi.key) for i in order],
                axis="secondary" if kpi.key in spec.secondary else "primary")
        for kpi in spec.kpis
    ]
    return ChartData(spec=spec, trend=False, rows=rows, datasets=datasets, csv_url=csv_url, dom_id=f"chart-{spec.slug}")

