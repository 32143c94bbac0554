"""Each council's social workers as the workforce census reports them, without a refit.

``python -m calibration.workforce --refresh DIR`` brings every council file in ``DIR`` (the shipped
``sim/data/params/councils`` by default) to the census: case-holding FTE, caseload per FTE and
census cases per child in need (its ``workforce`` group and their sources), and the census's FTE,
vacancy, agency and turnover rates in its ``provenance.workforce_census``. The council's other
parameters stay as its last fit left them; where caseloads now reach what the council reports,
its baseline changes and a refit (``csc-sim calibrate``) brings it back to its targets.

``python -m calibration.workforce --summary`` prints, for every council, what the census says
(the figures the model's caseloads are held to), as the README's summary gives them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from calibration.council import _own_workforce, census_row, write_council_file
from calibration.each_council import refresh_each
from calibration.ees import EES_DIR, areas, history
from calibration.england import PARAMS_FILE
from sim.inputs.scenario import COUNCILS_DIR

#: Workforce parameters a council's file takes from England's where its census has no figure.
WORKFORCE_KEYS = (
    "social_worker_fte_per_10k",
    "caseload_per_fte",
    "census_cases_per_child",
    "caseload_stretch",
)


def refresh_workforce(path: Path, england: dict[str, Any] | None = None) -> Path:
    """Rewrite one council file's workforce from the census (no simulation; see module)."""
    england = england or yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    prov = params["provenance"]
    hist, year = history(prov["council"]), prov["reference_year"]
    old = params["workforce"]
    params["workforce"] = {k: england["workforce"][k] for k in WORKFORCE_KEYS}
    params["workforce"]["social_worker_fte_per_10k"] = old["social_worker_fte_per_10k"]
    src = params["sources"]
    for key in ("caseload_ceiling", "caseload_reference"):
        src.pop(f"workforce.{key}", None)
    for key in WORKFORCE_KEYS[1:]:
        src[f"workforce.{key}"] = england["sources"][f"workforce.{key}"]
    _own_workforce(params, hist.table, year, hist.area.name)
    prov["workforce_census"] = census_row(hist.table, year)
    params["_population"] = prov.get("children", "n/a")
    return write_council_file(params, path)


def census_table(year: str = "2024-25") -> pd.DataFrame:
    """Every council's workforce census, one row each (the figures its file keeps)."""
    rows = []
    for area in areas():
        if area.level != "Local authority":
            continue
        hist = history(area)
        if year not in hist.table.index:
            continue
        row = census_row(hist.table, year)
        cin = hist.table.at[year, "children_in_need"]
        rows.append(
            {
                "council": area.name,
                **{k: v for k, v in row.items() if k not in ("as_at", "source")},
                "cases_per_child_in_need": (
                    round(float(row["cases"] / cin), 3)
                    if row["cases"] is not None and not np.isnan(cin)
                    else None
                ),
            }
        )
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Median, 10th and 90th percentiles and range over councils of each census figure."""
    cols = [
        "caseload_per_fte",
        "vacancy_rate_pct",
        "agency_rate_pct",
        "turnover_rate_pct",
        "cases_per_child_in_need",
    ]
    t = table[cols].apply(pd.to_numeric, errors="coerce")
    return pd.DataFrame(
        {
            "councils": t.notna().sum(),
            "min": t.min(),
            "p10": t.quantile(0.1),
            "median": t.median(),
            "p90": t.quantile(0.9),
            "max": t.max(),
        }
    ).round(2)


#: Year-on-year changes this large (in log terms, about 40% up or down) are reorganisations and
#: breaks in recording (a new unitary council, a trust's staff counted elsewhere), not staffing
#: following demand: left out of :func:`staff_following_cases`.
LARGEST_CHANGE = 0.5


def staff_following_cases() -> tuple[float, int]:
    """How far councils' case-holding social workers follow their cases from one census to the
    next: the least-squares slope of the log change in case-holding FTE on the log change in
    cases, over councils' consecutive census years (DfE children's social work workforce,
    2017-2025), and the council-years it rests on."""
    table = pd.read_csv(EES_DIR / "csww_indicators_2017_to_2025.csv", low_memory=False)
    table = table[table["geographic_level"] == "Local authority"]
    fte = pd.to_numeric(table["case_holders_fte"], errors="coerce")
    cases = pd.to_numeric(table["cases"], errors="coerce")
    frame = pd.DataFrame(
        {
            "code": table["new_la_code"],
            "year": table["time_period"],
            "fte": np.log(fte.where(fte > 0)),
            "cases": np.log(cases.where(cases > 0)),
        }
    ).sort_values(["code", "year"])
    by = frame.groupby("code")
    changes = pd.DataFrame(
        {
            "fte": frame["fte"] - by["fte"].shift(),
            "cases": frame["cases"] - by["cases"].shift(),
            "consecutive": frame["year"] - by["year"].shift() == 1,
        }
    ).dropna()
    ok = changes[
        changes["consecutive"]
        & (changes["fte"].abs() < LARGEST_CHANGE)
        & (changes["cases"].abs() < LARGEST_CHANGE)
    ]
    slope = float(np.polyfit(ok["cases"], ok["fte"], 1)[0])
    return slope, len(ok)


def main(argv: list[str] | None = None) -> None:
    """Refresh council files' workforce from the census, or print the census summary."""
    ap = argparse.ArgumentParser(prog="python -m calibration.workforce")
    ap.add_argument("--refresh", type=Path, nargs="?", const=COUNCILS_DIR, default=None)
    ap.add_argument("--summary", action="store_true")
    ap.add_argument(
        "--staff-following-cases",
        action="store_true",
        help="how far councils' case-holding FTE follows their cases, year on year",
    )
    args = ap.parse_args(argv)
    if args.staff_following_cases:
        slope, n = staff_following_cases()
        print(
            f"case-holding FTE follows cases with elasticity {slope:.2f} "
            f"({n} council-years, DfE workforce census 2017-2025)"
        )
    if args.refresh is not None:
        n = refresh_each(args.refresh, refresh_workforce)
        print(f"refreshed the workforce of {n} council files in {args.refresh}")
    if args.summary:
        print(summary(census_table()).to_string())


if __name__ == "__main__":
    main()
