"""The KPI catalog: every KPI of docs/KPI_SPEC.md with its metadata and its formula over daily measures.

The roll-up, the API and the dashboards all read KPIs from here. Inputs name a stored measure
and the window it is read over:

- `range`: summed over the range's days (flow components);
- `through_end` / `before_start`: summed from the beginning of time up to the range's last day /
  the day before its first (states: the value at end of that day);
- `trailing_365`: summed over the 365 local days ending at the range's end;
- `level_at_end`: the stored value of the range's last day.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kpis import calculations as calc
from surveys.kpi_sources import SERVQUAL_DIMENSIONS

Values = Mapping[str, float]

WINDOWS = ("range", "through_end", "before_start", "trailing_365", "level_at_end")


@dataclass(frozen=True)
class Kpi:
    """One KPI: what it means, how it is shown, and how it is computed from measures."""

    key: str
    name: Promise
    description: Promise
    formula: Promise
    unit: str
    direction: str  # "up": higher is better, "down": lower is better, "none"
    kind: str  # flow, state, trailing, flow+state, mixed
    area: str  # permission area: sales, marketing, support, surveys
    inputs: Mapping[str, tuple[str, str]]
    compute: Callable[[Values], float | None]
    dimensions: tuple[str, ...] = ()
    # The stored dimension a team breakdown is summed from (a team is its members now).
    team_via: str = "owner"
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def is_currency(self) -> bool:
        return self.unit in {"currency", "currency_per_day"}


SALES_DIMS = ("owner", "team", "pipeline")
TICKET_DIMS = ("assignee", "team", "priority", "channel")
SURVEY_DIMS = ("survey", "assignee", "team", "channel")


def _win_rate(v: Values) -> float | None:
    return calc.ratio(v["won"], v["won"] + v["lost"])


def _avg_deal_value(v: Values) -> float | None:
    return calc.ratio(v["revenue"], v["won"])


def _cycle_days(v: Values) -> float | None:
    return calc.scaled(calc.mean(v["cycle_seconds"], v["won"]), calc.SECONDS_PER_DAY)


def _cac(v: Values) -> float | None:
    return calc.ratio(v["spend"], v["new_customers"])


def _clv(v: Values) -> float | None:
    return calc.customer_lifetime_value(v["window_revenue"], v["window_buyers"], v["lifespan_years"],
                                        v["lifespans"])


def _servqual_gap_of(dimension: str) -> Callable[[Values], float | None]:
    def gap(v: Values) -> float | None:
        return calc.servqual_gap(v[f"{dimension}_per_sum"], v[f"{dimension}_per_n"], v[f"{dimension}_exp_sum"],
                                 v[f"{dimension}_exp_n"])

    return gap


SERVQUAL_GAPS = {dimension: _servqual_gap_of(dimension) for dimension in SERVQUAL_DIMENSIONS}
SERVQUAL_INPUTS = {
    f"{dimension}_{side}_{part}": (f"sq_{dimension}_{side}_{part}", "range")
    for dimension in SERVQUAL_DIMENSIONS
    for side in ("exp", "per")
    for part in ("n", "sum")
}

WON = {"won": ("won_count", "range")}
WON_LOST = {"won": ("won_count", "range"), "lost": ("lost_count", "range")}
REVENUE = {"revenue": ("won_amount", "range")}
CYCLE = {"cycle_seconds": ("won_cycle_seconds", "range")}
SPEND = {"spend": ("marketing_spend", "range")}
NEW_CUSTOMERS = {"new_customers": ("new_customers", "range")}
CUSTOMER_BASE = {
    "start": ("active_delta", "before_start"),
    "end": ("active_delta", "through_end"),
    "new": ("new_customers", "range"),
    "churned": ("churned_customers", "range"),
}
CLV_INPUTS = {
    "window_revenue": ("won_amount", "trailing_365"),
    "window_buyers": ("buyers_365_level", "level_at_end"),
    "lifespan_years": ("lifespan_years", "through_end"),
    "lifespans": ("lifespan_count", "through_end"),
}
NPS = {"promoters": ("nps_promoters", "range"), "passives": ("nps_passives", "range"),
       "detractors": ("nps_detractors", "range")}

CATALOG: tuple[Kpi, ...] = (
    # Sales
    Kpi("revenue", _("Revenue"), _("Money from deals won in the period, in the base currency."),
        _("Σ amount of won deals, by close date"), "currency", "up", "flow", "sales", REVENUE,
        lambda v: v["revenue"], ("owner", "team", "pipeline", "campaign", "deal_kind")),
    Kpi("deals_won", _("Deals won"), _("Number of deals won in the period."),
        _("count of won deals, by close date"), "count", "up", "flow", "sales", WON,
        lambda v: v["won"], ("owner", "team", "pipeline", "deal_kind")),
    Kpi("deals_created", _("Deals created"), _("Number of new deals opened in the period."),
        _("count of deals, by creation date"), "count", "up", "flow", "sales",
        {"created": ("deals_created", "range")}, lambda v: v["created"], SALES_DIMS),
    Kpi("win_rate", _("Win rate"), _("Share of the deals closed in the period that were won."),
        _("won ÷ (won + lost), deals closed in the period"), "ratio", "up", "flow", "sales", WON_LOST,
        _win_rate, SALES_DIMS),
    Kpi("avg_deal_value", _("Average deal value"), _("Mean amount of the deals won in the period."),
        _("revenue ÷ deals won"), "currency", "up", "flow", "sales", {**REVENUE, **WON},
        _avg_deal_value, SALES_DIMS),
    Kpi("sales_cycle_days", _("Sales cycle"), _("Mean days from creation to close of the deals won in the period."),
        _("mean of (closed − created) in days over won deals closed in the period"), "days", "down", "flow",
        "sales", {**CYCLE, **WON}, _cycle_days, SALES_DIMS),
    Kpi("stage_duration_days", _("Time in stage"),
        _("Mean days a deal spent in a stage, over the stage exits in the period. A stage is exited when the "
          "next stage is entered or the deal closes; deals still in a stage are not counted."),
        _("mean time in stage over stage exits in the period"), "days", "down", "flow", "sales",
        {"seconds": ("stage_seconds", "range"), "exits": ("stage_exits", "range")},
        lambda v: calc.scaled(calc.mean(v["seconds"], v["exits"]), calc.SECONDS_PER_DAY),
        ("stage", "owner", "pipeline")),
    Kpi("upsell_rate", _("Upsell rate"),
        _("Upsell deals won in the period per customer active at its start."),
        _("won upsell deals closed in the period ÷ customers active at the start"), "ratio", "up", "flow+state",
        "sales", {"upsells": ("upsell_won_count", "range"), "start": ("active_delta", "before_start")},
        lambda v: calc.ratio(v["upsells"], v["start"])),
    Kpi("sales_velocity", _("Sales velocity"),
        _("Expected revenue per day flowing through the pipeline."),
        _("deals created × win rate × average deal value ÷ sales cycle days"), "currency_per_day", "up", "flow",
        "sales", {"created": ("deals_created", "range"), **WON_LOST, **REVENUE, **CYCLE},
        lambda v: calc.sales_velocity(v["created"], _win_rate(v), _avg_deal_value(v), _cycle_days(v)),
        SALES_DIMS),
    Kpi("open_pipeline_value", _("Open pipeline"), _("Amount of the deals open at the end of the period."),
        _("Σ amount of deals created and not closed at the end"), "currency", "up", "state", "sales",
        {"open": ("open_amount_delta", "through_end")}, lambda v: v["open"], ("owner", "team", "pipeline", "stage")),
    Kpi("weighted_pipeline_value", _("Weighted pipeline"),
        _("Open pipeline with each deal weighted by its stage's win probability."),
        _("Σ amount × stage probability of deals open at the end"), "currency", "up", "state", "sales",
        {"weighted": ("weighted_amount_delta", "through_end")}, lambda v: v["weighted"], SALES_DIMS),
    # Marketing and customer base
    Kpi("new_leads", _("New leads"), _("Contacts created in the period."), _("contacts created in the period"),
        "count", "up", "flow", "marketing", {"leads": ("new_leads", "range")}, lambda v: v["leads"],
        ("campaign",)),
    Kpi("new_customers", _("New customers"), _("Customers whose first deal was won in the period."),
        _("customers whose first won deal closed in the period"), "count", "up", "flow", "marketing",
        NEW_CUSTOMERS, lambda v: v["new_customers"], ("campaign",)),
    Kpi("lead_conversion_rate", _("Lead conversion rate"), _("New customers per new lead in the period."),
        _("new customers ÷ new leads"), "ratio", "up", "flow", "marketing",
        {**NEW_CUSTOMERS, "leads": ("new_leads", "range")},
        lambda v: calc.ratio(v["new_customers"], v["leads"]), ("campaign",)),
    Kpi("marketing_spend", _("Marketing spend"), _("Campaign spend dated in the period."),
        _("Σ campaign spend entries dated in the period"), "currency", "none", "flow", "marketing", SPEND,
        lambda v: v["spend"], ("campaign",)),
    Kpi("cac", _("Customer acquisition cost"), _("Marketing spend per new customer."),
        _("marketing spend ÷ new customers"), "currency", "down", "flow", "marketing", {**SPEND, **NEW_CUSTOMERS},
        _cac, ("campaign",)),
    Kpi("campaign_revenue", _("Campaign revenue"), _("Revenue of won deals that came from a campaign."),
        _("revenue of won deals that have a campaign"), "currency", "up", "flow", "marketing",
        {"revenue": ("campaign_won_amount", "range")}, lambda v: v["revenue"], ("campaign",)),
    Kpi("campaign_roi", _("Campaign ROI"), _("Return on marketing spend."),
        _("(campaign revenue − marketing spend) ÷ marketing spend"), "ratio", "up", "flow", "marketing",
        {"revenue": ("campaign_won_amount", "range"), **SPEND},
        lambda v: calc.campaign_roi(v["revenue"], v["spend"]), ("campaign",)),
    Kpi("active_customers", _("Active customers"), _("Customers active at the end of the period."),
        _("customers won and not churned at the end"), "count", "up", "state", "marketing",
        {"end": ("active_delta", "through_end")}, lambda v: v["end"]),
    Kpi("churn_rate", _("Churn rate"), _("Share of the customers active at the start who churned in the period."),
        _("churned in the period ÷ active at the start"), "ratio", "down", "flow+state", "marketing",
        CUSTOMER_BASE, lambda v: calc.ratio(v["churned"], v["start"])),
    Kpi("retention_rate", _("Retention rate"), _("Share of the customers active at the start still active at the end."),
        _("(active at end − new customers) ÷ active at start"), "ratio", "up", "flow+state", "marketing",
        CUSTOMER_BASE, lambda v: calc.retention_rate(v["start"], v["end"], v["new"])),
    Kpi("clv", _("Customer lifetime value"),
        _("Revenue per buying customer over the 365 days ending at the period's end, times the mean lifespan in "
          "years (of 365.25 days) of the customers churned by then."),
        _("(revenue in window ÷ distinct buyers in window) × mean lifespan in years"), "currency", "up",
        "trailing", "marketing", CLV_INPUTS, _clv),
    Kpi("clv_cac_ratio", _("CLV to CAC"), _("Customer lifetime value per unit of acquisition cost."),
        _("CLV ÷ CAC over the period"), "multiple", "up", "mixed", "marketing",
        {**CLV_INPUTS, **SPEND, **NEW_CUSTOMERS}, lambda v: calc.ratio(_clv(v), _cac(v))),
    # Support
    Kpi("tickets_created", _("Tickets created"), _("Tickets opened in the period."), _("tickets by creation date"),
        "count", "none", "flow", "support", {"n": ("tickets_created", "range")}, lambda v: v["n"], TICKET_DIMS,
        team_via="assignee"),
    Kpi("tickets_resolved", _("Tickets resolved"), _("Tickets resolved in the period."),
        _("tickets by resolution date"), "count", "up", "flow", "support", {"n": ("tickets_resolved", "range")},
        lambda v: v["n"], TICKET_DIMS, team_via="assignee"),
    Kpi("backlog", _("Backlog"), _("Tickets open at the end of the period."),
        _("tickets created and not resolved at the end"), "count", "down", "state", "support",
        {"n": ("backlog_delta", "through_end")}, lambda v: v["n"], TICKET_DIMS, team_via="assignee"),
    Kpi("first_response_hours", _("First response time"),
        _("Mean hours to the first public agent reply, over tickets first answered in the period."),
        _("mean of (first public agent reply − created) in hours"), "hours", "down", "flow", "support",
        {"seconds": ("frt_seconds", "range"), "n": ("frt_count", "range")},
        lambda v: calc.scaled(calc.mean(v["seconds"], v["n"]), calc.SECONDS_PER_HOUR), TICKET_DIMS,
        team_via="assignee"),
    Kpi("resolution_hours", _("Resolution time"),
        _("Mean hours from creation to resolution of tickets resolved in the period."),
        _("mean of (resolved − created) in hours"), "hours", "down", "flow", "support",
        {"seconds": ("resolution_seconds", "range"), "n": ("tickets_resolved", "range")},
        lambda v: calc.scaled(calc.mean(v["seconds"], v["n"]), calc.SECONDS_PER_HOUR), TICKET_DIMS,
        team_via="assignee"),
    Kpi("reply_time_hours", _("Reply time"),
        _("Mean hours a customer waited for each public agent reply in the period (internal notes ignored)."),
        _("mean wait before each public agent reply, in hours"), "hours", "down", "flow", "support",
        {"seconds": ("reply_wait_seconds", "range"), "n": ("reply_count", "range")},
        lambda v: calc.scaled(calc.mean(v["seconds"], v["n"]), calc.SECONDS_PER_HOUR),
        ("assignee", "team", "channel"), team_via="assignee"),
    Kpi("sla_breach_rate", _("SLA breach rate"),
        _("Share of tickets resolved in the period whose first response or resolution took longer than the SLA "
          "target for its priority (a ticket never answered measures first response at resolution)."),
        _("breached ÷ resolved, tickets resolved in the period"), "ratio", "down", "flow", "support",
        {"breached": ("sla_breached", "range"), "n": ("tickets_resolved", "range")},
        lambda v: calc.ratio(v["breached"], v["n"]), TICKET_DIMS, team_via="assignee"),
    # Surveys
    Kpi("nps", _("Net Promoter Score"), _("Promoters (9–10) minus detractors (0–6), per 100 NPS responses."),
        _("100 × (promoters − detractors) ÷ responses"), "score", "up", "flow", "surveys", NPS,
        lambda v: calc.net_promoter_score(v["promoters"], v["passives"], v["detractors"]), SURVEY_DIMS,
        team_via="assignee"),
    Kpi("csat", _("Customer satisfaction"), _("Share of CSAT answers of 4 or 5."),
        _("CSAT answers of 4 or 5 ÷ CSAT answers"), "ratio", "up", "flow", "surveys",
        {"top2": ("csat_top2", "range"), "n": ("csat_n", "range")},
        lambda v: calc.ratio(v["top2"], v["n"]), SURVEY_DIMS, team_via="assignee"),
    Kpi("csat_avg", _("Average CSAT"), _("Mean CSAT score (1–5)."), _("mean CSAT score"), "score5", "up", "flow",
        "surveys", {"sum": ("csat_sum", "range"), "n": ("csat_n", "range")},
        lambda v: calc.mean(v["sum"], v["n"]), SURVEY_DIMS, team_via="assignee"),
    Kpi("ces", _("Customer effort score"), _("Mean effort score (1 = very low effort … 5 = very high)."),
        _("mean CES score"), "score5", "down", "flow", "surveys",
        {"sum": ("ces_sum", "range"), "n": ("ces_n", "range")},
        lambda v: calc.mean(v["sum"], v["n"]), SURVEY_DIMS, team_via="assignee"),
    Kpi("servqual_gap", _("SERVQUAL gap"),
        _("Mean perception minus mean expectation (1–7) per dimension; overall, the unweighted mean of the five "
          "dimension gaps (empty if any dimension has no answers)."),
        _("mean perception − mean expectation"), "gap", "up", "flow", "surveys", SERVQUAL_INPUTS,
        lambda v: calc.unweighted_mean([gap(v) for gap in SERVQUAL_GAPS.values()]),
        ("servqual_dimension", "survey")),
    Kpi("survey_response_rate", _("Survey response rate"),
        _("Share of the invitations sent in the period that have a response."),
        _("invitations with a response ÷ invitations sent"), "ratio", "up", "flow", "surveys",
        {"answered": ("invitations_responded", "range"), "sent": ("invitations_sent", "range")},
        lambda v: calc.ratio(v["answered"], v["sent"]), ("survey",)),
)

KPIS: dict[str, Kpi] = {kpi.key: kpi for kpi in CATALOG}
