"""``csc-sim run`` (a scenario's replications, written and summarised) and ``csc-sim validate``."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from sim.cli.common import (
    json_header,
    print_population,
    print_running_notes,
    scenario_from_args,
)
from sim.core.measures import MEASURES
from sim.experiments.batch import plan
from sim.experiments.runner import run_to_folder
from sim.inputs.scenario import Scenario, load_scenario
from sim.inputs.sweep import load_sweep
from sim.inputs.yaml_files import read_yaml
from sim.reporting.labels import level_range_words

HEADLINE = (
    "referrals",
    "rereferral_rate",
    "assessments",
    "s47_enquiries",
    "icpcs",
    "cp_plans_started",
    "cp_repeat_rate",
    "care_entries",
    "care_proceedings",
    "children_in_need",
    "cp_plans",
    "looked_after",
    "children_in_proceedings",
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


def cmd_run(args: argparse.Namespace) -> int:
    """Run the scenario's replications into the results folder and print what came out."""
    scenario = scenario_from_args(args)
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
                    **json_header(scenario, out),
                    "financial_year": fys[0],
                    "summary": rows,
                },
                indent=2,
            )
        )
        return 0
    _print_first_year(scenario, fys[0], rows)
    if len(fys) > 1:
        _print_by_year(summary, fys)
    print(f"\nResults: {out}/summary.csv (by financial year), {out}/monthly.parquet (by month)")
    return 0


def _summary_rows(summary: pd.DataFrame, first_fy: str) -> list[dict]:
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


def _print_first_year(scenario: Scenario, first_fy: str, rows: list[dict]) -> None:
    print(
        f"\n{scenario.name}: {scenario.population:,} children, {scenario.replications} "
        f"replications, seed {scenario.seed}, from {scenario.start_date}"
    )
    print_population(scenario)
    print_running_notes(scenario)
    print(f"First financial year {first_fy} (mean, with 5th-95th percentile across replications):")
    for r in rows:
        print(
            f"  {r['label']:<42} {r['mean']:>10,.1f}  "
            f"({r['p5']:,.1f} to {r['p95']:,.1f}) {r['unit']}"
        )
    print(textwrap.fill(level_range_words(scenario.future, scenario.replications), width=100))


def _print_by_year(summary: pd.DataFrame, fys: list[str]) -> None:
    print("\nBy financial year (mean across replications):")
    print(f"  {'':<28}" + "".join(f"{fy:>10}" for fy in fys))
    for name in BY_YEAR:
        sel = summary[summary["measure"] == name].set_index("financial_year")["mean"]
        values = "".join(f"{sel.get(fy, float('nan')):>10,.0f}" for fy in fys)
        print(f"  {MEASURES[name].label[:28]:<28}{values}")


def cmd_validate(args: argparse.Namespace) -> int:
    """Load the file as a sweep (it has a base and a list of parameters) or as a scenario."""
    raw = read_yaml(args.file)
    if "base" in raw and "parameters" in raw and isinstance(raw["parameters"], list):
        return _validate_sweep(args)
    scenario = load_scenario(args.file)
    print(
        f"{args.file}: OK: scenario '{scenario.name}', council {scenario.council}, "
        f"{scenario.population:,} children, {scenario.years:g} years, "
        f"{scenario.replications} replications"
    )
    print_population(scenario)
    return 0


def _validate_sweep(args: argparse.Namespace) -> int:
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
