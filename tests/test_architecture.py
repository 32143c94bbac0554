"""The architecture as rules a test can check (docs/architecture.md).

The import graph of ``sim``, ``calibration`` and ``app.py`` is read from the source
with ``ast`` (imports at module level and inside functions alike, so a loop cannot hide in a
function):

- no import loops between modules;
- no upward imports between the layers of ``sim`` (core < inputs < model < experiments <
  reporting < api < cli; ``sim.version`` sits with core; ``sim/__init__`` and ``sim/__main__`` on
  top), a module imports only from its own layer and those below;
- nothing in ``sim`` imports ``calibration`` (calibration imports sim, not the reverse);
- nothing in ``sim`` or ``calibration`` imports ``sim.hosting`` (what the dashboard hosts with);
- no project module is imported inside a function;
- no function longer than 60 lines, from ``def`` to its last line, apart from the data tables
  named in :data:`LONG_DATA_TABLES`;
- the version is written once (``sim.version``), is the installed package's, and decides the
  runs' keys.
"""

from __future__ import annotations

import ast
import importlib.metadata
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "calibration")
TOP_MODULES = ("app",)  # app.py, the dashboard

#: Layers of ``sim``, lowest first: a module may import from its own rank and any lower one.
LAYER_RANKS = {
    "sim.version": 0,
    "sim.core": 0,
    "sim.inputs": 1,
    "sim.model": 2,
    "sim.experiments": 3,
    "sim.reporting": 4,
    "sim.api": 5,
    "sim.cli": 6,
    "sim.hosting": 6,  # sign-in, saved scenarios, audit log: for the dashboard, beside the CLI
    "sim.__main__": 7,
    "sim": 7,  # sim/__init__.py: the public names, gathered from below
}

MAX_FUNCTION_LINES = 60
#: Functions allowed over the limit because they are pure data tables ("module:qualified.name").
LONG_DATA_TABLES: frozenset[str] = frozenset()
#: Where the function-length rule applies (folders and files under the project's root).
LENGTH_CHECKED = ("sim", "calibration", "benchmarks", "app.py")


# --- reading the source ---------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _source_files() -> dict[str, Path]:
    """Every module of the project's packages and top-level scripts, by dotted name."""
    files = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            files[_module_name(path)] = path
    for name in TOP_MODULES:
        files[name] = ROOT / f"{name}.py"
    return files


MODULES = _source_files()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _resolve_relative(importer: str, level: int, module: str | None) -> str:
    base = importer.split(".")
    if not _is_package(importer):
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, module] if module else base)


def _project_module(dotted: str) -> str | None:
    """The longest prefix of ``dotted`` that is one of the project's modules (None if none)."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        name = ".".join(parts[:end])
        if name in MODULES:
            return name
    return None


@dataclass(frozen=True)
class Import:
    """One import statement of a project module, resolved to the project module it names."""

    importer: str
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer} (line {self.line}) imports {self.imported}"


def _imports_of(name: str) -> Iterator[Import]:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"), filename=str(MODULES[name]))
    for node in ast.walk(tree):  # every import, at module level or inside a function alike
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                source = _resolve_relative(name, node.level, node.module)
            # `from package import module` names the module; `from module import name` the module
            targets = [f"{source}.{alias.name}" for alias in node.names] or [source]
        for target in targets:
            imported = _project_module(target)
            if imported is not None and imported != name:
                yield Import(name, imported, node.lineno)


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    """Every import of a project module, once per statement (``from m import a, b`` is one)."""
    return list(dict.fromkeys(imp for name in MODULES for imp in _imports_of(name)))


# --- (a) no import loops --------------------------------------------------------------------


def _loops(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(edges.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(MODULES) + 100))
    try:
        for node in sorted(edges):
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(limit)
    return groups


def test_the_import_graph_has_no_loops(imports: list[Import]) -> None:
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    for imp in imports:
        edges[imp.importer].add(imp.imported)
    problems = []
    for group in _loops(edges):
        inside = [str(imp) for imp in imports if {imp.importer, imp.imported} <= set(group)]
        problems.append(
            f"import loop between {', '.join(group)} (rule: no import loops between modules):\n  "
            + "\n  ".join(inside)
        )
    assert not problems, "\n".join(problems)


def test_the_loop_finder_finds_a_loop() -> None:
    """The loop finder itself: a three-module loop and a separate pair are both found."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d"}, "f": {"a"}}
    assert _loops(edges) == [["a", "b", "c"], ["d", "e"]]


# --- (b) no upward imports, (c) sim never imports calibration -------------------------------


def _rank(module: str) -> int | None:
    """The layer rank of a ``sim`` module: its own entry or its nearest ranked package's."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        rank = LAYER_RANKS.get(".".join(parts[:end]))
        if rank is not None:
            return rank
    return None


def test_every_sim_module_has_a_layer() -> None:
    unranked = [m for m in MODULES if m.split(".")[0] == "sim" and _rank(m) is None]
    assert not unranked, (
        f"modules in no layer (rule: every module of sim sits in a layer): {unranked}; "
        "put them in a layer package or name them in LAYER_RANKS"
    )


def test_no_sim_module_imports_from_a_layer_above_its_own(imports: list[Import]) -> None:
    upward = []
    for imp in imports:
        if not (imp.importer.startswith("sim") and imp.imported.startswith("sim")):
            continue
        mine, theirs = _rank(imp.importer), _rank(imp.imported)
        if mine is not None and theirs is not None and theirs > mine:
            upward.append(f"{imp} (rule: no upward imports; layer {mine} imports layer {theirs})")
    assert not upward, "\n".join(upward)


def test_sim_never_imports_calibration(imports: list[Import]) -> None:
    wrong = [
        f"{imp} (rule: sim never imports calibration; calibration imports sim)"
        for imp in imports
        if imp.importer.split(".")[0] == "sim" and imp.imported.split(".")[0] == "calibration"
    ]
    assert not wrong, "\n".join(wrong)


def test_only_the_dashboard_imports_hosting(imports: list[Import]) -> None:
    """``sim.hosting`` (sign-in, saved scenarios, audit log) serves the dashboard: nothing else in
    sim (its layer rank keeps the model below it) and nothing in calibration imports it."""
    wrong = [
        f"{imp} (rule: only app.py and sim.hosting itself import sim.hosting)"
        for imp in imports
        if imp.imported.startswith("sim.hosting")
        and not imp.importer.startswith("sim.hosting")
        and imp.importer.split(".")[0] in ("sim", "calibration")
    ]
    assert not wrong, "\n".join(wrong)


def _function_level_imports(name: str) -> Iterator[str]:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"), filename=str(MODULES[name]))
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                source = node.module or ""
                if node.level:
                    source = _resolve_relative(name, node.level, node.module)
                targets = [source]
            else:
                continue
            for target in targets:
                if _project_module(target) is not None:
                    yield f"{name}:{func.name} (line {node.lineno}) imports {target}"


def test_no_project_module_is_imported_inside_a_function() -> None:
    """Imports of the project's own modules sit at the top of the module: an import inside a
    function is how a loop or an upward import hides. (Heavy optional third-party packages such
    as Dask, WeasyPrint, kaleido, SALib and openpyxl may still load where they are used.)"""
    inside = [hit for name in MODULES for hit in _function_level_imports(name)]
    assert not inside, "rule: no project import inside a function\n" + "\n".join(inside)


# --- (d) short functions --------------------------------------------------------------------


def _functions(path: Path) -> Iterator[tuple[str, int, int]]:
    """(qualified name, first line, lines from ``def`` to its last line) of every function."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                assert child.end_lineno is not None
                yield name, child.lineno, child.end_lineno - child.lineno + 1
                yield from walk(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(tree, "")


def _length_checked_files() -> list[Path]:
    files = []
    for entry in LENGTH_CHECKED:
        path = ROOT / entry
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def test_no_function_is_longer_than_a_screen() -> None:
    too_long = []
    for path in _length_checked_files():
        module = _module_name(path)
        for name, line, length in _functions(path):
            if length > MAX_FUNCTION_LINES and f"{module}:{name}" not in LONG_DATA_TABLES:
                too_long.append(
                    f"{module}:{name} (line {line}) is {length} lines "
                    f"(rule: no function over {MAX_FUNCTION_LINES} lines, def to its last line, "
                    "except the data tables in LONG_DATA_TABLES)"
                )
    assert not too_long, f"{len(too_long)} functions too long:\n" + "\n".join(too_long)


def test_the_data_table_allow_list_names_functions_that_exist() -> None:
    known = {
        f"{_module_name(path)}:{name}"
        for path in _length_checked_files()
        for name, _, _ in _functions(path)
    }
    stale = sorted(LONG_DATA_TABLES - known)
    assert not stale, f"LONG_DATA_TABLES names functions that do not exist: {stale}"


# --- (e) one version, the installed one, in the runs' keys ----------------------------------


def test_the_version_is_the_installed_packages() -> None:
    import sim
    from sim.version import __version__

    installed = importlib.metadata.version("csc-sim")
    assert sim.__version__ == __version__ == installed, (
        f"sim.__version__ is {sim.__version__!r}, sim.version.__version__ {__version__!r}, the "
        f"installed csc-sim {installed!r} (rule: the version is written once, in sim/version.py; "
        "reinstall with pip install -e . after changing it)"
    )


def test_the_version_decides_a_runs_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run's key changes with the version, so runs of another release are never reused."""
    from sim.experiments.comparison import RunKey, task_key
    from sim.inputs.scenario import default_scenario

    scenario = default_scenario()
    run = RunKey("baseline", "none", 0)
    key_module = sys.modules[task_key.__module__]
    sim_version = key_module.__version__
    now = task_key(run, scenario, False)
    monkeypatch.setattr(key_module, "__version__", "0.0.0-other", raising=True)
    other = task_key(run, scenario, False)
    assert now != other, (
        f"{task_key.__module__}.task_key gave {now!r} for version {sim_version!r} and "
        "'0.0.0-other' alike (rule: the version is in every run key)"
    )
