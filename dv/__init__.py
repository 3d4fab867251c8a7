"""dv: design verification for SystemVerilog (testbenches, coverage closure, proofs)."""

__version__ = "0.1.0"
