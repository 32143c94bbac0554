"""Dashboard response time: the default comparison on a cold start, after reading, and cached.

Drives app.py with Streamlit's AppTest (no browser) with the defaults (England at 100,000
children, Family Safeguarding, 5 years, 10 replications). The page runs the baseline and the
pilot with its effects sampled (what it shows), and starts those runs on its Dask workers as
soon as the scenario is built. Each case runs in a fresh Python process:

- cold start: load the page, then click "Run the comparison" at once (baseline and pilot both
  still to make);
- a leader who reads the page first: load the page, wait ``--read-seconds`` (15 by default)
  while the runs the page started in the background go on, then click;
- cached: the same scenario again, after the leader's comparison.

Each time is from the click (or rerun) to the results; beside it, the runs the workers finished
in that time (Dask's task stream). The page draws first figures once 4 replications are
complete, and refines them as the rest finish: the time to those is printed too.

``--council NAME`` times a shipped council's whole-council comparison instead (the council chosen
in the sidebar before the clock starts; it runs at its own number of children): its aim is all
runs within 30 s.

    python benchmarks/bench_dashboard.py [--council NAME] [--replications N] [--read-seconds S]
                                         [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

APP = str(Path(__file__).resolve().parents[1] / "app.py")
RESULT = "RESULT "  # a case's process prints its figures on a line starting with this
AIM_S = {"first": 4.0, "cold": 10.0, "leader": 10.0, "cached": 1.0, "council": 30.0}
#: Seconds the reading leader spends on the page before clicking.
READ_S = 15.0
DEFAULT_REPLICATIONS = 10


def _client() -> Any:
    """The app's Dask client (it runs in this process under AppTest), or None without workers."""
    from distributed import default_client

    try:
        return default_client()
    except ValueError:
        return None


def _timed(step, client) -> tuple[float, int | None]:
    """Seconds ``step()`` takes, and how many model runs the workers finished meanwhile."""
    if client is None:
        t0 = time.perf_counter()
        step()
        return time.perf_counter() - t0, None
    from distributed import get_task_stream

    with get_task_stream(client) as stream:
        t0 = time.perf_counter()
        step()
        seconds = time.perf_counter() - t0
    return seconds, sum(str(t["key"]).startswith("run-") for t in stream.data)


def _read(client, seconds: float) -> int:
    """The leader reads the page for ``seconds``; how many runs the workers made meanwhile."""
    from distributed import get_task_stream

    with get_task_stream(client) as stream:
        time.sleep(seconds)
    return sum(str(t["key"]).startswith("run-") for t in stream.data)


def _check(at) -> None:
    if at.exception:
        sys.exit(f"the app failed: {at.exception}")


#: When the page had drawn each set of figures: (time, replications complete, in all).
DRAWN: list[tuple[float, int, int]] = []


def _watch_figures() -> None:
    """Record when the page has drawn each step of :func:`sim.api.comparison_steps` (the app
    imports it anew on each run, so patching the module is enough)."""
    import sim.api

    steps = sim.api.comparison_steps

    def watched(*args, **kwargs):
        for item in steps(*args, **kwargs):
            yield item
            # the page asks for the next step once it has drawn this one
            DRAWN.append((time.perf_counter(), item[0], item[1]))

    sim.api.comparison_steps = watched


def run_case(
    case: str, replications: int, read_s: float = READ_S, council: str | None = None
) -> dict[str, Any]:
    """One case in this process: its figures (seconds, runs made)."""
    from streamlit.testing.v1 import AppTest  # noqa: TID251  (benchmarking the app itself)

    _watch_figures()
    at = AppTest.from_file(APP, default_timeout=1800)
    t0 = time.perf_counter()
    at.run()
    out: dict[str, Any] = {"page_load_s": time.perf_counter() - t0}
    _check(at)
    if council is not None:
        at.selectbox(key="council").set_value(council)
        at.run()
        _check(at)
    if replications != DEFAULT_REPLICATIONS:
        at.slider(key="reps").set_value(replications)
        at.run()
    client = _client()
    out["workers"] = len(client.scheduler_info()["workers"]) if client is not None else 0
    if case == "leader":
        if client is None:
            sys.exit("no Dask workers (CSC_WORKERS=0 or 1): nothing runs in the background")
        out["read_s"], out["background_runs"] = read_s, _read(client, read_s)
    clicked = time.perf_counter()
    out["click_s"], out["click_runs"] = _timed(lambda: at.button(key="run").click().run(), client)
    _check(at)
    first = [(t, k, n) for t, k, n in DRAWN if t >= clicked]
    if first and first[0][1] < first[0][2]:
        out["first_figures_s"] = first[0][0] - clicked
        out["first_figures_replications"] = first[0][1]
    if case == "leader":
        out["cached_s"], out["cached_runs"] = _timed(at.run, client)
        _check(at)
    return out


def _in_fresh_process(
    case: str, replications: int, read_s: float, council: str | None = None
) -> dict[str, Any]:
    """Run one case in a new Python process (a truly cold start) and read its figures."""
    command = [sys.executable, __file__, "--case", case, "--replications", str(replications)]
    command += ["--read-seconds", str(read_s)] + (["--council", council] if council else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith(RESULT)]
    if done.returncode != 0 or not lines:
        sys.exit(f"the {case} case failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1].removeprefix(RESULT))


def _runs(n: int | None) -> str:
    return "runs not counted (no workers)" if n is None else f"{n} runs made meanwhile"


def report(
    cold: dict[str, Any], leader: dict[str, Any], replications: int, council: str | None = None
) -> str:
    """The figures in plain lines, each time beside its aim."""
    click_aim = "council" if council else "cold"
    rows = []
    reader = f"after reading {leader['read_s']:g} s"
    for name, case in (("cold start", cold), (reader, leader)):
        if "first_figures_s" in case:
            rows.append(
                (
                    f"{name}: first figures ({case['first_figures_replications']} of "
                    f"{replications} replications)",
                    f"{case['first_figures_s']:.1f} s",
                    None if council else "first",
                    None,
                )
            )
    rows += [
        ("cold start: click at once", f"{cold['click_s']:.1f} s", click_aim, cold["click_runs"]),
        (
            f"{reader}: click",
            f"{leader['click_s']:.1f} s",
            "council" if council else "leader",
            leader["click_runs"],
        ),
        (
            "the same scenario again (cached)",
            f"{leader['cached_s']:.2f} s",
            "cached",
            leader["cached_runs"],
        ),
    ]
    what = f"{council}'s whole-council comparison" if council else "default comparison"
    lines = [
        f"{what}, {replications} replications, {leader['workers']} worker processes",
        f"{'page load (cold start / reading leader)':<56}"
        f"{cold['page_load_s']:.1f} s / {leader['page_load_s']:.1f} s",
    ]
    for label, seconds, aim, runs in rows:
        target = "" if aim is None else f"aim {'<' if aim == 'cached' else '<='} {AIM_S[aim]:g} s"
        lines.append(
            f"{label:<56}{seconds:<9}{target:<15}{_runs(runs) if runs is not None else ''}"
        )
    lines.append(
        f"  ({leader['background_runs']} of the comparison's runs were made in the background "
        f"while the leader read the page for {leader['read_s']:g} s)"
    )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=DEFAULT_REPLICATIONS)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument(
        "--read-seconds",
        type=float,
        default=READ_S,
        help=f"how long the reading leader reads before clicking (default {READ_S:g})",
    )
    ap.add_argument("--council", help="a shipped council's name, as the sidebar lists it")
    ap.add_argument("--case", choices=["cold", "leader"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    os.environ.setdefault("CSC_SAVED_DIR", tempfile.mkdtemp())
    if a.case:  # one case, in the process the main run started for it
        print(RESULT + json.dumps(run_case(a.case, a.replications, a.read_seconds, a.council)))
        return
    cold = _in_fresh_process("cold", a.replications, a.read_seconds, a.council)
    leader = _in_fresh_process("leader", a.replications, a.read_seconds, a.council)
    if a.json:
        out = {"replications": a.replications, "council": a.council}
        print(json.dumps(out | {"cold": cold, "leader": leader}))
    else:
        print(report(cold, leader, a.replications, a.council))


if __name__ == "__main__":
    main()
