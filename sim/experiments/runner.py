"""Run a scenario's replications and write its results, resuming an interrupted run.

Each finished replication is written at once as its own Parquet file, next to a ``run.json``
that records the scenario's content hash, seed and model version. Run again with the same
scenario and output folder, finished replications are read back instead of re-run; a changed
scenario starts afresh (older files are removed).
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sim.experiments.comparison import paired_results, plan, run_one, summarise
from sim.experiments.experiment import single_run
from sim.experiments.outputs import monthly_frame, summary_frame, yearly_frame
from sim.inputs.scenario import Scenario
from sim.version import __version__


def model_version() -> str:
    """The model's version (:data:`sim.version.__version__`), the same installed or not."""
    return __version__


def code_fingerprint() -> str:
    """SHA-256 of every source file of the ``sim`` package, subpackages included, so results from
    changed code are never reused."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for f in sorted(package.rglob("*.py")):
        h.update(f.relative_to(package).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _prepare(out: Path, parts_name: str, scenario: Scenario, **extra: object) -> Path:
    """Make the results folder; drop finished runs made from another scenario or code."""
    parts = out / parts_name
    parts.mkdir(parents=True, exist_ok=True)
    meta = {
        "scenario": scenario.name,
        "scenario_hash": scenario.content_hash(),
        "seed": scenario.seed,
        "replications": scenario.replications,
        "population": scenario.population,
        "population_basis": scenario.population_basis(),
        "start_date": scenario.start_date.isoformat(),
        "years": scenario.years,
        **extra,
        "model_version": model_version(),
        "code_fingerprint": code_fingerprint(),
        "python": platform.python_version(),
    }
    meta_file = out / "run.json"
    if meta_file.exists():
        old = json.loads(meta_file.read_text())
        keys = ("scenario_hash", "model_version", "code_fingerprint", *extra)
        if any(old.get(k) != meta[k] for k in keys):
            for f in parts.glob("*.parquet"):
                f.unlink()
    meta_file.write_text(json.dumps(meta, indent=2))
    return parts


def _run_or_reuse(part: Path, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """A finished run read back, or made now and written atomically (a kill leaves no half file)."""
    if part.exists():
        return pd.read_parquet(part)
    frame = make()
    tmp = part.with_suffix(".tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(part)
    return frame


def run_to_folder(
    scenario: Scenario, out: Path, *, progress: Callable[[int], None] | None = None
) -> dict[str, pd.DataFrame]:
    """Run all replications into ``out``; returns the monthly, yearly and summary frames."""
    parts = _prepare(out, "monthly", scenario)
    frames = []
    for rep in range(scenario.replications):
        part = parts / f"replication-{rep:04d}.parquet"
        frames.append(_run_or_reuse(part, lambda rep=rep: monthly_frame(single_run(scenario, rep))))
        if progress is not None:
            progress(rep + 1)
    for f in parts.glob("replication-*.parquet"):
        if int(f.stem.split("-")[1]) >= scenario.replications:
            f.unlink()
    monthly = pd.concat(frames, ignore_index=True)
    monthly.to_parquet(out / "monthly.parquet", index=False)
    yearly = yearly_frame(monthly)
    summary = summary_frame(yearly, population=scenario.population, future=scenario.future)
    for frame in (yearly, summary):
        frame.insert(0, "scenario_hash", scenario.content_hash()[:12])
    summary.to_csv(out / "summary.csv", index=False)
    yearly.to_csv(out / "yearly.csv", index=False)
    return {"monthly": monthly, "yearly": yearly, "summary": summary}


def compare_to_folder(
    scenario: Scenario,
    out: Path,
    *,
    progress: Callable[[int], None] | None = None,
    independent: bool = False,
) -> dict[str, pd.DataFrame]:
    """Run a paired comparison into ``out``, each run written as it finishes (resumable).

    Writes ``monthly.parquet`` (tidy, with ``variant`` and ``effects``), ``paired.csv`` (per
    replication, against the baseline), ``costs.csv`` (by financial year and line) and
    ``summary.csv`` (intervals and the finance lead's figures).
    """
    parts = _prepare(out, "runs", scenario, independent=independent)
    frames = []
    for i, (key, sc, sampled) in enumerate(plan(scenario, scenario.replications)):
        part = parts / f"{key.file_stem}.parquet"
        frames.append(
            _run_or_reuse(
                part,
                lambda key=key, sc=sc, sampled=sampled: run_one(
                    key, sc, sampled, independent=independent
                ),
            )
        )
        if progress is not None:
            progress(i + 1)
    monthly = pd.concat(frames, ignore_index=True)
    monthly.to_parquet(out / "monthly.parquet", index=False)
    book = scenario.cost_book()
    paired, costs = paired_results(monthly, scenario, book)
    summary = summarise(paired)
    paired.drop(columns=["cumulative_net_saving"]).to_csv(out / "paired.csv", index=False)
    costs.to_csv(out / "costs.csv", index=False)
    summary.to_csv(out / "summary.csv", index=False)
    return {"monthly": monthly, "paired": paired, "costs": costs, "summary": summary}
