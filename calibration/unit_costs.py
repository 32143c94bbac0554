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

import pandas as pd

from calibration.ees import EES_DIR

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
#: s251 lines
RESIDENTIAL_LINE = "3.1.1 Residential care"
FOSTERING_LINE = "3.1.2 Total fostering services"


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


if __name__ == "__main__":
    main()
