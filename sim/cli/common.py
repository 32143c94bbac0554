"""What several commands share: scenario options and the scenario they give, the JSON header,
the figures of a comparison as printed."""

from __future__ import annotations

import argparse
import textwrap
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
    expand_existing_option(parser)
    future_option(parser)
    parser.add_argument("--out", type=Path, help=f"results folder (default {default_out})")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def expand_existing_option(parser: argparse.ArgumentParser) -> None:
    """``--expand-existing``: model a policy the council already runs as an expansion."""
    parser.add_argument(
        "--expand-existing",
        action="store_true",
        help="a policy the council already runs (Walsall's Family Safeguarding ...) is by default "
        "in its published figures and adds nothing; with this flag its effect, staff and costs "
        "are added on top, as an expansion (the scenario's already_running: expand)",
    )


def future_option(parser: argparse.ArgumentParser) -> None:
    """``--future``: draw the council's future from history (the default), or hold it fixed."""
    parser.add_argument(
        "--future",
        choices=("uncertain", "fixed"),
        help="uncertain (the scenario's default): each replication draws how referrals, child "
        "protection plans and care entries move year on year from councils' published history, "
        "so ranges of levels widen with the horizon; fixed: every year at the fitted year's rates",
    )


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
            ("future", getattr(args, "future", None)),
        )
        if v is not None
    }
    if getattr(args, "expand_existing", False):
        changes["already_running"] = "expand"
    if changes:
        try:
            scenario = scenario.with_changes(**changes)
        except ValueError as exc:
            raise ScenarioError(f"command line: {exc}") from None
    return scenario


def print_population(scenario: Scenario) -> None:
    """Say which population the run used and why (a council's own, or another size)."""
    print(
        textwrap.fill(
            scenario.population_basis(),
            width=100,
            initial_indent="Population: ",
            subsequent_indent="  ",
        )
    )


def print_running_notes(scenario: Scenario) -> None:
    """Say, in plain words, each policy here the council already runs, and what is modelled."""
    notes = scenario.running_notes()
    for note in notes:
        print(textwrap.fill(note, width=100, initial_indent="Note: ", subsequent_indent="  "))
    if notes and scenario.already_running == "include":
        print("  (--expand-existing models it on top, as an expansion)")


def json_header(scenario: Scenario, out: Path) -> dict:
    """What every --json answer says about the run: enough to reproduce it."""
    return {
        "scenario": scenario.name,
        "scenario_hash": scenario.content_hash(),
        "seed": scenario.seed,
        "replications": scenario.replications,
        "population": scenario.population,
        "population_basis": scenario.population_basis(),
        "years": scenario.years,
        "results": str(out),
    }
