"""Funding-bid reports: a pilot against today's way of working, in the words councils use.

``make_report`` runs (or reads back) a scenario's paired comparison, reads every figure from the
results files it wrote (``summary.csv``, ``paired.csv``, ``costs.csv``, ``monthly.parquet``),
draws the charts, and renders one Jinja2 template (``sim/reporting/templates/report.html.j2``) to a
self-contained HTML file and, through WeasyPrint, the same HTML to PDF. Beside the report it
writes the headline figures as JSON and a reproducibility manifest (:mod:`sim.reporting.manifest`).

The report holds: a one-page summary (the pilot, where and when, children kept safely at home,
net cost and NPV, return per £1, payback year, the probability it saves money, each with its
interval and a sentence on what the interval means); charts; assumptions (council, children,
start, horizon, replications, calibration); the evidence behind each effect and unit cost,
flagging weak evidence, ranges that allow no effect, and placeholder costs; and the manifest in
brief.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from sim.experiments.runner import compare_to_folder
from sim.inputs.policies import Policy
from sim.inputs.scenario import Scenario
from sim.reporting.charts import band_chart, cost_change_chart, net_cost_spread_chart
from sim.reporting.context import (
    calibration,
    cost_table,
    council_words,
    evidence_rows,
    long_date,
    unit_cost_rows,
    where_and_when,
)
from sim.reporting.figures import headline_figures, make_figure, reading_sentence
from sim.reporting.labels import (
    DETAIL,
    HEADLINE,
    STAGE_WORDS,
    chart_title,
    cost_sources,
    difference_range_words,
    format_value,
    level_range_words,
)
from sim.reporting.manifest import build_manifest, display_path, write_json
from sim.reporting.static_charts import StaticChartError, to_svgs

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("html", "pdf", "both")
#: Below this many replications the ends of a 5th-95th percentile range are rough.
FEW_REPLICATIONS = 20


class ReportError(ValueError):
    """A report cannot be made (no pilot, no browser for charts, no PDF engine)."""


# -- charts ------------------------------------------------------------------------------------


def chart_figures(
    scenario: Scenario, monthly: pd.DataFrame, costs: pd.DataFrame, paired: pd.DataFrame
) -> list[tuple[str, Any, int]]:
    """The report's charts: (key, plotly figure, height in pixels)."""
    charts = [
        (
            measure,
            band_chart(monthly, measure, chart_title(measure), future=scenario.future),
            440,
        )
        for measure in ("looked_after", "cp_plans")
    ]
    for i, variant in enumerate(scenario.compared_variants()):
        charts.append((f"cost_{i}", cost_change_chart(costs, variant), 430))
        charts.append((f"spread_{i}", net_cost_spread_chart(paired, variant), 250))
    return charts


def render_charts(charts: list[tuple[str, Any, int]], static: bool) -> dict[str, str]:
    """Chart markup by key: static SVG images, or interactive plotly (HTML only, no browser)."""
    width = 760
    for _, fig, height in charts:
        fig.update_layout(width=width, height=height, template="plotly_white")
    if static:
        out = {}
        try:
            svgs = zip([k for k, _, _ in charts], to_svgs([f for _, f, _ in charts]), strict=True)
        except StaticChartError as exc:
            raise ReportError(f"charts: {exc}") from None
        for key, svg in svgs:
            data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
            out[key] = Markup(f'<img class="chart" alt="" src="data:image/svg+xml;base64,{data}">')
        return out
    out = {}
    for i, (key, fig, _) in enumerate(charts):
        html = fig.to_html(full_html=False, include_plotlyjs=(i == 0), config={"responsive": True})
        out[key] = Markup(f'<div class="chart">{html}</div>')
    return out


# -- the report --------------------------------------------------------------------------------


def check_reportable(scenario: Scenario, file: str) -> dict[str, list]:
    """The variants to report on; a scenario with no pilot is an error that says what to do."""
    variants = scenario.compared_variants()
    if not variants:
        raise ReportError(
            f"{file}: policies: the scenario names no policy or variant, so there is no pilot to "
            "report on; a funding-bid report compares a pilot with today's way of working "
            "(add `policies:` as scenarios/family_safeguarding.yaml does; `csc-sim run` projects "
            "today's way of working alone)"
        )
    return variants


def report_command(scenario_path: Path, overrides: dict[str, Any], fmt: str, out: Path) -> str:
    """The command that makes this report again (paths relative to the working folder)."""
    parts = ["csc-sim", "report", display_path(scenario_path)]
    for key, value in overrides.items():
        if value is True:  # a flag such as --expand-existing
            parts.append(f"--{key.replace('_', '-')}")
        elif value is not None and value is not False:
            parts += [f"--{key}", f"{value:g}" if isinstance(value, float) else str(value)]
    parts += ["--format", fmt, "--out", display_path(out)]
    return shlex.join(parts)


def report_paths(out: Path, fmt: str) -> dict[str, Path]:
    """Where each output goes: report file(s), figures JSON and manifest beside them."""
    stem = out.with_suffix("") if out.suffix.lower() in (".html", ".pdf", ".htm") else out
    paths = {}
    if fmt in ("html", "both"):
        paths["html"] = stem.with_name(stem.name + ".html")
    if fmt in ("pdf", "both"):
        paths["pdf"] = stem.with_name(stem.name + ".pdf")
    paths["figures"] = stem.with_name(stem.name + ".figures.json")
    paths["manifest"] = stem.with_name(stem.name + ".manifest.json")
    return paths


def render_html(context: dict[str, Any]) -> str:
    """The report's HTML from the Jinja2 template."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = lambda v: format_value("money", v)
    env.filters["count"] = lambda v: format_value("count", v)
    env.filters["num"] = lambda v: f"{v:g}"
    env.filters["stage"] = lambda v: STAGE_WORDS.get(v, v)
    return env.get_template("report.html.j2").render(**context)


def write_pdf(html: str, path: Path) -> Path:
    """The same HTML as a PDF, through WeasyPrint."""
    try:  # imported here: WeasyPrint is heavy, optional, and needs Pango
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise ReportError(
            "--format pdf: WeasyPrint cannot be loaded (it needs Pango: on Debian "
            f"apt-get install libpango-1.0-0 libpangoft2-1.0-0) ({exc})"
        ) from None
    HTML(string=html).write_pdf(path)
    return path


def make_report(
    scenario: Scenario,
    *,
    scenario_path: Path,
    out: Path,
    fmt: str = "html",
    results: Path | None = None,
    command: str = "",
    progress: Callable[[int], None] | None = None,
) -> dict[str, Path]:
    """Run (or read back) the comparison, then write the report, its figures and manifest.

    Returns the paths written, by kind (``html``, ``pdf``, ``figures``, ``manifest``).
    """
    if fmt not in FORMATS:
        raise ReportError(f"--format: expected one of {', '.join(FORMATS)} (got {fmt!r})")
    variants = check_reportable(scenario, Path(scenario_path).name)
    results = Path(results or Path("results") / f"{scenario.name}-compare")
    compare_to_folder(scenario, results, progress=progress)
    figures = headline_figures(results)
    paired = pd.read_csv(results / "paired.csv")
    costs = pd.read_csv(results / "costs.csv")
    monthly = pd.read_parquet(results / "monthly.parquet")
    paths = report_paths(Path(out), fmt)
    paths["html" if "html" in paths else "pdf"].parent.mkdir(parents=True, exist_ok=True)

    manifest = build_manifest(
        scenario=scenario,
        scenario_path=Path(scenario_path),
        manifest_path=paths["manifest"],
        command=command,
        figures=figures,
        outputs=[p for k, p in paths.items() if k in ("html", "pdf", "figures")],
    )
    context = report_context(scenario, Path(scenario_path), variants, figures, costs)
    context.update(
        manifest=manifest,
        manifest_file=paths["manifest"].name,
        figures_file=paths["figures"].name,
    )
    charts = chart_figures(scenario, monthly, costs, paired)
    written = write_report(context, charts, paths)
    figures_doc = {
        "scenario": scenario.name,
        "scenario_hash": scenario.content_hash(),
        "seed": scenario.seed,
        "replications": scenario.replications,
        "results_files": ["summary.csv", "paired.csv"],
        "figures": figures,
    }
    written["figures"] = write_json(figures_doc, paths["figures"])
    written["manifest"] = write_json(manifest, paths["manifest"])
    return written


def variant_section(
    scenario: Scenario,
    i: int,
    name: str,
    policies: list[Policy],
    figures: dict[str, Any],
    costs: pd.DataFrame,
) -> dict[str, Any]:
    """The report's section on one variant: its headline, detail and central-value figures."""
    block = figures[name]["sampled"]
    when = where_and_when(scenario, policies)
    headline = [make_figure(m, lbl, k, e, block) for m, lbl, k, e in HEADLINE]
    return {
        "index": i,
        "name": name,
        "policies": policies,
        "when": when,
        "headline": headline,
        "reading": reading_sentence(name, when["where"], scenario.years, headline),
        "detail": [make_figure(m, lbl, k, e, block) for m, lbl, k, e in DETAIL],
        "central": [
            make_figure(m, lbl, k, e, figures[name]["central"])
            for m, lbl, k, e in HEADLINE + DETAIL
        ],
        "replications": block["replications"],
        "cost_table": cost_table(costs, name),
        "flagged": [r for r in evidence_rows(policies) if r["flag"]],
    }


def report_context(
    scenario: Scenario,
    scenario_path: Path,
    variants: dict[str, list[Policy]],
    figures: dict[str, Any],
    costs: pd.DataFrame,
) -> dict[str, Any]:
    """What the template shows, but the manifest and the charts."""
    book, costs_rows = unit_cost_rows(scenario)
    all_policies = list({p.name: p for ps in variants.values() for p in ps}.values())
    n = scenario.replications
    sections = [
        variant_section(scenario, i, name, policies, figures, costs)
        for i, (name, policies) in enumerate(variants.items())
    ]
    return {
        "title": f"{' / '.join(variants)}: against today's way of working",
        "scenario": scenario,
        "scenario_file": display_path(scenario_path),
        "council": council_words(scenario),
        "localities": scenario.parameters.demand.localities,
        "sections": sections,
        "replications": n,
        "few_replications": n < FEW_REPLICATIONS,
        "level_ranges": level_range_words(scenario.future, n),
        "difference_ranges": difference_range_words(n),
        "evidence": evidence_rows(all_policies),
        "policies": all_policies,
        "already_running": scenario.running_notes(),
        "book": book,
        "unit_costs": costs_rows,
        "cost_sources": cost_sources(book, all_policies),
        "placeholders": [r["item"] for r in costs_rows if r["status"] == "placeholder"],
        "calibration": calibration(scenario),
        "made_on": long_date(dt.date.today()),
    }


def write_report(
    context: dict[str, Any], charts: list[tuple[str, Any, int]], paths: dict[str, Path]
) -> dict[str, Path]:
    """Render the report with its charts and write it as HTML and/or PDF.

    Charts are static SVG images where a browser can draw them; without one an HTML report gets
    interactive charts instead (a PDF cannot, and fails with the reason).
    """
    written: dict[str, Path] = {}
    try:
        markup = render_charts(charts, static=True)
    except ReportError as exc:
        if "pdf" in paths:
            raise
        log.warning("%s; the HTML report gets interactive charts instead", exc)
        markup = render_charts(charts, static=False)
    html = render_html({**context, "charts": markup})
    if "html" in paths:
        paths["html"].write_text(html, "utf-8")
        written["html"] = paths["html"]
    if "pdf" in paths:
        written["pdf"] = write_pdf(html, paths["pdf"])
    return written
