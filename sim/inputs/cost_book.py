"""The book of unit costs: each cost with its price year, status and source, read from
``sim/data/unit_costs.yaml`` with a scenario's overrides, and uprated to the book's price year.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

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
    """One unit cost with its price year, status and source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float = Field(ge=0)
    unit: Literal["gbp_per_week", "gbp_per_fte_year", "gbp_per_child", "gbp_per_family", "share"]
    price_year: str
    status: Literal["verified", "derived", "placeholder"]
    source: str


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
