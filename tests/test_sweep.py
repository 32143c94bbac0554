"""Sweeps: sweep files, designs, Dask execution that resumes after a kill, sensitivity analysis."""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.experiments.batch import plan, run_sweep
from sim.experiments.sensitivity import sobol_indices
from sim.inputs.sweep import DottedNameError, SweepFile, design_points, load_sweep, set_dotted

ROOT = Path(__file__).resolve().parents[1]
FS = ROOT / "scenarios" / "family_safeguarding.yaml"


def _sweep_file(folder: Path, name: str = "small", **changes) -> Path:
    spec = {
        "name": name,
        "base": str(FS),
        "set": {"population": 8000, "years": 2},
        "replications": 2,
        "design": {"method": "latin", "samples": 6, "seed": 3},
        "parameters": [
            {"name": "policies.family_safeguarding.size", "range": [0.5, 1.5]},
            {"name": "policies.family_safeguarding.effects.care_entry", "range": [0.6, 1.0]},
        ],
        "outputs": ["care_entries", "looked_after"],
    }
    spec.update(changes)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def _results(out: Path) -> dict[str, pd.DataFrame]:
    return {
        "paired": pd.read_parquet(out / "paired.parquet"),
        "yearly": pd.read_parquet(out / "yearly.parquet"),
        "points": pd.read_csv(out / "points.csv"),
    }


def _assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    """The small sweep run start to finish on one local worker."""
    folder = tmp_path_factory.mktemp("sweep")
    path = _sweep_file(folder)
    out = folder / "one-worker"
    assert main(["sweep", str(path), "--workers", "1", "--out", str(out)]) == 0
    return path, _results(out)


# --- sweep files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"paramters": []}, "small.yaml: paramters: unknown field"),
        ({"design": {"method": "sobol", "samples": 10}}, "design.samples must be a power of 2"),
        ({"design": {"method": "grid"}}, "grid needs values for every parameter"),
        ({"outputs": ["care_entires"]}, "did you mean 'care_entries'"),
        (
            {
                "parameters": [
                    {"name": "policies.family_safeguarding.effects.care_entyr", "range": [0.6, 1.0]}
                ]
            },
            "parameters[0].name: 'policies.family_safeguarding.effects.care_entyr'",
        ),
        (
            {"parameters": [{"name": "parameters.cp_plan.p_pre_procedings", "range": [0, 1]}]},
            "did you mean 'p_pre_proceedings'",
        ),
        ({"parameters": [{"name": "population", "range": [9, 1]}]}, "low must be below high"),
        ({"base": "nowhere.yaml"}, "base: scenario file 'nowhere.yaml' not found"),
    ],
)
def test_a_bad_sweep_file_names_the_field(tmp_path, capsys, change, expected) -> None:
    path = _sweep_file(tmp_path, **change)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert expected in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing run


def test_dotted_names_reach_policies_effects_and_parameters(tmp_path) -> None:
    data = load_sweep(_sweep_file(tmp_path)).base.model_dump(mode="json")
    set_dotted(data, "policies.Family Safeguarding.effects.cp_plan.duration", 0.75)
    effect = next(e for e in data["policies"][0]["effects"] if e["target"] == "cp_plan.duration")
    assert (effect["central"], effect["low"], effect["high"]) == (0.75, 0.75, 0.75)
    assert effect["distribution"] == "fixed"
    set_dotted(data, "policies.0.effects.rereferral.central", 1.2)  # outside 0.75-1.05: widened
    effect = next(e for e in data["policies"][0]["effects"] if e["target"] == "rereferral")
    assert (effect["low"], effect["central"], effect["high"]) == (0.75, 1.2, 1.2)
    before = [s["fte"] for s in data["policies"][0]["adds_staff"]]
    set_dotted(data, "policies.family_safeguarding.size", 0.5)
    assert data["policies"][0]["size"] == 0.5, "expected size to set the policy's size"
    found = [s["fte"] for s in data["policies"][0]["adds_staff"]]
    assert found == before, f"expected the file's FTE per 100,000 kept ({before}), found {found}"
    set_dotted(data, "parameters.cp_plan.p_pre_proceedings", 0.2)
    assert data["parameters"]["cp_plan"]["p_pre_proceedings"] == 0.2
    with pytest.raises(DottedNameError, match="no item named 'nobody'"):
        set_dotted(data, "policies.nobody.start_date", "2027-01-01")


def test_designs_come_from_salib_and_grids_are_full() -> None:
    base = {
        "base": "x.yaml",
        "parameters": [{"name": "a", "values": [1, 2, 3]}, {"name": "b", "values": ["x", "y"]}],
    }
    grid = design_points(SweepFile.model_validate(base))
    assert len(grid) == 6 and {(p["a"], p["b"]) for p in grid} == {
        (a, b) for a in (1, 2, 3) for b in ("x", "y")
    }
    sob = SweepFile.model_validate(
        {
            "base": "x.yaml",
            "design": {"method": "sobol", "samples": 16},
            "parameters": [
                {"name": "a", "range": [0, 1]},
                {"name": "b", "range": [10, 20]},
                {"name": "d", "range": ["2026-04-01", "2027-04-01"], "type": "date"},
            ],
        }
    )
    pts = design_points(sob)
    assert len(pts) == 16 * (3 + 2)  # Saltelli without second-order terms: N (D + 2)
    assert all(0 <= p["a"] <= 1 and 10 <= p["b"] <= 20 for p in pts)
    assert all(str(p["d"]) >= "2026-04-01" and str(p["d"]) <= "2027-04-01" for p in pts)
    lat = SweepFile.model_validate(
        {
            "base": "x.yaml",
            "design": {"method": "latin", "samples": 10},
            "parameters": [{"name": "a", "range": [0, 1]}],
        }
    )
    a = sorted(p["a"] for p in design_points(lat))
    # a Latin hypercube puts exactly one point in each tenth of the range
    assert [math.floor(x * 10) for x in a] == list(range(10))


def test_points_that_share_a_baseline_share_its_runs(tmp_path) -> None:
    sweep = load_sweep(_sweep_file(tmp_path))
    p = plan(sweep)
    # the points vary only the policy, so the baseline is one scenario: 2 baseline runs, not 12
    assert len(p.runs) == sweep.replications * (1 + len(sweep.points))
    assert len(p.uses) == sweep.replications * 2 * len(sweep.points)


# --- running ----------------------------------------------------------------------------------


def test_one_and_two_workers_give_identical_results(uninterrupted, tmp_path) -> None:
    path, one = uninterrupted
    out = tmp_path / "two-workers"
    assert main(["sweep", str(path), "--workers", "2", "--out", str(out)]) == 0
    _assert_same(one, _results(out))
    assert len(one["paired"]) == 6 * 2  # every point and replication, paired with the baseline


def test_a_killed_sweep_resumes_without_losing_or_duplicating_runs(uninterrupted, tmp_path):
    path, expected = uninterrupted
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "sweep", str(path), "--workers", "2", "--out", str(out)]
    proc = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    manifest = out / "manifest.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.exists() and len(manifest.read_text().splitlines()) >= 3:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # kill -9 the sweep and its workers, mid-run
    proc.wait()
    total = len(plan(load_sweep(path)).runs)
    kept = {p.stem for p in (out / "runs").glob("*.parquet")}
    assert 3 <= len(kept) < total
    assert not (out / "points.csv").exists()
    # started again with the same command: only the missing runs are made
    again = subprocess.run([*cmd, "--json"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["reused"] == len(kept) and report["made"] == total - len(kept)
    keys = [json.loads(line)["key"] for line in manifest.read_text().splitlines()]
    assert len(keys) == len(set(keys)) == total  # none lost, none twice
    assert {p.stem for p in (out / "runs").glob("*.parquet")} == set(keys)
    _assert_same(expected, _results(out))


def test_a_point_that_fails_for_its_inputs_is_reported_and_the_rest_go_on(tmp_path, capsys):
    path = _sweep_file(
        tmp_path,
        name="bad-point",
        design={"method": "grid"},
        parameters=[
            {"name": "policies.family_safeguarding.effects.care_entry", "values": [0.8, -0.5, 0.9]}
        ],
        replications=1,
    )
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--workers", "1", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "point 1 not run" in err and "greater than 0" in err
    failed = [json.loads(line) for line in (out / "failed.jsonl").read_text().splitlines()]
    assert [f["point_id"] for f in failed] == [1]
    assert failed[0]["values"] == {"policies.family_safeguarding.effects.care_entry": -0.5}
    assert sorted(pd.read_csv(out / "points.csv")["point_id"]) == [0, 2]


def test_a_run_that_raises_is_reported_with_its_points_and_retried_next_time(
    tmp_path, monkeypatch
) -> None:
    from dask.distributed import Client, LocalCluster

    import sim.experiments.batch

    path = _sweep_file(tmp_path, name="raises", replications=1)
    sweep = load_sweep(path)
    out = tmp_path / "out"
    real = sim.experiments.batch.execute

    def flaky(scenario, replication, sampled):
        effect = scenario["policies"][0]["effects"][0]["central"] if scenario["policies"] else 1
        if effect < 0.7:
            raise ValueError("this point's inputs broke the model")
        return real(scenario, replication, sampled)

    monkeypatch.setattr(sim.experiments.batch, "execute", flaky)
    with (
        LocalCluster(n_workers=1, processes=False, dashboard_address="127.0.0.1:0") as cluster,
        Client(cluster) as client,
    ):
        outcome = run_sweep(sweep, out, client=client)
    bad = [
        p.point_id
        for p in sweep.points
        if p.values["policies.family_safeguarding.effects.care_entry"] < 0.7
    ]
    assert bad and sorted(p for f in outcome.failed for p in f["points"]) == bad
    assert all("this point's inputs broke the model" in f["error"] for f in outcome.failed)
    assert outcome.made == outcome.total - len(bad)
    assert sorted(outcome.tables["points"]["point_id"]) == sorted(
        set(range(len(sweep.points))) - set(bad)
    )
    monkeypatch.setattr(sim.experiments.batch, "execute", real)
    with (
        LocalCluster(n_workers=1, processes=False, dashboard_address="127.0.0.1:0") as cluster,
        Client(cluster) as client,
    ):
        again = run_sweep(sweep, out, client=client)
    assert (again.made, again.reused, again.failed) == (len(bad), outcome.made, [])
    assert len(again.tables["points"]) == len(sweep.points)


def test_a_scenario_sweep_without_policies_keeps_its_measures(tmp_path) -> None:
    path = _sweep_file(
        tmp_path,
        name="no-policy",
        base=str(ROOT / "scenarios" / "baseline.yaml"),
        design={"method": "grid"},
        parameters=[{"name": "population", "values": [4000, 16000], "type": "int"}],
        replications=2,
    )
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--workers", "1", "--out", str(out)]) == 0
    points = pd.read_csv(out / "points.csv").set_index("population")
    # four times the children: about four times the care entries (flows scale with population)
    ratio = points.loc[16000, "care_entries"] / points.loc[4000, "care_entries"]
    assert 2.5 < ratio < 6, ratio


def test_results_can_be_queried_with_duckdb(uninterrupted) -> None:
    import duckdb

    path, expected = uninterrupted
    out = path.parent / "one-worker"
    best = duckdb.sql(
        f"SELECT point_id, avg(npv_net_saving_gbp) AS npv FROM '{out}/paired.parquet' "
        "GROUP BY point_id ORDER BY npv DESC, point_id LIMIT 1"
    ).fetchall()[0]
    top = expected["points"].iloc[0]
    assert best[0] == top["point_id"] and best[1] == pytest.approx(top["npv_net_saving_gbp"])
    n = duckdb.sql(
        f"SELECT count(DISTINCT r.run_key) FROM '{out}/runs.parquet' r "
        f"JOIN read_parquet('{out}/runs/*.parquet', filename=true) m "
        "ON m.filename LIKE '%' || r.run_key || '.parquet'"
    ).fetchall()[0][0]
    assert n == len(list((out / "runs").glob("*.parquet")))


# --- sensitivity ------------------------------------------------------------------------------


def test_sobol_indices_of_the_ishigami_function_come_out_right(tmp_path, capsys) -> None:
    """Through the same path as a sweep: design, points table, ``csc-sim sensitivity``."""
    spec = {
        "name": "ishigami",
        "base": "toy.yaml",
        "design": {"method": "sobol", "samples": 2048, "seed": 11},
        "parameters": [{"name": f"x{i}", "range": [-math.pi, math.pi]} for i in (1, 2, 3)],
        "outputs": ["care_entries"],
    }
    sweep = SweepFile.model_validate(spec)
    pts = design_points(sweep)
    x = np.array([[p["x1"], p["x2"], p["x3"]] for p in pts])
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    points = pd.DataFrame(x, columns=["x1", "x2", "x3"]).assign(care_entries=y)
    points.insert(0, "point_id", range(len(points)))
    points.assign(variant="baseline", effects="none").to_csv(tmp_path / "points.csv", index=False)
    (tmp_path / "sweep.json").write_text(
        json.dumps({"sweep": spec, "points": [{"point_id": i} for i in range(len(pts))]})
    )
    assert main(["sensitivity", str(tmp_path)]) == 0
    got = pd.read_csv(tmp_path / "sensitivity.csv").set_index("input")
    # analytic indices (Ishigami & Homma 1990; a = 7, b = 0.1)
    s1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
    st = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
    for name in s1:
        assert got.loc[name, "S1"] == pytest.approx(s1[name], abs=0.04), name
        assert got.loc[name, "ST"] == pytest.approx(st[name], abs=0.04), name
        assert got.loc[name, "S1_conf"] > 0
    direct = sobol_indices(sweep, points, ["care_entries"], seed=11)
    assert direct["S1"].tolist() == got["S1"].tolist()
    assert "x2" in capsys.readouterr().out


def test_sensitivity_of_a_sweep_writes_tornado_and_ranking(uninterrupted, capsys) -> None:
    path, expected = uninterrupted
    out = path.parent / "one-worker"
    assert main(["sensitivity", str(out)]) == 0
    text = capsys.readouterr().out
    assert "What moves Net present value" in text
    tornado = pd.read_csv(out / "tornado.csv")
    npv = tornado[tornado["output"] == "npv_net_saving_gbp"].set_index("input")
    # a bigger team costs more: NPV is lower where size is high
    size = npv.loc["policies.family_safeguarding.size"]
    assert size["when_high"] < size["when_low"]
    assert (out / "tornado.html").stat().st_size > 10_000
    ranked = pd.read_csv(out / "ranked.csv")
    assert ranked["npv_net_saving_gbp"].is_monotonic_decreasing
    assert set(ranked["point_id"]) == set(expected["points"]["point_id"])


def test_sensitivity_of_a_folder_that_is_not_a_sweep_says_so(tmp_path, capsys) -> None:
    assert main(["sensitivity", str(tmp_path)]) == 2
    assert "no sweep.json here" in capsys.readouterr().err


# --- a cluster of separate processes ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_same_command_runs_on_a_scheduler_and_workers_started_by_dask(
    uninterrupted, tmp_path
) -> None:
    path, expected = uninterrupted
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    procs = [
        subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        time.sleep(1.0)
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [*dask, "worker", address, "--nthreads", "1", "--no-dashboard"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        from dask.distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
        out = tmp_path / "cluster"
        assert main(["sweep", str(path), "--scheduler", address, "--out", str(out)]) == 0
        _assert_same(expected, _results(out))
    finally:
        for p in procs[::-1]:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml")), ids=str)
def test_shipped_sweep_files_are_valid(path, capsys) -> None:
    assert main(["validate", str(path)]) == 0
    assert "OK: sweep" in capsys.readouterr().out


def test_a_comparison_on_worker_processes_equals_one_in_this_process() -> None:
    """The dashboard's comparison on Dask workers gives the same numbers as in one process."""
    from sim.api import build_scenario, builtin_policies, local_workers, run_comparison

    fs = builtin_policies()["Family Safeguarding"]
    sc = build_scenario(population=8000, policies=[fs], years=2, replications=2)
    here = run_comparison(sc)
    client = local_workers(2)
    try:
        there = run_comparison(sc, client=client)
    finally:
        client.close()
        client.cluster.close()
    for name in ("monthly", "paired", "costs", "summary"):
        pd.testing.assert_frame_equal(here[name], there[name], check_exact=True, obj=name)
