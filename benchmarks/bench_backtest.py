"""Back-test time: councils fitted and projected as ``csc-sim backtest --all`` does them.

A back-test of every council (153) takes hours on 2 cores, so by default this times a sample:
``--councils`` councils spread over England's range of sizes (evenly spaced in the order of
their children in the fitted year), one after another in this process (one core), each fitted
as the shipped files are (``calibration.council.FULL_FIT``) on the years up to ``--horizon``
before ``--hold-out`` and projected with ``--replications`` drawn futures at its own size, as
the command does. It prints each council's seconds and an estimate for every council on two
workers: the sample's mean x the councils / 2 (councils are independent; two workers can at
best halve the time, and the sweep benchmark measures 1.85x).

``--all`` times the real thing instead: ``csc-sim backtest --all`` on ``--workers`` workers
into a fresh folder.

    python benchmarks/bench_backtest.py [--councils 4] [--hold-out 2024-25] [--horizon 1]
                                        [--replications 40] [--all] [--workers 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from calibration import ees
from calibration.backtest import backtest_council, later_year
from sim.core import compiled

AIM_MINUTES = 10.0
WORKERS = 2


def sample(hold_out: str, horizon: int, n: int) -> list[tuple[str, float]]:
    """``n`` councils evenly spaced in the order of their children in the fitted year (name,
    children), from the smallest quantile to the largest."""
    fitted = later_year(hold_out, -horizon)
    sized = []
    for area in ees.councils():
        table = ees.history(area).table
        if fitted in table.index and not np.isnan(table.at[fitted, "population"]):
            sized.append((area.name, float(table.at[fitted, "population"])))
    sized.sort(key=lambda c: c[1])
    picks = [int((i + 0.5) * len(sized) / n) for i in range(n)]
    return [sized[i] for i in picks]


def time_sample(args: argparse.Namespace) -> dict:
    councils = sample(args.hold_out, args.horizon, args.councils)
    rows = []
    for name, children in councils:
        t0 = time.perf_counter()
        backtest_council(
            name, args.hold_out, horizon=args.horizon, projection_replications=args.replications
        )
        seconds = time.perf_counter() - t0
        rows.append({"council": name, "children": int(children), "seconds": seconds})
        print(f"  {name:<28}{children:>10,.0f} children {rows[-1]['seconds']:7.1f} s", flush=True)
    mean = float(np.mean([r["seconds"] for r in rows]))
    every = len(ees.councils())
    return {
        "councils_timed": rows,
        "mean_seconds_per_council": round(mean, 1),
        "councils": every,
        "estimated_minutes_all_on_2_workers": round(mean * every / WORKERS / 60, 1),
    }


def time_all(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "sim", "backtest", "--all", "--hold-out", args.hold_out,
             "--horizon", str(args.horizon), "--replications", str(args.replications),
             "--workers", str(args.workers), "--out", tmp, "--json"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        seconds = time.perf_counter() - t0
    return {"councils": len(ees.councils()), "workers": args.workers, "minutes_all": seconds / 60}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--councils", type=int, default=4)
    ap.add_argument("--hold-out", default="2024-25")
    ap.add_argument("--horizon", type=int, default=1)
    ap.add_argument("--replications", type=int, default=40, help="the command's default")
    ap.add_argument("--all", action="store_true", help="time the whole back-test instead")
    ap.add_argument("--workers", type=int, default=WORKERS)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    print(
        f"back-test, hold-out {a.hold_out}, {a.horizon} year(s) ahead, {a.replications} "
        f"replications; {compiled.status().summary}",
        flush=True,
    )
    figures = time_all(a) if a.all else time_sample(a)
    figures.update(hold_out=a.hold_out, horizon=a.horizon, replications=a.replications)
    if a.json:
        print(json.dumps(figures, indent=2))
        return
    if a.all:
        print(f"  every council ({figures['councils']}) on {a.workers} workers: "
              f"{figures['minutes_all']:.1f} min (aim <= {AIM_MINUTES:g} min)")  # fmt: skip
        return
    print(
        f"  mean {figures['mean_seconds_per_council']:.1f} s a council on one core; every council "
        f"({figures['councils']}) on {WORKERS} workers at best "
        f"{figures['estimated_minutes_all_on_2_workers']:.0f} min (aim <= {AIM_MINUTES:g} min)"
    )


if __name__ == "__main__":
    main()
