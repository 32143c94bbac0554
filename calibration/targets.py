"""Published national figures for England, read from the CSV the project ships."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / "sim" / "data" / "reference"
NATIONAL_CSV = REFERENCE / "england_national_rates.csv"


@dataclass(frozen=True)
class Figure:
    """One published figure with its unit and source."""

    year: str
    measure: str
    value: float
    unit: str
    source: str


class NationalFigures:
    """England's national series by (year, measure)."""

    def __init__(self, path: Path = NATIONAL_CSV) -> None:
        self.path = path
        self._rows: dict[tuple[str, str], Figure] = {}
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                try:
                    value = float(row["value"])
                except ValueError:
                    continue
                fig = Figure(row["year"], row["measure"], value, row["unit"], row["source"])
                self._rows[(fig.year, fig.measure)] = fig

    def get(self, year: str, measure: str) -> Figure:
        """The figure for ``measure`` in ``year`` ('2024-25'); KeyError names what is missing."""
        try:
            return self._rows[(year, measure)]
        except KeyError:
            raise KeyError(f"{self.path.name}: no figure for {measure} in {year}") from None

    def value(self, year: str, measure: str) -> float:
        """Just the value of :meth:`get`."""
        return self.get(year, measure).value

    def population(self, year: str) -> float:
        """DfE's denominator for a reporting year: ONS mid-year 0-17 of the year's first half."""
        first = int(year[:4])
        return self.value(f"{first}-06-30", "population_aged_0_17")

    def per_10k(self, year: str, measure: str) -> float:
        """A count per 10,000 children aged 0-17 in the same reporting year."""
        return self.value(year, measure) / self.population(year) * 1e4


#: Targets the England default must reproduce in its first projected year (per 10,000 children
#: for flows and stocks; per cent for shares): measure -> (published measure, kind).
FIT_TARGETS: dict[str, tuple[str, str]] = {
    "referrals": ("referrals", "flow"),
    "assessments": ("assessments_completed", "flow"),
    "s47_enquiries": ("section_47_enquiries", "flow"),
    "icpcs": ("initial_child_protection_conferences", "flow"),
    "cp_plans_started": ("cp_plans_started", "flow"),
    "care_entries": ("cla_started", "flow"),
    "rereferral_rate": ("re_referral_rate", "share"),
    "cp_repeat_rate": ("cp_plans_second_or_subsequent_share", "share"),
    "children_in_need": ("children_in_need_at_31_march", "stock"),
    "cp_plans": ("cp_plans_at_31_march", "stock"),
    "looked_after": ("cla_at_31_march", "stock"),
}


def fit_targets(figures: NationalFigures, year: str = "2024-25") -> dict[str, float]:
    """The published value of each fit target: per 10,000 children, or a percentage."""
    out = {}
    for name, (measure, kind) in FIT_TARGETS.items():
        out[name] = (
            figures.value(year, measure) if kind == "share" else figures.per_10k(year, measure)
        )
    return out


#: Toxic-trio factors at the end of assessment (C3), as the model names them.
FACTORS = ("domestic_abuse", "parental_mental_health", "parental_substance_misuse")
#: CP plan duration bands of D5 and D7, as the model names them (sim.core.entities).
CP_BANDS = ("le_3m", "3_6m", "6_12m", "1_2y", "ge_2y")
#: Placement groups the national table can tell apart; the model's types within each.
PLACEMENT_GROUPS: dict[str, tuple[str, ...]] = {
    "foster": ("kinship_foster", "in_house_foster", "ifa"),
    "residential": ("residential",),
    "placed_with_parents": ("placed_with_parents",),
    "other": ("other",),
}
#: Reasons care ended, grouped as the model's exits (the rest of the published reasons: other).
EXIT_GROUPS: dict[str, tuple[str, ...]] = {
    "returned_home": ("returned_home",),
    "sgo_cao": ("sgo", "cao"),
    "adoption": ("adoption",),
    "age_18": ("age_18",),
    "other": ("other",),
}


def substance_misuse_union(drug: float, alcohol: float) -> float:
    """Share with parental drug or alcohol misuse from the two shares C3 publishes.

    The two overlap; the union assumes twice the overlap of independent factors (judgement).
    """
    return drug + alcohol - 2.0 * drug * alcohol


def toxic_trio_marginals(
    figures: NationalFigures, year: str, per: str = "factor_episode"
) -> tuple[float, float, float]:
    """Shares with parental domestic abuse, mental health and substance misuse (C3).

    ``per="factor_episode"``: of episodes with any factor recorded (how DfE's C3 table and each
    council's published row read); ``per="assessment"``: of all completed assessments (how a
    council's own CIN census extract reads, 'no factors identified' included).
    """
    episodes = figures.value(year, "episodes_with_assessment_factor_recorded")
    denominator = (
        episodes if per == "factor_episode" else figures.value(year, "assessments_completed")
    )
    drug = figures.value(year, "factor_drug_misuse_parent") / episodes
    alcohol = figures.value(year, "factor_alcohol_misuse_parent") / episodes
    return (
        figures.value(year, "factor_domestic_abuse_parent") / denominator,
        figures.value(year, "factor_mental_health_parent") / denominator,
        substance_misuse_union(drug, alcohol) * episodes / denominator,
    )


def mix_targets(figures: NationalFigures, year: str = "2024-25") -> dict[str, float]:
    """Published shares (%) that the model's first year should reproduce.

    - ``assessed_share_<factor>``: children assessed with each toxic-trio factor, as % of all
      completed assessments (C3 counts over C2's completed assessments; see
      :func:`toxic_trio_marginals`).
    - ``cp_ended_share_<band>`` (D7) and ``cp_open_share_<band>`` (D5): CP plans by duration.
    - ``placement_share_<group>``: looked-after children at 31 March by placement.
    - ``exit_share_<group>``: children ceasing care in the year by reason.
    - ``entry_age_share_under_1``: children starting care under one, of all starts.
    """
    v = lambda m: figures.value(year, m)  # noqa: E731
    out: dict[str, float] = {}
    for name, share in zip(FACTORS, toxic_trio_marginals(figures, year, "assessment"), strict=True):
        out[f"assessed_share_{name}"] = 100 * share
    for band in CP_BANDS:
        out[f"cp_ended_share_{band}"] = v(f"cp_plans_ended_duration_{band}_share")
        out[f"cp_open_share_{band}"] = v(f"cp_plans_at_31_march_duration_{band}_share")
    cla = v("cla_at_31_march")
    place = "cla_31mar_placement_"
    foster = v(place + "foster_placements")
    residential = v(place + "secure_homes_and_children_s_homes")
    with_parents = v(place + "placed_with_parents_or_other_person_with_parental_responsibility")
    out["placement_share_foster"] = 100 * foster / cla
    out["placement_share_residential"] = 100 * residential / cla
    out["placement_share_placed_with_parents"] = 100 * with_parents / cla
    out["placement_share_other"] = 100 * (cla - foster - residential - with_parents) / cla
    ceased = v("cla_ceased")
    r = "cla_ceased_reason_"
    groups = {
        "returned_home": v(r + "returned_home_part_of_care_plan")
        + v(r + "returned_home_not_part_of_care_plan"),
        "sgo_cao": v(r + "special_guardianship_order")
        + v(r + "residence_order_or_child_arrangement_order_granted"),
        "adoption": v(r + "adopted"),
        "age_18": v(r + "aged_18_or_over_and_remained_with_current_carers")
        + v(r + "moved_into_independent_living_with_supportive_accommodation")
        + v(r + "moved_into_independent_living_with_no_formalised_support"),
    }
    for name, count in groups.items():
        out[f"exit_share_{name}"] = 100 * count / ceased
    out["exit_share_other"] = 100 * (ceased - sum(groups.values())) / ceased
    out["entry_age_share_under_1"] = 100 * v("cla_started_age_under_1_year") / v("cla_started")
    return out


def simulated_shares(values: dict[str, float]) -> dict[str, float]:
    """The model's counterparts of :func:`mix_targets` from first-year measures (any unit)."""
    out: dict[str, float] = {}
    g = lambda m: values.get(m, 0.0)  # noqa: E731
    if g("assessments"):
        for f in FACTORS:
            out[f"assessed_share_{f}"] = 100 * g(f"assessments_factor_{f}") / g("assessments")
    ended = sum(g(f"cp_plans_ended_{b}") for b in CP_BANDS)
    opened = sum(g(f"cp_plans_open_{b}") for b in CP_BANDS)
    for b in CP_BANDS:
        if ended:
            out[f"cp_ended_share_{b}"] = 100 * g(f"cp_plans_ended_{b}") / ended
        if opened:
            out[f"cp_open_share_{b}"] = 100 * g(f"cp_plans_open_{b}") / opened
    if g("looked_after"):
        for name, types in PLACEMENT_GROUPS.items():
            n = sum(g(f"looked_after_{t}") for t in types)
            out[f"placement_share_{name}"] = 100 * n / g("looked_after")
    if g("care_exits"):
        for name, reasons in EXIT_GROUPS.items():
            n = sum(g(f"care_exits_{e}") for e in reasons)
            out[f"exit_share_{name}"] = 100 * n / g("care_exits")
    if g("care_entries"):
        out["entry_age_share_under_1"] = 100 * g("care_entries_age_under_1") / g("care_entries")
    return out
