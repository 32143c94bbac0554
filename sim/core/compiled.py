"""Which of the model's modules run compiled, and the switch that runs them interpreted.

The modules in :data:`COMPILED_MODULES` do the per-event work. Where a C compiler exists,
installing the project compiles them with Cython (pure-Python mode: the ``.py`` files are the one
source, ``setup.py``); otherwise they run as plain Python, with the same numbers bit for bit
(``tests/test_compiled_core.py``).

Python imports a compiled module in preference to its ``.py``. :func:`install` puts a finder in
front of Python's own that chooses the ``.py`` instead when

* ``CSC_SIM_INTERPRETED=1`` is set (CI runs the suite both ways), or
* the ``.py`` (or the ``.pxd`` typing it) of any listed module has changed since it was
  compiled (its hash differs from the one the build recorded in :data:`BUILD_RECORD`): the
  edited source runs, never a stale build, and :func:`status` says so. The whole core then runs
  interpreted, as the compiled modules share C types.

This module imports only the standard library: ``setup.py`` reads the list from it.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

#: The per-event modules: the model's vocabulary and random streams, and the simpy processes.
#: Pydantic models (scenario, parameters, policies, the duration distributions) stay
#: interpreted: pydantic reads their classes at run time.
COMPILED_MODULES: tuple[str, ...] = (
    "sim.core.events",
    "sim.core.calendar",
    "sim.core.entities",
    "sim.core.streams",
    "sim.core.quantiles",
    "sim.model.workforce",
    "sim.model.recorder",
    "sim.model.policy_set",
    "sim.model.effect_ledger",
    "sim.model.services",
    "sim.model.care",
    "sim.model.pathway",
    "sim.model.arrivals",
    "sim.model.front_door",
    "sim.model.opening_caseload",
    "sim.model.build",
)
#: Set to 1 to run every module interpreted even where a compiled build exists.
INTERPRETED_ENV = "CSC_SIM_INTERPRETED"
#: The build's record of each compiled module's source hash, or why it could not compile
#: (``fallback``), written by ``setup.py``.
BUILD_RECORD = Path(__file__).with_name("compiled_sources.json")
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def source_path(module: str, root: Path = _PACKAGE_ROOT) -> Path:
    """The ``.py`` file of a module named in :data:`COMPILED_MODULES`."""
    return root.joinpath(*module.split(".")).with_suffix(".py")


def source_hash(path: Path) -> str:
    """SHA-256 of a module's source: its ``.py`` and, where there is one, the ``.pxd`` beside it
    that types its build (what the build record holds)."""
    h = hashlib.sha256(path.read_bytes())
    pxd = path.with_suffix(".pxd")
    if pxd.exists():
        h.update(pxd.read_bytes())
    return h.hexdigest()


def _recorded_hashes() -> dict[str, str]:
    try:
        data = json.loads(BUILD_RECORD.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def interpreted_requested() -> bool:
    """True when ``CSC_SIM_INTERPRETED=1`` asks for the interpreted model."""
    return os.environ.get(INTERPRETED_ENV, "") == "1"


class _SourceFinder:
    """Finds a listed module's ``.py`` where a compiled build must not be used."""

    def __init__(self, interpreted: bool, recorded: dict[str, str]) -> None:
        self.interpreted = interpreted
        self.recorded = recorded

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name not in COMPILED_MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.origin is None or spec.origin.endswith(".py"):
            return None  # no build here: Python's own finder loads the .py
        source = Path(spec.origin).parent / (name.rpartition(".")[2] + ".py")
        stale = self.recorded.get(name) != source_hash(source)
        if not (self.interpreted or stale):
            return None
        return importlib.util.spec_from_file_location(name, source)


def _build_stale(recorded: dict[str, str]) -> bool:
    """True when any listed module's source has changed since the build (its hash differs from
    the record). Compiled modules use each other's C types (a family's draws, for instance:
    the ``.pxd`` files), so one module interpreted means all of them: a compiled module cannot
    take an interpreted module's class for its own extension type."""
    return any(
        name in recorded and recorded[name] != source_hash(source_path(name))
        for name in COMPILED_MODULES
    )


def install() -> None:
    """Put the finder in front of Python's (once; ``sim/__init__.py`` calls it first)."""
    if not any(isinstance(f, _SourceFinder) for f in sys.meta_path):
        recorded = _recorded_hashes()
        interpreted = interpreted_requested() or _build_stale(recorded)
        sys.meta_path.insert(0, _SourceFinder(interpreted, recorded))


@dataclass(frozen=True)
class CoreStatus:
    """How the model's per-event modules run in this process."""

    compiled: tuple[str, ...]
    interpreted: tuple[str, ...]
    why: str

    @property
    def summary(self) -> str:
        """One line for ``csc-sim --version``, the benchmarks and run manifests."""
        n, total = len(self.compiled), len(COMPILED_MODULES)
        if n == total:
            return f"model core: compiled ({n} modules, Cython)"
        if n == 0:
            return f"model core: interpreted ({self.why})"
        return f"model core: {n} of {total} modules compiled ({self.why})"


def _is_compiled(module: ModuleType) -> bool:
    return not str(getattr(module, "__file__", "")).endswith(".py")


def status() -> CoreStatus:
    """Which of :data:`COMPILED_MODULES` are loaded compiled (imports them)."""
    loaded = [importlib.import_module(m) for m in COMPILED_MODULES]
    compiled = tuple(m.__name__ for m in loaded if _is_compiled(m))
    interpreted = tuple(m.__name__ for m in loaded if not _is_compiled(m))
    if not interpreted:
        why = ""
    elif interpreted_requested():
        why = f"{INTERPRETED_ENV}=1"
    elif _any_build_present():
        why = "source changed since the build: reinstall to compile it again"
    else:
        why = _recorded_hashes().get("fallback", "no compiled build: installed without Cython")
    return CoreStatus(compiled, interpreted, why)


def _any_build_present() -> bool:
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    for m in COMPILED_MODULES:
        py = source_path(m)
        if any(py.with_suffix(s).exists() for s in suffixes):
            return True
    return False
