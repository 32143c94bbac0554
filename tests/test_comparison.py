"""Which runs a comparison makes, and reusing runs submitted ahead (the dashboard's baseline).

The dashboard shows the pilot with its effects sampled, so it runs the baseline and the sampled
runs only; the CLI still runs both effect modes. With a Dask client every run has a key made of
what decides it, so a baseline submitted while the leader chooses is reused, not run again, and
the numbers are the same as without it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.api import (
    HeldBaselines,
    baseline_digest,
    build_scenario,
    builtin_policies,
    prefetch_baseline,
    run_comparison,
)
from sim.experiments.comparison import BASELINE, compare, plan, run_count, task_key

FS = "Family Safeguarding"
SAMPLED = ("sampled",)
RESULTS = ("monthly", "paired", "costs", "summary")


def small(**changes):
    """Family Safeguarding in a council of 8,000 children over 2 years, 2 replications."""
    choices = {"population": 8000, "years": 2, "replications": 2, **changes}
    return build_scenario(policies=[builtin_policies()[FS]], **choices)


def sampled_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The baseline's rows and those with effects sampled, renumbered."""
    return frame[frame["effects"] != "central"].reset_index(drop=True)


@pytest.fixture(scope="module")
def sampled_only():
    """The dashboard's comparison of ``small()``, in this process."""
    return run_comparison(small(), effects=SAMPLED)


def test_plan_with_sampled_effects_runs_the_baseline_and_the_sampled_pilot_only():
    sc = small()
    runs = plan(sc, 2, effects=SAMPLED)
    got = [(k.variant, k.effects, k.replication, sampled) for k, _, sampled in runs]
    assert got == [
        (BASELINE, "none", 0, False),
        (FS, "sampled", 0, True),
        (BASELINE, "none", 1, False),
        (FS, "sampled", 1, True),
    ], f"expected baseline and sampled runs per replication, found {got}"
    assert run_count(sc, 2, SAMPLED) == len(runs)
    full = [(k.variant, k.effects, k.replication) for k, _, _ in plan(sc, 2)]
    assert [e for _, e, r in full if r == 0] == ["none", "central", "sampled"], (
        f"expected the default plan to keep both effect modes, found {full}"
    )
    assert run_count(sc, 2) == len(full) == 6


@pytest.mark.parametrize(
    "effects, says",
    [
        ("sampled", "a tuple of effect modes"),
        (("sampld",), "unknown mode 'sampld'"),
        ((), "one or both"),
        (("sampled", "sampled"), "each once"),
        (None, "a tuple of effect modes"),
    ],
)
def test_a_bad_effects_value_is_a_clear_value_error(effects, says):
    with pytest.raises(ValueError, match=f"effects: .*{says}"):
        plan(small(), 2, effects=effects)
    with pytest.raises(ValueError, match="effects: "):
        run_comparison(small(), effects=effects)


def test_sampled_only_comparison_gives_the_full_comparisons_sampled_numbers(sampled_only):
    full = run_comparison(small())
    assert set(sampled_only["summary"]["effects"]) == {"sampled"}
    assert set(sampled_only["monthly"]["effects"]) == {"none", "sampled"}
    for name in RESULTS:
        pd.testing.assert_frame_equal(
            sampled_only[name], sampled_rows(full[name]), check_exact=True, obj=name
        )


def test_a_runs_key_follows_what_decides_it_and_nothing_else():
    sc = small()
    runs = plan(sc, 2)
    keys = [task_key(k, s, sampled) for k, s, sampled in runs]
    assert len(set(keys)) == len(keys), f"expected one key per run, found {keys}"
    assert keys == [task_key(k, s, sampled) for k, s, sampled in plan(small(), 2)], (
        "expected the same keys for the same comparison built again"
    )
    base_key, base, _ = runs[0]
    assert keys[0].startswith("run-") and keys[0].endswith(base_key.file_stem)
    # the baseline does not depend on the pilot, the scenario's name or its replication count
    other = build_scenario(
        population=8000,
        years=2,
        replications=5,
        policies=[builtin_policies()["Family group decision making before proceedings"]],
        name="England: another pilot",
    )
    k, s, sampled = plan(other, 1)[0]
    assert task_key(k, s, sampled) == keys[0]
    assert baseline_digest(other) == baseline_digest(sc)
    # ... but does on anything the run reads, and on how it is run
    for changed in (
        task_key(base_key, base.with_changes(seed=1), False),
        task_key(base_key, base.with_changes(population=9000), False),
        task_key(base_key, base, True),
        task_key(base_key, base, False, independent=True),
    ):
        assert changed != keys[0]


def test_prefetch_without_a_client_does_nothing():
    held = HeldBaselines()
    assert prefetch_baseline(small(), None) == []
    assert held.prefetch(small(), None) == [] and held.digests() == []


def test_held_baselines_keep_the_latest_few_and_replace_a_repeat():
    held = HeldBaselines(keep=2)
    for digest in ("a", "b", "a", "c"):
        held.hold(digest, [digest])
    assert held.digests() == ["a", "c"], "expected the oldest baseline ('b') let go"
    held.hold("c", ["c2"])
    assert held.futures() == ["a", "c2"]


@pytest.fixture(scope="module")
def client_and_finished():
    """A Dask client on one in-process worker, and the keys of every task it finished.

    The worker is handed one run at a time, as the dashboard's (``sim.api.local_workers``).
    """
    import dask
    from dask.distributed import Client, LocalCluster
    from distributed.diagnostics.plugin import SchedulerPlugin

    class Finished(SchedulerPlugin):
        def __init__(self) -> None:
            self.keys: list[str] = []

        def transition(self, key, start, finish, *args, **kwargs) -> None:
            if finish == "memory":
                self.keys.append(key)

    finished = Finished()
    with (
        dask.config.set({"distributed.scheduler.worker-saturation": 1.0}),
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0"
        ) as cluster,
        Client(cluster) as client,
    ):
        cluster.scheduler.add_plugin(finished)
        yield client, finished.keys


def test_a_prefetched_baseline_is_reused_not_run_again(client_and_finished, sampled_only):
    from dask.distributed import wait

    client, finished = client_and_finished
    sc = small()
    held = HeldBaselines()
    # chosen earlier under another name: the baseline is the same runs
    futures = held.prefetch(sc.with_changes(name="before the leader chose"), client)
    wait(futures)
    prefetched = [f.key for f in futures]
    assert len(prefetched) == 2 and finished == prefetched
    assert [f.key for f in prefetch_baseline(sc, client)] == prefetched
    progress: list[tuple[int, int]] = []
    there = run_comparison(
        sc, progress=lambda i, n: progress.append((i, n)), client=client, effects=SAMPLED
    )
    ran = finished[len(prefetched) :]
    assert not set(ran) & set(prefetched), f"expected the baseline reused, found it rerun: {ran}"
    assert len(ran) == 2 and all("--sampled--" in k for k in ran), (
        f"expected only the sampled runs to be made, found {ran}"
    )
    assert progress[0] == (2, 4) and progress[-1] == (4, 4), (
        f"expected the prefetched runs counted as done at once, found {progress}"
    )
    for name in RESULTS:
        pd.testing.assert_frame_equal(there[name], sampled_only[name], check_exact=True, obj=name)


def test_a_full_comparison_on_a_client_equals_one_in_this_process_every_time(
    client_and_finished,
):
    client, _ = client_and_finished
    sc = small(replications=1)
    here = compare(sc)
    first = compare(sc, client=client)
    again = compare(sc, client=client)  # first's runs were let go: made again, same numbers
    pd.testing.assert_frame_equal(first, here, check_exact=True)
    pd.testing.assert_frame_equal(again, here, check_exact=True)


def test_the_latest_choice_and_a_comparison_go_ahead_of_older_prefetches(client_and_finished):
    """A leader who changes the council's size: the old baseline waits behind the new one."""
    from dask.distributed import wait

    client, finished = client_and_finished
    held = HeldBaselines()
    earlier, latest = small(population=20_000, replications=3), small()
    before = len(finished)
    old = held.prefetch(earlier, client)
    new = held.prefetch(latest, client)
    out = run_comparison(latest, client=client, effects=SAMPLED)
    wait(old)
    order = finished[before:]
    old_keys = {f.key for f in old}
    last_new = max(order.index(f.key) for f in new)
    ahead = [k for k in order[:last_new] if k in old_keys]
    # runs submitted one at a time (each replication at its own priority): the first goes
    # straight to the worker, which may be handed the next as well before the new choice comes
    assert len(ahead) <= 2, (
        f"expected at most the old runs on the worker before the new baseline, found {ahead}"
    )
    assert held.digests() == [baseline_digest(earlier), baseline_digest(latest)]
    assert len(out["paired"]) == 2


def test_a_councils_calibrated_figures_travel_in_the_scenario_yaml():
    """The dashboard rebuilds its scenario from this YAML (and saves and downloads it): a chosen
    council's calibrated parameters must survive, or England's would run at its population."""
    import yaml

    from calibration.council import calibrate, plain
    from sim.api import build_scenario, builtin_policies, scenario_from_yaml, scenario_yaml

    params, _ = calibrate(
        "Rutland", iterations=1, replications=1, population=20_000, polish_rounds=0
    )
    params = plain({k: v for k, v in params.items() if not k.startswith("_")})
    sc = build_scenario(
        parameters=params,
        population=8_000,
        policies=[builtin_policies()["Family Safeguarding"]],
        locality={"share": 0.2, "demand": 2.0},
    )
    text = scenario_yaml(sc)
    back = scenario_from_yaml(text, "saved.yaml")
    mine, theirs = sc.parameters.model_dump(), back.parameters.model_dump()
    mine.pop("sources"), theirs.pop("sources")
    assert mine == theirs, "expected the council's parameters back from the YAML"
    written = yaml.safe_load(text)["parameters"]
    assert written["workforce"]["social_worker_fte_per_10k"] == pytest.approx(
        params["workforce"]["social_worker_fte_per_10k"]
    )
    england = build_scenario(population=8_000, policies=[builtin_policies()["Family Safeguarding"]])
    assert "parameters" not in yaml.safe_load(scenario_yaml(england)), (
        "England's defaults need no overrides"
    )


def test_first_figures_come_a_replication_at_a_time_and_end_as_the_whole_comparison(
    client_and_finished,
):
    """The dashboard shows figures from the first complete replications, then refines them; the
    last tables equal run_comparison's, in this process and on workers."""
    from sim.api import comparison_steps

    sc = small(replications=5)
    whole = run_comparison(sc, effects=SAMPLED)
    held: list = []
    for client in (None, client_and_finished[0]):
        steps = list(comparison_steps(sc, client, SAMPLED, first=2, every=2, hold=held.extend))
        assert [(k, n) for k, n, _ in steps] == [(2, 5), (4, 5), (5, 5)]
        first = steps[0][2]["paired"]
        assert sorted(first["replication"]) == [0, 1]  # replications complete in order
        for name in RESULTS:
            pd.testing.assert_frame_equal(steps[-1][2][name], whole[name], check_exact=True)
    assert len(held) == 10, "expected every run's future handed to hold()"


def test_a_comparison_pairs_with_its_prefetched_baseline_replication_by_replication(
    client_and_finished,
):
    """Each replication's pilot goes right behind its own baseline, so replications finish in
    turn (the page's first figures come early) rather than every pilot before the baselines."""
    from dask.distributed import wait

    from sim.api import comparison_steps

    client, finished = client_and_finished
    held = HeldBaselines()
    sc = small(population=9000, replications=4)
    before = len(finished)
    baseline = held.prefetch(sc, client)
    assert held.band(sc) != 0 and held.band(small(population=7000)) == 0
    steps = list(comparison_steps(sc, client, SAMPLED, band=held.band(sc), first=1, every=1))
    wait(baseline)
    order = [int(k.rsplit("--", 1)[-1]) for k in finished[before:]]  # replications
    # each replication's two runs finish before the next replication's (the first two baseline
    # runs go straight to the worker, before the comparison is asked for)
    assert sorted(order[:4]) == [0, 0, 1, 1] and order[4:] == [2, 2, 3, 3], order
    assert [k for k, _, _ in steps] == [1, 2, 3, 4]


def test_the_latest_choices_pilot_runs_are_made_ahead_and_a_changed_choice_lets_them_go(
    client_and_finished, sampled_only
):
    """With the page's effect modes, a choice's pilot runs go ahead too, each behind its own
    baseline, under the keys the comparison asks for: a leader who reads the page first finds
    the comparison made (the same numbers). Choosing another pilot lets the first one's go."""
    from dask.distributed import wait

    client, finished = client_and_finished
    held = HeldBaselines()
    sc = small()
    before = len(finished)
    ahead = held.prefetch(sc, client, SAMPLED)
    assert len(ahead) == 4
    wait(ahead)
    made = finished[before:]
    assert sorted(made) == sorted(f.key for f in ahead)
    there = run_comparison(sc, client=client, effects=SAMPLED)
    assert finished[before:] == made, "expected the comparison to make nothing new"
    for name in RESULTS:
        pd.testing.assert_frame_equal(there[name], sampled_only[name], check_exact=True, obj=name)
    pilot_keys = {f.key for f in ahead if "--sampled--" in f.key}
    other = build_scenario(
        policies=[builtin_policies()["Children in need pods"]],
        population=8000,
        years=2,
        replications=2,
    )
    held.prefetch(other, client, SAMPLED)
    still = {f.key for f in held.futures()}
    assert not pilot_keys & still, "expected the first pilot's runs let go"
    assert {f.key for f in ahead} - pilot_keys <= still, "expected its baseline kept"
