"""The simpy model of the pathway. Imports from :mod:`sim.core` and :mod:`sim.inputs`.

Modules, each importing only those listed before it:
``workforce`` and ``recorder`` (teams as capacity, monthly counters), ``policy_set`` (the
policies in a run: enrolment and multipliers), ``services`` (what every process shares),
``care`` (looked-after children), ``pathway`` (a family's journey, one generator per stage),
``arrivals`` (who arrives: families, contacts a day, UASC),
``front_door`` (triage of new and known families), ``opening_caseload`` (the caseload at the
start) and ``build`` (one replication with its processes started). The stages and care send a
family back to the front door through ``Services.new_concern``, which ``build`` connects.
"""
