"""A council's localities by name: shipped where a source supports them, or entered by a user.

A targeted pilot works in one locality of a council. A locality is named, holds a share of the
council's children aged 0-17, and has a demand (contacts per child) and a risk (odds of
escalation) relative to the council's average. ``sim/data/reference/council_localities.csv``
ships the localities a source supports, each row with its source and what its demand rests on;
a user enters their own with :func:`own_locality` (demand 1.0, the council's average, unless
they know better: a judgement, said so in :data:`OWN_DEMAND_BASIS`).

The districts of the two-tier counties are shipped too, in
``sim/data/reference/district_children_mid2023.csv``: each district's children aged 0-17 in
ONS's mid-2023 population estimates, so a county's district is chosen by name with its share of
the county's children. Their demand and risk stay the council's average (1.0): no published
figure of referrals per child by district supports another, and the page says so.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

#: The shipped table of localities (council, locality, share, demand, risk, source).
LOCALITIES_FILE = (
    Path(__file__).resolve().parents[1] / "data" / "reference" / "council_localities.csv"
)
#: Children aged 0-17 in each district of the two-tier counties (ONS mid-2023 estimates).
DISTRICTS_FILE = LOCALITIES_FILE.with_name("district_children_mid2023.csv")
#: What a district's demand rests on: the council's average, as nothing published says more.
DISTRICT_DEMAND_BASIS = (
    "the council's average (1.0): no published figure of referrals per child by district; "
    "enter your district's if you know it"
)
#: The name the rest of the council takes in a targeted scenario (no locality may take it).
REST_OF_COUNCIL = "rest of the council"
#: What a user-entered locality's demand rests on when they keep the default.
OWN_DEMAND_BASIS = (
    "judgement: the council's average (1.0) unless you know your locality's referrals per "
    "child; 2.0 means twice the council's average"
)
#: How far a council's shares may be from adding up to 1 (rounding in the table).
SHARE_TOLERANCE = 1e-6


class LocalityError(ValueError):
    """A locality that cannot be used: names the field, the value and what is allowed."""


@dataclass(frozen=True)
class NamedLocality:
    """A locality of a council: its share of the children, its demand and risk relative to the
    council's average, where those come from."""

    council: str
    name: str
    share: float
    demand: float = 1.0
    risk: float = 1.0
    source: str = ""
    demand_basis: str = OWN_DEMAND_BASIS

    def choice(self) -> dict[str, float | str]:
        """The locality as ``sim.api.build_scenario`` takes it."""
        return {"name": self.name, "share": self.share, "demand": self.demand, "risk": self.risk}

    def in_words(self) -> str:
        """Its share and demand in words: "17% of Dorset's children; 2.1 times the council's
        average demand (fitted to a published share of care entries)"."""
        demand = (
            "the council's average demand"
            if self.demand == 1.0
            else f"{self.demand:g} times the council's average demand"
        )
        return f"{self.share:.0%} of {self.council}'s children; {demand} ({self.demand_basis})"


def _number(row: dict[str, str], field: str, where: str) -> float:
    try:
        return float(row[field])
    except (KeyError, ValueError) as exc:
        raise LocalityError(f"{where}: {field} must be a number, found {row.get(field)!r}") from exc


def shipped_localities(path: Path = LOCALITIES_FILE) -> tuple[NamedLocality, ...]:
    """Every shipped locality, checked: shares in (0, 1) adding up to 1 for each council,
    demand and risk above 0 (``LocalityError`` names the file, row and field otherwise)."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for i, row in enumerate(rows, start=2):
        where = f"{path.name} line {i} ({row.get('locality')!r})"
        loc = own_locality(
            row["council"],
            row["locality"],
            _number(row, "share_of_children", where),
            _number(row, "relative_demand", where),
            risk=_number(row, "relative_risk", where),
            where=where,
        )
        out.append(replace(loc, source=row["source"], demand_basis=row["demand_basis"]))
    for council in {loc.council for loc in out}:
        total = sum(loc.share for loc in out if loc.council == council)
        if abs(total - 1) > SHARE_TOLERANCE:
            raise LocalityError(
                f"{path.name}: {council}'s localities' share_of_children must add up to 1 "
                f"(they add up to {total:g})"
            )
    return tuple(out)


def district_localities(county: str, path: Path = DISTRICTS_FILE) -> tuple[NamedLocality, ...]:
    """The districts of a two-tier ``county`` (by name, any case), each with its share of the
    county's children aged 0-17 (ONS mid-2023) and the council's average demand and risk;
    () for a council with no districts (a unitary, a metropolitan or London borough)."""
    key = county.strip().casefold()
    with path.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["county"].casefold() == key]
    children = {r["district"]: _number(r, "children_0_17", f"{path.name} ({county})") for r in rows}
    total = sum(children.values())
    return tuple(
        replace(
            own_locality(
                row["county"],
                row["district"],
                children[row["district"]] / total,
                where=f"{path.name} ({row['district']})",
            ),
            source=(
                f"share: {children[row['district']]:,.0f} of the {total:,.0f} children aged "
                f"0-17 in {row['county']}'s districts, ONS mid-2023 population estimates "
                f"({row['district_code']})"
            ),
            demand_basis=DISTRICT_DEMAND_BASIS,
        )
        for row in rows
    )


def council_localities(council: str, path: Path = LOCALITIES_FILE) -> tuple[NamedLocality, ...]:
    """The shipped localities of ``council`` (by name, any case): those of the localities table,
    or else a county's districts; () when none is shipped."""
    key = council.strip().casefold()
    named = tuple(loc for loc in shipped_localities(path) if loc.council.casefold() == key)
    return named or district_localities(council)


def own_locality(
    council: str,
    name: str,
    share: float,
    demand: float = 1.0,
    *,
    risk: float = 1.0,
    where: str = "your locality",
) -> NamedLocality:
    """A locality a user enters: its name, share of the council's children (0 to 1, not 0 or
    1) and demand relative to the council (above 0; 1.0 is the council's average).
    ``LocalityError`` names what is wrong, the value and what is allowed."""
    name = name.strip()
    if not name:
        raise LocalityError(f"{where}: name is empty; give the locality's name")
    if name.casefold() == REST_OF_COUNCIL:
        raise LocalityError(
            f"{where}: name {name!r} is the name of the rest of the council; choose another"
        )
    if not 0 < share < 1:
        raise LocalityError(
            f"{where}: share of the council's children must be above 0% and below 100% "
            f"(found {share:.0%}); for the whole council choose 'Whole council'"
        )
    for field, value in (("relative demand", demand), ("relative risk", risk)):
        if not value > 0:
            raise LocalityError(
                f"{where}: {field} must be above 0 (1.0 is the council's average), found {value:g}"
            )
    return NamedLocality(council, name, float(share), float(demand), float(risk))
