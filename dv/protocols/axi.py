"""AXI4 and AXI4-Lite: the handshake rules on each of the five channels (AMBA AXI A3.2.1:
a source may not wait for READY to assert VALID, and once VALID is asserted it stays asserted,
with its payload unchanged, until the handshake). Ordering rules between channels (a write
response after the write's address and data) are not encoded yet."""

from __future__ import annotations

from dv.design.interfaces import Interface
from dv.protocols.rules import Rule, handshake_rules


def rules(itf: Interface) -> list[Rule]:
    return [r for hs in itf.handshakes for r in handshake_rules(itf, hs)]
