"""Coverage: Verilator ``coverage.dat`` reading/writing, merging, holes, lcov export, baselines."""

from dv.cov.baseline import CoverageDiff, compare
from dv.cov.datfile import parse_dat_text, read_dat, write_dat
from dv.cov.holes import Hole, describe_group, find_holes, group_holes, signal_of_toggle
from dv.cov.lcov import to_lcov
from dv.cov.model import KINDS, Coverage, CoverPoint, KindSummary

__all__ = [
    "KINDS", "CoverPoint", "Coverage", "CoverageDiff", "Hole", "KindSummary", "compare",
    "describe_group", "find_holes", "group_holes", "parse_dat_text", "read_dat",
    "signal_of_toggle", "to_lcov", "write_dat",
]
