"""A comparison's frames shaped for charts and tables: bands by month, costs by year.

Pure functions of the frames a comparison writes (``monthly``, ``costs``): no simpy, no
randomness, no file I/O. The dashboard and the bid report draw from them, so both show the same
numbers.
"""

from __future__ import annotations

import pandas as pd

from sim.experiments.comparison import BASELINE
from sim.experiments.level_ranges import widen_frame, years_ahead_of_months


def bands(
    monthly: pd.DataFrame, measure: str, effects: str = "sampled", future: str = "uncertain"
) -> pd.DataFrame:
    """Mean and 5th-95th percentile by month for the baseline and each variant.

    With drawn futures (``future="uncertain"``) the range is widened by the back-test's misses
    (:mod:`sim.experiments.level_ranges`); with the future fixed it is chance alone.
    """
    sel = monthly[
        (monthly["measure"] == measure)
        & ((monthly["variant"] == BASELINE) | (monthly["effects"] == effects))
    ]
    g = sel.groupby(["variant", "month"])["value"]
    out = g.agg(mean="mean", p5=lambda v: v.quantile(0.05), p95=lambda v: v.quantile(0.95))
    out = out.reset_index()
    if future != "uncertain" or out.empty:
        return out
    out["measure"] = measure
    widened = widen_frame(out, "measure", years_ahead_of_months(out["month"]))
    return widened.drop(columns="measure")


def cost_by_year(
    costs: pd.DataFrame, effects: str = "sampled", *, by_line: bool = False
) -> pd.DataFrame:
    """Mean cost by financial year (and line, if ``by_line``) for the baseline and each variant."""
    base = costs[costs["variant"] == BASELINE]
    # the baseline as costed for this effect mode (sampled effects draw their unit costs)
    base = base[base["effects"] == (effects if (base["effects"] == effects).any() else "none")]
    sel = pd.concat([base, costs[(costs["variant"] != BASELINE) & (costs["effects"] == effects)]])
    keys = ["variant", "financial_year", *(["line"] if by_line else [])]
    per_rep = sel.groupby([*keys[:1], "replication", *keys[1:]])["cost_gbp"].sum()
    return per_rep.groupby(keys).mean().reset_index()


def cost_difference_by_year(
    costs: pd.DataFrame, variant: str, effects: str = "sampled"
) -> pd.DataFrame:
    """The variant's cost minus today's by financial year: mean, 5th and 95th percentile (GBP).

    Replications are paired (the same families with and without the pilot), so the range is
    that of the difference in each replication, not of two totals that each vary; a year one of
    the two has no cost in counts as 0. Columns: ``financial_year, mean, p5, p95`` (+ costs
    more than today). Raises ``ValueError`` naming the variant when ``costs`` has none of it.
    """
    by_year = cost_by_year_per_replication(costs, effects)
    wide = by_year.pivot_table(
        index=["replication", "financial_year"], columns="variant", values="cost_gbp"
    ).fillna(0.0)
    if variant not in wide or BASELINE not in wide:
        raise ValueError(
            f"cost_difference_by_year: no costs for {variant!r} and today's way of working "
            f"(variants in the costs: {sorted(map(str, wide.columns))})"
        )
    diff = (wide[variant] - wide[BASELINE]).rename("difference").reset_index()
    g = diff.groupby("financial_year")["difference"]
    out = g.agg(mean="mean", p5=lambda v: v.quantile(0.05), p95=lambda v: v.quantile(0.95))
    return out.reset_index()


def cost_by_year_per_replication(costs: pd.DataFrame, effects: str = "sampled") -> pd.DataFrame:
    """Total cost by variant, replication and financial year (the baseline as costed for
    ``effects``, as :func:`cost_by_year` takes it)."""
    base = costs[costs["variant"] == BASELINE]
    base = base[base["effects"] == (effects if (base["effects"] == effects).any() else "none")]
    sel = pd.concat([base, costs[(costs["variant"] != BASELINE) & (costs["effects"] == effects)]])
    keys = ["variant", "replication", "financial_year"]
    return sel.groupby(keys)["cost_gbp"].sum().reset_index()
