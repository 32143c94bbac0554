"""Capacity as councils report it: caseloads per FTE as the workforce census counts them.

The model's caseload per case-holding FTE in its first year is within 10% of the census's (DfE,
30 September 2025: cases over case-holding FTE) for England and each seed council; read from the
shipped census table, not from the parameter files. Allocation binds where caseloads reach the
council's reported level: fewer social workers make referrals wait, and the waiting raises need.
"""

from __future__ import annotations

import numpy as np
import pytest

from calibration.council import census_row
from calibration.ees import history
from calibration.england import CENSUS_DAY
from calibration.targets import NationalFigures
from sim.experiments.experiment import single_run
from sim.inputs.scenario import scenario_from_dict

#: council file -> the council's name in DfE's tables (England: the national figures)
SEEDS = {
    "england": "England",
    "dorset": "Dorset",
    "walsall": "Walsall",
    "telford-and-wrekin": "Telford and Wrekin",
    "essex": "Essex",
}


def census_caseload(name: str) -> float:
    """Cases per case-holding FTE at 30 September 2025, from the shipped census table."""
    if name == "England":
        return NationalFigures().value(CENSUS_DAY, "sw_caseload_fte")
    return census_row(history(name).table, "2024-25")["caseload_per_fte"]


@pytest.mark.parametrize("council", list(SEEDS))
def test_caseload_per_fte_matches_the_census(council):
    scenario = scenario_from_dict({"council": council, "population": 20_000, "years": 1})
    model = float(np.mean(single_run(scenario, 0).month_end_values["caseload_per_sw"]))
    census = census_caseload(SEEDS[council])
    assert abs(model / census - 1) <= 0.10, (
        f"{council}: expected the model's caseload per FTE within 10% of the census's "
        f"{census:.1f}, found {model:.2f} ({100 * (model / census - 1):+.1f}%)"
    )


def _england(**workforce: float) -> dict[str, float]:
    scenario = scenario_from_dict(
        {"population": 20_000, "years": 2, "parameters": {"workforce": workforce}}
    )
    r = single_run(scenario, 0)
    allocated = r.flows["allocations"].sum()
    return {
        "wait_days": r.flows["allocation_wait_days_completed"].sum() / allocated,
        "caseload": float(np.max(r.month_end_values["caseload_per_sw"])),
        "cp_plans_started": r.flows["cp_plans_started"].sum(),
    }


def test_allocation_binds_at_the_reported_caseload_and_waiting_escalates():
    """England's social workers at 85%: caseloads reach the census level (15.2 cases per FTE),
    referrals wait, caseloads stay within the 10% stretch for acute need, and more families reach
    CP plans than at England's staffing, where hardly anyone waits."""
    base = _england()
    fewer = _england(social_worker_fte_per_10k=17.324 * 0.85)
    assert base["wait_days"] < 2, f"expected little wait at England's staffing, found {base}"
    assert fewer["wait_days"] > 20, f"expected referrals to wait with 15% fewer staff: {fewer}"
    assert 15.2 * 0.98 <= fewer["caseload"] <= 15.2 * 1.10, (
        f"expected caseloads held at England's reported 15.2, within its 10% stretch: {fewer}"
    )
    assert fewer["cp_plans_started"] > base["cp_plans_started"], (
        f"expected waiting and caseload pressure to raise CP plans, found {base} and {fewer}"
    )


def test_the_stretch_lets_acute_need_past_the_reported_caseload():
    """With 15% fewer social workers, a 10% stretch lets caseloads rise further above 15.2 (acute
    need allocated at once) than no stretch does."""
    stretched = _england(social_worker_fte_per_10k=17.324 * 0.85)
    none = _england(social_worker_fte_per_10k=17.324 * 0.85, caseload_stretch=0.0)
    assert none["caseload"] < stretched["caseload"] <= 15.2 * 1.10, (
        f"expected the peak caseload higher with the stretch, within 10% over 15.2: "
        f"no stretch {none}, stretch {stretched}"
    )
