"""Running the model: one replication, many replications, the public API the CLI calls."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.calendar import DAYS_PER_YEAR, Calendar
from sim.demand import front_door, seed_opening_caseload, uasc_arrivals
from sim.recorder import STATES, Recorder
from sim.scenario import Scenario
from sim.services import Services
from sim.streams import Streams
from sim.workforce import CaseloadPool


@dataclass
class RunResult:
    """Counters of one replication (see :mod:`sim.recorder`), plus how it was made."""

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
    log: list[tuple[float, int, str, int]] | None = field(default=None, repr=False)


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
                "front_door_waiting": svc.front_door_waiting,
                "early_help_families_open": svc.early_help_team.held,
            },
        )


def build(
    scenario: Scenario, replication: int, *, log_events: bool = False
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
        record=Recorder(cal, log_events=log_events),
        social_work=CaseloadPool(
            env, p.workforce.social_worker_fte_per_10k * pop / 1e4, p.workforce.caseload_ceiling
        ),
        early_help_team=CaseloadPool(
            env,
            p.early_help.practitioner_fte_per_10k * pop / 1e4,
            p.early_help.families_per_practitioner,
        ),
        population=pop,
    )
    env.process(_month_ends(env, svc))
    if scenario.opening_caseload:
        seed_opening_caseload(env, svc)
    env.process(front_door(env, svc, end_day=cal.end_day))
    if scenario.include_uasc:
        env.process(uasc_arrivals(env, svc, end_day=cal.end_day))
    return env, svc


def single_run(scenario: Scenario, replication: int = 0, *, log_events: bool = False) -> RunResult:
    """Run one replication of a scenario to its horizon."""
    env, svc = build(scenario, replication, log_events=log_events)
    events = _run_counting(env, svc.cal.end_day)
    r = svc.record
    return RunResult(
        scenario=scenario.name,
        replication=replication,
        calendar=svc.cal,
        flows=dict(r.flows),
        month_end_stock=r.month_end_stock,
        month_end_values=dict(r.month_end_values),
        opening=r.opening,
        entries=r.entries,
        exits=r.exits,
        child_days=r.child_days,
        stays={k: (v[0], v[1]) for k, v in r.stays.items()},
        events=events,
        log=r.log,
    )


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


__all__ = ["STATES", "RunResult", "build", "run_replications", "single_run"]
