"""A sweep's sensitivity analysis written out: Sobol' indices, the tornado table and chart
(HTML, and PNG where Chromium is found) and the points ranked by the NPV of their saving.

The analysis itself (pure, no charts) is :mod:`sim.experiments.sensitivity`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.experiments.sensitivity import SweepResults, load_results, sobol_indices, tornado_table
from sim.reporting.static_charts import to_png


def tornado_figure(results: SweepResults) -> Any:
    """A plotly tornado chart: one panel per output, inputs ordered by their swing."""

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
