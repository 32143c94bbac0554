"""Each council's placement moves during a stay, from DfE's placements changing in the year.

DfE publishes, for every council, the placements that changed during the year (Children looked
after in England, "Reason for placement change during the year", 2020-21 to 2024-25; shipped
as ``data/ees/la_cla_placements_changing_2021_to_2025.csv``). A move is a change less those that
change the placement's status only (England 2024-25: 59,140 changes, 10,500 of status only).
The rate is the moves over the child-years in care (the mean of the looked-after children at
the two 31 Marches around the year), pooled over the last :data:`POOLED_YEARS` published years
and shrunk toward England's with the weight of :data:`SHRINK_MOVES` moves (judgement, as for
the exit mix). England 2022-23 to 2024-25: about 0.6 moves a child-year.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from calibration.ees import EES_DIR, Area, History, history

PLACEMENTS_CHANGING = EES_DIR / "la_cla_placements_changing_2021_to_2025.csv"
POOLED_YEARS = 3
SHRINK_MOVES = 60.0
#: Children a withheld cell (``c``) counts as (the middle of 1 to 5; judgement).
WITHHELD = 3.0
_TOTAL, _STATUS = "Total placements changing", "Change in the status of a placement only"


@cache
def _table() -> pd.DataFrame:
    return pd.read_csv(PLACEMENTS_CHANGING, dtype=str, keep_default_na=False)


def _count(cell: str) -> float:
    if cell == "c":
        return WITHHELD
    try:
        return float(cell)
    except ValueError:
        return float("nan")


def _moves_and_years(hist: History, area: Area | None, reference_year: str) -> tuple[float, float]:
    """Moves and child-years in care over the pooled years up to ``reference_year``."""
    t = _table()
    if area is None:
        t = t[t.geographic_level == "National"]
    else:
        own = t.new_la_code.isin(area.codes) | (t.la_name == area.name)
        t = t[(t.geographic_level == "Local authority") & own]
    last = int(reference_year[:4]) + 1
    moves = years = 0.0
    for y in range(last - POOLED_YEARS + 1, last + 1):
        rows = t[t.time_period == str(y)].set_index("breakdown")["children_count"]
        total = _count(rows.get(_TOTAL, "x"))
        status = _count(rows.get(_STATUS, "0"))
        label, before = f"{y - 1}-{str(y)[2:]}", f"{y - 2}-{str(y - 1)[2:]}"
        if np.isnan(total) or label not in hist.table.index or before not in hist.table.index:
            continue
        stock = (hist.table.at[label, "looked_after"] + hist.table.at[before, "looked_after"]) / 2
        if np.isnan(stock) or stock <= 0:
            continue
        moves += total - (0.0 if np.isnan(status) else status)
        years += float(stock)
    return moves, years


def england_move_rate(reference_year: str) -> float:
    """England's moves a child-year, pooled over the :data:`POOLED_YEARS` years to
    ``reference_year``."""
    e_moves, e_years = _moves_and_years(history("England"), None, reference_year)
    if e_years <= 0:
        raise ValueError(
            f"placement moves: DfE's placements changing cover 2020-21 to 2024-25, none of the "
            f"{POOLED_YEARS} years to {reference_year}"
        )
    return e_moves / e_years


def council_move_rate(area: Area, reference_year: str) -> dict[str, Any]:
    """The council's moves a child-year, published and shrunk toward England's."""
    moves, years = _moves_and_years(history(area), area, reference_year)
    england = england_move_rate(reference_year)
    rate = (moves + SHRINK_MOVES) / (years + SHRINK_MOVES / england)
    return {
        "moves": round(moves),
        "child_years": round(years),
        "published_per_year": round(moves / years, 4) if years else None,
        "england_per_year": round(england, 4),
        "per_year": round(rate, 4),
        "shrink_toward_england_moves": SHRINK_MOVES,
    }


def own_placement_moves(params: dict[str, Any], area: Area, reference_year: str) -> dict[str, Any]:
    """Set the council's ``looked_after.placement_moves_per_year`` and its source; returns what
    the provenance keeps."""
    try:
        found = council_move_rate(area, reference_year)
    except ValueError as exc:  # an early reference year (a back-test): no moves, as before
        params["sources"]["looked_after.placement_moves_per_year"] = f"none: {exc}"
        return {"per_year": 0.0, "note": str(exc)}
    params["looked_after"]["placement_moves_per_year"] = found["per_year"]
    params["sources"]["looked_after.placement_moves_per_year"] = (
        f"{area.name}: DfE placements changing in the year less changes of status only, over "
        f"child-years in care, {POOLED_YEARS} years to {reference_year} pooled "
        f"({found['moves']} moves), shrunk toward England's with the weight of "
        f"{SHRINK_MOVES:g} moves"
    )
    return found
