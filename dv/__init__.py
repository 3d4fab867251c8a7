"""dv: design verification engine for SystemVerilog (testbench generation, coverage closure, proofs)."""

__version__ = "0.1.0"
