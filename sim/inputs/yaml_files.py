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


#: What to check for the YAML reader's commonest complaints, in plain words.
SYNTAX_HINTS = {
    "mapping values are not allowed": "check the indentation: is a field indented under one that "
    "has a value? Or put a value holding a colon in quotes",
    "cannot start any token": "indent with spaces, not tabs",
    "expected ',' or ']'": "a list opened with [ is not closed with ]",
    "expected ',' or '}'": "a mapping opened with { is not closed with }",
    "found unexpected end of stream": "a quote is opened and not closed",
    "could not find expected ':'": "a field name needs a colon after it (name: value)",
    "did not find expected key": "check the indentation: fields at one level line up",
}


def syntax_message(name: str, text: str, exc: yaml.YAMLError) -> str:
    """A YAML syntax error in plain words: the file, the line and column, the problem, what to
    check, and the line as written."""
    where = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    hint = next((h for k, h in SYNTAX_HINTS.items() if k in problem), "")
    at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
    message = f"{name}: not valid YAML{at}: {problem}" + (f" ({hint})" if hint else "")
    lines = text.splitlines()
    if where is not None and 0 <= where.line < len(lines) and lines[where.line].strip():
        message += f"; line {where.line + 1} reads: {lines[where.line].strip()!r}"
    return message


def parse_yaml(text: str, name: str) -> dict[str, Any]:
    """The mapping a YAML file holds; :class:`ScenarioError` naming ``name`` if it holds none."""
    try:
        data = yaml.load(text, Loader=_SafeLoader)
    except yaml.YAMLError as exc:
        raise ScenarioError(syntax_message(name, text, exc)) from None
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
