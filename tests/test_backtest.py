"""The back-test: fit on the years before, project the held-out year, set beside naive forecasts.

Also the fit's steering (each step of the pathway answers for its own share) and the council
targets' use of the most recent year, which the back-test chose.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT

import calibration.ees as ees
from calibration.backtest import _compare, scaling_population, summarise_backtest
from calibration.council import _ratio, _recent_rate, council_targets
from calibration.ees import History, find_area, history
from calibration.fit import steering_ratio
from calibration.future import looked_after_gap


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


def test_cin_plan_length_is_steered_by_the_cin_plans_the_target_leaves_room_for():
    """Hampshire on 0.11.1: the children in need on neither a CP plan nor looked after were
    276 per 10,000 against 204 simulated, of which CIN plans 22 and open assessments and s47
    enquiries 182: the target leaves room for 94 CIN plans, so their length is asked to grow
    x4.3 (the whole part's ratio, 1.35, barely moved a length cut to a week)."""
    targets = {"children_in_need": 368.0, "cp_plans": 32.0, "looked_after": 60.0}
    sim = {"children_in_need": 294.0, "cp_plans": 33.0, "looked_after": 57.0, "cin_plan": 22.0}
    assert steering_ratio("children_in_need", targets, sim) == pytest.approx(94 / 22)
    sim["cin_plan"] = 2.0  # room for 74 more than the 2 there: one step may ask x5 at most
    assert steering_ratio("children_in_need", targets, sim) == 5.0
    sim.update(children_in_need=420.0, cin_plan=22.0)  # the rest alone over the target
    assert steering_ratio("children_in_need", targets, sim) == 0.2


def test_the_fit_keeps_a_cin_plan_no_shorter_than_a_twentieth_of_its_first_estimate(monkeypatch):
    import calibration.fit as fit_module
    from calibration.fit import DURATION_LIMITS, scale_duration

    monkeypatch.setattr(fit_module, "LIMITS", {})  # the durations' limits only
    first = {"kind": "lognormal", "median_days": 108.3, "p90_days": 406.2}
    params = {"cin_plan": {"duration": scale_duration(first, 0.001)}}
    fit_module._within_limits(params, {"cin_plan.duration": first})
    held = params["cin_plan"]["duration"]
    k = DURATION_LIMITS["cin_plan.duration"]
    assert held["median_days"] == pytest.approx(108.3 / k, abs=0.01), held
    assert held["p90_days"] / held["median_days"] == pytest.approx(406.2 / 108.3, rel=0.01)
    params = {"cin_plan": {"duration": scale_duration(first, 0.5)}}  # within: left as it is
    fit_module._within_limits(params, {"cin_plan.duration": first})
    assert params["cin_plan"]["duration"] == scale_duration(first, 0.5)


def test_the_looked_after_stock_is_steered_by_the_exits_it_needs():
    # 1,000 in care against a target of 980, with 100 exits: 120 exits are needed (x1.2), where
    # steering the stay by the stock's own ratio (980/1000) would have moved it by 2% only
    targets = {"looked_after": 980.0, "care_exits": 90.0}
    sim = {"looked_after": 1000.0, "care_exits": 100.0}
    assert steering_ratio("looked_after", targets, sim) == pytest.approx(1.2)
    sim["looked_after"] = 900.0  # 80 short: 20 exits are wanted, clipped to half
    assert steering_ratio("looked_after", targets, sim) == 0.5


def test_each_fit_iteration_runs_fresh_seeds_and_the_stock_shortens_stays(monkeypatch):
    """The fit averages over new replications each iteration (a fit that reran the same few
    would keep their luck), and a looked-after stock above its target shortens stays in care."""
    import yaml

    import calibration.fit as fit_module
    from calibration.england import PARAMS_FILE

    seeds = []

    def simulated(params, population, replications, seed=1, start_date=None):
        seeds.append(seed)
        return {"looked_after": 110.0, "care_exits": 30.0, "care_entries_not_uasc": 30.0}

    monkeypatch.setattr(fit_module, "simulate_first_year", simulated)
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    targets = {"looked_after": 100.0, "care_exits": 40.0}
    stays = params["looked_after"]["duration"]["durations"][0]["median_days"]
    # the stock steers stays: 10 children too many need 40 exits, not 30, so stays shorten
    out, rows = fit_module.fit(
        params, targets, iterations=3, steer_looked_after_stock=True, log=lambda _: None
    )
    assert seeds == [1, 2, 3]
    # the published exits are then reported, not steered (the calibrate table says which)
    assert {r.measure: r.steered for r in rows} == {"looked_after": True, "care_exits": False}
    shorter = out["looked_after"]["duration"]["durations"][0]["median_days"]
    assert shorter < stays
    assert "looked-after stock" in out["sources"]["looked_after.duration"]
    # steered by the published exits instead (England's fit): exits above theirs lengthen
    # stays, whatever the stock
    targets = {"looked_after": 110.0, "care_exits": 20.0}
    out, _ = fit_module.fit(params, targets, iterations=2, log=lambda _: None)
    assert out["looked_after"]["duration"]["durations"][0]["median_days"] > stays


def test_an_unreachable_rereferral_rate_cannot_drag_known_families_odds_far(monkeypatch):
    import yaml

    import calibration.fit as fit_module
    from calibration.england import PARAMS_FILE

    def simulated(params, population, replications, seed=1, start_date=None):
        return {"rereferral_rate": 15.0, "referrals": 500.0}  # never moves

    monkeypatch.setattr(fit_module, "simulate_first_year", simulated)
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    out, _ = fit_module.fit(
        params, {"rereferral_rate": 30.0}, iterations=12, damping=1.0, log=lambda _: None
    )
    odds0 = params["front_door"]["odds_referral_known_family"]
    p0 = params["recontact"]["p_recontact"]
    assert out["front_door"]["odds_referral_known_family"] == pytest.approx(2 * odds0, rel=1e-3)
    p = out["recontact"]["p_recontact"]
    assert p / (1 - p) == pytest.approx(2 * p0 / (1 - p0), rel=1e-3)


def test_early_help_is_sized_to_the_councils_starts():
    import yaml

    from calibration.council import size_early_help
    from calibration.england import PARAMS_FILE
    from calibration.fit import england_targets

    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    fte = params["early_help"]["practitioner_fte_per_10k"]
    open_cases = params["opening_stocks_per_10k"]["early_help"]
    targets = {"early_help_starts": 2 * england_targets()["early_help_starts"]}
    size_early_help(params, targets, "Somewhere")
    assert params["early_help"]["practitioner_fte_per_10k"] == pytest.approx(2 * fte, abs=1e-3)
    assert params["opening_stocks_per_10k"]["early_help"] == pytest.approx(2 * open_cases, abs=0.01)
    assert "Somewhere" in params["sources"]["early_help.practitioner_fte_per_10k"]


def test_closures_before_the_start_are_at_the_councils_own_volume():
    """A council with a third of England's referrals and early help starts begins with a third
    of England's recently closed families (with England's, Essex began with three times its
    own, and every year after its first ran 8-20% lower)."""
    from calibration.council import size_recent_closures
    from calibration.england import PARAMS_FILE
    from calibration.fit import england_targets

    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    r = dict(params["recontact"])
    e = england_targets()
    targets = {"referrals": e["referrals"] / 3, "early_help_starts": e["early_help_starts"] / 3}
    size_recent_closures(params, targets, "Somewhere")
    own = params["recontact"]
    expected = r["closures_before_start_per_10k_per_year"] / 3
    assert own["closures_before_start_per_10k_per_year"] == pytest.approx(expected, rel=0.01), own
    share = r["share_closures_after_referral"]
    assert own["share_closures_after_referral"] == pytest.approx(share, abs=0.01), own
    assert "Somewhere" in params["sources"]["recontact.closures_before_start_per_10k_per_year"]
    # only referrals doubled: the closures after a referral double, those from early help stay
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    size_recent_closures(params, {**e, "referrals": 2 * e["referrals"]}, "Elsewhere")
    closures = r["closures_before_start_per_10k_per_year"]
    expected = closures * (1 + share)
    found = params["recontact"]["closures_before_start_per_10k_per_year"]
    assert found == pytest.approx(expected, rel=0.01), f"expected {expected:.1f}, found {found}"


def test_the_looked_after_target_is_the_councils_own_rate_unmoved():
    h, england = history("Leeds"), history("England")
    nbrs = [history(n) for n in ("Bradford", "Kirklees")]
    targets, how = council_targets(h, "2023-24", nbrs, england)
    own = h.per_10k("looked_after", "2023-24")
    change = england.per_10k("looked_after", "2023-24") / england.per_10k("looked_after", "2022-23")
    assert change < 1  # England's rate fell in 2023-24, and the target does not follow it
    assert targets["looked_after"] == pytest.approx(own)
    assert "not moved by England's change" in how["looked_after"]["note"]
    # other measures are still shrunk toward the neighbours
    assert targets["referrals"] != pytest.approx(h.per_10k("referrals", "2023-24"))


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
    assert s["model_beats_last_year_se"] == pytest.approx(np.sqrt(0.75 * 0.25 / 4))
    # the median's chance error: councils resampled; zero only if every council agreed
    assert 0 < s["model_median_ape_se"] < 10
    same = summarise_backtest(pd.DataFrame(rows).assign(model_abs_pct_error=3.0)).iloc[0]
    assert same["model_median_ape_se"] == 0
    assert s["model_beats_trend"] == pytest.approx(0.75)


def _yearly(fy: str, measure: str, values: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scenario": "s",
            "replication": range(len(values)),
            "financial_year": fy,
            "measure": measure,
            "value": values,
        }
    )


def test_each_projected_year_is_set_beside_its_published_figure_with_its_ranges():
    """Fitted on 2022-23 and projected two years: the first projected financial year (2023-24)
    is compared with 2023-24's figure one year ahead, the second with 2024-25's two years
    ahead; a figure at the draws' median is inside every range, one beyond the 95th
    percentile inside none."""
    table = pd.DataFrame(
        {"referrals": [900.0, 1000.0, 1000.0, 50.5, 200.0]},
        index=["2020-21", "2021-22", "2022-23", "2023-24", "2024-25"],
    )
    draws = [float(v) for v in range(1, 101)]  # 1..100: quartiles 25.75/75.25, 5%-95% 5.95/95.05
    yearly = pd.concat(
        [_yearly("2023-24", "referrals", draws), _yearly("2024-25", "referrals", draws)]
    )
    rows = _compare("c", table, "2022-23", 2, yearly).set_index("horizon")
    assert list(rows["hold_out"]) == ["2023-24", "2024-25"]
    one, two = rows.loc[1], rows.loc[2]
    assert one["model"] == pytest.approx(50.5) and one["same_as_last_year"] == 1000.0
    assert one["inside_50"] and one["inside_80"] and one["inside_90"], one
    assert not (two["inside_50"] or two["inside_80"] or two["inside_90"]), two
    assert two["low_90"] == pytest.approx(5.95) and two["high_90"] == pytest.approx(95.05)
    # the three-year trend (900, 1000, 1000) two years on: 1000 + 2 x 50 + 16.7
    assert two["linear_trend"] == pytest.approx(
        np.polyval(np.polyfit([0, 1, 2], [900, 1000, 1000], 1), 4)
    )


def test_summary_gives_how_often_each_range_held_the_figure_per_years_ahead():
    rows = [
        {
            "horizon": h,
            "measure": "referrals",
            "model_abs_pct_error": 1.0,
            "last_year_abs_pct_error": 2.0,
            "trend_abs_pct_error": 3.0,
            "inside_50": i < k50,
            "inside_80": i < k80,
            "inside_90": i < k90,
        }
        for h, (k50, k80, k90) in ((1, (2, 3, 4)), (2, (1, 2, 3)))
        for i in range(4)
    ]
    s = summarise_backtest(pd.DataFrame(rows)).set_index("horizon")
    assert s.loc[1, "inside_50"] == 0.5 and s.loc[1, "inside_90"] == 1.0
    assert s.loc[2, "inside_50"] == 0.25 and s.loc[2, "inside_80"] == 0.5
    assert s.loc[2, "inside_90"] == 0.75


def test_backtest_all_on_workers_matches_one_process_and_resumes(tmp_path, monkeypatch):
    from sim.cli import main

    # two small councils: projections run at the council's own size, so theirs are quick
    two = [find_area("Rutland"), find_area("Richmond upon Thames")]
    monkeypatch.setattr(ees, "councils", lambda: two)
    # 4 drawn futures, not the default 40: the test checks workers and resuming, not ranges
    common = ["backtest", "--all", "--hold-out", "2024-25", "--iterations", "1", "--json"]
    common += ["--replications", "4", "--polish", "0"]
    assert main([*common, "--workers", "1", "--out", str(tmp_path / "one")]) == 0
    assert main([*common, "--workers", "2", "--out", str(tmp_path / "two")]) == 0
    one = pd.read_csv(tmp_path / "one" / "results.csv")
    two_workers = pd.read_csv(tmp_path / "two" / "results.csv")
    assert list(one["council"].unique()) == ["Rutland", "Richmond upon Thames"], (
        "councils' order kept"
    )
    pd.testing.assert_frame_equal(one, two_workers)
    # resumable: a finished council is kept, not redone
    kept = tmp_path / "two" / "councils" / f"{two[0].slug}.csv"
    redo = tmp_path / "two" / "councils" / f"{two[1].slug}.csv"
    before = kept.stat().st_mtime_ns
    redo.unlink()
    assert main([*common, "--workers", "2", "--out", str(tmp_path / "two")]) == 0
    assert kept.stat().st_mtime_ns == before
    pd.testing.assert_frame_equal(one, pd.read_csv(tmp_path / "two" / "results.csv"))


def test_the_fit_returns_the_average_of_its_later_iterates(monkeypatch):
    """Steps after ``average_from`` are averaged (each iterate carries its replications' luck),
    and the last iteration simulates that average, whose rows are the fit reported."""
    import yaml

    import calibration.fit as fit_module
    from calibration.england import PARAMS_FILE

    contacts = iter([1100.0, 900.0, 1000.0, 1250.0, 1234.0])
    simulated_rates = []

    def simulated(params, population, replications, seed=1, start_date=None):
        simulated_rates.append(params["demand"]["contacts_per_10k_per_year"])
        return {"contacts": next(contacts)}

    monkeypatch.setattr(fit_module, "simulate_first_year", simulated)
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    out, rows = fit_module.fit(
        params,
        {"contacts": 1000.0},
        iterations=5,
        damping=1.0,
        shrink_after=10,
        average_from=1,
        tolerance_pct=-1.0,  # never met: all five iterations run
        log=lambda _: None,
    )
    # the error turns at iteration 1 (high, then low) and again at 3: full steps, then
    # steps of 1 / (1 + turns / 2) (Kesten's rule; at 2 it is on target and does not move)
    a = params["demand"]["contacts_per_10k_per_year"] / 1.1 * (1 / 0.9) ** (2 / 3)
    # iterates after iterations 1, 2 and 3 (iteration 0's step is before ``average_from``):
    # a, a and a x 0.8 ** 0.5; the average is over the later half, 2 and 3 (tail averaging)
    average = (a + a * 0.8**0.5) / 2
    assert out["demand"]["contacts_per_10k_per_year"] == pytest.approx(average, rel=1e-4)
    assert simulated_rates[-1] == pytest.approx(average, rel=1e-4)
    assert rows[0].simulated == 1234.0  # the average's own run


def test_later_fit_iterations_run_more_replications(monkeypatch):
    """The late iterations, which the result averages, run ``late_replications`` each; the
    early large steps run ``replications``."""
    import yaml

    import calibration.fit as fit_module
    from calibration.england import PARAMS_FILE

    runs = []

    def simulated(params, population, replications, seed=1, start_date=None):
        runs.append(replications)
        return {"contacts": 1100.0}

    monkeypatch.setattr(fit_module, "simulate_first_year", simulated)
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    fit_module.fit(
        params,
        {"contacts": 1000.0},
        iterations=6,
        replications=2,
        late_replications=5,
        shrink_after=3,
        log=lambda _: None,
    )
    assert runs == [2, 2, 2, 5, 5, 5]
    runs.clear()
    fit_module.fit(params, {"contacts": 1000.0}, iterations=3, replications=3, log=lambda _: None)
    assert runs == [3, 3, 3]


def test_a_measure_still_on_its_way_keeps_full_steps_and_is_not_averaged(monkeypatch):
    """A council far from England's figures: a measure whose error has not changed sign keeps
    its full steps, and its parameter is the last iterate's (an average would hold it back),
    while one that turned about its target is averaged from its turn."""
    import yaml

    import calibration.fit as fit_module
    from calibration.england import PARAMS_FILE

    far = iter([2000.0, 1600.0, 1280.0, 1100.0, 1050.0])  # contacts: always too many
    near = iter([22.0, 18.0, 20.0, 25.0, 20.0])  # repeat CP plans (%): about their target
    seen = []

    def simulated(params, population, replications, seed=1, start_date=None):
        seen.append(
            (
                params["demand"]["contacts_per_10k_per_year"],
                params["recontact"]["p_previous_cp_new_family"],
            )
        )
        return {"contacts": next(far), "cp_repeat_rate": next(near)}

    monkeypatch.setattr(fit_module, "simulate_first_year", simulated)
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    out, _ = fit_module.fit(
        params,
        {"contacts": 1000.0, "cp_repeat_rate": 20.0},
        iterations=5,
        damping=0.5,
        average_from=1,
        tolerance_pct=-1.0,
        log=lambda _: None,
    )
    contacts = [c for c, _ in seen]
    # full steps of 0.5 every time: the rate moves by (1000 / simulated) ** 0.5
    for before, after, sim in zip(contacts[:3], contacts[1:4], [2000, 1600, 1280], strict=True):
        assert after == pytest.approx(before * (1000 / sim) ** 0.5, rel=1e-4)
    # returned: the last iterate (the step after iteration 3), not an average
    last = contacts[3] * (1000 / 1100) ** 0.5
    assert out["demand"]["contacts_per_10k_per_year"] == pytest.approx(last, rel=1e-4)
    # repeat plans turned at iteration 1 (steps then 0.5 / 1.5) and at 3 (0.5 / 2): their
    # parameter is the average of the iterates the steps after iterations 2 and 3 reached
    # (since the turn, and over the later half of the iterates 1 to 3)
    p = [r for _, r in seen]
    third = fit_module._scale_odds(p[3], 0.8**0.25)
    expected = (p[3] + third) / 2
    assert p[2] == pytest.approx(fit_module._scale_odds(p[1], (20 / 18) ** (1 / 3)), rel=1e-4)
    assert out["recontact"]["p_previous_cp_new_family"] == pytest.approx(expected, rel=1e-4)
    assert p[4] == pytest.approx(expected, rel=1e-4)  # the last run simulated the average


def test_average_parameters_keeps_shapes_text_and_integers():
    from calibration.fit import average_parameters

    a = {"p": 0.2, "n": 3, "d": {"kind": "lognormal", "median_days": 10.0}, "w": [0.5, 0.5]}
    b = {"p": 0.4, "n": 4, "d": {"kind": "lognormal", "median_days": 20.0}, "w": [0.3, 0.7]}
    out = average_parameters([a, b])
    assert out == {
        "p": pytest.approx(0.3),
        "n": 4,  # 3.5 rounds to an integer, as integers were given
        "d": {"kind": "lognormal", "median_days": pytest.approx(15.0)},
        "w": [pytest.approx(0.4), pytest.approx(0.6)],
    }


def test_each_council_has_its_own_seeds():
    from calibration.council import council_seed

    assert council_seed("Walsall") == council_seed("Walsall")  # the same in every run
    seeds = {council_seed(n) for n in ("Walsall", "Dorset", "Kent", "Camden")}
    assert len(seeds) == 4
    assert council_seed("Walsall", "projection") != council_seed("Walsall")
    # a fit's iterations (seed + 0, 1, ...) do not run into another council's
    assert min(abs(a - b) for a in seeds for b in seeds if a != b) >= 1000


def _ssda903_summary(returns_home):
    """What the SSDA903 reader returns for a council with 24 re-entries, 8% of its care
    entries, and ``returns_home`` followed for 12 months; nothing else usable."""
    from types import SimpleNamespace

    return SimpleNamespace(
        collection_years=("2022-23", "2023-24"),
        periods_of_care=400,
        problems=(),
        durations_by_age_band={},
        exits={},
        placement_shares_31_march={},
        by_year={},
        re_entries=24,
        re_entry_share=0.08,
        returns_home=returns_home,
    )


def test_a_councils_re_entry_share_steers_how_often_returns_home_break_down(monkeypatch):
    """The council's own SSDA903 re-entry share becomes a target with a first estimate of the
    chance a return home breaks down; the fit raises that chance while the model's re-entries
    fall short, and leaves it at England's none when there is no target."""

    import yaml

    import calibration.fit as fit_module
    import calibration.own_files as own_files
    from calibration.england import PARAMS_FILE
    from calibration.readers.ssda903 import ReturnsHome

    summary = _ssda903_summary(ReturnsHome(followed=0, reentered=0, median_days_to_reentry=None))
    monkeypatch.setattr(own_files, "read_ssda903", lambda paths: summary)
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    assert params["looked_after"]["p_return_home_breaks_down"] == 0.0
    targets: dict[str, float] = {}
    used = own_files.apply_council_files(params, targets, {"ssda903": ["903"]}, "Testshire", 1e5)
    assert targets["care_reentry_rate"] == pytest.approx(8.0)
    assert used["ssda903"]["re_entry_share"] == 0.08
    first = params["looked_after"]["p_return_home_breaks_down"]
    # 8% of entries, with England's 4.9 care entries per return home, about 0.4 of returns
    assert 0.2 < first < 0.6, f"found a first estimate of {first}"
    assert (
        "Testshire: SSDA903 re-entries"
        in params["sources"]["looked_after.p_return_home_breaks_down"]
    )

    def simulated(params, population, replications, seed=1, start_date=None):
        return {"care_reentry_rate": 4.0, "care_entries_not_uasc": 25.0}  # half the target

    monkeypatch.setattr(fit_module, "simulate_first_year", simulated)
    out, rows = fit_module.fit(params, targets, iterations=3, log=lambda _: None)
    assert out["looked_after"]["p_return_home_breaks_down"] > first
    assert {r.measure: r.steered for r in rows} == {"care_reentry_rate": True}
    england = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    out, _ = fit_module.fit(
        england, {"care_entries_not_uasc": 30.0}, iterations=2, log=lambda _: None
    )
    assert out["looked_after"]["p_return_home_breaks_down"] == 0.0


def test_a_councils_returns_home_set_when_and_how_often_they_break_down(monkeypatch):
    """With 20 or more returns home seen coming back within 12 months, the time to break down
    is the lognormal (England's spread) whose part within a year has the council's median, and
    the first estimate of the chance is the council's own share back within a year over the
    part of breakdowns that come within a year; fewer, and England's time stays."""

    import yaml

    import calibration.own_files as own_files
    from calibration.england import PARAMS_FILE
    from calibration.readers.ssda903 import ReturnsHome
    from sim.core.distributions import Lognormal

    england = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))["looked_after"]
    monkeypatch.setattr(
        own_files, "read_ssda903", lambda paths: _ssda903_summary(ReturnsHome(200, 40, 60.0))
    )
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    used = own_files.apply_council_files(params, {}, {"ssda903": ["903"]}, "Testshire", 1e5)
    spec = params["looked_after"]["return_home_breakdown"]
    d = Lognormal(**spec)
    assert d.cdf(60.0) / d.cdf(365.0) == pytest.approx(0.5, abs=0.002), (
        f"the part of {spec} within a year should have the council's median of 60 days"
    )
    assert d.sigma == pytest.approx(Lognormal(**england["return_home_breakdown"]).sigma, rel=0.01)
    assert spec["median_days"] < england["return_home_breakdown"]["median_days"]
    assert used["ssda903"]["median_days_return_home_to_reentry"] == 60.0
    assert used["ssda903"]["returns_home"] == {
        "followed_12_months": 200,
        "back_in_care_within_12_months": 40,
        "fewest_used": 20,
    }
    assert "40 children" in params["sources"]["looked_after.return_home_breakdown"]
    # 40 of 200 returns home back within a year: 0.2 over the part of breakdowns within a year
    assert params["looked_after"]["p_return_home_breaks_down"] == pytest.approx(
        0.2 / d.cdf(365.0), abs=1e-4
    )
    assert (
        "the council's returns home, 20.0%"
        in (params["sources"]["looked_after.p_return_home_breaks_down"])
    )

    monkeypatch.setattr(
        own_files, "read_ssda903", lambda paths: _ssda903_summary(ReturnsHome(30, 19, 60.0))
    )
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    own_files.apply_council_files(params, {}, {"ssda903": ["903"]}, "Testshire", 1e5)
    assert params["looked_after"]["return_home_breakdown"] == england["return_home_breakdown"]
    assert (
        "the council's returns home, 63.3%"
        in (params["sources"]["looked_after.p_return_home_breaks_down"])
    ), "30 returns home followed are enough for the chance, 19 comebacks too few for the time"


def test_a_measure_that_overshot_early_then_trailed_keeps_its_last_iterate(monkeypatch):
    """Referrals that overshoot in the early iterations and then trail their target through the
    later ones (while the re-referral rate comes down and takes referrals with it) are still on
    their way: the fit keeps their last iterate, not an average over iterates still too low.
    (Seen in Dorset: referrals -11% at iteration 2, below target until the last; the average
    left the shipped set 2.7% short on fresh seeds, the last iterate 0.4% over.)"""
    import yaml

    import calibration.fit as fit_module
    from calibration.england import PARAMS_FILE

    # referrals per 10,000: over, then under their target of 500 from iteration 1 on
    errors = iter([520.0, 470.0, 475.0, 480.0, 485.0, 490.0, 495.0])
    seen = []

    def simulated(params, population, replications, seed=1, start_date=None):
        seen.append(params["front_door"]["p_referral"])
        return {"referrals": next(errors)}

    monkeypatch.setattr(fit_module, "simulate_first_year", simulated)
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    out, _ = fit_module.fit(
        params,
        {"referrals": 500.0},
        iterations=7,
        average_from=3,
        tolerance_pct=-1.0,
        log=lambda _: None,
    )
    last = fit_module._scale_odds(seen[5], (500 / 490.0) ** (0.8 / 1.5))  # one turn: 0.8/1.5
    assert out["front_door"]["p_referral"] == pytest.approx(last, rel=1e-4), (
        f"expected the last iterate {last}, found {out['front_door']['p_referral']} "
        f"(iterates {seen})"
    )
    assert seen[6] == pytest.approx(last, rel=1e-4)  # the last run simulated it


def test_predictability_of_council_figures_is_what_the_readme_says():
    """DfE's tables: a council's CP plans started are partly undone the next year in every year
    (the model's shrinkage toward its neighbours uses this), while its referrals' changes have
    almost no memory and in 2024-25 carried on (correlation +0.16), which is why the model, like
    any forecast from the history, can hardly beat "same as last year" on referrals there."""
    from calibration.predictability import predictability

    years = [f"{y}-{(y + 1) % 100:02d}" for y in range(2015, 2025)]
    cp = predictability("cp_plans_started", years)
    assert len(cp) == 10 and (cp["change_correlation"] < -0.15).all(), cp
    assert (cp["toward_neighbours"] > 0.54).all(), cp
    referrals = predictability("referrals", years).set_index("year")
    assert referrals.at["2024-25", "change_correlation"] == pytest.approx(0.16, abs=0.01)
    assert referrals.at["2024-25", "toward_neighbours"] == pytest.approx(0.59, abs=0.01)
    assert referrals["change_correlation"].mean() == pytest.approx(-0.08, abs=0.01)
    assert referrals.at["2024-25", "median_abs_change_pct"] == pytest.approx(8.9, abs=0.1)


def test_a_stronger_pull_toward_the_neighbours_would_not_help_referrals():
    """On the seven years before 2024-25, referral targets made as calibration makes them and
    pulled a further 5% toward the neighbours win over last year less often in every year, and
    have a larger median error in every year but 2022-23 (8.0% against 8.2%)."""
    from calibration.predictability import stronger_pull

    years = [f"{y}-{(y + 1) % 100:02d}" for y in range(2017, 2024)]
    d = stronger_pull("referrals", years, (0.0, 0.05))
    ape = d.pivot(index="year", columns="pull", values="median_ape")
    wins = d.pivot(index="year", columns="pull", values="closer_than_last_year")
    assert len(ape) == 7
    worse = ape[0.05] > ape[0.0]
    assert worse.sum() == 6 and not worse["2022-23"], ape
    assert (wins[0.05] < wins[0.0]).all(), wins


def test_looked_after_counts_years_on_are_nearer_a_rate_moved_toward_the_neighbours():
    """DfE's tables: moving a council's looked-after rate 10% of the way to its statistical
    neighbours' beats "same as last year" two and three years on, from every start year with the
    figures (2021-22 to 2024-25, three years on: 7.4% against 8.1%); a year on it does not
    always (2023-24 to 2024-25: 4.5% against 4.1%). With no move the forecast is "same as last
    year" itself, council by council."""
    from calibration.predictability import toward_neighbours_ahead

    starts = ["2020-21", "2021-22", "2022-23", "2023-24"]
    d = toward_neighbours_ahead("looked_after", starts, (1, 2, 3), (0.0, 0.1))
    ape = d.pivot_table(index=["start", "years_ahead"], columns="pull", values="median_ape")
    beyond_a_year = ape.loc[ape.index.get_level_values("years_ahead") > 1]
    assert len(beyond_a_year) == 5 and (beyond_a_year[0.1] < beyond_a_year[0.0]).all(), ape
    assert ape.loc[("2021-22", 3)].tolist() == pytest.approx([8.06, 7.44], abs=0.01)
    assert ape.loc[("2023-24", 1), 0.1] > ape.loc[("2023-24", 1), 0.0]
    # no move is "same as last year": as the back-test of every council found it (151 councils)
    shipped = pd.read_csv(ROOT / "docs" / "data" / "backtest_3yr_2024-25_0.12.0.csv")
    naive = shipped.query("measure == 'looked_after' and horizon == 3 and published >= 20")
    assert ape.loc[("2021-22", 3), 0.0] == pytest.approx(
        naive["last_year_abs_pct_error"].median(), abs=0.05
    )


def test_a_kept_fit_is_projected_again_without_fitting_and_gives_the_same_results(
    tmp_path, monkeypatch
):
    """The back-test keeps each council's fit; given back with the same settings it is projected
    as it was (the same numbers, no fit), and with other settings the council is fitted again."""
    import calibration.backtest as bt

    quick = dict(iterations=1, replications=1, late_replications=1, polish_rounds=0)
    options = dict(horizon=1, projection_replications=2, **quick)
    first = bt.backtest_council("Rutland", "2024-25", keep_fit=tmp_path, **options)
    kept = yaml.safe_load((tmp_path / "rutland.yaml").read_text())
    assert kept["settings"]["fitted_on_years_to"] == "2023-24"
    assert kept["settings"]["iterations"] == 1 and kept["model_version"]

    def no_fit(*args, **kwargs):
        raise AssertionError("expected the kept fit, not a new one")

    monkeypatch.setattr(bt, "calibrate", no_fit)
    again = bt.backtest_council("Rutland", "2024-25", reuse_fits=tmp_path, **options)
    pd.testing.assert_frame_equal(first, again)
    assert (first.attrs["fit"], again.attrs["fit"]) == ("new", "kept"), (
        "the run's summary counts them"
    )
    with pytest.raises(AssertionError, match="not a new one"):
        bt.backtest_council(
            "Rutland", "2024-25", reuse_fits=tmp_path, **{**options, "iterations": 2}
        )


def test_the_stock_pull_a_back_test_projects_with_moves_the_number_looked_after(tmp_path):
    """``backtest --stock-pull`` projects a kept fit with another share of the gap to the
    neighbours' looked-after rate closed a year (how STOCK_PULL is re-derived): Rutland looks
    after 36% fewer children per child than its neighbours (log gap 0.445), so closing 0.3 of it
    a year raises its number looked after a year on by up to exp(0.445 * 0.3) - 1 = 14% over
    none, on the same fit and the same random numbers."""
    import calibration.backtest as bt

    quick = dict(iterations=1, replications=1, late_replications=1, polish_rounds=0)
    options = dict(horizon=1, projection_replications=2, **quick)
    none = bt.backtest_council("Rutland", "2024-25", keep_fit=tmp_path, stock_pull=0.0, **options)
    some = bt.backtest_council("Rutland", "2024-25", reuse_fits=tmp_path, stock_pull=0.3, **options)
    kept = yaml.safe_load((tmp_path / "rutland.yaml").read_text())["parameters"]
    own = float(kept["provenance"]["targets"]["looked_after"])
    assert looked_after_gap("Rutland", "2023-24", own) == pytest.approx(0.445, abs=0.01)
    lac = [f.set_index("measure").at["looked_after", "model"] for f in (none, some)]
    assert 1.04 < lac[1] / lac[0] <= 1.15


def test_less_spread_moves_projections_onto_the_targets_the_fit_aimed_at():
    """Factor 1 reads the back-test as run; factor 0 replaces each projection by the council's
    referral target (its 2023-24 rate, pulled toward its neighbours, times its children)."""
    from calibration.ees import statistical_neighbours
    from calibration.predictability import less_spread

    rows, targets = [], {}
    for name, published, last in (("Walsall", 5000.0, 4800.0), ("Dorset", 2300.0, 2400.0)):
        area = find_area(name)
        hist = history(area)
        nbrs = [history(a) for a in statistical_neighbours(area) if a.name != area.name]
        t, _ = council_targets(hist, "2023-24", nbrs, history("England"))
        targets[name] = t["referrals"] / 1e4 * scaling_population(hist.table, "2023-24", "2024-25")
        model = targets[name] * 1.2  # a projection 20% over its target
        rows.append(
            {
                "council": name,
                "hold_out": "2024-25",
                "measure": "referrals",
                "published": published,
                "model": model,
                "same_as_last_year": last,
                "linear_trend": last,
                "model_abs_pct_error": abs(model - published) / published * 100,
                "last_year_abs_pct_error": abs(last - published) / published * 100,
                "trend_abs_pct_error": abs(last - published) / published * 100,
            }
        )
    results = pd.DataFrame(rows)
    out = less_spread(results, "referrals", (1.0, 0.0)).set_index("factor")
    as_run = summarise_backtest(results).iloc[0]
    assert out.at[1.0, "closer_than_last_year"] == as_run["model_beats_last_year"]
    assert out.at[1.0, "median_ape"] == pytest.approx(as_run["model_median_ape"])
    on_target = [abs(targets[r["council"]] - r["published"]) / r["published"] * 100 for r in rows]
    assert out.at[0.0, "median_ape"] == pytest.approx(float(np.median(on_target)))


def test_the_readmes_three_year_back_test_is_the_shipped_results_and_meets_its_aim():
    """The README's one-to-three-year back-test (0.14.1: every council fitted afresh to 2021-22,
    projected to 2024-25): three years on the model's median error is below both naive
    forecasts' for children looked after (7.1% against 8.1% and 14.0%) and CP plans at 31 March
    (16.0% against 16.5% and 34.3%), the issue's aim."""
    results = pd.read_csv(ROOT / "docs" / "data" / "backtest_3yr_2024-25.csv")
    assert results["council"].nunique() == 153
    summary = summarise_backtest(results).set_index(["measure", "horizon"])
    cols = ["model_median_ape", "last_year_median_ape", "trend_median_ape"]
    got = {m: summary.loc[(m, 3), cols].round(1).tolist() for m in ("looked_after", "cp_plans")}
    assert got == {"looked_after": [7.1, 8.1, 14.0], "cp_plans": [16.0, 16.5, 34.3]}
    for model, last, trend in got.values():
        assert model < last < trend
    one_year = summary.loc[("looked_after", 1), cols].round(1).tolist()
    assert one_year == [5.2, 5.2, 6.2]


def test_a_results_folder_is_not_resumed_with_another_stock_pull(tmp_path, capsys):
    """A back-test resumes by keeping the councils done, so a folder projected with one stock
    pull is not finished with another: the command stops before any fit and says why."""
    from sim.cli import main

    out = tmp_path / "bt"
    (out / "councils").mkdir(parents=True)
    (out / "councils" / "rutland.csv").write_text("council\nRutland\n")
    (out / "stock_pull.txt").write_text("0.05\n")
    args = ["backtest", "--la", "Rutland", "--hold-out", "2024-25", "--out", str(out)]
    assert main([*args, "--stock-pull", "0.1"]) != 0
    err = capsys.readouterr().err
    assert "projected with --stock-pull 0.05, this run asks for 0.1" in err, err
    (out / "stock_pull.txt").unlink()  # a folder from before the marker: the default's
    assert main([*args, "--stock-pull", "0"]) != 0
