"""Calibration: published figures to parameters (first estimates, then a fit by simulation)."""
