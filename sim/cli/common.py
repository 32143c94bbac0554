"""What several commands share: scenario options and the scenario they give, the JSON header,
the figures of a comparison as printed."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.inputs.scenario import Scenario, ScenarioError, load_scenario

#: What ``add_subparsers`` returns: each command group's ``register`` adds its commands to it.
Subparsers = argparse._SubParsersAction


def scenario_options(parser: argparse.ArgumentParser, default_out: str) -> None:
    """A scenario file and the top-level fields the command line may override."""
    parser.add_argument("scenario", type=Path, help="scenario YAML file")
    parser.add_argument("--replications", type=int, help="override the scenario's replications")
    parser.add_argument("--seed", type=int, help="override the scenario's seed")
    parser.add_argument("--population", type=int, help="children aged 0-17 (override)")
    parser.add_argument("--years", type=float, help="projection horizon in years (override)")
    parser.add_argument("--out", type=Path, help=f"results folder (default {default_out})")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """The scenario file named on the command line, with the overrides given there."""
    scenario = load_scenario(args.scenario)
    changes = {
        k: v
        for k, v in (
            ("replications", args.replications),
            ("seed", args.seed),
            ("population", args.population),
            ("years", args.years),
        )
        if v is not None
    }
    if changes:
        try:
            scenario = scenario.with_changes(**changes)
        except ValueError as exc:
            raise ScenarioError(f"command line: {exc}") from None
    return scenario


def json_header(scenario: Scenario, out: Path) -> dict:
    """What every --json answer says about the run: enough to reproduce it."""
    return {
        "scenario": scenario.name,
        "scenario_hash": scenario.content_hash(),
        "seed": scenario.seed,
        "replications": scenario.replications,
        "population": scenario.population,
        "years": scenario.years,
        "results": str(out),
    }


def fmt(measure: str, mean, p5=None, p95=None) -> str:
    """A figure of a comparison as the CLI prints it, with its range when there is one."""
    if isinstance(mean, str):
        return mean
    if mean != mean:  # nan
        return "n/a"
    if measure.startswith("prob_"):
        return f"{mean:.0%}"
    if measure == "return_per_pound":
        return f"£{mean:.2f}"
    money = measure.endswith("_gbp")
    f = (
        (lambda v: f"{'-' if v < 0 else ''}£{abs(v) / 1e6:,.2f}m")
        if money
        else (lambda v: f"{round(v):,}")
    )
    if p5 is None or p5 != p5 or p5 == p95:
        return f(mean)
    return f"{f(mean)} ({f(p5)} to {f(p95)})"
