"""The compiled model core gives the numbers the interpreted one gives, bit for bit.

Where a C compiler and Cython exist, installing the project compiles the per-event modules
(``sim.core.compiled.COMPILED_MODULES``, ``setup.py``); ``CSC_SIM_INTERPRETED=1`` runs the same
``.py`` files interpreted. The same runs are made both ways and their every counter compared as
bytes, and against a digest recorded from the interpreted model before the compiled core came
(so neither way drifts from the numbers users had). ``.ci/run`` sets ``CSC_SIM_EXPECT_COMPILED=1``
for its compiled pass, so a build that silently fell back fails CI instead of passing untested.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.core import compiled
from sim.experiments.experiment import RunResult, single_run
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
#: Runs compared: England's baseline, and Family Safeguarding with its effects drawn (policies,
#: enrolment, the effect ledger's decisions and draws all run).
RUNS = (
    ("baseline.yaml", 0, False),
    ("family_safeguarding.yaml", 1, True),
)
SIZE = {"population": 20_000, "years": 2, "replications": 1}
#: The digests of RUNS' numbers (every monthly counter and the completed stays), recorded with
#: the interpreted model (first on 0.9.0, before the compiled core was added; again on 0.11.2,
#: proceedings under way at the start, and on 0.12.0, whose opening assessments are selected on
#: the families' odds; on 0.13.1 the same numbers, the digest leaving out the count of events and
#: reading completed stays as plain numbers: the code of 0.13.0 gives these digests). A release
#: that changes the model's numbers on purpose records new ones here (and says so in the
#: changelog).
RECORDED = {
    "baseline.yaml": "6d153eb7a878faa67baba3e4471e79c89a2d53dd42d2e69edb34fb6bcc74f3de",
    "family_safeguarding.yaml": "7b72f138d65ebfcd6d4ba18602ec315f904f2923811a770e0af296df660b1c15",
}
#: The events each run processes (0.13.0: 9,059 and 9,475; since 0.13.1 a process ends without
#: an event when nobody waits for it, and a family's journey or a known family's new concern
#: starts on its first timeout, without simpy's event that starts a process).
RECORDED_EVENTS = {"baseline.yaml": 5978, "family_safeguarding.yaml": 6197}


def digest(run: RunResult) -> str:
    """SHA-256 of every monthly counter and the completed stays of a run, as bytes."""
    h = hashlib.sha256()
    for part in ("flows", "month_end_stock", "month_end_values", "entries", "exits", "child_days"):
        arrays = getattr(run, part)
        for key in sorted(arrays):
            h.update(f"{part}.{key}".encode())
            h.update(np.ascontiguousarray(arrays[key], dtype=np.float64).tobytes())
    # completed stays as plain numbers (before 0.13.0 some were numpy scalars, whose repr differs)
    stays = sorted((k, tuple(float(x) for x in v)) for k, v in run.stays.items())
    h.update(repr(stays).encode())
    return h.hexdigest()


def run_digests() -> dict[str, tuple[str, int]]:
    """The digest and event count of each of :data:`RUNS` made in this process."""
    out = {}
    for name, replication, sampled in RUNS:
        scenario = load_scenario(ROOT / "scenarios" / name).with_changes(**SIZE)
        run = single_run(scenario, replication, sampled_effects=sampled)
        out[name] = (digest(run), run.events)
    return out


def digests_in_a_subprocess(interpreted: bool) -> tuple[str, dict[str, tuple[str, int]]]:
    """(the core's status, the digests) from a fresh Python, compiled or interpreted."""
    env = dict(os.environ, **{compiled.INTERPRETED_ENV: "1" if interpreted else "0"})
    code = (
        "import json, sys; sys.path.insert(0, 'tests'); import sim; "
        "from sim.core import compiled; from test_compiled_core import run_digests; "
        "print(json.dumps([compiled.status().summary, run_digests()]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    summary, digests = json.loads(done.stdout.strip().splitlines()[-1])
    return summary, {name: (d, n) for name, (d, n) in digests.items()}


def build_present() -> bool:
    return any(
        compiled.source_path(m).with_suffix(s).exists()
        for m in compiled.COMPILED_MODULES
        for s in importlib.machinery.EXTENSION_SUFFIXES
    )


def test_ci_runs_the_compiled_core_where_it_expects_one() -> None:
    state = compiled.status()
    if os.environ.get("CSC_SIM_EXPECT_COMPILED") == "1":
        assert state.interpreted == (), f"expected every module compiled: {state.summary}"
    if compiled.interpreted_requested():
        assert state.compiled == (), f"asked for the interpreted core: {state.summary}"


def test_compiled_and_interpreted_give_the_same_bits_as_recorded() -> None:
    here = run_digests()
    summary, interpreted = digests_in_a_subprocess(interpreted=True)
    assert summary.startswith("model core: interpreted"), summary
    assert interpreted == here, f"{compiled.status().summary} differs from {summary}"
    numbers = {name: d for name, (d, _) in here.items()}
    assert numbers == RECORDED, (
        "the model's numbers moved from those recorded before the compiled core; if on purpose, "
        f"record the new digests: {json.dumps(numbers)}"
    )
    events = {name: n for name, (_, n) in here.items()}
    assert events == RECORDED_EVENTS, f"expected the events recorded, found {events}"


@pytest.mark.skipif(not build_present(), reason="no compiled build here (installed without Cython)")
def test_an_edited_source_runs_interpreted_never_a_stale_build() -> None:
    name = "sim.model.recorder"
    package_path = [str(compiled.source_path(name).parent)]
    recorded = {name: compiled.source_hash(compiled.source_path(name))}
    # the build's record matches the source: Python's own finder loads the build
    assert compiled._SourceFinder(False, recorded).find_spec(name, package_path) is None
    # the source changed since the build (its recorded hash differs): the .py is loaded
    spec = compiled._SourceFinder(False, {name: "0" * 64}).find_spec(name, package_path)
    assert spec is not None and spec.origin == str(compiled.source_path(name))
    # asked for the interpreted core: the .py, whatever the record says
    spec = compiled._SourceFinder(True, recorded).find_spec(name, package_path)
    assert spec is not None and spec.origin == str(compiled.source_path(name))
    # modules not listed are left to Python
    assert compiled._SourceFinder(True, {}).find_spec("sim.api", None) is None


def test_version_says_how_the_core_runs() -> None:
    for interpreted in ("1", "0"):
        env = dict(os.environ, **{compiled.INTERPRETED_ENV: interpreted})
        done = subprocess.run(
            [sys.executable, "-m", "sim", "--version"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout.startswith("csc-sim "), done.stdout
        if interpreted == "1":
            assert "model core: interpreted (CSC_SIM_INTERPRETED=1)" in done.stdout
        elif build_present():
            assert "model core: compiled" in done.stdout or "modules compiled" in done.stdout


def test_one_edited_module_runs_the_whole_core_interpreted() -> None:
    """Compiled modules share C types (``.pxd``): a stale one takes the others with it."""
    fresh = {m: compiled.source_hash(compiled.source_path(m)) for m in compiled.COMPILED_MODULES}
    assert not compiled._build_stale(fresh)
    assert compiled._build_stale(fresh | {"sim.core.streams": "0" * 64})
    # a record without the module (no build of it) is not a stale build
    assert not compiled._build_stale({k: v for k, v in fresh.items() if k != "sim.core.streams"})
