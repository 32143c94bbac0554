"""Demand and the opening caseload: who arrives at the front door, and who is already open.

New concerns arrive as contacts about families not currently known, at a rate that follows the
child population (with its trend) and a monthly profile (school terms). The MASH triages them in
daily batches up to its capacity; contacts that go no further are counted and need no entity.
Unaccompanied asylum-seeking children arrive as their own stream straight into care. At the
start, the council's current caseload (early help, assessments, CIN, CP, looked after) is seeded
with elapsed durations drawn from each stay's equilibrium (length-biased) distribution, and the
families closed in the two years before the start keep their chance of coming back.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator, Iterator

import numpy as np
import simpy

from sim.core.calendar import DAYS_PER_YEAR, WITHIN_12_MONTHS_WHOLE_DAYS
from sim.core.distributions import Empirical
from sim.core.entities import (
    AGE_OF_MAJORITY,
    TOXIC_TRIO_SUBSETS,
    CareRoute,
    Child,
    Exit,
    Family,
    RiskFactors,
    State,
)
from sim.core.streams import Stream
from sim.model.care import care_episode, choose_exit, return_breaks_down
from sim.model.pathway import family_journey, new_concern
from sim.model.services import Services

UASC_ID_BASE = 1 << 40
HISTORY_ID_BASE = 2 << 40
OPENING_ID_BASE = 3 << 40
RETURNS_ID_BASE = 4 << 40
#: How far back closed families are remembered at the start (re-referral within 12 months
#: needs at least one year; two years covers nearly all returns).
HISTORY_DAYS = 730.0
#: Contacts are drawn 30 days at a time: fewer, larger numpy calls, in a fixed order.
BATCH_DAYS = 30


def _draw_locality(rng: np.random.Generator, p_loc: np.ndarray) -> int:
    """A locality by population share (no draw at all when the council is one locality)."""
    return 0 if len(p_loc) == 1 else int(rng.choice(len(p_loc), p=p_loc))


def _weights(w: tuple[float, ...]) -> np.ndarray:
    a = np.asarray(w, dtype=float)
    return a / a.sum()


class FamilyFactory:
    """Draws families' attributes in bulk (children, ages, locality, school, risk, need)."""

    def __init__(self, svc: Services) -> None:
        d = svc.params.demand
        self.svc = svc
        self.p_children = _weights(d.children_per_family)
        self.p_age = _weights(d.child_age_weights)
        self.p_need = _weights(d.need_level_shares)
        self.p_risk = _weights(tuple(d.toxic_trio_shares[k] for k in TOXIC_TRIO_SUBSETS))
        loc_w = np.array([loc.population_share * loc.relative_demand for loc in d.localities])
        self.p_locality = loc_w / loc_w.sum()
        self.p_pod = np.array([loc.p_family_at_pod_school for loc in d.localities])
        self.risks = [RiskFactors(r) for r in range(8)]  # one flag object per subset
        self.mean_children = float(np.dot(np.arange(1, len(self.p_children) + 1), self.p_children))
        esc = svc.params.escalation
        self.max_odds = (
            max(esc.odds_by_need)
            * max(esc.odds_toxic_trio, 1.0)
            * max(loc.relative_risk for loc in d.localities)
            / svc.odds_norm
        )

    def draw(self, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
        """Attributes of ``n`` families as arrays (ages in years for up to the largest family)."""
        kmax = len(self.p_children)
        out = {
            "children": rng.choice(kmax, size=n, p=self.p_children) + 1,
            "ages": rng.choice(18, size=(n, kmax), p=self.p_age) + rng.random((n, kmax)),
            "locality": rng.choice(len(self.p_locality), size=n, p=self.p_locality),
            "risk": rng.choice(8, size=n, p=self.p_risk),
            "need": rng.choice(4, size=n, p=self.p_need) + 1,
        }
        out["pod"] = rng.random(n) < self.p_pod[out["locality"]]
        return out

    def odds(self, fam: dict[str, np.ndarray]) -> np.ndarray:
        """Escalation odds multiplier of each family (need, toxic trio, locality)."""
        esc = self.svc.params.escalation
        locs = self.svc.params.demand.localities
        rr = np.array([loc.relative_risk for loc in locs])[fam["locality"]]
        return (
            np.asarray(esc.odds_by_need)[fam["need"] - 1]
            * np.where(fam["risk"] > 0, esc.odds_toxic_trio, 1.0)
            * rr
        ) / self.svc.odds_norm

    def make(self, fam: dict[str, np.ndarray], i: int, family_id: int, now: float) -> Family:
        """One :class:`Family` from row ``i`` of drawn attributes."""
        k = int(fam["children"][i])
        children = [Child(now - a * DAYS_PER_YEAR) for a in fam["ages"][i, :k].tolist()]
        return Family(
            id=family_id,
            children=children,
            locality=int(fam["locality"][i]),
            at_pod_school=bool(fam["pod"][i]),
            risk=self.risks[fam["risk"][i]],
            need=int(fam["need"][i]),
            draws=self.svc.streams.family(family_id),
        )


def contacts_per_day(svc: Services, day: float) -> float:
    """Expected contacts (children) on ``day``: population, trend and month of the year."""
    d = svc.params.demand
    month = svc.cal.date_of(math.floor(day)).month
    seasonal = d.monthly_profile[month - 1] / (sum(d.monthly_profile) / 12)
    growth = (1 + d.population_growth_per_year) ** (day / DAYS_PER_YEAR)
    return d.contacts_per_10k_per_year / DAYS_PER_YEAR * svc.population / 1e4 * growth * seasonal


def front_door(
    env: simpy.Environment, svc: Services, end_day: float
) -> Generator[simpy.Event, object, None]:
    """Contacts about new families, triaged by the MASH in daily batches up to its capacity.

    Each day's contacts are drawn in bulk (their number, who they are, and the uniform that
    decides their triage, in arrival order, so every scenario sees the same contacts). The MASH
    triages up to its daily capacity first come first served; the rest wait for the next day.
    Only families triaged to early help or a referral become entities.
    """
    fd = svc.params.front_door
    rng = svc.streams.generator(Stream.CONTACTS)
    rng_triage = svc.streams.generator(Stream.FRONT_DOOR)
    factory = FamilyFactory(svc)
    capacity = fd.triage_contacts_per_day_per_10k * svc.population / 1e4
    backlog: deque[tuple[float, dict[str, np.ndarray], int, int, int]] = deque()
    next_id = 0
    base_odds = fd.p_referral / (1 - fd.p_referral) if fd.p_referral < 1 else math.inf
    p_eh_rest = fd.p_early_help / max(1 - fd.p_referral, 1e-12)
    batch: dict[str, np.ndarray] = {}
    offsets = np.zeros(1, dtype=int)
    batch_start = -math.inf
    while env.now < end_day:
        day = env.now
        if day >= batch_start + BATCH_DAYS:
            # draw a month of contacts at once (fewer, larger numpy calls; same order)
            batch_start = day
            days = np.arange(day, day + BATCH_DAYS)
            lam = np.array([contacts_per_day(svc, d) for d in days]) / factory.mean_children
            counts = rng.poisson(lam)
            offsets = np.concatenate([[0], np.cumsum(counts)])
            batch = factory.draw(rng, int(offsets[-1]))
            batch["time"] = np.repeat(days, counts) + rng.random(int(offsets[-1]))
            batch["u"] = rng_triage.random(int(offsets[-1]))
        k = int(day - batch_start)
        lo, hi = int(offsets[k]), int(offsets[k + 1])
        n = hi - lo
        if n:
            fam = {key: v[lo:hi] for key, v in batch.items()}
            order = np.argsort(fam["time"], kind="stable")
            fam = {key: v[order] for key, v in fam.items()}
            svc.record.flow("contacts", int(fam["children"].sum()), day)
            odds = base_odds * factory.odds(fam)
            p_ref = 1.0 if math.isinf(base_odds) else odds / (1 + odds)
            p_eh = p_eh_rest * (1 - p_ref)
            if svc.policies:
                p_ref, p_eh = _front_door_policies(svc, fam, day, p_ref, p_eh)
            u = fam["u"]
            outcome = np.where(u < p_ref, 1, np.where(u < p_ref + p_eh, 2, 0))
            if not backlog and fam["children"].sum() <= capacity:
                # the usual day: the MASH triages every contact today, in arrival order; those
                # that go no further are only counted (the same as one at a time, faster)
                nfa = outcome == 0
                svc.record.flow("contacts_nfa", int(fam["children"][nfa].sum()), day)
                for i in np.flatnonzero(~nfa).tolist():
                    _admit(svc, factory, fam, i, int(outcome[i]), next_id + i, day, fam["time"][i])
            else:
                backlog.extend(
                    (float(fam["time"][i]), fam, i, int(outcome[i]), next_id + i) for i in range(n)
                )
            next_id += n
        used = 0.0
        while backlog:
            t, fam, i, out, fid = backlog[0]
            k = int(fam["children"][i])
            if used > 0 and used + k > capacity:
                break
            backlog.popleft()
            used += k
            if out == 0:
                svc.record.flow("contacts_nfa", k, day)
            else:
                _admit(svc, factory, fam, i, out, fid, day, max(t, day))
        svc.front_door_waiting = sum(int(b[1]["children"][b[2]]) for b in backlog)
        yield env.timeout(1.0)


def _admit(
    svc: Services,
    factory: FamilyFactory,
    fam: dict[str, np.ndarray],
    i: int,
    outcome: int,
    family_id: int,
    day: float,
    triaged: float,
) -> None:
    """A contact triaged on ``day`` (at time ``triaged``) to a referral (``outcome`` 1) or
    early help (2) becomes a family, whose journey starts once triage is done."""
    family = factory.make(fam, i, family_id, day)
    _new_family_history(family, svc)
    if svc.policies:
        svc.enrol(family, "front_door")
    decided = float(triaged) + svc.duration(family, Stream.FRONT_DOOR, "front_door.triage_days")
    if outcome == 2:
        svc.record.flow("contacts_to_early_help", int(fam["children"][i]), decided)
    state = State.REFERRAL if outcome == 1 else State.EARLY_HELP
    svc.start_process(family_journey, family, state=state, delay=decided - day)


def _front_door_policies(
    svc: Services, fam: dict[str, np.ndarray], day: float, p_ref: np.ndarray, p_eh: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Policies working at the front door (e.g. social workers in schools) change triage."""
    p_ref = np.broadcast_to(p_ref, fam["need"].shape).astype(float)
    p_eh = np.broadcast_to(p_eh, fam["need"].shape).astype(float)
    for a in svc.policies.active:
        ramp = a.ramp(day)
        if ramp == 0 or "front_door" not in a.stages:
            continue
        m_ref = 1 + (a.multipliers.get("front_door.p_referral", 1.0) - 1) * ramp
        m_eh = 1 + (a.multipliers.get("front_door.p_early_help", 1.0) - 1) * ramp
        if m_ref == 1 and m_eh == 1:
            continue
        el = a.policy.eligible
        mask = fam["need"] >= el.min_need
        if a.risk_mask:
            mask &= (fam["risk"] & a.risk_mask) > 0
        if a.localities is not None:
            mask &= np.isin(fam["locality"], list(a.localities))
        if el.pod_school_only:
            mask &= fam["pod"]
        p_ref = np.where(mask, np.minimum(p_ref * m_ref, 1.0), p_ref)
        p_eh = np.where(mask, np.minimum(p_eh * m_eh, 1.0 - p_ref), p_eh)
    return p_ref, p_eh


def _new_family_history(family: Family, svc: Services) -> None:
    """History before the model's memory: an earlier CP plan or period in care."""
    family.previous_cp_plan = svc.chance(
        family, Stream.HISTORY, "recontact.p_previous_cp_new_family"
    )
    family.previous_care = svc.chance(
        family, Stream.HISTORY, "recontact.p_previous_care_new_family"
    )
    if family.previous_cp_plan:
        for c in family.children:
            c.had_cp_plan = True


def uasc_arrivals(
    env: simpy.Environment, svc: Services, end_day: float
) -> Generator[simpy.Event, object, None]:
    """Unaccompanied asylum-seeking children: their own arrival stream, straight into care."""
    d = svc.params.demand
    rng = svc.streams.generator(Stream.UASC)
    p_age = _weights(d.uasc_age_weights)
    p_loc = _weights(tuple(loc.population_share for loc in d.localities))
    k = 0
    while True:
        rate = d.uasc_per_10k_per_year / DAYS_PER_YEAR * svc.population / 1e4
        if rate <= 0:
            return
        growth = (1 + d.population_growth_per_year) ** (env.now / DAYS_PER_YEAR)
        yield env.timeout(rng.exponential(1 / (rate * growth)))
        if env.now >= end_day:
            return
        age = rng.choice(18, p=p_age) + rng.random()
        child = Child(birth_day=env.now - age * DAYS_PER_YEAR)
        family = Family(
            id=UASC_ID_BASE + k,
            children=[child],
            locality=_draw_locality(rng, p_loc),
            at_pod_school=False,
            risk=RiskFactors.NONE,
            need=3,
            draws=svc.streams.family(UASC_ID_BASE + k),
        )
        k += 1
        child.in_care = True
        svc.social_work.force(1)
        svc.start_process(care_episode, child, family, route=CareRoute.UASC, src=None)


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
    stage_dist = {
        "early_help": (State.EARLY_HELP, p.early_help.duration, 1.0, 0),
        "assessment": (State.ASSESSMENT, p.assessment.duration_working_days, 7 / 5, 0),
        "cin_plan": (State.CIN_PLAN, p.cin_plan.duration, 1.0, 1),
        "cp_plan": (State.CP_PLAN, p.cp_plan.duration, 1.0, 3),
    }
    for stock, (state, dist, unit, steps) in stage_dist.items():
        target = round(p.opening_stocks_per_10k.get(stock, 0.0) * scale)
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
            _new_family_history(family, svc)
            if state is State.CP_PLAN:
                family.previous_cp_plan = True
                for c in family.children:
                    c.had_cp_plan = True
            if state is not State.EARLY_HELP:
                svc.social_work.force(n)
                family.slots_held = n
            svc.start_process(family_journey, family, state=state)
    looked_after = round(p.opening_stocks_per_10k.get("looked_after", 0) * scale)
    _seed_looked_after(env, svc, rng, looked_after)
    _seed_recent_closures(env, svc, factory, rng)
    _seed_recent_returns_home(env, svc, looked_after)


def _seed_looked_after(
    env: simpy.Environment, svc: Services, rng: np.random.Generator, target: int
) -> None:
    la = svc.params.looked_after
    p_entry_age = _weights(la.entry_age_weights)
    p_loc = _weights(tuple(loc.population_share for loc in svc.params.demand.localities))
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
        locality=_draw_locality(rng, p_loc),
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
        _new_family_history(family, svc)
        new_concern(family, svc, delay=back - now)


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
    ages = rng.choice(18, size=_ENTRANTS_DRAWN, p=_weights(la.entry_age_weights))
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
    p_loc = _weights(tuple(loc.population_share for loc in svc.params.demand.localities))
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
            new_concern(family, svc, delay=back - now)
