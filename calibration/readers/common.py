"""Steps shared by the council data readers: errors, dates, years, problems and survival times.

Nothing here keeps a child's identifier, date of birth or postcode. Error messages name the file,
table, row and field; they show an offending value only when the field cannot identify a child.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

logger = logging.getLogger(__name__)

#: Age bands at entry to care, in whole years (the model's and DfE's CLA tables' bands).
AGE_BANDS: tuple[str, ...] = ("0", "1-4", "5-9", "10-15", "16+")

DATE_FORMATS = "dd/mm/yyyy or yyyy-mm-dd"


class CouncilDataError(ValueError):
    """A council's file is not in the form the reader expects; the message says where and why."""


def location(file: str, table: str, row: int | str | None = None, field: str | None = None) -> str:
    """``'episodes.csv: table episodes, row 17, field DECOM'`` (the parts that are known)."""
    parts = [table if table.startswith("sheet ") else f"table {table}"]
    if row is not None:
        parts.append(row if isinstance(row, str) else f"row {row}")
    if field is not None:
        parts.append(f"field {field}")
    return f"{file}: " + ", ".join(parts)


# --- dates and years -----------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TIME = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$")


def _date_from_text(text: str) -> dt.date | None:
    if any(mark in text for mark in (" ", "T", "Z", "+")):
        text = _TIME.sub("", text, count=1)
    for pattern, order in ((_DMY, (2, 1, 0)), (_YMD, (0, 1, 2))):
        m = pattern.match(text)
        if m:
            year, month, day = (int(m.group(i + 1)) for i in order)
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    return None


def parse_date(
    value: Any,
    *,
    file: str,
    table: str,
    row: int | str,
    field: str,
    identifying: bool = False,
    required: bool = False,
) -> dt.date | None:
    """A date from a cell in dd/mm/yyyy or yyyy-mm-dd (a trailing time is ignored); blank is None.

    Raises
    ------
    CouncilDataError
        naming file, table, row and field. The value is quoted unless ``identifying`` (a date of
        birth, or the date a UASC status ceased, which is usually an 18th birthday).
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise CouncilDataError(
                f"{location(file, table, row, field)}: blank (expected a date, {DATE_FORMATS})"
            )
        return None
    parsed = _date_from_text(text)
    if parsed is None:
        shown = "the value (not shown: it could identify a child)" if identifying else repr(text)
        raise CouncilDataError(
            f"{location(file, table, row, field)}: {shown} is not a date (expected {DATE_FORMATS})"
        )
    return parsed


def parse_required_date(
    value: Any, *, file: str, table: str, row: int | str, field: str, identifying: bool = False
) -> dt.date:
    """:func:`parse_date` for a field that must not be blank."""
    parsed = parse_date(
        value, file=file, table=table, row=row, field=field, identifying=identifying, required=True
    )
    if parsed is None:  # parse_date raises for a blank required field; this keeps types exact
        raise CouncilDataError(f"{location(file, table, row, field)}: blank (expected a date)")
    return parsed


def financial_year(date: dt.date) -> str:
    """'2019-20' for any date from 1 April 2019 to 31 March 2020 (as ``sim.core.calendar``)."""
    start = date.year if date.month >= 4 else date.year - 1
    return year_label(start)


def year_label(start_year: int) -> str:
    """The financial year starting on 1 April ``start_year``: 2019 -> '2019-20'."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def year_start(label: str) -> dt.date:
    """1 April of the financial year ``label``."""
    return dt.date(int(label[:4]), 4, 1)


def year_end(label: str) -> dt.date:
    """31 March that closes the financial year ``label`` (the collection's reference date)."""
    return dt.date(int(label[:4]) + 1, 3, 31)


def previous_year(label: str) -> str:
    """The financial year before ``label``."""
    return year_label(int(label[:4]) - 1)


def twelve_months_before(date: dt.date) -> dt.date:
    """The same day a year earlier (28 February for 29 February): the DfE's '12 months' window."""
    try:
        return date.replace(year=date.year - 1)
    except ValueError:
        return dt.date(date.year - 1, 2, 28)


def age_in_years(birth: dt.date, on: dt.date) -> int:
    """Completed years of age on ``on``."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def age_band(age: int) -> str:
    """The band of :data:`AGE_BANDS` holding a completed age (16 and over share a band)."""
    if age < 0:
        raise ValueError("age at entry is negative")
    if age == 0:
        return "0"
    if age <= 4:
        return "1-4"
    if age <= 9:
        return "5-9"
    if age <= 15:
        return "10-15"
    return "16+"


def birth_month(birth: dt.date) -> dt.date:
    """Degrade a date of birth to the first of its month (as liia-tools' degrade step does)."""
    return birth.replace(day=1)


# --- survival times ------------------------------------------------------------------------------


def kaplan_meier(
    durations: Sequence[float], observed: Sequence[bool]
) -> tuple[tuple[float, float], ...]:
    """Kaplan-Meier survival curve: ``(t, S(t))`` at each time with at least one ending.

    ``observed[i]`` is False when spell ``i`` was still open at the end of the data (censored).
    A spell censored at ``t`` is still at risk at ``t``, so endings at ``t`` count first.
    """
    if len(durations) != len(observed):
        raise ValueError("durations and observed differ in length")
    pairs = sorted(zip(durations, observed, strict=True), key=lambda p: p[0])
    if pairs and pairs[0][0] < 0:
        raise ValueError("a duration is negative")
    at_risk = len(pairs)
    survival = 1.0
    steps: list[tuple[float, float]] = []
    i = 0
    while i < len(pairs):
        t = pairs[i][0]
        ended = censored = 0
        while i < len(pairs) and pairs[i][0] == t:
            if pairs[i][1]:
                ended += 1
            else:
                censored += 1
            i += 1
        if ended:
            survival *= 1.0 - ended / at_risk
            steps.append((float(t), survival))
        at_risk -= ended + censored
    return tuple(steps)


def km_quantile(durations: Sequence[float], observed: Sequence[bool], q: float) -> float | None:
    """Smallest time by which a share ``q`` of spells has ended (Kaplan-Meier); None if never.

    None when censoring leaves the curve above ``1 - q`` (too few spells observed to end).
    """
    if not 0.0 < q < 1.0:
        raise ValueError("q must lie strictly between 0 and 1")
    for t, s in kaplan_meier(durations, observed):
        if s <= 1.0 - q + 1e-12:
            return t
    return None


@dataclass(frozen=True)
class DurationSummary:
    """Spell lengths in days: how many, how many ended, Kaplan-Meier median and 90th percentile."""

    spells: int
    ended: int
    median_days: float | None
    p90_days: float | None

    @classmethod
    def of(cls, durations: Sequence[float], observed: Sequence[bool]) -> DurationSummary:
        """Summarise spells (open ones censored at the end of the data)."""
        if not durations:
            return cls(0, 0, None, None)
        return cls(
            spells=len(durations),
            ended=sum(bool(o) for o in observed),
            median_days=km_quantile(durations, observed, 0.5),
            p90_days=km_quantile(durations, observed, 0.9),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return to_plain(self)


def median(values: Sequence[float]) -> float | None:
    """Median of plain values; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def share(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 6 places; None when ``whole`` is 0 (no denominator)."""
    return None if whole == 0 else round(part / whole, 6)


# --- problems ------------------------------------------------------------------------------------

_CODE_LIKE = re.compile(r"^(?:[A-Z]{1,3}[0-9]{0,2}[A-Z]?|[0-9]{1,2}[A-Z]?|[A-Z]{4,6})$")
WITHHELD = "<withheld>"


def reportable_code(value: str) -> str:
    """``value`` if it looks like a code; otherwise a placeholder.

    A value in a code field that is not code-like may be an identifier or a date typed in the wrong
    column, so it is never repeated in a problem report.
    """
    return value if _CODE_LIKE.match(value) else WITHHELD


@dataclass(frozen=True)
class Problem:
    """Something in the data a reader could not use as given, and what it did instead."""

    table: str
    field: str
    code: str
    count: int
    note: str

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return to_plain(self)


class ProblemLog:
    """Counts problems by (table, field, code, note) while a reader runs."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str, str, str]] = Counter()

    def add(self, table: str, field: str, code: str, note: str, count: int = 1) -> None:
        """Count ``count`` occurrences; ``code`` passes through :func:`reportable_code`."""
        if count:
            self._counts[(table, field, reportable_code(code) if code else "", note)] += count

    def __len__(self) -> int:
        return sum(self._counts.values())

    def frozen(self) -> tuple[Problem, ...]:
        """The problems found, in a stable order."""
        return tuple(
            Problem(table, field, code, n, note)
            for (table, field, code, note), n in sorted(self._counts.items())
        )


# --- identifiers ---------------------------------------------------------------------------------


class Pseudonyms:
    """Replaces child identifiers by sequence numbers (the degrade step); never shows them."""

    def __init__(self) -> None:
        self._numbers: dict[Hashable, int] = {}

    def __call__(self, key: Hashable) -> int:
        return self._numbers.setdefault(key, len(self._numbers))

    def __len__(self) -> int:
        return len(self._numbers)

    def __repr__(self) -> str:
        return f"Pseudonyms({len(self._numbers)} children)"


# --- files ---------------------------------------------------------------------------------------

_HEADER_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9 _()/?,.'’‘:&-]{0,119}$")
_POSTCODE = re.compile(r"^[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}$")


def shown_header(cell: str) -> str:
    """A header cell fit to quote in an error (a first row of data would not be).

    Withheld: anything with a run of three digits (identifiers, dates) or shaped like a postcode.
    """
    text = cell.strip()
    if _HEADER_LIKE.match(text) and not re.search(r"\d{3}", text) and not _POSTCODE.match(text):
        return text
    return WITHHELD


def describe_columns(columns: Iterable[str]) -> str:
    """Columns found, for error messages; cells that may be data are withheld."""
    shown = [shown_header(c) for c in columns]
    return ", ".join(shown) if shown else "none"


@dataclass(frozen=True)
class MemoryFile:
    """A council's file held in memory (an upload on the dashboard): read like a path, never
    written anywhere. Its bytes are left out of its ``repr``, so no log or error can show them."""

    name: str
    data: bytes = field(repr=False)

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix

    @property
    def stem(self) -> str:
        return PurePosixPath(self.name).stem

    @property
    def parent(self) -> PurePosixPath:
        """Files uploaded together count as one folder (as files of a DfE return's folder do)."""
        return PurePosixPath("(uploaded)")

    def is_file(self) -> bool:
        return True

    def is_dir(self) -> bool:
        return False

    def read_bytes(self) -> bytes:
        return self.data

    def __str__(self) -> str:
        return f"(uploaded)/{self.name}"


#: A council's file as the readers take it: a path on disk or a file held in memory.
Source = Path | MemoryFile


def as_source(p: Path | str | MemoryFile) -> Source:
    """A path (from a string) or a file held in memory, as it is."""
    return p if isinstance(p, MemoryFile) else Path(p)


def opened(source: Source) -> Path | io.BytesIO:
    """What a parser (ElementTree, openpyxl) reads: the path, or the bytes held in memory."""
    return io.BytesIO(source.data) if isinstance(source, MemoryFile) else source


def expand_paths(
    paths: Path | str | MemoryFile | Iterable[Path | str | MemoryFile], suffixes: tuple[str, ...]
) -> list[Source]:
    """Files named directly, then those in named folders with one of ``suffixes`` (sorted);
    files held in memory as they are."""
    if isinstance(paths, str | Path | MemoryFile):
        paths = [paths]
    files: list[Source] = []
    for p in map(as_source, paths):
        if p.is_dir():
            files.extend(sorted(f for f in p.iterdir() if f.suffix.lower() in suffixes))
        elif p.is_file():
            files.append(p)
        else:
            raise CouncilDataError(f"{p.name}: no such file or folder")
    if not files:
        raise CouncilDataError(f"no {' or '.join(suffixes)} files found in the paths given")
    return files


@dataclass(frozen=True)
class CsvTable:
    """A CSV file's upper-cased column names and its kept cells, rows numbered as in a sheet."""

    file: str
    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]


def read_csv(
    path: Source, table: str, keep: Callable[[tuple[str, ...]], Iterable[str]] | None = None
) -> CsvTable:
    """Read a CSV: header row 1, data from row 2; blank rows skipped; UTF-8 or Windows-1252.

    ``keep`` chooses, from the upper-cased header, the columns whose values are kept; the others
    (postcodes, UPNs, names) are dropped as each row is read.

    Raises
    ------
    CouncilDataError
        for an empty file, repeated column names or a row longer than the header.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        logger.info("%s: not UTF-8, read as Windows-1252", path.name)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _parse_csv(path.name, table, reader, keep)
    except csv.Error as err:  # e.g. a NUL byte or an over-long field: not a CSV file at all
        raise CouncilDataError(
            f"{path.name}: table {table}: not a readable CSV file (near line {reader.line_num}: "
            f"{err})"
        ) from None


def _parse_csv(
    file: str,
    table: str,
    reader: Any,
    keep: Callable[[tuple[str, ...]], Iterable[str]] | None,
) -> CsvTable:
    header = next(reader, None)
    if not header or not any(c.strip() for c in header):
        raise CouncilDataError(f"{file}: table {table}: the file is empty (expected a header)")
    columns = tuple(c.strip().upper() for c in header)
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        raise CouncilDataError(
            f"{file}: table {table}: column(s) {describe_columns(repeated)} appear twice"
        )
    kept = set(columns if keep is None else keep(columns))
    picks = [(i, c) for i, c in enumerate(columns) if c in kept]
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
            raise CouncilDataError(
                f"{location(file, table, number)}: {len(cells)} cells but the header has "
                f"{len(columns)} columns"
            )
        rows.append((number, {c: cells[i].strip() if i < len(cells) else "" for i, c in picks}))
    return CsvTable(file, columns, tuple(rows))


def require_columns(table: CsvTable, name: str, required: Sequence[str]) -> None:
    """Raise a :class:`CouncilDataError` naming missing columns and the columns found."""
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise CouncilDataError(
            f"{table.file}: table {name}: missing required column(s) {', '.join(missing)} "
            f"(columns found: {describe_columns(table.columns)})"
        )


def local_name(tag: str) -> str:
    """An XML tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def shown_tag(tag: str) -> str:
    """An XML element name fit to quote in an error (names, unlike cells, are not data)."""
    return tag if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]{0,59}", tag) else WITHHELD


# --- output --------------------------------------------------------------------------------------


def frozen_map(items: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only copy, for mappings held by frozen summaries."""
    return MappingProxyType(dict(items))


def to_plain(value: Any) -> Any:
    """Dataclasses, mappings and tuples to dicts and lists of plain values, for JSON."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def log_step(log: logging.Logger, reader: str, step: str, **counts: int | str) -> None:
    """One line per pipeline step with its counts (never values from the data)."""
    detail = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items())
    log.info("%s %s: %s", reader, step, detail)
