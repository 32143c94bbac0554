"""Councils' year-to-year changes, as published: what a projection's future is drawn from.

``sim/data/reference/year_to_year_changes.csv`` holds, for every council and year, the log
change of its referrals, child protection plans started and care entries per child into that
year (DfE *Children in need* and *Children looked after in England*, 2013-14 to 2024-25; care
entries from 2021-22, the first change the shipped tables allow). It is written by
``python -m calibration.future``. A parameter file's ``future`` names the councils to draw from
(a council and its statistical neighbours; none: every council; ``England``: the national
series, for projections of England as a whole) and the last year whose change may be used (a
back-test must not see the years it projects).
"""

from __future__ import annotations

import csv
import functools
import math
from pathlib import Path

import numpy as np

#: The measures whose changes a projection draws, in the order of a drawn row.
MEASURES = ("referrals", "cp_plans_started", "care_entries")
#: The name of England's own (national) series in the table: drawn only when named.
NATIONAL = "England"
#: The shipped table of changes (see the module's doc).
CHANGES_FILE = (
    Path(__file__).resolve().parents[1] / "data" / "reference" / "year_to_year_changes.csv"
)


@functools.lru_cache(maxsize=1)
def _table() -> tuple[tuple[str, str, tuple[float, ...]], ...]:
    """The shipped table as (council, year, changes with NaN where missing), read once."""
    with CHANGES_FILE.open(newline="", encoding="utf-8") as f:
        return tuple(
            (
                r["council"],
                r["year"],
                tuple(float(r[m]) if r[m] else math.nan for m in MEASURES),
            )
            for r in csv.DictReader(f)
        )


def pool_changes(councils: tuple[str, ...], up_to_year: str) -> np.ndarray:
    """The rows a future is drawn from: one per council-year, columns :data:`MEASURES`.

    Rows come from the councils named (every council when none are) and years up to
    ``up_to_year``, and need a referral and a CP-plan change; a row without a care-entry change
    (years before the shipped tables allow one) takes its CP-plan change there (judgement: care
    entries move with child protection when nothing else is known). Each column is then shifted
    so that the mean of its ``exp(change)`` is 1: the future's expected rate is today's, and its
    spread is history's.
    """
    wanted = set(councils)
    rows = [
        ch
        for name, year, ch in _table()
        if (name in wanted if wanted else name != NATIONAL)
        and year <= up_to_year
        and math.isfinite(ch[0])
        and math.isfinite(ch[1])
    ]
    if not rows:
        raise ValueError(
            f"future: no published year-to-year changes for {sorted(wanted) or 'any council'} "
            f"up to {up_to_year}; the table has years from 2014-15 on"
        )
    out = np.array(rows, dtype=float)
    care = out[:, 2]
    out[:, 2] = np.where(np.isfinite(care), care, out[:, 1])
    return out - np.log(np.exp(out).mean(axis=0))
