"""Scenario files: YAML, safe-loaded, validated, with errors that name the file and field.

A scenario names a parameter set (``council: england``, a file shipped in ``sim/data/params``;
``council: walsall``, a council calibrated to its published figures, shipped in
``sim/data/params/councils`` or written by ``csc-sim calibrate`` to ``councils/``; or a path to a
parameter file) and overrides any parameter by nesting under ``parameters:``::

    name: baseline
    council: england
    population: 100000          # children aged 0-17 (default: the council's own, else 100,000)
    start_date: 2025-04-01
    years: 5
    replications: 20
    seed: 20250401
    include_uasc: true
    parameters:
      workforce: {social_worker_fte_per_10k: 20.0}

``extends: other.yaml`` starts from another scenario file and applies this file's keys on top.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)

from sim.inputs.already_running import AlreadyRunning, running_here
from sim.inputs.cost_book import CostBook, load_cost_book
from sim.inputs.parameters import Parameters
from sim.inputs.policies import Policy
from sim.inputs.yaml_files import ScenarioError, read_yaml

PARAMS_DIR = Path(__file__).resolve().parents[1] / "data" / "params"
#: Every council calibrated to its published figures (``csc-sim calibrate --all``), shipped.
COUNCILS_DIR = PARAMS_DIR / "councils"
#: Children aged 0-17 when neither the scenario nor its parameter file gives a number (England's
#: rates, scaled to a council of this size). A council's file gives its own
#: (``provenance.children``).
DEFAULT_POPULATION = 100_000


def own_children(parameters: Any) -> int | None:
    """The council's own children aged 0-17 from its parameter file (``provenance.children``,
    the ONS mid-year estimate calibration read), or ``None`` (England's file gives none)."""
    prov = (
        parameters.provenance
        if isinstance(parameters, Parameters)
        else (parameters or {}).get("provenance")
        if isinstance(parameters, dict)
        else None
    )
    children = prov.get("children") if isinstance(prov, dict) else None
    if isinstance(children, int | float) and not isinstance(children, bool) and children > 0:
        return int(children)
    return None


class Scenario(BaseModel):
    """One projection: where, from when, for how long, how many replications, which parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "scenario"
    description: str = ""
    council: str = "england"
    population: int = Field(
        DEFAULT_POPULATION,
        gt=0,
        description="children aged 0-17; by default the council's own (its parameter file's "
        "provenance.children), else 100,000",
    )
    start_date: dt.date = dt.date(2025, 4, 1)
    years: float = Field(5, gt=0, le=30)
    replications: int = Field(10, ge=1, le=10_000)
    seed: int = Field(20250401, ge=0)
    warm_up_years: float = Field(0, ge=0, le=30)
    include_uasc: bool = True
    opening_caseload: bool = True
    policies: list[Policy] = Field(default_factory=list)
    variants: dict[str, list[Policy]] = Field(default_factory=dict)
    unit_costs: dict[str, Any] = Field(
        default_factory=dict,
        description="overrides of sim/data/unit_costs.yaml: {items: {placement_ifa: {value: 9}}}",
    )
    already_running: AlreadyRunning = Field(
        "include",
        description="a policy the council already runs council-wide (the shipped table "
        "sim/data/reference/councils_running_models.csv): include = its published figures "
        "include it, so it adds nothing; expand = model it on top, as an expansion",
    )
    future: Literal["uncertain", "fixed"] = Field(
        "uncertain",
        description="uncertain = each replication draws how the council's referrals, child "
        "protection plans and care entries move year on year from published history "
        "(sim.model.future); fixed = every year at the fitted year's rates",
    )
    parameters: Parameters

    @model_validator(mode="before")
    @classmethod
    def _councils_already_running(cls, data: Any) -> Any:
        """Mark each policy the council already runs council-wide as in its baseline (or not,
        when the scenario models an expansion); recomputed on every validation."""
        if not isinstance(data, dict):
            return data
        council = data.get("council", "england")
        include = data.get("already_running", "include") == "include"
        if not isinstance(council, str):
            return data

        def marked(policy: Any) -> Any:
            entry = policy.model_dump(mode="python") if isinstance(policy, Policy) else policy
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                return policy
            row = running_here(council, entry["name"])
            why = row.sentence("include") if row and row.whole_council and include else ""
            return {**entry, "in_baseline": why}

        data = dict(data)
        if isinstance(data.get("policies"), list):
            data["policies"] = [marked(p) for p in data["policies"]]
        if isinstance(data.get("variants"), dict):
            data["variants"] = {
                k: [marked(p) for p in v] if isinstance(v, list) else v
                for k, v in data["variants"].items()
            }
        return data

    @model_validator(mode="before")
    @classmethod
    def _council_population(cls, data: Any) -> Any:
        """A scenario that gives no ``population`` runs at its council's own children."""
        if isinstance(data, dict) and data.get("population") is None:
            own = own_children(data.get("parameters"))
            data = {**data, "population": own or DEFAULT_POPULATION}
        return data

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The scenario's fields; ``already_running`` only when it is not the default, so the
        files, content hashes and run keys of scenarios it does not change stay as they were."""
        data = handler(self)
        if self.already_running == "include":
            data.pop("already_running", None)
        return data

    @model_validator(mode="after")
    def _policy_localities(self) -> Scenario:
        names = {loc.name for loc in self.parameters.demand.localities}
        for p in [*self.policies, *(q for v in self.variants.values() for q in v)]:
            unknown = set(p.eligible.localities or ()) - names
            if unknown:
                raise ValueError(
                    f"policy {p.name!r} names locality {sorted(unknown)} that the scenario does "
                    f"not have (its localities: {sorted(names)})"
                )
        return self

    @model_validator(mode="after")
    def _unit_costs(self) -> Scenario:
        if self.unit_costs:
            try:
                load_cost_book(self.unit_costs)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ValueError(f"unit_costs.{where}: {_plain(first)}") from None
            except (KeyError, TypeError, AttributeError) as exc:
                raise ValueError(f"unit_costs: not understood ({exc})") from None
        return self

    def cost_book(self) -> CostBook:
        """The cost book this scenario's figures use: the shipped book with the council's own
        placement costs (where it has usable published outturn) and the scenario's overrides."""
        return load_cost_book(self.unit_costs, council=self.council)

    def compared_variants(self) -> dict[str, list[Policy]]:
        """The policy variants ``compare`` runs against the baseline (no policies)."""
        if self.variants:
            return dict(self.variants)
        if self.policies:
            return {" + ".join(p.name for p in self.policies): list(self.policies)}
        return {}

    def running_notes(self) -> list[str]:
        """In plain words, each policy compared here that the council already runs, and what the
        scenario does about it ('Walsall has run Family Safeguarding since September 2020; ...')."""
        seen: dict[str, str] = {}
        for policies in self.compared_variants().values():
            for p in policies:
                row = running_here(self.council, p.name)
                if row is not None and p.name not in seen:
                    seen[p.name] = row.sentence(self.already_running)
        return list(seen.values())

    def population_basis(self) -> str:
        """Which population the run used and why, in plain words (for every run's summary)."""
        own = own_children(self.parameters)
        where = self.parameters.provenance.get("council") or self.council
        if own is not None and self.population == own:
            return (
                f"{self.population:,} children aged 0-17: {where}'s own (the ONS mid-year "
                "estimate in its parameter file; population: sets another size)"
            )
        if own is not None:
            return (
                f"{self.population:,} children aged 0-17, as the scenario or command line sets; "
                f"{where} has {own:,}, and its rates per 10,000 children are applied at this size"
            )
        why = (
            "the default when a scenario gives no population"
            if self.population == DEFAULT_POPULATION
            else "as the scenario or command line sets"
        )
        return (
            f"{self.population:,} children aged 0-17: the rates of parameter set {where!r} "
            f"scaled to a council of this size ({why})"
        )

    def with_policies(self, policies: list[Policy]) -> Scenario:
        """The same scenario with these policies in force (and no variants)."""
        data = self.model_dump(mode="python")
        data.update(policies=[p.model_dump(mode="python") for p in policies], variants={})
        return Scenario.model_validate(data)

    def locality_shares(self) -> dict[str, float]:
        """Each named locality's share of the council's children (empty for a council of one)."""
        locs = self.parameters.demand.localities
        return {loc.name: loc.population_share for loc in locs} if len(locs) > 1 else {}

    @property
    def months(self) -> int:
        """Whole months in the projection horizon."""
        return round(self.years * 12)

    def content_hash(self) -> str:
        """SHA-256 of the scenario's full content (parameters included), for reproducibility."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def with_changes(self, **changes: Any) -> Scenario:
        """A validated copy with top-level fields changed (parameters stay as they are)."""
        data = self.model_dump(mode="python")
        data.update(changes)
        return Scenario.model_validate(data)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``: mappings merge key by key, anything else replaces.

    A duration (a mapping with ``kind``) is one value: an override replaces it whole, so
    ``{kind: fixed, days: 10}`` over a lognormal does not inherit ``median_days``.
    """
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and "kind" not in value:
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


#: Pydantic's wording of a problem, by error type, in plain words (``{...}`` from its context).
PLAIN_MESSAGES = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "date_from_datetime_parsing": "must be a date written as YYYY-MM-DD (e.g. 2026-04-01)",
    "date_parsing": "must be a date written as YYYY-MM-DD (e.g. 2026-04-01)",
    "date_type": "must be a date written as YYYY-MM-DD (e.g. 2026-04-01)",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of fields (name: value)",
    "model_type": "must be a mapping of fields (name: value)",
    "missing": "is missing: it must be given",
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be {ge} or more",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be {le} or less",
    "literal_error": "must be {expected}",
}


def _text(value: Any) -> Any:
    """A bound from pydantic's context as a person writes it (``0``, not ``0.0``)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _plain(err: dict[str, Any]) -> str:
    """A validation problem in plain words (:data:`PLAIN_MESSAGES`), else pydantic's own with
    "Input should be" said as "must be"."""
    words = PLAIN_MESSAGES.get(err["type"])
    detail = err["msg"].partition(", ")[2]
    if words is not None and err["type"].startswith("date") and detail:
        words += f": {detail}"
    if words is not None:
        try:
            return words.format(**{k: _text(v) for k, v in (err.get("ctx") or {}).items()})
        except (KeyError, IndexError):
            pass
    msg = err["msg"].removeprefix("Value error, ")
    return msg.replace("Input should be", "must be").replace("Field required", "is missing")


def format_errors(
    file: str, exc: ValidationError, prefix: str = "", model: type[BaseModel] | None = None
) -> str:
    """One line per problem, in plain words: ``file: field.path: what is wrong (got value)``,
    with the values allowed where there is a list of them.

    ``model`` is the file's model (a scenario by default), to list the fields allowed beside an
    unknown one.
    """
    lines = []
    errors = exc.errors()
    locs = [tuple(e["loc"]) for e in errors]
    # a container's own complaint is noise when one of its items is named as the problem
    errors = [
        e
        for e in errors
        if not any(len(o) > len(e["loc"]) and o[: len(e["loc"])] == tuple(e["loc"]) for o in locs)
    ]
    for err in errors:
        loc = prefix + ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in err["loc"])
        loc = loc.replace(".[", "[")
        msg = _plain(err)
        if err["type"] == "extra_forbidden":
            allowed = _known_fields(err["loc"], model or Scenario)
            msg = "unknown field" + _suggest(str(err["loc"][-1]), allowed)
        value = err.get("input")
        shown = (
            "" if err["type"] in ("missing",) or isinstance(value, dict) else f" (got {value!r})"
        )
        lines.append(f"{file}: {loc or '(top level)'}: {msg}{shown}")
    return "\n".join(lines)


_format_errors = format_errors


def _known_fields(loc: tuple, model: type[BaseModel]) -> list[str]:
    """Field names allowed beside the unknown one at ``loc`` (walks the models by name)."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        inner = field.annotation
        for candidate in (inner, *getattr(inner, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
        else:
            return []
    return list(model.model_fields)


def _suggest(name: str, allowed: list[str]) -> str:
    if not allowed:
        return " (check the spelling; see the README's scenario format)"
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f" (allowed here: {', '.join(allowed)}){hint}"


def parameter_file(council: str, relative_to: Path | None = None) -> Path:
    """The parameter file a scenario's ``council`` names: a shipped set or a path."""
    candidates = []
    if council.endswith((".yaml", ".yml")):
        p = Path(council)
        candidates.append(p if p.is_absolute() or relative_to is None else relative_to / p)
    # councils calibrated with `csc-sim calibrate` (written to councils/<name>.yaml)
    for folder in {relative_to or Path.cwd(), Path.cwd()}:
        candidates.append(folder / "councils" / f"{council}.yaml")
        candidates.append(folder.parent / "councils" / f"{council}.yaml")
    candidates.append(PARAMS_DIR / f"{council}.yaml")
    candidates.append(COUNCILS_DIR / f"{council}.yaml")
    for c in candidates:
        if c.exists():
            return c
    shipped = sorted(p.stem for p in PARAMS_DIR.glob("*.yaml"))
    councils = sorted(p.stem for p in COUNCILS_DIR.glob("*.yaml"))
    close = difflib.get_close_matches(council, councils, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ScenarioError(
        f"council: no parameter set named {council!r}; shipped sets: {', '.join(shipped)}"
        + (
            f", and {len(councils)} councils by file name (e.g. {councils[0]!r})"
            if councils
            else ""
        )
        + f" (or give the path of a parameter file ending .yaml){hint}"
    )


def load_parameters(path: Path) -> dict[str, Any]:
    """Raw parameter mapping from a parameter file (validated with the scenario), parsed once
    while the file is unchanged (every run of a council's scenario reads its file: parsing
    England's took a seventh of a small run); each caller gets its own copy to change."""
    try:
        stat = path.stat()
    except OSError:
        return read_yaml(path)  # the error names the file
    return copy.deepcopy(_parsed_parameters(path.resolve(), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=32)
def _parsed_parameters(path: Path, mtime_ns: int, size: int) -> dict[str, Any]:
    """The parameter file at ``path`` as it was at ``mtime_ns`` with ``size`` bytes."""
    return read_yaml(path)


def _resolve(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    data = read_yaml(path)
    parent = data.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str):
            raise ScenarioError(f"{path.name}: extends: expected a file name, got {parent!r}")
        parent_path = (path.parent / parent).resolve()
        if parent_path in seen:
            raise ScenarioError(f"{path.name}: extends: {parent} extends itself in a loop")
        if not parent_path.exists():
            raise ScenarioError(
                f"{path.name}: extends: {parent!r} not found in the folder of {path.name}"
            )
        inherited = _resolve(parent_path, (*seen, parent_path))
        if parent_path.parent != path.parent.resolve():
            _anchor_files(inherited, parent_path.parent)
        data = deep_merge(inherited, data)
    return data


def _anchor_files(data: dict[str, Any], folder: Path) -> None:
    """Files an inherited scenario names stay relative to its own folder, not the child's."""

    def anchored(name: Any) -> Any:
        if (
            isinstance(name, str)
            and name.endswith((".yaml", ".yml"))
            and not Path(name).is_absolute()
        ):
            candidate = folder / name
            if candidate.exists():
                return str(candidate)
        return name

    def policies(entries: Any) -> Any:
        if not isinstance(entries, list):
            return entries
        return [
            anchored(e)
            if isinstance(e, str)
            else ({**e, "file": anchored(e["file"])} if isinstance(e, dict) and "file" in e else e)
            for e in entries
        ]

    if "council" in data:
        data["council"] = anchored(data["council"])
    if "policies" in data:
        data["policies"] = policies(data["policies"])
    if isinstance(data.get("variants"), dict):
        data["variants"] = {k: policies(v) for k, v in data["variants"].items()}


def scenario_from_dict(
    data: dict[str, Any], file: str = "<scenario>", base_dir: Path | None = None
) -> Scenario:
    """Validate a scenario mapping (as read from YAML) into a :class:`Scenario`."""
    data = dict(data)
    council = data.get("council", "england")
    if not isinstance(council, str):
        raise ScenarioError(f"{file}: council: expected a name or a file path, got {council!r}")
    overrides = data.pop("parameters", None) or {}
    if not isinstance(overrides, dict):
        raise ScenarioError(f"{file}: parameters: expected a mapping of parameter groups")
    try:
        pfile = parameter_file(council, base_dir)
    except ScenarioError as exc:
        raise ScenarioError(f"{file}: {exc}") from None
    base = load_parameters(pfile)
    sources = dict(base.get("sources", {}))
    for dotted in _leaf_paths(overrides):
        if dotted != "sources" and not dotted.startswith("sources."):
            sources[dotted] = f"scenario override in {file}"
    merged = deep_merge(base, overrides)
    merged["sources"] = sources
    data["parameters"] = merged
    if "policies" in data:
        data["policies"] = _resolve_policies(data["policies"], base_dir, file, "policies")
    if isinstance(data.get("variants"), dict):
        data["variants"] = {
            name: _resolve_policies(entries, base_dir, file, f"variants.{name}")
            for name, entries in data["variants"].items()
        }
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(file, exc)) from None


def _leaf_paths(d: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v and "kind" not in v:
            out.extend(_leaf_paths(v, key + "."))
        else:
            out.append(key)
    return out


def _resolve_policies(entries: Any, base_dir: Path | None, file: str, field: str) -> list[Any]:
    """Policy entries: a file name, ``{file: name, ...overrides}``, or an inline policy.

    Each policy read from a file is validated on its own, so its errors name that file.
    """
    if not isinstance(entries, list):
        raise ScenarioError(
            f"{file}: {field}: expected a list of policies (file names or mappings)"
        )
    out = []
    for i, entry in enumerate(entries):
        where = f"{field}[{i}]"
        if isinstance(entry, str):
            entry = {"file": entry}
        if not isinstance(entry, dict):
            raise ScenarioError(f"{file}: {where}: expected a policy file name or a mapping")
        if "file" in entry:
            rest = dict(entry)
            name = rest.pop("file")
            path = Path(name)
            if not path.is_absolute() and base_dir is not None:
                path = base_dir / path
            if not path.exists():
                raise ScenarioError(f"{file}: {where}: policy file {name!r} not found")
            entry = deep_merge(read_yaml(path), rest)
            try:
                Policy.model_validate(entry)
            except ValidationError as exc:
                raise ScenarioError(_format_errors(path.name, exc, model=Policy)) from None
        out.append(entry)
    return out


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    Raises
    ------
    ScenarioError
        With one line per problem: ``file: field.path: what is wrong (got value)``.
    """
    path = Path(path)
    data = _resolve(path.resolve() if path.exists() else path)
    return scenario_from_dict(data, file=path.name, base_dir=path.parent)


def default_scenario(**changes: Any) -> Scenario:
    """England's default parameters at a council of 100,000 children, with top-level changes."""
    return scenario_from_dict(dict(changes), file="<default>")


def load_policy(path: str | Path) -> Policy:
    """Read and validate one policy file; errors name the file and the field."""
    path = Path(path)
    try:
        return Policy.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise ScenarioError(_format_errors(path.name, exc, model=Policy)) from None
