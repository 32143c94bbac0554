"""The model's spend on looked-after children against the councils' books (RO3 2024-25).

Runs England's default parameters for a council of ``population`` children, prices the placements
with the cost book (child-days x weekly cost / 7, at the book's price year, 2024-25) and scales
the first simulated year (2025-26) to England's children aged 0-17 (ONS mid-2024). The result is
set against MHCLG's RO3 2024-25 outturn three ways: line 13 (children looked after, all of it);
the part of line 13 that pays for placements, the lines the model's placements stand for; and
lines 16 plus 17 (residential care and fostering services).

Line 13's placement part is lines 16 (residential care), 17 (fostering) and 18 (asylum-seeking
children, whose placements the model costs like any child's), and the share of line 19 ("other")
that s251 books to other looked-after services (3.1.5, the line that prices the model's "other"
placements). The rest of line 19 pays for services the model does not cost: adoption services,
special guardianship support, leaving care, short breaks, education of looked-after children,
and children placed with family and friends (s251 3.1.3, 3.1.4, 3.1.6 to 3.1.9): in s251 2023-24,
74% of what RO3 calls "other".

Run ``python -m calibration.spend_check`` to print the comparison.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from calibration.each_council import row_each
from calibration.ees import EES_DIR
from calibration.unit_costs import (
    CLA_COUNTS,
    RO3_CSV,
    council_codes,
    looked_after_at_31_march,
    read_s251,
)
from sim.experiments.costs import costs_by_year
from sim.experiments.experiment import run_replications
from sim.experiments.outputs import monthly_frame
from sim.inputs.cost_book import PLACEMENTS, council_costs
from sim.inputs.scenario import COUNCILS_DIR, default_scenario

ENGLAND = "E92000001"
ONS_POPULATION = EES_DIR / "ons_mid-year_population_estimates_2012_to_2024.csv"
#: the model's placement cost lines that RO3's residential and fostering lines pay for
RESIDENTIAL_AND_FOSTERING = (
    "placements_residential",
    "placements_ifa",
    "placements_in_house_foster",
    "placements_kinship_foster",
)


#: s251 lines that RO3 line 19 ("other") holds, and the one of them that pays for placements
S251_OTHER_LINES = (
    "3.1.3 Adoption services",
    "3.1.4 Special guardianship support",
    "3.1.5 Other children looked after services",
    "3.1.6 Short breaks (respite) for looked after disabled children",
    "3.1.7 Children placed with family and friends",
    "3.1.8 Education of looked after children",
    "3.1.9 Leaving care support services",
)
S251_OTHER_PLACEMENTS = "3.1.5 Other children looked after services"


def other_placement_share() -> float:
    """The share of s251's "other" looked-after lines (England 2023-24) booked to other
    looked-after services (3.1.5): the part of RO3 line 19 that pays for placements."""
    spend = read_s251().loc[list(S251_OTHER_LINES), "total_expenditure"]
    return float(spend[S251_OTHER_PLACEMENTS] / spend.sum())


def england_children(year: int = 2024) -> int:
    """England's children aged 0-17 at mid-``year`` (ONS mid-year estimates)."""
    t = pd.read_csv(ONS_POPULATION, dtype=str)
    row = t[(t["geographic_level"] == "National") & (t["time_period"] == str(year))]
    return int(row["population_estimate"].iloc[0])


def ro3_england(code: str = ENGLAND) -> pd.Series:
    """England's (or the council with ONS ``code``'s) RO3 2024-25 children's social care
    lines, total expenditure, in GBP."""
    t = pd.read_csv(RO3_CSV)
    row = t[t["ons_code"] == code].iloc[0]
    return row.filter(like="_gbp_thousand").astype(float) * 1000


def model_placement_spend(
    population: int = 100_000, replications: int = 2, council: str = "england"
) -> pd.Series:
    """Mean spend by placement line in the first simulated year, GBP at the book's prices
    (the council's own costs where it has them), and (as ``children_looked_after``) the mean
    children looked after over the year."""
    scenario = default_scenario(
        council=council, population=population, years=1, replications=replications
    )
    runs = run_replications(scenario)
    monthly = pd.concat(
        [monthly_frame(r).assign(replication=i, scenario="baseline") for i, r in enumerate(runs)]
    )
    costs = costs_by_year(monthly, scenario.cost_book())
    costs = costs[costs["line"].str.startswith("placements_")]
    spend = costs.groupby("line")["cost_gbp"].sum() / replications
    days = monthly[monthly["measure"].isin([f"child_days_{p}" for p in PLACEMENTS])]
    years = days.groupby("financial_year")["value"].sum()
    spend["children_looked_after"] = float(years.iloc[0]) / replications / 365.25
    return spend


def england_looked_after_2024_25(code: str = ENGLAND) -> float:
    """England's (or a council's) children looked after in 2024-25: the mean of the 31 March
    2024 and 2025 counts (DfE)."""
    counts = looked_after_at_31_march(CLA_COUNTS).loc[code]
    return float((counts["2024"] + counts["2025"]) / 2)


@dataclass(frozen=True)
class SpendCheck:
    """England's simulated placement spend against RO3 2024-25, both in GBP."""

    model_all_placements: float
    model_residential_and_fostering: float
    ro3_children_looked_after: float
    ro3_residential_and_fostering: float
    ro3_placements: float
    model_children_looked_after: float
    england_children_looked_after: float

    @property
    def ratio_line_13(self) -> float:
        return self.model_all_placements / self.ro3_children_looked_after

    @property
    def ratio_placements(self) -> float:
        """All placements against line 13's placement part (lines 16, 17, 18 and line 19's
        other looked-after services)."""
        return self.model_all_placements / self.ro3_placements

    @property
    def ratio_placements_per_child(self) -> float:
        """The same, each per child looked after (the model's mean over its first year; DfE's
        mean of 31 March 2024 and 2025): the unit costs' part of the gap, without the gap in
        how many children the model has in care."""
        return (self.model_all_placements / self.model_children_looked_after) / (
            self.ro3_placements / self.england_children_looked_after
        )

    @property
    def ratio_lines_16_17(self) -> float:
        return self.model_residential_and_fostering / self.ro3_residential_and_fostering


def england_spend_check(population: int = 100_000, replications: int = 2) -> SpendCheck:
    """The model's England placement spend, scaled from ``population`` children, against RO3."""
    spend = model_placement_spend(population, replications) * england_children() / population
    return _check(spend, ENGLAND)


def council_spend_check(council: str, population: int = 20_000, replications: int = 2):
    """A shipped council's simulated placement spend (its own parameters and costs, at
    ``population`` children scaled to its own) against its RO3 2024-25 lines.

    A council priced on its three lines together (``own total``: it books placements through
    a trust, another council or another line) is checked against those lines together, split
    as England's are; one priced at national costs (no usable outturn) has nothing to check
    against (``ValueError``)."""
    row = council_costs().get(council, {})
    status = row.get("status", "national")
    if status == "national":
        raise ValueError(f"{council}: priced at national costs (no usable RO3 2024-25 outturn)")
    if (row.get("outturn_year") or "2024-25") != "2024-25":
        raise ValueError(
            f"{council}: priced on its RO3 {row['outturn_year']} outturn (no usable 2024-25 "
            "lines to check against)"
        )
    params = yaml.safe_load((COUNCILS_DIR / f"{council}.yaml").read_text(encoding="utf-8"))
    children = params["provenance"]["children"]
    code = next(c for c in council_codes()[council] if c in set(pd.read_csv(RO3_CSV)["ons_code"]))
    spend = model_placement_spend(population, replications, council) * children / population
    return _check(spend, code, three_lines_together=status == "own total")


def placement_part(ro3: pd.Series) -> float:
    """The placement part of RO3 line 13: lines 16, 17 and 18, and line 19's other looked-after
    services (:func:`other_placement_share`)."""
    return float(
        ro3["residential_gbp_thousand"]
        + ro3["fostering_gbp_thousand"]
        + ro3["asylum_seeking_children_gbp_thousand"]
        + ro3["other_gbp_thousand"] * other_placement_share()
    )


def _three_lines(ro3: pd.Series) -> float:
    return float(
        ro3["residential_gbp_thousand"] + ro3["fostering_gbp_thousand"] + ro3["other_gbp_thousand"]
    )


def _check(spend: pd.Series, code: str, three_lines_together: bool = False) -> SpendCheck:
    children = float(spend.pop("children_looked_after"))
    ro3 = ro3_england(code)
    placements = placement_part(ro3)
    if three_lines_together:  # booked across lines 16, 17 and 19: England's split of them
        england = ro3_england(ENGLAND)
        share = (placement_part(england) - england["asylum_seeking_children_gbp_thousand"]) / (
            _three_lines(england)
        )
        placements = _three_lines(ro3) * share + ro3["asylum_seeking_children_gbp_thousand"]
    return SpendCheck(
        model_all_placements=float(spend.sum()),
        model_residential_and_fostering=float(spend[list(RESIDENTIAL_AND_FOSTERING)].sum()),
        ro3_children_looked_after=float(ro3["children_looked_after_gbp_thousand"]),
        ro3_residential_and_fostering=float(
            ro3["residential_gbp_thousand"] + ro3["fostering_gbp_thousand"]
        ),
        ro3_placements=float(placements),
        model_children_looked_after=children,
        england_children_looked_after=england_looked_after_2024_25(code),
    )


def council_row(council: str, replications: int = 2) -> dict[str, float | str]:
    """One council's spend check as a row for the all-council table."""
    c = council_spend_check(council, 20_000, replications)
    return {
        "council": council,
        "model_placements_gbp": round(c.model_all_placements),
        "ro3_placements_gbp": round(c.ro3_placements),
        "ratio": round(c.ratio_placements, 4),
        "ratio_per_child": round(c.ratio_placements_per_child, 4),
        "model_looked_after": round(c.model_children_looked_after, 1),
        "dfe_looked_after": c.england_children_looked_after,
    }


#: The columns of :func:`all_councils`' file (a note where a council has no usable figure).
ALL_COLUMNS = [
    "council",
    "model_placements_gbp",
    "ro3_placements_gbp",
    "ratio",
    "ratio_per_child",
    "model_looked_after",
    "dfe_looked_after",
    "note",
]


def all_councils(out: Path, replications: int = 2) -> pd.DataFrame:
    """Every shipped council's spend check, a row each in ``out`` (CSV), resuming: councils
    already in the file are skipped. Councils without a usable RO3 return get a note."""
    return row_each(
        out,
        "council",
        ALL_COLUMNS,
        lambda council: council_row(council, replications),
        errors=(StopIteration, KeyError, ValueError, ZeroDivisionError),
        shown="ratio",
        folder=COUNCILS_DIR,
    )


def summary(table: pd.DataFrame) -> dict[str, float | str | int]:
    """Median and spread of the councils' ratios, and the furthest council each way."""
    t = table.dropna(subset=["ratio"])
    t = t[np.isfinite(t["ratio"]) & (t["ro3_placements_gbp"] > 0)]
    lo, hi = t.loc[t["ratio"].idxmin()], t.loc[t["ratio"].idxmax()]
    return {
        "councils": len(t),
        "median": float(t["ratio"].median()),
        "p10": float(t["ratio"].quantile(0.1)),
        "p90": float(t["ratio"].quantile(0.9)),
        "within_20pct": float(((t["ratio"] - 1).abs() <= 0.2).mean()),
        "median_per_child": float(t["ratio_per_child"].median()),
        "lowest": f"{lo['council']} {lo['ratio']:.2f}",
        "highest": f"{hi['council']} {hi['ratio']:.2f}",
    }


def main(argv: list[str] | None = None) -> None:
    """Print England's simulated placement spend against RO3 2024-25."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=100_000)
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--council", nargs="*", default=[], help="shipped councils' file names")
    parser.add_argument(
        "--all",
        type=Path,
        metavar="CSV",
        help="every shipped council, a row each in CSV (resumes: councils in it are skipped)",
    )
    args = parser.parse_args(argv)
    if args.all is not None:
        found = summary(all_councils(args.all, args.replications))
        words = [f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}" for k, v in found.items()]
        print(", ".join(words))
        return
    for council in args.council:
        c = council_spend_check(council, 20_000, args.replications)
        print(
            f"{council}: placements £{c.model_all_placements / 1e6:,.1f}m against RO3 placement "
            f"part £{c.ro3_placements / 1e6:,.1f}m: {c.ratio_placements:.2f} "
            f"({c.ratio_placements_per_child:.2f} per child; model "
            f"{c.model_children_looked_after:,.0f} looked after, DfE "
            f"{c.england_children_looked_after:,.0f})"
        )
    if args.council:
        return
    c = england_spend_check(args.population, args.replications)
    m = 1e6
    print(f"model, all placements:             £{c.model_all_placements / m:,.0f}m")
    print(f"RO3 line 13 children looked after: £{c.ro3_children_looked_after / m:,.0f}m")
    print(f"ratio:                             {c.ratio_line_13:.3f}")
    print(f"RO3 line 13, placement part:       £{c.ro3_placements / m:,.0f}m")
    print(f"ratio:                             {c.ratio_placements:.3f}")
    print(f"ratio per child looked after:      {c.ratio_placements_per_child:.3f}")
    print(
        f"  (model {c.model_children_looked_after:,.0f} children, England "
        f"{c.england_children_looked_after:,.0f})"
    )
    print(f"model, homes and fostering:        £{c.model_residential_and_fostering / m:,.0f}m")
    print(f"RO3 lines 16 + 17:                 £{c.ro3_residential_and_fostering / m:,.0f}m")
    print(f"ratio:                             {c.ratio_lines_16_17:.3f}")


if __name__ == "__main__":
    main()
