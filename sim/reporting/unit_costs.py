"""The cost book as the dashboard shows it and lets a council enter its own unit costs.

:func:`cost_rows` lists each unit cost at the book's prices with where it comes from
(placeholders flagged); :func:`entered_values` reads back the values a person changed, which
:func:`sim.api.with_entered_costs` writes into the scenario (so they are saved with it and in
its YAML), marked as the council's own (entered).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.reporting.labels import COST_BASIS_SHORT, COST_BASIS_WORDS, COST_UNITS, UNIT_COST_WORDS

#: The editable table's columns: the item's name (index), then these.
COLUMNS = ("Unit cost", "Value", "Unit", "Where it comes from")


def cost_rows(book: Any) -> pd.DataFrame:
    """Every unit cost of ``book`` at its price year (indexed by item name): plain name, value,
    unit and where it comes from, placeholders flagged ``PLACEHOLDER``."""
    rows = {
        name: {
            "Unit cost": UNIT_COST_WORDS.get(name, name.replace("_", " ")),
            "Value": round(book.gbp(name), 2),
            "Unit": COST_UNITS[item.unit],
            "Where it comes from": _basis(item),
        }
        for name, item in book.items.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(COLUMNS))


def _basis(item: Any) -> str:
    return COST_BASIS_SHORT[item.basis]


def entered_values(shown: pd.DataFrame, edited: pd.DataFrame) -> dict[str, float]:
    """The values changed in the table (item -> value at the book's prices): rows of
    ``edited`` whose ``Value`` differs from ``shown``'s (as :func:`cost_rows` made it)."""
    out = {}
    for name, value in edited["Value"].items():
        if (
            name in shown.index
            and value == value
            and round(float(value), 2) != round(float(shown.at[name, "Value"]), 2)
        ):
            out[str(name)] = float(value)
    return out


def placeholder_count(book: Any) -> int:
    """How many of the book's unit costs are placeholders."""
    return sum(item.basis == "placeholder" for item in book.items.values())


def entered_words(book: Any, entered: dict[str, float]) -> str:
    """The unit costs the council entered, in words (``""`` when none): ``Social worker,
    full-time (FTE): 60,000 £ per FTE a year (the council's own, entered)``."""
    if not entered:
        return ""
    parts = [
        f"{UNIT_COST_WORDS.get(name, name)}: {value:,.2f}".removesuffix(".00")
        + f" {COST_UNITS[book.items[name].unit]}"
        for name, value in entered.items()
        if name in book.items
    ]
    return f"Entered here ({COST_BASIS_WORDS['entered']}): " + "; ".join(parts)
