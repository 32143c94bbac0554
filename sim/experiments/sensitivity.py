"""What moves the answer: Sobol' indices, a tornado chart and the points ranked by NPV.

Reads a finished sweep's folder (see :mod:`sim.experiments.batch`). For a Sobol' design, SALib's
analysis
gives each input's first-order index (the share of the output's variance it explains alone) and
total index (alone and with the others), with confidence intervals from bootstrap resampling.
For any design the tornado chart shows, for each input, the mean output where that input is low
(its lowest third of points, or its lowest value in a grid) and where it is high: the longer the
bar, the more that input moves the answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def tornado_figure(results: SweepResults) -> Any:
    """A plotly tornado chart: one panel per output, inputs ordered by their swing."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    outs = list(results.outputs)
    fig = make_subplots(
        rows=len(outs),
        cols=1,
        subplot_titles=[results.outputs[o] for o in outs],
        vertical_spacing=0.3 / len(outs),
    )
    for c, out in enumerate(outs, start=1):
        t = tornado_table(results.points, results.inputs, out).iloc[::-1]
        labels = [results.labels[i] for i in t["input"]]
        for col, name, colour in (
            ("when_low", "input low (lowest third of points)", "#4C78A8"),
            ("when_high", "input high (highest third)", "#F58518"),
        ):
            fig.add_trace(
                go.Bar(
                    y=labels,
                    x=t[col] - t["overall"],
                    base=t["overall"],
                    orientation="h",
                    name=name,
                    marker_color=colour,
                    showlegend=c == 1,
                    hovertemplate="%{y}: %{x:,.0f}<extra>" + name + "</extra>",
                ),
                row=c,
                col=1,
            )
        fig.add_vline(x=float(t["overall"].iloc[0]) if len(t) else 0, line_dash="dot", row=c, col=1)
    fig.update_layout(
        barmode="group",
        title=f"{results.spec.name}: what moves the answer most (mean over points)",
        height=140 + len(outs) * (70 + 45 * len(results.inputs)),
        width=1000,
        legend={"orientation": "h", "y": -0.15},
        margin={"l": 20, "r": 20, "t": 80, "b": 60},
    )
    fig.update_yaxes(automargin=True)
    return fig


def write_analysis(folder: Path) -> dict[str, Any]:
    """Write sensitivity.csv (Sobol' design only), tornado.csv/.html/.png and ranked.csv."""
    results = load_results(folder)
    written: dict[str, Any] = {}
    if results.spec.design.method == "sobol":
        indices = sobol_indices(
            results.spec, results.points, list(results.outputs), seed=results.spec.design.seed
        )
        indices.to_csv(folder / "sensitivity.csv", index=False)
        written["sobol"] = indices
    tornado = pd.concat(
        [tornado_table(results.points, results.inputs, o) for o in results.outputs],
        ignore_index=True,
    )
    tornado.to_csv(folder / "tornado.csv", index=False)
    written["tornado"] = tornado
    fig = tornado_figure(results)
    fig.write_html(folder / "tornado.html", include_plotlyjs=True)
    try:
        from sim.reporting.static_charts import to_png

        to_png(fig, folder / "tornado.png", width=fig.layout.width, height=fig.layout.height)
        written["png"] = folder / "tornado.png"
    except Exception as exc:  # no Chromium for static export: the HTML still has the chart
        written["png_error"] = str(exc)
    ranked = results.points.copy()
    if "npv_net_saving_gbp" in ranked:
        ranked = ranked.sort_values(["npv_net_saving_gbp", "point_id"], ascending=[False, True])
    ranked.to_csv(folder / "ranked.csv", index=False)
    written["ranked"] = ranked
    written["results"] = results
    return written
