"""The council's future in one replication: how its rates move from the year it was fitted to.

A projection that repeats the fitted year for five years is surer of the future than history
allows. Each replication draws one future: for each projected year, one council-year's published
change in referrals, child protection plans started and care entries per child, taken from the
council and its statistical neighbours (:mod:`sim.inputs.future_changes`). Changes add up year on
year, so ranges widen with the horizon. A projected year's rates stay at its drawn level
throughout the year, so its total moves by the drawn change, as published totals do.

Where a drawn future acts:

- contacts about new families: times the referral change (referrals follow contacts);
- the decisions that lead to a child protection enquiry (:data:`CP_DECISIONS`): each family's
  probability times the change in CP plans started beyond referrals;
- the decisions that lead to care (:data:`CARE_DECISIONS`: emergency care, s20, entering
  pre-proceedings): each family's probability times the change in care entries beyond CP plans
  started (a probability stops at 1).

A council's rates also drift toward its statistical neighbours' (:func:`toward_neighbours`):
councils' published rates have moved part of the way to their neighbours' year by year, and a
council's own history cannot foresee its rate two or three years on better than "same as last
year" while its neighbours' can (``python -m calibration.predictability --ahead``). Each
projected year ``k`` (1 for the first) adds ``gap * (1 - (1 - pull) ** k)`` to a measure's log
change: the share of the gap closed by then. The gaps are the council's, from its fit; the
pulls per year are fitted on every council's published figures (:mod:`calibration.future`).
The drift is the same in every replication and in every variant of a comparison.

The draws come from their own stream, keyed by the scenario's seed and the replication, so a
pilot and today's way of working share the same future (common random numbers): the range of a
level widens; the range of the pilot's difference does not. They are balanced across the
scenario's replications (stratified): each year, the pool's changes are ordered from the worst
year to the best and cut into as many equal slices as there are replications, and each
replication draws from its own slice (which replication has which slice is itself drawn, year by
year). Each replication's future is still any of the pool's with equal chance, but a few
replications no longer share one run of luck: with the shipped seed, Essex's first four drew
referral changes averaging x0.76-0.82 a year when drawn independently, so the mean line of a
quick run fell with them. A scenario's ``future: fixed`` turns
this off (every year at the fitted year's rates; calibration fits that way).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.calendar import DAYS_PER_YEAR

#: Decisions whose odds move with the change in CP plans started beyond referrals.
CP_DECISIONS = ("assessment.p_s47", "cin_plan.p_s47")
#: Decisions whose odds move with the change in care entries beyond CP plans started.
CARE_DECISIONS = (
    "s47_enquiry.p_emergency_care",
    "cin_plan.p_s20_care",
    "cp_plan.p_s20_care",
    "cp_plan.p_pre_proceedings",
)
_REFERRALS, _CP, _CARE = 0, 1, 2


def toward_neighbours(
    gaps: tuple[float, ...], pulls: tuple[float, ...], years: int
) -> np.ndarray | None:
    """Each projected year's log drift of each measure toward the neighbours (row ``k``: year
    ``k + 1``): ``gap * (1 - (1 - pull) ** (k + 1))``; none when no measure drifts."""
    if not any(g * p for g, p in zip(gaps, pulls, strict=True)):
        return None
    k = np.arange(1, years + 1, dtype=float)[:, None]
    return np.asarray(gaps, dtype=float) * (1 - (1 - np.asarray(pulls, dtype=float)) ** k)


@dataclass(frozen=True)
class Future:
    """Cumulative log changes of each projected year from the fitted year (row ``k``: year
    ``k``; columns referrals, CP plans started, care entries); none: the fitted year's rates."""

    path: np.ndarray | None = None

    def __post_init__(self) -> None:
        # Each projected year's multiplier of each decision group, worked out once: a family's
        # decision then reads it from a list instead of indexing the array (the same numbers).
        rows = [] if self.path is None else self.path.tolist()
        cp = [math.exp(r[_CP] - r[_REFERRALS]) for r in rows]
        care = [math.exp(r[_CARE] - r[_CP]) for r in rows]
        by_year = dict.fromkeys(CP_DECISIONS, cp) | dict.fromkeys(CARE_DECISIONS, care)
        object.__setattr__(self, "_by_year", by_year)

    @classmethod
    def balanced(
        cls,
        pool: np.ndarray,
        years: int,
        slot: int,
        slots: int,
        shared: np.random.Generator,
        own: np.random.Generator,
        drift: np.ndarray | None = None,
    ) -> Future:
        """A future whose year ``k`` comes from slice ``perm_k[slot]`` of ``slots`` equal slices
        of the pool ordered by its mean change (``perm_k``: a permutation of the slices drawn
        from ``shared``, the same for every replication; the place within the slice from
        ``own``), plus ``drift`` (:func:`toward_neighbours`) where given."""
        order = np.argsort(pool.mean(axis=1), kind="stable")
        perms = [shared.permutation(slots) for _ in range(years)]
        u = own.random(years)
        n = len(pool)
        picks = [
            order[min(n - 1, int(n * (perm[slot] + uk) / slots))]
            for perm, uk in zip(perms, u, strict=True)
        ]
        path = np.cumsum(pool[picks], axis=0)
        return cls(path if drift is None else path + drift)

    def log_change(self, column: int, day: float) -> float:
        """Log change of a column's rate on ``day`` from the fitted year (0 with no path, and
        before the projection starts); the last year's holds after the path ends."""
        if self.path is None or day < 0:
            return 0.0
        k = min(int(day // DAYS_PER_YEAR), len(self.path) - 1)
        return float(self.path[k, column])

    def contacts(self, day: float) -> float:
        """Multiplier of the rate of contacts about new families on ``day``."""
        return math.exp(self.log_change(_REFERRALS, day)) if self.path is not None else 1.0

    def by_year(self) -> dict[str, list[float]]:
        """Each decision's multiplier of its probability by projected year (none with no path;
        a decision it leaves be is not named): read per decision through
        :meth:`sim.model.services.Services.future_multiplier`."""
        return {} if self.path is None else self._by_year
