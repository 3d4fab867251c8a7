"""Mutation analysis (``dv qualify``): how many planted bugs a committed testbench catches,
every sampled mutant in one Verilator build behind a run-time selector. A peer of
:mod:`dv.loop`, reusing :mod:`dv.sim` (through the executor interface).

The names other code may use, by the private module they come from:
"""

from dv.qualify.sites import (
    PLUSARG,
    SELECTOR,
    Site,
    SourceSites,
    find_sites,
    mutant_text,
    sample,
    schema_text,
)

__all__ = [
    "PLUSARG", "SELECTOR", "Site", "SourceSites", "find_sites", "mutant_text", "sample",
    "schema_text",
]
