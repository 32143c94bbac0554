"""The ``csc-sim`` command line: run, compare, sweep and report on scenarios.

Each command group adds its commands to the parser with a ``register(subparsers)`` function:
``sim``'s own groups are in :mod:`sim.cli.arguments`; other packages of the project add theirs
through the ``csc_sim.commands`` entry points (calibration adds ``calibrate`` and ``backtest``),
so that ``sim`` never imports them. A command names the function that carries it out as
``"module:function"`` (``sim.cli.run``, ``sim.cli.compare``, ...); that module, which brings in
the model and pandas, is imported only for the command that runs, so ``csc-sim --help`` loads
neither.
"""

from __future__ import annotations

import argparse
import pkgutil
import sys
from collections.abc import Callable
from importlib.metadata import entry_points

from sim.cli import arguments
from sim.cli.common import Subparsers
from sim.core import compiled
from sim.inputs.scenario import ScenarioError
from sim.version import __version__

#: The command groups of ``sim`` itself, by name.
GROUPS: dict[str, Callable[[Subparsers], None]] = {
    "run": arguments.register_run,
    "compare": arguments.register_compare,
    "sweeps": arguments.register_sweeps,
    "validate": arguments.register_validate,
    "localities": arguments.register_localities,
    "reports": arguments.register_reports,
    "audit": arguments.register_audit,
}

#: The order of the groups in ``csc-sim --help``; a group not named here comes after, by name.
ORDER = ("run", "compare", "calibrate", "sweeps", "validate", "localities", "reports", "audit")

#: Commands that come only with the installed project (through the entry points): from a
#: checkout that was never installed, naming one says how to install.
INSTALLED_ONLY = ("calibrate", "backtest")


def command_groups() -> list[Callable[[Subparsers], None]]:
    """Every group's ``register``: ``sim``'s and the installed entry points', in help order."""
    groups = dict(GROUPS)
    for entry in entry_points(group="csc_sim.commands"):
        groups.setdefault(entry.name, entry.load())
    return [groups[name] for name in sorted(groups, key=_help_position)]


def _help_position(group: str) -> tuple[int, str]:
    return (ORDER.index(group), "") if group in ORDER else (len(ORDER), group)


class _Version(argparse.Action):
    """``csc-sim --version``: the release and how the model core runs (compiled or not)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help=kwargs.get("help"))  # type: ignore[arg-type]

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        # status() imports the model core: only --version pays for that
        print(f"csc-sim {__version__}; {compiled.status().summary}")
        parser.exit()


def build_parser() -> tuple[argparse.ArgumentParser, list[str]]:
    """The parser of every command found, and the install-only commands that were not found."""
    parser = argparse.ArgumentParser(
        prog="csc-sim",
        description=(
            "Simulate children's social care for an English council: families from contact to "
            "early help, child in need, child protection and care."
        ),
    )
    parser.add_argument(
        "--version",
        action=_Version,
        help="show the version and whether the model core runs compiled, then exit",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for register in command_groups():
        register(subparsers)
    missing = [name for name in INSTALLED_ONLY if name not in subparsers.choices]
    for name in missing:
        subparsers.add_parser(name, help="not installed: run `pip install -e .` in the project")
    return parser, missing


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``csc-sim`` and ``python -m sim``."""
    argv = sys.argv[1:] if argv is None else argv
    parser, missing = build_parser()
    if argv and argv[0] in missing:
        print(
            f"error: `csc-sim {argv[0]}` comes with the project's calibration package, which "
            "adds it when the project is installed; from the project's folder run "
            "`pip install -e .` and try again",
            file=sys.stderr,
        )
        return 2
    args = parser.parse_args(argv)
    # the one import of a command's module: only the command that runs loads the model
    command = pkgutil.resolve_name(args.handler)
    try:
        return command(args)
    except (ScenarioError, ValueError) as exc:
        # one problem a line, each marked, as docs/cli.md shows them
        for line in str(exc).splitlines() or [""]:
            print(f"error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: finished replications are kept; run the same command to resume",
            file=sys.stderr,
        )
        return 130
