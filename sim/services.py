"""What a family's process can call on: teams, the recorder, its random draws, and decisions.

``Services`` is built once per replication and handed to every process; it holds no global
state. Decisions compare one uniform from the family's own stream with a probability (``u < p``),
so a policy that changes ``p`` changes only the decisions it should (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import simpy

from sim.calendar import Calendar
from sim.entities import Family
from sim.parameters import Parameters
from sim.recorder import Recorder
from sim.streams import Stream, Streams
from sim.workforce import CaseloadPool


def scaled_probability(p: float, odds_multiplier: float) -> float:
    """Probability ``p`` with its odds multiplied: stays in [0, 1], 1 stays 1 and 0 stays 0."""
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    o = p / (1.0 - p) * odds_multiplier
    return o / (1.0 + o)


def mean_family_odds(params: Parameters) -> float:
    """Mean escalation odds multiplier over the front door's mix of need, risk and locality."""
    d, esc = params.demand, params.escalation
    need = sum(s * o for s, o in zip(d.need_level_shares, esc.odds_by_need, strict=True))
    need /= sum(d.need_level_shares)
    p_risk = 1 - d.toxic_trio_shares["none"] / sum(d.toxic_trio_shares.values())
    risk = 1 + p_risk * (esc.odds_toxic_trio - 1)
    w = [loc.population_share * loc.relative_demand for loc in d.localities]
    loc = sum(wi * loc.relative_risk for wi, loc in zip(w, d.localities, strict=True)) / sum(w)
    return need * risk * loc


@dataclass
class Services:
    """Everything the pathway's processes share within one replication."""

    env: simpy.Environment
    params: Parameters
    cal: Calendar
    streams: Streams
    record: Recorder
    social_work: CaseloadPool
    early_help_team: CaseloadPool
    population: float
    front_door_waiting: int = 0
    _odds_norm: float | None = None

    def start_process(self, fn: Callable[..., object], *args: object, **kwargs: object) -> None:
        """Start a simpy process ``fn(env, *args, svc=self, **kwargs)``."""
        self.env.process(fn(self.env, *args, svc=self, **kwargs))

    def u(self, family: Family, stream: Stream) -> float:
        """The family's next uniform on ``stream``."""
        return family.draws.uniform(stream)

    def caseload_pressure(self) -> float:
        """Odds multiplier when caseloads exceed the reference caseload (1 otherwise)."""
        wf = self.params.workforce
        ratio = self.social_work.caseload_per_fte() / wf.caseload_reference
        if ratio <= 1.0:
            return 1.0
        return ratio**self.params.escalation.caseload_elasticity

    def family_odds(self, family: Family) -> float:
        """Odds multiplier of escalation for this family's need, risk and locality.

        Relative to the average family at the front door, so that a stage's ``p_`` is the
        probability for a family of average need and risk.
        """
        esc = self.params.escalation
        odds = esc.odds_by_need[family.need - 1]
        if family.risk:
            odds *= esc.odds_toxic_trio
        return odds * self.params.demand.localities[family.locality].relative_risk / self.odds_norm

    @property
    def odds_norm(self) -> float:
        """Mean odds multiplier of families arriving at the front door."""
        if self._odds_norm is None:
            self._odds_norm = mean_family_odds(self.params)
        return self._odds_norm

    def escalates(self, family: Family, stream: Stream, p: float) -> bool:
        """Decide an escalating step (s47, CP plan, care) for this family now."""
        odds = self.family_odds(family) * self.caseload_pressure()
        return self.u(family, stream) < scaled_probability(p, odds)

    def chance(self, family: Family, stream: Stream, p: float) -> bool:
        """Decide a step that does not depend on risk (closing, stepping down)."""
        return self.u(family, stream) < p
