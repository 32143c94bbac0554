"""The verdict a director can repeat, and the figures behind it in one sign convention.

:func:`verdict` says a comparison in one sentence ("Over 5 years (2025-26 to 2029-30) Family
Safeguarding in Telford and Wrekin would keep about 8 more children out of care (between 1 and
19 in 9 of 10 simulated futures) and cost about £4.72m more than it saves; it is very unlikely
to pay for itself"), from the same formatted numbers the dashboard's tiles show
(:func:`tiles`), so the sentence and the tiles cannot disagree. Money is net cost throughout
(:data:`sim.reporting.labels.SIGN_CONVENTION`): positive means the pilot costs more than it
saves. :func:`cost_lines` splits the net cost by cost line, each with where its unit costs come
from; :func:`pilot_staff` says what staff the pilot adds. Pure functions of a comparison's
tables: no Streamlit, no runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

import pandas as pd

from sim.core.calendar import financial_year_label
from sim.experiments.comparison import BASELINE, NO_PAYBACK
from sim.experiments.costs import line_items
from sim.reporting import labels


class Span(NamedTuple):
    """A figure's mean and its 5th and 95th percentiles across simulated futures."""

    mean: float
    p5: float
    p95: float
    #: how many simulated futures the range is from (0: not known)
    futures: int = 0


def span(summary: pd.DataFrame, variant: str, measure: str, effects: str = "sampled") -> Span:
    """A figure of a comparison's summary (``summary.csv``'s rows) as a :class:`Span`."""
    sel = summary[
        (summary["variant"] == variant)
        & (summary["effects"] == effects)
        & (summary["measure"] == measure)
    ]
    if sel.empty:
        raise KeyError(f"no {measure!r} for {variant!r} ({effects}) in the summary")
    r = sel.iloc[0]
    futures = r.get("futures", 0)
    futures = int(futures) if futures == futures and futures is not None else 0  # nan: unknown
    return Span(_num(r["mean"]), _num(r["p5"]), _num(r["p95"]), futures)


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def period(start: dt.date, months: int) -> str:
    """The financial years a projection of ``months`` from ``start`` covers: ``2025-26 to
    2029-30`` (one year: ``2025-26``)."""
    first = financial_year_label(start)
    last_month = pd.Timestamp(start) + pd.DateOffset(months=max(months, 1) - 1)
    last = financial_year_label(last_month.date())
    return first if first == last else f"{first} to {last}"


_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def years_words(years: float) -> str:
    """``5 years`` as a director says it: ``five years`` (``one year``; ``12 years``)."""
    whole = round(years)
    if abs(years - whole) > 1e-9:
        return f"{years:g} years"
    name = _NUMBER_WORDS[whole] if 0 < whole < len(_NUMBER_WORDS) else f"{whole}"
    return f"{name} year" if whole == 1 else f"{name} years"


def _children_clause(averted: Span) -> str:
    """What the pilot does for children entering care, with its range in tile numbers."""
    fmt = labels.count
    lead = labels.range_lead(averted.futures or None)
    between = f"between {fmt(averted.p5)} and {fmt(averted.p95)} {lead}"
    mean = round(averted.mean)
    if mean >= 1:
        tail = (
            f" ({between}: the range includes more children entering care)"
            if averted.p5 < 0
            else f" ({between})"
        )
        return f"would keep about {labels.children(averted.mean)} out of care{tail}"
    if mean <= -1:
        return (
            f"might see about {labels.children(-averted.mean)} enter care "
            f"(children kept out of care {between})"
        )
    return (
        "would make no measurable difference to how many children enter care "
        f"(children kept out of care {between})"
    )


def _money_clause(net_cost: Span) -> str:
    """What the pilot does to the budget: net cost, in the tiles' format."""
    text = labels.money_m(abs(net_cost.mean))
    if text == labels.money_m(0):
        return "cost about what it saves"
    if net_cost.mean > 0:
        return f"cost about {text} more than it saves"
    return f"save about {text} more than it costs"


def _chance_clause(prob_saves: float) -> str:
    words = labels.chance_words(prob_saves)
    if words == "about even":
        return "whether it pays for itself is about even"
    return f"it is {words} to pay for itself"


def verdict(
    pilot: str,
    where: str,
    years: float,
    averted: Span,
    net_cost: Span,
    prob_saves: float,
    *,
    covers: str = "",
    already_runs: str = "",
) -> str:
    """The comparison in one sentence a director can repeat.

    ``pilot``: its name; ``where``: the council or locality ("Telford and Wrekin");
    ``averted``: care entries averted; ``net_cost``: net cost (positive: costs more than it
    saves); ``prob_saves``: the share of simulated futures in which it pays for itself
    (discounted); ``covers``: the financial years (:func:`period`). ``already_runs``: when the
    council's published figures already include the pilot everywhere it would run (why, in
    words), the comparison adds nothing and the sentence says so plainly.
    """
    when = f"Over {years_words(years)}" + (f" ({covers})" if covers else "")
    if already_runs:
        return (
            f"{where} already runs {pilot}, so its published figures include it: compared "
            "with today's way of working it adds nothing here (no more children kept out of "
            "care, no extra cost). To see what more of it would do, model it as an expansion."
        )
    money = _money_clause(net_cost)
    # a pilot that costs about what it saves has no chance of paying for itself worth saying
    chance = "" if money == "cost about what it saves" else f"; {_chance_clause(prob_saves)}"
    return f"{when} {pilot} in {where} {_children_clause(averted)} and {money}{chance}."


def summary_verdict(
    summary: pd.DataFrame,
    variant: str,
    where: str,
    years: float,
    *,
    covers: str = "",
    already_runs: str = "",
    effects: str = "sampled",
) -> str:
    """:func:`verdict` from a comparison's summary (the dashboard's, or ``summary.csv``)."""
    return verdict(
        variant,
        where,
        years,
        span(summary, variant, "care_entries_averted", effects),
        span(summary, variant, "net_cost_gbp", effects),
        span(summary, variant, "prob_saves_money", effects).mean,
        covers=covers,
        already_runs=already_runs,
    )


def runs_already(policies: list) -> str:
    """Why the council's figures include every one of ``policies`` already (``""`` when one
    of them is new here): the case where the comparison adds nothing."""
    if policies and all(p.in_baseline for p in policies):
        return "; ".join(dict.fromkeys(p.in_baseline for p in policies))
    return ""


@dataclass(frozen=True)
class Tile:
    """One headline figure as the page shows it: label, value, a caption under it (the period
    and the range in words) and help (what it means)."""

    measure: str
    label: str
    value: str
    caption: str
    help: str


def _range_caption(covers: str, measure: str, s: Span) -> str:
    if s.p5 != s.p5 or s.p5 == s.p95:
        return f"{covers}; the same in every simulated future"
    return f"{covers}; {labels.range_words(measure, s.p5, s.p95, s.futures or None)}"


def outcome_tiles(summary: pd.DataFrame, variant: str, covers: str) -> list[Tile]:
    """The figures for children: care entries averted, days in care avoided, children safely
    home after a child protection plan."""
    out = []
    for m in (
        "care_entries_averted",
        "child_days_in_care_avoided",
        "cp_children_safely_home_gained",
    ):
        s = span(summary, variant, m)
        out.append(
            Tile(
                m,
                labels.short_label(m),
                labels.count(s.mean),
                _range_caption(covers, m, s),
                labels.help_text(m),
            )
        )
    return out


def money_tiles(
    summary: pd.DataFrame, variant: str, covers: str, paired: pd.DataFrame | None = None
) -> list[Tile]:
    """The money, all as net cost (positive: costs more than it saves): the pilot's own cost,
    net cost, net cost in today's money (NPV), the chance it pays for itself, savings per £1
    and the payback year; ``paired`` (per-replication figures) counts futures."""
    own, net = span(summary, variant, "policy_cost_gbp"), span(summary, variant, "net_cost_gbp")
    npv_saving = span(summary, variant, "npv_net_saving_gbp")
    npv_cost = Span(-npv_saving.mean, -npv_saving.p95, -npv_saving.p5, npv_saving.futures)
    prob = span(summary, variant, "prob_saves_money").mean
    k, n = _futures(paired, variant, lambda p: p["npv_net_saving_gbp"] > 0)
    ret = span(summary, variant, "return_per_pound")
    return [
        Tile(
            "policy_cost_gbp",
            "The pilot's own cost",
            labels.money_m(own.mean),
            _range_caption(covers, "policy_cost_gbp", own),
            labels.help_text("policy_cost_gbp"),
        ),
        Tile(
            "net_cost_gbp",
            labels.label("net_cost_gbp"),
            labels.money_m(net.mean),
            _range_caption(covers, "net_cost_gbp", net),
            labels.help_text("net_cost_gbp"),
        ),
        Tile(
            "npv_net_cost_gbp",
            "Net cost in today's money (NPV)",
            labels.money_m(npv_cost.mean),
            _range_caption(covers, "net_cost_gbp", npv_cost),
            labels.NPV_WORDS,
        ),
        Tile(
            "prob_saves_money",
            "Chance it pays for itself",
            labels.chance_words(prob).capitalize(),
            f"{covers}; it paid for itself in {k} of {n} simulated futures" if n else covers,
            f"{labels.help_text('prob_saves_money')}: {labels.chance_help(prob, k, n)}",
        ),
        Tile(
            "return_per_pound",
            labels.label("return_per_pound"),
            labels.tile_text("return_per_pound", ret.mean),
            _range_caption(covers, "return_per_pound", ret)
            if ret.mean == ret.mean
            else f"{covers}; the pilot costs nothing here",
            labels.help_text("return_per_pound"),
        ),
        _payback_tile(summary, variant, covers, paired),
    ]


def _futures(paired: pd.DataFrame | None, variant: str, test: Any) -> tuple[int, int]:
    """How many of a variant's simulated futures (sampled effects) pass ``test``, of how many."""
    if paired is None:
        return 0, 0
    p = paired[(paired["variant"] == variant) & (paired["effects"] == "sampled")]
    return int(test(p).sum()), len(p)


def _payback_tile(
    summary: pd.DataFrame, variant: str, covers: str, paired: pd.DataFrame | None
) -> Tile:
    sel = summary[
        (summary["variant"] == variant)
        & (summary["effects"] == "sampled")
        & (summary["measure"] == "payback_year")
    ]
    year = str(sel.iloc[0]["mean"]) if not sel.empty else NO_PAYBACK
    k, n = _futures(paired, variant, lambda p: p["payback_year"].astype(str) != NO_PAYBACK)
    last = covers.split(" to ")[-1]
    value = f"Not by {last}" if year.startswith("none") else year
    return Tile(
        "payback_year",
        labels.label("payback_year"),
        value,
        f"{covers}; it paid back within these years in {k} of {n} simulated futures"
        if n
        else covers,
        labels.help_text("payback_year"),
    )


def cost_lines(costs: pd.DataFrame, variant: str, book: Any, policies: list) -> pd.DataFrame:
    """The net cost by cost line: today's cost, the pilot's and the difference (positive: costs
    more), each the mean over simulated futures (sampled effects, summed over the years), with
    where each line's unit costs come from. The differences add up to the net cost."""
    c = costs[costs["effects"] == "sampled"]
    base = c[c["variant"] == BASELINE].groupby(["replication", "line"])["cost_gbp"].sum()
    pilot = c[c["variant"] == variant].groupby(["replication", "line"])["cost_gbp"].sum()
    both = pd.concat({"today": base, "pilot": pilot}, axis=1).fillna(0.0)
    means = both.groupby("line").mean()
    means["difference"] = means["pilot"] - means["today"]
    means = means.sort_values("difference", key=abs, ascending=False)
    money = labels.money_rounded
    rows = [
        {
            "Cost line": labels.cost_line_label(line),
            "Net cost (pilot less today)": money(r.difference),
            "Where the unit costs come from": line_basis(line, book, policies),
            "Today's way of working": money(r.today),
            "With the pilot": money(r.pilot),
        }
        for line, r in means.iterrows()
    ]
    total = means.sum()
    rows.append(
        {
            "Cost line": "All lines: the net cost",
            "Net cost (pilot less today)": labels.money_m(total["difference"]),
            "Where the unit costs come from": "",
            "Today's way of working": money(total["today"]),
            "With the pilot": money(total["pilot"]),
        }
    )
    return pd.DataFrame(rows)


def line_basis(line: str, book: Any, policies: list) -> str:
    """Where a cost line's unit costs come from, placeholders flagged (``PLACEHOLDER: ...``)."""
    items = [i for i in line_items(line, policies) if i in book.items]
    bases = {book.items[i].basis for i in items}
    # placeholders first, so the flag is what a reader sees of a narrow column
    order = ("placeholder", "entered", "council's own", "national")
    words = [labels.COST_BASIS_SHORT[b] for b in order if b in bases]
    if line.startswith("policy: "):
        judged = any(p.costs.status == "judgement" for p in policies if line == f"policy: {p.name}")
        if judged:
            words.append("set-up, training: judgement")
    return "; ".join(words)


def pilot_staff(
    policies: list, population: float, locality_shares: dict[str, float] | None = None
) -> str:
    """The staff the pilots add in a council of ``population`` children (a pilot working in
    named localities: for their children), in words: ``4.4 full-time staff (FTE): 4.0 adult
    specialists, 0.4 supervisors``."""
    by_role: dict[str, float] = {}
    for p in policies:
        for s in p.staff_at(p.served_population(population, locality_shares)):
            by_role[s.role] = by_role.get(s.role, 0.0) + s.fte
    if not by_role:
        return "no staff beyond today's"
    parts = ", ".join(f"{fte:.1f} {labels.ROLE_WORDS.get(r, r)}" for r, fte in by_role.items())
    return f"{sum(by_role.values()):.1f} full-time staff (FTE): {parts}"


def council_words(scenario: Any) -> str:
    """The council a scenario is for: its parameter file's council, else the scenario's name
    before its colon (as the dashboard names it); England's rates are a council of its size."""
    council = scenario.parameters.provenance.get("council") or scenario.name.split(":")[0]
    if scenario.council == "england" and council in ("England", "england", scenario.name):
        return f"a council of {scenario.population:,} children at England's rates"
    return str(council)


def pilot_costs(
    policies: list, population: float, locality_shares: dict[str, float] | None = None
) -> str:
    """The pilots' own costs beyond their staff's pay, in words, at the council's size: ``set-up
    £66k and training £18k a year (2024-25 prices, judgement)``; each pilot named when there are
    several; ``""`` when there are none."""
    parts = []
    for p in policies:
        k, c = p.scale(p.served_population(population, locality_shares)), p.costs
        money = lambda v: labels.format_value("money", v)  # noqa: E731
        bits = [f"set-up {money(k * c.setup_gbp)}"] if k and c.setup_gbp else []
        if k and c.training_gbp_per_year:
            bits.append(f"training {money(k * c.training_gbp_per_year)} a year")
        if k and c.per_family_gbp:
            bits.append(f"{money(c.per_family_gbp)} per family")
        if bits:
            why = "judgement" if c.status == "judgement" else "published"
            words = f"{' and '.join(bits)} ({c.price_year} prices, {why})"
            parts.append(f"{p.name}: {words}" if len(policies) > 1 else words)
    return "; ".join(parts)


def served_words(policies: list, scenario: Any) -> str:
    """For whose children the pilots' staff are sized, in words: ``in a council of 67,149
    children``, or, for a pilot in named localities, ``for the 6,850 children of Weymouth and
    Portland (10.2% of the council's 67,149)``: the locality's share of the council's children
    now, which a district's published count (from an earlier year's estimates) need not match."""
    whole = f"in a council of {scenario.population:,} children"
    shares = scenario.locality_shares()
    places = sorted({loc for p in policies for loc in p.eligible.localities or ()})
    if not places or not shares:
        return whole
    served = max(p.served_population(scenario.population, shares) for p in policies)
    if served >= scenario.population:
        return whole
    return (
        f"for the {round(served):,} children of {' and '.join(places)} "
        f"({served / scenario.population:.1%} of the council's {scenario.population:,})"
    )


def where_words(scenario: Any) -> str:
    """Where the pilot works, for the verdict and the results' heading: the council
    (:func:`council_words`), or the localities its pilots are limited to with the council
    ("Weymouth and Portland, Dorset")."""
    council = council_words(scenario)
    places = sorted(
        {
            loc
            for ps in scenario.compared_variants().values()
            for p in ps
            for loc in p.eligible.localities or ()
        }
    )
    if not places:
        return council
    if places == ["pilot locality"]:
        return f"one locality of {council}"
    return f"{' and '.join(places)}, {council}"
