"""Common random numbers (design/style.md 2.3, 2.8): scenarios compared under the same seeds
see the same contacts and the same family draws, so paired differences vary less than
differences between independent runs, and a change with no effect changes nothing."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL, flow_total, make_scenario

from sim.experiments.experiment import single_run

PAIRS = 12
MEASURES = ("referrals", "s47_enquiries", "cp_plans_started")


@pytest.fixture(scope="module")
def staffing_comparison():
    """Default staffing against 15 FTE per 10k (caseloads at the reported level: referrals wait,
    and forced work pushes caseloads above it): replications 0-11 of each, and 12-23 of the
    second."""
    base = make_scenario(**SMALL)
    fewer = make_scenario(**SMALL, parameters={"workforce": {"social_worker_fte_per_10k": 15}})
    measures = (*MEASURES, "care_entries", "allocation_wait_days_completed")
    a = [single_run(base, rep) for rep in range(PAIRS)]
    b = [single_run(fewer, rep) for rep in range(2 * PAIRS)]

    def totals(runs):
        return {m: np.array([flow_total(r, m) for r in runs]) for m in measures}

    return totals(a), totals(b[:PAIRS]), totals(b[PAIRS:])


@pytest.mark.slow
@pytest.mark.parametrize("measure", MEASURES)
def test_paired_differences_vary_less_than_independent_ones(staffing_comparison, measure):
    base, paired, independent = staffing_comparison
    var_paired = np.var(paired[measure] - base[measure], ddof=1)
    var_indep = np.var(independent[measure] - base[measure], ddof=1)
    assert var_paired < 0.5 * var_indep, (
        f"{measure}: expected the variance of paired differences (same seeds) below half that of "
        f"independent differences, found {var_paired:.1f} against {var_indep:.1f}"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "measure", ["allocation_wait_days_completed", "cp_plans_started", "care_entries"]
)
def test_fewer_social_workers_escalate_more(staffing_comparison, measure):
    """Direction of effect: with fewer social workers referrals wait, and waiting and caseloads
    above the reported level raise need and the odds of escalation. (s47 enquiries are not
    among them: a referral that waits is assessed later, so fewer s47 enquiries fall in the
    period even though more of them lead to plans.)"""
    base, paired, _ = staffing_comparison
    diff = paired[measure] - base[measure]
    assert diff.mean() > 0, (
        f"{measure}: expected more with 15 FTE per 10k than the default (caseload pressure), "
        f"found a mean paired difference of {diff.mean():+.1f} ({diff.tolist()})"
    )


def test_labels_do_not_change_results():
    """A change with no effect on the model (name, description, replications) changes nothing."""
    s = make_scenario(population=10_000, years=1)
    t = s.with_changes(name="other", description="relabelled", replications=3)
    a, b = single_run(s, 0), single_run(t, 0)
    differ = [m for m in a.flows if not np.array_equal(a.flows[m], b.flows.get(m))]
    assert differ == [], f"expected identical flows under a relabelled scenario, found {differ}"
    differ = [
        m
        for m in a.month_end_stock
        if not np.array_equal(a.month_end_stock[m], b.month_end_stock[m])
    ]
    assert differ == [], f"expected identical stocks under a relabelled scenario, found {differ}"


def test_same_contacts_whatever_the_staffing():
    """Contacts are drawn from their own stream: staffing cannot change who comes to the door."""
    a = single_run(make_scenario(population=10_000, years=1, opening_caseload=False), 0)
    b = single_run(
        make_scenario(
            population=10_000,
            years=1,
            opening_caseload=False,
            parameters={"workforce": {"social_worker_fte_per_10k": 5}},
        ),
        0,
    )
    m = "contacts_to_early_help"  # new families only: known families' re-contacts may differ
    assert np.array_equal(a.flows[m], b.flows[m]), (
        f"expected identical {m} under different staffing, found "
        f"{a.flows[m].tolist()} against {b.flows[m].tolist()}"
    )
