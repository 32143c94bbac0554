"""No parameter is read without effect (issue 25, point 3).

Every parameter in England's parameter file is changed in turn (see :func:`changes`: x2, and
x0.5 when doubling moves nothing or leaves the valid range; a year for an age band's edge; a
duration's time axis, so its median and mean, x2 or x0.5; a distribution over ages, months or
levels one level up or down), and a short run with the same seed (common random numbers: a
change that acts nowhere leaves every draw, and so every count, as it was) must move some
output. Parameters that today change nothing are listed in ``KNOWN_INERT`` with the reason and
what it would take; the test holds that list strictly, so a parameter that starts to act, or
stops, fails it until the list is updated. Those inert only at England's defaults are shown to
act once their condition holds.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from sim.experiments.experiment import RunResult, single_run
from sim.inputs.parameters import Parameters
from sim.inputs.scenario import load_parameters, parameter_file, scenario_from_dict

#: A short run: small enough for ~130 runs in about a minute, large enough for rare routes.
RUN = {"population": 20_000, "years": 2}
#: Not model parameters: text and the evidence table.
#: ``future`` names councils and a year (where a projection's future is drawn from), not
#: numbers; tests/test_future.py shows it acts.
NOT_NUMBERS = ("description", "reference_year", "sources", "provenance", "future")

#: Parameters that move no output today, with why and what it would take to make them act.
KNOWN_INERT: dict[str, str] = {
    "demand.localities[0].relative_demand": (
        "England's file has one locality, and demand is shared between localities in "
        "proportion to it; acts in a council with two or more localities"
    ),
    "demand.localities[0].relative_risk": (
        "England's file has one locality, and relative risk is normalised over the council; "
        "acts in a council with two or more localities"
    ),
    "demand.localities[0].p_family_at_pod_school": (
        "decides only who a pod-school pilot may enrol (social workers in schools); acts when "
        "such a pilot runs, never in today's way of working"
    ),
    "workforce.caseload_stretch": (
        "acts only on referrals of acute need that meet caseloads at the council's reported "
        "level; at England's staffing over two years none does (with half the social workers "
        "they do, and then it acts)"
    ),
    "escalation.p_need_rises_per_month_waiting": (
        "acts only on families waiting for a social worker; at England's staffing over two "
        "years (0.12.0's England) the few waits are days long and doubling or halving the "
        "monthly chance moves no family's need (with half the social workers they wait for "
        "months, and then it acts)"
    ),
    "proceedings.in_care_order_mix.no_order": (
        "no order for a child looked after during proceedings is rare (0.5 of 100): doubling "
        "or halving it changes none of the few dozen final orders of a short run (at a weight "
        "of 20 of 100 it moves the orders counted, and then it acts)"
    ),
    "looked_after.return_home_breakdown": (
        "the delay before a return home breaks down; England's file sets "
        "p_return_home_breaks_down to 0 (no published national re-entry figure), so no return "
        "home breaks down; acts with a council's own SSDA903 re-entry share (calibrate --903)"
    ),
}
#: Inert only at England's defaults: the change (path, value) under which each acts.
ACTS_WHEN: dict[str, tuple[str, Any]] = {
    "workforce.caseload_stretch": ("workforce.social_worker_fte_per_10k", 8.0),
    "escalation.p_need_rises_per_month_waiting": ("workforce.social_worker_fte_per_10k", 8.0),
    "proceedings.in_care_order_mix.no_order": ("proceedings.in_care_order_mix.no_order", 20.0),
    "looked_after.return_home_breakdown": ("looked_after.p_return_home_breaks_down", 0.2),
}
#: Numbers no valid change reaches on their own.
NO_VALID_CHANGE: dict[str, str] = {
    "demand.localities[0].population_share": "the only locality's share must be 1",
    "looked_after.placement_age_bands[0]": "the first age band starts at 0 by definition",
    "looked_after.exit_age_bands[0]": "the first age band starts at 0 by definition",
    "looked_after.duration.bands_from_age[0]": "the first age band must start at 0",
}


def _is_duration(value: Any) -> bool:
    return isinstance(value, dict) and "kind" in value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _name(path: str) -> str:
    return path.rsplit(".", 1)[-1].split("[")[0]


def _per_element(path: str) -> bool:
    """Lists whose entries are parameters of their own: age band edges and odds by need."""
    name = _name(path)
    return name.endswith(("age_bands", "from_age")) or name.startswith("odds")


def leaves(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every parameter of a mapping, by dotted path: a number, a duration, or a list of weights.

    A list of weights (a mix over categories or ages, a monthly profile) is one parameter; age
    band edges and odds are one parameter per entry.
    """
    if _is_duration(node) or _is_number(node):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            if not path and key in NOT_NUMBERS:
                continue
            yield from leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list | tuple):
        if all(_is_number(v) for v in node) and not _per_element(path):
            yield path, list(node)
            return
        for i, value in enumerate(node):
            yield from leaves(value, f"{path}[{i}]")


def _stretched(duration: dict[str, Any], factor: float) -> dict[str, Any]:
    """The same duration with its time axis scaled (median and mean x ``factor``)."""
    out = dict(duration)
    for key, value in duration.items():
        if key.endswith("_days") or key == "days":
            out[key] = [factor * v for v in value] if isinstance(value, list) else factor * value
    return out


def _shifted(weights: list[float], up: bool, cyclic: bool) -> list[float]:
    """Weights moved one place up (or down): a distribution's median one level higher."""
    if cyclic:  # a profile over the months of the year: one month later (or earlier)
        return [weights[-1], *weights[:-1]] if up else [*weights[1:], weights[0]]
    if up:
        return [0.0, *weights[:-2], weights[-2] + weights[-1]]
    return [weights[0] + weights[1], *weights[2:], 0.0]


def changes(path: str, value: Any) -> list[Any]:
    """Candidate new values, one each way where there are two (x2 first, then x0.5).

    A duration has its time axis doubled or halved; a mix's row (a category's weight in every
    age band) is doubled or halved; any other list of weights is a distribution over ages,
    months or levels, moved one level up or down; an age band's edge moves a year (the first
    band starts at 0 by definition); a 0 becomes 0.1 (10 in a mix of percentages); a
    probability or share doubles up to 1.
    """
    name = _name(path)
    if _is_duration(value):
        return [_stretched(value, 2), _stretched(value, 0.5)]
    if isinstance(value, list):
        if "_mix." in path:
            return [[2 * v for v in value], [0.5 * v for v in value]]
        cyclic = name == "monthly_profile"
        return [_shifted(value, True, cyclic), _shifted(value, False, cyclic)]
    if name.endswith(("age_bands", "from_age")):
        return [] if path.endswith("[0]") else [value + 1, value - 1]
    if value == 0:  # a category missing from a mix (weights in percent) gets a tenth
        return [10.0] if "_mix." in path else [0.1]
    top = name.startswith("p_") or "share" in name
    return [min(2 * value, 1.0) if top else 2 * value, 0.5 * value]


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node: Any = out
    keys = [
        int(k) if k.isdigit() else k for k in path.replace("[", ".").replace("]", "").split(".")
    ]
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return out


def changed_files(base: dict[str, Any], path: str, value: Any) -> list[dict[str, Any]]:
    """England's mapping with one parameter changed, each valid way (none when none is valid)."""
    out = []
    for new in changes(path, value):
        if new == value:
            continue
        data = _set(base, path, new)
        try:
            Parameters.model_validate(data)
        except ValidationError:
            continue
        out.append(data)
    return out


def outputs(result: RunResult) -> dict[str, np.ndarray]:
    """Every counter of a run as arrays, so two runs compare exactly."""
    out: dict[str, np.ndarray] = {"events": np.array([result.events])}
    for group in ("flows", "month_end_stock", "month_end_values", "entries", "exits"):
        for key, value in getattr(result, group).items():
            out[f"{group}.{key}"] = np.asarray(value)
    for group in ("child_days", "stays", "opening"):
        for key, value in getattr(result, group).items():
            out[f"{group}.{key}"] = np.asarray(value, dtype=float)
    return out


def moved(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> list[str]:
    """The outputs that differ between two runs."""
    return [
        k
        for k in sorted(a.keys() | b.keys())
        if k not in a or k not in b or not np.array_equal(a[k], b[k])
    ]


def run(parameters: dict[str, Any]) -> dict[str, np.ndarray]:
    groups = {k: v for k, v in parameters.items() if k not in NOT_NUMBERS}
    return outputs(single_run(scenario_from_dict({**RUN, "parameters": groups}, file="<test>")))


ENGLAND = load_parameters(parameter_file("england"))
LEAVES = dict(leaves(ENGLAND))


def test_the_walk_finds_every_group_of_englands_file():
    groups = {p.split(".")[0].split("[")[0] for p in LEAVES}
    expected = set(Parameters.model_fields) - set(NOT_NUMBERS)
    assert groups == expected, (
        f"expected numbers in every group {sorted(expected)}, found {sorted(groups)}"
    )
    assert set(KNOWN_INERT) <= set(LEAVES), f"expected {sorted(KNOWN_INERT)} among the parameters"
    assert set(NO_VALID_CHANGE) <= set(LEAVES)


@pytest.mark.slow
def test_every_parameter_of_englands_file_moves_some_output():
    base = run(ENGLAND)
    again = run(ENGLAND)
    assert not moved(base, again), (
        f"expected the same seed to repeat exactly, found {moved(base, again)}"
    )
    inert, acting, unchangeable = [], [], []
    for path, value in LEAVES.items():
        files = changed_files(ENGLAND, path, value)
        if not files:
            unchangeable.append(path)
        elif any(moved(base, run(data)) for data in files):  # the second only if the first is inert
            acting.append(path)
        else:
            inert.append(path)
    assert sorted(unchangeable) == sorted(NO_VALID_CHANGE), (
        f"expected no valid change only for {sorted(NO_VALID_CHANGE)}, found {sorted(unchangeable)}"
    )
    assert sorted(inert) == sorted(KNOWN_INERT), (
        f"expected exactly the known inert parameters {sorted(KNOWN_INERT)} to move nothing; "
        f"newly inert: {sorted(set(inert) - set(KNOWN_INERT))}; "
        f"now acting (remove from KNOWN_INERT): {sorted(set(KNOWN_INERT) - set(inert))}"
    )
    assert acting, "expected parameters that act"


@pytest.mark.parametrize("name", sorted(ACTS_WHEN))
def test_a_parameter_inert_at_englands_defaults_acts_once_its_condition_holds(name):
    assert name in KNOWN_INERT, f"expected {name} among KNOWN_INERT"
    where, value = ACTS_WHEN[name]
    condition = _set(ENGLAND, where, value)
    changed = changed_files(condition, name, LEAVES[name])
    assert changed, f"expected a valid change of {name}"
    found = moved(run(condition), run(changed[0]))
    assert found, f"expected {name} to move some output once {where} = {value}, found none moved"
