"""Placement moves during a stay (issue 19, point 3).

A child in care moves placement at ``looked_after.placement_moves_per_year`` (DfE's placements
changing in the year, less changes of status only, over child-years in care: England 2022-23
to 2024-25 about 0.60; Dorset 0.67), each move redrawing the placement for the child's age then,
so the child-days, and so the costs, follow the placement held. England's default run at
100,000 children for two years (about 1,300 child-years in care, 800 moves: a counting error of
about 3.5%) must move at the rate it is given.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.calendar import DAYS_PER_YEAR
from sim.core.entities import LOOKED_AFTER_STOCKS
from sim.experiments.experiment import single_run
from sim.inputs.scenario import scenario_from_dict

RATE, POPULATION, YEARS = 0.6, 100_000, 2
#: Relative: the moves a child-year against the rate given.
RATE_TOLERANCE = 0.10


def _run(moves: float):
    scenario = scenario_from_dict(
        {
            "name": "moves",
            "population": POPULATION,
            "years": YEARS,
            "seed": 3,
            "parameters": {"looked_after": {"placement_moves_per_year": moves}},
        }
    )
    return single_run(scenario, 0)


@pytest.fixture(scope="module")
def moving():
    return _run(RATE)


def test_children_move_at_the_rate_given(moving):
    moves = float(np.sum(moving.flows["placement_moves"]))
    child_years = sum(float(np.sum(moving.child_days[s])) for s in LOOKED_AFTER_STOCKS)
    child_years /= DAYS_PER_YEAR
    rate = moves / child_years
    assert abs(rate / RATE - 1) <= RATE_TOLERANCE, (
        f"expected {RATE} moves a child-year in care (within {RATE_TOLERANCE:.0%}), found "
        f"{rate:.3f} ({moves:.0f} moves over {child_years:.0f} child-years)"
    )


def test_a_move_to_another_type_of_placement_leaves_one_and_enters_the_other(moving):
    moves = float(np.sum(moving.flows["placement_moves"]))
    entries = float(np.sum(moving.flows["care_entries"]))
    exits = float(np.sum(moving.flows["care_exits"]))
    into = sum(float(np.sum(moving.entries[s])) for s in LOOKED_AFTER_STOCKS)
    out_of = sum(float(np.sum(moving.exits[s])) for s in LOOKED_AFTER_STOCKS)
    changed, left = into - entries, out_of - exits
    # a move to a placement of the same type (another foster carer) changes no stock
    assert changed == left and 0.3 * moves <= changed <= moves, (
        f"expected the moves that change the type of placement ({moves:.0f} moves) to enter "
        f"one placement and leave another, found {changed:.0f} entries and {left:.0f} exits "
        "beyond care's own"
    )


def test_without_moves_no_placement_changes():
    still = _run(0.0)
    assert float(np.sum(still.flows.get("placement_moves", [0.0]))) == 0.0


#: Points of the share of children looked after a placement group may differ from DfE's at
#: 31 March 2025 (about 2,000 children in care over two years of month-ends at 300,000
#: children: a group's share is known to about half a point; the rest is the fit's).
STOCK_POINTS = 1.5


def test_with_englands_moves_the_stock_holds_dfes_placements_at_31_march():
    """The mix at entry was fitted without moves; a move redraws the placement for the child's
    age then, which could push the stock toward the placements teenagers enter. With England's
    published moves (about 0.60 a child-year) the stock over the second and third years must
    still hold DfE's placements at 31 March 2025 within STOCK_POINTS (measured: foster 66.9%
    against 67.0%, children's homes 12.3% against 11.6%, with parents 6.2% against 6.1%, other
    14.7% against 15.3%)."""
    import yaml

    from calibration.england import PARAMS_FILE
    from calibration.stock_mix import england_moves, published_shares, stock_shares

    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    moves = england_moves()
    assert 0.5 <= moves <= 0.7, f"expected England's moves about 0.60 a child-year, found {moves}"
    params["looked_after"]["placement_moves_per_year"] = moves
    got, want = stock_shares(params), published_shares()
    off = {g: round(got[g] - want[g], 2) for g in want}
    assert all(abs(d) <= STOCK_POINTS for d in off.values()), (
        f"expected each placement group within {STOCK_POINTS} points of DfE's 31 March 2025 "
        f"shares {want}, found {got} (off by {off})"
    )
