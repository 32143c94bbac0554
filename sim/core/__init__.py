"""The model's vocabulary and machinery that everything else stands on: the calendar, random
streams, duration distributions, the entities and states a family moves through, and the measures
the model reports. Imports nothing from the rest of ``sim``."""
