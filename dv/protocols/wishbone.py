"""Wishbone B4: a master holds STB (and its address, write enable, select and write data) until
the cycle is acknowledged (classic) or no longer stalled (pipelined), and STB is only high
within CYC."""

from __future__ import annotations

from dv.design.interfaces import Interface
from dv.protocols.rules import Rule, _ident, handshake_rules, kind_for, statement


def rules(itf: Interface) -> list[Rule]:
    out = [r for hs in itf.handshakes for r in handshake_rules(itf, hs)]
    cyc, stb = itf.port("cyc"), itf.port("stb")
    if cyc and stb and itf.clock:
        driver = "design" if itf.direction == "source" else "env"
        kind = kind_for(driver)
        out.append(Rule(f"proto_{_ident(itf.name)}_stb_in_cycle", kind,
                        statement(itf, kind, f"{stb} |-> {cyc}"), "STB only within CYC",
                        itf.name, "wishbone", driver == "design"))
    return out
