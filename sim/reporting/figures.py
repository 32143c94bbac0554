"""A comparison's headline figures: read from its results files, and formatted for the report.

:func:`headline_figures` reads every figure (mean, 5th and 95th percentile, and counts of the
replications behind the probabilities and the payback year) from a comparison's
``summary.csv`` and ``paired.csv``; the report shows them and the manifest records them, so
``csc-sim reproduce`` can check them. :func:`make_figure` formats one figure with its range and
a note on what the range means.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.comparison import NO_PAYBACK
from sim.reporting.labels import format_value

#: z for a two-sided 90% interval, to match the 5th-95th percentile ranges elsewhere.
Z90 = 1.6449


def _number(value: Any) -> Any:
    """A CSV cell as a float where it is a number, else its text (e.g. a payback year)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def headline_figures(results: Path) -> dict[str, Any]:
    """Every headline figure, read from a comparison's ``summary.csv`` and ``paired.csv``.

    Returns ``{variant: {effects: {"summary": {measure: {mean, p5, p95}}, "replications":
    {...}}}}``; the counts under ``replications`` come from the per-replication results.
    """
    summary = pd.read_csv(Path(results) / "summary.csv", dtype={"mean": object})
    paired = pd.read_csv(Path(results) / "paired.csv", dtype={"payback_year": object})
    out: dict[str, Any] = {}
    for (variant, effects), g in summary.groupby(["variant", "effects"], sort=False):
        measures = {
            r.measure: {"mean": _number(r.mean), "p5": _number(r.p5), "p95": _number(r.p95)}
            for r in g.itertuples()
        }
        p = paired[(paired["variant"] == variant) & (paired["effects"] == effects)]
        out.setdefault(variant, {})[effects] = {
            "summary": measures,
            "replications": replication_counts(p),
        }
    return out


def replication_counts(p: pd.DataFrame) -> dict[str, Any]:
    """How many of a variant's replications save money, reduce care entries and pay back."""
    paying = p["payback_year"][p["payback_year"] != NO_PAYBACK].astype(str).sort_values()
    return {
        "n": len(p),
        "saving_money": int((p["npv_net_saving_gbp"] > 0).sum()),
        "reducing_care_entries": int((p["care_entries_averted"] > 0).sum()),
        "paying_back": len(paying),
        "payback_earliest": paying.iloc[0] if len(paying) else None,
        "payback_latest": paying.iloc[-1] if len(paying) else None,
    }


def wilson_interval(k: int, n: int, z: float = Z90) -> tuple[float, float]:
    """Wilson score interval for a share of ``k`` in ``n`` (90% by default)."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Figure:
    """One figure of the report with its range, formatted, and the raw values behind them."""

    measure: str
    label: str
    explain: str
    kind: str
    mean: Any
    p5: Any
    p95: Any
    mean_text: str
    p5_text: str | None
    p95_text: str | None
    note: str = ""


def _share_note(k: int, n: int) -> str:
    lo, hi = wilson_interval(k, n)
    return f"{k} of {n} simulated futures; 90% interval {lo:.0%} to {hi:.0%}"


def _payback_note(reps: dict[str, Any]) -> str:
    if not reps["paying_back"]:
        return f"none of {reps['n']} simulated futures pays back within the horizon"
    span = (
        reps["payback_earliest"]
        if reps["payback_earliest"] == reps["payback_latest"]
        else f"{reps['payback_earliest']} to {reps['payback_latest']}"
    )
    verb = "pays" if reps["paying_back"] == 1 else "pay"
    return f"{reps['paying_back']} of {reps['n']} simulated futures {verb} back ({span})"


def figure_note(measure: str, reps: dict[str, Any], note: str = "") -> str:
    """What a figure's range rests on: replications counted, for shares and the payback year."""
    if measure == "prob_saves_money":
        return _share_note(reps["saving_money"], reps["n"])
    if measure == "prob_reduces_care_entries":
        return _share_note(reps["reducing_care_entries"], reps["n"])
    if measure == "payback_year":
        return _payback_note(reps)
    return note


def make_figure(measure: str, label: str, kind: str, explain: str, block: dict[str, Any]) -> Figure:
    """A formatted figure from a variant's figures block (summary and replication counts)."""
    s = block["summary"][measure]
    mean, p5, p95 = s["mean"], s["p5"], s["p95"]
    numbers = [abs(v) for v in (mean, p5, p95) if isinstance(v, float) and not math.isnan(v)]
    scale = max(numbers) if numbers else None
    has_range = p5 is not None and p95 is not None
    note = ""
    if has_range and p5 == p95:
        has_range, note = False, "the same in every simulated future (set by the pilot's design)"
    return Figure(
        measure=measure,
        label=label,
        explain=explain,
        kind=kind,
        mean=mean,
        p5=p5,
        p95=p95,
        mean_text=format_value(kind, mean, scale),
        p5_text=format_value(kind, p5, scale) if has_range else None,
        p95_text=format_value(kind, p95, scale) if has_range else None,
        note=figure_note(measure, block["replications"], note),
    )


def reading_sentence(name: str, where: str, years: float, figs: list[Figure]) -> str:
    """The summary in one plain sentence, from the same formatted figures the page shows."""
    f = {x.measure: x for x in figs}
    if not where.startswith(("across", "families")):
        where = f"in {where}"
    elif where.startswith("families"):
        where = f"with {where}"
    ce, days, net = f["care_entries_averted"], f["child_days_in_care_avoided"], f["net_cost_gbp"]
    saves = f["prob_saves_money"]
    if isinstance(ce.mean, float) and ce.mean > 0:
        first = (
            f"Under these assumptions {name}, working {where}, keeps about {ce.mean_text} "
            f"more {'child' if ce.mean_text == '1' else 'children'} out of care (range "
            f"{ce.p5_text} to {ce.p95_text}) and avoids "
            f"{days.mean_text} child-days in care over {years:g} years"
        )
    else:
        first = (
            f"Under these assumptions {name}, working {where}, does not reduce care entries "
            f"on average over {years:g} years ({ce.mean_text}; range {ce.p5_text} to {ce.p95_text})"
        )
    money = (
        f"its net cost against today is {net.mean_text} (range {net.p5_text} to "
        f"{net.p95_text}), and it saves money in {saves.note.split(';')[0]}"
    )
    payback = f["payback_year"]
    ends = (
        f"; it pays back by {payback.mean_text}"
        if payback.mean_text != NO_PAYBACK
        else "; on average it does not pay back within the horizon"
    )
    return f"{first}; {money}{ends}."
