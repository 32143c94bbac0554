"""The model's spend on looked-after children against the councils' books (RO3 2024-25).

Runs England's default parameters for a council of ``population`` children, prices the placements
with the cost book (child-days x weekly cost / 7, at the book's price year, 2024-25) and scales
the first simulated year (2025-26) to England's children aged 0-17 (ONS mid-2024). The result is
set against MHCLG's RO3 2024-25 outturn: line 13 (children looked after, all of it) and lines 16
plus 17 (residential care and fostering services, the part the model's placements stand for).

Run ``python -m calibration.spend_check`` to print the comparison.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import pandas as pd

from calibration.ees import EES_DIR
from calibration.unit_costs import RO3_CSV
from sim.experiments.costs import costs_by_year
from sim.experiments.experiment import run_replications
from sim.experiments.outputs import monthly_frame
from sim.inputs.cost_book import load_cost_book
from sim.inputs.scenario import default_scenario

ONS_POPULATION = EES_DIR / "ons_mid-year_population_estimates_2012_to_2024.csv"
#: the model's placement cost lines that RO3's residential and fostering lines pay for
RESIDENTIAL_AND_FOSTERING = (
    "placements_residential",
    "placements_ifa",
    "placements_in_house_foster",
    "placements_kinship_foster",
)


def england_children(year: int = 2024) -> int:
    """England's children aged 0-17 at mid-``year`` (ONS mid-year estimates)."""
    t = pd.read_csv(ONS_POPULATION, dtype=str)
    row = t[(t["geographic_level"] == "National") & (t["time_period"] == str(year))]
    return int(row["population_estimate"].iloc[0])


def ro3_england() -> pd.Series:
    """England's RO3 2024-25 children's social care lines, total expenditure, in GBP."""
    t = pd.read_csv(RO3_CSV)
    row = t[t["class"] == "Eng"].iloc[0]
    return row.filter(like="_gbp_thousand").astype(float) * 1000


def model_placement_spend(population: int = 100_000, replications: int = 2) -> pd.Series:
    """Mean spend by placement line in the first simulated year, GBP at the book's prices."""
    scenario = default_scenario(population=population, years=1, replications=replications)
    runs = run_replications(scenario)
    monthly = pd.concat(
        [monthly_frame(r).assign(replication=i, scenario="baseline") for i, r in enumerate(runs)]
    )
    costs = costs_by_year(monthly, load_cost_book())
    costs = costs[costs["line"].str.startswith("placements_")]
    return costs.groupby("line")["cost_gbp"].sum() / replications


@dataclass(frozen=True)
class SpendCheck:
    """England's simulated placement spend against RO3 2024-25, both in GBP."""

    model_all_placements: float
    model_residential_and_fostering: float
    ro3_children_looked_after: float
    ro3_residential_and_fostering: float

    @property
    def ratio_line_13(self) -> float:
        return self.model_all_placements / self.ro3_children_looked_after

    @property
    def ratio_lines_16_17(self) -> float:
        return self.model_residential_and_fostering / self.ro3_residential_and_fostering


def england_spend_check(population: int = 100_000, replications: int = 2) -> SpendCheck:
    """The model's England placement spend, scaled from ``population`` children, against RO3."""
    scale = england_children() / population
    spend = model_placement_spend(population, replications) * scale
    ro3 = ro3_england()
    return SpendCheck(
        model_all_placements=float(spend.sum()),
        model_residential_and_fostering=float(spend[list(RESIDENTIAL_AND_FOSTERING)].sum()),
        ro3_children_looked_after=float(ro3["children_looked_after_gbp_thousand"]),
        ro3_residential_and_fostering=float(
            ro3["residential_gbp_thousand"] + ro3["fostering_gbp_thousand"]
        ),
    )


def main(argv: list[str] | None = None) -> None:
    """Print England's simulated placement spend against RO3 2024-25."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=100_000)
    parser.add_argument("--replications", type=int, default=2)
    args = parser.parse_args(argv)
    c = england_spend_check(args.population, args.replications)
    m = 1e6
    print(f"model, all placements:             £{c.model_all_placements / m:,.0f}m")
    print(f"RO3 line 13 children looked after: £{c.ro3_children_looked_after / m:,.0f}m")
    print(f"ratio:                             {c.ratio_line_13:.3f}")
    print(f"model, homes and fostering:        £{c.model_residential_and_fostering / m:,.0f}m")
    print(f"RO3 lines 16 + 17:                 £{c.ro3_residential_and_fostering / m:,.0f}m")
    print(f"ratio:                             {c.ratio_lines_16_17:.3f}")


if __name__ == "__main__":
    main()
