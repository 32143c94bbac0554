"""Sweep throughput: a 40-run sweep on 2 Dask workers against 1, and the scheduler's overhead.

Runs the same sweep (Family Safeguarding's effect on care entries at 19 values plus the shared
baseline, 2 replications: 40 runs) three ways, each in a fresh results folder:

1. the model called directly in this process, one run after another (the baseline);
2. ``csc-sim sweep`` on a LocalCluster of 1 worker;
3. the same on 2 workers.

Prints wall-clock seconds, the speed-up of 2 workers over 1, and the per-run overhead of going
through Dask (1 worker against direct calls, cluster start-up included and excluded).

    python benchmarks/bench_sweep.py [--population 30000] [--years 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.experiments.batch import dask_client, execute, plan, run_sweep
from sim.inputs.sweep import load_sweep

ROOT = Path(__file__).resolve().parents[1]


def _sweep(folder: Path, population: int, years: float) -> Path:
    spec = {
        "name": "bench",
        "base": str(ROOT / "scenarios" / "family_safeguarding.yaml"),
        "set": {"population": population, "years": years},
        "replications": 2,
        "design": {"method": "grid"},
        "parameters": [
            {
                "name": "policies.family_safeguarding.effects.care_entry",
                "values": [round(0.6 + 0.02 * i, 2) for i in range(19)],
            }
        ],
    }
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def _time_sweeps(population: int, years: float) -> tuple[int, float, dict[int, tuple]]:
    """The number of runs, the seconds of direct calls, and per number of workers the seconds in
    all, after the cluster was up, to start it, and to make the tables."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sweep = load_sweep(_sweep(folder, population, years))
        runs = list(plan(sweep).runs.values())
        t0 = time.perf_counter()
        for r in runs:
            execute(r.scenario.model_dump(mode="json"), r.replication, r.sampled)
        direct = time.perf_counter() - t0
        timings = {}
        for workers in (1, 2):
            t0 = time.perf_counter()
            with dask_client(workers) as client:
                started = time.perf_counter() - t0
                t1 = time.perf_counter()
                outcome = run_sweep(sweep, folder / f"w{workers}", client=client)
                timings[workers] = (
                    time.perf_counter() - t0,
                    time.perf_counter() - t1,
                    started,
                    outcome.assemble_seconds,
                )
    return len(runs), direct, timings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--population", type=int, default=30_000)
    ap.add_argument("--years", type=float, default=3)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    n, direct, timings = _time_sweeps(a.population, a.years)
    one, two = timings[1], timings[2]
    figures = {
        "runs": n,
        "population": a.population,
        "years": a.years,
        "direct_s": round(direct, 1),
        "one_worker_s": round(one[0], 1),
        "two_workers_s": round(two[0], 1),
        "speedup_2_vs_1": round(one[0] / two[0], 2),
        "speedup_2_vs_1_excluding_startup": round(one[1] / two[1], 2),
        "overhead_per_run_ms": round(1000 * (one[0] - direct) / n, 1),
        "overhead_per_run_excluding_startup_ms": round(1000 * (one[1] - direct) / n, 1),
        "overhead_per_run_scheduling_ms": round(1000 * (one[1] - one[3] - direct) / n, 1),
        "cluster_startup_s": round(one[2], 1),
        "tables_s": round(one[3], 1),
    }
    if a.json:
        print(json.dumps(figures, indent=2))
        return
    _print_figures(figures, direct, one, two)


def _print_figures(figures: dict, direct: float, one: tuple, two: tuple) -> None:
    n = figures["runs"]
    print(f"{n}-run sweep, {figures['population']:,} children, {figures['years']:g} years")
    print(f"  direct calls, one process      : {direct:6.1f} s ({direct / n:.2f} s per run)")
    print(f"  csc-sim sweep, 1 worker        : {one[0]:6.1f} s (cluster start {one[2]:.1f} s)")
    print(f"  csc-sim sweep, 2 workers       : {two[0]:6.1f} s (cluster start {two[2]:.1f} s)")
    print(
        f"  speed-up, 2 workers against 1  : {figures['speedup_2_vs_1']:.2f}x "
        f"({figures['speedup_2_vs_1_excluding_startup']:.2f}x once the cluster is up)"
    )
    print(
        f"  overhead per run through Dask  : {figures['overhead_per_run_ms']:.0f} ms "
        f"({figures['overhead_per_run_excluding_startup_ms']:.0f} ms once the cluster is up; "
        f"{figures['overhead_per_run_scheduling_ms']:.0f} ms without making the tables, "
        f"{one[3]:.1f} s)"
    )


if __name__ == "__main__":
    main()
