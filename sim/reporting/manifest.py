"""What a figure in a bid needs to be reproduced exactly: the report's manifest, and its check.

A manifest (JSON, beside the report) records the project version and commit, the scenario's
full resolved content and its hash, the seed and replications, the hash of every file the
figures rest on (scenario, files it extends, policy files, parameter file, unit cost book),
package versions, the command that made the report, and every headline figure. ``reproduce``
runs the embedded scenario again into a fresh folder, compares each figure exactly, and checks
whether the files named have changed since. Paths are written relative to the folder the report
was made in (never a machine's absolute path).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from sim.core import compiled
from sim.experiments.runner import code_fingerprint, compare_to_folder, model_version
from sim.inputs.cost_book import COST_BOOK
from sim.inputs.scenario import Scenario, ScenarioError, parameter_file
from sim.reporting.figures import headline_figures

MANIFEST_VERSION = 1
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
#: Packages whose versions can change the figures or the report.
PACKAGES = (
    "csc-sim",
    "simpy",
    "numpy",
    "pandas",
    "pyarrow",
    "pydantic",
    "PyYAML",
    "plotly",
    "Jinja2",
    "weasyprint",
    "kaleido",
)


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def display_path(path: Path) -> str:
    """A path as the report shows it: relative to the working folder, else the file name."""
    path = Path(path)
    if _inside(path, Path.cwd()):
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    return path.name


def git_commit() -> dict[str, Any]:
    """The checkout's commit and whether tracked files differ from it ('unknown' if no git)."""
    try:
        head = _git("rev-parse", "HEAD")
        status = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "uncommitted_changes": None}
    return {"commit": head or "unknown", "uncommitted_changes": bool(status)}


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=PACKAGE_ROOT, capture_output=True, text=True, timeout=10, check=True
    ).stdout.strip()


def package_versions() -> dict[str, str]:
    """Installed versions of the packages the figures and the report depend on."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def scenario_inputs(path: Path) -> list[tuple[str, Path]]:
    """The scenario file, the files it extends and the policy files it names (role, path)."""
    out: list[tuple[str, Path]] = []
    seen: set[Path] = set()
    current: Path | None = Path(path)
    role = "scenario"
    while current is not None and current.exists() and current.resolve() not in seen:
        seen.add(current.resolve())
        out.append((role, current))
        data = yaml.safe_load(current.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            break
        entries = list(data.get("policies") or [])
        for v in (data.get("variants") or {}).values():
            entries.extend(v or [])
        for e in entries:
            name = e if isinstance(e, str) else e.get("file") if isinstance(e, dict) else None
            if isinstance(name, str):
                p = Path(name) if Path(name).is_absolute() else current.parent / name
                if p.exists() and all(p.resolve() != q.resolve() for _, q in out):
                    out.append(("policy", p))
        parent = data.get("extends")
        current = current.parent / parent if isinstance(parent, str) else None
        role = "extends"
    return out


def _file_entry(role: str, path: Path, manifest_dir: Path) -> dict[str, Any]:
    path = Path(path)
    if _inside(path, PACKAGE_ROOT / "sim"):
        return {
            "role": role,
            "path": path.resolve().relative_to(PACKAGE_ROOT).as_posix(),
            "in_package": True,
            "sha256": sha256_file(path),
        }
    # a path from the manifest to the file only when both sit in the working folder
    inside = _inside(path, Path.cwd()) and _inside(manifest_dir, Path.cwd())
    return {
        "role": role,
        "path": display_path(path),
        "from_manifest": (
            Path(os.path.relpath(path.resolve(), manifest_dir.resolve())).as_posix()
            if inside
            else None
        ),
        "in_package": False,
        "sha256": sha256_file(path),
    }


def input_files(scenario: Scenario, scenario_path: Path, manifest_dir: Path) -> list[dict]:
    """Every file the figures rest on, with its hash."""
    files = [_file_entry(role, p, manifest_dir) for role, p in scenario_inputs(scenario_path)]
    try:
        params = parameter_file(scenario.council, Path(scenario_path).parent)
    except ScenarioError:
        params = None
    if params is not None:
        files.append(_file_entry("parameters", params, manifest_dir))
    files.append(_file_entry("unit costs", COST_BOOK, manifest_dir))
    return files


def resolved_yaml(scenario: Scenario) -> str:
    """The scenario's full content (parameters and policies resolved) as YAML."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def scenario_from_manifest(manifest: dict[str, Any], name: str = "manifest") -> Scenario:
    """The scenario embedded in a manifest, checked against its recorded content hash."""
    try:
        text = manifest["scenario"]["resolved_yaml"]
        recorded = manifest["scenario"]["content_hash"]
    except (KeyError, TypeError):
        raise ScenarioError(
            f"{name}: scenario.resolved_yaml: missing; not a report manifest"
        ) from None
    try:
        scenario = Scenario.model_validate(yaml.safe_load(text))
    except Exception as exc:
        raise ScenarioError(
            f"{name}: scenario.resolved_yaml: not a valid scenario ({exc})"
        ) from None
    if scenario.content_hash() != recorded:
        raise ScenarioError(
            f"{name}: scenario.resolved_yaml: its content hash {scenario.content_hash()[:12]} is "
            f"not the recorded {str(recorded)[:12]} (the embedded scenario was edited)"
        )
    return scenario


def build_manifest(
    *,
    scenario: Scenario,
    scenario_path: Path,
    manifest_path: Path,
    command: str,
    figures: dict[str, Any],
    outputs: list[Path],
) -> dict[str, Any]:
    """The manifest of a report (see the module docstring)."""
    return {
        "manifest_version": MANIFEST_VERSION,
        "project": {
            "name": "csc-sim",
            "version": model_version(),
            **git_commit(),
            "code_fingerprint": code_fingerprint(),
            # compiled or interpreted: the same numbers either way (tests/test_compiled_core.py)
            "model_core": compiled.status().summary,
        },
        "command": command,
        "reproduce_command": f"csc-sim reproduce {display_path(manifest_path)}",
        "scenario": {
            "name": scenario.name,
            "file": display_path(scenario_path),
            "content_hash": scenario.content_hash(),
            "resolved_yaml": resolved_yaml(scenario),
        },
        "random_numbers": {
            "seed": scenario.seed,
            "replications": scenario.replications,
            "replication_numbers": f"0 to {scenario.replications - 1}",
            "streams": "SeedSequence(entropy=seed, spawn_key=(replication, stream[, family]))",
        },
        "input_files": input_files(scenario, Path(scenario_path), manifest_path.parent),
        "python": platform.python_version(),
        "packages": package_versions(),
        "outputs": [p.name for p in outputs],
        "figures": figures,
    }


def write_json(data: dict[str, Any], path: Path) -> Path:
    """Write a manifest (or figures) as JSON, NaN written as null."""
    path.write_text(json.dumps(_plain(data), indent=2, ensure_ascii=False) + "\n", "utf-8")
    return path


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def read_manifest(path: Path) -> dict[str, Any]:
    """A manifest from its JSON file (ScenarioError naming the file if it is not one)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"{path.name}: not a report manifest (not JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("manifest_version") != MANIFEST_VERSION:
        raise ScenarioError(
            f"{path.name}: manifest_version: expected {MANIFEST_VERSION} "
            f"(got {data.get('manifest_version') if isinstance(data, dict) else data!r}); "
            "not a report manifest written by `csc-sim report`"
        )
    for key in ("scenario", "figures", "input_files"):
        if key not in data:
            raise ScenarioError(f"{path.name}: {key}: missing; not a complete report manifest")
    return data


@dataclass
class FileCheck:
    """One input file named in a manifest: found again here, and unchanged or not."""

    role: str
    path: str
    status: str  # "unchanged", "changed", "not found"


@dataclass
class Reproduction:
    """What ``reproduce`` found: differing figures, changed files, notes."""

    figures_checked: int = 0
    differences: list[tuple[str, Any, Any]] = field(default_factory=list)
    files: list[FileCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed_files(self) -> list[FileCheck]:
        """Input files whose content differs from the manifest's record."""
        return [f for f in self.files if f.status == "changed"]

    @property
    def identical(self) -> bool:
        """Every figure identical and no input file changed."""
        return not self.differences and not self.changed_files

    def lines(self) -> list[str]:
        """What was found, one line each, for the command line."""
        out = [f"note: {n}" for n in self.notes]
        out += [
            f"not checked: {f.path} ({f.role}): not found here"
            for f in self.files
            if f.status == "not found"
        ]
        out += [
            f"changed since the report: {f.path} ({f.role}): its content differs from the "
            "manifest's record, so it no longer gives the report's figures"
            for f in self.changed_files
        ]
        out += [
            f"differs: {key}: report {old!r}, now {new!r}" for key, old, new in self.differences
        ]
        if self.identical:
            out.append(
                f"identical: all {self.figures_checked} headline figures reproduced exactly, "
                "and no input file has changed"
            )
        elif not self.differences:
            out.append(
                f"the {self.figures_checked} headline figures reproduced exactly from the scenario "
                "embedded in the manifest, but input files have changed (above)"
            )
        else:
            out.append(f"{len(self.differences)} of {self.figures_checked} headline figures differ")
        return out


def _locate(entry: dict[str, Any], manifest_dir: Path) -> Path | None:
    if entry.get("in_package"):
        p = PACKAGE_ROOT / entry["path"]
        return p if p.exists() else None
    for candidate in (
        manifest_dir / entry["from_manifest"] if entry.get("from_manifest") else None,
        Path(entry["path"]),
    ):
        if candidate is not None and candidate.exists():
            return candidate
    return None


def check_files(manifest: dict[str, Any], manifest_dir: Path) -> list[FileCheck]:
    """Each input file the manifest names, hashed again where it can be found."""
    out = []
    for entry in manifest["input_files"]:
        found = _locate(entry, manifest_dir)
        if found is None:
            status = "not found"
        else:
            status = "unchanged" if sha256_file(found) == entry["sha256"] else "changed"
        out.append(FileCheck(entry["role"], entry["path"], status))
    return out


def compare_figures(old: Any, new: Any, where: str = "") -> list[tuple[str, Any, Any]]:
    """Every figure that is not exactly identical, by dotted path (null and NaN are equal)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new), key=str):
            out.extend(compare_figures(old.get(key), new.get(key), f"{where}.{key}".strip(".")))
        return out
    norm = lambda v: None if isinstance(v, float) and math.isnan(v) else v  # noqa: E731
    old, new = norm(old), norm(new)
    if isinstance(old, list) and isinstance(new, list):
        old, new = [norm(v) for v in old], [norm(v) for v in new]
    return [] if old == new else [(where, old, new)]


def count_figures(figures: Any) -> int:
    """How many single figures a figures mapping holds."""
    if isinstance(figures, dict):
        return sum(count_figures(v) for v in figures.values())
    return 1


def reproduce(
    manifest_path: Path, *, progress: Callable[[int], None] | None = None
) -> Reproduction:
    """Run a manifest's scenario again in a fresh folder and compare every headline figure."""
    manifest_path = Path(manifest_path)
    manifest = read_manifest(manifest_path)
    scenario = scenario_from_manifest(manifest, manifest_path.name)
    result = Reproduction(files=check_files(manifest, manifest_path.parent))
    project = manifest.get("project", {})
    if project.get("version") != model_version():
        result.notes.append(
            f"csc-sim version: the report was made with {project.get('version')}, this is "
            f"{model_version()}"
        )
    if project.get("code_fingerprint") != code_fingerprint():
        result.notes.append("the model's source code differs from the code that made the report")
    versions = package_versions()
    for name, version in (manifest.get("packages") or {}).items():
        if versions.get(name) != version:
            result.notes.append(f"{name}: report made with {version}, now {versions.get(name)}")
    with tempfile.TemporaryDirectory(prefix="csc-sim-reproduce-") as tmp:
        compare_to_folder(scenario, Path(tmp), progress=progress)
        figures = headline_figures(Path(tmp))
    result.figures_checked = count_figures(manifest["figures"])
    result.differences = compare_figures(
        manifest["figures"], json.loads(json.dumps(_plain(figures)))
    )
    return result
