"""Erlang C: the allocation queue set up as an M/M/c queue matches queueing theory.

Families of one child arrive as a Poisson stream (constant monthly profile, no growth), every
contact is referred at once (no triage time, unlimited MASH capacity, no NFA), each referral needs
one of ``c`` social work case places (``c`` FTE at a caseload of 1 with no stretch for acute need,
so every referral queues in order), the assessment takes
an exponential time, and every assessment closes the case (no s47, not in need, no step-down,
no re-contact). Nothing else holds a case place (no opening caseload, no UASC). So the wait for
allocation is the wait in an M/M/c queue, whose mean is Erlang C over (c mu - lambda).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy
from conftest import flow_total, make_scenario
from scipy import stats

from sim.core.calendar import DAYS_PER_YEAR, working_to_calendar_days
from sim.experiments.experiment import single_run
from sim.model.workforce import CaseloadPool

POPULATION = 10_000
REPLICATIONS = 10
YEARS = 3
WARM_UP_YEARS = 0.25


def erlang_c(arrival_rate: float, service_rate: float, c: int) -> float:
    """Probability an arrival waits in an M/M/c queue (Erlang's C formula).

    C(c, a) = [a^c / c! * c / (c - a)] / [sum_{k<c} a^k / k! + a^c / c! * c / (c - a)],
    with offered load a = lambda / mu < c.
    """
    a = arrival_rate / service_rate
    if a >= c:
        raise ValueError(f"unstable queue: offered load {a} >= {c} servers")
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def mean_wait_mmc(arrival_rate: float, service_rate: float, c: int) -> float:
    """Mean wait in queue Wq = C(c, a) / (c mu - lambda)."""
    return erlang_c(arrival_rate, service_rate, c) / (c * service_rate - arrival_rate)


def test_erlang_c_formula_known_values():
    """Textbook checks: M/M/1 has C = rho and Wq = rho / (mu - lambda); M/M/2 by hand."""
    assert erlang_c(0.8, 1.0, 1) == pytest.approx(0.8), "M/M/1: expected C = rho = 0.8"
    assert mean_wait_mmc(0.8, 1.0, 1) == pytest.approx(4.0), "M/M/1: expected Wq = 0.8/0.2 = 4"
    # M/M/2, lambda 1, mu 1 (a = 1): C = (1/2 * 2) / (1 + 1 + 1) = 1/3, Wq = (1/3) / (2 - 1)
    assert erlang_c(1.0, 1.0, 2) == pytest.approx(1 / 3), "M/M/2: expected C = 1/3"
    assert mean_wait_mmc(1.0, 1.0, 2) == pytest.approx(1 / 3), "M/M/2: expected Wq = 1/3"


def mmc_scenario(c: int, utilisation: float, mean_working_days: float):
    """The scenario, its arrival rate (children a day) and mean service time (calendar days)."""
    service_days = working_to_calendar_days(mean_working_days)
    arrivals_per_day = utilisation * c / service_days
    per_10k_per_year = arrivals_per_day * DAYS_PER_YEAR / (POPULATION / 1e4)
    scenario = make_scenario(
        population=POPULATION,
        years=YEARS,
        warm_up_years=WARM_UP_YEARS,
        opening_caseload=False,
        include_uasc=False,
        replications=REPLICATIONS,
        parameters={
            "demand": {
                "children_per_family": [1],
                "contacts_per_10k_per_year": per_10k_per_year,
                "uasc_per_10k_per_year": 0,
                "monthly_profile": [1.0] * 12,
                "population_growth_per_year": 0,
            },
            "front_door": {
                "p_referral": 1,
                "p_early_help": 0,
                "triage_days": {"kind": "fixed", "days": 0},
                "triage_fte_per_10k": 1e6,
            },
            "assessment": {
                "p_nfa_at_referral": 0,
                "p_s47": 0,
                "p_not_in_need": 1,
                "p_step_down_early_help": 0,
                "duration_working_days": {"kind": "exponential", "mean_days": mean_working_days},
            },
            "recontact": {"p_recontact": 0},
            "workforce": {
                "social_worker_fte_per_10k": c / (POPULATION / 1e4),
                "caseload_per_fte": 1,
                "census_cases_per_child": 1,
                "caseload_stretch": 0,
            },
        },
    )
    return scenario, arrivals_per_day, service_days


def _ci(values: list[float], level: float = 0.99) -> tuple[float, float, float]:
    x = np.asarray(values)
    half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return x.mean(), x.mean() - half, x.mean() + half


CASES = [  # (c places, utilisation, mean assessment in working days)
    (8, 0.8, 1.0),
    (5, 0.8, 1.0),
]


@pytest.fixture(scope="module", params=CASES, ids=[f"c{c}-rho{r}" for c, r, _ in CASES])
def mmc(request):
    c, rho, wd = request.param
    scenario, lam, service_days = mmc_scenario(c, rho, wd)
    waits, queue, busy, allocated = [], [], [], []
    for rep in range(REPLICATIONS):
        r = single_run(scenario, rep)
        days = r.calendar.end_day
        waits.append(flow_total(r, "allocation_wait_days_completed") / flow_total(r, "allocations"))
        queue.append(r.child_days["waiting_allocation"].sum() / days)
        busy.append(r.child_days["assessment"].sum() / days)
        allocated.append(flow_total(r, "allocations") / days)
    return {
        "c": c,
        "lam": lam,
        "mu": 1 / service_days,
        "waits": waits,
        "queue": queue,
        "busy": busy,
        "allocated": allocated,
    }


@pytest.mark.slow
def test_mean_allocation_wait_matches_erlang_c(mmc):
    wq = mean_wait_mmc(mmc["lam"], mmc["mu"], mmc["c"])
    mean, lo, hi = _ci(mmc["waits"])
    assert lo <= wq <= hi, (
        f"M/M/{mmc['c']}: expected the 99% CI of the mean allocation wait over {REPLICATIONS} "
        f"replications to contain Erlang C's Wq = {wq:.4f} days, found {mean:.4f} "
        f"[{lo:.4f}, {hi:.4f}]"
    )


@pytest.mark.slow
def test_mean_queue_length_matches_littles_law_on_erlang_c(mmc):
    lq = mmc["lam"] * mean_wait_mmc(mmc["lam"], mmc["mu"], mmc["c"])
    mean, lo, hi = _ci(mmc["queue"])
    assert lo <= lq <= hi, (
        f"M/M/{mmc['c']}: expected the 99% CI of the time-average number waiting to contain "
        f"Lq = lambda Wq = {lq:.4f}, found {mean:.4f} [{lo:.4f}, {hi:.4f}]"
    )


@pytest.mark.slow
def test_places_in_use_and_throughput_match_the_offered_load(mmc):
    a = mmc["lam"] / mmc["mu"]
    mean, lo, hi = _ci(mmc["busy"])
    assert lo <= a <= hi, (
        f"M/M/{mmc['c']}: expected the 99% CI of the time-average children in assessment to "
        f"contain the offered load a = lambda / mu = {a:.3f}, found {mean:.3f} [{lo:.3f}, {hi:.3f}]"
    )
    assert max(mmc["busy"]) <= mmc["c"], f"expected never more than {mmc['c']} in assessment"
    mean, lo, hi = _ci(mmc["allocated"])
    assert lo <= mmc["lam"] <= hi, (
        f"expected allocations per day to match arrivals lambda = {mmc['lam']:.3f}, found "
        f"{mean:.3f} [{lo:.3f}, {hi:.3f}]"
    )


def test_acute_need_is_allocated_within_the_stretch_and_others_wait():
    """A team of 10 FTE at a caseload of 2 (20 places) stretching 10% (22 places for urgent work):
    at 20 places held a routine referral waits, an urgent one is allocated at once up to 22, and
    past 22 an urgent one waits too; the caseload is reported in cases (0.5 a place here)."""
    env = simpy.Environment()
    pool = CaseloadPool(env, fte=10, ceiling=2, stretch=0.1, cases_per_place=0.5)
    assert pool.take(20), "expected 20 places free below the ceiling"
    assert not pool.take(1), "expected a routine referral to wait at the ceiling"
    routine = pool.request(1)
    assert not routine.triggered, "expected the routine referral to wait"
    assert pool.waiting == 1, f"expected one waiting, found {pool.waiting}"
    assert pool.take(2, urgent=True), "expected acute need allocated within the 10% stretch"
    assert not pool.take(1, urgent=True), "expected acute need to wait past the stretch (22)"
    assert pool.held == 22, f"expected 22 places held, found {pool.held}"
    assert pool.caseload_per_fte() == pytest.approx(1.1), (
        f"expected 22 places x 0.5 cases / 10 FTE = 1.1 cases per FTE, found "
        f"{pool.caseload_per_fte()}"
    )
    pool.release(3)
    assert routine.triggered, "expected the waiting referral allocated once places free up"
