"""The caseload at the start: families open at each stage, children looked after, and recent
history.

At the start, the council's current caseload (early help, assessments, CIN, CP, looked after) is
seeded with elapsed durations drawn from each stay's equilibrium (length-biased) distribution;
the families closed in the two years before the start keep their chance of coming back, and so
do the children who went home from care in the year before.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import simpy

from sim.core.calendar import (
    CALENDAR_DAYS_PER_WORKING_DAY,
    DAYS_PER_YEAR,
    WITHIN_12_MONTHS_WHOLE_DAYS,
)
from sim.core.distributions import Empirical
from sim.core.entities import AGE_OF_MAJORITY, CareRoute, Child, Exit, Family, RiskFactors, State
from sim.core.streams import Stream
from sim.model.arrivals import (
    HISTORY_ID_BASE,
    OPENING_ID_BASE,
    RETURNS_ID_BASE,
    FamilyFactory,
    draw_locality,
    new_family_history,
    shares,
)
from sim.model.care import care_episode, choose_exit, return_breaks_down
from sim.model.pathway import family_journey
from sim.model.services import Services

#: How far back closed families are remembered at the start (re-referral within 12 months
#: needs at least one year; two years covers nearly all returns).
HISTORY_DAYS = 730.0


def _length_biased(dist, rng: np.random.Generator) -> tuple[float, float]:
    """(elapsed, remaining) of a stay open at a random moment in a steady state."""
    d_max = dist.edges_days[-1] if isinstance(dist, Empirical) else dist.ppf(0.999)
    if d_max <= 0:
        return 0.0, 0.0
    while True:
        d = dist.sample(rng.random())
        if rng.random() * d_max <= d:
            e = rng.random() * d
            return e, d - e


def _candidates(
    factory: FamilyFactory, rng: np.random.Generator, steps: int, batch: int = 2048
) -> Iterator[tuple[dict[str, np.ndarray], int]]:
    """Families open at a stage reached through ``steps`` escalating decisions, drawn in bulk.

    Families at a deeper stage carry more need and risk: each candidate is kept with
    probability (odds / max odds) ** steps.
    """
    while True:
        fam = factory.draw(rng, batch)
        keep = rng.random(batch) <= (factory.odds(fam) / factory.max_odds) ** steps
        for i in np.flatnonzero(keep):
            yield fam, int(i)


def seed_opening_caseload(env: simpy.Environment, svc: Services) -> None:
    """Start from the caseload at the last 31 March, with plausible ages and elapsed durations."""
    p = svc.params
    rng = svc.streams.generator(Stream.OPENING_CASELOAD)
    factory = FamilyFactory(svc)
    scale = svc.population / 1e4
    now = env.now
    next_id = OPENING_ID_BASE
    # (state, duration, days per unit, escalating decisions passed to get there)
    stages = (
        (State.EARLY_HELP, p.early_help.duration, 1.0, 0),
        (State.ASSESSMENT, p.assessment.duration_working_days, CALENDAR_DAYS_PER_WORKING_DAY, 0),
        (State.CIN_PLAN, p.cin_plan.duration, 1.0, 1),
        (State.CP_PLAN, p.cp_plan.duration, 1.0, 3),
    )
    for state, dist, unit, steps in stages:
        target = round(p.opening_stocks_per_10k.get(state.value, 0.0) * scale)
        placed = 0
        for fam, i in _candidates(factory, rng, steps):
            if placed >= target:
                break
            family = factory.make(fam, i, next_id, now)
            next_id += 1
            n = len(family.children)
            placed += n
            elapsed, remaining = _length_biased(dist, rng)
            family.resume = (elapsed * unit, remaining * unit)
            family.last_referral_day = now - rng.random() * WITHIN_12_MONTHS_WHOLE_DAYS
            new_family_history(family, svc)
            if state is State.CP_PLAN:
                family.previous_cp_plan = True
                for c in family.children:
                    c.had_cp_plan = True
            if state is not State.EARLY_HELP:
                svc.social_work.force(n)
                family.slots_held = n
            svc.start_process(family_journey, family, state=state)
    looked_after = round(p.opening_stocks_per_10k.get(State.LOOKED_AFTER.value, 0) * scale)
    _seed_looked_after(env, svc, rng, looked_after)
    _seed_recent_closures(env, svc, factory, rng)
    _seed_recent_returns_home(env, svc, looked_after)


def _seed_looked_after(
    env: simpy.Environment, svc: Services, rng: np.random.Generator, target: int
) -> None:
    la = svc.params.looked_after
    p_entry_age = shares(la.entry_age_weights)
    p_loc = shares(tuple(loc.population_share for loc in svc.params.demand.localities))
    now = env.now
    to_days = DAYS_PER_YEAR
    d_max = AGE_OF_MAJORITY * to_days
    k = 0
    while k < target:
        a0 = rng.choice(18, p=p_entry_age) + rng.random()
        reason, stay = _planned_stay(a0, rng.random(), rng.random(), svc)
        if rng.random() * d_max > stay:
            continue  # length-biased: longer stays are more likely to be open on 31 March
        elapsed = rng.random() * stay
        child = Child(birth_day=now - a0 * to_days - elapsed, in_care=True)
        family = _care_leaver_family(svc, rng, p_loc, OPENING_ID_BASE + (1 << 30) + k, child)
        svc.social_work.force(1)
        svc.start_process(
            care_episode,
            child,
            family,
            route=CareRoute.OPENING,
            src=None,
            elapsed=elapsed,
            planned=(reason, stay - elapsed),
        )
        k += 1


def _planned_stay(age: float, u_exit: float, u_stay: float, svc: Services) -> tuple[Exit, float]:
    """How a child entering care at ``age`` will leave, and after how many days (turning 18
    ends the stay if it comes first)."""
    reason = choose_exit(age, u_exit, svc)
    stay = svc.params.looked_after.duration.for_age(age).sample(u_stay)
    left = (AGE_OF_MAJORITY - age) * DAYS_PER_YEAR
    return (Exit.AGE_18, left) if left <= stay else (reason, stay)


def _care_leaver_family(
    svc: Services, rng: np.random.Generator, p_loc: np.ndarray, fid: int, child: Child
) -> Family:
    """The one-child family of a child looked after now or lately (opening caseload)."""
    return Family(
        id=fid,
        children=[child],
        locality=draw_locality(rng, p_loc),
        at_pod_school=False,
        risk=RiskFactors.NONE,
        need=3,
        draws=svc.streams.family(fid),
        previous_care=True,
    )


def _seed_recent_closures(
    env: simpy.Environment, svc: Services, factory: FamilyFactory, rng: np.random.Generator
) -> None:
    """Families closed in the two years before the start who will come back with a new concern."""
    r = svc.params.recontact
    per_year = (
        r.closures_before_start_per_10k_per_year * svc.population / 1e4 / factory.mean_children
    )
    n = int(rng.poisson(per_year * HISTORY_DAYS / DAYS_PER_YEAR))
    now = env.now
    fam = factory.draw(rng, n)
    closed = now - rng.random(n) * HISTORY_DAYS
    for i in range(n):
        fid = HISTORY_ID_BASE + i
        family = factory.make(fam, i, fid, now)
        if not svc.chance(family, Stream.RECONTACT, "recontact.p_recontact"):
            continue
        back = closed[i] + svc.duration(family, Stream.RECONTACT, "recontact.time_to_recontact")
        if back <= now:
            continue
        if svc.chance(family, Stream.HISTORY, "recontact.share_closures_after_referral"):
            # the referral that opened the closed episode: about two months before closure
            # (an assessment's median is 33 working days, about 46 calendar days; C2)
            family.last_referral_day = float(closed[i]) - 60.0
        new_family_history(family, svc)
        svc.new_concern(family, delay=back - now)


#: Entrants drawn to learn the mean stay in care and the share who go home (per run).
_ENTRANTS_DRAWN = 1000


def _seed_recent_returns_home(env: simpy.Environment, svc: Services, looked_after: int) -> None:
    """Children who returned home from care in the year before the start.

    Some come back to children's services (and some into care), so without them the first year
    would count almost no re-entries to care within 12 months. In a steady state as many
    children leave care as enter, about ``looked_after`` / mean stay a day (Little's law); those
    who went home in the last year are drawn from the entry ages, exit reasons and stays the
    opening stock is drawn from, on their own stream (the rest of the opening caseload draws
    the same as without them).
    """
    if looked_after <= 0:
        return
    la = svc.params.looked_after
    rng = svc.streams.generator(Stream.RECENT_RETURNS)
    ages = rng.choice(18, size=_ENTRANTS_DRAWN, p=shares(la.entry_age_weights))
    ages = (ages + rng.random(_ENTRANTS_DRAWN)).tolist()
    stays, home = [], []
    u_exit, u_stay = rng.random((2, _ENTRANTS_DRAWN)).tolist()
    for a0, ue, us in zip(ages, u_exit, u_stay, strict=True):
        reason, stay = _planned_stay(a0, ue, us, svc)
        stays.append(stay)
        home.append(reason is Exit.RETURNED_HOME)
    went_home = [i for i, h in enumerate(home) if h]
    mean_stay = sum(stays) / len(stays)
    if not went_home or mean_stay <= 0:
        return
    expected = looked_after / mean_stay * DAYS_PER_YEAR * len(went_home) / len(home)
    p_loc = shares(tuple(loc.population_share for loc in svc.params.demand.localities))
    now = env.now
    for k in range(int(rng.poisson(expected))):
        i = went_home[int(rng.integers(len(went_home)))]
        returned = now - float(rng.random()) * DAYS_PER_YEAR
        child = Child(
            birth_day=returned - stays[i] - ages[i] * DAYS_PER_YEAR, left_care_day=returned
        )
        family = _care_leaver_family(svc, rng, p_loc, RETURNS_ID_BASE + k, child)
        if la.p_return_home_breaks_down > 0 and svc.chance(
            family, Stream.RETURN_BREAKDOWN, "looked_after.p_return_home_breaks_down"
        ):
            back = returned + svc.duration(
                family, Stream.RETURN_BREAKDOWN, "looked_after.return_home_breakdown"
            )
            if back > now:
                svc.start_process(return_breaks_down, child, family, delay=back - now)
            continue
        if not svc.chance(family, Stream.RECONTACT, "looked_after.p_recontact_after_return_home"):
            continue
        back = returned + svc.duration(
            family, Stream.RECONTACT, "looked_after.recontact_after_return_home"
        )
        if back > now:
            svc.new_concern(family, delay=back - now)
