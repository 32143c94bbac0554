"""Each council's own exit mix, placement moves and placement mix, written into its file
without a refit.

``python -m calibration.exits --refresh [DIR]`` brings every council file in ``DIR`` (the
shipped ``sim/data/params/councils`` by default) to its published children ceasing care by
reason (:mod:`calibration.exit_mix`): its ``looked_after.exit_mix`` and that parameter's
source, and what was used in its ``provenance.exit_mix``; and to its published placements
changing in the year (:mod:`calibration.placement_moves`): its
``looked_after.placement_moves_per_year``, source and ``provenance.placement_moves``; and to its
published children at 31 March by placement (:mod:`calibration.placement_stock`): its
``looked_after.placement_mix``, source and ``provenance.placement_mix``. The
council's other parameters stay as its last fit left them; its stays are unchanged, so its
flows and stock hold, but how its children leave (and so its returns home and re-entries) and
which placements they hold (and so their cost) change, and a refit (``csc-sim calibrate``,
which writes the same) brings its other targets back.

``python -m calibration.exits --show COUNCIL`` prints a council's published and shrunk shares.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from calibration.council import write_council_file
from calibration.each_council import refresh_each
from calibration.ees import find_area
from calibration.england import PARAMS_FILE
from calibration.exit_mix import council_exit_shares, own_exit_mix
from calibration.placement_moves import own_placement_moves
from calibration.placement_stock import own_placement_mix
from sim.inputs.scenario import COUNCILS_DIR


def refresh_exit_mix(path: Path, england: dict[str, Any] | None = None) -> Path:
    """Rewrite one council file's exit mix and placement moves from DfE's tables."""
    england = england or yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    prov = params["provenance"]
    area = find_area(prov["council"])
    mix = england["looked_after"]["exit_mix"]
    prov["exit_mix"] = own_exit_mix(params, area, prov["reference_year"], mix)
    prov["placement_moves"] = own_placement_moves(params, area, prov["reference_year"])
    la = england["looked_after"]
    prov["placement_mix"] = own_placement_mix(
        params, area, prov["reference_year"], la["placement_mix"], la["uasc_placement_mix"]
    )
    params["_population"] = prov.get("children", "n/a")
    return write_council_file(params, path)


def main(argv: list[str] | None = None) -> None:
    """Refresh council files' exit mixes, or show one council's shares."""
    ap = argparse.ArgumentParser(prog="python -m calibration.exits")
    ap.add_argument("--refresh", type=Path, nargs="?", const=COUNCILS_DIR, default=None)
    ap.add_argument("--show", metavar="COUNCIL", help="a council's published and shrunk shares")
    args = ap.parse_args(argv)
    if args.refresh is not None:
        n = refresh_each(args.refresh, refresh_exit_mix)
        what = "the exit mix, moves and placement mix"
        print(f"refreshed {what} of {n} council files in {args.refresh}")
    if args.show:
        found = council_exit_shares(find_area(args.show), "2024-25")
        for key in ("years", "exits", "published_shares", "england_shares", "shares"):
            print(f"{key}: {found[key]}")


if __name__ == "__main__":
    main()
