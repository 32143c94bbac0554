"""Three performance figures for the pathway model, measured in one run on one machine.

Run from anywhere (no install needed)::

    python benchmarks/bench_pathway.py            # full: 300,000 children, ~3-4 minutes
    python benchmarks/bench_pathway.py --quick    # 100,000 children, under a minute
    python benchmarks/bench_pathway.py --json     # the figures as JSON, nothing else on stdout

1. **Event throughput.** simpy events processed per second of wall time by one replication of
   ``scenarios/baseline.yaml`` (10 years), set against a bare simpy loop (100 processes each
   doing ``yield env.timeout(1)``, about a million events) stepped the same way. The ratio says
   how much of simpy's own speed the model's per-event Python keeps; the aim is >= 0.5.
2. **Seconds per replication** for a council of 300,000 children over 10 years on one core
   (the same runs as figure 1; the median of two outside ``--quick``). The aim is <= 3 s.
3. **Peak memory against horizon.** The same council run for 2, 5 and 10 years, each in a fresh
   subprocess so high-water marks do not carry over. Peak RSS (``ru_maxrss``, which includes the
   interpreter and imported libraries) and the ``tracemalloc`` peak of the run itself (Python
   and numpy allocations from building the model to the end of the run; measured in a separate
   subprocess because tracing slows the run about fivefold and inflates RSS). Memory should follow
   the number of open cases, which levels off, not the horizon: the aim is a 10-year / 2-year
   ratio near 1. ``--quick`` skips the tracemalloc runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.experiments.experiment import _run_counting  # noqa: E402  (the model's own event loop)

SCENARIO = ROOT / "scenarios" / "baseline.yaml"
HORIZONS = (2, 5, 10)
MIB = 1024 * 1024


def bare_simpy_rate(events: int = 1_000_000, processes: int = 100, repeats: int = 3) -> float:
    """Median events per second of a bare simpy timeout loop."""
    import simpy

    def ticker(env):
        while True:
            yield env.timeout(1)

    rates = []
    for _ in range(repeats):
        env = simpy.Environment()
        for _ in range(processes):
            env.process(ticker(env))
        t0 = time.perf_counter()
        n = _run_counting(env, events // processes)
        rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates)


def scenario(population: int, years: float):
    from sim.inputs.scenario import load_scenario

    return load_scenario(SCENARIO).with_changes(population=population, years=years, replications=1)


def timed_child(population: int, years: float) -> dict:
    """Body of one fresh subprocess: one timed ``single_run`` (replication 0) and the simpy rate
    of a bare loop in the same process, with how the model core ran."""
    from sim.core import compiled
    from sim.experiments.experiment import single_run

    sc = scenario(population, years)
    t0 = time.perf_counter()
    r = single_run(sc, 0)
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "events": r.events,
        "bare_simpy_events_per_s": bare_simpy_rate(repeats=1),
        "core": compiled.status().summary,
    }


def spawn_timed_child(population: int, years: float, interpreted: bool) -> dict:
    """One timed replication in a fresh process, compiled (where built) or interpreted."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_timed-child", str(population)]
    env = dict(os.environ, CSC_SIM_INTERPRETED="1" if interpreted else "0")
    done = subprocess.run([*cmd, str(years)], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"timed subprocess failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def core_figures(runs: list[dict]) -> dict:
    """Median seconds, events per second and the rate against bare simpy of one core's runs."""
    seconds = statistics.median(r["seconds"] for r in runs)
    events = runs[0]["events"]
    bare = statistics.median(r["bare_simpy_events_per_s"] for r in runs)
    return {
        "core": runs[0]["core"],
        "seconds_per_replication": seconds,
        "replication_runs": [r["seconds"] for r in runs],
        "model_events": events,
        "model_events_per_s": events / seconds,
        "bare_simpy_events_per_s": bare,
        "event_rate_ratio": events / seconds / bare,
    }


def peak_open_children(r) -> int:
    """Largest month-end count of children open in any state."""
    return int(sum(r.month_end_stock.values()).max())


def memory_child(population: int, years: float, trace: bool) -> dict:
    """Body of one fresh subprocess: run once, report its memory high-water marks."""
    from sim.experiments.experiment import single_run

    sc = scenario(population, years)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    if trace:
        tracemalloc.start()
    r = single_run(sc, 0)
    out = {"years": years, "events": r.events, "peak_open_children": peak_open_children(r)}
    if trace:
        out["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / MIB
        tracemalloc.stop()
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out["rss_before_run_mib"] = rss_before / 1024
        out["peak_rss_mib"] = peak / 1024
    return out


def spawn_memory_child(population: int, years: float, trace: bool) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--_memory-child",
        str(population),
        str(years),
        "trace" if trace else "rss",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"memory subprocess ({years} years) failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(quick: bool) -> dict:
    population = 100_000 if quick else 300_000
    runs = 1 if quick else 2
    say = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731

    # Memory first: a child's ru_maxrss starts from its parent's high-water mark (the kernel
    # carries it across fork/vfork and exec), so the parent must still be small here.
    memory = []
    for years in HORIZONS:
        say(f"memory: {years} years (fresh subprocess) ...")
        row = spawn_memory_child(population, years, trace=False) | {"years": years}
        row["rss_added_by_run_mib"] = row["peak_rss_mib"] - row["rss_before_run_mib"]
        if not quick:
            row["tracemalloc_peak_mib"] = spawn_memory_child(population, years, trace=True)[
                "tracemalloc_peak_mib"
            ]
        memory.append(row)

    # compiled and interpreted alternate, each run in a fresh process with its own bare loop
    timed: dict[str, list[dict]] = {"compiled": [], "interpreted": []}
    for i in range(runs):
        for kind in timed:
            say(f"model ({kind}): {population:,} children x 10 years, run {i + 1} of {runs} ...")
            timed[kind].append(spawn_timed_child(population, 10, kind == "interpreted"))
    cores = {kind: core_figures(r) for kind, r in timed.items()}

    first, last = memory[0], memory[-1]
    return {
        "machine": {
            "python": platform.python_version(),
            "simpy": __import__("simpy").__version__,
            "platform": platform.platform(),
            "cpu": _cpu_name(),
        },
        "mode": "quick" if quick else "full",
        "population": population,
        **cores["compiled"],
        "interpreted": cores["interpreted"],
        "speed_up_compiled": cores["interpreted"]["seconds_per_replication"]
        / cores["compiled"]["seconds_per_replication"],
        "memory": memory,
        "peak_rss_ratio_10y_2y": last["peak_rss_mib"] / first["peak_rss_mib"],
        "rss_added_ratio_10y_2y": last["rss_added_by_run_mib"] / first["rss_added_by_run_mib"],
        "tracemalloc_ratio_10y_2y": (
            last["tracemalloc_peak_mib"] / first["tracemalloc_peak_mib"]
            if "tracemalloc_peak_mib" in first
            else None
        ),
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def report(f: dict) -> None:
    m = f["machine"]
    pop = f"{f['population']:,}"
    print(
        f"Pathway benchmark ({f['mode']}) - Python {m['python']}, simpy {m['simpy']}, "
        f"{m['cpu']}, {os.cpu_count()} cores visible"
    )
    print()
    interp = f["interpreted"]
    print(f"0. {f['core']} / {interp['core']}")
    print()
    print(f"1. Event throughput ({pop} children, 10 years; compiled / interpreted)")
    print(
        f"   model       {f['model_events_per_s']:>12,.0f} / {interp['model_events_per_s']:,.0f}"
        f" events/s ({f['model_events']:,} events)"
    )
    print(
        f"   bare simpy  {f['bare_simpy_events_per_s']:>12,.0f} / "
        f"{interp['bare_simpy_events_per_s']:,.0f} events/s (the same process)"
    )
    print(
        f"   ratio       {f['event_rate_ratio']:>12.2f} / {interp['event_rate_ratio']:.2f}"
        "   (aim >= 0.5)"
    )
    print()
    runs = ", ".join(f"{t:.2f}" for t in f["replication_runs"])
    runs_i = ", ".join(f"{t:.2f}" for t in interp["replication_runs"])
    print(f"2. Seconds per replication ({pop} children, 10 years, one core)")
    print(f"   compiled     {f['seconds_per_replication']:.2f} s   (runs: {runs}; aim <= 3 s)")
    print(f"   interpreted  {interp['seconds_per_replication']:.2f} s   (runs: {runs_i})")
    print(f"   compiled is {f['speed_up_compiled']:.2f}x as fast")
    print()
    print(f"3. Peak memory by horizon ({pop} children, each in a fresh process)")
    print("   years  peak open children  RSS before run  peak RSS  added by run  tracemalloc")
    for r in f["memory"]:
        tm = r.get("tracemalloc_peak_mib")
        tm_s = f"{tm:>7.1f} MiB" if tm is not None else "  (skipped)"
        print(
            f"   {r['years']:>5}  {r['peak_open_children']:>18,}  "
            f"{r['rss_before_run_mib']:>10.1f} MiB  {r['peak_rss_mib']:>4.0f} MiB  "
            f"{r['rss_added_by_run_mib']:>8.1f} MiB  {tm_s}"
        )
    tm_ratio = f["tracemalloc_ratio_10y_2y"]
    print(
        f"   10y / 2y: peak RSS x{f['peak_rss_ratio_10y_2y']:.2f}, "
        f"added by run x{f['rss_added_ratio_10y_2y']:.2f}"
        + (f", tracemalloc x{tm_ratio:.2f}" if tm_ratio is not None else "")
    )
    print("   (aim ~1: memory follows open cases, not the horizon)")
    print()
    markdown_table(f)


def markdown_table(f: dict) -> None:
    """The figures as the docs' Markdown table, compiled and interpreted side by side."""
    interp, pop, tm_ratio = f["interpreted"], f"{f['population']:,}", f["tracemalloc_ratio_10y_2y"]
    mem = (
        f"x{f['peak_rss_ratio_10y_2y']:.2f} peak RSS, "
        f"x{f['rss_added_ratio_10y_2y']:.2f} RSS added by run"
    )
    if tm_ratio is not None:
        mem += f", x{tm_ratio:.2f} tracemalloc"
    print("```markdown")
    print("| Figure | Compiled | Interpreted | Aim |")
    print("|---|---|---|---|")
    print(
        f"| Model / bare simpy events per second | {f['event_rate_ratio']:.2f} | "
        f"{interp['event_rate_ratio']:.2f} | >= 0.5 |"
    )
    print(
        f"| Seconds per replication, {pop} children x 10 years | "
        f"{f['seconds_per_replication']:.1f} s | {interp['seconds_per_replication']:.1f} s "
        "| <= 3 s |"
    )
    last = f["memory"][-1]
    print(
        f"| Peak memory, 10 years vs 2 years (compiled) | {mem} ({last['peak_rss_mib']:.0f} MiB "
        f"RSS at 10 years) | | ~1 (flat in horizon) |"
    )
    print("```")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="100,000 children, one timing run, no tracemalloc runs"
    )
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--_memory-child", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--_timed-child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._timed_child:
        pop, years = args._timed_child
        print(json.dumps(timed_child(int(pop), float(years))))
        return
    if args._memory_child:
        pop, years, kind = args._memory_child
        print(json.dumps(memory_child(int(pop), float(years), trace=kind == "trace")))
        return

    t0 = time.perf_counter()
    figures = measure(args.quick)
    figures["benchmark_wall_s"] = time.perf_counter() - t0
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        report(figures)
        print(f"\n(benchmark took {figures['benchmark_wall_s']:.0f} s)")


if __name__ == "__main__":
    main()
