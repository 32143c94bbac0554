"""The ``csc-sim`` command line: run a scenario, validate a file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sim.core.measures import MEASURES
from sim.inputs.scenario import ScenarioError, load_scenario

HEADLINE = (
    "referrals",
    "rereferral_rate",
    "assessments",
    "s47_enquiries",
    "icpcs",
    "cp_plans_started",
    "cp_repeat_rate",
    "care_entries",
    "children_in_need",
    "cp_plans",
    "looked_after",
    "early_help",
    "waiting_allocation",
    "caseload_per_sw",
)


BY_YEAR = (
    "referrals",
    "cp_plans_started",
    "care_entries",
    "children_in_need",
    "cp_plans",
    "looked_after",
)


def _scenario_options(parser: argparse.ArgumentParser, default_out: str) -> None:
    """A scenario file and the top-level fields the command line may override."""
    parser.add_argument("scenario", type=Path, help="scenario YAML file")
    parser.add_argument("--replications", type=int, help="override the scenario's replications")
    parser.add_argument("--seed", type=int, help="override the scenario's seed")
    parser.add_argument("--population", type=int, help="children aged 0-17 (override)")
    parser.add_argument("--years", type=float, help="projection horizon in years (override)")
    parser.add_argument("--out", type=Path, help=f"results folder (default {default_out})")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="csc-sim",
        description=(
            "Simulate children's social care for an English council: families from contact to "
            "early help, child in need, child protection and care."
        ),
    )
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario's replications and write results")
    _scenario_options(run, "results/<scenario name>")
    cmp_ = sub.add_parser("compare", help="compare policy variants with the baseline (paired)")
    _scenario_options(cmp_, "results/<name>-compare")
    cmp_.add_argument(
        "--independent",
        action="store_true",
        help="give variants their own random numbers (only to show what pairing buys)",
    )
    cal = sub.add_parser("calibrate", help="calibrate to a council's published figures (and files)")
    who_cal = cal.add_mutually_exclusive_group(required=True)
    who_cal.add_argument("--la", help="council name or code (e.g. 'Telford and Wrekin')")
    who_cal.add_argument(
        "--all",
        action="store_true",
        help="every council in the DfE tables, from published figures only: one file each in "
        "--out (a folder, default councils/); resumes, skipping files already written",
    )
    cal.add_argument("--year", help="reference year, e.g. 2024-25 (default: the latest)")
    cal.add_argument(
        "--903",
        dest="ssda903",
        type=Path,
        nargs="+",
        help="the council's SSDA903 files or folders (CSV or XML)",
    )
    cal.add_argument("--cin", type=Path, nargs="+", help="the council's CIN census XML file(s)")
    cal.add_argument("--annex-a", dest="annex_a", type=Path, help="the council's Annex A workbook")
    cal.add_argument("--out", type=Path, help="parameter file (default councils/<council>.yaml)")
    cal.add_argument("--iterations", type=int, default=14, help="fit iterations (default 14)")
    cal.add_argument(
        "--no-backtest",
        dest="backtest",
        action="store_false",
        help="skip the back-test (fit on the years before the reference year, project it) "
        "whose errors the file keeps for reports",
    )
    cal.add_argument(
        "--workers",
        type=int,
        help="local worker processes for --all (default: one per core; 1: in this process)",
    )
    cal.add_argument("--scheduler", help="address of an existing Dask scheduler, for --all")
    cal.add_argument("--json", action="store_true", help="print the fit report as JSON")
    bt = sub.add_parser("backtest", help="fit on years up to Y-1, project Y, compare")
    who = bt.add_mutually_exclusive_group(required=True)
    who.add_argument("--la", help="council name or code")
    who.add_argument("--all", action="store_true", help="every council in the DfE tables")
    bt.add_argument("--hold-out", required=True, help="year to project, e.g. 2024-25")
    bt.add_argument("--out", type=Path, help="results folder (default results/backtest-<year>)")
    bt.add_argument(
        "--iterations", type=int, default=14, help="fit iterations per council (default 14)"
    )
    bt.add_argument(
        "--workers",
        type=int,
        help="local worker processes for --all (default: one per core; 1: in this process)",
    )
    bt.add_argument(
        "--scheduler", help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786"
    )
    bt.add_argument("--json", action="store_true", help="print the summary as JSON")
    sw = sub.add_parser("sweep", help="run a sweep file's points on Dask (resumable)")
    sw.add_argument("sweep", type=Path, help="sweep YAML file")
    sw.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    sw.add_argument(
        "--scheduler", help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786"
    )
    sw.add_argument("--out", type=Path, help="results folder (default results/<sweep name>)")
    sw.add_argument("--json", action="store_true", help="print what was done as JSON")
    sens = sub.add_parser(
        "sensitivity", help="Sobol' indices, tornado chart and points ranked by NPV of a sweep"
    )
    sens.add_argument("folder", type=Path, help="a sweep's results folder")
    sens.add_argument("--json", action="store_true", help="print the indices as JSON")
    val = sub.add_parser("validate", help="check a scenario or sweep file and say what is wrong")
    val.add_argument("file", type=Path)
    rep = sub.add_parser("report", help="a funding-bid report (HTML or PDF) with a manifest")
    rep.add_argument("scenario", type=Path, help="scenario YAML file with a pilot")
    for name, kind in (("replications", int), ("seed", int), ("population", int), ("years", float)):
        rep.add_argument(f"--{name}", type=kind, help=f"override the scenario's {name}")
    rep.add_argument("--format", choices=("html", "pdf", "both"), help="default: from --out")
    rep.add_argument("--out", type=Path, help="report file (default reports/<scenario name>.html)")
    rep.add_argument("--results", type=Path, help="results folder (default as compare)")
    repro = sub.add_parser("reproduce", help="rerun a report's manifest; check every figure")
    repro.add_argument("manifest", type=Path, help="the report's .manifest.json")
    return p


def _json_header(scenario, out: Path) -> dict:
    """What every --json answer says about the run: enough to reproduce it."""
    return {
        "scenario": scenario.name,
        "scenario_hash": scenario.content_hash(),
        "seed": scenario.seed,
        "replications": scenario.replications,
        "population": scenario.population,
        "years": scenario.years,
        "results": str(out),
    }


def _summary_rows(summary, first_fy: str) -> list[dict]:
    rows = []
    for name in HEADLINE:
        sel = summary[(summary["measure"] == name) & (summary["financial_year"] == first_fy)]
        if sel.empty:
            continue
        r = sel.iloc[0]
        rows.append(
            {
                "measure": name,
                "label": MEASURES[name].label,
                "unit": MEASURES[name].unit,
                "mean": round(float(r["mean"]), 2),
                "p5": round(float(r["p5"]), 2),
                "p95": round(float(r["p95"]), 2),
            }
        )
    return rows


def _cmd_run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.experiments.runner import run_to_folder

    scenario = _scenario_from_args(args)
    out = args.out or Path("results") / scenario.name
    with tqdm(
        total=scenario.replications,
        desc=f"{scenario.name}: replications",
        unit="rep",
        file=sys.stderr,
        disable=args.json,
    ) as bar:
        frames = run_to_folder(scenario, out, progress=lambda n: bar.update(n - bar.n))
    summary = frames["summary"]
    fys = sorted(summary["financial_year"].unique())
    rows = _summary_rows(summary, fys[0])
    if args.json:
        print(
            json.dumps(
                {
                    **_json_header(scenario, out),
                    "financial_year": fys[0],
                    "summary": rows,
                },
                indent=2,
            )
        )
        return 0
    print(
        f"\n{scenario.name}: {scenario.population:,} children, {scenario.replications} "
        f"replications, seed {scenario.seed}, from {scenario.start_date}"
    )
    print(f"First financial year {fys[0]} (mean, with 5th-95th percentile across replications):")
    for r in rows:
        print(
            f"  {r['label']:<42} {r['mean']:>10,.1f}  "
            f"({r['p5']:,.1f} to {r['p95']:,.1f}) {r['unit']}"
        )
    if len(fys) > 1:
        print("\nBy financial year (mean across replications):")
        print(f"  {'':<28}" + "".join(f"{fy:>10}" for fy in fys))
        for name in BY_YEAR:
            sel = summary[summary["measure"] == name].set_index("financial_year")["mean"]
            values = "".join(f"{sel.get(fy, float('nan')):>10,.0f}" for fy in fys)
            print(f"  {MEASURES[name].label[:28]:<28}{values}")
    print(f"\nResults: {out}/summary.csv (by financial year), {out}/monthly.parquet (by month)")
    return 0


def _scenario_from_args(args: argparse.Namespace):
    scenario = load_scenario(args.scenario)
    changes = {
        k: v
        for k, v in (
            ("replications", args.replications),
            ("seed", args.seed),
            ("population", args.population),
            ("years", args.years),
        )
        if v is not None
    }
    if changes:
        try:
            scenario = scenario.with_changes(**changes)
        except ValueError as exc:
            raise ScenarioError(f"command line: {exc}") from None
    return scenario


def _fmt(measure: str, mean, p5=None, p95=None) -> str:
    if isinstance(mean, str):
        return mean
    if mean != mean:  # nan
        return "n/a"
    if measure.startswith("prob_"):
        return f"{mean:.0%}"
    if measure == "return_per_pound":
        return f"£{mean:.2f}"
    money = measure.endswith("_gbp")
    f = (
        (lambda v: f"{'-' if v < 0 else ''}£{abs(v) / 1e6:,.2f}m")
        if money
        else (lambda v: f"{round(v):,}")
    )
    if p5 is None or p5 != p5 or p5 == p95:
        return f(mean)
    return f"{f(mean)} ({f(p5)} to {f(p95)})"


COMPARE_ROWS = (
    "care_entries_averted",
    "child_days_in_care_avoided",
    "cp_children_safely_home_gained",
    "policy_cost_gbp",
    "net_cost_gbp",
    "npv_net_saving_gbp",
    "return_per_pound",
    "payback_year",
    "prob_saves_money",
    "prob_reduces_care_entries",
    "cost_per_care_entry_averted_gbp",
)


def _cmd_compare(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.experiments.comparison import BASELINE
    from sim.experiments.costs import placeholder_items
    from sim.experiments.runner import compare_to_folder
    from sim.inputs.cost_book import load_cost_book

    scenario = _scenario_from_args(args)
    variants = scenario.compared_variants()
    if not variants:
        raise ScenarioError(
            f"{args.scenario.name}: policies: the scenario names no policy or "
            "variant to compare with the baseline"
        )
    out = args.out or Path("results") / f"{scenario.name}-compare"
    total = scenario.replications * (1 + 2 * len(variants))
    with tqdm(
        total=total, desc=f"{scenario.name}: runs", unit="run", file=sys.stderr, disable=args.json
    ) as bar:
        frames = compare_to_folder(
            scenario, out, independent=args.independent, progress=lambda n: bar.update(n - bar.n)
        )
    summary = frames["summary"]
    if args.json:
        rows = summary.replace({float("nan"): None}).to_dict(orient="records")
        print(
            json.dumps(
                {
                    **_json_header(scenario, out),
                    "summary": rows,
                },
                indent=2,
                default=str,
            )
        )
        return 0
    from sim.core.calendar import Calendar

    cal = Calendar.from_start(scenario.start_date, scenario.months)
    end = cal.date_of(cal.end_day - 1)
    print(
        f"\n{scenario.name}: {scenario.population:,} children, {scenario.start_date} to {end}, "
        f"{scenario.replications} paired replications, seed {scenario.seed}"
    )
    for name in variants:
        if name == BASELINE:
            continue
        starts = ", ".join(f"{p.name} from {p.start_date}" for p in variants[name])
        print(f"\n{name}  ({starts}) against today's way of working")
        print(f"  {'':<46}{'effects at central values':<36}{'with effect-size uncertainty'}")
        for m in COMPARE_ROWS:
            cells = []
            for effects in ("central", "sampled"):
                r = summary[
                    (summary["variant"] == name)
                    & (summary["effects"] == effects)
                    & (summary["measure"] == m)
                ].iloc[0]
                cells.append(_fmt(m, r["mean"], r["p5"], r["p95"]))
            label = summary[summary["measure"] == m].iloc[0]["label"]
            print(f"  {label[:45]:<46}{cells[0]:<36}{cells[1]}")
    print(
        "\nRanges are 5th to 95th percentiles across replications; the right-hand column also "
        "draws each\neffect size from its evidence range. Savings are against the same "
        "families under today's way of working."
    )
    flagged = placeholder_items(load_cost_book(scenario.unit_costs))
    if flagged:
        print(f"Placeholder unit costs (replace with the council's own): {', '.join(flagged)}")
    print(f"Results: {out}/summary.csv, paired.csv, costs.csv, monthly.parquet")
    return 0


def _backtest_for_provenance(council: str, year: str, args: argparse.Namespace) -> dict:
    """Back-test the calibration on its reference year, for the parameter file's provenance."""
    from tqdm import tqdm

    from calibration.backtest import RUN_POPULATION, backtest_council, backtest_record

    iterations = args.iterations
    with tqdm(
        total=iterations, desc="back-testing", unit="fit", file=sys.stderr, disable=args.json
    ) as bar:
        try:
            frame = backtest_council(
                council, year, iterations=iterations, log=lambda _: bar.update(1)
            )
        except ValueError as exc:
            return {"backtest_note": f"not available: {exc}"}
    if frame.empty:
        return {"backtest_note": f"not available: no published figures to compare in {year}"}
    return {
        "backtest_hold_out": year,
        "backtest_how": "calibrated on the published figures up to the year before, projected "
        f"{year} (runs of {RUN_POPULATION:,} children scaled to the council), compared with what "
        "DfE published; errors are % of the published figure",
        "backtest": backtest_record(frame),
    }


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from calibration.council import calibrate, plain, write_council_file
    from calibration.ees import find_area

    if args.all:
        return _cmd_calibrate_all(args)
    area = find_area(args.la)
    files = {
        k: v
        for k, v in (("ssda903", args.ssda903), ("cin", args.cin), ("annex_a", args.annex_a))
        if v
    }
    with tqdm(
        total=args.iterations,
        desc=f"calibrating {area.name}",
        unit="fit",
        file=sys.stderr,
        disable=args.json,
    ) as bar:
        params, rows = calibrate(
            area.name,
            year=args.year,
            iterations=args.iterations,
            council_files=files or None,
            log=lambda _: bar.update(1),
        )
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
    if prov.get("backtest"):
        print(
            f"\n  Back-test: fitted on years up to the one before {prov['backtest_hold_out']}, "
            "projected it (published figures only)"
        )
        _print_backtest_rows(prov["backtest"])
    elif args.backtest:
        print(f"  back-test: {prov.get('backtest_note', 'not available')}")
    print(
        f"\nWrote {out}: name it in a scenario with `council: {area.slug}` "
        f"(from this folder) or `council: {out}`"
    )
    return 0


def _cmd_calibrate_all(args: argparse.Namespace) -> int:
    """``calibrate --all``: a parameter file per council, on workers, resumable."""
    from tqdm import tqdm

    from calibration.council import calibrate_to_file
    from calibration.ees import councils

    given = [f"--{k.replace('_', '-')}" for k in ("ssda903", "cin", "annex_a") if getattr(args, k)]
    if given:
        raise ScenarioError(
            f"calibrate --all: {', '.join(given)} belong to one council; use --la with them"
        )
    out = args.out or Path("councils")
    if out.suffix in (".yaml", ".yml"):
        raise ScenarioError(f"calibrate --all: --out {out} must be a folder, not a .yaml file")
    areas = councils()
    todo = [a for a in areas if not (out / f"{a.slug}.yaml").exists()]  # resumable
    fitted: dict[str, float] = {}
    failed: dict[str, str] = {}

    def keep(name: str, worst: float | None, why: str) -> None:
        if worst is None:
            failed[name] = why
        else:
            fitted[name] = worst

    options = {"iterations": args.iterations}
    with tqdm(
        total=len(areas),
        initial=len(areas) - len(todo),
        desc="calibrating",
        unit="council",
        file=sys.stderr,
        disable=args.json,
    ) as bar:
        if len(todo) > 1 and (args.scheduler or args.workers != 1):
            from dask.distributed import as_completed

            from sim.experiments.batch import dask_client

            with dask_client(args.workers, args.scheduler) as client:
                futures = [
                    client.submit(
                        calibrate_to_file, a.name, out / f"{a.slug}.yaml", **options, pure=False
                    )
                    for a in todo
                ]
                for future in as_completed(futures):
                    keep(*future.result())
                    bar.update(1)
        else:
            for area in todo:
                keep(*calibrate_to_file(area.name, out / f"{area.slug}.yaml", **options))
                bar.update(1)
    import statistics

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
        return 1 if failed else 0
    print(
        f"\nCalibrated {len(fitted)} council(s) into {out}/ ({summary['already_there']} were "
        "there already). Name one in a scenario with `council: <file name without .yaml>`."
    )
    if worst:
        print(
            f"  Worst steered level per council, error against its target: median "
            f"{summary['worst_level_error_pct_median']:.1f}%, largest {worst[-1]:.1f}%"
        )
    for line in summary["failed"]:
        print(f"  not calibrated: {line}")
    return 1 if failed else 0


def _print_backtest_rows(records: list[dict]) -> None:
    """One council's back-test per measure (``calibration.backtest.backtest_record``)."""
    print(f"  {'measure':<26}{'published':>10}{'model':>9}{'error %':>9}{'last year %':>13}")
    for r in records:
        print(
            f"  {r['measure']:<26}{r['published']:>10,.0f}{r['model']:>9,.0f}"
            f"{r['error_pct']:>+9.1f}{r['same_as_last_year_abs_error_pct']:>13.1f}"
        )


def _cmd_backtest(args: argparse.Namespace) -> int:
    import pandas as pd
    from tqdm import tqdm

    from calibration.backtest import backtest_or_reason, summarise_backtest
    from calibration.ees import councils, find_area

    targets = councils() if args.all else [find_area(args.la)]
    out = args.out or Path("results") / f"backtest-{args.hold_out}"
    out.mkdir(parents=True, exist_ok=True)
    parts = out / "councils"
    parts.mkdir(exist_ok=True)
    todo = [a for a in targets if not (parts / f"{a.slug}.csv").exists()]  # resumable
    failed: dict[str, str] = {}

    def keep(area, frame, reason: str) -> None:
        if frame is None:
            failed[area.name] = reason
        elif not frame.empty:  # written as it finishes: an interrupted run loses nothing
            frame.to_csv(parts / f"{area.slug}.csv", index=False)

    options = {"iterations": args.iterations}
    with tqdm(
        total=len(targets),
        initial=len(targets) - len(todo),
        desc="back-testing",
        unit="council",
        file=sys.stderr,
        disable=args.json,
    ) as bar:
        if len(todo) > 1 and (args.scheduler or args.workers != 1):
            from dask.distributed import as_completed

            from sim.experiments.batch import dask_client

            with dask_client(args.workers, args.scheduler) as client:
                futures = {
                    client.submit(
                        backtest_or_reason, a.name, args.hold_out, **options, pure=False
                    ): a
                    for a in todo
                }
                for future in as_completed(futures):
                    keep(futures[future], *future.result())
                    bar.update(1)
        else:
            for area in todo:
                keep(area, *backtest_or_reason(area.name, args.hold_out, **options))
                bar.update(1)
    # put together in the councils' order, whatever order they finished in
    frames = [
        pd.read_csv(parts / f"{a.slug}.csv") for a in targets if (parts / f"{a.slug}.csv").exists()
    ]
    failed_lines = [f"{name}: {why}" for name, why in failed.items()]
    results = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    summary = summarise_backtest(results) if not results.empty else pd.DataFrame()
    results.to_csv(out / "results.csv", index=False)
    summary.to_csv(out / "summary.csv", index=False)
    if args.json:
        print(
            json.dumps(
                {
                    "hold_out": args.hold_out,
                    "councils": len(targets),
                    "failed": failed_lines,
                    "summary": summary.to_dict(orient="records"),
                },
                indent=2,
                default=float,
            )
        )
        return 0
    print(
        f"\nBack-test: fitted on years up to the one before {args.hold_out}, projected "
        f"{args.hold_out}; {len(frames)} council(s)"
    )
    if len(frames) == 1:  # one council: its figures, not medians over one
        from calibration.backtest import backtest_record

        _print_backtest_rows(backtest_record(results))
        print(f"Results: {out}/results.csv")
        return 0
    print(
        f"  {'measure':<18}{'model median':>13}{'p90':>7}{'last year':>11}{'trend':>8}"
        f"{'beats last yr':>15}{'beats trend':>13}   (absolute % error)"
    )
    for _, r in summary.iterrows():
        print(
            f"  {r['measure']:<18}{r['model_median_ape']:>13.1f}{r['model_p90_ape']:>7.1f}"
            f"{r['last_year_median_ape']:>11.1f}{r['trend_median_ape']:>8.1f}"
            f"{r['model_beats_last_year']:>15.0%}{r['model_beats_trend']:>13.0%}"
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
    print(f"Results: {out}/results.csv (per council and measure), {out}/summary.csv")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.experiments.batch import run_sweep
    from sim.inputs.sweep import load_sweep

    sweep = load_sweep(args.sweep)
    out = args.out or Path("results") / sweep.spec.name
    bar = tqdm(desc=f"{sweep.spec.name}: runs", unit="run", file=sys.stderr, disable=args.json)

    def progress(done: int, failed: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix(failed=failed, refresh=False)
        bar.refresh()

    try:
        tables_bar = None

        def tables_progress(done: int, total: int) -> None:
            nonlocal tables_bar
            if tables_bar is None:
                bar.close()
                tables_bar = tqdm(
                    total=total, desc="tables", unit="point", file=sys.stderr, disable=args.json
                )
            tables_bar.n = done + 1
            tables_bar.refresh()

        outcome = run_sweep(
            sweep,
            out,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=progress,
            tables_progress=tables_progress,
        )
        if tables_bar is not None:
            tables_bar.close()
    except KeyboardInterrupt:
        bar.close()
        print(
            f"interrupted: {bar.n} finished runs are kept in {out}; run the same command to go on",
            file=sys.stderr,
        )
        return 130
    bar.close()
    problems = outcome.failed + outcome.invalid_points
    if args.json:
        print(
            json.dumps(
                {
                    "sweep": sweep.spec.name,
                    "out": str(out),
                    "points": len(sweep.points),
                    "runs": outcome.total,
                    "made": outcome.made,
                    "reused": outcome.reused,
                    "failed": outcome.failed,
                    "invalid_points": outcome.invalid_points,
                    "seconds": round(outcome.seconds, 1),
                },
                indent=2,
                default=str,
            )
        )
        return 1 if problems else 0
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
            npv = _fmt("npv_net_saving_gbp", r["npv_net_saving_gbp"])
            print(
                f"  #{r['rank']} point {r['point_id']}: NPV {npv}, care entries averted "
                f"{r['care_entries_averted']:.1f}  ({values})"
            )
    print(f"Results: {out}/points.csv, paired.parquet, yearly.parquet, runs/ (query with DuckDB)")
    if problems:
        print(
            f"{len(problems)} point(s) or run(s) failed (see {out}/failed.jsonl); the rest are "
            "in the results",
            file=sys.stderr,
        )
        return 1
    return 0


def _short(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from sim.reporting.sensitivity_charts import write_analysis

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
        for out, g in sobol.groupby("output", sort=False):
            print(f"\nSobol' indices for {results.outputs[out]} (95% intervals):")
            print(f"  {'input':<58}{'first-order':>18}{'total':>18}")
            for r in g.sort_values("ST", ascending=False).itertuples():
                print(
                    f"  {results.labels[r.input][:57]:<58}"
                    f"{r.S1:>8.2f} ± {r.S1_conf:<7.2f}{r.ST:>10.2f} ± {r.ST_conf:<6.2f}"
                )
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


def _cmd_validate(args: argparse.Namespace) -> int:
    from sim.inputs.scenario import _read_yaml

    raw = _read_yaml(args.file)
    if "base" in raw and "parameters" in raw and isinstance(raw["parameters"], list):
        from sim.experiments.batch import plan
        from sim.inputs.sweep import load_sweep

        sweep = load_sweep(args.file)
        bad = [p for p in sweep.points if p.scenario is None]
        print(
            f"{args.file}: OK: sweep '{sweep.spec.name}' on {sweep.spec.base}, "
            f"{sweep.spec.design.method} design, {len(sweep.points)} points x "
            f"{sweep.replications} replications = {len(plan(sweep).runs)} runs"
        )
        for p in bad:
            print(f"  point {p.point_id} would not run: {p.error}", file=sys.stderr)
        return 1 if bad else 0
    scenario = load_scenario(args.file)
    print(
        f"{args.file}: OK: scenario '{scenario.name}', council {scenario.council}, "
        f"{scenario.population:,} children, {scenario.years:g} years, "
        f"{scenario.replications} replications"
    )
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.reporting.report import make_report, report_command

    scenario = _scenario_from_args(args)
    suffix = args.out.suffix.lower().lstrip(".") if args.out else ""
    fmt = args.format or (suffix if suffix in ("html", "pdf") else "html")
    out = args.out or Path("reports") / f"{scenario.name}.{'html' if fmt == 'both' else fmt}"
    overrides = {k: getattr(args, k) for k in ("replications", "seed", "population", "years")}
    runs = scenario.replications * (1 + 2 * len(scenario.compared_variants()))
    with tqdm(total=runs, desc=f"{scenario.name}: runs", unit="run", file=sys.stderr) as bar:
        written = make_report(
            scenario,
            scenario_path=args.scenario,
            out=out,
            fmt=fmt,
            results=args.results,
            command=report_command(args.scenario, overrides, fmt, out),
            progress=lambda n: bar.update(n - bar.n),
        )
    for kind, path in written.items():
        print(f"{kind}: {path}")
    return 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.reporting.manifest import read_manifest, reproduce, scenario_from_manifest

    # a file that is not a manifest fails before any progress bar
    sc = scenario_from_manifest(read_manifest(args.manifest), args.manifest.name)
    runs = sc.replications * (1 + 2 * len(sc.compared_variants()))
    with tqdm(total=runs, desc=f"reproducing {sc.name}", unit="run", file=sys.stderr) as bar:
        result = reproduce(args.manifest, progress=lambda n: bar.update(n - bar.n))
    print("\n".join(result.lines()))
    return 0 if result.identical else 1


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``csc-sim`` and ``python -m sim``."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "compare":
            return _cmd_compare(args)
        if args.command == "calibrate":
            return _cmd_calibrate(args)
        if args.command == "sweep":
            return _cmd_sweep(args)
        if args.command == "sensitivity":
            return _cmd_sensitivity(args)
        if args.command == "backtest":
            return _cmd_backtest(args)
        if args.command == "report":
            return _cmd_report(args)
        if args.command == "reproduce":
            return _cmd_reproduce(args)
        return _cmd_validate(args)
    except (ScenarioError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: finished replications are kept; run the same command to resume",
            file=sys.stderr,
        )
        return 130
