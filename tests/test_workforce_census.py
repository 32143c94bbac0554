"""Capacity as councils report it: caseloads per FTE as the workforce census counts them.

The model's caseload per case-holding FTE in its first year is within 10% of the census's (DfE,
30 September 2025: cases over case-holding FTE) for England and each seed council; read from the
shipped census table, not from the parameter files. Allocation binds where caseloads reach the
council's reported level: fewer social workers make referrals wait, and the waiting raises need.
"""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from calibration.council import census_row
from calibration.ees import history
from calibration.england import CENSUS_DAY
from calibration.targets import NationalFigures
from sim.experiments.experiment import single_run
from sim.inputs.scenario import default_scenario, scenario_from_dict
from sim.model.workforce import CaseloadPool, staff_following_caseload

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
    CP plans than at England's staffing. At England's staffing the caseload sits at the census
    level too (0.7.0: babies entering care hold cases of their own; 14.6 on 0.6.0), so some
    referrals wait there as well, about 5 days on average, against 20 or more with 15% fewer."""
    base = _england()
    fewer = _england(social_worker_fte_per_10k=17.324 * 0.85)
    assert base["wait_days"] < 10, f"expected a short wait at England's staffing, found {base}"
    assert fewer["wait_days"] > max(20, 3 * base["wait_days"]), (
        f"expected referrals to wait far longer with 15% fewer staff: {base} and {fewer}"
    )
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


def test_staff_follow_cases_as_the_census_shows_and_the_default_is_that_figure():
    from calibration.workforce import staff_following_cases
    from sim.inputs.parameters import STAFF_FOLLOW_CASELOAD

    slope, council_years = staff_following_cases()
    assert round(slope, 2) == STAFF_FOLLOW_CASELOAD == 0.61, slope
    assert council_years == 1139, council_years
    england = default_scenario().parameters.workforce
    assert england.staff_follow_caseload == STAFF_FOLLOW_CASELOAD


def _team_over_a_year(elasticity: float, more_from_day: float | None) -> CaseloadPool:
    """A team of 10 FTE holding 50 children; ``more_from_day``: 50 more from then on."""
    env = simpy.Environment()
    team = CaseloadPool(env, fte=10, ceiling=10)
    team.force(50)

    def demand_doubles():
        yield env.timeout(more_from_day)
        team.force(50)

    if more_from_day is not None:
        env.process(demand_doubles())
    env.process(staff_following_caseload(env, team, elasticity, end_day=400))
    env.run(until=370)
    return team


def test_a_teams_own_staff_follow_its_demand_by_the_elasticity_once_a_year():
    held = _team_over_a_year(0.61, None)
    assert held.core_fte == 10, "expected staff to stay when demand holds"
    doubled = _team_over_a_year(0.61, 200)
    assert doubled.core_fte == pytest.approx(10 * 2**0.61), doubled.core_fte
    assert doubled.capacity == pytest.approx(10 * 2**0.61 * 10)
    fixed = _team_over_a_year(0.0, 200)
    assert fixed.core_fte == 10, "expected no change at elasticity 0"
    # a rise in the year's last quarter counts in part (two of its three month-ends)
    late = _team_over_a_year(0.61, 330)
    assert 10 < late.core_fte < doubled.core_fte, late.core_fte


def test_a_team_that_grows_takes_from_the_queue_and_keeps_a_policys_staff():
    env = simpy.Environment()
    team = CaseloadPool(env, fte=1, ceiling=2)
    team.force(2)
    waiting = team.request(1)
    assert not waiting.triggered
    team.add_staff(0.5, 2)  # a policy's staff: one more place, taken by the queue
    assert waiting.triggered and team.fte == 1.5
    team.set_core_fte(2)  # the council's own grow by 1 FTE: two more places
    assert (team.core_fte, team.fte, team.capacity) == (2, 2.5, 5), (team.fte, team.capacity)
