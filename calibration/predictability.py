"""How much a council's next year can be told from its history: the limit the back-test runs into.

The back-test's naive forecast "same as last year" is the best forecast of a series whose
changes have no memory. For each year this measures, over every council with the figures:

- ``change_correlation``: the correlation of the council's change in rate into the year with its
  change into the year before (0: no memory; below 0: changes partly undone the next year);
- ``toward_neighbours``: the share of councils whose rate moved toward their statistical
  neighbours' mean of the year before (0.5: no pull toward peers);
- ``median_abs_change_pct``: the median size of the change, % (the error of "same as last
  year" that a forecast of the change must beat).

:func:`stronger_pull` asks whether the targets' pull toward the neighbours should be stronger;
:func:`toward_neighbours_ahead` whether one, two and three years on a council's count is
foreseen better by moving its rate part of the way to its neighbours' than by "same as last
year"; :func:`less_spread` how a back-test's results would read if the model met its targets
more tightly.

``python -m calibration.predictability [measure ...]`` prints the first table;
``python -m calibration.predictability --ahead [measure ...]`` the forecasts moved toward the
neighbours (median absolute % error by start year, years ahead and share moved);
``python -m calibration.predictability --model RESULTS.csv [measure ...]`` a back-test's
projections moved toward the neighbours (:func:`model_toward_neighbours`).
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from calibration.backtest import later_year, previous_year, scaling_population
from calibration.council import _recent_rate, council_targets
from calibration.ees import COUNTS, History, find_area, history
from calibration.future import histories_and_neighbours, rate_per_10k


def _targets(
    hists: dict[str, History],
    peers: dict[str, tuple[str, ...]],
    name: str,
    year: str,
    england: History,
) -> tuple[dict[str, float], dict]:
    """The council's targets for ``year`` as calibration makes them, and how each was made."""
    return council_targets(hists[name], year, [hists[n] for n in peers[name]], england)


#: Measures whose target is the council's own rate pulled toward its neighbours'.
PULLED = ("referrals", "cp_plans_started", "children_in_need", "cp_plans")


def _pulled(measure: str) -> None:
    if measure not in PULLED:
        raise ValueError(
            f"measure: {measure!r} has no target pulled toward the neighbours; "
            f"expected one of {', '.join(PULLED)}"
        )


def predictability(measure: str, years: list[str]) -> pd.DataFrame:
    """One row per year in ``years`` (each against the two before it); see the module doc."""
    hists, peers = histories_and_neighbours()
    tables = {name: h.table for name, h in hists.items()}
    rows = []
    for year in years:
        last, before = previous_year(year), previous_year(previous_year(year))
        now_changes, last_changes, toward = [], [], []
        for name in peers:
            t = tables[name]
            r0, r1, r2 = (rate_per_10k(t, measure, y) for y in (before, last, year))
            if np.isnan([r0, r1, r2]).any() or min(r0, r1, r2) <= 0:
                continue
            now_changes.append(r2 / r1 - 1)
            last_changes.append(r1 / r0 - 1)
            nbr = [rate_per_10k(tables[n], measure, last) for n in peers[name]]
            nbr = [v for v in nbr if not np.isnan(v)]
            if nbr and np.mean(nbr) != r1:
                toward.append((r2 - r1) * (np.mean(nbr) - r1) > 0)
        if len(now_changes) < 3:
            continue
        rows.append(
            {
                "year": year,
                "measure": measure,
                "councils": len(now_changes),
                "change_correlation": float(np.corrcoef(now_changes, last_changes)[0, 1]),
                "toward_neighbours": float(np.mean(toward)) if toward else float("nan"),
                "median_abs_change_pct": float(np.median(np.abs(now_changes)) * 100),
            }
        )
    return pd.DataFrame(rows)


def stronger_pull(measure: str, years: list[str], pulls: tuple[float, ...]) -> pd.DataFrame:
    """Each council's target for ``measure`` (one of :data:`PULLED`) as calibration makes it
    (:func:`calibration.council.council_targets`: its own rate, weight n / (n + 30), the rest on
    its neighbours'), with the council's weight cut by a further share ``pull``: per year and
    pull, the median absolute % error against the year's rate and the share of councils where
    the target is closer than last year's rate."""
    _pulled(measure)
    hists, peers = histories_and_neighbours()
    england = history("England")
    rows = []
    for year in years:
        last = previous_year(year)
        errors: dict[float, list[float]] = {p: [] for p in pulls}
        closer: dict[float, list[bool]] = {p: [] for p in pulls}
        for name in peers:
            h = hists[name]
            now, before = rate_per_10k(h.table, measure, year), rate_per_10k(h.table, measure, last)
            if np.isnan([now, before]).any() or now <= 0:
                continue
            targets, how = _targets(hists, peers, name, last, england)
            made = how[measure]
            if made["neighbours"] is None:
                continue
            gap = made["weight_on_council"] * (made["council"] - made["neighbours"])
            for p in pulls:
                target = targets[measure] - p * gap
                errors[p].append(abs(target - now) / now * 100)
                closer[p].append(abs(target - now) < abs(before - now))
        for p in pulls:
            if errors[p]:
                rows.append(
                    {
                        "year": year,
                        "pull": p,
                        "median_ape": float(np.median(errors[p])),
                        "closer_than_last_year": float(np.mean(closer[p])),
                    }
                )
    return pd.DataFrame(rows)


def toward_neighbours_ahead(
    measure: str, starts: list[str], horizons: tuple[int, ...], pulls: tuple[float, ...]
) -> pd.DataFrame:
    """Forecasts of ``measure`` ``h`` years on from each start year: the start year's count
    with the council's rate moved a share ``pull`` of the way to its statistical neighbours'
    mean rate that year (0: "same as last year"). Per start year, years ahead and pull: the
    councils and the median absolute % error against the published count (counts under 20
    left out, as the back-test leaves them out)."""
    hists, peers = histories_and_neighbours()
    tables = {name: h.table for name, h in hists.items()}
    rows = []
    for start in starts:
        for h in horizons:
            year = later_year(start, h)
            cases = []
            for name in peers:
                t = tables[name]
                if start not in t.index or year not in t.index:
                    continue
                last, actual = float(t.at[start, measure]), float(t.at[year, measure])
                rate = rate_per_10k(t, measure, start)
                nbr = [rate_per_10k(tables[n], measure, start) for n in peers[name]]
                nbr = [v for v in nbr if not np.isnan(v)]
                if not nbr or np.isnan([last, actual, rate]).any() or min(last, actual) < 20:
                    continue
                cases.append((last, actual, rate, float(np.mean(nbr))))
            if not cases:
                continue
            last, actual, rate, nbr = np.array(cases).T
            for p in pulls:
                forecast = last * ((1 - p) * rate + p * nbr) / rate
                rows.append(
                    {
                        "start": start,
                        "year": year,
                        "years_ahead": h,
                        "pull": p,
                        "councils": len(cases),
                        "median_ape": float(np.median(np.abs(forecast / actual - 1)) * 100),
                    }
                )
    return pd.DataFrame(rows)


def model_toward_neighbours(
    results: pd.DataFrame, measure: str, pulls: tuple[float, ...]
) -> pd.DataFrame:
    """A back-test's projections of ``measure`` (``results`` as ``backtest --all`` writes them)
    moved toward each council's statistical neighbours as a drift in its future would move
    them: ``model * exp(gap * (1 - (1 - pull) ** h))`` ``h`` years on, ``gap`` the log gap from
    the council's rate in the fitted year (its last three years weighted, as its targets are
    made) to its neighbours' mean rate. Per years ahead and pull: the councils, the median
    absolute % error and that of "same as last year" (counts under 20 left out). Exact for a
    flow the drift moves directly; for a stock, what a drift of the stock itself would do."""
    hists, peers = histories_and_neighbours()
    rows = results[(results["measure"] == measure) & (results["published"] >= 20)]
    cases = []
    for (council, hold_out, h), r in rows.groupby(["council", "hold_out", "horizon"]):
        name = find_area(council).name
        fitted = later_year(hold_out, -int(h))
        own = _recent_rate(hists[name], measure, fitted)
        nbr = [
            v
            for v in (_recent_rate(hists[n], measure, fitted) for n in peers.get(name, ()))
            if v > 0
        ]
        gap = float(np.log(np.mean(nbr) / own)) if nbr and own > 0 else 0.0
        row = r.iloc[0]
        cases.append((int(h), gap, row["model"], row["published"], row["same_as_last_year"]))
    frame = pd.DataFrame(cases, columns=["h", "gap", "model", "published", "last"])
    out = []
    for h, g in frame.groupby("h"):
        last = float(np.nanmedian(np.abs(g["last"] / g["published"] - 1)) * 100)
        for pull in pulls:
            moved = g["model"] * np.exp(g["gap"] * (1 - (1 - pull) ** h))
            out.append(
                {
                    "years_ahead": h,
                    "pull": pull,
                    "councils": len(g),
                    "median_ape": float(np.nanmedian(np.abs(moved / g["published"] - 1)) * 100),
                    "same_as_last_year": last,
                }
            )
    return pd.DataFrame(out)


def less_spread(results: pd.DataFrame, measure: str, factors: tuple[float, ...]) -> pd.DataFrame:
    """A back-test's projections of ``measure`` (one of :data:`PULLED`; ``results`` as
    ``backtest --all`` writes them) moved toward the targets the fit aimed at by ``factor`` (1:
    as run; 0: the targets themselves): per factor, the share of councils closer than last year
    and the median absolute % error."""
    _pulled(measure)
    hists, peers = histories_and_neighbours()
    england = history("England")
    rows = []
    for (council, hold_out), r in results[results["measure"] == measure].groupby(
        ["council", "hold_out"]
    ):
        name = find_area(council).name
        fitted = previous_year(hold_out)
        targets, _ = _targets(hists, peers, name, fitted, england)
        pop = scaling_population(hists[name].table, fitted, hold_out)
        rows.append((targets[measure] / 1e4 * pop, r.iloc[0]))
    out = []
    for factor in factors:
        closer, errors = [], []
        for target, row in rows:
            if np.isnan([target, row["model"], row["published"]]).any():
                continue
            model = target * (1 + factor * (row["model"] / target - 1))
            closer.append(
                abs(model - row["published"]) < abs(row["same_as_last_year"] - row["published"])
            )
            errors.append(abs(model - row["published"]) / row["published"] * 100)
        out.append(
            {
                "factor": factor,
                "councils": len(closer),
                "closer_than_last_year": float(np.mean(closer)),
                "median_ape": float(np.median(errors)),
            }
        )
    return pd.DataFrame(out)


def model_pull(results: pd.DataFrame, measure: str, pulls: tuple[float, ...]) -> float:
    """The pull (of ``pulls``) whose moved projections (:func:`model_toward_neighbours`) are
    nearest what was published, by median absolute % error averaged over the years ahead."""
    frame = model_toward_neighbours(results, measure, pulls)
    mean = frame.groupby("pull")["median_ape"].mean()
    return float(mean.idxmin())


#: Shares of the way to the neighbours' rate that ``--ahead`` and ``--model`` try (0: "same as
#: last year"; for ``--model``, the model as run).
AHEAD_PULLS = (0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3)


def main(argv: list[str] | None = None) -> None:
    """Print the table for the measures given (default: the back-test's four aims); with
    ``--ahead``, the forecasts moved toward the neighbours one to three years on; with
    ``--model RESULTS.csv``, a back-test's own projections moved so."""
    ap = argparse.ArgumentParser(
        prog="python -m calibration.predictability",
        description="How well published figures foresee themselves, and a back-test's "
        "projections moved toward each council's statistical neighbours.",
    )
    ap.add_argument("measures", nargs="*", help=f"measures, from: {', '.join(sorted(COUNTS))}")
    ap.add_argument("--ahead", action="store_true", help="one to three years on, moved")
    ap.add_argument("--model", metavar="RESULTS.csv", help="a back-test's results file")
    args = ap.parse_args(argv)
    unknown = [m for m in args.measures if m not in COUNTS]
    if unknown:
        ap.error(f"no measure {unknown[0]!r}; the measures are {', '.join(sorted(COUNTS))}")
    fmt = lambda v: f"{v:.2f}"  # noqa: E731
    if args.model:
        try:
            results = pd.read_csv(args.model)
        except (OSError, pd.errors.ParserError) as err:
            ap.error(f"--model {args.model}: cannot read it as a back-test's results ({err})")
        missing = {"council", "hold_out", "horizon", "measure", "model", "published"} - set(
            results.columns
        )
        if missing:
            ap.error(f"--model {args.model}: no column(s) {', '.join(sorted(missing))}")
        for m in args.measures or ["looked_after", "cp_plans"]:
            frame = model_toward_neighbours(results, m, AHEAD_PULLS)
            table = frame.pivot_table(
                index=["years_ahead", "councils", "same_as_last_year"],
                columns="pull",
                values="median_ape",
            )
            print(f"{m}: the model's median absolute % error, moved this share of the gap a year")
            print(table.to_string(float_format=fmt), end="\n\n")
        return
    measures = args.measures or ["referrals", "cp_plans", "care_entries", "looked_after"]
    years = [f"{y}-{(y + 1) % 100:02d}" for y in range(2015, 2025)]
    if not args.ahead:
        frame = pd.concat([predictability(m, years) for m in measures], ignore_index=True)
        print(frame.to_string(index=False, float_format=fmt))
        return
    for m in measures:
        frame = toward_neighbours_ahead(m, years, (1, 2, 3), AHEAD_PULLS)
        table = frame.pivot_table(
            index=["start", "years_ahead", "councils"], columns="pull", values="median_ape"
        )
        print(f"{m}: median absolute % error, rate moved this share of the way to the neighbours'")
        print(table.to_string(float_format=fmt), end="\n\n")


if __name__ == "__main__":
    main()
