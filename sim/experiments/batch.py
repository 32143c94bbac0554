"""Run a sweep's simulations on Dask, keep each as it finishes, and never lose finished work.

Every simulation a sweep needs is a *run*: one scenario (its full content), one replication,
effects central or drawn. A run's key is a hash of exactly that and of the model's code, so the
same run is never made twice: points that share their baseline share its runs, and a sweep
started again after a kill finds its finished runs by key and makes only the rest.

The results folder::

    sweep.json          the sweep file, its points and how the results were made
    runs/<key>.parquet  one finished run (tidy monthly measures), written atomically
    manifest.jsonl      one line per finished run: key, points, replication, seconds
    failed.jsonl        runs that failed, with the point(s) whose inputs caused it
    runs.parquet        which run each point, variant and replication used
    paired.parquet      per point, variant and replication: outcomes and costs vs the baseline
    yearly.parquet      the sweep's ``outputs`` by point, variant, replication, financial year
    points.csv          per point and variant: means and 5th-95th percentiles, ranked by NPV

Runs go to a Dask ``LocalCluster`` of worker processes (one thread each) or to an existing
scheduler. Workers return results to this process, which alone writes the folder, so workers
need no shared disk. Numbers do not depend on the number or order of workers: each run draws
from its own seeded streams, and tables are assembled in key order.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.measures import MEASURES
from sim.experiments.comparison import BASELINE, paired_results, variant_yearly
from sim.experiments.experiment import single_run
from sim.experiments.outputs import monthly_frame
from sim.experiments.runner import code_fingerprint, model_version
from sim.inputs.scenario import Scenario
from sim.inputs.sweep import Sweep, plain


@dataclass(frozen=True)
class Run:
    """One simulation: a scenario's content, a replication, effects drawn or not."""

    key: str
    scenario: Scenario
    replication: int
    sampled: bool


@dataclass
class Plan:
    """Every run a sweep needs, which point, variant and replication uses each, and the points
    that use each run."""

    runs: dict[str, Run] = field(default_factory=dict)
    uses: list[dict[str, Any]] = field(default_factory=list)
    points: dict[str, list[int]] = field(default_factory=dict)

    def points_of(self, key: str) -> list[int]:
        return self.points.get(key, [])


def run_key(scenario: Scenario, replication: int, sampled: bool, fingerprint: str) -> str:
    """Content key of a run: scenario content, replication, effects mode and code."""
    text = f"{scenario.content_hash()}|{replication}|{int(sampled)}|follow-up|{fingerprint}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def plan(sweep: Sweep, fingerprint: str | None = None) -> Plan:
    """The runs of every valid point: its baseline and, if it has policies, each variant."""
    fp = fingerprint or code_fingerprint()
    out = Plan()
    sampled = sweep.spec.effects == "sampled"
    for point in sweep.points:
        sc = point.scenario
        if sc is None:
            continue
        variants = sc.compared_variants()
        todo = [(BASELINE, "none", sc.with_policies([]) if variants else sc, False)]
        for name, policies in variants.items():
            todo.append((name, sweep.spec.effects, sc.with_policies(policies), sampled))
        for rep in range(sweep.replications):
            for variant, effects, scenario, draw in todo:
                key = run_key(scenario, rep, draw, fp)
                out.runs.setdefault(key, Run(key, scenario, rep, draw))
                out.uses.append(
                    {
                        "point_id": point.point_id,
                        "variant": variant,
                        "effects": effects,
                        "replication": rep,
                        "run_key": key,
                    }
                )
                users = out.points.setdefault(key, [])
                if point.point_id not in users:
                    users.append(point.point_id)
    return out


def execute(
    scenario: dict[str, Any], replication: int, sampled: bool
) -> tuple[pd.DataFrame, float]:
    """One run on a worker: the scenario (as plain data) to a tidy monthly frame, and seconds."""
    t0 = time.perf_counter()
    sc = Scenario.model_validate(scenario)
    frame = monthly_frame(single_run(sc, replication, sampled_effects=sampled, follow_up=True))
    return frame.drop(columns=["scenario"]), time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------
# the results folder


class Store:
    """The results folder: finished runs by key, the manifest, failures."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.runs_dir = out / "runs"
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        for tmp in self.runs_dir.glob("*.tmp"):  # a run being written when the sweep was killed
            tmp.unlink()
        self.manifest = out / "manifest.jsonl"
        self.failed_file = out / "failed.jsonl"

    def finished(self) -> set[str]:
        """Keys of runs whose results are on disk (the truth; the manifest is their log)."""
        return {p.stem for p in self.runs_dir.glob("*.parquet")}

    def logged(self) -> set[str]:
        if not self.manifest.exists():
            return set()
        keys = set()
        for line in self.manifest.read_text().splitlines():
            with contextlib.suppress(json.JSONDecodeError):  # a line cut by a kill
                keys.add(json.loads(line)["key"])
        return keys

    def write(self, key: str, frame: pd.DataFrame, entry: dict[str, Any]) -> None:
        """Write a finished run atomically, then log it (a kill between loses nothing)."""
        part = self.runs_dir / f"{key}.parquet"
        tmp = part.with_suffix(".tmp")
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, part)
        self.log(entry)

    def log(self, entry: dict[str, Any]) -> None:
        with self.manifest.open("a") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def fail(self, entry: dict[str, Any]) -> None:
        with self.failed_file.open("a") as f:
            f.write(json.dumps(entry, default=str) + "\n")

    def read(self, key: str) -> pd.DataFrame:
        return pd.read_parquet(self.runs_dir / f"{key}.parquet")


# ---------------------------------------------------------------------------------------------
# running


@dataclass
class Outcome:
    """What a sweep did: runs made now, reused, failed; invalid points; the tables."""

    total: int
    made: int
    reused: int
    failed: list[dict[str, Any]]
    invalid_points: list[dict[str, Any]]
    seconds: float
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    assemble_seconds: float = 0.0


def local_client(workers: int | None = None) -> Any:
    """A Dask client on a LocalCluster of single-threaded worker processes (one per core)."""
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        # its status page on a free port of this machine only (a fixed port warns when a
        # second cluster, such as the dashboard's beside a sweep, finds it taken)
        dashboard_address="127.0.0.1:0",
        silence_logs=logging.ERROR,
    )
    return Client(cluster)


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A Dask client: on an existing scheduler, or on a LocalCluster of worker processes."""
    from dask.distributed import Client

    client = Client(scheduler, timeout="30s") if scheduler else local_client(workers)
    try:
        yield client
    finally:
        client.close()
        if not scheduler:
            client.cluster.close()


def run_sweep(
    sweep: Sweep,
    out: Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int, int], None] | None = None,
    client: Any = None,
    tables_progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Run every run of ``sweep`` not yet in ``out``; then assemble the tables.

    ``progress(done, failed, total)`` is called as runs finish, ``tables_progress(points done,
    points)`` as the tables are put together. With ``client`` given, runs go to
    that Dask client; else to a scheduler at ``scheduler`` or a LocalCluster of ``workers``.
    """
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    store = Store(out)
    fp = code_fingerprint()
    the_plan = plan(sweep, fp)
    _write_sweep_json(sweep, out, fp)
    pd.DataFrame(the_plan.uses).to_parquet(out / "runs.parquet", index=False)
    done = store.finished() & set(the_plan.runs)
    for key in sorted(done - store.logged()):  # written just before a kill: log it now
        store.log(_entry(the_plan, key, seconds=None))
    todo = [k for k in sorted(the_plan.runs) if k not in done]
    failed: list[dict[str, Any]] = []
    if store.failed_file.exists():
        store.failed_file.unlink()  # failures are retried each time the sweep is started
    total = len(the_plan.runs)
    if progress:
        progress(len(done), 0, total)
    if todo:
        with contextlib.ExitStack() as stack:
            if client is None:
                client = stack.enter_context(dask_client(workers, scheduler))
            _submit_all(client, sweep, the_plan, todo, store, failed, done, total, progress)
    invalid = [
        {"point_id": p.point_id, "values": _jsonable(p.values), "error": p.error}
        for p in sweep.points
        if p.scenario is None
    ]
    for bad in invalid:
        store.fail({"run_key": None, **bad})
    t_assemble = time.perf_counter()
    tables = assemble(
        sweep, the_plan, store, {f["run_key"] for f in failed}, progress=tables_progress
    )
    t_assemble = time.perf_counter() - t_assemble
    return Outcome(
        total=total,
        made=len(todo) - len(failed),
        reused=total - len(todo),
        failed=failed,
        invalid_points=invalid,
        seconds=time.perf_counter() - started,
        tables=tables,
        assemble_seconds=t_assemble,
    )


def _submit_all(client, sweep, the_plan, todo, store, failed, done, total, progress) -> None:
    from dask.distributed import as_completed

    values_of = {p.point_id: p.values for p in sweep.points}
    futures = {}
    for key in todo:
        r = the_plan.runs[key]
        fut = client.submit(
            execute,
            r.scenario.model_dump(mode="json"),
            r.replication,
            r.sampled,
            key=f"csc-run-{key}",
            pure=False,
            retries=1,
        )
        futures[fut] = key
    finished = len(done)
    for fut in as_completed(list(futures)):
        key = futures.pop(fut)
        if fut.status == "finished":
            frame, seconds = fut.result()
            store.write(key, frame, _entry(the_plan, key, seconds=seconds))
            finished += 1
        else:
            exc = fut.exception()
            r = the_plan.runs[key]
            entry = {
                "run_key": key,
                "points": the_plan.points_of(key),
                "values": [_jsonable(values_of[p]) for p in the_plan.points_of(key)],
                "replication": r.replication,
                "error": f"{type(exc).__name__}: {exc}",
            }
            failed.append(entry)
            store.fail(entry)
        fut.release()
        if progress:
            progress(finished, len(failed), total)


def _entry(the_plan: Plan, key: str, seconds: float | None) -> dict[str, Any]:
    r = the_plan.runs[key]
    return {
        "key": key,
        "points": the_plan.points_of(key),
        "replication": r.replication,
        "sampled_effects": r.sampled,
        "seconds": None if seconds is None else round(seconds, 3),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: plain(v) for k, v in values.items()}


def _write_sweep_json(sweep: Sweep, out: Path, fp: str) -> None:
    meta = {
        "name": sweep.spec.name,
        "file": sweep.file,
        "sweep_hash": sweep.content_hash(),
        "sweep": sweep.spec.model_dump(mode="json"),
        "base_scenario_hash": sweep.base.content_hash(),
        "seed": sweep.base.seed,
        "replications": sweep.replications,
        "compares": sweep.compares,
        "points": [
            {"point_id": p.point_id, **_jsonable(p.values), "valid": p.scenario is not None}
            for p in sweep.points
        ],
        "model_version": model_version(),
        "code_fingerprint": fp,
    }
    tmp = out / "sweep.json.tmp"
    tmp.write_text(json.dumps(meta, indent=2))
    os.replace(tmp, out / "sweep.json")


# ---------------------------------------------------------------------------------------------
# tables


def assemble(
    sweep: Sweep,
    the_plan: Plan,
    store: Store,
    failed_keys: set[str],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Per point tables from the finished runs (in key order: independent of worker order)."""
    uses = _complete_points(the_plan, store, failed_keys)
    if uses.empty:  # no run planned, or every point failed: nothing to put together
        return {}
    values = pd.DataFrame(
        [{"point_id": p.point_id, **_jsonable(p.values)} for p in sweep.points]
    ).set_index("point_id")
    frames = {k: store.read(k) for k in sorted(set(uses["run_key"]))}
    yearly_parts, paired_parts = [], []
    books: dict[str, Any] = {}
    n_points = uses["point_id"].nunique()
    for i, (pid, g) in enumerate(uses.groupby("point_id", sort=True)):
        if progress:
            progress(i, n_points)
        point = sweep.points[int(pid)]
        monthly = pd.concat(
            [
                frames[u.run_key].assign(
                    scenario=point.scenario.name, variant=u.variant, effects=u.effects
                )
                for u in g.itertuples()
            ],
            ignore_index=True,
        )
        y = variant_yearly(monthly)
        kept = y[y["measure"].isin(sweep.spec.outputs)].drop(columns=["scenario"])
        yearly_parts.append(kept.assign(point_id=int(pid)))
        if sweep.compares:
            costs_key = json.dumps(point.scenario.unit_costs, sort_keys=True, default=str)
            if costs_key not in books:  # one cost book per distinct unit_costs, not per point
                books[costs_key] = point.scenario.cost_book()
            paired, _ = paired_results(monthly, point.scenario, books[costs_key], yearly=y)
            paired_parts.append(
                paired.drop(columns=["cumulative_net_saving"]).assign(point_id=int(pid))
            )
    return _write_tables(store, values, yearly_parts, paired_parts)


def _complete_points(the_plan: Plan, store: Store, failed_keys: set[str]) -> pd.DataFrame:
    """The plan's uses of runs by the points whose every run finished (none failed or missing)."""
    uses = pd.DataFrame(the_plan.uses)
    if uses.empty:
        return uses
    on_disk = store.finished()
    bad_points = {p for k in failed_keys for p in the_plan.points_of(k)}
    missing = set(uses["run_key"]) - on_disk
    bad_points |= set(uses.loc[uses["run_key"].isin(missing), "point_id"])
    return uses[~uses["point_id"].isin(bad_points)]


def _write_tables(
    store: Store,
    values: pd.DataFrame,
    yearly_parts: list[pd.DataFrame],
    paired_parts: list[pd.DataFrame],
) -> dict[str, pd.DataFrame]:
    """Write the points' yearly (and paired) tables and their summary ranked by point."""
    tables: dict[str, pd.DataFrame] = {}
    yearly = pd.concat(yearly_parts, ignore_index=True)
    yearly = yearly[
        ["point_id", "variant", "effects", "replication", "financial_year", "measure", "value"]
    ]
    yearly.to_parquet(store.out / "yearly.parquet", index=False)
    tables["yearly"] = yearly
    if paired_parts:
        paired = pd.concat(paired_parts, ignore_index=True)
        paired = paired[["point_id", *[c for c in paired.columns if c != "point_id"]]]
        paired = paired.merge(values, left_on="point_id", right_index=True)
        paired.to_parquet(store.out / "paired.parquet", index=False)
        tables["paired"] = paired
        points = point_summary(paired, list(values.columns))
    else:
        totals = horizon_totals(yearly).merge(values, left_on="point_id", right_index=True)
        tables["totals"] = totals
        points = point_summary(totals, list(values.columns))
    points.to_csv(store.out / "points.csv", index=False)
    tables["points"] = points
    return tables


def horizon_totals(yearly: pd.DataFrame) -> pd.DataFrame:
    """Per point and replication: flows summed over the horizon, stocks at its end."""
    last_fy = yearly["financial_year"].max()
    rows = []
    for (pid, variant, effects, rep), g in yearly.groupby(
        ["point_id", "variant", "effects", "replication"], sort=True
    ):
        row = {"point_id": pid, "variant": variant, "effects": effects, "replication": rep}
        for m, gm in g.groupby("measure"):
            kind = MEASURES[m].kind if m in MEASURES else "stock"
            row[m] = (
                gm["value"].sum()
                if kind == "flow"
                else gm.loc[gm["financial_year"] == last_fy, "value"].sum()
            )
        rows.append(row)
    return pd.DataFrame(rows)


SUMMARY_COLUMNS = (
    "npv_net_saving_gbp",
    "net_cost_gbp",
    "care_entries_averted",
    "child_days_in_care_avoided",
    "cp_children_safely_home_gained",
    "policy_cost_gbp",
)


def point_summary(per_rep: pd.DataFrame, inputs: list[str]) -> pd.DataFrame:
    """Per point and variant: mean and 5th-95th percentiles; ranked by NPV where costed."""
    keys = ["point_id", "variant", "effects"]
    measures = [
        c
        for c in per_rep.columns
        if c not in (*keys, "replication", *inputs) and pd.api.types.is_numeric_dtype(per_rep[c])
    ]
    rows = []
    for k, g in per_rep.groupby(keys, sort=True):
        row = dict(zip(keys, k, strict=True))
        row.update({i: g[i].iloc[0] for i in inputs})
        row["replications"] = len(g)
        for m in measures:
            v = g[m].astype(float)
            row[m] = v.mean()
            row[f"{m}_p5"] = v.quantile(0.05)
            row[f"{m}_p95"] = v.quantile(0.95)
        if "npv_net_saving_gbp" in g:
            row["prob_saves_money"] = float((g["npv_net_saving_gbp"] > 0).mean())
        rows.append(row)
    out = pd.DataFrame(rows)
    if "npv_net_saving_gbp" in out:
        out = out.sort_values(["npv_net_saving_gbp", "point_id"], ascending=[False, True])
        out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)
