"""Refresh where projections draw their futures from, without refitting anyone.

``python -m calibration.refresh_future`` rewrites the shipped table of councils' year-to-year
changes (:mod:`calibration.future`) and names, in every shipped council file, the councils its
future is drawn from (itself and its statistical neighbours) up to its reference year and the
drift of its looked-after stock toward its neighbours' (:mod:`sim.model.stock_drift`). Nothing
else in a council file changes, so its fit stands.
"""

from __future__ import annotations

import sys

from calibration.council import refresh_future
from calibration.future import main as write_table
from sim.inputs.scenario import COUNCILS_DIR


def main(argv: list[str] | None = None) -> int:
    write_table(argv)
    files = sorted(COUNCILS_DIR.glob("*.yaml"))
    for path in files:
        refresh_future(path)
    print(f"named the councils each future is drawn from in {len(files)} council files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
