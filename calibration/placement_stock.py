"""Each council's children looked after at 31 March by placement type, from DfE's table.

DfE publishes, for England and every council, the children looked after at 31 March by type of
placement (Children looked after in England, ``la_cla_on_31_march_by_characteristics``, 31 March
2021 to 2025; shipped as ``data/ees/la_cla_31_march_by_placement_2021_to_2025.csv``, made by
``python -m calibration.placement_stock --derive FILE``). Two uses:

- **A council's own placement mix** (:func:`own_placement_mix`): its children by placement
  group (foster care, children's homes, placed with parents, the rest) at the 31 March that
  ends its reference year, shrunk toward England's with the weight of :data:`SHRINK_CHILDREN`
  children (judgement, as for the exit mix and moves). England's fitted weights, which give
  England's stock by placement at 31 March 2025 (``calibration.fit``), are scaled, group by
  group, by the council's share over England's share then. The placement drawn does not change
  a child's stay, so the council's flows and stock are unchanged; its cost follows.
- **Placement counts for a council's unit costs** (:func:`children_by_cost_line`): its children
  in children's homes and in foster care at 31 March 2024 and 2025, which its RO3 2024-25
  residential and fostering lines pay for (``calibration.unit_costs``).

A cell DfE withholds as small (``c``: 1 to 5 children) counts as :data:`WITHHELD` children.
"""

from __future__ import annotations

import argparse
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from calibration.ees import EES_DIR, Area, count_cell, find_area
from calibration.stock_mix import stock_shares

PLACEMENTS_31_MARCH = EES_DIR / "la_cla_31_march_by_placement_2021_to_2025.csv"
#: The 31 March whose placements England's weights were fitted to (``calibration.fit``).
ENGLAND_FITTED = "2025"
#: Children of England's mix a council's own are pooled with (judgement: a council with 60
#: children looked after is half its own and half England's; Dorset's 437 are 88% its own).
SHRINK_CHILDREN = 60.0
#: Rounds of running the council (:data:`ROUND_REPLICATIONS` runs of :data:`ROUND_CHILDREN`
#: children, three years) and scaling each group by its wanted share over the share its
#: children in care hold, after the first step from England's: a council whose children in
#: care are older than England's holds more of them in the placements teenagers enter (Essex:
#: 22.6% in "other" placements after the first step, against its 18.9%). Three runs a round:
#: a share in one run of 500,000 children moves by a point or two from seed to seed.
ROUNDS = 1
ROUND_CHILDREN = 400_000
ROUND_REPLICATIONS = 3
TOTAL = "Total"
#: DfE's placement types that are the model's placement groups (the rest of the total: other).
GROUP_OF_TYPE = {
    "Foster placements": "foster",
    "Secure homes and children's homes": "residential",
    "Placed with parents or other person with parental responsibility": "placed_with_parents",
}
GROUPS = ("foster", "residential", "placed_with_parents", "other")
#: The model's placement types in each group (as ``calibration.targets.PLACEMENT_GROUPS``).
TYPES_OF_GROUP = {
    "foster": ("kinship_foster", "in_house_foster", "ifa"),
    "residential": ("residential",),
    "placed_with_parents": ("placed_with_parents",),
    "other": ("other",),
}
KEPT_COLUMNS = [
    "time_period",
    "geographic_level",
    "new_la_code",
    "old_la_code",
    "la_name",
    "characteristic",
    "number",
]


@cache
def _table() -> pd.DataFrame:
    return pd.read_csv(PLACEMENTS_31_MARCH, dtype=str, keep_default_na=False)


def _rows(area: Area | None) -> pd.DataFrame:
    t = _table()
    if area is None:
        return t[t.geographic_level == "National"]
    own = t.new_la_code.isin(area.codes) | t.old_la_code.isin(area.codes) | (t.la_name == area.name)
    return t[(t.geographic_level == "Local authority") & own]


def published_year(reference_year: str) -> str | None:
    """The 31 March that ends a reference year ('2024-25': 2025), as DfE's ``time_period``,
    if published."""
    year = str(int(reference_year[:4]) + 1)
    return year if year in set(_table().time_period) else None


def children_by_group(area: Area | None, years: list[str]) -> dict[str, float]:
    """Children looked after by placement group summed over ``years`` (England when ``area``
    is None); ``other`` is the total less the three named groups."""
    t = _rows(area)
    t = t[t.time_period.isin(years)]
    counts = t.assign(n=t.number.map(count_cell)).groupby("characteristic")["n"].sum()
    out = {g: float(counts.get(c, 0.0)) for c, g in GROUP_OF_TYPE.items()}
    out["other"] = max(float(counts.get(TOTAL, 0.0)) - sum(out.values()), 0.0)
    return out


def council_placement_shares(area: Area, reference_year: str) -> dict[str, Any]:
    """The council's shares by placement group at the 31 March ending ``reference_year``,
    England's at the 31 March its weights were fitted to, and the council's shrunk toward
    England's of its own year (each in % of children looked after)."""
    year = published_year(reference_year)
    years = [year] if year else []
    own, england = children_by_group(area, years), children_by_group(None, years)
    fitted = children_by_group(None, [ENGLAND_FITTED])
    n, n_eng = sum(own.values()), sum(england.values())
    eng = {g: england[g] / n_eng for g in GROUPS} if n_eng else {g: 0.0 for g in GROUPS}
    shrunk = {g: (own[g] + SHRINK_CHILDREN * eng[g]) / (n + SHRINK_CHILDREN) for g in GROUPS}
    return {
        "year": f"31 March {year}" if year else None,
        "children": round(n),
        "published_shares": {g: round(100 * own[g] / n, 2) if n else None for g in GROUPS},
        "england_shares": {g: round(100 * eng[g], 2) for g in GROUPS},
        "shares": {g: round(100 * shrunk[g], 2) for g in GROUPS},
        "england_fitted_shares": {
            g: round(100 * fitted[g] / sum(fitted.values()), 2) for g in GROUPS
        },
        "shrink_toward_england_children": SHRINK_CHILDREN,
    }


def own_placement_mix(
    params: dict[str, Any],
    area: Area,
    reference_year: str,
    england_mix: dict[str, list[float]],
    england_uasc: dict[str, float],
) -> dict[str, Any]:
    """Set the council's ``looked_after.placement_mix`` (and its source) from its own children
    at 31 March by placement, and return what the provenance keeps.

    England's fitted weights (``england_mix``, which give England's stock by placement at
    31 March 2025; and ``england_uasc``, unaccompanied children's, as DfE's counts include
    them) are scaled, group by group, by the council's shrunk share over England's share then,
    and in :data:`ROUNDS` more by its share over the share its children in care hold in runs.
    """
    if published_year(reference_year) is None:  # an early back-test year
        return {
            "note": f"none: DfE's placements at 31 March cover 2021 to 2025, not {reference_year}"
        }
    found = council_placement_shares(area, reference_year)
    if not found["children"]:
        return {"note": "none: no children looked after at 31 March published", **found}
    la = params["looked_after"]
    la["placement_mix"] = {t: list(w) for t, w in england_mix.items()}
    la["uasc_placement_mix"] = dict(england_uasc)
    want = found["shares"]
    _scale_groups(la, want, found["england_fitted_shares"])
    for _ in range(ROUNDS if "duration" in la else 0):
        got = stock_shares(
            params, population=ROUND_CHILDREN, replications=ROUND_REPLICATIONS, years=3
        )
        _scale_groups(la, want, got)
    found["scale"] = {
        g: round(_weight(la["placement_mix"], g) / _weight(england_mix, g), 4) for g in GROUPS
    }
    params["sources"]["looked_after.placement_mix"] = (
        f"{area.name}: DfE children looked after at {found['year']} by placement "
        f"({found['children']} children), shrunk toward England's with the weight of "
        f"{SHRINK_CHILDREN:g} children; England's weights (refined by calibration.fit to "
        f"England's placements at 31 March {ENGLAND_FITTED}), each group scaled, at every age "
        "and for unaccompanied children, by the council's share over England's then, and "
        "again by its share over the share its own children in care held in three runs "
        "(calibration.placement_stock)"
    )
    return found


#: What a file's placement source says once :func:`match_own_stock` has scaled it.
MATCHED = "scaled once more on the fitted stays (calibration.placement_stock.match_own_stock)"


def match_own_stock(params: dict[str, Any]) -> dict[str, float] | None:
    """One more round of :func:`own_placement_mix`'s scaling, on a council's fitted parameters:
    its placement weights scaled, group by group, by its own shares at 31 March over the shares
    its children in care hold in :data:`ROUND_REPLICATIONS` runs with its fitted stays. Returns
    the shares the runs held (None for a file without its own placement mix).

    :func:`own_placement_mix` runs before the fit, on the first estimates' stays; a fit that
    moves the stays moves the placements its children in care hold (45 refits on 0.11.1: the
    largest gap to the council's own shares 1.5 points on average before, 1.9 after; Essex's
    foster care 64.1% against its 66.4%). The placement drawn changes no stay, flow or stock,
    so this leaves the fit as it was and moves only where children are placed, and their costs.
    """
    want = params.get("provenance", {}).get("placement_mix", {}).get("shares")
    if not want or "placement_mix" not in params.get("looked_after", {}):
        return None
    got = stock_shares(params, population=ROUND_CHILDREN, replications=ROUND_REPLICATIONS, years=3)
    _scale_groups(params["looked_after"], want, got)
    params["provenance"]["placement_mix"]["held_before_last_scaling"] = {
        g: round(v, 2) for g, v in got.items()
    }
    said = params["sources"].get("looked_after.placement_mix", "").rstrip(".")
    if MATCHED not in said:  # a file matched again says so once
        params["sources"]["looked_after.placement_mix"] = f"{said}; {MATCHED}"
    return got


def _weight(mix: dict[str, list[float]], group: str) -> float:
    return sum(sum(mix[t]) for t in TYPES_OF_GROUP[group]) or 1.0


def _scale_groups(la: dict[str, Any], want: dict[str, float], got: dict[str, float]) -> None:
    """Scale each group's weights, at every age and for unaccompanied children, by its wanted
    share over the share it has."""
    mix, uasc = la["placement_mix"], la["uasc_placement_mix"]
    for g, types in TYPES_OF_GROUP.items():
        k = want[g] / got[g] if got.get(g) else 1.0
        for t in types:
            mix[t] = [round(w * k, 4) for w in mix[t]]
            uasc[t] = round(uasc[t] * k, 4)


#: DfE's placement types whose children each RO3 placement line pays for.
COST_LINE_TYPES = {
    "residential": "Secure homes and children's homes",
    "fostering": "Foster placements",
}
ENGLAND_CODE = "E92000001"


def children_by_cost_line(years: tuple[str, ...] = ("2024", "2025")) -> pd.DataFrame:
    """The children in children's homes and in foster care at each of ``years`` 31 Marches,
    by council code (England as ``E92000001``): columns ``residential_2024`` ...; NaN where
    DfE withholds or does not give the count."""
    t = _table()
    t = t[t.time_period.isin(years) & t.characteristic.isin(COST_LINE_TYPES.values())].copy()
    t["code"] = t.new_la_code.where(t.geographic_level == "Local authority", ENGLAND_CODE)
    line_of = {v: k for k, v in COST_LINE_TYPES.items()}
    t["column"] = t.characteristic.map(line_of) + "_" + t.time_period
    t["n"] = pd.to_numeric(t.number, errors="coerce")
    wide = t.pivot_table(index="code", columns="column", values="n", aggfunc="first")
    columns = [f"{line}_{y}" for line in COST_LINE_TYPES for y in years]
    return wide.reindex(columns=columns)


def derive_table(source: Path) -> pd.DataFrame:
    """The shipped table from DfE's ``la_cla_on_31_march_by_characteristics.csv`` as published
    (or the R data file ``combined_cla_31_march_data.rds`` of DfE's children's social care
    outcomes dashboard, which carries the same rows; needs ``pyreadr``): the rows of placement
    type at 31 March, national and every council, values as published."""
    if source.suffix == ".rds":
        import pyreadr  # only to re-derive the table: pip install pyreadr

        raw = pyreadr.read_r(str(source))[None].rename(columns={"cla_31_march_number": "number"})
    else:
        raw = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    t = raw[(raw["cla_group"] == "Placement")]
    t = t[t["geographic_level"].isin(["National", "Local authority"])]
    t = t[KEPT_COLUMNS].astype(str).replace({"nan": "", "None": "", "<NA>": ""})
    t = t.drop_duplicates().sort_values(["time_period", "geographic_level", "new_la_code"])
    return t.reset_index(drop=True)


def main(argv: list[str] | None = None) -> None:
    """Derive the shipped table, or show a council's shares."""
    ap = argparse.ArgumentParser(prog="python -m calibration.placement_stock")
    ap.add_argument("--derive", type=Path, metavar="FILE", help="DfE's table (.csv) or .rds")
    ap.add_argument("--show", metavar="COUNCIL", help="a council's published and shrunk shares")
    args = ap.parse_args(argv)
    if args.derive is not None:
        t = derive_table(args.derive)
        t.to_csv(PLACEMENTS_31_MARCH, index=False)
        print(f"wrote {PLACEMENTS_31_MARCH.name}: {len(t)} rows")
    if args.show:
        found = council_placement_shares(find_area(args.show), "2024-25")
        for key, value in found.items():
            print(f"{key}: {value}")
    if args.derive is None and not args.show:
        ap.print_help()


if __name__ == "__main__":
    main()
