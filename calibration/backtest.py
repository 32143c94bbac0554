"""Back-test: calibrate on the years up to Y-1, project year Y, compare with what was published.

For each measure the model's error is set beside two naive forecasts: the same as last year, and
the linear trend of the last three years. The fit runs at 100,000 children (rates per 10,000 are
what the model is calibrated to); the projection at the council's own number of children. Each
council's fit is kept beside its results, so that a change to the projection alone can be tried
on the same fits (``csc-sim backtest --fits``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from calibration.council import FULL_FIT, calibrate, council_seed, plain
from calibration.ees import find_area, history
from calibration.future import STOCK_PULL, stock_toward_neighbours
from sim.experiments.experiment import single_run
from sim.experiments.outputs import monthly_frame, yearly_frame
from sim.experiments.runner import code_fingerprint, model_version
from sim.inputs.scenario import scenario_from_dict

MEASURES = (
    "referrals",
    "cp_plans_started",
    "care_entries",
    "looked_after",
    "children_in_need",
    "cp_plans",
)


def previous_year(year: str) -> str:
    """'2024-25' -> '2023-24'."""
    return later_year(year, -1)


def scaling_population(table: pd.DataFrame, fitted: str, hold_out: str) -> float:
    """The children a projection runs at (its counts are the council's).

    The run starts from the council's rates per child in the fitted year and grows its own
    population from there (``demand.population_growth_per_year``), so its counts scale by the
    fitted year's population; the held-out year's would count the growth twice. The held-out
    year's stands in when the fitted year has none.
    """
    pop = table.at[fitted, "population"]
    return float(table.at[hold_out, "population"] if np.isnan(pop) else pop)


#: Central intervals whose coverage the back-test reports, as (level, lower, upper) quantiles.
INTERVALS = ((50, 0.25, 0.75), (80, 0.10, 0.90), (90, 0.05, 0.95))


def later_year(year: str, n: int = 1) -> str:
    """'2021-22', 2 -> '2023-24'."""
    y = int(year[:4]) + n
    return f"{y}-{(y + 1) % 100:02d}"


def project(
    name: str,
    params: dict[str, Any],
    fitted: str,
    horizon: int,
    population: float,
    replications: int,
) -> pd.DataFrame:
    """Each replication's value per measure and projected year (``financial_year``), at the
    council's own size, from the 1 April after the fitted year, each with a drawn future, on the
    council's own projection seed."""
    params = {k: v for k, v in params.items() if not k.startswith("_")}
    scenario = scenario_from_dict(
        {
            "name": f"backtest {name}",
            "population": max(1, round(population)),
            "start_date": f"{int(fitted[:4]) + 1}-04-01",
            "years": horizon,
            "seed": council_seed(name, "projection"),
            "replications": replications,
            "future": "uncertain",
            "parameters": params,
        },
        file="<backtest>",
    )
    frames = [monthly_frame(single_run(scenario, r)) for r in range(replications)]
    return yearly_frame(pd.concat(frames, ignore_index=True))


def _linear_trend(series: pd.Series, ahead: int = 1) -> float:
    """The linear trend of the years given, ``ahead`` years on (NaN with fewer than two)."""
    if series.notna().sum() < 2:
        return np.nan
    x = np.arange(len(series))[series.notna().to_numpy()]
    slope, intercept = np.polyfit(x, series.dropna().to_numpy(), 1)
    return slope * (len(series) - 1 + ahead) + intercept


def _error_row(
    where: tuple[str, str, int],
    measure: str,
    actual: float,
    forecasts: tuple[np.ndarray, float, float],
) -> dict[str, Any]:
    """One measure's published value beside the model's and the naive forecasts, with their
    absolute errors (% of published) and whether each of the model's central intervals holds it.

    ``where``: council, projected year, horizon; ``forecasts``: the model's replications (their
    mean is its projection), same as last year, linear trend.
    """
    draws, last, trend = forecasts
    projected = float(np.mean(draws))
    row: dict[str, Any] = {
        "council": where[0],
        "hold_out": where[1],
        "horizon": where[2],
        "measure": measure,
        "published": actual,
        "model": projected,
        "same_as_last_year": last,
        "linear_trend": trend,
        "model_abs_pct_error": abs(projected - actual) / actual * 100,
        "last_year_abs_pct_error": abs(last - actual) / actual * 100,
        "trend_abs_pct_error": abs(trend - actual) / actual * 100,
    }
    for level, lo, hi in INTERVALS:
        low, high = np.quantile(draws, [lo, hi])
        row[f"low_{level}"], row[f"high_{level}"] = float(low), float(high)
        row[f"inside_{level}"] = bool(low <= actual <= high)
    return row


def backtest_council(
    la: str,
    hold_out: str,
    *,
    horizon: int = 1,
    iterations: int = 14,
    replications: int = 2,
    late_replications: int = 4,
    projection_replications: int = 40,
    tolerance_pct: float = 2.0,
    polish_rounds: int = FULL_FIT.polish_rounds,
    keep_fit: Path | None = None,
    reuse_fits: Path | None = None,
    stock_pull: float = STOCK_PULL,
    log: Callable[[str], None] = lambda _: None,
) -> pd.DataFrame:
    """Errors per measure and horizon of the model and of the two naive forecasts for one
    council, with whether the model's 50%, 80% and 90% intervals held the published figure.

    The council is fitted on the years up to ``horizon`` years before ``hold_out`` and projected
    ``horizon`` years, to ``hold_out``. ``replications`` per early fit iteration and
    ``late_replications`` per later one (see :func:`calibration.council.calibrate`); the
    projection runs ``projection_replications`` at the council's size, each with a future drawn
    from its and its neighbours' published changes up to the fitted year, on the council's own
    projection seed (not the fit's: the fit must not have seen them; and not another council's:
    councils sharing a seed would share its luck, and a median over councils would carry it).

    ``keep_fit``: a folder the council's fitted parameters are written to (``<slug>.yaml``, with
    the fit's settings and the model that made it). ``reuse_fits``: a folder of such files; a
    fit there with the same settings is projected instead of fitting again (the fit is most of
    a back-test's time: a change to the projection alone can be tried on fits made before it).
    ``stock_pull``: the share of the gap to the neighbours' looked-after rate closed a year.
    """
    area = find_area(la)
    hist = history(area)
    if hold_out not in hist.table.index:
        raise ValueError(f"--hold-out: no figures for {area.name} in {hold_out}")
    fitted = later_year(hold_out, -horizon)
    if fitted not in hist.table.index:
        raise ValueError(f"--horizon {horizon}: no figures for {area.name} in {fitted} to fit on")
    settings = {
        "council": area.name,
        "fitted_on_years_to": fitted,
        "iterations": iterations,
        "replications": replications,
        "late_replications": late_replications,
        "tolerance_pct": tolerance_pct,
        "polish_rounds": polish_rounds,
    }
    params = reused_fit(reuse_fits / f"{area.slug}.yaml", settings) if reuse_fits else None
    reused = params is not None
    params = params if params is not None else _fit(settings, log)
    if keep_fit is not None:
        write_fit(keep_fit / f"{area.slug}.yaml", settings, params)
    stock_toward_neighbours(params, stock_pull)  # as calibrate does (a kept fit may predate it)
    pop = scaling_population(hist.table, fitted, hold_out)
    yearly = project(area.name, params, fitted, horizon, pop, projection_replications)
    frame = _compare(area.name, hist.table, fitted, horizon, yearly)
    frame.attrs["fit"] = "kept" if reused else "new"  # for the run's summary
    return frame


def _fit(settings: dict[str, Any], log: Callable[[str], None]) -> dict[str, Any]:
    """The council's fit as :func:`calibration.council.calibrate` makes it, with ``settings``
    (as :func:`backtest_council` records them)."""
    options = {k: v for k, v in settings.items() if k not in ("council", "fitted_on_years_to")}
    params, _ = calibrate(
        settings["council"], year=settings["fitted_on_years_to"], log=log, **options
    )
    return params


def write_fit(path: Path, settings: dict[str, Any], params: dict[str, Any]) -> None:
    """A back-test's fit of one council: its settings, the model that made it, its parameters
    (written whole or not at all: an interrupted run leaves no half file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "settings": settings,
        "model_version": model_version(),
        "code_fingerprint": code_fingerprint(),
        "parameters": plain(params),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    tmp.replace(path)


def reused_fit(path: Path, settings: dict[str, Any]) -> dict[str, Any] | None:
    """The parameters of a fit written by :func:`write_fit` with the same ``settings``, or None
    (no file, or other settings). The model that made it may differ from today's: reusing a fit
    is for trying a change to the projection on fits made before it."""
    if not path.exists():
        return None
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(record, dict) or record.get("settings") != settings:
        return None
    return record["parameters"]


def _compare(
    council: str, table: pd.DataFrame, fitted: str, horizon: int, yearly: pd.DataFrame
) -> pd.DataFrame:
    """Rows of :func:`_error_row` for each projected year up to ``horizon`` and measure."""
    years = [y for y in table.index if y <= fitted][-3:]
    rows: list[dict[str, Any]] = []
    for h in range(1, horizon + 1):
        year = later_year(fitted, h)  # a DfE reporting year is the projection's financial year
        if year not in table.index:
            continue
        this = yearly[yearly["financial_year"] == year]
        for m in (m for m in MEASURES if m in table):
            actual = table.at[year, m]
            draws = this.loc[this["measure"] == m, "value"].to_numpy(dtype=float)
            if np.isnan(actual) or actual == 0 or draws.size == 0:
                continue
            trend = _linear_trend(table.loc[years, m].astype(float), h)
            last = table.at[fitted, m]
            rows.append(_error_row((council, year, h), m, actual, (draws, last, trend)))
    return pd.DataFrame(rows)


def backtest_or_reason(la: str, hold_out: str, **options: Any) -> tuple[pd.DataFrame | None, str]:
    """:func:`backtest_council`, or None and why it could not be done (for runs over councils,
    where one council's missing figures must not stop the others)."""
    try:
        return backtest_council(la, hold_out, **options), ""
    except ValueError as exc:
        return None, str(exc)


def _median_se(values: np.ndarray, resamples: int = 1000) -> float:
    """Bootstrap standard error of the median over councils (resampled with a fixed seed, so
    the same results give the same figure): how far chance in which councils were dealt moves
    a median, against which to read differences between medians."""
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(values), size=(resamples, len(values)))
    return float(np.median(values[picks], axis=1).std())


def summarise_backtest(results: pd.DataFrame) -> pd.DataFrame:
    """Per horizon and measure: median and 90th percentile absolute % error, how often the model
    wins, and how often its 50%, 80% and 90% intervals held the published figure.

    With each median its bootstrap standard error, and with the share of councils where the
    model beats last year its binomial one: a model within them of a naive forecast is no
    better or worse than it on this evidence.
    """
    out = []
    if "horizon" not in results:
        results = results.assign(horizon=1)
    for (h, m), g in results.groupby(["horizon", "measure"], sort=False):
        beats = float((g["model_abs_pct_error"] < g["last_year_abs_pct_error"]).mean())
        coverage = {
            f"inside_{level}": float(g[f"inside_{level}"].mean())
            for level, _, _ in INTERVALS
            if f"inside_{level}" in g
        }
        out.append(
            {
                "horizon": int(h),
                "measure": m,
                "councils": len(g),
                "model_median_ape": g["model_abs_pct_error"].median(),
                "model_median_ape_se": _median_se(g["model_abs_pct_error"].to_numpy()),
                "model_p90_ape": g["model_abs_pct_error"].quantile(0.9),
                "last_year_median_ape": g["last_year_abs_pct_error"].median(),
                "trend_median_ape": g["trend_abs_pct_error"].median(),
                "model_beats_last_year": beats,
                "model_beats_last_year_se": float(np.sqrt(beats * (1 - beats) / len(g))),
                "model_beats_trend": float(
                    (g["model_abs_pct_error"] < g["trend_abs_pct_error"]).mean()
                ),
                **coverage,
            }
        )
    return pd.DataFrame(out)


def coverage_frame(summary: pd.DataFrame, hold_out: str, horizon: int) -> pd.DataFrame:
    """A back-test summary's coverage, as ``sim/data/reference/backtest_coverage.csv`` ships it
    (:mod:`sim.inputs.range_evidence`): per years ahead and measure, the councils and the share
    inside each range, with the year projected to and the year fitted on."""
    cols = ["measure", "horizon", "councils", "inside_50", "inside_80", "inside_90"]
    out = summary[cols].copy()
    out["hold_out"] = [later_year(hold_out, int(h) - horizon) for h in out["horizon"]]
    out["fitted"] = later_year(hold_out, -horizon)
    return out


def backtest_record(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One council's back-test as it is kept in its parameter file's provenance.

    Per measure (and years ahead): the published and projected values for the held-out year,
    the model's signed error (% of published), its 50%, 80% and 90% ranges, and the absolute
    errors of the two naive forecasts beside it.
    """
    out = []
    for _, r in frame.iterrows():
        out.append(
            {
                "year": r["hold_out"],
                "years_ahead": int(r.get("horizon", 1)),
                "measure": r["measure"],
                "published": round(float(r["published"]), 1),
                "model": round(float(r["model"]), 1),
                "error_pct": round(float((r["model"] - r["published"]) / r["published"] * 100), 1),
                "range_50": [round(float(r["low_50"]), 1), round(float(r["high_50"]), 1)],
                "range_80": [round(float(r["low_80"]), 1), round(float(r["high_80"]), 1)],
                "range_90": [round(float(r["low_90"]), 1), round(float(r["high_90"]), 1)],
                "same_as_last_year_abs_error_pct": round(float(r["last_year_abs_pct_error"]), 1),
                "linear_trend_abs_error_pct": (
                    None
                    if np.isnan(r["trend_abs_pct_error"])
                    else round(float(r["trend_abs_pct_error"]), 1)
                ),
            }
        )
    return out
