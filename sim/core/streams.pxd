# C types for the compiled build of streams.py (Cython reads this beside the .py; the .py stays
# the one source and runs unchanged where nothing is compiled). A family's draw is the model's
# most frequent call: typed, its SplitMix64 hash is plain 64-bit arithmetic, which wraps exactly
# as the .py's ``& _MASK`` does (``_MASK`` a C constant too: as a Python integer each ``&`` went
# through Python's big integers), and its 53 bits convert to the same double.
import cython

cdef unsigned long long _GOLDEN, _MIX1, _MIX2, _MASK
cdef double _TO_UNIT

# a family's key (two of these a family): C arithmetic on keys below 2**64, which every caller's
# are (ids and effect-size keys are under 2**59; seeds are masked first)
@cython.locals(z=cython.ulonglong)
cpdef unsigned long long _mix(unsigned long long z)

cdef class FamilyDraws:
    cdef unsigned long long _key
    cdef list _counters

    @cython.locals(n=cython.Py_ssize_t, z=cython.ulonglong)
    cpdef double uniform(self, unsigned long long stream)
