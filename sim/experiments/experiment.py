"""Running the model: one replication, many replications, the public API the CLI calls."""

from __future__ import annotations

import gc
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.core.calendar import DAYS_PER_YEAR, WITHIN_12_MONTHS_DAYS, Calendar
from sim.core.entities import AGE_OF_MAJORITY, CP_DURATION_BANDS, cp_duration_band
from sim.core.streams import Stream, Streams
from sim.inputs.policies import PolicySet
from sim.inputs.scenario import Scenario
from sim.model.demand import front_door, seed_opening_caseload, uasc_arrivals
from sim.model.recorder import Recorder
from sim.model.services import Services
from sim.model.workforce import CaseloadPool


@dataclass
class RunResult:
    """Counters of one replication (see :mod:`sim.model.recorder`), plus how it was made."""

    scenario: str
    replication: int
    calendar: Calendar
    flows: dict[str, np.ndarray]
    month_end_stock: dict[str, np.ndarray]
    month_end_values: dict[str, np.ndarray]
    opening: dict[str, int]
    entries: dict[str, np.ndarray]
    exits: dict[str, np.ndarray]
    child_days: dict[str, np.ndarray]
    stays: dict[str, tuple[float, float]]
    events: int
    extra: dict[str, float] = field(default_factory=dict)


def _month_ends(env: simpy.Environment, svc: Services) -> Generator[simpy.Event, object, None]:
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


def _policy_staff(env: simpy.Environment, svc: Services, active) -> Generator:
    """A policy's added staff join their teams on its start date."""
    yield env.timeout(max(0.0, active.start_day - env.now))
    wf, eh = svc.params.workforce, svc.params.early_help
    for s in active.policy.adds_staff:
        if s.team == "social_work":
            svc.social_work.add_staff(s.fte, s.caseload or wf.caseload_ceiling)
        elif s.team == "early_help":
            svc.early_help_team.add_staff(s.fte, s.caseload or eh.families_per_practitioner)


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
    return PolicySet(list(scenario.policies), scenario.start_date, draw, names, sampled_effects)


def build(
    scenario: Scenario,
    replication: int,
    *,
    sampled_effects: bool = False,
) -> tuple[simpy.Environment, Services]:
    """Build the environment and services of one replication, with its processes started."""
    p = scenario.parameters
    cal = Calendar.from_start(scenario.start_date, scenario.months)
    env = simpy.Environment(initial_time=-scenario.warm_up_years * DAYS_PER_YEAR)
    pop = float(scenario.population)
    svc = Services(
        env=env,
        params=p,
        cal=cal,
        streams=Streams(scenario.seed, replication),
        record=Recorder(cal),
        social_work=CaseloadPool(
            env, p.workforce.social_worker_fte_per_10k * pop / 1e4, p.workforce.caseload_ceiling
        ),
        early_help_team=CaseloadPool(
            env,
            p.early_help.practitioner_fte_per_10k * pop / 1e4,
            p.early_help.families_per_practitioner,
        ),
        population=pop,
        policies=policy_set(scenario, replication, sampled_effects) if scenario.policies else None,
    )
    for active in svc.policies.active if svc.policies else ():
        env.process(_policy_staff(env, svc, active))
    env.process(_month_ends(env, svc))
    if scenario.opening_caseload:
        seed_opening_caseload(env, svc)
    env.process(front_door(env, svc, end_day=cal.end_day))
    if scenario.include_uasc:
        env.process(uasc_arrivals(env, svc, end_day=cal.end_day))
    return env, svc


#: Children kept safely at home are followed for 12 months after the horizon (model.md, Outputs).
FOLLOW_UP_DAYS = WITHIN_12_MONTHS_DAYS


def single_run(
    scenario: Scenario,
    replication: int = 0,
    *,
    sampled_effects: bool = False,
    follow_up: bool = False,
) -> RunResult:
    """Run one replication of a scenario to its horizon.

    ``sampled_effects`` draws each policy effect from its range (else its central value);
    ``follow_up`` runs 12 more months to count children who had a CP plan, live at home at the
    horizon and have no new referral in the following 12 months.
    """
    with _without_cyclic_gc():
        return _single_run(scenario, replication, sampled_effects, follow_up)


def _single_run(
    scenario: Scenario, replication: int, sampled_effects: bool, follow_up: bool
) -> RunResult:
    env, svc = build(scenario, replication, sampled_effects=sampled_effects)
    if follow_up:
        svc.cp_families = {}
    end = svc.cal.end_day
    events = _run_counting(env, end)
    extra: dict[str, float] = {}
    if follow_up:
        at_home = []
        for fam in svc.cp_families.values():
            n = sum(
                1
                for c in fam.children
                if c.had_cp_plan and not c.in_care and c.age(end) < AGE_OF_MAJORITY
            )
            if n:
                at_home.append((fam, n))
        events += _run_counting(env, end + FOLLOW_UP_DAYS)
        extra["cp_children_at_home_at_horizon"] = float(sum(n for _, n in at_home))
        extra["cp_children_safely_home"] = float(
            sum(
                n
                for fam, n in at_home
                if fam.last_referral_day is None or fam.last_referral_day <= end
            )
        )
    for a in svc.policies.active if svc.policies else ():
        extra[f"policy_families_enrolled_{a.index}"] = float(a.enrolled_total)
    r = svc.record
    arrays = r.arrays()
    return RunResult(
        scenario=scenario.name,
        replication=replication,
        calendar=svc.cal,
        flows=arrays["flows"],
        month_end_stock=arrays["month_end_stock"],
        month_end_values=arrays["month_end_values"],
        opening=r.opening,
        entries=arrays["entries"],
        exits=arrays["exits"],
        child_days=arrays["child_days"],
        stays={k: (v[0], v[1]) for k, v in r.stays.items()},
        events=events,
        extra=extra,
    )


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a run steps through its events.

    A run holds tens of thousands of live objects (families, processes, events) and allocates
    millions, so the collector keeps re-scanning live objects for cycles the model does not
    make: measured at 300,000 children x 10 years, the run is about a fifth faster without it and
    its peak memory is the same. Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_counting(env: simpy.Environment, until: float) -> int:
    """Run to ``until`` and return how many events were processed."""
    n = 0
    step, peek = env.step, env.peek
    while peek() <= until:
        step()
        n += 1
    return n


def run_replications(
    scenario: Scenario,
    replications: int | None = None,
    *,
    progress: Callable[[int], None] | None = None,
) -> list[RunResult]:
    """Run replications 0..n-1 of a scenario in sequence (each its own random streams)."""
    n = scenario.replications if replications is None else replications
    results = []
    for rep in range(n):
        results.append(single_run(scenario, rep))
        if progress is not None:
            progress(rep + 1)
    return results


__all__ = ["RunResult", "build", "run_replications", "single_run"]
