# C types for the compiled build of quantiles.py (the .py is the one source; see its docstring).
import cython

cdef double _U_MIN, _U_MAX

cpdef double lognormal(double median_days, double sigma, double u)
cpdef double exponential(double mean_days, double u)
@cython.locals(i=cython.Py_ssize_t, last=cython.Py_ssize_t, lo=cython.double, hi=cython.double, width=cython.double, frac=cython.double)
cpdef double empirical(object edges_days, object cum, double u)
