"""Policies as data: who is eligible, when, what they add, what they cost, what they change.

A policy file (YAML, validated like scenario files) names its eligibility (toxic-trio risk
factors, pathway stages, need, localities, pod schools), a start date and ramp-up, the staff it
adds, its costs, and its **effects**: multipliers on named baseline probabilities or durations,
each with a central value, a range, a distribution and the evidence behind it.

**When enrolment starts and ends.** A family is enrolled when it enters an eligible stage while
the policy runs (and the policy's team has room), before that stage's durations and decisions
are drawn; a known family coming back through the front door is enrolled there as a new family
is. From then until its case closes, every decision or duration a policy effect names is
multiplied for that family. A child who enters care from an enrolled family carries the
enrolment for the stay it starts (its length, its placement and how it ends, a return home that
breaks down included), after the family's case has closed. A name that is not a probability or
duration of the model is an error, never a silent no-op.

**What a policy's team capacity caps**: the number of families with an open case enrolled at
once (``caseload`` x FTE of its ``team: policy`` staff). A family's place is freed when its case
closes, including when it closes because its children enter care: a child in care carrying the
enrolment holds no place in the team.

A policy file describes its team for a council of :data:`PER_CHILDREN` (100,000) children: the
staff FTE it adds (and so its team's places and its staff costs), its set-up cost and its
training cost a year. A council of other size gets the same team per child:
:meth:`Policy.scale` is ``size x children / 100,000``, and the model, the costs, the sweeps and
the dashboard all take it from there. The cost per family enrolled is per family, so it is not
scaled.

This module reads and checks policies; :mod:`sim.model.policy_set` holds them in a run (who is
eligible and enrolled, the multipliers drawn) and ``sim.model.services`` applies them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core.distributions import ByAge
from sim.core.entities import POLICY_STAGES
from sim.inputs.parameters import Parameters

#: Children aged 0-17 a policy file's staff, places, set-up and training costs are written for.
PER_CHILDREN = 100_000
ROLES = ("social_worker", "family_practitioner", "adult_specialist", "supervisor", "peer_mentor")
#: Plain-words names for groups of the model's probabilities.
ALIASES: dict[str, tuple[str, ...]] = {
    "care_entry": (
        "proceedings.p_care_entry_at_issue",
        "cp_plan.p_s20_care",
        "cin_plan.p_s20_care",
        "s47_enquiry.p_emergency_care",
    ),
    "rereferral": ("recontact.p_recontact",),
    "escalation_to_s47": ("assessment.p_s47", "cin_plan.p_s47"),
}
EVIDENCE = ("strong", "moderate", "weak", "testimony", "none")


def effect_targets(params_type: type[BaseModel] = Parameters) -> dict[str, str]:
    """Every name an effect may multiply: ``group.p_name`` (probability) or a duration."""
    out: dict[str, str] = {}
    for group, field in params_type.model_fields.items():
        ann = field.annotation
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            continue
        for name, f in ann.model_fields.items():
            text = str(f.annotation)
            if name.startswith("p_"):
                out[f"{group}.{name}"] = "probability"
            elif "Fixed" in text or f.annotation is ByAge or "ByAge" in text:
                out[f"{group}.{name}"] = "duration"
    for alias in ALIASES:
        out[alias] = "probability"
    return out


#: Plain words for the model names effects target.
EFFECT_LABELS = {
    "care_entry": "Chance of entering care (all routes)",
    "rereferral": "New concerns about known families (re-referrals)",
    "escalation_to_s47": "Escalation to a child protection enquiry (s47)",
    "cp_plan.duration": "Length of child protection plans",
    "cin_plan.duration": "Length of child in need plans",
    "cin_plan.p_s47": (
        "Escalation from a child in need (CIN) plan to a child protection enquiry (s47)"
    ),
    "front_door.p_early_help": "Contacts handled as early help",
    "early_help.p_step_up": "Step-up from early help to social care",
    "proceedings.p_proceedings_issued": "Care proceedings issued after pre-proceedings",
    "proceedings.p_care_entry_at_issue": "Care entry when proceedings are issued",
    "looked_after.duration": "Time in care",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Eligibility(_Model):
    """Which families a policy works with; every condition given must hold."""

    risk_factors: Literal["any", "all_families"] | list[Literal["da", "mh", "sm"]] = "all_families"
    stages: list[Literal[POLICY_STAGES]] = Field(default_factory=lambda: list(POLICY_STAGES))  # type: ignore[valid-type]
    min_need: int = Field(1, ge=1, le=4)
    localities: list[str] | None = None
    pod_school_only: bool = False


class Staff(_Model):
    """Staff a policy adds per 100,000 children, by role, and the team they add capacity to.

    ``team``: ``social_work`` adds case places to the council's social workers (cases per FTE as
    the workforce census counts them: ``caseload``, or the council's reported caseload when 0);
    ``early_help`` adds early help places (families per FTE, or the early help default when 0);
    ``policy`` is the pilot's own team, whose ``caseload`` x FTE caps how many families the
    policy works with at once.
    """

    role: Literal[ROLES]  # type: ignore[valid-type]
    fte: float = Field(
        description="FTE added per 100,000 children; negative for social work posts a policy "
        "releases"
    )
    caseload: float = Field(0, ge=0, description="cases per FTE; 0 = the team's default")
    team: Literal["social_work", "early_help", "policy"] = "policy"

    @model_validator(mode="after")
    def _released_posts(self) -> Staff:
        if self.fte < 0 and self.team != "social_work":
            raise ValueError(
                f"fte may be negative only for social work posts a policy releases "
                f"(team: social_work), not for team {self.team!r} ({self.fte})"
            )
        return self


#: The range of a policy's own costs when its file gives none, as multiples of its figures:
#: half to twice (judgement: what a council pays for set-up, training and a service per family
#: varies at least that much between the evaluations and councils that report it, and none of
#: the built-in pilots' costs was read in a published cost appendix).
DEFAULT_COST_RANGE = (0.5, 2.0)


class Costs(_Model):
    """A policy's own costs (staff are costed from the unit-cost book by role).

    Set-up and training are for a council of 100,000 children (scaled as the staff are); the
    cost per family is per family enrolled.
    """

    setup_gbp: float = Field(0, ge=0)
    training_gbp_per_year: float = Field(0, ge=0)
    per_family_gbp: float = Field(0, ge=0)
    price_year: str = "2024-25"
    source: str = ""
    status: Literal["published", "judgement"] = Field(
        "judgement",
        description="published: from the policy's evaluation; judgement: no published cost "
        "was found (flagged wherever costs are shown)",
    )
    low_factor: float = Field(
        DEFAULT_COST_RANGE[0],
        gt=0,
        le=1,
        description="the low end of the range of set-up, training and per-family costs, as a "
        "multiple of the figures (default: half; judgement)",
    )
    high_factor: float = Field(
        DEFAULT_COST_RANGE[1],
        ge=1,
        description="the high end, as a multiple of the figures (default: twice; judgement)",
    )


class Effect(_Model):
    """A multiplier on a named probability or duration for enrolled families."""

    target: str
    central: float = Field(gt=0)
    low: float = Field(gt=0)
    high: float = Field(gt=0)
    distribution: Literal["triangular", "uniform", "fixed"] = "triangular"
    evidence: Literal[EVIDENCE] = "weak"  # type: ignore[valid-type]
    source: str
    study: str = Field("", description="the study or report cited, as a bid would name it")
    design: str = Field("", description="its design: RCT, before/after, testimony, judgement")
    year: int | None = Field(None, ge=1900, le=2100, description="year the study was published")
    low_reason: str = Field(
        "", description="why the range's low end is where it is, with its source"
    )
    high_reason: str = Field(
        "", description="why the range's high end is where it is, with its source"
    )
    #: The multiplier is a relative risk a trial measured on the families it enrolled: it
    #: multiplies each enrolled family's own chance (after its odds of escalation), so the
    #: share of those families saying yes falls by the trial's ratio. Otherwise (the default)
    #: it multiplies the stage's probability, which each family's odds then scale (a decision
    #: likely anyway moves less).
    relative_risk: bool = Field(
        False, description="a trial's relative risk, applied to each family's own chance"
    )

    @model_validator(mode="after")
    def _ordered(self) -> Effect:
        if not self.low <= self.central <= self.high:
            raise ValueError(
                f"low must be <= central <= high ({self.low} <= {self.central} <= {self.high})"
            )
        known = effect_targets()
        if self.relative_risk and known.get(self.target) != "probability":
            raise ValueError(
                f"relative_risk applies to a probability, and {self.target!r} is not one"
            )
        if self.target not in known:
            close = [k for k in known if self.target.split(".")[-1] in k][:3]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ValueError(
                f"target {self.target!r} is not a probability or duration of the model "
                f"(e.g. cp_plan.p_pre_proceedings, cp_plan.duration, care_entry){hint}"
            )
        return self

    @property
    def evidence_is_weak(self) -> bool:
        """Whether a bid must warn about this effect's evidence.

        Weak evidence, local testimony and no impact estimate at all are not findings a council
        can quote without a warning; strong and moderate evidence are.
        """
        return self.evidence in ("weak", "testimony", "none")

    @property
    def may_be_no_effect(self) -> bool:
        """Whether the effect's range allows no effect at all (a multiplier of 1).

        A range that reaches 1 is one whose evidence does not rule out no effect, or harm
        (before/after designs, non-significant or pending trials, priors): a bid must not present
        the central value as a finding. A randomised trial whose interval excludes 1 is not
        flagged.
        """
        return self.low <= 1.0 <= self.high

    def draw(self, u: float) -> float:
        """The multiplier for a uniform ``u`` (inverse CDF of the effect's distribution)."""
        lo, c, hi = self.low, self.central, self.high
        if self.distribution == "fixed" or hi == lo:
            return c
        if self.distribution == "uniform":
            return lo + u * (hi - lo)
        f = (c - lo) / (hi - lo)
        if u < f:
            return lo + math.sqrt(u * (hi - lo) * (c - lo))
        return hi - math.sqrt((1 - u) * (hi - lo) * (hi - c))


class Policy(_Model):
    """A pilot or reform as a council describes it."""

    name: str
    description: str = ""
    eligible: Eligibility = Eligibility()
    start_date: dt.date
    ramp_up_months: float = Field(0, ge=0)
    adds_staff: list[Staff] = Field(default_factory=list)
    size: float = Field(
        1.0,
        ge=0,
        description="the team's size relative to the file's, per child: 1 is the file's team "
        "per 100,000 children at any council size",
    )
    in_baseline: str = Field(
        "",
        description="set by the scenario from the shipped table of councils already running a "
        "policy: why the council's published figures include it; the policy then adds no "
        "effect, staff or cost (empty: it is new here)",
    )
    holds_cases: bool = Field(
        False,
        description="the policy's team holds enrolled families' cases instead of social workers "
        "(their social work case places are freed until the case escalates or closes)",
    )
    costs: Costs = Costs()
    effects: list[Effect] = Field(default_factory=list)

    def key(self) -> int:
        """A stable number for this policy's name (keys its effect-size draws)."""
        return int.from_bytes(hashlib.sha256(self.name.encode()).digest()[:6], "big")

    def targets(self) -> dict[str, list[Effect]]:
        """Effects by the model parameter they multiply (aliases expanded)."""
        out: dict[str, list[Effect]] = {}
        for e in self.effects:
            for name in ALIASES.get(e.target, (e.target,)):
                out.setdefault(name, []).append(e)
        return out

    def scale(self, population: float) -> float:
        """How many of the file's teams a council of ``population`` children adds.

        ``size x population / 100,000``: the staff, places, set-up and training a policy file
        gives are per 100,000 children (:data:`PER_CHILDREN`). 0 when the council's published
        figures include the policy already (:attr:`in_baseline`): its staff are in today's
        workforce and its costs in today's spending.
        """
        return 0.0 if self.in_baseline else self.size * population / PER_CHILDREN

    def served_population(
        self, population: float, locality_shares: Mapping[str, float] | None = None
    ) -> float:
        """The children the policy works with in a council of ``population``: all of them, or,
        when it works only in named localities, those living there (``locality_shares``: each
        locality's share of the council's children). Its staff, set-up and training are for
        these children."""
        names = self.eligible.localities
        if names is None or not locality_shares:
            return population
        total = sum(locality_shares.values())
        share = sum(locality_shares.get(n, 0.0) for n in names) / total if total > 0 else 1.0
        return population * share

    def staff_at(self, population: float) -> list[Staff]:
        """The staff the policy adds in a council of ``population`` children."""
        k = self.scale(population)
        return [s.model_copy(update={"fte": s.fte * k}) for s in self.adds_staff] if k else []

    def team_capacity(self, population: float) -> float:
        """Families with open cases the policy's capped roles can work with at once in a council
        of ``population`` children (inf when uncapped); children in care who carry a family's
        enrolment take no place."""
        caps = [
            s.fte * s.caseload
            for s in self.staff_at(population)
            if s.team == "policy" and s.caseload > 0
        ]
        return sum(caps) if caps else math.inf
