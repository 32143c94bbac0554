"""A drift of the looked-after stock toward the statistical neighbours', without moving the flows.

A council's published stock of children looked after has moved toward its neighbours' stock
by about 5% of the gap a year (``python -m calibration.predictability --ahead looked_after``),
while the model holds each council's stock where its fit put it. A future's stock drift
(``future.toward_neighbours.looked_after`` and ``future.pull_per_year.looked_after``) sets the
stock at the end of projected year ``k`` to ``exp(gap * (1 - (1 - pull) ** k))`` times what the
council's flows alone would give. It acts through the timing of leaving care, not through who
enters: at the start of each projected year, as many children as the drift says leave a year
later than planned (a rise; from those planned to leave within the year) or a year sooner (a
fall; from those planned to leave the year after), each keeping the way they leave. Children
leaving at 18, and unaccompanied children, keep their day; nobody is kept past 18.

A year's shift lasts a year (the children moved leave in the next), so each year moves its own
number: the stock now, less last year's drift, times the change the drift asks for by the
year's end. The choice of children and the rounding of the number come from the drift's own
stream, so a pilot and today's way of working share them.

Without a drift nothing here runs, and a child's stay is the single wait it always was.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np

from sim.core.calendar import DAYS_PER_YEAR
from sim.core.events import Environment
from sim.model.recorder import Recorder

#: How long after a projected year's start the drift moves that year's stays (days): after the
#: children in care at the start have begun their stays.
MOVE_AFTER = 0.25
#: How long after a year's start a child in care looks again at when they leave (days): after
#: the drift has moved that year's stays, on the year's first day.
LOOK_AGAIN_AFTER = 0.5


def stock_path(gap: float, pull: float, years: int) -> tuple[float, ...]:
    """The log drift of the stock at the end of each projected year ``k`` (1 for the first):
    ``gap * (1 - (1 - pull) ** k)``; none when the stock does not drift."""
    if not gap * pull:
        return ()
    return tuple(gap * (1 - (1 - pull) ** k) for k in range(1, years + 1))


class StockDrift:
    """The children in care whose leaving may move, and the yearly moves (see the module)."""

    def __init__(self, path: tuple[float, ...], rng: np.random.Generator) -> None:
        self.path = path
        self.rng = rng
        #: Each movable child's stay (keyed by the stay's own record): its planned last day in
        #: care and the day the child turns 18.
        self.ends: dict[int, list[float]] = {}
        #: Children looked after now (all of them: the stock the drift is a share of).
        self.in_care = 0

    def next_look(self, now: float) -> float:
        """The next day a child in care looks again at when they leave."""
        start = math.floor((now - LOOK_AGAIN_AFTER) / DAYS_PER_YEAR) + 1
        return max(start, 0) * DAYS_PER_YEAR + LOOK_AGAIN_AFTER

    def run(self, env: Environment, record: Recorder, years: int) -> Generator:
        """At the start of each projected year, move the year's number of stays."""
        for k in range(min(years, len(self.path))):
            wait = k * DAYS_PER_YEAR + MOVE_AFTER - env.now
            if wait > 0:
                yield env.timeout(wait)
            before = self.path[k - 1] if k else 0.0
            wanted = self.in_care * math.exp(-before) * abs(math.expm1(self.path[k]))
            n = int(wanted) + int(self.rng.random() < wanted - int(wanted))
            moved = self.move(env.now, n, later=self.path[k] > 0)
            record.flow("care_stays_moved_by_drift", moved, env.now)

    def move(self, now: float, n: int, later: bool) -> int:
        """Move ``n`` stays a year later (from those ending within the year) or sooner (from
        those ending the year after), as many as there are; returns how many moved."""
        year = DAYS_PER_YEAR
        first, last = (now, now + year) if later else (now + year, now + 2 * year)
        pool = [
            c
            for c, (end, adult) in self.ends.items()
            if first <= end < last and (end + year <= adult or not later)  # none kept past 18
        ]
        if not pool or n <= 0:
            return 0
        picks = self.rng.choice(len(pool), size=min(n, len(pool)), replace=False)
        for i in sorted(picks.tolist()):
            self.ends[pool[i]][0] += year if later else -year
        return len(picks)
