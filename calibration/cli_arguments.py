"""What ``csc-sim calibrate`` and ``csc-sim backtest`` take: the commands calibration adds.

``sim`` does not import calibration: the project's ``pyproject.toml`` names :func:`register` in
the ``csc_sim.commands`` entry points, and ``sim.cli`` adds every group it finds there. As in
``sim.cli.arguments``, each command names the function that carries it out
(:mod:`calibration.cli`), imported only when the command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import Subparsers


def register(subparsers: Subparsers) -> None:
    """Add ``calibrate`` and ``backtest`` to the command line."""
    _calibrate(subparsers)
    _backtest(subparsers)


def _share(text: str) -> float:
    """A share from 0 to 1, as a command-line value (a clear error otherwise)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share from 0 to 1, e.g. 0.05")
    return value


def _polish_option(parser: argparse.ArgumentParser) -> None:
    """``--polish ROUNDS``, as calibrate and backtest both take it (None: the full fit's)."""
    parser.add_argument(
        "--polish",
        type=int,
        metavar="ROUNDS",
        help="after the fit's iterations, full steps on more replications, each kept only if "
        "it brings the counts nearer their targets (default: the full fit's, "
        "calibration.council.FULL_FIT; 0: none)",
    )


def _calibrate(subparsers: Subparsers) -> None:
    cal = subparsers.add_parser(
        "calibrate", help="calibrate to a council's published figures (and files)"
    )
    who_cal = cal.add_mutually_exclusive_group(required=True)
    who_cal.add_argument("--la", help="council name or code (e.g. 'Telford and Wrekin')")
    who_cal.add_argument(
        "--all",
        action="store_true",
        help="every council in the DfE tables, from published figures only: one file each in "
        "--out (a folder, default councils/); resumes, skipping files already written",
    )
    cal.add_argument("--year", help="reference year, e.g. 2024-25 (default: the latest)")
    cal.add_argument(
        "--903",
        dest="ssda903",
        type=Path,
        nargs="+",
        help="the council's SSDA903 files or folders (CSV or XML)",
    )
    cal.add_argument("--cin", type=Path, nargs="+", help="the council's CIN census XML file(s)")
    cal.add_argument("--annex-a", dest="annex_a", type=Path, help="the council's Annex A workbook")
    cal.add_argument("--out", type=Path, help="parameter file (default councils/<council>.yaml)")
    cal.add_argument("--iterations", type=int, default=14, help="fit iterations (default 14)")
    _polish_option(cal)
    cal.add_argument(
        "--no-backtest",
        dest="backtest",
        action="store_false",
        help="skip the back-test (fit on the years before the reference year, project it) "
        "whose errors the file keeps for reports",
    )
    cal.add_argument(
        "--workers",
        type=int,
        help="local worker processes for --all (default: one per core; 1: in this process)",
    )
    cal.add_argument("--scheduler", help="address of an existing Dask scheduler, for --all")
    cal.add_argument("--json", action="store_true", help="print the fit report as JSON")
    cal.set_defaults(handler="calibration.cli:cmd_calibrate")


def _backtest(subparsers: Subparsers) -> None:
    bt = subparsers.add_parser(
        "backtest", help="fit on years up to Y-N, project N years to Y, compare"
    )
    who = bt.add_mutually_exclusive_group(required=True)
    who.add_argument("--la", help="council name or code")
    who.add_argument("--all", action="store_true", help="every council in the DfE tables")
    bt.add_argument("--hold-out", required=True, help="last year to project, e.g. 2024-25")
    bt.add_argument(
        "--horizon",
        type=int,
        default=1,
        choices=range(1, 6),
        metavar="N",
        help="fit on the years up to N before the hold-out year and project N years (default 1)",
    )
    bt.add_argument(
        "--replications",
        type=int,
        default=40,
        help="drawn futures per council's projection: its ranges' ends (default 40)",
    )
    bt.add_argument("--out", type=Path, help="results folder (default results/backtest-<year>)")
    bt.add_argument(
        "--fits",
        type=Path,
        help="a folder of fits an earlier back-test kept (its results folder's fits/): each "
        "council's fit with the same settings is projected again instead of fitting anew",
    )
    bt.add_argument(
        "--iterations", type=int, default=14, help="fit iterations per council (default 14)"
    )
    bt.add_argument(
        "--stock-pull",
        type=_share,
        metavar="SHARE",
        help="share of the gap to the statistical neighbours' looked-after rate the projected "
        "number looked after closes a year (default: calibration.future.STOCK_PULL; 0: none), "
        "to try another share, as the default was fitted; use a results folder of its own",
    )
    _polish_option(bt)
    bt.add_argument(
        "--workers",
        type=int,
        help="local worker processes for --all (default: one per core; 1: in this process)",
    )
    bt.add_argument(
        "--scheduler", help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786"
    )
    bt.add_argument("--json", action="store_true", help="print the summary as JSON")
    bt.set_defaults(handler="calibration.cli:cmd_backtest")
