"""Many users at once: five browser sessions run comparisons on one dashboard at the same time
(on the machine's cores, two here) and each gets its own results: the scenario it chose (its own
number of children) and figures that differ from the others'.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from .conftest import _WORKER, ARTIFACTS, VIEWPORT
from .test_dashboard_flow import _quick, _slide_to

pytestmark = pytest.mark.browser
SESSIONS = 5
CHILDREN = [5_000 * (i + 1) for i in range(SESSIONS)]  # small councils: the test takes a minute
LONG = 300_000


def choose_small(page: Page, children: int, wait_ready) -> None:
    box = page.get_by_label("Children aged 0-17 in the council")
    box.fill(str(children))
    box.press("Enter")
    expect(box).to_have_value(str(children))
    wait_ready(page)
    _slide_to(page, "Years to project", 2)
    _quick(page)
    wait_ready(page)


def download(page: Page, button: str, wait_ready) -> str:
    """The file a download button gives (again if a rerun cancelled the download)."""
    for attempt in range(3):
        wait_ready(page, timeout_ms=LONG)  # each download logs itself, so the page reruns
        with page.expect_download() as got:
            page.get_by_role("button", name=button).click()
        try:
            return Path(got.value.path()).read_text(encoding="utf-8")
        except PlaywrightError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def test_five_sessions_run_comparisons_at_once_each_with_its_own_results(
    browser: Browser, app_server, browser_env: dict[str, str], tmp_path, wait_ready, shot
) -> None:
    # its own dashboard with worker processes, one per core (the default a council gets), and
    # its own audit log
    env = {**browser_env, "CSC_WORKERS": "2", "CSC_DATA_DIR": str(tmp_path / "data")}
    with app_server(env, ARTIFACTS / f"streamlit-many-users{_WORKER}.log") as app_url:
        _five_sessions(browser, app_url, Path(env["CSC_DATA_DIR"]), wait_ready, shot)


def _five_sessions(browser: Browser, app_url: str, data: Path, wait_ready, shot) -> None:
    """Five sessions on ``app_url`` run at once; each gets its own results, all are audited."""
    pages = []
    for children in CHILDREN:
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.goto(app_url)
        wait_ready(page)
        choose_small(page, children, wait_ready)
        pages.append(page)
    start = time.monotonic()
    for page in pages:  # all five asked within a second or two
        page.get_by_role("button", name="Run the comparison").click()
    for page in pages:
        expect(page.get_by_text("From all 4 replications.")).to_be_visible(timeout=LONG)
    took = time.monotonic() - start
    results = []
    for page, children in zip(pages, CHILDREN, strict=True):
        wait_ready(page, timeout_ms=LONG)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        scenario = yaml.safe_load(download(page, "Scenario (YAML)", wait_ready))
        assert scenario["population"] == children, (
            f"expected the session that chose {children:,} children to get its own scenario, "
            f"found {scenario['population']:,}"
        )
        results.append(download(page, "Results (CSV)", wait_ready))
    assert len(set(results)) == SESSIONS, (
        f"expected {SESSIONS} different sets of results, found {len(set(results))}"
    )
    # the audit log has each run and each download, naming the scenario by its digest
    # (a download is logged by the rerun its click starts: the last ones may still be under way,
    # and on a busy machine five sessions' reruns can take a minute)
    audit = data / "audit.jsonl"
    for _ in range(240):
        log = [json.loads(line) for line in audit.open()]
        ran = {e["scenario_sha256"] for e in log if e["action"] == "ran"}
        got = {(e["scenario_sha256"], e["file"]) for e in log if e["action"] == "downloaded"}
        if len(got) >= 2 * SESSIONS:
            break
        time.sleep(0.5)
    assert len(ran) >= SESSIONS, f"expected {SESSIONS} scenarios run in the audit log, found {ran}"
    assert {f for _, f in got} >= {"scenario.yaml", "results.csv"} and len(got) >= 2 * SESSIONS, (
        f"expected each session's two downloads in the audit log, found {sorted(got)}"
    )
    shot(pages[-1], "many-users.png")
    print(f"five comparisons at once finished in {took:.0f} s")  # noqa: T201
