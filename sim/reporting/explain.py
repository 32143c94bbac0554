"""Why a projection moves, in plain words, built from the run itself.

A chart of looked-after children that falls or rises needs a sentence a director can repeat:
"About 140 children start care a year and 150 leave: the number looked after falls slowly".
The numbers come from the run's own flows (care entries and exits a year, averaged over the
horizon and the replications) and its own stock at the start and at the horizon, so the words
and the chart cannot disagree.
"""

from __future__ import annotations

import pandas as pd

from sim.experiments.comparison import BASELINE

#: Yearly change (% of the starting number) below which a stock is "about level", and below
#: which it changes "slowly" (judgement: 0.5% a year is within a run's chance over five years;
#: 2.5% a year is Dorset's 2024-25 gap between starts and exits).
LEVEL_PCT_PER_YEAR = 0.5
SLOW_PCT_PER_YEAR = 2.5
#: Months in a year (a run's flows are counted by month).
MONTHS_PER_YEAR = 12


def about(n: float) -> str:
    """A count as people say it: to the nearest 10 from 100, the nearest 5 from 20."""
    if n >= 100:
        return f"{round(n / 10) * 10:,.0f}"
    if n >= 20:
        return f"{round(n / 5) * 5:.0f}"
    return f"{round(n):.0f}"


def _mean_by_month(monthly: pd.DataFrame, measure: str) -> pd.Series:
    sel = monthly[monthly["measure"] == measure]
    return sel.groupby("month")["value"].mean().sort_index()


def looked_after_in_words(monthly: pd.DataFrame, variant: str = BASELINE) -> str:
    """Why the number of children looked after moves over the run, in one sentence.

    ``monthly``: a run's monthly frame (``month, measure, value`` and, for a comparison,
    ``variant``; replications are averaged). Starts and leavings are the run's care entries
    and exits a year over the whole horizon; the change is from the first month's end to the
    last. Raises ``ValueError`` naming what is missing when the frame has no looked-after
    figures or no flows into and out of care.
    """
    if "variant" in monthly:
        monthly = monthly[monthly["variant"] == variant]
    stock = _mean_by_month(monthly, "looked_after")
    entries = _mean_by_month(monthly, "care_entries")
    exits = _mean_by_month(monthly, "care_exits")
    missing = [n for n, s in (("looked_after", stock), ("care_entries", entries)) if s.empty]
    missing += ["care_exits"] if exits.empty else []
    if missing:
        raise ValueError(
            f"looked_after_in_words: the run has no {', '.join(missing)} figures "
            f"for variant {variant!r}"
        )
    years = len(stock) / MONTHS_PER_YEAR
    start_per_year = entries.sum() / (len(entries) / MONTHS_PER_YEAR)
    leave_per_year = exits.sum() / (len(exits) / MONTHS_PER_YEAR)
    first, last = float(stock.iloc[0]), float(stock.iloc[-1])
    pct_per_year = 100 * (last - first) / max(first, 1.0) / max(years, 1 / MONTHS_PER_YEAR)
    if abs(pct_per_year) < LEVEL_PCT_PER_YEAR:
        trend = "the number looked after stays about level"
    else:
        way = "rises" if pct_per_year > 0 else "falls"
        pace = " slowly" if abs(pct_per_year) < SLOW_PCT_PER_YEAR else ""
        trend = f"the number looked after {way}{pace}"
    span = f"{years:.0f} years" if years >= 1.5 else f"{len(stock)} months"
    return (
        f"About {about(start_per_year)} children start care a year and "
        f"{about(leave_per_year)} leave: {trend}, from about {about(first)} to about "
        f"{about(last)} over {span}."
    )


__all__ = ["about", "looked_after_in_words"]
