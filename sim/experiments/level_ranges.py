"""Ranges of levels widened by how far the model's projections have missed.

The replications' own spread (chance, and the futures each replication draws) is narrower than
what happened to councils in the back-test. A level's range (children looked after, referrals,
CP plans...) is therefore widened around the replications' mean by a factor per measure, years
ahead and level of range, fitted on the back-test (:mod:`calibration.ranges`; shipped in
``sim/data/reference/range_widening.csv``, read by :mod:`sim.inputs.range_evidence`).

The widening is on the log scale: a factor ``k`` moves each end ``k`` times as far from the mean,
in proportion (a 90% range of 95 to 110 about a mean of 100, widened by 2, becomes 90.25 to
121), so a range never crosses zero and a small council's wide range widens in proportion.
Where the mean or an end is not above zero the same factor widens in plain numbers (the low end
stopping at zero).

Only levels are widened. Differences between a pilot and today's way of working share their
futures (common random numbers), so their ranges are the policy's own and stay as simulated.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.inputs.range_evidence import widening

#: The level of range the shown 5th-95th percentiles are (a 90% range).
SHOWN_LEVEL = 90


def widen(centre: float, low: float, high: float, factor: float) -> tuple[float, float]:
    """``low`` and ``high`` moved ``factor`` times as far from ``centre`` (see the module)."""
    if factor == 1.0 or any(math.isnan(v) for v in (centre, low, high)):
        return low, high
    if centre > 0 and low > 0 and high > 0:
        down = max(0.0, math.log(centre / low))
        up = max(0.0, math.log(high / centre))
        return centre * math.exp(-factor * down), centre * math.exp(factor * up)
    return max(0.0, centre - factor * max(0.0, centre - low)), centre + factor * max(
        0.0, high - centre
    )


def widen_frame(
    frame: pd.DataFrame, measure_col: str, years_ahead: pd.Series | np.ndarray
) -> pd.DataFrame:
    """``frame``'s ``p5``/``p95`` (about its ``mean``) widened for each row's measure and years
    ahead, at the shown level; rows of measures the back-test did not check stay as they are."""
    out = frame.copy()
    ahead = np.asarray(years_ahead, dtype=float)
    lows, highs = [], []
    for i, (m, c, lo, hi) in enumerate(
        zip(out[measure_col], out["mean"], out["p5"], out["p95"], strict=True)
    ):
        low, high = widen(float(c), float(lo), float(hi), widening(m, ahead[i], SHOWN_LEVEL))
        lows.append(low)
        highs.append(high)
    out["p5"], out["p95"] = lows, highs
    return out


def years_ahead_of_months(months: pd.Series) -> np.ndarray:
    """Years from the start of the run to each month's end (the first month: 1/12)."""
    order = {m: i for i, m in enumerate(sorted(months.unique()))}
    return np.array([(order[m] + 1) / 12 for m in months])


def years_ahead_of_financial_years(years: pd.Series) -> np.ndarray:
    """Years from the start of the run to each financial year's end (the first: 1)."""
    order = {y: i for i, y in enumerate(sorted(years.unique()))}
    return np.array([order[y] + 1.0 for y in years])
