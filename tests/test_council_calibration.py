"""Calibration to any council from DfE's published tables, and the back-test."""

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from calibration.council import calibrate, council_targets, write_council_file
from calibration.ees import (
    CouncilNotFoundError,
    councils,
    find_area,
    history,
    statistical_neighbours,
)
from sim.inputs.scenario import load_scenario

SEED_COUNCILS = ("Worcestershire", "Cheshire East", "Telford and Wrekin", "Dorset", "Walsall")


def test_councils_are_found_by_name_code_or_slug():
    a = find_area("Telford and Wrekin")
    assert find_area("E06000020") == a
    assert find_area("894") == a
    assert find_area("telford-and-wrekin") == a
    assert find_area("TELFORD & WREKIN") == a
    assert find_area("England").level == "National"


def test_unknown_council_names_the_nearest():
    with pytest.raises(CouncilNotFoundError, match="Telford and Wrekin"):
        find_area("Telfrod and Wrekin")


def test_england_history_matches_the_national_figures():
    h = history("England")
    assert h.table.at["2024-25", "referrals"] == 632_830
    assert h.table.at["2024-25", "looked_after"] == 81_770
    assert h.table.at["2024-25", "population"] == 12_183_016
    assert h.table.at["2024-25", "rereferral_rate"] == pytest.approx(22.58, abs=0.01)


def test_suppressed_cells_become_missing_and_are_noted():
    h = history("Telford and Wrekin")
    assert any("suppressed" in n for n in h.notes), f"expected a note, found {h.notes}"
    col = next(n.split(":")[0] for n in h.notes if "suppressed" in n)
    assert h.table[col].isna().any(), f"expected a missing value in {col}"


def test_merged_council_history_sums_its_predecessors():
    bcp = history("Bournemouth, Christchurch and Poole")
    b, p = history("Bournemouth"), history("Poole")
    year = "2017-18"
    expected = b.table.at[year, "referrals"] + p.table.at[year, "referrals"]
    assert bcp.table.at[year, "referrals"] == expected
    assert any("sums of Bournemouth and Poole" in n for n in bcp.notes)
    # a year in which a predecessor has no figure is a gap, not a partial (or zero) sum
    assert not (bcp.table["population"] == 0).any(), "expected no zero populations"


def test_split_council_history_is_scaled_from_its_predecessor():
    north, west = history("North Northamptonshire"), history("West Northamptonshire")
    parent = history("Northamptonshire")
    year = "2020-21"  # the looked-after table starts in 2020-21; the split came in 2021
    total = north.table.at[year, "looked_after"] + west.table.at[year, "looked_after"]
    assert total == pytest.approx(parent.table.at[year, "looked_after"], rel=1e-9)


def test_every_council_has_a_recent_population_and_referrals():
    found = councils()
    assert len(found) >= 150, f"expected about 150 councils, found {len(found)}"
    missing = [a.name for a in found if math.isnan(history(a).table.at["2024-25", "population"])]
    assert not missing, f"councils with no 2024-25 population: {missing}"


def test_every_council_has_its_ten_statistical_neighbours_in_the_published_order():
    # DfE's file repeats a closeness heading after each neighbour; all ten are read, SN1 first
    assert [a.name for a in statistical_neighbours(find_area("Walsall"))] == [
        "Derby", "Rochdale", "Peterborough", "Stoke-on-Trent", "Bolton",
        "Tameside", "Dudley", "Sandwell", "Kirklees", "Telford and Wrekin",
    ]  # fmt: skip
    counts = {a.name: len(statistical_neighbours(a)) for a in councils()}
    short = {n: c for n, c in counts.items() if c != 10}
    assert set(short) <= {"City of London", "Isles of Scilly"}, f"found {short}"


def test_dorset_takes_the_neighbours_of_the_council_it_is_now_in_any_process():
    # Dorset has a row as it is (838) and one as it was before 2019 (835, 'Pre LG'); the choice
    # once hung on the order a set of codes iterated in, which changes from process to process
    code = (
        "import json; from calibration.ees import find_area, statistical_neighbours;"
        "print(json.dumps([a.name for a in statistical_neighbours(find_area('Dorset'))]))"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        for seed in range(6)
    }  # fmt: skip
    assert len(seen) == 1, f"neighbours differ by process: {seen}"
    names = json.loads(seen.pop())
    assert names[:3] == ["Devon", "Somerset", "Shropshire"] and len(names) == 10, names


def test_small_councils_lean_on_their_neighbours_more():
    england = history("England")
    weights = {}
    for name in ("Rutland", "Kent"):
        area = find_area(name)
        nbrs = [history(a) for a in statistical_neighbours(area)]
        _, how = council_targets(history(area), "2024-25", nbrs, england)
        weights[name] = how["care_entries"]["weight_on_council"]
    assert weights["Rutland"] < weights["Kent"], f"found {weights}"


@pytest.mark.slow
@pytest.mark.parametrize("name", SEED_COUNCILS)
def test_seed_councils_calibrate_and_scenarios_can_name_them(tmp_path, name):
    params, rows = calibrate(name, iterations=2, replications=1, population=30_000, polish_rounds=0)
    assert params["provenance"]["council"] == find_area(name).name
    assert all(np.isfinite(r.simulated) for r in rows)
    exits = params["provenance"]["exit_mix"]
    assert exits["exits"] > 0 and sum(exits["shares"].values()) == pytest.approx(100, abs=0.1), (
        f"expected the council's own exit mix from DfE's ceased table, found {exits}"
    )
    assert "children ceasing care by reason" in params["sources"]["looked_after.exit_mix"]
    moves = params["looked_after"]["placement_moves_per_year"]
    assert 0.3 <= moves <= 1.0, f"expected the council's own placement moves a year, found {moves}"
    slug = find_area(name).slug
    write_council_file(params, tmp_path / "councils" / f"{slug}.yaml")
    (tmp_path / "s.yaml").write_text(f"name: s\ncouncil: {slug}\npopulation: 20000\n")
    sc = load_scenario(tmp_path / "s.yaml")
    assert sc.parameters.provenance["council"] == find_area(name).name
    assert sc.parameters.reference_year == "2024-25"


SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "reference" / "external-data"


@pytest.mark.skipif(not SAMPLES.exists(), reason="sample council files not available")
def test_council_files_feed_calibration_and_no_identifier_reaches_the_file(tmp_path):
    episodes = SAMPLES / "cs-demand-model" / "cs_demand_model_samples" / "combined"
    cin = SAMPLES / "csc-validator-be-cin" / "fake_data" / "fake_CIN_data.xml"
    params, _ = calibrate(
        "Walsall",
        iterations=2,  # one step: the opening ages move, so the exit mix could be redone after
        replications=1,
        population=20_000,
        polish_rounds=0,
        council_files={"ssda903": [episodes], "cin": [cin]},
    )
    used = params["provenance"]["council_files"]
    assert used["ssda903"]["periods_of_care"] > 0 and used["cin"]["episodes"] > 0
    assert "SSDA903" in params["sources"]["looked_after.duration"]
    # the council's own exit mix is kept after the fit, not redone from the published table
    assert used["ssda903"]["exit_mix_exits"] > 0, used["ssda903"]
    assert "opening_entry_age_weights" in params["looked_after"]
    assert "SSDA903" in params["sources"]["looked_after.exit_mix"]
    text = write_council_file(params, tmp_path / "walsall.yaml").read_text()
    ids = set()
    for f in episodes.glob("*-episodes.csv"):
        with f.open(newline="") as fh:
            ids |= {row["CHILD"] for row in csv.DictReader(fh) if len(row["CHILD"]) >= 6}
    leaked = [i for i in ids if i in text]
    assert not leaked, f"child identifiers found in the council file: {leaked[:3]}"


def test_a_council_with_englands_assessed_mix_gets_englands_front_door_mix():
    """The mapping from the mix among assessments to the mix among contacts is England's fit."""
    import yaml

    from calibration.england import PARAMS_FILE, contact_mix, england_assessed_mix
    from calibration.targets import NationalFigures

    contacts = yaml.safe_load(PARAMS_FILE.read_text())["demand"]["toxic_trio_shares"]
    assessed = england_assessed_mix(NationalFigures())
    mapped = contact_mix(assessed, assessed, contacts)
    assert mapped == pytest.approx(contacts, abs=2e-5), (
        f"expected England's own front-door mix back, found {mapped} against {contacts}"
    )
    # a council where domestic abuse is twice as common among assessed families has more of it
    # at its front door, and no subset goes negative
    more_da = {k: v * (2.0 if "da" in k else 1.0) for k, v in assessed.items()}
    total = sum(more_da.values())
    mapped = contact_mix({k: v / total for k, v in more_da.items()}, assessed, contacts)
    da = sum(v for k, v in mapped.items() if "da" in k)
    assert da > sum(v for k, v in contacts.items() if "da" in k) and min(mapped.values()) >= 0, (
        f"expected more domestic abuse at the front door than England's, found {mapped}"
    )


@pytest.mark.slow
def test_calibrate_keeps_its_back_test_for_reports(tmp_path):
    """`csc-sim calibrate` back-tests the reference year and the file (and report) keep it, and
    places the council's children in care as it does on the fitted stays."""
    import yaml

    from sim.cli import main
    from sim.reporting.report import calibration as report_calibration

    out = tmp_path / "telford.yaml"
    args = ["calibrate", "--la", "Telford and Wrekin", "--iterations", "2", "--polish", "0"]
    code = main([*args, "--out", str(out)])
    assert code == 0, f"expected calibrate to succeed, exit code {code}"
    assert_placements_matched(out)
    prov = yaml.safe_load(out.read_text())["provenance"]
    rows = {r["measure"]: r for r in prov.get("backtest", [])}
    assert prov.get("backtest_hold_out") == prov["reference_year"], (
        f"expected the reference year held out, found {prov.get('backtest_hold_out')}"
    )
    assert {"referrals", "care_entries", "looked_after"} <= set(rows), (
        f"expected referrals, care entries and looked after back-tested, found {sorted(rows)}"
    )
    for m, r in rows.items():
        expected = (r["model"] - r["published"]) / r["published"] * 100
        assert r["error_pct"] == pytest.approx(expected, abs=0.1), (
            f"{m}: expected error {expected:.1f}% from model and published, found {r['error_pct']}"
        )
    scenario = load_scenario_text(tmp_path, f"council: {out}\npopulation: 44000\n")
    shown = report_calibration(scenario)
    assert shown["backtest"] and shown["backtest_hold_out"] == prov["reference_year"], (
        f"expected the report to show the back-test, found {shown['backtest']}"
    )


def assert_placements_matched(path: Path) -> None:
    """A written council file's placements were scaled once more on its fitted stays."""
    import yaml

    from calibration.placement_stock import MATCHED

    params = yaml.safe_load(path.read_text())
    held = params["provenance"]["placement_mix"].get("held_before_last_scaling")
    assert held and MATCHED in params["sources"]["looked_after.placement_mix"], (
        f"expected {path.name}'s placements matched on its fitted stays, found {held}"
    )


def load_scenario_text(folder: Path, text: str):
    path = folder / "scenario.yaml"
    path.write_text(text)
    return load_scenario(path)


def test_calibrate_all_writes_a_file_per_council_and_resumes(tmp_path, monkeypatch, capsys):
    """`calibrate --all` writes one parameter file per council that scenarios can name, and a
    second run skips the files already written."""
    from calibration import ees
    from sim.cli import main

    two = [find_area("Rutland"), find_area("Walsall")]
    monkeypatch.setattr(ees, "councils", lambda: two)
    out = tmp_path / "councils"
    args = ["calibrate", "--all", "--out", str(out), "--iterations", "1", "--workers", "1"]
    args += ["--polish", "0"]
    assert main(args) == 0
    assert sorted(p.name for p in out.iterdir()) == ["rutland.yaml", "walsall.yaml"]
    assert "Calibrated 2 council(s)" in capsys.readouterr().out
    made = (out / "walsall.yaml").stat().st_mtime_ns
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["calibrated_now"], report["already_there"]) == (0, 2)
    assert (out / "walsall.yaml").stat().st_mtime_ns == made
    assert_placements_matched(out / "walsall.yaml")
    (tmp_path / "s.yaml").write_text("name: s\ncouncil: walsall\npopulation: 20000\n")
    monkeypatch.chdir(tmp_path)
    sc = load_scenario(tmp_path / "s.yaml")
    assert sc.parameters.provenance["council"] == "Walsall"
    assert sc.parameters.provenance["children"] == int(
        history("Walsall").table.at["2024-25", "population"]
    )


def test_calibrate_all_refuses_one_councils_files(tmp_path, capsys):
    from sim.cli import main

    assert main(["calibrate", "--all", "--cin", str(tmp_path / "cin.xml")]) == 2
    assert "--cin belong to one council; use --la" in capsys.readouterr().err


def test_published_history_for_the_charts_is_the_councils_counts_or_englands_rates():
    from calibration.published import published_history

    walsall = published_history("Walsall", 71_799)
    got = walsall.set_index(["month", "measure"])["value"]
    assert got[("2025-03", "looked_after")] == 578 and got[("2025-03", "cp_plans")] == 227
    assert sorted(walsall["month"].unique()) == [f"20{y}-03" for y in range(21, 26)]
    england = published_history(None, 100_000).set_index(["month", "measure"])["value"]
    assert england[("2025-03", "looked_after")] == pytest.approx(81_770 / 12_183_016 * 1e5)
    # a year whose figure is missing is left out, not drawn as zero
    early = published_history("Walsall", 71_799, years=13)
    assert "2013-03" not in set(early.loc[early["measure"] == "looked_after", "month"])
    assert "2013-03" in set(early.loc[early["measure"] == "cp_plans", "month"])


#: How close a shipped set's first year must come to its targets, run with the model as it is,
#: in %: the fit's own residual (a few %, e.g. Cheshire East's looked-after stock +3.7% over 10
#: replications) plus about three standard errors of the 8 replications run here at 100,000
#: children (per replication, measured: referrals 3%, looked after 2.7%, CP plans started 6-7%,
#: care entries 7-8%).
SHIPPED_TOLERANCE_PCT = {
    "referrals": 6.0,
    "looked_after": 6.0,
    "cp_plans_started": 12.0,
    "care_entries_not_uasc": 15.0,
}


def test_every_council_has_a_shipped_calibrated_set_with_its_provenance():
    """`council: <file name>` works for any council with no set-up: each council in DfE's tables
    has its file, fitted to its own figures in the latest year."""
    import yaml

    from sim.inputs.scenario import COUNCILS_DIR

    missing, wrong = [], []
    for area in councils():
        path = COUNCILS_DIR / f"{area.slug}.yaml"
        if not path.exists():
            missing.append(area.slug)
            continue
        prov = yaml.safe_load(path.read_text(encoding="utf-8"))["provenance"]
        if (prov["council"], prov["reference_year"]) != (area.name, "2024-25"):
            wrong.append((area.slug, prov["council"], prov["reference_year"]))
    assert not missing, f"councils with no shipped set: {missing}"
    assert not wrong, f"shipped sets fitted to another council or year: {wrong}"


@pytest.mark.slow
@pytest.mark.parametrize("name", SEED_COUNCILS)
def test_shipped_seed_council_sets_still_reproduce_their_targets(tmp_path, monkeypatch, name):
    """Each council is calibrated ahead and shipped (`calibrate --all`); a scenario names it by
    file name with no set-up, and its first year, on seeds the fit never ran, still comes
    within a few standard errors of the targets it was fitted to. A change to the model that
    moves a council away from its figures fails here: refit the shipped sets (README)."""
    from calibration.council import council_seed
    from calibration.fit import simulate_first_year
    from sim.inputs.scenario import COUNCILS_DIR

    slug = find_area(name).slug
    assert (COUNCILS_DIR / f"{slug}.yaml").exists(), f"no shipped set for {name}"
    monkeypatch.chdir(tmp_path)  # no councils/ folder here: the shipped set is the one named
    scenario = load_scenario_text(tmp_path, f"name: s\ncouncil: {slug}\n")
    prov = scenario.parameters.provenance
    assert prov["council"] == find_area(name).name
    assert scenario.population == prov["children"]  # with no population: the council's own
    assert prov["children"] == int(history(name).table.at[prov["reference_year"], "population"])
    params = scenario.parameters.model_dump(mode="json")
    year = prov["reference_year"]
    sim = simulate_first_year(
        params,
        100_000,
        replications=8,
        seed=council_seed(name, "shipped-check"),
        start_date=f"{int(year[:4]) + 1}-04-01",
    )
    off = {
        m: round((sim[m] - prov["targets"][m]) / prov["targets"][m] * 100, 1)
        for m in SHIPPED_TOLERANCE_PCT
    }
    bad = {m: e for m, e in off.items() if abs(e) > SHIPPED_TOLERANCE_PCT[m]}
    assert not bad, f"{name}: % off target beyond {SHIPPED_TOLERANCE_PCT}: {bad} (all: {off})"


def _cin_return(plans: list[tuple[str, str]], assessments: list[tuple[str, str]]) -> str:
    """A CIN census return for 31 March 2024: one child per CP plan (start, end) and per
    assessment (start, authorised)."""
    details = [
        "<CINdetails><CINreferralDate>2023-04-03</CINreferralDate><ReferralSource>1A"
        "</ReferralSource><ReferralNFA>false</ReferralNFA><ChildProtectionPlans>"
        f"<CPPstartDate>{start}</CPPstartDate><CPPendDate>{end}</CPPendDate>"
        "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse><LatestCategoryOfAbuse>NEG"
        "</LatestCategoryOfAbuse><NumberOfPreviousCPP>0</NumberOfPreviousCPP>"
        "</ChildProtectionPlans></CINdetails>"
        for start, end in plans
    ] + [
        "<CINdetails><CINreferralDate>2023-05-01</CINreferralDate><ReferralSource>1A"
        f"</ReferralSource><Assessments><AssessmentActualStartDate>{start}"
        f"</AssessmentActualStartDate><AssessmentAuthorisationDate>{done}"
        "</AssessmentAuthorisationDate><FactorsIdentifiedAtAssessment><AssessmentFactors>21"
        "</AssessmentFactors></FactorsIdentifiedAtAssessment></Assessments>"
        "<ReferralNFA>false</ReferralNFA></CINdetails>"
        for start, done in assessments
    ]
    kids = "".join(
        f"<Child><ChildIdentifiers><LAchildID>C{i:04d}</LAchildID><PersonBirthDate>2015-01-01"
        "</PersonBirthDate><Sex>F</Sex></ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI"
        f"</Ethnicity></ChildCharacteristics>{d}</Child>"
        for i, d in enumerate(details)
    )
    return (
        "<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2024</Year>"
        "<ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails><Source><SourceLevel>L"
        f"</SourceLevel><LEA>999</LEA></Source></Header><Children>{kids}</Children></Message>"
    )


def test_a_councils_cin_census_sets_assessment_length_and_the_split_of_cp_plan_lengths(tmp_path):
    """From the council's own CIN census: assessments take its median working days on
    England's shape, and CP plans split between short and long as its ended plans did (each
    band's weight scaled by the council's D7 share over England's); its counts reach no file."""
    import yaml

    from calibration.england import PARAMS_FILE
    from calibration.fit import median_days
    from calibration.own_files import apply_council_files
    from calibration.targets import CP_BANDS, NationalFigures, mix_targets

    # 24 plans ended in 2023-24: 16 of 2 months (3 months or less), 8 of 10 months (6-12 months);
    # 24 assessments: Monday 3 July to Monday 31 July 2023 is 20 working days
    plans = [("2023-05-01", "2023-07-01")] * 16 + [("2023-04-03", "2024-02-01")] * 8
    path = tmp_path / "cin_2024.xml"
    path.write_text(_cin_return(plans, [("2023-07-03", "2023-07-31")] * 24), encoding="utf-8")
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    before = params["cp_plan"]["duration"]["weights"]
    assert median_days(params["assessment"]["duration_working_days"]) == pytest.approx(33.0)
    targets = {"referrals": 500.0, "cp_plans_started": 40.0}
    used = apply_council_files(params, targets, {"cin": [path]}, "Testshire", 100_000.0)

    assert median_days(params["assessment"]["duration_working_days"]) == pytest.approx(20.0)
    england = mix_targets(NationalFigures())
    council = {"le_3m": 100 * 16 / 24, "6_12m": 100 * 8 / 24}
    after = params["cp_plan"]["duration"]["weights"]
    for b, old, new in zip(CP_BANDS, before, after, strict=True):
        expected = old * council.get(b, 0.0) / england[f"cp_ended_share_{b}"]
        assert new == pytest.approx(expected, abs=1e-3), f"{b}: expected {expected}, found {new}"
    assert used["cin"]["assessment_median_working_days"] == 20.0
    assert used["cin"]["cp_plans_ended_by_duration"]["le_3m"] == 16
    assert "Testshire: CIN census CP plans ended" in params["sources"]["cp_plan.duration"]
    assert "C0001" not in yaml.safe_dump(params), "no child identifier in the parameters"


def test_a_small_cin_census_leaves_englands_durations(tmp_path):
    """Fewer than 20 ended plans or assessments: England's shapes stay, and nothing is claimed."""
    import yaml

    from calibration.england import PARAMS_FILE
    from calibration.own_files import apply_council_files

    path = tmp_path / "cin_2024.xml"
    path.write_text(
        _cin_return([("2023-05-01", "2023-07-01")] * 5, [("2023-07-03", "2023-07-31")] * 5),
        encoding="utf-8",
    )
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    england = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    used = apply_council_files(params, {"referrals": 500.0}, {"cin": [path]}, "Testshire", 1e5)
    assert params["assessment"] == england["assessment"]
    assert params["cp_plan"] == england["cp_plan"]
    assert "assessment_median_working_days" not in used["cin"]
    assert "cp_plans_ended_by_duration" not in used["cin"]


@pytest.mark.skipif(not SAMPLES.exists(), reason="sample council files not available")
def test_problems_in_a_councils_files_are_recorded_and_printed(tmp_path, capsys):
    """An unknown placement code in the SSDA903 reaches the parameter file's provenance and the
    CLI's output: file, table, field, code, how many rows and what was done with them."""
    import copy
    import csv
    import shutil

    import yaml

    from calibration.cli import _print_file_problems
    from calibration.england import PARAMS_FILE
    from calibration.own_files import apply_council_files

    combined = SAMPLES / "cs-demand-model" / "cs_demand_model_samples" / "combined"
    for f in combined.glob("2017-*.csv"):
        shutil.copy(f, tmp_path / f.name)
    episodes = tmp_path / "2017-episodes.csv"
    rows = list(csv.DictReader(episodes.open(newline="")))
    for r in rows[:7]:
        r["PLACE"] = "ZZ9"
    with episodes.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    params = copy.deepcopy(yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8")))
    used = apply_council_files(params, {}, {"ssda903": [tmp_path]}, "Walsall", 70_000)
    zz9 = [p for p in used["ssda903"]["problems"] if p["code"] == "ZZ9"]
    assert zz9 == [
        {
            "table": "episodes",
            "field": "PLACE",
            "code": "ZZ9",
            "rows": 7,
            "done": "unknown placement code: counted as other",
        }
    ], f"expected the 7 rows with placement ZZ9 recorded, found {zz9}"
    _print_file_problems(used)
    printed = capsys.readouterr().out
    assert "SSDA903:" in printed and "PLACE, code ZZ9: 7 rows: unknown placement code" in printed, (
        f"expected the CLI to name the file, field, code and rows, found:\n{printed}"
    )


def test_the_opening_stock_follows_the_ages_the_pathway_brings_into_care():
    """The fit draws the stock at the start at the ages its simulated year brought into care:
    entries by DfE's band less unaccompanied children, spread evenly over each band's years,
    moved half-way from the weights before at each iteration."""
    from calibration.fit import OPENING_AGES_STEP, follow_pathway_entry_ages, pathway_entry_ages

    uasc = [0.0] * 16 + [1.0, 1.0]  # unaccompanied children: 1 per 10k a year, all 16-17
    params = {
        "demand": {"uasc_per_10k_per_year": 1.0, "uasc_age_weights": uasc},
        "looked_after": {"entry_age_weights": [1.0] * 18},
    }
    sim = {
        "care_entries_age_under_1": 2.0,
        "care_entries_age_1_to_4": 2.0,
        "care_entries_age_5_to_9": 2.0,
        "care_entries_age_10_to_15": 3.0,
        "care_entries_age_16_and_over": 2.0,  # 1 of them unaccompanied
    }
    ages = pathway_entry_ages(params, sim)
    per_year = [2.0] + [0.5] * 4 + [0.4] * 5 + [0.5] * 6 + [0.5] * 2  # of 10 not unaccompanied
    assert ages == pytest.approx([10 * x for x in per_year]), f"found {ages}"
    follow_pathway_entry_ages(params, sim)
    moved = params["looked_after"]["opening_entry_age_weights"]
    flat = 100 / 18
    expected = [(1 - OPENING_AGES_STEP) * flat + OPENING_AGES_STEP * a for a in ages]
    assert moved == pytest.approx(expected, abs=1e-3), f"found {moved}"
    assert "pathway" in params["sources"]["looked_after.opening_entry_age_weights"]
    assert pathway_entry_ages(params, dict.fromkeys(sim, 0.0)) is None


#: Councils whose 0.8.0 fits left CP plans furthest short of their targets (Birmingham: plans
#: started -14%, plans at 31 March -16%; Kirklees -14% and -10%), refitted on 0.11.0 with the
#: polished fit (``python -m calibration.refit``).
REFITTED = ("Birmingham", "Kirklees")
#: Runs of 100,000 children: the fit's own report is on the runs it polished on, and is
#: optimistic by a few points (Kirklees refitted on 0.12.0 reports CP plans -0.8% off; on the
#: 32 runs below, -5.4%; four sets of eight others, -2.3% to -6.4%), so eight runs put a fit
#: with a bias of about 5% beyond 6% one time in three or four. On 32 runs (their own noise
#: about 1%) the test holds each fit's bias, not a set's luck, within 6%.
UNSEEN_RUNS = 32


@pytest.mark.slow
@pytest.mark.parametrize("name", REFITTED)
def test_refitted_councils_meet_their_cp_plans_on_runs_the_fit_never_saw(name):
    """Within 6% on runs the fit never saw, where the 0.8.0 fits were 10-16% short."""
    import yaml

    from calibration.council import FULL_FIT, council_seed
    from calibration.fit import simulate_first_year
    from sim.inputs.scenario import COUNCILS_DIR

    params = yaml.safe_load((COUNCILS_DIR / f"{find_area(name).slug}.yaml").read_text())
    prov = params["provenance"]
    assert prov["fit_settings"] == FULL_FIT.options(), f"{name} is not refitted"
    year = prov["reference_year"]
    sim = simulate_first_year(
        params,
        100_000,
        UNSEEN_RUNS,
        council_seed(name, "refit-check"),
        f"{int(year[:4]) + 1}-04-01",
    )
    off = {
        m: round((sim[m] - prov["targets"][m]) / prov["targets"][m] * 100, 1)
        for m in ("cp_plans_started", "cp_plans")
    }
    assert all(abs(e) <= 6.0 for e in off.values()), f"{name}: % off target {off}"


def _open_cases(rest_split=(40.0, 80.0)) -> dict:
    return {
        "opening_stocks_per_10k": {"assessment": rest_split[0], "cin_plan": rest_split[1]},
        "sources": {},
        "assessment": {"duration_working_days": {"kind": "fixed", "days": 25}},
        "s47_enquiry": {"working_days_to_icpc": {"kind": "fixed", "days": 15}},
    }


def test_open_cases_are_split_by_the_councils_own_flows():
    """Children in need on neither a CP plan nor looked after: open assessments by Little's law
    (assessments a year x 25 working days of 7/5 calendar days), CIN plans the rest less the
    enquiries under way (150 a year x 15 working days); the total is kept."""
    from calibration.council import split_open_cases

    params = _open_cases()
    split_open_cases(params, {"assessments": 500.0, "s47_enquiries": 150.0}, "Anyshire")
    stocks = params["opening_stocks_per_10k"]
    assessed, enquiries = 500 * 25 * 1.4 / 365.25, 150 * 15 * 1.4 / 365.25
    assert stocks["assessment"] == pytest.approx(assessed, abs=0.01)
    assert stocks["cin_plan"] == pytest.approx(120 - assessed - enquiries, abs=0.01)
    assert "Little's law" in params["sources"]["opening_stocks_per_10k.cin_plan"]
    split_open_cases(params, {"assessments": 500.0, "s47_enquiries": 150.0}, "Anyshire")
    assert stocks["cin_plan"] == pytest.approx(120 - assessed - enquiries, abs=0.01), (
        "split again (a file reported again): the enquiries must not come off twice"
    )


def test_open_cases_leave_cin_plans_a_fifth_when_assessments_would_take_them_all():
    from calibration.council import LEAST_CIN_PLAN_SHARE, split_open_cases

    params = _open_cases()
    split_open_cases(params, {"assessments": 2000.0, "s47_enquiries": 150.0}, "Anyshire")
    assert params["opening_stocks_per_10k"]["cin_plan"] == pytest.approx(
        LEAST_CIN_PLAN_SHARE * 120, abs=0.01
    )
