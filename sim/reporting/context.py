"""What the bid report says about a scenario: where and when, the council, the calibration,
the evidence behind each effect, the cost book and the cost by year, in plain words.

Each function returns plain values (strings, dicts, lists of rows) for the report's template.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from sim.core.calendar import Calendar
from sim.experiments.comparison import BASELINE
from sim.experiments.summaries import cost_by_year
from sim.inputs.cost_book import CostBook
from sim.inputs.policies import Policy
from sim.inputs.scenario import Scenario
from sim.reporting.labels import (
    COST_UNITS,
    effect_label,
    effect_warnings,
    evidence_warning,
    range_warning,
)


def long_date(d: dt.date) -> str:
    """A date as the report writes it: ``1 April 2026``."""
    return f"{d.day} {d:%B %Y}"


def _where(policy: Policy, locs: dict[str, Any]) -> str:
    el = policy.eligible
    if el.localities:
        share = sum(locs[n].population_share for n in el.localities)
        return f"{' and '.join(el.localities)} ({share:.0%} of the council's children)"
    if el.pod_school_only:
        pods = sum(loc.population_share * loc.p_family_at_pod_school for loc in locs.values())
        return f"families with a child at a pod school (about {pods:.0%} of families)"
    return "across the whole council"


def where_and_when(scenario: Scenario, policies: list[Policy]) -> dict[str, str]:
    """Where the pilot works and when, in plain words."""
    locs = {loc.name: loc for loc in scenario.parameters.demand.localities}
    where = [_where(p, locs) for p in policies]
    starts = sorted({p.start_date for p in policies})
    ramp = max(p.ramp_up_months for p in policies)
    cal = Calendar.from_start(scenario.start_date, scenario.months)
    end = cal.date_of(cal.end_day - 1)
    return {
        "where": "; ".join(dict.fromkeys(where)),
        "starts": " and ".join(long_date(s) for s in starts),
        "ramp_up": f"{ramp:g} months",
        "horizon": (
            f"{long_date(scenario.start_date)} to {long_date(end)} ({scenario.years:g} years)"
        ),
    }


def council_words(scenario: Scenario) -> str:
    """The council the figures are for, and which population the run used and why."""
    prov = scenario.parameters.provenance
    if prov.get("council"):
        return f"{prov['council']}: {scenario.population_basis()}"
    if scenario.council == "england":
        return f"England's 2024-25 children's social care: {scenario.population_basis()}"
    return scenario.population_basis()


def calibration(scenario: Scenario) -> dict[str, Any]:
    """The calibration the parameters rest on, its fit and back-test error where recorded."""
    params = scenario.parameters
    prov = params.provenance
    sources = params.sources
    marked = {
        "unverified": sum("UNVERIFIED" in v for v in sources.values()),
        "judgement": sum(v.lower().startswith("judgement") for v in sources.values()),
        "total": len(sources),
    }
    overrides = sorted(k for k, v in sources.items() if v.startswith("scenario override"))
    backtest = prov.get("backtest")
    return {
        "description": params.description or "(no description in the parameter file)",
        "reference_year": params.reference_year,
        "council": prov.get("council"),
        "calibrated_on": prov.get("calibrated_on"),
        "neighbours": prov.get("statistical_neighbours") or [],
        "fit": prov.get("fit") or [],
        "backtest": backtest,
        "backtest_hold_out": prov.get("backtest_hold_out"),
        # a refit keeps the file's back-test, made with the version that fitted it before
        "backtest_model_version": prov.get("backtest_model_version"),
        "marked": marked,
        "overrides": overrides,
    }


def evidence_rows(policies: list[Policy]) -> list[dict[str, Any]]:
    """Each effect of each policy: value, range and its reasons, evidence, citation, warnings.

    ``flag`` joins every warning (weak evidence; a range that allows no effect, or harm);
    ``evidence_flag`` and ``range_flag`` are each one's own.
    """
    return [
        {
            "policy": p.name,
            "target": e.target,
            "label": effect_label(e.target),
            "central": e.central,
            "low": e.low,
            "high": e.high,
            "distribution": e.distribution,
            "evidence": e.evidence,
            "flag": effect_warnings(e),
            "evidence_flag": evidence_warning(e),
            "range_flag": range_warning(e),
            "low_reason": e.low_reason,
            "high_reason": e.high_reason,
            "study": e.study,
            "design": e.design,
            "year": e.year,
            "source": e.source,
        }
        for p in policies
        for e in p.effects
    ]


def unit_cost_rows(scenario: Scenario) -> tuple[CostBook, list[dict[str, Any]]]:
    """The cost book the figures used, item by item, placeholders flagged."""
    book = scenario.cost_book()
    rows = [
        {
            "item": name,
            "value": item.value,
            "unit": COST_UNITS[item.unit],
            "price_year": item.price_year,
            "at_book_prices": book.gbp(name),
            "low": None if item.low is None else book.uprate(item.low, item.price_year),
            "high": None if item.high is None else book.uprate(item.high, item.price_year),
            "status": item.status,
            "basis": item.basis,
            "source": item.source,
        }
        for name, item in book.items.items()
    ]
    return book, rows


def cost_table(costs: pd.DataFrame, variant: str) -> list[dict[str, Any]]:
    """Mean cost by financial year: today, with the pilot, and the change (GBP)."""
    totals = cost_by_year(costs, "sampled").pivot_table(
        index="financial_year", columns="variant", values="cost_gbp"
    )
    return [
        {
            "financial_year": fy,
            "baseline": r[BASELINE],
            "variant": r[variant],
            "change": r[variant] - r[BASELINE],
        }
        for fy, r in totals.iterrows()
    ]
