"""Teams as capacity: social workers' caseloads and family practitioners' early help places.

A team has a number of case places (FTE x caseload ceiling). Work that finds no free place waits
in a first-come-first-served queue (the allocation queue, the early help waiting list). Work that
cannot wait (a child entering care, an opening case) is allocated anyway and pushes caseloads
above the ceiling, as it does in practice.
"""

from __future__ import annotations

from collections import deque

import simpy


class CaseloadPool:
    """Case places of one team, in children (social work) or families (early help).

    Parameters
    ----------
    env : simpy.Environment
    fte : float
        Workers in post, full-time equivalent.
    ceiling : float
        Cases per FTE at which a worker takes no new case. ``inf`` for unlimited capacity.
    """

    def __init__(self, env: simpy.Environment, fte: float, ceiling: float) -> None:
        if fte < 0 or ceiling <= 0:
            raise ValueError(f"fte must be >= 0 and ceiling > 0 (got {fte}, {ceiling})")
        self.env = env
        self.fte = fte
        self.core_fte = fte  # before any policy adds staff (costed in the policy's own line)
        self.capacity = fte * ceiling
        self.held = 0
        self._queue: deque[tuple[simpy.Event, int]] = deque()

    @property
    def waiting(self) -> int:
        """Cases (children or families) waiting for allocation."""
        return sum(n for _, n in self._queue)

    def caseload_per_fte(self) -> float:
        """Current cases per FTE (0 when the team has no staff)."""
        return self.held / self.fte if self.fte > 0 else 0.0

    def take(self, n: int) -> bool:
        """Allocate ``n`` places now if nobody is waiting and they are free; say whether it did.

        Work that gets its places at once needs no event (most work, when capacity does not bind).
        """
        if not self._queue and self.held + n <= self.capacity:
            self.held += n
            return True
        return False

    def request(self, n: int) -> simpy.Event:
        """Event that succeeds when ``n`` places are allocated (FIFO behind earlier requests)."""
        ev = self.env.event()
        if not self._queue and self.held + n <= self.capacity:
            self.held += n
            ev.succeed()
        else:
            self._queue.append((ev, n))
        return ev

    def cancel(self, ev: simpy.Event) -> None:
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
