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

Each council's RO3 2024-25 spend on looked-after children is set over its own children looked
after (the mean of its 31 March 2024 and 2025 counts): spend per looked-after child a week, all
placement types together, since the shipped DfE tables do not give councils' children at
31 March by placement type.

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

from calibration.ees import EES_DIR
from sim.inputs.cost_book import COUNCIL_COSTS_CSV
from sim.inputs.scenario import COUNCILS_DIR

COSTS_DIR = Path(__file__).resolve().parent / "data" / "costs"
S251_ENGLAND = COSTS_DIR / "s251_outturn_england_2023-24.csv"
PROVIDER_COUNTS = COSTS_DIR / "national_cla_31_march_by_placement_type_and_provider_2023_2024.csv"
UNIT_COSTS_CSV = COSTS_DIR / "placement_unit_costs_england_2023-24.csv"
RO3_CSV = COSTS_DIR / "ro3_2024-25_childrens_social_care.csv"
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


def council_placement_costs(
    ro3: pd.DataFrame, looked_after: pd.DataFrame, codes: dict[str, list[str]]
) -> pd.DataFrame:
    """Each shipped council's placement costs relative to England's, from its own outturn.

    For each RO3 2024-25 line (16 residential care, 17 fostering services, 19 other), the
    council's spend per looked-after child a week (the line over the mean of its children looked
    after at 31 March 2024 and 2025, x 52.18) over England's: the factor that scales England's
    placement costs on that line. The council's placement mix is taken as England's (the DfE
    tables shipped give councils' children at 31 March by placement type only in total), so the
    factor is the council's own line over its children estimated in that placement type.
    A line whose factor is missing, zero or outside :data:`PLAUSIBLE_FACTOR` keeps England's
    costs (factor 1) with the reason in ``note``; a council keeps England's costs altogether
    (``status`` national) when residential care or fostering does.
    """
    per_child = _per_child_by_line(ro3, looked_after)
    england = per_child.loc[per_child["class"] == "Eng"].iloc[0]
    by_code = per_child.set_index("ons_code")
    rows = []
    for council, its_codes in codes.items():
        code = next((c for c in its_codes if c in by_code.index), None)
        rows.append(_council_row(council, code, by_code, england))
    return pd.DataFrame(rows)


def _per_child_by_line(ro3: pd.DataFrame, looked_after: pd.DataFrame) -> pd.DataFrame:
    t = ro3[["ons_code", "name", "class"]].copy()
    counts = looked_after.reindex(t["ons_code"])
    t["looked_after_31_march_2024"] = counts["2024"].to_numpy()
    t["looked_after_31_march_2025"] = counts["2025"].to_numpy()
    weeks = (
        average_children(t["looked_after_31_march_2024"], t["looked_after_31_march_2025"])
        * WEEKS_PER_YEAR
    )
    for line in COUNCIL_LINES:
        t[f"ro3_{line}_gbp"] = (ro3[f"{line}_gbp_thousand"] * 1000).round()
        t[f"weekly_{line}_per_looked_after_child"] = (t[f"ro3_{line}_gbp"] / weeks).round(2)
    t["ro3_line_13_gbp"] = (ro3["children_looked_after_gbp_thousand"] * 1000).round()
    return t


def _council_row(council: str, code: str | None, by_code: pd.DataFrame, england: pd.Series):
    row: dict = {"council": council, "ons_code": code or ""}
    if code is None:
        return {
            **row,
            "name": council,
            "status": "national",
            "provenance": "",
            "note": "no RO3 2024-25 row for this council's codes",
        } | _ones()
    r = by_code.loc[code]
    row["name"] = r["name"]
    for col in ("looked_after_31_march_2024", "looked_after_31_march_2025"):
        row[col] = r[col]
    reasons = []
    if pd.isna(r["ro3_line_13_gbp"]):
        reasons.append("no RO3 return for 2024-25")
    elif min(r["looked_after_31_march_2024"], r["looked_after_31_march_2025"]) < 10:
        reasons.append("fewer than 10 children looked after")
    for line in COUNCIL_LINES:
        row[f"ro3_{line}_gbp"] = r[f"ro3_{line}_gbp"]
        own = r[f"weekly_{line}_per_looked_after_child"]
        row[f"weekly_{line}_per_looked_after_child"] = own
        k = own / england[f"weekly_{line}_per_looked_after_child"]
        usable = not reasons and pd.notna(k) and PLAUSIBLE_FACTOR[0] <= k <= PLAUSIBLE_FACTOR[1]
        if not reasons and not usable:
            reasons.append(
                f"{line} line missing"
                if pd.isna(k)
                else f"{line} line {k:.2f} x England's per looked-after child, outside "
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
    row["provenance"] = (
        f"RO3 2024-25 lines 16, 17, 19 (C3 total expenditure) over children looked after at "
        f"31 March 2024 and 2025 ({r['looked_after_31_march_2024']:.0f}, "
        f"{r['looked_after_31_march_2025']:.0f}; DfE), each against England's"
    )
    booked_elsewhere = national and all("booked elsewhere" in why for why in reasons)
    if booked_elsewhere or (national and any(" line missing" in why for why in reasons)):
        row = _whole_council(row, r, england, reasons)
    return row


def _whole_council(row: dict, r: pd.Series, england: pd.Series, reasons: list[str]) -> dict:
    """A council whose lines are booked differently from England's (a children's trust that
    books placements under "other", a line missing) but whose three lines together are its
    looked-after spend: one factor, its total per looked-after child over England's, on every
    line (``status`` own total), when that is plausible; else the row as it was."""
    lines = [r[f"weekly_{line}_per_looked_after_child"] for line in COUNCIL_LINES]
    ours = float(np.nansum(lines))
    theirs = float(sum(england[f"weekly_{line}_per_looked_after_child"] for line in COUNCIL_LINES))
    k = ours / theirs if theirs > 0 else float("nan")
    if not (PLAUSIBLE_FACTOR[0] <= k <= PLAUSIBLE_FACTOR[1]):
        return row
    return row | {
        **{f"factor_{line}": round(k, 4) for line in COUNCIL_LINES},
        "status": "own total",
        "note": "; ".join(reasons) + f": the three lines together, {k:.2f} x England's per "
        "looked-after child, on every line",
        "provenance": row["provenance"].replace(
            "each against England's", "their total against England's total"
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


def main(argv: list[str] | None = None) -> None:
    """Write the derived England unit costs and, given the RO3 workbook, each council's lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ro3", type=Path, help="RO3_LA_Data_2024-25_data_by_LA.ods as published")
    args = parser.parse_args(argv)
    rows = england_derivations(read_s251(), read_placements())
    derivations_frame(rows).to_csv(UNIT_COSTS_CSV, index=False)
    print(f"wrote {UNIT_COSTS_CSV.name}")
    if args.ro3 is not None:
        read_ro3(args.ro3).to_csv(RO3_CSV, index=False)
        print(f"wrote {RO3_CSV.name}")
    per_child = council_spend_per_child(pd.read_csv(RO3_CSV), looked_after_at_31_march())
    per_child.to_csv(COUNCIL_SPEND_CSV, index=False)
    print(f"wrote {COUNCIL_SPEND_CSV.name}")
    table = council_placement_costs(
        pd.read_csv(RO3_CSV), looked_after_at_31_march(), council_codes()
    )
    table.to_csv(COUNCIL_COSTS_CSV, index=False)
    print(f"wrote {COUNCIL_COSTS_CSV.name}: {(table['status'] == 'own').sum()} councils' own costs")
    print("spread of councils' factors (10th, 90th percentile):")
    print(factor_spread(table).round(3).to_string())


if __name__ == "__main__":
    main()
