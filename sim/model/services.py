"""What a family's process can call on: teams, the recorder, its random draws, and decisions.

``Services`` is built once per replication and handed to every process; it holds no global
state. Decisions compare one uniform from the family's own stream with a probability (``u < p``),
so a policy that changes ``p`` changes only the decisions it should (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from pydantic import BaseModel

from sim.core.calendar import DAYS_PER_YEAR, Calendar
from sim.core.entities import Family
from sim.core.events import Environment
from sim.core.streams import Stream, Streams
from sim.inputs.parameters import Parameters
from sim.model.effect_ledger import EffectLedger
from sim.model.future import Future
from sim.model.policy_set import PolicySet
from sim.model.recorder import Recorder
from sim.model.stock_drift import StockDrift
from sim.model.workforce import CaseloadPool


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


class Services:
    """Everything the pathway's processes share within one replication.

    A plain class with its fields set in ``__init__`` (not a dataclass), so that the compiled
    build can make it an extension type (``services.pxd``): its fields then live in a C struct.
    """

    def __init__(
        self,
        env: Environment,
        params: Parameters,
        cal: Calendar,
        streams: Streams,
        record: Recorder,
        social_work: CaseloadPool,
        early_help_team: CaseloadPool,
        population: float,
        known_family_front_door: Callable[[Family, Services, float], None],
        policies: PolicySet | None = None,
        ledger: EffectLedger | None = None,
        future: Future | None = None,
    ) -> None:
        self.env = env
        self.params = params
        self.cal = cal
        self.streams = streams
        self.record = record
        self.social_work = social_work
        self.early_help_team = early_help_team
        self.population = population
        #: The front door for known families, ``(family, svc, delay)``: passed in when the model
        #: is built, so that the stages and care can send a family back without importing it.
        self.known_family_front_door = known_family_front_door
        self.policies = policies
        #: Children whose contacts wait for triage at the MASH today
        self.front_door_waiting = 0
        #: Children in s31 care proceedings now (issued, no final order yet), at home or in care
        self.children_in_proceedings = 0
        #: Families on a CP plan, kept only when counting children kept home (else None)
        self.cp_families: dict[int, Family] | None = None
        #: CP plans open now: family id -> (family, day the plan started), for D5's durations
        self.open_cp_plans: dict[int, tuple[Family, float]] = {}
        #: What policy effects met where they apply: kept only when the effect audit asks for it
        #: (``single_run(..., effect_ledger=True)``), so other runs do no bookkeeping for it
        self.ledger = ledger
        #: How the council's rates move from the fitted year in this replication (none: stay)
        self.future = Future() if future is None else future
        #: ``future``'s multipliers by year, read once for each future object it is given
        self._future_seen: Future | None = None
        self._future_by_year: dict[str, list[float]] = {}
        #: The drift of the looked-after stock toward the neighbours' (none: no drift;
        #: :mod:`sim.model.stock_drift`).
        self.stock_drift: StockDrift | None = None
        self._odds_norm: float | None = None
        self._read_decision_parameters(params)
        self._base: dict[str, Any] = {}
        for group, model in self.params:
            if isinstance(model, BaseModel):
                for name, value in model:
                    self._base[f"{group}.{name}"] = value
        #: Each duration's quantile as a plain function of a uniform, looked up once
        self._samplers: dict[str, Callable[[float], float]] = {
            name: value.sampler() for name, value in self._base.items() if hasattr(value, "sampler")
        }

    def _read_decision_parameters(self, params: Parameters) -> None:
        """The parameters every escalating decision reads, looked up once (not through the
        scenario's models each time); the same objects, so the same arithmetic."""
        esc = params.escalation
        self._odds_by_need = tuple(esc.odds_by_need)
        self._odds_toxic_trio: Any = esc.odds_toxic_trio
        self._odds_previous_care: Any = esc.odds_previous_care
        self._locality_risk = tuple(loc.relative_risk for loc in params.demand.localities)
        self._caseload_reported: Any = params.workforce.caseload_per_fte
        self._caseload_elasticity: Any = esc.caseload_elasticity

    def value(self, name: str, family: Family) -> float:
        """A named probability for this family now: the baseline times any policy's multiplier."""
        p = self._base[name]
        # a family in no policy has every multiplier 1 (PolicySet.multiplier): not asked
        if family.policies and self.policies:
            p *= self.policies.multiplier(name, family, self.env.now)
        return p

    def duration(
        self, family: Family, stream: Stream, name: str, age: float | None = None
    ) -> float:
        """Sample a named duration for this family (policies may shorten or lengthen it)."""
        sample = self._samplers[name] if age is None else self._base[name].for_age(age).sample
        return self.policy_scaled(family, name, sample(self.u(family, stream)))

    def policy_scaled(self, family: Family, name: str, days: float) -> float:
        """A named duration ``days`` drawn for this family, as the policies shorten or
        lengthen it (the effect audit's ledger sees the draw)."""
        if self.policies:
            base = days
            if family.policies:  # else every multiplier is 1
                days *= self.policies.multiplier(name, family, self.env.now)
            if self.ledger is not None and name in self.policies.targets:
                self.ledger.draw(family, name, self.env.now, days, base)
        return days

    def flow_by_locality(self, measure: str, family: Family, n: float) -> None:
        """Record a flow, and its share by locality when the council has several."""
        self.record.flow(measure, n, self.env.now)
        if len(self.params.demand.localities) > 1:
            self.record.flow(f"{measure}_locality_{family.locality}", n, self.env.now)

    def enrol(self, family: Family, stage: str) -> None:
        """Enrol the family in the policies it is eligible for here; count new enrolments."""
        before = set(family.policies)
        self.policies.enrol(family, stage, self.env.now)
        for i in family.policies - before:
            self.record.flow(f"policy_enrolments_{i}", 1, self.env.now)
        if self.ledger is not None:
            self.ledger.enrolled(family, self.env.now)

    def new_concern(self, family: Family, delay: float) -> None:
        """A new concern about a known family in ``delay`` days goes to the front door."""
        self.known_family_front_door(family, self, delay)

    def start_process(self, fn: Callable[..., object], *args: object, **kwargs: object) -> None:
        """Start a process ``fn(env, *args, svc=self, **kwargs)``."""
        self.env.process(fn(self.env, *args, svc=self, **kwargs))

    def start_process_after(
        self, delay: float, fn: Callable[..., object], *args: object, **kwargs: object
    ) -> None:
        """Start the process ``fn(env, *args, svc=self, **kwargs)`` ``delay`` days from now (as
        one that began by waiting ``delay`` days would, less the event that began it)."""
        self.env.process(fn(self.env, *args, svc=self, **kwargs), after=delay)

    def u(self, family: Family, stream: Stream) -> float:
        """The family's next uniform on ``stream``."""
        if family.policies and self.ledger is not None:
            self.ledger.seen(family, self.env.now)
        return family.draws.uniform(stream)

    def caseload_pressure(self) -> float:
        """Odds multiplier when caseloads exceed the council's reported caseload (1 otherwise)."""
        ratio = self.social_work.caseload_per_fte() / self._caseload_reported
        if ratio <= 1.0:
            return 1.0
        return ratio**self._caseload_elasticity

    def family_odds(self, family: Family) -> float:
        """Odds multiplier of escalation for this family's need, risk and locality.

        Relative to the average family at the front door, so that a stage's ``p_`` is the
        probability for a family of average need and risk.
        """
        odds = self._odds_by_need[family.need - 1]
        if family.risk:
            odds *= self._odds_toxic_trio
        if family.previous_care:
            odds *= self._odds_previous_care
        return odds * self._locality_risk[family.locality] / self.odds_norm

    @property
    def odds_norm(self) -> float:
        """Mean odds multiplier of families arriving at the front door."""
        if self._odds_norm is None:
            self._odds_norm = mean_family_odds(self.params)
        return self._odds_norm

    def relative_risk(self, name: str, family: Family) -> float:
        """The relative risk trials' effects put on the family's own chance of ``name`` (1
        when no policy's effect on it is a relative risk)."""
        if (
            not family.policies  # a family in no policy: 1 (PolicySet.relative_risk)
            or not self.policies
            or name not in self.policies.relative_risk_targets
        ):
            return 1.0
        return self.policies.relative_risk(name, family, self.env.now)

    def escalates(self, family: Family, stream: Stream, name: str, odds_times: float = 1.0) -> bool:
        """Decide an escalating step (s47, CP plan, care) named ``name`` for this family now.

        ``odds_times`` multiplies the family's odds: a plan open at the start, with a share
        ``s`` of its course still ahead, escalates within it with its odds times ``s``
        (:func:`sim.model.pathway.share_ahead`).
        """
        p = min(1.0, self.value(name, family))
        odds = self.family_odds(family) * self.caseload_pressure() * odds_times
        rr = self.relative_risk(name, family)
        # the replication's drawn future moves the family's own probability in proportion
        rr *= self.future_multiplier(name, self.env.now)
        yes = self.u(family, stream) < min(1.0, scaled_probability(p, odds) * rr)
        if self.ledger is not None and name in self.policies.targets:
            as_rr = name in self.policies.relative_risk_targets
            self.ledger.decision(
                family,
                name,
                self.env.now,
                self._base[name],
                yes,
                partial(_odds_scaled, odds),
                relative_risk=as_rr,
            )
        return yes

    def future_multiplier(self, name: str, day: float) -> float:
        """Multiplier of decision ``name``'s probability on ``day`` from the replication's
        future (1 before the projection starts and for decisions it leaves be; the last year's
        holds after its path ends): its table is read once per future object, not for every
        decision."""
        future = self.future
        if future is not self._future_seen:
            self._future_seen, self._future_by_year = future, future.by_year()
        by_year = self._future_by_year.get(name)
        if by_year is None or day < 0:
            return 1.0
        return by_year[min(int(day // DAYS_PER_YEAR), len(by_year) - 1)]

    def chance(self, family: Family, stream: Stream, name: str) -> bool:
        """Decide a step named ``name`` that does not depend on risk (closing, stepping down)."""
        p = min(1.0, self.value(name, family) * self.relative_risk(name, family))
        yes = self.u(family, stream) < p
        if self.ledger is not None and name in self.policies.targets:
            as_rr = name in self.policies.relative_risk_targets
            self.ledger.decision(
                family, name, self.env.now, self._base[name], yes, _as_is, relative_risk=as_rr
            )
        return yes


def _odds_scaled(odds: float, p: float) -> float:
    return scaled_probability(p, odds)


def _as_is(p: float) -> float:
    return p
