"""Labels, help texts and number formats: one place for the CLI, the dashboard and the report.

A comparison's figures (care entries averted, net cost, return per £1 ...) are named and
explained in :data:`sim.core.measures.FIGURES` (``summary.csv`` writes the same labels); the
model's own measures (children looked after, referrals ...) take their labels from
:data:`sim.core.measures.MEASURES`. :func:`label` and :func:`help_text`
read both, so a figure reads the same wherever it is shown.

Two families of formats:

- the terminal and the dashboard show money in £ millions (``-£2.55m``), counts rounded
  (``1,234``), returns in pounds and pence (``£1.20``) and probabilities in whole percent:
  :func:`money_m`, :func:`count`, :func:`pounds`, :func:`percent`, and :func:`figure_text`
  to pick one by measure (with its range);
- the bid report scales money to a figure's size (``£2.55m``, ``£120k``, ``£950``) and writes a
  minus sign (``−``): :func:`format_value`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sim.core.entities import LEGAL_STATUSES, CourtOrder
from sim.core.measures import FIGURES, MEASURES
from sim.experiments.comparison import BASELINE
from sim.inputs.policies import EFFECT_LABELS, Effect, effect_targets
from sim.inputs.range_evidence import is_widened, one_year_ahead_90

#: The one-page summary's figures, in order.
HEADLINE_MEASURES = (
    "care_entries_averted",
    "child_days_in_care_avoided",
    "cp_children_safely_home_gained",
    "policy_cost_gbp",
    "net_cost_gbp",
    "npv_net_saving_gbp",
    "return_per_pound",
    "payback_year",
    "prob_saves_money",
)
#: Further figures in the report's detail table.
DETAIL_MEASURES = ("prob_reduces_care_entries", "cost_per_care_entry_averted_gbp")
#: The rows of the CLI's ``compare`` table: every figure, headline first.
COMPARE_ROWS = HEADLINE_MEASURES + DETAIL_MEASURES


def _rows(measures: tuple[str, ...]) -> tuple[tuple[str, str, str, str], ...]:
    return tuple((m, FIGURES[m].label, FIGURES[m].kind, FIGURES[m].help) for m in measures)


#: (measure, label, kind, help text) of the summary's figures and of the detail table's.
HEADLINE = _rows(HEADLINE_MEASURES)
DETAIL = _rows(DETAIL_MEASURES)

#: Care entries by legal status on starting, in the order of DfE's CLA starts table.
LEGAL_STATUS_MEASURES = tuple(f"care_entries_legal_{s}" for s in LEGAL_STATUSES)
#: Care proceedings: children in applications issued, in proceedings at month end, and whose
#: proceedings ended, in all and by final order.
PROCEEDINGS_MEASURES = (
    "care_proceedings",
    "children_in_proceedings",
    "proceedings_ended",
    *(f"proceedings_ended_{o.value}" for o in CourtOrder),
)
#: Chart titles, by measure, where a chart's words differ from the measure's label.
CHART_TITLES = {
    "looked_after": "Children looked after",
    "cp_plans": "Children on child protection plans",
    "waiting_allocation": "Children waiting for a social worker",
    "caseload_per_sw": "Caseload per social worker (nobody waited)",
    "children_in_proceedings": "Children in care proceedings",
}
#: The name shown for the baseline of a comparison.
TODAY = "Today's way of working"
#: The legend entry of a chart's shaded range (what the band holds, in words).
BAND_LEGEND = "9 in 10 simulated futures"
#: The title of the chart of the pilot's cost against today's, by financial year.
COST_DIFFERENCE_TITLE = "Pilot's cost minus today's, by financial year (£m)"
#: Plain names of the cost lines ``sim.experiments.costs.costs_by_year`` writes.
COST_LINES = {
    "placements_kinship_foster": "Placements: kinship foster care",
    "placements_in_house_foster": "Placements: in-house foster care",
    "placements_ifa": "Placements: independent fostering agencies",
    "placements_residential": "Placements: children's homes",
    "placements_placed_with_parents": "Placements: placed with parents",
    "placements_other": "Placements: other",
    "staff_social_workers": "Social work staff (core)",
    "staff_early_help": "Early help staff (core)",
    "assessments": "Assessments (beyond core staff time)",
    "early_help": "Early help (beyond core staff time)",
    "care_proceedings": "Care proceedings",
}
#: Plain words for the pathway stages a pilot enrols families at.
STAGE_WORDS = {
    "front_door": "the front door",
    "early_help": "early help",
    "assessment": "assessment",
    "cin_plan": "CIN plans",
    "s47_enquiry": "s47 enquiries",
    "cp_plan": "CP plans",
    "pre_proceedings": "pre-proceedings",
}
#: The warning a bid writer reads beside an effect whose evidence is weak
#: (:attr:`sim.inputs.policies.Effect.evidence_is_weak`), by strength of evidence.
EVIDENCE_WARNINGS = {
    "weak": "weak evidence: treat with care",
    "testimony": "local testimony only: no trial or comparison",
    "none": "no impact estimate: a prior, not a finding",
}
#: What the figures "with uncertainty" draw, said wherever they are shown.
UNCERTAINTY_NOTE = (
    "With uncertainty, each replication draws the pilot's effect sizes from their evidence "
    "ranges and every unit cost with a range from it (triangular, peaking at its value), the "
    "same costs for today and the pilot, and the pilot's own set-up, training and per-family "
    "costs from theirs"
)
#: Column heading of the figures with effect-size and cost uncertainty.
UNCERTAINTY_HEADING = "with effect and cost uncertainty"
#: Where a unit cost comes from (:attr:`sim.inputs.cost_book.UnitCost.basis`), in words.
COST_BASIS_WORDS = {
    "council's own": "the council's own published outturn",
    "entered": "the council's own figure, entered",
    "national": "England's published figures",
    "placeholder": "a placeholder (judgement or unverified)",
}
#: Where a unit cost comes from, in a table's few words (placeholders flagged in capitals).
COST_BASIS_SHORT = {
    "council's own": "council's own outturn",
    "entered": "council's own (entered)",
    "national": "England's figures",
    "placeholder": "PLACEHOLDER: enter your own",
}
#: Plain names of the cost book's items (``sim/data/unit_costs.yaml``), for the page's table.
UNIT_COST_WORDS = {
    "placement_kinship_foster": "Kinship foster placement",
    "placement_in_house_foster": "In-house foster placement",
    "placement_ifa": "Independent fostering agency placement",
    "placement_residential_private": "Children's home place (private)",
    "placement_residential_la": "Children's home place (council-run)",
    "share_residential_private": "Share of children's home places that are private",
    "placement_placed_with_parents": "Placed with parents",
    "placement_other": "Other placement",
    "staff_social_worker": "Social worker, full-time (FTE)",
    "staff_family_practitioner": "Family practitioner, full-time (FTE)",
    "staff_adult_specialist": "Adult specialist (mental health, substance, domestic abuse), FTE",
    "staff_supervisor": "Supervisor or team manager, full-time (FTE)",
    "staff_peer_mentor": "Peer mentor, full-time (FTE)",
    "assessment_marginal": "Assessment (beyond core staff time)",
    "early_help_per_child_marginal": "Early help, per child (beyond core staff time)",
    "care_proceedings_per_child": "Care proceedings, per child",
}
#: Plain names of the staff roles a pilot adds (plural).
ROLE_WORDS = {
    "social_worker": "social workers",
    "family_practitioner": "family practitioners",
    "adult_specialist": "adult specialists (mental health, substance misuse, domestic abuse)",
    "supervisor": "supervisors",
    "peer_mentor": "peer mentors",
}
#: Units of the cost book's items, in words.
COST_UNITS = {
    "gbp_per_week": "£ a week",
    "gbp_per_fte_year": "£ per FTE a year",
    "gbp_per_child": "£ per child",
    "gbp_per_family": "£ per family",
    "share": "share",
}
#: The warning beside an effect whose range reaches 1
#: (:attr:`sim.inputs.policies.Effect.may_be_no_effect`).
NO_EFFECT_WARNING = "the evidence does not rule out no effect, or harm"


# -- labels ------------------------------------------------------------------------------------


#: The levels whose back-tested coverage the words about ranges quote.
COVERAGE_MEASURES = ("referrals", "cp_plans_started", "care_entries", "looked_after")


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


def year_of_run_words(year_index: int) -> str:
    """ "in its first year" for 0, ... "in its eighth year", then "in year 9" (a run's years
    counted from 0)."""
    if year_index < len(_ORDINALS):
        return f"in its {_ORDINALS[year_index]} year"
    return f"in year {year_index + 1}"


def rough_ranges_words(futures: int) -> str:
    """What every range on a page run with fewer than :data:`NINE_IN_TEN_FUTURES` futures is."""
    return (
        f"Every range here is rough: it comes from only {futures} simulated futures, so it runs "
        "from about the lowest to the highest of them and cannot yet say where 9 in 10 futures "
        "would fall. Run 10 or more (standard or careful precision) for ranges to quote."
    )


def level_range_words(future: str = "uncertain", futures: int | None = None) -> str:
    """What the range of a level (children looked after, referrals, spend) covers, in words;
    from fewer than :data:`NINE_IN_TEN_FUTURES` futures, that the ranges are rough."""
    if rough_range(futures):
        return rough_ranges_words(futures)
    if future == "fixed":
        return (
            "Ranges of numbers (children looked after, referrals, spend) hold 9 of 10 simulated "
            "years with the council's rates held where they were fitted: chance alone, not how "
            "the council's demand may move, so they are narrower than the future will be."
        )
    if not is_widened():
        words = (
            "Ranges of numbers (children looked after, referrals, spend) hold 9 of 10 "
            "simulated futures; each future draws how the council's referrals, child "
            "protection plans and care entries move year on year from what councils' published "
            "figures did, so the ranges widen the further ahead they look."
        )
    else:
        words = (
            "Ranges of numbers (children looked after, children in need, referrals, child "
            "protection plans, care entries) are 90% ranges: each simulated future draws how "
            "the council's referrals, plans and care entries move year on year from what "
            "councils' published figures did, and the range is then widened by how far such "
            "projections missed what councils went on to publish, so ranges widen the further "
            "ahead they look. Spend ranges come from the simulated futures and unit costs "
            "alone, without that widening."
        )
    checked = one_year_ahead_90(COVERAGE_MEASURES)
    if checked is not None:
        low, high, councils, year = checked
        held = (
            f"{_in_ten(low)} in 10"
            if _in_ten(low) == _in_ten(high)
            else (f"{_in_ten(low)} to {_in_ten(high)} in 10")
        )
        widened = " (widened by margins fitted on other councils)" if is_widened() else ""
        words += (
            f" Checked against what councils published for {year}, a year ahead, such 90% "
            f"ranges{widened} held the published figure {held} times ({councils} council "
            "projections)"
        )
        words += ": read them as narrower than the future." if low < 0.85 else ", as they should."
    return words


def _in_ten(share: float) -> int:
    """A share as whole tenths, rounded half up (0.65 -> 7)."""
    return math.floor(share * 10 + 0.5)


def difference_range_words(futures: int | None = None) -> str:
    """What the range of a pilot's difference (children averted, net cost) covers, in words."""
    held = (
        f"come from the {futures} simulated futures run (rough)"
        if rough_range(futures)
        else "hold 9 of 10 simulated futures too"
    )
    return (
        f"Ranges of the pilot's difference (children kept out of care, net cost) {held}, but "
        "the pilot and today's way of working share each future, "
        "so they reflect what the evidence on the pilot's effects and the published unit costs "
        "do not pin down, and chance in which families it meets, not how demand moves."
    )


def label(measure: str) -> str:
    """A figure's or a measure's label (the measure's own name if it has none)."""
    if measure in FIGURES:
        return FIGURES[measure].label
    return MEASURES[measure].label if measure in MEASURES else measure


def short_label(measure: str) -> str:
    """The label of a dashboard tile: the full label unless it is too long for a tile."""
    if measure in FIGURES:
        return FIGURES[measure].short or FIGURES[measure].label
    return label(measure)


def help_text(measure: str) -> str:
    """What a figure means (a measure's definition), in plain words."""
    if measure in FIGURES:
        return FIGURES[measure].help
    return MEASURES[measure].definition if measure in MEASURES else ""


def chart_title(measure: str, where: str = "") -> str:
    """A chart's title for a measure by month, with the place it is for (``where``:
    "Weymouth and Portland, Dorset") when given."""
    return with_place(CHART_TITLES.get(measure) or label(measure), where)


def with_place(title: str, where: str = "") -> str:
    """A chart's title with the place it is for on a second, smaller line (a chart half a
    page wide cuts a long title short)."""
    return f"{title}<br><sup>{where}</sup>" if where else title


def variant_label(variant: str) -> str:
    """The name shown for a variant ('baseline' is today's way of working)."""
    return TODAY if variant == BASELINE else variant


def cost_sources(book: Any, policies: list | None = None) -> str:
    """Where a cost book's figures come from: how many unit costs are the council's own,
    national or placeholders, which are placeholders, and which ``policies``' own costs
    (set-up, training, per family) are judgement, not published."""
    by_basis: dict[str, list[str]] = {b: [] for b in COST_BASIS_WORDS}
    for name, item in book.items.items():
        by_basis[item.basis].append(name)
    counts = ", ".join(f"{len(v)} {k}" for k, v in by_basis.items() if v)
    text = f"Unit costs: {counts}"
    if book.council_note:
        text += f" ({book.council_note})"
    if by_basis["placeholder"]:
        text += (
            f". Placeholders (replace with the council's own): {', '.join(by_basis['placeholder'])}"
        )
    judged = sorted({p.name for p in policies or () if p.costs.status == "judgement"})
    if judged:
        text += f". Pilot set-up, training and per-family costs are judgement: {', '.join(judged)}"
    return text


def cost_line_label(line: str) -> str:
    """Plain name of a cost line (policy lines keep the policy's name)."""
    if line.startswith("policy: "):
        return f"{line.removeprefix('policy: ')} (the pilot's own cost)"
    return COST_LINES.get(line, line.replace("_", " "))


def effect_label(target: str) -> str:
    """What an effect changes, in plain words (its target if it has none)."""
    return EFFECT_LABELS.get(target, target)


def evidence_warning(effect: Effect) -> str:
    """The warning shown beside an effect whose evidence is weak; ``""`` when it is not."""
    return EVIDENCE_WARNINGS.get(effect.evidence, "") if effect.evidence_is_weak else ""


def range_warning(effect: Effect) -> str:
    """The warning shown beside an effect whose range allows no effect; ``""`` when it does not."""
    return NO_EFFECT_WARNING if effect.may_be_no_effect else ""


def effect_warnings(effect: Effect) -> str:
    """Every warning about an effect's evidence and range, joined; ``""`` when there is none."""
    return "; ".join(w for w in (evidence_warning(effect), range_warning(effect)) if w)


# -- terminal and dashboard formats ------------------------------------------------------------


def money_m(value: float) -> str:
    """Money in £ millions, two decimals, a hyphen for a minus: ``-£2.55m`` (never ``-£0.00m``:
    the sign is the rounded figure's)."""
    m = round(value / 1e6, 2)
    return f"{'-' if m < 0 else ''}£{abs(m):,.2f}m"


def money_rounded(value: float) -> str:
    """Money for a table a director reads: £ millions from £1m (``£46.37m``), else to the
    nearest £1,000 (``£687k``, ``-£5k``), and ``£0`` below £500."""
    if abs(value) >= 1e6:
        return money_m(value)
    thousands = round(value / 1e3)
    return f"{'-' if thousands < 0 else ''}£{abs(thousands):,}k" if thousands else "£0"


def count(value: float) -> str:
    """A count rounded to a whole number: ``1,234``."""
    return f"{round(value):,}"


def children(value: float) -> str:
    """A number of children as a sentence says it: ``1 more child``, ``8 more children``."""
    n = round(value)
    return f"{n:,} more child" if abs(n) == 1 else f"{n:,} more children"


def pounds(value: float) -> str:
    """Pounds and pence, a hyphen for a minus: ``£1.20``, ``-£0.01`` (never ``-£0.00``)."""
    p = round(value, 2)
    return f"{'-' if p < 0 else ''}£{abs(p):.2f}"


def percent(value: float) -> str:
    """A share in whole percent: ``64%``."""
    return f"{value:.0%}"


def payback_short(value: Any) -> str:
    """A payback year for a tile: the year, or ``none yet`` when none pays back."""
    text = str(value)
    return "none yet" if text.startswith("none") else text


def tile_text(measure: str, value: Any) -> str:
    """A figure's value on a dashboard tile (a payback year, or its format by measure)."""
    if measure == "payback_year":
        return payback_short(value)
    if isinstance(value, float) and math.isnan(value):
        return "n/a"  # e.g. a return per £1 when the pilot costs nothing here
    return value_format(measure)(value)


def value_format(measure: str) -> Callable[[float], str]:
    """The terminal and dashboard format of a figure: percent, pounds, £m or a count."""
    if measure.startswith("prob_"):
        return percent
    if measure == "return_per_pound":
        return pounds
    return money_m if measure.endswith("_gbp") else count


def figure_text(measure: str, mean: Any, p5: Any = None, p95: Any = None) -> str:
    """A figure with its range as the terminal shows it: ``£1.20m (£0.40m to £2.10m)``.

    Text (a payback year) is shown as it is, a missing number as ``n/a``; the range is left out
    when there is none or it is a single value.
    """
    if isinstance(mean, str):
        return mean
    if mean != mean:  # nan
        return "n/a"
    if measure.startswith("prob_") or measure == "return_per_pound":
        return value_format(measure)(mean)
    f = value_format(measure)
    if p5 is None or p5 != p5 or p5 == p95:
        return f(mean)
    return f"{f(mean)} ({f(p5)} to {f(p95)})"


# -- the bid report's format -------------------------------------------------------------------


def _signed(text: str, value: float) -> str:
    zero = text.strip("£mk%,.0") == ""
    return ("−" + text) if value < 0 and not zero else text


def format_value(kind: str, value: Any, scale: float | None = None) -> str:
    """A figure as the report shows it; ``scale`` (the largest of a figure and its range)
    picks the unit so a figure and its range read alike."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "text" or isinstance(value, str):
        return str(value)
    scale = abs(value) if scale is None else scale
    if kind == "count":
        return _signed(f"{abs(value):,.{1 if scale < 10 else 0}f}", value)
    if kind == "money":
        if scale >= 1e6:
            return _signed(f"£{abs(value) / 1e6:,.2f}m", value)
        if scale >= 1e4:
            return _signed(f"£{abs(value) / 1e3:,.0f}k", value)
        return _signed(f"£{abs(value):,.0f}", value)
    if kind == "pounds":
        return _signed(f"£{abs(value):,.2f}", value)
    if kind == "prob":
        return f"{value:.0%}"
    raise ValueError(f"unknown kind of figure {kind!r}")


#: The effect audit's columns (``csc-sim audit-effects``), in order.
AUDIT_COLUMNS = {
    "policy": "Policy",
    "effect": "What the effect changes",
    "stated": "Stated",
    "expected": "Expected",
    "measured": "Measured (95% interval)",
    "decisions": "Decisions",
    "verdict": "Verdict",
}


def multiplier_text(value: float) -> str:
    """An effect's multiplier as written in a policy file: two or three decimals (``0.80``,
    ``0.885``)."""
    text = f"{value:.3f}"
    return text[:-1] if text.endswith("0") else text


def ratio_text(value: float | None, low: float | None = None, high: float | None = None) -> str:
    """A ratio to two decimals, with its interval when there is one (``0.85 (0.81 to 0.89)``)."""
    if value is None:
        return "n/a"
    if low is None or high is None:
        return f"{value:.2f}"
    return f"{value:.2f} ({low:.2f} to {high:.2f})"


# -- words for leaders: chances, ranges, effects, precision --------------------------------------

#: Words for a chance, by its upper bound (a judgement after the UK Professional Head of
#: Intelligence Assessment's probability yardstick, coarsened to five steps); the % goes in help.
CHANCE_WORDS = (
    (0.10, "very unlikely"),
    (0.35, "unlikely"),
    (0.65, "about even"),
    (0.90, "likely"),
    (1.00, "very likely"),
)
#: How a range of a pilot's difference is said: 9 of 10 simulated futures (5th to 95th
#: percentile of the replications).
RANGE_LEAD = "in 9 of 10 simulated futures"
#: Fewer simulated futures than this and a range is not said as 9 in 10: with 4 (quick
#: precision) the 5th and 95th percentiles sit between the lowest and highest of 4 runs.
NINE_IN_TEN_FUTURES = 10
#: The one sign convention of the page's money: net cost.
SIGN_CONVENTION = (
    "Money is shown as net cost: positive means the pilot costs more than it saves, negative "
    "means it saves more than it costs."
)
#: Net present value, in words (on the page, not only in help).
NPV_WORDS = (
    "Net cost in today's money (net present value) counts a pound spent or saved in a later "
    "year as worth less than one today: each year's net cost is discounted by 3.5% a year "
    "(HM Treasury Green Book), then added up."
)
#: The page's choice of precision: replications of each option (more: narrower ranges, slower).
PRECISION = {"quick": 4, "standard": 10, "careful": 30}
#: What a negative low end of a count's range means, by figure.
NEGATIVE_END_WORDS = {
    "care_entries_averted": "the range includes more children entering care",
    "child_days_in_care_avoided": "the range includes more days in care",
    "cp_children_safely_home_gained": "could be fewer children safely home: the range includes "
    "losing some",
}


def chance_words(p: float) -> str:
    """A chance in words ("very unlikely" ... "very likely"; :data:`CHANCE_WORDS`)."""
    if p != p:  # nan
        return "not known"
    return next(words for top, words in CHANCE_WORDS if p < top or top == 1.00)


def chance_help(p: float, k: int | None = None, n: int | None = None) -> str:
    """The chance as a percentage (and the futures counted), for the help beside its words."""
    futures = f": {k} of {n} simulated futures" if k is not None and n else ""
    scale = ", ".join(f"under {top:.0%} {w}" for top, w in CHANCE_WORDS[:-1])
    return f"{percent(p)}{futures} (words: {scale}, else {CHANCE_WORDS[-1][1]})"


def precision_help() -> str:
    """What each precision means, in replications."""
    runs = "; ".join(f"{k}: {v} simulated futures" for k, v in PRECISION.items())
    return (
        f"How many simulated futures (replications) each option is run for: {runs}. More "
        "gives narrower ranges and takes longer."
    )


def precision_of(replications: int) -> str:
    """The precision closest to a number of replications (for a scenario opened from a file)."""
    return min(PRECISION, key=lambda k: abs(PRECISION[k] - replications))


def rough_range(futures: int | None) -> bool:
    """True when ``futures`` simulated futures are too few to say a range as 9 in 10."""
    return futures is not None and 0 < futures < NINE_IN_TEN_FUTURES


def band_legend(futures: int | None = None) -> str:
    """A chart band's legend: :data:`BAND_LEGEND`, or from fewer than
    :data:`NINE_IN_TEN_FUTURES` futures, ``range of the 4 simulated futures (rough)``."""
    return (
        f"range of the {futures} simulated futures (rough)"
        if rough_range(futures)
        else (BAND_LEGEND)
    )


def band_words(futures: int | None = None) -> str:
    """A chart's shaded range named in a sentence: :data:`BAND_LEGEND`, or from fewer than
    :data:`NINE_IN_TEN_FUTURES` futures ``across the 4 simulated futures run, a rough range``."""
    if rough_range(futures):
        return f"across the {futures} simulated futures run, a rough range"
    return BAND_LEGEND


def error_bar_words(futures: int | None = None) -> str:
    """What a chart's error bars show: where 9 in 10 simulated futures fall, or the rough range
    of the few run."""
    if rough_range(futures):
        return f"the lines show the range of the {futures} simulated futures run (rough)"
    return "the lines show where 9 in 10 simulated futures fall"


def range_lead(futures: int | None = None, also: str = "") -> str:
    """How a range is said after ``between a and b``: :data:`RANGE_LEAD`, or, from fewer than
    :data:`NINE_IN_TEN_FUTURES` futures, that it is a rough range from so many (with ``also``
    in the same bracket, not a second one after it)."""
    if not rough_range(futures):
        return RANGE_LEAD
    more = f"; {also}" if also else ""
    return (
        f"across the {futures} simulated futures run (a rough range: more precision narrows "
        f"it{more})"
    )


def range_words(measure: str, p5: float, p95: float, futures: int | None = None) -> str:
    """A figure's range in plain words: ``in 9 of 10 simulated futures between 1 and 19``
    (``between 1 and 19 across the 4 simulated futures run ...`` from fewer than 10), with what
    a negative low end means for a count that should be positive."""
    fmt = value_format(measure)
    between = f"between {fmt(p5)} and {fmt(p95)}"
    negative = NEGATIVE_END_WORDS[measure] if measure in NEGATIVE_END_WORDS and p5 < 0 < p95 else ""
    if rough_range(futures):
        return f"{between} {range_lead(futures, also=negative)}"
    return f"{RANGE_LEAD} {between}" + (f" ({negative})" if negative else "")


def _change(multiplier: float, duration: bool) -> str:
    """One multiplier as a change: ``20% fewer``, ``10% more``, ``none``."""
    pct = round(abs(1 - multiplier) * 100)
    if pct == 0:
        return "none"
    if duration:
        return f"{pct}% {'shorter' if multiplier < 1 else 'longer'}"
    return f"{pct}% {'fewer' if multiplier < 1 else 'more'}"


def effect_text(central: float, low: float, high: float, duration: bool = False) -> str:
    """An effect's multipliers in words: ``20% fewer (between 40% fewer and 10% more)``;
    ``duration``: a length, said shorter or longer."""
    mid = _change(central, duration)
    if low == high:
        return mid if mid != "none" else "no change"
    return f"{mid if mid != 'none' else 'no change'} (between {_change(low, duration)} and " + (
        f"{_change(high, duration)})"
    )


def error_markdown(lead: str, message: str) -> str:
    """An error for the page: ``lead``, then each problem of ``message`` (one a line) as a
    bullet, with Markdown's own characters escaped so field names show as written."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    escaped = [_escape_markdown(line) for line in lines]
    if len(escaped) == 1:
        return f"{lead}: {escaped[0]}"
    return f"{lead} ({len(escaped)} problems):\n\n" + "\n".join(f"- {e}" for e in escaped)


def _escape_markdown(text: str) -> str:
    for ch in "\\`*_{}[]<>#|~$":
        text = text.replace(ch, "\\" + ch)
    return text


def effect_words(effect: Effect) -> str:
    """An effect in words: ``20% fewer (between 40% fewer and 10% more)``; a length said
    shorter or longer (:func:`effect_text`)."""
    duration = effect_targets().get(effect.target) == "duration"
    return effect_text(effect.central, effect.low, effect.high, duration)
