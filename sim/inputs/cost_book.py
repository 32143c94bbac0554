"""The book of unit costs: each cost with its price year, status and source, read from
``sim/data/unit_costs.yaml`` with a scenario's overrides, and uprated to the book's price year.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

COST_BOOK = Path(__file__).resolve().parents[1] / "data" / "unit_costs.yaml"
PLACEMENTS = (
    "kinship_foster",
    "in_house_foster",
    "ifa",
    "residential",
    "placed_with_parents",
    "other",
)


class UnitCost(BaseModel):
    """One unit cost with its price year, status, source and, where one is stated, its range."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float = Field(ge=0)
    unit: Literal["gbp_per_week", "gbp_per_fte_year", "gbp_per_child", "gbp_per_family", "share"]
    price_year: str
    status: Literal["verified", "derived", "placeholder"]
    source: str
    low: float | None = Field(None, ge=0, description="low end of the stated range")
    high: float | None = Field(None, ge=0, description="high end of the stated range")

    @model_validator(mode="after")
    def _value_in_range(self) -> UnitCost:
        low = self.value if self.low is None else self.low
        high = self.value if self.high is None else self.high
        if not low <= self.value <= high:
            raise ValueError(
                f"expected low <= value <= high, got {self.low}, {self.value}, {self.high}"
            )
        return self


class CostBook(BaseModel):
    """Every unit cost the model uses, uprated to ``price_year``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    price_year: str
    uprating_per_year: float = Field(ge=-0.2, le=0.5)
    uprating_source: str
    items: dict[str, UnitCost]

    def gbp(self, item: str) -> float:
        """The item's value at the book's price year."""
        c = self.items[item]
        if c.unit == "share":
            return c.value
        return uprate(c.value, c.price_year, self.price_year, self.uprating_per_year)

    def weekly_placement(self, placement: str) -> float:
        """Weekly cost of a placement type; children's homes mix private and LA-run places."""
        if placement == "residential":
            private = self.gbp("share_residential_private")
            return private * self.gbp("placement_residential_private") + (1 - private) * self.gbp(
                "placement_residential_la"
            )
        return self.gbp(f"placement_{placement}")


def load_cost_book(overrides: dict | None = None, path: Path = COST_BOOK) -> CostBook:
    """The shipped cost book, with a scenario's ``unit_costs`` overrides applied."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in (overrides or {}).items():
        if key == "items":
            for item, fields in value.items():
                base = data["items"].get(item, {})
                if "value" in fields and not {"low", "high"} & set(fields):
                    # a new value without a range of its own drops the shipped value's range
                    base = {k: v for k, v in base.items() if k not in ("low", "high")}
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


def _year(fy: str) -> int:
    return int(fy[:4])


def uprate(value: float, from_fy: str, to_fy: str, rate: float) -> float:
    """A cost at ``from_fy`` prices expressed at ``to_fy`` prices."""
    return value * (1 + rate) ** (_year(to_fy) - _year(from_fy))
