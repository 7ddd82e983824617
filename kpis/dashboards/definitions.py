"""Which cards and charts each dashboard page has, who may open it, and a person's own sections.

Pure data over the KPI catalogue: nothing here reads the database. The chart-only figures (open
deals, the NPS and 1–5 survey mixes) are `Kpi`s too, so the engine evaluates them like any other.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.permissions import can_read_area, role_of
from crm.kpi_sources import Role
from kpis import calculations as calc
from kpis.catalog import KPIS, NPS, Kpi


def _share_of_nps(part: str) -> Callable[[Mapping[str, float]], float | None]:
    def share(v: Mapping[str, float]) -> float | None:
        return calc.ratio(v[part], v["promoters"] + v["passives"] + v["detractors"])

    return share


# Figures a chart draws that are not catalog KPIs but come from the same stored measures.
OPEN_DEALS = Kpi("open_deals", _("Open deals"), _("Deals open at the end of the period."),
                 _("count of deals created and not closed at the end"), "count", "up", "state", "sales",
                 {"open": ("open_count_delta", "through_end")}, lambda v: v["open"],
                 ("owner", "team", "pipeline", "stage"))
NPS_MIX = tuple(
    Kpi(f"nps_{part}", label, label, label, "ratio", direction, "flow", "surveys", NPS, _share_of_nps(part))
    for part, label, direction in (
        ("promoters", _("Promoters (9–10)"), "up"),
        ("passives", _("Passives (7–8)"), "none"),
        ("detractors", _("Detractors (0–6)"), "down"),
    )
)


def _score_mix(kind: str, labels: tuple[Promise, ...], directions: tuple[str, ...]) -> tuple[Kpi, ...]:
    """Each score's share of a 1–5 survey's answers in a period: the distribution, drawn as stacked bars."""
    inputs = {str(score): (f"{kind}_score_{score}", "range") for score in range(1, 6)}

    def share(score: int) -> Callable[[Mapping[str, float]], float | None]:
        return lambda v: calc.ratio(v[str(score)], sum(v[str(s)] for s in range(1, 6)))

    return tuple(Kpi(f"{kind}_score_{score}", label, label, label, "ratio", direction, "flow", "surveys", inputs,
                     share(score))
                 for score, label, direction in zip(range(1, 6), labels, directions, strict=True))


CSAT_MIX = _score_mix("csat", (_("1 · very dissatisfied"), _("2 · dissatisfied"), _("3 · neutral"),
                               _("4 · satisfied"), _("5 · very satisfied")),
                      ("down", "down", "none", "up", "up"))
CES_MIX = _score_mix("ces", (_("1 · very easy"), _("2 · easy"), _("3 · neither"), _("4 · difficult"),
                             _("5 · very difficult")),
                     ("up", "up", "none", "down", "down"))


@dataclass(frozen=True)
class ChartSpec:
    """One chart: a trend of KPIs over the range's periods, or, with `dimension`, a breakdown."""

    slug: str
    title: Promise
    kind: str  # "line", "bar", "hbar" (horizontal bars) or "stacked" (stacked bars)
    kpis: tuple[Kpi, ...]
    dimension: str | None = None
    secondary: tuple[str, ...] = ()  # keys of the KPIs drawn against a second value axis
    target: bool = False  # draw the target line of its (single) KPI
    drill: str | None = None  # the KPI whose records a point or row opens
    order: str = "label"  # breakdown rows: "label", "value" (largest first), "priority", "stage", "servqual"
    note: Promise | None = None


def kpis_of(*keys: str) -> tuple[Kpi, ...]:
    return tuple(KPIS[key] for key in keys)


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: Promise
    intro: Promise
    areas: tuple[str, ...]  # the user must read every one of these areas; () = everyone
    cards: tuple[Kpi, ...]
    charts: tuple[ChartSpec, ...]


SALES = Dashboard(
    "sales", _("Sales"), _("Revenue, deals and the pipeline."), ("sales",),
    kpis_of("revenue", "deals_won", "win_rate", "avg_deal_value", "sales_cycle_days", "sales_velocity",
            "open_pipeline_value", "weighted_pipeline_value"),
    (
        ChartSpec("revenue", _("Revenue"), "line", kpis_of("revenue"), target=True, drill="revenue"),
        ChartSpec("deals", _("Deals won and created"), "line", kpis_of("deals_won", "deals_created"),
                  drill="deals_won"),
        ChartSpec("pipeline", _("Open and weighted pipeline"), "line",
                  kpis_of("open_pipeline_value", "weighted_pipeline_value")),
        ChartSpec("funnel", _("Pipeline funnel by stage"), "hbar", (OPEN_DEALS, KPIS["open_pipeline_value"]),
                  dimension="stage", secondary=("open_deals",), order="stage",
                  note=_("Deals open at the end of the range, in each stage: their number and amount.")),
        ChartSpec("revenue-by-owner", _("Revenue by owner"), "hbar", kpis_of("revenue"), dimension="owner",
                  order="value", drill="revenue"),
    ),
)
MARKETING = Dashboard(
    "marketing", _("Marketing"), _("Leads, customers, spend and returns."), ("marketing",),
    kpis_of("new_leads", "new_customers", "lead_conversion_rate", "marketing_spend", "cac", "campaign_roi", "clv",
            "clv_cac_ratio", "churn_rate", "retention_rate", "active_customers"),
    (
        ChartSpec("leads", _("New leads and new customers"), "line", kpis_of("new_leads", "new_customers")),
        ChartSpec("spend", _("Marketing spend and campaign revenue"), "line",
                  kpis_of("marketing_spend", "campaign_revenue")),
        ChartSpec("campaign-roi", _("Campaign ROI by campaign"), "bar", kpis_of("campaign_roi"),
                  dimension="campaign", order="value"),
        ChartSpec("churn", _("Churn and retention"), "line", kpis_of("churn_rate", "retention_rate")),
        ChartSpec("active-customers", _("Active customers"), "line", kpis_of("active_customers"), target=True),
    ),
)
SERVICE = Dashboard(
    "service", _("Service"), _("Tickets, response times, SLAs and what customers say."), ("support", "surveys"),
    kpis_of("tickets_created", "tickets_resolved", "backlog", "first_response_hours", "resolution_hours",
            "reply_time_hours", "sla_breach_rate", "nps", "csat", "csat_avg", "ces", "servqual_gap",
            "survey_response_rate"),
    (
        ChartSpec("tickets", _("Tickets created and resolved"), "line", kpis_of("tickets_created", "tickets_resolved")),
        ChartSpec("backlog", _("Backlog"), "line", kpis_of("backlog"), target=True),
        ChartSpec("times", _("First response and resolution time"), "line",
                  kpis_of("first_response_hours", "resolution_hours"), secondary=("resolution_hours",)),
        ChartSpec("sla-by-priority", _("SLA breach rate by priority"), "bar", kpis_of("sla_breach_rate"),
                  dimension="priority", order="priority", drill="sla_breach_rate"),
        ChartSpec("nps", _("Net Promoter Score"), "line", kpis_of("nps"), target=True, drill="nps"),
        ChartSpec("nps-mix", _("Promoters, passives and detractors"), "stacked", NPS_MIX),
        ChartSpec("csat-mix", _("CSAT answers by score"), "stacked", CSAT_MIX),
        ChartSpec("ces-mix", _("Customer effort answers by score"), "stacked", CES_MIX),
        ChartSpec("servqual", _("SERVQUAL gaps by dimension"), "bar", kpis_of("servqual_gap"),
                  dimension="servqual_dimension", order="servqual",
                  note=_("Perception minus expectation: below zero, service falls short of what customers expect.")),
    ),
)
DASHBOARDS: dict[str, Dashboard] = {board.slug: board for board in (SALES, MARKETING, SERVICE)}

# A person's own numbers: the KPIs with a breakdown by the person who owns the work.
ME_SECTIONS: tuple[tuple[str, str, Promise, tuple[Kpi, ...], tuple[ChartSpec, ...]], ...] = (
    ("sales", "owner", _("My deals"),
     kpis_of("revenue", "deals_won", "deals_created", "win_rate", "avg_deal_value", "sales_cycle_days",
             "sales_velocity", "open_pipeline_value", "weighted_pipeline_value"),
     (ChartSpec("my-revenue", _("My revenue"), "line", kpis_of("revenue"), target=True, drill="revenue"),)),
    ("support", "assignee", _("My tickets"),
     kpis_of("tickets_resolved", "tickets_created", "backlog", "first_response_hours", "resolution_hours",
             "reply_time_hours", "sla_breach_rate", "nps", "csat", "csat_avg", "ces"),
     (ChartSpec("my-tickets", _("My tickets created and resolved"), "line",
                kpis_of("tickets_created", "tickets_resolved")),)),
)


def can_open(user: object, board: Dashboard) -> bool:
    return all(can_read_area(user, area) for area in board.areas)


def dashboards_for(user: object) -> list[Dashboard]:
    return [board for board in DASHBOARDS.values() if can_open(user, board)]


def me_sections_for(user: object) -> list[tuple[str, str, Promise, tuple[Kpi, ...], tuple[ChartSpec, ...]]]:
    """Sales staff see their deals, support staff their tickets; managers and admins both."""
    role = role_of(user)
    if role == Role.SALES:
        return [ME_SECTIONS[0]]
    if role == Role.SUPPORT:
        return [ME_SECTIONS[1]]
    return list(ME_SECTIONS)


def can_manage(user: object) -> bool:
    """Managers and admins set targets and start a roll-up."""
    return role_of(user) in {Role.MANAGER, Role.ADMIN}
