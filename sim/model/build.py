"""Building one replication: its calendar, teams, recorder and random streams, the policies in
force, and the processes that run it (the front door, UASC arrivals, the opening caseload,
month ends, policies' added staff).
"""

from __future__ import annotations

import math
from collections.abc import Generator

from sim.core.calendar import DAYS_PER_YEAR, Calendar
from sim.core.entities import CP_DURATION_BANDS, cp_duration_band
from sim.core.events import Environment, Event
from sim.core.streams import Stream, Streams
from sim.inputs.future_changes import pool_changes
from sim.inputs.scenario import Scenario
from sim.model.arrivals import uasc_arrivals, youth_justice_arrivals
from sim.model.effect_ledger import EffectLedger
from sim.model.front_door import front_door, new_concern
from sim.model.future import Future, toward_neighbours
from sim.model.opening_caseload import seed_opening_caseload
from sim.model.policy_set import ActivePolicy, PolicySet
from sim.model.recorder import Recorder
from sim.model.services import Services
from sim.model.stock_drift import StockDrift, stock_path
from sim.model.workforce import CaseloadPool, staff_following_caseload


def build(
    scenario: Scenario,
    replication: int,
    *,
    sampled_effects: bool = False,
    effect_ledger: bool = False,
) -> tuple[Environment, Services]:
    """Build the environment and services of one replication, with its processes started.

    ``effect_ledger`` keeps the effect audit's ledger (:mod:`sim.model.effect_ledger`) when the
    scenario has policies.
    """
    p = scenario.parameters
    cal = Calendar.from_start(scenario.start_date, scenario.months)
    env = Environment(initial_time=-scenario.warm_up_years * DAYS_PER_YEAR)
    pop = float(scenario.population)
    svc = Services(
        env=env,
        params=p,
        cal=cal,
        streams=Streams(scenario.seed, replication),
        record=Recorder(cal),
        social_work=CaseloadPool(
            env,
            p.workforce.social_worker_fte_per_10k * pop / 1e4,
            p.workforce.children_per_fte,
            stretch=p.workforce.caseload_stretch,
            cases_per_place=p.workforce.census_cases_per_child,
        ),
        early_help_team=CaseloadPool(
            env,
            p.early_help.practitioner_fte_per_10k * pop / 1e4,
            p.early_help.families_per_practitioner,
        ),
        population=pop,
        known_family_front_door=new_concern,
        policies=policy_set(scenario, replication, sampled_effects) if scenario.policies else None,
    )
    svc.future = replication_future(scenario, svc.streams)
    svc.stock_drift = replication_stock_drift(scenario, svc.streams)
    if svc.stock_drift is not None:
        env.process(svc.stock_drift.run(env, svc.record, math.ceil(scenario.years)))
    if effect_ledger and svc.policies:
        svc.ledger = EffectLedger(svc.policies)
    for active in svc.policies.active if svc.policies else ():
        env.process(_policy_staff(env, svc, active))
    env.process(_month_ends(env, svc))
    env.process(
        staff_following_caseload(
            env, svc.social_work, p.workforce.staff_follow_caseload, cal.end_day
        )
    )
    if scenario.opening_caseload:
        seed_opening_caseload(env, svc, uasc=scenario.include_uasc)
    env.process(front_door(env, svc, end_day=cal.end_day))
    if scenario.include_uasc:
        env.process(uasc_arrivals(env, svc, end_day=cal.end_day))
    env.process(youth_justice_arrivals(env, svc, end_day=cal.end_day))
    return env, svc


def replication_future(scenario: Scenario, streams: Streams) -> Future:
    """The council's future in this replication: drawn from its pool of published changes on the
    replication's own stream (the same in every variant of a comparison), balanced across the
    scenario's replications (:meth:`Future.balanced`), or none when fixed."""
    if scenario.future == "fixed":
        return Future()
    source = scenario.parameters.future
    pool = pool_changes(source.councils, source.up_to_year or scenario.parameters.reference_year)
    years = math.ceil(scenario.years) + 1
    slots = max(1, scenario.replications)
    # replications beyond the scenario's own (a longer run of the same file) form a new set
    block, slot = divmod(streams.replication, slots)
    shared = streams.shared_generator(Stream.FUTURE, block)
    drift = toward_neighbours(
        source.toward_neighbours.as_row(), source.pull_per_year.as_row(), years
    )
    own = streams.generator(Stream.FUTURE)
    return Future.balanced(pool, years, slot, slots, shared, own, drift)


def replication_stock_drift(scenario: Scenario, streams: Streams) -> StockDrift | None:
    """The drift of the looked-after stock toward the neighbours' in this replication
    (:mod:`sim.model.stock_drift`), on its own stream; none with a fixed future or no drift."""
    if scenario.future == "fixed":
        return None
    source = scenario.parameters.future
    path = stock_path(
        source.toward_neighbours.looked_after,
        source.pull_per_year.looked_after,
        math.ceil(scenario.years) + 1,
    )
    if not path:
        return None
    return StockDrift(path, streams.generator(Stream.STOCK_DRIFT))


def policy_set(scenario: Scenario, replication: int, sampled_effects: bool) -> PolicySet:
    """The scenario's policies in one replication, with effect sizes central or drawn.

    Each effect's draw is keyed by its policy's name and position and by the replication, so the
    same policy draws the same effect size in every variant of a comparison.
    """
    streams = Streams(scenario.seed, replication)

    def draw(policy, effect) -> float:
        key = policy.key() * 1024 + policy.effects.index(effect)
        return streams.family(key).uniform(Stream.EFFECT_SIZES)

    names = [loc.name for loc in scenario.parameters.demand.localities]
    return PolicySet(
        list(scenario.policies),
        scenario.start_date,
        draw,
        names,
        sampled_effects,
        float(scenario.population),
        scenario.locality_shares(),
    )


def _month_ends(env: Environment, svc: Services) -> Generator[Event, object, None]:
    """Close each month: keep month-end stocks, caseloads and waiting lists."""
    yield env.timeout(max(0.0, -env.now))
    svc.record.start_counting()
    cal = svc.cal
    for m in range(cal.months):
        yield env.timeout(cal.month_starts[m + 1] - env.now)
        svc.record.month_end(
            m,
            env.now,
            {
                "caseload_per_sw": svc.social_work.caseload_per_fte(),
                "social_worker_fte": svc.social_work.fte,
                "social_worker_fte_core": svc.social_work.core_fte,
                "early_help_fte_core": svc.early_help_team.core_fte,
                "front_door_waiting": svc.front_door_waiting,
                "children_in_proceedings": svc.children_in_proceedings,
                "early_help_families_open": svc.early_help_team.held,
                **_open_cp_plans_by_duration(svc, env.now),
            },
        )


def _open_cp_plans_by_duration(svc: Services, now: float) -> dict[str, float]:
    """Children on CP plans at this month end by how long the plan has lasted (D5's bands)."""
    out = dict.fromkeys((f"cp_plans_open_{b}" for b in CP_DURATION_BANDS), 0.0)
    for family, start in svc.open_cp_plans.values():
        out[f"cp_plans_open_{cp_duration_band(now - start)}"] += family.counted
    return out


def _policy_staff(
    env: Environment, svc: Services, active: ActivePolicy
) -> Generator[Event, object, None]:
    """A policy's added staff (its file's team per 100,000 children, at this council's size) join
    their teams on its start date."""
    yield env.timeout(max(0.0, active.start_day - env.now))
    wf, eh = svc.params.workforce, svc.params.early_help
    for s in active.staff:
        if s.team == "social_work":
            cases = s.caseload or wf.caseload_per_fte  # cases per FTE, as the census counts them
            svc.social_work.add_staff(s.fte, cases / wf.census_cases_per_child)
        elif s.team == "early_help":
            svc.early_help_team.add_staff(s.fte, s.caseload or eh.families_per_practitioner)
