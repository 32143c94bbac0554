"""Monthly counters of flows and stocks, kept as the simulation runs.

Flows are added to the month they happen in. Stocks are live counters of children in each state,
moved only through :meth:`Recorder.move`, so every state's opening stock plus entries minus exits
equals its closing stock by construction, and ``sim.experiments.checks`` verifies it. Child-days in
each state
are integrated exactly (stock x time between changes), which gives time-average stocks for
Little's law and the child-days in care that costs need. Memory grows with the number of months
and states, not with the number of events. Counters are plain lists while the model runs (the
recorder is called on almost every event) and become numpy arrays in :meth:`Recorder.arrays`.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.core.calendar import Calendar
from sim.core.entities import STOCKS


class Recorder:
    """Counts flows by month and integrates stocks; nothing here changes the model's course.

    (Called on almost every event: the compiled build makes it an extension type with C fields,
    ``recorder.pxd``.)
    """

    def __init__(self, calendar: Calendar) -> None:
        self.cal = calendar
        m = calendar.months
        self.flows: dict[str, list[float]] = defaultdict(lambda: [0.0] * m)
        self.stock: dict[str, int] = dict.fromkeys(STOCKS, 0)
        self.opening: dict[str, int] = {}
        self.entries = {s: [0.0] * m for s in STOCKS}
        self.exits = {s: [0.0] * m for s in STOCKS}
        self.child_days = {s: [0.0] * m for s in STOCKS}
        self.month_end_stock = {s: [0.0] * m for s in STOCKS}
        self.month_end_values: dict[str, list[float]] = defaultdict(lambda: [0.0] * m)
        self.stays: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # total days, count
        self._last_change = dict.fromkeys(STOCKS, 0.0)
        self.counting = False  # moves before day 0 (seeding, warm-up) are not flows
        self._end = calendar.end_day
        # the month of the clock: its index and first and last-plus-one days
        self._m, self._lo, self._hi = 0, 0.0, calendar.month_starts[1] if calendar.months else 0.0

    # -- flows -------------------------------------------------------------------------------
    def _month_of(self, day: float) -> int:
        """Month index of ``day``; the month of the clock is cached (time only moves on)."""
        if self._lo <= day < self._hi:
            return self._m
        m = self.cal.month_of(day)
        if day >= 0:
            self._m, self._lo, self._hi = m, self.cal.month_starts[m], self.cal.month_starts[m + 1]
        return m

    def flow(self, measure: str, n: float, now: float) -> None:
        """Add ``n`` to a flow measure in the month of ``now`` (ignored during warm-up)."""
        if n and 0 <= now < self._end:
            self.flows[measure][self._month_of(now)] += n

    def stay(self, state: str, days: float, n: int, now: float) -> None:
        """Record completed stays (for Little's law), counted when they end."""
        if now >= 0:
            acc = self.stays[state]
            acc[0] += days * n
            acc[1] += n

    # -- stocks ------------------------------------------------------------------------------
    def _accrue(self, state: str, now: float) -> None:
        last = self._last_change[state]
        if now > last:
            stock = self.stock[state]
            if stock:
                self.child_days[state][self._month_of(last)] += stock * (now - last)
            self._last_change[state] = now
        elif last < 0:
            self._last_change[state] = now

    def move(self, n: int, src: str | None, dst: str | None, now: float) -> None:
        """Move ``n`` children from state ``src`` to ``dst`` (``None``: outside the system)."""
        if n <= 0 or src == dst:
            return
        stock = self.stock
        counting = self.counting and now < self._end  # nothing counts after the horizon
        if counting:
            m = self._month_of(now)
        if src is not None:
            if stock[src] < n:
                raise RuntimeError(f"moving {n} children out of {src}, which holds {stock[src]}")
            if counting:
                self._accrue(src, now)
                self.exits[src][m] += n
            stock[src] -= n
        if dst is not None:
            if counting:
                self._accrue(dst, now)
                self.entries[dst][m] += n
            stock[dst] += n

    def start_counting(self) -> None:
        """Freeze the opening stocks at day 0 (after any warm-up)."""
        self.opening = dict(self.stock)
        self._last_change = dict.fromkeys(STOCKS, 0.0)
        self.counting = True

    def month_end(self, m: int, now: float, extra: dict[str, float]) -> None:
        """Close month ``m`` at day ``now``: integrate stocks and keep the month-end values."""
        for s in STOCKS:
            last = self._last_change[s]
            if now > last and self.stock[s]:
                self.child_days[s][m] += self.stock[s] * (now - last)
            self._last_change[s] = now
            self.month_end_stock[s][m] = self.stock[s]
        for k, v in extra.items():
            self.month_end_values[k][m] = v

    def arrays(self) -> dict[str, dict[str, np.ndarray]]:
        """The monthly counters as numpy arrays, by kind (flows, entries, exits, ...)."""

        def conv(d: dict[str, list[float]]) -> dict[str, np.ndarray]:
            return {k: np.asarray(v, dtype=float) for k, v in d.items()}

        return {
            "flows": conv(self.flows),
            "entries": conv(self.entries),
            "exits": conv(self.exits),
            "child_days": conv(self.child_days),
            "month_end_stock": conv(self.month_end_stock),
            "month_end_values": conv(self.month_end_values),
        }
