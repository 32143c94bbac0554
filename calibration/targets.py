"""Published national figures for England, read from the CSV the project ships."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / "sim" / "data" / "reference"
NATIONAL_CSV = REFERENCE / "england_national_rates.csv"


@dataclass(frozen=True)
class Figure:
    """One published figure with its unit and source."""

    year: str
    measure: str
    value: float
    unit: str
    source: str


class NationalFigures:
    """England's national series by (year, measure)."""

    def __init__(self, path: Path = NATIONAL_CSV) -> None:
        self.path = path
        self._rows: dict[tuple[str, str], Figure] = {}
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                try:
                    value = float(row["value"])
                except ValueError:
                    continue
                fig = Figure(row["year"], row["measure"], value, row["unit"], row["source"])
                self._rows[(fig.year, fig.measure)] = fig

    def get(self, year: str, measure: str) -> Figure:
        """The figure for ``measure`` in ``year`` ('2024-25'); KeyError names what is missing."""
        try:
            return self._rows[(year, measure)]
        except KeyError:
            raise KeyError(f"{self.path.name}: no figure for {measure} in {year}") from None

    def value(self, year: str, measure: str) -> float:
        """Just the value of :meth:`get`."""
        return self.get(year, measure).value

    def population(self, year: str) -> float:
        """DfE's denominator for a reporting year: ONS mid-year 0-17 of the year's first half."""
        first = int(year[:4])
        return self.value(f"{first}-06-30", "population_aged_0_17")

    def per_10k(self, year: str, measure: str) -> float:
        """A count per 10,000 children aged 0-17 in the same reporting year."""
        return self.value(year, measure) / self.population(year) * 1e4


#: Targets the England default must reproduce in its first projected year (per 10,000 children
#: for flows and stocks; per cent for shares): measure -> (published measure, kind).
FIT_TARGETS: dict[str, tuple[str, str]] = {
    "referrals": ("referrals", "flow"),
    "assessments": ("assessments_completed", "flow"),
    "s47_enquiries": ("section_47_enquiries", "flow"),
    "icpcs": ("initial_child_protection_conferences", "flow"),
    "cp_plans_started": ("cp_plans_started", "flow"),
    "care_entries": ("cla_started", "flow"),
    "rereferral_rate": ("re_referral_rate", "share"),
    "cp_repeat_rate": ("cp_plans_second_or_subsequent_share", "share"),
    "children_in_need": ("children_in_need_at_31_march", "stock"),
    "cp_plans": ("cp_plans_at_31_march", "stock"),
    "looked_after": ("cla_at_31_march", "stock"),
}


def fit_targets(figures: NationalFigures, year: str = "2024-25") -> dict[str, float]:
    """The published value of each fit target: per 10,000 children, or a percentage."""
    out = {}
    for name, (measure, kind) in FIT_TARGETS.items():
        out[name] = (
            figures.value(year, measure) if kind == "share" else figures.per_10k(year, measure)
        )
    return out
