"""Every measure the model reports, with its label, definition, unit and kind, and every
figure a comparison reports, with its label, kind and help text.

The one list of each: outputs, ``summary.csv``, the CLI, reports and the dashboard read labels
from :data:`MEASURES` and :data:`FIGURES` (through :mod:`sim.reporting.labels` where shown).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.entities import (
    CARE_STAY_BANDS,
    CP_DURATION_BANDS,
    ENTRY_AGE_BANDS,
    FACTOR_NAMES,
    LEGAL_STATUSES,
    CourtOrder,
    Exit,
    Placement,
)


@dataclass(frozen=True)
class Measure:
    """What a measure means, for labels in the CLI, reports and dashboard."""

    label: str
    definition: str
    unit: str
    kind: str  # "flow" (summed over a period), "stock" (at a date), "rate"
    #: counted only for families enrolled in a policy (and their children in care): a run
    #: without policies has none, and its outputs leave the measure out rather than fill zeros
    enrolled_only: bool = False


_F, _S = "flow", "stock"
MEASURES: dict[str, Measure] = {
    "contacts": Measure(
        "Contacts", "Contacts (children) to children's social care", "children", _F
    ),
    "contacts_nfa": Measure(
        "Contacts closed at the front door",
        "Contacts ending in information, advice or no further action",
        "children",
        _F,
    ),
    "referrals": Measure("Referrals", "Referrals to children's social care (C1)", "children", _F),
    "rereferrals_12m": Measure(
        "Re-referrals within 12 months",
        "Referrals within 12 months of a previous referral",
        "children",
        _F,
    ),
    "assessments": Measure("Assessments", "Social work assessments completed (C2)", "children", _F),
    "early_help_starts": Measure(
        "Early help starts", "Children starting early help", "children", _F
    ),
    "cin_plans_started": Measure(
        "CIN plans started", "Children starting a child in need plan", "children", _F
    ),
    "s47_enquiries": Measure("Section 47 enquiries", "s47 enquiries started (C4)", "children", _F),
    "icpcs": Measure("Initial child protection conferences", "ICPCs held (C4)", "children", _F),
    "cp_plans_started": Measure(
        "CP plans started", "Child protection plans starting (D1)", "children", _F
    ),
    "cp_plans_repeat": Measure(
        "Repeat CP plans", "CP plans that are a second or later plan (D3)", "children", _F
    ),
    "care_entries": Measure("Care entries", "Children starting to be looked after", "children", _F),
    "care_exits": Measure("Care exits", "Children ceasing to be looked after", "children", _F),
    "care_reentries_12m": Measure(
        "Care re-entries within 12 months",
        "Care entries of children who returned home from care in the 12 months before (SSDA903)",
        "children",
        _F,
    ),
    "allocation_wait_child_days": Measure(
        "Allocation wait (child-days)",
        "Days children spent waiting for a social worker in the period",
        "child-days",
        _F,
    ),
    "allocation_wait_days_completed": Measure(
        "Allocation waits ended (days)",
        "Days waited by children allocated in the period (waits counted when they end)",
        "child-days",
        _F,
    ),
    "allocations": Measure("Allocations", "Children allocated a social worker", "children", _F),
    "child_days_in_care": Measure(
        "Child-days in care", "Days spent looked after", "child-days", _F
    ),
    # where policy effects act: counted only for families (and their children in care) enrolled
    # in a policy, so a run without policies has none of them
    "care_entries_enrolled": Measure(
        "Care entries from enrolled families",
        "Children starting to be looked after from a family enrolled in a policy (the stay "
        "carries the enrolment)",
        "children",
        _F,
        enrolled_only=True,
    ),
    "care_planned_days_enrolled": Measure(
        "Planned days in care, children from enrolled families",
        "Days in care drawn, at entry, for children entering care from enrolled families: to "
        "the planned way of leaving or the 18th birthday, whichever is sooner (counted at entry)",
        "child-days",
        _F,
        enrolled_only=True,
    ),
    "cin_plans_started_enrolled": Measure(
        "CIN plans started by enrolled families",
        "Children starting a child in need plan in a family enrolled in a policy",
        "children",
        _F,
        enrolled_only=True,
    ),
    "cin_plan_planned_days_enrolled": Measure(
        "Planned days on CIN plans, enrolled families",
        "Days drawn for the CIN plans enrolled families start (a plan may end sooner, on "
        "escalation), times the children on them",
        "child-days",
        _F,
        enrolled_only=True,
    ),
    "cp_plans_started_enrolled": Measure(
        "CP plans started by enrolled families",
        "Children starting a child protection plan in a family enrolled in a policy",
        "children",
        _F,
        enrolled_only=True,
    ),
    "cp_plan_planned_days_enrolled": Measure(
        "Planned days on CP plans, enrolled families",
        "Days drawn for the CP plans enrolled families start (a plan may end sooner, in care), "
        "times the children on them",
        "child-days",
        _F,
        enrolled_only=True,
    ),
    "pre_proceedings_enrolled": Measure(
        "Pre-proceedings, enrolled families",
        "Children of families enrolled in a policy whose CP plan enters pre-proceedings (the "
        "letter before proceedings)",
        "children",
        _F,
        enrolled_only=True,
    ),
    "care_proceedings_enrolled": Measure(
        "Care proceedings issued, enrolled families",
        "Children of families enrolled in a policy in s31 applications issued",
        "children",
        _F,
        enrolled_only=True,
    ),
    "care_entries_12m_pre_proceedings_enrolled": Measure(
        "Care entries within 12 months of pre-proceedings, enrolled families",
        "Children of enrolled families entering care within 12 months of the letter before "
        "proceedings (the FGC trial's follow-up)",
        "children",
        _F,
        enrolled_only=True,
    ),
    "care_days_12m_pre_proceedings_enrolled": Measure(
        "Days in care within 12 months of pre-proceedings, enrolled families",
        "Days from entering care to 12 months after the letter before proceedings, for "
        "children of enrolled families (as if none left care sooner)",
        "child-days",
        _F,
        enrolled_only=True,
    ),
    "children_in_need": Measure(
        "Children in need at 31 March",
        "Open CIN episodes incl. CP and looked after (B1)",
        "children",
        _S,
    ),
    "cp_plans": Measure(
        "Children on CP plans", "Children on a CP plan at month end (D5)", "children", _S
    ),
    "looked_after": Measure(
        "Children looked after", "Children looked after at month end", "children", _S
    ),
    "early_help": Measure(
        "Children in early help", "Children receiving early help", "children", _S
    ),
    "cin_plan": Measure(
        "Children on CIN plans", "Children on a CIN plan (not CP or in care)", "children", _S
    ),
    "waiting_allocation": Measure(
        "Waiting for a social worker",
        "Children referred and waiting for allocation",
        "children",
        _S,
    ),
    "waiting_early_help": Measure(
        "Waiting for early help", "Children on the early help waiting list", "children", _S
    ),
    "caseload_per_sw": Measure(
        "Caseload per social worker",
        "Cases per case-holding FTE, as DfE's workforce census counts them (children open to "
        "social care x the census's cases per child in need)",
        "cases per FTE",
        _S,
    ),
    "cp_children_safely_home": Measure(
        "Children kept safely at home after a CP plan",
        "Children who had a CP plan, living at home at the horizon, with no new referral in "
        "the following 12 months",
        "children",
        _S,
    ),
    "cp_children_at_home_at_horizon": Measure(
        "Children at home at the horizon after a CP plan",
        "Children who had a CP plan during the projection and live at home at its end",
        "children",
        _S,
    ),
    "rereferral_rate": Measure(
        "Re-referral rate", "Re-referrals within 12 months as % of referrals", "%", "rate"
    ),
    "cp_repeat_rate": Measure(
        "Repeat CP plan rate", "Second or later CP plans as % of starts", "%", "rate"
    ),
    "care_reentry_rate": Measure(
        "Care re-entry rate",
        "Care entries within 12 months of returning home from care, as % of care entries",
        "%",
        "rate",
    ),
}
_BAND_WORDS = {
    "le_3m": "3 months or less",
    "3_6m": "over 3 to 6 months",
    "6_12m": "over 6 months to under 1 year",
    "1_2y": "1 to under 2 years",
    "ge_2y": "2 years or more",
}
for _b in CP_DURATION_BANDS:
    MEASURES[f"cp_plans_ended_{_b}"] = Measure(
        f"CP plans ended after {_BAND_WORDS[_b]}",
        f"Children whose CP plan ended after {_BAND_WORDS[_b]} (D7)",
        "children",
        _F,
    )
    MEASURES[f"cp_plans_open_{_b}"] = Measure(
        f"CP plans open for {_BAND_WORDS[_b]}",
        f"Children on a CP plan at month end that has lasted {_BAND_WORDS[_b]} (D5)",
        "children",
        _S,
    )
MEASURES["assessments_any_toxic_trio"] = Measure(
    "Assessments with a toxic-trio factor",
    "Completed assessments with domestic abuse, parental mental health or parental substance "
    "misuse identified at the end (C3)",
    "children",
    _F,
)
for _f in FACTOR_NAMES.values():
    MEASURES[f"assessments_factor_{_f}"] = Measure(
        f"Assessments with {_f.replace('_', ' ')}",
        f"Completed assessments with {_f.replace('_', ' ')} identified at the end (C3)",
        "children",
        _F,
    )
for _e in Exit:
    MEASURES[f"care_exits_{_e.value}"] = Measure(
        f"Care exits: {_e.value.replace('_', ' ')}",
        f"Children ceasing care: {_e.value}",
        "children",
        _F,
    )
    MEASURES[f"care_exit_days_{_e.value}"] = Measure(
        f"Days in care of care exits: {_e.value.replace('_', ' ')}",
        f"Days the last period of care lasted, summed over children ceasing care: {_e.value} "
        "(over the exits, the mean stay of that way of leaving)",
        "child-days",
        _F,
    )
MEASURES["placement_moves"] = Measure(
    "Placement moves",
    "Children in care moving placement (a new placement during a stay; DfE's placements "
    "changing in the year, less changes of status only)",
    "children",
    _F,
)
for _name, _words, _ in CARE_STAY_BANDS:
    MEASURES[f"care_stays_ended_{_name}"] = Measure(
        f"Care exits after {_words}",
        f"Children ceasing care whose last period of care lasted {_words} (DfE's ceased "
        "tables, duration of last period of care)",
        "children",
        _F,
    )
MEASURES["pre_proceedings"] = Measure(
    "Pre-proceedings",
    "Children whose CP plan enters the Public Law Outline's pre-proceedings",
    "children",
    _F,
)
MEASURES["care_proceedings"] = Measure(
    "Care proceedings issued",
    "Children in s31 care (and supervision) applications issued (Cafcass counts children)",
    "children",
    _F,
)
MEASURES["care_proceedings_applications"] = Measure(
    "Care applications issued",
    "s31 care (and supervision) applications issued, one a family (Cafcass counts applications)",
    "applications",
    _F,
)
MEASURES["care_proceedings_at_home"] = Measure(
    "Care proceedings issued, children at home",
    "Children in s31 applications issued who stay at home on their CP plan during the "
    "proceedings (not removed under an interim care order at issue)",
    "children",
    _F,
)
MEASURES["children_in_proceedings"] = Measure(
    "Children in care proceedings",
    "Children in s31 proceedings at month end (issued, no final order yet), at home or "
    "looked after under an interim care order",
    "children",
    _S,
)
MEASURES["proceedings_ended"] = Measure(
    "Care proceedings ended",
    "Children whose s31 proceedings ended in a final order (or none)",
    "children",
    _F,
)
_ORDER_WORDS = {
    CourtOrder.CARE_ORDER: "a care order",
    CourtOrder.PLACEMENT_ORDER: "a placement order",
    CourtOrder.SGO: "a special guardianship order",
    CourtOrder.SUPERVISION_ORDER: "a supervision order",
    CourtOrder.CHILD_ARRANGEMENTS_ORDER: "a child arrangements order",
    CourtOrder.NO_ORDER: "no order",
}
for _o, _words in _ORDER_WORDS.items():
    MEASURES[f"proceedings_ended_{_o.value}"] = Measure(
        f"Care proceedings ended: {_words}",
        f"Children whose s31 proceedings ended with {_words}",
        "children",
        _F,
    )
_STATUS_WORDS = {
    "care_order": "care order (interim or full)",
    "police_protection": "police protection or emergency protection order",
    "s20": "s20 voluntary agreement",
    "youth_justice": "youth justice legal status",
}
for _s in LEGAL_STATUSES:
    MEASURES[f"care_entries_legal_{_s}"] = Measure(
        f"Care entries: {_STATUS_WORDS[_s]}",
        f"Children starting to be looked after under a {_STATUS_WORDS[_s]} (legal status on "
        "starting, DfE's CLA starts table)",
        "children",
        _F,
    )
for _band, _words, _ in ENTRY_AGE_BANDS:
    MEASURES[f"care_entries_age_{_band}"] = Measure(
        f"Care entries: aged {_words}",
        f"Children starting to be looked after aged {_words} (age on starting, DfE's CLA starts "
        "table)",
        "children",
        _F,
    )
for _p in Placement:
    MEASURES[f"looked_after_{_p.value}"] = Measure(
        f"Looked after: {_p.value.replace('_', ' ')}",
        f"Children looked after in {_p.value}",
        "children",
        _S,
    )


@dataclass(frozen=True)
class FigureText:
    """How a comparison's figure is named and explained, and what kind of number it is.

    ``kind`` is one of ``count``, ``money``, ``pounds`` (pounds and pence), ``prob`` or
    ``text``; ``short`` is the dashboard tile's label where the full one is too long for it.
    """

    label: str
    kind: str
    help: str
    short: str = ""


#: A comparison's figures, in one wording for summary.csv, the CLI, the dashboard and the report.
FIGURES: dict[str, FigureText] = {
    "care_entries_averted": FigureText(
        "Care entries averted",
        "count",
        "Children kept out of care over the horizon, against today's way of working",
    ),
    "child_days_in_care_avoided": FigureText(
        "Child-days in care avoided",
        "count",
        "Days children would otherwise have spent looked after",
    ),
    "cp_children_safely_home_gained": FigureText(
        "More children safely at home after a CP plan",
        "count",
        "Children who had a child protection (CP) plan, at home at the end with no new "
        "referral in the next 12 months (a count: fewer CP plans also lowers it)",
        short="Safely home after a CP plan",
    ),
    "policy_cost_gbp": FigureText(
        "Cost of the pilot",
        "money",
        "Its staff, set-up, training and per-family costs over the horizon",
    ),
    "net_cost_gbp": FigureText(
        "Net cost against today",
        "money",
        "The pilot's cost less savings on placements, proceedings and casework (undiscounted; "
        "below 0 saves money); with uncertainty, unit costs and the pilot's own costs are "
        "drawn from their ranges too",
    ),
    "npv_net_saving_gbp": FigureText(
        "Net present value of the saving",
        "money",
        "Savings less costs, discounted at 3.5% a year (HM Treasury Green Book); above 0 "
        "saves money; with uncertainty, unit costs and the pilot's own costs are drawn from "
        "their ranges too",
    ),
    "return_per_pound": FigureText(
        "Return per £1 invested",
        "pounds",
        "Discounted savings for each pound the pilot costs; £1.00 pays for itself",
    ),
    "payback_year": FigureText(
        "Payback year",
        "text",
        "First financial year by whose end savings repay the costs (mean across replications)",
    ),
    "prob_saves_money": FigureText(
        "Probability it saves money",
        "prob",
        "Share of simulated futures in which the discounted saving is above zero; each future "
        "draws effect sizes and unit costs from their ranges",
        short="Chance it saves money",
    ),
    "prob_reduces_care_entries": FigureText(
        "Probability it reduces care entries",
        "prob",
        "Share of simulated futures with fewer care entries than today",
    ),
    "cost_per_care_entry_averted_gbp": FigureText(
        "Net cost per care entry averted",
        "money",
        "Mean net cost divided by mean care entries averted (no range: a ratio of means)",
    ),
}
