"""The caseload open at the start behaves as a steady state's would (issue: baselines drift).

Plans open on 31 March are length-biased on their realised course, and one still open after
``elapsed`` days has not escalated in that time: its odds of escalating in the rest are its
odds times the share still ahead. Without that, every opening plan escalated as if it had just
begun, and the first year's care entries ran far above what the same parameters give later.
"""

import numpy as np
import pytest
from conftest import flow_total, make_scenario

from sim.experiments.experiment import single_run
from sim.model.build import build
from sim.model.opening_caseload import _opening_uasc
from sim.model.pathway import share_ahead

P_S20 = 0.4
#: Every family escalates with the same odds; nothing new arrives; no CP plan starts after the
#: start; CP plans last exactly 300 days, and end in s20 care with P_S20 (no pre-proceedings).
SAME_ODDS_NOTHING_NEW = {
    "demand": {
        "contacts_per_10k_per_year": 0,
        "uasc_per_10k_per_year": 0,
        "children_per_family": [1, 0, 0, 0],
    },
    "recontact": {"p_recontact": 0},
    "looked_after": {"p_recontact_after_return_home": 0},
    "escalation": {"odds_by_need": [1, 1, 1, 1], "odds_toxic_trio": 1, "odds_previous_care": 1},
    "cin_plan": {"p_s47": 0, "p_s20_care": 0},
    "icpc": {"p_cp_plan": 0},
    "cp_plan": {
        "p_pre_proceedings": 0,
        "p_s20_care": P_S20,
        "duration": {"kind": "fixed", "days": 300},
    },
}


def test_share_ahead():
    found = [share_ahead(0, 300), share_ahead(100, 300), share_ahead(300, 100)]
    assert found == [1.0, 0.75, 0.25], f"expected [1, 0.75, 0.25], found {found}"


def test_opening_cp_plans_escalate_as_a_steady_stock_does():
    """A plan escalating at a uniform point of its course with chance p is open, at a random
    moment, p/2 of the time a plan that runs its course is: a steady stock holds p/(2-p) plans
    that will escalate (0.25 for p = 0.4), not p."""
    scenario = make_scenario(
        population=100_000, years=1, include_uasc=False, parameters=SAME_ODDS_NOTHING_NEW
    )
    runs = [single_run(scenario, r) for r in range(2)]
    opening = sum(r.opening["cp_plan"] for r in runs)
    entries = sum(flow_total(r, "care_entries_s20_from_cp") for r in runs)
    expected = P_S20 / (2 - P_S20)
    assert entries / opening == pytest.approx(expected, rel=0.15), (
        f"expected {expected:.2f} of the opening CP plans to end in care, found "
        f"{entries / opening:.2f} ({entries:g} of {opening})"
    )


def test_cp_plans_do_not_jump_in_the_first_month():
    """The enquiries under way at the start reach their ICPCs in the first weeks."""
    scenario = make_scenario(population=200_000, years=0.25)
    runs = [single_run(scenario, r) for r in range(2)]
    opening = np.mean([r.opening["cp_plan"] for r in runs])
    first = np.mean([r.month_end_stock["cp_plan"][0] for r in runs])
    assert first == pytest.approx(opening, rel=0.04), (
        f"expected CP plans at the first month's end within 4% of the {opening:.0f} open at "
        f"the start, found {first:.0f}"
    )


def test_s47_enquiries_do_not_dip_in_the_first_month():
    """The assessments open at the start are those of families the front door referred on
    their odds: drawn as its arrivals are (no selection), England's first month had 0.78 of
    the later months' s47 enquiries, against 0.99 in a steady state (six years' warm-up), and
    Kent's CP plans fell 10% in the first four months."""
    scenario = make_scenario(population=100_000, years=1)
    runs = [single_run(scenario, r) for r in range(4)]
    s47 = np.mean([r.flows["s47_enquiries"] for r in runs], axis=0)
    first, later = s47[0], s47[3:].mean()
    assert first >= 0.9 * later, (
        f"expected the first month's s47 enquiries ({first:.0f}) within 10% of the later "
        f"months' mean ({later:.0f})"
    )


def test_unaccompanied_children_are_in_the_opening_stock():
    """Their share of the stock is their arrivals a year times their mean years to 18, and they
    leave at 18: more of the stock turns 18 in the first year than without them."""
    runs = {}
    for uasc in (True, False):
        scenario = make_scenario(population=100_000, years=1, include_uasc=uasc)
        _env, svc = build(scenario, 0)
        runs[uasc] = (_opening_uasc(svc), single_run(scenario, 0))
    d = make_scenario().parameters.demand
    w = np.asarray(d.uasc_age_weights) / sum(d.uasc_age_weights)
    expected = d.uasc_per_10k_per_year * 10 * float(np.sum(w * (18 - np.arange(18) - 0.5)))
    assert runs[True][0] == round(expected), (
        f"expected {expected:.0f} unaccompanied children looked after at the start (arrivals a "
        f"year x mean years to 18), found {runs[True][0]}"
    )
    at_18 = {k: flow_total(r, "care_exits_age_18") for k, (_, r) in runs.items()}
    assert at_18[True] > at_18[False] + 0.3 * expected, (
        f"expected the opening unaccompanied children to add to the year's exits at 18, found "
        f"{at_18[True]:g} with them and {at_18[False]:g} without"
    )


def test_the_opening_stock_is_drawn_at_the_ages_the_fit_sets():
    """``looked_after.opening_entry_age_weights`` sets the ages on starting of the children
    looked after at the start: all started at 17, every one of them is 17 now and has left by
    the year's end (most at 18, the rest home or otherwise first), where at the published ages
    about one in twenty leave at 18 in the year."""
    at = {}
    for name, weights in (("published", None), ("all 17", [0.0] * 17 + [1.0])):
        params = {"looked_after": {"opening_entry_age_weights": weights}}
        scenario = make_scenario(population=50_000, years=1, include_uasc=False, parameters=params)
        run = single_run(scenario, 0)
        opening = sum(n for k, n in run.opening.items() if k.startswith("looked_after_"))
        at[name] = (opening, flow_total(run, "care_exits_age_18"), flow_total(run, "care_exits"))
    opening, at_18, exits = at["all 17"]
    assert exits >= opening and at_18 >= 0.7 * opening, (
        f"expected all {opening} children looked after at the start, all started at 17, to "
        f"leave within the year, at least 70% at 18, found {exits:g} exits, {at_18:g} at 18"
    )
    opening, at_18, _ = at["published"]
    assert at_18 < 0.1 * opening, (
        f"expected under a tenth of the {opening} looked after at the start at the published ages "
        f"on starting to leave at 18 within the year, found {at_18:g}"
    )
