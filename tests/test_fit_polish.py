"""The fit's last steps (polishing) and the refit of shipped councils that keeps their back-tests.

The polishing tests run the model itself (England's parameters, a small council): a step must
move the count it steers by the amount the step says, be kept when it brings the counts nearer,
and be undone when it overshoots; the fit reported must be a fresh simulation's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import calibration.fit as fit_module
import calibration.refit as refit_module
from calibration.council import FULL_FIT, QUICK_FIT, write_council_file
from calibration.england import PARAMS_FILE
from calibration.fit import FitRow, Polish, first_year_with_errors
from sim.inputs.scenario import parameter_file

POPULATION = 20_000


def _england() -> dict:
    return yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))


def _polish_referrals(target_times: float, damping: float, rounds: int = 1):
    """Polish England's parameters toward referrals ``target_times`` what they simulate."""
    params = _england()
    sim, se = first_year_with_errors(params, POPULATION, 4, seed=7)
    targets = {"referrals": sim["referrals"] * target_times}
    steering = fit_module._steering(False, targets)
    rows = [FitRow("referrals", targets["referrals"], sim["referrals"], True)]
    first = {path: fit_module._get(params, path) for path in fit_module.LIMITED}
    seen: list[str] = []
    run = fit_module._FitRun(targets, steering, first, POPULATION, None, 7, seen.append)
    out, out_rows = fit_module._polish(
        run, Polish(rounds, 4), (params, (sim, se), rows), 0, damping, (2.0, 1.0)
    )
    return params, out, rows, out_rows, seen


def test_a_polishing_step_that_brings_the_counts_nearer_is_kept():
    """Referrals 15% short: one step of 0.8 moves the odds of referral by 1.15 ** 0.8 (about
    +12% referrals, most of the gap), and the step is kept."""
    params, out, before, after, seen = _polish_referrals(1.15, damping=0.8)
    p0 = params["front_door"]["p_referral"]
    p1 = out["front_door"]["p_referral"]
    odds = (p1 / (1 - p1)) / (p0 / (1 - p0))
    assert odds == pytest.approx(1.15**0.8, rel=1e-3), f"expected odds x1.118, found x{odds:.3f}"
    assert abs(before[0].error_pct) > 12, f"expected about 13% short first, found {before[0]}"
    assert abs(after[0].error_pct) < 6, f"expected the gap mostly closed, found {after[0]}"
    # one polishing run, then the kept parameters' own check on fresh runs (three in all)
    assert len(seen) == 2, f"expected a polishing run and a fresh check, found {seen}"


def test_a_polishing_step_that_overshoots_is_undone():
    """Referrals 15% short with a step of 4 (odds x1.75): the referrals overshoot further than
    they were short, so the step is undone and the fit reported is the one polished from."""
    params, out, before, after, seen = _polish_referrals(1.15, damping=4.0)
    assert out["front_door"]["p_referral"] == params["front_door"]["p_referral"]
    assert after == before, "expected the rows the polishing started from"
    assert len(seen) == 1, f"expected only the trial run (no fresh check), found {seen}"


def test_a_polishing_step_leaves_levels_within_their_runs_luck():
    """Only levels further from their targets than two standard errors of their simulated mean
    are moved: a step from a smaller gap would mostly follow the runs' luck."""
    steering = fit_module._steering(False)
    targets = {"referrals": 100.0, "cp_plans": 100.0, "contacts": 100.0}
    run = fit_module._FitRun(targets, steering, {}, POPULATION, None, 7, print)
    sim = {"referrals": 95.0, "cp_plans": 95.0, "contacts": 100.5}
    se = {"referrals": 2.0, "cp_plans": 3.0, "contacts": 0.1}
    assert set(fit_module._clearly_off(run, sim, se)) == {"referrals", "contacts"}


def test_rates_and_mixes_do_not_decide_a_polishing_step():
    """A re-referral rate moves 5-10% between runs of the same parameters: the counts decide."""
    steering = fit_module._steering(False)
    rows = [
        FitRow("referrals", 100.0, 103.0, True),
        FitRow("cp_plans", 100.0, 96.0, True),
        FitRow("rereferral_rate", 20.0, 30.0, True),
        FitRow("placement_share_foster", 70.0, 50.0, True),
    ]
    assert fit_module._level_miss(rows, steering) == pytest.approx((12.5) ** 0.5)


def test_the_full_fit_polishes_and_the_quick_fit_does_not():
    assert FULL_FIT.polish_rounds == 2 and FULL_FIT.polish_replications == 12
    assert QUICK_FIT.polish_rounds == 0, "a leader waiting on the dashboard gets the quick fit"


def _shipped_like(folder: Path, fit: list[dict], settings: dict | None = None) -> Path:
    prov = {
        "council": "Rutland",
        "reference_year": "2024-25",
        "model_version": "0.8.0",
        "fit": fit,
        "backtest_hold_out": "2024-25",
        "backtest_how": "as shipped",
        "backtest": [{"measure": "referrals", "error_pct": 3.0}],
    }
    if settings:
        prov["fit_settings"] = settings
    return write_council_file({"provenance": prov}, folder / "rutland.yaml")


def test_a_refit_picks_councils_by_their_worst_steered_count():
    off = {"measure": "cp_plans", "error_pct": -9.0, "steered": True}
    rate = {"measure": "cp_repeat_rate", "error_pct": 20.0, "steered": True}
    share = {"measure": "exit_share_adopted", "error_pct": 30.0, "steered": True}
    reported = {"measure": "care_exits", "error_pct": -40.0, "steered": False}
    assert refit_module.worst_count_error({"fit": [off, rate, share, reported]}) == 9.0


def test_a_refit_skips_files_fitted_with_todays_settings(tmp_path):
    off = [{"measure": "cp_plans", "error_pct": -9.0, "steered": True}]
    path = _shipped_like(tmp_path, off)
    assert refit_module.needs_refit(path, 8.0) and not refit_module.needs_refit(path, 10.0)
    path = _shipped_like(tmp_path, off, FULL_FIT.options())
    assert not refit_module.needs_refit(path, 8.0), "a rerun must resume, not refit again"


def test_a_refit_keeps_the_files_back_test_and_says_which_version_made_it(tmp_path, monkeypatch):
    off = [{"measure": "cp_plans", "error_pct": -9.0, "steered": True}]
    path = _shipped_like(tmp_path, off)
    fitted = {
        "provenance": {
            "council": "Rutland",
            "reference_year": "2024-25",
            "model_version": "0.11.0",
            "fit": [{"measure": "cp_plans", "error_pct": -1.0, "steered": True}],
            "fit_settings": FULL_FIT.options(),
        },
        "_population": 8000,
    }
    asked = {}

    def calibrate(name, **options):
        asked.update(options, name=name)
        return fitted, []

    monkeypatch.setattr(refit_module, "calibrate", calibrate)
    assert refit_module.refit_file(path) == ("Rutland", 9.0, 1.0, True)
    assert asked == {"name": "Rutland", "year": "2024-25", **FULL_FIT.options()}
    prov = yaml.safe_load(path.read_text(encoding="utf-8"))["provenance"]
    assert prov["backtest"] == [{"measure": "referrals", "error_pct": 3.0}]
    assert prov["backtest_model_version"] == "0.8.0" and prov["model_version"] == "0.11.0"


def test_a_refit_no_nearer_its_targets_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    off = [{"measure": "children_in_need", "error_pct": 9.3, "steered": True}]
    path = _shipped_like(tmp_path, off)
    before = path.read_text(encoding="utf-8")
    worse = {
        "provenance": {
            "council": "Rutland",
            "fit": [{"measure": "children_in_need", "error_pct": 19.6, "steered": True}],
        }
    }
    monkeypatch.setattr(refit_module, "calibrate", lambda name, **options: (worse, []))
    assert refit_module.refit_file(path) == ("Rutland", 9.3, 19.6, False)
    assert path.read_text(encoding="utf-8") == before


def test_a_refit_before_a_version_takes_every_earlier_file_and_a_refit_within_tolerance(
    tmp_path, monkeypatch
):
    """``--before``: a change to the model that every council needs refits every earlier file
    (however near its fit), and writes a refit no nearer than the file's if it is within
    ``--worse-than``; a rerun resumes."""
    near = [{"measure": "cp_plans", "error_pct": -1.0, "steered": True}]
    path = _shipped_like(tmp_path, near, FULL_FIT.options())
    assert refit_module.needs_refit(path, 5.0, before="0.12.0")
    assert not refit_module.needs_refit(path, 5.0)
    refitted = {
        "provenance": {
            "council": "Rutland",
            "model_version": "0.12.0",
            "fit": [{"measure": "cp_plans", "error_pct": 2.5, "steered": True}],
        }
    }
    monkeypatch.setattr(refit_module, "calibrate", lambda name, **options: (refitted, []))
    monkeypatch.setattr(refit_module, "report_again", lambda params: near)
    assert refit_module.refit_file(path, accept_within=5.0) == ("Rutland", 1.0, 2.5, True)
    assert not refit_module.needs_refit(path, 5.0, before="0.12.0"), "a rerun resumes"


def test_a_refit_before_a_version_further_off_keeps_the_fit_reported_again(tmp_path, monkeypatch):
    """``--before``: a refit further off than the file's fit reported again on today's model
    (and than ``--worse-than``) is not written; the file keeps its fitted parameters with the
    fit as it stands on today's model, under today's version (a rerun resumes)."""
    from sim.experiments.runner import model_version

    made = [{"measure": "cp_plans", "error_pct": -1.0, "steered": True}]
    path = _shipped_like(tmp_path, made)
    again = [{"measure": "cp_plans", "error_pct": -3.6, "steered": True}]
    further = {
        "provenance": {
            "council": "Rutland",
            "fit": [{"measure": "cp_plans", "error_pct": 6.3, "steered": True}],
        }
    }
    monkeypatch.setattr(refit_module, "calibrate", lambda name, **options: (further, []))
    monkeypatch.setattr(refit_module, "report_again", lambda params: again)
    assert refit_module.refit_file(path, accept_within=5.0) == ("Rutland", 3.6, 6.3, False)
    prov = yaml.safe_load(path.read_text(encoding="utf-8"))["provenance"]
    assert prov["fit"] == again, "expected the fit reported again on today's model"
    assert (prov["model_version"], prov["fit_made_by_model_version"]) == (model_version(), "0.8.0")
    assert prov["backtest"] == [{"measure": "referrals", "error_pct": 3.0}]
    assert not refit_module.needs_refit(path, 5.0, before=model_version()), "a rerun resumes"


def test_a_fit_reported_again_simulates_the_files_own_targets(monkeypatch):
    """:func:`calibration.council.report_again` reports every target of a shipped file on
    today's model, from its fitted parameters, with its open cases split as calibrate splits
    them (here on a small council, two runs: the mechanics, not the accuracy)."""
    import calibration.council as council

    monkeypatch.setattr(
        council, "FULL_FIT", council.FitSettings(population=10_000, polish_replications=2)
    )
    params = yaml.safe_load(parameter_file("rutland").read_text(encoding="utf-8"))
    split = yaml.safe_load(yaml.safe_dump(params))
    council.split_open_cases(split, split["provenance"]["targets"], "Rutland")
    rows = council.report_again(params)
    targets = params["provenance"]["targets"]
    assert [r["measure"] for r in rows] == list(targets), "expected a row for every target"
    steered = {r["measure"] for r in rows if r["steered"]}
    assert {"referrals", "cp_plans", "looked_after"} <= steered, sorted(steered)
    assert params["opening_stocks_per_10k"] == split["opening_stocks_per_10k"], (
        "expected the file's open cases at the start split as calibrate splits them"
    )


def test_a_refit_less_than_a_point_nearer_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    off = [{"measure": "cp_plans_started", "error_pct": -5.4, "steered": True}]
    path = _shipped_like(tmp_path, off)
    before = path.read_text(encoding="utf-8")
    luckier = {
        "provenance": {
            "council": "Rutland",
            "fit": [{"measure": "cp_plans_started", "error_pct": -5.2, "steered": True}],
        }
    }
    monkeypatch.setattr(refit_module, "calibrate", lambda name, **options: (luckier, []))
    assert refit_module.refit_file(path) == ("Rutland", 5.4, 5.2, False)
    assert path.read_text(encoding="utf-8") == before
