"""Sweep files: a base scenario, the inputs to vary by dotted name, and a design of points.

A sweep asks "what if" many times over: a pilot's size and start date against its uncertain
effects, a council's demand against its workforce. The file names a base scenario, the inputs to
vary and how to choose their values (a full grid, a Latin hypercube, or Saltelli's extension of
Sobol' sequences for variance-based sensitivity, all sampled with SALib), how many replications
each point runs, and which measures to keep::

    name: fs-size-and-effect
    base: family_safeguarding.yaml           # a scenario file, relative to this file
    set: {population: 50000, years: 3}       # fixed changes for every point (optional)
    replications: 4                          # per point (default: the base scenario's)
    effects: central                         # or sampled: each replication draws the rest
    design: {method: latin, samples: 20, seed: 1}
    parameters:
      - {name: policies.family_safeguarding.effects.care_entry, range: [0.6, 1.0]}
      - {name: policies.family_safeguarding.size, range: [0.5, 1.5]}
      - {name: policies.family_safeguarding.start_date, range: [2026-04-01, 2027-04-01], type: date}
    outputs: [care_entries, looked_after, cp_plans]

A dotted name walks the scenario as its YAML reads: ``population``,
``parameters.cp_plan.p_pre_proceedings``, ``policies.<policy>.<field>`` where ``<policy>`` is
its position or its name (``Family Safeguarding`` or ``family_safeguarding``), and
``policies.<policy>.effects.<target>`` for an effect. Setting an effect itself fixes its
multiplier (central = low = high); ``...effects.<target>.central`` moves only the central value
(widening its range when needed). ``policies.<policy>.size`` sets the team's size relative to the
policy file's per child (its staff, places, set-up and training; 1 is the file's team per
100,000 children at any population), as the dashboard's size does.

This module decides *which* scenarios a sweep runs; :mod:`sim.experiments.batch` runs them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.core.measures import MEASURES
from sim.inputs.scenario import Scenario, ScenarioError, _format_errors, load_scenario
from sim.inputs.yaml_files import read_yaml

Scalar = float | int | str | bool | dt.date


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SweepParameter(_Model):
    """One input to vary: its dotted name and its values (grid) or range (sampled designs)."""

    name: str
    values: list[Scalar] | None = Field(None, description="grid: every value to try")
    range: tuple[Scalar, Scalar] | None = Field(None, description="latin/sobol: [low, high]")
    type: Literal["float", "int", "date"] = "float"
    label: str = ""

    @model_validator(mode="after")
    def _values_or_range(self) -> SweepParameter:
        if (self.values is None) == (self.range is None):
            raise ValueError("give either values (for a grid) or range: [low, high]")
        if self.values is not None and not self.values:
            raise ValueError("values: give at least one value")
        if self.range is not None:
            lo, hi = (_as_number(v, self.type) for v in self.range)
            if not lo < hi:
                raise ValueError(f"range: low must be below high (got {list(self.range)})")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        assert self.range is not None
        lo, hi = self.range
        return _as_number(lo, self.type), _as_number(hi, self.type)

    def from_number(self, x: float) -> Scalar:
        """A sampled number as this input's value (an int rounded, a date as a day)."""
        if self.type == "int":
            return round(x)
        if self.type == "date":
            return dt.date.fromordinal(round(x))
        return float(x)


class Design(_Model):
    """How points are chosen: every combination, or ``samples`` points drawn by SALib."""

    method: Literal["grid", "latin", "sobol"] = "grid"
    samples: int | None = Field(
        None, ge=1, description="latin: points; sobol: base sample N (a power of 2)"
    )
    seed: int = Field(0, ge=0)


class SweepFile(_Model):
    """A sweep as written in YAML (see the module docstring)."""

    name: str = "sweep"
    description: str = ""
    base: str
    set: dict[str, Any] = Field(default_factory=dict)
    replications: int | None = Field(None, ge=1, le=10_000)
    effects: Literal["central", "sampled"] = "central"
    design: Design = Field(default_factory=Design)
    parameters: list[SweepParameter] = Field(min_length=1)
    outputs: list[str] = Field(
        default_factory=lambda: ["care_entries", "looked_after", "cp_plans", "children_in_need"]
    )

    @model_validator(mode="after")
    def _consistent(self) -> SweepFile:
        names = [p.name for p in self.parameters]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"parameters: {twice} named more than once")
        if self.design.method == "grid":
            ranged = [p.name for p in self.parameters if p.values is None]
            if ranged:
                raise ValueError(
                    f"design.method grid needs values for every parameter; {ranged} give a range "
                    "(use method latin or sobol to sample a range)"
                )
        else:
            listed = [p.name for p in self.parameters if p.range is None]
            if listed:
                raise ValueError(
                    f"design.method {self.design.method} samples ranges; {listed} give values "
                    "instead of range: [low, high]"
                )
            if self.design.samples is None:
                raise ValueError(f"design.samples is needed for method {self.design.method}")
            n = self.design.samples
            if self.design.method == "sobol" and n & (n - 1):
                raise ValueError(
                    f"design.samples must be a power of 2 for method sobol (got {n}; e.g. "
                    f"{1 << (n.bit_length() - 1)} or {1 << n.bit_length()})"
                )
        unknown = [m for m in self.outputs if m not in MEASURES]
        if unknown:
            hint = difflib.get_close_matches(unknown[0], list(MEASURES), n=1)
            raise ValueError(
                f"outputs: unknown measure {unknown[0]!r}"
                + (f"; did you mean {hint[0]!r}?" if hint else " (see the README's measures)")
            )
        return self


def _as_number(value: Scalar, kind: str) -> float:
    if kind == "date":
        if isinstance(value, str):
            value = dt.date.fromisoformat(value)
        if not isinstance(value, dt.date):
            raise ValueError(f"expected a date (YYYY-MM-DD), got {value!r}")
        return float(value.toordinal())
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


# ---------------------------------------------------------------------------------------------
# dotted names


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")


_IDENTITY = ("name", "target", "role")


class DottedNameError(ValueError):
    """A dotted name does not lead to a field of the scenario."""


def set_dotted(data: dict[str, Any], name: str, value: Any) -> None:
    """Set ``value`` at dotted ``name`` in a scenario mapping (``model_dump(mode='json')``).

    Raises :class:`DottedNameError` naming the part that leads nowhere and what is there.
    """
    parts = name.split(".")
    node: Any = data
    i = 0
    walked: list[str] = []
    while True:
        part = parts[i]
        last = i == len(parts) - 1
        if isinstance(node, list):
            j, used = _pick(node, parts[i:], ".".join(walked))
            i += used
            walked.append(".".join(parts[i - used : i]))
            if i == len(parts):
                _set_item(node, j, value)
                return
            node = node[j]
            continue
        if not isinstance(node, dict):
            raise DottedNameError(f"{'.'.join(walked)!r} is a value ({node!r}), not a group")
        if part not in node:
            allowed = sorted(node)
            close = difflib.get_close_matches(part, allowed, n=1)
            where = ".".join(walked) or "the scenario"
            raise DottedNameError(
                f"no field {part!r} in {where} (allowed: {', '.join(map(str, allowed))})"
                + (f"; did you mean {close[0]!r}?" if close else "")
            )
        walked.append(part)
        if last:
            if "target" in node and part == "central":
                _set_central(node, value)
            elif isinstance(node[part], dict) and "target" in node[part]:
                _fix_effect(node[part], value)
            else:
                node[part] = value
            return
        node = node[part]
        i += 1


def _pick(items: list[Any], rest: list[str], where: str) -> tuple[int, int]:
    """Which list item ``rest`` names (position, or name/target/role), and how many parts used."""
    if rest[0].isdigit():
        j = int(rest[0])
        if j >= len(items):
            raise DottedNameError(f"{where}[{j}]: there are only {len(items)} items")
        return j, 1
    names: list[str] = []
    for k in range(len(rest), 0, -1):  # targets such as cp_plan.duration hold dots
        wanted = ".".join(rest[:k])
        for j, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            for key in _IDENTITY:
                if key in item and wanted in (str(item[key]), _slug(item[key])):
                    return j, k
    for item in items:
        for key in _IDENTITY:
            if isinstance(item, dict) and key in item:
                names.append(_slug(item[key]))
                break
    raise DottedNameError(
        f"{where}: no item named {rest[0]!r} (items: {', '.join(names) or 'none'}; or give a "
        "position, 0 first)"
    )


def _set_item(items: list[Any], j: int, value: Any) -> None:
    if isinstance(items[j], dict) and "target" in items[j]:
        _fix_effect(items[j], value)
    else:
        items[j] = value


def _fix_effect(effect: dict[str, Any], value: Any) -> None:
    effect.update(central=value, low=value, high=value, distribution="fixed")


def _set_central(effect: dict[str, Any], value: Any) -> None:
    effect["central"] = value
    if isinstance(value, int | float):
        effect["low"] = min(effect["low"], value)
        effect["high"] = max(effect["high"], value)


# ---------------------------------------------------------------------------------------------
# the sweep: points and the scenario each runs


@dataclass(frozen=True)
class Point:
    """One combination of the varied inputs, and the scenario it runs (None if invalid)."""

    point_id: int
    values: dict[str, Any]
    scenario: Scenario | None
    error: str = ""


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: its file, its base scenario and its points."""

    spec: SweepFile
    file: str
    text: str
    base: Scenario
    points: list[Point]

    @property
    def replications(self) -> int:
        return self.spec.replications or self.base.replications

    @property
    def compares(self) -> bool:
        """Whether points run policies against the baseline (else the scenario's own measures)."""
        return bool(self.base.compared_variants())

    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def design_points(spec: SweepFile) -> list[dict[str, Any]]:
    """The design's points as {dotted name: value}, in the sampler's order (SALib)."""
    params = spec.parameters
    if spec.design.method == "grid":
        combos = itertools.product(*(p.values or [] for p in params))
        return [dict(zip([p.name for p in params], c, strict=True)) for c in combos]
    matrix = sample_matrix(spec)
    return [{p.name: p.from_number(x) for p, x in zip(params, row, strict=True)} for row in matrix]


def salib_problem(spec: SweepFile) -> dict[str, Any]:
    """SALib's problem definition for a sampled design (dates as day numbers)."""
    return {
        "num_vars": len(spec.parameters),
        "names": [p.name for p in spec.parameters],
        "bounds": [list(p.bounds) for p in spec.parameters],
    }


def sample_matrix(spec: SweepFile) -> np.ndarray:
    """The sampled design as numbers, one row per point (SALib's samplers)."""
    from SALib.sample import latin, sobol

    problem = salib_problem(spec)
    n = spec.design.samples or 1
    if spec.design.method == "latin":
        return latin.sample(problem, n, seed=spec.design.seed)
    return sobol.sample(problem, n, calc_second_order=False, seed=spec.design.seed)


def point_scenario(base_data: dict[str, Any], values: dict[str, Any]) -> Scenario:
    """The base scenario with a point's values set (validated like a scenario file)."""
    data = json.loads(json.dumps(base_data))
    for name, value in values.items():
        set_dotted(data, name, plain(value))
    return Scenario.model_validate(data)


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file and its base scenario; build every point.

    Errors in the file (a field, a dotted name that leads nowhere) raise :class:`ScenarioError`
    naming the file and field. A point whose values make an invalid scenario (an effect below
    zero, say) does not stop the sweep: it is kept with its error and reported.
    """
    path = Path(path)
    raw = read_yaml(path)
    text = path.read_text(encoding="utf-8")
    try:
        spec = SweepFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(path.name, exc, model=SweepFile)) from None
    base_path = path.parent / spec.base
    if not base_path.exists():
        raise ScenarioError(f"{path.name}: base: scenario file {spec.base!r} not found")
    base = load_scenario(base_path)
    data = base.model_dump(mode="json")
    for name, value in spec.set.items():
        try:
            set_dotted(data, name, plain(value))
        except DottedNameError as exc:
            raise ScenarioError(f"{path.name}: set.{name}: {exc}") from None
    try:
        base = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(f"{path.name} (set)", exc)) from None
    data = base.model_dump(mode="json")
    for i, p in enumerate(spec.parameters):
        probe = p.values[0] if p.values is not None else p.from_number(p.bounds[0])
        try:
            set_dotted(json.loads(json.dumps(data)), p.name, plain(probe))
        except DottedNameError as exc:
            raise ScenarioError(f"{path.name}: parameters[{i}].name: {p.name!r}: {exc}") from None
    points = []
    for i, values in enumerate(design_points(spec)):
        try:
            sc = point_scenario(data, values)
            points.append(Point(i, values, sc))
        except (ValidationError, DottedNameError) as exc:
            msg = (
                _format_errors(f"{path.name} point {i}", exc).replace("\n", "; ")
                if isinstance(exc, ValidationError)
                else str(exc)
            )
            points.append(Point(i, values, None, msg))
    return Sweep(spec=spec, file=path.name, text=text, base=base, points=points)


def plain(value: Any) -> Any:
    """A point's value as it reads in YAML and JSON (a date as YYYY-MM-DD)."""
    return value.isoformat() if isinstance(value, dt.date) else value
