"""Back-test: calibrate on the years up to Y-1, project year Y, compare with what was published.

For each measure the model's error is set beside two naive forecasts: the same as last year, and
the linear trend of the last three years. Projections are made at 100,000 children and scaled to
the council's population (rates per 10,000 are what the model is calibrated to; a larger run is
less noisy).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from calibration.council import calibrate, council_seed
from calibration.ees import find_area, history
from sim.experiments.experiment import single_run
from sim.experiments.outputs import monthly_frame, yearly_frame
from sim.inputs.scenario import scenario_from_dict

MEASURES = (
    "referrals",
    "cp_plans_started",
    "care_entries",
    "looked_after",
    "children_in_need",
    "cp_plans",
)
RUN_POPULATION = 100_000


def previous_year(year: str) -> str:
    """'2024-25' -> '2023-24'."""
    y = int(year[:4]) - 1
    return f"{y}-{(y + 1) % 100:02d}"


def scaling_population(table: pd.DataFrame, fitted: str, hold_out: str) -> float:
    """The children a projection's counts per child are scaled to.

    The run starts from the council's rates per child in the fitted year and grows its own
    population from there (``demand.population_growth_per_year``), so its counts scale by the
    fitted year's population; the held-out year's would count the growth twice. The held-out
    year's stands in when the fitted year has none.
    """
    pop = table.at[fitted, "population"]
    return float(table.at[hold_out, "population"] if np.isnan(pop) else pop)


def _project(name: str, params: dict[str, Any], hold_out: str, replications: int) -> pd.Series:
    """The held-out year's mean count per measure, at :data:`RUN_POPULATION` children, on the
    council's own projection seed."""
    params = {k: v for k, v in params.items() if not k.startswith("_")}
    scenario = scenario_from_dict(
        {
            "name": f"backtest {name}",
            "population": RUN_POPULATION,
            "start_date": f"{hold_out[:4]}-04-01",
            "years": 1,
            "seed": council_seed(name, "projection"),
            "replications": replications,
            "parameters": params,
        },
        file="<backtest>",
    )
    frames = [monthly_frame(single_run(scenario, r)) for r in range(replications)]
    yearly = yearly_frame(pd.concat(frames, ignore_index=True))
    return yearly.groupby("measure")["value"].mean()


def _linear_trend(series: pd.Series) -> float:
    """The linear trend of the years given, one year on (NaN with fewer than two figures)."""
    if series.notna().sum() < 2:
        return np.nan
    x = np.arange(len(series))[series.notna().to_numpy()]
    slope, intercept = np.polyfit(x, series.dropna().to_numpy(), 1)
    return slope * len(series) + intercept


def _error_row(
    council: str, hold_out: str, measure: str, actual: float, forecasts: tuple[float, float, float]
) -> dict[str, Any]:
    """One measure's published value beside the model's and the naive forecasts (``forecasts``:
    model, same as last year, linear trend), with their absolute errors, % of published."""
    projected, last, trend = forecasts
    return {
        "council": council,
        "hold_out": hold_out,
        "measure": measure,
        "published": actual,
        "model": projected,
        "same_as_last_year": last,
        "linear_trend": trend,
        "model_abs_pct_error": abs(projected - actual) / actual * 100,
        "last_year_abs_pct_error": abs(last - actual) / actual * 100,
        "trend_abs_pct_error": abs(trend - actual) / actual * 100,
    }


def backtest_council(
    la: str,
    hold_out: str,
    *,
    iterations: int = 14,
    replications: int = 2,
    late_replications: int = 4,
    projection_replications: int = 16,
    tolerance_pct: float = 2.0,
    log: Callable[[str], None] = lambda _: None,
) -> pd.DataFrame:
    """Errors per measure of the model and of the two naive forecasts for one council.

    ``replications`` per early fit iteration and ``late_replications`` per later one (see
    :func:`calibration.council.calibrate`); the projection is the mean of
    ``projection_replications`` on the council's own projection seed (not the fit's: the fit
    must not have seen them; and not another council's: councils sharing a seed would share its
    luck, and a median over councils would carry it).
    """
    area = find_area(la)
    hist = history(area)
    if hold_out not in hist.table.index:
        raise ValueError(f"--hold-out: no figures for {area.name} in {hold_out}")
    prev = previous_year(hold_out)
    params, _ = calibrate(
        area.name,
        year=prev,
        iterations=iterations,
        replications=replications,
        late_replications=late_replications,
        tolerance_pct=tolerance_pct,
        log=log,
    )
    model = _project(area.name, params, hold_out, projection_replications)
    pop = scaling_population(hist.table, prev, hold_out)
    years = [y for y in hist.table.index if y <= prev][-3:]
    rows: list[dict[str, Any]] = []
    for m in MEASURES:
        actual = hist.table.at[hold_out, m]
        if np.isnan(actual) or actual == 0:
            continue
        projected = model.get(m, np.nan) / RUN_POPULATION * pop
        trend = _linear_trend(hist.table.loc[years, m].astype(float))
        last = hist.table.at[prev, m]
        rows.append(_error_row(area.name, hold_out, m, actual, (projected, last, trend)))
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
    """Median and 90th percentile absolute % error per measure, and how often the model wins.

    With each median its bootstrap standard error, and with the share of councils where the
    model beats last year its binomial one: a model within them of a naive forecast is no
    better or worse than it on this evidence.
    """
    out = []
    for m, g in results.groupby("measure", sort=False):
        beats = float((g["model_abs_pct_error"] < g["last_year_abs_pct_error"]).mean())
        out.append(
            {
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
            }
        )
    return pd.DataFrame(out)


def backtest_record(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One council's back-test as it is kept in its parameter file's provenance.

    Per measure: the published and projected values for the held-out year, the model's signed
    error (% of published), and the absolute errors of the two naive forecasts beside it.
    """
    out = []
    for _, r in frame.iterrows():
        out.append(
            {
                "measure": r["measure"],
                "published": round(float(r["published"]), 1),
                "model": round(float(r["model"]), 1),
                "error_pct": round(float((r["model"] - r["published"]) / r["published"] * 100), 1),
                "same_as_last_year_abs_error_pct": round(float(r["last_year_abs_pct_error"]), 1),
                "linear_trend_abs_error_pct": (
                    None
                    if np.isnan(r["trend_abs_pct_error"])
                    else round(float(r["trend_abs_pct_error"]), 1)
                ),
            }
        )
    return out
