"""The simpy model of the pathway: services and workforce, the recorder, arrivals at the front
door, a family's journey through the stages, care, and the opening caseload. Imports from
:mod:`sim.core` and :mod:`sim.inputs`."""
