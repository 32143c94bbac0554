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
from pathlib import Path

import pandas as pd
import streamlit as st

from calibration.published import published_history, shipped_council
from sim.api import (
    HeldBaselines,
    build_scenario,
    builtin_policies,
    comparison_steps,
    local_workers,
    resize,
    scenario_from_yaml,
    scenario_yaml,
)
from sim.inputs.policies import EFFECT_LABELS
from sim.inputs.scenario import Scenario, ScenarioError
from sim.reporting.charts import band_chart, cost_total_chart

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
    from calibration.ees import councils as all_councils

    return [a.name for a in all_councils()]


@st.cache_data(show_spinner=False)
def history_of(council: str | None, population: int) -> pd.DataFrame:
    """The published 31 March figures the charts show beside the projection."""
    return published_history(council, population)


@st.cache_data(show_spinner=False)
def council_set(name: str) -> tuple[str, int] | None:
    return shipped_council(name)


@st.cache_data(show_spinner=False)
def council_parameters(name: str) -> tuple[dict, int]:
    from calibration.council import calibrate, plain

    params, _ = calibrate(name, iterations=4, replications=2, population=50_000)
    pop = params.pop("_population")
    return plain(params), pop


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


def money(v: float) -> str:
    return f"{'-' if v < 0 else ''}£{abs(v) / 1e6:,.2f}m"  # -£2.55m, as the CLI writes it


def count(v: float) -> str:
    return f"{round(v):,}"


def figure(
    col, summary: pd.DataFrame, variant: str, measure: str, label: str, fmt, explain: str
) -> None:
    """A headline figure with its range and a one-line explanation in plain words."""
    r = row(summary, variant, measure)
    rng = f"range {fmt(r['p5'])} to {fmt(r['p95'])}"
    col.metric(label, fmt(r["mean"]), help=f"{explain}; {rng} (5th-95th percentile)")
    col.caption(rng)


def row(summary: pd.DataFrame, variant: str, measure: str, effects: str = "sampled") -> pd.Series:
    sel = summary[
        (summary["variant"] == variant)
        & (summary["effects"] == effects)
        & (summary["measure"] == measure)
    ]
    return sel.iloc[0]


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
    summary, monthly = res["summary"], res["monthly"]
    variant = next(iter(scenario.compared_variants()))
    where_name = scenario.name.split(":")[0]
    st.subheader(f"{variant}: against today's way of working in {where_name}")
    c = st.columns(4)
    figure(
        c[0],
        summary,
        variant,
        "care_entries_averted",
        "Care entries averted",
        count,
        "Children kept out of care over the horizon",
    )
    figure(
        c[1],
        summary,
        variant,
        "child_days_in_care_avoided",
        "Child-days in care avoided",
        count,
        "Days children would otherwise have spent looked after",
    )
    figure(
        c[2],
        summary,
        variant,
        "net_cost_gbp",
        "Net cost against today",
        money,
        "Pilot costs less savings on placements, proceedings and casework",
    )
    figure(
        c[3],
        summary,
        variant,
        "npv_net_saving_gbp",
        "Net present value of the saving",
        money,
        "Savings less costs, discounted at 3.5% a year (HM Treasury Green Book)",
    )
    c = st.columns(4)
    ret = row(summary, variant, "return_per_pound")["mean"]
    c[0].metric(
        "Return per £1 invested",
        f"£{ret:.2f}",
        help="Savings for each pound the pilot costs (discounted)",
    )
    payback = str(row(summary, variant, "payback_year")["mean"])
    c[1].metric(
        "Payback year",
        "none yet" if payback.startswith("none") else payback,
        help="First financial year by whose end the savings repay the costs",
    )
    chance = row(summary, variant, "prob_saves_money")["mean"]
    c[2].metric(
        "Chance it saves money",
        f"{chance:.0%}",
        help="Share of replications in which the discounted saving is above zero",
    )
    figure(
        c[3],
        summary,
        variant,
        "cp_children_safely_home_gained",
        "Safely home after a CP plan",
        count,
        "More children who had a CP plan, at home at the end with no new referral in the next "
        "12 months (a count: fewer CP plans also lowers it)",
    )
    st.caption(
        "Ranges include both chance and what the evidence does not pin down (each "
        "replication draws the pilot's effect sizes from their evidence ranges)."
    )
    left, right = st.columns(2)
    # first figures and final ones are drawn in one run of the page: each chart its own key
    key = f"step{step}" if not final else "final"
    left.plotly_chart(
        band_chart(monthly, "looked_after", "Children looked after", history=history),
        width="stretch",
        key=f"looked_after-{key}",
    )
    right.plotly_chart(
        band_chart(monthly, "cp_plans", "Children on child protection plans", history=history),
        width="stretch",
        key=f"cp_plans-{key}",
    )
    left.plotly_chart(cost_total_chart(res["costs"]), width="stretch", key=f"cost-{key}")
    waited = monthly.loc[monthly["measure"] == "waiting_allocation", "value"].sum() > 0
    right.plotly_chart(
        band_chart(monthly, "waiting_allocation", "Children waiting for a social worker")
        if waited  # when capacity binds; otherwise how full the social workers are
        else band_chart(monthly, "caseload_per_sw", "Caseload per social worker (nobody waited)"),
        width="stretch",
        key=f"capacity-{key}",
    )
    if not final:
        return
    out = io.BytesIO()
    with pd.ExcelWriter(out) as xl:
        summary.to_excel(xl, sheet_name="summary", index=False)
        res["costs"].to_excel(xl, sheet_name="costs", index=False)
    d = st.columns(3)
    d[0].download_button("Results (CSV)", summary.to_csv(index=False), "results.csv")
    d[1].download_button("Results (Excel)", out.getvalue(), "results.xlsx")
    d[2].download_button("Scenario (YAML)", text, "scenario.yaml")


def page() -> None:
    """The page, top to bottom (only when Streamlit runs this file)."""
    st.set_page_config(page_title="Children's services: what would a pilot do?", layout="wide")
    st.title("What would a pilot mean for children and for the budget?")
    st.caption(
        "A simulation of children's social care: the same families, with and without the pilot. "
        "Every figure has a range; read the notes below before quoting one."
    )

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
        pilots = builtin_policies()
        chosen = st.multiselect(
            "Pilot", list(pilots), default=["Family Safeguarding"], key="pilots"
        )
        where = st.radio("Where", ["Whole council", "One locality"], horizontal=True)
        locality = None
        if where == "One locality":
            share = st.slider("Locality's share of the council's children (%)", 5, 50, 17) / 100
            demand = st.slider("Its demand relative to the council average", 1.0, 3.0, 2.1, 0.1)
            locality = {"share": share, "demand": demand, "risk": 1.25}
        start = st.date_input("Pilot starts", dt.date(2026, 4, 1))
        size = st.slider("Size of the pilot (staff, relative to the default)", 0.25, 2.0, 1.0, 0.25)
        years = st.slider("Years to project", 2, 10, 5, key="years")
        replications = st.slider(
            "Replications (more: narrower ranges, slower)", 4, 30, 10, key="reps"
        )

    scenario = None
    past = None
    try:
        if uploaded is not None:
            scenario = scenario_from_yaml(
                uploaded.getvalue().decode("utf-8", "replace"), uploaded.name
            )
            st.info(f"Opened {uploaded.name}: {scenario.name}")
        else:
            params, population = ({}, england_size)
            name, council_set_name = "England", "england"
            if not council.startswith("England"):
                shipped = council_set(council)
                if shipped is not None:  # calibrated ahead, shipped with the model
                    council_set_name, population = shipped
                else:
                    with st.spinner(f"Calibrating to {council}'s published figures (once)..."):
                        params, population = council_parameters(council)
                name = council
            past = history_of(None if name == "England" else name, population)
            scenario = build_scenario(
                council=council_set_name,
                parameters=params,
                population=population,
                policies=[resize(pilots[p], size) for p in chosen],
                start=start,
                years=years,
                replications=replications,
                locality=locality,
                name=f"{name}: {' + '.join(chosen) or 'no pilot'}",
            )
    except ScenarioError as exc:
        st.error(f"That scenario cannot be used: {exc}")

    if scenario is not None and not scenario.compared_variants():
        st.warning("Choose at least one pilot to compare with today's way of working.")
        scenario = None

    if scenario is not None:
        text = scenario_yaml(scenario)
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

        with st.expander("Save this scenario, reopen or compare saved ones"):
            label = st.text_input("Name", value=scenario.name[:60])
            if st.button("Save scenario"):
                SAVED.mkdir(parents=True, exist_ok=True)
                safe = "".join(ch if ch.isalnum() else "-" for ch in label).strip("-") or "scenario"
                (SAVED / f"{safe}.yaml").write_text(text, encoding="utf-8")
                st.success(f"Saved as {safe}")
            saved = sorted(p.stem for p in SAVED.glob("*.yaml")) if SAVED.exists() else []
            picked = st.multiselect("Saved scenarios to compare side by side", saved)
            rows = []
            for s_name in picked:
                res = comparison((SAVED / f"{s_name}.yaml").read_text(encoding="utf-8"))
                sc = scenario_from_yaml((SAVED / f"{s_name}.yaml").read_text(encoding="utf-8"))
                v = next(iter(sc.compared_variants()))
                s = res["summary"]
                rows.append(
                    {
                        "scenario": s_name,
                        "care entries averted": round(row(s, v, "care_entries_averted")["mean"]),
                        "net cost (£m)": round(row(s, v, "net_cost_gbp")["mean"] / 1e6, 2),
                        "chance it saves money": f"{row(s, v, 'prob_saves_money')['mean']:.0%}",
                    }
                )
            if rows:
                st.dataframe(pd.DataFrame(rows), hide_index=True)

    with st.expander("What this model is and is not"):
        st.markdown((TEXT / "what_this_model_is.md").read_text(encoding="utf-8"))
    with st.expander("Where the numbers come from"):
        for p in builtin_policies().values():
            st.markdown(f"**{p.name}**: {p.description}")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "changes": EFFECT_LABELS.get(e.target, e.target),
                            "central": e.central,
                            "range": f"{e.low} to {e.high}",
                            "evidence": e.evidence
                            + (
                                " (weak: treat with care)"
                                if e.evidence in ("weak", "testimony", "none")
                                else ""
                            ),
                            "study": e.study or "not named",
                            "design": e.design or "not stated",
                            "year": str(e.year) if e.year else "",
                            "source": e.source,
                        }
                        for e in p.effects
                    ]
                ),
                hide_index=True,
            )


# Streamlit runs this file as __main__; the worker processes that share a comparison's runs
# import it as __mp_main__ when they start, and must not draw the page (or start workers).
if __name__ == "__main__":
    page()
    workers()  # usually started by the page already, when it hands them today's way of working
