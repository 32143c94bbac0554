"""Who moves through the pathway: families, their children, risk factors; states and outcomes."""

from __future__ import annotations

from enum import Enum, IntFlag

from sim.core.calendar import DAYS_PER_YEAR
from sim.core.streams import FamilyDraws

#: A child leaves children's services at 18 (Children Act 1989, s105: "child" means under 18).
AGE_OF_MAJORITY = 18.0
#: The same two figures for the per-child arithmetic below (``entities.pxd`` types them as C
#: doubles in the compiled build; the public names stay Python floats for other modules).
_DAYS_PER_YEAR = DAYS_PER_YEAR
_AGE_OF_MAJORITY = AGE_OF_MAJORITY


class RiskFactors(IntFlag):
    """Parental risk factors, the "toxic trio" (C3 factors at the end of assessment)."""

    NONE = 0
    DOMESTIC_ABUSE = 1
    PARENTAL_MENTAL_HEALTH = 2
    PARENTAL_SUBSTANCE_MISUSE = 4


#: The eight subsets of the toxic trio, in the order parameter files list their shares.
TOXIC_TRIO_SUBSETS: tuple[str, ...] = (
    "none",
    "da",
    "mh",
    "da+mh",
    "sm",
    "da+sm",
    "mh+sm",
    "da+mh+sm",
)


#: How DfE's CIN census names the toxic-trio factors recorded at the end of assessment (C3).
FACTOR_NAMES: dict[RiskFactors, str] = {
    RiskFactors.DOMESTIC_ABUSE: "domestic_abuse",
    RiskFactors.PARENTAL_MENTAL_HEALTH: "parental_mental_health",
    RiskFactors.PARENTAL_SUBSTANCE_MISUSE: "parental_substance_misuse",
}

#: Duration bands of CP plans in DfE's tables D5 (open at 31 March) and D7 (ended in the year):
#: 3 months or less, over 3 to 6 months, over 6 months to under 1 year, 1 to under 2 years,
#: 2 years or more.
CP_DURATION_BANDS: tuple[str, ...] = ("le_3m", "3_6m", "6_12m", "1_2y", "ge_2y")


def cp_duration_band(days: float) -> str:
    """The D5/D7 band of a CP plan that has lasted ``days`` (a month is a twelfth of a year)."""
    if days <= DAYS_PER_YEAR / 4:
        return "le_3m"
    if days <= DAYS_PER_YEAR / 2:
        return "3_6m"
    if days < DAYS_PER_YEAR:
        return "6_12m"
    if days < 2 * DAYS_PER_YEAR:
        return "1_2y"
    return "ge_2y"


#: DfE's "Duration of last period of care" bands for children ceasing to be looked after
#: (Children looked after in England, national tables: ceased during the year), as
#: ``(name, words, upper bound in days)``: a week is 7 days, a month a twelfth of a year.
CARE_STAY_BANDS: tuple[tuple[str, str, float], ...] = (
    ("lt_2w", "under 2 weeks", 14.0),
    ("2w_8w", "2 weeks to under 8 weeks", 56.0),
    ("8w_6m", "8 weeks to under 6 months", DAYS_PER_YEAR / 2),
    ("6m_1y", "6 months to under 1 year", DAYS_PER_YEAR),
    ("1y_2y", "1 year to under 2 years", 2 * DAYS_PER_YEAR),
    ("2y_3y", "2 years to under 3 years", 3 * DAYS_PER_YEAR),
    ("3y_5y", "3 years to under 5 years", 5 * DAYS_PER_YEAR),
    ("5y_10y", "5 years to under 10 years", 10 * DAYS_PER_YEAR),
    ("ge_10y", "10 years and over", float("inf")),
)


def care_stay_band(days: float) -> str:
    """The DfE band of a period of care that lasted ``days`` (see :data:`CARE_STAY_BANDS`)."""
    for name, _, upper in CARE_STAY_BANDS:
        if days < upper:
            return name
    return CARE_STAY_BANDS[-1][0]


class State(Enum):
    """Stages of a family's episode (design/model.md, 'The pathway').

    A contact is triaged at the front door before the family's journey starts; the journey
    then moves through the other stages until it is closed.
    """

    FRONT_DOOR = "front_door"
    EARLY_HELP = "early_help"
    REFERRAL = "referral"
    ASSESSMENT = "assessment"
    CIN_PLAN = "cin_plan"
    S47_ENQUIRY = "s47_enquiry"
    ICPC = "icpc"
    CP_PLAN = "cp_plan"
    CLOSED = "closed"
    #: A child's own episode in care (``care_episode``), after leaving the family's stages.
    LOOKED_AFTER = "looked_after"


class Placement(Enum):
    """Placement types while looked after; ``sim.experiments.outputs`` maps them to SSDA903
    codes."""

    KINSHIP_FOSTER = "kinship_foster"
    IN_HOUSE_FOSTER = "in_house_foster"
    IFA = "ifa"
    RESIDENTIAL = "residential"
    PLACED_WITH_PARENTS = "placed_with_parents"
    OTHER = "other"


#: Where children are counted (stocks), beside the stages they wait for or are in. Children
#: waiting for early help or for a social worker to be allocated are counted on their own.
WAITING_EARLY_HELP = "waiting_early_help"
WAITING_ALLOCATION = "waiting_allocation"
#: A looked-after child is counted in the stock of their placement type: this prefix + its value.
LOOKED_AFTER_PREFIX = State.LOOKED_AFTER.value + "_"

#: Stages whose work a social worker holds (a case place each child).
SOCIAL_WORK_STAGES: tuple[str, ...] = tuple(
    s.value for s in (State.ASSESSMENT, State.CIN_PLAN, State.S47_ENQUIRY, State.CP_PLAN)
)
#: Where a family on a CP plan enters the Public Law Outline's pre-proceedings (the letter
#: before proceedings): not a stage of its own (the case stays on the CP plan), but a point a
#: policy can enrol families at, as the FGC trial did.
PRE_PROCEEDINGS = "pre_proceedings"
#: Stages a policy can enrol families at (where the family's case sits), and pre-proceedings.
POLICY_STAGES: tuple[str, ...] = (
    State.FRONT_DOOR.value,
    State.EARLY_HELP.value,
    *SOCIAL_WORK_STAGES,
    PRE_PROCEEDINGS,
)
#: Stocks of children known to social care at home: children in need other than looked after.
CHILDREN_IN_NEED_STOCKS: tuple[str, ...] = (WAITING_ALLOCATION, *SOCIAL_WORK_STAGES)
#: Stocks of looked-after children, one per placement type (in :class:`Placement`'s order).
LOOKED_AFTER_STOCKS: tuple[str, ...] = tuple(LOOKED_AFTER_PREFIX + p.value for p in Placement)
#: Every stock the recorder counts, in the order of its counters and of output columns.
STOCKS: tuple[str, ...] = (
    WAITING_EARLY_HELP,
    State.EARLY_HELP.value,
    *CHILDREN_IN_NEED_STOCKS,
    *LOOKED_AFTER_STOCKS,
)


class Exit(Enum):
    """Reasons care ended, grouped from SSDA903 reason-episode-ceased codes."""

    RETURNED_HOME = "returned_home"
    SGO = "sgo"
    CAO = "cao"
    ADOPTION = "adoption"
    AGE_18 = "age_18"
    OTHER = "other"


class CareRoute(Enum):
    """How a child came to be looked after (legal routes in the CLA starts tables)."""

    PROCEEDINGS = "proceedings"  # interim care order at issue of care proceedings
    S20_FROM_CP = "s20_from_cp"  # accommodated under s20 during a CP plan
    S20_FROM_CIN = "s20_from_cin"  # accommodated under s20 from a CIN plan (adolescents)
    EMERGENCY = "emergency"  # police protection / EPO during an s47 enquiry
    UASC = "uasc"  # unaccompanied asylum-seeking child
    OPENING = "opening"  # already looked after at the start
    RETURN_BREAKDOWN = "return_breakdown"  # back into care when a return home breaks down
    CARE_ORDER = "care_order"  # at home during proceedings, a care or placement order at the end
    YOUTH_JUSTICE = "youth_justice"  # remanded to the council's accommodation (youth justice)


#: The legal status on starting to be looked after (DfE's CLA starts table) of each way into
#: care: care orders (interim or full), detained for child protection (police protection or an
#: emergency protection order), s20 voluntary agreements (UASC almost all s20), youth justice.
#: A return home that breaks down is taken to restart under s20 (judgement: no national split).
LEGAL_STATUS_ON_STARTING: dict[CareRoute, str] = {
    CareRoute.PROCEEDINGS: "care_order",
    CareRoute.CARE_ORDER: "care_order",
    CareRoute.EMERGENCY: "police_protection",
    CareRoute.S20_FROM_CP: "s20",
    CareRoute.S20_FROM_CIN: "s20",
    CareRoute.UASC: "s20",
    CareRoute.RETURN_BREAKDOWN: "s20",
    CareRoute.YOUTH_JUSTICE: "youth_justice",
}
#: The legal statuses on starting, in the order DfE's table lists them.
LEGAL_STATUSES: tuple[str, ...] = ("care_order", "police_protection", "s20", "youth_justice")

#: The ways into care of a family on a CP plan or in care proceedings: where a baby born to the
#: family can be the child who starts to be looked after (``looked_after.p_newborn_at_entry``).
NEWBORN_ROUTES: frozenset[CareRoute] = frozenset(
    {CareRoute.PROCEEDINGS, CareRoute.CARE_ORDER, CareRoute.EMERGENCY, CareRoute.S20_FROM_CP}
)

#: DfE's bands of age on starting to be looked after (CLA starts table), as
#: ``(name, words, first age in years)``.
ENTRY_AGE_BANDS: tuple[tuple[str, str, float], ...] = (
    ("under_1", "under 1 year", 0.0),
    ("1_to_4", "1 to 4 years", 1.0),
    ("5_to_9", "5 to 9 years", 5.0),
    ("10_to_15", "10 to 15 years", 10.0),
    ("16_and_over", "16 years and over", 16.0),
)


def entry_age_band(age: float) -> str:
    """The DfE band of age on starting for a child aged ``age`` years (see
    :data:`ENTRY_AGE_BANDS`)."""
    name = ENTRY_AGE_BANDS[0][0]
    for band, _, first in ENTRY_AGE_BANDS:
        if age >= first:
            name = band
    return name


class CourtOrder(Enum):
    """How s31 care proceedings end for a child (MoJ Family Court Statistics' order types)."""

    CARE_ORDER = "care_order"
    PLACEMENT_ORDER = "placement_order"
    SGO = "sgo"  # special guardianship order
    SUPERVISION_ORDER = "supervision_order"
    CHILD_ARRANGEMENTS_ORDER = "child_arrangements_order"
    NO_ORDER = "no_order"  # no order, or the application withdrawn


class Child:
    """A child: born on ``birth_day`` (days since the start date, usually negative).

    ``policies`` is the enrolment a child in care carries: the indices of the policies the
    family was enrolled in when this stay in care started (empty otherwise). It lasts for the
    stay and the way it ends (its length, its exit, a return home that breaks down), after the
    family's own case has closed.

    A plain class with slots (not a dataclass) so that the compiled build can make it an
    extension type with C fields (``entities.pxd``); two children are equal when all their
    fields are, as they were as a dataclass.
    """

    __slots__ = ("birth_day", "had_cp_plan", "in_care", "left_care_day", "policies")

    def __init__(
        self,
        birth_day: float,
        in_care: bool = False,
        had_cp_plan: bool = False,
        left_care_day: float | None = None,  # the day the child last returned home from care
        policies: frozenset[int] = frozenset(),
    ) -> None:
        self.birth_day = birth_day
        self.in_care = in_care
        self.had_cp_plan = had_cp_plan
        self.left_care_day = left_care_day
        self.policies = policies

    def _fields(self) -> tuple[object, ...]:
        return (self.birth_day, self.in_care, self.had_cp_plan, self.left_care_day, self.policies)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    # mutable and compared by value: not hashable
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Child(birth_day={self.birth_day!r}, in_care={self.in_care!r}, "
            f"had_cp_plan={self.had_cp_plan!r}, left_care_day={self.left_care_day!r}, "
            f"policies={self.policies!r})"
        )

    def age(self, now: float) -> float:
        """Age in years on day ``now``."""
        return (now - self.birth_day) / _DAYS_PER_YEAR

    def day_turns_18(self) -> float:
        """Day of the 18th birthday."""
        return self.birth_day + _AGE_OF_MAJORITY * _DAYS_PER_YEAR


class Family:
    """A household known to children's services.

    ``need`` is a latent level from 1 (low) to 4 (acute) that can rise while work waits and fall
    after help. History fields carry what the council knew before this episode. A plain class
    with slots, for the same reason as :class:`Child`; each family is a different one (it is
    compared by identity: no two families share an ``id``).
    """

    __slots__ = (
        "at_pod_school",
        "children",
        "counted",
        "draws",
        "id",
        "last_referral_day",
        "locality",
        "need",
        "open",
        "policies",
        "pre_proceedings_left",
        "previous_care",
        "previous_cp_plan",
        "resume",
        "risk",
        "slots_held",
        "stock_key",
    )

    def __init__(
        self,
        id: int,
        children: list[Child],
        locality: int,
        at_pod_school: bool,
        risk: RiskFactors,
        need: int,
        draws: FamilyDraws,
        last_referral_day: float | None = None,
        previous_cp_plan: bool = False,
        previous_care: bool = False,
        slots_held: int = 0,
        stock_key: str | None = None,
        counted: int = 0,
        open: bool = False,
        policies: set[int] | None = None,
        resume: tuple[float, float] | None = None,
        pre_proceedings_left: float | None = None,
    ) -> None:
        self.id = id
        self.children = children
        self.locality = locality
        self.at_pod_school = at_pod_school
        self.risk = risk
        self.need = need
        self.draws = draws
        self.last_referral_day = last_referral_day
        self.previous_cp_plan = previous_cp_plan
        self.previous_care = previous_care
        self.slots_held = slots_held
        self.stock_key = stock_key
        self.counted = counted
        self.open = open
        self.policies = set() if policies is None else policies
        #: an opening case: (elapsed, remaining) days
        self.resume = resume
        #: an opening CP plan already in pre-proceedings at the start: days of it left
        self.pre_proceedings_left = pre_proceedings_left

    def __repr__(self) -> str:
        return f"Family(id={self.id!r}, need={self.need!r}, children={self.children!r})"

    def children_at_home(self, now: float) -> list[Child]:
        """Children under 18 living at home (not looked after)."""
        return [c for c in self.children if not c.in_care and c.age(now) < _AGE_OF_MAJORITY]

    def n_at_home(self, now: float) -> int:
        """How many children under 18 live at home (``len(children_at_home(now))``, faster)."""
        n = 0
        for c in self.children:
            if not c.in_care and (now - c.birth_day) / _DAYS_PER_YEAR < _AGE_OF_MAJORITY:
                n += 1
        return n
