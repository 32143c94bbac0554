"""How often the model's ranges held what happened, and how far they are widened to do so.

``sim/data/reference/backtest_coverage.csv`` (made by ``python -m calibration.ranges`` from
``csc-sim backtest --all`` runs): one row per years ahead and measure, the councils compared,
the share of them whose published figure fell inside the replications' own 50%, 80% and 90%
ranges (``inside_*``) and inside those ranges as shown, widened (``shown_inside_*``, each
council's range widened by margins fitted without that council's year or group, so the share is
out of sample), with the years projected to (``hold_out``) and fitted on (``fitted``). The words
beside a range quote it; with no file shipped they say only what the range is.

``sim/data/reference/range_widening.csv`` (same maker): the margin (log scale) per measure,
years ahead and level by which both ends of a level's range are moved out
(:mod:`sim.experiments.level_ranges`), fitted on all the back-test rows; with no file shipped,
ranges are not widened.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"
#: The shipped coverage summary (see the module's doc).
COVERAGE_FILE = _REFERENCE / "backtest_coverage.csv"
#: The shipped widening margins (see the module's doc).
WIDENING_FILE = _REFERENCE / "range_widening.csv"


@dataclass(frozen=True)
class Coverage:
    """One measure's coverage at one horizon, over the councils back-tested."""

    measure: str
    horizon: int
    councils: int
    inside_50: float
    inside_80: float
    inside_90: float
    hold_out: str
    fitted: str
    shown_inside_50: float | None = None
    shown_inside_80: float | None = None
    shown_inside_90: float | None = None


def _share(value: str | None) -> float | None:
    return None if value in (None, "") else float(value)


@functools.lru_cache(maxsize=1)
def coverage() -> tuple[Coverage, ...]:
    """The shipped coverage rows (none when no back-test summary is shipped)."""
    if not COVERAGE_FILE.exists():
        return ()
    with COVERAGE_FILE.open(newline="", encoding="utf-8") as f:
        return tuple(
            Coverage(
                r["measure"],
                int(r["horizon"]),
                int(r["councils"]),
                float(r["inside_50"]),
                float(r["inside_80"]),
                float(r["inside_90"]),
                r["hold_out"],
                r["fitted"],
                _share(r.get("shown_inside_50")),
                _share(r.get("shown_inside_80")),
                _share(r.get("shown_inside_90")),
            )
            for r in csv.DictReader(f)
        )


def one_year_ahead_90(measures: tuple[str, ...]) -> tuple[float, float, int, str] | None:
    """Over ``measures``, one year ahead: the lowest and highest share of councils inside the
    90% range as shown (widened, where the shipped back-test says so), the fewest councils
    behind them and the years checked (None with no shipped back-test)."""
    rows = [c for c in coverage() if c.horizon == 1 and c.measure in measures]
    if not rows:
        return None
    shares = [c.inside_90 if c.shown_inside_90 is None else c.shown_inside_90 for c in rows]
    years = sorted({y for c in rows for y in c.hold_out.split()})
    said = " and ".join([", ".join(years[:-1]), years[-1]] if len(years) > 1 else years)
    return min(shares), max(shares), min(c.councils for c in rows), said


@functools.lru_cache(maxsize=1)
def _margins() -> dict[tuple[str, int], list[tuple[float, float]]]:
    """``{(measure, level): [(years ahead, margin), ...]}`` from the shipped file, by years."""
    if not WIDENING_FILE.exists():
        return {}
    out: dict[tuple[str, int], list[tuple[float, float]]] = {}
    with WIDENING_FILE.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = (r["measure"], int(r["level"]))
            out.setdefault(key, []).append((float(r["horizon"]), float(r["margin"])))
    return {k: sorted(v) for k, v in out.items()}


def is_widened() -> bool:
    """Whether widening margins are shipped (shown ranges of levels are widened)."""
    return bool(_margins())


def widening(measure: str, years_ahead: float, level: int = 90) -> float:
    """The margin (log scale) by which both ends of a ``level``% range of ``measure`` move out,
    ``years_ahead`` years out.

    From 0 at the start of the run (today's figures are known) to the first years ahead the
    back-test checked, and between those checked, the margin is interpolated; after the last it
    is the last's. A measure the back-test did not check: 0.
    """
    points = _margins().get((measure, level))
    if not points:
        return 0.0
    years = [0.0, *(p[0] for p in points)]
    margins = [0.0, *(p[1] for p in points)]
    return float(np.interp(years_ahead, years, margins))
