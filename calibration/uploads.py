"""A council's own SSDA903, CIN census and Annex A files, uploaded on the dashboard: read in
memory, calibrated from, and dropped; only aggregates are kept.

The uploaded bytes go to the readers as :class:`calibration.readers.MemoryFile` objects: nothing
is written to disk, and the readers keep no identifier (they count, and report problems by code,
withholding any value that could identify a child). What the dashboard keeps is the calibrated
parameter mapping and what the files set (years, counts, problems): aggregates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from calibration.cli import FILE_NAMES
from calibration.council import QUICK_FIT, calibrate, plain
from calibration.readers import CouncilDataError, MemoryFile

#: What each kind of file may be, by its key in the calibration's provenance.
SUFFIXES = {"ssda903": (".csv", ".xml"), "cin": (".xml",), "annex_a": (".xlsx",)}


@dataclass(frozen=True)
class OwnCalibration:
    """A council calibrated from its own files: the parameters (aggregates), the children, and
    what each file set (years, counts, problems), as the provenance records it."""

    council: str
    params: dict[str, Any]
    population: int
    used: dict[str, Any]


def council_files(uploads: Mapping[str, Iterable[tuple[str, bytes]]]) -> dict[str, Any]:
    """The uploaded files (name, bytes) by kind, as :func:`calibration.council.calibrate` takes
    them; kinds with no file are left out.

    Raises
    ------
    CouncilDataError
        for a file whose kind it cannot be (by its ending), or more than one Annex A workbook.
    """
    files: dict[str, Any] = {}
    for kind, given in uploads.items():
        held = [MemoryFile(name, data) for name, data in given]
        for f in held:
            if f.suffix.lower() not in SUFFIXES[kind]:
                raise CouncilDataError(
                    f"{f.name}: not a {FILE_NAMES[kind]} file (expected "
                    f"{' or '.join(SUFFIXES[kind])})"
                )
        if not held:
            continue
        if kind == "annex_a":
            if len(held) > 1:
                raise CouncilDataError(
                    f"{len(held)} Annex A workbooks: upload one (the latest year's lists)"
                )
            files[kind] = held[0]
        else:
            files[kind] = held
    return files


def calibrate_from_files(
    council: str,
    files: Mapping[str, Any],
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> OwnCalibration:
    """Calibrate ``council`` to its published figures and its own ``files`` (the dashboard's
    quick fit), calling ``progress(done, total)`` after each of the fit's iterations.

    Raises
    ------
    CouncilDataError
        when a file cannot be read (the message names the file, table, row and field).
    """
    total = QUICK_FIT.iterations
    done = 0

    def step(_message: str) -> None:
        nonlocal done
        done += 1
        progress(min(done, total), total)

    params, _ = calibrate(council, **QUICK_FIT.options(), council_files=dict(files), log=step)
    population = int(params.pop("_population"))
    used = params["provenance"].get("council_files", {})
    return OwnCalibration(params["provenance"]["council"], plain(params), population, used)


def what_was_read(used: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A row per kind of file: the years it covers and how much it held."""
    rows = []
    for kind, u in used.items():
        held = u.get("periods_of_care", u.get("episodes"))
        rows.append(
            {
                "file": FILE_NAMES.get(kind, kind),
                "years": ", ".join(u.get("years", [])),
                "held": (
                    f"{held:,} periods of care"
                    if kind == "ssda903"
                    else f"{held:,} CIN episodes"
                    if kind == "cin"
                    else "front-door lists"
                ),
                "problems (rows)": sum(p["rows"] for p in u.get("problems", [])),
            }
        )
    return rows


def problem_rows(used: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every problem the readers met: file, table, field, code, rows and what was done with
    them (codes that could be identifiers are withheld by the readers)."""
    return [
        {
            "file": FILE_NAMES.get(kind, kind),
            "table": p["table"],
            "field": p["field"],
            "code": p["code"],
            "rows": p["rows"],
            "what was done": p["done"],
        }
        for kind, u in used.items()
        for p in u.get("problems", [])
    ]
