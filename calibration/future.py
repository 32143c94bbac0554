"""What history says a council's next years can do: every council's year-to-year changes.

A council's future is not its last year repeated. DfE's tables show how much councils' rates
per child move from one year to the next: referrals by about 16% (robust standard deviation,
2013-14 to 2024-25), child protection plans started by about 21% and care entries by about 20%
(2021-22 to 2024-25), with heavy tails. The model's projections draw their future from these
changes (:mod:`sim.model.future`), so this module writes them once, for every council and year,
to ``sim/data/reference/year_to_year_changes.csv`` (shipped, so the model needs no DfE tables at
run time), and names the councils a council's future is drawn from: itself and its statistical
neighbours (DfE's 2021 groupings).

``python -m calibration.future`` rewrites the table from the DfE tables in ``calibration/data``.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calibration.ees import Area, councils, find_area, history, statistical_neighbours
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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
