"""A national check: England fitted on the figures to 2020-21, projected to 31 March 2025.

The model is fitted to England's published figures for 2020-21 (as a council is, with no
neighbours to pull toward) and projected four years, each replication with a future drawn from
England's own published year-to-year changes up to 2020-21. Its looked-after children at
31 March 2025 are set beside what happened (81,770, DfE *Children looked after in England*
2025) and beside the County Councils Network's projection, published in November 2021, of 95,000 by
the end of 2025, 16% above the 81,770 there were.

``python -m calibration.national_check [--iterations N] [--replications N]`` prints the check.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import numpy as np

from calibration.backtest import project
from calibration.council import calibrate
from calibration.ees import history

#: England's looked-after children at 31 March 2025 (DfE, Children looked after in England
#: including adoptions, year ending 31 March 2025).
OUTTURN_2025 = 81_770
#: County Councils Network, 22 November 2021 ("Number of children in care could reach almost
#: 100,000 by 2025"; CCN, ACCE and Newton, *The Future of Children's Social Care*): under the
#: trends then, 95,000 children looked after in England by the end of 2025.
CCN_PROJECTION_2025 = 95_000
FITTED = "2020-21"
TARGET = "2024-25"
RUN_POPULATION = 100_000


@dataclass(frozen=True)
class NationalCheck:
    """The model's projection of England's looked-after children at 31 March 2025."""

    fitted: str
    mean: float
    low_90: float
    high_90: float
    low_50: float
    high_50: float
    published: float = OUTTURN_2025
    ccn_projection: float = CCN_PROJECTION_2025

    @property
    def error_pct(self) -> float:
        return (self.mean - self.published) / self.published * 100

    @property
    def inside_90(self) -> bool:
        return self.low_90 <= self.published <= self.high_90

    def sentence(self) -> str:
        return (
            f"Fitted on England's figures to {self.fitted}, the model projects "
            f"{self.mean:,.0f} children looked after at 31 March 2025 (90% range "
            f"{self.low_90:,.0f} to {self.high_90:,.0f}); {self.published:,.0f} were "
            f"({self.error_pct:+.1f}%), "
            f"{'inside' if self.inside_90 else 'outside'} the range. The County Councils "
            f"Network projected up to {self.ccn_projection:,.0f}."
        )


def national_check(iterations: int = 8, replications: int = 40) -> NationalCheck:
    """Fit England on :data:`FITTED`, project to :data:`TARGET`, summarise looked-after children."""
    table = history("England").table
    params, _ = calibrate("England", year=FITTED, iterations=iterations)
    params["future"] = {"councils": ["England"], "up_to_year": FITTED}
    horizon = int(TARGET[:4]) - int(FITTED[:4])
    yearly = project("England", params, FITTED, horizon, RUN_POPULATION, replications)
    fy = TARGET  # the projection's financial years are named as DfE's reporting years
    lac = yearly[(yearly["measure"] == "looked_after") & (yearly["financial_year"] == fy)]
    scale = float(table.at[FITTED, "population"]) / RUN_POPULATION
    values = lac["value"].to_numpy(dtype=float) * scale
    q = np.quantile(values, [0.05, 0.25, 0.75, 0.95])
    return NationalCheck(FITTED, float(values.mean()), q[0], q[3], q[1], q[2])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m calibration.national_check")
    ap.add_argument("--iterations", type=int, default=8)
    ap.add_argument("--replications", type=int, default=40)
    a = ap.parse_args(argv)
    check = national_check(a.iterations, a.replications)
    print(check.sentence())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
