"""A director's path with a named locality, charts that explain, and a scenario reopened.

Dorset with Weymouth and Portland chosen by name: the heading and every chart name the locality
and the council, the bands have legend entries, each chart has a line in words, and the cost
is the pilot's minus today's by year. A scenario file opened sets every control to itself and
keeps the published points; a saved scenario reopens the same way. Screenshots at 1280 and 1920
pixels wide go to tests/artifacts/screenshots/. Small runs (2 years, 4 replications).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from sim.api import build_scenario, builtin_policies, scenario_yaml

from .conftest import until
from .test_dashboard_flow import LONG, _choose, _quick, _slide_to

pytestmark = pytest.mark.browser
WIDTHS = (1280, 1920)
#: How long a save, open, rename or delete may take to show before its click is tried again.
QUICK_CHECK_MS = 20_000


def _thumb(page: Page, label: str) -> str:
    box = page.get_by_test_id("stSlider").filter(has_text=label)
    return box.get_by_test_id("stSliderThumbValue").inner_text()


def _shots(page: Page, shot, name: str) -> None:
    """The page at each width in :data:`WIDTHS` (tall, so the charts are in the picture)."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 2600})
        page.wait_for_timeout(2500)  # Streamlit and plotly redraw to the new width
        shot(page, f"{name}_{width}.png")


def _run(page: Page, wait_ready) -> None:
    """Press Run (again if the click landed in a rerun) until the first figure shows."""
    metric = page.get_by_test_id("stMetricLabel").first
    until(
        page,
        lambda: page.get_by_role("button", name="Run the comparison").click(),
        lambda: expect(metric).to_be_visible(timeout=LONG // 2),
        settle_ms=LONG,
    )
    wait_ready(page, timeout_ms=LONG)
    expect(page.get_by_text("From all 4 replications")).to_be_visible(timeout=LONG)
    wait_ready(page, timeout_ms=LONG)


def test_a_named_locality_gets_charts_that_explain(app_page: Page, shot, wait_ready) -> None:
    page = app_page
    _choose(page, "Council", "Dorset")
    wait_ready(page, timeout_ms=LONG)
    page.get_by_text("One locality", exact=True).click()
    locality = page.get_by_role("combobox", name="Locality", exact=True)
    expect(locality).to_have_value("Weymouth and Portland", timeout=30_000)
    share = page.get_by_label("Its share of the council's children (%)")
    expect(share).to_have_value("17.00")
    # Dorset runs Family Safeguarding already: model it on top, so the pilot changes something
    page.get_by_text("Model an expansion where the council already runs the pilot").click()
    wait_ready(page)
    _slide_to(page, "Years to project", 2)
    _quick(page)
    wait_ready(page)
    _run(page, wait_ready)
    where = "Weymouth and Portland, Dorset"
    expect(
        page.get_by_text(f"Family Safeguarding: against today's way of working in {where}")
    ).to_be_visible()
    titles = page.locator('[data-testid="stPlotlyChart"] .gtitle').all_text_contents()
    place = "All of Dorset; the pilot works in Weymouth and Portland"
    assert len(titles) == 4 and all(place in t for t in titles), (
        f"expected four chart titles saying {place!r}, found {titles}"
    )
    # quick precision: 4 futures, each band's legend says it is their rough range
    bands = page.locator(".legendtext", has_text="range of the 4 simulated futures (rough)")
    assert bands.count() >= 6, f"expected a legend entry per band (6+), found {bands.count()}"
    words = page.get_by_text("Today's way of working: About")
    assert words.count() == 3, f"expected a line in words under 3 charts, found {words.count()}"
    expect(page.get_by_text("Over the 2 financial years the pilot's own staff")).to_be_visible()
    expect(page.get_by_text("In Weymouth and Portland about")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    _shots(page, shot, "locality_charts")


def test_an_opened_file_sets_every_control_and_keeps_the_published_points(
    own_app_page: Page, shot, wait_ready, tmp_path
) -> None:
    # its own dashboard: it saves, reopens and deletes, and expects no other test's saves
    page = own_app_page
    scenario = build_scenario(
        council="telford-and-wrekin",
        population=None,
        policies=[builtin_policies()["Family Safeguarding"]],
        start=dt.date(2027, 1, 1),
        years=2,
        replications=4,
        locality={"name": "Brookside", "share": 0.12, "demand": 1.5, "risk": 1.0},
        name="Telford and Wrekin: Family Safeguarding",
        already_running="expand",  # Telford runs it already: model more of it
    )
    page.locator('input[type="file"]').set_input_files(
        files=[
            {
                "name": "telford.yaml",
                "mimeType": "application/x-yaml",
                "buffer": scenario_yaml(scenario).encode(),
            }
        ]
    )
    expect(page.get_by_text("Opened telford.yaml")).to_be_visible(timeout=LONG)
    wait_ready(page, timeout_ms=LONG)
    council = page.get_by_role("combobox", name="Council", exact=True)
    expect(council).to_have_value("Telford and Wrekin")
    expect(page.get_by_role("combobox", name="Locality", exact=True)).to_have_value(
        "Your own locality (enter it)"
    )
    expect(page.get_by_label("Locality's name")).to_have_value("Brookside")
    expect(page.get_by_label("Its share of the council's children (%)")).to_have_value("12.00")
    for part, value in (("year", "2027"), ("month", "1"), ("day", "1")):
        spin = page.get_by_role("spinbutton", name=f"{part}, Pilot starts")
        expect(spin).to_have_attribute("aria-valuenow", value)
    expect(page.get_by_role("checkbox", name="Model an expansion")).to_be_checked()
    found = {s: _thumb(page, s) for s in ("Years to project", "Precision")}
    assert found == {"Years to project": "2", "Precision": "quick"}, f"found {found}"
    _run(page, wait_ready)
    published = page.locator(".legendtext", has_text="Published (31 March)")
    expect(published.first).to_be_visible()
    assert published.count() == 2, f"expected published points on 2 charts, {published.count()}"
    expect(page.get_by_text("in Brookside, Telford and Wrekin").first).to_be_visible()
    _shots(page, shot, "opened_file")
    # a changed control is not ignored: the page now runs the choices, and says so
    _slide_to(page, "Years to project", 3)
    expect(page.get_by_text("You changed the controls")).to_be_visible(timeout=LONG)
    # a saved scenario reopens the same way; it can be renamed and deleted
    wait_ready(page, timeout_ms=LONG)
    expander = page.get_by_text("Save this scenario, reopen or compare saved ones")
    expect(expander).to_have_count(1)  # during a rerun the last run's can still be there
    expander.click()
    name = page.get_by_label("Name", exact=True)
    name.fill("Brookside")
    name.press("Enter")
    wait_ready(page)
    _click_until(page, "Save scenario", page.get_by_text("Saved as Brookside"))
    _slide_to(page, "Years to project", 4)
    wait_ready(page, timeout_ms=LONG)
    _click_until(page, "Open", page.get_by_text("Opened Brookside"))
    wait_ready(page, timeout_ms=LONG)
    assert _thumb(page, "Years to project") == "3", "expected the saved 3 years back"
    expect(page.get_by_label("Locality's name")).to_have_value("Brookside")
    _shots(page, shot, "reopened_saved")
    new_name = page.get_by_placeholder("New name")
    new_name.fill("Brookside pilot")
    new_name.press("Enter")
    wait_ready(page)
    picked = page.get_by_role("combobox", name="Saved scenario", exact=True)
    _click_until(page, "Rename", picked, value="Brookside pilot")
    _click_until(page, "Delete", page.get_by_text("No saved scenarios yet"))


def _click_until(page: Page, button: str, shows, value: str | None = None) -> None:
    """Click ``button`` until ``shows`` is visible (or has ``value``): a click that lands in a
    rerun is lost, so click again."""
    expander = page.get_by_text("Save this scenario, reopen or compare saved ones")
    # Streamlit's buttons (a select box's arrow is a button named "Open" too)
    target = page.locator('[data-testid^="stBaseButton"]', has_text=re.compile(f"^{button}$"))

    def click() -> None:
        if not target.is_visible() and expander.count() == 1:
            expander.click()  # a rerun that moved the section above it drew it closed
        target.click(timeout=LONG // 4)

    def check() -> None:
        # these actions rerun the page without a model run: a click lost in a rerun shows in
        # seconds, so retry soon rather than wait minutes
        if value is None:
            expect(shows).to_be_visible(timeout=QUICK_CHECK_MS)
        else:
            expect(shows).to_have_value(value, timeout=QUICK_CHECK_MS)

    until(page, click, check, attempts=5, settle_ms=LONG)


def test_a_countys_district_is_chosen_by_name(app_page: Page, shot, wait_ready) -> None:
    """Kent's districts are offered by name; Thanet fills its share of Kent's children from
    ONS's estimates and says where the share and the demand come from (no run: Kent is large)."""
    page = app_page
    _choose(page, "Council", "Kent")
    wait_ready(page, timeout_ms=LONG)
    page.get_by_text("One locality", exact=True).click()
    wait_ready(page)
    _choose(page, "Locality", "Thanet")
    wait_ready(page)
    expect(page.get_by_label("Its share of the council's children (%)")).to_have_value("8.10")
    expect(page.get_by_text("ONS mid-2023 population estimates (E07000114)")).to_be_visible()
    expect(
        page.get_by_text("no published figure of referrals per child by district")
    ).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    _shots(page, shot, "district")
