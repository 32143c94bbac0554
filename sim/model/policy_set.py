"""Policies at run time: each policy's drawn effects, start and team's room in one replication,
and the set the services ask at every decision (who enrols, and the product of the enrolled
policies' multipliers on a probability or duration).

The policies' files are read and checked in :mod:`sim.inputs.policies`; this is the part the
model asks at every decision of a run with policies, so it is compiled with the model core
(:mod:`sim.core.compiled`; the same numbers interpreted).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sim.core.calendar import DAYS_PER_MONTH
from sim.inputs.policies import Policy

RISK_BITS = {"da": 1, "mh": 2, "sm": 4}


class ActivePolicy:
    """One policy in one replication: its drawn effect sizes, its start, and its team's room."""

    def __init__(
        self,
        policy: Policy,
        index: int,
        start_day: float,
        multipliers: dict[str, float],
        locality_index: dict[str, int],
        population: float,
    ) -> None:
        """``population``: the children the policy works with (its localities' children when it
        works only there; :meth:`Policy.served_population`)."""
        self.policy = policy
        self.staff = policy.staff_at(population)
        self.index = index
        self.start_day = start_day
        self.ramp_days = policy.ramp_up_months * DAYS_PER_MONTH
        self.multipliers = multipliers
        #: names whose multiplier is a relative risk (every effect on it says so)
        self.relative_risks = frozenset(
            name
            for name, effects in policy.targets().items()
            if name in multipliers and all(e.relative_risk for e in effects)
        )
        self.capacity = policy.team_capacity(population)
        self.enrolled = 0
        self.enrolled_total = 0
        el = policy.eligible
        self.stages = frozenset(el.stages)
        #: read at every eligibility check (a policy's file is not changed during a run)
        self.min_need = el.min_need
        self.pod_school_only = el.pod_school_only
        self.localities = (
            None if el.localities is None else frozenset(locality_index[n] for n in el.localities)
        )
        self.risk_mask = (
            0
            if el.risk_factors == "all_families"
            else 7
            if el.risk_factors == "any"
            else sum(RISK_BITS[r] for r in el.risk_factors)
        )

    def ramp(self, now: float) -> float:
        """Share of the full effect reached on day ``now`` (0 before the start)."""
        if now < self.start_day:
            return 0.0
        if self.ramp_days <= 0:
            return 1.0
        return min(1.0, (now - self.start_day) / self.ramp_days)

    def eligible(self, stage: str, risk: int, need: int, locality: int, pod: bool) -> bool:
        """Whether a family with these attributes, at this stage, is one the policy works with."""
        return (
            stage in self.stages
            and (self.risk_mask == 0 or bool(risk & self.risk_mask))
            and need >= self.min_need
            and (self.localities is None or locality in self.localities)
            and (pod or not self.pod_school_only)
        )


class PolicySet:
    """The policies of a scenario in one replication: enrolment and multipliers."""

    def __init__(
        self,
        policies: list[Policy],
        start: dt.date,
        draw_uniform,
        locality_names: list[str],
        sampled: bool,
        population: float,
        locality_shares: Mapping[str, float] | None = None,
    ) -> None:
        index = {n: i for i, n in enumerate(locality_names)}
        self.active: list[ActivePolicy] = []
        for i, p in enumerate(policies):
            mult: dict[str, float] = {}
            # a policy the council's figures already include has no further effect
            for name, effects in () if p.in_baseline else p.targets().items():
                m = 1.0
                for e in effects:
                    m *= e.draw(draw_uniform(p, e)) if sampled else e.central
                mult[name] = m
            start_day = float((p.start_date - start).days)
            served = p.served_population(population, locality_shares)
            self.active.append(ActivePolicy(p, i, start_day, mult, index, served))
        self.targets = frozenset(n for a in self.active for n in a.multipliers)
        self.relative_risk_targets = frozenset(n for a in self.active for n in a.relative_risks)

    def __bool__(self) -> bool:
        return bool(self.active)

    def holds_cases(self, family) -> bool:
        """Whether a policy team, not a social worker, holds this family's case."""
        return any(self.active[i].policy.holds_cases for i in family.policies)

    def enrol(self, family, stage: str, now: float) -> None:
        """Enrol the family in every running policy it is eligible for and has room."""
        for a in self.active:
            if (
                a.index not in family.policies
                and not a.policy.in_baseline
                and now >= a.start_day
                and a.enrolled < a.capacity
                and a.eligible(
                    stage, int(family.risk), family.need, family.locality, family.at_pod_school
                )
            ):
                family.policies.add(a.index)
                a.enrolled += 1
                a.enrolled_total += 1

    def leave(self, family) -> None:
        """The family's case has closed: free its places in policy teams (a child of the family
        in care keeps the enrolment for its stay, ``Child.policies``, without a place)."""
        for i in family.policies:
            self.active[i].enrolled -= 1
        family.policies.clear()

    def multiplier(self, name: str, family, now: float) -> float:
        """Product of the enrolled policies' multipliers on ``name`` for this family now."""
        return self._product(name, family, now, relative_risk=False)

    def relative_risk(self, name: str, family, now: float) -> float:
        """Product of the enrolled policies' relative risks on ``name`` for this family now
        (effects marked ``relative_risk``, which :meth:`multiplier` leaves out)."""
        if name not in self.relative_risk_targets:
            return 1.0
        return self._product(name, family, now, relative_risk=True)

    def _product(self, name: str, family, now: float, relative_risk: bool) -> float:
        if name not in self.targets or not family.policies:
            return 1.0
        m = 1.0
        for i in family.policies:
            a = self.active[i]
            full = a.multipliers.get(name)
            if full is not None and (name in a.relative_risks) == relative_risk:
                m *= 1.0 + (full - 1.0) * a.ramp(now)
        return m
