"""Fit: the England default reproduces DfE's 2024-25 national figures in its first projected year.

Flows within +-5% per 10,000 children (referrals, assessments, s47 enquiries, ICPCs, CP plans
started, care entries, re-referral rate); stocks at 31 March within +-10% (children in need,
CP plans, looked after). Targets are read from the shipped national figures.
"""

from pathlib import Path

import pandas as pd
import pytest

from calibration.targets import NationalFigures, fit_targets
from sim.experiment import single_run
from sim.outputs import monthly_frame, yearly_frame
from sim.scenario import load_scenario

FLOWS = (
    "referrals",
    "assessments",
    "s47_enquiries",
    "icpcs",
    "cp_plans_started",
    "care_entries",
    "rereferral_rate",
)
STOCKS = ("children_in_need", "cp_plans", "looked_after")


REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def first_year():
    scenario = load_scenario(REPO / "scenarios" / "baseline.yaml").with_changes(
        years=1, replications=12
    )
    frames = [monthly_frame(single_run(scenario, r)) for r in range(scenario.replications)]
    yearly = yearly_frame(pd.concat(frames, ignore_index=True))
    means = yearly.groupby("measure")["value"].mean()
    return {
        m: (v if m.endswith("_rate") else v / scenario.population * 1e4) for m, v in means.items()
    }


@pytest.fixture(scope="module")
def published():
    return fit_targets(NationalFigures())


@pytest.mark.slow
@pytest.mark.parametrize("measure", FLOWS)
def test_flow_within_5_percent(first_year, published, measure):
    target, found = published[measure], first_year[measure]
    assert abs(found - target) <= 0.05 * target, (
        f"{measure}: expected {target:.1f} (DfE 2024-25, per 10k or %) +-5%, found {found:.1f}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("measure", STOCKS)
def test_stock_at_31_march_within_10_percent(first_year, published, measure):
    target, found = published[measure], first_year[measure]
    assert abs(found - target) <= 0.10 * target, (
        f"{measure}: expected {target:.1f} per 10k at 31 March +-10%, found {found:.1f}"
    )
