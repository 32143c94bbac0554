"""``csc-sim report`` and ``csc-sim reproduce``: a funding-bid report, and its figures checked."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from sim.cli.common import scenario_from_args
from sim.reporting.manifest import read_manifest, reproduce, scenario_from_manifest
from sim.reporting.report import make_report, report_command


def cmd_report(args: argparse.Namespace) -> int:
    """Compare the scenario's pilot with the baseline and write the report and its manifest."""
    scenario = scenario_from_args(args)
    suffix = args.out.suffix.lower().lstrip(".") if args.out else ""
    fmt = args.format or (suffix if suffix in ("html", "pdf") else "html")
    out = args.out or Path("reports") / f"{scenario.name}.{'html' if fmt == 'both' else fmt}"
    overrides = {k: getattr(args, k) for k in ("replications", "seed", "population", "years")}
    overrides["expand_existing"] = args.expand_existing or None
    runs = scenario.replications * (1 + 2 * len(scenario.compared_variants()))
    with tqdm(total=runs, desc=f"{scenario.name}: runs", unit="run", file=sys.stderr) as bar:
        written = make_report(
            scenario,
            scenario_path=args.scenario,
            out=out,
            fmt=fmt,
            results=args.results,
            command=report_command(args.scenario, overrides, fmt, out),
            progress=lambda n: bar.update(n - bar.n),
        )
    for kind, path in written.items():
        print(f"{kind}: {path}")
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    """Rerun a report's manifest and say whether every figure came out the same."""
    # a file that is not a manifest fails before any progress bar
    sc = scenario_from_manifest(read_manifest(args.manifest), args.manifest.name)
    runs = sc.replications * (1 + 2 * len(sc.compared_variants()))
    with tqdm(total=runs, desc=f"reproducing {sc.name}", unit="run", file=sys.stderr) as bar:
        result = reproduce(args.manifest, progress=lambda n: bar.update(n - bar.n))
    print("\n".join(result.lines()))
    return 0 if result.identical else 1
