"""SSDA903 returns (children looked after) to aggregates: entries, exits, placements, durations.

Reads a council's own SSDA903 files in any of three layouts and returns counts, shares and
durations only; child identifiers, dates of birth and postcodes never leave this module.

- ``dfe_csv``: the DfE CSV tables, one file per table per year (``episodes``, ``header``,
  ``uasc``; other tables are ignored), dates dd/mm/yyyy. A year in the file name
  (``2019-episodes.csv``) labels the return.
- ``regional_csv``: the same tables with ``LA`` and ``YEAR`` columns (LIIA data-platform output),
  all years in one file, ISO dates.
- ``xml``: the DfE XML return (``EXPSSDA903/CHILD/HEADER`` and ``EPISODE``; placement is ``PL``).

The pipeline (style guide 2.10): **read** (parse dates, check columns, errors naming file, table,
row and field; each return's collection year; an episode in several returns kept once) ->
**validate** (one rule per function; unknown codes become ``problems``) -> **degrade**
(identifiers to sequence numbers, dates of birth to month; postcodes, UPNs and other columns are
dropped as each row is read) -> **stitch** (open episodes closed, overlaps trimmed) -> **derive**
(periods of care) -> **summarise** (per collection year and overall).

Collection years. A label (file-name year or ``YEAR``) may be the year a collection year starts or
the year it ends; the reader compares each return's latest episode start with its label and takes
the convention most returns agree on. An unlabelled return is the financial year of its latest
episode start. Per-year figures cover only the collection years supplied, so periods that began
before the first return (seen only if still open) never enter an entry count or a duration.

Stitching. An episode (child, DECOM) in several returns is kept once, from the latest return. An
episode left open in one return is closed as liia-tools' episode fixes do: at the start of the
child's next episode (reason X1); when that episode starts a new period (RNE ``S``), on the day
before it or the 31 March ending the return's year, whichever is earlier; when the child is absent
from the council's later returns, on that 31 March. The last two have no recorded reason and count
as exits to ``other``; every closure is counted in ``problems``.

Code mappings (descriptions from the DfE's SSDA903 code lists, as listed in liia-tools-pipeline
``liiatools/ssda903_pipeline/sufficiency_transform.py`` dimension tables at commit 4aff918; code
validity from liia-tools ``spec/s903/SSDA903_schema_2024.yml`` with the 2024-25 and 2025-26
``.diff.yml`` changes; pre-2014 codes E4, E43, E44 from the aliases in liia-tools-pipeline
``annex_a_pipeline/spec/Annex_A_schema.yml``):

========================  ====================================================  ===============
REC (reason ceased)       description                                           ``Exit``
========================  ====================================================  ===============
E11, E12                  adopted (unopposed; consent dispensed with)           adoption
E4A, E4B, (E4)            returned home to parents or others with PR            returned_home
E13                       left care to live with parents/relatives, no PR       returned_home
E41                       residence order / child arrangements order granted    cao
E45-E48, (E43, E44)       special guardianship order (former foster carers or   sgo
                          other carers, relatives/friends or not)
E5, E6                    moved into independent living (incl. at 18)           age_18
E17                       aged 18 or over, remained with carers (staying put)   age_18
E2, E3, E7, E8, E9, E14,  died; another LA; adult residential care; other;      other
E15, E16, E99             custody; remand ended; age assessed 18+; abroad;
                          E99 = liia-tools' 'not recorded' (not a DfE code)
X1                        episode ends, new one begins the same day             (not an exit)
========================  ====================================================  ===============

========================  ====================================================  ===================
PLACE (placement type)    description                                           ``Placement``
========================  ====================================================  ===================
U1, U2, U3                foster placement with relative(s) or friend(s)        kinship_foster
U4, U5, U6 + PR1/PR2/PR3  foster placement with other foster carers, provided   in_house_foster
                          by this or another LA or a public body
U4, U5, U6 + PR4/PR5      the same, private or voluntary provider (agency)      ifa
K1, K2                    secure children's homes; children's homes             residential
P1                        placed with own parent(s) or others with PR           placed_with_parents
A3-A6                     placed for adoption                                   other
H5, K3, P2                semi-independent; supported accommodation;            other
                          independent living
P3, R1, R2, R3, R5, S1    residential employment; care home; NHS; family        other
                          centre / mother and baby unit; YOI; residential school
T0-T4                     temporary placements                                  other
Z1, Z11-Z14               other placements (Z11-Z14: 2025-26 codes whose        other
                          descriptions are not in the local spec; reported)
========================  ====================================================  ===================

A foster placement U4-U6 with provider PR0 or blank is counted in-house and reported.
Short breaks: periods of care made only of episodes under legal status V3 or V4 (agreed series of
short-term breaks) are left out, as the DfE leaves them out of its looked-after counts.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calibration.readers.common import (
    AGE_BANDS,
    CouncilDataError,
    CsvTable,
    DurationSummary,
    MemoryFile,
    Problem,
    ProblemLog,
    Pseudonyms,
    Source,
    age_band,
    age_in_years,
    birth_month,
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
    read_csv,
    require_columns,
    share,
    shown_header,
    shown_tag,
    to_plain,
    twelve_months_before,
    year_end,
    year_label,
)
from sim.core.entities import Exit, Placement

logger = logging.getLogger(__name__)
READER = "ssda903"

LAYOUT_DFE = "dfe_csv"
LAYOUT_REGIONAL = "regional_csv"
LAYOUT_XML = "xml"

#: Reason episode ceased: code -> (model exit class, or None for X1, and the DfE description).
REC_CODES: Mapping[str, tuple[Exit | None, str]] = {
    "X1": (None, "Episode ceases, and new episode begins on same day, for any reason"),
    "E11": (Exit.ADOPTION, "Adopted - application for an adoption order unopposed"),
    "E12": (Exit.ADOPTION, "Adopted - consent dispensed with by the court"),
    "E4A": (
        Exit.RETURNED_HOME,
        "Returned home to live with parent(s), relative(s), or other "
        "person(s) with parental responsibility as part of the care planning process",
    ),
    "E4B": (
        Exit.RETURNED_HOME,
        "Returned home to live with parent(s), relative(s), or other "
        "person(s) with parental responsibility, not part of the care planning process",
    ),
    "E4": (Exit.RETURNED_HOME, "Returned home to live with parents (pre-2014 code)"),
    "E13": (
        Exit.RETURNED_HOME,
        "Left care to live with parent(s), relative(s), or other "
        "person(s) with no parental responsibility",
    ),
    "E41": (
        Exit.CAO,
        "Residence order (or, from 22 April 2014, a child arrangement order "
        "which sets out with whom the child is to live) granted",
    ),
    "E43": (Exit.SGO, "Special guardianship made to former foster carers (pre-2014 code)"),
    "E44": (
        Exit.SGO,
        "Special guardianship made to carers other than former foster carers (pre-2014 code)",
    ),
    "E45": (
        Exit.SGO,
        "Special guardianship order made to former foster carer(s), who was/are "
        "a relative(s) or friend(s)",
    ),
    "E46": (
        Exit.SGO,
        "Special guardianship order made to former foster carer(s), other than "
        "relative(s) or friend(s)",
    ),
    "E47": (
        Exit.SGO,
        "Special guardianship order made to carer(s), other than former foster "
        "carer(s), who was/are a relative(s) or friend(s)",
    ),
    "E48": (
        Exit.SGO,
        "Special guardianship order made to carer(s), other than former foster "
        "carer(s), other than relative(s) or friend(s)",
    ),
    "E5": (
        Exit.AGE_18,
        "Moved into independent living arrangement, supportive accommodation; "
        "includes children leaving care before and at age 18",
    ),
    "E6": (
        Exit.AGE_18,
        "Moved into independent living arrangement, no formalised support; "
        "includes children leaving care before and at age 18",
    ),
    "E17": (
        Exit.AGE_18,
        "Aged 18 (or over) and remained with current carers (inc under staying put arrangements)",
    ),
    "E2": (Exit.OTHER, "Died"),
    "E3": (Exit.OTHER, "Care taken over by another local authority in the UK"),
    "E7": (Exit.OTHER, "Transferred to residential care funded by adult social care services"),
    "E8": (Exit.OTHER, "Period of being looked-after ceased for any other reason"),
    "E9": (Exit.OTHER, "Sentenced to custody"),
    "E14": (Exit.OTHER, "Accommodation on remand ended"),
    "E15": (
        Exit.OTHER,
        "Age assessment determined child is aged 18 or over and E5, E6 and E7 do not apply",
    ),
    "E16": (Exit.OTHER, "Child moved abroad"),
    "E99": (Exit.OTHER, "Not recorded (liia-tools' code for an episode its fixes closed)"),
}

#: Placement type: code -> (model placement class, or None where the provider decides).
PLACE_CODES: Mapping[str, tuple[Placement | None, str]] = {
    "U1": (
        Placement.KINSHIP_FOSTER,
        "Foster placement with relative(s) or friend(s) - long term fostering",
    ),
    "U2": (
        Placement.KINSHIP_FOSTER,
        "Fostering placement with relative(s) or friend(s) who "
        "is/are also an approved adopter(s) - fostering for adoption/concurrent planning",
    ),
    "U3": (
        Placement.KINSHIP_FOSTER,
        "Fostering placement with relative(s) or friend(s) who "
        "is/are not long-term or fostering for adoption/concurrent planning",
    ),
    "U4": (None, "Foster placement with other foster carer(s) - long term fostering"),
    "U5": (
        None,
        "Foster placement with other foster carer(s) who is/are also an approved "
        "adopter(s) - fostering for adoption/concurrent planning",
    ),
    "U6": (
        None,
        "Foster placement with other foster carer(s) - not long term or fostering "
        "for adoption/concurrent planning",
    ),
    "K1": (Placement.RESIDENTIAL, "Secure children's homes"),
    "K2": (Placement.RESIDENTIAL, "Children's Homes subject to Children's Homes Regulations"),
    "P1": (
        Placement.PLACED_WITH_PARENTS,
        "Placed with own parent(s) or other person(s) with parental responsibility",
    ),
    "A3": (Placement.OTHER, "Placed for adoption with consent with current foster carer(s)"),
    "A4": (Placement.OTHER, "Placed for adoption with consent not with current foster carer(s)"),
    "A5": (
        Placement.OTHER,
        "Placed for adoption with placement order with current foster carer(s)",
    ),
    "A6": (
        Placement.OTHER,
        "Placed for adoption with placement order not with current foster carer(s)",
    ),
    "H5": (
        Placement.OTHER,
        "Semi-independent living accommodation not subject to children's "
        "homes regulations (to 2023-24)",
    ),
    "K3": (Placement.OTHER, "Registered supported accommodation (from 2024-25)"),
    "P2": (
        Placement.OTHER,
        "Independent living, for example in a flat, lodgings, bedsit, B&B or "
        "with friends (to 2023-24)",
    ),
    "P3": (Placement.OTHER, "Residential employment"),
    "R1": (Placement.OTHER, "Residential care home"),
    "R2": (
        Placement.OTHER,
        "NHS/health trust or other establishment providing medical or nursing care",
    ),
    "R3": (Placement.OTHER, "Family centre or mother and baby unit"),
    "R5": (Placement.OTHER, "Young offender institution (YOI)"),
    "S1": (
        Placement.OTHER,
        "All residential schools, except where dual-registered as a school and children's home",
    ),
    "T0": (Placement.OTHER, "All types of temporary move"),
    "T1": (Placement.OTHER, "Temporary periods in hospital"),
    "T2": (Placement.OTHER, "Temporary absences of the child on holiday"),
    "T3": (
        Placement.OTHER,
        "Temporary accommodation whilst normal foster carer(s) is/are on holiday",
    ),
    "T4": (
        Placement.OTHER,
        "Temporary accommodation of seven days or less, not covered by T1 to T3",
    ),
    "Z1": (Placement.OTHER, "Other placements (listed on a schedule sent to DfE)"),
    "Z11": (Placement.OTHER, "2025-26 code; description not in the local spec"),
    "Z12": (Placement.OTHER, "2025-26 code; description not in the local spec"),
    "Z13": (Placement.OTHER, "2025-26 code; description not in the local spec"),
    "Z14": (Placement.OTHER, "2025-26 code; description not in the local spec"),
}
UNDESCRIBED_PLACE_CODES = frozenset({"Z11", "Z12", "Z13", "Z14"})

#: Placement provider codes; private and voluntary providers of foster care are agencies (IFA).
PROVIDER_CODES: Mapping[str, str] = {
    "PR0": "Parent(s) or other person(s) with parental responsibility",
    "PR1": "Own provision (by the local authority)",
    "PR2": "Other local authority provision",
    "PR3": "Other public provision (for example, a primary care trust)",
    "PR4": "Private provision",
    "PR5": "Voluntary/third sector provision",
}
AGENCY_PROVIDERS = frozenset({"PR4", "PR5"})
PUBLIC_PROVIDERS = frozenset({"PR1", "PR2", "PR3"})

LEGAL_STATUS_CODES = frozenset(
    {"C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4"}
)
#: Agreed series of short-term breaks (episodes recorded, or agreements recorded).
SHORT_BREAK_STATUSES = frozenset({"V3", "V4"})
NEW_EPISODE_CODES = frozenset({"S", "L", "P", "T", "B", "U"})

EPISODE_COLUMNS = ("CHILD", "DECOM", "RNE", "LS", "PLACE", "PLACE_PROVIDER", "DEC", "REC")
HEADER_COLUMNS = ("CHILD", "DOB")
UASC_COLUMNS = ("CHILD", "DUC")
REGIONAL_COLUMNS = ("LA", "YEAR")
_UNKNOWN_END = ""  # REC of an episode closed by the stitch step: reason not recorded


# --- summaries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CareYear:
    """One collection year (April to March) of looked-after children, counts and shares only."""

    year: str
    care_entries: int
    re_entries: int | None
    re_entry_share: float | None
    exits: Mapping[str, int]
    exits_total: int
    looked_after_31_march: int
    placements_31_march: Mapping[str, int]
    placement_shares_31_march: Mapping[str, float | None]
    uasc_31_march: int

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return to_plain(self)


@dataclass(frozen=True)
class ReturnsHome:
    """Children who went home from care and how many came back within 12 months (counts only).

    ``followed``: periods ending in a return home (E4A, E4B, E13) in the years supplied whose
    next 12 months the returns cover; ``reentered``: those followed by a new period of care
    within 12 months; ``median_days_to_reentry``: the median days from going home to coming back,
    over ``reentered``.
    """

    followed: int
    reentered: int
    median_days_to_reentry: float | None

    @property
    def reentry_share(self) -> float | None:
        """Share of returns home that came back into care within 12 months."""
        return share(self.reentered, self.followed)


@dataclass(frozen=True)
class SSDA903Summary:
    """Aggregates from a council's SSDA903 returns; no child-level values.

    ``by_year`` covers the collection years supplied; totals are over those years. Exits and
    placements are keyed by the values of ``sim.core.entities.Exit`` and ``Placement``.
    ``re_entry_share`` is the share of entries within 12 months of an earlier period ending,
    counted only in years whose previous year was supplied; ``returns_home`` follows returns home
    for the 12 months after (see :class:`ReturnsHome`). Durations are Kaplan-Meier estimates
    over periods starting in the years supplied, open periods censored at the last 31 March.
    """

    layouts: tuple[str, ...]
    collection_years: tuple[str, ...]
    councils: int
    children: int
    periods_of_care: int
    by_year: Mapping[str, CareYear]
    care_entries: int
    re_entries: int | None
    re_entry_share: float | None
    exits: Mapping[str, int]
    exits_total: int
    placement_shares_31_march: Mapping[str, float | None]
    durations_by_age_band: Mapping[str, DurationSummary]
    duration_all_ages: DurationSummary
    returns_home: ReturnsHome
    uasc_children: int
    problems: tuple[Problem, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return to_plain(self)


# --- internal records (never returned) -----------------------------------------------------------


@dataclass(slots=True)
class _Return:
    layout: str
    council: str
    label: int | None
    order: int
    latest_start: dt.date | None = None
    year: str | None = None


@dataclass(slots=True)
class _Episode:
    child: Hashable
    decom: dt.date
    dec: dt.date | None
    rne: str
    ls: str
    place: str
    provider: str
    rec: str
    ret: int


@dataclass(slots=True)
class _Raw:
    returns: list[_Return] = field(default_factory=list)
    index: dict[tuple[Any, ...], int] = field(default_factory=dict)
    episodes: list[_Episode] = field(default_factory=list)
    births: dict[Hashable, tuple[tuple[int, int], dt.date | None]] = field(default_factory=dict)
    uasc: dict[Hashable, tuple[tuple[int, int], dt.date | None]] = field(default_factory=dict)
    tables: Counter[str] = field(default_factory=Counter)

    def return_for(self, key: tuple[Any, ...], layout: str, council: str, label: int | None) -> int:
        if key not in self.index:
            self.index[key] = len(self.returns)
            self.returns.append(_Return(layout, council, label, len(self.returns)))
        return self.index[key]

    def precedence(self, ret: int) -> tuple[int, int]:
        r = self.returns[ret]
        return (-1 if r.label is None else r.label, r.order)

    def keep_latest(
        self, table: dict[Hashable, Any], child: Hashable, ret: int, value: Any
    ) -> None:
        rank = self.precedence(ret)
        if child not in table or table[child][0] <= rank:
            table[child] = (rank, value)


@dataclass(slots=True)
class _Period:
    child: int
    council: str
    start: dt.date
    episodes: list[_Episode]
    end: dt.date | None = None
    exit: Exit | None = None


# --- read ----------------------------------------------------------------------------------------

_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def _table_kind(path: Source, columns: tuple[str, ...]) -> str | None:
    cols = set(columns)
    if "DECOM" in cols:
        return "episodes"
    if "DUC" in cols:
        return "uasc"
    if "DOB" in cols and cols & {"ETHNIC", "UPN", "SEX"} and "SW_ID" not in cols:
        return "header"
    tokens = [t for t in re.split(r"[^a-z0-9]+", path.stem.lower()) if t]
    named = tokens[-1] if tokens and tokens[-1] in {"episodes", "header", "uasc"} else None
    if named and (len(tokens) < 2 or tokens[-2] not in {"sw", "social", "worker"}):
        return named
    return None


def _year_label(value: str, file: str, table: str, row: int) -> int:
    if re.fullmatch(r"(?:19|20)\d{2}", value.strip()):
        return int(value)
    raise CouncilDataError(
        f"{location(file, table, row, 'YEAR')}: {shown_header(value)!r} is not a year "
        "(expected four digits, e.g. 2021)"
    )


def _code(value: str | None) -> str:
    return (value or "").strip().upper()


def _needed(path: Source, columns: tuple[str, ...]) -> tuple[str, ...]:
    """The columns a table's rows are read for; the rest are never kept."""
    kind = _table_kind(path, columns)
    if kind is None:
        return ()
    needed = {"episodes": EPISODE_COLUMNS, "header": HEADER_COLUMNS, "uasc": UASC_COLUMNS}[kind]
    return (*needed, *REGIONAL_COLUMNS, *(("DOB",) if kind == "uasc" else ()))


def _read_csv_file(path: Source, raw: _Raw) -> None:
    table = read_csv(path, "ssda903", keep=lambda columns: _needed(path, columns))
    kind = _table_kind(path, table.columns)
    if kind is None:
        logger.debug(
            "%s read: %s is not an episodes, header or uasc table; ignored", READER, path.name
        )
        raw.tables["ignored"] += 1
        return
    required = {"episodes": EPISODE_COLUMNS, "header": HEADER_COLUMNS, "uasc": UASC_COLUMNS}[kind]
    regional = set(REGIONAL_COLUMNS) <= set(table.columns)
    require_columns(table, kind, required)
    raw.tables[kind] += 1
    name_label = _YEAR_IN_NAME.search(path.stem)
    label = int(name_label.group(1)) if name_label else None
    for number, row in table.rows:
        if regional:
            council = row["LA"]
            if not council:
                raise CouncilDataError(
                    f"{location(table.file, kind, number, 'LA')}: blank "
                    "(expected the local authority's name)"
                )
            year = _year_label(row["YEAR"], table.file, kind, number)
            ret = raw.return_for(("regional", council, year), LAYOUT_REGIONAL, council, year)
        else:
            council = ""
            ret = raw.return_for(("dfe", str(path.parent), label), LAYOUT_DFE, "", label)
        _read_row(kind, table, number, row, council, ret, raw)


def _read_row(
    kind: str, table: CsvTable, number: int, row: dict[str, str], council: str, ret: int, raw: _Raw
) -> None:
    if not row["CHILD"]:
        raise CouncilDataError(
            f"{location(table.file, kind, number, 'CHILD')}: blank "
            "(expected the child's identifier)"
        )
    child = (council, row["CHILD"])
    where = {"file": table.file, "table": kind, "row": number}
    if kind == "episodes":
        raw.episodes.append(
            _Episode(
                child=child,
                decom=parse_required_date(row["DECOM"], field="DECOM", **where),
                dec=parse_date(row["DEC"], field="DEC", **where),
                rne=_code(row["RNE"]),
                ls=_code(row["LS"]),
                place=_code(row["PLACE"]),
                provider=_code(row["PLACE_PROVIDER"]),
                rec=_code(row["REC"]),
                ret=ret,
            )
        )
    elif kind == "header":
        birth = parse_date(row["DOB"], field="DOB", identifying=True, **where)
        raw.keep_latest(raw.births, child, ret, birth)
    else:
        ceased = parse_date(row["DUC"], field="DUC", identifying=True, **where)
        raw.keep_latest(raw.uasc, child, ret, ceased)
        if "DOB" in row and child not in raw.births:
            birth = parse_date(row["DOB"], field="DOB", identifying=True, **where)
            raw.births[child] = ((-2, -1), birth)


def _element_text(parent: ET.Element | None, name: str) -> str:
    if parent is None:
        return ""
    for child in parent:
        if local_name(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _read_xml_file(path: Source, raw: _Raw) -> None:
    ret = raw.return_for(("xml", str(path)), LAYOUT_XML, "", None)
    count = 0
    try:
        root_checked = False
        for event, elem in ET.iterparse(opened(path), events=("start", "end")):
            tag = local_name(elem.tag)
            if event == "start":
                if not root_checked:
                    root_checked = True
                    if tag != "EXPSSDA903":
                        raise CouncilDataError(
                            f"{path.name}: root element {shown_tag(tag)!r} "
                            "(expected EXPSSDA903, an SSDA903 XML return)"
                        )
                continue
            if tag == "CHILD":
                count += 1
                _read_xml_child(elem, count, path.name, ret, raw)
                elem.clear()
    except ET.ParseError as err:
        line, column = err.position
        raise CouncilDataError(
            f"{path.name}: not well-formed XML at line {line}, column {column}"
        ) from None
    raw.tables["xml"] += 1
    logger.debug("%s read: %s holds %d CHILD records", READER, path.name, count)


def _read_xml_child(elem: ET.Element, number: int, file: str, ret: int, raw: _Raw) -> None:
    header = next((c for c in elem if local_name(c.tag) == "HEADER"), None)
    where = f"CHILD record {number}"
    child_id = _element_text(header, "CHILDID")
    if not child_id:
        raise CouncilDataError(
            f"{location(file, 'header', where, 'CHILDID')}: blank or missing "
            "(expected the child's identifier)"
        )
    child = ("", child_id)
    birth = parse_date(
        _element_text(header, "DOB"),
        file=file,
        table="header",
        row=where,
        field="DOB",
        identifying=True,
    )
    raw.keep_latest(raw.births, child, ret, birth)
    if _element_text(header, "UASC") in {"1", "true", "Y"}:
        ceased = parse_date(
            _element_text(header, "DUC"),
            file=file,
            table="header",
            row=where,
            field="DUC",
            identifying=True,
        )
        raw.keep_latest(raw.uasc, child, ret, ceased)
    episodes = [c for c in elem if local_name(c.tag) == "EPISODE"]
    for j, ep in enumerate(episodes, start=1):
        w = {"file": file, "table": "episodes", "row": f"{where}, EPISODE {j}"}
        raw.episodes.append(
            _Episode(
                child=child,
                decom=parse_required_date(_element_text(ep, "DECOM"), field="DECOM", **w),
                dec=parse_date(_element_text(ep, "DEC"), field="DEC", **w),
                rne=_code(_element_text(ep, "RNE")),
                ls=_code(_element_text(ep, "LS")),
                place=_code(_element_text(ep, "PL") or _element_text(ep, "PLACE")),
                provider=_code(_element_text(ep, "PLACE_PROVIDER")),
                rec=_code(_element_text(ep, "REC")),
                ret=ret,
            )
        )


def _read(files: list[Source]) -> _Raw:
    """Read step: every file into raw records (identifiers still present, kept in this module)."""
    raw = _Raw()
    for path in files:
        if path.suffix.lower() == ".xml":
            _read_xml_file(path, raw)
        else:
            _read_csv_file(path, raw)
    if not raw.episodes:
        raise CouncilDataError(
            f"{', '.join(p.name for p in files)}: no SSDA903 episodes found "
            "(expected an episodes table with a DECOM column, or an EXPSSDA903 XML return)"
        )
    log_step(
        logger,
        READER,
        "read",
        files=len(files),
        episode_rows=len(raw.episodes),
        header_children=len(raw.births),
        uasc_children=len(raw.uasc),
        tables_ignored=raw.tables["ignored"],
    )
    return raw


# --- validate ------------------------------------------------------------------------------------

_Rule = Callable[[list[_Episode], ProblemLog], int]


def _known_place(episodes: list[_Episode], problems: ProblemLog) -> int:
    bad = Counter(e.place for e in episodes if e.place not in PLACE_CODES)
    for code, n in bad.items():
        problems.add("episodes", "PLACE", code, "unknown placement code: counted as other", n)
    odd = Counter(e.place for e in episodes if e.place in UNDESCRIBED_PLACE_CODES)
    for code, n in odd.items():
        problems.add(
            "episodes",
            "PLACE",
            code,
            "valid 2025-26 code without a description here: counted as other",
            n,
        )
    return sum(bad.values())


def _known_provider(episodes: list[_Episode], problems: ProblemLog) -> int:
    bad = Counter(e.provider for e in episodes if e.provider and e.provider not in PROVIDER_CODES)
    for code, n in bad.items():
        problems.add(
            "episodes",
            "PLACE_PROVIDER",
            code,
            "unknown provider code: a foster placement with it is counted in-house",
            n,
        )
    return sum(bad.values())


def _known_reason(episodes: list[_Episode], problems: ProblemLog) -> int:
    bad = Counter(e.rec for e in episodes if e.rec and e.rec not in REC_CODES)
    for code, n in bad.items():
        problems.add("episodes", "REC", code, "unknown reason code: the exit counts as other", n)
    return sum(bad.values())


def _known_legal_status(episodes: list[_Episode], problems: ProblemLog) -> int:
    bad = Counter(e.ls for e in episodes if e.ls not in LEGAL_STATUS_CODES)
    for code, n in bad.items():
        problems.add("episodes", "LS", code, "unknown legal status: not taken as a short break", n)
    return sum(bad.values())


def _known_new_episode_reason(episodes: list[_Episode], problems: ProblemLog) -> int:
    bad = Counter(e.rne for e in episodes if e.rne not in NEW_EPISODE_CODES)
    for code, n in bad.items():
        problems.add("episodes", "RNE", code, "unknown reason for new episode: ignored", n)
    return sum(bad.values())


def _ends_after_start(episodes: list[_Episode], problems: ProblemLog) -> int:
    n = 0
    for e in episodes:
        if e.dec is not None and e.dec < e.decom:
            e.dec = e.decom
            n += 1
    problems.add("episodes", "DEC", "", "episode ends before it starts: ended on its start", n)
    return n


def _reason_with_end(episodes: list[_Episode], problems: ProblemLog) -> int:
    no_reason = no_end = 0
    for e in episodes:
        if e.dec is not None and not e.rec:
            no_reason += 1
        elif e.dec is None and e.rec:
            e.rec = ""
            no_end += 1
    problems.add(
        "episodes",
        "REC",
        "",
        "episode ends without a reason: if care ends there, the exit counts as other",
        no_reason,
    )
    problems.add("episodes", "REC", "", "reason without an end date: reason ignored", no_end)
    return no_reason + no_end


#: Validation rules, run in order: (code, guidance wording, check).
RULES: tuple[tuple[str, str, _Rule], ...] = (
    ("R01", "PLACE must be a placement type code from the SSDA903 code list", _known_place),
    ("R02", "PLACE_PROVIDER must be blank or a placement provider code (PR0-PR5)", _known_provider),
    (
        "R03",
        "REC must be blank or a reason episode ceased code from the SSDA903 code list",
        _known_reason,
    ),
    ("R04", "LS must be a legal status code from the SSDA903 code list", _known_legal_status),
    (
        "R05",
        "RNE must be a reason for new episode code (S, L, P, T, B, U)",
        _known_new_episode_reason,
    ),
    ("R06", "DEC must not be before DECOM", _ends_after_start),
    ("R07", "REC must be completed when DEC is, and blank when DEC is blank", _reason_with_end),
)


def _validate(raw: _Raw, problems: ProblemLog) -> None:
    """Validate step: each rule counts (and where it can, mends) the episodes breaking it."""
    for code, wording, check in RULES:
        n = check(raw.episodes, problems)
        logger.info("%s validate: rule %s (%s): %d episodes", READER, code, wording, n)


# --- degrade -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _History:
    returns: list[_Return]
    episodes: list[_Episode]
    births: dict[int, dt.date]
    uasc: dict[int, dt.date | None]
    layouts: tuple[str, ...]


def _degrade(raw: _Raw) -> _History:
    """Degrade step: identifiers become sequence numbers; dates of birth become their month."""
    numbers = Pseudonyms()
    for e in raw.episodes:
        e.child = numbers(e.child)
    births = {numbers(c): birth_month(b) for c, (_, b) in raw.births.items() if b is not None}
    uasc = {numbers(c): duc for c, (_, duc) in raw.uasc.items()}
    layouts = tuple(sorted({r.layout for r in raw.returns}))
    log_step(
        logger,
        READER,
        "degrade",
        identifiers_replaced=len(numbers),
        birth_dates_to_month=len(births),
        postcodes_and_upns="dropped on reading",
    )
    history = _History(raw.returns, raw.episodes, births, uasc, layouts)
    raw.births.clear()
    raw.uasc.clear()
    return history


# --- stitch --------------------------------------------------------------------------------------


def _assign_years(raw: _Raw, problems: ProblemLog) -> None:
    """Each return's collection year, reading labels by the convention most returns share."""
    for e in raw.episodes:
        r = raw.returns[e.ret]
        if r.latest_start is None or e.decom > r.latest_start:
            r.latest_start = e.decom
    offsets: Counter[int] = Counter()
    for r in raw.returns:
        if r.label is not None and r.latest_start is not None:
            offsets[int(financial_year(r.latest_start)[:4]) - r.label] += 1
    offset = min(offsets, key=lambda o: (-offsets[o], abs(o))) if offsets else 0
    for r in raw.returns:
        if r.latest_start is None:
            continue
        from_data = financial_year(r.latest_start)
        r.year = from_data if r.label is None else year_label(r.label + offset)
        if r.year != from_data:
            problems.add(
                "episodes",
                "YEAR",
                "",
                "latest episode start falls outside the return's labelled collection year",
            )
    convention = {0: "the year it starts", -1: "the year it ends"}.get(offset, f"offset {offset}")
    log_step(
        logger,
        READER,
        "read",
        returns=sum(r.year is not None for r in raw.returns),
        labels_read_as=convention if offsets else "none (years from the data)",
    )


def _dedupe(raw: _Raw) -> None:
    """Keep each episode (child, DECOM) once, from the latest return that holds it."""

    def rank(e: _Episode) -> tuple[str, int, int]:
        r = raw.returns[e.ret]
        return (r.year or "", -1 if r.label is None else r.label, r.order)

    best: dict[tuple[Hashable, dt.date], _Episode] = {}
    for e in raw.episodes:
        key = (e.child, e.decom)
        if key not in best or rank(e) >= rank(best[key]):
            best[key] = e
    dropped = len(raw.episodes) - len(best)
    raw.episodes = sorted(best.values(), key=lambda e: (str(e.child), e.decom))
    log_step(
        logger, READER, "read", episodes=len(raw.episodes), repeats_across_returns_dropped=dropped
    )


def _council_years(history: _History) -> dict[str, list[str]]:
    years: dict[str, set[str]] = defaultdict(set)
    for r in history.returns:
        if r.year is not None:
            years[r.council].add(r.year)
    return {council: sorted(ys) for council, ys in years.items()}


def _close_episode(e: _Episode, nxt: _Episode | None, year: str, latest: str) -> str | None:
    """Close an open episode, or trim one that overlaps the next; what was done (None: nothing).

    An open episode followed by the child's next episode ends at its start (X1); followed by a
    new period of care, the day before (or 31 March), reason unknown; not carried into the
    council's later returns, on 31 March, reason unknown.
    """
    if e.dec is None:
        if nxt is not None and nxt.rne != "S":
            e.dec, e.rec = nxt.decom, "X1"
            return "closed_next"
        if nxt is not None:
            e.dec = max(e.decom, min(year_end(year), nxt.decom - dt.timedelta(days=1)))
            e.rec = _UNKNOWN_END
            return "closed_gap"
        if year < latest:
            e.dec, e.rec = max(e.decom, year_end(year)), _UNKNOWN_END
            return "closed_absent"
        return None
    if nxt is not None and e.dec > nxt.decom:
        e.dec = nxt.decom
        return "overlaps"
    return None


#: What :func:`_close_episode` did -> the problem reported for each such episode.
_STITCH_NOTES = {
    "closed_next": "open episode followed by the child's next episode: closed at its start (X1)",
    "closed_gap": "open episode followed by a new period of care: closed "
    "the day before (or 31 March), reason unknown, exit counted as other",
    "closed_absent": "open episode not carried into the council's later "
    "returns: closed on 31 March, reason unknown, exit counted as other",
    "overlaps": "episode overlaps the next one: ended at its start",
}


def _stitch(history: _History, problems: ProblemLog) -> dict[str, list[str]]:
    """Stitch step: close open episodes and trim overlaps; returns each council's years."""
    years = _council_years(history)
    latest = {council: ys[-1] for council, ys in years.items()}
    episodes = sorted(history.episodes, key=lambda e: (int(e.child), e.decom))
    done: Counter[str] = Counter()
    for i, e in enumerate(episodes):
        nxt = episodes[i + 1] if i + 1 < len(episodes) else None
        if nxt is not None and nxt.child != e.child:
            nxt = None
        council = history.returns[e.ret].council
        year = history.returns[e.ret].year or latest[council]
        what = _close_episode(e, nxt, year, latest[council])
        if what is not None:
            done[what] += 1
    for what, note in _STITCH_NOTES.items():
        problems.add("episodes", "DEC", "", note, done[what])
    log_step(
        logger,
        READER,
        "stitch",
        episodes=len(episodes),
        open_closed_by_next=done["closed_next"],
        open_closed_before_new_period=done["closed_gap"],
        open_closed_absent=done["closed_absent"],
        overlaps_trimmed=done["overlaps"],
    )
    history.episodes = episodes
    return years


# --- derive --------------------------------------------------------------------------------------


def _exit_for(rec: str) -> Exit:
    found = REC_CODES.get(rec)
    return found[0] if found is not None and found[0] is not None else Exit.OTHER


def placement_class(place: str, provider: str) -> Placement:
    """The model's placement class of an SSDA903 placement type and provider (module table)."""
    found = PLACE_CODES.get(place)
    if found is None:
        return Placement.OTHER
    if found[0] is not None:
        return found[0]
    return Placement.IFA if provider in AGENCY_PROVIDERS else Placement.IN_HOUSE_FOSTER


def _derive_periods(history: _History, problems: ProblemLog) -> list[_Period]:
    """Derive step: periods of care from episodes (a period ends at any REC but X1)."""
    periods: list[_Period] = []
    current: _Period | None = None
    dangling = gaps = 0
    returns = history.returns
    for i, e in enumerate(history.episodes):
        nxt = history.episodes[i + 1] if i + 1 < len(history.episodes) else None
        if nxt is not None and nxt.child != e.child:
            nxt = None
        if current is None:
            current = _Period(int(e.child), returns[e.ret].council, e.decom, [e])
        else:
            current.episodes.append(e)
        if e.dec is None:
            periods.append(current)
            current = None
            continue
        if e.rec == "X1" and nxt is not None:
            if nxt.decom != e.dec:
                gaps += 1
            continue
        if e.rec == "X1":
            dangling += 1
        current.end, current.exit = e.dec, _exit_for("" if e.rec == "X1" else e.rec)
        periods.append(current)
        current = None
    problems.add(
        "episodes",
        "REC",
        "X1",
        "episode ends X1 but no episode follows: care taken to end there, exit counted as other",
        dangling,
    )
    problems.add(
        "episodes",
        "DECOM",
        "",
        "episode after an X1 end starts on a different day: taken as the same period of care",
        gaps,
    )
    short_breaks = [p for p in periods if all(e.ls in SHORT_BREAK_STATUSES for e in p.episodes)]
    kept = [p for p in periods if not all(e.ls in SHORT_BREAK_STATUSES for e in p.episodes)]
    log_step(
        logger,
        READER,
        "derive",
        periods_of_care=len(periods),
        short_break_periods_left_out=len(short_breaks),
        ended_x1_without_next=dangling,
    )
    return kept


# --- summarise -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _YearCounts:
    entries: int = 0
    re_entries: int = 0
    re_entry_base: int = 0
    exits: Counter[Exit] = field(default_factory=Counter)
    placements: Counter[Placement] = field(default_factory=Counter)
    uasc: int = 0


def _placement_counts(c: Counter[Placement]) -> dict[str, int]:
    return {p.value: c[p] for p in Placement}


def _placement_shares(c: Counter[Placement]) -> dict[str, float | None]:
    total = sum(c.values())
    return {p.value: share(c[p], total) for p in Placement}


@dataclass(slots=True)
class _Tally:
    """What the summarise step counts over the periods of care, before the summary is made."""

    counts: dict[str, _YearCounts] = field(default_factory=lambda: defaultdict(_YearCounts))
    band_spells: dict[str, tuple[list[float], list[bool]]] = field(
        default_factory=lambda: {b: ([], []) for b in AGE_BANDS}
    )
    all_spells: tuple[list[float], list[bool]] = field(default_factory=lambda: ([], []))
    home_followed: int = 0
    home_gaps: list[float] = field(default_factory=list)  # days home to the next period, <= 12m
    children: int = 0
    no_birth: int = 0
    before_birth: int = 0
    rne_not_s: int = 0
    s_within: int = 0


def _tally_exit(
    t: _Tally, p: _Period, later: list[_Period], end_of_data: dt.date, covered: set[str]
) -> None:
    """Count a period's exit in a year supplied, and follow a return home for 12 months."""
    if p.end is None or p.end > end_of_data:
        return
    end_year = financial_year(p.end)
    if end_year not in covered:
        return
    t.counts[end_year].exits[p.exit or Exit.OTHER] += 1
    if p.exit is Exit.RETURNED_HOME and p.end <= twelve_months_before(end_of_data):
        t.home_followed += 1
        back = min((q.start for q in later), default=None)
        if back is not None and twelve_months_before(back) <= p.end:
            t.home_gaps.append(float((back - p.end).days))


def _tally_entry(t: _Tally, p: _Period, earlier: list[_Period], covered: set[str]) -> None:
    """Count a care entry, and whether it came within 12 months of an earlier period's end."""
    start_year = financial_year(p.start)
    y = t.counts[start_year]
    y.entries += 1
    if p.episodes[0].rne != "S":
        t.rne_not_s += 1
    t.s_within += sum(e.rne == "S" for e in p.episodes[1:])
    if previous_year(start_year) in covered:
        y.re_entry_base += 1
        ends = [q.end for q in earlier if q.end is not None]
        if ends and max(ends) >= twelve_months_before(p.start):
            y.re_entries += 1


def _tally_spell(t: _Tally, p: _Period, birth: dt.date | None, end_of_data: dt.date) -> None:
    """Add a period's time in care (censored when open) overall and in its age band at entry."""
    ended = p.end is not None and p.end <= end_of_data
    days = float(((p.end if ended and p.end else end_of_data) - p.start).days)
    t.all_spells[0].append(days)
    t.all_spells[1].append(ended)
    if birth is None:
        t.no_birth += 1
    elif p.start < birth:
        t.before_birth += 1
    else:
        band = age_band(age_in_years(birth, p.start))
        t.band_spells[band][0].append(days)
        t.band_spells[band][1].append(ended)


def _tally_periods(
    history: _History, periods: list[_Period], years: dict[str, list[str]]
) -> _Tally:
    """Count each child's periods of care: exits, returns home, entries, time in care."""
    t = _Tally()
    data_end = {council: year_end(ys[-1]) for council, ys in years.items()}
    covered = {council: set(ys) for council, ys in years.items()}
    by_child: dict[int, list[_Period]] = defaultdict(list)
    for p in periods:
        by_child[p.child].append(p)
    t.children = len(by_child)
    for child, child_periods in by_child.items():
        for k, p in enumerate(child_periods):
            end_of_data = data_end[p.council]
            _tally_exit(t, p, child_periods[k + 1 :], end_of_data, covered[p.council])
            if financial_year(p.start) not in covered[p.council]:
                continue
            _tally_entry(t, p, child_periods[:k], covered[p.council])
            _tally_spell(t, p, history.births.get(child), end_of_data)
    return t


def _period_problems(t: _Tally, problems: ProblemLog) -> None:
    """Report the episodes and headers the tally found wanting."""
    problems.add(
        "episodes",
        "RNE",
        "",
        "first episode of a period of care is not S (started to be looked after)",
        t.rne_not_s,
    )
    problems.add(
        "episodes", "RNE", "S", "S (started to be looked after) within a period of care", t.s_within
    )
    problems.add(
        "header", "DOB", "", "no date of birth: period left out of the age bands", t.no_birth
    )
    problems.add(
        "header",
        "DOB",
        "",
        "care starts before the month of birth: period left out of the age bands",
        t.before_birth,
    )


def _care_years(
    counts: dict[str, _YearCounts], covered: list[set[str]], all_years: list[str]
) -> dict[str, CareYear]:
    """Each collection year's counts; re-entries only where the year before was supplied."""
    by_year: dict[str, CareYear] = {}
    for label in all_years:
        y = counts[label]
        eligible = any(label in cov and previous_year(label) in cov for cov in covered)
        by_year[label] = CareYear(
            year=label,
            care_entries=y.entries,
            re_entries=y.re_entries if eligible else None,
            re_entry_share=share(y.re_entries, y.re_entry_base) if eligible else None,
            exits=frozen_map({x.value: y.exits[x] for x in Exit}),
            exits_total=sum(y.exits.values()),
            looked_after_31_march=sum(y.placements.values()),
            placements_31_march=frozen_map(_placement_counts(y.placements)),
            placement_shares_31_march=frozen_map(_placement_shares(y.placements)),
            uasc_31_march=y.uasc,
        )
    return by_year


def _summarise(
    history: _History, periods: list[_Period], years: dict[str, list[str]], problems: ProblemLog
) -> SSDA903Summary:
    """Summarise step: per-year and overall aggregates."""
    t = _tally_periods(history, periods, years)
    _period_problems(t, problems)
    uasc_children = _count_31_march(history, periods, years, t.counts)
    all_years = sorted({y for ys in years.values() for y in ys})
    covered = [set(ys) for ys in years.values()]
    counts = [t.counts[label] for label in all_years]
    exits: Counter[Exit] = Counter()
    placements: Counter[Placement] = Counter()
    for y in counts:
        exits.update(y.exits)
        placements.update(y.placements)
    re_base = sum(y.re_entry_base for y in counts)
    re_n = sum(y.re_entries for y in counts)
    summary = SSDA903Summary(
        layouts=history.layouts,
        collection_years=tuple(all_years),
        councils=len(years),
        children=t.children,
        periods_of_care=len(periods),
        by_year=frozen_map(_care_years(t.counts, covered, all_years)),
        care_entries=sum(y.entries for y in counts),
        re_entries=re_n if re_base else None,
        re_entry_share=share(re_n, re_base),
        exits=frozen_map({x.value: exits[x] for x in Exit}),
        exits_total=sum(exits.values()),
        placement_shares_31_march=frozen_map(_placement_shares(placements)),
        durations_by_age_band=frozen_map(
            {b: DurationSummary.of(*t.band_spells[b]) for b in AGE_BANDS}
        ),
        duration_all_ages=DurationSummary.of(*t.all_spells),
        returns_home=ReturnsHome(t.home_followed, len(t.home_gaps), median(t.home_gaps)),
        uasc_children=uasc_children,
        problems=problems.frozen(),
    )
    log_step(
        logger,
        READER,
        "summarise",
        collection_years=len(all_years),
        care_entries=summary.care_entries,
        exits=summary.exits_total,
        problems=len(summary.problems),
    )
    return summary


def _count_31_march(
    history: _History,
    periods: list[_Period],
    years: dict[str, list[str]],
    counts: dict[str, _YearCounts],
) -> int:
    """Placements and UASC among children looked after on each 31 March; UASC children seen."""
    uasc_seen: set[int] = set()
    for p in periods:
        if p.child in history.uasc:
            uasc_seen.add(p.child)
        for label in years[p.council]:
            census = year_end(label)
            if p.start > census or (p.end is not None and p.end <= census):
                continue
            for e in p.episodes:
                if e.decom <= census and (e.dec is None or e.dec > census):
                    y = counts[label]
                    y.placements[placement_class(e.place, e.provider)] += 1
                    if p.child in history.uasc:
                        ceased = history.uasc[p.child]
                        y.uasc += ceased is None or ceased > census
                    break
    return len(uasc_seen)


def _provider_problems(history: _History, problems: ProblemLog) -> None:
    n = Counter(
        e.provider
        for e in history.episodes
        if PLACE_CODES.get(e.place, (Placement.OTHER,))[0] is None
        and e.provider not in PUBLIC_PROVIDERS | AGENCY_PROVIDERS
    )
    for code, k in n.items():
        problems.add(
            "episodes",
            "PLACE_PROVIDER",
            code or "",
            "foster placement (U4-U6) without an LA or agency provider: counted in-house",
            k,
        )


def read_ssda903(
    paths: Iterable[Path | str | MemoryFile] | Path | str | MemoryFile,
) -> SSDA903Summary:
    """Read a council's SSDA903 returns (files or folders, any layout) into aggregates.

    Parameters
    ----------
    paths
        CSV tables (DfE or regional layout) and/or XML returns, or folders holding them. Several
        years are stitched into one history.

    Returns
    -------
    SSDA903Summary
        counts, shares and durations only.

    Raises
    ------
    CouncilDataError
        when a file cannot be read as SSDA903 (missing column, a value that is not a date, ...);
        the message names the file, table, row and field.
    """
    files = expand_paths(paths, (".csv", ".xml"))
    problems = ProblemLog()
    raw = _read(files)
    _assign_years(raw, problems)
    _dedupe(raw)
    _validate(raw, problems)
    history = _degrade(raw)
    years = _stitch(history, problems)
    _provider_problems(history, problems)
    periods = _derive_periods(history, problems)
    return _summarise(history, periods, years, problems)
