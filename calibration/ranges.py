"""Widen the ranges of levels by the back-test's misses, and say how often the widened ranges
held what happened, out of sample.

A back-test (``csc-sim backtest --all``) fits each council on the years before a hold-out year,
projects it with drawn futures and records, per measure and years ahead, the published figure,
the replications' mean and their 50%, 80% and 90% ranges. Those ranges held the published
figure less often than they say: chance and drawn futures are not all that moves a council (the
fit's own error is not in them).

For each back-test row and level, the *miss* is how far outside the range the published figure
lay, on the log scale (``log(published / high)`` above it, ``log(low / published)`` below it,
0 inside). The *margin* for a measure, years ahead and level is the conformal quantile of the
misses (the ``ceil((n + 1) x level)``-th smallest of ``n``): moving both ends of every such
range out by it (``low x exp(-margin)``, ``high x exp(margin)``) would have held that share of
the rows it was fitted on. A margin added on the log scale, rather than a factor on the range's
width, because the back-test shows the simulated width hardly predicts the size of the miss
(they correlate at about 0 for referrals, CP plans and care entries): at the same coverage the
added margin gives narrower ranges. Shown ranges add it (:mod:`sim.experiments.level_ranges`).

How often the widened ranges hold is checked out of sample: each council's ranges are widened by
margins fitted on the other councils (five groups of councils, by name, all years); and, where
the same years ahead were back-tested for more than one year, each year's 90% ranges by margins
fitted on the other years only (a year the margins never saw). Margins never shrink with the
years ahead, and published figures under 20 are left out (see :data:`SMALLEST_COUNT`).

    python -m calibration.ranges RESULTS.csv [RESULTS.csv ...] [--write]

prints the coverage as a table for the README and, with ``--write``, ships
``sim/data/reference/range_widening.csv`` and ``backtest_coverage.csv``.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.backtest import MEASURES, later_year
from sim.inputs.range_evidence import COVERAGE_FILE, WIDENING_FILE

LEVELS = (50, 80, 90)
#: Council groups for the out-of-sample check where only one hold-out year was back-tested.
GROUPS = 5
#: Published figures below this are left out: on counts that small (the City of London's and
#: the Isles of Scilly's) the log scale turns a handful of children into a large miss, and one
#: such council would set the margin for all.
SMALLEST_COUNT = 20

NAMES = {
    "referrals": "referrals",
    "cp_plans_started": "CP plans started",
    "care_entries": "care entries",
    "looked_after": "looked after at 31 March",
    "children_in_need": "children in need at 31 March",
    "cp_plans": "CP plans at 31 March",
}


def misses(rows: pd.DataFrame, level: int) -> np.ndarray:
    """Per row, how far (log scale) the published figure lay outside the ``level``% range: 0
    inside it; infinite for a published figure of 0 below a range above 0."""
    y = rows["published"].to_numpy(float)
    lo = rows[f"low_{level}"].to_numpy(float)
    hi = rows[f"high_{level}"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        above = np.where(y > hi, np.log(y / hi), 0.0)
        below = np.where(y < lo, np.log(lo / y), 0.0)
    return np.nan_to_num(np.maximum(above, below), nan=0.0, posinf=np.inf)


def margin(scores: np.ndarray, level: int) -> float:
    """The conformal margin: the ``ceil((n + 1) x level)``-th smallest miss (with too few rows
    for that rank, the largest); 0 with no rows."""
    n = len(scores)
    if n == 0:
        return 0.0
    rank = min(n, math.ceil((n + 1) * level / 100))
    return float(np.sort(scores)[rank - 1])


def _groups(councils: pd.Series) -> np.ndarray:
    """Each council's group for the out-of-sample check: by place in name order."""
    order = {name: i for i, name in enumerate(sorted(councils.unique()))}
    return councils.map(order).to_numpy() % GROUPS


def widening_table(results: pd.DataFrame) -> pd.DataFrame:
    """Margin per measure, years ahead and level, from all ``results`` rows.

    A level's uncertainty does not shrink as it looks further ahead, so a margin is never below
    the one for fewer years ahead (where the back-test has few rows at a horizon, its conformal
    rank falls on one of the largest misses, and the margins of neighbouring horizons can cross).
    """
    out = []
    for (m, h), g in results.groupby(["measure", "horizon"], sort=True):
        for level in LEVELS:
            out.append(
                {
                    "measure": m,
                    "horizon": int(h),
                    "level": level,
                    "margin": round(margin(misses(g, level), level), 4),
                    "rows": len(g),
                    "hold_out": " ".join(sorted(g["hold_out"].unique())),
                }
            )
    table = pd.DataFrame(out).sort_values(["measure", "level", "horizon"])
    table["margin"] = table.groupby(["measure", "level"])["margin"].cummax()
    return table.sort_values(["measure", "horizon", "level"]).reset_index(drop=True)


def _inside(rows: pd.DataFrame, margins: pd.DataFrame, level: int) -> np.ndarray:
    """Whether each row's ``level``% range, widened by ``margins``, held its published figure."""
    lookup = margins[margins["level"] == level].set_index(["measure", "horizon"])["margin"]
    keys = list(zip(rows["measure"], rows["horizon"].astype(int), strict=True))
    m = np.array([lookup.get(k, 0.0) for k in keys])
    return misses(rows, level) <= m


def out_of_sample(results: pd.DataFrame) -> pd.DataFrame:
    """``results`` with, per level, whether the range widened by margins fitted without the
    row's group of councils held the published figure (``shown_inside_<level>``), and, where
    the same years ahead were back-tested for more than one year, whether the 90% range widened
    by margins fitted on the other years only held it (``other_year_inside_90``)."""
    out = results.copy()
    groups = _groups(out["council"])
    for level in LEVELS:
        out[f"shown_inside_{level}"] = False
    for k in range(GROUPS):
        held = groups == k
        margins = widening_table(out[~held])
        for level in LEVELS:
            out.loc[held, f"shown_inside_{level}"] = _inside(out[held], margins, level)
    out["other_year_inside_90"] = np.nan
    for _, g in out.groupby("horizon"):
        for year in g["hold_out"].unique():
            others = g[g["hold_out"] != year]
            if others.empty:
                continue
            held = g.index[g["hold_out"] == year]
            inside = _inside(out.loc[held], widening_table(others), 90)
            out.loc[held, "other_year_inside_90"] = inside.astype(float)
    return out


def coverage_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per measure and years ahead: council-years compared, the share inside each level's range
    as simulated and as shown (widened by margins fitted on other councils), and inside the 90%
    range widened by margins from other years (where there are some), with the years projected
    to and fitted on."""
    checked = out_of_sample(results)
    out = []
    for (m, h), g in checked.groupby(["measure", "horizon"], sort=False):
        years = sorted(g["hold_out"].unique())
        row = {"measure": m, "horizon": int(h), "councils": len(g)}
        row |= {f"inside_{lv}": float(g[f"inside_{lv}"].mean()) for lv in LEVELS}
        row |= {
            "hold_out": " ".join(years),
            "fitted": " ".join(later_year(y, -int(h)) for y in years),
        }
        row |= {f"shown_inside_{lv}": float(g[f"shown_inside_{lv}"].mean()) for lv in LEVELS}
        other = g["other_year_inside_90"].dropna()
        row["other_year_inside_90"] = float(other.mean()) if len(other) else None
        row["checked_by"] = f"other councils ({GROUPS} groups)"
        out.append(row)
    frame = pd.DataFrame(out)
    frame["order"] = frame["measure"].map({m: i for i, m in enumerate(MEASURES)})
    return frame.sort_values(["horizon", "order"]).drop(columns="order").reset_index(drop=True)


def markdown(coverage: pd.DataFrame) -> str:
    """The coverage as the README shows it."""
    lines = [
        "| measure | years ahead | councils x years | 50% range | 80% range | 90% range "
        "| 90% range, margins from another year | 90% range before widening | years checked |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for _, r in coverage.iterrows():
        other = r.get("other_year_inside_90")
        other_text = "" if other is None or other != other else f"{other:.0%}"
        lines.append(
            f"| {NAMES.get(r.measure, r.measure)} | {r.horizon} | {r.councils} "
            f"| {r.shown_inside_50:.0%} | {r.shown_inside_80:.0%} | {r.shown_inside_90:.0%} "
            f"| {other_text} | {r.inside_90:.0%} | {r.hold_out.replace(' ', ', ')} |"
        )
    return "\n".join(lines)


def read_results(paths: list[Path]) -> pd.DataFrame:
    """Back-test result rows from ``results.csv`` files (or folders holding one, or holding
    ``councils/*.csv`` from a run still going); the same council, year and measure once."""
    frames = []
    for p in paths:
        if p.is_dir():
            files = [p / "results.csv"] if (p / "results.csv").exists() else []
            files = files or sorted((p / "councils").glob("*.csv"))
        else:
            files = [p]
        if not files:
            raise SystemExit(f"{p}: no results.csv and no councils/*.csv in it")
        frames += [pd.read_csv(f) for f in files]
    rows = pd.concat(frames, ignore_index=True)
    if "horizon" not in rows:
        rows["horizon"] = 1
    needed = {"council", "hold_out", "measure", "published", "model"}
    needed |= {f"{e}_{lv}" for e in ("low", "high", "inside") for lv in LEVELS}
    missing = sorted(needed - set(rows.columns))
    if missing:
        raise SystemExit(f"back-test results lack the columns {', '.join(missing)}")
    rows = rows[rows["measure"].isin(MEASURES) & (rows["published"] >= SMALLEST_COUNT)]
    return rows.drop_duplicates(["council", "hold_out", "horizon", "measure"], keep="last")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m calibration.ranges", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("results", nargs="+", type=Path, help="back-test results (csv or folder)")
    parser.add_argument(
        "--write", action="store_true", help=f"write {WIDENING_FILE.name} and {COVERAGE_FILE.name}"
    )
    args = parser.parse_args(argv)
    results = read_results(args.results)
    widening = widening_table(results)
    coverage = coverage_table(results)
    print(markdown(coverage))
    print()
    print(widening.pivot_table(index=["measure", "horizon"], columns="level", values="margin"))
    if args.write:
        widening.to_csv(WIDENING_FILE, index=False)
        rounded = coverage.round({c: 4 for c in coverage.columns if "inside" in c})
        rounded.to_csv(COVERAGE_FILE, index=False)
        print(f"\nwrote {WIDENING_FILE} and {COVERAGE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
