"""Babies born into CP plans and care proceedings (issue 19): the commonest start in DfE's
tables is a baby, and a model with no births sent older children into care, who then left at 18
within the projection (its baselines fell about 1% a year).

``enter_care`` is called directly on families built for the test, so each route's chance is
measured on thousands of entries without running the pathway.
"""

from __future__ import annotations

import pytest

from sim.core.calendar import DAYS_PER_YEAR
from sim.core.entities import (
    NEWBORN_ROUTES,
    CareRoute,
    Child,
    Family,
    RiskFactors,
    entry_age_band,
)
from sim.inputs.scenario import scenario_from_dict
from sim.model.build import build
from sim.model.care import NEWBORN_MAX_AGE_DAYS, enter_care

FAMILIES = 4_000


def _services(p_newborn: float, p_sibling: float = 0.0):
    scenario = scenario_from_dict(
        {
            "name": "newborns",
            "population": 1_000,
            "years": 1,
            "council": "england",
            "opening_caseload": False,
            "parameters": {
                "looked_after": {
                    "p_newborn_at_entry": p_newborn,
                    "p_sibling_enters_too": p_sibling,
                }
            },
        },
        file="<test>",
    )
    return build(scenario, 0)


def _family(svc, i: int, ages: tuple[float, ...] = (4.0, 9.0)) -> Family:
    fid = 50_000_000 + i
    return Family(
        id=fid,
        children=[Child(birth_day=-a * DAYS_PER_YEAR) for a in ages],
        locality=0,
        at_pod_school=False,
        risk=RiskFactors(0),
        need=3,
        draws=svc.streams.family(fid),
        stock_key="cp_plan",
        counted=len(ages),
    )


def _entries(p_newborn: float, route: CareRoute, **kw):
    env, svc = _services(p_newborn, **kw)
    families = [_family(svc, i) for i in range(FAMILIES)]
    entered = [enter_care(env, f, svc, route) for f in families]
    return families, entered


@pytest.mark.parametrize("route", sorted(NEWBORN_ROUTES, key=lambda r: r.value))
def test_a_baby_is_the_child_entering_care_with_the_stated_chance(route):
    p = 0.3
    families, entered = _entries(p, route)
    babies = [f for f in families if len(f.children) == 3]
    share = len(babies) / FAMILIES
    # binomial sd at 4,000 families is 0.0072: four of them
    assert abs(share - p) < 0.029, (route, share)
    for f in babies:
        baby = f.children[-1]
        assert baby.in_care
        assert 0.0 <= -baby.birth_day <= NEWBORN_MAX_AGE_DAYS
        assert entry_age_band(baby.age(0.0)) == "under_1"
        # with no siblings entering, the baby is the only child who entered, and the two
        # children counted on the family's plan are both still counted
        assert not any(c.in_care for c in f.children[:-1])
        assert f.counted == 2
    assert all(n == 1 for n in entered)
    # without a baby the youngest child counted on the plan entered, and left its count
    others = [f for f in families if len(f.children) == 2]
    assert all(f.children[0].in_care and f.counted == 1 for f in others)


@pytest.mark.parametrize(
    "route", [CareRoute.S20_FROM_CIN, CareRoute.UASC, CareRoute.RETURN_BREAKDOWN]
)
def test_no_baby_is_born_into_a_route_that_is_not_a_plan_or_proceedings(route):
    families, _ = _entries(1.0, route)
    assert all(len(f.children) == 2 for f in families)


def test_with_no_chance_of_a_baby_the_youngest_enters_as_before():
    families, entered = _entries(0.0, CareRoute.PROCEEDINGS)
    assert all(len(f.children) == 2 and f.children[0].in_care for f in families)
    assert sum(entered) == FAMILIES


def test_a_babys_older_siblings_enter_with_the_siblings_chance():
    families, entered = _entries(1.0, CareRoute.PROCEEDINGS, p_sibling=0.5)
    older = sum(c.in_care for f in families for c in f.children[:-1])
    # two older children each, each with a half chance: 4,000 expected, sd 45
    assert abs(older - FAMILIES) < 180
    assert sum(entered) == FAMILIES + older


@pytest.mark.parametrize(
    "age, band",
    [
        (0.0, "under_1"),
        (0.99, "under_1"),
        (1.0, "1_to_4"),
        (4.99, "1_to_4"),
        (5.0, "5_to_9"),
        (15.99, "10_to_15"),
        (16.0, "16_and_over"),
        (17.9, "16_and_over"),
    ],
)
def test_age_on_starting_falls_in_dfes_bands(age, band):
    assert entry_age_band(age) == band
