"""How often the model's ranges held what happened: the back-test's coverage, as shipped.

``sim/data/reference/backtest_coverage.csv`` is the summary of ``csc-sim backtest --all`` (one
row per years ahead and measure: the councils compared and the share of them whose published
figure fell inside the model's 50%, 80% and 90% ranges), copied there with the run that made it
(columns ``hold_out``, ``fitted``). The words beside a range quote it; with no file shipped they
say only what the range is.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

#: The shipped coverage summary (see the module's doc).
COVERAGE_FILE = Path(__file__).resolve().parents[1] / "data" / "reference" / "backtest_coverage.csv"


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
            )
            for r in csv.DictReader(f)
        )


def one_year_ahead_90(measures: tuple[str, ...]) -> tuple[float, float, int, str] | None:
    """Over ``measures``, one year ahead: the lowest and highest share of councils inside the
    90% range, the fewest councils behind them and the year checked (None with no shipped
    back-test)."""
    rows = [c for c in coverage() if c.horizon == 1 and c.measure in measures]
    if not rows:
        return None
    shares = [c.inside_90 for c in rows]
    years = sorted({c.hold_out for c in rows})
    return min(shares), max(shares), min(c.councils for c in rows), ", ".join(years)
