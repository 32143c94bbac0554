"""Funding-bid reports (issue 8): figures come from the results files; a manifest reproduces them.

One tiny Dorset-like comparison (20,000 children, 2 years, 3 replications) is reported once as
HTML and PDF; the other tests read it, rerun its manifest, or change its files in a copy.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
from collections import defaultdict
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.reporting.labels import DETAIL, HEADLINE, NO_EFFECT_WARNING

REPO = Path(__file__).resolve().parents[1]
TINY = ["--population", "20000", "--years", "2", "--replications", "3"]


def _chromium() -> bool:
    from sim.reporting.static_charts import StaticChartError, find_chromium

    try:
        find_chromium()
        return True
    except StaticChartError:
        return False


def _weasyprint() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


HAS_CHROMIUM = _chromium()
HAS_PDF = HAS_CHROMIUM and _weasyprint()
needs_chromium = pytest.mark.skipif(
    not HAS_CHROMIUM, reason="static charts need Chrome or Chromium (apt-get install chromium)"
)
needs_pdf = pytest.mark.skipif(
    not HAS_PDF,
    reason="PDF reports need Chromium and WeasyPrint's Pango (apt-get install chromium "
    "libpango-1.0-0 libpangoft2-1.0-0)",
)


def cli(args: list[str], cwd: Path) -> int:
    with contextlib.chdir(cwd):
        return main(args)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A folder with the built-in scenarios, as a council analyst's checkout would have."""
    root = tmp_path_factory.mktemp("bid")
    shutil.copytree(REPO / "scenarios", root / "scenarios")
    return root


@pytest.fixture(scope="module")
def dorset(workspace) -> dict[str, Path]:
    """The Dorset-like report, made once (HTML and PDF where the machine can make PDFs)."""
    fmt = "both" if HAS_PDF else "html"
    code = cli(
        [
            "report",
            "scenarios/targeted_locality_dorset.yaml",
            *TINY,
            "--format",
            fmt,
            "--out",
            "out/dorset.html",
            "--results",
            "res",
        ],
        workspace,
    )
    assert code == 0, f"expected the report to be made (exit 0), found exit {code}"
    out = workspace / "out"
    return {
        "root": workspace,
        "html": out / "dorset.html",
        "pdf": out / "dorset.pdf",
        "figures": out / "dorset.figures.json",
        "manifest": out / "dorset.manifest.json",
        "results": workspace / "res",
    }


class Spans(HTMLParser):
    """Every figure the report shows: its data attributes and the text a reader sees."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "span" and a.get("class") == "v":
            self._open = {**a, "text": ""}

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag):
        if tag == "span" and self._open is not None:
            self.found.append(self._open)
            self._open = None


def shown_value(text: str) -> tuple[float, float]:
    """A displayed figure as a number and the rounding it carries (e.g. '£1.23m' +- 5,000)."""
    t = text.replace("−", "-").replace("£", "").replace(",", "")
    mult = 1.0
    for suffix, m in (("m", 1e6), ("k", 1e3), ("%", 0.01)):
        if t.endswith(suffix):
            t, mult = t[: -len(suffix)], m
    decimals = len(t.split(".")[1]) if "." in t else 0
    return float(t) * mult, 0.5 * 10**-decimals * mult + 1e-9


def summary_value(summary: pd.DataFrame, variant: str, measure: str, stat: str, effects="sampled"):
    row = summary[
        (summary["variant"] == variant)
        & (summary["effects"] == effects)
        & (summary["measure"] == measure)
    ]
    assert len(row) == 1, f"expected one summary.csv row for {variant}/{measure}, found {len(row)}"
    value = row.iloc[0][stat]
    try:
        return float(value)
    except ValueError:
        return value


def test_report_writes_html_pdf_figures_and_manifest(dorset):
    for kind in ("html", "figures", "manifest", *(["pdf"] if HAS_PDF else [])):
        assert dorset[kind].exists(), f"expected {dorset[kind].name} to be written"
    html = dorset["html"].read_text(encoding="utf-8")
    for part in (
        "Funding-bid summary",
        "Children kept safely at home",
        "How to read the ranges",
        "Assumptions",
        "Evidence behind each effect",
        "Unit costs",
        "Reproducing these figures",
        "Back-test error",
    ):
        assert part in html, f"expected the section {part!r} in the report"
    assert "<script src=" not in html and "<link " not in html, (
        "expected a self-contained HTML file (no external scripts or stylesheets)"
    )
    manifest = json.loads(dorset["manifest"].read_text(encoding="utf-8"))
    for key in ("project", "command", "scenario", "random_numbers", "input_files", "packages"):
        assert key in manifest, f"expected {key!r} in the manifest, found {sorted(manifest)}"
    assert manifest["command"].startswith(
        "csc-sim report scenarios/targeted_locality_dorset.yaml --replications 3"
    ), f"found command {manifest['command']!r}"
    roles = {f["role"] for f in manifest["input_files"]}
    assert roles == {"scenario", "extends", "policy", "parameters", "unit costs"}, roles
    text = dorset["manifest"].read_text(encoding="utf-8")
    for machine_path in (str(dorset["root"]), str(REPO), "/tmp/", "/home/"):
        assert machine_path not in text, f"expected no machine path in the manifest: {machine_path}"


def test_every_headline_number_equals_the_one_in_the_results_files(dorset):
    summary = pd.read_csv(dorset["results"] / "summary.csv")
    parser = Spans()
    parser.feed(dorset["html"].read_text(encoding="utf-8"))
    shown = parser.found
    measures = {s["data-measure"] for s in shown}
    expected = {m for m, *_ in HEADLINE}
    assert expected <= measures, (
        f"expected every headline figure shown, missing {expected - measures}"
    )
    for s in shown:
        csv = summary_value(summary, s["data-variant"], s["data-measure"], s["data-stat"])
        where = f"{s['data-measure']} {s['data-stat']}"
        if isinstance(csv, str):
            assert s["text"] == csv == s["data-value"], f"{where}: CSV {csv!r}, shown {s['text']!r}"
            continue
        if math.isnan(csv):
            assert s["data-value"] == "" and s["text"] == "n/a", f"{where}: found {s}"
            continue
        assert float(s["data-value"]) == csv, f"{where}: CSV {csv!r}, report {s['data-value']!r}"
        value, rounding = shown_value(s["text"])
        assert abs(value - csv) <= rounding, f"{where}: CSV {csv!r} but shown as {s['text']!r}"
    # the figures file holds every summary figure exactly, for both effect modes
    figures = json.loads(dorset["figures"].read_text(encoding="utf-8"))["figures"]
    for r in summary.itertuples():
        held = figures[r.variant][r.effects]["summary"][r.measure]
        for stat in ("mean", "p5", "p95"):
            csv = summary_value(summary, r.variant, r.measure, stat, r.effects)
            if isinstance(csv, float) and math.isnan(csv):
                assert held[stat] is None, f"{r.measure} {stat}: expected null, found {held[stat]}"
            else:
                assert held[stat] == csv, f"{r.measure} {stat}: CSV {csv!r}, JSON {held[stat]!r}"


def test_probability_and_payback_counts_come_from_paired_csv(dorset):
    paired = pd.read_csv(dorset["results"] / "paired.csv")
    html = dorset["html"].read_text(encoding="utf-8")
    sampled = paired[paired["effects"] == "sampled"]
    saving = int((sampled["npv_net_saving_gbp"] > 0).sum())
    assert f"{saving} of {len(sampled)} simulated futures; 90% interval" in html, (
        f"expected the report to say {saving} of {len(sampled)} futures save money"
    )
    paying = int((sampled["payback_year"] != "none within horizon").sum())
    phrase = (
        f"{paying} of {len(sampled)} simulated futures {'pays' if paying == 1 else 'pay'} back"
        if paying
        else f"none of {len(sampled)} simulated futures pays back"
    )
    assert phrase in html, f"expected {phrase!r} in the report"


def test_reproduce_from_the_manifest_gives_identical_figures(dorset, capsys):
    capsys.readouterr()
    code = cli(["reproduce", "out/dorset.manifest.json"], dorset["root"])
    out = capsys.readouterr().out
    assert code == 0, f"expected exit 0, found {code}: {out}"
    assert "identical: all" in out and "differs" not in out, out


def _copy(dorset, tmp_path) -> Path:
    root = tmp_path / "copy"
    shutil.copytree(dorset["root"] / "scenarios", root / "scenarios")
    shutil.copytree(dorset["root"] / "out", root / "out")
    return root


def test_a_changed_scenario_file_is_detected(dorset, tmp_path, capsys):
    root = _copy(dorset, tmp_path)
    scenario = root / "scenarios" / "targeted_locality_dorset.yaml"
    scenario.write_text(
        scenario.read_text(encoding="utf-8").replace(
            "relative_demand: 2.1", "relative_demand: 2.4"
        ),
        encoding="utf-8",
    )
    capsys.readouterr()
    code = cli(["reproduce", "out/dorset.manifest.json"], root)
    out = capsys.readouterr().out
    assert code == 1, f"expected exit 1 for a changed scenario file, found {code}"
    assert "changed since the report: scenarios/targeted_locality_dorset.yaml (scenario)" in out, (
        out
    )


def test_a_differing_figure_is_named(dorset, tmp_path, capsys):
    root = _copy(dorset, tmp_path)
    path = root / "out" / "dorset.manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    variant = next(iter(manifest["figures"]))
    manifest["figures"][variant]["sampled"]["summary"]["net_cost_gbp"]["mean"] += 1.0
    path.write_text(json.dumps(manifest), encoding="utf-8")
    capsys.readouterr()
    code = cli(["reproduce", "out/dorset.manifest.json"], root)
    out = capsys.readouterr().out
    assert code == 1, f"expected exit 1 when a figure differs, found {code}"
    assert f"differs: {variant}.sampled.summary.net_cost_gbp.mean" in out, out
    assert "1 of " in out, out


@needs_pdf
def test_pdf_first_page_renders_to_a_readable_png(dorset, tmp_path):
    pdfium = pytest.importorskip("pypdfium2")
    import numpy as np

    pdf = pdfium.PdfDocument(str(dorset["pdf"]))
    try:
        assert len(pdf) >= 4, (
            f"expected summary, charts, assumptions and evidence pages, found {len(pdf)}"
        )
        image = pdf[0].render(scale=1).to_pil().convert("L")
    finally:
        pdf.close()
    image.save(tmp_path / "page1.png")
    pixels = np.asarray(image)
    inked = float((pixels < 200).mean())
    assert 0.02 < inked < 0.6, f"expected a page of text and figures, found {inked:.1%} inked"
    assert pixels.min() < 60, "expected dark text on the first page"


@pytest.mark.parametrize(
    "file",
    sorted(p.name for p in (REPO / "scenarios").glob("*.yaml") if p.name != "baseline.yaml"),
)
def test_the_report_renders_for_each_builtin_scenario(workspace, file, capsys):
    from sim.inputs.scenario import load_scenario

    out = f"each/{file.removesuffix('.yaml')}.html"
    small = ["--population", "10000", "--years", "2", "--replications", "2"]
    code = cli(
        ["report", f"scenarios/{file}", *small, "--out", out, "--results", f"res-{file}"],
        workspace,
    )
    assert code == 0, f"{file}: expected exit 0, found {code}: {capsys.readouterr().err}"
    html = (workspace / out).read_text(encoding="utf-8")
    text = unescape(html)
    for variant in load_scenario(REPO / "scenarios" / file).compared_variants():
        assert f"{variant}: against today" in text, f"{file}: expected a summary for {variant}"
    shown = Spans()
    shown.feed(html)
    measures = {s["data-measure"] for s in shown.found}
    assert {m for m, *_ in HEADLINE + DETAIL} <= measures, f"{file}: found {sorted(measures)}"
    if file == "social_workers_in_schools.yaml":
        assert "local testimony only" in html, "expected the schools pilot's testimony flagged"
    if file == "family_safeguarding.yaml":
        row = text[text.index("Chance of entering care (all routes)") :][:3000]
        assert NO_EFFECT_WARNING in row, (
            f"expected Family Safeguarding's care-entry range flagged {NO_EFFECT_WARNING!r}"
        )


def test_baseline_has_no_pilot_to_report_and_says_so(workspace, capsys):
    code = cli(["report", "scenarios/baseline.yaml", *TINY, "--out", "out/b.html"], workspace)
    err = capsys.readouterr().err
    assert code == 2, f"expected exit 2, found {code}"
    for part in ("baseline.yaml: policies:", "no pilot to report on", "csc-sim run"):
        assert part in err, f"expected {part!r} in {err!r}"
    assert not (workspace / "out" / "b.html").exists()


def test_a_file_that_is_not_a_manifest_gives_one_clear_line(tmp_path, capsys):
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    assert main(["reproduce", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: notes.json: manifest_version:"), err
    assert main(["reproduce", str(tmp_path / "missing.json")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_without_a_browser_html_falls_back_and_pdf_says_why(dorset, monkeypatch, capsys):
    monkeypatch.setenv("BROWSER_PATH", str(dorset["root"] / "no-such-browser"))
    args = ["report", "scenarios/targeted_locality_dorset.yaml", *TINY, "--results", "res"]
    assert cli([*args, "--out", "out/nobrowser.html"], dorset["root"]) == 0
    html = (dorset["root"] / "out" / "nobrowser.html").read_text(encoding="utf-8")
    assert "Plotly.newPlot" in html, "expected interactive charts when no browser can draw SVG"
    capsys.readouterr()
    assert cli([*args, "--out", "out/nobrowser.pdf"], dorset["root"]) == 2
    err = capsys.readouterr().err
    assert "BROWSER_PATH" in err and "Traceback" not in err, err


@needs_chromium
def test_static_charts_write_png_and_svg(tmp_path):
    import plotly.graph_objects as go

    from sim.reporting.static_charts import to_png, to_svg

    fig = go.Figure(go.Bar(x=["2025-26", "2026-27"], y=[1.0, 2.0]))
    path = to_png(fig, tmp_path / "chart.png", width=300, height=200, scale=1)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "expected a PNG file"
    from PIL import Image

    assert Image.open(path).size == (300, 200)
    assert to_svg(fig, 300, 200).lstrip().startswith("<svg")


def test_labels_name_every_figure_a_comparison_summarises_and_format_as_the_cli_did():
    """One table of labels covers every figure in summary.csv; the terminal formats are kept."""
    from sim.experiments.comparison import RATIO_FIGURES, SPREAD_FIGURES
    from sim.reporting import labels

    summarised = set(SPREAD_FIGURES) | set(RATIO_FIGURES)
    assert set(labels.FIGURES) == summarised, (
        f"expected a label for each summarised figure, found {sorted(labels.FIGURES)} for "
        f"{sorted(summarised)}"
    )
    assert set(labels.COMPARE_ROWS) == summarised
    cases = {
        ("net_cost_gbp", -2_554_000.0, -3e6, 1e5): "-£2.55m (-£3.00m to £0.10m)",
        ("care_entries_averted", 12.4, 3.0, 3.0): "12",
        ("prob_saves_money", 0.625, 0.0, 1.0): "62%",
        ("return_per_pound", 1.234, 0.5, 2.0): "£1.23",
        ("payback_year", "2028-29", None, None): "2028-29",
        ("npv_net_saving_gbp", float("nan"), None, None): "n/a",
    }
    for (measure, *values), expected in cases.items():
        found = labels.figure_text(measure, *values)
        assert found == expected, f"{measure}: expected {expected!r}, found {found!r}"
    assert labels.format_value("money", -25_000.0) == "−£25k"
    assert labels.short_label("prob_saves_money") == "Chance it saves money"
    assert labels.label("looked_after") == "Children looked after"  # from MEASURES


def test_a_refitted_councils_kept_back_test_says_which_version_made_it(dorset, tmp_path):
    """A refit keeps a file's back-test (``calibration.refit``); the report says it was made with
    the earlier version's fit, not the parameter set it shows."""
    import yaml

    from sim.inputs.scenario import load_scenario, parameter_file
    from sim.reporting.figures import headline_figures
    from sim.reporting.report import check_reportable, render_html, report_context

    params = yaml.safe_load(parameter_file("dorset").read_text(encoding="utf-8"))
    params["provenance"].update(
        backtest_hold_out="2024-25",
        backtest=[
            {"measure": "cp_plans", "error_pct": -4.2, "same_as_last_year_abs_error_pct": 9.1}
        ],
        backtest_model_version="0.8.0",
    )
    own = tmp_path / "dorset_refitted.yaml"
    own.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    scenario_file = tmp_path / "refitted.yaml"
    scenario_file.write_text(
        f"extends: {dorset['root'] / 'scenarios' / 'targeted_locality_dorset.yaml'}\n"
        f"council: {own}\n",
        encoding="utf-8",
    )
    scenario = load_scenario(scenario_file)
    assert scenario.parameters.provenance["backtest_model_version"] == "0.8.0"
    variants = check_reportable(scenario, scenario_file.name)
    costs = pd.read_csv(dorset["results"] / "costs.csv")
    context = report_context(
        scenario, scenario_file, variants, headline_figures(dorset["results"]), costs
    )
    manifest = json.loads(dorset["manifest"].read_text(encoding="utf-8"))
    charts = defaultdict(str)  # the charts are not what this test reads
    context.update(manifest=manifest, manifest_file="m.json", figures_file="f.json", charts=charts)
    text = " ".join(unescape(render_html(context)).split())
    assert (
        "2024-25 held out; made with version 0.8.0's fit of the years before "
        "(the parameter set was refitted since)" in text
    ), "expected the report to say which version's fit made the kept back-test"
    assert "cp plans -4.2 (9.1)" in text, "expected the kept back-test's row in the report"
