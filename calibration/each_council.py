"""Work over every shipped council file: refresh each in place, or check each into a table.

:func:`refresh_each` rewrites part of every council file from published tables (their exit mix
and moves, their workforce) without a refit. :func:`row_each` writes one row per council to a
CSV as each is done, every row with the same columns, so an interrupted run resumes where it
stopped (councils already in the file are skipped) and a council that cannot be checked gets a
note instead of figures.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from calibration.england import PARAMS_FILE
from sim.inputs.scenario import COUNCILS_DIR


def refresh_each(folder: Path, refresh: Callable[[Path, dict[str, Any]], object]) -> int:
    """Call ``refresh(file, england_parameters)`` on every council file in ``folder``; returns
    how many there were."""
    england = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    files = sorted(folder.glob("*.yaml"))
    for f in files:
        refresh(f, england)
    return len(files)


def row_each(
    out: Path,
    key: str,
    columns: list[str],
    row_for: Callable[[str], Mapping[str, Any]],
    *,
    errors: tuple[type[Exception], ...],
    shown: str,
    folder: Path = COUNCILS_DIR,
) -> pd.DataFrame:
    """``row_for(file name)`` for every council file in ``folder`` not yet in ``out`` (by its
    ``key`` column), appended to ``out`` as each is done with ``columns``; a council whose row
    raises one of ``errors`` gets ``note: not checked: ...``. Prints each council's ``shown``
    figure as it goes; returns the whole table."""
    done = set(pd.read_csv(out)[key]) if out.exists() else set()
    todo = [f.stem for f in sorted(folder.glob("*.yaml")) if f.stem not in done]
    for i, slug in enumerate(todo, 1):
        try:
            row: dict[str, Any] = {key: slug, **row_for(slug)}
        except errors as exc:
            row = {key: slug, "note": f"not checked: {exc}"}
        frame = pd.DataFrame([row]).reindex(columns=columns)  # every row the same columns
        frame.to_csv(out, mode="a", header=not out.exists(), index=False)
        print(f"[{i}/{len(todo)}] {slug}: {row.get(shown, row.get('note'))}", flush=True)
    return pd.read_csv(out)
