"""Enrolment that follows the family and the child: an effect acts where its evidence says.

A family is enrolled in a policy before the durations and decisions of the stage it enters are
drawn; a child who enters care from an enrolled family carries the enrolment for the stay it
starts; a known family coming back to the front door meets the front door's policies as a new
family does. Each test pairs a policy whose effect is x1.0 (it enrols the same families and
changes nothing) with the same policy at x0.5, under common random numbers, and measures the
effect on the families it names.
"""

import numpy as np
import pytest
import yaml
from conftest import ROOT

from sim.core.entities import Child, Family, RiskFactors, State
from sim.experiments.experiment import single_run
from sim.inputs.scenario import scenario_from_dict
from sim.model import front_door as front_door_module
from sim.model.build import build
from sim.model.front_door import new_concern

#: A council of 20,000 children over three years, the policy running from the first day.
SIZE = {"population": 20_000, "years": 3}
REPLICATIONS = 2


def one_effect(target, multiplier, stages, **eligible):
    """A policy with one effect at ``multiplier``, for families at ``stages``, from day 0."""
    return {
        "name": f"{target} x{multiplier}",
        "start_date": "2025-04-01",
        "eligible": {"stages": stages, **eligible},
        "effects": [
            {
                "target": target,
                "central": multiplier,
                "low": multiplier,
                "high": multiplier,
                "source": "test",
            }
        ],
    }


def totals(policy, measures):
    """Each flow in ``measures`` summed over the run and the replications, with ``policy``."""
    sc = scenario_from_dict({**SIZE, "policies": [policy] if policy else []})
    out = dict.fromkeys(measures, 0.0)
    for rep in range(REPLICATIONS):
        r = single_run(sc, rep)
        for m in measures:
            if m == "child_days_in_care":
                out[m] += sum(v.sum() for k, v in r.child_days.items() if k.startswith("looked"))
            elif m == "cp_plan_stock":
                out[m] += r.month_end_stock[State.CP_PLAN.value].mean()
            else:
                out[m] += float(np.sum(r.flows.get(m, 0.0)))
    return out


def test_care_stay_effect_acts_on_children_from_enrolled_families():
    measures = ("care_entries_enrolled", "care_planned_days_enrolled", "child_days_in_care")
    same = totals(one_effect("looked_after.duration", 1.0, ["cp_plan"]), measures)
    half = totals(one_effect("looked_after.duration", 0.5, ["cp_plan"]), measures)
    assert same["care_entries_enrolled"] >= 50, (
        f"expected children entering care from CP families to carry the enrolment, found "
        f"{same['care_entries_enrolled']:.0f}"
    )
    ratio = (half["care_planned_days_enrolled"] / half["care_entries_enrolled"]) / (
        same["care_planned_days_enrolled"] / same["care_entries_enrolled"]
    )
    # about half: stays that would end at the 18th birthday are cut by it either way
    assert 0.45 <= ratio <= 0.65, (
        f"expected the mean stay of children from enrolled families about halved, found "
        f"x{ratio:.2f}"
    )
    fall = 1 - half["child_days_in_care"] / same["child_days_in_care"]
    assert fall > 0.03, f"expected child-days in care to fall by 3% or more, found {fall:.1%}"


def test_cin_plan_effect_shortens_enrolled_families_first_plans_by_half():
    measures = ("cin_plans_started", "cin_plans_started_enrolled", "cin_plan_planned_days_enrolled")
    same = totals(one_effect("cin_plan.duration", 1.0, ["cin_plan"]), measures)
    half = totals(one_effect("cin_plan.duration", 0.5, ["cin_plan"]), measures)
    share = same["cin_plans_started_enrolled"] / same["cin_plans_started"]
    assert share > 0.95, (
        f"expected every CIN plan started (first plans too) to be an enrolled family's, found "
        f"{share:.0%}"
    )
    ratio = (half["cin_plan_planned_days_enrolled"] / half["cin_plans_started_enrolled"]) / (
        same["cin_plan_planned_days_enrolled"] / same["cin_plans_started_enrolled"]
    )
    assert ratio == pytest.approx(0.5, abs=0.05), (
        f"expected enrolled families' CIN plans about half as long, found x{ratio:.2f}"
    )


def test_cp_plan_effect_lowers_the_cp_plan_stock():
    measures = ("cp_plans_started_enrolled", "cp_plan_planned_days_enrolled", "cp_plan_stock")
    base = totals(None, ("cp_plan_stock",))
    half = totals(one_effect("cp_plan.duration", 0.5, ["cp_plan"]), measures)
    same = totals(one_effect("cp_plan.duration", 1.0, ["cp_plan"]), measures)
    ratio = (half["cp_plan_planned_days_enrolled"] / half["cp_plans_started_enrolled"]) / (
        same["cp_plan_planned_days_enrolled"] / same["cp_plans_started_enrolled"]
    )
    assert ratio == pytest.approx(0.5, abs=0.05), (
        f"expected enrolled families' CP plans about half as long, found x{ratio:.2f}"
    )
    fall = 1 - half["cp_plan_stock"] / base["cp_plan_stock"]
    # plans started before the policy runs out in its first months, and plans ending in care
    # end no sooner, so the stock falls by less than half over three years
    assert fall > 0.15, f"expected the CP plan stock to fall by 15% or more, found {fall:.1%}"


def known_families_to_early_help(policies, n=4_000):
    """How many of ``n`` known families' new concerns the front door sends to early help."""
    sc = scenario_from_dict({"population": 20_000, "years": 1, "policies": policies})
    env, svc = build(sc, 0)
    started = []

    def contact(env, family, svc, triage, state):  # the journey is not run, only counted
        started.append(state)
        return (_ for _ in ())

    patch = pytest.MonkeyPatch()
    patch.setattr(front_door_module, "known_family_contact", contact)
    for i in range(n):
        fid = 10**9 + i
        family = Family(
            id=fid,
            children=[Child(birth_day=-2_000.0)],
            locality=0,
            at_pod_school=True,
            risk=RiskFactors.NONE,
            need=2,
            draws=svc.streams.family(fid),
        )
        new_concern(family, svc, delay=-env.now + 30)  # a concern in the first month
    patch.undo()
    return started.count(State.EARLY_HELP)


def test_front_door_early_help_effect_reaches_known_families():
    base = known_families_to_early_help([])
    more = known_families_to_early_help(
        [one_effect("front_door.p_early_help", 1.5, ["front_door"], pod_school_only=True)]
    )
    assert base >= 100, f"expected known families triaged to early help, found {base}"
    assert more / base == pytest.approx(1.5, abs=0.1), (
        f"expected x1.5 known families to early help, found {base} -> {more} (x{more / base:.2f})"
    )


def test_fgdm_care_entry_is_the_trials_overall_relative_risk_not_compounded():
    fgdm = yaml.safe_load((ROOT / "scenarios/policies/fgdm.yaml").read_text())
    central = {e["target"]: e["central"] for e in fgdm["effects"]}
    issued = central["proceedings.p_proceedings_issued"]
    overall = issued * central["proceedings.p_care_entry_at_issue"]
    assert issued == 0.83, f"expected proceedings issued x0.83 (Taylor et al.), found {issued}"
    assert overall == pytest.approx(0.81, abs=0.005), (
        f"expected care from pre-proceedings x0.81 overall (the trial's relative risk of being "
        f"looked after at 12 months), found {overall:.3f}"
    )
