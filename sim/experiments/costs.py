"""Costs and value for money: pure functions over tidy frames and a book of unit costs.

No simpy, no randomness, no file reading beyond the cost book. Costs by financial year and line:
placements (child-days in each placement type x weekly cost / 7), social work and early help
staff (FTE in post x annual cost), care proceedings (children x cost), and each policy's costs
(its staff, set-up in its first year, training each year it runs, a cost per family enrolled).
Unit costs are uprated from their price year to the book's price year; discounting follows the
HM Treasury Green Book.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.inputs.cost_book import PLACEMENTS, CostBook

#: HM Treasury Green Book discount rate (3.5% a year for the first 30 years).
GREEN_BOOK_RATE = 0.035


def discount_factor(year_index: int, rate: float = GREEN_BOOK_RATE) -> float:
    """Green Book discount factor for year ``year_index`` (0 = the first year, undiscounted)."""
    return 1.0 / (1.0 + rate) ** year_index


def npv(cashflows_by_fy: pd.Series | list[float], rate: float = GREEN_BOOK_RATE) -> float:
    """Net present value of yearly cash flows, the first year undiscounted."""
    values = np.asarray(list(cashflows_by_fy), dtype=float)
    return float(sum(v * discount_factor(i, rate) for i, v in enumerate(values)))


def return_per_pound(net_saving: float, investment: float) -> float:
    """Gross saving per pound invested: (saving on everything else + investment) / investment.

    ``net_saving`` is the saving after paying for the policy; a policy that pays for itself
    exactly returns 1.0.
    """
    if investment <= 0:
        return float("nan")
    return (net_saving + investment) / investment


def payback_year(cumulative_net_saving: pd.Series) -> str | None:
    """The first year, once the policy has cost or saved anything, that cumulative net saving
    is at least zero; None if that never happens within the horizon."""
    started = False
    for fy, value in cumulative_net_saving.items():
        started = started or value != 0
        if started and value >= 0:
            return str(fy)
    return None


def cost_per_care_entry_averted(net_cost: float, entries_averted: float) -> float:
    """Net cost divided by care entries averted (nan when none are averted)."""
    return net_cost / entries_averted if entries_averted > 0 else float("nan")


#: The cost book's items each line of :func:`costs_by_year` is priced from (a policy's own line,
#: ``policy: <name>``, is priced from its staff roles' items and its own costs).
LINE_ITEMS = {
    **{f"placements_{p}": (f"placement_{p}",) for p in PLACEMENTS if p != "residential"},
    "placements_residential": (
        "placement_residential_private",
        "placement_residential_la",
        "share_residential_private",
    ),
    "staff_social_workers": ("staff_social_worker",),
    "staff_early_help": ("staff_family_practitioner",),
    "assessments": ("assessment_marginal",),
    "early_help": ("early_help_per_child_marginal",),
    "care_proceedings": ("care_proceedings_per_child",),
}


def line_items(line: str, policies: list | None = None) -> tuple[str, ...]:
    """The unit costs a cost line is priced from; a policy's line: its staff roles' items."""
    if line in LINE_ITEMS:
        return LINE_ITEMS[line]
    for p in policies or ():
        if line == f"policy: {p.name}":
            return tuple(dict.fromkeys(f"staff_{s.role}" for s in p.adds_staff))
    return ()


def costs_by_year(
    monthly: pd.DataFrame,
    book: CostBook,
    policies: list | None = None,
    start_date=None,
    *,
    population: float | None = None,
    locality_shares: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Cost per replication, financial year and line (GBP at the book's price year).

    ``monthly`` is a tidy monthly frame (one scenario, any replications); ``policies`` the
    scenario's policies (their index matches the ``policy_enrolments_<i>`` measures);
    ``population`` the scenario's children, which size the policies' teams and their staff,
    set-up and training costs (a policy file's are per 100,000 children); needed with policies.
    """
    if policies and population is None:
        raise ValueError(
            "population: the council's children are needed to cost its policies' teams "
            "(a policy file's staff and costs are per 100,000 children)"
        )
    keys = ["scenario", "replication", "financial_year"]
    wide = monthly.pivot_table(
        index=[*keys, "month"], columns="measure", values="value", aggfunc="sum"
    ).reset_index()
    lines: dict[str, pd.Series] = {}
    for p in PLACEMENTS:
        col = f"child_days_{p}"
        if col in wide:
            lines[f"placements_{p}"] = wide[col] / 7 * book.weekly_placement(p)
    if "social_worker_fte_core" in wide:
        lines["staff_social_workers"] = (
            wide["social_worker_fte_core"] * book.gbp("staff_social_worker") / 12
        )
    if "early_help_fte_core" in wide:
        lines["staff_early_help"] = (
            wide["early_help_fte_core"] * book.gbp("staff_family_practitioner") / 12
        )
    # work beyond core staff time that varies with how much of it there is
    if "assessments" in wide:
        lines["assessments"] = wide["assessments"] * book.gbp("assessment_marginal")
    if "early_help_starts" in wide:
        lines["early_help"] = wide["early_help_starts"] * book.gbp("early_help_per_child_marginal")
    if "care_proceedings" in wide:
        lines["care_proceedings"] = wide["care_proceedings"] * book.gbp(
            "care_proceedings_per_child"
        )
    out = wide[keys].copy()
    for name, values in lines.items():
        out[name] = values.fillna(0.0).to_numpy()
    for i, policy in enumerate(policies or ()):
        served = policy.served_population(float(population or 0), locality_shares)
        out[f"policy_{i}"] = _policy_monthly_cost(wide, policy, i, book, served)
    long = out.melt(id_vars=keys, var_name="line", value_name="cost_gbp")
    long = long.groupby([*keys, "line"], as_index=False)["cost_gbp"].sum()
    names = {f"policy_{i}": f"policy: {p.name}" for i, p in enumerate(policies or ())}
    long["line"] = long["line"].replace(names)
    return long


def _policy_monthly_cost(
    wide: pd.DataFrame, policy, index: int, book: CostBook, population: float
) -> np.ndarray:
    """A policy's staff, set-up, training and per-family costs in each month.

    Staff, set-up and training are the file's per 100,000 children times the policy's
    :meth:`~sim.inputs.policies.Policy.scale` at ``population``; the per-family cost is not scaled.
    In a book drawn for a replication (:meth:`~sim.inputs.cost_book.CostBook.drawn`) set-up,
    training and per-family costs are drawn from their range too (staff from their unit costs').
    """
    month_start = pd.to_datetime(wide["month"] + "-01")
    start = pd.Timestamp(policy.start_date)
    running = (month_start >= start.replace(day=1)).to_numpy()
    c = policy.costs
    drawn = book.policy_cost_factor(c.low_factor, c.high_factor)  # 1 at the stated figures
    price = lambda v: drawn * book.uprate(v, c.price_year)  # noqa: E731 (the book's deflator)
    k = policy.scale(population)
    staff = sum(s.fte * book.gbp(f"staff_{s.role}") for s in policy.staff_at(population)) / 12
    cost = np.where(running, staff + k * price(c.training_gbp_per_year) / 12, 0.0)
    first = (month_start.dt.year == start.year) & (month_start.dt.month == start.month)
    cost = cost + np.where(first.to_numpy(), k * price(c.setup_gbp), 0.0)
    enrolled = wide.get(f"policy_enrolments_{index}")
    if enrolled is not None:
        cost = cost + enrolled.fillna(0.0).to_numpy() * price(c.per_family_gbp)
    return cost


def placeholder_items(book: CostBook) -> list[str]:
    """Items whose values are placeholders, to flag wherever costs are shown."""
    return [k for k, v in book.items.items() if v.status == "placeholder"]


__all__ = [
    "GREEN_BOOK_RATE",
    "LINE_ITEMS",
    "cost_per_care_entry_averted",
    "costs_by_year",
    "discount_factor",
    "line_items",
    "npv",
    "payback_year",
    "return_per_pound",
]
