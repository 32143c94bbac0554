"""What moves the answer: Sobol' indices and the tornado table (the chart and the files written
are :mod:`sim.reporting.sensitivity_charts`).

Reads a finished sweep's folder (see :mod:`sim.experiments.batch`). For a Sobol' design, SALib's
analysis gives each input's first-order index (the share of the output's variance it explains
alone) and total index (alone and with the others), with confidence intervals from bootstrap
resampling. For any design the tornado table gives, for each input, the mean output where that
input is low (its lowest third of points, or its lowest value in a grid) and where it is high: the
longer the bar, the more that input moves the answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.inputs.sweep import SweepFile, salib_problem

#: Outputs analysed for a costed comparison (per point: mean across replications).
COMPARED_OUTPUTS = {
    "npv_net_saving_gbp": "Net present value of the saving (£)",
    "net_cost_gbp": "Net cost against today (£, undiscounted)",
    "care_entries_averted": "Care entries averted",
}


class SweepResultsError(ValueError):
    """The folder is not a finished sweep's results."""


@dataclass(frozen=True)
class SweepResults:
    """A sweep's points (one row per point: inputs and mean outputs) and how it was designed."""

    spec: SweepFile
    inputs: list[str]
    labels: dict[str, str]
    points: pd.DataFrame
    outputs: dict[str, str]


def load_results(folder: Path) -> SweepResults:
    """A finished sweep's results, one row per point (mean across replications)."""
    meta_file = folder / "sweep.json"
    if not meta_file.exists():
        raise SweepResultsError(
            f"{folder}: no sweep.json here; give the --out folder of `csc-sim sweep`"
        )
    meta = json.loads(meta_file.read_text())
    spec = SweepFile.model_validate(meta["sweep"])
    inputs = [p.name for p in spec.parameters]
    labels = {p.name: p.label or p.name.removeprefix("policies.") for p in spec.parameters}
    points = pd.read_csv(folder / "points.csv") if (folder / "points.csv").exists() else None
    if points is None or points.empty:
        raise SweepResultsError(f"{folder}: points.csv is missing; run the sweep to the end first")
    if "npv_net_saving_gbp" in points:
        outputs = dict(COMPARED_OUTPUTS)
        points = points[points["variant"] != "baseline"]
        if points["variant"].nunique() > 1:
            raise SweepResultsError(
                f"{folder}: the sweep compares several variants; analyse one base scenario "
                "with one policy set at a time"
            )
    else:
        outputs = {m: m.replace("_", " ").capitalize() for m in spec.outputs if m in points}
    return SweepResults(
        spec=spec,
        inputs=inputs,
        labels=labels,
        points=points.sort_values("point_id").reset_index(drop=True),
        outputs=outputs,
    )


def sobol_indices(
    spec: SweepFile, points: pd.DataFrame, outputs: list[str], *, seed: int = 0
) -> pd.DataFrame:
    """First-order and total Sobol' indices with 95% intervals (SALib), per output and input.

    ``points`` has one row per design point with ``point_id`` in the sampler's order and one
    column per output; every point must be present (Saltelli's estimator needs them all).
    """
    from SALib.analyze import sobol

    if spec.design.method != "sobol":
        raise SweepResultsError(
            f"Sobol' indices need design.method sobol (this sweep is {spec.design.method})"
        )
    problem = salib_problem(spec)
    expected = (spec.design.samples or 0) * (problem["num_vars"] + 2)
    ordered = points.sort_values("point_id")
    if len(ordered) != expected or not np.array_equal(ordered["point_id"], np.arange(expected)):
        raise SweepResultsError(
            f"Sobol' indices need all {expected} points; {len(ordered)} finished (rerun the "
            "sweep to finish the failed ones)"
        )
    rows = []
    for out in outputs:
        y = ordered[out].to_numpy(dtype=float)
        res = sobol.analyze(
            problem, y, calc_second_order=False, conf_level=0.95, seed=seed, print_to_console=False
        )
        for i, name in enumerate(problem["names"]):
            rows.append(
                {
                    "output": out,
                    "input": name,
                    "S1": float(res["S1"][i]),
                    "S1_conf": float(res["S1_conf"][i]),
                    "ST": float(res["ST"][i]),
                    "ST_conf": float(res["ST_conf"][i]),
                }
            )
    return pd.DataFrame(rows)


def tornado_table(points: pd.DataFrame, inputs: list[str], output: str) -> pd.DataFrame:
    """Per input: the mean output where it is low and where it is high, largest swing first."""
    rows = []
    overall = float(points[output].mean())
    for name in inputs:
        x = points[name]
        if pd.api.types.is_numeric_dtype(x):
            key = x
        else:
            key = pd.to_datetime(x, errors="coerce")
            if key.isna().any():
                key = x.astype(str)
        distinct = np.sort(key.unique())
        if len(distinct) < 2:
            continue
        if len(distinct) <= 5:  # a grid: its lowest and highest values
            low_mask, high_mask = key == distinct[0], key == distinct[-1]
        else:
            ranks = key.rank(method="first") / len(key)
            low_mask, high_mask = ranks <= 1 / 3, ranks > 2 / 3
        low = float(points.loc[low_mask, output].mean())
        high = float(points.loc[high_mask, output].mean())
        rows.append(
            {
                "input": name,
                "output": output,
                "when_low": low,
                "when_high": high,
                "overall": overall,
                "swing": abs(high - low),
            }
        )
    return pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)
