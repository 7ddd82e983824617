"""The daily measures the roll-up stores, grouped by the family that computes them.

Storage kinds: `flow` is summed over a range; `delta` is a daily change of a state, summed
from the beginning of time; `level` is one day's value of a trailing-window state.
"""

from surveys.kpi_sources import SERVQUAL_DIMENSIONS

SERVQUAL_MEASURES = tuple(
    f"sq_{dimension}_{side}_{part}"
    for dimension in SERVQUAL_DIMENSIONS
    for side in ("exp", "per")
    for part in ("n", "sum")
)

# How many CSAT and CES answers gave each score: the distributions the service dashboard draws.
SCORE_COUNT_MEASURES = tuple(f"{kind}_score_{score}" for kind in ("csat", "ces") for score in range(1, 6))

FAMILY_MEASURES: dict[str, tuple[str, ...]] = {
    "deals": ("deals_created", "won_count", "won_amount", "lost_count", "won_cycle_seconds", "upsell_won_count",
              "campaign_won_amount"),
    "stages": ("stage_exits", "stage_seconds", "open_count_delta", "open_amount_delta", "weighted_amount_delta"),
    "customers": ("new_customers", "churned_customers", "active_delta", "lifespan_count", "lifespan_years",
                  "buyers_365_level"),
    "campaigns": ("marketing_spend", "new_leads"),
    "tickets": ("tickets_created", "tickets_resolved", "resolution_seconds", "sla_breached", "backlog_delta",
                "frt_count", "frt_seconds"),
    "replies": ("reply_count", "reply_wait_seconds"),
    "surveys": ("nps_promoters", "nps_passives", "nps_detractors", "csat_n", "csat_sum", "csat_top2", "ces_n",
                "ces_sum", *SCORE_COUNT_MEASURES, *SERVQUAL_MEASURES, "invitations_sent", "invitations_responded"),
}

MEASURE_FAMILY = {measure: family for family, measures in FAMILY_MEASURES.items() for measure in measures}


def storage_kind(measure: str) -> str:
    if measure.endswith("_delta"):
        return "delta"
    if measure.endswith("_level"):
        return "level"
    return "flow"
