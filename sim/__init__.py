"""csc-sim: a discrete-event simulation of English children's social care.

Public API::

    from sim import load_scenario, single_run, run_replications
    scenario = load_scenario("scenarios/baseline.yaml")
    results = run_replications(scenario)
"""

from sim.core import compiled

# before any model module loads: it chooses each one's compiled build or its source
compiled.install()

from sim.experiments.experiment import RunResult, run_replications, single_run  # noqa: E402
from sim.inputs.scenario import (  # noqa: E402
    Scenario,
    ScenarioError,
    default_scenario,
    load_scenario,
)
from sim.version import __version__  # noqa: E402

__all__ = [
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "default_scenario",
    "load_scenario",
    "run_replications",
    "single_run",
]
