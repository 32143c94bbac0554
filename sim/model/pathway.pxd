# C types for the compiled build of pathway.py (Cython reads this beside the .py; the .py stays
# the one source and runs unchanged where nothing is compiled). The stages' arguments are
# annotated with the model's extension types: with these cimported, the annotations type them,
# so a stage reads a family's fields from its C struct and calls the services' decisions as C
# calls, not through Python's attribute lookup.
from sim.core.entities cimport Family
from sim.core.events cimport Environment
from sim.model.services cimport Services
