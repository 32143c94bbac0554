"""Who arrives: families with their children, risk and need; contacts a day; UASC arrivals.

New concerns arrive as contacts about families not currently known, at a rate that follows the
child population (with its trend) and a monthly profile (school terms). Families are drawn in
bulk by :class:`FamilyFactory`; the front door (:mod:`sim.model.front_door`) decides what
happens to each contact. Unaccompanied asylum-seeking children, and children remanded to the
council's accommodation (youth justice), arrive as their own streams straight into care.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Generator

import numpy as np

from sim.core.calendar import DAYS_PER_YEAR
from sim.core.entities import TOXIC_TRIO_SUBSETS, CareRoute, Child, Exit, Family, RiskFactors
from sim.core.events import Environment, Event
from sim.core.streams import Stream
from sim.model.care import care_episode
from sim.model.services import Services

#: Family ids: contacts about new families count up from 0; the other ways in have their own
#: ranges, so that no two families share an id (and their draws).
UASC_ID_BASE = 1 << 40
HISTORY_ID_BASE = 2 << 40
OPENING_ID_BASE = 3 << 40
RETURNS_ID_BASE = 4 << 40
YOUTH_JUSTICE_ID_BASE = 5 << 40
#: Contacts are drawn 30 days at a time: fewer, larger numpy calls, in a fixed order.
BATCH_DAYS = 30


def shares(weights: tuple[float, ...]) -> np.ndarray:
    """Weights as shares that sum to 1."""
    a = np.asarray(weights, dtype=float)
    return a / a.sum()


def cumulative_shares(weights: tuple[float, ...]) -> list[float]:
    """Weights as the running shares :func:`draw_index` draws against, summed as numpy's
    ``Generator.choice`` sums them (the running total of :func:`shares`, over its last)."""
    cdf = shares(weights).cumsum()
    cdf /= cdf[-1]
    return cdf.tolist()


def draw_index(rng: np.random.Generator, cdf: list[float]) -> int:
    """An index drawn with the shares of ``cdf`` (:func:`cumulative_shares`): what
    ``rng.choice(len(cdf), p=shares(weights))`` draws, bit for bit (one uniform, then the first
    running share above it), without numpy's checks of ``p`` on every call (about 6 us a draw;
    this is under 0.5). ``tests/test_arrivals.py`` holds the two equal."""
    return bisect_right(cdf, rng.random())


def draw_locality(rng: np.random.Generator, loc_cdf: list[float]) -> int:
    """A locality by population share (``loc_cdf``: :func:`cumulative_shares`; no draw at all
    when the council is one locality)."""
    return 0 if len(loc_cdf) == 1 else draw_index(rng, loc_cdf)


def locality_cdf(svc: Services) -> list[float]:
    """The council's localities' running population shares, as :func:`draw_locality` reads them
    (:func:`cumulative_shares`; not the name-to-share dict of ``Scenario.locality_shares``)."""
    return cumulative_shares(tuple(loc.population_share for loc in svc.params.demand.localities))


class FamilyFactory:
    """Draws families' attributes in bulk (children, ages, locality, school, risk, need)."""

    def __init__(self, svc: Services) -> None:
        d = svc.params.demand
        self.svc = svc
        self.p_children = shares(d.children_per_family)
        self.p_age = shares(d.child_age_weights)
        self.p_need = shares(d.need_level_shares)
        self.p_risk = shares(tuple(d.toxic_trio_shares[k] for k in TOXIC_TRIO_SUBSETS))
        loc_w = np.array([loc.population_share * loc.relative_demand for loc in d.localities])
        self.p_locality = loc_w / loc_w.sum()
        self.p_pod = np.array([loc.p_family_at_pod_school for loc in d.localities])
        self.risks = [RiskFactors(r) for r in range(8)]  # one flag object per subset
        self.mean_children = float(np.dot(np.arange(1, len(self.p_children) + 1), self.p_children))
        esc = svc.params.escalation
        #: what :meth:`odds` reads for every batch, looked up once
        self._odds_by_need = np.asarray(esc.odds_by_need)
        self._odds_toxic_trio = esc.odds_toxic_trio
        self._locality_rr = np.array([loc.relative_risk for loc in d.localities])
        self.max_odds = (
            max(esc.odds_by_need)
            * max(esc.odds_toxic_trio, 1.0)
            * max(loc.relative_risk for loc in d.localities)
            / svc.odds_norm
        )

    def draw(self, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
        """Attributes of ``n`` families as arrays (ages in years for up to the largest family)."""
        kmax = len(self.p_children)
        out = {
            "children": rng.choice(kmax, size=n, p=self.p_children) + 1,
            "ages": rng.choice(18, size=(n, kmax), p=self.p_age) + rng.random((n, kmax)),
            "locality": rng.choice(len(self.p_locality), size=n, p=self.p_locality),
            "risk": rng.choice(8, size=n, p=self.p_risk),
            "need": rng.choice(4, size=n, p=self.p_need) + 1,
        }
        out["pod"] = rng.random(n) < self.p_pod[out["locality"]]
        return out

    def odds(self, fam: dict[str, np.ndarray]) -> np.ndarray:
        """Escalation odds multiplier of each family (need, toxic trio, locality)."""
        return (
            self._odds_by_need[fam["need"] - 1]
            * np.where(fam["risk"] > 0, self._odds_toxic_trio, 1.0)
            * self._locality_rr[fam["locality"]]
        ) / self.svc.odds_norm

    def make(self, fam: dict[str, np.ndarray], i: int, family_id: int, now: float) -> Family:
        """One :class:`Family` from row ``i`` of drawn attributes."""
        k = int(fam["children"][i])
        children = [Child(now - a * DAYS_PER_YEAR) for a in fam["ages"][i, :k].tolist()]
        return Family(
            id=family_id,
            children=children,
            locality=int(fam["locality"][i]),
            at_pod_school=bool(fam["pod"][i]),
            risk=self.risks[fam["risk"][i]],
            need=int(fam["need"][i]),
            draws=self.svc.streams.family(family_id),
        )


def new_family_history(family: Family, svc: Services) -> None:
    """History before the model's memory: an earlier CP plan or period in care."""
    family.previous_cp_plan = svc.chance(
        family, Stream.HISTORY, "recontact.p_previous_cp_new_family"
    )
    family.previous_care = svc.chance(
        family, Stream.HISTORY, "recontact.p_previous_care_new_family"
    )
    if family.previous_cp_plan:
        for c in family.children:
            c.had_cp_plan = True


def contacts_per_day(svc: Services, day: float) -> float:
    """Expected contacts (children) on ``day``: population, trend, month of the year and the
    replication's drawn future (:mod:`sim.model.future`)."""
    d = svc.params.demand
    month = svc.cal.date_of(math.floor(day)).month
    seasonal = d.monthly_profile[month - 1] / (sum(d.monthly_profile) / 12)
    growth = (1 + d.population_growth_per_year) ** (day / DAYS_PER_YEAR)
    rate = d.contacts_per_10k_per_year / DAYS_PER_YEAR * svc.population / 1e4 * growth * seasonal
    return rate * svc.future.contacts(day)


def draw_contacts(
    svc: Services, factory: FamilyFactory, rng: np.random.Generator, first_day: float
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Contacts about new families on ``BATCH_DAYS`` days from ``first_day``, drawn at once.

    Returns the families' attributes with each contact's arrival ``time``, and the offsets of
    each day's contacts (day ``k``'s are rows ``offsets[k]`` to ``offsets[k + 1]``).
    """
    days = np.arange(first_day, first_day + BATCH_DAYS)
    lam = np.array([contacts_per_day(svc, d) for d in days]) / factory.mean_children
    counts = rng.poisson(lam)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    batch = factory.draw(rng, int(offsets[-1]))
    batch["time"] = np.repeat(days, counts) + rng.random(int(offsets[-1]))
    return batch, offsets


def lone_child_into_care(
    svc: Services,
    rng: np.random.Generator,
    age_cdf: list[float],
    loc_cdf: list[float],
    family_id: int,
) -> tuple[Child, Family]:
    """A child arriving alone straight into care (unaccompanied, or remanded): age and locality
    drawn on the arrival stream ``rng``, a family of one, counted on the social workers now."""
    age = draw_index(rng, age_cdf) + rng.random()
    child = Child(birth_day=svc.env.now - age * DAYS_PER_YEAR)
    family = Family(
        id=family_id,
        children=[child],
        locality=draw_locality(rng, loc_cdf),
        at_pod_school=False,
        risk=RiskFactors.NONE,
        need=3,
        draws=svc.streams.family(family_id),
    )
    child.in_care = True
    svc.social_work.force(1)
    return child, family


def uasc_arrivals(
    env: Environment, svc: Services, end_day: float
) -> Generator[Event, object, None]:
    """Unaccompanied asylum-seeking children: their own arrival stream, straight into care."""
    d = svc.params.demand
    rng = svc.streams.generator(Stream.UASC)
    age_cdf = cumulative_shares(d.uasc_age_weights)
    loc_cdf = locality_cdf(svc)
    k = 0
    while True:
        rate = d.uasc_per_10k_per_year / DAYS_PER_YEAR * svc.population / 1e4
        if rate <= 0:
            return
        growth = (1 + d.population_growth_per_year) ** (env.now / DAYS_PER_YEAR)
        yield env.timeout(rng.exponential(1 / (rate * growth)))
        if env.now >= end_day:
            return
        child, family = lone_child_into_care(svc, rng, age_cdf, loc_cdf, UASC_ID_BASE + k)
        k += 1
        svc.start_process(care_episode, child, family, route=CareRoute.UASC, src=None)


def youth_justice_arrivals(
    env: Environment, svc: Services, end_day: float
) -> Generator[Event, object, None]:
    """Children remanded to the council's accommodation: their own arrival stream (from the
    youth justice system, not the council's pathway), looked after for the remand and then
    leaving care (an exit for another reason: custody, bail or home, which DfE does not split)."""
    yj = svc.params.youth_justice
    rate = yj.entries_per_10k_per_year / DAYS_PER_YEAR * svc.population / 1e4
    if rate <= 0:
        return
    rng = svc.streams.generator(Stream.YOUTH_JUSTICE)
    age_cdf = cumulative_shares(yj.age_weights)
    loc_cdf = locality_cdf(svc)
    k = 0
    while True:
        growth = (1 + svc.params.demand.population_growth_per_year) ** (env.now / DAYS_PER_YEAR)
        yield env.timeout(rng.exponential(1 / (rate * growth)))
        if env.now >= end_day:
            return
        child, family = lone_child_into_care(svc, rng, age_cdf, loc_cdf, YOUTH_JUSTICE_ID_BASE + k)
        k += 1
        remand = svc.duration(family, Stream.YOUTH_JUSTICE, "youth_justice.duration")
        svc.start_process(
            care_episode,
            child,
            family,
            route=CareRoute.YOUTH_JUSTICE,
            src=None,
            planned=(Exit.OTHER, remand),
        )
