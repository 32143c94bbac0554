"""Refit the shipped councils whose fit is furthest from their targets, keeping their back-tests.

``python -m calibration.refit --worse-than 5 --workers 2`` refits, with today's full fit
(:data:`calibration.council.FULL_FIT`), every shipped council file in which a steered count
(referrals, s47 enquiries, CP plans, children in need, care entries, the looked-after stock...;
not a mix or a rate) is more than ``--worse-than`` % from its target in the fit the file
reports, if the refit's worst steered count is nearer its target than the file's. The file is
rewritten in place when its council is done, so an interrupted run loses at most the councils
under way, and a rerun skips the files already fitted with today's settings.

``--before 0.12.0`` refits every file made by an earlier model version instead, whatever its
fit (a change to the model or the fit that every council needs): the file's fit is first
reported again on today's model, and the refit is written unless its worst steered count is
further off than both that and ``--worse-than``; otherwise the file keeps its fitted
parameters with the fit reported again, under today's version.

The back-test a file carries (its council fitted on the years before and projected to the
reference year) is kept, with the model version that made it (``backtest_model_version``): a
refit is about a minute of one core, its back-test as long again, and the back-test is of the
method on the year before, which the refit does not change.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import yaml

from calibration.council import FULL_FIT, calibrate, report_again, write_council_file
from calibration.fit import is_count
from calibration.placement_stock import match_own_stock
from sim.experiments.runner import model_version
from sim.inputs.scenario import COUNCILS_DIR

#: How much nearer its targets (points off on its worst steered count) a refit must come to be
#: written: a fit report is one simulation of 12 runs, and a small council's count carries a
#: standard error of about 3.5% in it, so a smaller gain is as likely luck as a better fit
#: (Telford and Wrekin's refit on 0.11.1 came 5.4% -> 5.2% and its CP plans then rose 7% above
#: the published figure in the first months, against 5% with its earlier fit).
LEAST_GAIN_POINTS = 1.0

#: The provenance entries of a file's back-test, carried over by a refit.
BACKTEST_KEYS = ("backtest_hold_out", "backtest_how", "backtest", "backtest_note")


def worst_count_error(provenance: dict[str, Any]) -> float:
    """The largest absolute % error of a steered count in a file's reported fit (0 if none)."""
    return max(
        (
            abs(float(r["error_pct"]))
            for r in provenance.get("fit", [])
            if r.get("steered") and is_count(r["measure"])
        ),
        default=0.0,
    )


def version_tuple(version: str) -> tuple[int, ...]:
    """``"0.11.0"`` as ``(0, 11, 0)``, for comparing versions."""
    return tuple(int(part) for part in str(version).split("."))


def needs_refit(path: Path, worse_than: float, before: str | None = None) -> bool:
    """Whether a shipped file was made by a model version earlier than ``before`` (if given);
    else whether its fit is more than ``worse_than`` % off on a steered count and was not made
    with today's full fit."""
    prov = yaml.safe_load(path.read_text(encoding="utf-8")).get("provenance", {})
    if before is not None:
        return version_tuple(prov.get("model_version", "0")) < version_tuple(before)
    if prov.get("fit_settings") == FULL_FIT.options():
        return False
    return worst_count_error(prov) > worse_than


def refit_file(path: Path, accept_within: float | None = None) -> tuple[str, float, float, bool]:
    """Refit one shipped council file in place, keeping its back-test; returns the council, its
    worst steered count's error before and after, and whether the refit was written. A refit
    whose worst count is not at least :data:`LEAST_GAIN_POINTS` nearer is not written
    (Westminster's children in need, 8% over in its 0.8.0 fit, came out 20% over: the fit's
    steps on them swing for most of its iterations, and a refit can land on a swing), unless
    it is within ``accept_within`` % (a refit the model's own change asks for).

    With ``accept_within`` (``--before``), the file's fit is first reported again on today's
    model (:func:`calibration.council.report_again`), and the refit is written unless it is
    further off than that and than ``accept_within``; otherwise the file keeps its fitted
    parameters with the fit reported again, under today's version (``fit_made_by_model_version``
    names the one that fitted it), so that a rerun resumes."""
    old = yaml.safe_load(path.read_text(encoding="utf-8"))
    prov = old["provenance"]
    if accept_within is not None:  # a model change: the file's fit as it stands on today's model
        prov["fit"] = report_again(old)
    params, _ = calibrate(prov["council"], year=prov["reference_year"], **FULL_FIT.options())
    new = params["provenance"]
    before, after = worst_count_error(prov), worst_count_error(new)
    if accept_within is not None and after > max(before, accept_within):
        prov["fit_made_by_model_version"] = prov["model_version"]
        prov["model_version"] = model_version()
        write_council_file(old, path)  # its fit kept, reported again on today's model
        return prov["council"], before, after, False
    if accept_within is None and after > before - LEAST_GAIN_POINTS:
        return prov["council"], before, after, False
    match_own_stock(params)  # the fit moved the stays, and with them the placements held
    for key in BACKTEST_KEYS:
        if key in prov:
            new[key] = prov[key]
    if "backtest" in prov or "backtest_note" in prov:
        new["backtest_model_version"] = prov.get("backtest_model_version", prov["model_version"])
    write_council_file(params, path)
    return prov["council"], before, after, True


def match_placements(path: Path) -> tuple[str, float | None]:
    """Scale a shipped council file's placements once more on its fitted stays
    (:func:`calibration.placement_stock.match_own_stock`) and rewrite it; returns the file's
    name and the largest gap (points) its children in care held to its own shares before (None
    for a file without its own placement mix, left as it was)."""
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    got = match_own_stock(params)
    if got is None:
        return path.name, None
    write_council_file(params, path)
    want = params["provenance"]["placement_mix"]["shares"]
    return path.name, max(abs(got[g] - want[g]) for g in want)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worse-than", type=float, default=5.0, help="%% off on a steered count")
    ap.add_argument("--folder", type=Path, default=COUNCILS_DIR)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument(
        "--before",
        metavar="VERSION",
        help="refit every file made by an earlier model version, whatever its fit",
    )
    ap.add_argument(
        "--placements",
        type=Path,
        nargs="+",
        metavar="FILE",
        help="only scale these files' placements once more on their fitted stays (no refit)",
    )
    args = ap.parse_args(argv)
    if args.placements:
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            for name, gap in pool.map(match_placements, args.placements):
                said = "no placement mix of its own" if gap is None else f"{gap:.1f} points off"
                print(f"{name}: {said} before; scaled", flush=True)
        return
    folder = sorted(args.folder.glob("*.yaml"))
    todo = [f for f in folder if needs_refit(f, args.worse_than, args.before)]
    accept = args.worse_than if args.before else None
    print(f"{len(todo)} council files to refit", flush=True)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = {pool.submit(refit_file, f, accept): f for f in todo}
        for i, done in enumerate(as_completed(futures), 1):
            try:
                council, before, after, written = done.result()
            except Exception as error:  # one council's failure must not stop the others
                print(f"[{i}/{len(todo)}] {futures[done].name}: not refitted ({error})", flush=True)
                continue
            if written:
                outcome = ""
            elif args.before:
                outcome = " (the refit was further off: kept its fit, reported again)"
            else:
                outcome = " (not a point nearer: kept its fit)"
            print(
                f"[{i}/{len(todo)}] {council}: worst count {before:.1f}% -> {after:.1f}%{outcome}",
                flush=True,
            )


if __name__ == "__main__":
    main()
