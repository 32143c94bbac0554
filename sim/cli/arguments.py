"""What each command of ``csc-sim`` takes: its arguments and help, one ``register`` per group.

They are kept apart from the commands themselves (``sim.cli.run``, ``sim.cli.compare``, ...),
which import the model and pandas: building the parser, and so ``csc-sim --help``, loads
neither. Each command names the function that carries it out as ``"module:function"`` in
``handler``; :func:`sim.cli.main` imports that module only for the command it runs.
"""

from __future__ import annotations

from pathlib import Path

from sim.cli.common import Subparsers, expand_existing_option, future_option, scenario_options

#: The effect audit's default size: small enough for a laptop in a few minutes (judgement), large
#: enough that most built-in effects' intervals are within a few hundredths.
AUDIT_DEFAULTS = {"population": 20_000, "years": 3.0, "replications": 5}


def register_run(subparsers: Subparsers) -> None:
    """``run``: a scenario's replications, written and summarised."""
    run = subparsers.add_parser("run", help="run a scenario's replications and write results")
    scenario_options(run, "results/<scenario name>")
    run.set_defaults(handler="sim.cli.run:cmd_run")


def register_compare(subparsers: Subparsers) -> None:
    """``compare``: policy variants against the baseline, paired."""
    cmp_ = subparsers.add_parser(
        "compare", help="compare policy variants with the baseline (paired)"
    )
    scenario_options(cmp_, "results/<name>-compare")
    cmp_.add_argument(
        "--independent",
        action="store_true",
        help="give variants their own random numbers (only to show what pairing buys)",
    )
    cmp_.set_defaults(handler="sim.cli.compare:cmd_compare")


def register_sweeps(subparsers: Subparsers) -> None:
    """``sweep`` and ``sensitivity``: a sweep file's points on Dask, then what moved the results."""
    sw = subparsers.add_parser("sweep", help="run a sweep file's points on Dask (resumable)")
    sw.add_argument("sweep", type=Path, help="sweep YAML file")
    sw.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    sw.add_argument(
        "--scheduler", help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786"
    )
    sw.add_argument("--out", type=Path, help="results folder (default results/<sweep name>)")
    sw.add_argument("--json", action="store_true", help="print what was done as JSON")
    sw.set_defaults(handler="sim.cli.sweeps:cmd_sweep")
    sens = subparsers.add_parser(
        "sensitivity", help="Sobol' indices, tornado chart and points ranked by NPV of a sweep"
    )
    sens.add_argument("folder", type=Path, help="a sweep's results folder")
    sens.add_argument("--json", action="store_true", help="print the indices as JSON")
    sens.set_defaults(handler="sim.cli.sweeps:cmd_sensitivity")


def register_validate(subparsers: Subparsers) -> None:
    """``validate``: check a scenario or sweep file."""
    val = subparsers.add_parser(
        "validate", help="check a scenario or sweep file and say what is wrong"
    )
    val.add_argument("file", type=Path)
    val.set_defaults(handler="sim.cli.run:cmd_validate")


def register_localities(subparsers: Subparsers) -> None:
    """``localities``: a council's shipped localities, and one as a scenario's lines."""
    loc = subparsers.add_parser(
        "localities",
        help="a council's shipped localities (a county's districts), and one as scenario lines",
    )
    loc.add_argument("council", help="council name or file name, e.g. Kent or telford-and-wrekin")
    loc.add_argument(
        "--locality", help="print this locality as lines for a scenario's parameters (YAML)"
    )
    loc.set_defaults(handler="sim.cli.localities:cmd_localities")


def register_reports(subparsers: Subparsers) -> None:
    """``report`` and ``reproduce``: a funding-bid report, and its figures checked."""
    rep = subparsers.add_parser("report", help="a funding-bid report (HTML or PDF) with a manifest")
    rep.add_argument("scenario", type=Path, help="scenario YAML file with a pilot")
    for name, kind in (("replications", int), ("seed", int), ("population", int), ("years", float)):
        rep.add_argument(f"--{name}", type=kind, help=f"override the scenario's {name}")
    expand_existing_option(rep)
    future_option(rep)
    rep.add_argument("--format", choices=("html", "pdf", "both"), help="default: from --out")
    rep.add_argument("--out", type=Path, help="report file (default reports/<scenario name>.html)")
    rep.add_argument("--results", type=Path, help="results folder (default as compare)")
    rep.set_defaults(handler="sim.cli.reports:cmd_report")
    repro = subparsers.add_parser("reproduce", help="rerun a report's manifest; check every figure")
    repro.add_argument("manifest", type=Path, help="the report's .manifest.json")
    repro.set_defaults(handler="sim.cli.reports:cmd_reproduce")


def register_audit(subparsers: Subparsers) -> None:
    """``audit-effects``: does each policy effect move what it names by the amount it says?"""
    aud = subparsers.add_parser(
        "audit-effects",
        help="check that each policy effect acts as stated (paired runs, one effect at a time)",
        description=(
            "For each effect of each policy, run the policy with only that effect and its twin "
            "with the effect's multiplier at 1, on the same families and random numbers, and "
            "compare the decisions the effect names among the families the policy works with."
        ),
    )
    aud.add_argument(
        "policies",
        nargs="*",
        type=Path,
        metavar="POLICY_FILE",
        help="policy YAML files (default: every built-in policy in scenarios/policies)",
    )
    aud.add_argument(
        "--scenario", type=Path, help="the council and start date (default scenarios/baseline.yaml)"
    )
    for name, kind in (("population", int), ("years", float), ("replications", int)):
        aud.add_argument(
            f"--{name}",
            type=kind,
            default=AUDIT_DEFAULTS[name],
            help=f"default {AUDIT_DEFAULTS[name]:g}",
        )
    aud.add_argument("--seed", type=int, help="override the scenario's seed")
    aud.add_argument("--json", action="store_true", help="print the audit as JSON")
    aud.set_defaults(handler="sim.cli.audit:cmd_audit_effects")
