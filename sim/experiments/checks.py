"""Verification of a run: stock-flow consistency per state and Little's law (model.md habits)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.entities import LOOKED_AFTER_STOCKS, STOCKS, State
from sim.experiments.experiment import RunResult


@dataclass(frozen=True)
class StockFlowError:
    """A state whose month-end stock differs from opening + entries - exits."""

    state: str
    month: int
    expected: float
    found: float


def stock_flow_errors(result: RunResult) -> list[StockFlowError]:
    """Every (state, month) where closing != opening + entries - exits (should be none)."""
    errors = []
    for s in STOCKS:
        expected = result.opening.get(s, 0) + np.cumsum(result.entries[s] - result.exits[s])
        found = result.month_end_stock[s]
        for m in np.flatnonzero(np.abs(expected - found) > 1e-9):
            errors.append(StockFlowError(s, int(m), float(expected[m]), float(found[m])))
    return errors


@dataclass(frozen=True)
class LittlesLaw:
    """Time-average stock L against arrival rate x mean stay (lambda W) for one state."""

    state: str
    mean_stock: float
    arrivals_per_day: float
    mean_stay_days: float

    @property
    def lambda_w(self) -> float:
        """Arrival rate times mean stay."""
        return self.arrivals_per_day * self.mean_stay_days

    @property
    def relative_error(self) -> float:
        """(L - lambda W) / L."""
        return (self.mean_stock - self.lambda_w) / self.mean_stock if self.mean_stock else 0.0


def littles_law(result: RunResult, state: str, from_month: int = 0) -> LittlesLaw:
    """Little's law for ``state`` (``looked_after`` sums the placement states).

    Mean stock comes from exact child-days; arrivals from entries; mean stay from completed
    stays. Valid over a long window in near steady state.
    """
    names = list(LOOKED_AFTER_STOCKS) if state == State.LOOKED_AFTER.value else [state]
    days = np.diff(np.asarray(result.calendar.month_starts))[from_month:]
    child_days = sum(result.child_days[s][from_month:].sum() for s in names)
    entries = sum(result.entries[s][from_month:].sum() for s in names)
    total, count = result.stays.get(state, (0.0, 0.0))
    return LittlesLaw(
        state, child_days / days.sum(), entries / days.sum(), total / count if count else 0.0
    )
