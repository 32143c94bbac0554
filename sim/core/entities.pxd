# C types for the compiled build of entities.py (Cython reads this beside the .py; the .py stays
# the one source and runs unchanged where nothing is compiled). Families and children are read at
# every stage: as extension types their fields are C struct members, and counting the children at
# home is a C loop. Only fields that always hold one type are typed; the rest stay Python objects.
import cython
from sim.core.streams cimport FamilyDraws

cdef double _DAYS_PER_YEAR, _AGE_OF_MAJORITY

cdef class Child:
    cdef public double birth_day
    cdef public bint in_care
    cdef public bint had_cp_plan
    cdef public object left_care_day
    cdef public object policies

    cpdef double age(self, double now)
    cpdef double day_turns_18(self)

cdef class Family:
    cdef public object id
    cdef public list children
    cdef public object locality
    cdef public bint at_pod_school
    cdef public object risk
    cdef public object need
    cdef public FamilyDraws draws
    cdef public object last_referral_day
    cdef public bint previous_cp_plan
    cdef public bint previous_care
    cdef public object slots_held
    cdef public object stock_key
    cdef public object counted
    cdef public bint open
    cdef public object policies
    cdef public object resume
    cdef public object pre_proceedings_left

    @cython.locals(c=Child)
    cpdef list children_at_home(self, double now)
    @cython.locals(c=Child, n=cython.Py_ssize_t)
    cpdef Py_ssize_t n_at_home(self, double now)
