"""Reading KPIs in tests the way the API does."""

from datetime import date

from kpis.catalog import KPIS
from kpis.rollup import run_rollup
from kpis.selectors import KpiResult, kpi_result


def kpi(key: str, start: str, end: str, grain: str = "day", dimension: str | None = None) -> KpiResult:
    return kpi_result(kpi=KPIS[key], start=date.fromisoformat(start), end=date.fromisoformat(end), grain=grain,
                      dimension=dimension)


def value(key: str, start: str, end: str) -> float | None:
    return kpi(key, start, end).value


def breakdown(key: str, start: str, end: str, dimension: str) -> dict[str, float | None]:
    return {str(row["id"]): row["value"] for row in kpi(key, start, end, dimension=dimension).breakdown or []}


def rolled_up() -> None:
    run_rollup()
