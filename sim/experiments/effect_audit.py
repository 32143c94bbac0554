"""The effect audit: does each policy effect move what it names by the amount it says?

For each effect of a policy, two runs on the same families with the same random numbers (common
random numbers): the policy with only that effect, and its twin with that effect's multiplier
set to 1. Both start on the projection's first day at full strength (no ramp-up), with the same
eligibility, staff and enrolment. The effect ledger (:mod:`sim.model.effect_ledger`) counts, in
each twin, the decisions the effect names among the families the policy works with: the share
that said "yes" (a probability) or the mean days drawn (a duration). The measured ratio is that
rate with the effect over the rate without it, with a 95% interval across replications (for a
decision, never narrower than the counting error of how many answers the effect changed: a
rare decision met a few hundred times is otherwise judged on luck; for a duration, never narrower
than the sampling error of the mean days drawn in each twin: a team that is full takes whoever
comes when a place frees, so the twins may work with different families).

The **expected ratio** is what the stated multiplier should give for those same decisions: the
sum of the probabilities the decisions would use with the stated multiplier over the sum without
it. It differs from the stated multiplier where the model scales a probability by the family's
odds of escalation (a x0.5 on ``p`` does not halve a decision that is likely anyway) or where a
probability is capped at 1. An effect **acts as stated** when the interval contains the expected
ratio or the measured ratio is within :data:`TOLERANCE` of it; an effect that no decision of an
enrolled family reached does not act.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from sim.experiments.experiment import single_run
from sim.inputs.policies import ALIASES, Effect, Policy, effect_targets
from sim.inputs.scenario import Scenario

#: Largest gap between the measured and the expected ratio still read as "acts as stated"
#: (judgement: a twentieth of the ratio, below any effect size the evidence can tell apart).
TOLERANCE = 0.05
ACTS = "acts as stated"
DOES_NOT_ACT = "does not act as stated"
#: Share of families at a pod school when a policy works only with pod schools and the council
#: has none: one child in ten, as the built-in social workers in schools scenario assumes.
AUDIT_POD_SCHOOL_SHARE = 0.10
#: Two-sided 95% quantiles of Student's t by degrees of freedom (1 to 30; 1.96 beyond).
T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
       2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
       2.060, 2.056, 2.052, 2.048, 2.045, 2.042)  # fmt: skip


@dataclass(frozen=True)
class EffectCheck:
    """One effect of one policy, as the audit measured it."""

    policy: str
    target: str
    kind: str  # "probability" or "duration"
    stated: float
    expected: float | None
    measured: float | None
    low: float | None
    high: float | None
    decisions: int  # decisions (or durations) where the effect applies, with the effect
    reach: float | None  # share of those the multiplier reached
    verdict: str
    note: str

    @property
    def acts(self) -> bool:
        """Whether the effect acts as stated."""
        return self.verdict == ACTS

    def as_dict(self) -> dict:
        """The check as plain values (for ``--json``)."""
        return asdict(self)


def one_effect_policy(policy: Policy, effect: Effect, start: Scenario, multiplier: float) -> Policy:
    """The policy with only ``effect``, fixed at ``multiplier``, at full strength from the
    projection's first day."""
    data = policy.model_dump(mode="python")
    fixed = {**effect.model_dump(mode="python"), "distribution": "fixed"}
    fixed.update(central=multiplier, low=multiplier, high=multiplier)
    data.update(effects=[fixed], start_date=start.start_date, ramp_up_months=0)
    return Policy.model_validate(data)


def with_pod_schools(base: Scenario) -> Scenario:
    """The council with :data:`AUDIT_POD_SCHOOL_SHARE` of families at pod schools, if it has
    none (so that a policy working only with pod schools has families to work with)."""
    locs = base.parameters.demand.localities
    if any(loc.p_family_at_pod_school > 0 for loc in locs):
        return base
    data = base.model_dump(mode="python")
    for loc in data["parameters"]["demand"]["localities"]:
        loc["p_family_at_pod_school"] = AUDIT_POD_SCHOOL_SHARE
    return Scenario.model_validate(data)


def twins(base: Scenario, policy: Policy, effect: Effect) -> tuple[Scenario, Scenario]:
    """The scenario with the effect and its twin with the effect's multiplier at 1."""
    if policy.eligible.pod_school_only:
        base = with_pod_schools(base)
    with_effect = base.with_policies([one_effect_policy(policy, effect, base, effect.central)])
    without = base.with_policies([one_effect_policy(policy, effect, base, 1.0)])
    return with_effect, without


def _tally(effects: dict, policy: str, target: str) -> dict[str, float]:
    """The ledger's tallies of every parameter an effect's target names, added up."""
    out = {"n": 0.0, "applied": 0.0, "outcome": 0.0, "base": 0.0, "stated": 0.0, "square": 0.0}
    for name in ALIASES.get(target, (target,)):
        for k, v in effects.get((policy, name), {}).items():
            out[k] += float(v)
    return out


def ratio_interval(
    numer: np.ndarray, denom: np.ndarray
) -> tuple[float | None, float | None, float | None]:
    """Ratio of means across replications, with a 95% interval (delta method, Student's t).

    Replications are paired (common random numbers), so the interval uses the spread of
    ``numer - ratio * denom`` within pairs.
    """
    if len(denom) == 0 or denom.mean() <= 0:
        return None, None, None
    ratio = float(numer.mean() / denom.mean())
    if len(denom) < 2:
        return ratio, None, None
    resid = numer - ratio * denom
    se = float(resid.std(ddof=1) / math.sqrt(len(denom)) / denom.mean())
    t = T95[len(denom) - 2] if len(denom) - 1 <= len(T95) else 1.96
    return ratio, ratio - t * se, ratio + t * se


def _at_least_counting_error(
    measured: float,
    low: float | None,
    high: float | None,
    with_: list[dict[str, float]],
    without: list[dict[str, float]],
) -> tuple[float, float]:
    """The interval of a decision's ratio, no narrower than the chance in how many decisions
    the effect turned.

    The twins share their random numbers, so the effect shows as the decisions whose answer it
    changed: ``|yes with - yes without|`` in each replication, a count that varies as a Poisson
    count does. With few of them (a rare decision, few replications) the spread across a
    handful of replications can come out narrower than that by luck; the interval is then
    widened to the counting error: how far the count of changed decisions could be from what
    was seen, its 95% Poisson upper limit less the count (:func:`poisson_upper`), over the
    decisions that said yes without the effect. Having seen none changed is not evidence of no
    effect: a x0.9 on 18 yeses changes about 1.8, and none changes one time in six (Children
    in need pods' s47 enquiries on 10,000 children, 0.12.0), so the interval reaches
    about ``1 - 3.7 / yes without``, not ``1`` alone.
    """
    changed = sum(abs(a["outcome"] - b["outcome"]) for a, b in zip(with_, without, strict=True))
    yes_without = sum(b["outcome"] for b in without)
    floor = (poisson_upper(changed) - changed) / yes_without if yes_without > 0 else 0.0
    return _no_narrower(measured, low, high, floor)


def poisson_upper(seen: float) -> float:
    """The 97.5% upper limit of a Poisson mean, having seen ``seen`` events (Wilson-Hilferty's
    approximation to the exact chi-square limit: 3.67 for none against 3.69, within 0.2% from
    one event on)."""
    a = seen + 1
    return a * (1 - 1 / (9 * a) + 1.96 / (3 * math.sqrt(a))) ** 3


def _no_narrower(
    measured: float, low: float | None, high: float | None, floor: float
) -> tuple[float, float]:
    """The interval around ``measured`` with half-width the larger of its own and ``floor``."""
    half = 0.0 if low is None or high is None else (high - low) / 2
    half = max(half, floor)
    return measured - half, measured + half


def _mean_error(tallies: list[dict[str, float]]) -> float | None:
    """The squared relative standard error of the mean outcome over all these tallies' draws."""
    n = sum(t["n"] for t in tallies)
    if n < 2:
        return None
    mean = sum(t["outcome"] for t in tallies) / n
    if mean <= 0:
        return None
    variance = max(0.0, sum(t["square"] for t in tallies) / n - mean * mean)
    return variance / (n - 1) / (mean * mean)


def _at_least_sampling_error(
    measured: float,
    low: float | None,
    high: float | None,
    with_: list[dict[str, float]],
    without: list[dict[str, float]],
) -> tuple[float, float]:
    """The interval of a duration's ratio, no narrower than the sampling error of the two
    twins' mean days.

    A policy whose team is full enrols whoever reaches it when a place frees, so once one twin's
    plans are shorter the two twins work with partly different families, and their mean days
    differ by the luck of the draws as two samples do. With few replications the spread across
    them can come out narrower than that by luck; the interval is then widened to
    ``1.96 x ratio x sqrt(se_with^2 + se_without^2)`` (relative standard errors of the means).
    """
    a, b = _mean_error(with_), _mean_error(without)
    floor = 1.96 * measured * math.sqrt(a + b) if a is not None and b is not None else 0.0
    return _no_narrower(measured, low, high, floor)


def check_effect(policy: Policy, effect: Effect, pairs: list[tuple[dict, dict]]) -> EffectCheck:
    """The audit's finding for one effect from its twins' ledgers, one pair per replication."""
    kind = effect_targets()[effect.target]
    with_ = [_tally(a, policy.name, effect.target) for a, _ in pairs]
    without = [_tally(b, policy.name, effect.target) for _, b in pairs]
    rates = [
        (a["outcome"] / a["n"], b["outcome"] / b["n"])
        for a, b in zip(with_, without, strict=True)
        if a["n"] and b["n"]
    ]
    rate = np.array(rates, dtype=float).reshape(-1, 2)
    measured, low, high = ratio_interval(rate[:, 0], rate[:, 1])
    if kind == "probability" and measured is not None:
        low, high = _at_least_counting_error(measured, low, high, with_, without)
    elif measured is not None:
        low, high = _at_least_sampling_error(measured, low, high, with_, without)
    n = int(sum(a["n"] for a in with_))
    base = sum(a["base"] for a in with_)
    expected = sum(a["stated"] for a in with_) / base if base > 0 else None
    reach = sum(a["applied"] for a in with_) / n if n else None
    verdict, note = _verdict(effect.central, expected, measured, low, high, n, reach)
    return EffectCheck(
        policy=policy.name,
        target=effect.target,
        kind=kind,
        stated=effect.central,
        expected=expected,
        measured=measured,
        low=low,
        high=high,
        decisions=n,
        reach=reach,
        verdict=verdict,
        note=note,
    )


def _verdict(
    stated: float,
    expected: float | None,
    measured: float | None,
    low: float | None,
    high: float | None,
    n: int,
    reach: float | None,
) -> tuple[str, str]:
    """Whether the measured ratio agrees with the expected one, and why not in plain words."""
    if n == 0:
        return DOES_NOT_ACT, "no decision of a family the policy works with reached it"
    if measured is None or expected is None:
        return DOES_NOT_ACT, "too few decisions to measure (none said yes without the effect)"
    within = abs(measured - expected) <= TOLERANCE
    inside = low is not None and high is not None and low <= expected <= high
    if within or inside:
        if stated == 1.0:
            return ACTS, "no change stated, none found"
        wide = low is not None and high is not None and low <= 1.0 <= high
        if wide and abs(expected - 1.0) > TOLERANCE:
            return ACTS, (
                "too few decisions to tell it from no effect at this size: run more children, "
                "years or replications"
            )
        if abs(expected - stated) > TOLERANCE:
            return ACTS, (
                f"the model scales the stated x{stated:.2f} by each family's odds, which gives "
                f"x{expected:.2f} for these families' decisions"
            )
        return ACTS, ""
    if reach is not None and reach < 0.95:
        return DOES_NOT_ACT, (
            f"the multiplier reached {reach:.0%} of these (the others were drawn before the "
            "family was enrolled, or after its enrolment ended)"
        )
    return DOES_NOT_ACT, "measured ratio differs from the expected one"


def audit_policy(
    base: Scenario,
    policy: Policy,
    replications: int,
    progress: Callable[[int], None] | None = None,
) -> list[EffectCheck]:
    """Every effect of ``policy``, each against its twin, over ``replications`` replications.

    ``progress(k)`` is called after each run with the number of runs done (two per effect and
    replication; one when the stated multiplier is 1, whose twin is the same run).
    """
    checks = []
    for effect in policy.effects:
        with_effect, without = twins(base, policy, effect)
        pairs = []
        for rep in range(replications):
            a = single_run(with_effect, rep, effect_ledger=True).effects
            if progress is not None:
                progress(1)
            b = a if effect.central == 1.0 else single_run(without, rep, effect_ledger=True).effects
            if progress is not None and effect.central != 1.0:
                progress(1)
            pairs.append((a, b))
        checks.append(check_effect(policy, effect, pairs))
    return checks


def run_count(policies: list[Policy], replications: int) -> int:
    """How many runs :func:`audit` makes for these policies."""
    return replications * sum(1 if e.central == 1.0 else 2 for p in policies for e in p.effects)


def audit(
    base: Scenario,
    policies: list[Policy],
    replications: int,
    progress: Callable[[int], None] | None = None,
) -> list[EffectCheck]:
    """The effect audit of several policies on the council, horizon and seed of ``base``."""
    return [c for p in policies for c in audit_policy(base, p, replications, progress)]


__all__ = [
    "ACTS",
    "DOES_NOT_ACT",
    "TOLERANCE",
    "EffectCheck",
    "audit",
    "audit_policy",
    "check_effect",
    "one_effect_policy",
    "poisson_upper",
    "ratio_interval",
    "run_count",
    "twins",
]
