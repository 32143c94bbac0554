"""The model's event core steps processes in exactly simpy's order (so the model's numbers are
those simpy gave), and behaves as simpy does where the model relies on it."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.core import events


def _workload(env, trace: list, seed: int, n: int = 60) -> None:  # type: ignore[no-untyped-def]
    """Processes that wait on timeouts (some at the same moment), on plain events that others
    succeed, on ``a | b``, on other processes, and that start processes: each step is traced."""
    rng = np.random.default_rng(seed)
    signals = [env.event() for _ in range(n // 3)]

    def child(name: str, delay: float):  # type: ignore[no-untyped-def]
        yield env.timeout(delay)
        trace.append((env.now, name, "child done"))
        return name

    def worker(i: int):  # type: ignore[no-untyped-def]
        for step in range(int(rng.integers(1, 7))):
            kind = rng.random()
            if kind < 0.35:
                yield env.timeout((0.0, 1.0, 2.5, rng.random() * 3)[int(rng.integers(4))])
            elif kind < 0.55:
                signal = signals[int(rng.integers(len(signals)))]
                if not signal.triggered:
                    signal.succeed(i)
                yield env.timeout(0.5)
            elif kind < 0.75:
                signal = signals[int(rng.integers(len(signals)))]
                patience = env.timeout(rng.random() * 4)
                yield signal | patience
                trace.append((env.now, i, step, "signal" if signal.triggered else "patience"))
            elif kind < 0.9:
                value = yield env.process(child(f"{i}.{step}", rng.random() * 2))
                trace.append((env.now, i, step, "joined", value))
            else:
                env.process(child(f"{i}.{step}.free", rng.random()))
            trace.append((env.now, i, step))

    for i in range(n):
        env.process(worker(i))


INTERPRETED = events.__file__.endswith(".py")


@pytest.fixture(params=["this build's heap", "typed heap, interpreted"])
def heap(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test on the schedule this build uses and, interpreted, on the compiled build's
    typed heap as well (compiled, the choice is fixed when the module is built)."""
    if request.param.startswith("typed"):
        if not INTERPRETED:
            pytest.skip("compiled: the typed heap is the one in use")
        monkeypatch.setattr(events, "TYPED_HEAP", True)
    return str(request.param)


@pytest.mark.parametrize("seed", range(8))
def test_processes_step_in_simpys_order(seed: int, heap: str) -> None:
    ours, theirs = [], []
    env = events.Environment()
    _workload(env, ours, seed)
    steps = env.steps_until(100.0)
    reference = simpy.Environment()
    _workload(reference, theirs, seed)
    reference.run(until=100.0)
    assert len(ours) > 150
    assert ours == theirs
    # fewer events than simpy's (less its stop event): none for a process that ends unwaited
    assert 0 < steps == env._eid < next(reference._eid) - 1  # type: ignore[attr-defined]


def test_a_process_started_after_a_delay_steps_as_one_that_began_by_waiting(heap: str) -> None:
    def stepper(env, trace: list, name: int, waits: bool, delay: float):  # type: ignore[no-untyped-def]
        if waits:
            yield env.timeout(delay)
        trace.append((env.now, name))
        yield env.timeout(1.0 + name / 100)
        trace.append((env.now, name))

    rng = np.random.default_rng(4)
    delays = [rng.random() * 10 for _ in range(40)]
    ours, theirs = [], []
    env = events.Environment()
    for i, d in enumerate(delays):
        env.process(stepper(env, ours, i, False, d), after=d)
    env.run(until=20.0)
    reference = simpy.Environment()
    for i, d in enumerate(delays):
        reference.process(stepper(reference, theirs, i, True, d))
    reference.run(until=20.0)
    assert ours == theirs
    assert env.now == 20.0


def test_same_moment_events_keep_the_order_they_were_scheduled_in_and_starts_go_first(
    heap: str,
) -> None:
    env = events.Environment(initial_time=-5.0)
    order: list[str] = []
    for name in "abc":
        env.timeout(1.0).callbacks.append(lambda e, name=name: order.append(name))  # type: ignore[union-attr]

    def starter():  # type: ignore[no-untyped-def]
        order.append("started")
        yield env.timeout(0)

    env.timeout(0).callbacks.append(lambda e: order.append("now, normal"))  # type: ignore[union-attr]
    env.process(starter())  # scheduled after, but urgent: its first step comes first
    # the start, the two timeouts of -5 (in the order made), a, b, c; the process ends unwaited
    assert env.steps_until(-4.0) == 6
    assert order == ["started", "now, normal", "a", "b", "c"]
    assert env.now == -4.0 and env.peek() == float("inf")


def test_a_failure_stops_the_run_with_its_error_unless_a_process_handles_it() -> None:
    env = events.Environment()

    def fails():  # type: ignore[no-untyped-def]
        yield env.timeout(1.0)
        raise KeyError("the failure")

    env.process(fails())
    with pytest.raises(KeyError, match="the failure"):
        env.steps_until(5.0)

    env = events.Environment()
    caught: list[str] = []

    def handles(target):  # type: ignore[no-untyped-def]
        try:
            yield target
        except KeyError as error:
            caught.append(str(error.args[0]))

    env.process(handles(env.process(fails())))
    env.steps_until(5.0)
    assert caught == ["the failure"]


def test_bad_use_is_refused_as_simpy_refuses_it() -> None:
    env = events.Environment()
    with pytest.raises(ValueError, match="Negative delay"):
        env.timeout(-1.0)
    with pytest.raises(ValueError, match="is not a generator"):
        env.process(lambda: None)  # type: ignore[arg-type]
    ev = env.event().succeed("x")
    with pytest.raises(RuntimeError, match="already been triggered"):
        ev.succeed()
    with pytest.raises(AttributeError, match="not yet available"):
        _ = env.event().value
    with pytest.raises(events.EmptySchedule):
        events.Environment().step()
    with pytest.raises(ValueError, match="different environments"):
        _ = env.event() | events.Environment().event()
