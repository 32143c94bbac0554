"""Hosting the dashboard: each user's saved scenarios, the audit log, the data folder, and a
council's own files read in memory (the layer beside app.py, without Streamlit)."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path

import pytest

from calibration.readers import CouncilDataError, MemoryFile, read_cin_census, read_ssda903
from calibration.uploads import calibrate_from_files, council_files, problem_rows, what_was_read
from sim.hosting.audit import AuditLog
from sim.hosting.folders import data_folder
from sim.hosting.identity import LOCAL_USER, User, user_from_claims
from sim.hosting.scenarios import ScenarioAccessError, ScenarioStore

ALICE = User("https://idp|alice", "Alice")
BOB = User("https://idp|bob", "Bob")
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "reference" / "external-data"
EPISODES = SAMPLES / "cs-demand-model" / "cs_demand_model_samples" / "combined"
CIN = SAMPLES / "csc-validator-be-cin" / "fake_data" / "fake_CIN_data.xml"
needs_samples = pytest.mark.skipif(not SAMPLES.exists(), reason="sample council files not here")


@pytest.fixture
def store(tmp_path: Path) -> ScenarioStore:
    return ScenarioStore(tmp_path / "scenarios.sqlite")


def names(store: ScenarioStore, user: User) -> list[str]:
    return [s.label(user) for s in store.visible(user)]


def test_a_users_scenarios_are_theirs_until_they_share_one(store: ScenarioStore) -> None:
    private = store.save(ALICE, "Alice private", "name: a\n")
    shared = store.save(ALICE, "Alice shared", "name: b\n")
    store.save(BOB, "Bob's", "name: c\n")
    store.share(ALICE, shared.id, True)
    assert names(store, BOB) == ["Bob's", "Alice shared (shared by Alice)"], (
        f"expected Bob to see his own and Alice's shared scenario, found {names(store, BOB)}"
    )
    assert names(store, ALICE) == ["Alice private", "Alice shared (shared)"], (
        f"expected Alice to see only her own two, found {names(store, ALICE)}"
    )
    with pytest.raises(ScenarioAccessError):
        store.get(BOB, private.id)
    assert store.get(BOB, shared.id).yaml == "name: b\n"
    for change in (
        lambda: store.rename(BOB, shared.id, "mine now"),
        lambda: store.share(BOB, shared.id, False),
        lambda: store.delete(BOB, shared.id),
    ):
        with pytest.raises(ScenarioAccessError, match="only its owner"):
            change()
    store.share(ALICE, shared.id, False)
    assert names(store, BOB) == ["Bob's"], (
        f"expected unsharing to hide it, found {names(store, BOB)}"
    )


def test_rename_delete_and_saving_again_under_a_name(store: ScenarioStore, tmp_path) -> None:
    first = store.save(ALICE, "  Family   Safeguarding ", "name: a\n")
    assert first.name == "Family Safeguarding"
    again = store.save(ALICE, "Family Safeguarding", "name: a2\n")
    assert again.id == first.id and again.yaml == "name: a2\n", "expected the save to replace it"
    other = store.save(ALICE, "Other", "name: o\n")
    with pytest.raises(ValueError, match="already have a scenario called 'Other'"):
        store.rename(ALICE, first.id, "Other")
    store.rename(ALICE, first.id, "FS whole council")
    store.delete(ALICE, other.id)
    # another store on the same file (another server process) sees the same
    reopened = ScenarioStore(tmp_path / "scenarios.sqlite")
    assert names(reopened, ALICE) == ["FS whole council"], f"found {names(reopened, ALICE)}"
    with pytest.raises(ValueError, match="needs a name"):
        store.save(ALICE, "   ", "name: x\n")


def test_sign_in_claims_name_the_user_by_issuer_and_subject() -> None:
    user = user_from_claims({"iss": "https://idp", "sub": "42", "email": "a@council.gov.uk"})
    assert user == User("https://idp|42", "a@council.gov.uk")
    with pytest.raises(ValueError, match="no subject"):
        user_from_claims({"email": "a@council.gov.uk"})


def test_the_data_folder_is_chosen_or_the_platforms_never_the_repo(tmp_path: Path) -> None:
    assert data_folder({"CSC_DATA_DIR": str(tmp_path / "d")}) == tmp_path / "d"
    assert (tmp_path / "d").is_dir()
    default = data_folder({})
    repo = Path(__file__).resolve().parents[1]
    assert not default.resolve().is_relative_to(repo), f"expected outside the repo, found {default}"
    assert default.name == "csc-sim", f"expected the platform's csc-sim folder, found {default}"


def test_the_audit_log_records_who_did_what_and_refuses_tables(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.record(ALICE, "saved", scenario="FS", scenario_sha256="abc")
    log.record(LOCAL_USER, "downloaded", file="results.csv")
    entries = list(log.entries())
    assert [(e["user_name"], e["action"]) for e in entries] == [
        ("Alice", "saved"),
        ("you (this computer)", "downloaded"),
    ], f"found {entries}"
    assert entries[0]["scenario"] == "FS" and entries[0]["time"].endswith("+00:00")
    with pytest.raises(TypeError, match="never a table"):
        log.record(ALICE, "uploaded", rows=[["child 1"]])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown action"):
        log.record(ALICE, "looked at a child")


@needs_samples
def test_uploaded_files_read_in_memory_as_on_disk() -> None:
    on_disk = sorted(EPISODES.glob("*.csv"))
    held = [MemoryFile(f.name, f.read_bytes()) for f in on_disk]
    assert read_ssda903(held).to_dict() == read_ssda903(on_disk).to_dict()
    assert read_cin_census(MemoryFile(CIN.name, CIN.read_bytes())).to_dict() == (
        read_cin_census(CIN).to_dict()
    )
    assert "b'" not in repr(held[0]), f"expected no bytes in a file's repr, found {held[0]!r}"


def test_a_bad_upload_is_named_with_its_file_table_and_row() -> None:
    bad = [("2021-episodes.csv", b"CHILD,DECOM,RNE\n123456,31/02/2021,S\n")]
    with pytest.raises(CouncilDataError, match=r"2021-episodes\.csv: table"):
        read_ssda903(council_files({"ssda903": bad})["ssda903"])
    with pytest.raises(CouncilDataError, match=r"notes\.txt: not a SSDA903 file"):
        council_files({"ssda903": [("notes.txt", b"x")]})
    with pytest.raises(CouncilDataError, match="2 Annex A workbooks"):
        council_files({"annex_a": [("a.xlsx", b"x"), ("b.xlsx", b"y")]})


def _child_ids() -> set[str]:
    ids: set[str] = set()
    for f in EPISODES.glob("*-episodes.csv"):
        with f.open(newline="") as fh:
            ids |= {row["CHILD"] for row in csv.DictReader(fh) if len(row["CHILD"]) >= 6}
    return ids


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


@needs_samples
def test_calibrating_from_uploads_keeps_aggregates_only_and_writes_nothing(tmp_path) -> None:
    tmp = Path(tempfile.gettempdir())
    before = {p: p.stat().st_mtime for p in _files_under(tmp) if os.access(p, os.R_OK)}
    uploads = {
        "ssda903": [(f.name, f.read_bytes()) for f in sorted(EPISODES.glob("*.csv"))],
        "cin": [(CIN.name, CIN.read_bytes())],
    }
    steps: list[tuple[int, int]] = []
    own = calibrate_from_files(
        "Walsall", council_files(uploads), progress=lambda *s: steps.append(s)
    )
    assert steps and steps[-1][0] == steps[-1][1], f"expected progress to the end, found {steps}"
    assert own.used["ssda903"]["periods_of_care"] > 0 and own.used["cin"]["episodes"] > 0
    assert "SSDA903" in own.params["sources"]["looked_after.duration"]
    shown = json.dumps([own.params, what_was_read(own.used), problem_rows(own.used)], default=str)
    leaked = [i for i in _child_ids() if i in shown]
    assert not leaked, f"expected no child identifier kept, found {leaked[:3]}"
    assert problem_rows(own.used), "expected the sample's problems listed"
    # other tests running beside this one (pytest-xdist) write the samples under pytest's own
    # temporary folders: those are theirs, not calibration's (this test's own folder still counts)
    others = next((p for p in tmp_path.parents if p.name.startswith("pytest-of-")), tmp_path)
    new = [
        p
        for p in _files_under(tmp)
        if p not in before
        and os.access(p, os.R_OK)
        and (not p.is_relative_to(others) or p.is_relative_to(tmp_path))
    ]
    written = [p for p in new if any(i.encode() in p.read_bytes() for i in _child_ids())]
    assert not written, f"expected no file with a child identifier, found {written}"
