"""The dashboard's logic with Streamlit's AppTest (no browser): runs, figures, errors."""

import json
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: TID251  (testing the app itself)

from sim.hosting.folders import SCENARIOS_FILE
from sim.hosting.identity import LOCAL_USER
from sim.hosting.scenarios import ScenarioStore
from sim.reporting.labels import NO_EFFECT_WARNING

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("CSC_DATA_DIR", str(tmp_path / "data"))
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception, f"expected the page to load, found {at.exception}"
    return at


def _small_fs(name: str, replications: int = 4):
    """Family Safeguarding at 20,000 children over two years, as a saved scenario's test has."""
    from sim.api import build_scenario, builtin_policies

    return build_scenario(
        population=20_000,
        years=2,
        replications=replications,
        policies=[builtin_policies()["Family Safeguarding"]],
        name=name,
    )


def _save(tmp_path, saved_as: str, scenario) -> None:
    """Save ``scenario`` as the local user's ``saved_as`` in the app's data folder."""
    from sim.api import scenario_yaml

    store = ScenarioStore(tmp_path / "data" / SCENARIOS_FILE)
    store.save(LOCAL_USER, saved_as, scenario_yaml(scenario))


def _run_quick(app, children: int) -> None:
    """Run a quick two-year comparison at ``children`` from the page's controls, as a leader
    would, and check the page raised nothing."""
    app.number_input(key="children").set_value(children)
    app.slider(key="years").set_value(2)
    app.select_slider(key="precision").set_value("quick")
    app.run()
    app.button(key="run").click().run()
    assert not app.exception, f"found {app.exception}"


def test_default_page_offers_england_and_a_pilot(app):
    assert app.title[0].value.startswith("What would a pilot mean")
    assert app.selectbox(key="council").value.startswith("England")
    assert app.multiselect(key="pilots").value == ["Family Safeguarding"]


def test_running_a_small_comparison_shows_figures_with_ranges(app):
    _run_quick(app, 20_000)
    labels = [m.label for m in app.metric]
    for label in (
        "Care entries averted",
        "Net cost against today",
        "Net cost in today's money (NPV)",
        "The pilot's own cost",
        "Chance it pays for itself",
        "Return per £1 invested",
        "Payback year",
    ):
        assert label in labels, f"expected a metric {label!r}, found {labels}"
    captions = " ".join(c.value for c in app.caption)
    # quick precision runs 4 futures: too few to call a range 9 in 10, and the page says so
    assert "across the 4 simulated futures run (a rough range" in captions, (
        f"expected the figures' ranges in plain words, found {captions[:400]}"
    )
    assert "in 9 of 10 simulated futures between" not in captions, (
        f"expected no figure's range said as 9 in 10 from 4 futures: {captions[:400]}"
    )
    assert "percentile" not in captions, f"expected no percentiles, found {captions[:400]}"
    # and the notes under the money say so too, not "hold 9 of 10 simulated futures"
    assert "Every range here is rough: it comes from only 4 simulated futures" in captions
    assert "hold 9 of 10" not in captions, f"expected no 9-in-10 notes: {captions}"
    assert "2025-26 to 2026-27" in captions, f"expected the period on the tiles, found {captions}"
    verdict = app.markdown[
        [m.value.startswith("#### Over two years") for m in app.markdown].index(True)
    ]
    assert "Family Safeguarding in a council of 20,000 children at England's rates" in (
        verdict.value
    ), verdict.value
    charts = app.get("plotly_chart")
    assert len(charts) >= 4, f"expected four charts, found {len(charts)}"
    titles = " | ".join(c.proto.spec for c in charts)
    assert "Children waiting for a social worker" in titles or "nobody waited" in titles, (
        "expected a chart of waiting for a social worker, or of caseloads when nobody waited"
    )
    # the projection is set against the published figures (England's rates at 20,000 children)
    looked_after = next(
        json.loads(c.proto.spec) for c in charts if "Children looked after" in c.proto.spec
    )
    past = next(t for t in looked_after["data"] if t.get("name") == "Published (31 March)")
    assert past["x"][-1] == "2025-03"
    assert past["y"][-1] == pytest.approx(81_770 / 12_183_016 * 20_000, rel=1e-6)


def test_a_finished_comparison_is_drawn_again_without_making_its_charts_again(app, monkeypatch):
    """Coming back to a finished comparison redraws its page from the charts and downloads made
    when it finished (the aim: under a second), the same as they were."""
    import sim.api

    made = []

    def counted(*args, **kwargs):
        made.append(1)
        return comparison_charts(*args, **kwargs)

    comparison_charts = sim.api.comparison_charts
    monkeypatch.setattr(sim.api, "comparison_charts", counted)
    _run_quick(app, 15_000)
    first = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    downloads = [b.proto.label for b in app.get("download_button")]
    assert made, "expected the finished comparison's charts to be made"
    before = len(made)
    app.run()
    assert not app.exception, f"found {app.exception}"
    assert len(made) == before, f"expected no charts made again, found {len(made) - before}"
    assert [json.loads(c.proto.spec) for c in app.get("plotly_chart")] == first
    assert [b.proto.label for b in app.get("download_button")] == downloads
    assert downloads == ["Results (CSV)", "Results (Excel)", "Scenario (YAML)"], downloads


def test_no_pilot_asks_for_one(app):
    app.multiselect(key="pilots").set_value([]).run()
    assert any("Choose at least one pilot" in w.value for w in app.warning)


def test_where_the_numbers_come_from_names_each_effects_study_design_and_year(app):
    tables = [df.value for df in app.dataframe if "study" in getattr(df.value, "columns", [])]
    assert tables, "expected evidence tables with a study column in 'Where the numbers come from'"
    rows = pd.concat(tables, ignore_index=True)
    assert {"changes", "effect", "multiplier", "evidence", "study", "design", "year"} <= set(
        rows.columns
    ), f"expected study, design and year beside each effect, found {list(rows.columns)}"
    named = (rows["study"] != "not named").mean()
    assert named > 0.5, f"expected most effects to name their study, found {named:.0%}"
    care = rows[rows["changes"] == "Chance of entering care (all routes)"]["effect"].iloc[0]
    assert care.startswith("20% fewer (between 40% fewer and 10% more)"), care
    flagged = rows[rows["effect"].str.contains(NO_EFFECT_WARNING, regex=False)]
    assert "Chance of entering care (all routes)" in set(flagged["changes"]), (
        f"expected care entry's range flagged, found {list(flagged['changes'])}"
    )
    assert rows["why the high end"].str.len().gt(0).all(), (
        "expected each range's high end explained"
    )


def test_saved_scenarios_side_by_side_show_the_sampled_figures(app, tmp_path):
    """The page runs effects sampled only; a saved scenario's row reads those figures."""
    _save(tmp_path, "small", _small_fs("small"))
    app.run()
    picker = next(m for m in app.multiselect if m.label.startswith("Saved scenarios"))
    picker.set_value(["small"]).run()
    assert not app.exception, f"found {app.exception}"
    tables = [df.value for df in app.dataframe if "scenario" in getattr(df.value, "columns", [])]
    assert tables, "expected a side-by-side table of the saved scenario"
    row = tables[0].iloc[0]
    assert row["scenario"] == "small"
    assert row["chance it saves money"].endswith("%"), f"found {row.to_dict()}"


def test_a_council_opens_with_its_shipped_calibration_and_its_own_history(app):
    """Choosing a council uses the set calibrated ahead (no fit on the page) and the charts set
    the projection against the council's own published counts."""
    app.selectbox(key="council").set_value("Telford and Wrekin")
    app.slider(key="years").set_value(2)
    app.select_slider(key="precision").set_value("quick")
    app.run()
    assert not app.exception, f"found {app.exception}"
    app.button(key="run").click().run()
    assert not app.exception, f"found {app.exception}"
    headings = " ".join(h.value for h in app.subheader)
    assert "in Telford and Wrekin" in headings, headings
    charts = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    looked_after = next(c for c in charts if "Children looked after" in json.dumps(c["layout"]))
    past = next(t for t in looked_after["data"] if t.get("name") == "Published (31 March)")
    assert past["y"][-1] == 411  # Telford and Wrekin's own count at 31 March 2025


def test_a_council_already_running_the_pilot_is_told_so_and_can_model_an_expansion(app):
    app.selectbox(key="council").set_value("Walsall")
    app.run()
    assert not app.exception, f"found {app.exception}"
    notes = " ".join(i.value for i in app.info)
    assert "Walsall has run Family Safeguarding since September 2020" in notes, notes
    assert "adding nothing" in notes, notes
    app.checkbox(key="expand").check().run()
    notes = " ".join(i.value for i in app.info)
    assert "modelled here as an expansion" in notes, notes


def test_a_saved_scenario_reopens_renames_and_deletes(app, tmp_path):
    """Open runs the saved scenario in place of the sidebar's choices; its owner renames and
    deletes it; the audit log records each."""
    from sim.hosting.audit import AuditLog

    _save(tmp_path, "Small", _small_fs("small one"))
    app.run()
    app.button(key="saved_open").click().run()
    assert not app.exception, f"found {app.exception}"
    opened = [i.value for i in app.info if i.value.startswith("Opened")]
    assert opened == ["Opened Small: small one"], f"expected it opened, found {opened}"
    controls = {
        "years": app.slider(key="years").value,
        "precision": app.select_slider(key="precision").value,
        "children": app.number_input(key="children").value,
    }
    expected = {"years": 2, "precision": "quick", "children": 20_000}
    assert controls == expected, f"expected every control set to it: {expected}, found {controls}"
    app.text_input(key="saved_new_name").set_value("Small, renamed").run()
    app.button(key="saved_rename").click().run()
    (picked,) = [s for s in app.selectbox if s.label == "Saved scenario"]
    assert picked.options == ["Small, renamed"], f"found {picked.options}"
    assert picked.index == 0, "expected the renamed one still picked"
    app.button(key="saved_delete").click().run()
    assert not [s for s in app.selectbox if s.label == "Saved scenario"], "expected it deleted"
    actions = [e["action"] for e in AuditLog(tmp_path / "data" / "audit.jsonl").entries()]
    assert actions == ["opened", "renamed", "deleted"], f"found {actions}"


def test_a_reopened_scenario_whose_replications_no_precision_shows_still_runs_as_saved(
    app, tmp_path
):
    """25 replications: the precision shows the nearest, careful (30), and the scenario opened
    is still the one that runs (not the controls' 30) until a control is changed."""
    _save(tmp_path, "Odd", _small_fs("odd one", replications=25))
    app.run()
    app.button(key="saved_open").click().run()
    app.run()  # a rerun with the controls as the scenario set them
    assert not app.exception, f"found {app.exception}"
    found = app.select_slider(key="precision").value
    assert found == "careful", f"expected the precision nearest 25 replications, found {found}"
    infos = [i.value for i in app.info]
    assert "Opened Odd: odd one" in infos, f"expected the saved scenario still open, found {infos}"
    assert not [i for i in infos if i.startswith("You changed")], f"found {infos}"
    app.select_slider(key="precision").set_value("quick").run()
    infos = [i.value for i in app.info]
    assert any(i.startswith("You changed the controls") for i in infos), f"found {infos}"


def test_a_reopened_scenarios_own_unit_costs_stay_when_a_control_changes(app, tmp_path):
    """A saved scenario with the council's own family practitioner cost (one placeholder fewer to
    replace): changing a control makes the page the controls' scenario, and the council's own
    cost stays with it while the council does."""
    from sim.api import with_entered_costs

    own = with_entered_costs(_small_fs("own costs"), {"staff_family_practitioner": 41_000.0})
    _save(tmp_path, "Own", own)

    def costs_title() -> str:
        return next(e.label for e in app.expander if e.label.startswith("Your council's own"))

    before = costs_title()
    app.run()
    app.button(key="saved_open").click().run()
    app.run()
    opened = costs_title()
    assert opened != before and "6 placeholders" in opened, f"found {before!r}, then {opened!r}"
    app.slider(key="years").set_value(3).run()
    assert not app.exception, f"found {app.exception}"
    infos = " ".join(i.value for i in app.info)
    assert "You changed the controls" in infos and "own unit costs are kept" in infos, infos
    assert costs_title() == opened, f"expected the entered cost kept, found {costs_title()!r}"
    # another council's costs are its own: the entered cost does not follow
    app.selectbox(key="council").set_value("Dorset").run()
    assert "7 placeholders" in costs_title(), f"expected Dorset's own 7, found {costs_title()!r}"


def test_with_sign_in_set_up_nobody_uses_the_page_before_signing_in(tmp_path, monkeypatch):
    monkeypatch.setenv("CSC_DATA_DIR", str(tmp_path / "data"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "id",
        "client_secret": "secret",
        "server_metadata_url": "http://localhost:1/.well-known/openid-configuration",
    }
    at.run()
    assert not at.exception, f"found {at.exception}"
    assert [b.label for b in at.button] == ["Sign in"], f"found {[b.label for b in at.button]}"
    assert not at.selectbox, "expected no choices before sign-in"


def test_a_countys_districts_are_offered_by_name_with_their_share_of_children(app):
    """Kent's twelve districts, each filling the share from ONS's estimates of children and
    saying its demand is the council's average; a unitary council offers none."""
    app.selectbox(key="council").set_value("Kent").run()
    app.radio(key="where").set_value("One locality").run()
    picker = app.selectbox(key="loc_pick:Kent")
    assert "Thanet" in picker.options and len(picker.options) == 13, picker.options
    picker.set_value("Thanet").run()
    assert not app.exception, f"found {app.exception}"
    assert app.number_input(key="loc_share").value == pytest.approx(8.1), "28,388 of 348,332"
    assert app.number_input(key="loc_demand").value == pytest.approx(1.0)
    captions = " ".join(c.value for c in app.caption)
    assert "ONS mid-2023 population estimates (E07000114)" in captions, captions[:600]
    assert "no published figure of referrals per child by district" in captions, captions[:600]
    app.selectbox(key="council").set_value("Walsall").run()
    captions = " ".join(c.value for c in app.caption)
    assert "Walsall has no districts (only county councils' districts" in captions, captions[:600]
