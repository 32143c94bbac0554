"""Councils that already run a policy: their published figures include it.

``sim/data/reference/councils_running_models.csv`` lists the councils the evidence register and
the project's seed news items name as running a built-in policy (Family Safeguarding in
Hertfordshire, Walsall, Telford and Wrekin ...), with the start, whether it covers the whole
council, and the source; rows the register could not confirm say "to verify". A council
calibrated to its published figures that runs a policy council-wide has that policy in its
figures already, so by default (a scenario's ``already_running: include``) the policy adds no
effect, staff or cost there; ``already_running: expand`` models it on top, as an expansion. A
policy run in part of the council only (a locality, a school) is said in words and modelled as
new across the council.
"""

from __future__ import annotations

import csv
import functools
from calendar import month_name
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

#: The shipped table of councils known to run a built-in policy, with sources.
RUNNING_FILE = (
    Path(__file__).resolve().parents[1] / "data" / "reference" / "councils_running_models.csv"
)
#: What a scenario does with a policy its council already runs council-wide.
AlreadyRunning = Literal["include", "expand"]


@dataclass(frozen=True, slots=True)
class RunningModel:
    """One council known to run one policy: since when, where, and the source that says so."""

    council: str
    policy: str
    start_year: int | None
    start_month: int | None
    scope: Literal["whole council", "part"]
    where: str
    status: Literal["verified", "to verify"]
    source: str
    notes: str

    @property
    def whole_council(self) -> bool:
        """Whether the council's published figures include the policy everywhere."""
        return self.scope == "whole council"

    def since(self) -> str:
        """'since September 2020', 'since 2015', or that the start is still to verify."""
        if self.start_year is None:
            return "(its start date is still to verify)"
        month = f"{month_name[self.start_month]} " if self.start_month else ""
        return f"since {month}{self.start_year}"

    def sentence(self, mode: AlreadyRunning = "include") -> str:
        """The plain words ``compare``, the report and the dashboard show.

        'Walsall has run Family Safeguarding since September 2020; its published figures
        already include it, so ...'.
        """
        runs = f"{self.council} has run {self.policy}"
        if not self.whole_council:
            return (
                f"{runs} in part of the council ({self.where}) {self.since()}; its published "
                f"figures include that part only, so {self.policy} is modelled as new across "
                f"the council (source: {self.source})."
            )
        then = (
            "so it is modelled as adding nothing to today's way of working (no further effect; "
            "its staff and costs are in today's); choose an expansion to model more of it"
            if mode == "include"
            else "and it is modelled here as an expansion: its full effect, staff and costs "
            "are added on top of today's way of working"
        )
        return (
            f"{runs} {self.since()}; its published figures already include it, {then} "
            f"(source: {self.source})."
        )


def _number(text: str) -> int | None:
    return int(text) if text.strip() else None


@functools.cache
def councils_running(path: Path = RUNNING_FILE) -> tuple[RunningModel, ...]:
    """The shipped table, read once (a read-only tuple)."""
    with path.open(encoding="utf-8", newline="") as f:
        return tuple(
            RunningModel(
                council=r["council"],
                policy=r["policy"],
                start_year=_number(r["start_year"]),
                start_month=_number(r["start_month"]),
                scope=r["scope"],  # type: ignore[arg-type]
                where=r["where"],
                status=r["status"],  # type: ignore[arg-type]
                source=r["source"],
                notes=r["notes"],
            )
            for r in csv.DictReader(f)
        )


def council_key(name: str) -> str:
    """A council's name as a scenario's ``council`` writes it: 'Telford & Wrekin' and
    'councils/telford-and-wrekin.yaml' both give 'telford-and-wrekin'."""
    stem = Path(name).stem if name.endswith((".yaml", ".yml")) else name
    text = stem.lower().replace("&", "and")
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def running_here(council: str, policy: str) -> RunningModel | None:
    """The row saying ``council`` already runs the policy named ``policy``, if there is one."""
    key, name = council_key(council), policy.strip().lower()
    for row in councils_running():
        if council_key(row.council) == key and row.policy.lower() == name:
            return row
    return None
