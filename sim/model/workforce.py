"""Teams as capacity: social workers' caseloads and family practitioners' early help places.

A team has a number of case places (FTE x caseload ceiling). Work that finds no free place waits
in a first-come-first-served queue (the allocation queue, the early help waiting list). Urgent
work (a family referred with acute need) is allocated at once while the team is within its
stretch above the ceiling. Work that cannot wait (a child entering care, an opening case) is
allocated anyway and pushes caseloads further, as it does in practice.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator

from sim.core.calendar import DAYS_PER_YEAR
from sim.core.events import Environment, Event


class CaseloadPool:
    """Case places of one team, in children (social work) or families (early help).

    Parameters
    ----------
    env : Environment
    fte : float
        Workers in post, full-time equivalent.
    ceiling : float
        Places per FTE at which new work waits. ``inf`` for unlimited capacity.
    stretch : float
        Fraction above the ceiling up to which urgent work is still allocated at once.
    cases_per_place : float
        Cases, as the team's caseload is reported, per place held (the workforce census counts
        cases; the model holds a place per child): what :meth:`caseload_per_fte` reports.
    """

    def __init__(
        self,
        env: Environment,
        fte: float,
        ceiling: float,
        stretch: float = 0.0,
        cases_per_place: float = 1.0,
    ) -> None:
        if fte < 0 or ceiling <= 0 or stretch < 0 or cases_per_place <= 0:
            raise ValueError(
                "fte must be >= 0, ceiling and cases_per_place > 0, stretch >= 0 "
                f"(got {fte}, {ceiling}, {cases_per_place}, {stretch})"
            )
        self.env = env
        self.fte = fte
        self.core_fte = fte  # before any policy adds staff (costed in the policy's own line)
        self.ceiling = ceiling
        self.capacity = fte * ceiling
        self.stretch = stretch
        self.cases_per_place = cases_per_place
        self.held = 0
        self._queue: deque[tuple[Event, int]] = deque()

    @property
    def waiting(self) -> int:
        """Cases (children or families) waiting for allocation."""
        return sum(n for _, n in self._queue)

    def caseload_per_fte(self) -> float:
        """Current cases per FTE, as the caseload is reported (0 when the team has no staff)."""
        return self.held * self.cases_per_place / self.fte if self.fte > 0 else 0.0

    def _free(self, n: int, urgent: bool) -> bool:
        """Whether ``n`` places can be allocated now: within the ceiling with nobody waiting, or,
        for urgent work, within the stretch above it (urgent work goes ahead of the queue)."""
        if not self._queue and self.held + n <= self.capacity:
            return True
        return urgent and self.held + n <= self.capacity * (1 + self.stretch)

    def take(self, n: int, urgent: bool = False) -> bool:
        """Allocate ``n`` places now if they are free (see :meth:`_free`); say whether it did.

        Work that gets its places at once needs no event (most work, when capacity does not bind).
        """
        if self._free(n, urgent):
            self.held += n
            return True
        return False

    def request(self, n: int, urgent: bool = False) -> Event:
        """Event that succeeds when ``n`` places are allocated (FIFO behind earlier requests)."""
        ev = self.env.event()
        if self._free(n, urgent):
            self.held += n
            ev.succeed()
        else:
            self._queue.append((ev, n))
        return ev

    def cancel(self, ev: Event) -> None:
        """Withdraw a waiting request (a family that disengaged from the waiting list)."""
        for item in self._queue:
            if item[0] is ev:
                self._queue.remove(item)
                break
        self._serve()

    def add_staff(self, fte: float, ceiling: float) -> None:
        """More workers join (a policy's added staff): more places, and the queue moves."""
        self.fte += fte
        self.capacity += fte * ceiling
        self._serve()

    def set_core_fte(self, fte: float) -> None:
        """The council's own workers become ``fte`` (a policy's added staff stay): places change
        with them, and a team that grows takes from the queue."""
        change = fte - self.core_fte
        self.core_fte = fte
        self.fte += change
        if not math.isinf(self.ceiling):
            self.capacity += change * self.ceiling
        self._serve()

    def force(self, n: int) -> None:
        """Allocate ``n`` places without waiting (emergencies, the opening caseload)."""
        self.held += n

    def release(self, n: int) -> None:
        """Free ``n`` places and allocate them to the queue in order."""
        if n > self.held:
            raise RuntimeError(f"releasing {n} places but only {self.held} are held")
        self.held -= n
        self._serve()

    def _serve(self) -> None:
        while self._queue and self.held + self._queue[0][1] <= self.capacity:
            ev, n = self._queue.popleft()
            self.held += n
            ev.succeed()


def staff_following_caseload(
    env: Environment, pool: CaseloadPool, elasticity: float, end_day: float
) -> Generator[Event, object, None]:
    """Once a year, the council's own case-holding staff follow the children who need a social
    worker, as councils' staff follow their cases in the workforce census.

    Demand is the children the team holds or has waiting for allocation. At the end of each
    projected year the team's own FTE becomes its FTE on the first day x (the mean demand at the
    year's last three month-ends over the demand on the first day) ** ``elasticity`` (a policy's
    added staff stay as they are). The first day's caseload is the fitted one, so a council whose
    demand holds keeps its staff; one whose demand rises 20% adds about 12% at the census's
    0.61, and its caseloads rise by the rest. Without this, demand that rises in a drawn future
    builds a queue that grows without end, as no council lets it.
    """
    if elasticity == 0:
        return
    yield env.timeout(max(0.0, -env.now))
    reference, base = pool.held + pool.waiting, pool.core_fte
    step = DAYS_PER_YEAR / 12
    month, samples = 0, []
    while env.now + step < end_day:
        yield env.timeout(step)
        month += 1
        if month % 12 in (10, 11, 0):
            samples.append(pool.held + pool.waiting)
        if month % 12 == 0:
            demand = sum(samples) / len(samples)
            if reference > 0 and demand > 0:
                pool.set_core_fte(base * (demand / reference) ** elasticity)
            samples = []
