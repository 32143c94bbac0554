"""``csc-sim calibrate`` and ``csc-sim backtest``: what they do and print.

Their arguments are in :mod:`calibration.cli_arguments`, which the ``csc_sim.commands`` entry
points hand to ``sim.cli``: ``sim`` never imports calibration.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from calibration import ees
from calibration.backtest import (
    backtest_council,
    backtest_or_reason,
    backtest_record,
    coverage_frame,
    later_year,
    summarise_backtest,
)
from calibration.council import (
    FULL_FIT,
    calibrate,
    calibrate_to_file,
    plain,
    write_council_file,
)
from calibration.future import STOCK_PULL
from calibration.placement_stock import match_own_stock
from sim.experiments.batch import dask_client
from sim.inputs.scenario import ScenarioError


def _each_council(
    todo: Sequence[ees.Area],
    task: Callable[..., Any],
    task_args: Callable[[ees.Area], tuple],
    keep: Callable[[ees.Area, Any], None],
    args: argparse.Namespace,
    bar: tqdm,
    **extra: Any,
) -> None:
    """``task(*task_args(area), iterations=..., **extra)`` for each council, ``keep`` as each
    finishes.

    On Dask workers when there are several councils and more than one worker is allowed,
    otherwise one after another in this process.
    """
    options = {"iterations": args.iterations, "polish_rounds": args.polish, **extra}
    if len(todo) > 1 and (args.scheduler or args.workers != 1):
        # dask.distributed adds about half a second to the start: imported only for workers
        from dask.distributed import as_completed

        with dask_client(args.workers, args.scheduler) as client:
            futures = {client.submit(task, *task_args(a), **options, pure=False): a for a in todo}
            for future in as_completed(futures):
                keep(futures[future], future.result())
                bar.update(1)
    else:
        for area in todo:
            keep(area, task(*task_args(area), **options))
            bar.update(1)


# calibrate --------------------------------------------------------------------------------------


def _fit_steps(args: argparse.Namespace) -> int:
    """The simulations a fit reports as it goes: its iterations, polishing rounds and the
    polished fit's own check (for the progress bar)."""
    return args.iterations + (args.polish + 1 if args.polish else 0)


def _with_polish(args: argparse.Namespace) -> argparse.Namespace:
    """``--polish`` as given, or the full fit's rounds (the parser stays light: it does not
    import the fit)."""
    if args.polish is None:
        args.polish = FULL_FIT.polish_rounds
    return args


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Calibrate one council (to its published figures and files) and write its parameter file."""
    args = _with_polish(args)
    if args.all:
        return _calibrate_all(args)
    area = ees.find_area(args.la)
    params, rows = _fit_council(area, args)
    if not args.json:
        print(
            "placing its children in care as the council does, on the fitted stays...",
            file=sys.stderr,
        )
    match_own_stock(params)  # the fit moved the stays, and with them the placements held
    prov = params["provenance"]
    if args.backtest:
        prov.update(_backtest_for_provenance(area.name, prov["reference_year"], args))
    out = args.out or Path("councils") / f"{area.slug}.yaml"
    write_council_file(params, out)
    if args.json:
        print(
            json.dumps(
                plain(
                    {
                        "council": area.name,
                        "file": str(out),
                        "population": params["_population"],
                        **prov,
                    }
                ),
                indent=2,
            )
        )
        return 0
    _print_calibration(area, params, rows, args)
    print(
        f"\nWrote {out}: name it in a scenario with `council: {area.slug}` "
        f"(from this folder) or `council: {out}`"
    )
    return 0


def _fit_council(area: ees.Area, args: argparse.Namespace) -> tuple[dict, list]:
    files = {
        k: v
        for k, v in (("ssda903", args.ssda903), ("cin", args.cin), ("annex_a", args.annex_a))
        if v
    }
    with tqdm(
        total=_fit_steps(args),
        desc=f"calibrating {area.name}",
        unit="fit",
        file=sys.stderr,
        disable=args.json,
    ) as bar:
        return calibrate(
            area.name,
            year=args.year,
            iterations=args.iterations,
            polish_rounds=args.polish,
            council_files=files or None,
            log=lambda _: bar.update(1),
        )


def _backtest_for_provenance(council: str, year: str, args: argparse.Namespace) -> dict:
    """Back-test the calibration on its reference year, for the parameter file's provenance."""
    with tqdm(
        total=_fit_steps(args), desc="back-testing", unit="fit", file=sys.stderr, disable=args.json
    ) as bar:
        try:
            frame = backtest_council(
                council,
                year,
                iterations=args.iterations,
                polish_rounds=args.polish,
                projection_replications=16,
                log=lambda _: bar.update(1),
            )
        except ValueError as exc:
            return {"backtest_note": f"not available: {exc}"}
    if frame.empty:
        return {"backtest_note": f"not available: no published figures to compare in {year}"}
    return {
        "backtest_hold_out": year,
        "backtest_how": "calibrated on the published figures up to the year before, projected "
        f"{year} (16 runs at the council's size, each with a future drawn from its and its "
        "neighbours' published changes), compared with what DfE published; errors are % of the "
        "published figure",
        "backtest": backtest_record(frame),
    }


#: The council's files by their key in the provenance, as an analyst names them.
FILE_NAMES = {"ssda903": "SSDA903", "cin": "CIN census", "annex_a": "Annex A"}


def _print_file_problems(council_files: dict) -> None:
    """Each problem the readers met in the council's own files: file, table, field, code, rows,
    and what was done with them (aggregates only: codes that could be identifiers are withheld).
    """
    for key, used in council_files.items():
        problems = used.get("problems") or []
        if not problems:
            continue
        rows = sum(p["rows"] for p in problems)
        print(f"\n  {FILE_NAMES.get(key, key)}: {rows:,} rows could not be used as given")
        for p in problems:
            code = f", code {p['code']}" if p["code"] else ""
            rows_text = f"{p['rows']:,} row{'' if p['rows'] == 1 else 's'}"
            print(f"    {p['table']}, field {p['field']}{code}: {rows_text}: {p['done']}")


def _print_calibration(area: ees.Area, params: dict, rows: list, args: argparse.Namespace) -> None:
    prov = params["provenance"]
    print(
        f"\n{area.name}: {params['_population']:,} children; reference year "
        f"{prov['reference_year']}; statistical neighbours: "
        f"{', '.join(prov['statistical_neighbours']) or 'none'}"
    )
    print(
        f"  {'measure':<26}{'target':>10}{'simulated':>11}{'error %':>9}  {'fit':<9}"
        "(per 10,000 or %)"
    )
    for r in rows:
        print(
            f"  {r.measure:<26}{r.target:>10.1f}{r.simulated:>11.1f}{r.error_pct:>9.1f}  "
            f"{'steered' if r.steered else 'reported':<9}"
        )
    if not all(r.steered for r in rows):
        print(
            "  (reported: no parameter was moved to meet it; e.g. care exits, when the "
            "looked-after stock steers stays in care)"
        )
    for note in prov["data_notes"]:
        print(f"  note: {note}")
    _print_file_problems(prov.get("council_files", {}))
    if prov.get("backtest"):
        print(
            f"\n  Back-test: fitted on years up to the one before {prov['backtest_hold_out']}, "
            "projected it (published figures only)"
        )
        _print_backtest_rows(prov["backtest"])
    elif args.backtest:
        print(f"  back-test: {prov.get('backtest_note', 'not available')}")


def _calibrate_all(args: argparse.Namespace) -> int:
    """``calibrate --all``: a parameter file per council, on workers, resumable."""
    out = _folder_for_all(args)
    areas = ees.councils()
    todo = [a for a in areas if not (out / f"{a.slug}.yaml").exists()]  # resumable
    fitted: dict[str, float] = {}
    failed: dict[str, str] = {}

    def keep(area: ees.Area, result: tuple[str, float | None, str]) -> None:
        name, worst, why = result
        if worst is None:
            failed[name] = why
        else:
            fitted[name] = worst

    with tqdm(
        total=len(areas),
        initial=len(areas) - len(todo),
        desc="calibrating",
        unit="council",
        file=sys.stderr,
        disable=args.json,
    ) as bar:
        _each_council(
            todo, calibrate_to_file, lambda a: (a.name, out / f"{a.slug}.yaml"), keep, args, bar
        )
    worst = sorted(fitted.values())
    summary = {
        "folder": str(out),
        "councils": len(areas),
        "calibrated_now": len(fitted),
        "already_there": len(areas) - len(todo),
        "worst_level_error_pct_median": statistics.median(worst) if worst else None,
        "worst_level_error_pct_max": worst[-1] if worst else None,
        "failed": [f"{name}: {why}" for name, why in failed.items()],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print_calibrate_all(summary, out, worst)
    return 1 if failed else 0


def _folder_for_all(args: argparse.Namespace) -> Path:
    """The folder ``calibrate --all`` writes to, after refusing options meant for one council."""
    given = [f"--{k.replace('_', '-')}" for k in ("ssda903", "cin", "annex_a") if getattr(args, k)]
    if given:
        raise ScenarioError(
            f"calibrate --all: {', '.join(given)} belong to one council; use --la with them"
        )
    out = args.out or Path("councils")
    if out.suffix in (".yaml", ".yml"):
        raise ScenarioError(f"calibrate --all: --out {out} must be a folder, not a .yaml file")
    return out


def _print_calibrate_all(summary: dict, out: Path, worst: list[float]) -> None:
    print(
        f"\nCalibrated {summary['calibrated_now']} council(s) into {out}/ "
        f"({summary['already_there']} were there already). Name one in a scenario with "
        "`council: <file name without .yaml>`."
    )
    if worst:
        print(
            f"  Worst steered level per council, error against its target: median "
            f"{summary['worst_level_error_pct_median']:.1f}%, largest {worst[-1]:.1f}%"
        )
    for line in summary["failed"]:
        print(f"  not calibrated: {line}")


# backtest ---------------------------------------------------------------------------------------


def cmd_backtest(args: argparse.Namespace) -> int:
    """Fit each council on the years up to ``--horizon`` before the hold-out year, project it to
    the hold-out year, compare each projected year with what was published, summarise."""
    args = _with_polish(args)
    if args.fits is not None and not args.fits.is_dir():
        raise ScenarioError(
            f"backtest --fits: {args.fits} is not a folder (give the fits/ folder of an earlier "
            "back-test's results)"
        )
    targets = ees.councils() if args.all else [ees.find_area(args.la)]
    suffix = "" if args.horizon == 1 else f"-horizon-{args.horizon}"
    out = args.out or Path("results") / f"backtest-{args.hold_out}{suffix}"
    out.mkdir(parents=True, exist_ok=True)
    parts = out / "councils"
    parts.mkdir(exist_ok=True)
    pull = STOCK_PULL if args.stock_pull is None else args.stock_pull
    _same_stock_pull(out, pull)
    failed, fits = _backtest_councils(targets, parts, args, pull)
    # put together in the councils' order, whatever order they finished in
    frames = [
        pd.read_csv(parts / f"{a.slug}.csv") for a in targets if (parts / f"{a.slug}.csv").exists()
    ]
    failed_lines = [f"{name}: {why}" for name, why in failed.items()]
    results = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    summary = summarise_backtest(results) if not results.empty else pd.DataFrame()
    results.to_csv(out / "results.csv", index=False)
    summary.to_csv(out / "summary.csv", index=False)
    if not summary.empty:  # in the shipped format of sim/data/reference/backtest_coverage.csv
        coverage_frame(summary, args.hold_out, args.horizon).to_csv(
            out / "coverage.csv", index=False
        )
    if args.json:
        print(
            json.dumps(
                {
                    "hold_out": args.hold_out,
                    "horizon": args.horizon,
                    "councils": len(targets),
                    "failed": failed_lines,
                    "summary": summary.to_dict(orient="records"),
                },
                indent=2,
                default=float,
            )
        )
        return 0
    fitted = later_year(args.hold_out, -args.horizon)
    print(
        f"\nBack-test: fitted on years up to {fitted}, projected {args.horizon} year(s) to "
        f"{args.hold_out}; {len(frames)} council(s)"
    )
    _print_fits_kept(args.fits, fits, args.stock_pull)
    if len(frames) == 1:  # one council: its figures, not medians over one
        _print_backtest_rows(backtest_record(results))
        print(f"Results: {out}/results.csv")
        return 0
    _print_backtest_summary(summary, failed_lines)
    print(f"Results: {out}/results.csv (per council and measure), {out}/summary.csv")
    return 0


def _same_stock_pull(out: Path, pull: float) -> None:
    """Record in ``out`` the stock pull its councils are projected with (``stock_pull.txt``), and
    refuse to resume a folder projected with another: a run that resumes keeps the councils
    already done, so mixing pulls would give a summary of neither."""
    marker = out / "stock_pull.txt"
    # a folder from before the marker was projected with the default
    before = float(marker.read_text(encoding="utf-8")) if marker.exists() else STOCK_PULL
    if before != pull and any((out / "councils").glob("*.csv")):
        raise ScenarioError(
            f"backtest --out {out}: its councils were projected with --stock-pull {before:g}, "
            f"this run asks for {pull:g}; give another --out (a run resumes with what is done)"
        )
    marker.write_text(f"{pull:g}\n", encoding="utf-8")


def _print_fits_kept(folder: Path | None, fits: dict[str, int], stock_pull: float | None) -> None:
    """With ``--fits``: how many councils this run projected from kept fits, and fitted anew;
    with ``--stock-pull``: the share it projected with."""
    if folder is not None:
        why = " (no kept fit with the same settings)" if fits["new"] else ""
        print(
            f"  This run projected {fits['kept']} council(s) from fits kept in {folder} and "
            f"fitted {fits['new']} anew{why}"
        )
    if stock_pull is not None:
        print(
            f"  Looked after projected closing {stock_pull:g} of the gap to the neighbours' "
            f"rate a year (the model's default: {STOCK_PULL:g})"
        )


def _backtest_councils(
    targets: list[ees.Area], parts: Path, args: argparse.Namespace, pull: float
) -> tuple[dict[str, str], dict[str, int]]:
    """Back-test the councils not done yet, each written to ``parts`` as it finishes, projected
    with the stock pull ``pull``.

    Returns why each council that could not be back-tested was not, and how many of this run's
    councils were projected from kept fits (``kept``) and fitted anew (``new``).
    """
    todo = [a for a in targets if not (parts / f"{a.slug}.csv").exists()]  # resumable
    failed: dict[str, str] = {}
    fits = {"kept": 0, "new": 0}

    def keep(area: ees.Area, result: tuple[pd.DataFrame | None, str]) -> None:
        frame, reason = result
        if frame is None:
            failed[area.name] = reason
            return
        fits[frame.attrs.get("fit", "new")] += 1
        if not frame.empty:  # written as it finishes: an interrupted run loses nothing
            frame.to_csv(parts / f"{area.slug}.csv", index=False)

    with tqdm(
        total=len(targets),
        initial=len(targets) - len(todo),
        desc="back-testing",
        unit="council",
        file=sys.stderr,
        disable=args.json,
    ) as bar:
        _each_council(
            todo,
            backtest_or_reason,
            lambda a: (a.name, args.hold_out),
            keep,
            args,
            bar,
            horizon=args.horizon,
            projection_replications=args.replications,
            keep_fit=parts.parent / "fits",
            reuse_fits=args.fits,
            stock_pull=pull,
        )
    return failed, fits


def _print_backtest_rows(records: list[dict]) -> None:
    """One council's back-test per measure (``calibration.backtest.backtest_record``)."""
    print(
        f"  {'year':<9}{'measure':<26}{'published':>10}{'model':>9}{'90% range':>17}"
        f"{'error %':>9}{'last year %':>13}"
    )
    for r in records:
        low, high = r["range_90"]
        print(
            f"  {r['year']:<9}{r['measure']:<26}{r['published']:>10,.0f}{r['model']:>9,.0f}"
            f"{f'{low:,.0f}-{high:,.0f}':>17}"
            f"{r['error_pct']:>+9.1f}{r['same_as_last_year_abs_error_pct']:>13.1f}"
        )


def _print_backtest_summary(summary: pd.DataFrame, failed_lines: list[str]) -> None:
    print(
        f"  {'years ahead':<12}{'measure':<18}{'model median':>13}{'p90':>7}{'last year':>11}"
        f"{'trend':>8}{'beats last yr':>15}{'beats trend':>13}   (absolute % error)"
    )
    for _, r in summary.iterrows():
        print(
            f"  {r['horizon']:<12}{r['measure']:<18}{r['model_median_ape']:>13.1f}"
            f"{r['model_p90_ape']:>7.1f}{r['last_year_median_ape']:>11.1f}"
            f"{r['trend_median_ape']:>8.1f}{r['model_beats_last_year']:>15.0%}"
            f"{r['model_beats_trend']:>13.0%}"
        )
    print(
        "  How often the published figure fell inside the model's ranges "
        "(share of councils; aim: near the range's own %):"
    )
    print(
        f"  {'years ahead':<12}{'measure':<18}{'50% range':>10}{'80% range':>10}{'90% range':>10}"
    )
    for _, r in summary.iterrows():
        print(
            f"  {r['horizon']:<12}{r['measure']:<18}{r['inside_50']:>10.0%}"
            f"{r['inside_80']:>10.0%}{r['inside_90']:>10.0%}"
        )
    print(
        "  chance error (standard error) of the model's median / of how often it beats last "
        "year: "
        + "; ".join(
            f"{r['measure']} {r['model_median_ape_se']:.1f} / {r['model_beats_last_year_se']:.0%}"
            for _, r in summary.iterrows()
        )
    )
    for f in failed_lines:
        print(f"  not back-tested: {f}")
