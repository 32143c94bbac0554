"""England's default parameters from published figures: documented arithmetic, then a fit.

``first_estimates()`` turns the national figures for 2024-25 into every parameter of
``sim.inputs.parameters.Parameters`` by ratios of flows and Little's law (stock = inflow x mean
stay), recording beside each value where it comes from. Figures no publication gives are marked
*judgement* or *UNVERIFIED* in their source, so they are never cited as evidence.
``python -m calibration.england`` writes ``sim/data/params/england.yaml``; ``calibration.fit``
then refines the few parameters that the simulation's own dynamics shift (see that module).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from calibration.targets import NationalFigures, toxic_trio_marginals

YEAR = "2024-25"
PARAMS_FILE = Path(__file__).resolve().parent.parent / "sim" / "data" / "params" / "england.yaml"

C1 = "DfE Children in need 2025, table C1 (referrals)"
C2 = "DfE Children in need 2025, data set C2 (assessment durations)"
C3 = "DfE Children in need 2025, table C3 (factors at end of assessment)"
C4 = "DfE Children in need 2025, table C4 (s47 enquiries and ICPCs)"
D = "DfE Children in need 2025, tables D3/D5/D7 (CP plans)"
B1 = "DfE Children in need 2025, table B1"
CLA = "DfE Children looked after in England 2025, national tables"
WF = "DfE Children's social work workforce 2025, national indicators"
ADCS = "ADCS Safeguarding Pressures Phase 9 (2025)"
ONS = "ONS mid-year population estimates (as used by DfE)"
JUDGEMENT = "judgement (no published figure); see README 'Calibration'"


#: Contacts one MASH worker triages in a working day (judgement; see the source note below).
TRIAGE_CONTACTS_PER_WORKING_DAY = 12.0


def _share(x: float, total: float) -> float:
    return x / total


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


def first_estimates(fig: NationalFigures | None = None) -> dict[str, Any]:
    """Every parameter for England 2024-25, with a ``sources`` entry per value."""
    fig = fig or NationalFigures()
    y = YEAR
    pop = fig.population(y)
    per10k = lambda m: fig.value(y, m) / pop * 1e4  # noqa: E731
    src: dict[str, str] = {}

    def put(path: str, value: Any, source: str) -> Any:
        src[path] = source
        return value

    referrals = per10k("referrals")
    assessments = per10k("assessments_completed")
    s47 = per10k("section_47_enquiries")
    icpc = per10k("initial_child_protection_conferences")
    cp_starts = per10k("cp_plans_started")
    cla_starts = per10k("cla_started")
    uasc = per10k("cla_started_unaccompanied_unaccompanied_asylum_seeking_children")
    emergency = (
        (
            fig.value(y, "cla_started_legal_police_protection_in_la_accommodation")
            + fig.value(y, "cla_started_legal_emergency_protection_order")
        )
        / pop
        * 1e4
    )
    via_ico = fig.value(y, "cla_started_legal_interim_care_order") / pop * 1e4
    s20_non_uasc = cla_starts - uasc - emergency - via_ico  # s20 (not UASC), remand, other
    p_nfa = fig.value(y, "referrals_resulting_in_no_further_action_share") / 100
    not_in_need = fig.value(y, "referrals_assessed_child_not_in_need_share") / 100 * referrals
    contacts = (
        fig.value("2023-24", "contacts_to_childrens_social_care") / fig.population("2023-24") * 1e4
    )
    # ADCS Phase 9: early help assessments in 2023-24 were 8% above 2021-22's 282,320
    eh_starts = (
        fig.value("2021-22", "early_help_assessments") * 1.08 / fig.population("2023-24") * 1e4
    )

    children_per_family = (0.55, 0.27, 0.12, 0.06)
    kbar = sum((i + 1) * w for i, w in enumerate(children_per_family))
    p_sibling = 0.6
    children_entering_per_child = (1 + p_sibling * (kbar - 1)) / kbar

    # s47 enquiries come from assessments (most) and from open CIN plans (the rest)
    share_s47_from_assessment = 0.8
    p_s47_assessment = share_s47_from_assessment * s47 / assessments
    reassessments = assessments - referrals * (1 - p_nfa)
    cin_from_assessment = assessments * (1 - p_s47_assessment) - not_in_need
    p_not_in_need = not_in_need / (assessments * (1 - p_s47_assessment))
    cin_plans_started = cin_from_assessment + (s47 - icpc) * 0.5 + (icpc - cp_starts)

    # care entry routes (CLA starts by legal status): ICO at issue of proceedings from CP plans;
    # s20 and remand from CP and CIN plans (adolescents); emergency from s47; UASC on their own
    p_care_via_cp = via_ico / cp_starts / children_entering_per_child
    p_pre_proceedings, p_issued = 0.30, 0.717
    p_care_at_issue = min(0.95, p_care_via_cp / (p_pre_proceedings * p_issued))
    s20_from_cp = 0.4 * s20_non_uasc
    s20_from_cin = 0.6 * s20_non_uasc
    p_s20_cp = s20_from_cp / cp_starts / children_entering_per_child / (1 - p_pre_proceedings)
    share_cin_with_adolescent = 0.4
    p_s20_cin = s20_from_cin / (cin_plans_started * share_cin_with_adolescent)

    cin_stock = per10k("children_in_need_at_31_march")
    cp_stock = per10k("cp_plans_at_31_march")
    cla_stock = per10k("cla_at_31_march")
    c2_edges = [0, 1, 10, 20, 30, 40, 45, 50, 60, 90]
    c2_keys = [
        "same_day",
        "1_10_days",
        "11_20_days",
        "21_30_days",
        "31_40_days",
        "41_45_days",
        "46_50_days",
        "51_60_days",
        "61plus_days",
    ]
    c2_weights = [fig.value(y, f"assessments_duration_{k}") for k in c2_keys]
    # C2 also publishes the quartiles: a band that holds one is split there, so the duration
    # reproduces them too (uniform within each band alone puts the median at 31.7, not 33)
    quartiles = {
        0.25: fig.value(y, "assessment_duration_p25"),
        0.5: fig.value(y, "assessment_duration_median"),
        0.75: fig.value(y, "assessment_duration_p75"),
    }
    c2_quartiles = ", ".join(f"{v:g}" for v in quartiles.values())
    c2_edges, c2_weights = split_at_quantiles(c2_edges, c2_weights, quartiles)
    c2_mean_wd = sum(
        w * (a + b) / 2 for w, a, b in zip(c2_weights, c2_edges, c2_edges[1:], strict=False)
    ) / sum(c2_weights)
    assessment_stock = assessments * c2_mean_wd * 7 / 5 / 365.25
    s47_stock = s47 * 14 * 7 / 5 / 365.25
    cin_plan_stock = cin_stock - cp_stock - cla_stock - assessment_stock - s47_stock
    cin_plan_mean_days = cin_plan_stock / cin_plans_started * 365.25
    eh_mean_days = 190.0
    eh_stock = eh_starts * eh_mean_days / 365.25

    d7 = [
        fig.value(y, f"cp_plans_ended_duration_{k}_share")
        for k in ("le_3m", "3_6m", "6_12m", "1_2y", "ge_2y")
    ]
    case_holders = fig.value("2025-09-30", "sw_case_holders_fte")
    sw_per_10k = case_holders / pop * 1e4
    published_caseload = fig.value("2025-09-30", "sw_caseload_fte")
    model_caseload = (
        published_caseload
        * fig.value(y, "children_in_need_at_31_march")
        / fig.value("2025-09-30", "sw_cases")
    )
    da, mh, sm = toxic_trio_marginals(fig, y)  # of episodes with factors
    age_starts = [
        fig.value(y, f"cla_started_age_{k}")
        for k in (
            "under_1_year",
            "1_to_4_years",
            "5_to_9_years",
            "10_to_15_years",
            "16_years_and_over",
        )
    ]
    entry_age_weights = (
        [age_starts[0]]
        + [age_starts[1] / 4] * 4
        + [age_starts[2] / 5] * 5
        + [age_starts[3] / 6] * 6
        + [age_starts[4] / 2] * 2
    )
    g = (fig.population("2024-25") / fig.population("2019-20")) ** (1 / 5) - 1

    r = lambda x, n=4: round(float(x), n)  # noqa: E731
    params: dict[str, Any] = {
        "description": "England 2024-25, from DfE national statistics (first estimates + fit)",
        "reference_year": y,
        "demand": {
            "contacts_per_10k_per_year": put(
                "demand.contacts_per_10k_per_year",
                r(contacts, 1),
                f"{ADCS}: about 3.0 million contacts in 2023-24 / {ONS} 2023, less those about "
                "families already known (refined by calibration.fit so all contacts match)",
            ),
            "population_growth_per_year": put(
                "demand.population_growth_per_year",
                r(g, 5),
                f"{ONS}: average growth of the 0-17 population 2019 to 2024",
            ),
            "monthly_profile": put(
                "demand.monthly_profile",
                [1.02, 1.05, 1.05, 0.98, 1.05, 1.04, 1.04, 0.80, 0.98, 1.06, 1.08, 0.90],
                "judgement: contacts dip in the August and Christmas school holidays (schools "
                "make 21% of referrals, DfE Children in need 2025); January to December",
            ),
            "children_per_family": put(
                "demand.children_per_family",
                list(children_per_family),
                "UNVERIFIED: mean 1.7 children per family with dependent children (ONS "
                "Families and households); shares 1/2/3/4+ children are judgement",
            ),
            "child_age_weights": put(
                "demand.child_age_weights",
                [6] + [5] * 4 + [5.5] * 5 + [6] * 6 + [4.5] * 2,
                "judgement: referrals spread over ages 0-17 with more infants and "
                "adolescents; shapes ages at care entry (CLA starts by age, 2024-25)",
            ),
            "need_level_shares": put(
                "demand.need_level_shares",
                [0.35, 0.35, 0.2, 0.1],
                "judgement: latent need at first contact, low to acute",
            ),
            "toxic_trio_shares": put(
                "demand.toxic_trio_shares",
                toxic_trio_joint(da, mh, min(sm, 0.99)),
                f"{C3}: parental domestic abuse {da:.1%}, mental health {mh:.1%}, substance "
                f"misuse {sm:.1%} (drug or alcohol) of episodes with factors; joint shares "
                "with a pairwise odds ratio of 2 (judgement) by iterative proportional fitting",
            ),
            "uasc_per_10k_per_year": put(
                "demand.uasc_per_10k_per_year",
                r(uasc, 3),
                f"{CLA}: UASC starting to be looked after per 10,000 children",
            ),
            "uasc_age_weights": put(
                "demand.uasc_age_weights",
                [0] * 13 + [3, 10, 22, 35, 30],
                "judgement: most UASC are 16-17 on arrival (CLA starts 16+: 28% of all starts)",
            ),
            "localities": put(
                "demand.localities",
                [
                    {
                        "name": "whole council",
                        "population_share": 1.0,
                        "relative_demand": 1.0,
                        "relative_risk": 1.0,
                        "p_family_at_pod_school": 0.0,
                    }
                ],
                "one locality by default; scenarios add theirs",
            ),
        },
        "front_door": {
            "triage_fte_per_10k": put(
                "front_door.triage_fte_per_10k",
                r(contacts / 365.25 * 1.3 / (TRIAGE_CONTACTS_PER_WORKING_DAY * 5 / 7), 3),
                "judgement: MASH triage staff for a capacity 30% above the mean daily "
                "contacts, so term-time peaks clear within a day or two (no published "
                "national count of front-door staff)",
            ),
            "contacts_per_triage_fte_per_working_day": put(
                "front_door.contacts_per_triage_fte_per_working_day",
                TRIAGE_CONTACTS_PER_WORKING_DAY,
                "judgement: contacts (children) one MASH worker can screen and decide in a "
                "working day, most needing only checks and a short conversation",
            ),
            "triage_days": put(
                "front_door.triage_days",
                {"kind": "lognormal", "median_days": 0.7, "p90_days": 1.4},
                "Working Together 2023: decision on a contact within one working day",
            ),
            "p_referral": put(
                "front_door.p_referral",
                r(referrals / contacts * 0.8),
                f"first estimate: referrals / contacts ({C1}; {ADCS}), less re-referrals and "
                "step-ups which arrive by other routes; refined by calibration.fit",
            ),
            "p_early_help": put(
                "front_door.p_early_help",
                r(eh_starts * 0.7 / contacts),
                f"first estimate: 70% of early help starts ({ADCS}: {eh_starts:.0f} per 10k "
                "early help assessments, 2023-24) come from the front door; refined by fit",
            ),
            "odds_referral_known_family": put(
                "front_door.odds_referral_known_family",
                2.0,
                "judgement: a new concern about a family already known is more often referred",
            ),
        },
        "early_help": {
            "practitioner_fte_per_10k": put(
                "early_help.practitioner_fte_per_10k",
                r(eh_stock / kbar / 15 * 1.15, 2),
                "derived: early help families open "
                "(Little's law on ADCS starts x mean stay) / 15 families each, +15% headroom",
            ),
            "families_per_practitioner": put(
                "early_help.families_per_practitioner",
                15,
                "judgement: typical family practitioner caseload",
            ),
            "duration": put(
                "early_help.duration",
                {"kind": "lognormal", "median_days": 160, "p90_days": 365},
                "judgement: early help episodes of about six months (mean ~190 days)",
            ),
            "patience": put(
                "early_help.patience",
                {"kind": "lognormal", "median_days": 90, "p90_days": 240},
                "judgement: families disengage from a long early help waiting list",
            ),
            "p_step_up": put(
                "early_help.p_step_up",
                0.10,
                "judgement: about one early help episode in ten steps up to social care",
            ),
            "p_need_falls": put(
                "early_help.p_need_falls",
                0.5,
                "judgement: early help lowers need for half of families it completes with",
            ),
        },
        "assessment": {
            "p_nfa_at_referral": put(
                "assessment.p_nfa_at_referral",
                r(p_nfa),
                f"{C1}: referrals resulting in no further action",
            ),
            "duration_working_days": put(
                "assessment.duration_working_days",
                {"kind": "empirical", "edges_days": c2_edges, "weights": c2_weights},
                f"{C2}: completed assessments by duration band (61+ capped at 90), bands cut "
                f"at the published quartiles ({c2_quartiles} working days)",
            ),
            "p_s47": put(
                "assessment.p_s47",
                r(p_s47_assessment),
                f"derived: 80% (judgement) of s47 enquiries ({C4}) follow an assessment, "
                "the rest arise in open CIN plans; / assessments",
            ),
            "p_not_in_need": put(
                "assessment.p_not_in_need",
                r(p_not_in_need),
                f"derived: referrals assessed as not in need ({C1}) / assessments not "
                "leading to s47",
            ),
            "p_step_down_early_help": put(
                "assessment.p_step_down_early_help",
                0.15,
                "judgement: share of 'not in need' assessments stepped down to early help",
            ),
        },
        "cin_plan": {
            "duration": put(
                "cin_plan.duration",
                {
                    "kind": "lognormal",
                    "median_days": r(cin_plan_mean_days / 1.7, 1),
                    "p90_days": r(cin_plan_mean_days / 1.7 * 3.75, 1),
                },
                f"derived by Little's law: CIN plan stock ({B1} CIN at 31 March less CP, "
                "looked after, open assessments and s47s) / CIN plans started; lognormal "
                "with p90 = 3.75 x median (right-skewed, B1 release text); refined by fit",
            ),
            "p_s47": put(
                "cin_plan.p_s47",
                r((1 - share_s47_from_assessment) * s47 / cin_plans_started),
                "derived: 20% (judgement) of s47 enquiries arise from open CIN plans",
            ),
            "p_s20_care": put(
                "cin_plan.p_s20_care",
                r(p_s20_cin),
                f"derived: 60% (judgement) of non-UASC s20 and remand starts ({CLA} by "
                "legal status) come from CIN plans with an adolescent; refined by fit",
            ),
            "s20_min_age": put(
                "cin_plan.s20_min_age", 10, f"{CLA}: 55% of starts are aged 10 or over"
            ),
            "p_reassessment": put(
                "cin_plan.p_reassessment",
                r(reassessments / cin_plans_started),
                f"derived: assessments ({C2}) beyond referrals assessed ({C1}) are "
                "re-assessments of open cases / CIN plans started",
            ),
            "p_step_down_early_help": put(
                "cin_plan.p_step_down_early_help",
                0.2,
                "judgement: share of CIN plans closing to early help",
            ),
        },
        "s47_enquiry": {
            "working_days_to_icpc": put(
                "s47_enquiry.working_days_to_icpc",
                {
                    "kind": "empirical",
                    "edges_days": [0, 10, 13, 15, 20, 40],
                    "weights": [10, 15, 50, 15, 10],
                },
                f"{C4}: s47 start to ICPC median 14 working days, p25 13, p75 15",
            ),
            "p_emergency_care": put(
                "s47_enquiry.p_emergency_care",
                r(emergency / s47 / children_entering_per_child),
                f"derived: starts under police protection or EPO ({CLA}) / s47 enquiries",
            ),
            "p_icpc": put("s47_enquiry.p_icpc", r(icpc / s47), f"{C4}: ICPCs / s47 enquiries"),
            "p_cin_plan_if_no_icpc": put(
                "s47_enquiry.p_cin_plan_if_no_icpc",
                0.5,
                "judgement: half of s47s not going to conference continue as CIN plans",
            ),
        },
        "icpc": {
            "p_cp_plan": put(
                "icpc.p_cp_plan", r(cp_starts / icpc), f"{D}/{C4}: CP plans started / ICPCs"
            )
        },
        "cp_plan": {
            "duration": put(
                "cp_plan.duration",
                {"kind": "empirical", "edges_days": [0, 91, 182, 365, 730, 1095], "weights": d7},
                f"{D}: D7 plans ending in 2024-25 by duration (2y+ band to 3 years)",
            ),
            "p_pre_proceedings": put(
                "cp_plan.p_pre_proceedings",
                p_pre_proceedings,
                "judgement: share of CP plans entering the Public Law Outline",
            ),
            "p_s20_care": put(
                "cp_plan.p_s20_care",
                r(p_s20_cp),
                f"derived: 40% (judgement) of non-UASC s20 and remand starts ({CLA}) come "
                "from CP plans not in pre-proceedings",
            ),
            "p_step_down_cin": put(
                "cp_plan.p_step_down_cin",
                0.5,
                "judgement: half of ending CP plans step down to a CIN plan",
            ),
        },
        "proceedings": {
            "pre_proceedings_duration": put(
                "proceedings.pre_proceedings_duration",
                {"kind": "lognormal", "median_days": 100, "p90_days": 200},
                "PLO guidance: pre-proceedings within 16 weeks; judgement on the spread",
            ),
            "p_proceedings_issued": put(
                "proceedings.p_proceedings_issued",
                p_issued,
                "Taylor et al. 2024 FGC trial, control arm: 71.7% had proceedings issued",
            ),
            "p_care_entry_at_issue": put(
                "proceedings.p_care_entry_at_issue",
                r(p_care_at_issue),
                f"derived: starts under interim care orders ({CLA}) / CP plans started, "
                "given the PLO shares above",
            ),
            "proceedings_duration": put(
                "proceedings.proceedings_duration",
                {"kind": "lognormal", "median_days": 260, "p90_days": 420},
                "MoJ Family Court Statistics Quarterly: 40 weeks average (2024-25)",
            ),
        },
        "looked_after": {
            "p_sibling_enters_too": put(
                "looked_after.p_sibling_enters_too",
                p_sibling,
                "judgement: sibling groups enter care together more often than not",
            ),
            "placement_age_bands": put(
                "looked_after.placement_age_bands", [0, 5, 10, 16], "age bands at entry"
            ),
            "placement_mix": put(
                "looked_after.placement_mix",
                {
                    "kinship_foster": [20, 18, 12, 5],
                    "in_house_foster": [45, 37, 25, 15],
                    "ifa": [25, 32, 33, 20],
                    "residential": [0, 3, 18, 20],
                    "placed_with_parents": [5, 7, 7, 5],
                    "other": [5, 3, 5, 35],
                },
                f"judgement shaped to {CLA} placements at 31 March 2025: foster 67%, "
                "children's homes 12%, supported/independent 9%, with parents 6%",
            ),
            "uasc_placement_mix": put(
                "looked_after.uasc_placement_mix",
                {
                    "kinship_foster": 0,
                    "in_house_foster": 15,
                    "ifa": 25,
                    "residential": 10,
                    "placed_with_parents": 0,
                    "other": 50,
                },
                "judgement: most UASC aged 16-17 live in supported accommodation",
            ),
            "exit_age_bands": put(
                "looked_after.exit_age_bands", [0, 1, 5, 10, 16], "age bands at entry"
            ),
            "exit_mix": put(
                "looked_after.exit_mix",
                {
                    "returned_home": [20, 30, 40, 40, 30],
                    "sgo": [25, 25, 22, 10, 0],
                    "cao": [5, 6, 6, 3, 0],
                    "adoption": [40, 25, 3, 0, 0],
                    "other": [10, 14, 29, 47, 70],
                },
                f"judgement shaped to {CLA} reasons ceased 2024-25: returned home 19%, "
                "SGO/CAO 15%, adoption 9%, 18+ 33%, other 24%",
            ),
            "duration": put(
                "looked_after.duration",
                {
                    "bands_from_age": [0, 1, 5, 10, 16],
                    "durations": [
                        {"kind": "lognormal", "median_days": 640, "p90_days": 1500},
                        {"kind": "lognormal", "median_days": 700, "p90_days": 2200},
                        {"kind": "lognormal", "median_days": 800, "p90_days": 3200},
                        {"kind": "lognormal", "median_days": 600, "p90_days": 2800},
                        {"kind": "lognormal", "median_days": 300, "p90_days": 700},
                    ],
                },
                f"derived: mean stay {cla_stock / cla_starts:.2f} years (Little's law, {CLA} "
                "stock / starts), spread by age at entry (judgement); refined by fit",
            ),
            "entry_age_weights": put(
                "looked_after.entry_age_weights",
                [r(x, 1) for x in entry_age_weights],
                f"{CLA}: starts by age band 2024-25, spread evenly within bands",
            ),
            "p_recontact_after_return_home": put(
                "looked_after.p_recontact_after_return_home",
                0.3,
                "UNVERIFIED: about a third of children returning home come back to "
                "children's social care",
            ),
            "recontact_after_return_home": put(
                "looked_after.recontact_after_return_home",
                {"kind": "lognormal", "median_days": 240, "p90_days": 900},
                "judgement: most returns within two years",
            ),
            "p_return_home_breaks_down": put(
                "looked_after.p_return_home_breaks_down",
                0.0,
                "none: England's tables publish no re-entry to care; a council's own SSDA903 "
                "re-entry share sets it (calibrate --903)",
            ),
            "return_home_breakdown": put(
                "looked_after.return_home_breakdown",
                {"kind": "lognormal", "median_days": 120, "p90_days": 330},
                "judgement: a return home that breaks down mostly does so within a year",
            ),
        },
        "workforce": {
            "social_worker_fte_per_10k": put(
                "workforce.social_worker_fte_per_10k",
                r(sw_per_10k, 3),
                f"{WF}: case-holding FTE at 30 September 2025 per 10,000 children",
            ),
            "caseload_ceiling": put(
                "workforce.caseload_ceiling",
                r(model_caseload * 1.25, 2),
                "derived: the reference caseload plus 25% (judgement) before work waits",
            ),
            "caseload_reference": put(
                "workforce.caseload_reference",
                r(model_caseload, 2),
                f"derived: published caseload {published_caseload} per FTE ({WF}) rescaled "
                f"from cases held to children in need ({B1})",
            ),
        },
        "escalation": {
            "odds_by_need": put(
                "escalation.odds_by_need",
                [0.5, 1.0, 2.0, 4.0],
                "judgement: each level of need doubles the odds of escalation",
            ),
            "odds_toxic_trio": put(
                "escalation.odds_toxic_trio",
                1.5,
                "judgement: parental risk factors raise the odds of escalation by half",
            ),
            "p_need_rises_per_month_waiting": put(
                "escalation.p_need_rises_per_month_waiting",
                0.1,
                "judgement: a month of waiting raises need a level for one family in ten",
            ),
            "odds_previous_care": put(
                "escalation.odds_previous_care",
                1.5,
                "judgement: a family with a child looked after before escalates more readily "
                "(re-entry to care); no published odds ratio",
            ),
            "p_need_falls_after_social_care": put(
                "escalation.p_need_falls_after_social_care",
                0.5,
                "judgement: help lowers need a level for half of families it closes with "
                "(without it need only rises, and known families escalate year on year)",
            ),
            "caseload_elasticity": put(
                "escalation.caseload_elasticity",
                0.5,
                "judgement: escalation odds rise with the square root of caseload above the "
                "reference (no published elasticity; a parameter for sweeps)",
            ),
        },
        "recontact": {
            "p_recontact": put(
                "recontact.p_recontact",
                0.45,
                f"first estimate for re-referrals within 12 months ({C1}: 22.6%); refined by fit",
            ),
            "time_to_recontact": put(
                "recontact.time_to_recontact",
                {"kind": "lognormal", "median_days": 120, "p90_days": 700},
                "judgement: most new concerns about a closed family come within a year",
            ),
            "p_previous_cp_new_family": put(
                "recontact.p_previous_cp_new_family",
                0.15,
                f"first estimate for repeat CP plans ({D}: 24.5% of starts); refined by fit",
            ),
            "p_previous_care_new_family": put(
                "recontact.p_previous_care_new_family",
                0.05,
                "judgement: families with a child looked after before",
            ),
            "closures_before_start_per_10k_per_year": put(
                "recontact.closures_before_start_per_10k_per_year",
                r(referrals + 0.7 * eh_starts, 1),
                f"derived: every referral ({C1}) and every early help episode from the front "
                f"door (70% of {ADCS} early help starts) eventually closes",
            ),
            "share_closures_after_referral": put(
                "recontact.share_closures_after_referral",
                r(referrals / (referrals + 0.7 * eh_starts)),
                "derived: referrals / (referrals + front-door early help starts)",
            ),
        },
        "opening_stocks_per_10k": {
            "early_help": put(
                "opening_stocks_per_10k.early_help",
                r(eh_stock, 2),
                f"UNVERIFIED derived: early help starts ({ADCS}) x mean stay",
            ),
            "assessment": put(
                "opening_stocks_per_10k.assessment",
                r(assessment_stock, 2),
                f"derived: assessments x mean C2 duration ({c2_mean_wd:.1f} working days)",
            ),
            "cin_plan": put(
                "opening_stocks_per_10k.cin_plan",
                r(cin_plan_stock, 2),
                f"derived: {B1} CIN at 31 March less CP, looked after, assessments, s47s",
            ),
            "cp_plan": put(
                "opening_stocks_per_10k.cp_plan", r(cp_stock, 2), f"{D}: CP plans at 31 March 2025"
            ),
            "looked_after": put(
                "opening_stocks_per_10k.looked_after",
                r(cla_stock, 2),
                f"{CLA}: children looked after at 31 March 2025",
            ),
        },
    }
    params["sources"] = src
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
