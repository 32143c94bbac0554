"""``csc-sim sweep`` and ``csc-sim sensitivity``: a sweep file's points on Dask, then what moved."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from sim.experiments.batch import run_sweep
from sim.inputs.sweep import load_sweep
from sim.reporting.labels import figure_text
from sim.reporting.sensitivity_charts import write_analysis


class _SweepProgress:
    """Two progress bars on stderr: the runs, then the tables made from them."""

    def __init__(self, name: str, quiet: bool) -> None:
        self.quiet = quiet
        self.runs_bar = tqdm(desc=f"{name}: runs", unit="run", file=sys.stderr, disable=quiet)
        self.tables_bar = None

    def runs(self, done: int, failed: int, total: int) -> None:
        self.runs_bar.total = total
        self.runs_bar.n = done
        self.runs_bar.set_postfix(failed=failed, refresh=False)
        self.runs_bar.refresh()

    def tables(self, done: int, total: int) -> None:
        if self.tables_bar is None:
            self.runs_bar.close()
            self.tables_bar = tqdm(
                total=total, desc="tables", unit="point", file=sys.stderr, disable=self.quiet
            )
        self.tables_bar.n = done + 1
        self.tables_bar.refresh()


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run the sweep's points (resuming what is done), print the best points and any failures."""
    sweep = load_sweep(args.sweep)
    out = args.out or Path("results") / sweep.spec.name
    bars = _SweepProgress(sweep.spec.name, quiet=args.json)
    try:
        outcome = run_sweep(
            sweep,
            out,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=bars.runs,
            tables_progress=bars.tables,
        )
        if bars.tables_bar is not None:
            bars.tables_bar.close()
    except KeyboardInterrupt:
        bars.runs_bar.close()
        print(
            f"interrupted: {bars.runs_bar.n} finished runs are kept in {out}; run the same "
            "command to go on",
            file=sys.stderr,
        )
        return 130
    bars.runs_bar.close()
    problems = outcome.failed + outcome.invalid_points
    if args.json:
        print(json.dumps(_sweep_record(sweep, out, outcome), indent=2, default=str))
        return 1 if problems else 0
    _print_sweep(sweep, out, outcome)
    if problems:
        print(
            f"{len(problems)} point(s) or run(s) failed (see {out}/failed.jsonl); the rest are "
            "in the results",
            file=sys.stderr,
        )
        return 1
    return 0


def _sweep_record(sweep, out: Path, outcome) -> dict:
    return {
        "sweep": sweep.spec.name,
        "out": str(out),
        "points": len(sweep.points),
        "runs": outcome.total,
        "made": outcome.made,
        "reused": outcome.reused,
        "failed": outcome.failed,
        "invalid_points": outcome.invalid_points,
        "seconds": round(outcome.seconds, 1),
    }


def _print_sweep(sweep, out: Path, outcome) -> None:
    print(
        f"\n{sweep.spec.name}: {len(sweep.points)} points x {sweep.replications} replications = "
        f"{outcome.total} runs ({outcome.made} made now, {outcome.reused} already done) in "
        f"{outcome.seconds:.0f} s"
    )
    for bad in outcome.invalid_points:
        print(f"  point {bad['point_id']} not run: {bad['error']}", file=sys.stderr)
    for f in outcome.failed:
        print(
            f"  run failed for point(s) {f['points']} {f['values']}: {f['error']}",
            file=sys.stderr,
        )
    points = outcome.tables.get("points")
    if points is not None and "npv_net_saving_gbp" in points:
        print("Best points by net present value of the saving (mean over replications):")
        inputs = [p.name for p in sweep.spec.parameters]
        for _, r in points.head(5).iterrows():
            values = ", ".join(f"{k.split('.')[-1]}={_short(r[k])}" for k in inputs)
            npv = figure_text("npv_net_saving_gbp", r["npv_net_saving_gbp"])
            print(
                f"  #{r['rank']} point {r['point_id']}: NPV {npv}, care entries averted "
                f"{r['care_entries_averted']:.1f}  ({values})"
            )
    print(f"Results: {out}/points.csv, paired.parquet, yearly.parquet, runs/ (query with DuckDB)")


def _short(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Sobol' indices and a tornado chart of a sweep's results, written beside them and printed."""
    written = write_analysis(args.folder)
    results = written["results"]
    sobol = written.get("sobol")
    if args.json:
        print(
            json.dumps(
                {
                    "folder": str(args.folder),
                    "design": results.spec.design.method,
                    "sobol": None if sobol is None else sobol.to_dict(orient="records"),
                    "tornado": written["tornado"].to_dict(orient="records"),
                },
                indent=2,
                default=str,
            )
        )
        return 0
    print(f"{results.spec.name}: {len(results.points)} points analysed")
    if sobol is not None:
        _print_sobol(results, sobol)
    else:
        print("(Sobol' indices need design.method sobol; the tornado chart works for any design)")
    for out, g in written["tornado"].groupby("output", sort=False):
        print(f"\nWhat moves {results.outputs[out]} most (mean where the input is low -> high):")
        for r in g.head(6).itertuples():
            print(f"  {results.labels[r.input][:57]:<58}{r.when_low:>14,.1f} -> {r.when_high:,.1f}")
    files = "sensitivity.csv, " if sobol is not None else ""
    png = "tornado.png, " if "png" in written else ""
    print(f"\nWritten: {args.folder}/{files}tornado.html, {png}tornado.csv, ranked.csv")
    if "png_error" in written:
        print(f"tornado.png not written: {written['png_error']}", file=sys.stderr)
    return 0


def _print_sobol(results, sobol) -> None:
    for out, g in sobol.groupby("output", sort=False):
        print(f"\nSobol' indices for {results.outputs[out]} (95% intervals):")
        print(f"  {'input':<58}{'first-order':>18}{'total':>18}")
        for r in g.sort_values("ST", ascending=False).itertuples():
            print(
                f"  {results.labels[r.input][:57]:<58}"
                f"{r.S1:>8.2f} ± {r.S1_conf:<7.2f}{r.ST:>10.2f} ± {r.ST_conf:<6.2f}"
            )
