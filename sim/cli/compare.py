"""``csc-sim compare``: policy variants against the baseline, paired on the same families."""

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
from sim.core.calendar import Calendar
from sim.experiments.comparison import BASELINE
from sim.experiments.runner import compare_to_folder
from sim.inputs.scenario import Scenario, ScenarioError
from sim.reporting.labels import (
    COMPARE_ROWS,
    UNCERTAINTY_HEADING,
    UNCERTAINTY_NOTE,
    cost_sources,
    difference_range_words,
    figure_text,
    label,
    rough_range,
)
from sim.reporting.verdict import period, runs_already, summary_verdict, where_words


def cmd_compare(args: argparse.Namespace) -> int:
    """Run the baseline and each variant on the same families, write and print the differences."""
    scenario = scenario_from_args(args)
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
        header = {
            **json_header(scenario, out),
            "already_running": scenario.running_notes(),
            "unit_costs": cost_sources(
                scenario.cost_book(),
                [p for ps in scenario.compared_variants().values() for p in ps],
            ),
        }
        print(json.dumps({**header, "summary": rows}, indent=2, default=str))
        return 0
    _print_comparison(scenario, variants, summary)
    policies = [p for ps in scenario.compared_variants().values() for p in ps]
    print(cost_sources(scenario.cost_book(), policies))
    print(f"Results: {out}/summary.csv, paired.csv, costs.csv, monthly.parquet")
    return 0


def _print_comparison(scenario: Scenario, variants: dict, summary: pd.DataFrame) -> None:
    cal = Calendar.from_start(scenario.start_date, scenario.months)
    end = cal.date_of(cal.end_day - 1)
    print(
        f"\n{scenario.name}: {scenario.population:,} children, {scenario.start_date} to {end}, "
        f"{scenario.replications} paired replications, seed {scenario.seed}"
    )
    print_population(scenario)
    print_running_notes(scenario)
    for name in variants:
        if name == BASELINE:
            continue
        _print_variant(name, variants[name], summary)
        _print_verdict(scenario, name, variants[name], summary)
    rough = " (rough: fewer than 10)" if rough_range(scenario.replications) else ""
    print(
        f"\nRanges are 5th to 95th percentiles across replications{rough}. "
        f"{UNCERTAINTY_NOTE}.\nSavings are against the same families under today's way of "
        "working."
    )
    print(textwrap.fill(difference_range_words(scenario.replications), width=100))


def _print_verdict(scenario: Scenario, name: str, policies: list, summary: pd.DataFrame) -> None:
    """The variant's verdict in one sentence, from the figures above (effects sampled)."""
    said = summary_verdict(
        summary,
        name,
        where_words(scenario),
        scenario.years,
        covers=period(scenario.start_date, scenario.months),
        already_runs=runs_already(policies),
    )
    print(textwrap.fill(f"In a sentence ({UNCERTAINTY_HEADING}): {said}", width=100,
                        initial_indent="  ", subsequent_indent="  "))  # fmt: skip


def _print_variant(name: str, policies: list, summary: pd.DataFrame) -> None:
    starts = ", ".join(f"{p.name} from {p.start_date}" for p in policies)
    print(f"\n{name}  ({starts}) against today's way of working")
    print(f"  {'':<46}{'effects at central values':<36}{UNCERTAINTY_HEADING}")
    for m in COMPARE_ROWS:
        cells = []
        for effects in ("central", "sampled"):
            r = summary[
                (summary["variant"] == name)
                & (summary["effects"] == effects)
                & (summary["measure"] == m)
            ].iloc[0]
            cells.append(figure_text(m, r["mean"], r["p5"], r["p95"]))
        print(f"  {label(m)[:45]:<46}{cells[0]:<36}{cells[1]}")
