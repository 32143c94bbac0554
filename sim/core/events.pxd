# C types for the compiled build of events.py (Cython reads this beside the .py; the .py stays
# the one source and runs unchanged where nothing is compiled). Every event of a run is made,
# scheduled and processed here: as extension types, events' fields are C struct members, and
# stepping the clock and resuming a process are C calls rather than Python attribute lookups.
import cython

cdef class Environment

cdef class Event:
    cdef public Environment env
    cdef public list callbacks
    cdef public object _value
    cdef public bint _ok
    cdef public bint _defused
    cdef public double _at
    cdef public long long _order

cdef bint TYPED_HEAP
cdef long long _PRIORITY_SHIFT
cdef bint _earlier(Event a, Event b)

cdef class Timeout(Event):
    pass

cdef class Process(Event):
    cdef public object _generator

    @cython.locals(env=Environment, target=Event)
    cpdef _resume(self, Event event)

cdef class Condition(Event):
    cdef public tuple _events
    cdef public object _check_callback

cdef class Environment:
    cdef public double _now
    cdef public list _queue
    cdef public long long _eid

    @cython.locals(at=cython.double, eid=cython.longlong)
    cpdef schedule(self, Event event, long long priority=*, double delay=*)
    @cython.locals(first=Event)
    cpdef double peek(self)
    @cython.locals(event=Event, callbacks=list, process=Process)
    cpdef step(self)
    @cython.locals(n=cython.longlong)
    cpdef long long steps_until(self, double until)
    @cython.locals(heap=list)
    cdef _push(self, Event event)
    @cython.locals(heap=list, parent=Event, parent_pos=cython.Py_ssize_t)
    cdef _rise(self, Event event, Py_ssize_t pos)
    @cython.locals(heap=list, last=Event, first=Event, n=cython.Py_ssize_t,
                   pos=cython.Py_ssize_t, child=cython.Py_ssize_t, right=cython.Py_ssize_t)
    cdef Event _pop(self)
