"""The CLI as a user runs it, and a run that is interrupted and resumed loses nothing."""

import argparse
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import build_parser, main
from sim.experiments.runner import run_to_folder
from sim.inputs.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"


def small(**changes):
    return load_scenario(BASELINE).with_changes(population=10_000, years=1, **changes)


def test_run_json_prints_summary_and_writes_results(tmp_path, capsys):
    code = main(
        [
            "run",
            str(BASELINE),
            "--replications",
            "2",
            "--population",
            "10000",
            "--years",
            "1",
            "--out",
            str(tmp_path),
            "--json",
        ]
    )
    assert code == 0, f"expected exit 0, found {code}"
    out = json.loads(capsys.readouterr().out)
    measures = {row["measure"] for row in out["summary"]}
    for m in ("referrals", "care_entries", "looked_after", "children_in_need"):
        assert m in measures, f"expected {m} in the JSON summary, found {sorted(measures)}"
    for f in ("monthly.parquet", "summary.csv", "yearly.csv", "run.json"):
        assert (tmp_path / f).exists(), f"expected {f} in the results folder"
    monthly = pd.read_parquet(tmp_path / "monthly.parquet")
    assert list(monthly.columns[:6]) == [
        "scenario",
        "replication",
        "month",
        "financial_year",
        "measure",
        "value",
    ], f"found columns {list(monthly.columns)}"
    assert sorted(monthly["replication"].unique()) == [0, 1]


def test_validate_bad_file_exits_2_with_one_clear_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nparameters:\n  front_door: {p_referral: 1.5}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(bad)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 2, f"expected exit 2, found {proc.returncode}"
    assert "Traceback" not in proc.stderr, f"expected no traceback, found {proc.stderr}"
    for part in ("bad.yaml", "parameters.front_door.p_referral", "1.5", "must be 1 or less"):
        assert part in proc.stderr, f"expected {part!r} in the message, found {proc.stderr!r}"


def test_validate_says_each_problem_on_its_own_marked_line(tmp_path):
    bad = tmp_path / "two.yaml"
    bad.write_text("name: x\npopulation: lots\nalready_running: maybe\n")
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(bad)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    lines = proc.stderr.splitlines()
    assert lines == [
        "error: two.yaml: population: must be a whole number (got 'lots')",
        "error: two.yaml: already_running: must be 'include' or 'expand' (got 'maybe')",
    ], f"expected two marked lines in plain words, found {lines}"


def test_every_command_names_a_function_that_carries_it_out():
    parser, missing = build_parser()
    assert missing == [], f"expected calibrate and backtest installed, missing {missing}"
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert list(commands.choices) == [
        "run",
        "compare",
        "calibrate",
        "backtest",
        "sweep",
        "sensitivity",
        "validate",
        "localities",
        "report",
        "reproduce",
        "audit-effects",
    ], f"found the commands in the order {list(commands.choices)}"
    for name, command in commands.choices.items():
        handler = command.get_default("handler")
        assert callable(pkgutil.resolve_name(handler)), f"{name}: {handler} is not a function"


def test_help_loads_neither_the_model_runs_nor_pandas():
    """`csc-sim --help` builds the parser only: the commands' modules load when one runs."""
    code = (
        "import sys; from sim.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('pandas', 'sim.experiments.runner', 'calibration.council') "
        "if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert proc.stdout.strip() == "[]", f"expected nothing heavy loaded, found {proc.stdout}"


def test_validate_good_file(capsys):
    assert main(["validate", str(BASELINE)]) == 0
    assert "OK" in capsys.readouterr().out


def test_interrupted_run_resumes_without_redoing_or_losing(tmp_path):
    scenario = small(replications=3)
    whole = run_to_folder(scenario, tmp_path / "whole")["monthly"]

    class StopRunError(Exception):
        pass

    def stop_after_first(n):
        if n == 1:
            raise StopRunError

    with pytest.raises(StopRunError):
        run_to_folder(scenario, tmp_path / "resumed", progress=stop_after_first)
    parts = sorted(p.name for p in (tmp_path / "resumed" / "monthly").glob("*.parquet"))
    assert parts == ["replication-0000.parquet"], (
        f"expected one finished replication, found {parts}"
    )
    first = (tmp_path / "resumed" / "monthly" / "replication-0000.parquet").stat().st_mtime_ns
    resumed = run_to_folder(scenario, tmp_path / "resumed")["monthly"]
    again = (tmp_path / "resumed" / "monthly" / "replication-0000.parquet").stat().st_mtime_ns
    assert first == again, "expected the finished replication to be reused, not re-run"
    pd.testing.assert_frame_equal(whole, resumed)


def test_changed_scenario_starts_afresh(tmp_path):
    run_to_folder(small(replications=1), tmp_path)
    other = run_to_folder(small(replications=1, seed=7), tmp_path)["monthly"]
    fresh = run_to_folder(small(replications=1, seed=7), tmp_path / "fresh")["monthly"]
    pd.testing.assert_frame_equal(other, fresh)


def test_compare_json_reports_both_kinds_of_interval(tmp_path, capsys):
    code = main(
        [
            "compare",
            str(REPO / "scenarios" / "cin_pods.yaml"),
            "--replications",
            "2",
            "--population",
            "10000",
            "--years",
            "2",
            "--out",
            str(tmp_path),
            "--json",
        ]
    )
    assert code == 0, f"expected exit 0, found {code}"
    out = json.loads(capsys.readouterr().out)
    rows = {(r["effects"], r["measure"]) for r in out["summary"]}
    for effects in ("central", "sampled"):
        for m in ("care_entries_averted", "net_cost_gbp", "prob_saves_money", "payback_year"):
            assert (effects, m) in rows, f"expected {m} ({effects}) in the JSON summary"
    for f in ("monthly.parquet", "paired.csv", "costs.csv", "summary.csv"):
        assert (tmp_path / f).exists(), f"expected {f}"
    monthly = pd.read_parquet(tmp_path / "monthly.parquet")
    assert {"variant", "effects"} <= set(monthly.columns)
    assert set(monthly["variant"]) == {"baseline", "Children in need pods"}


def test_compare_with_few_replications_says_its_ranges_are_rough(tmp_path, capsys):
    args = ["compare", str(REPO / "scenarios" / "cin_pods.yaml"), "--population", "5000"]
    code = main([*args, "--years", "1", "--replications", "2", "--out", str(tmp_path)])
    assert code == 0, f"expected exit 0, found {code}"
    out = capsys.readouterr().out
    assert "percentiles across replications (rough: fewer than 10)." in out, out[-800:]
    assert "come from the 2 simulated futures run (rough)" in " ".join(out.split()), out[-800:]


def test_compare_without_policies_says_so(capsys):
    code = main(
        ["compare", str(BASELINE), "--replications", "1", "--population", "10000", "--years", "1"]
    )
    assert code == 2
    assert "names no policy" in capsys.readouterr().err


def test_run_summary_says_which_population_and_why(tmp_path, capsys):
    scenario = tmp_path / "dorset.yaml"
    scenario.write_text("name: dorset\ncouncil: dorset\nreplications: 1\nyears: 0.25\n")
    assert main(["validate", str(scenario)]) == 0
    said = capsys.readouterr().out
    assert "Dorset's own" in said, f"expected validate to say Dorset's own children, found {said}"
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--population", "5000", "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["population"] == 5000, f"expected 5,000 children, found {printed}"
    assert "Dorset has" in printed["population_basis"], f"found {printed['population_basis']!r}"
    meta = json.loads((out / "run.json").read_text())
    assert meta["population_basis"] == printed["population_basis"], f"found {meta}"
