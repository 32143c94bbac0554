"""England's default parameters from published figures: documented arithmetic, then a fit.

``first_estimates()`` turns the national figures for 2024-25 into every parameter of
``sim.inputs.parameters.Parameters`` by ratios of flows and Little's law (stock = inflow x mean
stay), recording beside each value where it comes from. The values, sources and assumptions are
data (``calibration/data/england_first_estimates.yaml``); the arithmetic is here, as small steps
that compute the national figures (:func:`national_figures`) and one rule per derived parameter
(:data:`RULES`). Figures no publication gives are marked *judgement* or *UNVERIFIED* in their
source, so they are never cited as evidence.
``python -m calibration.england`` writes ``sim/data/params/england.yaml``; ``calibration.fit``
then refines the few parameters that the simulation's own dynamics shift (see that module).
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import yaml

from calibration.targets import NationalFigures, toxic_trio_marginals

YEAR = "2024-25"
#: The workforce census day read with the 2024-25 tables (the census's 2025 release).
CENSUS_DAY = "2025-09-30"
PARAMS_FILE = Path(__file__).resolve().parent.parent / "sim" / "data" / "params" / "england.yaml"
#: Every parameter's value or the rule that derives it, with its source; the assumptions the
#: arithmetic makes, each with a note; the publications the sources cite.
ESTIMATES_FILE = Path(__file__).resolve().parent / "data" / "england_first_estimates.yaml"

#: C2's bands of assessment duration (column suffix) -> (first, last working day); the open
#: 61+ band is capped at 90 working days (judgement).
C2_BANDS: dict[str, tuple[int, int]] = {
    "same_day": (0, 1),
    "1_10_days": (1, 10),
    "11_20_days": (10, 20),
    "21_30_days": (20, 30),
    "31_40_days": (30, 40),
    "41_45_days": (40, 45),
    "46_50_days": (45, 50),
    "51_60_days": (50, 60),
    "61plus_days": (60, 90),
}
#: D7's bands of CP plans ended by duration (column suffix), shortest first.
D7_BANDS = ("le_3m", "3_6m", "6_12m", "1_2y", "ge_2y")
#: CLA starts by age band (column suffix) -> the years of age the band spans.
CLA_START_AGE_BANDS: dict[str, int] = {
    "under_1_year": 1,
    "1_to_4_years": 4,
    "5_to_9_years": 5,
    "10_to_15_years": 6,
    "16_years_and_over": 2,
}
#: DfE's legal statuses on starting (CLA starts, column suffixes) in the model's four groups:
#: care orders (interim, full, placement), detained for child protection (police protection,
#: emergency protection, child assessment orders), s20, youth justice.
LEGAL_STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "care_order": ("interim_care_order", "full_care_order", "placement_order_granted"),
    "police_protection": (
        "police_protection_in_la_accommodation",
        "emergency_protection_order",
        "child_assessment_order_and_in_la_accommodation",
    ),
    "s20": ("voluntary_agreement_under_s20",),
    "youth_justice": (
        "remand",
        "sentenced_to_youth_rehabilitation_order",
        "la_accommodation_under_pace_1989",
    ),
}
#: Judgements the arithmetic reads from parameters the file sets (name -> dotted path).
FROM_PARAMETERS = {
    "children_per_family": "demand.children_per_family",
    "triage_contacts_per_working_day": "front_door.contacts_per_triage_fte_per_working_day",
    "families_per_practitioner": "early_help.families_per_practitioner",
    "p_cin_plan_if_no_icpc": "s47_enquiry.p_cin_plan_if_no_icpc",
    "p_issued": "proceedings.p_proceedings_issued",
    "p_sibling": "looked_after.p_sibling_enters_too",
}


def toxic_trio_joint(
    p_da: float, p_mh: float, p_sm: float, odds_ratio: float = 2.0, iterations: int = 200
) -> dict[str, float]:
    """Joint shares of the eight toxic-trio subsets with given marginals.

    A log-linear model with the same pairwise odds ratio between each pair of factors, fitted
    to the three marginal shares by iterative proportional fitting.
    """
    keys = ["none", "da", "mh", "da+mh", "sm", "da+sm", "mh+sm", "da+mh+sm"]
    bits = [(k & 1, (k >> 1) & 1, (k >> 2) & 1) for k in range(8)]
    w = [odds_ratio ** (a * b + a * c + b * c) for a, b, c in bits]
    total = sum(w)
    p = [x / total for x in w]
    for _ in range(iterations):
        for j, target in enumerate((p_da, p_mh, p_sm)):
            have = sum(pi for pi, b in zip(p, bits, strict=True) if b[j])
            p = [
                pi * (target / have if b[j] else (1 - target) / (1 - have))
                for pi, b in zip(p, bits, strict=True)
            ]
    return {k: round(v, 5) for k, v in zip(keys, p, strict=True)}


def split_at_quantiles(
    edges: list[float], weights: list[float], quantiles: dict[float, float]
) -> tuple[list[float], list[float]]:
    """A banded duration table with an edge added at each published quantile.

    ``quantiles`` maps a probability to its published value; the band holding the value is cut
    there and its weight shared so that the cumulative share at the value is the probability.
    Quantiles that fall on an edge or outside the bands leave the table as it is.
    """
    edges, weights = [float(e) for e in edges], [float(w) for w in weights]
    total = sum(weights)
    for q, value in sorted(quantiles.items()):
        cum = 0.0
        for i, w in enumerate(weights):
            lo, hi = edges[i], edges[i + 1]
            if lo < value < hi:
                below = q * total - cum
                if 0 < below < w:
                    edges.insert(i + 1, float(value))
                    weights[i : i + 1] = [round(below, 2), round(w - below, 2)]
                break
            cum += w
    return edges, weights


def england_assessed_mix(fig: NationalFigures, per: str = "factor_episode") -> dict[str, float]:
    """England's toxic-trio subsets among assessed episodes (C3), 2024-25 (``per``: see
    :func:`calibration.targets.toxic_trio_marginals`)."""
    da, mh, sm = toxic_trio_marginals(fig, YEAR, per)
    return toxic_trio_joint(da, mh, min(sm, 0.99))


def contact_mix(
    assessed: dict[str, float],
    england_assessed: dict[str, float],
    england_contacts: dict[str, float],
) -> dict[str, float]:
    """The toxic-trio mix among contacts behind a mix found among assessed families.

    Families with these factors escalate more, so they are commoner at assessment than at the
    front door. England's fit found the front door's mix (``england_contacts``) that reproduces
    C3 (``england_assessed``); a council's mix among its assessments maps to its front door by
    the same ratio, subset by subset.
    """
    w = {
        k: assessed[k] * england_contacts[k] / england_assessed[k] if england_assessed[k] else 0.0
        for k in assessed
    }
    total = sum(w.values())
    return {k: round(v / total, 5) for k, v in w.items()}


def load_estimates(path: Path = ESTIMATES_FILE) -> dict[str, Any]:
    """The first estimates' file: parameters (value or rule, and source), assumptions, sources.

    Each caller gets its own copy; the file is parsed once while it is unchanged (calibrating
    every council reads it for each council and year)."""
    stat = path.stat()
    return copy.deepcopy(_parsed_estimates(path, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=4)
def _parsed_estimates(path: Path, _mtime_ns: int, _size: int) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _r(x: float, n: int = 4) -> float:
    return round(float(x), n)


def _flows(fig: NationalFigures, q: SimpleNamespace) -> dict[str, float]:
    """England's flows per 10,000 children in 2024-25 (C1, C4, D, CLA; ADCS for 2023-24)."""
    y, pop = YEAR, q.population

    def per10k(m: str) -> float:
        return fig.value(y, m) / pop * 1e4

    def starts(*statuses: str) -> float:
        return sum(fig.value(y, f"cla_started_legal_{s}") for s in statuses) / pop * 1e4

    referrals = per10k("referrals")
    return {
        "referrals": referrals,
        "assessments": per10k("assessments_completed"),
        "s47": per10k("section_47_enquiries"),
        "icpc": per10k("initial_child_protection_conferences"),
        "cp_starts": per10k("cp_plans_started"),
        "cla_starts": per10k("cla_started"),
        "uasc": per10k("cla_started_unaccompanied_unaccompanied_asylum_seeking_children"),
        "emergency": starts(*LEGAL_STATUS_GROUPS["police_protection"]),
        "via_ico": starts(*LEGAL_STATUS_GROUPS["care_order"]),
        "youth_justice": starts(*LEGAL_STATUS_GROUPS["youth_justice"]),
        "cafcass_applications": q.cafcass_s31_applications_2023_24,
        "proceedings_children": q.cafcass_s31_applications_2023_24
        * q.cafcass_children_per_application
        / fig.population("2023-24")
        * 1e4,
        "p_nfa": fig.value(y, "referrals_resulting_in_no_further_action_share") / 100,
        "not_in_need": fig.value(y, "referrals_assessed_child_not_in_need_share") / 100 * referrals,
        "contacts": fig.value("2023-24", "contacts_to_childrens_social_care")
        / fig.population("2023-24")
        * 1e4,
        "eh_starts": fig.value("2021-22", "early_help_assessments")
        * q.early_help_growth_2021_22_to_2023_24
        / fig.population("2023-24")
        * 1e4,
        "cin_stock": per10k("children_in_need_at_31_march"),
        "cp_stock": per10k("cp_plans_at_31_march"),
        "cla_stock": per10k("cla_at_31_march"),
    }


def _families(fig: NationalFigures, q: SimpleNamespace) -> dict[str, float]:
    """Children per family, and children entering care per child whose family's case leads there."""
    kbar = sum((i + 1) * w for i, w in enumerate(q.children_per_family))
    return {"kbar": kbar, "children_entering_per_child": (1 + q.p_sibling * (kbar - 1)) / kbar}


def _routes(fig: NationalFigures, q: SimpleNamespace) -> dict[str, float]:
    """Where assessments lead, and the routes into care (CLA starts by legal status).

    s47 enquiries come from assessments (most) and from open CIN plans (the rest). Care
    proceedings (as many children as Cafcass counts) are issued from CP plans in
    pre-proceedings, and interim care orders at issue are the care-order starts; s20 comes from
    CP and CIN plans (adolescents); emergency starts from s47 enquiries; UASC and youth justice
    on their own.
    """
    p_s47_assessment = q.share_s47_from_assessment * q.s47 / q.assessments
    cin_from_assessment = q.assessments * (1 - p_s47_assessment) - q.not_in_need
    cin_plans_started = (
        cin_from_assessment + (q.s47 - q.icpc) * q.p_cin_plan_if_no_icpc + (q.icpc - q.cp_starts)
    )
    s20_non_uasc = q.cla_starts - q.uasc - q.emergency - q.via_ico - q.youth_justice
    p_pre_proceedings = q.proceedings_children / q.cp_starts / q.p_issued
    return {
        "p_pre_proceedings": p_pre_proceedings,
        "p_s47_assessment": p_s47_assessment,
        "reassessments": q.assessments - q.referrals * (1 - q.p_nfa),
        "p_not_in_need": q.not_in_need / (q.assessments * (1 - p_s47_assessment)),
        "cin_plans_started": cin_plans_started,
        "p_care_at_issue": min(
            q.most_care_entries_at_issue,
            q.via_ico / q.proceedings_children / q.children_entering_per_child,
        ),
        "p_s20_cp": q.share_s20_from_cp
        * s20_non_uasc
        / q.cp_starts
        / q.children_entering_per_child
        / (1 - p_pre_proceedings),
        "p_s20_cin": q.share_s20_from_cin
        * s20_non_uasc
        / (cin_plans_started * q.share_cin_with_adolescent),
    }


def _assessment_durations(fig: NationalFigures, q: SimpleNamespace) -> dict[str, Any]:
    """C2's bands of assessment duration, cut at its published quartiles, and their mean.

    A band that holds a quartile is split there, so the duration reproduces them too (uniform
    within each band alone puts the median at 31.7, not 33).
    """
    edges = [lo for lo, _ in C2_BANDS.values()] + [list(C2_BANDS.values())[-1][1]]
    weights = [fig.value(YEAR, f"assessments_duration_{k}") for k in C2_BANDS]
    quartiles = {
        0.25: fig.value(YEAR, "assessment_duration_p25"),
        0.5: fig.value(YEAR, "assessment_duration_median"),
        0.75: fig.value(YEAR, "assessment_duration_p75"),
    }
    edges, weights = split_at_quantiles(edges, weights, quartiles)
    mean = sum(w * (a + b) / 2 for w, a, b in zip(weights, edges, edges[1:], strict=False))
    return {
        "c2_edges": edges,
        "c2_weights": weights,
        "c2_quartiles": ", ".join(f"{v:g}" for v in quartiles.values()),
        "c2_mean_wd": mean / sum(weights),
    }


def _stocks(fig: NationalFigures, q: SimpleNamespace) -> dict[str, float]:
    """Open cases at 31 March by Little's law (stock = starts x mean length) where unpublished."""
    assessment_stock = q.assessments * q.c2_mean_wd * 7 / 5 / 365.25
    s47_stock = q.s47 * q.s47_enquiry_working_days * 7 / 5 / 365.25
    cin_plan_stock = q.cin_stock - q.cp_stock - q.cla_stock - assessment_stock - s47_stock
    return {
        "assessment_stock": assessment_stock,
        "cin_plan_stock": cin_plan_stock,
        "cin_plan_mean_days": cin_plan_stock / q.cin_plans_started * 365.25,
        "eh_stock": q.eh_starts * q.early_help_mean_days / 365.25,
        "mean_stay_years": q.cla_stock / q.cla_starts,
    }


def _workforce(fig: NationalFigures, q: SimpleNamespace) -> dict[str, float]:
    """Case-holding social workers, their caseload, and the census's cases per child in need."""
    return {
        "sw_per_10k": fig.value(CENSUS_DAY, "sw_case_holders_fte") / q.population * 1e4,
        "published_caseload": fig.value(CENSUS_DAY, "sw_caseload_fte"),
        "census_cases_per_child": fig.value(CENSUS_DAY, "sw_cases")
        / fig.value(YEAR, "children_in_need_at_31_march"),
    }


def workforce_census(fig: NationalFigures | None = None) -> dict[str, Any]:
    """England's workforce census at 30 September 2025, as the parameter file's provenance
    keeps it (a council's file keeps the same figures, its own)."""
    fig = fig or NationalFigures()
    return census_figures(
        {
            "sw_case_holders_fte": fig.value(CENSUS_DAY, "sw_case_holders_fte"),
            "sw_cases": fig.value(CENSUS_DAY, "sw_cases"),
            "sw_inpost_fte": fig.value(CENSUS_DAY, "sw_inpost_fte"),
            "sw_agency_fte": fig.value(CENSUS_DAY, "sw_agency_fte"),
            "sw_vacancy_rate_pct": fig.value(CENSUS_DAY, "sw_vacancy_rate_fte"),
            "sw_turnover_rate_pct": fig.value(CENSUS_DAY, "sw_turnover_rate_fte"),
        },
        "30 September 2025",
    )


def census_figures(row: dict[str, float], as_at: str) -> dict[str, Any]:
    """What the workforce census says of one council's (or England's) social workers: FTE,
    cases, caseload, vacancy, agency and turnover rates (DfE's definitions: vacancies and agency
    FTE over in-post plus vacant or agency FTE, leavers over in-post FTE). A figure the census
    does not give (suppressed, or a council reported with another) is ``None``."""
    fte, cases, inpost = row["sw_case_holders_fte"], row["sw_cases"], row["sw_inpost_fte"]
    agency = row["sw_agency_fte"]
    vacancy = row.get("sw_vacancy_rate_pct")
    if vacancy is None:
        vacant = row.get("sw_vacancy_fte", np.nan)
        vacancy = _pct(vacant, vacant + inpost)
    turnover = row.get("sw_turnover_rate_pct")
    if turnover is None:
        turnover = _pct(row.get("sw_leavers_fte", np.nan), inpost)
    out = {
        "as_at": as_at,
        "case_holding_fte": fte,
        "cases": cases,
        "caseload_per_fte": _pct(cases, fte) / 100,
        "social_workers_in_post_fte": inpost,
        "vacancy_rate_pct": vacancy,
        "agency_rate_pct": _pct(agency, agency + inpost),
        "turnover_rate_pct": turnover,
        "source": "DfE Children's social work workforce census (csww indicators, 2025 release)",
    }
    return {k: _census_number(v) for k, v in out.items()}


def _pct(num: float, den: float) -> float:
    """``num`` as a percentage of ``den``; NaN when either is missing or ``den`` is not above 0."""
    return 100 * num / den if den > 0 else np.nan


def _census_number(v: Any) -> Any:
    """A census figure to one decimal place; missing (suppressed) figures as ``None``."""
    if isinstance(v, str) or v is None:
        return v
    return None if math.isnan(v) else round(float(v), 1)


def _mixes_and_trend(fig: NationalFigures, q: SimpleNamespace) -> dict[str, Any]:
    """Toxic-trio factors (C3), CP plan lengths (D7), ages at care entry, population trend."""
    da, mh, sm = toxic_trio_marginals(fig, YEAR)  # of episodes with factors
    return {
        "da": da,
        "mh": mh,
        "sm": sm,
        "d7": [fig.value(YEAR, f"cp_plans_ended_duration_{k}_share") for k in D7_BANDS],
        "entry_age_weights": [
            fig.value(YEAR, f"cla_started_age_{band}") / years
            for band, years in CLA_START_AGE_BANDS.items()
            for _ in range(years)
        ],
        "growth": (fig.population("2024-25") / fig.population("2019-20")) ** (1 / 5) - 1,
    }


def _parameter_literal(estimates: dict[str, Any], path: str) -> Any:
    group, name = path.split(".")
    return estimates["parameters"][group][name]["value"]


def national_figures(fig: NationalFigures, estimates: dict[str, Any]) -> SimpleNamespace:
    """Every figure the rules read: the assumptions, the judgements parameters hold, then each
    step's figures from the national tables (in order: a step reads those before it)."""
    q = SimpleNamespace(**{k: a["value"] for k, a in estimates["assumptions"].items()})
    for name, path in FROM_PARAMETERS.items():
        setattr(q, name, _parameter_literal(estimates, path))
    q.population = fig.population(YEAR)
    for step in (_flows, _families, _routes, _assessment_durations, _stocks, _workforce):
        vars(q).update(step(fig, q))
    vars(q).update(_mixes_and_trend(fig, q))
    return q


#: Parameter path -> the rule deriving its value from the national figures (for an entry that
#: also has a ``value``, the keys it adds to it). The source of each is in the estimates file.
RULES: dict[str, Callable[[SimpleNamespace], Any]] = {
    "demand.contacts_per_10k_per_year": lambda q: _r(q.contacts, 1),
    "demand.population_growth_per_year": lambda q: _r(q.growth, 5),
    "demand.toxic_trio_shares": lambda q: toxic_trio_joint(q.da, q.mh, min(q.sm, 0.99)),
    "demand.uasc_per_10k_per_year": lambda q: _r(q.uasc, 3),
    "front_door.triage_fte_per_10k": lambda q: _r(
        q.contacts
        / 365.25
        * q.triage_capacity_over_mean
        / (q.triage_contacts_per_working_day * 5 / 7),
        3,
    ),
    "front_door.p_referral": lambda q: _r(
        q.referrals / q.contacts * q.share_referrals_from_front_door
    ),
    "front_door.p_early_help": lambda q: _r(
        q.eh_starts * q.share_early_help_from_front_door / q.contacts
    ),
    "early_help.practitioner_fte_per_10k": lambda q: _r(
        q.eh_stock / q.kbar / q.families_per_practitioner * q.early_help_team_headroom, 2
    ),
    "assessment.p_nfa_at_referral": lambda q: _r(q.p_nfa),
    "assessment.duration_working_days": lambda q: {
        "edges_days": q.c2_edges,
        "weights": q.c2_weights,
    },
    "assessment.p_s47": lambda q: _r(q.p_s47_assessment),
    "assessment.p_not_in_need": lambda q: _r(q.p_not_in_need),
    "cin_plan.duration": lambda q: {
        "median_days": _r(q.cin_plan_mean_days / q.cin_plan_mean_over_median, 1),
        "p90_days": _r(
            q.cin_plan_mean_days / q.cin_plan_mean_over_median * q.cin_plan_p90_over_median, 1
        ),
    },
    "cin_plan.p_s47": lambda q: _r((1 - q.share_s47_from_assessment) * q.s47 / q.cin_plans_started),
    "cin_plan.p_s20_care": lambda q: _r(q.p_s20_cin),
    "cin_plan.p_reassessment": lambda q: _r(q.reassessments / q.cin_plans_started),
    "s47_enquiry.p_emergency_care": lambda q: _r(
        q.emergency / q.s47 / q.children_entering_per_child
    ),
    "s47_enquiry.p_icpc": lambda q: _r(q.icpc / q.s47),
    "icpc.p_cp_plan": lambda q: _r(q.cp_starts / q.icpc),
    "cp_plan.duration": lambda q: {"weights": q.d7},
    "cp_plan.p_pre_proceedings": lambda q: _r(q.p_pre_proceedings),
    "cp_plan.p_s20_care": lambda q: _r(q.p_s20_cp),
    "proceedings.p_care_entry_at_issue": lambda q: _r(q.p_care_at_issue),
    "looked_after.entry_age_weights": lambda q: [_r(x, 1) for x in q.entry_age_weights],
    "youth_justice.entries_per_10k_per_year": lambda q: _r(q.youth_justice, 3),
    "workforce.social_worker_fte_per_10k": lambda q: _r(q.sw_per_10k, 3),
    "workforce.caseload_per_fte": lambda q: _r(q.published_caseload, 2),
    "workforce.census_cases_per_child": lambda q: _r(q.census_cases_per_child),
    "recontact.closures_before_start_per_10k_per_year": lambda q: _r(
        q.referrals + q.share_early_help_from_front_door * q.eh_starts, 1
    ),
    "recontact.share_closures_after_referral": lambda q: _r(
        q.referrals / (q.referrals + q.share_early_help_from_front_door * q.eh_starts)
    ),
    "opening_stocks_per_10k.early_help": lambda q: _r(q.eh_stock, 2),
    "opening_stocks_per_10k.assessment": lambda q: _r(q.assessment_stock, 2),
    "opening_stocks_per_10k.cin_plan": lambda q: _r(q.cin_plan_stock, 2),
    "opening_stocks_per_10k.cp_plan": lambda q: _r(q.cp_stock, 2),
    "opening_stocks_per_10k.looked_after": lambda q: _r(q.cla_stock, 2),
}


def _entry_value(path: str, entry: dict[str, Any], q: SimpleNamespace) -> Any:
    """A parameter's value: the file's, the rule's, or the file's with the rule's keys added."""
    if not entry.get("derived"):
        return entry["value"]
    if "value" in entry:
        return {**entry["value"], **RULES[path](q)}
    return RULES[path](q)


def first_estimates(fig: NationalFigures | None = None) -> dict[str, Any]:
    """Every parameter for England 2024-25, with a ``sources`` entry per value."""
    fig = fig or NationalFigures()
    estimates = load_estimates()
    q = national_figures(fig, estimates)
    cited = {**estimates["publications"], **vars(q)}
    params: dict[str, Any] = {"description": estimates["description"], "reference_year": YEAR}
    sources: dict[str, str] = {}
    for group, entries in estimates["parameters"].items():
        params[group] = {}
        for name, entry in entries.items():
            path = f"{group}.{name}"
            params[group][name] = _entry_value(path, entry, q)
            sources[path] = entry["source"].format(**cited)
    params["sources"] = sources
    params["provenance"] = {"workforce_census": workforce_census(fig)}
    return params


def write(params: dict[str, Any], path: Path = PARAMS_FILE) -> Path:
    """Write a parameter file (YAML) with a header saying how it was made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# England 2024-25 default parameters. Generated by `python -m calibration.england`"
        " then `python -m calibration.fit`;\n# do not edit by hand: change the arithmetic "
        "in calibration/ and regenerate. Sources for every value are under `sources:`.\n"
    )
    path.write_text(
        header + yaml.safe_dump(params, sort_keys=False, width=100, default_flow_style=None),
        encoding="utf-8",
    )
    return path


if __name__ == "__main__":
    print(write(first_estimates()))
