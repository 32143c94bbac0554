"""The ``csc-sim`` command line: run a scenario, validate a file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sim.outputs import MEASURES
from sim.scenario import ScenarioError, load_scenario

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
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    run.add_argument("--replications", type=int, help="override the scenario's replications")
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    run.add_argument("--population", type=int, help="children aged 0-17 (override)")
    run.add_argument("--years", type=float, help="projection horizon in years (override)")
    run.add_argument("--out", type=Path, help="results folder (default results/<scenario name>)")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    val = sub.add_parser("validate", help="check a scenario file and say what is wrong")
    val.add_argument("file", type=Path)
    return p


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

    from sim.runner import run_to_folder

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
                    "scenario": scenario.name,
                    "scenario_hash": scenario.content_hash(),
                    "seed": scenario.seed,
                    "replications": scenario.replications,
                    "population": scenario.population,
                    "financial_year": fys[0],
                    "results": str(out),
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


def _cmd_validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.file)
    print(
        f"{args.file}: OK: scenario '{scenario.name}', council {scenario.council}, "
        f"{scenario.population:,} children, {scenario.years:g} years, "
        f"{scenario.replications} replications"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``csc-sim`` and ``python -m sim``."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _cmd_run(args)
        return _cmd_validate(args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: finished replications are kept; run the same command to resume",
            file=sys.stderr,
        )
        return 130
