"""Council data readers: parsing, validation, stitching, survival estimates and privacy.

Samples are the synthetic public files in ``shared/reference/external-data`` beside the repository
(tests using them skip when the folder is absent); hand-made files written to ``tmp_path`` give
exact expected values.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from calibration.readers import (
    CouncilDataError,
    read_annex_a,
    read_cin_census,
    read_ssda903,
)
from calibration.readers.common import (
    DurationSummary,
    financial_year,
    kaplan_meier,
    km_quantile,
    parse_date,
)
from calibration.readers.ssda903 import PLACE_CODES, REC_CODES, placement_class
from sim.core.calendar import financial_year_label
from sim.core.entities import TOXIC_TRIO_SUBSETS, Exit, Placement

EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "reference" / "external-data"
COMBINED = "cs-demand-model/cs_demand_model_samples/combined"
REGIONAL = "cs-demand-model-regional/samples/v1"
VALIDATOR_903 = "csc-validator-be-903/tests/fake_data"
CIN_FAKE = "csc-validator-be-cin/fake_data"
ANNEX_A = "liia-tools-pipeline/liiatools/annex_a_pipeline/spec/samples/Annex_A_2024_Jan.xlsx"


@pytest.fixture(scope="module")
def external() -> Path:
    if not EXTERNAL.is_dir():
        pytest.skip(f"sample data folder {EXTERNAL.name} is not beside the repository")
    return EXTERNAL


def validator_csvs(external: Path) -> list[Path]:
    return [external / VALIDATOR_903 / f"{t}.csv" for t in ("episodes", "header", "uasc")]


# --- consistency checks shared by the end-to-end tests -------------------------------------------


def check_ssda903(s: Any) -> None:
    """Counts non-negative, parts summing to wholes, shares summing to 1."""
    assert s.collection_years, "a summary should cover at least one collection year"
    assert tuple(s.by_year) == s.collection_years, "by_year keys should be the collection years"
    for label, y in s.by_year.items():
        assert set(y.exits) == {e.value for e in Exit}, f"{label}: exit keys should be Exit values"
        assert set(y.placements_31_march) == {p.value for p in Placement}, (
            f"{label}: placement keys should be Placement values"
        )
        counts = [y.care_entries, y.exits_total, y.looked_after_31_march, y.uasc_31_march]
        counts += list(y.exits.values()) + list(y.placements_31_march.values())
        assert min(counts) >= 0, f"{label}: a count is negative: {counts}"
        assert sum(y.exits.values()) == y.exits_total, f"{label}: exits by reason should sum"
        assert sum(y.placements_31_march.values()) == y.looked_after_31_march, (
            f"{label}: placements should sum to the children looked after on 31 March"
        )
        if y.looked_after_31_march:
            total = sum(y.placement_shares_31_march.values())
            assert total == pytest.approx(1.0, abs=1e-5), f"{label}: shares sum to {total}"
        assert y.uasc_31_march <= y.looked_after_31_march, f"{label}: more UASC than looked after"
        if y.re_entries is not None:
            assert 0 <= y.re_entries <= y.care_entries, f"{label}: re-entries exceed entries"
    assert s.care_entries == sum(y.care_entries for y in s.by_year.values()), "entries total"
    assert s.exits_total == sum(y.exits_total for y in s.by_year.values()), "exits total"
    assert sum(s.exits.values()) == s.exits_total, "overall exits by reason should sum"
    bands = sum(d.spells for d in s.durations_by_age_band.values())
    assert bands <= s.duration_all_ages.spells == s.care_entries, (
        "every entry in the years supplied is one spell; age bands hold those with a birth date"
    )
    for d in [s.duration_all_ages, *s.durations_by_age_band.values()]:
        assert 0 <= d.ended <= d.spells, f"ended {d.ended} of {d.spells} spells"
        if d.median_days is not None and d.p90_days is not None:
            assert 0 <= d.median_days <= d.p90_days, f"median {d.median_days} > p90 {d.p90_days}"
    assert all(p.count > 0 for p in s.problems), "problems are reported with positive counts"


def check_cin(s: Any) -> None:
    years = [*s.by_year.values(), s.overall]
    for y in years:
        counts = [
            y.referrals,
            y.referrals_nfa,
            y.assessments_completed,
            y.cin_plan_starts,
            y.s47_enquiries,
            y.icpcs,
            y.cp_plan_starts,
            y.repeat_cp_plans,
            y.cp_plans_ended,
            y.pre_proceedings_starts,
            y.episodes_with_assessment_factors,
        ]
        assert min(counts) >= 0, f"{y.year}: a count is negative: {counts}"
        assert y.referrals_nfa <= y.referrals, f"{y.year}: more NFA than referrals"
        assert y.repeat_cp_plans <= y.cp_plan_starts, f"{y.year}: more repeat plans than plans"
        assert sum(y.cp_plans_ended_by_duration.values()) == y.cp_plans_ended, (
            f"{y.year}: the D7 bands should hold every ended plan: {y.cp_plans_ended_by_duration}"
        )
        assert set(y.toxic_trio_subsets) == set(TOXIC_TRIO_SUBSETS), "subset labels as the model's"
        if y.episodes_with_assessment_factors:
            total = sum(y.toxic_trio_subsets.values())
            assert total == pytest.approx(1.0, abs=1e-5), f"{y.year}: subsets sum to {total}"
            shares = y.toxic_trio_shares
            assert max(shares.values()) <= shares["any"] <= 1.0, f"{y.year}: union {shares}"
    assert s.overall.referrals == sum(y.referrals for y in s.by_year.values()), "pooled referrals"
    pooled = sum(y.cp_plan_starts for y in s.by_year.values())
    assert s.overall.cp_plan_starts == pooled, "pooled CP plan starts should sum the years"


# --- common helpers ------------------------------------------------------------------------------


def test_kaplan_meier_with_censoring_matches_hand_computation() -> None:
    # 8 spells; 3 (at 3, 6, 12 days) still open. At-risk counts 8, 7, 5, 3, 2 at the endings:
    # S(2)=7/8, S(3)=7/8*6/7=0.75, S(5)=0.75*4/5=0.6, S(8)=0.6*2/3=0.4, S(9)=0.4*1/2=0.2.
    durations = [2, 3, 3, 5, 6, 8, 9, 12]
    observed = [True, True, False, True, False, True, True, False]
    curve = kaplan_meier(durations, observed)
    expected = [(2, 0.875), (3, 0.75), (5, 0.6), (8, 0.4), (9, 0.2)]
    assert [t for t, _ in curve] == [t for t, _ in expected], f"ending times {curve}"
    for (t, s), (_, s_hand) in zip(curve, expected, strict=True):
        assert s == pytest.approx(s_hand), f"S({t}) = {s}, expected {s_hand}"
    assert km_quantile(durations, observed, 0.25) == 3, "25% have ended by day 3 (S=0.75)"
    assert km_quantile(durations, observed, 0.5) == 8, "the median is the first t with S<=0.5"
    assert km_quantile(durations, observed, 0.8) == 9, "80% have ended by day 9 (S=0.2)"
    assert km_quantile(durations, observed, 0.9) is None, "S never reaches 0.1: p90 unknown"
    summary = DurationSummary.of(durations, observed)
    assert summary == DurationSummary(spells=8, ended=5, median_days=8.0, p90_days=None), (
        f"summary of the hand example: {summary}"
    )


def test_kaplan_meier_without_censoring_is_the_empirical_quantile() -> None:
    durations = list(range(1, 11))
    observed = [True] * 10
    assert km_quantile(durations, observed, 0.5) == 5, "S(5)=0.5 exactly: median 5"
    assert km_quantile(durations, observed, 0.9) == 9, "S(9)=0.1 exactly: p90 9"


def test_financial_year_agrees_with_the_model_calendar() -> None:
    for d in [dt.date(2020, 3, 31), dt.date(2020, 4, 1), dt.date(1999, 12, 31)]:
        assert financial_year(d) == financial_year_label(d), f"year labels differ for {d}"


def test_both_date_formats_are_accepted() -> None:
    where = {"file": "f.csv", "table": "episodes", "row": 2, "field": "DECOM"}
    expected = dt.date(2020, 4, 5)
    for text in ["05/04/2020", "5/4/2020", "2020-04-05", "2020-04-05T00:00:00", "05/04/2020 00:00"]:
        assert parse_date(text, **where) == expected, f"{text!r} should read as 5 April 2020"
    assert parse_date("", **where) is None, "a blank optional date is None"


# --- SSDA903: hand-made two-year history ---------------------------------------------------------

EPISODE_HEAD = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC"]
#: Return labelled 2019 (collection year 2019-20) and 2020 (2020-21). A's open episode is repeated
#: and closed in the next return; C is a short break only; B leaves and re-enters within 12 months.
EPISODES = {
    2019: [
        ["A", "10/05/2019", "S", "C2", "N1", "U1", "PR1", "", ""],
        ["B", "01/06/2018", "S", "C2", "N1", "K2", "PR4", "15/08/2019", "E11"],
        ["C", "01/02/2020", "S", "V3", "N1", "U4", "PR1", "10/02/2020", "E8"],
    ],
    2020: [
        ["A", "10/05/2019", "S", "C2", "N1", "U1", "PR1", "01/07/2020", "X1"],
        ["A", "01/07/2020", "P", "C2", "N1", "U5", "PR4", "01/12/2020", "E45"],
        ["B", "01/06/2020", "S", "C1", "N1", "U4", "PR1", "", ""],
        ["D", "05/01/2021", "S", "C1", "N1", "P1", "PR0", "", ""],
    ],
}
HEADERS = {
    2019: [["A", "1", "15/06/2010"], ["B", "2", "01/03/2005"], ["C", "1", "01/01/2012"]],
    2020: [["A", "1", "15/06/2010"], ["B", "2", "01/03/2005"], ["D", "2", "20/11/2020"]],
}
UASC = {2020: [["D", "2", "20/11/2020", ""]]}


def iso(text: str) -> str:
    return dt.datetime.strptime(text, "%d/%m/%Y").date().isoformat() if "/" in text else text


def write_csv(path: Path, head: list[str], rows: Iterable[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [head, *rows]) + "\n", encoding="utf-8")
    return path


def write_dfe(folder: Path, dates: str = "dmy") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    conv = iso if dates == "iso" else (lambda t: t)
    files = []
    for year, rows in EPISODES.items():
        rows_out = [[conv(c) for c in r] for r in rows]
        files.append(write_csv(folder / f"{year}-episodes.csv", EPISODE_HEAD, rows_out))
        head = [[conv(c) for c in r] for r in HEADERS[year]]
        files.append(write_csv(folder / f"{year}-header.csv", ["CHILD", "SEX", "DOB"], head))
        if year in UASC:
            uasc = [[conv(c) for c in r] for r in UASC[year]]
            files.append(
                write_csv(folder / f"{year}-uasc.csv", ["CHILD", "SEX", "DOB", "DUC"], uasc)
            )
    return files


def write_regional(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    eps = [[*map(iso, r), "Eastshire", str(y)] for y, rows in EPISODES.items() for r in rows]
    hdr = [[*map(iso, r), "Eastshire", str(y)] for y, rows in HEADERS.items() for r in rows]
    uas = [[*map(iso, r), "Eastshire", str(y)] for y, rows in UASC.items() for r in rows]
    return [
        write_csv(folder / "episodes.csv", [*EPISODE_HEAD, "LA", "YEAR"], eps),
        write_csv(folder / "header.csv", ["CHILD", "SEX", "DOB", "LA", "YEAR"], hdr),
        write_csv(folder / "uasc.csv", ["CHILD", "SEX", "DOB", "DUC", "LA", "YEAR"], uas),
    ]


def write_xml(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for year, rows in EPISODES.items():
        root = ET.Element("EXPSSDA903")
        births = {r[0]: r[2] for r in HEADERS[year]}
        uasc = {r[0] for r in UASC.get(year, [])}
        for child in dict.fromkeys(r[0] for r in rows):
            c = ET.SubElement(root, "CHILD")
            h = ET.SubElement(c, "HEADER")
            ET.SubElement(h, "CHILDID").text = child
            ET.SubElement(h, "DOB").text = births[child]
            ET.SubElement(h, "UASC").text = "1" if child in uasc else "0"
            for r in (r for r in rows if r[0] == child):
                e = ET.SubElement(c, "EPISODE")
                for name, value in zip(EPISODE_HEAD[1:], r[1:], strict=True):
                    ET.SubElement(e, "PL" if name == "PLACE" else name).text = value
        path = folder / f"return_{year}.xml"
        ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
        files.append(path)
    return files


def test_ssda903_hand_made_history_gives_the_hand_counted_aggregates(tmp_path: Path) -> None:
    s = read_ssda903(write_dfe(tmp_path / "dfe"))
    check_ssda903(s)
    assert s.collection_years == ("2019-20", "2020-21"), "labels are the years returns start"
    first, second = s.by_year["2019-20"], s.by_year["2020-21"]
    assert first.care_entries == 1, "A enters in 2019-20; C's short break is left out"
    assert first.exits["adoption"] == first.exits_total == 1, "B leaves by adoption (E11)"
    assert first.looked_after_31_march == 1, "only A on 31 March 2020: not double counted"
    assert first.placements_31_march["kinship_foster"] == 1, "A is in U1 (kinship foster)"
    assert first.re_entries is None, "no return before 2019-20, so re-entries are unknown"
    assert second.care_entries == 2, "B re-enters and D enters in 2020-21"
    assert (second.re_entries, second.re_entry_share) == (1, 0.5), "B re-enters within 12 months"
    assert second.exits["sgo"] == second.exits_total == 1, "A leaves on an SGO (E45)"
    assert dict(second.placements_31_march) == {
        "kinship_foster": 0,
        "in_house_foster": 1,
        "ifa": 0,
        "residential": 0,
        "placed_with_parents": 1,
        "other": 0,
    }, "B in U4 with own provider (in-house), D placed with parents (P1)"
    assert second.uasc_31_march == 1 and s.uasc_children == 1, "D is UASC on 31 March 2021"
    assert (s.children, s.periods_of_care, s.care_entries) == (3, 4, 3), "A, B (twice), D"
    # Spells from entries: A 571 days (ended), B 303 and D 85 (open on 31 March 2021).
    assert s.duration_all_ages == DurationSummary(3, 1, 571.0, 571.0), (
        f"one of three spells ends (at 571 days), so S drops to 0 there: {s.duration_all_ages}"
    )
    assert s.durations_by_age_band["5-9"] == DurationSummary(1, 1, 571.0, 571.0), "A, 8 at entry"
    assert s.durations_by_age_band["10-15"] == DurationSummary(1, 0, None, None), "B, 15"
    assert s.durations_by_age_band["0"] == DurationSummary(1, 0, None, None), "D, a baby"
    assert s.problems == (), f"the hand-made history is clean: {s.problems}"


def test_ssda903_follows_returns_home_for_12_months(tmp_path: Path) -> None:
    """E goes home (E4A) and is back 92 days later; F goes home (E13) and is back after more
    than a year; G goes home too late in the data for a year to be seen; H goes home at 18 by
    another reason (E8). Two returns home followed, one back within 12 months, after 92 days."""
    episodes = {
        2019: [
            ["E", "01/01/2019", "S", "C2", "N1", "U1", "PR1", "01/05/2019", "E4A"],
            ["E", "01/08/2019", "S", "C2", "N1", "U1", "PR1", "", ""],
            ["F", "01/01/2019", "S", "C2", "N1", "U1", "PR1", "01/06/2019", "E13"],
            ["H", "01/01/2019", "S", "C2", "N1", "U1", "PR1", "01/07/2019", "E8"],
            ["H", "01/09/2019", "S", "C2", "N1", "U1", "PR1", "", ""],
        ],
        2020: [
            ["E", "01/08/2019", "S", "C2", "N1", "U1", "PR1", "", ""],
            ["F", "01/03/2021", "S", "C2", "N1", "U1", "PR1", "", ""],
            ["G", "01/06/2020", "S", "C2", "N1", "U1", "PR1", "01/02/2021", "E4B"],
            ["H", "01/09/2019", "S", "C2", "N1", "U1", "PR1", "", ""],
        ],
    }
    births = [["E", "1", "15/06/2010"], ["F", "2", "01/03/2008"], ["G", "1", "01/01/2012"]]
    births.append(["H", "2", "01/01/2009"])
    files = []
    for year, rows in episodes.items():
        files.append(write_csv(tmp_path / f"{year}-episodes.csv", EPISODE_HEAD, rows))
        files.append(write_csv(tmp_path / f"{year}-header.csv", ["CHILD", "SEX", "DOB"], births))
    s = read_ssda903(files)
    check_ssda903(s)
    assert s.returns_home.followed == 2, "E and F; G's year is not in the data; H left by E8"
    assert s.returns_home.reentered == 1, "E is back within 12 months; F after more than 12"
    assert s.returns_home.median_days_to_reentry == 92.0, "1 May to 1 August 2019"
    assert s.returns_home.reentry_share == 0.5
    assert s.to_dict()["returns_home"]["reentered"] == 1, "the JSON summary carries the counts"


def test_ssda903_same_history_in_every_layout_and_date_format(tmp_path: Path) -> None:
    reference = read_ssda903(write_dfe(tmp_path / "dmy")).to_dict()
    for name, files in [
        ("dfe_csv with ISO dates", write_dfe(tmp_path / "iso", dates="iso")),
        ("regional_csv", write_regional(tmp_path / "regional")),
        ("xml", write_xml(tmp_path / "xml")),
    ]:
        other = read_ssda903(files).to_dict()
        for key in reference.keys() - {"layouts"}:
            assert other[key] == reference[key], f"{name}: {key} differs from the DfE CSV reading"


def test_ssda903_reading_a_return_twice_counts_it_once(tmp_path: Path) -> None:
    files = write_dfe(tmp_path / "dfe")
    once = read_ssda903(files)
    assert read_ssda903(files + files) == once, "the same files twice should change nothing"
    assert read_ssda903([tmp_path / "dfe", tmp_path / "dfe"]) == once, "nor the folder twice"


# --- SSDA903: samples ----------------------------------------------------------------------------


def test_ssda903_dfe_csv_samples_parse_and_stitch(external: Path) -> None:
    s = read_ssda903([external / COMBINED])
    check_ssda903(s)
    assert s.layouts == ("dfe_csv",), f"layout detected as {s.layouts}"
    assert s.collection_years == ("2017-18", "2018-19", "2019-20", "2020-21", "2021-22"), (
        "five returns labelled by the year their collection year starts"
    )
    assert s.children <= 820, "no more children than in the headers (820): none counted twice"
    assert read_ssda903([external / COMBINED, external / COMBINED]) == s, "folder read twice"
    one_year = [external / COMBINED / f"2019-{t}.csv" for t in ("episodes", "header", "uasc")]
    assert read_ssda903(one_year + one_year) == read_ssda903(one_year), "a year read twice"


def test_ssda903_regional_sample_agrees_with_the_dfe_layout(external: Path) -> None:
    regional = read_ssda903([external / REGIONAL])
    dfe = read_ssda903([external / COMBINED])
    check_ssda903(regional)
    assert (regional.layouts, regional.councils) == (("regional_csv",), 3), (
        "the regional layout with its three councils (LA column)"
    )
    assert regional.collection_years == dfe.collection_years, "YEAR read as the same years"
    for label in dfe.collection_years:
        a, b = dfe.by_year[label], regional.by_year[label]
        for measure in ["care_entries", "re_entries", "exits", "placements_31_march"]:
            assert getattr(a, measure) == getattr(b, measure), (
                f"{label} {measure}: the same episodes in the regional layout should agree"
            )


def test_ssda903_xml_and_validator_samples_parse(external: Path) -> None:
    xml = read_ssda903([external / VALIDATOR_903 / "fake_903.xml"])
    check_ssda903(xml)
    assert (xml.layouts, xml.collection_years) == (("xml",), ("2017-18",)), (
        "the XML return's latest episode starts in 2017-18"
    )
    csv = read_ssda903(validator_csvs(external))
    check_ssda903(csv)
    assert csv.layouts == ("dfe_csv",), f"layout detected as {csv.layouts}"


def test_ssda903_liia_samples_parse(external: Path) -> None:
    folder = external / "liia-tools/liiatools/spec/s903/samples"
    fixes = read_ssda903([folder / "SSDA903_episodes_for_testing_fixes_INPUT.csv"])
    check_ssda903(fixes)
    closed = [p for p in fixes.problems if p.field == "DEC" and "open episode" in p.note]
    assert closed, "the episodes-fix fixture's open episodes should be closed and reported"
    dirty = read_ssda903([folder / "SSDA903_2020_episodes.csv"])
    check_ssda903(dirty)
    assert dirty.collection_years == ("2019-20",), "SSDA903_2020 is the 2019-20 return"


# --- SSDA903: bad input --------------------------------------------------------------------------


def test_ssda903_wrong_date_names_file_table_row_and_field(tmp_path: Path) -> None:
    rows = [["A", "10/05/2019", "S", "C2", "N1", "U1", "PR1", "", ""]] * 2
    rows.append(["B", "31/02/2019", "S", "C2", "N1", "U1", "PR1", "", ""])
    path = write_csv(tmp_path / "episodes.csv", EPISODE_HEAD, rows)
    expected = (
        "episodes.csv: table episodes, row 4, field DECOM: '31/02/2019' is not a date "
        "(expected dd/mm/yyyy or yyyy-mm-dd)"
    )
    with pytest.raises(CouncilDataError, match=re.escape(expected)):
        read_ssda903([path])


def test_ssda903_bad_birth_date_is_not_quoted(tmp_path: Path) -> None:
    write_csv(tmp_path / "episodes.csv", EPISODE_HEAD, EPISODES[2019])
    write_csv(tmp_path / "header.csv", ["CHILD", "SEX", "DOB"], [["A", "1", "1O/06/2O10"]])
    with pytest.raises(CouncilDataError) as err:
        read_ssda903([tmp_path])
    message = str(err.value)
    assert message.startswith("header.csv: table header, row 2, field DOB:"), message
    assert "1O/06/2O10" not in message, "a date of birth must not be repeated in an error"


def test_ssda903_missing_column_names_it_and_the_columns_found(tmp_path: Path) -> None:
    head = [c for c in EPISODE_HEAD if c != "DECOM"]
    path = write_csv(tmp_path / "episodes.csv", head, [["A", "S", "C2", "N1", "U1", "PR1", "", ""]])
    expected = (
        "episodes.csv: table episodes: missing required column(s) DECOM (columns found: "
        "CHILD, RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC)"
    )
    with pytest.raises(CouncilDataError, match=re.escape(expected)):
        read_ssda903([path])


def test_ssda903_a_file_that_is_not_csv_is_a_council_data_error(tmp_path: Path) -> None:
    path = tmp_path / "episodes.csv"
    path.write_bytes(b"CHILD,DECOM\n" + b"x" * 200_000 + b"\n")
    with pytest.raises(CouncilDataError, match=r"episodes\.csv: table ssda903: not a readable CSV"):
        read_ssda903([path])


def test_ssda903_unknown_codes_are_counted_in_problems(tmp_path: Path) -> None:
    rows = [
        ["A", "10/05/2019", "S", "C2", "N1", "Q9", "PR1", "", ""],
        ["B", "01/06/2019", "S", "C2", "N1", "U4", "PR9", "15/08/2019", "E77"],
    ]
    s = read_ssda903([write_csv(tmp_path / "episodes.csv", EPISODE_HEAD, rows)])
    found = {(p.field, p.code): p.count for p in s.problems}
    assert found.get(("PLACE", "Q9")) == 1, f"unknown PLACE should be reported: {s.problems}"
    assert found.get(("REC", "E77")) == 1, f"unknown REC should be reported: {s.problems}"
    assert found.get(("PLACE_PROVIDER", "PR9")) == 1, f"unknown provider: {s.problems}"
    y = s.by_year["2019-20"]
    assert y.exits["other"] == 1, "an exit with an unknown reason counts as other, not dropped"
    assert y.placements_31_march["other"] == 1, "an unknown placement counts as other"


def test_ssda903_code_tables_cover_the_spec_and_use_model_classes() -> None:
    spec_place = {"A3", "A4", "A5", "A6", "H5", "K1", "K2", "K3", "P1", "P2", "P3", "R1", "R2"}
    spec_place |= {"R3", "R5", "S1", "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5"}
    spec_place |= {"U6", "Z1", "Z11", "Z12", "Z13", "Z14"}
    assert spec_place <= set(PLACE_CODES), "every PLACE code in the 2023-24..2025-26 specs"
    spec_rec = {"X1", "E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E45", "E46", "E47"}
    spec_rec |= {"E48", "E5", "E6", "E7", "E9", "E14", "E15", "E16", "E17", "E8"}
    assert spec_rec <= set(REC_CODES), "every REC code in the 2023-24 spec"
    for code, (exit_, _) in REC_CODES.items():
        assert exit_ is None or isinstance(exit_, Exit), f"{code} maps to {exit_!r}"
    assert {REC_CODES[c][0] for c in ("E45", "E46", "E47", "E48")} == {Exit.SGO}, (
        "E45-E48 are special guardianship orders in the DfE code list"
    )
    assert REC_CODES["E17"][0] is Exit.AGE_18, "E17: aged 18, remained with carers"
    assert REC_CODES["E41"][0] is Exit.CAO, "E41: residence / child arrangements order"
    assert placement_class("U5", "PR4") is Placement.IFA, "agency foster care"
    assert placement_class("U5", "PR1") is Placement.IN_HOUSE_FOSTER, "LA foster care"
    assert placement_class("U2", "PR4") is Placement.KINSHIP_FOSTER, "relative or friend"
    assert placement_class("K1", "PR1") is Placement.RESIDENTIAL, "secure children's home"


# --- CIN census ----------------------------------------------------------------------------------


def cin_xml(reference: str, children: list[tuple[str, list[str]]]) -> str:
    kids = "".join(
        f"<Child><ChildIdentifiers><LAchildID>{cid}</LAchildID>"
        f"<PersonBirthDate>2015-01-01</PersonBirthDate><Sex>M</Sex></ChildIdentifiers>"
        f"<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>"
        f"{''.join(details)}</Child>"
        for cid, details in children
    )
    return (
        f"<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2024</Year>"
        f"<ReferenceDate>{reference}</ReferenceDate></CollectionDetails><Source>"
        f"<SourceLevel>L</SourceLevel><LEA>999</LEA></Source></Header>"
        f"<Children>{kids}</Children></Message>"
    )


def cin_details(referral: str, nfa: str = "false", inner: str = "") -> str:
    return (
        f"<CINdetails><CINreferralDate>{referral}</CINreferralDate><ReferralSource>1A"
        f"</ReferralSource>{inner}<ReferralNFA>{nfa}</ReferralNFA></CINdetails>"
    )


def assessment(start: str, authorised: str, factors: list[str]) -> str:
    codes = "".join(f"<AssessmentFactors>{f}</AssessmentFactors>" for f in factors)
    return (
        f"<Assessments><AssessmentActualStartDate>{start}</AssessmentActualStartDate>"
        f"<AssessmentAuthorisationDate>{authorised}</AssessmentAuthorisationDate>"
        f"<FactorsIdentifiedAtAssessment>{codes}</FactorsIdentifiedAtAssessment></Assessments>"
    )


def write_cin(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    x1 = cin_details(
        "2022-06-01",
        inner=(
            "<CINclosureDate>2023-01-10</CINclosureDate><ReasonForClosure>RC7</ReasonForClosure>"
            + assessment("2022-06-02", "2022-06-30", ["3B", "4B"])
            + "<CINPlanDates><CINPlanStartDate>2022-07-01</CINPlanStartDate></CINPlanDates>"
            "<Section47><S47ActualStartDate>2022-06-10</S47ActualStartDate>"
            "<DateOfInitialCPC>2022-06-24</DateOfInitialCPC>"
            "<ICPCnotRequired>false</ICPCnotRequired></Section47>"
        ),
    ).replace(
        "</CINdetails>",
        "<ChildProtectionPlans><CPPstartDate>2022-06-24</CPPstartDate>"
        "<CPPendDate>2022-12-24</CPPendDate><InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>"
        "<LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>"
        "<NumberOfPreviousCPP>0</NumberOfPreviousCPP></ChildProtectionPlans></CINdetails>",
    )
    y_first = cin_details("2022-09-01", nfa="true")
    y_again = cin_details(
        "2022-09-01", nfa="true", inner=assessment("2023-04-03", "2023-04-20", ["21"])
    )
    x2 = cin_details("2023-05-01", inner=assessment("2023-05-02", "2023-05-31", ["1B"])).replace(
        "</CINdetails>",
        "<ChildProtectionPlans><CPPstartDate>2023-06-15</CPPstartDate>"
        "<InitialCategoryOfAbuse>EMO</InitialCategoryOfAbuse>"
        "<LatestCategoryOfAbuse>EMO</LatestCategoryOfAbuse>"
        "<NumberOfPreviousCPP>1</NumberOfPreviousCPP></ChildProtectionPlans></CINdetails>",
    )
    z = cin_details(
        "2023-07-01",
        inner=assessment("2023-07-03", "2023-08-14", ["2B", "3A"]),
    ).replace(
        "</CINdetails>",
        "<PreProceedingsandFGDM><PPStartDate>2023-09-01</PPStartDate></PreProceedingsandFGDM>"
        "</CINdetails>",
    )
    first = folder / "cin_2023.xml"
    first.write_text(cin_xml("2023-03-31", [("X", [x1]), ("Y", [y_first])]), encoding="utf-8")
    second = folder / "cin_2024.xml"
    second.write_text(
        cin_xml("2024-03-31", [("X", [x2]), ("Y", [y_again]), ("Z", [z])]), encoding="utf-8"
    )
    return [first, second]


def test_cin_hand_made_returns_give_the_hand_counted_aggregates(tmp_path: Path) -> None:
    files = write_cin(tmp_path)
    s = read_cin_census(files)
    check_cin(s)
    assert read_cin_census(files + files) == s, "the same returns read twice should change nothing"
    assert s.collection_years == ("2022-23", "2023-24"), "reference dates 31 March 2023, 2024"
    assert (s.children, s.episodes) == (3, 4), "Y's episode is in both returns: counted once"
    a, b = s.by_year["2022-23"], s.by_year["2023-24"]
    assert (a.referrals, a.referrals_nfa, a.re_referrals) == (2, 1, None), (
        "first year: re-referrals unknown without the year before"
    )
    assert (a.assessments_completed, a.assessment_median_working_days) == (1, 20.0), (
        "Thursday 2 June to Thursday 30 June 2022 is 20 working days"
    )
    assert (a.cin_plan_starts, a.s47_enquiries, a.icpcs, a.cp_plan_starts) == (1, 1, 1, 1), (
        "X's plan, s47 enquiry, conference and CP plan in 2022-23"
    )
    assert (a.cp_plans_ended, a.cp_plan_ended_median_days, a.repeat_cp_plans) == (1, 183.0, 0), (
        "X's first CP plan ran 24 June to 24 December 2022 (183 days), none before it"
    )
    assert dict(a.cp_plans_ended_by_duration) == {
        "le_3m": 0,
        "3_6m": 0,
        "6_12m": 1,
        "1_2y": 0,
        "ge_2y": 0,
    }, "183 days is over 6 months (182.6 days) as the model bands plans (sim.core.entities)"
    assert dict(a.toxic_trio_shares) == {
        "domestic_abuse": 1.0,
        "parental_mental_health": 1.0,
        "parental_substance_misuse": 0.0,
        "any": 1.0,
    }, "X's first assessment found 3B (domestic abuse) and 4B (parent's mental health)"
    assert (b.referrals, b.re_referrals, b.re_referral_share) == (2, 1, 0.5), (
        "X is referred again within 12 months of 1 June 2022"
    )
    assert (b.assessments_completed, b.assessment_median_working_days) == (3, 21.0), (
        "13, 21 and 30 working days"
    )
    assert (b.cp_plan_starts, b.repeat_cp_plans, b.pre_proceedings_starts) == (1, 1, 1), (
        "X's second plan (one previous plan) and Z's pre-proceedings in 2023-24"
    )
    assert b.episodes_with_assessment_factors == 3, "X, Y and Z had assessments with factors"
    assert b.toxic_trio_shares["parental_substance_misuse"] == pytest.approx(2 / 3, abs=1e-6), (
        "1B (X) and 2B (Z): parental substance misuse in two of three"
    )
    assert b.toxic_trio_shares["domestic_abuse"] == pytest.approx(1 / 3, abs=1e-6), "3A (Z)"
    assert b.toxic_trio_subsets["none"] == pytest.approx(1 / 3, abs=1e-6), "Y: code 21 only"
    assert b.toxic_trio_subsets["da+sm"] == pytest.approx(1 / 3, abs=1e-6), "Z: 2B and 3A"
    # CP plans from the years supplied: 183 days (ended) and 290 days (open on 31 March 2024).
    assert s.cp_plan_duration == DurationSummary(2, 1, 183.0, None), (
        f"S falls to 0.5 at 183 days, then the open plan is censored: {s.cp_plan_duration}"
    )
    assert s.problems == (), f"the hand-made returns are clean: {s.problems}"


def test_cin_samples_parse_in_each_layout(external: Path) -> None:
    for name in ["fake_CIN_data.xml", "CIN_Census_2024.xml", "CIN_Census_2026.xml"]:
        s = read_cin_census([external / CIN_FAKE / name])
        check_cin(s)
    s = read_cin_census([external / "liia-tools/liiatools/spec/cin_census/samples/cin-2022.xml"])
    check_cin(s)
    big = read_cin_census([external / CIN_FAKE / "fake_CIN_data.xml"])
    assert big.episodes == 402 and big.children == 332, "every CINdetails of the 2022 sample"
    assert big.by_year["2021-22"].referrals > 0, "referrals in the collection year are counted"
    both = read_cin_census([external / CIN_FAKE])
    assert both.episodes == 404, "the 2024 and 2026 samples hold the same two episodes"


def test_cin_unknown_factor_code_is_reported(external: Path) -> None:
    sample = external / CIN_FAKE / "CIN_Census_2024.xml"
    s = read_cin_census([sample, sample])
    found = {(p.field, p.code): p.count for p in s.problems}
    assert found.get(("AssessmentFactors", "RB")) == 1, f"'RB' is not a factor: {s.problems}"


def test_cin_wrong_date_names_file_record_and_field(tmp_path: Path) -> None:
    path = tmp_path / "cin.xml"
    path.write_text(cin_xml("2024-03-31", [("X", [cin_details("2023-02-30")])]), encoding="utf-8")
    expected = (
        "cin.xml: table CINdetails, Child record 1, CINdetails 1, field CINreferralDate: "
        "'2023-02-30' is not a date (expected dd/mm/yyyy or yyyy-mm-dd)"
    )
    with pytest.raises(CouncilDataError, match=re.escape(expected)):
        read_cin_census([path])


def test_cin_rejects_a_file_that_is_not_a_census(tmp_path: Path) -> None:
    path = tmp_path / "other.xml"
    path.write_text("<EXPSSDA903><CHILD/></EXPSSDA903>", encoding="utf-8")
    with pytest.raises(CouncilDataError, match="root element 'EXPSSDA903'"):
        read_cin_census([path])
    broken = tmp_path / "broken.xml"
    broken.write_text("<Message><Header>", encoding="utf-8")
    with pytest.raises(CouncilDataError, match="not well-formed XML"):
        read_cin_census([broken])


# --- Annex A -------------------------------------------------------------------------------------


def test_annex_a_sample_counts_contacts_and_early_help(external: Path) -> None:
    s = read_annex_a(external / ANNEX_A)
    assert s.lists_found == (1, 2, 3), f"lists read: {s.lists_found}"
    y = s.by_year["2020-21"]
    assert (y.contacts, y.early_help_assessments_started, y.referrals) == (5, 5, 6), (
        "the sample's List 1, 2 and 3 rows, all dated 2020-21"
    )
    for name, total in s.totals.items():
        assert total == sum(getattr(v, name) for v in s.by_year.values()), f"{name} total"


def write_workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_annex_a_hand_made_workbook(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "annex.xlsx",
        {
            "List 1 - Contacts": [
                ["Child Unique ID", "Date of Birth", "Date of Contact"],
                ["K1", dt.datetime(2015, 1, 1), dt.datetime(2023, 3, 30)],
                ["K2", "01/01/2016", "2023-04-02"],
                ["K3", None, "05/04/2023"],
            ],
            "List_2": [
                ["Child ID", "Assessment start date", "Assessment completion date"],
                ["K1", "01/05/2023", None],
            ],
        },
    )
    s = read_annex_a(path)
    assert s.lists_found == (1, 2), "List 3 absent"
    contacts = {label: y.contacts for label, y in s.by_year.items()}
    assert contacts == {"2022-23": 1, "2023-24": 2}, (
        f"contacts by year (both date forms): {contacts}"
    )
    assert s.totals["referrals"] is None, "a measure whose list is missing is None"
    assert s.totals["early_help_assessments_completed"] == 0, "a blank completion date is open"
    assert any(p.table == "List 3" for p in s.problems), "the missing list is reported"


def test_annex_a_bad_date_and_missing_column(tmp_path: Path) -> None:
    bad = write_workbook(
        tmp_path / "bad.xlsx",
        {"List 1": [["Child Unique ID", "Date of Contact"], ["K1", "31/02/2020"]]},
    )
    expected = (
        "bad.xlsx: sheet List 1, row 2, field Date of Contact: '31/02/2020' is not a date "
        "(expected dd/mm/yyyy or yyyy-mm-dd)"
    )
    with pytest.raises(CouncilDataError, match=re.escape(expected)):
        read_annex_a(bad)
    missing = write_workbook(
        tmp_path / "missing.xlsx", {"List 1": [["Child Unique ID", "Contact Source"], ["K1", "x"]]}
    )
    with pytest.raises(
        CouncilDataError,
        match=r"missing required column .*contact.*"
        r"\(columns found: Child Unique ID, Contact Source\)",
    ):
        read_annex_a(missing)


# --- identifiers never leave ---------------------------------------------------------------------

ID_COLUMNS = {"CHILD", "UPN", "LACHILDID", "CHILD UNIQUE ID", "CHILDID"}
DOB_COLUMNS = {"DOB", "MC_DOB", "PERSONBIRTHDATE", "DATE OF BIRTH", "EXPECTEDPERSONBIRTHDATE"}
POSTCODE_COLUMNS = {"HOME_POST", "PL_POST", "PLACEMENT POSTCODE"}


def date_spellings(value: Any) -> set[str]:
    if isinstance(value, dt.datetime | dt.date):
        d = value.date() if isinstance(value, dt.datetime) else value
        return {d.isoformat(), d.strftime("%d/%m/%Y")}
    text = str(value).strip()
    parsed = parse_date(text, file="", table="", row=0, field="") if text else None
    return {text} | ({parsed.isoformat(), parsed.strftime("%d/%m/%Y")} if parsed else set())


def sensitive_values(external: Path) -> tuple[set[str], set[str], set[str]]:
    """Every child identifier, date of birth and postcode in the samples the tests read."""
    ids: set[str] = set()
    dobs: set[str] = set()
    posts: set[str] = set()

    def take(column: str, value: Any) -> None:
        if value in (None, ""):
            return
        key = column.strip().upper()
        if key in ID_COLUMNS:
            ids.add(str(value).strip())
        elif key in DOB_COLUMNS:
            dobs.update(date_spellings(value))
        elif key in POSTCODE_COLUMNS and re.search(r"\d", str(value)):
            posts.add(str(value).strip())

    import csv

    for folder in [external / COMBINED, external / REGIONAL, external / VALIDATOR_903]:
        for path in folder.glob("*.csv"):
            with path.open(newline="", encoding="utf-8-sig") as fh:
                for row in csv.DictReader(fh):
                    for column, value in row.items():
                        take(column, value)
    xml_files = [external / VALIDATOR_903 / "fake_903.xml", *(external / CIN_FAKE).glob("*.xml")]
    for path in xml_files:
        for elem in ET.parse(path).getroot().iter():
            take(elem.tag, (elem.text or "").strip())
    from openpyxl import load_workbook

    wb = load_workbook(external / ANNEX_A, read_only=True, data_only=True)
    for ws in wb.worksheets:
        rows = ws.iter_rows(values_only=True)
        header = [str(h or "") for h in next(rows)]
        for row in rows:
            for column, value in zip(header, row, strict=False):
                take(column, value)
    wb.close()
    return ids, dobs, posts


#: Whole tokens of each kind in an output (a token inside a longer number or word is not one).
ID_TOKEN = re.compile(r"(?<![\w.])\w+")
DATE_TOKEN = re.compile(r"(?<![\w/.-])(?:\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})(?![\w/-])")
POSTCODE_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}(?!\w)")


def leaked(values: Iterable[str], text: str, token: re.Pattern[str]) -> list[str]:
    """Values that occur in ``text`` as whole tokens."""
    return sorted(set(values) & set(token.findall(text)))


def test_identifiers_never_leave_the_readers(external: Path, caplog: Any) -> None:
    ids, dobs, posts = sensitive_values(external)
    # Identifiers of 4 characters or fewer (e.g. '91', '8403') cannot be told apart from counts
    # in the output; the rewritten-identifier test below covers every length.
    long_ids = {i for i in ids if len(i) >= 5}
    assert len(long_ids) > 3000 and len(dobs) > 1000 and len(posts) > 1000, (
        f"the samples should yield many values to look for ({len(long_ids)}, {len(dobs)}, "
        f"{len(posts)})"
    )
    caplog.set_level(logging.DEBUG)
    summaries = [
        read_ssda903([external / COMBINED]),
        read_ssda903([external / REGIONAL]),
        read_ssda903([external / VALIDATOR_903 / "fake_903.xml"]),
        read_ssda903(validator_csvs(external)),
        read_cin_census([external / CIN_FAKE]),
        read_annex_a(external / ANNEX_A),
    ]
    outputs = {
        "repr": "\n".join(repr(s) for s in summaries),
        "json": "\n".join(json.dumps(s.to_dict()) for s in summaries),
        "log": caplog.text,
    }
    assert caplog.records, "the readers should log their steps"
    for where, text in outputs.items():
        assert not leaked(long_ids, text, ID_TOKEN), f"child identifiers in the {where} output"
        assert not leaked(dobs, text, DATE_TOKEN), f"dates of birth in the {where} output"
        assert not leaked(posts, text, POSTCODE_TOKEN), f"postcodes in the {where} output"
        if where != "log":
            dates = DATE_TOKEN.findall(text)
            assert not dates, f"summaries hold no dates at all, found {len(dates)} in {where}"


def test_rewritten_identifiers_of_any_length_never_leave(
    external: Path, tmp_path: Path, caplog: Any
) -> None:
    import csv

    tokens: dict[str, str] = {}
    for name in ["2017-episodes.csv", "2017-header.csv", "2017-uasc.csv"]:
        with (external / COMBINED / name).open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            row["CHILD"] = tokens.setdefault(row["CHILD"], f"Kid{len(tokens):05d}x")
        with (tmp_path / name).open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    caplog.set_level(logging.DEBUG)
    s = read_ssda903([tmp_path])
    text = repr(s) + json.dumps(s.to_dict()) + caplog.text
    assert len(tokens) > 600, "every child of the 2017 return gets a distinctive identifier"
    assert not re.search(r"Kid\d{5}x", text), "a rewritten child identifier left the reader"


def test_errors_on_a_headerless_file_do_not_quote_data(tmp_path: Path) -> None:
    rows = [["123456", "10/05/2019", "S", "C2", "N1", "U1", "PR1", "", "", "", "AB1 2CD", "", ""]]
    path = write_csv(tmp_path / "episodes.csv", rows[0], rows[1:] or [rows[0]])
    with pytest.raises(CouncilDataError) as err:
        read_ssda903([path])
    message = str(err.value)
    assert "missing required column" in message, message
    for value in ["123456", "10/05/2019", "AB1 2CD"]:
        assert value not in message, f"{value!r} from a data row is quoted in the error"
