"""Reading the project's YAML files (scenarios, policies, parameters, sweeps) safely, with errors
a person can act on: the file, the line for a syntax error, and what was expected.

YAML is always safe-loaded. A date that cannot exist (``start_date: 2025-02-30``) is kept as its
text instead of failing inside the YAML reader, so that validation names the file and the field
it belongs to; an empty file is an error that says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class ScenarioError(ValueError):
    """A scenario or parameter file is wrong; the message names the file and the field."""


class _SafeLoader(yaml.SafeLoader):
    """The safe loader, with impossible dates kept as text (see the module's docstring)."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:  # e.g. 30 February: validation will name the field and the value
        return loader.construct_scalar(node)


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def parse_yaml(text: str, name: str) -> dict[str, Any]:
    """The mapping a YAML file holds; :class:`ScenarioError` naming ``name`` if it holds none."""
    try:
        data = yaml.load(text, Loader=_SafeLoader)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"{name}: not valid YAML{at}: {problem}") from None
    if data is None:
        raise ScenarioError(
            f"{name}: the file is empty: there is nothing to read (docs/scenarios.md gives "
            "the format of scenario, policy and sweep files)"
        )
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{name}: expected a mapping of fields (name: value), got {type(data).__name__}"
        )
    return data


def read_yaml(path: Path) -> dict[str, Any]:
    """The mapping a YAML file holds (see :func:`parse_yaml`), or an error naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror})") from None
    return parse_yaml(text, path.name)
