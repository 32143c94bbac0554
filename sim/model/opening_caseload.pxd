# C types for the compiled build of opening_caseload.py (Cython reads this beside the .py; the
# .py stays the one source and runs unchanged where nothing is compiled). Its functions'
# arguments are annotated with the model's extension types: with these cimported, the
# annotations type them, so fields are read from C structs and the services' decisions are C
# calls.
from sim.core.entities cimport Child, Family
from sim.core.events cimport Environment
from sim.model.services cimport Services
