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
flagging weak evidence and placeholder costs; and the manifest in brief.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import math
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.comparison import BASELINE, NO_PAYBACK
from sim.inputs.policies import EFFECT_LABELS
from sim.inputs.scenario import Scenario

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("html", "pdf", "both")
#: z for a two-sided 90% interval, to match the 5th-95th percentile ranges elsewhere.
Z90 = 1.6449
#: Below this many replications the ends of a 5th-95th percentile range are rough.
FEW_REPLICATIONS = 20

#: Headline figures of the one-page summary: measure, label, kind, what it means.
HEADLINE = (
    (
        "care_entries_averted",
        "Care entries averted",
        "count",
        "Children kept out of care over the horizon, against today's way of working",
    ),
    (
        "child_days_in_care_avoided",
        "Child-days in care avoided",
        "count",
        "Days children would otherwise have spent looked after",
    ),
    (
        "cp_children_safely_home_gained",
        "More children safely at home after a CP plan",
        "count",
        "Children who had a CP plan, at home at the end with no new referral in the next 12 "
        "months (a count: fewer CP plans also lowers it)",
    ),
    (
        "policy_cost_gbp",
        "Cost of the pilot",
        "money",
        "Its staff, set-up, training and per-family costs over the horizon",
    ),
    (
        "net_cost_gbp",
        "Net cost against today",
        "money",
        "The pilot's cost less savings on placements, proceedings and casework (undiscounted; "
        "below 0 saves money)",
    ),
    (
        "npv_net_saving_gbp",
        "Net present value of the saving",
        "money",
        "Savings less costs, discounted at 3.5% a year (HM Treasury Green Book); above 0 "
        "saves money",
    ),
    (
        "return_per_pound",
        "Return per £1 invested",
        "pounds",
        "Discounted savings for each pound the pilot costs; £1.00 pays for itself",
    ),
    (
        "payback_year",
        "Payback year",
        "text",
        "First financial year by whose end savings repay the costs (mean across replications)",
    ),
    (
        "prob_saves_money",
        "Probability it saves money",
        "prob",
        "Share of simulated futures in which the discounted saving is above zero",
    ),
)
#: Further figures in the detail table.
DETAIL = (
    (
        "prob_reduces_care_entries",
        "Probability it reduces care entries",
        "prob",
        "Share of simulated futures with fewer care entries than today",
    ),
    (
        "cost_per_care_entry_averted_gbp",
        "Net cost per care entry averted",
        "money",
        "Mean net cost divided by mean care entries averted (no range: a ratio of means)",
    ),
)
#: Plain words for the pathway stages a pilot enrols families at.
STAGE_WORDS = {
    "front_door": "the front door",
    "early_help": "early help",
    "assessment": "assessment",
    "cin_plan": "CIN plans",
    "s47_enquiry": "s47 enquiries",
    "cp_plan": "CP plans",
}
#: Evidence strengths a bid writer must be warned about.
WEAK_EVIDENCE = {
    "weak": "weak evidence: treat with care",
    "testimony": "local testimony only: no trial or comparison",
    "none": "no impact estimate: a prior, not a finding",
}


class ReportError(ValueError):
    """A report cannot be made (no pilot, no browser for charts, no PDF engine)."""


# -- the figures, from the results files -------------------------------------------------------


def _number(value: Any) -> Any:
    """A CSV cell as a float where it is a number, else its text (e.g. a payback year)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def headline_figures(results: Path) -> dict[str, Any]:
    """Every headline figure, read from a comparison's ``summary.csv`` and ``paired.csv``.

    Returns ``{variant: {effects: {"summary": {measure: {mean, p5, p95}}, "replications":
    {...}}}}``; the counts under ``replications`` come from the per-replication results.
    """
    summary = pd.read_csv(Path(results) / "summary.csv", dtype={"mean": object})
    paired = pd.read_csv(Path(results) / "paired.csv", dtype={"payback_year": object})
    out: dict[str, Any] = {}
    for (variant, effects), g in summary.groupby(["variant", "effects"], sort=False):
        measures = {
            r.measure: {"mean": _number(r.mean), "p5": _number(r.p5), "p95": _number(r.p95)}
            for r in g.itertuples()
        }
        p = paired[(paired["variant"] == variant) & (paired["effects"] == effects)]
        paying = p["payback_year"][p["payback_year"] != NO_PAYBACK].astype(str).sort_values()
        out.setdefault(variant, {})[effects] = {
            "summary": measures,
            "replications": {
                "n": len(p),
                "saving_money": int((p["npv_net_saving_gbp"] > 0).sum()),
                "reducing_care_entries": int((p["care_entries_averted"] > 0).sum()),
                "paying_back": len(paying),
                "payback_earliest": paying.iloc[0] if len(paying) else None,
                "payback_latest": paying.iloc[-1] if len(paying) else None,
            },
        }
    return out


def wilson_interval(k: int, n: int, z: float = Z90) -> tuple[float, float]:
    """Wilson score interval for a share of ``k`` in ``n`` (90% by default)."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


# -- formatting --------------------------------------------------------------------------------


def _signed(text: str, value: float) -> str:
    zero = text.strip("£mk%,.0") == ""
    return ("−" + text) if value < 0 and not zero else text


def fmt_value(kind: str, value: Any, scale: float | None = None) -> str:
    """A figure as the report shows it; ``scale`` (the largest of a figure and its range)
    picks the unit so a figure and its range read alike."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "text" or isinstance(value, str):
        return str(value)
    scale = abs(value) if scale is None else scale
    if kind == "count":
        return _signed(f"{abs(value):,.{1 if scale < 10 else 0}f}", value)
    if kind == "money":
        if scale >= 1e6:
            return _signed(f"£{abs(value) / 1e6:,.2f}m", value)
        if scale >= 1e4:
            return _signed(f"£{abs(value) / 1e3:,.0f}k", value)
        return _signed(f"£{abs(value):,.0f}", value)
    if kind == "pounds":
        return _signed(f"£{abs(value):,.2f}", value)
    if kind == "prob":
        return f"{value:.0%}"
    raise ValueError(f"unknown kind of figure {kind!r}")


@dataclass(frozen=True)
class Figure:
    """One figure of the report with its range, formatted, and the raw values behind them."""

    measure: str
    label: str
    explain: str
    kind: str
    mean: Any
    p5: Any
    p95: Any
    mean_text: str
    p5_text: str | None
    p95_text: str | None
    note: str = ""


def make_figure(measure: str, label: str, kind: str, explain: str, block: dict[str, Any]) -> Figure:
    """A formatted figure from a variant's figures block (summary and replication counts)."""
    s = block["summary"][measure]
    reps = block["replications"]
    mean, p5, p95 = s["mean"], s["p5"], s["p95"]
    numbers = [abs(v) for v in (mean, p5, p95) if isinstance(v, float) and not math.isnan(v)]
    scale = max(numbers) if numbers else None
    has_range = p5 is not None and p95 is not None
    note = ""
    if has_range and p5 == p95:
        has_range, note = False, "the same in every simulated future (set by the pilot's design)"
    if measure == "prob_saves_money":
        lo, hi = wilson_interval(reps["saving_money"], reps["n"])
        note = (
            f"{reps['saving_money']} of {reps['n']} simulated futures; 90% interval "
            f"{lo:.0%} to {hi:.0%}"
        )
    elif measure == "prob_reduces_care_entries":
        lo, hi = wilson_interval(reps["reducing_care_entries"], reps["n"])
        note = (
            f"{reps['reducing_care_entries']} of {reps['n']} simulated futures; 90% interval "
            f"{lo:.0%} to {hi:.0%}"
        )
    elif measure == "payback_year":
        if reps["paying_back"]:
            span = (
                reps["payback_earliest"]
                if reps["payback_earliest"] == reps["payback_latest"]
                else f"{reps['payback_earliest']} to {reps['payback_latest']}"
            )
            verb = "pays" if reps["paying_back"] == 1 else "pay"
            note = f"{reps['paying_back']} of {reps['n']} simulated futures {verb} back ({span})"
        else:
            note = f"none of {reps['n']} simulated futures pays back within the horizon"
    return Figure(
        measure=measure,
        label=label,
        explain=explain,
        kind=kind,
        mean=mean,
        p5=p5,
        p95=p95,
        mean_text=fmt_value(kind, mean, scale),
        p5_text=fmt_value(kind, p5, scale) if has_range else None,
        p95_text=fmt_value(kind, p95, scale) if has_range else None,
        note=note,
    )


def reading_sentence(name: str, where: str, years: float, figs: list[Figure]) -> str:
    """The summary in one plain sentence, from the same formatted figures the page shows."""
    f = {x.measure: x for x in figs}
    if not where.startswith(("across", "families")):
        where = f"in {where}"
    elif where.startswith("families"):
        where = f"with {where}"
    ce, days, net = f["care_entries_averted"], f["child_days_in_care_avoided"], f["net_cost_gbp"]
    saves = f["prob_saves_money"]
    if isinstance(ce.mean, float) and ce.mean > 0:
        first = (
            f"Under these assumptions {name}, working {where}, keeps about {ce.mean_text} "
            f"more children out of care (range {ce.p5_text} to {ce.p95_text}) and avoids "
            f"{days.mean_text} child-days in care over {years:g} years"
        )
    else:
        first = (
            f"Under these assumptions {name}, working {where}, does not reduce care entries "
            f"on average over {years:g} years ({ce.mean_text}; range {ce.p5_text} to {ce.p95_text})"
        )
    money = (
        f"its net cost against today is {net.mean_text} (range {net.p5_text} to "
        f"{net.p95_text}), and it saves money in {saves.note.split(';')[0]}"
    )
    payback = f["payback_year"]
    ends = (
        f"; it pays back by {payback.mean_text}"
        if payback.mean_text != NO_PAYBACK
        else "; on average it does not pay back within the horizon"
    )
    return f"{first}; {money}{ends}."


# -- what the report says about the scenario ---------------------------------------------------


def _date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def where_and_when(scenario: Scenario, policies: list) -> dict[str, str]:
    """Where the pilot works and when, in plain words."""
    locs = {loc.name: loc for loc in scenario.parameters.demand.localities}
    where = []
    for p in policies:
        el = p.eligible
        if el.localities:
            share = sum(locs[n].population_share for n in el.localities)
            where.append(f"{' and '.join(el.localities)} ({share:.0%} of the council's children)")
        elif el.pod_school_only:
            pods = sum(loc.population_share * loc.p_family_at_pod_school for loc in locs.values())
            where.append(f"families with a child at a pod school (about {pods:.0%} of families)")
        else:
            where.append("across the whole council")
    starts = sorted({p.start_date for p in policies})
    ramp = max(p.ramp_up_months for p in policies)
    from sim.core.calendar import Calendar

    cal = Calendar.from_start(scenario.start_date, scenario.months)
    end = cal.date_of(cal.end_day - 1)
    return {
        "where": "; ".join(dict.fromkeys(where)),
        "starts": " and ".join(_date(s) for s in starts),
        "ramp_up": f"{ramp:g} months",
        "horizon": f"{_date(scenario.start_date)} to {_date(end)} ({scenario.years:g} years)",
    }


def council_words(scenario: Scenario) -> str:
    """The council the figures are for."""
    prov = scenario.parameters.provenance
    if prov.get("council"):
        return f"{prov['council']} ({scenario.population:,} children aged 0-17)"
    if scenario.council == "england":
        return (
            f"England's 2024-25 children's social care scaled to a council of "
            f"{scenario.population:,} children aged 0-17"
        )
    return f"parameter set {scenario.council!r}, {scenario.population:,} children aged 0-17"


def calibration(scenario: Scenario) -> dict[str, Any]:
    """The calibration the parameters rest on, its fit and back-test error where recorded."""
    params = scenario.parameters
    prov = params.provenance
    sources = params.sources
    marked = {
        "unverified": sum("UNVERIFIED" in v for v in sources.values()),
        "judgement": sum(v.lower().startswith("judgement") for v in sources.values()),
        "total": len(sources),
    }
    overrides = sorted(k for k, v in sources.items() if v.startswith("scenario override"))
    backtest = prov.get("backtest")
    return {
        "description": params.description or "(no description in the parameter file)",
        "reference_year": params.reference_year,
        "council": prov.get("council"),
        "calibrated_on": prov.get("calibrated_on"),
        "neighbours": prov.get("statistical_neighbours") or [],
        "fit": prov.get("fit") or [],
        "backtest": backtest,
        "backtest_hold_out": prov.get("backtest_hold_out"),
        "marked": marked,
        "overrides": overrides,
    }


def evidence_rows(policies: list) -> list[dict[str, Any]]:
    """Each effect of each policy: value, range, evidence, citation, and a warning if weak."""
    rows = []
    for p in policies:
        for e in p.effects:
            rows.append(
                {
                    "policy": p.name,
                    "target": e.target,
                    "label": EFFECT_LABELS.get(e.target, e.target),
                    "central": e.central,
                    "low": e.low,
                    "high": e.high,
                    "distribution": e.distribution,
                    "evidence": e.evidence,
                    "flag": WEAK_EVIDENCE.get(e.evidence, ""),
                    "study": e.study,
                    "design": e.design,
                    "year": e.year,
                    "source": e.source,
                }
            )
    return rows


def unit_cost_rows(scenario: Scenario) -> tuple[Any, list[dict[str, Any]]]:
    """The cost book the figures used, item by item, placeholders flagged."""
    from sim.inputs.cost_book import load_cost_book

    book = load_cost_book(scenario.unit_costs)
    units = {
        "gbp_per_week": "£ a week",
        "gbp_per_fte_year": "£ per FTE a year",
        "gbp_per_child": "£ per child",
        "gbp_per_family": "£ per family",
        "share": "share",
    }
    rows = [
        {
            "item": name,
            "value": item.value,
            "unit": units[item.unit],
            "price_year": item.price_year,
            "at_book_prices": book.gbp(name),
            "status": item.status,
            "source": item.source,
        }
        for name, item in book.items.items()
    ]
    return book, rows


def cost_table(costs: pd.DataFrame, variant: str) -> list[dict[str, Any]]:
    """Mean cost by financial year: today, with the pilot, and the change (GBP)."""
    from sim.api import cost_by_year

    totals = cost_by_year(costs, "sampled").pivot_table(
        index="financial_year", columns="variant", values="cost_gbp"
    )
    return [
        {
            "financial_year": fy,
            "baseline": r[BASELINE],
            "variant": r[variant],
            "change": r[variant] - r[BASELINE],
        }
        for fy, r in totals.iterrows()
    ]


# -- charts ------------------------------------------------------------------------------------


def chart_figures(
    scenario: Scenario, monthly: pd.DataFrame, costs: pd.DataFrame, paired: pd.DataFrame
) -> list[tuple[str, Any, int]]:
    """The report's charts: (key, plotly figure, height in pixels)."""
    from sim.reporting.charts import band_chart, cost_change_chart, net_cost_spread_chart

    charts = [
        ("looked_after", band_chart(monthly, "looked_after", "Children looked after"), 320),
        ("cp_plans", band_chart(monthly, "cp_plans", "Children on child protection plans"), 320),
    ]
    for i, variant in enumerate(scenario.compared_variants()):
        charts.append((f"cost_{i}", cost_change_chart(costs, variant), 430))
        charts.append((f"spread_{i}", net_cost_spread_chart(paired, variant), 250))
    return charts


def render_charts(charts: list[tuple[str, Any, int]], static: bool) -> dict[str, str]:
    """Chart markup by key: static SVG images, or interactive plotly (HTML only, no browser)."""
    from markupsafe import Markup

    width = 760
    for _, fig, height in charts:
        fig.update_layout(width=width, height=height, template="plotly_white")
    if static:
        from sim.reporting.static_charts import StaticChartError, to_svgs

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
    from sim.reporting.manifest import display_path

    parts = ["csc-sim", "report", display_path(scenario_path)]
    for key, value in overrides.items():
        if value is not None:
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
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = lambda v: fmt_value("money", v)
    env.filters["count"] = lambda v: fmt_value("count", v)
    env.filters["num"] = lambda v: f"{v:g}"
    env.filters["stage"] = lambda v: STAGE_WORDS.get(v, v)
    return env.get_template("report.html.j2").render(**context)


def write_pdf(html: str, path: Path) -> Path:
    """The same HTML as a PDF, through WeasyPrint."""
    try:
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
    from sim.experiments.runner import compare_to_folder
    from sim.reporting.manifest import build_manifest, display_path, write_json

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
    book, costs_rows = unit_cost_rows(scenario)
    all_policies = list({p.name: p for ps in variants.values() for p in ps}.values())
    n = scenario.replications
    sections = []
    for i, (name, policies) in enumerate(variants.items()):
        block = figures[name]["sampled"]
        sections.append(
            {
                "index": i,
                "name": name,
                "policies": policies,
                "when": where_and_when(scenario, policies),
                "headline": (
                    headline := [make_figure(m, lbl, k, e, block) for m, lbl, k, e in HEADLINE]
                ),
                "reading": reading_sentence(
                    name, where_and_when(scenario, policies)["where"], scenario.years, headline
                ),
                "detail": [make_figure(m, lbl, k, e, block) for m, lbl, k, e in DETAIL],
                "central": [
                    make_figure(m, lbl, k, e, figures[name]["central"])
                    for m, lbl, k, e in HEADLINE + DETAIL
                ],
                "replications": block["replications"],
                "cost_table": cost_table(costs, name),
                "weak": [r for r in evidence_rows(policies) if r["flag"]],
            }
        )
    base_context = {
        "title": f"{' / '.join(variants)}: against today's way of working",
        "scenario": scenario,
        "scenario_file": display_path(Path(scenario_path)),
        "council": council_words(scenario),
        "localities": scenario.parameters.demand.localities,
        "sections": sections,
        "replications": n,
        "few_replications": n < FEW_REPLICATIONS,
        "evidence": evidence_rows(all_policies),
        "policies": all_policies,
        "book": book,
        "unit_costs": costs_rows,
        "placeholders": [r["item"] for r in costs_rows if r["status"] == "placeholder"],
        "calibration": calibration(scenario),
        "manifest": manifest,
        "manifest_file": paths["manifest"].name,
        "figures_file": paths["figures"].name,
        "made_on": _date(dt.date.today()),
    }
    charts = chart_figures(scenario, monthly, costs, paired)
    written: dict[str, Path] = {}
    try:
        markup = render_charts(charts, static=True)
    except ReportError as exc:
        if "pdf" in paths:
            raise
        log.warning("%s; the HTML report gets interactive charts instead", exc)
        markup = render_charts(charts, static=False)
    html = render_html({**base_context, "charts": markup})
    if "html" in paths:
        paths["html"].write_text(html, "utf-8")
        written["html"] = paths["html"]
    if "pdf" in paths:
        written["pdf"] = write_pdf(html, paths["pdf"])
    figures_doc = {
        "scenario": scenario.name,
        "scenario_hash": scenario.content_hash(),
        "seed": scenario.seed,
        "replications": n,
        "results_files": ["summary.csv", "paired.csv"],
        "figures": figures,
    }
    written["figures"] = write_json(figures_doc, paths["figures"])
    written["manifest"] = write_json(manifest, paths["manifest"])
    return written
