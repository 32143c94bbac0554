"""Ranges of levels widened by how far the model's projections have missed.

The replications' own spread (chance, and the futures each replication draws) is narrower than
what happened to councils in the back-test: the fit's own error is not in it. A level's range
(children looked after, referrals, CP plans...) therefore has both ends moved out by a margin on
the log scale, per measure, years ahead and level of range, fitted on the back-test
(:mod:`calibration.ranges`; shipped in ``sim/data/reference/range_widening.csv``, read by
:mod:`sim.inputs.range_evidence`): ``low x exp(-margin)`` to ``high x exp(margin)``. A margin of
0.12 turns a range of 380 to 460 into 337 to 519; a range never crosses zero.

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


def widen(low: float, high: float, margin: float) -> tuple[float, float]:
    """``low`` and ``high`` moved out by ``margin`` on the log scale (see the module)."""
    if margin == 0.0:
        return low, high
    return low * math.exp(-margin), high * math.exp(margin)


def widen_frame(
    frame: pd.DataFrame, measure_col: str, years_ahead: pd.Series | np.ndarray
) -> pd.DataFrame:
    """``frame``'s ``p5``/``p95`` widened for each row's measure and years ahead, at the shown
    level; rows of measures the back-test did not check stay as they are."""
    out = frame.copy()
    ahead = np.asarray(years_ahead, dtype=float)
    margins = np.array(
        [widening(m, a, SHOWN_LEVEL) for m, a in zip(out[measure_col], ahead, strict=True)]
    )
    out["p5"] = out["p5"].to_numpy(float) * np.exp(-margins)
    out["p95"] = out["p95"].to_numpy(float) * np.exp(margins)
    return out


def years_ahead_of_months(months: pd.Series) -> np.ndarray:
    """Years from the start of the run to each month's end (the first month: 1/12)."""
    order = {m: i for i, m in enumerate(sorted(months.unique()))}
    return np.array([(order[m] + 1) / 12 for m in months])


def years_ahead_of_financial_years(years: pd.Series) -> np.ndarray:
    """Years from the start of the run to each financial year's end (the first: 1)."""
    order = {y: i for i, y in enumerate(sorted(years.unique()))}
    return np.array([order[y] + 1.0 for y in years])
