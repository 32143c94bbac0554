"""csc-sim: a discrete-event simulation of English children's social care.

Public API::

    from sim import load_scenario, single_run, run_replications
    scenario = load_scenario("scenarios/baseline.yaml")
    results = run_replications(scenario)
"""

from sim.experiments.experiment import RunResult, run_replications, single_run
from sim.inputs.scenario import Scenario, ScenarioError, default_scenario, load_scenario
from sim.version import __version__

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
