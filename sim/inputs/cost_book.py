"""The book of unit costs: each cost with its price year, status, source and range, read from
``sim/data/unit_costs.yaml`` with a council's own placement costs and a scenario's overrides,
and uprated to the book's price year with HM Treasury's GDP deflator.

A council's own placement costs (``sim/data/reference/council_placement_costs_2024-25.csv``,
derived by ``python -m calibration.unit_costs`` from its RO3 2024-25 outturn) scale England's
placement costs by how far the council's own spend on each RO3 line, per child it pays for
(children's homes, foster care, all looked after), sits from England's (or, where it books
placements differently, its three lines together: status ``own total``); a council whose
figures are unusable keeps England's costs, and the file says why.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

DATA = Path(__file__).resolve().parents[1] / "data"
COST_BOOK = DATA / "unit_costs.yaml"
#: HM Treasury, GDP deflators at market prices, calendar years, 2024 = 100
DEFLATOR_CSV = DATA / "reference" / "gdp_deflators_hmt_december_2025.csv"
#: each council's placement costs relative to England's, from its RO3 2024-25 lines
COUNCIL_COSTS_CSV = DATA / "reference" / "council_placement_costs_2024-25.csv"
PLACEMENTS = (
    "kinship_foster",
    "in_house_foster",
    "ifa",
    "residential",
    "placed_with_parents",
    "other",
)
#: which RO3 line's spend per looked-after child scales each placement item for a council
COUNCIL_LINE_OF_ITEM = {
    "placement_kinship_foster": "fostering",
    "placement_in_house_foster": "fostering",
    "placement_ifa": "fostering",
    "placement_residential_la": "residential",
    "placement_residential_private": "residential",
    "placement_other": "other",
}
#: where a cost comes from, in words for a finance lead ("entered": the council's own figure,
#: typed in by its analyst, e.g. on the dashboard)
BASIS = ("council's own", "entered", "national", "placeholder")
#: the source an entered unit cost carries
ENTERED_SOURCE = "the council's own figure, entered by the council"


class UnitCost(BaseModel):
    """One unit cost with its price year, status, source and, where one is stated, its range."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float = Field(ge=0)
    unit: Literal["gbp_per_week", "gbp_per_fte_year", "gbp_per_child", "gbp_per_family", "share"]
    price_year: str
    status: Literal["verified", "derived", "placeholder", "entered"]
    source: str
    low: float | None = Field(None, ge=0, description="low end of the stated range")
    high: float | None = Field(None, ge=0, description="high end of the stated range")
    council: str | None = Field(None, description="the council whose own outturn gives the value")

    @model_validator(mode="after")
    def _value_in_range(self) -> UnitCost:
        low = self.value if self.low is None else self.low
        high = self.value if self.high is None else self.high
        if not low <= self.value <= high:
            raise ValueError(
                f"expected low <= value <= high, got {self.low}, {self.value}, {self.high}"
            )
        return self

    @property
    def basis(self) -> str:
        """ "council's own", "entered" (the council's own, typed in), "national" or
        "placeholder"."""
        if self.status in ("placeholder", "entered"):
            return self.status
        return "council's own" if self.council else "national"

    def drawn(self, u: float) -> UnitCost:
        """The item with its value drawn from its range at quantile ``u`` of a triangular
        distribution (low, value, high); an item without a range keeps its value."""
        low = self.value if self.low is None else self.low
        high = self.value if self.high is None else self.high
        if high <= low:
            return self
        return self.model_copy(update={"value": _triangular(u, low, self.value, high)})


def entered_cost(value: float, price_year: str) -> dict[str, object]:
    """A scenario's ``unit_costs`` override for a cost the council enters: its value at
    ``price_year`` prices, marked as the council's own (entered), with no range."""
    return {
        "value": float(value),
        "price_year": price_year,
        "status": "entered",
        "source": ENTERED_SOURCE,
    }


def _triangular(u: float, low: float, mode: float, high: float) -> float:
    """Quantile ``u`` of the triangular distribution on [low, high] peaking at ``mode``."""
    cut = (mode - low) / (high - low)
    if u < cut:
        return low + float(np.sqrt(u * (high - low) * (mode - low)))
    return high - float(np.sqrt((1 - u) * (high - low) * (high - mode)))


class CostBook(BaseModel):
    """Every unit cost the model uses, uprated to ``price_year``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    price_year: str
    uprating_per_year: float = Field(
        ge=-0.2, le=0.5, description="yearly rate beyond the deflator series (or flat without it)"
    )
    uprating_source: str
    deflator: dict[int, float] = Field(
        default_factory=dict,
        description="GDP deflator by calendar year (a financial year "
        "2023-24 takes calendar 2023's index)",
    )
    council: str | None = Field(None, description="the council whose own costs the book holds")
    council_note: str = ""
    items: dict[str, UnitCost]
    policy_cost_quantile: float | None = Field(
        None,
        ge=0,
        le=1,
        description="where a policy's own costs (set-up, training, per family) sit in their "
        "range in this book: drawn with the unit costs (None: at their stated figures)",
    )

    def gbp(self, item: str) -> float:
        """The item's value at the book's price year."""
        c = self.items[item]
        if c.unit == "share":
            return c.value
        return self.uprate(c.value, c.price_year)

    def uprate(self, value: float, from_fy: str) -> float:
        """A cost at ``from_fy`` prices expressed at the book's price year."""
        return uprate(value, from_fy, self.price_year, self.uprating_per_year, self.deflator)

    def weekly_placement(self, placement: str) -> float:
        """Weekly cost of a placement type; children's homes mix private and LA-run places."""
        if placement == "residential":
            private = self.gbp("share_residential_private")
            return private * self.gbp("placement_residential_private") + (1 - private) * self.gbp(
                "placement_residential_la"
            )
        return self.gbp(f"placement_{placement}")

    def drawn(self, rng: np.random.Generator) -> CostBook:
        """The book with every item that has a range drawn from it (one uniform per item, in
        the book's item order, so the same generator state gives the same book)."""
        names = sorted(self.items)
        u = rng.random(len(names))
        items = {n: self.items[n].drawn(float(x)) for n, x in zip(names, u, strict=True)}
        # drawn after the items, so each item's draw is what it was before policies had ranges
        policies = float(rng.random())
        return self.model_copy(update={"items": items, "policy_cost_quantile": policies})

    def policy_cost_factor(self, low: float, high: float) -> float:
        """What a policy's own costs are multiplied by in this book: 1 at their stated figures,
        else the book's quantile of the triangular distribution from ``low`` to ``high``
        peaking at 1."""
        if self.policy_cost_quantile is None or high <= low:
            return 1.0
        return _triangular(self.policy_cost_quantile, low, 1.0, high)


def load_cost_book(
    overrides: dict | None = None, path: Path = COST_BOOK, *, council: str | None = None
) -> CostBook:
    """The shipped cost book, with ``council``'s own placement costs where it has usable ones
    (a shipped council's file name, e.g. ``dorset``) and a scenario's ``unit_costs`` overrides
    applied last."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.setdefault("deflator", gdp_deflator())
    if council is not None:
        _apply_council(data, council)
    for key, value in (overrides or {}).items():
        if key == "items":
            for item, fields in value.items():
                base = data["items"].get(item, {})
                if "value" in fields and not {"low", "high"} & set(fields):
                    # a new value without a range of its own drops the shipped value's range
                    base = {k: v for k, v in base.items() if k not in ("low", "high")}
                if "value" in fields:
                    base = {k: v for k, v in base.items() if k != "council"}
                data["items"][item] = {
                    **base,
                    **fields,
                    "status": fields.get(
                        "status", "derived" if "source" in fields else base.get("status", "derived")
                    ),
                }
        else:
            data[key] = value
    return CostBook.model_validate(data)


@cache
def gdp_deflator(path: Path = DEFLATOR_CSV) -> dict[int, float]:
    """HM Treasury's GDP deflator by calendar year (2024 = 100), as shipped."""
    with path.open(encoding="utf-8") as f:
        return {
            int(r["calendar_year"]): float(r["gdp_deflator_2024_100"]) for r in csv.DictReader(f)
        }


@cache
def council_costs(path: Path = COUNCIL_COSTS_CSV) -> dict[str, dict[str, str]]:
    """Each shipped council's row of the council placement cost table, by file name."""
    with path.open(encoding="utf-8") as f:
        return {r["council"]: r for r in csv.DictReader(f)}


def _apply_council(data: dict, council: str) -> None:
    """Scale the placement items by the council's own factors, or note why it keeps England's."""
    name = Path(council).stem if council.endswith((".yaml", ".yml")) else council
    row = council_costs().get(name)
    if row is None:
        data["council_note"] = (
            "national costs: no published outturn is shipped for this parameter set"
            if name != "england"
            else ""
        )
        return
    data["council"] = name
    if row["status"] not in ("own", "own total"):
        data["council_note"] = f"national costs for {row['name']}: {row['note']}"
        return
    year = row.get("outturn_year") or "2024-25"
    data["council_note"] = f"{row['name']}'s own placement costs (RO3 {year})" + (
        ": its residential, fostering and other lines together (booked differently from "
        "England's), one factor on every placement"
        if row["status"] == "own total"
        else ""
    )

    def spent_on(line: str) -> str:
        if row["status"] == "own total":
            return "residential, fostering and other looked-after spend together"
        return f"{line} spend"

    for item, line in COUNCIL_LINE_OF_ITEM.items():
        base = data["items"][item]
        k = float(row[f"factor_{line}"])
        data["items"][item] = {
            **base,
            "value": round(base["value"] * k, 2),
            "low": round(base.get("low", base["value"]) * k, 2),
            "high": round(base.get("high", base["value"]) * k, 2),
            "council": name,
            "source": (
                f"{row['name']}'s own outturn: England's cost x {k:.3f}, its RO3 {year} "
                f"{spent_on(line)} per child over England's "
                f"({row['provenance']}); "
                f"England's cost: {base['source']}"
            ),
        }


def _year(fy: str) -> int:
    return int(fy[:4])


def _index(year: int, rate: float, deflator: dict[int, float]) -> float:
    """The deflator's index for a calendar year, carried on at ``rate`` beyond the series."""
    if not deflator:
        return (1 + rate) ** year
    first, last = min(deflator), max(deflator)
    if year > last:
        return deflator[last] * (1 + rate) ** (year - last)
    if year < first:
        return deflator[first] * (1 + rate) ** (year - first)
    return deflator[year]


def uprate(
    value: float, from_fy: str, to_fy: str, rate: float, deflator: dict[int, float] | None = None
) -> float:
    """A cost at ``from_fy`` prices expressed at ``to_fy`` prices: by the GDP deflator where the
    series covers both years (financial year 2023-24 takes calendar 2023), else at ``rate`` a
    year beyond it; flat at ``rate`` without a series."""
    d = deflator or {}
    return value * _index(_year(to_fy), rate, d) / _index(_year(from_fy), rate, d)
