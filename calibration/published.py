"""Published figures and shipped parameter sets for the front ends: which council a name
means and its calibrated set, and the published 31 March figures the charts set beside a
projection."""

from __future__ import annotations

import pandas as pd
import yaml

from calibration.ees import find_area, history
from sim.inputs.scenario import COUNCILS_DIR


def shipped_council(name: str) -> tuple[str, int] | None:
    """A council's calibrated parameter set shipped with the model, if there is one: the name
    a scenario gives it (``council: walsall``) and its children aged 0-17 in the reference year.
    """
    slug = find_area(name).slug
    path = COUNCILS_DIR / f"{slug}.yaml"
    if not path.exists():
        return None
    prov = yaml.safe_load(path.read_text(encoding="utf-8")).get("provenance", {})
    return slug, int(prov["children"])


#: Stocks at 31 March the charts set the published figures beside.
HISTORY_MEASURES = ("looked_after", "cp_plans")


def published_history(council: str | None, population: int, years: int = 5) -> pd.DataFrame:
    """The published 31 March figures of the last ``years`` years, for the charts.

    A council's own counts; with no council (``None``), England's rates per child at
    ``population`` children. Columns: month ("2025-03", as the model's months are labelled),
    measure, value; years a figure is missing or suppressed for are left out.
    """
    hist = history(council or "England").table
    scale = population / hist["population"] if council is None else 1.0
    rows = []
    for year in hist.index[-years:]:
        for m in HISTORY_MEASURES:
            value = hist.at[year, m] * (scale[year] if council is None else scale)
            if pd.notna(value):
                rows.append({"month": f"20{year[-2:]}-03", "measure": m, "value": float(value)})
    return pd.DataFrame(rows, columns=["month", "measure", "value"])
