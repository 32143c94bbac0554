# C types for the compiled build of streams.py (Cython reads this beside the .py; the .py stays
# the one source and runs unchanged where nothing is compiled). A family's draw is the model's
# most frequent call: typed, its SplitMix64 hash is plain 64-bit arithmetic, which wraps exactly
# as the .py's ``& _MASK`` does, and its 53 bits convert to the same double.
import cython

cdef unsigned long long _GOLDEN, _MIX1, _MIX2
cdef double _TO_UNIT

cdef class FamilyDraws:
    cdef unsigned long long _key
    cdef list _counters

    @cython.locals(n=cython.Py_ssize_t, z=cython.ulonglong)
    cpdef double uniform(self, unsigned long long stream)
