"""What history says a council's next years can do: every council's year-to-year changes.

A council's future is not its last year repeated. DfE's tables show how much councils' rates
per child move from one year to the next: referrals by about 16% (robust standard deviation,
2013-14 to 2024-25), child protection plans started by about 21% and care entries by about 20%
(2021-22 to 2024-25), with heavy tails. The model's projections draw their future from these
changes (:mod:`sim.model.future`), so this module writes them once, for every council and year,
to ``sim/data/reference/year_to_year_changes.csv`` (shipped, so the model needs no DfE tables at
run time), and names the councils a council's future is drawn from: itself and its statistical
neighbours (DfE's 2021 groupings).

A council's rates also drift toward its neighbours' in a projection (:mod:`sim.model.future`):
:func:`neighbour_pull` fits the share of the gap closed a year on every council's published
figures, and :func:`pull_toward_neighbours` writes a fitted council's gaps and pulls into its
parameters.

``python -m calibration.future`` rewrites the table from the DfE tables in ``calibration/data``
and prints the pulls fitted up to the latest year.
"""

from __future__ import annotations

import functools
import itertools
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calibration.ees import (
    Area,
    History,
    councils,
    find_area,
    history,
    statistical_neighbours,
)
from sim.inputs.future_changes import CHANGES_FILE, MEASURES


def council_changes(area: Area) -> pd.DataFrame:
    """One council's log change in each measure's rate per child into each year.

    A change is ``log(rate this year / rate last year)``; it is missing where either year's
    figure is missing or zero (DfE suppresses small numbers), or the years are not consecutive.
    """
    t = history(area).table
    years = list(t.index)
    rows = []
    for last, year in itertools.pairwise(years):
        if int(year[:4]) != int(last[:4]) + 1:
            continue
        row: dict[str, object] = {"council": area.name, "year": year}
        for m in MEASURES:
            now, before = t.at[year, m], t.at[last, m]
            pop_now, pop_before = t.at[year, "population"], t.at[last, "population"]
            ok = all(np.isfinite([now, before, pop_now, pop_before])) and now > 0 and before > 0
            row[m] = (
                round(float(np.log(now / pop_now) - np.log(before / pop_before)), 5) if ok else None
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=["council", "year", *MEASURES])


def all_changes() -> pd.DataFrame:
    """Every council's changes (councils in the latest DfE tables) and England's own, sorted by
    council and year."""
    frames = [council_changes(a) for a in [*councils(), find_area("England")]]
    return pd.concat(frames, ignore_index=True).sort_values(["council", "year"])


def future_pool(area: Area) -> list[str]:
    """The councils whose changes a council's future is drawn from: itself, then its statistical
    neighbours (those still in the tables), closest first."""
    known = {a.name for a in councils()}
    names = [area.name] + [n.name for n in statistical_neighbours(area) if n.name != area.name]
    return [n for n in dict.fromkeys(names) if n in known]


def own_future(p: dict[str, Any], area: Area, year: str) -> None:
    """Draw the council's future from its own and its statistical neighbours' published
    year-to-year changes, up to the fitted year (:mod:`calibration.future`)."""
    future = {"councils": future_pool(area), "up_to_year": year}
    items = [(k, v) for k, v in p.items() if k != "future"]
    p.clear()
    for k, v in items:
        if k == "sources":
            p["future"] = future
        p[k] = v
    p.setdefault("future", future)
    p["sources"]["future"] = (
        f"DfE year-to-year changes in referrals, CP plans started and care entries per child of "
        f"{area.name} and its statistical neighbours (DfE 2021 groupings), up to {year}"
    )


@functools.lru_cache(maxsize=1)
def histories_and_neighbours() -> tuple[dict[str, History], dict[str, tuple[str, ...]]]:
    """Every council's history, read once, and the names of its statistical neighbours (as
    calibration takes them: a neighbour no longer in the tables still counts with its past)."""
    areas = councils()
    hists = {a.name: history(a) for a in areas}
    peers = {}
    for a in areas:
        nbrs = [n for n in statistical_neighbours(a) if n.name != a.name]
        for n in nbrs:
            if n.name not in hists:
                hists[n.name] = history(n)
        peers[a.name] = tuple(n.name for n in nbrs)
    return hists, peers


def rate_per_10k(table: pd.DataFrame, measure: str, year: str) -> float:
    """A council's published rate of ``measure`` per 10,000 children in ``year`` (NaN where the
    year or figure is missing)."""
    if year not in table.index:
        return float("nan")
    return float(table.at[year, measure] / table.at[year, "population"] * 1e4)


def _shift(year: str, years: int) -> str:
    start = int(year[:4]) + years
    return f"{start}-{(start + 1) % 100:02d}"


#: Shares of the gap closed a year that :func:`neighbour_pull` tries.
PULL_GRID = tuple(round(0.025 * i, 3) for i in range(17))
#: How many years ahead :func:`neighbour_pull` scores a pull on.
PULL_HORIZONS = (1, 2, 3)
#: Where a measure's published years up to the year give fewer than two horizons to score (care
#: entries before 2022-23), its pull is the measure's named here (judgement, as for the pool's
#: care-entry changes: care entries move with child protection when nothing else is known).
PULL_FALLBACK = {"care_entries": "cp_plans_started"}
#: The smallest published count scored (smaller counts' % errors are mostly noise, and the
#: back-test leaves them out too).
PULL_MIN_COUNT = 20


@functools.cache
def _pull_cases(measure: str, up_to_year: str) -> dict[int, np.ndarray]:
    """Per horizon ``h``: rows (count at the start, count ``h`` years on, log gap to the
    neighbours' mean rate at the start) for every council and start year with ``h`` years on no
    later than ``up_to_year``."""
    hists, peers = histories_and_neighbours()
    tables = {name: h.table for name, h in hists.items()}
    out = {}
    for h in PULL_HORIZONS:
        rows = []
        for name, nbrs in peers.items():
            t = tables[name]
            for start in t.index:
                year = _shift(start, h)
                if year > up_to_year or year not in t.index:
                    continue
                last, actual = float(t.at[start, measure]), float(t.at[year, measure])
                rate = rate_per_10k(t, measure, start)
                nbr = [rate_per_10k(tables[n], measure, start) for n in nbrs]
                nbr = [v for v in nbr if v > 0]
                counted = np.isfinite([last, actual]).all()
                counts_ok = counted and min(last, actual) >= PULL_MIN_COUNT
                if not nbr or not rate > 0 or not counts_ok:
                    continue
                rows.append((last, actual, math.log(float(np.mean(nbr)) / rate)))
        out[h] = np.array(rows, dtype=float).reshape(-1, 3)
    return out


def pull_errors(measure: str, up_to_year: str, pull: float) -> dict[int, float]:
    """Per years ahead (:data:`PULL_HORIZONS` with published figures up to ``up_to_year``): the
    median absolute % error over councils and start years of ``count * exp(gap * (1 - (1 -
    pull) ** h))``, the count moved ``pull`` of its log gap to the neighbours' rate a year (0:
    "same as last year")."""
    out = {}
    for h, c in _pull_cases(measure, up_to_year).items():
        if len(c):
            forecast = c[:, 0] * np.exp(c[:, 2] * (1 - (1 - pull) ** h))
            out[h] = float(np.median(np.abs(forecast / c[:, 1] - 1)) * 100)
    return out


@functools.cache
def neighbour_pull(measure: str, up_to_year: str) -> float:
    """The share of the log gap to the neighbours' mean rate closed a year that best foresaw
    every council's ``measure`` one to three years on, in DfE's figures up to ``up_to_year``:
    the pull of :data:`PULL_GRID` with the least mean over years ahead of :func:`pull_errors`
    (see :data:`PULL_FALLBACK` where the years are too few)."""
    if len(pull_errors(measure, up_to_year, 0.0)) < 2:
        if measure in PULL_FALLBACK:
            return neighbour_pull(PULL_FALLBACK[measure], up_to_year)
        raise ValueError(
            f"future: too few years of published {measure} of councils up to {up_to_year} to "
            f"fit a pull toward the neighbours"
        )
    scores = [float(np.mean(list(pull_errors(measure, up_to_year, p).values()))) for p in PULL_GRID]
    return PULL_GRID[int(np.argmin(scores))]


def _fitted_gap(params: dict[str, Any], measure: str) -> float:
    """Log gap from the rate the council was fitted to toward its neighbours' mean rate, from
    how its targets were made (0 where the fit has no neighbours for it)."""
    how = params.get("provenance", {}).get("how_targets_were_made", {}).get(measure)
    if not isinstance(how, dict) or not how.get("neighbours") or not how.get("council"):
        return 0.0
    w = float(how["weight_on_council"])
    nbr = float(how["neighbours"])
    target = w * float(how["council"]) + (1 - w) * nbr
    return round(math.log(nbr / target), 4) if target > 0 else 0.0


def pull_toward_neighbours(params: dict[str, Any]) -> None:
    """Write into a fitted council's parameters its gaps to its neighbours' rates
    (``future.toward_neighbours``) and the pulls fitted up to its reference year
    (``future.pull_per_year``); the fit itself runs with fixed futures, so it stands."""
    year = params["reference_year"]
    future = params.setdefault("future", {})
    future["toward_neighbours"] = {m: _fitted_gap(params, m) for m in MEASURES}
    future["pull_per_year"] = {m: neighbour_pull(m, year) for m in MEASURES}
    params.setdefault("sources", {})["future.pull_per_year"] = (
        f"fitted on every council's published referrals, CP plans started and care entries per "
        f"child up to {year} (DfE): the share of the gap to the statistical neighbours' mean rate "
        f"closed a year that best foresaw them one to three years on (calibration.future)"
    )


#: The share of the gap to the statistical neighbours' looked-after rate that a council's projected
#: stock closes a year (:mod:`sim.model.stock_drift`). Fitted on the model's own projections, not on
#: the published stocks alone: the pull that brings the back-test of every council (0.12.0, fitted
#: to 2021-22, three years on, no drift: ``docs/data/backtest_3yr_2024-25_0.12.0.csv``) nearest what
#: was published, by its median absolute % error averaged over one to three years on
#: (:func:`calibration.predictability.model_pull`; 0.05: 5.35, 6.74 and 7.33% against 5.23, 6.50 and
#: 8.37% unmoved and 5.03, 6.88 and 8.06% for "same as last year"). The published stocks alone,
#: 2020-21 to 2024-25, close 0.075-0.1 of the gap a year (:func:`neighbour_pull` of
#: ``looked_after``), but the model's flows already lean toward the neighbours (their targets are
#: shrunk toward them), so that would count part of the pull twice. The projected years are among
#: those the pull was fitted on: one number, a judgement. Re-checked on the back-test of every
#: council refitted on 0.14.1 with the drift on (``docs/data/backtest_3yr_2024-25.csv``): a further
#: pull of -0.05 to +0.075 on top of 0.05 is best at none (looked after's median error averaged over
#: one to three years on: 6.42; +0.025: 6.45, +0.05: 6.43, -0.025: 6.63), so 0.05 stands; ``csc-sim
#: backtest --stock-pull`` projects kept fits with another share.
STOCK_PULL = 0.05


def looked_after_gap(council: str, year: str, own_rate: float) -> float:
    """Log gap from the council's looked-after rate ``own_rate`` (per 10,000 children) to its
    statistical neighbours' mean rate in ``year`` (0 with no neighbours' figures)."""
    hists, peers = histories_and_neighbours()
    nbr = [rate_per_10k(hists[n].table, "looked_after", year) for n in peers.get(council, ())]
    nbr = [v for v in nbr if v > 0]
    if not nbr or not own_rate > 0:
        return 0.0
    return round(math.log(float(np.mean(nbr)) / own_rate), 4)


def stock_toward_neighbours(params: dict[str, Any], pull: float = STOCK_PULL) -> None:
    """Write into a fitted council's parameters the drift of its looked-after stock toward its
    neighbours' (:mod:`sim.model.stock_drift`): the gap from the stock it was fitted to, and
    ``pull`` (:data:`STOCK_PULL`; another share only to try one, as ``backtest --stock-pull``
    does); the fit itself runs with fixed futures."""
    year = params["reference_year"]
    prov = params.get("provenance", {})
    own = prov.get("targets", {}).get("looked_after")
    gap = looked_after_gap(prov.get("council", ""), year, float(own)) if own else 0.0
    future = params.setdefault("future", {})
    future.setdefault("toward_neighbours", {})["looked_after"] = gap
    future.setdefault("pull_per_year", {})["looked_after"] = pull
    params.setdefault("sources", {})["future.pull_per_year.looked_after"] = (
        "the share of the gap to the statistical neighbours' looked-after rate a year that brought "
        "the model's back-test of every council (fitted to 2021-22, three years on) nearest the "
        "published stocks (DfE; calibration.future.STOCK_PULL)"
        if pull == STOCK_PULL
        else f"{pull}: a share tried in a back-test (calibration.future.STOCK_PULL is {STOCK_PULL})"
    )


def write_changes(path: Path = CHANGES_FILE) -> pd.DataFrame:
    """Rewrite the shipped table of changes; returns it."""
    table = all_changes()
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return table


def main(argv: list[str] | None = None) -> int:
    table = write_changes()
    print(f"wrote {len(table)} council-years of changes to {CHANGES_FILE.name}")
    for m in MEASURES:
        v = table[m].dropna()
        robust = float(np.median(np.abs(v - v.median())) * 1.4826)
        print(f"  {m}: {len(v)} changes, robust standard deviation {robust:.3f}")
    year = str(table["year"].max())
    for m in MEASURES:
        print(
            f"  {m}: share of the gap to the neighbours closed a year, fitted up to {year}: "
            f"{neighbour_pull(m, year)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
