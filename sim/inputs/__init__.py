"""What is read from files, validated with pydantic: parameters, policies, scenarios, sweep files
and the book of unit costs. Imports only from :mod:`sim.core`."""
