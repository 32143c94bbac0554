"""What the dashboard (and notebooks) call: scenarios from plain choices, comparisons, bands.

Thin helpers over the library: they build validated scenarios from the choices a council leader
makes (council, pilots, where, when, size), run the paired comparison (and today's way of working
ahead of it, in the background), and shape results for charts. No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError

from sim.experiments.batch import local_client
from sim.experiments.comparison import (
    BASELINE,
    EFFECT_MODES,
    baseline_plan,
    compare,
    effect_modes,
    labelled,
    paired_results,
    plan,
    run_count,
    run_digest,
    run_one,
    submit_runs,
    summarise,
)
from sim.experiments.summaries import bands as bands
from sim.experiments.summaries import cost_by_year as cost_by_year
from sim.inputs.cost_book import entered_cost
from sim.inputs.localities import REST_OF_COUNCIL
from sim.inputs.policies import Policy
from sim.inputs.scenario import (
    Scenario,
    ScenarioError,
    format_errors,
    load_scenario,
    scenario_from_dict,
)
from sim.inputs.yaml_files import parse_yaml
from sim.reporting import labels
from sim.reporting.charts import band_chart, capacity_measure, cost_difference_chart
from sim.reporting.explain import chart_caption, cost_difference_in_words, locality_in_words

#: The module a worker loads when it starts, so its first run does not wait for the import.
MODEL_MODULE = "sim.experiments.comparison"
SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"
POLICY_DIR = SCENARIO_DIR / "policies"


def builtin_policies() -> dict[str, Policy]:
    """The built-in pilots and reforms, by name (from ``scenarios/policies``)."""
    out = {}
    for f in sorted(POLICY_DIR.glob("*.yaml")):
        p = Policy.model_validate(yaml.safe_load(f.read_text(encoding="utf-8")))
        out[p.name] = p
    return out


def resize(policy: Policy, size: float) -> Policy:
    """The same policy with its team ``size`` times as large per child (its ``size`` field).

    The council's children scale the team already (a policy file's team is per 100,000
    children, :meth:`Policy.scale`): ``size`` is only the leader's choice on top of that.
    """
    return Policy.model_validate({**policy.model_dump(mode="python"), "size": policy.size * size})


#: The scenario whose first locality the dashboard offers as its example of a targeted pilot.
LOCALITY_EXAMPLE = SCENARIO_DIR / "targeted_locality_dorset.yaml"
#: The name a targeted pilot's locality takes in a dashboard scenario.
PILOT_LOCALITY = "pilot locality"


def example_locality() -> dict[str, Any]:
    """A high-need locality, as ``build_scenario`` takes it: ``{"name", "share", "demand",
    "risk"}``.

    Read from :data:`LOCALITY_EXAMPLE` (Dorset's Weymouth & Portland: a sixth of the children
    and about 40% of the county's care entries), so the dashboard's defaults have a source.
    """
    loc = load_scenario(LOCALITY_EXAMPLE).parameters.demand.localities[0]
    return {
        "name": loc.name,
        "share": loc.population_share,
        "demand": loc.relative_demand,
        "risk": loc.relative_risk,
    }


def locality_split(locality: dict[str, Any]) -> list[dict[str, Any]]:
    """The council as a pilot locality and the rest, from ``{"name", "share", "demand",
    "risk"}`` (``name``: by default :data:`PILOT_LOCALITY`).

    The rest of the council takes the demand that keeps the council's average (at least 0.05).
    """
    share = float(locality["share"])
    demand = float(locality.get("demand", 1.0))
    return [
        {
            "name": str(locality.get("name") or PILOT_LOCALITY),
            "population_share": share,
            "relative_demand": demand,
            "relative_risk": float(locality.get("risk", 1.0)),
        },
        {
            "name": REST_OF_COUNCIL,
            "population_share": 1 - share,
            "relative_demand": max((1 - share * demand) / (1 - share), 0.05),
        },
    ]


def build_scenario(
    *,
    council: str = "england",
    population: int | None = None,
    policies: list[Policy] = (),
    start: dt.date | None = None,
    years: float = 5,
    replications: int = 10,
    seed: int = 20250401,
    locality: dict[str, Any] | None = None,
    name: str = "dashboard",
    parameters: dict[str, Any] | None = None,
    pod_school_share: float = 0.10,
    already_running: str = "include",
) -> Scenario:
    """A validated scenario from a leader's choices.

    ``locality`` targets the policies at one locality: ``{"name": "Weymouth and Portland",
    "share": 0.17, "demand": 2.1, "risk": 1.25}`` (its name, share of children, and its demand
    and risk relative to the council; :func:`example_locality`,
    :meth:`sim.inputs.localities.NamedLocality.choice`). ``already_running``: ``include`` (a
    policy the council already runs council-wide adds nothing: its published figures include it)
    or ``expand`` (model it on top). ``population``: children aged 0-17; by default the
    council's own (England's rates: 100,000); :func:`population_basis` says which was used and
    why. The choices are applied to the policies' and parameters' data, and the whole scenario
    is validated once (``ScenarioError`` names a field that is wrong).
    """
    overrides: dict[str, Any] = dict(parameters or {})
    chosen = [p.model_dump(mode="python") for p in policies]
    if locality:
        overrides.setdefault("demand", {})["localities"] = locality_split(locality)
        for p in chosen:
            p["eligible"]["localities"] = [overrides["demand"]["localities"][0]["name"]]
    if start is not None:
        for p in chosen:
            p["start_date"] = start
    if any(p["eligible"]["pod_school_only"] for p in chosen):
        locs = overrides.setdefault("demand", {}).setdefault(
            "localities", [{"name": "whole council", "population_share": 1.0}]
        )
        for loc in locs:
            loc["p_family_at_pod_school"] = pod_school_share
    data = {
        "name": name,
        "council": council,
        "population": population,
        "years": years,
        "replications": replications,
        "seed": seed,
        "already_running": already_running,
        "policies": chosen,
        "parameters": overrides,
    }
    return scenario_from_dict(data, file="<dashboard>")


def council_name(scenario: Scenario) -> str:
    """The council a dashboard scenario is for, as its name says ("Dorset: Family
    Safeguarding" -> "Dorset")."""
    return scenario.name.split(":")[0].strip()


def pilot_locality(scenario: Scenario) -> dict[str, Any] | None:
    """The one locality every compared policy targets, as ``build_scenario`` takes it
    (``{"name", "share", "demand", "risk"}``), or None when the pilot covers the council."""
    policies = [p for ps in scenario.compared_variants().values() for p in ps]
    named = {tuple(p.eligible.localities or ()) for p in policies}
    if len(named) != 1 or len(next(iter(named))) != 1:
        return None
    (name,) = next(iter(named))
    for loc in scenario.parameters.demand.localities:
        if loc.name == name:
            return {
                "name": loc.name,
                "share": loc.population_share,
                "demand": loc.relative_demand,
                "risk": loc.relative_risk,
            }
    return None


def chart_place(scenario: Scenario) -> str:
    """What a chart of the whole council's numbers covers, for its title: "Dorset", or "All
    of Dorset; the pilot works in Weymouth and Portland" for a pilot in one locality (the
    model counts stocks for the council, not by locality)."""
    council = council_name(scenario)
    locality = pilot_locality(scenario)
    if locality is None:
        return council
    return f"All of {council}; the pilot works in {locality['name']}"


def pilot_locality_index(scenario: Scenario) -> int | None:
    """The place of the pilot's locality among the scenario's localities (its flows are
    counted as ``care_entries_locality_<index>``), or None when the pilot covers the council."""
    locality = pilot_locality(scenario)
    if locality is None:
        return None
    names = [loc.name for loc in scenario.parameters.demand.localities]
    return names.index(locality["name"])


@dataclass(frozen=True)
class ChartPanel:
    """One chart of a comparison's page: the column it goes in (0 left, 1 right), a key naming
    it, the figure, and the line under it saying why it moves."""

    column: int
    key: str
    figure: Any
    caption: str


def comparison_charts(
    res: dict[str, pd.DataFrame],
    scenario: Scenario,
    variant: str,
    history: pd.DataFrame | None = None,
) -> list[ChartPanel]:
    """The charts of a comparison's results ``res``, in the order the page shows them: children
    looked after and on CP plans against the published ``history``, waiting for a social worker
    (or how full the social workers are), the pilot's cost against today's by year, and, for a
    pilot in one locality, a line on what it changes there (a panel with no figure)."""
    monthly, where = res["monthly"], chart_place(scenario)
    panels = []
    for column, measure, past in (
        (0, "looked_after", history),
        (1, "cp_plans", history),
        (1, capacity_measure(monthly), None),
    ):
        title = labels.chart_title(measure, where)
        figure = band_chart(monthly, measure, title, history=past, future=scenario.future)
        caption = chart_caption(monthly, measure, past, scenario.future, scenario.parameters.future)
        panels.append(ChartPanel(column, measure, figure, caption))
    title = labels.with_place(labels.COST_DIFFERENCE_TITLE, where)
    panels.append(
        ChartPanel(
            0,
            "cost",
            cost_difference_chart(res["costs"], variant, title=title),
            cost_difference_in_words(res["costs"], variant),
        )
    )
    index = pilot_locality_index(scenario)
    if index is not None:
        name = scenario.parameters.demand.localities[index].name
        panels.append(
            ChartPanel(0, "locality", None, locality_in_words(monthly, index, name, variant))
        )
    return panels


def result_files(res: dict[str, pd.DataFrame]) -> tuple[str, bytes]:
    """A comparison's results to download: its summary as CSV text, and the summary and costs
    as an Excel workbook (one sheet each)."""
    summary = res["summary"]
    out = io.BytesIO()
    with pd.ExcelWriter(out) as xl:
        summary.to_excel(xl, sheet_name="summary", index=False)
        res["costs"].to_excel(xl, sheet_name="costs", index=False)
    return summary.to_csv(index=False), out.getvalue()


def dashboard_choices(scenario: Scenario, pilots: dict[str, Policy]) -> dict[str, Any]:
    """The dashboard's controls that rebuild ``scenario`` with :func:`build_scenario`, so a
    reopened file or saved scenario sets every control to itself.

    ``pilots``: the built-in policies by name (:func:`builtin_policies`), against which the
    pilot's size is read. Keys: ``council`` (its name, "England" for England's rates),
    ``population``, ``pilots`` (names), ``locality`` (:func:`pilot_locality`), ``start``,
    ``size`` (the first pilot's team against its file's, 1.0 by default), ``years``,
    ``replications``, ``expand`` (model an expansion where the council runs the pilot).
    """
    policies = [p for ps in scenario.compared_variants().values() for p in ps]
    first = policies[0] if policies else None
    builtin = pilots.get(first.name) if first is not None else None
    size = first.size / builtin.size if first is not None and builtin and builtin.size else 1.0
    return {
        "council": "England" if scenario.council == "england" else council_name(scenario),
        "population": scenario.population,
        "pilots": [p.name for p in policies],
        "locality": pilot_locality(scenario),
        "start": first.start_date if first is not None else scenario.start_date,
        "size": size,
        "years": scenario.years,
        "replications": scenario.replications,
        "expand": scenario.already_running == "expand",
    }


def same_choices(shown: dict[str, Any], opened: dict[str, Any]) -> bool:
    """Whether the controls ``shown`` still show the ``opened`` scenario's choices (both as
    :func:`dashboard_choices` gives them): the same council, pilots, locality (its share to
    0.1 percentage point, its demand and risk to 0.01), start, size, years, replications and
    expansion, and, for England's rates, the same children."""
    keys = ("council", "pilots", "start", "years", "replications", "expand")
    if any(shown.get(k) != opened.get(k) for k in keys):
        return False
    if abs(float(shown.get("size", 1.0)) - float(opened.get("size", 1.0))) > 1e-9:
        return False
    if shown["council"] == "England" and shown.get("population") != opened.get("population"):
        return False
    return _locality_key(shown.get("locality")) == _locality_key(opened.get("locality"))


def _locality_key(loc: dict[str, Any] | None) -> tuple | None:
    """A locality as compared: name, share to 0.1 point, demand and risk to 0.01."""
    if not loc:
        return None
    return (
        str(loc.get("name", "")),
        round(float(loc["share"]) * 1000),
        round(float(loc.get("demand", 1.0)) * 100),
        round(float(loc.get("risk", 1.0)) * 100),
    )


def with_entered_costs(scenario: Scenario, entered: dict[str, float]) -> Scenario:
    """The scenario with the council's own unit costs (item -> value at the cost book's price
    year) in its ``unit_costs``, marked as entered (:func:`sim.inputs.cost_book.entered_cost`),
    on top of any it had; validated (``ScenarioError`` names a wrong value)."""
    if not entered:
        return scenario
    year = scenario.cost_book().price_year
    costs = dict(scenario.unit_costs)
    items = dict(costs.get("items") or {})
    for name, value in entered.items():
        items[name] = entered_cost(value, year)
    costs["items"] = items
    return _with_costs(scenario, costs, "your unit costs")


def with_unit_costs(scenario: Scenario, unit_costs: dict[str, Any]) -> Scenario:
    """The scenario with another's ``unit_costs`` (its entered and overridden unit costs): a
    reopened scenario's own costs kept when the controls then change it; validated."""
    if not unit_costs:
        return scenario
    return _with_costs(scenario, unit_costs, "the reopened scenario's unit costs")


def _with_costs(scenario: Scenario, unit_costs: dict[str, Any], what: str) -> Scenario:
    """The scenario with these ``unit_costs``, validated (``ScenarioError`` names ``what``)."""
    data = scenario.model_dump(mode="python")
    data["unit_costs"] = unit_costs
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_errors(what, exc)) from None


def population_basis(scenario: Scenario) -> str:
    """Which population a run uses and why ('329,197 children aged 0-17: Essex's own ...')."""
    return scenario.population_basis()


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as YAML in the format the CLI reads.

    ``parameters`` holds every value that differs from the named council's parameter file (a
    chosen council's calibrated figures, the pilot's localities), so the file reproduces the run
    on its own.
    """
    data = scenario.model_dump(mode="json", exclude={"parameters"})
    changes = parameter_changes(scenario)
    if changes:
        data["parameters"] = changes
    return yaml.safe_dump(data, sort_keys=False)


def parameter_changes(scenario: Scenario) -> dict[str, Any]:
    """The scenario's parameters that differ from its council's file (sources aside)."""
    now = scenario.parameters.model_dump(mode="json", exclude={"sources"})
    try:
        base = scenario_from_dict({"name": "base", "council": scenario.council}).parameters
    except ScenarioError:  # the council's file is not where it was: keep every value
        return now
    return _changed(now, base.model_dump(mode="json", exclude={"sources"}))


def _changed(now: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The parts of ``now`` not equal in ``base``; a duration (``kind``) is one value."""
    out: dict[str, Any] = {}
    for key, value in now.items():
        old = base.get(key)
        if isinstance(value, dict) and isinstance(old, dict) and "kind" not in value:
            sub = _changed(value, old)
            if sub:
                out[key] = sub
        elif value != old:
            out[key] = value
    return out


def scenario_from_yaml(text: str, name: str = "uploaded file") -> Scenario:
    """A scenario from YAML text (safe-loaded, validated; ScenarioError names the field)."""
    data = parse_yaml(text, name)
    if "extends" in data:
        raise ScenarioError(f"{name}: extends: not supported in an upload; upload the full file")
    return scenario_from_dict(data, file=name, base_dir=SCENARIO_DIR)


def run_comparison(
    scenario: Scenario,
    progress: Callable[[int, int], None] | None = None,
    client: Any = None,
    effects: Iterable[str] = EFFECT_MODES,
) -> dict[str, pd.DataFrame]:
    """Paired comparison of the scenario's policies with today's way of working.

    ``client``: a Dask client whose workers run the replications in parallel (same numbers).
    ``effects``: the effect modes to run the policies in (default both, as the CLI; the dashboard
    shows ``("sampled",)`` only). ``progress(runs done, runs in all)``.
    """
    effects = effect_modes(effects)
    n_runs = run_count(scenario, effects=effects)
    monthly = compare(
        scenario,
        progress=(lambda i: progress(i, n_runs)) if progress else None,
        client=client,
        effects=effects,
    )
    return comparison_results(monthly, scenario)


def comparison_results(monthly: pd.DataFrame, scenario: Scenario) -> dict[str, pd.DataFrame]:
    """A comparison's tables from its runs' monthly frame: monthly, paired, costs, summary."""
    book = scenario.cost_book()
    paired, costs = paired_results(monthly, scenario, book)
    return {
        "monthly": monthly,
        "paired": paired.drop(columns=["cumulative_net_saving"]),
        "costs": costs,
        "summary": summarise(paired),
    }


def comparison_steps(
    scenario: Scenario,
    client: Any = None,
    effects: Iterable[str] = EFFECT_MODES,
    *,
    band: int = 0,
    first: int = 4,
    every: int = 3,
    progress: Callable[[int, int], None] | None = None,
    hold: Callable[[list[Any]], None] | None = None,
) -> Iterator[tuple[int, int, dict[str, pd.DataFrame]]]:
    """:func:`run_comparison` a replication at a time: yields (replications complete, in all,
    the tables from those replications), so a page can show first figures while the rest run.

    Yields once ``first`` replications are complete (each with its baseline and every variant),
    again each time ``every`` more are, and always at the end; the last tables equal
    :func:`run_comparison`'s. With a Dask ``client``, replication ``r``'s runs go at
    :func:`replication_priority` in ``band`` (a prefetched baseline took the same, see
    :class:`HeldBaselines`), so the workers finish replications one after another instead of
    every pilot run before the baselines. ``hold(futures)`` is handed every run's future, so an
    interrupted caller can keep them (and the runs) for its next call.
    ``progress(runs done, runs in all)``.
    """
    effects = effect_modes(effects)
    n = scenario.replications
    runs = plan(scenario, n, effects)
    per = len(runs) // n
    groups = [runs[r * per : (r + 1) * per] for r in range(n)]
    complete = (
        _replications_here(groups, progress)
        if client is None
        else _replications_on(client, groups, band, progress, hold)
    )
    frames: dict[int, list[pd.DataFrame]] = {}
    shown = 0
    for r, replication_frames in complete:
        frames[r] = replication_frames
        if len(frames) == n or (len(frames) >= first and len(frames) - shown >= every):
            shown = len(frames)
            yield shown, n, _tables(scenario, groups, frames)


def _tables(
    scenario: Scenario, groups: list[list[Any]], frames: dict[int, list[pd.DataFrame]]
) -> dict[str, pd.DataFrame]:
    """A comparison's tables from the replications complete so far."""
    done = [
        labelled(f, sc.name)
        for r in sorted(frames)
        for f, (_, sc, _) in zip(frames[r], groups[r], strict=True)
    ]
    return comparison_results(pd.concat(done, ignore_index=True), scenario)


def _replications_here(
    groups: list[list[Any]], progress: Callable[[int, int], None] | None
) -> Iterator[tuple[int, list[pd.DataFrame]]]:
    """Run each replication's runs in this process, in order: yields (replication, frames)."""
    n, per = len(groups), len(groups[0]) if groups else 0
    for r, group in enumerate(groups):
        frames = [run_one(*run) for run in group]
        if progress is not None:
            progress((r + 1) * per, n * per)
        yield r, frames


def _replications_on(
    client: Any,
    groups: list[list[Any]],
    band: int,
    progress: Callable[[int, int], None] | None,
    hold: Callable[[list[Any]], None] | None,
) -> Iterator[tuple[int, list[pd.DataFrame]]]:
    """Run every replication on a Dask ``client``: yields (replication, frames) as each
    replication's runs are all done, whichever finishes first."""
    # imported here: Dask is heavy, and only a page or sweep with workers needs it
    from dask.distributed import as_completed

    n, per = len(groups), len(groups[0]) if groups else 0
    futures = [
        submit_runs(client, group, priority=replication_priority(band, r))
        for r, group in enumerate(groups)
    ]
    if hold is not None:
        hold([f for fs in futures for f in fs])
    left = [len(fs) for fs in futures]
    replication_of = {f.key: r for r, fs in enumerate(futures) for f in fs}
    for i, future in enumerate(as_completed([f for fs in futures for f in fs]), start=1):
        if progress is not None:
            progress(i, n * per)
        r = replication_of[future.key]
        left[r] -= 1
        if left[r] == 0:
            yield r, client.gather(futures[r])


#: Priority band of runs submitted ahead of time: behind any comparison asked for without one
#: (priority 0 down). A holder gives each new baseline the band :data:`PRIORITY_BAND` above the
#: last one's, so the latest choice runs first; within a band replication ``r`` takes
#: :func:`replication_priority`, and the comparison run on that baseline the same
#: (:func:`comparison_steps`), so its replications finish one after another.
PREFETCH_PRIORITY = -(10**9)
PRIORITY_BAND = 10_000


def replication_priority(band: int, replication: int) -> int:
    """Dask priority of a replication's runs in a band: earlier replications first."""
    return band - replication


def baseline_digest(scenario: Scenario) -> str:
    """Names the baseline of a scenario's comparison: the same whatever its pilots or labels."""
    return run_digest(scenario.with_policies([]))[:16]


def prefetch_baseline(
    scenario: Scenario, client: Any, priority: int = PREFETCH_PRIORITY
) -> list[Any]:
    """Submit the baseline runs of the scenario's comparison to ``client``; do not wait.

    The runs carry the keys :func:`run_comparison` gives them, so while their futures are held
    the comparison reuses them instead of running them again (same numbers either way); runs
    already submitted keep their place (Dask does not change a task's priority). Replication
    ``r`` goes at ``replication_priority(priority, r)``. Without a client, nothing to do: ``[]``.
    """
    if client is None:
        return []
    runs = baseline_plan(scenario, scenario.replications)
    return [
        f
        for r, run in enumerate(runs)
        for f in submit_runs(client, [run], priority=replication_priority(priority, r))
    ]


def prefetch_pilots(
    scenario: Scenario, client: Any, priority: int, effects: Iterable[str]
) -> list[Any]:
    """Submit the pilot runs of the scenario's comparison (``effects`` modes) to ``client``,
    each replication's at ``replication_priority(priority, r)``, so each runs right behind its
    own baseline; do not wait. The keys are those :func:`comparison_steps` gives them."""
    if client is None:
        return []
    runs = [
        run for run in plan(scenario, scenario.replications, effects) if run[0].variant != BASELINE
    ]
    return [
        f
        for run in runs
        for f in submit_runs(
            client, [run], priority=replication_priority(priority, run[0].replication)
        )
    ]


class HeldBaselines:
    """Futures of the last few baselines prefetched, by :func:`baseline_digest` (bounded), and
    of the latest choice's pilot runs.

    Holding a future keeps its run's result on the workers; the oldest baseline beyond ``keep``
    is let go (Dask forgets it, or cancels it if it has not run), and so are a choice's pilot
    runs once the leader has made another. Safe to share across threads.
    """

    def __init__(self, keep: int = 4) -> None:
        self.keep = keep
        self._held: OrderedDict[str, list[Any]] = OrderedDict()
        self._pilots: list[Any] = []
        self._bands: dict[str, int] = {}
        self._lock = threading.Lock()
        self._order = itertools.count()

    def prefetch(
        self, scenario: Scenario, client: Any, effects: Iterable[str] | None = None
    ) -> list[Any]:
        """:func:`prefetch_baseline`, holding the futures; a no-op without a client.

        Each new baseline's runs go ahead of those of earlier ones (a leader's latest choice
        first), still behind any comparison asked for without a baseline held; a baseline held
        already keeps its band (its runs keep their priority). With ``effects``, the pilot's
        runs in those modes go too (:func:`prefetch_pilots`): a leader who reads the page
        before asking finds them made; those of the previous choice are let go.
        """
        digest = baseline_digest(scenario)
        with self._lock:
            if digest not in self._bands:
                self._bands[digest] = PREFETCH_PRIORITY + PRIORITY_BAND * next(self._order)
            priority = self._bands[digest]
        futures = prefetch_baseline(scenario, client, priority)
        if futures:
            self.hold(digest, futures)
        if effects is not None:
            pilots = prefetch_pilots(scenario, client, priority, effects)
            with self._lock:
                self._pilots = pilots  # the last choice's go (Dask cancels those not started)
            futures = futures + pilots
        return futures

    def band(self, scenario: Scenario) -> int:
        """The priority band of the scenario's baseline (0 when none is held): pass it to
        :func:`comparison_steps` so the comparison's runs pair with the baseline's."""
        with self._lock:
            digest = baseline_digest(scenario)
            return self._bands.get(digest, 0) if digest in self._held else 0

    def hold(self, digest: str, futures: list[Any]) -> None:
        """Keep ``futures`` as the newest baseline, replacing any under the same digest."""
        with self._lock:
            self._held.pop(digest, None)
            self._held[digest] = futures
            while len(self._held) > self.keep:
                gone, _ = self._held.popitem(last=False)
                self._bands.pop(gone, None)

    def futures(self) -> list[Any]:
        """Every future held, oldest baseline first, then the latest choice's pilot runs."""
        with self._lock:
            return [f for fs in self._held.values() for f in fs] + list(self._pilots)

    def digests(self) -> list[str]:
        """The baselines held, oldest first."""
        with self._lock:
            return list(self._held)


def local_workers(workers: int | None = None) -> Any:
    """A Dask client on worker processes of this machine (one per core by default).

    The dashboard keeps one for its life so a comparison's runs share the cores. Each worker is
    handed one run at a time (Dask's default is a little more), so a comparison asked for goes
    ahead of runs submitted earlier at a lower priority, once the runs being made end.
    """
    # imported here: Dask is heavy and only a page with workers needs it; and its config
    # defaults first, so that leaving `set` does not drop them
    import dask.distributed

    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
        client = local_client(workers)
    client.run(_import_model)  # workers load the model now, not on the first run
    return client


def _import_model() -> None:
    """Load the model's modules on a worker (run there by :func:`local_workers`)."""
    importlib.import_module(MODEL_MODULE)
