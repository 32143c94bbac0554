"""A policy file's team is per 100,000 children: the same team per child at any council size,
in the model, the costs, the sweeps and the dashboard's API alike."""

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from sim.api import build_scenario, builtin_policies, resize
from sim.experiments.comparison import BASELINE, compare, paired_results
from sim.inputs.policies import PER_CHILDREN
from sim.inputs.scenario import load_scenario
from sim.model.build import policy_set

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def test_staff_and_places_follow_the_council_and_the_size():
    fs = builtin_policies()["Family Safeguarding"]
    specialists = next(s for s in fs.adds_staff if s.role == "adult_specialist")
    at_20k = next(s for s in fs.staff_at(20_000) if s.role == "adult_specialist")
    assert at_20k.fte == pytest.approx(specialists.fte * 20_000 / PER_CHILDREN), (
        f"expected {specialists.fte} FTE per 100,000 to be {specialists.fte / 5} at 20,000, "
        f"found {at_20k.fte}"
    )
    assert fs.team_capacity(20_000) == pytest.approx(fs.team_capacity(PER_CHILDREN) / 5)
    bigger = resize(fs, 1.5)
    assert bigger.size == 1.5, f"expected resize to set size 1.5, found {bigger.size}"
    assert [s.fte for s in bigger.adds_staff] == [s.fte for s in fs.adds_staff], (
        "expected resize to leave the file's FTE per 100,000 children as written"
    )
    assert bigger.scale(50_000) == pytest.approx(0.75)


def test_the_dashboard_scenario_runs_the_team_the_cli_runs():
    fs = builtin_policies()["Family Safeguarding"]
    from_file = load_scenario(SCENARIOS / "family_safeguarding.yaml").with_changes(
        population=20_000
    )
    dashboard = build_scenario(population=20_000, policies=[fs], start=fs.start_date)
    a = policy_set(from_file, 0, sampled_effects=False).active[0]
    b = policy_set(dashboard, 0, sampled_effects=False).active[0]
    assert a.capacity == b.capacity == pytest.approx(fs.team_capacity(PER_CHILDREN) / 5), (
        f"expected one fifth of the file's places at 20,000 children in both, found "
        f"{a.capacity} (file) and {b.capacity} (dashboard)"
    )
    assert [s.fte for s in a.staff] == [s.fte for s in b.staff]


@pytest.mark.slow
def test_results_per_10k_children_do_not_depend_on_the_council_size():
    """Family Safeguarding at 25,000 and 100,000 children: the same care entries averted, cost
    and families enrolled per 10,000 children, within sampling error.

    The team is at 0.3 of the file's, so its places bind: had the team not followed the council,
    the 25,000 council would enrol four times as many families per child as the 100,000 one.
    """
    base = load_scenario(SCENARIOS / "family_safeguarding.yaml")
    fs = base.policies[0].model_dump(mode="python")
    fs.update(start_date=dt.date(2025, 4, 1), ramp_up_months=0, size=0.3)
    per_10k = {}
    for population, replications in ((25_000, 8), (100_000, 2)):
        sc = base.with_changes(
            population=population, years=2, replications=replications, policies=[fs]
        )
        monthly = compare(sc, effects=("central",))
        paired, _ = paired_results(monthly, sc)
        enrolled = (
            monthly[
                (monthly["variant"] != BASELINE)
                & monthly["measure"].str.startswith("policy_enrolments")
            ]
            .groupby("replication")["value"]
            .sum()
        )
        k = 1e4 / population
        per_10k[population] = {
            "averted": paired["care_entries_averted"].to_numpy() * k,
            "cost": paired["policy_cost_gbp"].to_numpy() * k,
            "enrolled": enrolled.to_numpy() * k,
        }
    small, large = per_10k[25_000], per_10k[100_000]
    assert np.ptp(np.r_[small["cost"], large["cost"]]) < 1e-6 * small["cost"].mean(), (
        f"expected the same policy cost per 10,000 children, found {small['cost'].mean():,.0f} "
        f"at 25,000 and {large['cost'].mean():,.0f} at 100,000"
    )
    for figure in ("enrolled", "averted"):
        a, b = small[figure], large[figure]
        # the larger council's replications vary less (four times the children); its spread
        # is taken from the smaller's, scaled by 1/sqrt(4), so two replications suffice
        sd = np.std(a, ddof=1)
        se = np.sqrt(sd**2 / len(a) + (sd / 2) ** 2 / len(b))
        assert abs(a.mean() - b.mean()) < 4 * se, (
            f"{figure} per 10,000 children: expected the same at 25,000 and 100,000 within "
            f"4 standard errors ({4 * se:.2f}), found {a.mean():.2f} and {b.mean():.2f}"
        )
