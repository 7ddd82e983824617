"""Pure KPI formulas: plain numbers in, a number or None out. No database.

Each function is the single definition of its KPI's arithmetic; the catalog wires them to
the summed daily measures. A ratio with a zero denominator and a mean of nothing are None.
"""

SECONDS_PER_DAY = 86_400.0
SECONDS_PER_HOUR = 3_600.0


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator ÷ denominator, None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def mean(total: float, count: float) -> float | None:
    """A mean from its sum and count; None for a mean of nothing."""
    return ratio(total, count)


def scaled(value: float | None, divisor: float) -> float | None:
    return None if value is None else value / divisor


def difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def product(*factors: float | None) -> float | None:
    result = 1.0
    for factor in factors:
        if factor is None:
            return None
        result *= factor
    return result


def net_promoter_score(promoters: float, passives: float, detractors: float) -> float | None:
    """100 × (promoters − detractors) ÷ all responses."""
    share = ratio(promoters - detractors, promoters + passives + detractors)
    return None if share is None else 100.0 * share


def sales_velocity(deals_created: float, win_rate: float | None, avg_deal_value: float | None,
                   sales_cycle_days: float | None) -> float | None:
    """Pipeline throughput per day: deals × win rate × average value ÷ cycle length in days."""
    if win_rate is None or avg_deal_value is None:
        return None
    return ratio(deals_created * win_rate * avg_deal_value, sales_cycle_days)


def campaign_roi(revenue: float, spend: float) -> float | None:
    """(revenue − spend) ÷ spend."""
    return ratio(revenue - spend, spend)


def retention_rate(active_at_start: float, active_at_end: float, new_customers: float) -> float | None:
    """(E − N) ÷ S: the share of the customers at the start still active at the end."""
    return ratio(active_at_end - new_customers, active_at_start)


def customer_lifetime_value(window_revenue: float, window_buyers: float, lifespan_years_total: float,
                            lifespans_counted: float) -> float | None:
    """Customer value per year in the trailing window × mean customer lifespan in years."""
    return product(ratio(window_revenue, window_buyers), mean(lifespan_years_total, lifespans_counted))


def servqual_gap(perception_sum: float, perception_count: float, expectation_sum: float,
                 expectation_count: float) -> float | None:
    """Mean perception − mean expectation of one SERVQUAL dimension."""
    return difference(mean(perception_sum, perception_count), mean(expectation_sum, expectation_count))


def unweighted_mean(values: list[float | None]) -> float | None:
    """The plain mean of several values; None if any is None (all must be known)."""
    if not values or any(v is None for v in values):
        return None
    return sum(values) / len(values)  # type: ignore[arg-type]
