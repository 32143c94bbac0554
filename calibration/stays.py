"""Stays that depend on how a child leaves care, fitted to DfE's exits by duration of care.

DfE publishes the children ceasing care in a year by reason and, separately, by the duration of
their last period of care (Children looked after in England, national tables: ceased during the
year). A return home comes mostly early, an adoption or special guardianship order after longer,
and leaving at 18 when a stay outlasts childhood: the model draws each stay for the way it will
end (``sim.inputs.parameters.ExitStay``), relative to the council's own stay for the age.

:func:`exits_by_stay` gives, in closed form, the steady state's exits by duration band and by
reason for a parameter set (entrants at the entry ages of ``looked_after.entry_age_weights``, or
of ``opening_entry_age_weights`` where a council's fit set them to its pathway's own,
unaccompanied children until 18, remands as short stays); :func:`fit_stay_by_exit` fits the
reasons' scales and spreads to the national duration table while holding the published evidence
on adoption (about 2 years 3 months from entering care). ``python -m calibration.stays --fit``
prints the fit that ``sim.inputs.parameters.STAY_BY_EXIT`` holds.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from calibration.ees import EES_DIR
from calibration.england import PARAMS_FILE
from sim.core.calendar import DAYS_PER_YEAR
from sim.core.distributions import Lognormal
from sim.core.entities import AGE_OF_MAJORITY, CARE_STAY_BANDS, Exit
from sim.inputs.parameters import ExitStay, LookedAfter, Parameters

#: DfE's national table of children ceasing care (shipped unchanged; SOURCE.md beside it).
NATIONAL_CEASED = EES_DIR / "national_children_who_ceased_to_be_looked_after_during_the_year.csv"
#: The table's duration bands, in :data:`CARE_STAY_BANDS`'s order.
PUBLISHED_BANDS = (
    "1. Under 2 weeks",
    "2. From 2 weeks to under 8 weeks",
    "3. From 8 weeks to under 6 months",
    "4. From 6 months to under 1 year",
    "5. From 1 year to under 2 years",
    "6. From 2 years to under 3 years",
    "7. From 3 years to under 5 years",
    "8. From 5 years to under 10 years",
    "9. 10 years and over",
)
#: DfE Children looked after in England 2024, national tables (starts 2023-24): 33,050 children
#: started to be looked after, 7,270 of them unaccompanied asylum-seeking children and 510 on
#: youth justice legal statuses (remands).
STARTS, UASC_STARTS, REMAND_STARTS = 33_050, 7_270, 510
#: Adoption: about 2 years 3 months on average from entering care to adoption (DfE Children
#: looked after in England 2022, as reported by Adoption UK, 17 November 2022).
ADOPTION_MEAN_YEARS = 2.25
#: Returns home: judgement, mostly within months (the mean stay of one large council's 2009-2015
#: entrants who returned home was 53 days: Child & Family Social Work, December 2019, as
#: summarised by CYP Now), longer nationally, where 28% of all exits come within six months.
RETURNED_HOME_MEAN_YEARS = 0.5
#: Special guardianship and child arrangements orders: judgement, about three years on average
#: (most are made for children under five, at or after the end of care proceedings; no national
#: figure is published), held more loosely than the evidence above.
ORDER_MEAN_YEARS = 3.0
#: Ages at entry a year is split into for the closed-form steady state.
_STEPS_A_YEAR = 12
#: Bounds of the fitted logs of scale and spread (scale 0.05-3, spread 0.5-2).
_BOUNDS = ((math.log(0.05), math.log(3.0)), (math.log(0.5), math.log(2.0)))
_FITTED = (Exit.RETURNED_HOME, Exit.SGO, Exit.CAO, Exit.ADOPTION, Exit.OTHER)


def published_stay_shares(year: int = 2024) -> dict[str, float]:
    """England's children ceasing care in the year ending 31 March ``year`` by duration of their
    last period of care, in % of all who ceased (DfE's national table)."""
    t = pd.read_csv(NATIONAL_CEASED, dtype=str)
    t = t[(t.time_period == str(year)) & (t.cla_group == "Duration of last period of care")]
    n = dict(zip(t.characteristic, pd.to_numeric(t.number, errors="coerce"), strict=True))
    total = sum(n[b] for b in PUBLISHED_BANDS)
    names = [name for name, _, _ in CARE_STAY_BANDS]
    return {name: 100 * n[b] / total for name, b in zip(names, PUBLISHED_BANDS, strict=True)}


def _ncdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def _lognormal_cdf(t: np.ndarray, median: float, sigma: float) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    with np.errstate(divide="ignore"):
        z = np.where(t > 0, np.log(np.maximum(t, 1e-300) / median) / sigma, -np.inf)
    return _ncdf(z)


def _band_edges() -> np.ndarray:
    return np.array([0.0] + [upper for _, _, upper in CARE_STAY_BANDS])


def _truncated_bands(median: float, sigma: float, to_18: float) -> np.ndarray:
    """Shares of exits by band for a lognormal stay cut at ``to_18`` days (leaving at 18)."""
    edges = np.minimum(_band_edges(), to_18)
    cdf = _lognormal_cdf(edges, median, sigma)
    out = np.diff(cdf)
    band = int(np.searchsorted(_band_edges(), to_18, side="right") - 1)
    out[min(band, len(out) - 1)] += 1 - _lognormal_cdf(np.array([to_18]), median, sigma)[0]
    return out


def _entry_ages(weights: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    w = np.repeat(np.asarray(weights, float) / sum(weights), _STEPS_A_YEAR) / _STEPS_A_YEAR
    ages = (np.arange(len(w)) + 0.5) / _STEPS_A_YEAR
    return ages, w


def exits_by_stay(params: Parameters) -> dict[str, Any]:
    """The steady state's exits by duration band (``bands``, % of all) and, per reason, the
    share of all exits (``reasons``) and the mean stay in years (``mean_years``)."""
    la = params.looked_after
    bands = np.zeros(len(CARE_STAY_BANDS))
    by_reason: dict[Exit, list[float]] = {e: [0.0, 0.0] for e in Exit}
    cared = (STARTS - UASC_STARTS - REMAND_STARTS) / STARTS
    ages, weights = _entry_ages(la.opening_entry_ages())
    for a, w in zip(ages, weights, strict=True):
        to_18 = (AGE_OF_MAJORITY - a) * DAYS_PER_YEAR
        j = max(0, int(np.searchsorted(la.exit_age_bands, a, side="right")) - 1)
        mix = {e: m[j] for e, m in la.exit_mix.items() if m[j] > 0}
        base = la.duration.for_age(a)
        if not isinstance(base, Lognormal):
            raise ValueError(f"exits_by_stay: lognormal stays only, found {base.kind} at age {a}")
        for e, m in mix.items():
            p = cared * w * m / sum(mix.values())
            shape = la.stay_by_exit.get(e, ExitStay()) if la.stay_by_exit else ExitStay()
            median = la.planned_stay(e, a, 0.5)
            sigma = base.sigma * shape.spread
            shares = _truncated_bands(median, sigma, to_18)
            bands += p * shares
            stays_18 = 1 - _lognormal_cdf(np.array([to_18]), median, sigma)[0]
            by_reason[e][0] += p * (1 - stays_18)
            by_reason[Exit.AGE_18][0] += p * stays_18
            mean_cut = _truncated_mean(median, sigma, to_18)
            by_reason[e][1] += p * (mean_cut - stays_18 * to_18)
            by_reason[Exit.AGE_18][1] += p * stays_18 * to_18
    _add_unaccompanied_and_remands(params, bands, by_reason)
    return {
        "bands": dict(zip([b for b, _, _ in CARE_STAY_BANDS], 100 * bands, strict=True)),
        "reasons": {e.value: 100 * v[0] for e, v in by_reason.items()},
        "mean_years": {
            e.value: v[1] / v[0] / DAYS_PER_YEAR for e, v in by_reason.items() if v[0] > 0
        },
    }


def _truncated_mean(median: float, sigma: float, cut: float) -> float:
    """``E[min(T, cut)]`` of a lognormal stay ``T``."""
    mean = median * math.exp(sigma**2 / 2)
    z = (math.log(cut / median) - sigma**2) / sigma
    below = mean * float(_ncdf(np.array([z]))[0])
    return below + cut * (1 - float(_lognormal_cdf(np.array([cut]), median, sigma)[0]))


def _add_unaccompanied_and_remands(
    params: Parameters, bands: np.ndarray, by_reason: dict[Exit, list[float]]
) -> None:
    """Unaccompanied children stay until 18; remands end after their own (short) stays."""
    ages, weights = _entry_ages(params.demand.uasc_age_weights)
    p_uasc = UASC_STARTS / STARTS
    for a, w in zip(ages, weights, strict=True):
        to_18 = (AGE_OF_MAJORITY - a) * DAYS_PER_YEAR
        band = int(np.searchsorted(_band_edges(), to_18, side="right") - 1)
        bands[band] += p_uasc * w
        by_reason[Exit.AGE_18][0] += p_uasc * w
        by_reason[Exit.AGE_18][1] += p_uasc * w * to_18
    remand = params.youth_justice.duration
    if isinstance(remand, Lognormal):
        p = REMAND_STARTS / STARTS
        bands += p * _truncated_bands(remand.median_days, remand.sigma, math.inf)
        by_reason[Exit.OTHER][0] += p
        by_reason[Exit.OTHER][1] += p * remand.mean


def with_stay_by_exit(params: Parameters, stays: dict[Exit, ExitStay]) -> Parameters:
    """``params`` with ``looked_after.stay_by_exit`` replaced."""
    la = LookedAfter.model_validate({**dict(params.looked_after), "stay_by_exit": stays})
    return params.model_copy(update={"looked_after": la})


def _stays(x: np.ndarray) -> dict[Exit, ExitStay]:
    return {
        e: ExitStay(scale=round(math.exp(x[2 * k]), 3), spread=round(math.exp(x[2 * k + 1]), 3))
        for k, e in enumerate(_FITTED)
    }


def _loss(params: Parameters, x: np.ndarray, bands: dict[str, float], reasons: dict) -> float:
    """Squared misses in points: exits by band against the table, exits by reason against
    ``reasons`` (the council's as fitted, so the reason shares hold; weighed four times: with
    one weight England's first year sent 36.2% of exits to 18 against DfE's 32.9%), and the
    mean stays of
    adoptions and returns home against their evidence (a year off weighs 5 points; SGOs and
    CAOs against a judgement, 3 points)."""
    out = exits_by_stay(with_stay_by_exit(params, _stays(x)))
    miss = sum((out["bands"][b] - bands[b]) ** 2 for b in bands)
    miss += 4 * sum((out["reasons"][e] - reasons[e]) ** 2 for e in reasons)
    years = out["mean_years"]
    miss += 25 * (years.get(Exit.ADOPTION.value, ADOPTION_MEAN_YEARS) - ADOPTION_MEAN_YEARS) ** 2
    home = years.get(Exit.RETURNED_HOME.value, RETURNED_HOME_MEAN_YEARS)
    miss += 25 * (home - RETURNED_HOME_MEAN_YEARS) ** 2
    for e in (Exit.SGO, Exit.CAO):
        miss += 9 * (years.get(e.value, ORDER_MEAN_YEARS) - ORDER_MEAN_YEARS) ** 2
    return miss


def fit_stay_by_exit(params: Parameters, year: int = 2024, rounds: int = 5) -> dict[Exit, ExitStay]:
    """Scales and spreads by reason that bring the steady state's exits by duration band to
    DfE's national table, keep its exits by reason, and hold adoptions near
    :data:`ADOPTION_MEAN_YEARS` and returns home near :data:`RETURNED_HOME_MEAN_YEARS` on
    average (a pattern search on their logs within bounds, steps halving each round)."""
    bands = published_stay_shares(year)
    reasons = exits_by_stay(with_stay_by_exit(params, {}))["reasons"]
    x = np.zeros(2 * len(_FITTED))
    best = _loss(params, x, bands, reasons)
    step = 0.8
    for _ in range(rounds):
        improved = True
        while improved:
            improved = False
            for i in range(len(x)):
                lo, hi = _BOUNDS[i % 2]
                for sign in (1, -1):
                    y = x.copy()
                    y[i] = np.clip(y[i] + sign * step, lo, hi)
                    loss = _loss(params, y, bands, reasons)
                    if loss < best - 1e-9:
                        x, best, improved = y, loss, True
        step /= 2
    return _stays(x)


def england_parameters(path: Path = PARAMS_FILE) -> Parameters:
    return Parameters.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> None:
    """``--fit``: fit the stays by reason to England's table and print them with the fit."""
    ap = argparse.ArgumentParser(prog="python -m calibration.stays")
    ap.add_argument("--fit", action="store_true", help="fit England's stays by way of leaving")
    ap.add_argument("--year", type=int, default=2024, help="year ending 31 March (DfE table)")
    args = ap.parse_args(argv)
    params = england_parameters()
    target = published_stay_shares(args.year)
    if args.fit:
        stays = fit_stay_by_exit(params, args.year)
        for e, s in stays.items():
            print(f"{e.value}: scale {s.scale}, spread {s.spread}")
        params = with_stay_by_exit(params, stays)
    flat = exits_by_stay(with_stay_by_exit(params, {}))
    shaped = exits_by_stay(params)
    print(f"{'band':<8}{'published':>10}{'flat':>8}{'by exit':>9}")
    for b in target:
        print(f"{b:<8}{target[b]:>10.1f}{flat['bands'][b]:>8.1f}{shaped['bands'][b]:>9.1f}")
    for e, years in shaped["mean_years"].items():
        print(
            f"{e}: {flat['reasons'][e]:.1f}% -> {shaped['reasons'][e]:.1f}% of exits, mean stay "
            f"{flat['mean_years'][e]:.2f} -> {years:.2f} years"
        )


if __name__ == "__main__":
    main()
