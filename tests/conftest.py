"""Shared helpers for the model's verification tests: small scenarios built from England's defaults.

Scenarios here are small (10,000-30,000 children, a few years) so the whole suite runs in a few
minutes on two cores. ``make_scenario(parameters={...}, **top_level)`` takes parameter overrides
nested as in ``sim/data/params/england.yaml`` and top-level scenario fields as keywords.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # so `pytest` works from any directory without installing
    sys.path.insert(0, str(ROOT))

from sim.experiment import RunResult  # noqa: E402
from sim.scenario import (  # noqa: E402
    Scenario,
    load_parameters,
    parameter_file,
    scenario_from_dict,
)

#: Small defaults for model runs: a council of 20,000 children over two years.
SMALL = {"population": 20_000, "years": 2}


def _changes_kind(base: dict[str, Any], override: dict[str, Any]) -> bool:
    """Whether ``override`` replaces a duration by one of another ``kind`` anywhere."""
    for key, value in override.items():
        old = base.get(key) if isinstance(base, dict) else None
        if isinstance(value, dict) and isinstance(old, dict):
            if "kind" in value and value.get("kind") != old.get("kind"):
                return True
            if _changes_kind(old, value):
                return True
    return False


def _merge_durations_whole(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep merge in which a duration of a new ``kind`` replaces the old one whole."""
    out = dict(base)
    for key, value in override.items():
        old = out.get(key)
        if (isinstance(value, dict) and isinstance(old, dict)
                and not ("kind" in value and value.get("kind") != old.get("kind"))):
            out[key] = _merge_durations_whole(old, value)
        else:
            out[key] = value
    return out


def make_scenario(parameters: dict[str, Any] | None = None, **top: Any) -> Scenario:
    """A validated scenario: England's defaults, ``parameters`` overrides, top-level ``top``.

    Goes through ``sim.scenario.scenario_from_dict`` (the path scenario files take) unless an
    override changes a duration's ``kind`` (e.g. lognormal to fixed): ``scenario_from_dict``
    deep-merges the new duration into the old one and rejects the leftover keys (see
    ``test_scenario_files.py::test_override_can_change_a_duration_kind``), so those scenarios are
    merged here with the duration replaced whole and validated by the same ``Scenario`` model.
    """
    overrides = parameters or {}
    base = load_parameters(parameter_file(top.get("council", "england")))
    if not _changes_kind(base, overrides):
        return scenario_from_dict({**top, "parameters": overrides}, file="<test>")
    return Scenario.model_validate({**top, "parameters": _merge_durations_whole(base, overrides)})


def flow_total(result: RunResult, measure: str) -> float:
    """Total of a flow measure over the run (0 when it never happened: flows of 0 are not kept)."""
    return float(np.sum(result.flows.get(measure, 0.0)))


def looked_after_stock(result: RunResult) -> np.ndarray:
    """Month-end children looked after (all placement types)."""
    return sum(v for k, v in result.month_end_stock.items() if k.startswith("looked_after_"))


@pytest.fixture
def scenario_factory():
    """``make_scenario`` as a fixture, for tests that prefer fixtures to imports."""
    return make_scenario


@pytest.fixture(scope="session")
def england_params() -> dict[str, Any]:
    """England's raw parameter mapping (as read from YAML)."""
    return load_parameters(parameter_file("england"))
