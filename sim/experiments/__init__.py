"""Experiments over the model: single runs and replications, tidy outputs, checks, costs (pure),
paired comparisons, the runs store, sweeps on Dask and sensitivity analysis. Imports from the
layers below (:mod:`sim.core`, :mod:`sim.inputs`, :mod:`sim.model`)."""
