"""Do the children looked after hold DfE's placements at 31 March once placement moves run?

A move redraws the placement for the child's age then (``sim.model.care``), while the mix at
entry was fitted to DfE's placements at 31 March without moves; so moves could push the stock
toward the placements teenagers enter (children's homes, supported accommodation). This runs a
parameter set (England's by default) for three years and sets its children looked after by
placement group over the second and third years (the first still holds the opening stock, drawn
from the published mix) beside DfE's shares at 31 March 2025 (``calibration.targets``), with its
own moves and with none.

``python -m calibration.stock_mix [--moves RATE]`` prints the shares (England at DfE's 0.60
moves a child-year by default, from ``calibration.placement_moves``).
"""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd
import yaml

from calibration.england import PARAMS_FILE
from calibration.placement_moves import england_move_rate
from calibration.targets import PLACEMENT_GROUPS, NationalFigures, mix_targets
from sim.experiments.experiment import single_run
from sim.experiments.outputs import monthly_frame
from sim.inputs.scenario import scenario_from_dict

#: Months averaged: the second and third projected years.
FROM_MONTH = 12
REFERENCE_YEAR = "2024-25"


def stock_shares(
    params: dict[str, Any],
    population: int = 300_000,
    replications: int = 2,
    years: int = 3,
    seed: int = 20250401,
) -> dict[str, float]:
    """The simulated children looked after by placement group, % of all, averaged over the
    month-ends from the second projected year on."""
    scenario = scenario_from_dict(
        {
            "name": "stock-mix",
            "population": population,
            "years": years,
            "replications": replications,
            "seed": seed,
            "future": "fixed",
            # what a parameter file holds (not its sources and provenance, nor what calibrate()
            # returns beside it, such as ``_population``)
            "parameters": {
                k: v
                for k, v in params.items()
                if k not in ("sources", "provenance") and not k.startswith("_")
            },
        }
    )
    frames = [monthly_frame(single_run(scenario, r)) for r in range(replications)]
    m = pd.concat(frames, ignore_index=True)
    m = m[m["month"].isin(sorted(m["month"].unique())[FROM_MONTH:])]
    total = m[m["measure"] == "looked_after"]["value"].sum()
    shares = {}
    for group, types in PLACEMENT_GROUPS.items():
        held = m[m["measure"].isin([f"looked_after_{t}" for t in types])]["value"].sum()
        shares[group] = 100 * float(held) / float(total)
    return shares


def published_shares(year: str = REFERENCE_YEAR) -> dict[str, float]:
    """DfE's children looked after at 31 March by placement group, % of all."""
    found = mix_targets(NationalFigures(), year)
    return {g: found[f"placement_share_{g}"] for g in PLACEMENT_GROUPS}


def england_moves(year: str = REFERENCE_YEAR) -> float:
    """England's placement moves a child-year, pooled over the years to ``year``."""
    return england_move_rate(year)


def main(argv: list[str] | None = None) -> None:
    """Print England's stock by placement group with moves and without, against DfE's."""
    ap = argparse.ArgumentParser(prog="python -m calibration.stock_mix", description=__doc__)
    ap.add_argument("--moves", type=float, default=None, help="moves a child-year")
    args = ap.parse_args(argv)
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    moves = england_moves() if args.moves is None else args.moves
    want = published_shares()
    params["looked_after"]["placement_moves_per_year"] = moves
    with_moves = stock_shares(params)
    params["looked_after"]["placement_moves_per_year"] = 0.0
    without = stock_shares(params)
    print(f"{'group':<22}{'DfE 31 March 2025':>18}{f'moves {moves:.2f}':>14}{'no moves':>10}")
    for g in PLACEMENT_GROUPS:
        print(f"{g:<22}{want[g]:>17.1f}%{with_moves[g]:>13.1f}%{without[g]:>9.1f}%")


if __name__ == "__main__":
    main()
