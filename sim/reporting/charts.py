"""Charts of a comparison's results (plotly figures), shared by the dashboard and the reports.

Each function takes the frames a comparison writes (``monthly``, ``costs``, ``paired``) and
returns a ``plotly.graph_objects.Figure``; shaping goes through
:mod:`sim.experiments.summaries` (``bands``, ``cost_by_year``), so the dashboard and the report
draw the same numbers, and names come from :mod:`sim.reporting.labels`.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from sim.core.measures import MEASURES
from sim.experiments.comparison import BASELINE
from sim.experiments.summaries import bands, cost_by_year, cost_difference_by_year
from sim.reporting.labels import (
    BAND_LEGEND,
    COST_DIFFERENCE_TITLE,
    band_legend,
    cost_line_label,
    label,
    variant_label,
)

BASELINE_COLOUR = "#5b6770"
HISTORY_COLOUR = "#222222"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
#: A legend at the foot of the figure (measured from the figure's edge, not the plot's, so it
#: stays clear of the date ticks whatever the chart's width and the legend's rows).
LEGEND_BELOW = {"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0.01, "x": 0}
#: Height and margins of a chart by month with its legend below (room for five entries, one
#: to a line, on a chart half a 1280-pixel page wide).
BAND_HEIGHT = 480
BAND_MARGIN = {"t": 60, "b": 170, "r": 40}


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[k : k + 2], 16) for k in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def band_chart(
    monthly: pd.DataFrame,
    measure: str,
    title: str,
    effects: str = "sampled",
    height: int = BAND_HEIGHT,
    history: pd.DataFrame | None = None,
    future: str = "uncertain",
) -> go.Figure:
    """A measure by month: mean and 5th-95th percentile band, baseline and each variant.

    ``history`` (month, measure, value; see :func:`calibration.published.published_history`) adds
    the published figures of past years as points, joined to the projection's first month by a
    dotted line, so the projection is seen against them and starts where they end. Each band
    has its own legend entry (:data:`~sim.reporting.labels.BAND_LEGEND`); the y axis starts at
    0, so a wiggle is seen against the whole amount, and the x axis has a tick every 31 March
    up to the horizon. ``future``: the scenario's; with drawn futures the band is widened by
    the back-test's misses (:func:`sim.experiments.summaries.bands`).
    """
    fig = go.Figure()
    past = None if history is None else history[history["measure"] == measure]
    shaped = bands(monthly, measure, effects, future)
    futures = monthly["replication"].nunique() if "replication" in monthly else None
    legend = band_legend(futures)
    if past is not None and not past.empty:
        fig.add_trace(history_trace(past, measure))
        fig.add_trace(join_trace(past, shaped[shaped["variant"] == BASELINE]))
    for i, (variant, g) in enumerate(shaped.groupby("variant", sort=False)):
        colour = BASELINE_COLOUR if variant == BASELINE else PALETTE[i % len(PALETTE)]
        for trace in band_traces(g, measure, variant_label(variant), colour, legend):
            fig.add_trace(trace)
    months = [*shaped["month"], *([] if past is None else past["month"])]
    fig.update_layout(
        title=title,
        height=height,
        margin=BAND_MARGIN,
        yaxis={"title": MEASURES[measure].unit, "rangemode": "tozero"},
        xaxis=year_ticks(months),
        legend=LEGEND_BELOW,
    )
    return fig


def capacity_measure(monthly: pd.DataFrame) -> str:
    """The measure that shows whether social workers keep up: children waiting for one when
    any waited in the run, else the caseload each holds."""
    waited = monthly.loc[monthly["measure"] == "waiting_allocation", "value"].sum() > 0
    return "waiting_allocation" if waited else "caseload_per_sw"


def year_ticks(months: list[str]) -> dict:
    """An x axis of months ("2025-03") with a tick each year on the last month's calendar month
    (March: the 31 March of the published figures and of the horizon), to the last month."""
    if not months:
        return {}
    first, last = min(months), max(months)
    # a month either side, so the first and last ticks' labels are not cut at the edges
    edges = (pd.Period(first, "M") - 1, pd.Period(last, "M") + 1)
    return {
        "tick0": f"{last}-01",
        "dtick": "M12",
        "tickformat": "%b<br>%Y",
        "range": [f"{edges[0]}-01", f"{edges[1]}-15"],
    }


def history_trace(past: pd.DataFrame, measure: str) -> go.Scatter:
    """The published 31 March figures of past years, as points joined by a dotted line."""
    return go.Scatter(
        x=past["month"].tolist(),
        y=past["value"].tolist(),
        name="Published (31 March)",
        mode="markers+lines",
        line={"color": HISTORY_COLOUR, "dash": "dot"},
        marker={"color": HISTORY_COLOUR, "size": 8},
        hovertemplate=(
            f"Published, 31 %{{x|%B %Y}}<br>{label(measure)}: %{{y:,.0f}}<extra></extra>"
        ),
    )


def join_trace(past: pd.DataFrame, base: pd.DataFrame) -> go.Scatter:
    """A dotted line from the last published figure to the projection's first month, so the
    projected line starts where the published series ends (a step is then seen, not hidden:
    :func:`sim.reporting.explain.join_in_words` says why it is there)."""
    last = past.sort_values("month").iloc[-1]
    first = base.sort_values("month").iloc[:1]
    return go.Scatter(
        x=[last["month"], *first["month"]],
        y=[last["value"], *first["mean"]],
        mode="lines",
        line={"color": BASELINE_COLOUR, "dash": "dot", "width": 1},
        showlegend=False,
        hoverinfo="skip",
    )


def band_traces(
    g: pd.DataFrame, measure: str, name: str, colour: str, legend: str = BAND_LEGEND
) -> list[go.Scatter]:
    """One variant's band (5th to 95th percentile, shaded, with its own legend entry,
    ``legend``: :func:`~sim.reporting.labels.band_legend`) and its mean line."""
    return [
        go.Scatter(
            x=g["month"],
            y=g["p95"],
            line={"width": 0},
            legendgroup=f"{name} band",
            showlegend=False,
            hoverinfo="skip",
        ),
        go.Scatter(
            x=g["month"],
            y=g["p5"],
            fill="tonexty",
            line={"width": 0},
            fillcolor=_rgba(colour, 0.18),
            name=f"{name}: {legend}",
            legendgroup=f"{name} band",
            hoverinfo="skip",
        ),
        go.Scatter(
            x=g["month"],
            y=g["mean"],
            name=name,
            line={"color": colour},
            customdata=g[["p5", "p95"]],
            hovertemplate=(
                f"{name}<br>Month %{{x}}<br>{label(measure)}: %{{y:,.0f}} "
                "(range %{customdata[0]:,.0f} to %{customdata[1]:,.0f})"
                "<extra></extra>"
            ),
        ),
    ]


def cost_total_chart(costs: pd.DataFrame, effects: str = "sampled") -> go.Figure:
    """Mean total cost by financial year (£m), baseline beside each variant, from £0."""
    cost = cost_by_year(costs, effects)
    fig = go.Figure(
        [
            go.Bar(
                x=g["financial_year"],
                y=g["cost_gbp"] / 1e6,
                name=variant_label(v),
                hovertemplate="%{x}: £%{y:,.2f}m<extra></extra>",
            )
            for v, g in cost.groupby("variant")
        ]
    )
    fig.update_layout(
        title="Cost by financial year (£m)", barmode="group", height=340, yaxis_rangemode="tozero"
    )
    return fig


def cost_difference_chart(
    costs: pd.DataFrame, variant: str, effects: str = "sampled", title: str = ""
) -> go.Figure:
    """The pilot's cost minus today's by financial year (£m), with its range (9 in 10 simulated
    futures) as error bars: a £1m difference is seen, where two bars of £50m would hide it."""
    diff = cost_difference_by_year(costs, variant, effects)
    mean, p5, p95 = (diff[c].to_numpy() / 1e6 for c in ("mean", "p5", "p95"))
    fig = go.Figure(
        go.Bar(
            x=diff["financial_year"],
            y=mean,
            name=f"{variant_label(variant)} minus today",
            marker_color=[PALETTE[1] if m > 0 else PALETTE[2] for m in mean],
            error_y={
                "type": "data",
                "array": p95 - mean,
                "arrayminus": mean - p5,
                "color": HISTORY_COLOUR,
            },
            customdata=list(zip(p5, p95, strict=True)),
            hovertemplate=(
                "%{x}: £%{y:,.2f}m (in 9 of 10 simulated futures £%{customdata[0]:,.2f}m to "
                "£%{customdata[1]:,.2f}m)<extra></extra>"
            ),
        )
    )
    fig.add_hline(y=0, line={"color": "black", "width": 1})
    fig.update_layout(
        title=title or COST_DIFFERENCE_TITLE,
        height=340,
        margin={"t": 50, "b": 30},
        yaxis={"title": "£m (above 0: costs more than today)", "zeroline": True},
        showlegend=False,
    )
    return fig


def cost_change_by_line(
    costs: pd.DataFrame, variant: str, effects: str = "sampled"
) -> pd.DataFrame:
    """Mean change in cost against today by financial year and line (GBP; + costs more).

    Replications are paired, so the mean of the differences is the difference of the means.
    """
    by_line = cost_by_year(costs, effects, by_line=True)
    wide = by_line.pivot_table(
        index=["financial_year", "line"], columns="variant", values="cost_gbp", fill_value=0.0
    )
    out = (wide[variant] - wide[BASELINE]).rename("change_gbp").reset_index()
    moved = out.groupby("line")["change_gbp"].transform(lambda v: v.abs().max()) > 0.5
    return out[moved]


def cost_change_chart(costs: pd.DataFrame, variant: str, effects: str = "sampled") -> go.Figure:
    """What changes by financial year, line by line: the pilot's cost up, savings down (£m)."""
    change = cost_change_by_line(costs, variant, effects)
    fig = go.Figure()
    order = change.groupby("line")["change_gbp"].sum().sort_values(ascending=False).index
    for line in order:
        g = change[change["line"] == line]
        fig.add_trace(
            go.Bar(
                x=g["financial_year"],
                y=g["change_gbp"] / 1e6,
                name=cost_line_label(line),
                marker_color=PALETTE[0] if line.startswith("policy: ") else None,
                hovertemplate=f"{cost_line_label(line)}<br>%{{x}}: £%{{y:,.3f}}m<extra></extra>",
            )
        )
    net = change.groupby("financial_year")["change_gbp"].sum()
    fig.add_trace(
        go.Scatter(
            x=net.index,
            y=net.to_numpy() / 1e6,
            mode="markers+lines",
            name="Net change",
            line={"color": "black", "width": 1.5},
            marker={"color": "black", "size": 7, "symbol": "diamond"},
        )
    )
    fig.update_layout(
        title="Change in cost against today by financial year (£m; below 0 saves)",
        barmode="relative",
        height=380,
        margin={"t": 50, "b": 30},
        yaxis_title="£m",
        legend={"font": {"size": 10}, "orientation": "h", "y": -0.12},
    )
    return fig


def net_cost_spread_chart(paired: pd.DataFrame, variant: str) -> go.Figure:
    """Net cost against today in every replication (£m), effects central and sampled."""
    fig = go.Figure()
    modes = {"central": "Effects at central values", "sampled": "Effects drawn from evidence"}
    for effects, name in modes.items():
        g = paired[(paired["variant"] == variant) & (paired["effects"] == effects)]
        if g.empty:
            continue
        fig.add_trace(
            go.Box(
                x=g["net_cost_gbp"] / 1e6,
                name=name,
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                marker={
                    "size": 6,
                    "color": PALETTE[0] if effects == "sampled" else BASELINE_COLOUR,
                },
                line={"width": 1},
                fillcolor="rgba(0,0,0,0)",
                hovertemplate="£%{x:,.3f}m<extra></extra>",
            )
        )
    fig.add_vline(x=0, line={"color": "black", "dash": "dot"})
    fig.update_layout(
        title="Net cost against today in each replication (£m; left of 0 saves money)",
        height=260,
        margin={"t": 50, "b": 40, "l": 180},
        xaxis_title="£m over the horizon",
        showlegend=False,
    )
    return fig
