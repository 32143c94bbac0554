"""DfE's published council-level tables (Explore Education Statistics tidy CSVs), for any council.

Reads the files shipped in ``calibration/data/ees`` (CIN B1, referrals C1, factors C3, CP D3/D5,
looked-after numbers, workforce indicators, ONS child population, statistical neighbours) and
returns one council's (or England's, or a region's) history as a tidy table by reporting year.

- Suppressed or unavailable cells (``c``, ``x``, ``z``, ``u``, ``k``, ``low``, ``:`` ...) become
  missing values, and each is counted in the history's ``notes``.
- Councils that changed code keep one history by name (North Yorkshire, Somerset, Dorset,
  Buckinghamshire). A council formed by merger (Bournemouth, Christchurch and Poole) gets its
  predecessors' counts summed for earlier years; councils formed by a split (North and West
  Northamptonshire, Cumberland, Westmorland and Furness) get their predecessor's counts scaled by
  their share of its child population; rates are recomputed from counts, and the notes say so.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.inputs.already_running import council_key

EES_DIR = Path(__file__).resolve().parent / "data" / "ees"
SUPPRESSION_CODES = frozenset({"c", "x", "z", "u", "k", "low", ":", "..", "-", ""})
MERGED_FROM = {"Bournemouth, Christchurch and Poole": ("Bournemouth", "Poole")}
SPLIT_FROM = {
    "North Northamptonshire": "Northamptonshire",
    "West Northamptonshire": "Northamptonshire",
    "Cumberland": "Cumbria",
    "Westmorland and Furness": "Cumbria",
}

#: measure -> (file, column, population_type/category filter or None)
COUNTS: dict[str, tuple[str, str, str | None]] = {
    "population": (
        "ons_mid-year_population_estimates_2012_to_2024.csv",
        "population_estimate",
        None,
    ),
    "referrals": (
        "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
        "referral_count",
        None,
    ),
    "rereferrals": (
        "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
        "rereferral_count",
        None,
    ),
    "referrals_nfa": (
        "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
        "no_further_action_count",
        None,
    ),
    "assessed_not_in_need": (
        "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
        "not_in_need_count",
        None,
    ),
    "children_in_need": ("b1_children_in_need_2013_to_2025.csv", "At31_episodes", None),
    "cin_started": ("b1_children_in_need_2013_to_2025.csv", "Started_episodes", None),
    "cin_ended": ("b1_children_in_need_2013_to_2025.csv", "Ended_episodes", None),
    "awaiting_assessment": ("b1_children_in_need_2013_to_2025.csv", "awaiting_assessment", None),
    "cp_plans_started": ("d3_cpps_subsequent_plan_2013_to_2025.csv", "CPP_start", None),
    "cp_plans_repeat": ("d3_cpps_subsequent_plan_2013_to_2025.csv", "CPP_subsequent", None),
    "cp_plans": ("d5_cpps_at31march_by_duration_2013_to_2025.csv", "CPP_At31", None),
    "looked_after": (
        "cla_number_and_rate_per_10k_children.csv",
        "children_count",
        "Children looked after on 31 March each year",
    ),
    "care_entries": (
        "cla_number_and_rate_per_10k_children.csv",
        "children_count",
        "Children starting to be looked after each year",
    ),
    "care_exits": (
        "cla_number_and_rate_per_10k_children.csv",
        "children_count",
        "Children ceasing to be looked after each year",
    ),
    "sw_case_holders_fte": ("csww_indicators_2017_to_2025.csv", "case_holders_fte", None),
    "sw_cases": ("csww_indicators_2017_to_2025.csv", "cases", None),
    "sw_inpost_fte": ("csww_indicators_2017_to_2025.csv", "inpost_fte", None),
    "sw_agency_fte": ("csww_indicators_2017_to_2025.csv", "agency_fte", None),
    "sw_vacancy_fte": ("csww_indicators_2017_to_2025.csv", "vacancy_fte", None),
    "sw_leavers_fte": ("csww_indicators_2017_to_2025.csv", "leavers_fte", None),
    "episodes_with_factors": (
        "c3_factors_identified_at_end_of_assessment_2018_to_2025.csv",
        "Episodes_with_assessment_factor",
        None,
    ),
    "factor_domestic_abuse_parent": (
        "c3_factors_identified_at_end_of_assessment_2018_to_2025.csv",
        "Domestic_Abuse_parent",
        None,
    ),
    "factor_mental_health_parent": (
        "c3_factors_identified_at_end_of_assessment_2018_to_2025.csv",
        "Mental_Health_parent",
        None,
    ),
    "factor_drug_misuse_parent": (
        "c3_factors_identified_at_end_of_assessment_2018_to_2025.csv",
        "Drug_Misuse_parent",
        None,
    ),
    "factor_alcohol_misuse_parent": (
        "c3_factors_identified_at_end_of_assessment_2018_to_2025.csv",
        "Alcohol_Misuse_parent",
        None,
    ),
}


class CouncilNotFoundError(ValueError):
    """No council matches a name or code; the message suggests the nearest names."""


@dataclass(frozen=True)
class Area:
    """A council, a region or England, as the tables name it."""

    name: str
    level: str  # "Local authority", "Regional", "National"
    codes: frozenset[str]  # new (E06...) and old (three-digit) codes seen for it
    region: str = ""

    @property
    def slug(self) -> str:
        """File-friendly name: 'telford-and-wrekin' (the rule scenarios name councils by)."""
        return council_key(self.name)


@dataclass
class History:
    """One area's published figures by reporting year ('2024-25'), with notes on the data."""

    area: Area
    table: pd.DataFrame  # index: year label; columns: COUNTS measures and derived rates
    notes: list[str] = field(default_factory=list)

    def per_10k(self, measure: str, year: str) -> float:
        """A count per 10,000 children aged 0-17 in that year."""
        return float(self.table.at[year, measure] / self.table.at[year, "population"] * 1e4)


def year_label(time_period: str) -> str:
    """EES ``time_period`` 2025 (year ending 31 March 2025) -> '2024-25'."""
    y = int(str(time_period)[:4])
    return f"{y - 1}-{y % 100:02d}"


def _number(value: str) -> float:
    value = (value or "").strip()
    if value.lower() in SUPPRESSION_CODES:
        return np.nan
    try:
        return float(value.replace(",", ""))
    except ValueError:
        return np.nan


#: Children a cell DfE withholds as small (``c``: 1 to 5) counts as: the middle (judgement).
WITHHELD = 3.0


def count_cell(cell: str) -> float:
    """A published count for pooling: a withheld cell (``c``) as :data:`WITHHELD` children,
    ``z`` or ``x`` (not collected, not applicable) as none."""
    if cell == "c":
        return WITHHELD
    try:
        return float(cell)
    except ValueError:
        return 0.0


@cache
def _rows(file: str) -> tuple[dict[str, str], ...]:
    with (EES_DIR / file).open(newline="", encoding="utf-8-sig") as fh:
        return tuple(csv.DictReader(fh))


@cache
def areas() -> tuple[Area, ...]:
    """Every council, region and England in the tables (one entry per name)."""
    seen: dict[tuple[str, str], dict] = {}
    for r in _rows("b1_children_in_need_2013_to_2025.csv"):
        level = r["geographic_level"]
        name = {"National": r["country_name"], "Regional": r["region_name"]}.get(
            level, r["la_name"]
        )
        entry = seen.setdefault((level, name), {"codes": set(), "region": r["region_name"]})
        codes = {
            "Local authority": (r["new_la_code"], r["old_la_code"]),
            "Regional": (r["region_code"],),
            "National": (r["country_code"],),
        }.get(level, ())
        entry["codes"].update(c for c in codes if c)
    return tuple(
        Area(name, level, frozenset(v["codes"]), v["region"]) for (level, name), v in seen.items()
    )


def find_area(name_or_code: str) -> Area:
    """The council (or 'England', or a region) for a name or a code, forgiving of case.

    Raises
    ------
    CouncilNotFoundError
        Naming the closest council names.
    """
    key = name_or_code.strip().lower().replace("&", "and")
    for a in areas():
        if (
            key == a.name.lower().replace("&", "and")
            or key in {c.lower() for c in a.codes}
            or key == a.slug
        ):
            return a
    names = [a.name for a in areas()]
    by_lower = {n.lower(): n for n in names}
    close = [by_lower[c] for c in difflib.get_close_matches(key, list(by_lower), n=3, cutoff=0.5)]
    firsts = {n.lower().split()[0]: n for n in names}
    close += [
        firsts[c]
        for c in difflib.get_close_matches(key.split()[0], list(firsts), n=2)
        if firsts[c] not in close
    ]
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise CouncilNotFoundError(
        f"--la: no council, region or 'England' called {name_or_code!r} in the DfE tables{hint}"
    )


def _matches(r: dict[str, str], area: Area, name: str | None = None) -> bool:
    level = r["geographic_level"]
    if level != area.level:
        return False
    if level == "National":
        return True
    if level == "Regional":
        return r["region_name"] == area.name
    return r["la_name"] == (name or area.name)


def _series(measure: str, area: Area, name: str | None = None) -> tuple[dict[str, float], int]:
    """Values by year label for one measure (and how many cells were suppressed)."""
    file, column, population_type = COUNTS[measure]
    out: dict[str, float] = {}
    suppressed = 0
    for r in _rows(file):
        if not _matches(r, area, name):
            continue
        if population_type and r.get("population_type") != population_type:
            continue
        if (
            measure == "population"
            and r.get("age_group", "").lower() != "children aged 0 to 17 years"
        ):
            continue
        tp = r["time_period"]
        # ONS mid-year y is DfE's denominator for reporting year y+1 (year ending March y+1)
        label = year_label(str(int(tp[:4]) + 1)) if measure == "population" else year_label(tp)
        if "-" in tp[:6] and len(tp) == 6:  # workforce '202425'-style periods, if any
            label = f"{tp[:4]}-{tp[4:6]}"
        value = _number(r[column])
        if np.isnan(value):
            suppressed += 1
        out[label] = value
    return out, suppressed


def history(area: Area | str) -> History:
    """An area's published history by reporting year, with derived rates and data notes."""
    if isinstance(area, str):
        area = find_area(area)
    notes: list[str] = []
    columns: dict[str, dict[str, float]] = {}
    for measure in COUNTS:
        values, suppressed = _series(measure, area)
        if area.name in MERGED_FROM:
            parts = [_series(measure, area, p)[0] for p in MERGED_FROM[area.name]]
            for y in set().union(*parts) - set(values):
                got = [p[y] for p in parts if not np.isnan(p.get(y, np.nan))]
                values[y] = float(sum(got)) if len(got) == len(parts) else np.nan
        if area.name in SPLIT_FROM:
            values = _backfill_split(measure, area, values)
        if suppressed:
            notes.append(f"{measure}: {suppressed} suppressed or unavailable cell(s) (c/x/z/u/low)")
        columns[measure] = values
    if area.name in MERGED_FROM:
        notes.append(
            f"years before {area.name} existed are the sums of "
            f"{' and '.join(MERGED_FROM[area.name])}"
        )
    if area.name in SPLIT_FROM:
        notes.append(
            f"years before {area.name} existed are {SPLIT_FROM[area.name]}'s, scaled "
            "by its share of the child population"
        )
    table = pd.DataFrame(columns).sort_index()
    table = table[table.index >= "2012-13"]
    table["rereferral_rate"] = 100 * table["rereferrals"] / table["referrals"]
    table["cp_repeat_rate"] = 100 * table["cp_plans_repeat"] / table["cp_plans_started"]
    return History(area, table, notes)


def _backfill_split(measure: str, area: Area, values: dict[str, float]) -> dict[str, float]:
    parent = Area(SPLIT_FROM[area.name], "Local authority", frozenset())
    parent_values, _ = _series(measure, parent)
    own_pop, _ = _series("population", area)
    parent_pop, _ = _series("population", parent)
    first = min(y for y, v in own_pop.items() if not np.isnan(v))
    siblings = [n for n, p in SPLIT_FROM.items() if p == parent.name]
    total = sum(
        _series("population", Area(n, "Local authority", frozenset()))[0].get(first, np.nan)
        for n in siblings
    )
    share = own_pop[first] / total if total else np.nan
    out = dict(values)
    for y, v in parent_values.items():
        if y not in out or np.isnan(out[y]):
            out[y] = v * share
    del parent_pop
    return out


def statistical_neighbours(area: Area) -> list[Area]:
    """DfE's ten statistical neighbours of a council (2021 groupings), closest first.

    A council split since 2021 takes its former council's; the neighbours may include a council
    that no longer publishes (Cumbria, Northamptonshire), whose last published years stand.
    """
    old = {c for c in area.codes if c.isdigit()}
    rows = _rows("New_Statistical_Neighbour_Groupings_April_2021.csv")
    by_number = {r["LA number"]: r for r in rows}
    # a council with an old and a new code (Dorset: 835 before 2019, 838 since) has a row for
    # each: the council as it is now, never by the order a set happens to iterate in
    rows_found = sorted(
        (by_number[c] for c in old if c in by_number),
        key=lambda r: ("(Pre LG)" in r["LA Name"], r["LA number"]),
    )
    if not rows_found:
        # councils made since the 2021 groupings (Cumberland, Westmorland and Furness) take
        # the neighbours of the council they were split from (judgement: DfE has not yet
        # published groupings for them)
        if area.name in SPLIT_FROM:
            return statistical_neighbours(find_area(SPLIT_FROM[area.name]))
        return []
    row = rows_found[0]
    # the file repeats its "SNP" (closeness) heading after every SN column, so read the
    # neighbours by their own headings, SN1 to SN10
    numbers = [row.get(f"SN{k}", "").strip() for k in range(1, 11)]
    numbers = [n for n in numbers if n.isdigit()]
    found = []
    for n in numbers:
        match = next((a for a in areas() if n in a.codes), None)
        if match is not None:
            found.append(match)
    return found


def councils() -> list[Area]:
    """Every council with figures in the latest year (for back-testing them all)."""
    latest = {
        r["la_name"]
        for r in _rows("b1_children_in_need_2013_to_2025.csv")
        if r["geographic_level"] == "Local authority" and r["time_period"] == "2025"
    }
    return sorted(
        (a for a in areas() if a.level == "Local authority" and a.name in latest),
        key=lambda a: a.name,
    )
