"""Calibration: published figures to model parameters (first estimates, then a fit by simulation)."""
