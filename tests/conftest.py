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

from sim.experiments.experiment import RunResult  # noqa: E402
from sim.inputs.scenario import (  # noqa: E402
    Scenario,
    load_parameters,
    parameter_file,
    scenario_from_dict,
)

#: Small defaults for model runs: a council of 20,000 children over two years.
SMALL = {"population": 20_000, "years": 2}
#: Children in the placement rounds of a calibration in a test (one run, three years): the
#: rounds' accuracy is tested in tests/test_placement_stock.py, at the shipped size.
TEST_ROUND_CHILDREN = 30_000


@pytest.fixture(autouse=True)
def small_placement_rounds(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Calibrations in tests scale a council's placements on one run of 30,000 children, not
    three of 400,000 (about ten seconds of each calibration, two minutes of the suite); where
    children in care are placed changes no flow or stock. Not in tests/test_placement_stock.py,
    which tests those rounds, nor in other processes (the dashboard's, dask workers')."""
    if request.module.__name__.rsplit(".", 1)[-1] == "test_placement_stock":
        return
    from calibration import placement_stock

    monkeypatch.setattr(placement_stock, "ROUND_CHILDREN", TEST_ROUND_CHILDREN)
    monkeypatch.setattr(placement_stock, "ROUND_REPLICATIONS", 1)


def make_scenario(parameters: dict[str, Any] | None = None, **top: Any) -> Scenario:
    """A validated scenario: England's defaults, ``parameters`` overrides, top-level ``top``.

    Goes through ``sim.inputs.scenario.scenario_from_dict``, the path scenario files take, so a
    duration given with its ``kind`` replaces the default one whole. The future is fixed unless
    ``top`` says otherwise: these tests check the model's workings, not a drawn future.
    """
    top.setdefault("future", "fixed")
    return scenario_from_dict({**top, "parameters": parameters or {}}, file="<test>")


def flow_total(result: RunResult, measure: str) -> float:
    """Total of a flow measure over the run (0 when it never happened: flows of 0 are not kept)."""
    return float(np.sum(result.flows.get(measure, 0.0)))


def looked_after_stock(result: RunResult) -> np.ndarray:
    """Month-end children looked after (all placement types)."""
    return sum(v for k, v in result.month_end_stock.items() if k.startswith("looked_after_"))


def council_folder(where: Path, *slugs: str) -> Path:
    """A folder of empty council files named ``slugs`` (for the every-council loops)."""
    folder = where / "councils"
    folder.mkdir()
    for slug in slugs:
        (folder / f"{slug}.yaml").write_text("{}\n", encoding="utf-8")
    return folder


@pytest.fixture
def scenario_factory():
    """``make_scenario`` as a fixture, for tests that prefer fixtures to imports."""
    return make_scenario


@pytest.fixture(scope="session")
def england_params() -> dict[str, Any]:
    """England's raw parameter mapping (as read from YAML)."""
    return load_parameters(parameter_file("england"))
