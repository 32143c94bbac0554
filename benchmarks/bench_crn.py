"""What common random numbers buy: variance of a policy's effect, paired against independent.

Runs the baseline and a policy with a clear effect (care entries x0.6 for families in social care
work) for a number of replications, twice: the policy with the baseline's random numbers
(paired, as ``csc-sim compare`` does) and with its own (independent). Prints the mean and
variance of care entries averted under each, and the variance ratio.

    python benchmarks/bench_crn.py [--replications 10] [--population 50000] [--years 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.experiments.experiment import single_run
from sim.inputs.scenario import scenario_from_dict

POLICY = {
    "name": "strong effect",
    "start_date": "2025-04-01",
    "eligible": {"stages": ["assessment", "cin_plan", "s47_enquiry", "cp_plan"]},
    "effects": [
        {"target": "care_entry", "central": 0.6, "low": 0.6, "high": 0.6, "source": "benchmark"}
    ],
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=10)
    ap.add_argument("--population", type=int, default=50_000)
    ap.add_argument("--years", type=float, default=3)
    a = ap.parse_args()
    common = {"population": a.population, "years": a.years}
    base = scenario_from_dict(common)
    paired = scenario_from_dict({**common, "policies": [POLICY]})
    independent = paired.with_changes(seed=paired.seed + 1_000_003)
    t0 = time.perf_counter()
    crn, ind = [], []
    for rep in range(a.replications):
        b = single_run(base, rep).flows["care_entries"].sum()
        crn.append(b - single_run(paired, rep).flows["care_entries"].sum())
        ind.append(b - single_run(independent, rep).flows["care_entries"].sum())
    v_crn, v_ind = statistics.variance(crn), statistics.variance(ind)
    print(
        f"Care entries averted, {a.population:,} children, {a.years:g} years, "
        f"{a.replications} replications ({time.perf_counter() - t0:.0f} s)"
    )
    print(f"  common random numbers : mean {statistics.mean(crn):7.1f}, variance {v_crn:9.1f}")
    print(f"  independent streams   : mean {statistics.mean(ind):7.1f}, variance {v_ind:9.1f}")
    print(f"  variance ratio (independent / common): {v_ind / v_crn:.1f}x")


if __name__ == "__main__":
    main()
