"""``csc-sim report`` and ``csc-sim reproduce``: a funding-bid report, and its figures checked."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from sim.cli.common import Subparsers, scenario_from_args
from sim.reporting.manifest import read_manifest, reproduce, scenario_from_manifest
from sim.reporting.report import make_report, report_command


def register(subparsers: Subparsers) -> None:
    """Add ``report`` and ``reproduce`` to the command line."""
    rep = subparsers.add_parser("report", help="a funding-bid report (HTML or PDF) with a manifest")
    rep.add_argument("scenario", type=Path, help="scenario YAML file with a pilot")
    for name, kind in (("replications", int), ("seed", int), ("population", int), ("years", float)):
        rep.add_argument(f"--{name}", type=kind, help=f"override the scenario's {name}")
    rep.add_argument("--format", choices=("html", "pdf", "both"), help="default: from --out")
    rep.add_argument("--out", type=Path, help="report file (default reports/<scenario name>.html)")
    rep.add_argument("--results", type=Path, help="results folder (default as compare)")
    rep.set_defaults(handler=_cmd_report)
    repro = subparsers.add_parser("reproduce", help="rerun a report's manifest; check every figure")
    repro.add_argument("manifest", type=Path, help="the report's .manifest.json")
    repro.set_defaults(handler=_cmd_reproduce)


def _cmd_report(args: argparse.Namespace) -> int:
    """Compare the scenario's pilot with the baseline and write the report and its manifest."""
    scenario = scenario_from_args(args)
    suffix = args.out.suffix.lower().lstrip(".") if args.out else ""
    fmt = args.format or (suffix if suffix in ("html", "pdf") else "html")
    out = args.out or Path("reports") / f"{scenario.name}.{'html' if fmt == 'both' else fmt}"
    overrides = {k: getattr(args, k) for k in ("replications", "seed", "population", "years")}
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


def _cmd_reproduce(args: argparse.Namespace) -> int:
    """Rerun a report's manifest and say whether every figure came out the same."""
    # a file that is not a manifest fails before any progress bar
    sc = scenario_from_manifest(read_manifest(args.manifest), args.manifest.name)
    runs = sc.replications * (1 + 2 * len(sc.compared_variants()))
    with tqdm(total=runs, desc=f"reproducing {sc.name}", unit="run", file=sys.stderr) as bar:
        result = reproduce(args.manifest, progress=lambda n: bar.update(n - bar.n))
    print("\n".join(result.lines()))
    return 0 if result.identical else 1
