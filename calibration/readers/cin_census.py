"""CIN census returns (children in need) to aggregates: the front door to child protection.

Reads the DfE CIN census XML (``Message/Header`` and ``Message/Children/Child/CINdetails``) in the
2022 (``GenderCurrent``), 2024 (``Sex``) and 2026 (``PreProceedingsandFGDM``) layouts and returns
counts, shares and durations only; the child's identifier never leaves this module, and dates of
birth, UPNs and names are never taken from the file.

The pipeline (style guide 2.10): **read** (dates checked; errors name file, record and field;
an episode, child and referral date, in several returns is kept once, from the latest return) ->
**validate** (one rule per function; unknown codes become ``problems``) -> **degrade** (the
child's identifier becomes a sequence number) -> **summarise**.

Collection years. A return covers the 12 months up to its ``ReferenceDate`` (31 March); its
collection year is the financial year holding most of those months. Per-year figures are given
for the collection years supplied only. Re-referrals (a referral within 12 months of the child's
previous one) are counted only in years whose previous year was also supplied, since a referral
closed before the census year is not in that year's return.

Toxic trio (factors identified at the end of assessment; codes and wording from the DfE schema
copied in liia-tools-pipeline ``cin_census_pipeline/spec/CIN_schema_2026.xsd``). In the schema 'A'
codes concern the child, 'B' codes the parent(s)/carer(s), 'C' codes another household member:

==============================  ============  ==============================================
measure                         codes         schema wording
==============================  ============  ==============================================
``domestic_abuse``              3A, 3B, 3C    domestic violence with the child, a parent/carer
                                              or another household member as its subject
``parental_mental_health``      4B            mental health of the parent(s)/carer(s)
``parental_substance_misuse``   1B, 2B        alcohol or drug misuse by the parent(s)/carer(s)
==============================  ============  ==============================================

Shares are of episodes with at least one assessment authorised in the year whose factors were
recorded (code 21, 'no factors identified', counts in the denominator). ``toxic_trio_subsets``
splits the same episodes into the eight combinations named in
``sim.core.entities.TOXIC_TRIO_SUBSETS``. Assessment length is in working days (Monday to Friday;
bank holidays are not removed). CP plans ended in a year are also counted by DfE's D7 duration
bands (``sim.core.entities.cp_duration_band``).
"""

from __future__ import annotations

import datetime as dt
import logging
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from calibration.readers.common import (
    CouncilDataError,
    DurationSummary,
    MemoryFile,
    Problem,
    ProblemLog,
    Pseudonyms,
    Source,
    expand_paths,
    financial_year,
    frozen_map,
    local_name,
    location,
    log_step,
    median,
    opened,
    parse_date,
    parse_required_date,
    previous_year,
    share,
    shown_tag,
    to_plain,
    twelve_months_before,
)
from sim.core.entities import CP_DURATION_BANDS, TOXIC_TRIO_SUBSETS, cp_duration_band

logger = logging.getLogger(__name__)
READER = "cin_census"

#: Factors identified at the end of assessment, 2025-26 schema (CIN_schema_2026.xsd).
ASSESSMENT_FACTOR_CODES = frozenset(
    {f"{n}{x}" for n in range(1, 7) for x in "ABC"}
    | {
        "7A",
        "8B",
        "8C",
        "8D",
        "8E",
        "8F",
        "9A",
        "10A",
        "11A",
        "12A",
        "13A",
        "14A",
        "15A",
        "16A",
        "17A",
        "18A",
        "18B",
        "18C",
        "19A",
        "19B",
        "19C",
        "20",
        "21",
        "22A",
        "23A",
        "24A",
    }
)
DOMESTIC_ABUSE_CODES = frozenset({"3A", "3B", "3C"})
PARENTAL_MENTAL_HEALTH_CODES = frozenset({"4B"})
PARENTAL_SUBSTANCE_MISUSE_CODES = frozenset({"1B", "2B"})
TOXIC_TRIO = ("domestic_abuse", "parental_mental_health", "parental_substance_misuse")
_YES = frozenset({"true", "1"})
_NO = frozenset({"false", "0"})


# --- summaries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CinYear:
    """One collection year of the CIN census (or ``'all'`` years pooled): counts and shares."""

    year: str
    referrals: int
    re_referrals: int | None
    re_referral_share: float | None
    referrals_nfa: int
    assessments_completed: int
    assessment_median_working_days: float | None
    cin_plan_starts: int
    s47_enquiries: int
    icpcs: int
    cp_plan_starts: int
    repeat_cp_plans: int
    repeat_cp_plan_share: float | None
    cp_plans_ended: int
    cp_plan_ended_median_days: float | None
    cp_plans_ended_by_duration: Mapping[str, int]
    pre_proceedings_starts: int
    episodes_with_assessment_factors: int
    toxic_trio_shares: Mapping[str, float | None]
    toxic_trio_subsets: Mapping[str, float | None]

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return to_plain(self)


@dataclass(frozen=True)
class CinCensusSummary:
    """Aggregates from a council's CIN census returns; no child-level values.

    ``overall`` pools the collection years supplied. ``cp_plan_duration`` is a Kaplan-Meier
    estimate over plans starting in those years, open plans censored at the last reference date.
    """

    collection_years: tuple[str, ...]
    councils: int
    children: int
    episodes: int
    by_year: Mapping[str, CinYear]
    overall: CinYear
    cp_plan_duration: DurationSummary
    problems: tuple[Problem, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return to_plain(self)


# --- internal records (never returned) -----------------------------------------------------------


@dataclass(slots=True)
class _Return:
    council: str
    reference: dt.date
    order: int
    year: str = ""


@dataclass(slots=True)
class _Assessment:
    start: dt.date
    authorised: dt.date | None
    factors: frozenset[str] | None


@dataclass(slots=True)
class _CpPlan:
    start: dt.date
    end: dt.date | None
    previous: int | None


@dataclass(slots=True)
class _Episode:
    child: Hashable
    ret: int
    referral: dt.date
    nfa: bool | None
    assessments: list[_Assessment] = field(default_factory=list)
    cin_plans: list[dt.date] = field(default_factory=list)
    s47: list[dt.date] = field(default_factory=list)
    icpcs: list[dt.date] = field(default_factory=list)
    cp_plans: list[_CpPlan] = field(default_factory=list)
    pre_proceedings: list[dt.date] = field(default_factory=list)
    raw_flags: dict[str, str] = field(default_factory=dict)  # raw values the rules judge


# --- read ----------------------------------------------------------------------------------------


def _children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if local_name(c.tag) == name]


def _text(elem: ET.Element | None, name: str) -> str:
    if elem is None:
        return ""
    for c in elem:
        if local_name(c.tag) == name:
            return (c.text or "").strip()
    return ""


def census_year(reference: dt.date) -> str:
    """The financial year holding most of the 12 months up to ``reference``."""
    return financial_year(reference - dt.timedelta(days=182))


def _read_header(header: ET.Element, file: str) -> tuple[str, dt.date]:
    details = next((c for c in header.iter() if local_name(c.tag) == "CollectionDetails"), None)
    source = next((c for c in header.iter() if local_name(c.tag) == "Source"), None)
    reference = parse_required_date(
        _text(details, "ReferenceDate"),
        file=file,
        table="Header",
        row="CollectionDetails",
        field="ReferenceDate",
    )
    return _text(source, "LEA"), reference


def _read_episode(elem: ET.Element, child: Hashable, ret: int, file: str, where: str) -> _Episode:
    def date(parent: ET.Element, name: str, table: str, row: str) -> dt.date | None:
        return parse_date(_text(parent, name), file=file, table=table, row=row, field=name)

    def required(parent: ET.Element, name: str, table: str, row: str) -> dt.date:
        return parse_required_date(_text(parent, name), file=file, table=table, row=row, field=name)

    referral = required(elem, "CINreferralDate", "CINdetails", where)
    episode = _Episode(child=child, ret=ret, referral=referral, nfa=None)
    episode.raw_flags["ReferralNFA"] = _text(elem, "ReferralNFA").lower()
    closure = date(elem, "CINclosureDate", "CINdetails", where)
    if closure is not None and closure < referral:
        episode.raw_flags["closure_before_referral"] = "1"
    icpc = date(elem, "DateOfInitialCPC", "CINdetails", where)
    if icpc is not None:
        episode.icpcs.append(icpc)
    for k, a in enumerate(_children(elem, "Assessments"), start=1):
        row = f"{where}, Assessments {k}"
        start = required(a, "AssessmentActualStartDate", "Assessments", row)
        factors_elem = next(
            (c for c in a if local_name(c.tag) == "FactorsIdentifiedAtAssessment"), None
        )
        factors = None
        if factors_elem is not None:
            codes = {
                (c.text or "").strip().upper()
                for c in factors_elem
                if local_name(c.tag) == "AssessmentFactors"
            }
            factors = frozenset(c for c in codes if c) or None
        episode.assessments.append(
            _Assessment(start, date(a, "AssessmentAuthorisationDate", "Assessments", row), factors)
        )
    for k, p in enumerate(_children(elem, "CINPlanDates"), start=1):
        episode.cin_plans.append(
            required(p, "CINPlanStartDate", "CINPlanDates", f"{where}, CINPlanDates {k}")
        )
    for k, s in enumerate(_children(elem, "Section47"), start=1):
        row = f"{where}, Section47 {k}"
        episode.s47.append(required(s, "S47ActualStartDate", "Section47", row))
        conference = date(s, "DateOfInitialCPC", "Section47", row)
        if conference is not None:
            episode.icpcs.append(conference)
    for k, p in enumerate(_children(elem, "ChildProtectionPlans"), start=1):
        row = f"{where}, ChildProtectionPlans {k}"
        start = required(p, "CPPstartDate", "ChildProtectionPlans", row)
        text = _text(p, "NumberOfPreviousCPP")
        previous = int(text) if text.isdigit() else None
        if text and previous is None:
            episode.raw_flags[f"previous_cpp_{k}"] = text
        episode.cp_plans.append(
            _CpPlan(start, date(p, "CPPendDate", "ChildProtectionPlans", row), previous)
        )
    for k, p in enumerate(_children(elem, "PreProceedingsandFGDM"), start=1):
        start = date(p, "PPStartDate", "PreProceedingsandFGDM", f"{where}, PreProceedings {k}")
        if start is not None:
            episode.pre_proceedings.append(start)
    return episode


@dataclass(slots=True)
class _Raw:
    returns: list[_Return] = field(default_factory=list)
    episodes: list[_Episode] = field(default_factory=list)


def _read_file(path: Source, raw: _Raw) -> None:
    ret = len(raw.returns)
    council = ""
    count = 0
    header_done = False
    try:
        for _event, elem in ET.iterparse(opened(path), events=("end",)):
            tag = local_name(elem.tag)
            if tag == "Header":
                council, reference = _read_header(elem, path.name)
                raw.returns.append(_Return(council, reference, ret))
                header_done = True
            elif tag == "Child":
                if not header_done:
                    raise CouncilDataError(
                        f"{path.name}: table Header: missing (expected "
                        "Message/Header/CollectionDetails before Children)"
                    )
                count += 1
                _read_child(elem, count, path.name, council, ret, raw)
                elem.clear()
    except ET.ParseError as err:
        line, column = err.position
        raise CouncilDataError(
            f"{path.name}: not well-formed XML at line {line}, column {column}"
        ) from None
    if not header_done:
        raise CouncilDataError(
            f"{path.name}: table Header: missing (expected "
            "Message/Header/CollectionDetails/ReferenceDate)"
        )
    logger.debug("%s read: %s holds %d Child records", READER, path.name, count)


def _read_child(
    elem: ET.Element, number: int, file: str, council: str, ret: int, raw: _Raw
) -> None:
    identifiers = next((c for c in elem if local_name(c.tag) == "ChildIdentifiers"), None)
    child_id = _text(identifiers, "LAchildID")
    if not child_id:
        raise CouncilDataError(
            f"{location(file, 'ChildIdentifiers', f'Child record {number}', 'LAchildID')}"
            ": blank or missing (expected the child's identifier)"
        )
    for m, details in enumerate(_children(elem, "CINdetails"), start=1):
        raw.episodes.append(
            _read_episode(
                details, (council, child_id), ret, file, f"Child record {number}, CINdetails {m}"
            )
        )


def _check_root(path: Source) -> None:
    for _event, elem in ET.iterparse(opened(path), events=("start",)):
        tag = local_name(elem.tag)
        if tag != "Message":
            raise CouncilDataError(
                f"{path.name}: root element {shown_tag(tag)!r} (expected "
                "Message, a CIN census XML return)"
            )
        return


def _read(files: list[Source]) -> _Raw:
    """Read step: each return's reference date and council, and every CIN episode."""
    raw = _Raw()
    for path in files:
        try:
            _check_root(path)
        except ET.ParseError as err:
            line, column = err.position
            raise CouncilDataError(
                f"{path.name}: not well-formed XML at line {line}, column {column}"
            ) from None
        _read_file(path, raw)
    for r in raw.returns:
        r.year = census_year(r.reference)
    log_step(
        logger,
        READER,
        "read",
        files=len(files),
        returns=len(raw.returns),
        episodes=len(raw.episodes),
    )
    return raw


# --- validate ------------------------------------------------------------------------------------

_Rule = Callable[[_Raw, ProblemLog], int]


def _reference_is_31_march(raw: _Raw, problems: ProblemLog) -> int:
    n = sum((r.reference.month, r.reference.day) != (3, 31) for r in raw.returns)
    problems.add(
        "Header",
        "ReferenceDate",
        "",
        "not 31 March: collection year taken as the "
        "financial year holding most of the 12 months before it",
        n,
    )
    return n


def _known_factors(raw: _Raw, problems: ProblemLog) -> int:
    bad: Counter[str] = Counter()
    for e in raw.episodes:
        for a in e.assessments:
            for code in a.factors or ():
                if code not in ASSESSMENT_FACTOR_CODES:
                    bad[code] += 1
    for code, n in bad.items():
        problems.add(
            "Assessments",
            "AssessmentFactors",
            code,
            "unknown factor code: not counted as a toxic-trio factor",
            n,
        )
    return sum(bad.values())


def _referral_nfa(raw: _Raw, problems: ProblemLog) -> int:
    n = 0
    for e in raw.episodes:
        flag = e.raw_flags.pop("ReferralNFA", "")
        e.nfa = True if flag in _YES else False if flag in _NO else None
        if e.nfa is None:
            n += 1
            problems.add(
                "CINdetails",
                "ReferralNFA",
                flag,
                "not true/false: referral not counted as no further action",
            )
    return n


def _previous_plans(raw: _Raw, problems: ProblemLog) -> int:
    n = 0
    for e in raw.episodes:
        for key in [k for k in e.raw_flags if k.startswith("previous_cpp_")]:
            problems.add(
                "ChildProtectionPlans",
                "NumberOfPreviousCPP",
                e.raw_flags.pop(key),
                "not a whole number: repeat plan judged from earlier plans seen",
            )
            n += 1
    return n


def _dates_in_order(raw: _Raw, problems: ProblemLog) -> int:
    n = 0
    for e in raw.episodes:
        if e.raw_flags.pop("closure_before_referral", ""):
            problems.add("CINdetails", "CINclosureDate", "", "before the referral date")
            n += 1
        for a in e.assessments:
            if a.authorised is not None and a.authorised < a.start:
                problems.add(
                    "Assessments",
                    "AssessmentAuthorisationDate",
                    "",
                    "before the assessment start: left out of assessment length",
                )
                n += 1
        for p in e.cp_plans:
            if p.end is not None and p.end < p.start:
                problems.add(
                    "ChildProtectionPlans",
                    "CPPendDate",
                    "",
                    "before the plan start: plan taken as still open",
                )
                p.end = None
                n += 1
    return n


def _not_after_reference(raw: _Raw, problems: ProblemLog) -> int:
    n = 0
    for e in raw.episodes:
        reference = raw.returns[e.ret].reference
        fields = {
            ("CINdetails", "CINreferralDate"): [e.referral],
            ("Assessments", "AssessmentActualStartDate"): [a.start for a in e.assessments],
            ("CINPlanDates", "CINPlanStartDate"): e.cin_plans,
            ("Section47", "S47ActualStartDate"): e.s47,
            ("Section47", "DateOfInitialCPC"): e.icpcs,
            ("ChildProtectionPlans", "CPPstartDate"): [p.start for p in e.cp_plans],
            ("PreProceedingsandFGDM", "PPStartDate"): e.pre_proceedings,
        }
        for (table, name), dates in fields.items():
            late = sum(d > reference for d in dates)
            problems.add(table, name, "", "after the return's reference date: not counted", late)
            n += late
        for a in e.assessments:
            if a.authorised is not None and a.authorised > reference:
                problems.add(
                    "Assessments",
                    "AssessmentAuthorisationDate",
                    "",
                    "after the return's reference date: assessment taken as open",
                )
                a.authorised = None
                n += 1
        for p in e.cp_plans:
            if p.end is not None and p.end > reference:
                problems.add(
                    "ChildProtectionPlans",
                    "CPPendDate",
                    "",
                    "after the return's reference date: plan taken as open",
                )
                p.end = None
                n += 1
    return n


#: Validation rules, run in order: (code, guidance wording, check).
RULES: tuple[tuple[str, str, _Rule], ...] = (
    ("C01", "ReferenceDate should be 31 March (the census reference date)", _reference_is_31_march),
    ("C02", "AssessmentFactors must be codes from the CIN census factor list", _known_factors),
    ("C03", "ReferralNFA must be true/false (or 1/0)", _referral_nfa),
    ("C04", "NumberOfPreviousCPP must be a whole number", _previous_plans),
    (
        "C05",
        "Dates must be in order (closure, authorisation and plan end after the start)",
        _dates_in_order,
    ),
    ("C06", "Dates must not be after the return's ReferenceDate", _not_after_reference),
)


def _validate(raw: _Raw, problems: ProblemLog) -> None:
    """Validate step: each rule counts (and where it can, mends) what breaks it."""
    for code, wording, check in RULES:
        n = check(raw, problems)
        logger.info("%s validate: rule %s (%s): %d", READER, code, wording, n)


# --- stitch and degrade --------------------------------------------------------------------------


def _dedupe(raw: _Raw) -> None:
    """Keep each episode (child, referral date) once, from the latest return that holds it."""

    def rank(e: _Episode) -> tuple[dt.date, int]:
        return (raw.returns[e.ret].reference, raw.returns[e.ret].order)

    best: dict[tuple[Hashable, dt.date], _Episode] = {}
    for e in raw.episodes:
        key = (e.child, e.referral)
        if key not in best or rank(e) >= rank(best[key]):
            best[key] = e
    dropped = len(raw.episodes) - len(best)
    raw.episodes = list(best.values())
    log_step(
        logger, READER, "read", episodes=len(raw.episodes), repeats_across_returns_dropped=dropped
    )


def _degrade(raw: _Raw) -> list[_Episode]:
    """Degrade step: the child's identifier becomes a sequence number."""
    numbers = Pseudonyms()
    for e in raw.episodes:
        e.child = numbers(e.child)
    episodes = sorted(raw.episodes, key=lambda e: (int(e.child), e.referral))
    log_step(
        logger,
        READER,
        "degrade",
        identifiers_replaced=len(numbers),
        birth_dates_and_upns="never taken",
    )
    raw.episodes = []
    return episodes


# --- summarise -----------------------------------------------------------------------------------


def _trio(codes: frozenset[str]) -> tuple[bool, bool, bool]:
    return (
        bool(codes & DOMESTIC_ABUSE_CODES),
        bool(codes & PARENTAL_MENTAL_HEALTH_CODES),
        bool(codes & PARENTAL_SUBSTANCE_MISUSE_CODES),
    )


def _subset(flags: tuple[bool, bool, bool]) -> str:
    names = [n for n, on in zip(("da", "mh", "sm"), flags, strict=True) if on]
    return "+".join(names) if names else "none"


@dataclass(slots=True)
class _Tally:
    referrals: int = 0
    re_referrals: int = 0
    re_referral_base: int = 0
    nfa: int = 0
    assessments: int = 0
    working_days: list[int] = field(default_factory=list)
    cin_plans: int = 0
    s47: int = 0
    icpcs: int = 0
    cp_starts: int = 0
    cp_repeats: int = 0
    cp_ended: int = 0
    cp_days: list[int] = field(default_factory=list)
    pre_proceedings: int = 0
    factor_episodes: int = 0
    trio: Counter[str] = field(default_factory=Counter)
    subsets: Counter[str] = field(default_factory=Counter)

    def add(self, other: _Tally) -> None:
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, int):
                setattr(self, f.name, mine + theirs)
            elif isinstance(mine, list):
                mine.extend(theirs)
            else:
                mine.update(theirs)


def _as_year(label: str, t: _Tally, re_referrals_known: bool) -> CinYear:
    return CinYear(
        year=label,
        referrals=t.referrals,
        re_referrals=t.re_referrals if re_referrals_known else None,
        re_referral_share=share(t.re_referrals, t.re_referral_base) if re_referrals_known else None,
        referrals_nfa=t.nfa,
        assessments_completed=t.assessments,
        assessment_median_working_days=median(t.working_days),
        cin_plan_starts=t.cin_plans,
        s47_enquiries=t.s47,
        icpcs=t.icpcs,
        cp_plan_starts=t.cp_starts,
        repeat_cp_plans=t.cp_repeats,
        repeat_cp_plan_share=share(t.cp_repeats, t.cp_starts),
        cp_plans_ended=t.cp_ended,
        cp_plan_ended_median_days=median(t.cp_days),
        cp_plans_ended_by_duration=frozen_map(
            {b: sum(cp_duration_band(d) == b for d in t.cp_days) for b in CP_DURATION_BANDS}
        ),
        pre_proceedings_starts=t.pre_proceedings,
        episodes_with_assessment_factors=t.factor_episodes,
        toxic_trio_shares=frozen_map(
            {
                **{k: share(t.trio[k], t.factor_episodes) for k in TOXIC_TRIO},
                "any": share(t.trio["any"], t.factor_episodes),
            }
        ),
        toxic_trio_subsets=frozen_map(
            {s: share(t.subsets[s], t.factor_episodes) for s in TOXIC_TRIO_SUBSETS}
        ),
    )


@dataclass(slots=True)
class _Window:
    """The collection years a child's council supplied, up to its latest reference date, and
    the tallies of those years."""

    covered: set[str]
    end_of_data: dt.date
    tallies: dict[str, _Tally]

    def label_of(self, d: dt.date | None) -> str | None:
        """The collection year of a date, if supplied (else None)."""
        if d is None or d > self.end_of_data:
            return None
        label = financial_year(d)
        return label if label in self.covered else None

    def tally(self, d: dt.date | None) -> _Tally | None:
        """The tally of a date's collection year, if supplied (else None)."""
        label = self.label_of(d)
        return None if label is None else self.tallies[label]


@dataclass(slots=True)
class _Seen:
    """Events counted once per child although several episodes hold them, and CP plan spells."""

    icpcs: set[tuple[Hashable, dt.date]] = field(default_factory=set)
    cp_plans: set[tuple[Hashable, dt.date]] = field(default_factory=set)
    plan_spells: tuple[list[float], list[bool]] = field(default_factory=lambda: ([], []))


def _tally_referral(child_episodes: list[_Episode], k: int, w: _Window) -> None:
    """A referral, whether it ended in no further action, and whether it is a re-referral."""
    e = child_episodes[k]
    t = w.tally(e.referral)
    if t is None:
        return
    t.referrals += 1
    t.nfa += bool(e.nfa)
    if previous_year(financial_year(e.referral)) in w.covered:
        t.re_referral_base += 1
        t.re_referrals += k > 0 and child_episodes[k - 1].referral >= twelve_months_before(
            e.referral
        )


def _tally_cp_plans(e: _Episode, w: _Window, seen: _Seen, earlier_plans: int) -> int:
    """CP plans started (repeats among them) and ended; returns the child's plans so far."""
    for p in sorted(e.cp_plans, key=lambda p: p.start):
        if (e.child, p.start) in seen.cp_plans:
            continue
        seen.cp_plans.add((e.child, p.start))
        if (t := w.tally(p.start)) is not None:
            t.cp_starts += 1
            t.cp_repeats += (p.previous or 0) > 0 or earlier_plans > 0
            ended = p.end is not None
            seen.plan_spells[0].append(float(((p.end or w.end_of_data) - p.start).days))
            seen.plan_spells[1].append(ended)
        if p.end is not None and (t := w.tally(p.end)) is not None:
            t.cp_ended += 1
            t.cp_days.append((p.end - p.start).days)
        earlier_plans += 1
    return earlier_plans


def _tally_child(child_episodes: list[_Episode], w: _Window, seen: _Seen) -> None:
    """Count one child's episodes in the years supplied, event by event."""
    earlier_plans = 0
    for k, e in enumerate(child_episodes):
        _tally_referral(child_episodes, k, w)
        _tally_assessments(e, w.label_of, w.tallies)
        for d in e.cin_plans:
            if (t := w.tally(d)) is not None:
                t.cin_plans += 1
        for d in e.s47:
            if (t := w.tally(d)) is not None:
                t.s47 += 1
        for d in set(e.icpcs):
            if (e.child, d) not in seen.icpcs and (t := w.tally(d)) is not None:
                seen.icpcs.add((e.child, d))
                t.icpcs += 1
        earlier_plans = _tally_cp_plans(e, w, seen, earlier_plans)
        for d in e.pre_proceedings:
            if (t := w.tally(d)) is not None:
                t.pre_proceedings += 1


def _council_years(raw: _Raw) -> tuple[dict[str, set[str]], dict[str, dt.date]]:
    """Each council's collection years and its latest reference date."""
    years: dict[str, set[str]] = defaultdict(set)
    reference: dict[str, dt.date] = {}
    for r in raw.returns:
        years[r.council].add(r.year)
        reference[r.council] = max(reference.get(r.council, r.reference), r.reference)
    return years, reference


def _summarise(raw: _Raw, episodes: list[_Episode], problems: ProblemLog) -> CinCensusSummary:
    """Summarise step: per collection year and pooled."""
    years, reference = _council_years(raw)
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    by_child: dict[Hashable, list[_Episode]] = defaultdict(list)
    for e in episodes:
        by_child[e.child].append(e)
    seen = _Seen()
    for child_episodes in by_child.values():
        council = raw.returns[child_episodes[0].ret].council
        _tally_child(child_episodes, _Window(years[council], reference[council], tallies), seen)
    all_years = sorted({y for ys in years.values() for y in ys})
    by_year: dict[str, CinYear] = {}
    pooled = _Tally()
    for label in all_years:
        known = any(label in cov and previous_year(label) in cov for cov in years.values())
        by_year[label] = _as_year(label, tallies[label], known)
        pooled.add(tallies[label])
    summary = CinCensusSummary(
        collection_years=tuple(all_years),
        councils=len(years),
        children=len(by_child),
        episodes=len(episodes),
        by_year=frozen_map(by_year),
        overall=_as_year("all", pooled, pooled.re_referral_base > 0),
        cp_plan_duration=DurationSummary.of(*seen.plan_spells),
        problems=problems.frozen(),
    )
    log_step(
        logger,
        READER,
        "summarise",
        collection_years=len(all_years),
        referrals=pooled.referrals,
        cp_plan_starts=pooled.cp_starts,
        problems=len(summary.problems),
    )
    return summary


def _tally_assessments(
    e: _Episode, label_of: Callable[[dt.date | None], str | None], tallies: dict[str, _Tally]
) -> None:
    """Assessments completed, their length, and the episode's factors, by year of authorisation."""
    factors: dict[str, set[str]] = {}
    for a in e.assessments:
        label = label_of(a.authorised)
        if label is None or a.authorised is None:
            continue
        t = tallies[label]
        t.assessments += 1
        if a.authorised >= a.start:
            t.working_days.append(int(np.busday_count(a.start, a.authorised)))
        if a.factors is not None:
            factors.setdefault(label, set()).update(a.factors)
    for label, codes in factors.items():
        t = tallies[label]
        flags = _trio(frozenset(codes))
        t.factor_episodes += 1
        for name, on in zip(TOXIC_TRIO, flags, strict=True):
            t.trio[name] += on
        t.trio["any"] += any(flags)
        t.subsets[_subset(flags)] += 1


def read_cin_census(
    paths: Iterable[Path | str | MemoryFile] | Path | str | MemoryFile,
) -> CinCensusSummary:
    """Read a council's CIN census XML returns (files or folders) into aggregates.

    Parameters
    ----------
    paths
        CIN census XML files (2022, 2024 or 2026 layout), or folders holding them. Several years
        are stitched: an episode (child, referral date) in several returns counts once.

    Returns
    -------
    CinCensusSummary
        counts, shares and durations only.

    Raises
    ------
    CouncilDataError
        when a file is not a CIN census return or a date cannot be read; the message names the
        file, the record and the field.
    """
    files = expand_paths(paths, (".xml",))
    problems = ProblemLog()
    raw = _read(files)
    _dedupe(raw)
    _validate(raw, problems)
    episodes = _degrade(raw)
    return _summarise(raw, episodes, problems)
