"""The model's parameters: every rate, duration and capacity, grouped by stage of the pathway.

Values come from a parameter file (``sim/data/params/<name>.yaml``) that ``calibration/`` derives
from published figures, with a ``sources`` table naming the evidence behind every value. Units
are part of names (``_days``, ``_per_10k``, ``_per_year``); probabilities start with ``p_``.
Probabilities written ``p_`` on an escalation are for a family of average need and risk; the
family's own odds scale them (see :class:`Escalation`).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from functools import cached_property, lru_cache
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core.calendar import DAYS_PER_YEAR
from sim.core.distributions import ByAge, Duration, DurationSpec, Lognormal
from sim.core.entities import AGE_OF_MAJORITY, TOXIC_TRIO_SUBSETS, CourtOrder, Exit, Placement

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


#: How s31 proceedings end for children looked after during them (on an interim care order),
#: in per cent. Judgement shaped so that, with the children at home below, the national mix of
#: final orders is that of Harwin et al. (2019), *The contribution of supervision orders and
#: special guardianship to children's lives and family justice* (Cafcass records of children in
#: s31 proceedings ending in 2016-17): supervision orders 15%, special guardianship 17%
#: (published); care orders about 33%, placement orders about 19%, child arrangements orders
#: about 9%, no order about 7% (UNVERIFIED: read from the study's charts). MoJ's Family Court
#: Statistics Quarterly stopped publishing orders by type in 2022 (new case system). Placement
#: orders and nearly all care orders go to children already looked after: DfE's CLA starts
#: count only about 200 children a year starting under a full care or placement order.
IN_CARE_ORDER_MIX: dict[CourtOrder, float] = {
    CourtOrder.CARE_ORDER: 56.0,
    CourtOrder.PLACEMENT_ORDER: 34.0,
    CourtOrder.SGO: 5.0,
    CourtOrder.SUPERVISION_ORDER: 3.0,
    CourtOrder.CHILD_ARRANGEMENTS_ORDER: 1.5,
    CourtOrder.NO_ORDER: 0.5,
}
#: How s31 proceedings end for children living at home during them (judgement, as above): a
#: care order for few (DfE: about 200 children a year start care under a full care or placement
#: order), special guardianship with relatives, supervision, child arrangements or no order.
AT_HOME_ORDER_MIX: dict[CourtOrder, float] = {
    CourtOrder.CARE_ORDER: 3.0,
    CourtOrder.PLACEMENT_ORDER: 0.0,
    CourtOrder.SGO: 33.0,
    CourtOrder.SUPERVISION_ORDER: 31.0,
    CourtOrder.CHILD_ARRANGEMENTS_ORDER: 18.0,
    CourtOrder.NO_ORDER: 15.0,
}


class Proceedings(_Model):
    """Public Law Outline pre-proceedings and s31 care proceedings.

    Proceedings last ``proceedings_duration`` from issue to the final order. At issue a child
    is removed under an interim care order (``p_care_entry_at_issue``: looked after for the
    rest of the proceedings) or stays at home (its CP plan running its own course); the final
    order is drawn from the mix for where the child lived during the proceedings.
    """

    pre_proceedings_duration: DurationSpec
    p_proceedings_issued: Probability
    p_care_entry_at_issue: Probability
    proceedings_duration: DurationSpec
    in_care_order_mix: dict[CourtOrder, NonNegative] = Field(
        default_factory=lambda: dict(IN_CARE_ORDER_MIX)
    )
    at_home_order_mix: dict[CourtOrder, NonNegative] = Field(
        default_factory=lambda: dict(AT_HOME_ORDER_MIX)
    )

    @model_validator(mode="after")
    def _check(self) -> Proceedings:
        for name in ("in_care_order_mix", "at_home_order_mix"):
            mix = getattr(self, name)
            missing = [o.value for o in CourtOrder if o not in mix]
            if missing or sum(mix.values()) <= 0:
                raise ValueError(
                    f"proceedings.{name} needs a weight for each of "
                    f"{[o.value for o in CourtOrder]} (missing {missing}), not all zero"
                )
        return self


#: Ages 0-17 of children remanded to a council's accommodation (judgement: from age 10, the
#: age of criminal responsibility, most aged 15-17, as in the Youth Justice Board's statistics).
YOUTH_JUSTICE_AGE_WEIGHTS = (0,) * 10 + (0.5, 0.5, 1, 2, 5, 10, 20, 25)


class YouthJustice(_Model):
    """Children who start to be looked after under a youth justice legal status (remand).

    They come from the youth justice system, not from the council's own pathway: their own
    arrival stream, as unaccompanied children's is, straight into care for the remand.
    """

    #: DfE Children looked after in England 2025, national tables: 510 starts under youth
    #: justice legal statuses in 2024-25 (remand 490, sentenced 10, PACE 10) over ONS's
    #: 12.18 million children aged 0-17 (mid-2024)
    entries_per_10k_per_year: NonNegative = 0.419
    age_weights: tuple[NonNegative, ...] = Field(
        default=YOUTH_JUSTICE_AGE_WEIGHTS, min_length=18, max_length=18
    )
    #: judgement: remand lasts weeks to months (about three months typically)
    duration: DurationSpec = Field(
        default_factory=lambda: Lognormal(median_days=90.0, p90_days=240.0)
    )


class ExitStay(_Model):
    """How long a stay that ends one way lasts, against the council's stay for the child's age.

    A stay that will end by this reason is the council's stay for the age (``duration``) with
    its median multiplied by ``scale`` and its spread on the log scale by ``spread``:
    ``median x scale x (stay / median) ** spread``, the same uniform draw as before (a
    lognormal stays lognormal, with sigma multiplied by ``spread``). Every reason's stays are
    then multiplied by one factor per quarter-year of age at entry so that the mean stay lived
    (cut at 18) over the age's exit mix is the council's own: the reasons share out the fitted
    stay, they do not lengthen or shorten it.
    """

    scale: Positive = 1.0
    spread: Positive = 1.0


#: How each way of leaving shapes the stay, relative to the council's stay for the age (a
#: reason not listed keeps it). Fitted by ``python -m calibration.stays --fit`` so that
#: England's steady state's exits by duration of the last period of care follow DfE's national
#: table (Children looked after in England, ceased during the year, 2023-24: under 2 weeks 7.5%,
#: 2-8 weeks 7.1%, 8 weeks-6 months 13.9%, 6-12 months 18.8%, 1-2 years 20.8%, 2-3 years 8.8%,
#: 3-5 years 8.6%, 5-10 years 9.2%, 10+ years 5.3%), keeping the exits by reason (England's
#: first year: 35.4% leave at 18 against DfE's 32.9%; 33.2% with one stay for every reason),
#: and holding the mean stay of adoptions near 2 years 3 months (DfE Children looked after in
#: England 2022, as reported by Adoption UK, 17 November 2022) and of SGOs and CAOs near three
#: years (judgement). Returns home: the fit's scale (0.449) gave a mean of 1.3 years in a run of
#: England's default; set to 0.25 (judgement) toward the evidence that returns home come mostly
#: within months (one large council's entrants who went home did so after 53 days on average,
#: Child & Family Social Work, December 2019): about 0.95 years, and the bands fit no worse.
STAY_BY_EXIT: dict[Exit, ExitStay] = {
    Exit.RETURNED_HOME: ExitStay(scale=0.25, spread=2.0),
    Exit.SGO: ExitStay(scale=1.0, spread=1.492),
    Exit.CAO: ExitStay(scale=1.284, spread=1.482),
    Exit.ADOPTION: ExitStay(scale=0.472, spread=2.0),
    Exit.OTHER: ExitStay(scale=2.226, spread=0.5),
}

_SAME_STAY = ExitStay()

#: Quantiles of a stay the mean-keeping factor is taken over, and its ages a year.
_MOMENT_GRID = 2000
_NORM_STEPS_A_YEAR = 4


@lru_cache(maxsize=256)
def _quantile_grid(base: Duration) -> np.ndarray:
    """The stay's :data:`_MOMENT_GRID` mid-quantiles, read-only: the 72 mean-keeping factors a
    run needs share a handful of stays (one for each of the ages' bands), and each grid is
    2,000 calls of the stay's quantile."""
    grid = np.array([base.sample((k + 0.5) / _MOMENT_GRID) for k in range(_MOMENT_GRID)])
    grid.flags.writeable = False
    return grid


def _mean_keeping_factor(
    base: Duration, mix: dict[Exit, float], stays: dict[Exit, ExitStay], cut: float
) -> float:
    """The factor ``k`` on every reason's shaped stay that gives the same mean stay, cut at
    ``cut`` days (turning 18), over the exit ``mix`` as the council's stay ``base`` (by
    bisection on its log: the cut mean rises with ``k``)."""
    total = sum(mix.values())
    median = base.sample(0.5)
    if total <= 0 or cut <= 0 or median <= 0:
        return 1.0
    grid = _quantile_grid(base)
    target = float(np.minimum(grid, cut).mean())
    shaped = [
        (w / total, median * s.scale * (grid / median) ** s.spread)
        for e, w in mix.items()
        for s in (stays.get(e, _SAME_STAY),)
    ]
    lo, hi = -7.0, 7.0
    for _ in range(40):
        mid = (lo + hi) / 2
        k = math.exp(mid)
        mean = sum(p * float(np.minimum(k * x, cut).mean()) for p, x in shaped)
        lo, hi = (mid, hi) if mean < target else (lo, mid)
    return math.exp((lo + hi) / 2)


@lru_cache(maxsize=4096)
def _shared_mean_keeping_factor(
    base: Duration,
    mix: tuple[tuple[Exit, float], ...],
    stays: tuple[tuple[Exit, ExitStay], ...],
    cut: float,
) -> float:
    """:func:`_mean_keeping_factor`, worked out once for the same stay, mix and cut in a
    process (it is a pure function of them): every run builds its parameters afresh, and the
    72 factors a run needs took about half of a 20,000-children two-year run's time."""
    return _mean_keeping_factor(base, dict(mix), dict(stays), cut)


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
    #: The ages on starting the children looked after at the start are drawn from (by year of
    #: age, 0-17; not unaccompanied children, who have their own). A council's fit sets them
    #: to the ages its own pathway brings into care, so that the stock at the start is the one
    #: the pathway's entrants would hold and the fitted stays keep it (drawn from the published
    #: starts, which count unaccompanied 16- and 17-year-olds, the opening stock left care
    #: faster than the pathway's, and the stock drifted after the fitted year). None: the
    #: published ``entry_age_weights``.
    opening_entry_age_weights: tuple[NonNegative, ...] | None = Field(
        None, min_length=18, max_length=18
    )
    #: A family on a CP plan or in care proceedings has a baby, and the baby is the child who
    #: starts to be looked after (a pre-birth assessment ending in care at or soon after
    #: birth): the chance of this at each entry to care by those routes. England's file fits it
    #: to DfE's starts under one; 0 (no births) keeps the model of versions before 0.7.
    p_newborn_at_entry: Probability = 0.0
    p_recontact_after_return_home: Probability
    recontact_after_return_home: DurationSpec
    #: A return home that breaks down: the child comes straight back into care (re-entry), not
    #: through a new referral. England's tables publish no re-entry figure, so England's file
    #: sets none; a council's own SSDA903 re-entry share sets it (calibrate --903).
    p_return_home_breaks_down: Probability = 0.0
    return_home_breakdown: DurationSpec = Field(
        default_factory=lambda: Lognormal(median_days=120.0, p90_days=330.0)
    )
    #: Placement moves a year of a child in care: each move redraws the placement type from
    #: the mix for the child's age then (or the UASC mix), so costs follow the placement held.
    #: 0: none (the placement of entry is held to the end). A council's own rate comes from
    #: DfE's placements changing in the year (``python -m calibration.exits --refresh``).
    placement_moves_per_year: NonNegative = 0.0
    #: How each way of leaving shapes the stay (see :class:`ExitStay`); ``{}``: every reason
    #: has the council's stay for the age, as before exits depended on the stay.
    stay_by_exit: dict[Exit, ExitStay] = Field(default_factory=lambda: dict(STAY_BY_EXIT))

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
        if Exit.AGE_18 in self.stay_by_exit:
            raise ValueError("stay_by_exit must not list age_18: a stay that reaches 18 ends then")
        return self

    def opening_entry_ages(self) -> tuple[float, ...]:
        """The ages on starting that the children looked after at the start (and those who
        went home lately) are drawn from: the fit's, else the published starts'."""
        weights = self.opening_entry_age_weights
        return self.entry_age_weights if weights is None else weights

    def planned_stay(self, reason: Exit, age: float, u: float) -> float:
        """Days in care, from the uniform ``u``, of a child entering at ``age`` who will leave
        by ``reason`` (turning 18 may end it sooner: the caller decides). Without
        ``stay_by_exit`` this is the council's stay for the age, whatever the reason."""
        base = self.duration.for_age(age)
        days = base.sample(u)
        median = base.sample(0.5)
        if not self.stay_by_exit or median <= 0:
            return days
        shape = self.stay_by_exit.get(reason, _SAME_STAY)
        shaped = median * shape.scale * (days / median) ** shape.spread
        return shaped * self._stay_norm(age)

    def _stay_norm(self, age: float) -> float:
        """The factor that keeps the mean stay lived (cut at 18) of a child entering at
        ``age`` the council's own over the exit mix of the age's band (one a quarter-year of
        age at entry, so the fitted flows and stock still hold)."""
        key = int(age * _NORM_STEPS_A_YEAR)
        norms = self._stay_norms
        if key not in norms:
            mid = (key + 0.5) / _NORM_STEPS_A_YEAR
            base = self.duration.for_age(mid)
            j = max(0, bisect_right(self.exit_age_bands, mid) - 1)
            mix = {e: w[j] for e, w in self.exit_mix.items() if w[j] > 0}
            norms[key] = _shared_mean_keeping_factor(
                base,
                tuple(mix.items()),
                tuple(self.stay_by_exit.items()),
                (AGE_OF_MAJORITY - mid) * DAYS_PER_YEAR,
            )
        return norms[key]

    @cached_property
    def _stay_norms(self) -> dict[tuple[int, int], float]:
        return {}


#: DfE Children's social work workforce census 2017-2025: across councils' consecutive census
#: years, the log change in case-holding FTE on the log change in cases has slope 0.61 (1,139
#: council-years; ``python -m calibration.workforce --staff-following-cases``).
STAFF_FOLLOW_CASELOAD = 0.61


class Workforce(_Model):
    """Case-holding social workers and their caseloads, as councils report them.

    The children's social work workforce census (DfE, 30 September) gives each council's
    case-holding FTE and its caseload: cases held per case-holding FTE. The model holds a case
    place for every child in an assessment, s47 enquiry, CIN plan or CP plan, or looked after;
    ``census_cases_per_child`` (the census's cases over the children in need at 31 March) turns
    the children it holds into cases as the census counts them, so its caseload per FTE is the
    census's. New referrals wait for allocation once the caseload reaches ``caseload_per_fte``,
    the council's own; a family referred with acute need is still allocated at once while the
    caseload is below ``caseload_per_fte x (1 + caseload_stretch)``. Work that cannot wait (an
    s47 enquiry or CP plan in an open case, care, the opening caseload) is allocated anyway.

    Files written before these fields (``caseload_reference``, children in need per FTE, and
    ``caseload_ceiling``, where work waited) are read as caseloads in children
    (``census_cases_per_child`` 1), waiting from the reference, stretching to the old ceiling.
    """

    social_worker_fte_per_10k: NonNegative
    caseload_per_fte: Positive
    census_cases_per_child: Annotated[float, Field(gt=0, le=3)]
    caseload_stretch: Annotated[float, Field(ge=0, le=1)]
    #: How far the council's own case-holding FTE follows the children needing a social worker,
    #: once a year (:func:`sim.model.workforce.staff_following_caseload`); 0 holds staff fixed.
    staff_follow_caseload: Annotated[float, Field(ge=0, le=1)] = STAFF_FOLLOW_CASELOAD

    @model_validator(mode="before")
    @classmethod
    def _older_files(cls, data: Any) -> Any:
        if isinstance(data, dict) and "caseload_reference" in data:
            data = dict(data)
            ref = data.pop("caseload_reference")
            ceiling = data.pop("caseload_ceiling", None)
            if not isinstance(ref, int | float) or ref <= 0:
                raise ValueError(f"caseload_reference must be a number above 0 (got {ref!r})")
            data.setdefault("caseload_per_fte", ref)
            data.setdefault("census_cases_per_child", 1.0)
            if isinstance(ceiling, int | float) and ceiling >= ref:
                data.setdefault("caseload_stretch", min(ceiling / ref - 1, 1.0))
        return data

    @property
    def children_per_fte(self) -> float:
        """Children a case-holding FTE holds before new referrals wait (the census caseload in
        the model's children)."""
        return self.caseload_per_fte / self.census_cases_per_child


class Escalation(_Model):
    """How need, risk, waiting and caseload pressure shift the odds of escalation.

    A family's odds of an escalating decision (s47, CP plan, care) are the stage's base odds
    times ``odds_by_need[need-1]`` times ``odds_toxic_trio`` if any toxic-trio factor is present,
    times ``odds_previous_care`` if a child of the family was looked after before, times the
    locality's ``relative_risk``, times caseload pressure
    ``(caseload / workforce.caseload_per_fte) ** caseload_elasticity`` when caseloads exceed the
    council's reported caseload. Each month spent waiting raises need one level with probability
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


class FutureMeasure(_Model):
    """One figure for each measure a future moves (:data:`sim.inputs.future_changes.MEASURES`)."""

    referrals: float = 0.0
    cp_plans_started: float = 0.0
    care_entries: float = 0.0
    #: Children looked after at 31 March: a stock, moved through when children leave care
    #: (:mod:`sim.model.stock_drift`), not through the flows.
    looked_after: float = 0.0

    def as_row(self) -> tuple[float, float, float]:
        """The figures in the order of a drawn row of changes."""
        return (self.referrals, self.cp_plans_started, self.care_entries)


class FutureSource(_Model):
    """Where a projection's future is drawn from (:mod:`sim.inputs.future_changes`), and how far
    the council's rates drift toward its statistical neighbours' (:mod:`sim.model.future`)."""

    #: Councils whose published year-to-year changes are drawn (a council and its statistical
    #: neighbours, closest first); none: every council.
    councils: tuple[str, ...] = ()
    #: The last year whose change may be drawn; none: the parameters' reference year.
    up_to_year: str | None = Field(None, pattern=r"^\d{4}-\d{2}$")
    #: Log gap from the council's fitted rate of each measure to its statistical neighbours'
    #: mean rate (``log(neighbours / council)``); none: no gap.
    toward_neighbours: FutureMeasure = FutureMeasure()
    #: The share of that gap closed each projected year (0: no drift toward the neighbours).
    pull_per_year: FutureMeasure = FutureMeasure()

    @model_validator(mode="after")
    def _pulls_are_shares(self) -> FutureSource:
        for name, value in self.pull_per_year.model_dump().items():
            if not 0 <= value <= 1:
                raise ValueError(
                    f"future.pull_per_year.{name} is {value}; a share of the gap closed a year "
                    f"lies from 0 to 1"
                )
        return self


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
    youth_justice: YouthJustice = Field(default_factory=YouthJustice)
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
