"""Formal verification: Yosys turns the design and its properties into SMT2, Z3 checks them.

- :mod:`dv.formal.model`: Yosys (yowasp) preparation, SMT2 cache, annotations;
- :mod:`dv.formal.props`: properties from props files (assertion macros expanded, bound
  checker modules lowered against their own names), inline RTL checks and concurrent SVA in
  the top module, spec ``sva`` blocks (concurrent ones lowered by :mod:`dv.formal.sva`);
  one :class:`~dv.formal.props.Property` per elaborated check instance;
- :mod:`dv.formal.anyvalues`: ``$anyconst``/``$anyseq`` declarations made readable;
- :mod:`dv.formal.census`: the assertion statements in the sources, so none vanishes;
- :mod:`dv.formal.engine`: BMC, k-induction and cover search with Z3, in worker processes;
- :mod:`dv.formal.trace`: VCD files and cocotb replays of counterexamples and witnesses;
- :mod:`dv.formal.prove`: ``dv prove`` end to end; :mod:`dv.formal.cli`: its click command;
- :mod:`dv.formal.reference`: yosys-smtbmc on the same model, to compare verdicts and times.
"""

MODES = ("bmc", "prove", "cover", "all")  # dv prove --mode
