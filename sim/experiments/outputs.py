"""Results as tidy long tables; every measure is defined in :mod:`sim.core.measures`.

Per replication and month: ``scenario, replication, month, financial_year, measure, value``
(Parquet). Summary by financial year (April-March): mean and 5th/50th/95th percentiles across
replications (CSV). Flows are summed over the year; stocks are taken at 31 March (or the last
month-end of the run in that year).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.entities import (
    CHILDREN_IN_NEED_STOCKS,
    LOOKED_AFTER_PREFIX,
    STOCKS,
    WAITING_ALLOCATION,
    State,
)
from sim.core.measures import MEASURES
from sim.experiments.experiment import RunResult
from sim.experiments.level_ranges import widen_frame, years_ahead_of_financial_years

#: Stocks of children at home shown under their own name (CP plans are shown as ``cp_plans``).
_HOME_STOCKS = tuple(
    s for s in STOCKS if not s.startswith(LOOKED_AFTER_PREFIX) and s != State.CP_PLAN.value
)


def monthly_frame(result: RunResult) -> pd.DataFrame:
    """One replication as a tidy long frame: one row per month and measure."""
    cal = result.calendar
    months = [cal.month_date(m).strftime("%Y-%m") for m in range(cal.months)]
    fys = [cal.financial_year(m) for m in range(cal.months)]
    cols: dict[str, np.ndarray] = {k: v for k, v in result.flows.items()}
    stock = result.month_end_stock
    placements = [k for k in stock if k.startswith(LOOKED_AFTER_PREFIX)]
    cols["looked_after"] = sum(stock[k] for k in placements)
    for k in placements:
        cols[k] = stock[k]
    cols["child_days_in_care"] = sum(result.child_days[k] for k in placements)
    for k in placements:
        cols["child_days_" + k.removeprefix(LOOKED_AFTER_PREFIX)] = result.child_days[k]
    # waiting child-days in the month, including waits still running at its end
    cols["allocation_wait_child_days"] = result.child_days[WAITING_ALLOCATION]
    for name, m in MEASURES.items():
        if m.kind == "flow" and not m.enrolled_only and name not in cols:
            cols[name] = np.zeros(cal.months)
    cols["children_in_need"] = cols["looked_after"] + sum(stock[k] for k in CHILDREN_IN_NEED_STOCKS)
    cols["cp_plans"] = stock[State.CP_PLAN.value]
    for k in _HOME_STOCKS:
        cols[k] = stock[k]
    cols.update(result.month_end_values)
    for name, value in result.extra.items():  # run-level results, shown at the horizon
        col = np.full(cal.months, np.nan)
        col[-1] = value
        cols[name] = col
    n = cal.months
    names = sorted(cols)
    # one block of measures x months, laid out measure by measure (one frame, not one a measure)
    out = pd.DataFrame(
        {
            "month": np.tile(np.array(months, dtype=object), len(names)),
            "financial_year": np.tile(np.array(fys, dtype=object), len(names)),
            "measure": np.repeat(np.array(names, dtype=object), n),
            "value": np.concatenate([np.asarray(cols[k], dtype=float)[:n] for k in names]),
        }
    )
    out = out[out["value"].notna()].reset_index(drop=True)
    out.insert(0, "replication", result.replication)
    out.insert(0, "scenario", result.scenario)
    return out


#: Measures that are stocks (taken at a month end, not summed) when MEASURES does not say.
_OTHER_STOCKS = frozenset(
    {
        *_HOME_STOCKS,
        "social_worker_fte",
        "social_worker_fte_core",
        "early_help_fte_core",
        "front_door_waiting",
        "early_help_families_open",
    }
)


def _kind(measure: str) -> str:
    m = MEASURES.get(measure)
    if m is not None:
        return m.kind
    if measure.startswith("policy_families_enrolled_") or measure in _OTHER_STOCKS:
        return "stock"
    return "flow"


def yearly_frame(monthly: pd.DataFrame) -> pd.DataFrame:
    """Per replication and financial year: flows summed, stocks at the year's last month-end."""
    kinds = {m: _kind(m) for m in monthly["measure"].unique()}  # once per measure, not per row
    monthly = monthly.assign(kind=monthly["measure"].map(kinds))
    keys = ["scenario", "replication", "financial_year", "measure"]
    flows = monthly[monthly["kind"] == "flow"].groupby(keys, as_index=False)["value"].sum()
    stocks = (
        monthly[monthly["kind"] == "stock"]
        .sort_values("month")
        .groupby(keys, as_index=False)["value"]
        .last()
    )
    out = pd.concat([flows, stocks], ignore_index=True)
    wide = out.pivot_table(index=keys[:3], columns="measure", values="value").reset_index()
    rates = []
    if "rereferrals_12m" in wide and "referrals" in wide:
        rates.append(("rereferral_rate", 100 * wide["rereferrals_12m"] / wide["referrals"]))
    if "cp_plans_repeat" in wide and "cp_plans_started" in wide:
        rates.append(("cp_repeat_rate", 100 * wide["cp_plans_repeat"] / wide["cp_plans_started"]))
    if "care_reentries_12m" in wide and "care_entries" in wide:
        rates.append(("care_reentry_rate", 100 * wide["care_reentries_12m"] / wide["care_entries"]))
    for name, values in rates:
        out = pd.concat(
            [out, wide[keys[:3]].assign(measure=name, value=values.to_numpy())], ignore_index=True
        )
    return out.sort_values(keys, ignore_index=True)


def summary_frame(
    yearly: pd.DataFrame, population: float | None = None, future: str = "uncertain"
) -> pd.DataFrame:
    """Mean and 5th/50th/95th percentiles across replications, per financial year and measure.

    With drawn futures the 5th-95th range of a level the back-test checked is widened by its
    misses (:mod:`sim.experiments.level_ranges`); the median stays the replications'.
    """
    g = yearly.groupby(["scenario", "financial_year", "measure"])["value"]
    out = g.agg(
        mean="mean",
        p5=lambda v: v.quantile(0.05),
        p50="median",
        p95=lambda v: v.quantile(0.95),
        replications="count",
    ).reset_index()
    if future == "uncertain" and not out.empty:
        out = widen_frame(out, "measure", years_ahead_of_financial_years(out["financial_year"]))
    out["unit"] = out["measure"].map(lambda m: MEASURES[m].unit if m in MEASURES else "")
    if population:
        per = out["unit"].isin(["children"])
        out["mean_per_10k"] = np.where(per, out["mean"] / population * 1e4, np.nan)
    return out
