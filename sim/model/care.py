"""Looked-after children: entry (with siblings), placement, and leaving care by reason.

Each child in care has their own ``care_episode``: a placement chosen by age, a planned way of
leaving (returned home, SGO, CAO, adoption, other) and a time to it that depends on age at
entry; turning 18 ends care first if it comes sooner. A child who returns home may come back
to the front door (re-entry to care goes through the pathway again).

A child who enters care from a family enrolled in policies carries that enrolment
(``Child.policies``) for the stay it starts: its placement, its length and how it ends (a return
home that breaks down, a new concern after going home) obey the policies' effects, although the
family's own case, and its place in a policy team, close as the child enters care.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Generator

from sim.core.calendar import DAYS_PER_YEAR, WITHIN_12_MONTHS_DAYS
from sim.core.entities import (
    AGE_OF_MAJORITY,
    LEGAL_STATUS_ON_STARTING,
    LOOKED_AFTER_PREFIX,
    NEWBORN_ROUTES,
    CareRoute,
    Child,
    Exit,
    Family,
    Placement,
    State,
    care_stay_band,
    entry_age_band,
)
from sim.core.events import Environment, Event
from sim.core.streams import Stream
from sim.model.services import Services


def _pick(weights: list[tuple[object, float]], u: float) -> object:
    total = sum(w for _, w in weights)
    acc = 0.0
    for key, w in weights:
        acc += w / total
        if u < acc:
            return key
    return weights[-1][0]


def choose_placement(age: float, u: float, svc: Services, uasc: bool = False) -> Placement:
    """Placement type for a child entering care at ``age`` (years)."""
    la = svc.params.looked_after
    if uasc:
        return _pick(list(la.uasc_placement_mix.items()), u)
    band = max(0, bisect_right(la.placement_age_bands, age) - 1)
    return _pick([(p, w[band]) for p, w in la.placement_mix.items()], u)


def choose_exit(age: float, u: float, svc: Services) -> Exit:
    """Planned way of leaving care, by age at entry (turning 18 is not chosen; it happens)."""
    la = svc.params.looked_after
    band = max(0, bisect_right(la.exit_age_bands, age) - 1)
    return _pick([(e, w[band]) for e, w in la.exit_mix.items()], u)


def enter_care(
    env: Environment,
    family: Family,
    svc: Services,
    route: CareRoute,
    *,
    oldest_first: bool = False,
    min_age: float = 0.0,
) -> int:
    """Children of the family become looked after: an index child, and each sibling with a chance.

    The index child is the youngest (or, for s20 accommodation of adolescents, the oldest of
    at least ``min_age``). A family on a CP plan or in care proceedings may have had a baby, who
    is then the index child (:func:`born_into_proceedings`). Returns the number of children
    who entered care.
    """
    now = env.now
    baby = born_into_proceedings(family, svc, route)
    candidates = [c for c in family.children_at_home(now) if c.age(now) >= min_age]
    if not candidates:
        return 0
    candidates.sort(key=lambda c: c.birth_day, reverse=not oldest_first)
    entering = [candidates[0]]  # a baby born into the proceedings is the youngest
    entering += [
        c
        for c in candidates[1:]
        if svc.chance(family, Stream.SIBLINGS, "looked_after.p_sibling_enters_too")
    ]
    for child in entering:
        into_care(child, family, svc, route, counted=child is not baby)
    return len(entering)


#: A baby who starts to be looked after at or soon after birth is up to this many days old
#: (judgement: most babies taken into care under one start in their first weeks, after a
#: pre-birth assessment; none of DfE's tables splits the first year).
NEWBORN_MAX_AGE_DAYS = 91.0


def born_into_proceedings(family: Family, svc: Services, route: CareRoute) -> Child | None:
    """A baby born to a family on a CP plan or in care proceedings, who will be the child who
    starts to be looked after (with ``looked_after.p_newborn_at_entry``), or None.

    The baby joins the family aged up to :data:`NEWBORN_MAX_AGE_DAYS`; the family's count on
    its plan is of the children it had, so the baby leaves no stage's stock on entering care.
    """
    if route not in NEWBORN_ROUTES or not svc.params.looked_after.p_newborn_at_entry:
        return None
    if not svc.chance(family, Stream.NEWBORN, "looked_after.p_newborn_at_entry"):
        return None
    age_days = svc.u(family, Stream.NEWBORN) * NEWBORN_MAX_AGE_DAYS
    baby = Child(birth_day=svc.env.now - age_days)
    family.children.append(baby)
    return baby


def into_care(
    child: Child, family: Family, svc: Services, route: CareRoute, *, counted: bool = True
) -> None:
    """One child of the family starts to be looked after: a case place the family holds moves
    with the child (else a social worker takes the case), and a child counted in the family's
    stage leaves that stage's stock (``counted``: the child is one of those counted)."""
    family.previous_care = True
    child.in_care = True
    # the stay carries the family's enrolment now; a return home that breaks down continues
    # the stay that ended in it, so it keeps that stay's enrolment as well
    carried = child.policies if route is CareRoute.RETURN_BREAKDOWN else frozenset()
    child.policies = carried | family.policies if family.policies else carried
    if family.slots_held > 0:
        family.slots_held -= 1
    else:
        svc.social_work.force(1)
    counted = counted and family.counted > 0
    src = family.stock_key if counted else None
    if counted:
        family.counted -= 1
    svc.start_process(care_episode, child, family, route=route, src=src)


def care_episode(
    env: Environment,
    child: Child,
    family: Family,
    svc: Services,
    route: CareRoute,
    src: str | None,
    elapsed: float = 0.0,
    planned: tuple[Exit, float] | None = None,
) -> Generator[Event, object, None]:
    """One child's time in care, from entry (or from the opening caseload) to leaving.

    ``planned`` (reason, remaining days) and ``elapsed`` seed a child already in care at the start.
    """
    now = env.now
    age = child.age(now)
    uasc = route is CareRoute.UASC
    draws = stay_draws(child, family)
    placement = choose_placement(age, svc.u(draws, Stream.LOOKED_AFTER), svc, uasc=uasc)
    state = LOOKED_AFTER_PREFIX + placement.value
    svc.record.move(1, src, state, now)
    if route is not CareRoute.OPENING:
        _count_care_entry(child, family, svc, route)
    reason, stay = planned if planned is not None else _plan_leaving(draws, svc, age, uasc)
    to_18 = child.day_turns_18() - now
    if to_18 <= stay:
        reason, stay = Exit.AGE_18, max(to_18, 0.0)
    if child.policies and route is not CareRoute.OPENING:
        svc.record.flow("care_entries_enrolled", 1, now)
        svc.record.flow("care_planned_days_enrolled", stay, now)
    if svc.stock_drift is None:
        state = yield from _stay_with_moves(env, child, svc, draws, state, stay, uasc)
    else:
        movable = not uasc and reason is not Exit.AGE_18
        state, stay = yield from _drifting_stay(env, child, svc, draws, state, stay, uasc, movable)
    svc.record.move(1, state, None, env.now)
    _count_care_exit(svc, reason, stay + elapsed)
    svc.social_work.release(1)
    child.in_care = False
    if reason is Exit.RETURNED_HOME:
        child.left_care_day = env.now
        _after_return_home(child, family, svc)
    elif reason is not Exit.AGE_18:
        family.children.remove(child)  # lives with a new legal family, or elsewhere


def _stay_with_moves(
    env: Environment,
    child: Child,
    svc: Services,
    draws: Family,
    state: str,
    stay: float,
    uasc: bool,
) -> Generator[Event, object, str]:
    """Hold the stay for ``stay`` days, moving placement at ``placement_moves_per_year`` (a
    Poisson process on its own stream): each move redraws the placement for the child's age
    then. Returns the placement state held at the end."""
    rate = svc.params.looked_after.placement_moves_per_year / DAYS_PER_YEAR
    end = env.now + stay
    while rate > 0:
        wait = -math.log(1.0 - svc.u(draws, Stream.PLACEMENT_MOVE)) / rate
        if env.now + wait >= end:
            break
        yield env.timeout(wait)
        state = _move_placement(child, svc, draws, state, uasc)
    yield env.timeout(max(end - env.now, 0.0))
    return state


def _move_placement(child: Child, svc: Services, draws: Family, state: str, uasc: bool) -> str:
    """A move of placement now: the placement redrawn for the child's age, counted and
    recorded. Returns the new placement state."""
    now = svc.env.now
    u = svc.u(draws, Stream.PLACEMENT_MOVE)
    moved = LOOKED_AFTER_PREFIX + choose_placement(child.age(now), u, svc, uasc).value
    svc.record.flow("placement_moves", 1, now)
    svc.record.move(1, state, moved, now)
    return moved


def _drifting_stay(
    env: Environment,
    child: Child,
    svc: Services,
    draws: Family,
    state: str,
    stay: float,
    uasc: bool,
    movable: bool,
) -> Generator[Event, object, tuple[str, float]]:
    """:func:`_stay_with_moves` under a drift of the stock (:mod:`sim.model.stock_drift`): the
    child looks again at when they leave at each projected year's start, so a stay the drift
    moves ends on its new day. Returns the placement state held at the end and the days in
    care."""
    drift = svc.stock_drift
    start = env.now
    planned = [start + stay, child.day_turns_18()]
    drift.in_care += 1
    if movable:
        drift.ends[id(planned)] = planned
    rate = svc.params.looked_after.placement_moves_per_year / DAYS_PER_YEAR
    next_move = math.inf
    if rate > 0:
        next_move = start - math.log(1.0 - svc.u(draws, Stream.PLACEMENT_MOVE)) / rate
    while env.now < planned[0]:
        yield env.timeout(min(next_move, planned[0], drift.next_look(env.now)) - env.now)
        if env.now >= planned[0]:
            break
        if env.now >= next_move:
            state = _move_placement(child, svc, draws, state, uasc)
            next_move = env.now - math.log(1.0 - svc.u(draws, Stream.PLACEMENT_MOVE)) / rate
    drift.in_care -= 1
    drift.ends.pop(id(planned), None)
    return state, env.now - start


class EnrolledStay:
    """A family as the draws of its child's stay in care see it: the family's own draws, need,
    risk and history, with the enrolment the child carries (``Child.policies``) in place of the
    family's (which ends when the family's case closes, as the child enters care)."""

    __slots__ = ("family", "policies")

    def __init__(self, family: Family, policies: frozenset[int]) -> None:
        self.family = family
        self.policies = policies

    def __getattr__(self, name: str) -> object:
        return getattr(self.family, name)


def stay_draws(child: Child, family: Family) -> Family:
    """What a child's stay in care draws from: the family itself when the child carries no
    enrolment (so runs without policies draw exactly as before), else an
    :class:`EnrolledStay`, whose draws obey the carried enrolment's effects."""
    if not child.policies:
        return family
    return EnrolledStay(family, child.policies)  # type: ignore[return-value]


def _plan_leaving(family: Family, svc: Services, age: float, uasc: bool) -> tuple[Exit, float]:
    """How a child entering care at ``age`` will leave, and after how many days: the stay is
    drawn for the way of leaving (returns home early, adoption later; ``ExitStay``), from the
    same two draws as before (an unaccompanied child stays until 18; the stay is drawn all the
    same, so later draws match)."""
    reason = Exit.AGE_18 if uasc else choose_exit(age, svc.u(family, Stream.CARE_EXIT), svc)
    u = svc.u(family, Stream.CARE_EXIT)
    if uasc:
        return reason, float("inf")
    stay = svc.params.looked_after.planned_stay(reason, age, u)
    return reason, svc.policy_scaled(family, "looked_after.duration", stay)


def _count_care_entry(child: Child, family: Family, svc: Services, route: CareRoute) -> None:
    """Count an entry to care by its route, and as a re-entry if within 12 months of going home."""
    now = svc.env.now
    svc.flow_by_locality("care_entries", family, 1)
    svc.record.flow(f"care_entries_{route.value}", 1, now)
    svc.record.flow(f"care_entries_legal_{LEGAL_STATUS_ON_STARTING[route]}", 1, now)
    svc.record.flow(f"care_entries_age_{entry_age_band(child.age(now))}", 1, now)
    if child.left_care_day is not None and now - child.left_care_day <= WITHIN_12_MONTHS_DAYS:
        svc.record.flow("care_reentries_12m", 1, now)  # as SSDA903 counts a re-entry


def _count_care_exit(svc: Services, reason: Exit, stay: float) -> None:
    """Count a child leaving care, by reason, and the length of the stay."""
    now = svc.env.now
    svc.record.flow("care_exits", 1, now)
    svc.record.flow(f"care_exits_{reason.value}", 1, now)
    svc.record.flow(f"care_exit_days_{reason.value}", stay, now)
    svc.record.flow(f"care_stays_ended_{care_stay_band(stay)}", 1, now)
    svc.record.stay(State.LOOKED_AFTER.value, stay, 1, now)


def _after_return_home(child: Child, family: Family, svc: Services) -> None:
    """A child back home: the return may break down (straight back into care), or the family
    may come back to the front door with a new concern. How the stay ends obeys the enrolment
    the child carried into it."""
    draws = stay_draws(child, family)
    if svc.params.looked_after.p_return_home_breaks_down > 0 and svc.chance(
        draws, Stream.RETURN_BREAKDOWN, "looked_after.p_return_home_breaks_down"
    ):
        delay = svc.duration(draws, Stream.RETURN_BREAKDOWN, "looked_after.return_home_breakdown")
        svc.start_process(return_breaks_down, child, family, delay=delay)
    elif svc.chance(draws, Stream.RECONTACT, "looked_after.p_recontact_after_return_home"):
        delay = svc.duration(draws, Stream.RECONTACT, "looked_after.recontact_after_return_home")
        svc.new_concern(family, delay)


def return_breaks_down(
    env: Environment, child: Child, family: Family, svc: Services, delay: float
) -> Generator[Event, object, None]:
    """A return home that breaks down: ``delay`` days after going home the child comes straight
    back into care (a re-entry, not through a new referral), unless the child is back in care
    already, has turned 18 or lives elsewhere by then."""
    yield env.timeout(delay)
    now = env.now
    if child.in_care or child not in family.children or child.age(now) >= AGE_OF_MAJORITY:
        return
    into_care(child, family, svc, CareRoute.RETURN_BREAKDOWN)
