"""Why a projection moves, in plain words, built from the run itself.

A chart of looked-after children that falls or rises needs a sentence a director can repeat:
"About 140 children start care a year and 150 leave: the number looked after falls slowly".
The numbers come from the run's own flows (care entries and exits a year, averaged over the
horizon and the replications) and its own stock at the start and at the horizon, so the words
and the chart cannot disagree.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.core.measures import CP_DURATION_BANDS
from sim.experiments.comparison import BASELINE
from sim.experiments.summaries import bands
from sim.inputs.parameters import FutureSource
from sim.reporting.charts import cost_change_by_line
from sim.reporting.labels import band_words, error_bar_words, money_m, year_of_run_words

#: Yearly change (% of the starting number) below which a stock is "about level", and below
#: which it changes "slowly" (judgement: 0.5% a year is within a run's chance over five years;
#: 2.5% a year is Dorset's 2024-25 gap between starts and exits).
LEVEL_PCT_PER_YEAR = 0.5
SLOW_PCT_PER_YEAR = 2.5
#: Months in a year (a run's flows are counted by month).
MONTHS_PER_YEAR = 12
#: How far (% of the nearer end) a stock's line must rise above both its ends, or fall below
#: them, for its words to name that high or low as well as the ends (judgement: a bump a reader
#: sees on the chart, beyond the few % a mean of a few runs wanders by).
BUMP_PCT = 10


def about(n: float) -> str:
    """A count as people say it: to the nearest 10 from 100, the nearest 5 from 20."""
    if n >= 100:
        return f"{round(n / 10) * 10:,.0f}"
    if n >= 20:
        return f"{round(n / 5) * 5:.0f}"
    return f"{round(n):.0f}"


def _mean_by_month(monthly: pd.DataFrame, measure: str) -> pd.Series:
    sel = monthly[monthly["measure"] == measure]
    return sel.groupby("month")["value"].mean().sort_index()


def looked_after_in_words(monthly: pd.DataFrame, variant: str = BASELINE) -> str:
    """Why the number of children looked after moves over the run, in one sentence.

    ``monthly``: a run's monthly frame (``month, measure, value`` and, for a comparison,
    ``variant``; replications are averaged). Starts and leavings are the run's care entries
    and exits a year over the whole horizon; the change is from the first month's end to the
    last. Raises ``ValueError`` naming what is missing when the frame has no looked-after
    figures or no flows into and out of care.
    """
    return stock_in_words(
        monthly,
        variant,
        stock=("looked_after", ("care_entries",), ("care_exits",)),
        words=("children start care", "leave", "the number looked after"),
    )


def cp_plans_in_words(monthly: pd.DataFrame, variant: str = BASELINE) -> str:
    """Why the number of children on child protection plans moves, in one sentence: plans
    started and ended a year (every length of plan), and the number at the start and the end.
    Raises ``ValueError`` naming what is missing."""
    return stock_in_words(
        monthly,
        variant,
        stock=("cp_plans", ("cp_plans_started",), CP_PLAN_ENDS),
        words=("children start a CP plan", "come off one", "the number on a plan"),
    )


#: The measures that count children coming off a CP plan (one per length of plan).
CP_PLAN_ENDS = tuple(f"cp_plans_ended_{b}" for b in CP_DURATION_BANDS)


def stock_in_words(
    monthly: pd.DataFrame,
    variant: str,
    stock: tuple[str, tuple[str, ...], tuple[str, ...]],
    words: tuple[str, str, str],
) -> str:
    """A stock's move over the run in one sentence: ``stock`` is (stock measure, measures that
    add to it, measures that take from it); ``words`` (what joining is, what leaving is, what
    the stock is) build "About 140 children start care a year and 150 leave: the number looked
    after falls slowly, from about 440 to about 380 over 5 years."."""
    if "variant" in monthly:
        monthly = monthly[monthly["variant"] == variant]
    name, ins, outs = stock
    level = _mean_by_month(monthly, name)
    flows = [_summed(monthly, ins), _summed(monthly, outs)]
    missing = [n for n, s in ((name, level), (ins[0], flows[0])) if s.empty]
    missing += [outs[0]] if flows[1].empty else []
    if missing:
        raise ValueError(
            f"{words[2]} in words: the run has no {', '.join(missing)} figures "
            f"for variant {variant!r}"
        )
    years = len(level) / MONTHS_PER_YEAR
    start_per_year, leave_per_year = (f.sum() / (len(f) / MONTHS_PER_YEAR) for f in flows)
    first, last = float(level.iloc[0]), float(level.iloc[-1])
    # a move that rounds away reads as level ("rises slowly, from about 220 to about 220" would not)
    level_words = about(first) == about(last)
    trend = f"{words[2]} {'stays about level' if level_words else _trend(first, last, years)}"
    span = f"{years:.0f} years" if years >= 1.5 else f"{len(level)} months"
    return (
        f"About {about(start_per_year)} {words[0]} a year and "
        f"{about(leave_per_year)} {words[1]}: {trend}, from about {about(first)} to about "
        f"{about(last)} over {span}{_bump_words(level)}."
    )


def _bump_words(level: pd.Series) -> str:
    """ ", highest about 270 in its first year" when the line rises more than :data:`BUMP_PCT`
    above both its ends (or ", lowest about ..." when it falls below them), else "": the words
    give the ends, and a reader who sees a hump between them must find it in the words too."""
    ends = (float(level.iloc[0]), float(level.iloc[-1]))
    high, low = float(level.max()), float(level.min())
    if high > max(ends) * (1 + BUMP_PCT / 100) and about(high) != about(max(ends)):
        word, value, month = "highest", high, level.to_numpy().argmax()
    elif low < min(ends) * (1 - BUMP_PCT / 100) and about(low) != about(min(ends)):
        word, value, month = "lowest", low, level.to_numpy().argmin()
    else:
        return ""
    return f", {word} about {about(value)} {year_of_run_words(int(month) // MONTHS_PER_YEAR)}"


def _summed(monthly: pd.DataFrame, measures: tuple[str, ...]) -> pd.Series:
    """The sum of ``measures`` by month, averaged over replications (empty if none is there)."""
    parts = [s for s in (_mean_by_month(monthly, m) for m in measures) if not s.empty]
    return pd.concat(parts, axis=1).sum(axis=1) if parts else pd.Series(dtype=float)


def _trend(first: float, last: float, years: float) -> str:
    """ "stays about level", "rises", "falls slowly" (:data:`LEVEL_PCT_PER_YEAR`,
    :data:`SLOW_PCT_PER_YEAR`) for a move from ``first`` to ``last`` over ``years``."""
    pct_per_year = 100 * (last - first) / max(first, 1.0) / max(years, 1 / MONTHS_PER_YEAR)
    if abs(pct_per_year) < LEVEL_PCT_PER_YEAR:
        return "stays about level"
    way = "rises" if pct_per_year > 0 else "falls"
    return way + (" slowly" if abs(pct_per_year) < SLOW_PCT_PER_YEAR else "")


def capacity_in_words(monthly: pd.DataFrame, variant: str = BASELINE) -> str:
    """What the social workers' chart shows, in one sentence: children waiting for a social
    worker at month end (on average and at most) when any waited, else the caseload per social
    worker at the start and the end against the referrals a year that feed it."""
    if "variant" in monthly:
        monthly = monthly[monthly["variant"] == variant]
    waiting = _mean_by_month(monthly, "waiting_allocation")
    referrals = _mean_by_month(monthly, "referrals")
    per_year = referrals.sum() / max(len(referrals) / MONTHS_PER_YEAR, 1 / MONTHS_PER_YEAR)
    fed = f"About {about(per_year)} referrals a year reach social care"
    if not waiting.empty and waiting.sum() > 0:
        return (
            f"{fed}; when more arrive than social workers can take, children wait: about "
            f"{about(waiting.mean())} at a month's end on average, {about(waiting.max())} at "
            "most."
        )
    load = _mean_by_month(monthly, "caseload_per_sw")
    if load.empty:
        raise ValueError(
            f"capacity in words: the run has no waiting_allocation or caseload_per_sw figures "
            f"for variant {variant!r}"
        )
    first, last = float(load.iloc[0]), float(load.iloc[-1])
    return (
        f"{fed} and nobody waits for a social worker: each holds about {first:.0f} cases at "
        f"the start and {last:.0f} at the end ({_trend(first, last, len(load) / 12)})."
    )


#: A step between the last published figure and the projection's first month, as a share of
#: the published figure, above which the chart's words explain it (judgement: below 5% the
#: step is within a year's usual move of a council's published counts).
JOIN_STEP_SHARE = 0.05


def join_in_words(monthly: pd.DataFrame, history: pd.DataFrame | None, measure: str) -> str:
    """Why the projection starts away from the last published figure, when it does by more than
    :data:`JOIN_STEP_SHARE`; "" when the two meet (or there is no published figure)."""
    past = None if history is None else history[history["measure"] == measure]
    if past is None or past.empty:
        return ""
    if "variant" in monthly:
        monthly = monthly[monthly["variant"] == BASELINE]
    level = _mean_by_month(monthly, measure)
    if level.empty:
        return ""
    last = past.sort_values("month").iloc[-1]
    published, first = float(last["value"]), float(level.iloc[0])
    step = (first - published) / max(published, 1.0)
    if abs(step) <= JOIN_STEP_SHARE:
        return ""
    way = "above" if step > 0 else "below"
    return (
        f"The projection starts {abs(step):.0%} {way} the last published figure (about "
        f"{about(first)} at the end of its first month against {published:,.0f} at 31 March "
        f"{str(last['month'])[:4]}): the model opens with the caseload its rates, fitted to "
        "several years of published figures, hold, not that one count, so it starts from there."
    )


#: Money below which a change is "little" in words (it shows as £0.00m).
SMALL_GBP = 5_000


def cost_difference_in_words(costs: pd.DataFrame, variant: str, effects: str = "sampled") -> str:
    """Why the pilot's cost differs from today's, in one sentence: over the run, what the pilot
    itself costs (its staff, set-up and running) and what it saves or adds elsewhere
    (placements, social work), which together give the difference the chart shows."""
    change = cost_change_by_line(costs, variant, effects)
    if change.empty:  # e.g. a pilot the council's published figures already include
        return "The pilot changes no cost here: its costs are today's, so every bar is 0."
    own = change["line"].str.startswith("policy: ")
    pilot = float(change.loc[own, "change_gbp"].sum())
    rest = float(change.loc[~own, "change_gbp"].sum())
    net = pilot + rest
    lines = "(placements, social work and the rest)"
    if abs(rest) < SMALL_GBP:
        elsewhere = f"changes little elsewhere {lines}"
    else:
        elsewhere = f"{'saves' if rest < 0 else 'adds'} {money_m(abs(rest))} elsewhere {lines}"
    years = change["financial_year"].nunique()
    total = f"{money_m(abs(net))} {'more' if net > 0 else 'less'} than today"
    futures = int(costs["replication"].nunique()) if "replication" in costs else None
    lines_show = error_bar_words(futures)
    return (
        f"Over the {years} financial years the pilot's own staff and running cost "
        f"{money_m(pilot)} and it {elsewhere}: {total}. Bars above 0 cost more than today; "
        f"{lines_show}."
    )


def locality_in_words(monthly: pd.DataFrame, index: int, name: str, variant: str) -> str:
    """What the pilot changes in its own locality, in one sentence: children starting care and
    CP plans there a year, today and with the pilot ("In Weymouth and Portland about 50
    children start care a year today and about 45 with the pilot; ..."). ``index``: the
    locality's place among the scenario's localities (its flows are counted by it). Raises
    ``ValueError`` naming what is missing."""
    parts = []
    for measure, what in (("care_entries", "start care"), ("cp_plans_started", "start a CP plan")):
        key = f"{measure}_locality_{index}"
        per_year = {}
        for v in (BASELINE, variant):
            sel = monthly[monthly["variant"] == v] if "variant" in monthly else monthly
            flow = _mean_by_month(sel, key)
            if flow.empty:
                raise ValueError(f"locality in words: the run has no {key} figures for {v!r}")
            per_year[v] = flow.sum() / (len(flow) / MONTHS_PER_YEAR)
        parts.append(
            f"about {about(per_year[BASELINE])} children {what} a year today and about "
            f"{about(per_year[variant])} with the pilot"
        )
    return f"In {name} {parts[0]}; {parts[1]}."


#: Charts whose shaded range is explained in words (levels a council publishes; the waiting and
#: caseload charts' ranges are chance alone and stay narrow).
RANGE_EXPLAINED = ("looked_after", "cp_plans")


def range_in_words(monthly: pd.DataFrame, measure: str, future: str = "uncertain") -> str:
    """Why today's shaded range widens, in one sentence, with its ends after the first month and
    at the horizon, read from the band the chart draws (:func:`sim.experiments.summaries.bands`):
    "The shaded range (9 in 10 simulated futures) runs from about 270 to 290 after the first
    month and from about 200 to 420 by March 2030: ..."."""
    base = monthly[monthly["variant"] == BASELINE] if "variant" in monthly else monthly
    base = base.assign(variant=BASELINE, effects="none")
    shaped = bands(base, measure, future=future).sort_values("month")
    if shaped.empty:
        return ""
    first, last = shaped.iloc[0], shaped.iloc[-1]
    futures = int(base["replication"].nunique()) if "replication" in base else None
    lead = band_words(futures)
    when = pd.Period(str(last["month"])[:7], freq="M").strftime("%B %Y")
    why = (
        "each simulated future draws how the council's numbers move year to year from what "
        "councils' published figures did, and the range is widened by how far such projections "
        "have missed what councils went on to publish"
        if future == "uncertain"
        else "chance adds up over the years (the future is held as today's)"
    )
    return (
        f"The shaded range ({lead}) runs from about {about(first['p5'])} to "
        f"{about(first['p95'])} after the first month and from about {about(last['p5'])} to "
        f"{about(last['p95'])} by {when}: it widens the further ahead it looks because {why}."
    )


#: What each chart's drift toward the neighbours is measured on: the future's column that moves
#: it and how the neighbours' rate reads ("start ... children in care per child").
DRIFT_WORDS = {
    "looked_after": ("looked_after", "look after {pct} {way} children per child"),
    "cp_plans": ("cp_plans_started", "start {pct} {way} child protection plans per child"),
}
#: A gap to the neighbours smaller than this (%) goes unsaid (judgement: within a year's chance).
DRIFT_UNSAID_PCT = 5.0
_FRACTIONS = {2: "a half", 3: "a third", 4: "a quarter", 5: "a fifth", 6: "a sixth", 8: "an eighth"}


def share_in_words(share: float) -> str:
    """A share as people say it: 0.175 -> "about a sixth", 0.25 -> "about a quarter"."""
    n = round(1 / share) if share > 0 else 0
    return f"about {_FRACTIONS[n]}" if n in _FRACTIONS else f"about {share:.0%}"


def drift_in_words(future: FutureSource, measure: str) -> str:
    """Why today's central line drifts toward similar councils, in one sentence, from the
    future's gap to the neighbours and the share of it closed a year (empty where the chart has
    no drift or the gap is small): "Its central line also drifts toward similar councils (its
    statistical neighbours), which look after about 20% more children per child: it closes
    about 5% of that gap a year, the share that best matched councils' published numbers in
    past years."."""
    if measure not in DRIFT_WORDS:
        return ""
    column, words = DRIFT_WORDS[measure]
    gap = getattr(future.toward_neighbours, column)
    pull = getattr(future.pull_per_year, column)
    pct = 100 * abs(math.expm1(gap))  # neighbours' rate against the council's, more or fewer
    if not pull or pct < DRIFT_UNSAID_PCT:
        return ""
    way = "more" if gap > 0 else "fewer"
    return (
        "Its central line also drifts toward similar councils (its statistical neighbours), "
        f"which {words.format(pct=f'about {pct:.0f}%', way=way)}: it closes "
        f"{share_in_words(pull)} of that gap a year, the share that best matched councils' "
        "published numbers in past years."
    )


def chart_caption(
    monthly: pd.DataFrame,
    measure: str,
    history: pd.DataFrame | None = None,
    future: str = "uncertain",
    drift: FutureSource | None = None,
) -> str:
    """The plain-words line under a chart of ``measure`` by month: why today's way of working
    moves (:func:`looked_after_in_words`, :func:`cp_plans_in_words`, :func:`capacity_in_words`),
    why it drifts toward similar councils with drawn futures (:func:`drift_in_words`, from
    ``drift``: the parameters' future), where the published series is drawn, why the
    projection starts away from it, and for a level a council publishes, why its range widens
    (:func:`range_in_words`)."""
    words = CAPTIONS[measure](monthly)
    extra = [drift_in_words(drift, measure) if drift and future == "uncertain" else ""]
    extra.append(join_in_words(monthly, history, measure))
    if measure in RANGE_EXPLAINED:
        extra.append(range_in_words(monthly, measure, future))
    return " ".join([f"Today's way of working: {words}", *(e for e in extra if e)])


#: The plain-words line of each chart by month the dashboard draws.
CAPTIONS = {
    "looked_after": looked_after_in_words,
    "cp_plans": cp_plans_in_words,
    "waiting_allocation": capacity_in_words,
    "caseload_per_sw": capacity_in_words,
}


__all__ = [
    "CAPTIONS",
    "about",
    "capacity_in_words",
    "chart_caption",
    "cost_difference_in_words",
    "cp_plans_in_words",
    "drift_in_words",
    "join_in_words",
    "locality_in_words",
    "looked_after_in_words",
    "range_in_words",
    "share_in_words",
    "stock_in_words",
]
