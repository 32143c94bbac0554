"""Each council's own way of leaving care, from DfE's children ceasing care by reason.

DfE publishes, for every council, the children who ceased to be looked after in each year by
reason (Children looked after in England, local authority tables, 2019-20 to 2023-24; shipped
as ``data/ees/la_children_ceased_by_reason_2020_to_2024.csv``). A council's exit mix is its
reasons pooled over the last :data:`POOLED_YEARS` published years, grouped as the model's
exits, and shrunk toward England's mix of the same years with the weight of
:data:`SHRINK_EXITS` exits (judgement: a council with 60 exits in three years, a small one, is
half its own and half England's; Dorset's 459 are 88% its own). A cell DfE withholds as
small (``c``: 1 to 5 children) counts as :data:`WITHHELD` children.

The model draws a way of leaving at entry by age band (``looked_after.exit_mix``); the
council's weights are England's fitted ones with each reason scaled until the council's steady
state gives its shares among the exits before 18 (:func:`own_exit_mix`). A stay that reaches
18 still ends then: the share leaving at 18 follows from the council's stays, not the mix.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd

from calibration.ees import EES_DIR, Area, count_cell
from calibration.stays import exits_by_stay
from sim.inputs.parameters import Parameters

#: DfE's children ceasing care by reason, national and every council (rows and values as
#: published, 2019-20 to 2023-24; SOURCE.md beside it).
LA_CEASED = EES_DIR / "la_children_ceased_by_reason_2020_to_2024.csv"
#: Published years pooled (the latest up to the council's reference year).
POOLED_YEARS = 3
#: Exits of England's mix a council's own exits are pooled with (judgement; see the module).
SHRINK_EXITS = 60.0
#: DfE's reasons, grouped as the model's exits (any reason not named here is ``other``).
REASON_GROUPS: dict[str, str] = {
    "Returned home to live with parents or other person with parental responsibility which was "
    "part of the care planning process": "returned_home",
    "Returned home to live with parents or other person with parental responsibility which was "
    "not part of the care planning process": "returned_home",
    "Special guardianship orders": "sgo",
    "Residence order or child arrangement order granted": "cao",
    "Adopted": "adoption",
    "Aged 18 (or over) and remained with current carers": "age_18",
    "Moved into independent living (with supportive accommodation)": "age_18",
    "Moved into independent living (with no formalised support)": "age_18",
}
GROUPS = ("returned_home", "sgo", "cao", "adoption", "age_18", "other")


@cache
def _table() -> pd.DataFrame:
    t = pd.read_csv(LA_CEASED, dtype=str, keep_default_na=False)
    t = t[t.characteristic != "Total"]
    t["count"] = t.number.map(count_cell)
    t["group"] = t.characteristic.map(lambda c: REASON_GROUPS.get(c, "other"))
    return t


def _years(reference_year: str) -> list[str]:
    """The published years pooled for a reference year ('2024-25'), as DfE's ``time_period``."""
    last = min(int(reference_year[:4]) + 1, int(_table().time_period.astype(int).max()))
    return [str(y) for y in range(last - POOLED_YEARS + 1, last + 1)]


def exits_by_reason(area: Area | None, reference_year: str) -> dict[str, float]:
    """Children ceasing care by the model's exit groups over the pooled years (England when
    ``area`` is None)."""
    t = _table()
    t = t[t.time_period.isin(_years(reference_year))]
    if area is None:
        t = t[t.geographic_level == "National"]
    else:
        own = (t.new_la_code.isin(area.codes)) | (t.la_name == area.name)
        t = t[(t.geographic_level == "Local authority") & own]
    counts = t.groupby("group")["count"].sum()
    return {g: float(counts.get(g, 0.0)) for g in GROUPS}


def council_exit_shares(area: Area, reference_year: str) -> dict[str, Any]:
    """The council's published exit shares, England's, and the council's shrunk toward
    England's (each in % of all exits), with the years and the council's exits."""
    own, england = exits_by_reason(area, reference_year), exits_by_reason(None, reference_year)
    n, n_eng = sum(own.values()), sum(england.values())
    eng = {g: england[g] / n_eng for g in GROUPS}
    shrunk = {g: (own[g] + SHRINK_EXITS * eng[g]) / (n + SHRINK_EXITS) for g in GROUPS}
    years = _years(reference_year)
    return {
        "years": [f"{int(y) - 1}-{y[2:]}" for y in years],
        "exits": round(n),
        "published_shares": {g: round(100 * own[g] / n, 2) if n else None for g in GROUPS},
        "england_shares": {g: round(100 * eng[g], 2) for g in GROUPS},
        "shares": {g: round(100 * shrunk[g], 2) for g in GROUPS},
        "shrink_toward_england_exits": SHRINK_EXITS,
    }


#: Rounds of scaling the weights to the shares the steady state gives.
ROUNDS = 4
NOT_AT_18 = ("returned_home", "sgo", "cao", "adoption", "other")


def own_exit_mix(
    params: dict[str, Any], area: Area, reference_year: str, england_mix: dict[str, list[float]]
) -> dict[str, Any]:
    """Set the council's ``looked_after.exit_mix`` (and its source) from its own exits and
    return what the provenance keeps.

    The mix is drawn at entry, and a stay that reaches 18 ends then whatever was drawn, so the
    weights are not the shares: starting from England's fitted weights ``england_mix``, each
    reason is scaled until the council's steady state (its own stays; :func:`exits_by_stay`)
    gives its shrunk shares among the exits before 18. The share leaving at 18 follows from the
    stays (``published_shares.age_18`` against ``model_shares.age_18`` says how far).
    """
    if sum(exits_by_reason(None, reference_year).values()) <= 0:  # an early back-test year
        return {"note": f"none: DfE's ceased table covers 2019-20 to 2023-24, not {reference_year}"}
    found = council_exit_shares(area, reference_year)
    want = {e: found["shares"][e] for e in NOT_AT_18}
    la = params["looked_after"]
    la["exit_mix"] = {e: list(w) for e, w in england_mix.items()}
    for _ in range(ROUNDS):
        got = _model_shares(params)
        la["exit_mix"] = {
            e: [round(x * _ratio(want, got, e), 4) for x in w] for e, w in la["exit_mix"].items()
        }
    found["model_shares"] = {
        e: round(v, 2) for e, v in _model_shares(params, all_exits=True).items()
    }
    years = f"{found['years'][0]} to {found['years'][-1]}"
    params["sources"]["looked_after.exit_mix"] = (
        f"{area.name}: DfE children ceasing care by reason, {years} pooled ({found['exits']} "
        f"exits), shrunk toward England's with the weight of {SHRINK_EXITS:g} exits; England's "
        "weights by age at entry (refined by calibration.fit), each reason scaled until the "
        "council's own stays give its shares among exits before 18 (calibration.exit_mix)"
    )
    return found


def _ratio(want: dict[str, float], got: dict[str, float], e: str) -> float:
    """How much to scale reason ``e``'s weights: its wanted share among exits before 18 over
    the share it has."""
    total_want, total_got = sum(want.values()), sum(got[k] for k in NOT_AT_18)
    if e not in want or got.get(e, 0) <= 0 or want[e] <= 0:
        return 1.0
    return (want[e] / total_want) / (got[e] / total_got)


def _model_shares(params: dict[str, Any], all_exits: bool = False) -> dict[str, float]:
    """The steady state's exits by reason, in % (of all exits, or of those before 18)."""
    fields = {k: v for k, v in params.items() if not k.startswith("_")}
    reasons = exits_by_stay(Parameters.model_validate(fields))["reasons"]
    keys = GROUPS if all_exits else NOT_AT_18
    total = sum(reasons[k] for k in keys) / 100
    return {k: reasons[k] / total for k in keys}
