"""A family's journey through children's services, one generator per stage (model.md, pathway).

``family_journey`` loops over stages; each stage takes or waits for a worker, waits a sampled
duration, decides the next state, and records. Children who enter care leave the family's stage
and start their own ``care_episode``. Stocks are counted in children.
"""

from __future__ import annotations

from collections.abc import Generator

from sim.core.calendar import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    WITHIN_12_MONTHS_WHOLE_DAYS,
    working_to_calendar_days,
)
from sim.core.entities import (
    CP_DURATION_BANDS,
    FACTOR_NAMES,
    POLICY_STAGES,
    PRE_PROCEEDINGS,
    SOCIAL_WORK_STAGES,
    WAITING_ALLOCATION,
    WAITING_EARLY_HELP,
    CareRoute,
    CourtOrder,
    Family,
    State,
    cp_duration_band,
)
from sim.core.events import Environment, Event
from sim.core.streams import Stream
from sim.model.care import enter_care
from sim.model.services import Services

StageGenerator = Generator[Event, object, State]
#: Stages at which a family entering them is enrolled in policies (the front door enrols its own).
ENROLLING_STAGES = frozenset(POLICY_STAGES) - {State.FRONT_DOOR.value, PRE_PROCEEDINGS}
#: Stages whose work a social worker holds, as a set (``enter`` runs on every move).
_SOCIAL_WORK = frozenset(SOCIAL_WORK_STAGES)
#: Measure names built once (this code runs for every assessment and CP plan).
#: (factor's bit, measure): the bits as plain ints, as ``RiskFactors``' own ``&`` runs through
#: Python for every assessment.
FACTOR_MEASURES = tuple((int(f), f"assessments_factor_{name}") for f, name in FACTOR_NAMES.items())
CP_ENDED_MEASURES = {b: f"cp_plans_ended_{b}" for b in CP_DURATION_BANDS}
#: Plans started by enrolled families, and the days drawn for them: (count, days) by stage.
ENROLLED_PLAN_MEASURES = {
    State.CIN_PLAN: ("cin_plans_started_enrolled", "cin_plan_planned_days_enrolled"),
    State.CP_PLAN: ("cp_plans_started_enrolled", "cp_plan_planned_days_enrolled"),
}
#: The stages' stock names, as the recorder keys them (an enum's ``.value`` is a lookup through
#: Python each time it is read, and these are read for every family at every stage).
EARLY_HELP_KEY = State.EARLY_HELP.value
ASSESSMENT_KEY = State.ASSESSMENT.value
CIN_PLAN_KEY = State.CIN_PLAN.value
S47_ENQUIRY_KEY = State.S47_ENQUIRY.value
CP_PLAN_KEY = State.CP_PLAN.value
#: Final orders after which children at home during proceedings become looked after.
ORDERS_INTO_CARE = frozenset({CourtOrder.CARE_ORDER, CourtOrder.PLACEMENT_ORDER})
ORDER_MEASURES = {o: f"proceedings_ended_{o.value}" for o in CourtOrder}
#: Working Together to Safeguard Children 2023: assessments within 45 working days of referral.
ASSESSMENT_TIMESCALE_WORKING_DAYS = 45
#: The need level (of 4: low to acute) at which a referral is urgent: allocated at once while the
#: team is within its stretch (Working Together 2023: immediate action where a child is at risk
#: of significant harm); lower need waits once caseloads reach what the council reports.
URGENT_NEED = 4


def family_journey(
    env: Environment, family: Family, svc: Services, state: State
) -> Generator[Event, object, None]:
    """One episode for a family, from a contact's outcome to closure (started when triage or
    the opening caseload hands the family on: :func:`start_journey`).

    A new concern after closure (re-referral) goes to the front door, which may start a new
    journey.
    """
    family.open = True
    while state is not State.CLOSED:
        state = yield from STAGES[state](env, family, svc)
    close(env, family, svc)


def start_journey(svc: Services, family: Family, state: State, delay: float = 0.0) -> None:
    """Start the family's journey at ``state`` ``delay`` days from now (at once if 0)."""
    if delay > 0:
        svc.start_process_after(delay, family_journey, family, state=state)
    else:
        svc.start_process(family_journey, family, state=state)


# -- bookkeeping shared by the stages --------------------------------------------------------


def enter(family: Family, key: str | None, svc: Services, now: float) -> int:
    """Move the family's children at home into stock ``key``; children who turned 18 leave.

    A family entering a stage where policies enrol (:data:`ENROLLING_STAGES`) is enrolled here:
    the stages call ``enter`` before they draw their durations and decisions, so that all of
    them obey the effects of the policies the family joins.

    Returns the number of children now counted in ``key``.
    """
    at_home = family.n_at_home(now)
    aged_out = max(family.counted - at_home, 0)
    if aged_out:
        svc.record.move(aged_out, family.stock_key, None, now)
        svc.record.flow("aged_out_at_home", aged_out, now)
        release(family, min(aged_out, family.slots_held), svc)
    svc.record.move(min(at_home, family.counted), family.stock_key, key, now)
    if at_home > family.counted:  # children newly counted (a family entering from outside)
        svc.record.move(at_home - family.counted, None, key, now)
    family.stock_key = key
    family.counted = at_home if key is not None else 0
    if svc.policies and key in ENROLLING_STAGES:
        svc.enrol(family, key)
    if key == CIN_PLAN_KEY and svc.policies and svc.policies.holds_cases(family):
        release(family, family.slots_held, svc)  # a pod holds the case, not a social worker
    elif key in _SOCIAL_WORK and family.slots_held < family.counted:
        # a case coming back to social work (e.g. from a pod, on escalation) is allocated at once
        svc.social_work.force(family.counted - family.slots_held)
        family.slots_held = family.counted
    return at_home


def release(family: Family, n: int, svc: Services) -> None:
    """Give back ``n`` of the family's social work case places."""
    if n > 0:
        svc.social_work.release(n)
        family.slots_held -= n


def close(env: Environment, family: Family, svc: Services) -> None:
    """Close the family's episode; some families come back with a new concern later."""
    now = env.now
    if family.counted:
        svc.record.flow("closures", family.counted, now)
    helped = family.stock_key in _SOCIAL_WORK
    if (
        helped
        and family.need > 1
        and svc.chance(family, Stream.NEED, "escalation.p_need_falls_after_social_care")
    ):
        family.need -= 1
    enter(family, None, svc, now)
    release(family, family.slots_held, svc)
    family.open = False
    if family.n_at_home(now) and svc.chance(family, Stream.RECONTACT, "recontact.p_recontact"):
        delay = svc.duration(family, Stream.RECONTACT, "recontact.time_to_recontact")
        svc.new_concern(family, delay)
    if family.policies:  # after the re-referral decision, which a policy may change
        svc.policies.leave(family)


def need_rises_while_waiting(family: Family, waited: float, svc: Services) -> None:
    """Each month of waiting, need may rise a level (model.md: waiting escalates)."""
    for _ in range(int(waited // DAYS_PER_MONTH)):
        if family.need < 4 and svc.chance(
            family, Stream.NEED, "escalation.p_need_rises_per_month_waiting"
        ):
            family.need += 1


def share_ahead(elapsed: float, remaining: float) -> float:
    """The share of a plan's course still ahead: 1 for a new plan; for a plan open at the start
    that began ``elapsed`` days ago, ``remaining / (elapsed + remaining)``.

    A plan's escalation (s47, pre-proceedings, s20) comes at a uniform point of its course, so a
    plan still open after ``elapsed`` days has not escalated in that time: its odds of
    escalating in what is left are its odds times this share (Bayes; without it the opening
    caseload escalated as if every plan had just begun, and the first year's care entries ran
    about a third above the steady state's).
    """
    total = elapsed + remaining
    return remaining / total if elapsed > 0 and total > 0 else 1.0


# -- stages ----------------------------------------------------------------------------------


def early_help(env: Environment, family: Family, svc: Services) -> StageGenerator:
    """Early help: wait for a family practitioner (or give up), then help; close or step up."""
    now = env.now
    resuming = family.resume is not None
    elapsed = 0.0
    if not resuming:
        enter(family, WAITING_EARLY_HELP, svc, now)
        # drawn whether or not the family has to wait, so its later draws do not depend on it
        patience = svc.duration(family, Stream.EARLY_HELP, "early_help.patience")
        if not svc.early_help_team.take(1):
            allocation = svc.early_help_team.request(1)
            yield allocation | env.timeout(patience)
            if not allocation.triggered:
                svc.early_help_team.cancel(allocation)
                svc.record.flow("early_help_disengaged", family.counted, env.now)
                return State.CLOSED
        n = enter(family, EARLY_HELP_KEY, svc, env.now)  # enrolled before the draws
        duration = svc.duration(family, Stream.EARLY_HELP, "early_help.duration")
    else:
        svc.early_help_team.force(1)
        (elapsed, duration), family.resume = family.resume, None
        n = enter(family, EARLY_HELP_KEY, svc, env.now)
    if not resuming:
        svc.record.flow("early_help_starts", n, env.now)
    start = env.now - elapsed  # an opening case began before day 0
    yield env.timeout(duration)
    svc.early_help_team.release(1)
    svc.record.stay(EARLY_HELP_KEY, env.now - start, n, env.now)
    if svc.escalates(family, Stream.EARLY_HELP, "early_help.p_step_up"):
        svc.record.flow("early_help_step_ups", family.counted, env.now)
        return State.REFERRAL
    if family.need > 1 and svc.chance(family, Stream.NEED, "early_help.p_need_falls"):
        family.need -= 1
    return State.CLOSED


def referral(env: Environment, family: Family, svc: Services) -> StageGenerator:
    """Referral to children's social care: count it, then wait for a social worker."""
    now = env.now
    n = family.n_at_home(now)
    svc.flow_by_locality("referrals", family, n)
    if (
        family.last_referral_day is not None
        and now - family.last_referral_day <= WITHIN_12_MONTHS_WHOLE_DAYS
    ):
        svc.record.flow("rereferrals_12m", n, now)
    family.last_referral_day = now
    if svc.chance(family, Stream.ASSESSMENT, "assessment.p_nfa_at_referral"):
        svc.record.flow("referrals_nfa", n, now)
        return State.CLOSED
    enter(family, WAITING_ALLOCATION, svc, now)
    places = family.counted - family.slots_held
    if places > 0:
        urgent = family.need >= URGENT_NEED
        if not svc.social_work.take(places, urgent):
            yield svc.social_work.request(places, urgent)
        family.slots_held += places
    waited = env.now - now
    svc.record.flow("allocation_wait_days_completed", waited * family.counted, env.now)
    svc.record.flow("allocations", family.counted, env.now)
    need_rises_while_waiting(family, waited, svc)
    return State.ASSESSMENT


def assessment(env: Environment, family: Family, svc: Services) -> StageGenerator:
    """Social work assessment; then s47, CIN plan, step down to early help, or close."""
    resuming = family.resume is not None
    elapsed = 0.0
    n = enter(family, ASSESSMENT_KEY, svc, env.now)  # enrolled before the draws
    if not resuming:
        working_days = svc.duration(family, Stream.ASSESSMENT, "assessment.duration_working_days")
        duration = working_to_calendar_days(working_days)
    else:
        (elapsed, duration), family.resume = family.resume, None
    start = env.now - elapsed  # an opening case began before day 0
    yield env.timeout(duration)
    _assessment_completed(family, svc, n, elapsed + duration)
    svc.record.stay(ASSESSMENT_KEY, env.now - start, n, env.now)
    if svc.escalates(family, Stream.ASSESSMENT, "assessment.p_s47"):
        return State.S47_ENQUIRY
    if svc.chance(family, Stream.ASSESSMENT, "assessment.p_not_in_need"):
        svc.record.flow("assessed_not_in_need", family.counted, env.now)
        if svc.chance(family, Stream.ASSESSMENT, "assessment.p_step_down_early_help"):
            svc.record.flow("step_down_early_help", family.counted, env.now)
            enter(family, None, svc, env.now)
            release(family, family.slots_held, svc)
            return State.EARLY_HELP
        return State.CLOSED
    return State.CIN_PLAN


def _assessment_completed(family: Family, svc: Services, n: int, days: float) -> None:
    """Count a completed assessment (as DfE does), the factors it found (C3), and whether it
    took longer than the 45 working days of Working Together."""
    now = svc.env.now
    svc.record.flow("assessments", n, now)
    risk = int(family.risk)
    if risk:
        svc.record.flow("assessments_any_toxic_trio", n, now)
        for factor, measure in FACTOR_MEASURES:
            if risk & factor:
                svc.record.flow(measure, n, now)
    if days > working_to_calendar_days(ASSESSMENT_TIMESCALE_WORKING_DAYS):
        svc.record.flow("assessments_over_45_working_days", n, now)


def cin_plan(env: Environment, family: Family, svc: Services) -> StageGenerator:
    """Child in need plan: may escalate to s47 or s20 care; ends in review, step-down or closure."""
    c = svc.params.cin_plan
    resuming = family.resume is not None
    elapsed = 0.0
    n = enter(family, CIN_PLAN_KEY, svc, env.now)  # enrolled before the draws
    if not resuming:
        duration = svc.duration(family, Stream.CIN_PLAN, "cin_plan.duration")
    else:
        (elapsed, duration), family.resume = family.resume, None
    if not resuming:
        svc.record.flow("cin_plans_started", n, env.now)
        if family.policies:
            _count_enrolled_plan(svc, State.CIN_PLAN, n, duration)
    start = env.now - elapsed  # an opening case began before day 0
    ahead = share_ahead(elapsed, duration)
    to_s47 = svc.escalates(family, Stream.CIN_PLAN, "cin_plan.p_s47", ahead)
    adolescents = [
        ch for ch in family.children_at_home(env.now) if ch.age(env.now) >= c.s20_min_age
    ]
    to_care = bool(adolescents) and svc.escalates(
        family, Stream.CIN_PLAN, "cin_plan.p_s20_care", ahead
    )
    if to_s47 or to_care:
        yield env.timeout(duration * svc.u(family, Stream.CIN_PLAN))
        svc.record.stay(CIN_PLAN_KEY, env.now - start, family.counted, env.now)
        if to_s47:
            return State.S47_ENQUIRY
        enter_care(
            env, family, svc, CareRoute.S20_FROM_CIN, oldest_first=True, min_age=c.s20_min_age
        )
        return State.CLOSED
    yield env.timeout(duration)
    svc.record.stay(CIN_PLAN_KEY, env.now - start, family.counted, env.now)
    if svc.chance(family, Stream.CIN_PLAN, "cin_plan.p_reassessment"):
        return State.ASSESSMENT
    if svc.chance(family, Stream.CIN_PLAN, "cin_plan.p_step_down_early_help"):
        svc.record.flow("step_down_early_help", family.counted, env.now)
        enter(family, None, svc, env.now)
        release(family, family.slots_held, svc)
        return State.EARLY_HELP
    return State.CLOSED


def s47_enquiry(env: Environment, family: Family, svc: Services) -> StageGenerator:
    """Strategy discussion and s47 enquiry; emergency protection for a few; then ICPC or not."""
    n = enter(family, S47_ENQUIRY_KEY, svc, env.now)
    svc.record.flow("s47_enquiries", n, env.now)
    start = env.now
    working_days = svc.duration(family, Stream.S47_ENQUIRY, "s47_enquiry.working_days_to_icpc")
    if svc.escalates(family, Stream.S47_ENQUIRY, "s47_enquiry.p_emergency_care"):
        yield env.timeout(min(1.0, working_to_calendar_days(working_days)))
        svc.record.stay(S47_ENQUIRY_KEY, env.now - start, family.counted, env.now)
        enter_care(env, family, svc, CareRoute.EMERGENCY)
        return State.CLOSED
    yield env.timeout(working_to_calendar_days(working_days))
    svc.record.stay(S47_ENQUIRY_KEY, env.now - start, family.counted, env.now)
    if svc.escalates(family, Stream.S47_ENQUIRY, "s47_enquiry.p_icpc"):
        return State.ICPC
    if svc.chance(family, Stream.S47_ENQUIRY, "s47_enquiry.p_cin_plan_if_no_icpc"):
        return State.CIN_PLAN
    return State.CLOSED


def icpc(env: Environment, family: Family, svc: Services) -> StageGenerator:
    """Initial child protection conference: a CP plan, or a CIN plan."""
    svc.record.flow("icpcs", family.counted, env.now)
    if svc.escalates(family, Stream.ICPC, "icpc.p_cp_plan"):
        return State.CP_PLAN
    return State.CIN_PLAN
    yield  # pragma: no cover  (a stage is a generator even when it takes no time)


def cp_plan(env: Environment, family: Family, svc: Services) -> StageGenerator:
    """Child protection plan; pre-proceedings and care proceedings, or s20, for some."""
    resuming = family.resume is not None
    elapsed = 0.0
    n = enter(family, CP_PLAN_KEY, svc, env.now)  # enrolled before the draws
    if not resuming:
        duration = svc.duration(family, Stream.CP_PLAN, "cp_plan.duration")
    else:
        (elapsed, duration), family.resume = family.resume, None
    start = env.now - elapsed  # an opening case began before day 0
    _cp_plan_started(family, svc, n, start, new=not resuming)
    if family.policies and not resuming:
        _count_enrolled_plan(svc, State.CP_PLAN, n, duration)
    ahead = share_ahead(elapsed, duration)
    pre_left, family.pre_proceedings_left = family.pre_proceedings_left, None
    if pre_left is not None or svc.escalates(
        family, Stream.CP_PLAN, "cp_plan.p_pre_proceedings", ahead
    ):
        if pre_left is None:  # else pre-proceedings began before the start
            yield env.timeout(duration * svc.u(family, Stream.CP_PLAN))
        after = yield from pre_proceedings(env, family, svc, start, pre_left)
        if after is not None:
            return after
        remaining = start + elapsed + duration - env.now
        if remaining > 0:
            yield env.timeout(remaining)
    elif svc.escalates(family, Stream.CP_PLAN, "cp_plan.p_s20_care", ahead):
        yield env.timeout(duration * svc.u(family, Stream.CP_PLAN))
        return _end_cp_plan_into_care(env, family, svc, start, CareRoute.S20_FROM_CP)
    else:
        yield env.timeout(duration)
    _cp_plan_ended(family, svc, start)
    if svc.chance(family, Stream.CP_PLAN, "cp_plan.p_step_down_cin"):
        return State.CIN_PLAN
    return State.CLOSED


def pre_proceedings(
    env: Environment,
    family: Family,
    svc: Services,
    plan_start: float,
    left: float | None = None,
) -> Generator[Event, object, State | None]:
    """The Public Law Outline's pre-proceedings for a family on a CP plan (started on
    ``plan_start``), from the letter before proceedings; care proceedings for some. ``left``:
    the days still to run of pre-proceedings that began before the start (their letter was
    before day 0, so it is not counted again).

    Returns ``State.CLOSED`` when the children are removed at issue, or None when the CP plan
    goes on (no proceedings issued, or proceedings with the children at home).
    """
    letter = env.now
    n = family.counted
    if left is None:
        svc.record.flow("pre_proceedings", n, letter)
    if svc.policies:  # a policy may enrol families here, before the decisions that follow
        svc.enrol(family, PRE_PROCEEDINGS)
    if family.policies and left is None:  # where the FGC trial measured its results
        svc.record.flow("pre_proceedings_enrolled", n, letter)
    if left is None:
        left = svc.duration(family, Stream.PROCEEDINGS, "proceedings.pre_proceedings_duration")
    yield env.timeout(left)
    if not svc.escalates(family, Stream.PROCEEDINGS, "proceedings.p_proceedings_issued"):
        return None
    if care_proceedings(env, family, svc, plan_start, letter):
        return State.CLOSED  # removed at issue under an interim care order
    return None


def _count_care_after_letter(family: Family, svc: Services, n: int, letter: float) -> None:
    """For an enrolled family, children entering care within 12 months of the letter before
    proceedings, and their days in care to the end of those 12 months (counted from entry to
    the 12 months' end, as if none left care sooner): the FGC trial's outcomes."""
    left = letter + DAYS_PER_YEAR - svc.env.now
    if family.policies and n and left > 0:
        svc.record.flow("care_entries_12m_pre_proceedings_enrolled", n, svc.env.now)
        svc.record.flow("care_days_12m_pre_proceedings_enrolled", n * left, svc.env.now)


def care_proceedings(
    env: Environment, family: Family, svc: Services, plan_start: float, letter: float
) -> bool:
    """s31 care proceedings issued for the family's children at home (on a CP plan that
    started on ``plan_start``, in pre-proceedings since ``letter``); True if the children are
    removed at issue.

    At issue the children are removed under an interim care order (the CP plan ends, their
    stay in care starts, :func:`proceedings_in_care` follows the proceedings to their end), or
    stay at home (:func:`proceedings_at_home`), their CP plan running its course alongside the
    proceedings. How long the proceedings last and the uniform deciding the final order are
    drawn at issue, whichever way.
    """
    now = env.now
    n = family.counted
    svc.record.flow("care_proceedings", n, now)
    svc.record.flow("care_proceedings_applications", 1, now)
    if family.policies:
        svc.record.flow("care_proceedings_enrolled", n, now)
    days = svc.duration(family, Stream.PROCEEDINGS, "proceedings.proceedings_duration")
    u_order = svc.u(family, Stream.PROCEEDINGS)
    if svc.escalates(family, Stream.PROCEEDINGS, "proceedings.p_care_entry_at_issue"):
        _cp_plan_ended(family, svc, plan_start)
        removed = enter_care(env, family, svc, CareRoute.PROCEEDINGS)
        _count_care_after_letter(family, svc, removed, letter)
        svc.start_process(proceedings_in_care, removed, days, u_order)
        return True
    svc.record.flow("care_proceedings_at_home", n, now)
    svc.start_process(proceedings_at_home, family, n, days, u_order, letter)
    return False


def proceedings_at_home(
    env: Environment,
    family: Family,
    n: int,
    days: float,
    u_order: float,
    letter: float,
    svc: Services,
    elapsed: float = 0.0,
) -> Generator[Event, object, None]:
    """The proceedings of ``n`` children who stay at home at issue, to the final order ``days``
    after issue (``elapsed`` of them before the start, for proceedings under way then). A care
    or placement order brings the children still at home into care (a care order on
    starting); the other orders are counted, and the family's case goes on as it was (its CP
    plan, or what followed it, runs its own course)."""
    svc.children_in_proceedings += n
    yield env.timeout(days - elapsed)
    svc.children_in_proceedings -= n
    order = choose_order(svc.params.proceedings.at_home_order_mix, u_order)
    _count_order(svc, order, n, days)
    if order in ORDERS_INTO_CARE:
        entered = enter_care(env, family, svc, CareRoute.CARE_ORDER)
        _count_care_after_letter(family, svc, entered, letter)


def proceedings_in_care(
    env: Environment,
    n: int,
    days: float,
    u_order: float,
    svc: Services,
    elapsed: float = 0.0,
) -> Generator[Event, object, None]:
    """The proceedings of ``n`` children removed at issue: looked after under an interim care
    order until the final order ``days`` after issue (``elapsed`` of them before the start, for
    proceedings under way then). (A sibling not removed leaves the proceedings with the
    family's case, which the model closes as its children enter care. The stays in care are
    drawn by care, as for every child entering care: the order is counted here, it does not
    end or lengthen them.)"""
    svc.children_in_proceedings += n
    yield env.timeout(days - elapsed)
    svc.children_in_proceedings -= n
    order = choose_order(svc.params.proceedings.in_care_order_mix, u_order)
    _count_order(svc, order, n, days)


def choose_order(mix: dict[CourtOrder, float], u: float) -> CourtOrder:
    """The final order a uniform ``u`` picks from a mix of weights."""
    total = sum(mix.values())
    acc = 0.0
    for order, weight in mix.items():
        acc += weight / total
        if u < acc:
            return order
    return next(reversed(mix))


def _count_order(svc: Services, order: CourtOrder, n: int, days: float) -> None:
    """Count ``n`` children whose proceedings ended in ``order`` after ``days``."""
    now = svc.env.now
    svc.record.flow("proceedings_ended", n, now)
    svc.record.flow(ORDER_MEASURES[order], n, now)
    svc.record.stay("proceedings", days, n, now)


def _count_enrolled_plan(svc: Services, stage: State, n: int, days: float) -> None:
    """Count a plan of ``n`` children started by a family enrolled in a policy, and the days
    drawn for it (a plan may end sooner, on escalation): where an effect on plan length acts."""
    count, planned = ENROLLED_PLAN_MEASURES[stage]
    svc.record.flow(count, n, svc.env.now)
    svc.record.flow(planned, n * days, svc.env.now)


def _cp_plan_started(family: Family, svc: Services, n: int, start: float, new: bool) -> None:
    """Count a new plan and its repeats; the children have had a CP plan from now on; the plan
    is open (for D5's durations) from ``start``."""
    now = svc.env.now
    if new:
        svc.flow_by_locality("cp_plans_started", family, n)
        repeat = sum(
            1 for ch in family.children_at_home(now) if ch.had_cp_plan or family.previous_cp_plan
        )
        svc.record.flow("cp_plans_repeat", repeat, now)
    for ch in family.children_at_home(now):
        ch.had_cp_plan = True
    family.previous_cp_plan = True
    if svc.cp_families is not None:
        svc.cp_families[family.id] = family
    svc.open_cp_plans[family.id] = (family, start)


def _cp_plan_ended(family: Family, svc: Services, start: float) -> None:
    """Count the plan's end, by its duration band (D7)."""
    now = svc.env.now
    svc.open_cp_plans.pop(family.id, None)
    svc.record.flow("cp_plans_ended", family.counted, now)
    svc.record.flow(CP_ENDED_MEASURES[cp_duration_band(now - start)], family.counted, now)
    svc.record.stay(CP_PLAN_KEY, now - start, family.counted, now)


def _end_cp_plan_into_care(
    env: Environment, family: Family, svc: Services, start: float, route: CareRoute
) -> State:
    _cp_plan_ended(family, svc, start)
    enter_care(env, family, svc, route)
    return State.CLOSED


STAGES = {
    State.EARLY_HELP: early_help,
    State.REFERRAL: referral,
    State.ASSESSMENT: assessment,
    State.CIN_PLAN: cin_plan,
    State.S47_ENQUIRY: s47_enquiry,
    State.ICPC: icpc,
    State.CP_PLAN: cp_plan,
}
