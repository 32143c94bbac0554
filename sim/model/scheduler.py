"""The model's simpy environment: simpy's own, less the events nobody waits for.

When a simpy process's generator returns, simpy schedules the process itself as an event (so that
other processes can wait for it) and processes it like any other: a trip through the event queue
and a step of the clock. In this model no process waits for another to end (a stage hands on with
``yield from``), so those steps do nothing; they were a fifth of every run's events.
:class:`ModelProcess` ends without that event when nobody waits for it; a process that waits for
it (or one that fails: the run must stop with its error) is scheduled as simpy does.

Leaving those out reorders nothing: events are ordered by time, priority and the order they were
scheduled in, and removing some keeps the order of the rest. A process can also start ``after`` a
delay (a family's journey once triage is done): simpy would run its first step at once, which
makes the timeout it waits on; here that timeout is made when the process is started, a moment
earlier in the same instant, so it could only come in a different order among events due at
exactly the same time, which times drawn from continuous distributions make vanishingly rare.
Every counter of the runs the tests compare is unchanged; only the count of events is smaller.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy
from simpy.core import BoundClass
from simpy.events import Event, Process

ProcessGenerator = Generator[Event, Any, Any]


class ModelProcess(Process):
    """simpy's :class:`~simpy.events.Process`, which ends without an event when nobody waits.

    ``after``: start ``after`` days from now, on a timeout made now (the process's first step is
    then; a process whose generator would begin by waiting that long starts so without simpy's
    event that runs a new process's first step at once). None: simpy's start.
    """

    def __init__(
        self, env: simpy.Environment, generator: ProcessGenerator, after: float | None = None
    ) -> None:
        if after is None:
            super().__init__(env, generator)
            return
        if not hasattr(generator, "throw"):
            raise ValueError(f"{generator} is not a generator.")
        self.env = env
        self.callbacks = []
        self._generator = generator
        start = env.timeout(after)
        start.callbacks.append(self._resume)
        self._target = start

    def _resume(self, event: Event) -> None:
        """Send the event's value (or throw its failure) into the generator until it yields an
        event still to come, or returns (then, if another process waits for this one, this one
        is scheduled with the return value as simpy does; else it is simply done), or fails
        (scheduled as simpy does, so the run stops with the error)."""
        env = self.env
        env._active_proc = self
        generator = self._generator
        while True:
            try:
                if event._ok:
                    event = generator.send(event._value)
                else:
                    # the process handles the failed event, or fails itself; it gets its own copy
                    # of the exception (other processes may handle the same failure)
                    event._defused = True
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    event = generator.throw(exc)
            except StopIteration as stop:
                self._ok = True
                self._value = stop.args[0] if stop.args else None
                if self.callbacks:
                    env.schedule(self)
                else:  # nobody waits: done, as if processed (a later wait resumes at once)
                    self.callbacks = None
                event = None
                break
            except BaseException as error:
                self._ok = False
                self._value = error
                env.schedule(self)
                event = None
                break
            try:
                callbacks = event.callbacks
            except AttributeError:
                raise RuntimeError(f'Invalid yield value "{event}"') from None
            if callbacks is not None:  # still to come: resume when it is processed
                callbacks.append(self._resume)
                break
            # already processed: its value goes straight back into the generator
        self._target = event  # type: ignore[assignment]
        env._active_proc = None


class ModelEnvironment(simpy.Environment):
    """A simpy environment whose processes are :class:`ModelProcess`."""

    process = BoundClass(ModelProcess)
