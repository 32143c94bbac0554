"""How much a council's next year can be told from its history: the limit the back-test runs into.

The back-test's naive forecast "same as last year" is the best forecast of a series whose
changes have no memory. For each year this measures, over every council with the figures:

- ``change_correlation``: the correlation of the council's change in rate into the year with its
  change into the year before (0: no memory; below 0: changes partly undone the next year);
- ``toward_neighbours``: the share of councils whose rate moved toward their statistical
  neighbours' mean of the year before (0.5: no pull toward peers);
- ``median_abs_change_pct``: the median size of the change, % (the error of "same as last
  year" that a forecast of the change must beat).

``python -m calibration.predictability [measure ...]`` prints them.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from calibration.backtest import previous_year
from calibration.ees import councils, history, statistical_neighbours


def _rate(table: pd.DataFrame, measure: str, year: str) -> float:
    if year not in table.index:
        return float("nan")
    return float(table.at[year, measure] / table.at[year, "population"] * 1e4)


def predictability(measure: str, years: list[str]) -> pd.DataFrame:
    """One row per year in ``years`` (each against the two before it); see the module doc."""
    areas = councils()
    tables = {a.name: history(a).table for a in areas}
    peers = {
        a.name: [n.name for n in statistical_neighbours(a) if n.name in tables and n.name != a.name]
        for a in areas
    }
    rows = []
    for year in years:
        last, before = previous_year(year), previous_year(previous_year(year))
        now_changes, last_changes, toward = [], [], []
        for name, t in tables.items():
            r0, r1, r2 = (_rate(t, measure, y) for y in (before, last, year))
            if np.isnan([r0, r1, r2]).any() or min(r0, r1, r2) <= 0:
                continue
            now_changes.append(r2 / r1 - 1)
            last_changes.append(r1 / r0 - 1)
            nbr = [_rate(tables[n], measure, last) for n in peers[name]]
            nbr = [v for v in nbr if not np.isnan(v)]
            if nbr and np.mean(nbr) != r1:
                toward.append((r2 - r1) * (np.mean(nbr) - r1) > 0)
        if len(now_changes) < 3:
            continue
        rows.append(
            {
                "year": year,
                "measure": measure,
                "councils": len(now_changes),
                "change_correlation": float(np.corrcoef(now_changes, last_changes)[0, 1]),
                "toward_neighbours": float(np.mean(toward)) if toward else float("nan"),
                "median_abs_change_pct": float(np.median(np.abs(now_changes)) * 100),
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    """Print the table for the measures given (default: the back-test's four aims)."""
    measures = (argv if argv is not None else sys.argv[1:]) or [
        "referrals",
        "cp_plans",
        "care_entries",
        "looked_after",
    ]
    years = [f"{y}-{(y + 1) % 100:02d}" for y in range(2015, 2025)]
    frame = pd.concat([predictability(m, years) for m in measures], ignore_index=True)
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
