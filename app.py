"""The dashboard for council leaders: a pilot against today's way of working, in plain words.

A thin layer over ``sim``'s API: widgets build a scenario with ``sim.api.build_scenario``, the
comparison runs with common random numbers, and results are cached on the scenario's content,
so coming back to a scenario is instant. The page shows the pilot with its effects drawn from
their ranges, so only those runs are made. Those runs start on the workers as soon as a scenario
is built, while the leader is still reading and choosing; today's way of working (which does not
depend on the pilot) is kept for the last few choices.
The page draws first figures once a few replications are complete and refines them as the rest
finish. Run with ``streamlit run app.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from calibration.council import QUICK_FIT, calibrate, plain
from calibration.ees import councils as all_councils
from calibration.published import published_history, shipped_council
from sim.api import (
    HeldBaselines,
    build_scenario,
    builtin_policies,
    comparison_steps,
    example_locality,
    local_workers,
    resize,
    scenario_from_yaml,
    scenario_yaml,
)
from sim.inputs.scenario import Scenario, ScenarioError
from sim.reporting import labels
from sim.reporting.charts import band_chart, cost_total_chart
from sim.reporting.explain import looked_after_in_words

SAVED = Path(os.environ.get("CSC_SAVED_DIR", "saved_scenarios"))
TEXT = Path(__file__).parent / "docs"
#: The effect modes the page shows (each replication draws the pilot's effect sizes), so the
#: only ones run; the CLI's ``compare`` also runs effects at their central values.
SHOWN_EFFECTS = ("sampled",)
#: Baselines kept on the workers (the last few distinct ones a leader's choices led to).
BASELINES_KEPT = 4
#: Finished comparisons kept in memory, so returning to one is instant.
FINISHED_KEPT = 32
#: First figures once this many replications are complete (then again every few more).
FIRST_FIGURES = 4


@st.cache_data(show_spinner=False)
def councils() -> list[str]:
    """The councils a leader can choose, by name."""
    return [a.name for a in all_councils()]


@st.cache_data(show_spinner=False)
def history_of(council: str | None, population: int) -> pd.DataFrame:
    """The published 31 March figures the charts show beside the projection."""
    return published_history(council, population)


@st.cache_data(show_spinner=False)
def council_set(name: str) -> tuple[str, int] | None:
    """A council's shipped parameter set and children, if it was calibrated ahead."""
    return shipped_council(name)


@st.cache_data(show_spinner=False)
def council_parameters(name: str) -> tuple[dict, int]:
    """A quick calibration to a council's published figures (the library's quick fit)."""
    params, _ = calibrate(name, **QUICK_FIT.options())
    pop = params.pop("_population")
    return plain(params), pop


@st.cache_data(show_spinner=False)
def locality_defaults() -> dict[str, float]:
    """The example locality the "One locality" choice starts from (share, demand, risk)."""
    return example_locality()


@st.cache_resource(show_spinner=False)
def workers():
    """Worker processes that share a comparison's runs across the cores (CSC_WORKERS=0: none)."""
    n = int(os.environ.get("CSC_WORKERS", os.cpu_count() or 1))
    # held in a dict: Streamlit's cache refuses awaitable objects such as a Dask client
    return {"client": local_workers(n) if n > 1 else None}


@st.cache_resource(show_spinner=False)
def held_baselines() -> HeldBaselines:
    """Today's way of working for the last few scenarios, running or run on the workers."""
    return HeldBaselines(keep=BASELINES_KEPT)


@st.cache_resource(show_spinner=False)
def held_comparisons() -> HeldBaselines:
    """The runs of comparisons under way, kept when the page reruns before they finish."""
    return HeldBaselines(keep=2)


@st.cache_resource(show_spinner=False)
def finished() -> dict[str, dict[str, pd.DataFrame]]:
    """Finished comparisons by scenario text (the newest :data:`FINISHED_KEPT`)."""
    return {}


def to_run(text: str) -> Scenario:
    """The scenario a comparison runs: read back from its YAML, as the cache keys it."""
    return scenario_from_yaml(text, "scenario")


def comparison(text: str, slot=None, history=None) -> dict[str, pd.DataFrame]:
    """The comparison of the scenario ``text``: from memory if finished, else run, showing
    first figures in ``slot`` (if given) once a few replications are complete, then refining
    them (with the published ``history`` in their charts)."""
    done = finished()
    if text in done:
        return done[text]
    scenario = to_run(text)
    client = workers()["client"]
    bar = st.progress(0.0, text="Running: the same families, with and without the pilot")
    for complete, n, res in comparison_steps(
        scenario,
        client,
        SHOWN_EFFECTS,
        band=held_baselines().band(scenario),
        first=FIRST_FIGURES,
        progress=lambda i, n: bar.progress(i / n, text=f"{i} of {n} runs done"),
        hold=lambda futures: held_comparisons().hold(text, futures),
    ):
        if complete < n and slot is not None:
            slot.empty()  # a fresh container: nothing of the last step's figures stays
            with slot.container():
                st.info(
                    f"First figures, from {complete} of {n} replications: the ranges narrow, "
                    "and the figures may move a little, as the rest finish."
                )
                results(scenario, res, text, final=False, step=complete, history=history)
    bar.empty()
    done[text] = res
    while len(done) > FINISHED_KEPT:
        done.pop(next(iter(done)), None)  # another session may have let it go already
    return res


def row(summary: pd.DataFrame, variant: str, measure: str, effects: str = "sampled") -> pd.Series:
    """A figure's row of a comparison's summary (mean, 5th and 95th percentile)."""
    sel = summary[
        (summary["variant"] == variant)
        & (summary["effects"] == effects)
        & (summary["measure"] == measure)
    ]
    return sel.iloc[0]


def tile(col, summary: pd.DataFrame, variant: str, measure: str) -> None:
    """A headline figure, with its range where it has one, and what it means in plain words."""
    r = row(summary, variant, measure)
    name, explain = labels.short_label(measure), labels.help_text(measure)
    if not labels.has_range(measure):
        col.metric(name, labels.tile_text(measure, r["mean"]), help=explain)
        return
    fmt = labels.value_format(measure)
    rng = f"range {fmt(r['p5'])} to {fmt(r['p95'])}"
    col.metric(name, fmt(r["mean"]), help=f"{explain}; {rng} (5th-95th percentile)")
    col.caption(rng)


def results(
    scenario: Scenario,
    res: dict,
    text: str,
    *,
    final: bool,
    step: int = 0,
    history: pd.DataFrame | None = None,
) -> None:
    """The comparison's figures and charts (and, when ``final``, its downloads); ``history``:
    the published figures the charts set the projection against."""
    summary = res["summary"]
    variant = next(iter(scenario.compared_variants()))
    where_name = scenario.name.split(":")[0]
    st.subheader(f"{variant}: against today's way of working in {where_name}")
    for measures in labels.DASHBOARD_TILES:
        for col, measure in zip(st.columns(len(measures)), measures, strict=True):
            tile(col, summary, variant, measure)
    st.caption(
        "Ranges include both chance and what the evidence does not pin down (each "
        "replication draws the pilot's effect sizes from their evidence ranges)."
    )
    # first figures and final ones are drawn in one run of the page: each chart its own key
    charts(res, "final" if final else f"step{step}", history)
    if final:
        downloads(res, text)


def charts(res: dict, key: str, history: pd.DataFrame | None) -> None:
    """Children looked after and on CP plans against the published figures, cost by year, and
    waiting for a social worker (or, when nobody waited, how full the social workers are)."""
    monthly = res["monthly"]
    left, right = st.columns(2)
    for col, measure in ((left, "looked_after"), (right, "cp_plans")):
        col.plotly_chart(
            band_chart(monthly, measure, labels.chart_title(measure), history=history),
            width="stretch",
            key=f"{measure}-{key}",
        )
    left.caption(f"Today's way of working: {looked_after_in_words(monthly)}")
    left.plotly_chart(cost_total_chart(res["costs"]), width="stretch", key=f"cost-{key}")
    waited = monthly.loc[monthly["measure"] == "waiting_allocation", "value"].sum() > 0
    capacity = "waiting_allocation" if waited else "caseload_per_sw"
    right.plotly_chart(
        band_chart(monthly, capacity, labels.chart_title(capacity)),
        width="stretch",
        key=f"capacity-{key}",
    )


def downloads(res: dict, text: str) -> None:
    """The results as CSV and Excel, and the scenario as YAML."""
    summary = res["summary"]
    out = io.BytesIO()
    with pd.ExcelWriter(out) as xl:
        summary.to_excel(xl, sheet_name="summary", index=False)
        res["costs"].to_excel(xl, sheet_name="costs", index=False)
    d = st.columns(3)
    d[0].download_button("Results (CSV)", summary.to_csv(index=False), "results.csv")
    d[1].download_button("Results (Excel)", out.getvalue(), "results.xlsx")
    d[2].download_button("Scenario (YAML)", text, "scenario.yaml")


@dataclass(frozen=True)
class Choices:
    """What a leader chose in the sidebar."""

    uploaded: Any
    council: str
    england_size: int
    chosen: list[str]
    locality: dict[str, float] | None
    start: dt.date
    size: float
    years: int
    replications: int
    expand: bool = False


def sidebar() -> Choices:
    """The council, the pilot, where, when, how big, how long and how many replications."""
    with st.sidebar:
        st.header("Your council and pilot")
        uploaded = st.file_uploader("Open a scenario file (YAML)", type=["yaml", "yml"])
        council = st.selectbox(
            "Council", ["England (scaled to a council)", *councils()], key="council"
        )
        england_size = 100_000
        if council.startswith("England"):
            england_size = int(
                st.number_input(
                    "Children aged 0-17 in the council",
                    5_000,
                    500_000,
                    100_000,
                    step=5_000,
                    key="children",
                )
            )
        chosen = st.multiselect(
            "Pilot", list(builtin_policies()), default=["Family Safeguarding"], key="pilots"
        )
        where = st.radio("Where", ["Whole council", "One locality"], horizontal=True)
        locality = locality_choice() if where == "One locality" else None
        start = st.date_input("Pilot starts", dt.date(2026, 4, 1))
        size = st.slider("Size of the pilot (x its default team per child)", 0.25, 2.0, 1.0, 0.25)
        expand = st.checkbox(
            "Model an expansion where the council already runs the pilot",
            key="expand",
            help="A council that already runs a pilot across its area (Walsall, Family "
            "Safeguarding) has it in its published figures: by default it adds nothing there. "
            "Tick to add its full effect, staff and costs on top.",
        )
        years = st.slider("Years to project", 2, 10, 5, key="years")
        replications = st.slider(
            "Replications (more: narrower ranges, slower)", 4, 30, 10, key="reps"
        )
    return Choices(
        uploaded, council, england_size, chosen, locality, start, size, years, replications, expand
    )


def locality_choice() -> dict[str, float]:
    """The pilot's locality: its share of children and its demand (the example's risk)."""
    example = locality_defaults()
    share = (
        st.slider(
            "Locality's share of the council's children (%)",
            5,
            50,
            round(example["share"] * 100),
        )
        / 100
    )
    demand = st.slider(
        "Its demand relative to the council average", 1.0, 3.0, example["demand"], 0.1
    )
    return {"share": share, "demand": demand, "risk": example["risk"]}


def chosen_scenario(c: Choices) -> tuple[Scenario | None, pd.DataFrame | None]:
    """The scenario the choices (or an uploaded file) make, and the published history to chart
    it against; the library's error is shown as it is when the scenario cannot be used."""
    try:
        if c.uploaded is not None:
            scenario = scenario_from_yaml(
                c.uploaded.getvalue().decode("utf-8", "replace"), c.uploaded.name
            )
            st.info(f"Opened {c.uploaded.name}: {scenario.name}")
            return scenario, None
        params, population = ({}, c.england_size)
        name, council_set_name = "England", "england"
        if not c.council.startswith("England"):
            shipped = council_set(c.council)
            if shipped is not None:  # calibrated ahead, shipped with the model
                council_set_name, population = shipped
            else:
                with st.spinner(f"Calibrating to {c.council}'s published figures (once)..."):
                    params, population = council_parameters(c.council)
            name = c.council
        past = history_of(None if name == "England" else name, population)
        pilots = builtin_policies()
        scenario = build_scenario(
            council=council_set_name,
            parameters=params,
            population=population,
            policies=[resize(pilots[p], c.size) for p in c.chosen],
            start=c.start,
            years=c.years,
            replications=c.replications,
            locality=c.locality,
            name=f"{name}: {' + '.join(c.chosen) or 'no pilot'}",
            already_running="expand" if c.expand else "include",
        )
        return scenario, past
    except ScenarioError as exc:
        st.error(f"That scenario cannot be used: {exc}")
        return None, None


def run_section(scenario: Scenario, text: str, past: pd.DataFrame | None) -> None:
    """Start the comparison in the background; show it when asked for (and after)."""
    # start the comparison now, in the background, while the leader reads and chooses
    # (from the text, so its runs are the very ones "Run" will ask for); today's way of
    # working, which does not depend on the pilot, is kept for the last few choices
    held_baselines().prefetch(to_run(text), workers()["client"], SHOWN_EFFECTS)
    run = st.button("Run the comparison", type="primary", key="run")
    if run or st.session_state.get("last") == text:
        st.session_state["last"] = text
        slot = st.empty()
        res = comparison(text, slot, past)
        slot.empty()
        with slot.container():
            # the same first element as the first figures', so the figures below take
            # their places
            st.success(
                f"From all {scenario.replications} replications.",
            )
            results(scenario, res, text, final=True, history=past)


def saved_section(scenario: Scenario, text: str) -> None:
    """Save the scenario, and compare saved ones side by side."""
    with st.expander("Save this scenario, reopen or compare saved ones"):
        label = st.text_input("Name", value=scenario.name[:60])
        if st.button("Save scenario"):
            SAVED.mkdir(parents=True, exist_ok=True)
            safe = "".join(ch if ch.isalnum() else "-" for ch in label).strip("-") or "scenario"
            (SAVED / f"{safe}.yaml").write_text(text, encoding="utf-8")
            st.success(f"Saved as {safe}")
        saved = sorted(p.stem for p in SAVED.glob("*.yaml")) if SAVED.exists() else []
        picked = st.multiselect("Saved scenarios to compare side by side", saved)
        rows = [saved_row(s_name) for s_name in picked]
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True)


def saved_row(s_name: str) -> dict[str, Any]:
    """A saved scenario's figures for the side-by-side table."""
    res = comparison((SAVED / f"{s_name}.yaml").read_text(encoding="utf-8"))
    sc = scenario_from_yaml((SAVED / f"{s_name}.yaml").read_text(encoding="utf-8"))
    v = next(iter(sc.compared_variants()))
    s = res["summary"]
    return {
        "scenario": s_name,
        "care entries averted": round(row(s, v, "care_entries_averted")["mean"]),
        "net cost (£m)": round(row(s, v, "net_cost_gbp")["mean"] / 1e6, 2),
        "chance it saves money": labels.percent(row(s, v, "prob_saves_money")["mean"]),
    }


def notes_section() -> None:
    """What the model is and is not, and where each pilot's effects come from."""
    with st.expander("What this model is and is not"):
        st.markdown((TEXT / "what_this_model_is.md").read_text(encoding="utf-8"))
    with st.expander("Where the numbers come from"):
        for p in builtin_policies().values():
            st.markdown(f"**{p.name}**: {p.description}")
            st.dataframe(pd.DataFrame([effect_row(e) for e in p.effects]), hide_index=True)


def effect_row(e: Any) -> dict[str, str]:
    """An effect of a pilot as a row: what it changes, by how much, and the evidence."""
    warning = labels.evidence_warning(e)
    range_warning = labels.range_warning(e)
    return {
        "changes": labels.effect_label(e.target),
        "central": e.central,
        "range": f"{e.low} to {e.high}" + (f" ({range_warning})" if range_warning else ""),
        "evidence": e.evidence + (f" ({warning})" if warning else ""),
        "study": e.study or "not named",
        "design": e.design or "not stated",
        "year": str(e.year) if e.year else "",
        "source": e.source,
        "why the low end": e.low_reason,
        "why the high end": e.high_reason,
    }


def page() -> None:
    """The page, top to bottom (only when Streamlit runs this file)."""
    st.set_page_config(page_title="Children's services: what would a pilot do?", layout="wide")
    st.title("What would a pilot mean for children and for the budget?")
    st.caption(
        "A simulation of children's social care: the same families, with and without the pilot. "
        "Every figure has a range; read the notes below before quoting one."
    )
    scenario, past = chosen_scenario(sidebar())
    if scenario is not None and not scenario.compared_variants():
        st.warning("Choose at least one pilot to compare with today's way of working.")
        scenario = None
    if scenario is not None:
        text = scenario_yaml(scenario)
        for note in scenario.running_notes():
            st.info(note)
        run_section(scenario, text, past)
        saved_section(scenario, text)
    notes_section()


# Streamlit runs this file as __main__; the worker processes that share a comparison's runs
# import it as __mp_main__ when they start, and must not draw the page (or start workers).
if __name__ == "__main__":
    page()
    workers()  # usually started by the page already, when it hands them today's way of working
