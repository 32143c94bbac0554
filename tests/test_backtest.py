"""The back-test: fit on the years before, project the held-out year, set beside naive forecasts.

Also the fit's steering (each step of the pathway answers for its own share) and the council
targets' use of the most recent year, which the back-test chose.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import calibration.ees as ees
from calibration.backtest import scaling_population, summarise_backtest
from calibration.council import _ratio, _recent_rate
from calibration.ees import History, find_area, history
from calibration.fit import steering_ratio


def test_a_step_of_the_pathway_answers_for_its_own_share_only():
    # referrals 20% high carry s47 enquiries and ICPCs 20% high: the ICPC probability is right
    targets = {"referrals": 100.0, "s47_enquiries": 50.0, "icpcs": 20.0}
    sim = {"referrals": 120.0, "s47_enquiries": 60.0, "icpcs": 24.0}
    assert steering_ratio("icpcs", targets, sim) == pytest.approx(1.0)
    assert steering_ratio("s47_enquiries", targets, sim) == pytest.approx(1.0)
    # ... and ICPCs 10% short of their share of s47 enquiries move it by that share
    sim["icpcs"] = 24.0 / 1.1
    assert steering_ratio("icpcs", targets, sim) == pytest.approx(1.1)


def test_a_measure_whose_step_before_is_not_a_target_is_steered_by_its_level():
    assert steering_ratio("icpcs", {"icpcs": 20.0}, {"icpcs": 25.0}) == pytest.approx(0.8)
    assert steering_ratio("care_exits", {"care_exits": 30.0}, {"care_exits": 20.0}) == 1.5


def test_children_in_need_steer_only_the_part_cin_plans_decide():
    targets = {"children_in_need": 300.0, "cp_plans": 40.0, "looked_after": 60.0}
    sim = {"children_in_need": 340.0, "cp_plans": 80.0, "looked_after": 60.0}
    # the excess is all CP plans: the CIN part (200) is on target, so CIN plans keep their length
    assert steering_ratio("children_in_need", targets, sim) == pytest.approx(1.0)
    sim["children_in_need"] = 390.0  # CIN part 250 against 200
    assert steering_ratio("children_in_need", targets, sim) == pytest.approx(0.8)


def _with_latest_missing(column: str) -> History:
    h = history("Leeds")
    table = h.table.copy()
    table.loc["2023-24", column] = np.nan
    return History(h.area, table, h.notes)


def test_council_rates_are_the_latest_years_and_fall_back_when_it_is_missing():
    h = history("Leeds")
    t = h.table
    latest = t.at["2023-24", "referrals"] / t.at["2023-24", "population"] * 1e4
    assert _recent_rate(h, "referrals", "2023-24") == pytest.approx(latest)
    gap = _with_latest_missing("referrals")
    before = t.at["2022-23", "referrals"] / t.at["2022-23", "population"] * 1e4
    assert _recent_rate(gap, "referrals", "2023-24") == pytest.approx(before)
    gap = _with_latest_missing("rereferrals")
    expected = 100 * t.at["2022-23", "rereferrals"] / t.at["2022-23", "referrals"]
    assert _ratio(gap, "rereferrals", "referrals", "2023-24") == pytest.approx(expected)


def test_projections_are_scaled_by_the_fitted_years_children():
    table = pd.DataFrame({"population": [100_000.0, 102_000.0]}, index=["2023-24", "2024-25"])
    assert scaling_population(table, "2023-24", "2024-25") == 100_000
    table.loc["2023-24", "population"] = np.nan
    assert scaling_population(table, "2023-24", "2024-25") == 102_000


def test_summary_gives_median_p90_and_how_often_the_model_wins():
    rows = []
    for i, (model, last, trend) in enumerate([(1, 2, 3), (4, 3, 5), (2, 5, 1), (10, 20, 30)]):
        rows.append(
            {
                "council": f"c{i}",
                "measure": "referrals",
                "model_abs_pct_error": model,
                "last_year_abs_pct_error": last,
                "trend_abs_pct_error": trend,
            }
        )
    s = summarise_backtest(pd.DataFrame(rows)).iloc[0]
    assert s["councils"] == 4
    assert s["model_median_ape"] == pytest.approx(3.0)
    assert s["model_p90_ape"] == pytest.approx(np.quantile([1, 4, 2, 10], 0.9))
    assert s["last_year_median_ape"] == pytest.approx(4.0)
    assert s["model_beats_last_year"] == pytest.approx(0.75)
    assert s["model_beats_trend"] == pytest.approx(0.75)


def test_backtest_all_on_workers_matches_one_process_and_resumes(tmp_path, monkeypatch):
    from sim.cli import main

    two = [find_area("Rutland"), find_area("Hartlepool")]
    monkeypatch.setattr(ees, "councils", lambda: two)
    common = ["backtest", "--all", "--hold-out", "2024-25", "--iterations", "1", "--json"]
    assert main([*common, "--workers", "1", "--out", str(tmp_path / "one")]) == 0
    assert main([*common, "--workers", "2", "--out", str(tmp_path / "two")]) == 0
    one = pd.read_csv(tmp_path / "one" / "results.csv")
    two_workers = pd.read_csv(tmp_path / "two" / "results.csv")
    assert list(one["council"].unique()) == ["Rutland", "Hartlepool"], "councils' order kept"
    pd.testing.assert_frame_equal(one, two_workers)
    # resumable: a finished council is kept, not redone
    kept = tmp_path / "two" / "councils" / f"{two[0].slug}.csv"
    redo = tmp_path / "two" / "councils" / f"{two[1].slug}.csv"
    before = kept.stat().st_mtime_ns
    redo.unlink()
    assert main([*common, "--workers", "2", "--out", str(tmp_path / "two")]) == 0
    assert kept.stat().st_mtime_ns == before
    pd.testing.assert_frame_equal(one, pd.read_csv(tmp_path / "two" / "results.csv"))
