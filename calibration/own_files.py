"""Apply a council's own files (as aggregates) to its parameters and targets.

Only the summaries from ``calibration.readers`` reach this module; no child-level value does.
What each file sets (when it has enough events; otherwise England's or the published figure
stays, and the provenance says so):

- SSDA903: time in care by age at entry (Kaplan-Meier median and 90th percentile, open periods
  censored) as the care durations; the mix of ways of leaving care and of placements, as factors
  on England's age patterns; the re-entry share as a target for how often a return home breaks
  down, whose first estimate is the share of the council's returns home back in care within 12
  months, and whose timing is theirs (see :func:`breakdown_time`).
- CIN census: the toxic-trio subsets among assessed episodes; the ratios of assessments, s47
  enquiries and ICPCs to referrals and CP plans (replacing England's); how long assessments take
  (England's C2 shape, stretched to the council's median working days); and the shape of CP plan
  lengths (England's fitted bands, each weighted by the council's share of plans ended in that
  D7 band over England's). The fit then sets the CP plans' overall length from the council's
  published stock, as it does without the file, so the file decides how plans split between
  short and long ones.
- Annex A: contacts and early help assessments a year (scaled to a full year from the months
  with data).
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from calibration.england import PARAMS_FILE, contact_mix, england_assessed_mix
from calibration.fit import duration_of, median_days, scale_duration
from calibration.readers import (
    AnnexASummary,
    CinCensusSummary,
    Problem,
    SSDA903Summary,
    read_annex_a,
    read_cin_census,
    read_ssda903,
)
from calibration.readers.common import as_source
from calibration.readers.ssda903 import ReturnsHome
from calibration.targets import CP_BANDS, NationalFigures, mix_targets
from sim.core.calendar import DAYS_PER_YEAR
from sim.core.distributions import Lognormal

#: Fewest spells or events for a council's own figure to replace England's.
MIN_EVENTS = 20
AGE_BAND_KEYS = ("0", "1-4", "5-9", "10-15", "16+")


def _scale_mix(mix: dict[str, list[float]], council_shares: dict[str, float]) -> dict:
    """England's weights by age band, each reason scaled so the overall mix is the council's."""
    totals = {k: sum(v) for k, v in mix.items()}
    grand = sum(totals.values())
    out = {}
    for k, weights in mix.items():
        england_share = totals[k] / grand if grand else 0
        share = council_shares.get(k)
        factor = share / england_share if share is not None and england_share > 0 else 1.0
        out[k] = [round(w * factor, 4) for w in weights]
    return out


def _problems(problems: tuple[Problem, ...]) -> list[dict[str, Any]]:
    """What a reader could not use as given, for the provenance: table, field, code (withheld
    unless code-like, so no identifier is ever repeated), rows and what was done with them."""
    return [
        {"table": p.table, "field": p.field, "code": p.code, "rows": p.count, "done": p.note}
        for p in problems
    ]


def apply_council_files(
    params: dict[str, Any],
    targets: dict[str, float],
    files: dict[str, Any],
    name: str,
    population: float,
) -> dict[str, Any]:
    """Change ``params`` and ``targets`` in place from the council's files; returns provenance."""
    used: dict[str, Any] = {}
    if files.get("ssda903"):
        s = read_ssda903([as_source(p) for p in files["ssda903"]])
        used["ssda903"] = _apply_ssda903(params, targets, s, name)
    if files.get("cin"):
        c = read_cin_census([as_source(p) for p in files["cin"]])
        used["cin"] = _apply_cin_census(params, targets, c, name)
    if files.get("annex_a"):
        a = read_annex_a(as_source(files["annex_a"]))
        used["annex_a"] = _apply_annex_a(targets, a, population)
    return used


def _apply_ssda903(
    params: dict[str, Any], targets: dict[str, float], s: SSDA903Summary, name: str
) -> dict[str, Any]:
    """Care durations, exit mix, returns home, re-entry and placements from the SSDA903."""
    used: dict[str, Any] = {
        "years": list(s.collection_years),
        "periods_of_care": s.periods_of_care,
        "problems": _problems(s.problems),
    }
    la, src = params["looked_after"], params["sources"]
    _care_durations(la["duration"]["durations"], s, src, name)
    non18 = {k: v for k, v in s.exits.items() if k != "age_18"}
    total = sum(non18.values())
    if total >= MIN_EVENTS:
        la["exit_mix"] = _scale_mix(la["exit_mix"], {k: v / total for k, v in non18.items()})
        src["looked_after.exit_mix"] = f"{name}: SSDA903 reasons care ended (England's ages)"
        used["exit_mix_exits"] = total
    used.update(_returns_home(la, s.returns_home, src, name))
    used.update(_re_entry(la, targets, s, src, name))
    shares = {k: v for k, v in s.placement_shares_31_march.items() if v is not None}
    if shares and s.by_year:
        la["placement_mix"] = _scale_mix(la["placement_mix"], shares)
        src["looked_after.placement_mix"] = f"{name}: SSDA903 placements at 31 March"
    return used


def _care_durations(
    durations: list[dict[str, Any]], s: SSDA903Summary, src: dict[str, str], name: str
) -> None:
    """Time in care by age at entry, for each band with enough spells (lognormal)."""
    for i, band in enumerate(AGE_BAND_KEYS):
        d = s.durations_by_age_band.get(band)
        if (
            d
            and d.spells >= MIN_EVENTS
            and d.median_days
            and d.p90_days
            and d.p90_days > d.median_days
        ):
            durations[i] = {
                "kind": "lognormal",
                "median_days": round(d.median_days, 1),
                "p90_days": round(d.p90_days, 1),
            }
            src["looked_after.duration"] = f"{name}: SSDA903 time in care by age at entry"


def _returns_home(
    la: dict[str, Any], home: ReturnsHome, src: dict[str, str], name: str
) -> dict[str, Any]:
    """When returns home break down, from those back in care within 12 months."""
    # counted whether or not there are enough to use, so the analyst sees why not
    used: dict[str, Any] = {
        "returns_home": {
            "followed_12_months": home.followed,
            "back_in_care_within_12_months": home.reentered,
            "fewest_used": MIN_EVENTS,
        }
    }
    if home.reentered >= MIN_EVENTS and home.median_days_to_reentry:
        la["return_home_breakdown"] = breakdown_time(
            home.median_days_to_reentry, la["return_home_breakdown"]
        )
        src["looked_after.return_home_breakdown"] = (
            f"{name}: SSDA903 returns home that came back into care within 12 months, median "
            f"{home.median_days_to_reentry:g} days ({home.reentered} children), on England's "
            "spread"
        )
        used["median_days_return_home_to_reentry"] = home.median_days_to_reentry
    return used


def _re_entry(
    la: dict[str, Any],
    targets: dict[str, float],
    s: SSDA903Summary,
    src: dict[str, str],
    name: str,
) -> dict[str, Any]:
    """The re-entry share as a target, and a first estimate of how often returns home break down."""
    if s.re_entries is None or s.re_entries < MIN_EVENTS or not s.re_entry_share:
        return {}
    home = s.returns_home
    targets["care_reentry_rate"] = 100 * s.re_entry_share
    own = home.reentry_share if home.followed >= MIN_EVENTS else None
    la["p_return_home_breaks_down"] = first_breakdown_estimate(s.re_entry_share, la, own)
    src["looked_after.p_return_home_breaks_down"] = (
        f"{name}: SSDA903 re-entries within 12 months, {100 * s.re_entry_share:.1f}% "
        "of care entries (first estimate from "
        + (
            f"the council's returns home, {100 * own:.1f}% back within 12 months)"
            if own is not None
            else "England's care entries per return home)"
        )
    )
    return {"re_entry_share": s.re_entry_share}


def _apply_cin_census(
    params: dict[str, Any], targets: dict[str, float], c: CinCensusSummary, name: str
) -> dict[str, Any]:
    """Toxic-trio mix, durations, and the ratios of assessments, s47s and ICPCs, from the CIN
    census (its pooled years)."""
    o = c.overall
    used: dict[str, Any] = {
        "years": list(c.collection_years),
        "episodes": c.episodes,
        "problems": _problems(c.problems),
    }
    subsets = {k: v for k, v in o.toxic_trio_subsets.items() if v is not None}
    if o.episodes_with_assessment_factors >= MIN_EVENTS and len(subsets) == 8:
        england = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
        params["demand"]["toxic_trio_shares"] = contact_mix(
            subsets,
            england_assessed_mix(NationalFigures(), per="assessment"),
            england["demand"]["toxic_trio_shares"],
        )
        params["sources"]["demand.toxic_trio_shares"] = (
            f"{name}: CIN census factors (toxic-trio subsets among assessments), taken to "
            "the front door by England's ratio of contacts' mix to C3's"
        )
    used.update(_cin_durations(params, o, name))
    if o.referrals >= MIN_EVENTS:
        for measure, count in (
            ("assessments", o.assessments_completed),
            ("s47_enquiries", o.s47_enquiries),
        ):
            if count:
                targets[measure] = targets["referrals"] * count / o.referrals
    if o.cp_plan_starts >= MIN_EVENTS and o.icpcs:
        targets["icpcs"] = targets["cp_plans_started"] * o.icpcs / o.cp_plan_starts
    return used


def _apply_annex_a(
    targets: dict[str, float], a: AnnexASummary, population: float
) -> dict[str, Any]:
    """Contacts and early help assessments a year (per 10,000 children), from the latest year
    with three months of data or more, scaled to a full year."""
    used = {"years": list(a.by_year), "problems": _problems(a.problems)}
    full = [y for y in a.by_year.values() if y.months_with_data >= 3]
    if full:
        latest = full[-1]
        scale = 12 / latest.months_with_data / population * 1e4
        if latest.contacts >= MIN_EVENTS:
            targets["contacts"] = latest.contacts * scale
        if latest.early_help_assessments_started >= MIN_EVENTS:
            targets["early_help_starts"] = latest.early_help_assessments_started * scale
    return used


def _cin_durations(params: dict[str, Any], o: Any, name: str) -> dict[str, Any]:
    """Assessment length and the shape of CP plan lengths from the council's CIN census
    (``o``: its pooled year), each when it has :data:`MIN_EVENTS` or more; what was used."""
    src = params["sources"]
    used: dict[str, Any] = {}
    a = params["assessment"]
    if o.assessment_median_working_days and o.assessments_completed >= MIN_EVENTS:
        england = median_days(a["duration_working_days"])
        factor = o.assessment_median_working_days / england
        a["duration_working_days"] = scale_duration(a["duration_working_days"], factor)
        src["assessment.duration_working_days"] = (
            f"{name}: CIN census assessments, median {o.assessment_median_working_days:g} working "
            f"days (England's {england:g}), on England's C2 shape"
        )
        used["assessment_median_working_days"] = o.assessment_median_working_days
    ended = dict(o.cp_plans_ended_by_duration)
    total = sum(ended.values())
    spec = params["cp_plan"]["duration"]
    if total >= MIN_EVENTS and spec.get("kind") == "empirical" and len(spec["weights"]) == 5:
        england = mix_targets(NationalFigures())
        weights = []
        for b, w in zip(CP_BANDS, spec["weights"], strict=True):
            share, theirs = 100 * ended[b] / total, england[f"cp_ended_share_{b}"]
            weights.append(round(w * share / theirs, 4) if theirs > 0 else w)
        if sum(weights) > 0:
            spec["weights"] = weights
            src["cp_plan.duration"] = (
                f"{name}: CIN census CP plans ended by D7 duration band "
                f"({', '.join(f'{b} {ended[b]}' for b in CP_BANDS)}), on England's fitted shape"
            )
            used["cp_plans_ended_by_duration"] = ended
    return used


def first_breakdown_estimate(
    re_entry_share: float, la: dict[str, Any], home_reentry_share: float | None = None
) -> float:
    """A first estimate of the chance a return home breaks down.

    From the council's own share of returns home back in care within 12 months
    (``home_reentry_share``) when its SSDA903 follows enough of them; else from its re-entry
    share: re-entries within 12 months = care entries x the share = returns home x the chance x
    the part of breakdowns that come within a year, with England's care entries and returns home
    (2024-25) standing in for the council's. The fit then corrects it.
    """
    within_a_year = duration_of(la["return_home_breakdown"]).cdf(DAYS_PER_YEAR)
    if home_reentry_share is not None:
        back = home_reentry_share
    else:
        nf = NationalFigures()
        entries = nf.value("2024-25", "cla_started")
        home = sum(
            nf.value("2024-25", f"cla_ceased_reason_returned_home_{k}")
            for k in ("part_of_care_plan", "not_part_of_care_plan")
        )
        back = re_entry_share * entries / home
    return round(min(max(back / within_a_year, 0.01), 0.9), 4)


def breakdown_time(median_within_a_year: float, spread: dict[str, Any]) -> dict[str, Any]:
    """The time a return home takes to break down, from the median of those seen within a year.

    The returns only show breakdowns within 12 months, whose median is below that of all
    breakdowns; this is the lognormal with the spread of ``spread`` (England's: the same ratio of
    90th percentile to median) whose part within a year has that median, F(m) = F(365) / 2,
    solved by bisection on the log of the median.
    """
    england = duration_of(spread)
    ratio = england.p90_days / england.median_days
    target = min(max(median_within_a_year, 1.0), DAYS_PER_YEAR - 1)

    def lognormal(log_median: float) -> Lognormal:
        m = math.exp(log_median)
        return Lognormal(median_days=m, p90_days=m * ratio)

    lo, hi = 0.0, math.log(50 * DAYS_PER_YEAR)
    for _ in range(100):
        mid = (lo + hi) / 2
        d = lognormal(mid)
        # the median of the part within a year rises with the whole's median
        if d.cdf(target) > d.cdf(DAYS_PER_YEAR) / 2:
            lo = mid
        else:
            hi = mid
    m = math.exp((lo + hi) / 2)
    return {"kind": "lognormal", "median_days": round(m, 1), "p90_days": round(m * ratio, 1)}
