"""Paired comparison of policy variants against today's way of working, with costs.

Every variant runs with the same seed and replication numbers as the baseline, so the same
families arrive and make the same draws for the same decisions (common random numbers): the
difference in a replication is the policy's effect, not noise. Each variant runs twice: with its
effects at their central values (the interval then shows randomness only) and with each
replication drawing its effect sizes from their ranges (randomness and what the evidence does not
pin down). Results are per replication, then summarised with intervals and the probabilities that
the policy saves money and reduces care entries. A caller that shows only one effect mode (the
dashboard shows sampled effects) runs only that one.

With a Dask client, each run is submitted under a key made from what decides its numbers, so a
run already submitted (the dashboard computes today's way of working in the background while a
leader chooses a pilot) is reused, not redone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.core.measures import FIGURES
from sim.core.streams import Stream, Streams
from sim.experiments.costs import costs_by_year, npv, payback_year, return_per_pound
from sim.experiments.experiment import single_run
from sim.experiments.outputs import monthly_frame, yearly_frame
from sim.inputs.cost_book import CostBook
from sim.inputs.scenario import Scenario
from sim.version import __version__

BASELINE = "baseline"
#: What the payback year says when cumulative savings never repay the costs within the horizon.
NO_PAYBACK = "none within horizon"
#: Seed offset for the independent-streams check (never used for reported comparisons).
INDEPENDENT_SEED_OFFSET = 1_000_003
#: How a comparison runs each variant's effects: at their central values, or drawn from their
#: ranges in each replication (plan order: central, then sampled).
EFFECT_MODES = ("central", "sampled")
#: Scenario fields a run's numbers do not depend on (the run reads none of them but the name,
#: which only labels its rows): runs that differ only in these share a task key.
LABEL_FIELDS = frozenset({"name", "description", "replications"})


@dataclass(frozen=True)
class RunKey:
    """One run of a comparison: a variant, its effect mode, a replication."""

    variant: str
    effects: str  # "none" (baseline), "central", "sampled"
    replication: int

    @property
    def file_stem(self) -> str:
        safe = "".join(ch if ch.isalnum() else "_" for ch in self.variant)[:60]
        return f"{safe}--{self.effects}--{self.replication:04d}"


Run = tuple[RunKey, Scenario, bool]


def effect_modes(effects: Iterable[str]) -> tuple[str, ...]:
    """``effects`` checked, in plan order: one or both of :data:`EFFECT_MODES`, each once.

    Raises ValueError naming what is wrong (a bare string, an unknown mode, none, a repeat).
    """
    allowed = " and ".join(repr(m) for m in EFFECT_MODES)
    if isinstance(effects, str) or not isinstance(effects, Iterable):
        raise ValueError(
            f"effects: expected a tuple of effect modes such as ('sampled',), got {effects!r}"
        )
    given = tuple(effects)
    unknown = [e for e in given if e not in EFFECT_MODES]
    if unknown:
        raise ValueError(f"effects: unknown mode {unknown[0]!r} (allowed: {allowed})")
    if not given or len(set(given)) != len(given):
        raise ValueError(f"effects: expected one or both of {allowed}, each once; got {given!r}")
    return tuple(m for m in EFFECT_MODES if m in given)


def baseline_plan(scenario: Scenario, replications: int) -> list[Run]:
    """The baseline runs of a comparison (no policies): they do not depend on its variants."""
    base = scenario.with_policies([])
    return [(RunKey(BASELINE, "none", rep), base, False) for rep in range(replications)]


def plan(scenario: Scenario, replications: int, effects: Iterable[str] = EFFECT_MODES) -> list[Run]:
    """Every run a comparison needs, in order: (key, scenario to run, sample effects?).

    ``effects``: which effect modes to run each variant in (see :data:`EFFECT_MODES`); each
    replication runs the baseline, then each variant in each mode.
    """
    modes = effect_modes(effects)
    base = baseline_plan(scenario, replications)
    variants = {
        name: scenario.with_policies(policies)
        for name, policies in scenario.compared_variants().items()
    }
    runs = []
    for rep in range(replications):
        runs.append(base[rep])
        for name, with_policy in variants.items():
            runs.extend((RunKey(name, mode, rep), with_policy, mode == "sampled") for mode in modes)
    return runs


def run_count(
    scenario: Scenario, replications: int | None = None, effects: Iterable[str] = EFFECT_MODES
) -> int:
    """How many runs :func:`plan` makes (without building its scenarios)."""
    n = scenario.replications if replications is None else replications
    return n * (1 + len(effect_modes(effects)) * len(scenario.compared_variants()))


def run_one(
    key: RunKey, scenario: Scenario, sampled: bool, *, independent: bool = False
) -> pd.DataFrame:
    """One run of a comparison as a tidy monthly frame with ``variant`` and ``effects`` columns."""
    if independent and key.variant != BASELINE:
        scenario = scenario.with_changes(seed=scenario.seed + INDEPENDENT_SEED_OFFSET)
    frame = monthly_frame(
        single_run(scenario, key.replication, sampled_effects=sampled, follow_up=True)
    )
    frame.insert(1, "variant", key.variant)
    frame.insert(2, "effects", key.effects)
    return frame


def run_digest(scenario: Scenario) -> str:
    """SHA-256 (hex) of what in a scenario decides a run's numbers: all but :data:`LABEL_FIELDS`."""
    content = scenario.model_dump(mode="json", exclude=set(LABEL_FIELDS))
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def task_key(key: RunKey, scenario: Scenario, sampled: bool, *, independent: bool = False) -> str:
    """A run's Dask key: the same for every submission of the same run, and only for that.

    Made of the scenario's :func:`run_digest`, the run's variant, effect mode and replication,
    whether it samples effects, ``independent`` and the model's version.
    """
    decides = {
        "scenario": run_digest(scenario),
        "variant": key.variant,
        "effects": key.effects,
        "replication": key.replication,
        "sampled": sampled,
        "independent": independent,
        "version": __version__,
    }
    digest = hashlib.sha256(json.dumps(decides, sort_keys=True).encode()).hexdigest()[:16]
    return f"run-{digest}-{key.file_stem}"


def submit_runs(
    client: Any, runs: list[Run], *, independent: bool = False, priority: int = 0
) -> list[Any]:
    """Submit runs to a Dask client under their :func:`task_key`; their futures, in order.

    A run whose key the client still holds a future for is not run again: its future (finished
    or not) stands for it. ``priority``: higher runs first among runs waiting. The runs go in one
    batch: Dask then queues a batch of more than twice its threads on the scheduler, handing each
    worker one run at a time (see :func:`sim.api.local_workers`), where runs submitted one by one
    would send the first few straight to the workers, ahead of anything submitted later.
    """
    if not runs:
        return []
    keys, scenarios, sampled = (list(column) for column in zip(*runs, strict=True))
    return client.map(
        run_one,
        keys,
        scenarios,
        sampled,
        key=[task_key(*run, independent=independent) for run in runs],
        independent=independent,
        priority=priority,
    )


def _follow(futures: list[Any], progress: Callable[[int], None] | None) -> None:
    """Wait for the futures, calling ``progress(runs done)``; runs done already count at once."""
    from dask.distributed import as_completed

    pending = [f for f in futures if not f.done()]
    done = len(futures) - len(pending)
    if progress is not None and done:
        progress(done)
    for i, _ in enumerate(as_completed(pending), start=done + 1):
        if progress is not None:
            progress(i)


def labelled(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """A run's frame under this scenario's name (a reused run may carry another label)."""
    if (frame["scenario"] == name).all():
        return frame
    return frame.assign(scenario=name)


def compare(
    scenario: Scenario,
    replications: int | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    independent: bool = False,
    client: Any = None,
    effects: Iterable[str] = EFFECT_MODES,
) -> pd.DataFrame:
    """All runs of a comparison, in memory (the runner writes them as they finish).

    ``effects``: the effect modes to run each variant in (default both; see :func:`plan`).
    With a Dask ``client`` the runs go to its workers in parallel; the result is the same frame
    (runs are put together in plan order, and each draws from its own seeded streams). Runs the
    client already holds (e.g. a baseline submitted ahead) are reused and count as done at once.
    """
    n = scenario.replications if replications is None else replications
    runs = plan(scenario, n, effects)
    if client is not None:
        futures = submit_runs(client, runs, independent=independent)
        _follow(futures, progress)
        frames = client.gather(futures)
        return pd.concat(
            [labelled(f, sc.name) for f, (_, sc, _) in zip(frames, runs, strict=True)],
            ignore_index=True,
        )
    frames = []
    for i, (key, sc, sampled) in enumerate(runs):
        frames.append(run_one(key, sc, sampled, independent=independent))
        if progress is not None:
            progress(i + 1)
    return pd.concat(frames, ignore_index=True)


def _costs(monthly: pd.DataFrame, scenario: Scenario, book: CostBook) -> pd.DataFrame:
    """Cost by variant, effects, replication, financial year and line.

    Runs with central effects are costed with the book's central costs. Runs with sampled
    effects are costed with unit costs (and the policies' own costs) drawn from their ranges,
    one book per replication (:func:`drawn_book`), and the baseline is costed again with the
    same draws (variant ``baseline``, effects ``sampled``), so a replication's net cost pairs
    like with like.
    """
    out = []
    variants = scenario.compared_variants()
    for (variant, effects), frame in monthly.groupby(["variant", "effects"], sort=False):
        policies = [] if variant == BASELINE else variants[variant]
        out.append(_variant_costs(frame, scenario, book, policies, variant, effects))
    if (monthly["effects"] == "sampled").any():
        base = monthly[monthly["variant"] == BASELINE]
        out.append(_variant_costs(base, scenario, book, [], BASELINE, "sampled"))
    return pd.concat(out, ignore_index=True)


def drawn_book(book: CostBook, seed: int, replication: int) -> CostBook:
    """The unit costs of one replication of a run with sampled effects: each cost with a range
    drawn from it on the replication's own stream (the same in every variant)."""
    return book.drawn(Streams(seed, replication).generator(Stream.UNIT_COSTS))


def _variant_costs(
    frame: pd.DataFrame,
    scenario: Scenario,
    book: CostBook,
    policies: list,
    variant: str,
    effects: str,
) -> pd.DataFrame:
    frame = frame.drop(columns=["variant", "effects"])
    if effects == "sampled":
        c = pd.concat(
            [
                costs_by_year(
                    g,
                    drawn_book(book, scenario.seed, int(rep)),
                    policies,
                    population=scenario.population,
                    locality_shares=scenario.locality_shares(),
                )
                for rep, g in frame.groupby("replication", sort=True)
            ],
            ignore_index=True,
        )
    else:
        c = costs_by_year(
            frame,
            book,
            policies,
            population=scenario.population,
            locality_shares=scenario.locality_shares(),
        )
    c.insert(1, "variant", variant)
    c.insert(2, "effects", effects)
    return c


def variant_yearly(monthly: pd.DataFrame) -> pd.DataFrame:
    """A comparison's monthly frame by financial year, with ``variant`` and ``effects``."""
    yearly = yearly_frame(
        monthly.rename(columns={"scenario": "_s"}).assign(
            scenario=monthly["variant"] + "|" + monthly["effects"]
        )
    )
    yearly[["variant", "effects"]] = yearly["scenario"].str.split("|", expand=True)
    return yearly


def paired_results(
    monthly: pd.DataFrame,
    scenario: Scenario,
    book: CostBook | None = None,
    yearly: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per replication: each variant's outcomes and costs against the baseline's (paired).

    ``yearly``: :func:`variant_yearly` of ``monthly`` when the caller has it already.
    Returns (per-replication differences, cost by financial year and line).
    """
    book = book or scenario.cost_book()
    costs = _costs(monthly, scenario, book)
    keys = ["variant", "effects", "replication"]
    if yearly is None:
        yearly = variant_yearly(monthly)
    totals = yearly.pivot_table(
        index=keys, columns="measure", values="value", aggfunc="sum"
    ).reset_index()
    fy = _net_cost_by_year(costs, keys)
    rows = []
    base = totals[totals["variant"] == BASELINE].set_index("replication")
    for (variant, effects, rep), g in fy.groupby(keys):
        t = totals[
            (totals["variant"] == variant)
            & (totals["effects"] == effects)
            & (totals["replication"] == rep)
        ].iloc[0]
        rows.append(
            {
                "variant": variant,
                "effects": effects,
                "replication": rep,
                **_paired_figures(g.sort_values("financial_year"), t, base.loc[rep]),
            }
        )
    return pd.DataFrame(rows), costs


def _net_cost_by_year(costs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Each variant's policy and other costs by replication and financial year, and its net cost
    against the baseline's in the same replication and year."""
    per_fy = (
        costs.assign(policy=costs["line"].str.startswith("policy: "))
        .groupby([*keys, "financial_year", "policy"])["cost_gbp"]
        .sum()
        .unstack("policy", fill_value=0.0)
    )
    per_fy.columns = ["other_cost" if not c else "policy_cost" for c in per_fy.columns]
    if "policy_cost" not in per_fy:
        per_fy["policy_cost"] = 0.0
    per_fy = per_fy.reset_index()
    base_fy = per_fy[per_fy["variant"] == BASELINE]
    base_fy = base_fy[["effects", "replication", "financial_year", "other_cost"]].rename(
        columns={"other_cost": "baseline_cost"}
    )
    # central effects pair with the baseline at central costs ("none"), sampled effects with
    # the baseline costed with the same replication's drawn costs ("sampled")
    base_fy["effects"] = base_fy["effects"].replace({"none": "central"})
    fy = per_fy[per_fy["variant"] != BASELINE].merge(
        base_fy, on=["effects", "replication", "financial_year"]
    )
    fy["net_cost"] = fy["other_cost"] + fy["policy_cost"] - fy["baseline_cost"]
    return fy


def _paired_figures(g: pd.DataFrame, t: pd.Series, b: pd.Series) -> dict[str, Any]:
    """One replication of a variant against the baseline: outcomes from the variant's totals
    ``t`` and the baseline's ``b``, money from its net cost by financial year ``g`` (in order)."""
    net = g["net_cost"].to_numpy()
    invest = g["policy_cost"].to_numpy()
    npv_saving = -npv(net)
    return {
        "care_entries_averted": b.get("care_entries", 0) - t.get("care_entries", 0),
        "child_days_in_care_avoided": b.get("child_days_in_care", 0)
        - t.get("child_days_in_care", 0),
        "cp_children_safely_home_gained": t.get("cp_children_safely_home", 0)
        - b.get("cp_children_safely_home", 0),
        "net_cost_gbp": float(net.sum()),
        "policy_cost_gbp": float(invest.sum()),
        "npv_net_saving_gbp": npv_saving,
        "npv_policy_cost_gbp": npv(invest),
        "return_per_pound": return_per_pound(npv_saving, npv(invest)),
        "payback_year": payback_year(
            pd.Series(np.cumsum(-net), index=g["financial_year"].to_numpy())
        )
        or NO_PAYBACK,
        "cumulative_net_saving": dict(zip(g["financial_year"], np.cumsum(-net), strict=True)),
    }


#: The figures of ``summary.csv`` with a spread across replications, and those computed from
#: the means (their labels are in :data:`sim.core.measures.FIGURES`).
SPREAD_FIGURES = (
    "care_entries_averted",
    "child_days_in_care_avoided",
    "cp_children_safely_home_gained",
    "policy_cost_gbp",
    "net_cost_gbp",
    "npv_net_saving_gbp",
)
RATIO_FIGURES = (
    "prob_saves_money",
    "prob_reduces_care_entries",
    "return_per_pound",
    "cost_per_care_entry_averted_gbp",
    "payback_year",
)


def summarise(paired: pd.DataFrame) -> pd.DataFrame:
    """Intervals per variant and effect mode, and the finance lead's figures."""
    rows = []
    for (variant, effects), g in paired.groupby(["variant", "effects"], sort=False):
        for m in SPREAD_FIGURES:
            v = g[m].astype(float)
            rows.append(
                {
                    "variant": variant,
                    "effects": effects,
                    "measure": m,
                    "label": FIGURES[m].label,
                    "mean": v.mean(),
                    "p5": v.quantile(0.05),
                    "p95": v.quantile(0.95),
                    "futures": len(v),
                }
            )
        averted = g["care_entries_averted"].mean()
        net_cost = g["net_cost_gbp"].mean()
        cum = pd.DataFrame(list(g["cumulative_net_saving"])).mean()
        extra = {
            "prob_saves_money": float((g["npv_net_saving_gbp"] > 0).mean()),
            "prob_reduces_care_entries": float((g["care_entries_averted"] > 0).mean()),
            "return_per_pound": return_per_pound(
                g["npv_net_saving_gbp"].mean(), g["npv_policy_cost_gbp"].mean()
            ),
            "cost_per_care_entry_averted_gbp": (
                net_cost / averted if averted > 0 else float("nan")
            ),
        }
        # per-replication returns give the range; the figure itself is the ratio of the means
        per_rep = {"return_per_pound": g["return_per_pound"].astype(float)}
        for m, value in extra.items():
            spread = per_rep.get(m)
            rows.append(
                {
                    "variant": variant,
                    "effects": effects,
                    "measure": m,
                    "label": FIGURES[m].label,
                    "mean": value,
                    "p5": np.nan if spread is None else spread.quantile(0.05),
                    "p95": np.nan if spread is None else spread.quantile(0.95),
                    "futures": len(g),
                }
            )
        rows.append(
            {
                "variant": variant,
                "effects": effects,
                "measure": "payback_year",
                "label": FIGURES["payback_year"].label,
                "mean": payback_year(cum) or NO_PAYBACK,
                "p5": np.nan,
                "p95": np.nan,
                "futures": len(g),
            }
        )
    return pd.DataFrame(rows)
