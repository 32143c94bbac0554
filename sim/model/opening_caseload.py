"""The caseload at the start: families open at each stage, children looked after, and recent
history.

At the start, the council's current caseload (early help, assessments, CIN, CP, looked after) is
seeded as a steady state would hold it: elapsed durations from each stay's equilibrium
(length-biased) distribution, on the realised course for plans that may escalate (CIN and CP:
:func:`_open_plan`), CP plans in pre-proceedings, s47 enquiries and care proceedings under
way, and unaccompanied children among those looked after. The families closed in the two years
before the start keep their chance of coming back, and so do the children who went home from
care in the year before.
Each piece was found by measurement (``docs/calibration.md``, "A baseline that holds"): without
it the first year's flows were not the steady state's, so a fit to the first year set
parameters on which the projection then drifted.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sim.core.calendar import (
    CALENDAR_DAYS_PER_WORKING_DAY,
    DAYS_PER_YEAR,
    WITHIN_12_MONTHS_WHOLE_DAYS,
)
from sim.core.distributions import Empirical
from sim.core.entities import AGE_OF_MAJORITY, CareRoute, Child, Exit, Family, RiskFactors, State
from sim.core.events import Environment
from sim.core.streams import Stream
from sim.model.arrivals import (
    HISTORY_ID_BASE,
    OPENING_ID_BASE,
    RETURNS_ID_BASE,
    FamilyFactory,
    cumulative_shares,
    draw_index,
    draw_locality,
    locality_cdf,
    new_family_history,
    shares,
)
from sim.model.care import care_episode, choose_exit, return_breaks_down
from sim.model.pathway import (
    proceedings_at_home,
    proceedings_in_care,
    start_journey,
)
from sim.model.services import Services, scaled_probability

#: How far back closed families are remembered at the start (re-referral within 12 months
#: needs at least one year; two years covers nearly all returns).
HISTORY_DAYS = 730.0


def _longest(dist) -> float:
    """The longest stay a duration gives (its last edge, or its 99.9th percentile)."""
    return dist.edges_days[-1] if isinstance(dist, Empirical) else dist.ppf(0.999)


def _length_biased(dist, rng: np.random.Generator) -> tuple[float, float]:
    """(elapsed, remaining) of a stay open at a random moment in a steady state."""
    d_max = _longest(dist)
    if d_max <= 0:
        return 0.0, 0.0
    while True:
        d = dist.sample(rng.random())
        if rng.random() * d_max <= d:
            e = rng.random() * d
            return e, d - e


def _p(svc: Services, family: Family, name: str) -> float:
    """The family's chance of an escalating step ``name`` (as ``Services.escalates`` decides)."""
    return scaled_probability(min(1.0, svc.value(name, family)), svc.family_odds(family))


def _open_plan(
    state: State, family: Family, svc: Services, rng: np.random.Generator
) -> tuple[float, float, float | None]:
    """(elapsed, remaining, pre-proceedings left) of a CIN or CP plan open at a random moment of
    a steady state, for this family.

    A plan escalates (s47 or s20 from a CIN plan; pre-proceedings or s20 from a CP plan) at a
    uniform point of its course and ends there, so a plan's realised length is not the drawn
    duration: the stock open on 31 March is length-biased on the realised course, and holds
    plans in pre-proceedings (which run on past the escalation point). The plan resumes at
    ``elapsed``; its escalation in what is left is decided again with odds scaled by the share
    still ahead (:func:`sim.model.pathway.share_ahead`), or, for a plan in pre-proceedings, it
    goes on to the decision to issue after the days left.
    """
    p = svc.params
    if state is State.CIN_PLAN:
        dist, pre_dist = p.cin_plan.duration, None
        teen = any(c.age(0.0) >= p.cin_plan.s20_min_age for c in family.children)
        p_s20 = _p(svc, family, "cin_plan.p_s20_care") if teen else 0.0
        p_end_early = 1 - (1 - _p(svc, family, "cin_plan.p_s47")) * (1 - p_s20)
        p_pre = 0.0
    else:
        dist, pre_dist = p.cp_plan.duration, p.proceedings.pre_proceedings_duration
        p_pre = _p(svc, family, "cp_plan.p_pre_proceedings")
        p_end_early = (1 - p_pre) * _p(svc, family, "cp_plan.p_s20_care")
    longest = _longest(dist) + (_longest(pre_dist) if pre_dist is not None else 0.0)
    while True:
        d, cut = dist.sample(rng.random()), rng.random()
        u = rng.random()
        if u < p_pre:  # pre-proceedings from d * cut, for ``pre`` days (then the plan runs on)
            pre = pre_dist.sample(rng.random())
            length = max(d, d * cut + pre)
        else:
            pre, length = 0.0, d * cut if u < p_pre + p_end_early else d
        if rng.random() * longest > length:
            continue  # length-biased: longer courses are more likely to be open on 31 March
        e = rng.random() * length
        if pre and d * cut <= e < d * cut + pre:
            return e, max(d - e, 0.0), d * cut + pre - e
        return e, max(d - e, 0.0), None


def _candidates(
    factory: FamilyFactory, rng: np.random.Generator, steps: float, batch: int = 2048
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


def seed_opening_caseload(env: Environment, svc: Services, uasc: bool = True) -> None:
    """Start from the caseload at the last 31 March, with plausible ages and elapsed durations.

    ``uasc``: unaccompanied children arrive in this run, so the looked-after children at the
    start include their share (:func:`_opening_uasc`).
    """
    p = svc.params
    rng = svc.streams.generator(Stream.OPENING_CASELOAD)
    factory = FamilyFactory(svc)
    scale = svc.population / 1e4
    now = env.now
    next_id = OPENING_ID_BASE
    # (state, duration, days per unit, how strongly the stock is selected on escalation odds:
    # (odds / max odds) ** steps). CP plans: 2, not the 3 decisions passed to start one, because
    # families of high need escalate out of a plan sooner and need falls after help: with 3,
    # England's opening CP families were 77% at the highest need and 75% with a toxic-trio
    # factor, against 56% and 62% in a steady state (15 years' warm-up, no opening caseload);
    # 2 gives 57% and 66%, and their first-year care entries per child on a plan 0.25 against
    # the steady state's 0.23 (0.31 with 3). Assessments: 0.5, half the front door's decision
    # on the family's odds before a referral: with 0, England's first month had 0.78 of the
    # later months' s47 enquiries (100,000 children, four runs), against 0.99 in a steady state
    # (six years' warm-up); 1 gives 0.98 but 14% more CP plans started in the first three
    # months than after (a steady state: 6%), and England refitted to it misses DfE's CP plans
    # open by length; 0.5 gives 0.92-0.96 and England refitted to it meets them
    stages = (
        (State.EARLY_HELP, p.early_help.duration, 1.0, 0),
        (State.ASSESSMENT, p.assessment.duration_working_days, CALENDAR_DAYS_PER_WORKING_DAY, 0.5),
        (State.CIN_PLAN, p.cin_plan.duration, 1.0, 1),
        (State.CP_PLAN, p.cp_plan.duration, 1.0, 2),
    )
    cp_families: list[Family] = []
    for state, dist, unit, steps in stages:
        target = round(p.opening_stocks_per_10k.get(state.value, 0.0) * scale)
        placed = 0
        for fam, i in _candidates(factory, rng, steps):
            if placed >= target:
                break
            family = factory.make(fam, i, next_id, now)
            next_id += 1
            placed += len(family.children)
            _open_case(svc, family, state, (dist, unit), rng)
            if state is State.CP_PLAN:
                cp_families.append(family)
    _seed_enquiries_under_way(env, svc, factory, rng, next_id)
    _seed_proceedings_under_way(env, svc, cp_families)
    looked_after = round(p.opening_stocks_per_10k.get(State.LOOKED_AFTER.value, 0) * scale)
    n_uasc = min(_opening_uasc(svc), looked_after) if uasc else 0
    _seed_looked_after(env, svc, rng, looked_after - n_uasc)
    _seed_uasc_looked_after(env, svc, rng, n_uasc)
    _seed_recent_closures(env, svc, factory, rng)
    _seed_recent_returns_home(env, svc, looked_after - n_uasc)


def _open_case(
    svc: Services,
    family: Family,
    state: State,
    duration: tuple[object, float],
    rng: np.random.Generator,
) -> None:
    """One family open at ``state`` at the start: how far into its stay (``duration``: the
    stay's distribution and its days per unit), its last referral, its history and the social
    worker it holds; then on its way."""
    dist, unit = duration
    now = svc.env.now
    n = len(family.children)
    if state in (State.CIN_PLAN, State.CP_PLAN):
        elapsed, remaining, family.pre_proceedings_left = _open_plan(state, family, svc, rng)
    else:
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
    start_journey(svc, family, state)


def _seed_enquiries_under_way(
    env: Environment,
    svc: Services,
    factory: FamilyFactory,
    rng: np.random.Generator,
    next_id: int,
) -> None:
    """s47 enquiries under way on 31 March that will reach an ICPC in the first weeks.

    DfE publishes no count of open enquiries; in a steady state it is the rate of ICPCs times
    the enquiry's length (Little's law), and the rate of ICPCs is the CP plans they start (the
    opening CP plans over a plan's mean length) over the chance of a plan. Without them the
    first weeks had almost no new CP plans and the CP plans open fell about 6% in the first
    month. Each family reaches its ICPC after what is left of its enquiry (length-biased).
    """
    p = svc.params
    if p.icpc.p_cp_plan <= 0:
        return  # no ICPC starts a plan, so the plans open say nothing of the enquiries
    cp_children = p.opening_stocks_per_10k.get(State.CP_PLAN.value, 0.0) * svc.population / 1e4
    days = p.s47_enquiry.working_days_to_icpc
    mean_days = days.mean * CALENDAR_DAYS_PER_WORKING_DAY
    per_day = cp_children / p.cp_plan.duration.mean / p.icpc.p_cp_plan
    target = round(per_day * mean_days)
    placed, now = 0, env.now
    for k, (fam, i) in enumerate(_candidates(factory, rng, 2)):
        if placed >= target:
            break
        family = factory.make(fam, i, next_id + k, now)
        placed += len(family.children)
        _, remaining = _length_biased(days, rng)
        family.last_referral_day = now - rng.random() * WITHIN_12_MONTHS_WHOLE_DAYS
        new_family_history(family, svc)
        start_journey(svc, family, State.ICPC, delay=remaining * CALENDAR_DAYS_PER_WORKING_DAY)


def _seed_proceedings_under_way(env: Environment, svc: Services, cp_families: list[Family]) -> None:
    """Care proceedings under way on 31 March, to their final orders.

    Without them no proceedings were open on the first day: the children in proceedings took
    about a year to build from none (Kent's 20 at the end of the first month, against about 270
    from the second year), and the first year's final orders were about half of a later
    year's. No count of proceedings open is published by council; in a steady state it is the
    rate of issue times the proceedings' mean length (Little's law), and the rate of issue is
    the opening CP plans in pre-proceedings over pre-proceedings' mean length times each
    family's chance of issue. Children removed at issue are counted to their final order
    (:func:`proceedings_in_care`; their stays are among the opening looked-after children's);
    children at home are opening CP families not in pre-proceedings, whose final order may
    bring them into care (:func:`proceedings_at_home`). Each has the time left of proceedings
    open at a random moment (length-biased) and its final order drawn as any other's.
    """
    p = svc.params.proceedings
    now = env.now
    per_pre_day = p.proceedings_duration.mean / p.pre_proceedings_duration.mean
    in_care = at_home = 0.0
    for family in cp_families:
        if family.pre_proceedings_left is None:
            continue
        issued = family.n_at_home(now) * _p(svc, family, "proceedings.p_proceedings_issued")
        removed = _p(svc, family, "proceedings.p_care_entry_at_issue")
        in_care += issued * removed * per_pre_day
        at_home += issued * (1 - removed) * per_pre_day
    rng = svc.streams.generator(Stream.OPENING_PROCEEDINGS)
    dist = p.proceedings_duration
    for _ in range(round(in_care)):
        elapsed, remaining = _length_biased(dist, rng)
        svc.start_process(
            proceedings_in_care, 1, elapsed + remaining, rng.random(), elapsed=elapsed
        )
    others = [f for f in cp_families if f.pre_proceedings_left is None]
    placed, target = 0, round(at_home)
    for i in rng.permutation(len(others)):
        if placed >= target:
            break
        family = others[int(i)]
        n = family.n_at_home(now)
        elapsed, remaining = _length_biased(dist, rng)
        letter = now - elapsed - DAYS_PER_YEAR  # before the start: no outcome 12 months on
        svc.start_process(
            proceedings_at_home,
            family,
            n,
            elapsed + remaining,
            rng.random(),
            letter,
            elapsed=elapsed,
        )
        placed += n


def _seed_looked_after(
    env: Environment, svc: Services, rng: np.random.Generator, target: int
) -> None:
    la = svc.params.looked_after
    age_cdf = cumulative_shares(la.opening_entry_ages())
    loc_cdf = locality_cdf(svc)
    now = env.now
    to_days = DAYS_PER_YEAR
    d_max = AGE_OF_MAJORITY * to_days
    k = 0
    while k < target:
        a0 = draw_index(rng, age_cdf) + rng.random()
        reason, stay = _planned_stay(a0, rng.random(), rng.random(), svc)
        if rng.random() * d_max > stay:
            continue  # length-biased: longer stays are more likely to be open on 31 March
        elapsed = rng.random() * stay
        child = Child(birth_day=now - a0 * to_days - elapsed, in_care=True)
        family = _care_leaver_family(svc, rng, loc_cdf, OPENING_ID_BASE + (1 << 30) + k, child)
        _seed_stay(svc, child, family, elapsed, (reason, stay - elapsed))
        k += 1


def _seed_stay(
    svc: Services, child: Child, family: Family, elapsed: float, planned: tuple[Exit, float]
) -> None:
    """A stay open at the start, ``elapsed`` days in, on its way to its ``planned`` exit."""
    svc.social_work.force(1)
    svc.start_process(
        care_episode,
        child,
        family,
        route=CareRoute.OPENING,
        src=None,
        elapsed=elapsed,
        planned=planned,
    )


def _opening_uasc(svc: Services) -> int:
    """Unaccompanied children looked after at the start: in a steady state their arrivals a
    year times their mean stay, from arrival to 18 (Little's law).

    Without them every child looked after at the start was seeded with the stays of children
    who come into care through the pathway, so a fit that matched the first year's exits from
    that stock made those stays too short: children arriving unaccompanied (a fifth of
    England's starts) stay about a year and a half, the rest about four years (Dorset's fitted
    stays gave 2.6 years, and a steady state of 310 looked-after children against 437).
    """
    d = svc.params.demand
    w = shares(d.uasc_age_weights)
    mean_years = float(sum(wi * (AGE_OF_MAJORITY - a - 0.5) for a, wi in enumerate(w)))
    return round(d.uasc_per_10k_per_year * svc.population / 1e4 * mean_years)


def _seed_uasc_looked_after(
    env: Environment, svc: Services, rng: np.random.Generator, target: int
) -> None:
    """Unaccompanied children looked after at the start: ages length-biased on the stay to 18."""
    d = svc.params.demand
    age_cdf = cumulative_shares(d.uasc_age_weights)
    loc_cdf = locality_cdf(svc)
    now, k = env.now, 0
    while k < target:
        a0 = draw_index(rng, age_cdf) + rng.random()
        stay = (AGE_OF_MAJORITY - a0) * DAYS_PER_YEAR
        if rng.random() * AGE_OF_MAJORITY * DAYS_PER_YEAR > stay:
            continue  # length-biased, as for the other children looked after
        elapsed = rng.random() * stay
        child = Child(birth_day=now - a0 * DAYS_PER_YEAR - elapsed, in_care=True)
        fid = OPENING_ID_BASE + (1 << 31) + k
        family = _care_leaver_family(svc, rng, loc_cdf, fid, child)
        _seed_stay(svc, child, family, elapsed, (Exit.AGE_18, stay - elapsed))
        k += 1


def _planned_stay(age: float, u_exit: float, u_stay: float, svc: Services) -> tuple[Exit, float]:
    """How a child entering care at ``age`` will leave, and after how many days (turning 18
    ends the stay if it comes first)."""
    reason = choose_exit(age, u_exit, svc)
    stay = svc.params.looked_after.planned_stay(reason, age, u_stay)
    left = (AGE_OF_MAJORITY - age) * DAYS_PER_YEAR
    return (Exit.AGE_18, left) if left <= stay else (reason, stay)


def _care_leaver_family(
    svc: Services, rng: np.random.Generator, loc_cdf: list[float], fid: int, child: Child
) -> Family:
    """The one-child family of a child looked after now or lately (opening caseload)."""
    return Family(
        id=fid,
        children=[child],
        locality=draw_locality(rng, loc_cdf),
        at_pod_school=False,
        risk=RiskFactors.NONE,
        need=3,
        draws=svc.streams.family(fid),
        previous_care=True,
    )


def _seed_recent_closures(
    env: Environment, svc: Services, factory: FamilyFactory, rng: np.random.Generator
) -> None:
    """Families closed in the two years before the start who will come back with a new concern."""
    r = svc.params.recontact
    per_year = (
        r.closures_before_start_per_10k_per_year * svc.population / 1e4 / factory.mean_children
    )
    n = int(rng.poisson(per_year * HISTORY_DAYS / DAYS_PER_YEAR))
    now = env.now
    fam = factory.draw(rng, n)
    closed = (now - rng.random(n) * HISTORY_DAYS).tolist()  # Python floats: none in the clock
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
            family.last_referral_day = closed[i] - 60.0
        new_family_history(family, svc)
        svc.new_concern(family, delay=back - now)


#: Entrants drawn to learn the mean stay in care and the share who go home (per run).
_ENTRANTS_DRAWN = 1000


def _seed_recent_returns_home(env: Environment, svc: Services, looked_after: int) -> None:
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
    ages = rng.choice(18, size=_ENTRANTS_DRAWN, p=shares(la.opening_entry_ages()))
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
    loc_cdf = locality_cdf(svc)
    now = env.now
    for k in range(int(rng.poisson(expected))):
        i = went_home[int(rng.integers(len(went_home)))]
        returned = now - float(rng.random()) * DAYS_PER_YEAR
        child = Child(
            birth_day=returned - stays[i] - ages[i] * DAYS_PER_YEAR, left_care_day=returned
        )
        family = _care_leaver_family(svc, rng, loc_cdf, RETURNS_ID_BASE + k, child)
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
