"""Ofsted Annex A workbook to aggregates: contacts, early help assessments and referrals a year.

Annex A is the child-level workbook councils prepare for inspections (Lists 1 to 11). This reader
counts rows by financial year from three lists and keeps nothing else: names, identifiers, dates
of birth, postcodes and workers' names are never read into the summary.

=========  ==================================  =============================================
list       counted                             date column (found by header text)
=========  ==================================  =============================================
List 1     contacts                            'Date of Contact'
List 2     early help assessments started      'Assessment start date'
           early help assessments completed    'Assessment completion date'
List 3     referrals                           'Date of Referral'
=========  ==================================  =============================================

Sheets are found by name ('List 1', 'List_1', 'List 1 - Contacts', ...); the header row is the
first of the top ten rows with a child identifier column, matched as liia-tools-pipeline's
``annex_a_pipeline/spec/Annex_A_schema.yml`` matches headers. Annex A usually covers the months
before an inspection, so a year's counts may be partial: ``months_with_data`` says how many
calendar months of the year have any row.

The pipeline (style guide 2.10): **read** (sheet, header row, the date cells only) -> **validate**
(a cell that is not a date raises, naming sheet, row and column) -> **summarise**.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calibration.readers.common import (
    CouncilDataError,
    MemoryFile,
    Problem,
    ProblemLog,
    as_source,
    describe_columns,
    financial_year,
    frozen_map,
    log_step,
    opened,
    parse_date,
    to_plain,
)

logger = logging.getLogger(__name__)
READER = "annex_a"

_SHEET = re.compile(r"\blist[\s_-]*(\d{1,2})\b", re.IGNORECASE)
_CHILD_ID = re.compile(r"\bchild\b.*\b(id|identifier)\b|\b(id|identifier)\b.*\bchild\b", re.I)

#: (list, measure, header pattern, required): the date columns counted.
MEASURES: tuple[tuple[int, str, re.Pattern[str], bool], ...] = (
    (1, "contacts", re.compile(r"date.*contact", re.I), True),
    (2, "early_help_assessments_started", re.compile(r"(assessment.*)?start.*date", re.I), True),
    (
        2,
        "early_help_assessments_completed",
        re.compile(r"complet.*date|date.*complet", re.I),
        False,
    ),
    (3, "referrals", re.compile(r"date.*referral", re.I), True),
)
MEASURE_NAMES = tuple(dict.fromkeys(m[1] for m in MEASURES))


@dataclass(frozen=True)
class AnnexAYear:
    """Counts for one financial year; ``months_with_data`` shows how complete it is."""

    year: str
    contacts: int
    early_help_assessments_started: int
    early_help_assessments_completed: int
    referrals: int
    months_with_data: int

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return to_plain(self)


@dataclass(frozen=True)
class AnnexASummary:
    """Aggregates from an Annex A workbook; no child-level values.

    ``lists_found`` names the lists read; a measure whose list is missing is None in ``totals``.
    """

    lists_found: tuple[int, ...]
    by_year: Mapping[str, AnnexAYear]
    totals: Mapping[str, int | None]
    problems: tuple[Problem, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return to_plain(self)


def _sheets(workbook: Any) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for sheet in workbook.worksheets:
        m = _SHEET.search(sheet.title)
        if m and int(m.group(1)) not in found:
            found[int(m.group(1))] = sheet
    return found


def _rows(sheet: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield number, tuple(row)


def _header(file: str, sheet: Any) -> tuple[int, list[str]]:
    for number, row in _rows(sheet):
        if number > 10:
            break
        cells = ["" if c is None else str(c).strip() for c in row]
        if any(_CHILD_ID.search(c) for c in cells):
            return number, cells
    raise CouncilDataError(
        f"{file}: sheet {sheet.title!r}: no header row with a child identifier column in the "
        "first 10 rows (expected a header such as 'Child Unique ID')"
    )


def _column(file: str, sheet: Any, header: list[str], pattern: re.Pattern[str]) -> int:
    for i, name in enumerate(header):
        if pattern.search(name) and not _CHILD_ID.search(name):
            return i
    raise CouncilDataError(
        f"{file}: sheet {sheet.title!r}: missing required column matching "
        f"{pattern.pattern!r} (columns found: {describe_columns(c for c in header if c)})"
    )


def _read_list(
    file: str, sheet: Any, measures: list[tuple[str, re.Pattern[str], bool]], problems: ProblemLog
) -> dict[str, list[dt.date]]:
    """Read one list's date columns (every other cell is skipped unread)."""
    header_row, header = _header(file, sheet)
    columns: dict[str, int] = {}
    for name, pattern, required in measures:
        try:
            columns[name] = _column(file, sheet, header, pattern)
        except CouncilDataError:
            if required:
                raise
            problems.add(sheet.title, name, "", "column not found: not counted")
    dates: dict[str, list[dt.date]] = {name: [] for name in columns}
    blank: dict[str, int] = defaultdict(int)
    for number, row in _rows(sheet):
        if number <= header_row or not any(c not in (None, "") for c in row):
            continue
        for name, index in columns.items():
            value = row[index] if index < len(row) else None
            parsed = parse_date(
                value, file=file, table=f"sheet {sheet.title}", row=number, field=header[index]
            )
            if parsed is None:
                blank[name] += 1
            else:
                dates[name].append(parsed)
    for name, n in blank.items():
        if name != "early_help_assessments_completed":
            problems.add(sheet.title, header[columns[name]], "", "blank date: row not counted", n)
    return dates


def read_annex_a(path: Path | str | MemoryFile) -> AnnexASummary:
    """Read an Ofsted Annex A workbook (.xlsx) into counts a year.

    Parameters
    ----------
    path
        the workbook.

    Returns
    -------
    AnnexASummary
        contacts (List 1), early help assessments (List 2) and referrals (List 3) a year.

    Raises
    ------
    CouncilDataError
        when the file is not a workbook, a list has no header row or date column, or a date cell
        is not a date; the message names the file, sheet, row and column.
    """
    # openpyxl is slow to import and only Annex A workbooks need it: imported when one is read
    from openpyxl import load_workbook

    path = as_source(path)
    if not path.is_file():
        raise CouncilDataError(f"{path.name}: no such file")
    try:
        workbook = load_workbook(opened(path), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises several types for a file that is not a workbook
        raise CouncilDataError(
            f"{path.name}: not an Excel workbook (.xlsx) ({type(err).__name__})"
        ) from None
    problems = ProblemLog()
    try:
        sheets = _sheets(workbook)
        wanted: dict[int, list[tuple[str, re.Pattern[str], bool]]] = defaultdict(list)
        for number, name, pattern, required in MEASURES:
            wanted[number].append((name, pattern, required))
        dates: dict[str, list[dt.date]] = {}
        for number, measures in wanted.items():
            if number not in sheets:
                problems.add(f"List {number}", "", "", "sheet not found: its measures are None")
                continue
            dates.update(_read_list(path.name, sheets[number], measures, problems))
    finally:
        workbook.close()
    log_step(
        logger,
        READER,
        "read",
        lists=len([n for n in wanted if n in sheets]),
        **{name: len(d) for name, d in dates.items()},
    )
    return _summarise(dates, tuple(sorted(n for n in wanted if n in sheets)), problems)


def _summarise(
    dates: dict[str, list[dt.date]], lists: tuple[int, ...], problems: ProblemLog
) -> AnnexASummary:
    """Summarise step: rows a financial year for each measure."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MEASURE_NAMES, 0))
    months: dict[str, set[int]] = defaultdict(set)
    for name, values in dates.items():
        for d in values:
            label = financial_year(d)
            counts[label][name] += 1
            months[label].add(d.month)
    by_year = {
        label: AnnexAYear(year=label, months_with_data=len(months[label]), **counts[label])
        for label in sorted(counts)
    }
    totals = {name: len(dates[name]) if name in dates else None for name in MEASURE_NAMES}
    summary = AnnexASummary(
        lists_found=lists,
        by_year=frozen_map(by_year),
        totals=frozen_map(totals),
        problems=problems.frozen(),
    )
    log_step(logger, READER, "summarise", years=len(by_year), problems=len(summary.problems))
    return summary
