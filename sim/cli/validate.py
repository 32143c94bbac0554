"""``csc-sim validate``: check a scenario or sweep file and say what is wrong."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.common import Subparsers
from sim.experiments.batch import plan
from sim.inputs.scenario import _read_yaml, load_scenario
from sim.inputs.sweep import load_sweep


def register(subparsers: Subparsers) -> None:
    """Add ``validate`` to the command line."""
    val = subparsers.add_parser(
        "validate", help="check a scenario or sweep file and say what is wrong"
    )
    val.add_argument("file", type=Path)
    val.set_defaults(handler=_cmd_validate)


def _cmd_validate(args: argparse.Namespace) -> int:
    """Load the file as a sweep (it has a base and a list of parameters) or as a scenario."""
    raw = _read_yaml(args.file)
    if "base" in raw and "parameters" in raw and isinstance(raw["parameters"], list):
        return _validate_sweep(args)
    scenario = load_scenario(args.file)
    print(
        f"{args.file}: OK: scenario '{scenario.name}', council {scenario.council}, "
        f"{scenario.population:,} children, {scenario.years:g} years, "
        f"{scenario.replications} replications"
    )
    return 0


def _validate_sweep(args: argparse.Namespace) -> int:
    sweep = load_sweep(args.file)
    bad = [p for p in sweep.points if p.scenario is None]
    print(
        f"{args.file}: OK: sweep '{sweep.spec.name}' on {sweep.spec.base}, "
        f"{sweep.spec.design.method} design, {len(sweep.points)} points x "
        f"{sweep.replications} replications = {len(plan(sweep).runs)} runs"
    )
    for p in bad:
        print(f"  point {p.point_id} would not run: {p.error}", file=sys.stderr)
    return 1 if bad else 0
