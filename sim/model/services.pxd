# C types for the compiled build of services.py (Cython reads this beside the .py; the .py stays
# the one source and runs unchanged where nothing is compiled). Services is what every stage
# calls for its draws and decisions: as an extension type its fields are read from a C struct and
# its methods call each other directly, not through Python's attribute lookup.
import cython
from sim.core.streams cimport FamilyDraws
from sim.model.recorder cimport Recorder

cpdef double scaled_probability(double p, double odds_multiplier)

cdef class Services:
    cdef public object env
    cdef public object params
    cdef public object cal
    cdef public object streams
    cdef public Recorder record
    cdef public object social_work
    cdef public object early_help_team
    cdef public object population
    cdef public object known_family_front_door
    cdef public object policies
    cdef public object front_door_waiting
    cdef public object children_in_proceedings
    cdef public object cp_families
    cdef public object open_cp_plans
    cdef public object ledger
    cdef public object future
    cdef public object stock_drift
    cdef public object _odds_norm
    cdef public tuple _odds_by_need
    cdef public object _odds_toxic_trio
    cdef public object _odds_previous_care
    cdef public tuple _locality_risk
    cdef public object _caseload_reported
    cdef public object _caseload_elasticity
    cdef public dict _base
    cdef public dict _samplers
    cdef public object _future_seen
    cdef public dict _future_by_year

    cpdef double value(self, str name, object family)
    cpdef object policy_scaled(self, object family, str name, object days)
    @cython.locals(draws=FamilyDraws)
    cpdef double u(self, object family, object stream)
    cpdef double caseload_pressure(self)
    cpdef double family_odds(self, object family)
    cpdef double relative_risk(self, str name, object family)
    cpdef double future_multiplier(self, str name, object day)
    @cython.locals(p=cython.double, odds=cython.double, rr=cython.double)
    cpdef bint escalates(self, object family, object stream, str name, double odds_times=*)
    @cython.locals(p=cython.double)
    cpdef bint chance(self, object family, object stream, str name)
