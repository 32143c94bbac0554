# cython: boundscheck=False, wraparound=False
"""The model's event core: the part of simpy the model uses, in simpy's order, with typed events.

The model is written as simpy processes (generators that yield the events they wait for) and
ran on simpy's environment through 0.15.0. simpy's events are Python objects whose every attribute
is a dictionary lookup, its ``env.timeout`` makes a bound class on each call, and each process
step went through a bound method. This module keeps simpy's semantics for what the model uses
(timeouts, plain events, processes, ``a | b``, stepping in time order) and nothing else, written
so that the compiled build (``events.pxd``) makes the events C structs and the stepping C calls;
interpreted, it is plain Python with the same behaviour.

**The same order as simpy, so the same numbers.** Events are processed in order of (time,
priority, the order they were scheduled in), exactly as simpy's heap orders them: a timeout is
scheduled when it is made, at now + its delay; an event that succeeds, at now; a process's first
step, at now with the urgent priority; a condition (``|``) when either of its events has been
processed. A process here differs from simpy's in two ways that drop events but
reorder none (leaving events out keeps the order of the rest):

* a process ends without an event when nobody waits for it (simpy schedules every finished
  process as an event; no process in the model waits for another to end: a stage hands on with
  ``yield from``); one that fails is scheduled as simpy does, so the run stops with its error;
* a process can start ``after`` a delay, on a timeout made when it is started (a family's journey
  once triage is done): simpy would run its first step at once, which makes that timeout, a
  moment later in the same instant, so it could only come in a different order among events due
  at exactly the same time, which times drawn from continuous distributions make vanishingly
  rare.

``tests/test_events.py`` runs the same processes on this core and on simpy and compares the order
of every step; ``tests/test_compiled_core.py`` compares the model's numbers with those recorded.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from heapq import heappop, heappush
from typing import Any

from simpy.core import EmptySchedule
from simpy.events import ConditionValue

#: Priorities, as simpy's: a process's first step comes before other events of the same moment.
URGENT = 0
NORMAL = 1
INFINITY = float("inf")


class _Pending:
    """The value of an event not yet triggered."""

    def __repr__(self) -> str:
        return "PENDING"


PENDING = _Pending()


def _copy_of(error: Any) -> BaseException:
    """A copy of a failure, caused by it: each process that handles it, or the run it stops,
    gets its own traceback (as simpy does)."""
    copy: BaseException = type(error)(*error.args)
    copy.__cause__ = error
    return copy


#: Compiled, the schedule is a heap of the events themselves, ordered by C fields; interpreted, a
#: heap of (time, priority, order, event) tuples in Python's C ``heapq``. Either way events come out
#: in the one order (time, priority, order scheduled): every key is distinct.
TYPED_HEAP = not __file__.endswith(".py")
#: An event's place among those due at the same moment: its priority, then the order scheduled.
_PRIORITY_SHIFT = 56


def _earlier(a: Event, b: Event) -> bool:
    """Whether ``a`` is due before ``b`` (the typed heap's order)."""
    return a._at < b._at or (a._at == b._at and a._order < b._order)  # type: ignore[attr-defined]


class Environment:
    """Simulated time and the events due, in (time, priority, order scheduled) order."""

    __slots__ = ("_eid", "_now", "_queue")

    def __init__(self, initial_time: float = 0.0) -> None:
        self._now = initial_time
        self._queue: list[Any] = []
        self._eid = 0

    @property
    def now(self) -> float:
        """The current simulated time (days)."""
        return self._now

    def schedule(self, event: Event, priority: int = NORMAL, delay: float = 0.0) -> None:
        """Put ``event`` on the schedule ``delay`` days from now."""
        at = self._now + delay
        eid = self._eid
        self._eid = eid + 1
        if TYPED_HEAP:
            event._at = at  # type: ignore[attr-defined]
            event._order = (priority << _PRIORITY_SHIFT) + eid  # type: ignore[attr-defined]
            self._push(event)
        else:
            heappush(self._queue, (at, priority, eid, event))

    def peek(self) -> float:
        """The time of the next event (infinity when there is none)."""
        if not self._queue:
            return INFINITY
        if TYPED_HEAP:
            first = self._queue[0]
            return first._at
        return self._queue[0][0]

    def step(self) -> None:
        """Process the next event: run its callbacks (resuming the processes waiting for it)."""
        if not self._queue:
            raise EmptySchedule()
        if TYPED_HEAP:
            event = self._pop()
            self._now = event._at  # type: ignore[attr-defined]
        else:
            now, _, _, event = heappop(self._queue)
            self._now = now
        callbacks = event.callbacks
        event.callbacks = None
        for callback in callbacks:  # type: ignore[union-attr]
            if isinstance(callback, Process):
                process = callback
                process._resume(event)
            else:
                callback(event)
        if not event._ok and not event._defused:  # a failure nobody handled stops the run
            raise _copy_of(event._value)

    def steps_until(self, until: float) -> int:
        """Process every event due at or before ``until``; return how many."""
        n = 0
        while self.peek() <= until:
            self.step()
            n += 1
        return n

    def clear(self) -> None:
        """Drop every event still due (a run that has ended): the processes waiting for them go
        with them at once, rather than when Python's cyclic collector finds them (each holds the
        environment, which holds them through its schedule)."""
        self._queue.clear()

    def run(self, until: float) -> None:
        """Process every event due before ``until``, then set the clock to ``until``."""
        if until < self._now:
            raise ValueError(f"until ({until}) must be at or after now ({self._now})")
        while self.peek() < until:
            self.step()
        self._now = until

    def _push(self, event: Event) -> None:
        """Add ``event`` to the typed heap (heapq's sift, on the events' own keys)."""
        heap = self._queue
        heap.append(event)
        self._rise(event, len(heap) - 1)

    def _rise(self, event: Event, pos: int) -> None:
        """Put ``event`` at ``pos`` of the typed heap, moving earlier-due parents' places down
        until its parent is due before it."""
        heap = self._queue
        while pos > 0:
            parent_pos = (pos - 1) >> 1
            parent = heap[parent_pos]
            if not _earlier(event, parent):
                break
            heap[pos] = parent
            pos = parent_pos
        heap[pos] = event

    def _pop(self) -> Event:
        """Take the earliest event from the typed heap (heapq's: the hole at the top goes down to
        a leaf by the earlier child, then the last event rises into it)."""
        heap = self._queue
        last = heap.pop()
        if not heap:
            return last
        first = heap[0]
        n = len(heap)
        pos = 0
        child = 1
        while child < n:
            right = child + 1
            if right < n and not _earlier(heap[child], heap[right]):
                child = right
            heap[pos] = heap[child]
            pos = child
            child = 2 * pos + 1
        self._rise(last, pos)
        return first

    def event(self) -> Event:
        """A new event, not yet triggered."""
        return Event(self)

    def timeout(self, delay: float, value: object = None) -> Timeout:
        """An event due ``delay`` days from now."""
        return Timeout(self, delay, value)

    def process(self, generator: ProcessGenerator, after: float | None = None) -> Process:
        """Start a process from ``generator`` now, or ``after`` days from now."""
        return Process(self, generator, after)


class Event:
    """An event: it may happen (pending), is going to (triggered: scheduled) or has (processed:
    its callbacks ran, and ``callbacks`` is None). ``a | b`` waits for either."""

    __slots__ = ("_at", "_defused", "_ok", "_order", "_value", "callbacks", "env")

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.callbacks: list[Any] | None = []
        self._value: object = PENDING
        self._ok = True
        self._defused = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"

    @property
    def triggered(self) -> bool:
        """Whether the event has been scheduled (its value is set)."""
        return self._value is not PENDING

    @property
    def value(self) -> object:
        """The event's value (an error while it is pending)."""
        if self._value is PENDING:
            raise AttributeError(f"Value of {self} is not yet available")
        return self._value

    def succeed(self, value: object = None) -> Event:
        """Trigger the event with ``value``: it is processed now, after events already due."""
        if self._value is not PENDING:
            raise RuntimeError(f"{self} has already been triggered")
        self._ok = True
        self._value = value
        self.env.schedule(self, NORMAL, 0.0)
        return self

    def fail(self, exception: BaseException) -> Event:
        """Trigger the event as failed with ``exception``."""
        if self._value is not PENDING:
            raise RuntimeError(f"{self} has already been triggered")
        if not isinstance(exception, BaseException):
            raise TypeError(f"{exception} is not an exception.")
        self._ok = False
        self._value = exception
        self.env.schedule(self, NORMAL, 0.0)
        return self

    def __or__(self, other: Event) -> Condition:
        return Condition(self.env, (self, other))


class Timeout(Event):
    """An event due ``delay`` days after it is made (triggered when made)."""

    __slots__ = ()

    def __init__(self, env: Environment, delay: float, value: object = None) -> None:
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        self.env = env
        self.callbacks = []
        self._value = value
        self._ok = True
        self._defused = False
        env.schedule(self, NORMAL, delay)


ProcessGenerator = Generator[Event, Any, Any]


class Process(Event):
    """A process: a generator that yields the events it waits for; itself an event that is
    processed when the generator returns, if anybody waits for it (see the module's note).

    ``after``: the first step comes ``after`` days from now, on a timeout made now; None: now,
    before the other events of this moment (simpy's start).
    """

    __slots__ = ("_generator",)

    def __init__(
        self, env: Environment, generator: ProcessGenerator, after: float | None = None
    ) -> None:
        if not hasattr(generator, "throw"):
            raise ValueError(f"{generator} is not a generator.")
        self.env = env
        self.callbacks = []
        self._value = PENDING
        self._ok = True
        self._defused = False
        self._generator = generator
        if after is None:
            start = Event(env)
            start._value = None
            env.schedule(start, URGENT, 0.0)
        else:
            start = Timeout(env, after)
        # (the event it waits for holds the process, not the other way round: no reference
        # cycle keeps a process alive, so one still waiting when a run ends is freed at once)
        start.callbacks.append(self)  # type: ignore[union-attr]

    def _resume(self, event: Event) -> None:
        """Send the event's value (or throw its failure) into the generator until it yields an
        event still to come, or returns (then, if another process waits for this one, this one
        is scheduled with the return value; else it is simply done), or fails (scheduled, so the
        run stops with the error)."""
        env = self.env
        generator = self._generator
        target = event
        while True:
            try:
                if target._ok:
                    yielded = generator.send(target._value)
                else:
                    # the process handles the failed event, or fails itself; it gets its own copy
                    # of the exception (other processes may handle the same failure)
                    target._defused = True
                    yielded = generator.throw(_copy_of(target._value))
            except StopIteration as stop:
                self._ok = True
                self._value = stop.args[0] if stop.args else None
                if self.callbacks:
                    env.schedule(self, NORMAL, 0.0)
                else:  # nobody waits: done, as if processed (a later wait resumes at once)
                    self.callbacks = None
                break
            except BaseException as error:
                self._ok = False
                self._value = error
                env.schedule(self, NORMAL, 0.0)
                break
            if not isinstance(yielded, Event):
                raise RuntimeError(f'Invalid yield value "{yielded}"')
            target = yielded
            if target.callbacks is not None:  # still to come: resume when it is processed
                target.callbacks.append(self)
                break
            # already processed: its value goes straight back into the generator


class Condition(Event):
    """``a | b``: an event processed once either of its events has been; it fails if the first
    of them fails. Its value says which events had been processed (simpy's ConditionValue)."""

    __slots__ = ("_check_callback", "_events")

    def __init__(self, env: Environment, events: Iterable[Event]) -> None:
        Event.__init__(self, env)
        self._events = tuple(events)
        self._check_callback = self._check
        for event in self._events:
            if event.env is not env:
                raise ValueError("It is not allowed to mix events from different environments")
        for event in self._events:
            if event.callbacks is None:
                self._check(event)
            else:
                event.callbacks.append(self._check_callback)
        self.callbacks.append(self._build_value)  # type: ignore[union-attr]

    def _populate_value(self, value: ConditionValue) -> None:
        for event in self._events:
            if isinstance(event, Condition):
                event._populate_value(value)
            elif event.callbacks is None:
                value.events.append(event)  # type: ignore[arg-type]

    def _build_value(self, event: Event) -> None:
        self._remove_check_callbacks()
        if event._ok:
            value = ConditionValue()
            self._populate_value(value)
            self._value = value

    def _remove_check_callbacks(self) -> None:
        """Drop this condition's checks from its events (they would keep it alive)."""
        for event in self._events:
            callbacks = event.callbacks
            if callbacks:
                for i, callback in enumerate(callbacks):
                    if callback is self._check_callback:
                        del callbacks[i]
                        break
            if isinstance(event, Condition):
                event._remove_check_callbacks()

    def _check(self, event: Event) -> None:
        if self._value is not PENDING:
            return
        if not event._ok:
            event._defused = True
            self.fail(event._value)  # type: ignore[arg-type]
        else:
            self.succeed()


__all__ = [
    "INFINITY",
    "NORMAL",
    "PENDING",
    "URGENT",
    "Condition",
    "EmptySchedule",
    "Environment",
    "Event",
    "Process",
    "ProcessGenerator",
    "Timeout",
]
