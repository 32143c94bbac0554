"""Refine first estimates by running the simulation until it reproduces the targets.

The first estimates (``calibration.england``) are ratios of published flows, but the simulation
has dynamics the ratios ignore: families' odds of escalation vary with need and risk, waiting
raises need, closed families come back, siblings enter care together. ``fit`` runs a short
projection, compares the first year's flows and stocks with the targets, and moves each
parameter that drives a target by the ratio of target to simulated value (on the odds scale for
probabilities), with damping, until every target is within tolerance or the iterations run out.

Each iteration runs fresh replications (its own seeds), and the steps shrink after the first
iterations, so the parameters settle on an average over many runs (stochastic approximation).
A fit that reused the same few replications in every iteration would settle on parameters that
reproduce those runs' luck: with two replications a year's care entries vary by about 5%, and
because every council was fitted on the same seeds, every council inherited the same error (the
back-test's care entries ran 9% under their targets on fresh seeds). The result is reported per
measure.
"""

from __future__ import annotations

import argparse
import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import TypeAdapter

from calibration.england import (
    LEGAL_STATUS_GROUPS,
    PARAMS_FILE,
    first_estimates,
    load_estimates,
    national_figures,
    toxic_trio_joint,
    write,
)
from calibration.targets import (
    CP_BANDS,
    EXIT_GROUPS,
    FACTORS,
    FIT_TARGETS,
    PLACEMENT_GROUPS,
    NationalFigures,
    fit_targets,
    mix_targets,
    simulated_shares,
)
from sim.core.distributions import DurationSpec
from sim.core.entities import AGE_OF_MAJORITY, ENTRY_AGE_BANDS, TOXIC_TRIO_SUBSETS
from sim.experiments.experiment import single_run
from sim.experiments.outputs import monthly_frame, yearly_frame
from sim.inputs.scenario import scenario_from_dict

#: measure -> the parameters (dotted paths) it steers, each with how: "odds" scales the odds of a
#: probability, "times" multiplies a positive number, "scale" multiplies a duration's days,
#: "reassess" moves p_reassessment by the missing assessments per CIN plan.
STEERING: dict[str, tuple[tuple[str, str], ...]] = {
    "contacts": (("demand.contacts_per_10k_per_year", "times"),),
    "referrals": (("front_door.p_referral", "odds"),),
    "early_help_starts": (("front_door.p_early_help", "odds"),),
    "s47_enquiries": (("assessment.p_s47", "odds"), ("cin_plan.p_s47", "odds")),
    "icpcs": (("s47_enquiry.p_icpc", "odds"),),
    "cp_plans_started": (("icpc.p_cp_plan", "odds"),),
    "care_entries_not_uasc": (
        ("proceedings.p_care_entry_at_issue", "odds"),
        ("cp_plan.p_s20_care", "odds"),
        ("cin_plan.p_s20_care", "odds"),
        ("s47_enquiry.p_emergency_care", "odds"),
    ),
    "rereferral_rate": (
        ("recontact.p_recontact", "odds"),
        ("front_door.odds_referral_known_family", "times"),
    ),
    "cp_repeat_rate": (("recontact.p_previous_cp_new_family", "odds"),),
    "children_in_need": (("cin_plan.duration", "scale"),),
    "cp_plans": (("cp_plan.duration", "scale"),),
    "care_exits": (("looked_after.duration", "inverse_scale"),),
    "assessments": (("cin_plan.p_reassessment", "reassess"),),
    # a target only when the council's own SSDA903 gives its re-entry share
    "care_reentry_rate": (("looked_after.p_return_home_breaks_down", "odds"),),
}

#: The routes into care by legal status on starting, and care proceedings as Cafcass counts
#: them, where the targets give them (England's do): each route steers its own parameters, in
#: place of ``care_entries_not_uasc`` steering all four together (which left the model with
#: about twice the national share of entries through proceedings).
ROUTE_STEERING: dict[str, tuple[tuple[str, str], ...]] = {
    "care_proceedings": (("cp_plan.p_pre_proceedings", "odds"),),
    "care_entries_legal_care_order": (("proceedings.p_care_entry_at_issue", "odds"),),
    "care_entries_legal_police_protection": (("s47_enquiry.p_emergency_care", "odds"),),
    "care_entries_s20_not_uasc": (("cp_plan.p_s20_care", "odds"), ("cin_plan.p_s20_care", "odds")),
}

#: Measures steered by their ratio to the step before them in the pathway, not by their level:
#: when referrals are 20% high, s47 enquiries, ICPCs and CP plans are 20% high too, and steering
#: each level would cut every step's probability for the same excess (the next iteration then
#: overshoots the other way). measure -> the measure it is a share of. ``cin_other`` is children
#: in need less those on CP plans or looked after (what CIN plan length decides).
RELATIVE_TO: dict[str, str] = {
    "referrals": "contacts",
    "early_help_starts": "contacts",
    "s47_enquiries": "referrals",
    "icpcs": "s47_enquiries",
    "cp_plans_started": "icpcs",
    "cp_plans": "cp_plans_started",
    "children_in_need": "cin_other",
    "care_proceedings": "cp_plans_started",
    "care_entries_legal_care_order": "care_proceedings",
}

#: Parameters the fit keeps within a factor of their first estimate (on the odds scale for
#: probabilities). The re-referral rate steers both; where a council's rate is beyond what the
#: model's return times allow, chasing it sent every known family's odds of referral up about
#: fourfold and the council's referrals 20% over their target.
LIMITS: dict[str, float] = {
    "front_door.odds_referral_known_family": 2.0,
    "recontact.p_recontact": 2.0,
}
#: How the fit moves each parameter it steers (from :data:`STEERING`).
_HOW = {path: how for steered in STEERING.values() for path, how in steered}
#: Measures simulated as the difference of two others.
_DIFFERENCES = {
    "care_entries_not_uasc": ("care_entries", "care_entries_uasc"),
    "care_entries_s20_not_uasc": ("care_entries_legal_s20", "care_entries_uasc"),
}


#: Durations the fit keeps within a factor of their first estimate (judgement). A CIN plan's
#: length is what meets the children in need at 31 March; where a council's assessments, CP
#: plans and children looked after already hold nearly all of them, the length asked for is
#: short, and a step that took it to nothing (the Isle of Wight's median 0.13 days on 0.11.1,
#: then 0.0, which no file may hold) left no way back: no CIN plan shorter than a twentieth of
#: England's (a median of 5.4 days).
DURATION_LIMITS: dict[str, float] = {"cin_plan.duration": 20.0}
#: The paths :func:`_within_limits` holds near their first estimates.
LIMITED = (*LIMITS, *DURATION_LIMITS)


_DURATIONS: TypeAdapter[Any] = TypeAdapter(DurationSpec)


def duration_of(spec: dict[str, Any]) -> Any:
    """A duration written as in a parameter file, as the model samples it."""
    return _DURATIONS.validate_python(spec)


def median_days(spec: dict[str, Any]) -> float:
    """The median of a duration written as in a parameter file."""
    return float(duration_of(spec).ppf(0.5))


def _within_limits(params: dict[str, Any], first: dict[str, Any]) -> None:
    """Hold each parameter in :data:`LIMITS`, and each duration in :data:`DURATION_LIMITS`,
    within its factor of the first estimate."""
    for path, k in LIMITS.items():
        value, start = _get(params, path), first[path]
        if _HOW[path] == "odds":
            ratio = min(max(_odds(value) / _odds(start), 1 / k), k)
            _set(params, path, _scale_odds(start, ratio))
        else:
            _set(params, path, round(min(max(value, start / k), start * k), 4))
    for path, k in DURATION_LIMITS.items():
        value, start = _get(params, path), first[path]
        ratio = median_days(value) / median_days(start)
        if not 1 / k <= ratio <= k:
            _set(params, path, scale_duration(value, min(max(ratio, 1 / k), k) / ratio))


@dataclass
class FitRow:
    """Target against simulated value for one measure; ``steered``: a parameter was moved to
    meet it (else it is reported only, e.g. published care exits when the looked-after stock
    steers stays in care)."""

    measure: str
    target: float
    simulated: float
    steered: bool = True

    @property
    def error_pct(self) -> float:
        """Signed error, % of target."""
        return 100 * (self.simulated - self.target) / self.target if self.target else 0.0


def _get(d: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        d = d[part]
    return d


def _set(d: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        d = d[part]
    d[parts[-1]] = value


def _odds(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return p / (1 - p)


def _scale_odds(p: float, factor: float) -> float:
    o = _odds(p) * factor
    return round(o / (1 + o), 6)


def scale_duration(spec: dict[str, Any], factor: float) -> dict[str, Any]:
    """A duration written as in a parameter file, every time in it times ``factor`` (its shape
    kept: a lognormal's median and 90th percentile, an empirical table's band edges)."""
    spec = copy.deepcopy(spec)
    if "durations" in spec:
        spec["durations"] = [scale_duration(d, factor) for d in spec["durations"]]
        return spec
    for key in ("median_days", "p90_days", "days", "mean_days"):
        if key in spec:
            spec[key] = round(spec[key] * factor, 2)
    if "edges_days" in spec:
        spec["edges_days"] = [round(e * factor, 2) for e in spec["edges_days"]]
    return spec


def simulate_first_year(
    params: dict[str, Any],
    population: int,
    replications: int,
    seed: int = 1,
    start_date: str | None = None,
) -> dict[str, float]:
    """Mean first-financial-year value per measure (per 10,000 children; rates in %).

    ``start_date``: the 1 April after the reference year (the default scenario's when None).
    """
    return first_year_with_errors(params, population, replications, seed, start_date)[0]


def _simulate(
    run: _FitRun, params: dict[str, Any], replications: int, it: int, *, errors: bool
) -> tuple[dict[str, float], dict[str, float]]:
    """Iteration ``it``'s simulation (seed ``run.seed + it``): the means, and their standard
    errors where ``errors`` (a polished fit's last iteration; empty otherwise)."""
    args = (params, run.population, replications, run.seed + it, run.start_date)
    return first_year_with_errors(*args) if errors else (simulate_first_year(*args), {})


def first_year_with_errors(
    params: dict[str, Any],
    population: int,
    replications: int,
    seed: int = 1,
    start_date: str | None = None,
) -> tuple[dict[str, float], dict[str, float]]:
    """:func:`simulate_first_year`'s means, and each mean's standard error over the
    replications (the same units; 0 with one replication)."""
    scenario = scenario_from_dict(
        {
            "name": "fit",
            "population": population,
            "years": 1,
            "future": "fixed",  # a fit matches the fitted year's rates, not a drawn future
            **({"start_date": start_date} if start_date else {}),
            "seed": seed,
            "replications": replications,
            "council": "england",
            "parameters": params,
        },
        file="<calibration>",
    )
    frames = [monthly_frame(single_run(scenario, r)) for r in range(replications)]
    yearly = yearly_frame(pd.concat(frames, ignore_index=True))
    wide = yearly.pivot_table(index="replication", columns="measure", values="value")
    counts = [m for m in wide.columns if not m.endswith("_rate")]
    wide[counts] = wide[counts] / population * 1e4
    differences = {
        name: wide.get(total, 0.0) - wide.get(part, 0.0)
        for name, (total, part) in _DIFFERENCES.items()
    }
    wide = pd.concat([wide, pd.DataFrame(differences, index=wide.index)], axis=1)
    means = {m: float(v) for m, v in wide.mean().items()}
    spread = wide.std(ddof=1).fillna(0.0) / np.sqrt(len(wide))
    means.update(simulated_shares(means))
    return means, {m: float(v) for m, v in spread.items()}


@dataclass
class _Kesten:
    """Each steered measure's step size by Kesten's rule: it shrinks each time the measure's
    error changes sign, so one still far off keeps its full steps, and one about its target
    settles instead of chasing replication noise."""

    steering: dict[str, tuple[tuple[str, str], ...]]
    sign: dict[str, float] = field(default_factory=dict)  # last direction of step
    changes: dict[str, int] = field(default_factory=dict)  # how often it turned
    turned: dict[str, int] = field(default_factory=dict)  # the iteration it first turned

    def __post_init__(self) -> None:
        self.changes = dict.fromkeys(self.steering, 0)

    def step(self, measure: str, ratio: float, it: int, damping: float, average_from: int) -> float:
        """The step toward ``ratio`` (target over simulated) at iteration ``it``."""
        direction = float(np.sign(np.log(ratio)))
        if direction and self.sign.get(measure, direction) != direction:
            self.changes[measure] += 1
            if it >= average_from:  # an early overshoot is no sign of having arrived
                self.turned.setdefault(measure, it)
        if direction:
            self.sign[measure] = direction
        return damping / (1 + self.changes[measure] / 2)


def _move(
    params: dict[str, Any],
    path: str,
    how: str,
    factor: float,
    *,
    step: float,
    missing: float,
    cin_plans_started: float,
) -> None:
    """Move one parameter as :data:`STEERING` says (``missing``: target less simulated)."""
    value = _get(params, path)
    if how == "odds":
        _set(params, path, _scale_odds(value, factor))
    elif how == "times":
        _set(params, path, round(value * factor, 4))
    elif how == "scale":
        _set(params, path, scale_duration(value, factor))
    elif how == "inverse_scale":  # more leaving needed: shorter stays
        _set(params, path, scale_duration(value, 1 / factor))
    elif how == "reassess":
        new = value + step * missing / cin_plans_started
        _set(params, path, round(float(np.clip(new, 0.0, 0.9)), 6))


def _steer_levels(
    params: dict[str, Any],
    targets: dict[str, float],
    sim: dict[str, float],
    kesten: _Kesten,
    it: int,
    damping: float,
    average_from: int,
) -> None:
    """Move the parameters behind each steered level by its :func:`steering_ratio`.

    A measure steered by parameters moved in different ways shares its step among them.
    """
    for measure, steered in kesten.steering.items():
        if measure not in targets or not sim.get(measure):
            continue
        ratio = steering_ratio(measure, targets, sim)
        step = kesten.step(measure, ratio, it, damping, average_from)
        mixed = len(steered) > 1 and steered[0][1] != steered[1][1]
        factor = ratio ** (step / len(steered) if mixed else step)
        for path, how in steered:
            _move(
                params,
                path,
                how,
                factor,
                step=step,
                missing=targets[measure] - sim[measure] if how == "reassess" else 0.0,
                cin_plans_started=sim.get("cin_plans_started", 1.0),
            )


def _compare(
    it: int,
    targets: dict[str, float],
    sim: dict[str, float],
    steering: dict[str, tuple[tuple[str, str], ...]],
    tolerances: tuple[float, float],
    log: Callable[[str], None],
) -> tuple[list[FitRow], bool]:
    """An iteration's rows, logged, and whether every steered level is within ``tolerances[0]``
    % and every mix within ``tolerances[1]`` points (levels no parameter steers are reported,
    not waited on)."""
    rows = [
        FitRow(m, t, sim.get(m, 0.0), m in steering or _is_share(m)) for m, t in targets.items()
    ]
    levels = [r for r in rows if not _is_share(r.measure) and r.measure in steering]
    shares = [r for r in rows if _is_share(r.measure)]
    worst = max((abs(r.error_pct) for r in levels), default=0.0)
    worst_share = max((abs(r.simulated - r.target) for r in shares), default=0.0)
    log(
        f"iteration {it}: worst error {worst:.1f}%, worst share {worst_share:.1f} points; "
        + ", ".join(f"{r.measure} {r.error_pct:+.1f}%" for r in rows)
    )
    return rows, worst <= tolerances[0] and worst_share <= tolerances[1]


def _steering(
    steer_looked_after_stock: bool, targets: dict[str, float] | None = None
) -> dict[str, tuple[tuple[str, str], ...]]:
    """:data:`STEERING`, with the looked-after stock steering stays in care instead of the
    published exits when ``steer_looked_after_stock``, and each route into care steering its
    own parameters (:data:`ROUTE_STEERING`) when ``targets`` give every route."""
    steering = dict(STEERING)
    if steer_looked_after_stock:
        steering["looked_after"] = steering.pop("care_exits")
    if targets is not None and set(ROUTE_STEERING) <= set(targets):
        del steering["care_entries_not_uasc"]
        steering.update(ROUTE_STEERING)
    return steering


def _hold(params: dict[str, Any], first: dict[str, Any]) -> None:
    """Keep the parameters possible and within :data:`LIMITS` of their first estimates."""
    _keep_feasible(params)
    _within_limits(params, first)


@dataclass(frozen=True)
class Polish:
    """The fit's last steps: ``rounds`` full steps (no shrinking) on ``replications`` each.

    The stochastic approximation's steps shrink each time a measure's error turns; after an
    early overshoot they shrink before the parameters are back, and the averaged iterates lag
    behind: over the 153 councils fitted on 0.8.0 with 14 iterations, CP plans started were
    2.1% under their targets on average and 45 councils more than 5% under; Kent, Birmingham,
    Kirklees and Cornwall, re-simulated on 32 fresh runs each, had referrals about 3% under, a
    bias rather than noise. A round takes one step of the initial damping on every steered level
    more than two standard errors from its target (:func:`_clearly_off`), from a simulation of
    ``replications`` runs, and is kept only if, on the same runs (common random numbers: a
    paired comparison), it brings the counts nearer their targets (root mean square of their
    errors), so a round that overshoots is undone; the fit reported is then a fresh
    simulation's, on other runs.
    """

    rounds: int = 2
    replications: int = 12


@dataclass(frozen=True)
class _FitRun:
    """What every simulation of one fit shares (for :func:`_polish`)."""

    targets: dict[str, float]
    steering: dict[str, tuple[tuple[str, str], ...]]
    first: dict[str, Any]
    population: int
    start_date: str | None
    seed: int
    log: Callable[[str], None]


def is_count(measure: str) -> bool:
    """A count of children or families (referrals, CP plans, the looked-after stock...), not a
    mix or a rate: a re-referral or repeat-plan rate moves by 5-10% between simulations of the
    same parameters, and would decide a comparison of fits by chance."""
    return not _is_share(measure) and not measure.endswith("_rate")


def _level_miss(rows: list[FitRow], steering: dict[str, tuple[tuple[str, str], ...]]) -> float:
    """Root mean square % error of the steered counts (:func:`is_count`)."""
    errs = [r.error_pct for r in rows if r.measure in steering and is_count(r.measure)]
    return math.sqrt(sum(e * e for e in errs) / len(errs)) if errs else 0.0


#: A polishing round moves only the levels further from their targets than this many standard
#: errors of their simulated mean (judgement: a step from a smaller gap would mostly follow the
#: runs' luck; Bromley's care entries, 8% over on 12 runs, were 13% under on 12 others after a
#: full step on every level).
SURE_STANDARD_ERRORS = 2.0


def _clearly_off(
    run: _FitRun, sim: dict[str, float], se: dict[str, float]
) -> dict[str, tuple[tuple[str, str], ...]]:
    """The steering of the levels whose gap to their target is beyond what their runs' luck
    explains (:data:`SURE_STANDARD_ERRORS`)."""
    return {
        m: steered
        for m, steered in run.steering.items()
        if m in run.targets
        and not _is_share(m)
        and sim.get(m)
        and abs(sim[m] - run.targets[m]) > SURE_STANDARD_ERRORS * se.get(m, 0.0)
    }


def _polish(
    run: _FitRun,
    polish: Polish,
    best: tuple[dict[str, Any], tuple[dict[str, float], dict[str, float]], list[FitRow]],
    it: int,
    damping: float,
    tolerances: tuple[float, float],
) -> tuple[dict[str, Any], list[FitRow]]:
    """The parameters and rows after ``polish.rounds`` full steps from ``best`` (parameters,
    their simulation's means and standard errors, their rows), each on the levels clearly off
    (:func:`_clearly_off`) and kept only if it brings the levels nearer on the same runs."""
    params, (sim, se), rows = best
    kept = False
    for k in range(1, polish.rounds + 1):
        off = _clearly_off(run, sim, se)
        if not off:
            break
        trial = copy.deepcopy(params)
        _steer_levels(trial, run.targets, sim, _Kesten(off), it + k, damping, it + k)
        _hold(trial, run.first)
        trial_sim, trial_se = first_year_with_errors(  # the same runs: a paired comparison
            trial, run.population, polish.replications, run.seed + it, run.start_date
        )
        trial_rows, met = _compare(
            it + k, run.targets, trial_sim, run.steering, tolerances, run.log
        )
        if _level_miss(trial_rows, run.steering) >= _level_miss(rows, run.steering):
            break  # undone; another round would take the same step again
        params, sim, se, rows, kept = trial, trial_sim, trial_se, trial_rows, True
        if met:
            break
    if kept:  # the rows that chose it flatter it: the fit reported is a fresh simulation's
        it += polish.rounds + 1
        sim = simulate_first_year(
            params, run.population, polish.replications, run.seed + it, run.start_date
        )
        rows, _ = _compare(it, run.targets, sim, run.steering, tolerances, run.log)
    return params, rows


def fit(
    params: dict[str, Any],
    targets: dict[str, float],
    *,
    population: int = 200_000,
    replications: int = 6,
    iterations: int = 20,
    tolerance_pct: float = 1.0,
    share_tolerance_points: float = 1.0,
    damping: float = 0.8,
    shrink_after: int = 5,
    average_from: int | None = None,
    late_replications: int | None = None,
    steer_looked_after_stock: bool = False,
    start_date: str | None = None,
    seed: int = 1,
    polish: Polish | None = None,
    log: Callable[[str], None] = print,
) -> tuple[dict[str, Any], list[FitRow]]:
    """Adjust ``params`` (a parameter-file mapping) until the first year meets ``targets``.

    The year starts on ``start_date`` (the 1 April after the reference year; the default
    scenario's when None). Levels (per 10,000 children, rates) must come within ``tolerance_pct``
    %, mixes (``*_share_*``) within ``share_tolerance_points``. Iteration ``i`` runs seed
    ``seed + i``, ``late_replications`` (default ``replications``) from ``shrink_after``, when the
    mixes' steps start to shrink; the levels' steps start at ``damping`` (:class:`_Kesten`). The
    answer averages the iterates from ``average_from`` (default ``shrink_after``) on
    (:func:`_average_iterates`), and the last iteration simulates it: its rows are the fit
    reported, after ``polish`` (:func:`_polish`). A fit meeting its tolerance early returns the
    parameters that met it. ``steer_looked_after_stock``: the stock at the year's end steers
    stays in care instead of the published exits.
    """
    params, targets = copy.deepcopy(params), dict(targets)
    first = {path: _get(params, path) for path in LIMITED}
    steering = _steering(steer_looked_after_stock, targets)
    average_from = shrink_after if average_from is None else average_from
    kesten = _Kesten(steering)
    run = _FitRun(targets, steering, first, population, start_date, seed, log)
    iterates: list[tuple[int, dict[str, Any]]] = []  # (iteration, parameters its step reached)
    rows: list[FitRow] = []
    for it in range(iterations):
        last = it == iterations - 1
        if last and len(iterates) > 1:
            params = _average_iterates(iterates, steering, kesten.turned, first)
        late = late_replications if it >= shrink_after else None
        reps = polish.replications if polish and last else late or replications
        sim, se = _simulate(run, params, reps, it, errors=bool(polish and last))
        tol = (tolerance_pct, share_tolerance_points)
        rows, met = _compare(it, targets, sim, steering, tol, log)
        if met or last:  # the reported fit is that of the parameters returned
            if polish and not met:
                params, rows = _polish(run, polish, (params, (sim, se), rows), it, damping, tol)
            break
        _steer_levels(params, targets, sim, kesten, it, damping, average_from)
        mixes_step = damping / (1 + max(0, it - shrink_after) / 2)
        _steer_mixes(params, targets, sim, mixes_step, ages=steer_looked_after_stock, first=first)
        if it >= average_from:
            iterates.append((it, copy.deepcopy(params)))
    _note_refinements(params, targets, steering)
    return params, rows


def _steer_mixes(
    params: dict[str, Any],
    targets: dict[str, float],
    sim: dict[str, float],
    step: float,
    *,
    ages: bool,
    first: dict[str, Any],
) -> None:
    """Move the published mixes toward their targets, and with ``ages`` (where the stock steers
    stays: a council's fit) the opening stock's ages toward those the year brought into care;
    then hold every parameter possible and within its limits of ``first`` (:func:`_hold`)."""
    _steer_shares(params, targets, sim, step)
    if ages:
        follow_pathway_entry_ages(params, sim)
    _hold(params, first)


#: How far each iteration moves the opening stock's ages toward the simulated entrants'
#: (judgement: half, since one year's entrants by age carry replication noise).
OPENING_AGES_STEP = 0.5


def pathway_entry_ages(params: dict[str, Any], sim: dict[str, float]) -> list[float] | None:
    """The ages on starting (by year of age, 0-17, in %) of the children a simulated year
    brought into care through the pathway: the entries by DfE's age band, less unaccompanied
    children (their rate spread over ``demand.uasc_age_weights``), each band spread evenly
    over its years; the few children remanded into care are counted in. None when the year
    brought none."""
    d = params["demand"]
    uasc_w = np.asarray(d.get("uasc_age_weights", [0.0] * 18), dtype=float)
    uasc = float(d.get("uasc_per_10k_per_year", 0.0)) * uasc_w / max(uasc_w.sum(), 1e-12)
    edges = [int(first) for _, _, first in ENTRY_AGE_BANDS] + [int(AGE_OF_MAJORITY)]
    out = np.zeros(int(AGE_OF_MAJORITY))
    for (band, _, _), lo, hi in zip(ENTRY_AGE_BANDS, edges[:-1], edges[1:], strict=True):
        n = sim.get(f"care_entries_age_{band}", 0.0) - float(uasc[lo:hi].sum())
        out[lo:hi] = max(n, 0.0) / (hi - lo)
    total = out.sum()
    return None if total <= 0 else [round(float(x), 4) for x in 100 * out / total]


def follow_pathway_entry_ages(params: dict[str, Any], sim: dict[str, float]) -> None:
    """Move ``looked_after.opening_entry_age_weights`` (from the published starts' at first)
    a step of :data:`OPENING_AGES_STEP` toward the ages the simulated year brought into care
    (:func:`pathway_entry_ages`), so the stock at the start is the one the council's own
    pathway would hold, and the stays fitted to hold it keep it after the fitted year."""
    ages = pathway_entry_ages(params, sim)
    if ages is None:
        return
    la = params["looked_after"]
    old = la.get("opening_entry_age_weights") or la["entry_age_weights"]
    old = 100 * np.asarray(old, dtype=float) / float(np.sum(old))
    new = (1 - OPENING_AGES_STEP) * old + OPENING_AGES_STEP * np.asarray(ages)
    la["opening_entry_age_weights"] = [round(float(x), 4) for x in new]
    params.setdefault("sources", {})["looked_after.opening_entry_age_weights"] = (
        "the model's own: the ages on starting of the children its pathway brought into care in "
        "the fitted year (not unaccompanied children), by DfE's age bands, so that the stock at "
        "the start is the one the pathway would hold (calibration.fit)"
    )


def _average_iterates(
    iterates: list[tuple[int, dict[str, Any]]],
    steering: dict[str, tuple[tuple[str, str], ...]],
    turned: dict[str, int],
    first: dict[str, Any],
) -> dict[str, Any]:
    """The fit's answer: the average of its later iterates (Polyak-Ruppert), held possible and
    within its limits of ``first`` (:func:`_hold`).

    The parameters behind each steered measure are averaged only over the iterates since the
    measure's error first changed sign: before that they were still on their way to it, and an
    average would hold them back. Those of a measure that never turned are the last iterate's.
    Nor are they averaged over the first half of the iterates (tail averaging): after an early
    overshoot the parameters climb back for several iterations while their steps shrink, and
    the 0.8.0 fits averaged over that climb were biased (CP plans started 9-11% under their
    targets in Kent, Birmingham, Kirklees and Cornwall, re-simulated on eight replications).
    """
    out = average_parameters([p for _, p in iterates])
    half = (iterates[0][0] + iterates[-1][0]) / 2
    for measure, steered in steering.items():
        since = max(turned.get(measure, math.inf), half)
        tail = [p for it, p in iterates if it >= since] or [iterates[-1][1]]
        for path, _ in steered:
            _set(out, path, average_parameters([_get(p, path) for p in tail]))
    _hold(out, first)
    return out


def average_parameters(iterates: list[dict[str, Any]]) -> dict[str, Any]:
    """The mean of parameter mappings of the same shape, number by number (lists elementwise).

    Values that are not numbers, or that every iterate shares, are the last iterate's; an
    integer stays an integer.
    """
    last = iterates[-1]
    if isinstance(last, dict):
        return {
            k: average_parameters([it[k] for it in iterates])
            if all(isinstance(it, dict) and k in it for it in iterates)
            else v
            for k, v in last.items()
        }
    if isinstance(last, list):
        if all(isinstance(it, list) and len(it) == len(last) for it in iterates):
            return [average_parameters([it[i] for it in iterates]) for i in range(len(last))]
        return last
    numbers = all(
        isinstance(it, int | float | np.number) and not isinstance(it, bool) for it in iterates
    )
    if not numbers or all(it == last for it in iterates):
        return last
    mean = float(f"{np.mean([float(it) for it in iterates]):.6g}")
    return round(mean) if isinstance(last, int | np.integer) else mean


def _cin_other(values: dict[str, float]) -> float | None:
    """Children in need less those on CP plans or looked after (None if any is missing)."""
    try:
        rest = values["children_in_need"] - values["cp_plans"] - values["looked_after"]
    except KeyError:
        return None
    return rest if rest > 0 else None


#: How far one step may move the CIN plans it asks for, either way (judgement).
CIN_PLAN_STEP_LIMIT = 5.0


def _cin_plan_room(targets: dict[str, float], sim: dict[str, float], level: float) -> float:
    """The children in need's steering ratio for CIN plan length: the CIN plans the target
    leaves room for (its children in need on neither a CP plan nor looked after, less the
    simulated open assessments and s47 enquiries) over the CIN plans simulated, within
    :data:`CIN_PLAN_STEP_LIMIT` either way.

    Until 0.11.2 the ratio was the whole of the children in need on neither a CP plan nor looked
    after, target over simulated, as if CIN plans were all of them; where open assessments are
    most of them the steps were too small to matter: Hampshire's CIN plans, cut early to a
    median of about a week, could not come back, and its children in need ended 16% short.
    """
    t_rest, s_rest = _cin_other(targets), _cin_other(sim)
    if not (t_rest and s_rest):
        return level
    plans = sim.get("cin_plan", 0.0)
    if plans <= 0:
        return t_rest / s_rest
    room = (t_rest - (s_rest - plans)) / plans
    return float(np.clip(room, 1 / CIN_PLAN_STEP_LIMIT, CIN_PLAN_STEP_LIMIT))


def steering_ratio(measure: str, targets: dict[str, float], sim: dict[str, float]) -> float:
    """How far to move the parameters behind ``measure``: target over simulated.

    The looked-after stock (when it steers stays in care) answers with the exits it needs: the
    year's exits plus the stock's excess over its target, over the year's exits. For the
    measures in :data:`RELATIVE_TO`, the ratio of the measure's share of the step before
    it (target over simulated), so each probability answers for its own step only. Falls back to
    the level when the step before is not a target or was not simulated.
    """
    level = targets[measure] / sim[measure]
    if measure == "looked_after" and sim.get("care_exits"):
        # the stock is steered by its exits: those it had, plus its excess over the target
        wanted = sim["care_exits"] + sim["looked_after"] - targets["looked_after"]
        return float(np.clip(wanted / sim["care_exits"], 0.5, 2.0))
    base = RELATIVE_TO.get(measure)
    if base is None:
        return level
    if base == "cin_other":
        return _cin_plan_room(targets, sim, level)
    if targets.get(base) and sim.get(base):
        return level * sim[base] / targets[base]
    return level


#: Toxic-trio subsets with each factor (keys of ``demand.toxic_trio_shares``).
_HAS_FACTOR = {
    factor: tuple(k for k in TOXIC_TRIO_SUBSETS if code in k.split("+"))
    for factor, code in zip(FACTORS, ("da", "mh", "sm"), strict=True)
}
#: Age bands (lowest age) whose care stays decide how many leave care at 18.
_AGE_18_BANDS_FROM = 10


def _steer_shares(
    params: dict[str, Any], targets: dict[str, float], sim: dict[str, float], step: float
) -> None:
    """Move the parameters behind each published mix toward it (shares in ``targets``).

    - factors at the end of assessment (C3) steer the front door's toxic-trio prevalence;
    - CP plans ended by duration (D7) steer the weights of the CP plan duration's bands;
    - placements at 31 March steer the placement mix at entry (all age bands alike);
    - reasons care ended steer the exit mix, and leaving at 18 steers older entrants' stays;
    - starts under one steer the chance that a baby born into proceedings starts care.
    """

    def factor(name: str) -> float | None:
        t, found = targets.get(name), sim.get(name)
        return (t / found) ** step if t and found else None

    joint = params["demand"]["toxic_trio_shares"]
    steps = {f: factor(f"assessed_share_{f}") for f in _HAS_FACTOR}
    if any(steps.values()):
        marginals = []
        for f, subsets in _HAS_FACTOR.items():
            m = sum(joint[k] for k in subsets)
            marginals.append(_scale_odds(m, steps[f]) if steps[f] else m)
        params["demand"]["toxic_trio_shares"] = toxic_trio_joint(*marginals)
    cp = params["cp_plan"]["duration"]
    if cp.get("kind") == "empirical":
        cp["weights"] = [
            round(w * (factor(f"cp_ended_share_{b}") or 1.0), 4)
            for w, b in zip(cp["weights"], CP_BANDS, strict=True)
        ]
    la = params["looked_after"]
    babies = factor("entry_age_share_under_1")
    if babies and la.get("p_newborn_at_entry"):
        la["p_newborn_at_entry"] = _scale_odds(la["p_newborn_at_entry"], babies)
    for group, types in PLACEMENT_GROUPS.items():
        k = factor(f"placement_share_{group}")
        for t in types if k else ():
            la["placement_mix"][t] = [round(w * k, 4) for w in la["placement_mix"][t]]
    for group, reasons in EXIT_GROUPS.items():
        k = factor(f"exit_share_{group}")
        if not k:
            continue
        if group == "age_18":  # not chosen: it happens when a stay outlasts childhood
            d = la["duration"]
            d["durations"] = [
                scale_duration(spec, k) if lo >= _AGE_18_BANDS_FROM else spec
                for lo, spec in zip(d["bands_from_age"], d["durations"], strict=True)
            ]
            continue
        for e in reasons:
            la["exit_mix"][e] = [round(w * k, 4) for w in la["exit_mix"][e]]


def _is_share(measure: str) -> bool:
    return "_share_" in measure


def _keep_feasible(params: dict[str, Any]) -> None:
    """Keep the front door's shares possible after a step (referral + early help < 1)."""
    fd = params["front_door"]
    fd["p_early_help"] = round(min(fd["p_early_help"], 0.95 - fd["p_referral"]), 6)


#: Parameters the published mixes steer, and the mix in words (for the sources).
_SHARE_STEERING = {
    "assessed_share_": ("demand.toxic_trio_shares", "C3 factors as shares of C2 assessments"),
    "cp_ended_share_": ("cp_plan.duration", "D7 CP plans ended by duration"),
    "placement_share_": ("looked_after.placement_mix", "placements at 31 March"),
    "exit_share_": ("looked_after.exit_mix", "reasons care ended"),
    "entry_age_share_": ("looked_after.p_newborn_at_entry", "share of care starts under one"),
}


def _note_refinements(
    params: dict[str, Any],
    targets: dict[str, float],
    steering: dict[str, tuple[tuple[str, str], ...]],
) -> None:
    """Say in each steered parameter's source that the fit refined it, and to what."""
    notes: dict[str, list[str]] = {}
    for measure, steered in steering.items():
        if measure in targets:
            words = (
                "the looked-after stock at 31 March (its target)"
                if measure == "looked_after"
                else "the published " + measure.replace("_", " ")
            )
            for path, _ in steered:
                notes.setdefault(path, []).append("refined by calibration.fit to " + words)
    for prefix, (path, words) in _SHARE_STEERING.items():
        if any(t.startswith(prefix) for t in targets):
            notes.setdefault(path, []).append(f"refined by calibration.fit to the {words}")
    if any(t == "exit_share_age_18" for t in targets):
        notes.setdefault("looked_after.duration", []).append(
            "stays from age 10 refined by calibration.fit to the share leaving care at 18"
        )
    for path, added in notes.items():
        source = params["sources"].get(path, "")
        for note in added:
            if note not in source:
                source += "; " + note
        params["sources"][path] = source


def england_targets(fig: NationalFigures | None = None) -> dict[str, float]:
    """Fit targets for England 2024-25, plus early help starts (ADCS estimate)."""
    fig = fig or NationalFigures()
    t = fit_targets(fig)
    t["care_entries_not_uasc"] = t.pop("care_entries") - fig.per_10k(
        "2024-25", "cla_started_unaccompanied_unaccompanied_asylum_seeking_children"
    )
    # CP plans at 31 March steer CP plan length: the D7 shape is kept and scaled so that stock =
    # starts x mean length (D7's ended plans are longer on average than Little's law allows)
    t["early_help_starts"] = (
        fig.value("2021-22", "early_help_assessments") * 1.08 / fig.population("2023-24") * 1e4
    )
    t["contacts"] = fig.per_10k("2023-24", "contacts_to_childrens_social_care")
    # leaving care sets the stay (stock = inflow x mean stay holds only if exits match too);
    # the looked-after stock at 31 March is then checked, not steered
    t["care_exits"] = fig.per_10k("2024-25", "cla_ceased")
    t.update(route_targets(fig))
    # published mixes: C3 factors, D7 durations, placements, exits (D5 is checked by the tests)
    t.update({k: v for k, v in mix_targets(fig).items() if not k.startswith("cp_open_share_")})
    return t


def current_workforce(shipped: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any]:
    """The shipped parameters with the workforce (which the fit never steers), its sources and
    the workforce census in the provenance taken from the first estimates ``fresh``."""
    out = copy.deepcopy(shipped)
    # items the first estimates do not give (staff following the caseload, measured from the
    # census by calibration.workforce) stay as shipped, with their sources
    out["workforce"] = {**shipped["workforce"], **fresh["workforce"]}
    fresh_keys = {"workforce." + k for k in fresh["workforce"]}
    sources = {k: v for k, v in out["sources"].items() if k not in fresh_keys}
    sources.update({k: v for k, v in fresh["sources"].items() if k.startswith("workforce.")})
    out["sources"] = sources
    out["provenance"] = {**out.get("provenance", {}), **fresh.get("provenance", {})}
    return out


def route_targets(fig: NationalFigures, year: str = "2024-25") -> dict[str, float]:
    """England's care entries by legal status on starting (DfE's CLA starts), and children in
    care proceedings (Cafcass), per 10,000 children.

    Non-UASC s20 starts are the starts that are neither UASC (almost all s20), care orders,
    police protection nor youth justice. Children in s31 applications come from England's
    first estimates (Cafcass's 2023-24 applications x children per application).
    """
    pop = fig.population(year)

    def starts(group: str) -> float:
        names = LEGAL_STATUS_GROUPS[group]
        return sum(fig.value(year, f"cla_started_legal_{s}") for s in names) / pop * 1e4

    uasc = fig.per_10k(year, "cla_started_unaccompanied_unaccompanied_asylum_seeking_children")
    out = {f"care_entries_legal_{g}": starts(g) for g in ("care_order", "police_protection")}
    out["care_entries_legal_youth_justice"] = starts("youth_justice")
    out["care_entries_s20_not_uasc"] = fig.per_10k(year, "cla_started") - uasc - sum(out.values())
    q = national_figures(fig, load_estimates())
    out["care_proceedings"] = q.proceedings_children
    return out


def main(argv: list[str] | None = None) -> None:
    """Regenerate England's parameter file: first estimates, then the fit.

    ``--warm-start`` starts the fit from the shipped parameter file instead of the first
    estimates (quicker after a small change to the model; the sources stay as they are, except
    the workforce's, which the fit never steers: see :func:`current_workforce`).
    """
    ap = argparse.ArgumentParser(prog="python -m calibration.fit")
    ap.add_argument("--warm-start", action="store_true")
    ap.add_argument("--iterations", type=int, default=20)
    args = ap.parse_args(argv)
    start = (
        current_workforce(yaml.safe_load(PARAMS_FILE.read_text()), first_estimates())
        if args.warm_start
        else first_estimates()
    )
    params, rows = fit(start, england_targets(), iterations=args.iterations)
    path = write(params)
    print(f"wrote {path}")
    print(f"{'measure':<24}{'target':>10}{'simulated':>11}{'error %':>9}")
    for r in rows:
        print(f"{r.measure:<24}{r.target:>10.1f}{r.simulated:>11.1f}{r.error_pct:>9.1f}")


if __name__ == "__main__":
    main()

__all__ = ["FIT_TARGETS", "FitRow", "fit", "main", "route_targets"]
