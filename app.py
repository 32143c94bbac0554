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
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from calibration.council import QUICK_FIT, calibrate, plain
from calibration.ees import councils as all_councils
from calibration.ees import find_area
from calibration.published import published_history, shipped_council
from calibration.readers import CouncilDataError
from calibration.uploads import (
    OwnCalibration,
    calibrate_from_files,
    council_files,
    problem_rows,
    what_was_read,
)
from sim.api import (
    ChartPanel,
    HeldBaselines,
    build_scenario,
    builtin_policies,
    comparison_charts,
    comparison_steps,
    dashboard_choices,
    local_workers,
    resize,
    result_files,
    same_choices,
    scenario_from_yaml,
    scenario_yaml,
    with_entered_costs,
    with_unit_costs,
)
from sim.hosting.audit import AuditLog
from sim.hosting.folders import AUDIT_FILE, SCENARIOS_FILE, data_folder
from sim.hosting.identity import LOCAL_USER, User, user_from_claims
from sim.hosting.scenarios import SavedScenario, ScenarioAccessError, ScenarioStore
from sim.inputs.localities import (
    OWN_DEMAND_BASIS,
    LocalityError,
    NamedLocality,
    council_localities,
    own_locality,
)
from sim.inputs.scenario import Scenario, ScenarioError
from sim.reporting import labels, unit_costs, verdict

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


def show_tiles(tiles: list[verdict.Tile], per_row: int = 3) -> None:
    """Headline figures, ``per_row`` to a row: value, then its period and range in words."""
    for start in range(0, len(tiles), per_row):
        row_tiles = tiles[start : start + per_row]
        for col, t in zip(st.columns(per_row), row_tiles, strict=False):
            col.metric(t.label, t.value, help=t.help)
            col.caption(t.caption)


def results(
    scenario: Scenario,
    res: dict,
    text: str,
    *,
    final: bool,
    step: int = 0,
    history: pd.DataFrame | None = None,
) -> None:
    """The verdict, then the figures for children and the money (net cost by cost line, where
    each unit cost comes from), then the charts (and, when ``final``, the downloads);
    ``history``: the published figures the charts set the projection against."""
    variant, policies = next(iter(scenario.compared_variants().items()))
    covers = verdict.period(scenario.start_date, scenario.months)
    summary, already = res["summary"], verdict.runs_already(policies)
    where = verdict.where_words(scenario)
    st.subheader(f"{variant}: against today's way of working in {where}")
    # first figures and final ones are drawn in one run of the page: each its own key
    stage = "final" if final else f"step{step}"
    with st.container(key=f"verdict-{stage}"):
        st.markdown(
            "#### "
            + verdict.summary_verdict(
                summary, variant, where, scenario.years, covers=covers, already_runs=already
            )
        )
    if not already:
        figures_section(scenario, res, variant, policies, covers)
    charts(res, stage, history, scenario, variant, text)
    if final:
        downloads(res, text)


def table_height(table: pd.DataFrame) -> int:
    """Pixels that show every row of a small table (Streamlit's rows are 35 px)."""
    return 35 * (len(table) + 1) + 3


def figures_section(
    scenario: Scenario, res: dict, variant: str, policies: list, covers: str
) -> None:
    """The figures behind the verdict: for children, then the money in one sign convention, the
    pilot's staff, the net cost by cost line with where its unit costs come from."""
    summary, book = res["summary"], scenario.cost_book()
    st.caption(
        f"Every figure covers the financial years {covers}; the pilot starts on "
        f"{min(p.start_date for p in policies):%-d %B %Y}."
    )
    st.markdown("##### For children")
    show_tiles(verdict.outcome_tiles(summary, variant, covers))
    st.markdown("##### Money")
    st.caption(f"{labels.SIGN_CONVENTION} {labels.NPV_WORDS}")
    show_tiles(verdict.money_tiles(summary, variant, covers, res["paired"]))
    shares = scenario.locality_shares()
    own = verdict.pilot_costs(policies, scenario.population, shares)
    staff = verdict.pilot_staff(policies, scenario.population, shares)
    st.markdown(
        f"**The pilot adds {staff}** {verdict.served_words(policies, scenario)}; its own cost "
        "is their pay" + (f", {own}" if own else "") + "."
    )
    placeholders = unit_costs.placeholder_count(book)
    if placeholders:
        st.warning(
            f"{placeholders} of the {len(book.items)} unit costs behind these figures are "
            "placeholders (judgement or unverified), flagged PLACEHOLDER below: enter your "
            "council's own under \"Your council's own unit costs\" before quoting the money."
        )
    st.markdown("**Net cost by cost line** (positive: the pilot costs more on that line)")
    lines = verdict.cost_lines(res["costs"], variant, book, policies)
    # a static table: its text wraps, so every column, the placeholder flags included, is read
    # whole at 1280 px without scrolling sideways
    st.table(lines.set_index("Cost line"))
    st.caption(
        f"{labels.difference_range_words(scenario.replications)} {labels.UNCERTAINTY_NOTE}. "
        f"{labels.cost_sources(book, policies)}."
    )
    st.caption(labels.level_range_words(scenario.future, scenario.replications))


@st.cache_data(show_spinner=False, max_entries=8)
def final_charts(
    text: str, variant: str, _res: dict, _scenario: Scenario, _history: pd.DataFrame | None
) -> list[ChartPanel]:
    """A finished comparison's charts, made once per scenario text (the text determines the
    results, the scenario and the published history: the underscored arguments are not hashed)."""
    return comparison_charts(_res, _scenario, variant, _history)


@st.cache_data(show_spinner=False, max_entries=8)
def final_files(text: str, _res: dict) -> tuple[str, bytes]:
    """A finished comparison's CSV and Excel downloads, made once per scenario text."""
    return result_files(_res)


def charts(
    res: dict, key: str, history: pd.DataFrame | None, scenario: Scenario, variant: str, text: str
) -> None:
    """Children looked after and on CP plans against the published figures, the pilot's cost
    against today's by year, and waiting for a social worker (or, when nobody waited, how full
    the social workers are), each titled with what it covers and with a line saying why it
    moves; a pilot in one locality gets a line on what it changes there. A finished
    comparison's charts are made once; first figures' charts each time (which replications
    finished first varies)."""
    if key == "final":
        panels = final_charts(text, variant, res, scenario, history)
    else:
        panels = comparison_charts(res, scenario, variant, history)
    columns = st.columns(2)
    for panel in panels:
        col = columns[panel.column]
        if panel.figure is not None:
            col.plotly_chart(panel.figure, width="stretch", key=f"{panel.key}-{key}")
        col.caption(panel.caption)


def downloads(res: dict, text: str) -> None:
    """The results as CSV and Excel, and the scenario as YAML."""
    csv_text, xlsx = final_files(text, res)
    d, ref = st.columns(3), scenario_ref(text)
    for col, (label, data, file) in zip(
        d,
        (
            ("Results (CSV)", csv_text, "results.csv"),
            ("Results (Excel)", xlsx, "results.xlsx"),
            ("Scenario (YAML)", text, "scenario.yaml"),
        ),
        strict=True,
    ):
        col.download_button(
            label,
            data,
            file,
            on_click=record,
            args=("downloaded",),
            kwargs={**ref, "file": file},
        )


@dataclass(frozen=True)
class Choices:
    """What a leader chose in the sidebar."""

    uploaded: Any
    council: str
    england_size: int
    chosen: list[str]
    locality: dict[str, Any] | None
    start: dt.date
    size: float
    years: int
    replications: int
    expand: bool = False
    locality_error: str = ""


ENGLAND = "England (scaled to a council)"
WHERE = ("Whole council", "One locality")
OWN_LOCALITY = "Your own locality (enter it)"
NO_SHIPPED_LOCALITIES = (
    "{council} has no districts (only county councils' districts are listed here): enter your "
    "locality's name, its share of the children and its demand above."
)
#: The sidebar's controls before a leader changes them (keys of their widgets).
CONTROL_DEFAULTS = {
    "council": ENGLAND,
    "children": 100_000,
    "pilots": ["Family Safeguarding"],
    "where": WHERE[0],
    "start": dt.date(2026, 4, 1),
    "size": 1.0,
    "expand": False,
    "years": 5,
    "precision": "standard",
}


def sidebar() -> Choices:
    """The council, the pilot, where, when, how big, how long and how precise; then, for a
    scenario saved before, a file to open instead. Each control keeps its value in the
    session (a reopened scenario sets them all)."""
    for key, value in CONTROL_DEFAULTS.items():
        st.session_state.setdefault(key, value)
    with st.sidebar:
        st.header("Your council and pilot")
        council = st.selectbox("Council", [ENGLAND, *councils()], key="council")
        england_size = 100_000
        if council == ENGLAND:
            england_size = int(
                st.number_input(
                    "Children aged 0-17 in the council", 5_000, 500_000, step=5_000, key="children"
                )
            )
        chosen = st.multiselect("Pilot", list(builtin_policies()), key="pilots")
        where = st.radio("Where", WHERE, horizontal=True, key="where")
        locality, problem = locality_choice(council) if where == WHERE[1] else (None, "")
        start = st.date_input("Pilot starts", key="start")
        size = st.slider(
            "Size of the pilot (x its default team per child)",
            0.25,
            2.0,
            step=0.25,
            key="size",
            help="The pilot's team of full-time staff (FTE) per child, against the policy "
            "file's team (written per 100,000 children and scaled to the council's children).",
        )
        expand = st.checkbox(
            "Model an expansion where the council already runs the pilot",
            key="expand",
            help="A council that already runs a pilot across its area (Walsall, Family "
            "Safeguarding) has it in its published figures: by default it adds nothing there. "
            "Tick to add its full effect, staff and costs on top.",
        )
        years, replications, uploaded = horizon_precision_and_file()
    return Choices(
        uploaded,
        council,
        england_size,
        chosen,
        locality,
        start,
        size,
        years,
        replications,
        expand,
        problem,
    )


def horizon_precision_and_file() -> tuple[int, int, Any]:
    """The sidebar's last choices: years to project, precision (as replications), and a
    scenario file to open instead of the choices."""
    years = st.slider("Years to project", 2, 10, key="years")
    precision = st.select_slider(
        "Precision", list(labels.PRECISION), key="precision", help=labels.precision_help()
    )
    uploaded = st.file_uploader(
        "Or open a scenario file (YAML) saved before",
        type=["yaml", "yml"],
        key="upload",
        help="A scenario downloaded from this page, or written for the csc-sim command "
        "line; it replaces the choices above while it is open.",
    )
    return years, labels.PRECISION[precision], uploaded


@st.cache_data(show_spinner=False)
def localities_of(council: str) -> dict[str, NamedLocality]:
    """The council's shipped localities by name (none for England)."""
    return {loc.name: loc for loc in council_localities(council)}


def fill_locality(council: str) -> None:
    """Set the locality's controls from the one picked: a shipped locality's figures, or for
    the user's own a name to change, a fifth of the children and demand 1.0 (the council's
    average): judgements the page says are theirs to set."""
    picked = st.session_state.get(f"loc_pick:{council}")
    loc = localities_of(council).get(picked)
    values = (
        (loc.name, round(loc.share * 100, 1), loc.demand, loc.risk)
        if loc is not None
        else ("Pilot locality", 20.0, 1.0, 1.0)
    )
    for key, value in zip(("loc_name", "loc_share", "loc_demand", "loc_risk"), values, strict=True):
        st.session_state[key] = value


def locality_choice(council: str) -> tuple[dict[str, Any] | None, str]:
    """The pilot's locality: one of the council's shipped localities by name, or the user's
    own (name, share of children, relative demand); its figures are editable. Returns the
    locality as ``build_scenario`` takes it, or None and what is wrong with it."""
    shipped = localities_of(council)
    pick_key = f"loc_pick:{council}"
    if pick_key not in st.session_state:
        st.session_state[pick_key] = next(iter(shipped), OWN_LOCALITY)
        fill_locality(council)
    picked = st.selectbox(
        "Locality",
        [*shipped, OWN_LOCALITY],
        key=pick_key,
        on_change=fill_locality,
        args=(council,),
        help="Localities shipped with their source, or your own: its name, its share of the "
        "council's children and how many referrals per child it has against the council.",
    )
    if picked == OWN_LOCALITY:
        st.text_input("Locality's name", key="loc_name")
    share = st.number_input(
        "Its share of the council's children (%)", 0.5, 99.5, step=1.0, key="loc_share"
    )
    demand = st.number_input(
        "Its demand against the council's average (1.0 = average)",
        0.1,
        5.0,
        step=0.1,
        key="loc_demand",
        help="Contacts per child against the council's average: 2.0 is twice as many.",
    )
    loc = shipped.get(picked)
    st.caption(
        f"Source: {loc.source}. Demand: {loc.demand_basis}."
        if loc is not None
        else OWN_DEMAND_BASIS.capitalize()
    )
    if not shipped and council != ENGLAND:
        st.caption(NO_SHIPPED_LOCALITIES.format(council=council))
    try:
        chosen = own_locality(
            council if council != ENGLAND else "the council",
            st.session_state.get("loc_name", ""),
            share / 100,
            demand,
            risk=st.session_state.get("loc_risk", 1.0),
        )
    except LocalityError as exc:
        return None, str(exc)
    return chosen.choice(), ""


def chosen_scenario(c: Choices) -> tuple[Scenario | None, pd.DataFrame | None]:
    """The scenario the choices make (or the one opened, while the controls show it), and the
    published history to chart it against; the library's error is shown as it is when the
    scenario cannot be used."""
    if c.locality_error:
        st.error(f"That locality cannot be used: {c.locality_error}")
        return None, None
    opened = opened_scenario(c)
    if opened is not None:
        return opened
    try:
        params, population = ({}, c.england_size)
        name, council_set_name = "England", "england"
        if not c.council.startswith("England"):
            shipped, own = council_set(c.council), own_calibration(c.council)
            if own is not None:  # calibrated from the council's own files, uploaded here
                params, population = own.params, own.population
            elif shipped is not None:  # calibrated ahead, shipped with the model
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
        return with_unit_costs(scenario, carried_costs(c.council)), past
    except ScenarioError as exc:
        show_error("That scenario cannot be used", exc)
        return None, None


def show_error(lead: str, exc: Exception | str) -> None:
    """The library's error, one problem a line (as it gives them), under ``lead``."""
    st.error(labels.error_markdown(lead, str(exc)))


def costs_section(scenario: Scenario) -> Scenario:
    """The unit costs behind the money, each with where it comes from, for the council to
    replace with its own: the scenario with any it entered (saved with it, and in its YAML)."""
    book = scenario.cost_book()
    shown = unit_costs.cost_rows(book)
    placeholders = unit_costs.placeholder_count(book)
    title = "Your council's own unit costs" + (
        f" ({placeholders} placeholders to replace)" if placeholders else ""
    )
    with st.expander(title):
        st.caption(
            f"Each unit cost at {book.price_year} prices, and where it comes from. Type your "
            "council's own figure over any value: it is used from the next run, saved with "
            "the scenario and in its file, and shown as the council's own (entered)."
        )
        edited = st.data_editor(
            shown,
            key=f"unit-costs-{scenario.council}",
            disabled=[c for c in unit_costs.COLUMNS if c != "Value"],
            hide_index=True,
            height=table_height(shown),
            column_config={
                "Unit cost": st.column_config.TextColumn(width="large"),
                "Value": st.column_config.NumberColumn(min_value=0.0, width="medium"),
            },
        )
        entered = unit_costs.entered_values(shown, edited)
        if entered:
            st.success(unit_costs.entered_words(book, entered))
    try:
        return with_entered_costs(scenario, entered)
    except ScenarioError as exc:
        show_error("Those unit costs cannot be used", exc)
        return scenario


def run_section(scenario: Scenario, text: str, past: pd.DataFrame | None) -> None:
    """Start the comparison in the background; show it when asked for (and after)."""
    # start the comparison now, in the background, while the leader reads and chooses
    # (from the text, so its runs are the very ones "Run" will ask for); today's way of
    # working, which does not depend on the pilot, is kept for the last few choices
    held_baselines().prefetch(to_run(text), workers()["client"], SHOWN_EFFECTS)
    run = st.button("Run the comparison", type="primary", key="run")
    if run:
        record("ran", **scenario_ref(text))
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
    """Save the scenario as the user's own; reopen, rename, share or delete saved ones; compare
    saved ones side by side."""
    user = current_user()
    with st.expander("Save this scenario, reopen or compare saved ones"):
        label = st.text_input("Name", value=scenario.name[:60])
        if st.button("Save scenario"):
            try:
                saved = store().save(user, label, text)
            except ValueError as exc:
                st.error(f"Not saved: {exc}")
            else:
                record("saved", **scenario_ref(text), saved_as=saved.name)
                st.success(f"Saved as {saved.name} (only you see it until you share it)")
        visible = {s.label(user): s for s in store().visible(user)}
        if not visible:
            st.caption("No saved scenarios yet: yours stay yours unless you share them.")
            return
        manage_saved(user, visible)
        picked = st.multiselect("Saved scenarios to compare side by side", list(visible))
        rows = [saved_row(visible[s_label]) for s_label in picked if s_label in visible]
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True)


def manage_saved(user: User, visible: dict[str, SavedScenario]) -> None:
    """Open one saved scenario; rename, share (or stop sharing) or delete one of the user's."""
    by_id = {s.id: s for s in visible.values()}
    names = {s.id: s_label for s_label, s in visible.items()}
    ids = list(by_id)
    # keyed by the names it shows, so a rename redraws it: under one key the browser kept showing
    # the old name after the rename (until some other click); the pick stays where it was
    shown = hashlib.sha256("\n".join(names[i] for i in ids).encode()).hexdigest()[:12]
    kept = st.session_state.get("saved_kept")
    chosen = by_id[
        st.selectbox(
            "Saved scenario",
            ids,
            index=ids.index(kept) if kept in ids else 0,
            format_func=names.get,
            key=f"saved_pick:{shown}",
        )
    ]
    st.session_state["saved_kept"] = chosen.id
    cols = st.columns(4)
    if cols[0].button("Open", key="saved_open"):
        st.session_state["to_open"] = (chosen.name, chosen.yaml)
        record("opened", scenario=chosen.name, owner=chosen.owner_name)
        st.rerun()
    if not chosen.mine(user):
        st.caption(
            f"Shared by {chosen.owner_name}: you can open and compare it; only they can change it."
        )
        return
    share = "Stop sharing" if chosen.shared else "Share with colleagues"
    actions = {
        "shared" if not chosen.shared else "unshared": cols[1].button(share, key="saved_share"),
        "deleted": cols[3].button("Delete", key="saved_delete"),
    }
    new_name = cols[2].text_input(
        "New name", key="saved_new_name", label_visibility="collapsed", placeholder="New name"
    )
    actions["renamed"] = bool(new_name) and cols[2].button("Rename", key="saved_rename")
    for action, asked in actions.items():
        if asked:
            change_saved(user, chosen, action, new_name)


def change_saved(user: User, chosen: SavedScenario, action: str, new_name: str) -> None:
    """Share, stop sharing, rename or delete one of the user's saved scenarios, and log it."""
    try:
        if action == "renamed":
            store().rename(user, chosen.id, new_name)
        elif action == "deleted":
            store().delete(user, chosen.id)
        else:
            store().share(user, chosen.id, action == "shared")
    except (ValueError, ScenarioAccessError) as exc:
        st.error(str(exc))
        return
    record(action, scenario=chosen.name, **({"to": new_name} if action == "renamed" else {}))
    st.rerun()


def saved_row(saved: SavedScenario) -> dict[str, Any]:
    """A saved scenario's figures for the side-by-side table."""
    res = comparison(saved.yaml)
    sc = scenario_from_yaml(saved.yaml)
    v = next(iter(sc.compared_variants()))
    s = res["summary"]
    return {
        "scenario": saved.name,
        "saved by": saved.owner_name,
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
        "effect": labels.effect_words(e) + (f" ({range_warning})" if range_warning else ""),
        "multiplier": f"{e.central:g} ({e.low:g} to {e.high:g})",
        "evidence": e.evidence + (f" ({warning})" if warning else ""),
        "study": e.study or "not named",
        "design": e.design or "not stated",
        "year": str(e.year) if e.year else "",
        "source": e.source,
        "why the low end": e.low_reason,
        "why the high end": e.high_reason,
    }


# --- hosting: who is signed in, their saved scenarios, the audit log, the council's own files


def store() -> ScenarioStore:
    """Saved scenarios, each user's own, in the data folder (CSC_DATA_DIR)."""
    return store_in(data_folder() / SCENARIOS_FILE)


@st.cache_resource(show_spinner=False)
def store_in(path: Path) -> ScenarioStore:
    """The store in the SQLite file ``path`` (made once per file)."""
    return ScenarioStore(path)


def audit() -> AuditLog:
    """The audit log in the data folder: who did what, never a child's data."""
    return AuditLog(data_folder() / AUDIT_FILE)


def sign_in_required() -> bool:
    """Whether the council set up sign-in (an ``[auth]`` section in .streamlit/secrets.toml);
    on a laptop without it the page has one local user."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def signed_in_user() -> User | None:
    """The person using the page, or None (with a sign-in button) until they sign in."""
    if not sign_in_required():
        return LOCAL_USER
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        st.info("Sign in with your council account to use the dashboard.")
        if st.button("Sign in", type="primary", key="sign_in"):
            st.login()
        return None
    user = user_from_claims(claims)
    if st.session_state.get("user") != user:
        st.session_state["user"] = user
        audit().record(user, "signed in")
    with st.sidebar:
        st.caption(f"Signed in as {user.name}")
        st.button("Sign out", on_click=sign_out, key="sign_out")
    return user


def sign_out() -> None:
    """Log the sign-out, then end the sign-in (Streamlit clears its cookie)."""
    record("signed out")
    st.logout()


def current_user() -> User:
    """The user this session belongs to (the local user without sign-in)."""
    return st.session_state.get("user", LOCAL_USER)


def record(action: str, **details: Any) -> None:
    """Add an entry to the audit log for this session's user."""
    audit().record(current_user(), action, **details)


def scenario_ref(text: str) -> dict[str, str]:
    """How the audit log names a scenario: its name and a digest of its text."""
    name = to_run(text).name
    return {"scenario": name, "scenario_sha256": hashlib.sha256(text.encode()).hexdigest()[:16]}


def open_pending() -> None:
    """Open a scenario file just uploaded, or a saved scenario just asked for: set every control
    to it (before the controls are drawn) and keep it as the scenario opened."""
    upload = st.session_state.get("upload")
    if upload is not None:
        digest = hashlib.sha256(upload.getvalue()).hexdigest()
        if st.session_state.get("upload_applied") != digest:
            st.session_state["upload_applied"] = digest
            open_scenario(upload.name, upload.getvalue().decode("utf-8", "replace"))
    pending = st.session_state.pop("to_open", None)
    if pending is not None:
        open_scenario(*pending)


def open_scenario(name: str, text: str) -> None:
    """Set the controls to the scenario ``text`` and keep it (it runs as it is while the
    controls show it); a scenario that cannot be read is kept as the error to show."""
    st.session_state.pop("opened", None)
    st.session_state.pop("left_opened", None)
    try:
        scenario = scenario_from_yaml(text, name)
    except ScenarioError as exc:
        st.session_state["open_error"] = str(exc)
        return
    st.session_state.pop("open_error", None)
    want = dashboard_choices(scenario, builtin_policies())
    want["council"] = council_named(want["council"], scenario.council)
    # kept as the controls show it: a value they cannot show (20 years, 25 replications) is
    # not a change; the file still runs as it says until a control is changed
    st.session_state["opened"] = {"name": name, "text": text, "choices": set_controls(want)}


def council_named(name: str, council_set_name: str) -> str:
    """The council among the page's choices a scenario is for: by its name, else by its
    parameter set ("walsall"); "England" when neither is one of them."""
    if name in councils():
        return name
    by_set = {find_area(n).slug: n for n in councils()}
    return by_set.get(council_set_name, "England")


def set_controls(want: dict[str, Any]) -> dict[str, Any]:
    """Every control of the sidebar set to a scenario's choices (:func:`dashboard_choices`);
    returns the choices as the controls show them (years within 2 to 10, the precision
    nearest the replications: :func:`labels.precision_of`)."""
    state = st.session_state
    council = ENGLAND if want["council"] == "England" else want["council"]
    state["council"] = council
    state["children"] = min(max(int(want["population"]), 5_000), 500_000)
    state["pilots"] = [p for p in want["pilots"] if p in builtin_policies()]
    loc = want["locality"]
    state["where"] = WHERE[1] if loc else WHERE[0]
    if loc:
        state[f"loc_pick:{council}"] = (
            loc["name"] if loc["name"] in localities_of(council) else OWN_LOCALITY
        )
        state["loc_name"], state["loc_risk"] = loc["name"], loc["risk"]
        state["loc_share"], state["loc_demand"] = round(loc["share"] * 100, 1), loc["demand"]
    state["start"] = want["start"]
    state["size"] = min(max(round(want["size"] * 4) / 4, 0.25), 2.0)
    state["expand"] = want["expand"]
    state["years"] = min(max(round(want["years"]), 2), 10)
    state["precision"] = labels.precision_of(want["replications"])
    return {
        **want,
        "population": state["children"],
        "pilots": list(state["pilots"]),
        "size": state["size"],
        "years": state["years"],
        "replications": labels.PRECISION[state["precision"]],
    }


def shown_choices(c: Choices) -> dict[str, Any]:
    """The sidebar's choices as :func:`dashboard_choices` gives a scenario's."""
    return {
        "council": "England" if c.council == ENGLAND else c.council,
        "population": c.england_size,
        "pilots": list(c.chosen),
        "locality": c.locality,
        "start": c.start,
        "size": c.size,
        "years": c.years,
        "replications": c.replications,
        "expand": c.expand,
    }


def carried_costs(council: str) -> dict[str, Any]:
    """The unit costs of the scenario last opened, while the controls still name its council
    (``{}`` otherwise)."""
    carried = st.session_state.get("carried_costs")
    council = "England" if council == ENGLAND else council  # as dashboard_choices names it
    return carried[1] if carried is not None and carried[0] == council else {}


def opened_scenario(c: Choices) -> tuple[Scenario | None, pd.DataFrame | None] | None:
    """The scenario opened (a file or a saved one) and its published history, while the
    controls still show it; None once a control is changed (the choices then make the
    scenario, and the page says so)."""
    error = st.session_state.pop("open_error", None)
    if error is not None:
        show_error("That scenario cannot be used", error)
    opened = st.session_state.get("opened")
    if opened is not None and not same_choices(shown_choices(c), opened["choices"]):
        st.session_state.pop("opened")
        st.session_state["left_opened"] = opened["name"]
        # the council's own unit costs saved with it stay while the council does
        left = scenario_from_yaml(opened["text"], opened["name"])
        st.session_state["carried_costs"] = (opened["choices"]["council"], left.unit_costs)
        opened = None
    if opened is None:
        # said on every run until another is opened, so what follows keeps its place (an
        # element that moves is drawn anew: an open expander would close)
        left = st.session_state.get("left_opened")
        if left is not None:
            kept = carried_costs(c.council) and " Its own unit costs are kept."
            st.info(
                f"You changed the controls: the page now shows your choices, not {left}."
                + (kept or "")
            )
        return None
    scenario = scenario_from_yaml(opened["text"], opened["name"])
    st.info(f"Opened {opened['name']}: {scenario.name}")
    council = opened["choices"]["council"]
    return scenario, history_of(None if council == "England" else council, scenario.population)


OWN_KINDS = (
    ("ssda903", "SSDA903 (CSV tables or XML returns, several years)", ["csv", "xml"], True),
    ("cin", "CIN census (XML, one or more years)", ["xml"], True),
    ("annex_a", "Annex A (Excel workbook)", ["xlsx"], False),
)


def own_calibration(council: str) -> OwnCalibration | None:
    """The council's calibration from its own files, if it was made in this session."""
    own = st.session_state.get("own")
    return own if own is not None and own.council == council else None


def own_files_section(council: str) -> None:
    """Upload the council's SSDA903, CIN census and Annex A files and calibrate from them: read
    in memory, then dropped; only the calibration (aggregates) is kept, for this session."""
    with st.expander("Calibrate from your council's own files (SSDA903, CIN census, Annex A)"):
        if council.startswith("England"):
            st.info("Choose your council in the sidebar first.")
            return
        st.caption(
            "Files are read in this server's memory and dropped once read; no child's record "
            "is written anywhere. Only counts and durations (aggregates) are kept."
        )
        generation = st.session_state.get("own_generation", 0)
        uploads = {
            kind: st.file_uploader(
                label, type=types, accept_multiple_files=many, key=f"own_{kind}_{generation}"
            )
            for kind, label, types, many in OWN_KINDS
        }
        given = {
            k: [v] if v is not None and not isinstance(v, list) else v or []
            for k, v in uploads.items()
        }
        if any(given.values()) and st.button(f"Calibrate {council} from these files", key="own_go"):
            calibrate_own(
                council, {k: [(f.name, f.getvalue()) for f in v] for k, v in given.items()}
            )
        own = own_calibration(council)
        if own is not None:
            show_own(own)


def calibrate_own(council: str, uploads: dict[str, list[tuple[str, bytes]]]) -> None:
    """Calibrate from the uploaded files with a progress bar; log what was uploaded (names,
    kinds, sizes: never their contents); drop the files from the page once read."""
    for kind, files in uploads.items():
        if files:
            record(
                "uploaded",
                kind=kind,
                files=len(files),
                bytes=sum(len(b) for _, b in files),
                names=", ".join(name for name, _ in files)[:300],
            )
    bar = st.progress(0.0, text="Reading your files")
    try:
        own = calibrate_from_files(
            council,
            council_files(uploads),
            progress=lambda i, n: bar.progress(i / n, text=f"Calibrating: {i} of {n} steps"),
        )
    except (CouncilDataError, ValueError) as exc:
        bar.empty()
        st.error(f"That file cannot be used: {exc}")
        return
    finally:
        uploads.clear()
    st.session_state["own"] = own
    st.session_state["own_generation"] = st.session_state.get("own_generation", 0) + 1
    record("calibrated", council=own.council, kinds=", ".join(own.used))
    st.rerun()


def show_own(own: OwnCalibration) -> None:
    """What the council's files set, and every problem the readers met."""
    st.success(f"{own.council} is calibrated from your files: the scenario below uses it.")
    st.dataframe(pd.DataFrame(what_was_read(own.used)), hide_index=True)
    problems = problem_rows(own.used)
    if problems:
        st.markdown("**Rows that could not be used as given, and what was done with them**")
        st.dataframe(pd.DataFrame(problems), hide_index=True)


def page() -> None:
    """The page, top to bottom (only when Streamlit runs this file)."""
    st.set_page_config(page_title="Children's services: what would a pilot do?", layout="wide")
    st.title("What would a pilot mean for children and for the budget?")
    st.caption(
        "A simulation of children's social care: the same families, with and without the pilot, "
        "over many simulated futures. Read the notes below before quoting a figure."
    )
    if signed_in_user() is None:
        return
    open_pending()
    choices = sidebar()
    own_files_section(choices.council)
    scenario, past = chosen_scenario(choices)
    if scenario is not None and not scenario.compared_variants():
        st.warning("Choose at least one pilot to compare with today's way of working.")
        scenario = None
    if scenario is not None:
        scenario = costs_section(scenario)
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
