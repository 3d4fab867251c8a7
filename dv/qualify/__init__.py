"""Mutation analysis (``dv qualify``): how many planted bugs a committed testbench catches,
every sampled mutant in one Verilator build behind a run-time selector. A peer of
:mod:`dv.loop`, reusing :mod:`dv.sim` (through the executor interface).

The names other code may use, by the private module they come from. They are loaded on first
use, so ``dv --help`` does not import pyslang.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_FACE = {
    # dv.qualify._run: preparing, running and judging
    "Mutant": "_run", "QualifyOptions": "_run", "QualifyOutcome": "_run", "prepare": "_run",
    "qualify": "_run", "summary": "_run",
    # dv.qualify.sites: mutation sites and the mutated texts
    "PLUSARG": "sites", "SELECTOR": "sites", "Site": "sites", "SourceSites": "sites",
    "find_sites": "sites", "mutant_text": "sites", "sample": "sites", "schema_text": "sites",
}

__all__ = sorted(_FACE)

if TYPE_CHECKING:
    from dv.qualify._run import (  # noqa: F401
        Mutant,
        QualifyOptions,
        QualifyOutcome,
        prepare,
        qualify,
        summary,
    )
    from dv.qualify.sites import (  # noqa: F401
        PLUSARG,
        SELECTOR,
        Site,
        SourceSites,
        find_sites,
        mutant_text,
        sample,
        schema_text,
    )


def __getattr__(name: str) -> Any:
    if name in _FACE:
        return getattr(import_module(f"dv.qualify.{_FACE[name]}"), name)
    raise AttributeError(f"module 'dv.qualify' has no attribute {name!r}")
