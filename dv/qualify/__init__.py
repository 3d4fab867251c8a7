"""Mutation analysis (``dv qualify``): how many planted bugs a committed testbench catches,
every sampled mutant in one Verilator build behind a run-time selector. A peer of
:mod:`dv.loop`, reusing :mod:`dv.sim` (through the executor interface).

The record (``coverage/<top>/qualify.json``, ``"format": "dv-qualify"``, ``"version": 1``;
fields are only ever added, never renamed or removed):

- ``top``, ``testbench``, ``options`` (``mutants``, ``seed``, ``sites``, ``test_timeout``,
  ``all_tests``, ``equiv``), ``sites_total``, ``build`` (``key``, ``cached``, ``seconds``,
  ``schema``), ``tests``, ``tests_skipped``, ``behaviour_oracle``, ``not_built``,
  ``rejected_sites`` (``site``, ``reason``), ``seconds`` (``build``, ``reference``,
  ``mutants``, ``equivalence`` when run, ``total``);
- ``equivalence``: how survivors were checked (``method``, ``depth``, ``timeout``, ``start``),
  or null with ``--no-equiv``;
- ``summary``: ``mutants``, ``killed``, ``error``, ``hang``, ``survived`` (survivors of the
  tests not proven equivalent), ``equivalent`` (proven by the miter; null when it did not
  run), ``score_checks`` (percent killed of ``score_denominator`` = mutants - equivalent),
  ``behaviour_compared``, ``behaviour_changed``, ``detected_only_by_behaviour``,
  ``equivalence`` (``checked``, ``equivalent``, ``bounded``, ``differs``, ``no_verdict``; null
  when the miter did not run);
- ``mutants``: one per mutant: ``k``, the site (``id``, ``file``, ``line``, ``column``,
  ``kind``, ``class``, ``detail``, ``description``), ``verdict`` (killed | error | hang |
  survived | equivalent), ``killing_test``, ``detail``, ``behaviour`` (changed | same | same
  where compared | not compared), ``behaviour_detail``, ``tests`` (test -> status) and
  ``equivalence``: null unless the mutant survived the tests and the miter ran, else
  ``verdict`` (equivalent | bounded | differs | no verdict), ``text`` (the verdict in words:
  "equivalent (proven by k-induction, k=1 ...)", "no difference within 20 cycles (bounded)
  ...", "differs: ...", "no verdict: <reason>"), ``depth``, ``k``, ``step``, ``trace`` (the
  inputs per cycle that make the outputs differ), ``outputs`` (output -> [original,
  mutant] at ``step``), ``lemmas``, ``seconds``, ``start``.

Only ``equivalent`` sets a mutant aside; ``bounded`` ones stay survivors with the bound said.

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
    # dv.qualify.equiv: the formal miter on survivors
    "Equivalence": "equiv", "EquivOptions": "equiv", "check_mutants": "equiv",
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
    from dv.qualify.equiv import Equivalence, EquivOptions, check_mutants  # noqa: F401
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
