"""Placement unit costs for England from published outturn, and councils' RO3 lines.

A weekly unit cost is the spend booked on a section 251 line divided by the children in that
placement type, averaged over the financial year, times 52.18 weeks:

    weekly cost = spend / (mean of the two 31 March counts x 52.18)

For 2023-24 the counts are those at 31 March 2023 and 31 March 2024. Spend is split by provider
as s251 splits it: the council's own provision (with other public bodies, which are mostly other
councils) against private and voluntary providers (independent fostering agencies, private and
charity-run children's homes). Children are split the same way in DfE's table of children looked
after at 31 March by placement type and provider: private plus voluntary, and the rest of the
placement type's children (own council, other councils, other public bodies), so no suppressed
cell is needed.

These are average costs, not marginal ones: a line carries every cost booked on it (vacant
places in a council's own homes, secure homes, commissioning, the fostering service's staff),
divided by the children placed at the time.

Each council's RO3 2024-25 spend on looked-after children is set over its own children: its
residential line over its children in children's homes, its fostering line over its children in
foster care (DfE's children at 31 March by placement, ``calibration.placement_stock``) and its
"other" line over all its children looked after, each the mean of its 31 March 2024 and 2025
counts; each against England's the same way.

Run ``python -m calibration.unit_costs`` to write the derived CSVs in ``calibration/data/costs``
(``--ro3 FILE`` re-reads the RO3 workbook, which needs the ``odfpy`` package:
``pip install -e ".[data]"``).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from calibration.council import council_file_costs, write_council_file
from calibration.ees import EES_DIR
from calibration.placement_stock import COST_LINE_TYPES, children_by_cost_line
from sim.inputs.cost_book import COUNCIL_COSTS_CSV
from sim.inputs.scenario import COUNCILS_DIR

COSTS_DIR = Path(__file__).resolve().parent / "data" / "costs"
S251_ENGLAND = COSTS_DIR / "s251_outturn_england_2023-24.csv"
PROVIDER_COUNTS = COSTS_DIR / "national_cla_31_march_by_placement_type_and_provider_2023_2024.csv"
UNIT_COSTS_CSV = COSTS_DIR / "placement_unit_costs_england_2023-24.csv"
RO3_CSV = COSTS_DIR / "ro3_2024-25_childrens_social_care.csv"
#: The year before's lines, for councils with no usable 2024-25 figures (``--ro3-2023-24``).
RO3_2023_24_CSV = COSTS_DIR / "ro3_2023-24_childrens_social_care.csv"
COUNCIL_SPEND_CSV = COSTS_DIR / "council_spend_per_looked_after_child_2024-25.csv"
CLA_COUNTS = EES_DIR / "cla_number_and_rate_per_10k_children.csv"

#: weeks in a year (365.25 / 7, rounded as unit-cost tables do)
WEEKS_PER_YEAR = 52.18
#: s251 provider columns that are the council's own (or another public body's) provision
OWN_SPEND = ("own_provision", "other_public_sector_provision")
#: s251 provider columns that are independent providers
INDEPENDENT_SPEND = ("private_provision", "voluntary_provision")
#: DfE provider labels of independent providers in the placements table
INDEPENDENT_CHILDREN = ("Private provision", "Voluntary/third sector provision")
#: placement types (inside and outside the council's boundary) in the placements table
FOSTER = ("2a. Foster placements", "3a. Foster placements")
HOMES = ("2b. Secure homes and children's homes", "3b. Secure homes and children's homes")
#: the model's "other" placements: supported accommodation, other residential settings,
#: residential schools, other placements, and children placed for adoption (no placement fee)
OTHER = (
    "2c. Independent and semi-independent living arrangements/supported accommodation",
    "2d. Other residential settings",
    "2e. Residential schools",
    "2g. Placed for adoption",
    "3c. Independent and semi-independent living arrangements/supported accommodation",
    "3d. Other residential settings",
    "3e. Residential schools",
    "3g. Placed for adoption",
    "4. Other placement",
)
#: s251 lines
RESIDENTIAL_LINE = "3.1.1 Residential care"
FOSTERING_LINE = "3.1.2 Total fostering services"
OTHER_SERVICES_LINE = "3.1.5 Other children looked after services"


#: s251 lines that pay for social work: the line itself, and all safeguarding services
SOCIAL_WORK_LINE = "3.3.1 Social work (including LA functions in relation to child protection)"
SAFEGUARDING_LINE = "3.3.4 Total Safeguarding Children and Young Peoples Services"
#: DfE's children's social work workforce census (England's rows by 30 September)
WORKFORCE_CENSUS = EES_DIR / "csww_indicators_2017_to_2025.csv"
#: The pay build the cost book used before (salary GBP 42,000 x 1.28 on-costs x 1.15 overheads,
#: with agency at 13% and a GBP 20,000 premium; unverified figures): the low end
SOCIAL_WORKER_PAY_BUILD = 64_424


def social_workers_fte(census_year: int = 2023, path: Path = WORKFORCE_CENSUS) -> float:
    """England's children and family social workers at 30 September ``census_year``, employed
    and agency together, in FTE (DfE workforce census): those the financial year's spend pays."""
    t = pd.read_csv(path, dtype=str)
    row = t[(t["geographic_level"] == "National") & (t["time_period"] == str(census_year))]
    if row.empty:
        raise ValueError(f"the workforce census has no England row for {census_year}")
    return float(row["inpost_fte"].iloc[0]) + float(row["agency_fte"].iloc[0])


def social_worker_cost(s251: pd.DataFrame | None = None) -> dict[str, float | str]:
    """A social worker's cost a year, all in, from England's 2023-24 outturn (DERIVED).

    Central: s251 line 3.3.1 (social work, with the council's child protection functions), total
    expenditure, over the employed and agency FTE at 30 September 2023 (mid-year). High: all
    safeguarding services (3.3.4, with commissioning and the safeguarding partnership) over the
    same FTE. Low: the pay build the cost book used before (unverified figures). The line
    carries team managers, admin and child protection chairs beside the social workers; the
    census counts social workers whose pay other lines carry too (children in care, disabled
    children), so the two biases pull opposite ways.
    """
    s251 = read_s251() if s251 is None else s251
    fte = social_workers_fte(2023)
    line = float(s251.loc[SOCIAL_WORK_LINE, "total_expenditure"])
    total = float(s251.loc[SAFEGUARDING_LINE, "total_expenditure"])
    return {
        "value": round(line / fte),
        "low": SOCIAL_WORKER_PAY_BUILD,
        "high": round(total / fte),
        "spend_gbp": line,
        "fte": fte,
    }


def average_children(at_start: float, at_end: float) -> float:
    """Children in a placement over a financial year: the mean of its two 31 March counts."""
    return (at_start + at_end) / 2


def weekly_unit_cost(spend_gbp: float, at_start: float, at_end: float) -> float:
    """Spend on a line over a year divided by child-weeks in the placements it pays for."""
    children = average_children(at_start, at_end)
    if children <= 0:
        raise ValueError(f"no children to divide the spend by (got {at_start}, {at_end})")
    return spend_gbp / (children * WEEKS_PER_YEAR)


def read_s251(path: Path = S251_ENGLAND) -> pd.DataFrame:
    """England's s251 outturn rows, one per line (``3.1.1 Residential care`` ...), in GBP."""
    return pd.read_csv(path).set_index("description_of_expenditure")


def read_placements(path: Path = PROVIDER_COUNTS) -> pd.DataFrame:
    """Children at 31 March by year, placement type and provider; suppressed cells missing."""
    t = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    t["number"] = pd.to_numeric(t["number"], errors="coerce")
    t["time_period"] = t["time_period"].astype(int)
    return t


def children(placements: pd.DataFrame, year: int, types: tuple[str, ...], independent: bool | None):
    """Children at 31 March ``year`` in ``types``: all of them (``independent=None``), those
    with private or voluntary providers (True), or the rest (False: own council, other councils,
    other public bodies, found as all minus independent)."""
    t = placements[(placements["time_period"] == year) & placements["placement_type"].isin(types)]
    total = t.loc[t["placement_provider"] == "All children", "number"].sum()
    indep = t.loc[t["placement_provider"].isin(INDEPENDENT_CHILDREN), "number"].sum()
    return {None: total, True: indep, False: total - indep}[independent]


@dataclass(frozen=True)
class Derivation:
    """One derived unit cost: what was divided by what."""

    item: str
    line: str
    providers: str
    spend_gbp: float
    children_start: float
    children_end: float

    @property
    def weekly_gbp(self) -> float:
        return weekly_unit_cost(self.spend_gbp, self.children_start, self.children_end)


def _spend(s251: pd.DataFrame, line: str, columns: tuple[str, ...] | None) -> float:
    row = s251.loc[line]
    return float(row["total_expenditure"] if columns is None else sum(row[c] for c in columns))


def england_derivations(
    s251: pd.DataFrame, placements: pd.DataFrame, year: int = 2024
) -> list[Derivation]:
    """Each placement unit cost s251 supports, for the financial year ending 31 March ``year``."""
    spec = [
        ("placement_in_house_foster", FOSTERING_LINE, FOSTER, False),
        ("placement_ifa", FOSTERING_LINE, FOSTER, True),
        ("placement_residential_la", RESIDENTIAL_LINE, HOMES, False),
        ("placement_residential_private", RESIDENTIAL_LINE, HOMES, True),
        ("fostering_all_providers", FOSTERING_LINE, FOSTER, None),
        ("residential_all_providers", RESIDENTIAL_LINE, HOMES, None),
        ("placement_other", OTHER_SERVICES_LINE, OTHER, None),
    ]
    columns = {False: OWN_SPEND, True: INDEPENDENT_SPEND, None: None}
    names = {False: "own council and other public", True: "private and voluntary", None: "all"}
    return [
        Derivation(
            item=item,
            line=line,
            providers=names[indep],
            spend_gbp=_spend(s251, line, columns[indep]),
            children_start=children(placements, year - 1, types, indep),
            children_end=children(placements, year, types, indep),
        )
        for item, line, types, indep in spec
    ]


def share_independent_homes(placements: pd.DataFrame, year: int = 2024) -> float:
    """Share of children in children's homes whose home is run by a private or voluntary
    provider, averaged over the two 31 March counts."""
    indep = average_children(*(children(placements, y, HOMES, True) for y in (year - 1, year)))
    total = average_children(*(children(placements, y, HOMES, None) for y in (year - 1, year)))
    return indep / total


def derivations_frame(derivations: list[Derivation]) -> pd.DataFrame:
    """The derivations as a table with the arithmetic's inputs and result."""
    return pd.DataFrame(
        {
            "item": d.item,
            "s251_line": d.line,
            "providers": d.providers,
            "spend_gbp": round(d.spend_gbp),
            "children_31_march_2023": d.children_start,
            "children_31_march_2024": d.children_end,
            "children_average": average_children(d.children_start, d.children_end),
            "weekly_gbp": round(d.weekly_gbp, 2),
            "yearly_gbp": round(d.weekly_gbp * WEEKS_PER_YEAR),
        }
        for d in derivations
    )


#: RO3 lines kept per council (column stems in the published workbook), and their short names
RO3_LINES = {
    "Children's social care - Children Looked After - ": "children_looked_after",
    "Children's social care - Children Looked After of which residential care - ": "residential",
    "Children's social care - Children Looked After of which fostering services - ": "fostering",
    "Children's social care - Children Looked After of which asylum seeking children who are "
    "looked after - ": "asylum_seeking_children",
    "Children's social care - Children Looked After of which other - ": "other",
    "Children's social care - Family Support Services - ": "family_support",
    "Children's social care: Safeguarding children and young people’s services - ": "safeguarding",
    "TOTAL CHILDREN SOCIAL CARE - ": "total_childrens_social_care",
}


def read_ro3(path: Path) -> pd.DataFrame:
    """Each council's RO3 2024-25 children's social care lines, total expenditure (C3), in
    GBP thousand, from the workbook as published (needs ``odfpy``). Codes ([x] not received,
    [z] not collected) become missing values."""
    raw = pd.read_excel(path, engine="odf", sheet_name="RO3_LA_Data_202425", header=6)
    raw = raw[raw["Class"].notna() & (raw["Class"] != "Class")]
    keep = raw[["E-code", "ONS Code", "Local authority", "Class"]].rename(
        columns={"E-code": "e_code", "ONS Code": "ons_code", "Local authority": "name"}
    )
    keep = keep.rename(columns={"Class": "class"})
    for stem, short in RO3_LINES.items():
        keep[f"{short}_gbp_thousand"] = pd.to_numeric(
            raw[f"{stem}Total Expenditure (C3 = C1 + C2)"], errors="coerce"
        )
    # councils with children's services (and England), without the class subtotal rows
    councils = keep["class"].isin(["LB", "MD", "UA", "SC"]) & keep["ons_code"].str.len().eq(9)
    return keep[councils | (keep["class"] == "Eng")].reset_index(drop=True)


def read_ro3_2023_24(path: Path) -> pd.DataFrame:
    """The same lines from the RO3 2023-24 workbook as published (needs ``odfpy``), whose
    layout differs: each line's name heads its group of columns on the row above the column
    names, and its total expenditure (C3) is the group's third column."""
    raw = pd.read_excel(path, engine="odf", sheet_name="RO3_LA_Data_2023-24", header=None)
    names, body = raw.iloc[10], raw.iloc[12:]
    keep = pd.DataFrame(
        {
            "e_code": body[0],
            "ons_code": body[1],
            "name": body[2],
            "class": body[4],
        }
    )
    for stem, short in RO3_LINES.items():
        heading = stem.removesuffix(" - ").replace("’", "'").lower()
        column = next(
            j
            for j, v in names.items()
            if isinstance(v, str)
            and v.split(" [note")[0].replace("’", "'").strip().lower() == heading
        )
        keep[f"{short}_gbp_thousand"] = pd.to_numeric(body[column + 2], errors="coerce")
    councils = keep["class"].isin(["LB", "MD", "UA", "SC"]) & keep["ons_code"].str.len().eq(9)
    return keep[councils | (keep["class"] == "Eng")].reset_index(drop=True)


def council_ro3() -> dict[str, pd.DataFrame]:
    """The shipped RO3 lines of each outturn year, newest first."""
    return {"2024-25": pd.read_csv(RO3_CSV), "2023-24": pd.read_csv(RO3_2023_24_CSV)}


def looked_after_at_31_march(path: Path = CLA_COUNTS) -> pd.DataFrame:
    """Children looked after at 31 March by council code (``new_la_code``) and year."""
    t = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    t = t[t["population_type"] == "Children looked after on 31 March each year"]
    t = t[t["geographic_level"].isin(["Local authority", "National"])].copy()
    t["code"] = (
        t["new_la_code"]
        .fillna(t["country_code"])
        .where(t["geographic_level"] == "Local authority", t["country_code"])
    )
    t["children"] = pd.to_numeric(t["children_count"], errors="coerce")
    return t.pivot_table(index="code", columns="time_period", values="children", aggfunc="sum")


def council_spend_per_child(ro3: pd.DataFrame, looked_after: pd.DataFrame) -> pd.DataFrame:
    """Each council's RO3 2024-25 spend per looked-after child a week: line 13 (all spend on
    looked-after children) and lines 16 + 17 (residential care and fostering), each over the
    mean of its children looked after at 31 March 2024 and 2025, x 52.18. Missing where the
    council made no return or a count is suppressed."""
    t = ro3[["ons_code", "name", "class"]].copy()
    counts = looked_after.reindex(t["ons_code"])
    t["looked_after_31_march_2024"] = counts["2024"].to_numpy()
    t["looked_after_31_march_2025"] = counts["2025"].to_numpy()
    child_weeks = (
        average_children(t["looked_after_31_march_2024"], t["looked_after_31_march_2025"])
        * WEEKS_PER_YEAR
    )
    spend = ro3["children_looked_after_gbp_thousand"] * 1000
    homes_fostering = (ro3["residential_gbp_thousand"] + ro3["fostering_gbp_thousand"]) * 1000
    t["ro3_line_13_gbp"] = spend.round()
    t["ro3_lines_16_17_gbp"] = homes_fostering.round()
    t["weekly_gbp_line_13"] = (spend / child_weeks).round(2)
    t["weekly_gbp_lines_16_17"] = (homes_fostering / child_weeks).round(2)
    few = child_weeks < 10 * WEEKS_PER_YEAR
    t.loc[few, ["weekly_gbp_line_13", "weekly_gbp_lines_16_17"]] = float("nan")
    t["note"] = _notes(t, spend.isna(), few)
    return t


def _notes(t: pd.DataFrame, no_return: pd.Series, few: pd.Series) -> list[str]:
    """Why a council's figure is missing or should not be read as a unit cost."""
    england = t.loc[t["class"] == "Eng", "weekly_gbp_line_13"]
    low = t["weekly_gbp_line_13"] < 0.1 * (england.iloc[0] if len(england) else 0)
    notes = []
    for n, f, lo in zip(no_return, few, low, strict=True):
        if n:
            notes.append("no RO3 return for 2024-25")
        elif f:
            notes.append("fewer than 10 children looked after: no cost per child")
        elif lo:
            notes.append("line 13 under a tenth of England's per child: spend booked elsewhere")
        else:
            notes.append("")
    return notes


#: the RO3 lines whose spend per looked-after child scales a council's placement costs
COUNCIL_LINES = ("residential", "fostering", "other")
#: a council's spend per looked-after child on a line, over England's, outside these bounds is
#: taken as booked differently (a children's trust, a return in another form), not as its cost
PLAUSIBLE_FACTOR = (1 / 3, 3.0)


def council_codes(folder: Path = COUNCILS_DIR) -> dict[str, list[str]]:
    """Each shipped council's file name and the codes its parameter file was fitted to."""
    out = {}
    for f in sorted(folder.glob("*.yaml")):
        provenance = yaml.safe_load(f.read_text(encoding="utf-8")).get("provenance", {})
        out[f.stem] = [str(c) for c in provenance.get("codes", [])]
    return out


#: The outturn years a council's placement costs come from, newest first: each with the two
#: 31 Marches its children are counted at. A council with no usable figures for the first
#: (no return, its lines missing or booked elsewhere) takes the next, against England's of the
#: same year, so the factor carries no price change.
OUTTURN_YEARS = {"2024-25": ("2024", "2025"), "2023-24": ("2023", "2024")}


def council_placement_costs(
    ro3: dict[str, pd.DataFrame],
    looked_after: pd.DataFrame,
    codes: dict[str, list[str]],
    placed: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Each shipped council's placement costs relative to England's, from its own outturn.

    ``ro3``: each outturn year's RO3 lines (``OUTTURN_YEARS``; 2024-25 first). For each RO3
    line the council's spend a week per child it pays for, over England's the same year: the
    factor that scales England's placement costs on that line. Line 16 (residential care) pays
    for children in children's homes and line 17 (fostering services) for children in foster
    care, counted at the two 31 Marches around the year (``placed``: DfE's children at 31 March
    by placement, :func:`calibration.placement_stock.children_by_cost_line`); line 19 (other)
    for all children looked after, since most of it pays for services across them and for
    children who have left care. Where DfE withholds a council's count, or it is under
    :data:`MIN_PLACED` children, the line goes over all its children looked after (England's
    mix), as the note says. A line whose factor is missing, zero or outside
    :data:`PLAUSIBLE_FACTOR` keeps England's costs (factor 1) with the reason in ``note``; a
    council keeps England's costs altogether (``status`` national) when residential care or
    fostering does, unless an earlier year's outturn is usable.
    """
    placed = placed or {y: children_by_cost_line(OUTTURN_YEARS[y]) for y in ro3}
    by_year = {}
    for year, frame in ro3.items():
        per_child = _per_child_by_line(frame, looked_after, placed[year], OUTTURN_YEARS[year])
        england = per_child.loc[per_child["class"] == "Eng"].iloc[0]
        by_year[year] = (per_child.set_index("ons_code"), england)
    rows = []
    for council, its_codes in codes.items():
        tried = []
        for year, (by_code, england) in by_year.items():
            code = next((c for c in its_codes if c in by_code.index), None)
            tried.append(_council_row(council, code, by_code, england, year))
            if tried[-1]["status"] != "national" or "fewer than 10" in tried[-1]["note"]:
                break
        rows.append(_earlier(tried))
    return pd.DataFrame(rows)


def _earlier(tried: list[dict]) -> dict:
    """The row of the first year with usable figures, saying why the newer ones were not."""
    row = tried[-1]
    if len(tried) == 1 or row["status"] == "national":
        return tried[0]
    why = "; ".join(r["note"].removesuffix("; England's costs") for r in tried[:-1])
    note = f"{why}, so its RO3 {row['outturn_year']} outturn" + (
        f" ({row['note']})" if row["note"] else ""
    )
    return row | {"note": note}


#: Fewer children in a placement type than this at either 31 March: the line goes over all
#: the council's children looked after instead (judgement: a handful of children makes a
#: cost per child that one placement can double).
MIN_PLACED = 5


def _per_child_by_line(
    ro3: pd.DataFrame, looked_after: pd.DataFrame, placed: pd.DataFrame, years: tuple[str, str]
) -> pd.DataFrame:
    t = ro3[["ons_code", "name", "class"]].copy()
    counts = looked_after.reindex(t["ons_code"])
    t["looked_after_at_end"] = counts[years[1]].to_numpy()
    # a council formed during the year (Cumberland, April 2023) had none at its start: its
    # children at the end stand for the year
    start = pd.Series(counts[years[0]].to_numpy(), index=t.index)
    formed = ~(start > 0) & (t["looked_after_at_end"] > 0)
    t["looked_after_at_start"] = start.where(~formed, t["looked_after_at_end"])
    all_weeks = (
        average_children(t["looked_after_at_start"], t["looked_after_at_end"]) * WEEKS_PER_YEAR
    )
    in_type = placed.reindex(t["ons_code"])
    for line in COUNCIL_LINES:
        t[f"ro3_{line}_gbp"] = (ro3[f"{line}_gbp_thousand"] * 1000).round()
        t[f"weekly_{line}_per_looked_after_child"] = (t[f"ro3_{line}_gbp"] / all_weeks).round(2)
        weeks, basis = all_weeks, pd.Series("all looked after", index=t.index)
        if line in COST_LINE_TYPES:
            start, end = (
                pd.Series(in_type[f"{line}_{y}"].to_numpy(), index=t.index) for y in years
            )
            start = start.where(~formed, end)
            t[f"{line}_at_start"], t[f"{line}_at_end"] = start, end
            own = (start >= MIN_PLACED) & (end >= MIN_PLACED)
            weeks = (average_children(start, end) * WEEKS_PER_YEAR).where(own, all_weeks)
            basis = basis.where(~own, COST_LINE_TYPES[line].lower())
        t[f"{line}_child_weeks"] = weeks
        t[f"weekly_{line}_per_child"] = (t[f"ro3_{line}_gbp"] / weeks).round(2)
        t[f"{line}_over"] = basis
    t["ro3_line_13_gbp"] = (ro3["children_looked_after_gbp_thousand"] * 1000).round()
    return t


def _england_weekly(england: pd.Series, line: str, over: str) -> float:
    """England's spend a week on ``line`` per child on the same basis as a council's."""
    if over == "all looked after":
        return float(england[f"weekly_{line}_per_looked_after_child"])
    return float(england[f"weekly_{line}_per_child"])


def _council_row(
    council: str, code: str | None, by_code: pd.DataFrame, england: pd.Series, year: str
) -> dict:
    row: dict = {"council": council, "ons_code": code or "", "outturn_year": year}
    if code is None:
        return {
            **row,
            "name": council,
            "status": "national",
            "provenance": "",
            "note": f"no RO3 {year} row for this council's codes",
        } | _ones()
    r = by_code.loc[code]
    row["name"] = r["name"]
    for col in ("looked_after_at_start", "looked_after_at_end"):
        row[col] = r[col]
    reasons = []
    if pd.isna(r["ro3_line_13_gbp"]):
        reasons.append(f"no RO3 return for {year}")
    elif min(r["looked_after_at_start"], r["looked_after_at_end"]) < 10:
        reasons.append("fewer than 10 children looked after")
    for line in COUNCIL_LINES:
        if line in COST_LINE_TYPES:
            row[f"{line}_at_start"] = r[f"{line}_at_start"]
            row[f"{line}_at_end"] = r[f"{line}_at_end"]
        row[f"ro3_{line}_gbp"] = r[f"ro3_{line}_gbp"]
        own = r[f"weekly_{line}_per_child"]
        row[f"weekly_{line}_per_child"] = own
        row[f"{line}_over"] = r[f"{line}_over"]
        k = own / _england_weekly(england, line, r[f"{line}_over"])
        usable = not reasons and pd.notna(k) and PLAUSIBLE_FACTOR[0] <= k <= PLAUSIBLE_FACTOR[1]
        if not reasons and not usable:
            reasons.append(
                f"{line} line missing"
                if pd.isna(k)
                else f"{line} line {k:.2f} x England's per child, outside "
                f"{PLAUSIBLE_FACTOR[0]:.2f} to {PLAUSIBLE_FACTOR[1]:.0f} x: booked elsewhere "
                "(a children's trust, another council or another line)"
            )
        row[f"factor_{line}"] = round(float(k), 4) if usable else 1.0
    national = bool(reasons) and (
        not any(row.get(f"factor_{line}", 1.0) != 1.0 for line in ("residential", "fostering"))
        or any(not r.startswith("other") for r in reasons)
    )
    row["status"] = "national" if national else "own"
    if national:
        row |= _ones()
    row["note"] = "; ".join(reasons) + ("; England's costs" if national else "")
    if not national and reasons:
        row["note"] = "; ".join(reasons) + ": England's cost on that line"
    row["provenance"] = _provenance(r, year)
    booked_elsewhere = national and all("booked elsewhere" in why for why in reasons)
    if booked_elsewhere or (national and any(" line missing" in why for why in reasons)):
        row = _whole_council(row, r, england, reasons)
    return row


def _provenance(r: pd.Series, year: str) -> str:
    """What each of a council's lines was divided by, in words."""
    words = {
        "secure homes and children's homes": ("children in children's homes", "residential"),
        "foster placements": ("children in foster care", "fostering"),
        "all looked after": ("children looked after", "looked_after"),
    }
    start, end = OUTTURN_YEARS[year]
    parts = []
    for line, number in zip(COUNCIL_LINES, (16, 17, 19), strict=True):
        who, column = words[r[f"{line}_over"]]
        counts = f"{r[f'{column}_at_start']:.0f}, {r[f'{column}_at_end']:.0f}"
        parts.append(f"line {number} over its {who} at 31 March {start} and {end} ({counts})")
    return (
        f"RO3 {year} (C3 total expenditure) " + "; ".join(parts) + "; DfE children looked "
        "after at 31 March by placement; each against England's the same way"
    )


def _whole_council(row: dict, r: pd.Series, england: pd.Series, reasons: list[str]) -> dict:
    """A council whose lines are booked differently from England's (a children's trust that
    books placements under "other", a line missing) but whose three lines together are its
    looked-after spend: one factor on every line (``status`` own total), its three lines over
    what England's spend per child would come to on its own children by placement, when that
    is plausible; else the row as it was."""
    ours = float(np.nansum([r[f"ro3_{line}_gbp"] for line in COUNCIL_LINES]))
    theirs = sum(
        _england_weekly(england, line, r[f"{line}_over"]) * r[f"{line}_child_weeks"]
        for line in COUNCIL_LINES
    )
    k = ours / theirs if theirs > 0 else float("nan")
    if not (PLAUSIBLE_FACTOR[0] <= k <= PLAUSIBLE_FACTOR[1]):
        return row
    return row | {
        **{f"factor_{line}": round(k, 4) for line in COUNCIL_LINES},
        "status": "own total",
        "note": "; ".join(reasons) + f": the three lines together, {k:.2f} x what England's "
        "spend per child comes to on its children by placement, on every line",
        "provenance": row["provenance"].replace(
            "each against England's the same way",
            "their total against England's spend per child on the same children",
        ),
    }


def _ones() -> dict[str, float]:
    return {f"factor_{line}": 1.0 for line in COUNCIL_LINES}


def factor_spread(table: pd.DataFrame, q: tuple[float, float] = (0.1, 0.9)) -> pd.DataFrame:
    """The 10th and 90th percentiles of councils' factors on each line (councils with their
    own costs): the spread that gives England's placement costs their ranges."""
    own = table[table["status"] == "own"]
    return pd.DataFrame(
        {
            line: own[f"factor_{line}"][own[f"factor_{line}"] != 1.0].quantile(list(q))
            for line in COUNCIL_LINES
        }
    )


def write_into_council_files(table: pd.DataFrame, folder: Path = COUNCILS_DIR) -> int:
    """Each council file's ``provenance.placement_costs``: its row of ``table`` (the cost book
    reads the table; the file carries the same figures with what they were computed from)."""
    rows = table.set_index("council")
    files = [f for f in sorted(folder.glob("*.yaml")) if f.stem in rows.index]
    for f in files:
        params = yaml.safe_load(f.read_text(encoding="utf-8"))
        params["provenance"]["placement_costs"] = council_file_costs(rows.loc[f.stem])
        params["_population"] = params["provenance"].get("children", "n/a")
        write_council_file(params, f)
    return len(files)


def main(argv: list[str] | None = None) -> None:
    """Write the derived England unit costs and, given the RO3 workbook, each council's lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ro3", type=Path, help="RO3_LA_Data_2024-25_data_by_LA.ods as published")
    parser.add_argument("--ro3-2023-24", type=Path, help="RO3_2023-24_data_by_LA.ods as published")
    args = parser.parse_args(argv)
    rows = england_derivations(read_s251(), read_placements())
    derivations_frame(rows).to_csv(UNIT_COSTS_CSV, index=False)
    print(f"wrote {UNIT_COSTS_CSV.name}")
    if args.ro3 is not None:
        read_ro3(args.ro3).to_csv(RO3_CSV, index=False)
        print(f"wrote {RO3_CSV.name}")
    if args.ro3_2023_24 is not None:
        read_ro3_2023_24(args.ro3_2023_24).to_csv(RO3_2023_24_CSV, index=False)
        print(f"wrote {RO3_2023_24_CSV.name}")
    per_child = council_spend_per_child(pd.read_csv(RO3_CSV), looked_after_at_31_march())
    per_child.to_csv(COUNCIL_SPEND_CSV, index=False)
    print(f"wrote {COUNCIL_SPEND_CSV.name}")
    table = council_placement_costs(council_ro3(), looked_after_at_31_march(), council_codes())
    table.to_csv(COUNCIL_COSTS_CSV, index=False)
    print(f"wrote {COUNCIL_COSTS_CSV.name}: {(table['status'] == 'own').sum()} councils' own costs")
    n = write_into_council_files(pd.read_csv(COUNCIL_COSTS_CSV))
    print(f"wrote the placement costs into {n} council files")
    print("spread of councils' factors (10th, 90th percentile):")
    print(factor_spread(table).round(3).to_string())


if __name__ == "__main__":
    main()
