# C types for the compiled build of recorder.py (the .py is the one source and runs unchanged
# where nothing is compiled). The recorder is called on almost every event: as an extension type
# its fields are C struct members and the month of the clock is three C numbers.
import cython

cdef class Recorder:
    cdef public object cal
    cdef public object flows
    cdef public dict stock
    cdef public dict opening
    cdef public dict entries
    cdef public dict exits
    cdef public dict child_days
    cdef public dict month_end_stock
    cdef public object month_end_values
    cdef public object stays
    cdef public dict _last_change
    cdef public bint counting
    cdef public double _end
    cdef public Py_ssize_t _m
    cdef public double _lo
    cdef public double _hi

    cpdef Py_ssize_t _month_of(self, double day)
    cpdef void flow(self, str measure, object n, double now)
    cpdef void stay(self, str state, double days, object n, double now)
    @cython.locals(last=cython.double, stock=cython.Py_ssize_t)
    cpdef void _accrue(self, str state, double now)
    @cython.locals(m=cython.Py_ssize_t, counting=cython.bint)
    cpdef void move(self, object n, object src, object dst, double now)
