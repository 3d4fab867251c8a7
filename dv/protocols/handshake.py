"""Valid/ready and AXI-Stream: the handshake rules on each channel.

AXI-Stream (AMBA 4 AXI4-Stream, section 2.2.1): once TVALID is asserted it must remain asserted
until the handshake, and TDATA, TLAST, TKEEP, TSTRB, TUSER, TID, TDEST must stay unchanged
while TVALID is high and TREADY low; TVALID is low during reset (2.7.2). Generic valid/ready
interfaces get the handshake rules (not the reset one: a generic pipeline may pass a valid
through combinationally). A valid-only interface has none (there is no stall to hold through).
"""

from __future__ import annotations

from dv.design.interfaces import Interface
from dv.protocols.rules import Rule, _ident, handshake_rules, kind_for, reset_rule, statement


def rules(itf: Interface) -> list[Rule]:
    out = [r for hs in itf.handshakes for r in handshake_rules(itf, hs)]
    if itf.protocol == "axis":  # AXI4-Stream 2.7.2: TVALID low during reset
        out += [r for hs in itf.handshakes if (r := reset_rule(itf, hs, "AXI4-Stream 2.7.2"))]
    valid, keep, strb = itf.port("tvalid"), itf.port("tkeep"), itf.port("tstrb")
    if itf.protocol == "axis" and valid and keep and strb and itf.clock:
        # AXI4-Stream 2.4.3: a byte with TKEEP low is a null byte, so its TSTRB must be low
        driver = itf.handshakes[0].driver if itf.handshakes else "env"
        kind = kind_for(driver)
        out.append(Rule(f"proto_{_ident(itf.name)}_tstrb_within_tkeep", kind,
                        statement(itf, kind, f"{valid} |-> ({strb} & ~{keep}) == '0"),
                        f"{strb} only where {keep} (no position byte marked as data)",
                        itf.name, "axis", driver == "design"))
    return out
