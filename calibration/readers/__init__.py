"""Readers for a council's own child-level files; only aggregates leave them.

``read_ssda903`` (children looked after), ``read_cin_census`` (children in need census) and
``read_annex_a`` (Ofsted Annex A front door lists) each return a frozen summary of counts, shares
and durations with a ``to_dict()`` for JSON. Bad input raises :class:`CouncilDataError`, whose
message names the file, table or sheet, row and field.
"""

from calibration.readers.annex_a import AnnexASummary, read_annex_a
from calibration.readers.cin_census import CinCensusSummary, read_cin_census
from calibration.readers.common import CouncilDataError, DurationSummary, MemoryFile, Problem
from calibration.readers.ssda903 import SSDA903Summary, read_ssda903

__all__ = [
    "AnnexASummary",
    "CinCensusSummary",
    "CouncilDataError",
    "DurationSummary",
    "MemoryFile",
    "Problem",
    "SSDA903Summary",
    "read_annex_a",
    "read_cin_census",
    "read_ssda903",
]
