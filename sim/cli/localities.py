"""``csc-sim localities``: a council's shipped localities, and one as lines for a scenario.

The dashboard offers a council's localities by name (a county's districts among them); an
analyst writing a scenario file gets the same figures here, ready to paste under
``parameters: demand:``, with the rest of the council taking the demand that keeps the
council's average (as the dashboard does).
"""

from __future__ import annotations

import argparse

import yaml

from sim.api import locality_split
from sim.inputs.localities import NamedLocality, council_localities
from sim.inputs.scenario import ScenarioError


def _find(council: str) -> tuple[NamedLocality, ...]:
    """The council's shipped localities by its name or file name (hyphens for spaces)."""
    return council_localities(council) or council_localities(council.replace("-", " "))


def cmd_localities(args: argparse.Namespace) -> int:
    """Print the council's localities, or one of them as a scenario's lines."""
    found = _find(args.council)
    if not found:
        raise ScenarioError(
            f"localities: no localities are shipped for {args.council!r} (a two-tier county's "
            "districts are; a single-tier council's are not): enter your own in the scenario, "
            "with its share of the council's children, as `csc-sim localities Kent --locality "
            "Thanet` shows"
        )
    if args.locality:
        return _print_lines(found, args.locality)
    print(f"{found[0].council}: {len(found)} localities shipped")
    print(f"  {'locality':<28}{'share of children':>18}{'demand':>8}  source")
    for loc in found:
        print(f"  {loc.name:<28}{loc.share:>18.1%}{loc.demand:>8.2f}  {loc.source}")
    print(f"  demand: {found[0].demand_basis}")
    print(f"One as a scenario's lines: csc-sim localities {args.council!r} --locality NAME")
    return 0


def _print_lines(found: tuple[NamedLocality, ...], name: str) -> int:
    by_name = {loc.name.casefold(): loc for loc in found}
    loc = by_name.get(name.strip().casefold())
    if loc is None:
        raise ScenarioError(
            f"localities --locality: {found[0].council} has no locality {name!r}; it has: "
            + ", ".join(x.name for x in found)
        )
    split = locality_split(loc.choice())
    lines = yaml.safe_dump(
        {"parameters": {"demand": {"localities": split}}}, sort_keys=False, width=100
    )
    print(f"# {loc.name}: {loc.in_words()}")
    print(f"# source: {loc.source}")
    print(lines.rstrip())
    print(f"# and in each pilot's policy entry: eligible: {{localities: [{loc.name}]}}")
    return 0
