"""The model's parameters: every rate, duration and capacity, grouped by stage of the pathway.

Values come from a parameter file (``sim/data/params/<name>.yaml``) that ``calibration/`` derives
from published figures, with a ``sources`` table naming the evidence behind every value. Units
are part of names (``_days``, ``_per_10k``, ``_per_year``); probabilities start with ``p_``.
Probabilities written ``p_`` on an escalation are for a family of average need and risk; the
family's own odds scale them (see :class:`Escalation`).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core.distributions import ByAge, DurationSpec, Lognormal
from sim.core.entities import TOXIC_TRIO_SUBSETS, Exit, Placement

Probability = Annotated[float, Field(ge=0, le=1)]
NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Locality(_Model):
    """A part of the council (district, ward group) for targeted pilots."""

    name: str
    population_share: Probability
    relative_demand: Positive = 1.0  # contacts per child, relative to the council's average
    relative_risk: Positive = 1.0  # odds of escalation, relative (normalised over the council)
    p_family_at_pod_school: Probability = 0.0


class Demand(_Model):
    """Who comes to the front door, how often, and how that changes over time."""

    contacts_per_10k_per_year: NonNegative
    population_growth_per_year: float = Field(ge=-0.2, le=0.2)
    monthly_profile: tuple[Positive, ...] = Field(min_length=12, max_length=12)
    children_per_family: tuple[NonNegative, ...] = Field(min_length=1)
    child_age_weights: tuple[NonNegative, ...] = Field(min_length=18, max_length=18)
    need_level_shares: tuple[NonNegative, ...] = Field(min_length=4, max_length=4)
    toxic_trio_shares: dict[str, NonNegative]
    uasc_per_10k_per_year: NonNegative
    uasc_age_weights: tuple[NonNegative, ...] = Field(min_length=18, max_length=18)
    localities: tuple[Locality, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Demand:
        missing = set(TOXIC_TRIO_SUBSETS) - set(self.toxic_trio_shares)
        extra = set(self.toxic_trio_shares) - set(TOXIC_TRIO_SUBSETS)
        if missing or extra:
            raise ValueError(
                f"toxic_trio_shares needs exactly the keys {list(TOXIC_TRIO_SUBSETS)} "
                f"(missing {sorted(missing)}, unknown {sorted(extra)})"
            )
        total = sum(loc.population_share for loc in self.localities)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"localities' population_share must add up to 1 (they add to {total:g})"
            )
        return self


#: Working days in a week over calendar days: the MASH's daily capacity is spread over the week.
WORKING_DAYS_PER_DAY = 5 / 7


class FrontDoor(_Model):
    """MASH triage of contacts: information/NFA, early help, or referral.

    The MASH triages up to ``triage_fte_per_10k`` x ``contacts_per_triage_fte_per_working_day``
    contacts (children) a working day; contacts beyond that wait for the next day. Older files
    may give the capacity directly as ``triage_contacts_per_day_per_10k`` (contacts a calendar
    day); it is read as the equivalent staff at the given (or default) rate.
    """

    triage_fte_per_10k: Positive
    contacts_per_triage_fte_per_working_day: Positive
    triage_days: DurationSpec
    p_referral: Probability
    p_early_help: Probability
    odds_referral_known_family: Positive

    @model_validator(mode="before")
    @classmethod
    def _capacity_given_directly(cls, data: Any) -> Any:
        if isinstance(data, dict) and "triage_contacts_per_day_per_10k" in data:
            data = dict(data)
            per_day = data.pop("triage_contacts_per_day_per_10k")
            rate = data.get("contacts_per_triage_fte_per_working_day")
            if not isinstance(per_day, int | float) or per_day <= 0:
                raise ValueError(
                    f"triage_contacts_per_day_per_10k must be a number above 0 (got {per_day!r})"
                )
            if isinstance(rate, int | float) and rate > 0:
                data["triage_fte_per_10k"] = per_day / (rate * WORKING_DAYS_PER_DAY)
            # else contacts_per_triage_fte_per_working_day's own check reports the rate
        return data

    @property
    def triage_contacts_per_day_per_10k(self) -> float:
        """Contacts (children) the MASH can triage per calendar day, per 10,000 children."""
        return (
            self.triage_fte_per_10k
            * self.contacts_per_triage_fte_per_working_day
            * WORKING_DAYS_PER_DAY
        )

    @model_validator(mode="after")
    def _check(self) -> FrontDoor:
        if self.p_referral + self.p_early_help > 1:
            raise ValueError(
                f"p_referral + p_early_help must be <= 1 "
                f"({self.p_referral} + {self.p_early_help} > 1)"
            )
        return self


class EarlyHelp(_Model):
    """Early help by family practitioners, with a waiting list families may leave."""

    practitioner_fte_per_10k: NonNegative
    families_per_practitioner: Positive
    duration: DurationSpec
    patience: DurationSpec
    p_step_up: Probability
    p_need_falls: Probability


class Assessment(_Model):
    """Referral to end of the social work assessment (C1, C2)."""

    p_nfa_at_referral: Probability
    duration_working_days: DurationSpec
    p_s47: Probability
    p_not_in_need: Probability
    p_step_down_early_help: Probability


class CinPlan(_Model):
    """Child in need plan (s17): review, escalation, close or step down."""

    duration: DurationSpec
    p_s47: Probability
    p_s20_care: Probability
    s20_min_age: NonNegative
    p_reassessment: Probability
    p_step_down_early_help: Probability


class S47Enquiry(_Model):
    """Strategy discussion and s47 enquiry to the initial child protection conference."""

    working_days_to_icpc: DurationSpec
    p_emergency_care: Probability
    p_icpc: Probability
    p_cin_plan_if_no_icpc: Probability


class Icpc(_Model):
    """Initial child protection conference outcome."""

    p_cp_plan: Probability


class CpPlan(_Model):
    """Child protection plan: step down or close, or pre-proceedings and care proceedings."""

    duration: DurationSpec
    p_pre_proceedings: Probability
    p_s20_care: Probability
    p_step_down_cin: Probability


class Proceedings(_Model):
    """Public Law Outline pre-proceedings and s31 care proceedings."""

    pre_proceedings_duration: DurationSpec
    p_proceedings_issued: Probability
    p_care_entry_at_issue: Probability
    proceedings_duration: DurationSpec


class LookedAfter(_Model):
    """Care: who enters with their siblings, where they are placed, how and when they leave."""

    p_sibling_enters_too: Probability
    placement_age_bands: tuple[NonNegative, ...]
    placement_mix: dict[Placement, tuple[NonNegative, ...]]
    uasc_placement_mix: dict[Placement, NonNegative]
    exit_age_bands: tuple[NonNegative, ...]
    exit_mix: dict[Exit, tuple[NonNegative, ...]]
    duration: ByAge
    entry_age_weights: tuple[NonNegative, ...] = Field(min_length=18, max_length=18)
    p_recontact_after_return_home: Probability
    recontact_after_return_home: DurationSpec
    #: A return home that breaks down: the child comes straight back into care (re-entry), not
    #: through a new referral. England's tables publish no re-entry figure, so England's file
    #: sets none; a council's own SSDA903 re-entry share sets it (calibrate --903).
    p_return_home_breaks_down: Probability = 0.0
    return_home_breakdown: DurationSpec = Field(
        default_factory=lambda: Lognormal(median_days=120.0, p90_days=330.0)
    )

    @model_validator(mode="after")
    def _check(self) -> LookedAfter:
        for name, mix, bands in (
            ("placement_mix", self.placement_mix, self.placement_age_bands),
            ("exit_mix", self.exit_mix, self.exit_age_bands),
        ):
            for key, weights in mix.items():
                if len(weights) != len(bands):
                    raise ValueError(
                        f"{name}.{key.value} needs one weight per age band "
                        f"({len(bands)}), got {len(weights)}"
                    )
        if Exit.AGE_18 in self.exit_mix:
            raise ValueError("exit_mix must not list age_18: turning 18 ends care by itself")
        return self


class Workforce(_Model):
    """Social workers holding cases (the children's social work workforce census)."""

    social_worker_fte_per_10k: NonNegative
    caseload_ceiling: Positive
    caseload_reference: Positive


class Escalation(_Model):
    """How need, risk, waiting and caseload pressure shift the odds of escalation.

    A family's odds of an escalating decision (s47, CP plan, care) are the stage's base odds
    times ``odds_by_need[need-1]`` times ``odds_toxic_trio`` if any toxic-trio factor is present,
    times ``odds_previous_care`` if a child of the family was looked after before, times the
    locality's ``relative_risk``, times caseload pressure
    ``(caseload / caseload_reference) ** caseload_elasticity`` when caseloads exceed the
    reference. Each month spent waiting raises need one level with probability
    ``p_need_rises_per_month_waiting``.
    """

    odds_by_need: tuple[Positive, Positive, Positive, Positive]
    odds_toxic_trio: Positive
    odds_previous_care: Positive = 1.0
    p_need_rises_per_month_waiting: Probability
    p_need_falls_after_social_care: Probability
    caseload_elasticity: NonNegative


class Recontact(_Model):
    """New concerns about families already known: re-referrals and repeat plans."""

    p_recontact: Probability
    time_to_recontact: DurationSpec
    p_previous_cp_new_family: Probability
    p_previous_care_new_family: Probability
    closures_before_start_per_10k_per_year: NonNegative
    share_closures_after_referral: Probability


class FutureSource(_Model):
    """Where a projection's future is drawn from (:mod:`sim.inputs.future_changes`)."""

    #: Councils whose published year-to-year changes are drawn (a council and its statistical
    #: neighbours, closest first); none: every council.
    councils: tuple[str, ...] = ()
    #: The last year whose change may be drawn; none: the parameters' reference year.
    up_to_year: str | None = Field(None, pattern=r"^\d{4}-\d{2}$")


class Parameters(_Model):
    """Every parameter of the pathway, with the source of each value."""

    description: str = ""
    reference_year: str
    demand: Demand
    front_door: FrontDoor
    early_help: EarlyHelp
    assessment: Assessment
    cin_plan: CinPlan
    s47_enquiry: S47Enquiry
    icpc: Icpc
    cp_plan: CpPlan
    proceedings: Proceedings
    looked_after: LookedAfter
    workforce: Workforce
    escalation: Escalation
    recontact: Recontact
    opening_stocks_per_10k: dict[str, NonNegative]
    future: FutureSource = FutureSource()
    sources: dict[str, str] = Field(default_factory=dict)
    provenance: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _opening(self) -> Parameters:
        allowed = {"early_help", "assessment", "cin_plan", "cp_plan", "looked_after"}
        unknown = set(self.opening_stocks_per_10k) - allowed
        if unknown:
            raise ValueError(
                f"opening_stocks_per_10k has unknown stock(s) {sorted(unknown)}; "
                f"allowed: {sorted(allowed)}"
            )
        return self
