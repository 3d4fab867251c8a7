"""Valid/ready and AXI-Stream: the handshake rules on each channel.

AXI-Stream (AMBA 4 AXI4-Stream, section 2.2.1): once TVALID is asserted it must remain asserted
until the handshake, and TDATA, TLAST, TKEEP, TSTRB, TUSER, TID, TDEST must stay unchanged
while TVALID is high and TREADY low. Generic valid/ready interfaces get the same rules. A
valid-only interface has none (there is no stall to hold through).
"""

from __future__ import annotations

from dv.design.interfaces import Interface
from dv.protocols.rules import Rule, handshake_rules


def rules(itf: Interface) -> list[Rule]:
    return [r for hs in itf.handshakes for r in handshake_rules(itf, hs)]
