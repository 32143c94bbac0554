"""The effect ledger: what each policy effect met where it applies, for the effect audit.

For every decision or duration that a running policy's effect names, made for a family the
policy works with, the ledger adds up what happened (decisions and "yes" outcomes, or draws and
their days) and what the effect says should have happened for those same decisions: the sum of
the probabilities used without the multiplier and with the policy's stated (full) multiplier,
after the family's odds scaling, or the days drawn without and with it. Comparing a run of the
policy with its twin whose multiplier is 1 (``sim.experiments.effect_audit``) then shows whether
the effect moves what it names by the amount it says.

A decision or duration counts for a policy when the family is enrolled in it at that moment (the
multiplier was in force). A duration also counts when the family is enrolled at the same instant
but just after it is drawn (the length of a plan drawn before the family is enrolled in the stage
it enters), or was enrolled at that same instant just before (a child's stay in care drawn as the
enrolled family's case closes into care): the effect says it applies there, so the audit must
see those durations too, whether or not the multiplier reached them.

The ledger exists only when a scenario has policies; it makes no random draw and changes no
decision, so runs are the same with it or without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.core.entities import Family
from sim.model.policy_set import PolicySet


@dataclass(slots=True)
class Tally:
    """What one effect met, for one policy and one parameter name, over a run."""

    #: decisions (or durations drawn) where the effect applies
    n: int = 0
    #: of which the policy's multiplier was in force at that moment
    applied: int = 0
    #: "yes" decisions, or days drawn
    outcome: float = 0.0
    #: expected outcome without the multiplier (sum of probabilities used, or days)
    base: float = 0.0
    #: expected outcome with the policy's stated multiplier on every one of these decisions
    stated: float = 0.0
    #: sum of the squared outcomes (for a duration, the spread of the days drawn)
    square: float = 0.0

    def add(self, applied: bool, outcome: float, base: float, stated: float) -> None:
        """Add one decision or draw."""
        self.n += 1
        self.applied += applied
        self.outcome += outcome
        self.base += base
        self.stated += stated
        self.square += outcome * outcome

    def as_dict(self) -> dict[str, float]:
        """The tally as plain numbers."""
        return {
            "n": self.n,
            "applied": self.applied,
            "outcome": self.outcome,
            "base": self.base,
            "stated": self.stated,
            "square": self.square,
        }


#: One recorded event: (outcome, base, stated as a function of the full multiplier)
Event = tuple[float, float, Callable[[float], float]]


class EffectLedger:
    """Tallies, by ``(policy name, parameter name)``, of the decisions policy effects reach."""

    def __init__(self, policies: PolicySet) -> None:
        self.policies = policies
        self.tallies: dict[tuple[str, str], Tally] = {}
        self._now = float("-inf")
        #: families seen enrolled at this instant: family id -> policy indices
        self._seen: dict[int, frozenset[int]] = {}
        #: events of families not (yet) enrolled at this instant: (family id, name) -> events
        self._pending: dict[tuple[int, str], list[Event]] = {}

    def _at(self, now: float) -> None:
        if now != self._now:
            self._now = now
            self._seen.clear()
            self._pending.clear()

    def seen(self, family: Family, now: float) -> None:
        """Note the policies the family is enrolled in at this instant."""
        if family.policies:
            self._at(now)
            self._seen[family.id] = frozenset(family.policies)

    def decision(
        self,
        family: Family,
        name: str,
        now: float,
        p: float,
        yes: bool,
        scale: Callable,
        relative_risk: bool = False,
    ) -> None:
        """A decision on probability ``name`` (``p`` before any multiplier; ``scale`` maps a
        probability to the one the decision used, e.g. the family's odds scaling). A
        ``relative_risk`` multiplier applies to the scaled chance itself."""
        if now < 0:
            return
        reached = self._reaching(family.policies, name)
        if reached:
            base = scale(min(1.0, p))
            if relative_risk:
                event = (float(yes), base, lambda m: min(1.0, base * m))
            else:
                event = (float(yes), base, lambda m: scale(min(1.0, p * m)))
            self._add(reached, name, event, applied=True)

    def draw(self, family: Family, name: str, now: float, days: float, base_days: float) -> None:
        """A duration ``name`` drawn: ``days`` used, ``base_days`` before any multiplier."""
        self._record(family, name, now, (days, base_days, lambda m: base_days * m))

    def _record(self, family: Family, name: str, now: float, event: Event) -> None:
        if now < 0:
            return
        self._at(now)
        if family.policies:
            self._seen[family.id] = frozenset(family.policies)
        reached = self._reaching(family.policies, name)
        if reached:
            self._add(reached, name, event, applied=True)
            return
        earlier = self._reaching(self._seen.get(family.id, ()), name)
        if earlier:
            self._add(earlier, name, event, applied=False)
        else:
            self._pending.setdefault((family.id, name), []).append(event)

    def enrolled(self, family: Family, now: float) -> None:
        """The family has just been enrolled: decisions made for it at this same instant,
        before its enrolment, count for the policies that name them."""
        if now < 0 or not family.policies:
            return
        self._at(now)
        self._seen[family.id] = frozenset(family.policies)
        for key in [k for k in self._pending if k[0] == family.id]:
            reached = self._reaching(family.policies, key[1])
            if reached:
                for event in self._pending.pop(key):
                    self._add(reached, key[1], event, applied=False)

    def _reaching(self, indices, name: str) -> list[int]:
        active = self.policies.active
        return [i for i in indices if name in active[i].multipliers]

    def _add(self, indices: list[int], name: str, event: Event, applied: bool) -> None:
        outcome, base, stated = event
        for i in indices:
            a = self.policies.active[i]
            key = (a.policy.name, name)
            tally = self.tallies.get(key)
            if tally is None:
                tally = self.tallies[key] = Tally()
            tally.add(applied, outcome, base, stated(a.multipliers[name]))

    def triage(
        self,
        index: int,
        name: str,
        now: float,
        yes: np.ndarray,
        base: np.ndarray,
        stated: np.ndarray,
    ) -> None:
        """The front door's triage of contacts policy ``index`` works with, decided together:
        which went on (``yes``), their chances before any policy (``base``) and with the
        policy's full multiplier (``stated``)."""
        if now < 0 or not len(yes):
            return
        key = (self.policies.active[index].policy.name, name)
        tally = self.tallies.get(key)
        if tally is None:
            tally = self.tallies[key] = Tally()
        tally.n += len(yes)
        tally.applied += len(yes)
        tally.outcome += float(yes.sum())
        tally.base += float(base.sum())
        tally.stated += float(stated.sum())
        tally.square += float(yes.sum())  # a yes is 1, and 1 squared is 1

    def totals(self) -> dict[tuple[str, str], dict[str, float]]:
        """Every tally as plain numbers."""
        return {k: t.as_dict() for k, t in self.tallies.items()}
