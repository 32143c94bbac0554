"""Does a council's baseline hold? Its five-year projection against what its own flows imply.

Today's way of working is what every pilot is measured against, so its projection must follow
what the council's published figures say, not the model's own transients. For each council
this runs the shipped parameter set at the council's own child population for five years and
sets the looked-after children at the horizon beside two published benchmarks:

* **flows**: the number the council's own 2024-25 flows imply if they went on. Starts stay at
  the year's number and each child leaves at the year's rate (exits over the stock at 31
  March): ``dN/dt = starts - (exits / stock) N``, which relaxes from the stock towards
  ``starts x stock / exits`` (a one-compartment stock-flow model; Little's law at its end).
* **trend**: the stock moved on by its average yearly change over the last four published years.

The drift is the simulated five-year change less the flow-implied one, in percentage points.
CP plans are checked at the join: the first three simulated month-ends against the published
31 March figure (the largest gap). ``python -m calibration.drift --all CSV`` runs every shipped
council, a row each in CSV (resuming: councils already in it are skipped), and prints the
summary; from Python, :func:`council_drift` or :func:`drift_table`.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from calibration.each_council import row_each
from calibration.ees import councils, find_area, history
from sim.experiments.experiment import single_run
from sim.experiments.outputs import monthly_frame
from sim.inputs.scenario import COUNCILS_DIR, scenario_from_dict
from sim.model.stock_drift import stock_path

#: Published years the trend is taken over (the last four yearly changes).
TREND_YEARS = 4


def flow_implied(stock: float, starts: float, exits: float, years: float) -> float:
    """Looked-after children after ``years`` if starts stay at ``starts`` a year and each
    child leaves at the rate ``exits / stock`` a year (``dN/dt = starts - (exits/stock) N``)."""
    if stock <= 0 or exits <= 0:
        raise ValueError(f"flow_implied: stock and exits must be positive ({stock}, {exits})")
    rate = exits / stock
    level = starts / rate
    return level + (stock - level) * math.exp(-rate * years)


def trend_pct_per_year(series: pd.Series, years: int = TREND_YEARS) -> float:
    """Average yearly % change over the last ``years`` changes of a published series."""
    s = series.dropna()
    if len(s) < 2:
        return float("nan")
    s = s.iloc[-(years + 1) :]
    return 100 * ((s.iloc[-1] / s.iloc[0]) ** (1 / (len(s) - 1)) - 1)


def _shipped(council: str) -> tuple[Any, dict[str, Any], pd.DataFrame]:
    """The council's area, its shipped parameter file and its published history."""
    area = find_area(council)
    path = COUNCILS_DIR / f"{area.slug}.yaml"
    if not path.exists():
        raise ValueError(f"council_drift: no shipped parameter set for {area.name} ({path.name})")
    return area, yaml.safe_load(path.read_text(encoding="utf-8")), history(area).table


def neighbour_drift_pct(future: dict[str, Any], years: int) -> float:
    """The % the looked-after stock's drift toward the neighbours adds to the central line
    ``years`` on under drawn futures (:func:`sim.model.stock_drift.stock_path`; 0 with none)."""
    if not isinstance(future, dict):
        return 0.0
    gap = float((future.get("toward_neighbours") or {}).get("looked_after", 0.0))
    pull = float((future.get("pull_per_year") or {}).get("looked_after", 0.0))
    path = stock_path(gap, pull, years)
    return 100 * math.expm1(path[-1]) if path else 0.0


def _published_flows(name: str, table: pd.DataFrame, year: str) -> tuple[float, float, float]:
    """The year's children looked after at 31 March, starts and exits, all published."""
    stock, starts, exits = (
        float(table.at[year, m]) for m in ("looked_after", "care_entries", "care_exits")
    )
    if not all(v > 0 for v in (stock, starts, exits)):  # NaN too
        raise ValueError(
            f"{name}: DfE's {year} children looked after, starts or exits are withheld "
            "(small numbers), so there is no published benchmark"
        )
    return stock, starts, exits


def council_drift(
    council: str, years: int = 5, replications: int = 2, seed: int = 20250401
) -> dict[str, float | str]:
    """One council's five-year projection of today's way of working against its benchmarks.

    Runs the shipped parameter set (``council``: a name or code DfE uses) at the council's own
    child population. Returns the published stock, starts and exits of the reference year, the
    simulated stock at the horizon and each five-year change in % (simulated, flow-implied,
    trend), the drift (simulated less flow-implied, in points; and what drawn futures' drift of
    the stock toward the neighbours would add, in %), and the CP plans published at
    31 March, simulated at the first month's end, the largest gap over the first three, and
    their five-year change (simulated, and the published trend's).
    """
    area, params, table = _shipped(council)
    prov = params["provenance"]
    year = prov["reference_year"]
    stock, starts, exits = _published_flows(area.name, table, year)
    scenario = scenario_from_dict(
        {
            "name": f"drift-{area.slug}",
            "council": area.slug,
            "population": int(prov["children"]),
            "years": years,
            "replications": replications,
            "seed": seed,
            "future": "fixed",  # what the fitted year's rates do, as the flows-implied benchmark
        }
    )
    frames = [monthly_frame(single_run(scenario, r)) for r in range(replications)]
    monthly = pd.concat(frames, ignore_index=True)
    mean = monthly.groupby(["measure", "month"])["value"].mean()
    la, cp = mean["looked_after"], mean["cp_plans"]
    flows = flow_implied(stock, starts, exits, years)
    trend = trend_pct_per_year(table["looked_after"])
    simulated_pct = 100 * (la.iloc[-1] / stock - 1)
    flows_pct = 100 * (flows / stock - 1)
    return {
        "council": area.name,
        "looked_after_published": stock,
        "starts_published": starts,
        "exits_published": exits,
        "looked_after_simulated": float(la.iloc[-1]),
        "simulated_change_pct": simulated_pct,
        "flow_implied_change_pct": flows_pct,
        "trend_change_pct": 100 * ((1 + trend / 100) ** years - 1),
        "drift_points": simulated_pct - flows_pct,
        "neighbour_drift_pct": neighbour_drift_pct(params.get("future") or {}, years),
        "cp_plans_published": float(table.at[year, "cp_plans"]),
        "cp_plans_first_month": float(cp.iloc[0]),
        "cp_plans_join_gap_pct": join_gap_pct(cp, float(table.at[year, "cp_plans"])),
        "cp_plans_change_pct": 100 * (cp.iloc[-1] / float(table.at[year, "cp_plans"]) - 1),
        "cp_plans_trend_change_pct": 100
        * ((1 + trend_pct_per_year(table["cp_plans"]) / 100) ** years - 1),
    }


#: Month-ends after the join the CP plans are checked over (the pipeline to an ICPC is weeks).
JOIN_MONTHS = 3


def join_gap_pct(simulated: pd.Series, published: float, months: int = JOIN_MONTHS) -> float:
    """The largest gap, in % of the published figure (signed), between the first ``months``
    simulated month-ends and the published 31 March figure."""
    gaps = 100 * (simulated.iloc[:months] / published - 1)
    return float(gaps.loc[gaps.abs().idxmax()])


def drift_table(councils: Iterable[str], **options: int) -> pd.DataFrame:
    """:func:`council_drift` for each council, one row each (options as it takes them)."""
    return pd.DataFrame([council_drift(c, **options) for c in councils])


def drift_summary(table: pd.DataFrame) -> dict[str, float | str]:
    """The median drift, in points, and the council that drifts furthest (and by how much)."""
    worst = table.loc[table["drift_points"].abs().idxmax()]
    return {
        "councils": len(table),
        "median_drift_points": float(table["drift_points"].median()),
        "median_abs_drift_points": float(table["drift_points"].abs().median()),
        "worst_council": str(worst["council"]),
        "worst_drift_points": float(worst["drift_points"]),
    }


def naive_forecasts(horizons: Iterable[int] = (1, 2, 3), smallest: float = 20.0) -> pd.DataFrame:
    """How well three simple forecasts made from published figures alone foresaw every
    council's looked-after children ``h`` years on, over every published year.

    From a year's stock, starts and exits: **same as last year** (the stock), **England's
    step** (the stock moved once by England's change in rate over that year), **own flows**
    (:func:`flow_implied` over ``h`` years) and **trend** (the year's change repeated). Rows per
    horizon: how many council-years, and the median and 90th percentile absolute % error of
    each. Council-years with any figure under ``smallest`` (or withheld) are left out.
    """
    errors: list[dict[str, float]] = []
    england = history("England")
    for area in councils():
        try:
            t = history(area).table
        except (KeyError, ValueError):
            continue
        years = list(t.index)
        for i, year in enumerate(years):
            for h in horizons:
                j = i - h
                if j < 1:
                    continue
                was, before = years[j], years[j - 1]
                stock, starts, exits, now, prev = (
                    float(t.at[y, m])
                    for y, m in (
                        (was, "looked_after"),
                        (was, "care_entries"),
                        (was, "care_exits"),
                        (year, "looked_after"),
                        (before, "looked_after"),
                    )
                )
                figures = (stock, starts, exits, now, prev)
                if not all(math.isfinite(v) and v >= smallest for v in figures):
                    continue
                step = england.per_10k("looked_after", was) / england.per_10k(
                    "looked_after", before
                )
                guesses = {
                    "same_as_last_year": stock,
                    "england_step": stock * step,
                    "own_flows": flow_implied(stock, starts, exits, h),
                    "trend": stock * (stock / prev) ** h,
                }
                errors.append(
                    {"horizon": h, **{k: 100 * abs(v / now - 1) for k, v in guesses.items()}}
                )
    e = pd.DataFrame(errors)
    out = e.groupby("horizon").size().rename("council_years").to_frame()
    for k in ("same_as_last_year", "england_step", "own_flows", "trend"):
        out[f"{k}_median"] = e.groupby("horizon")[k].median()
        out[f"{k}_p90"] = e.groupby("horizon")[k].quantile(0.9)
    return out.reset_index()


#: The columns of :func:`all_councils`' file: the council's file name, :func:`council_drift`'s
#: row, and a note where a council could not be checked.
ALL_COLUMNS = [
    "slug",
    "council",
    "looked_after_published",
    "starts_published",
    "exits_published",
    "looked_after_simulated",
    "simulated_change_pct",
    "flow_implied_change_pct",
    "trend_change_pct",
    "drift_points",
    "neighbour_drift_pct",
    "cp_plans_published",
    "cp_plans_first_month",
    "cp_plans_join_gap_pct",
    "cp_plans_change_pct",
    "cp_plans_trend_change_pct",
    "note",
]


def all_councils(out: Path, replications: int = 2) -> pd.DataFrame:
    """:func:`council_drift` for every shipped council, a row each appended to ``out`` (CSV) as
    it is done; councils already in ``out`` are skipped, so an interrupted run resumes."""
    return row_each(
        out,
        "slug",
        ALL_COLUMNS,
        lambda slug: council_drift(slug, replications=replications),
        errors=(KeyError, ValueError, ZeroDivisionError),
        shown="drift_points",
        folder=COUNCILS_DIR,
    )


#: A council is flat when its own flows imply a five-year change within this % and its
#: four-year trend within :data:`FLAT_TREND_PCT` (judgement).
FLAT_FLOWS_PCT = 5.0
FLAT_TREND_PCT = 10.0


def flat_summary(table: pd.DataFrame, within: float = 10.0) -> dict[str, Any]:
    """The councils that were flat (:data:`FLAT_FLOWS_PCT`, :data:`FLAT_TREND_PCT`), how many
    of them the projection keeps within ``within`` % five years on, their median change and
    those beyond; beside it, the whole table's spread and what drawn futures' drift toward the
    neighbours adds."""
    t = table.dropna(subset=["drift_points"])
    flat = t[
        (t["flow_implied_change_pct"].abs() <= FLAT_FLOWS_PCT)
        & (t["trend_change_pct"].abs() <= FLAT_TREND_PCT)
    ]
    beyond = flat[flat["simulated_change_pct"].abs() > within]
    q = lambda col: [round(float(t[col].quantile(x)), 1) for x in (0.1, 0.5, 0.9)]  # noqa: E731
    out: dict[str, Any] = {
        "councils": len(t),
        "projected_change_pct_p10_median_p90": q("simulated_change_pct"),
        "flows_change_pct_p10_median_p90": q("flow_implied_change_pct"),
        "drift_points_p10_median_p90": q("drift_points"),
        "median_distance_from_flows_points": round(float(t["drift_points"].abs().median()), 1),
        "within_8_points_of_flows_pct": round(100 * float((t["drift_points"].abs() <= 8).mean())),
        "flat_councils": len(flat),
        f"flat_within_{within:g}_pct": int(len(flat) - len(beyond)),
        "flat_median_change_pct": round(float(flat["simulated_change_pct"].median()), 1),
        "flat_beyond": {
            str(r["council"]): round(float(r["simulated_change_pct"]), 1)
            for _, r in beyond.iterrows()
        },
    }
    if "neighbour_drift_pct" in t:
        out["neighbour_drift_pct_p10_median_p90"] = q("neighbour_drift_pct")
    return out


def naive_words(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`naive_forecasts` as the command prints it: each forecast's median absolute %
    error with its 90th percentile in brackets."""
    out = pd.DataFrame({"years ahead": table["horizon"], "council-years": table["council_years"]})
    for key, words in (
        ("same_as_last_year", "same as last year"),
        ("england_step", "moved by England's change"),
        ("own_flows", "a year's own flows"),
        ("trend", "its trend"),
    ):
        pairs = zip(table[f"{key}_median"], table[f"{key}_p90"], strict=True)
        out[words] = [f"{m:.1f}% ({p:.1f}%)" for m, p in pairs]
    return out


def main(argv: list[str] | None = None) -> None:
    """Every shipped council's five-year drift, written as it goes, and the summary."""
    ap = argparse.ArgumentParser(prog="python -m calibration.drift", description=__doc__)
    ap.add_argument("--all", type=Path, metavar="CSV", help="every shipped council's drift")
    ap.add_argument("--replications", type=int, default=2)
    ap.add_argument(
        "--naive",
        action="store_true",
        help="how well same-as-last-year, England's step, own flows and trend foresaw "
        "councils' looked-after children 1 to 3 years on (published figures only)",
    )
    args = ap.parse_args(argv)
    if not args.naive and args.all is None:
        ap.print_help()
        return
    if args.naive:
        print("Forecasts of children looked after: median absolute error (90th percentile)")
        print(naive_words(naive_forecasts()).to_string(index=False))
    if args.all is not None:
        table = all_councils(args.all, args.replications).dropna(subset=["drift_points"])
        print(drift_summary(table))
        print(flat_summary(table))


if __name__ == "__main__":
    main()


__all__ = [
    "council_drift",
    "drift_summary",
    "drift_table",
    "flow_implied",
    "join_gap_pct",
    "trend_pct_per_year",
]
