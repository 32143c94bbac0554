"""A council's own files in the dashboard, in a real browser: upload the sample SSDA903 (five
years of CSV tables), CIN census and Annex A files, calibrate from them, read what they set and
the problems the readers met; a bad file gets a message naming its file, table and row. Then
prove no identifier from the files reached disk: the data folder, the temporary folders, the
home folder (Streamlit's own files), the caches and the server's log and the audit log. (The
browser's own profile, which Playwright also keeps under the temporary folder, stands for the
analyst's computer, where the files came from, and is left out of the search.)
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "external-data"
EPISODES = SAMPLES / "cs-demand-model" / "cs_demand_model_samples" / "combined"
CIN = SAMPLES / "csc-validator-be-cin" / "fake_data" / "fake_CIN_data.xml"
ANNEX_A = (
    SAMPLES / "liia-tools-pipeline" / "liiatools" / "annex_a_pipeline" / "spec" / "samples"
    / "Annex_A_2024_Jan.xlsx"
)  # fmt: skip
LONG = 180_000


def identifiers() -> set[str]:
    """The samples' child identifiers and home postcodes (those long enough to search for)."""
    found: set[str] = set()
    for f in EPISODES.glob("*-episodes.csv"):
        with f.open(newline="") as fh:
            for row in csv.DictReader(fh):
                found |= {v for v in (row["CHILD"], row.get("HOME_POST", "")) if len(v) >= 6}
    found |= set(re.findall(r"<LAchildID>([^<]{6,})<", CIN.read_text()))
    return found


def uploader(page: Page, label: str):
    return page.get_by_test_id("stFileUploader").filter(has_text=label).locator("input[type=file]")


def _upload_samples(page: Page, wait_ready) -> None:
    """Give the three uploaders the sample files. An upload that lands while the page reruns is
    lost, and a page whose server was busy with an earlier test's run can lose it too: then load
    the page afresh (a new session, the council chosen again) and upload again."""
    chips = page.get_by_test_id("stFileChip")
    want = len(list(EPISODES.glob("*.csv"))) + 2
    for attempt in range(3):
        if attempt:
            page.reload()
            wait_ready(page, timeout_ms=LONG)
            open_own_files(page, wait_ready)
        uploader(page, "SSDA903").set_input_files(sorted(EPISODES.glob("*.csv")))
        uploader(page, "CIN census").set_input_files(CIN)
        uploader(page, "Annex A").set_input_files(ANNEX_A)
        try:
            expect(chips).to_have_count(want, timeout=90_000)
            break
        except AssertionError:
            name = f"own-files-upload-{attempt}.png"
            page.screenshot(path=str(ARTIFACTS / "screenshots" / name))
            if attempt == 2:
                raise
    wait_ready(page)


def open_own_files(page: Page, wait_ready) -> None:
    box = page.get_by_role("combobox", name="Council", exact=True)
    box.click()
    page.keyboard.type("Walsall")
    page.get_by_role("option", name="Walsall", exact=True).click()
    wait_ready(page, timeout_ms=LONG)
    page.get_by_text("Calibrate from your council's own files").click()
    expect(uploader(page, "SSDA903")).to_have_count(1, timeout=30_000)


@pytest.mark.skipif(not SAMPLES.exists(), reason="sample council files not available")
def test_upload_the_samples_calibrate_and_no_identifier_reaches_disk(
    app_page: Page, browser_env: dict[str, str], wait_ready, shot
) -> None:
    page = app_page
    open_own_files(page, wait_ready)
    # a bad file first: the reader's message names the file, table, row and field
    header = b"CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n"
    row = b"ABC123,31/02/2021,S,C2,N1,U1,PR1,,,\n"
    bad = {"name": "2021-episodes.csv", "mimeType": "text/csv", "buffer": header + row}
    uploader(page, "SSDA903").set_input_files(files=[bad])
    page.get_by_role("button", name="Calibrate Walsall from these files").click()
    message = page.get_by_text(
        "That file cannot be used: 2021-episodes.csv: table episodes, row 2, field DECOM: "
        "'31/02/2021' is not a date"
    )
    expect(message).to_be_visible(timeout=LONG)
    wait_ready(page)
    shot(page, "own-files-bad.png")
    # remove it (the cross beside its name), then upload the samples
    page.get_by_test_id("stFileChip").filter(has_text="2021-episodes.csv").get_by_test_id(
        "stFileChipDeleteBtn"
    ).click()
    expect(page.get_by_test_id("stFileChip")).to_have_count(0, timeout=30_000)
    wait_ready(page)

    _upload_samples(page, wait_ready)
    page.get_by_role("button", name="Calibrate Walsall from these files").click()
    done = page.get_by_text("Walsall is calibrated from your files")
    try:
        expect(done).to_be_visible(timeout=LONG)
    finally:
        shot(page, "own-files-after.png")
    wait_ready(page, timeout_ms=LONG)
    tables = page.locator('[data-testid="stDataFrame"]:visible')
    expect(tables.first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Rows that could not be used as given")).to_be_visible(timeout=30_000)
    # the files are dropped from the page (and Streamlit's upload store) once read
    expect(page.get_by_test_id("stFileChip")).to_have_count(0, timeout=30_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "own-files.png")

    audit = Path(browser_env["CSC_DATA_DIR"]) / "audit.jsonl"
    log = [json.loads(line) for line in audit.open()]
    uploads = {e["kind"]: e["files"] for e in log if e["action"] == "uploaded"}
    assert uploads.get("ssda903") == len(list(EPISODES.glob("*.csv"))), f"found {uploads}"
    assert any(e["action"] == "calibrated" and e["council"] == "Walsall" for e in log), log

    ids = identifiers()
    assert len(ids) > 100, f"expected the samples' identifiers to search for, found {len(ids)}"
    places = [Path(browser_env[k]) for k in ("CSC_DATA_DIR", "TMPDIR", "HOME", "XDG_CACHE_HOME")]
    places += [Path(browser_env["XDG_CONFIG_HOME"]), *ARTIFACTS.glob("streamlit*.log")]
    leaked = []
    for place in places:
        for f in [place] if place.is_file() else place.rglob("*"):
            if f.is_file() and "playwright" not in str(f) and "chromium" not in str(f).lower():
                text = f.read_bytes()
                leaked += [(f, i) for i in ids if i.encode() in text]
    assert not leaked, f"expected no identifier on disk, found {leaked[:3]}"
