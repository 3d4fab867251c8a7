"""AXI4 and AXI4-Lite rules (AMBA AXI and ACE specification, issue H):

- each of the five channels' handshake (A3.2.1): a source may not wait for READY to assert
  VALID, and once VALID is asserted it stays asserted, with its payload unchanged, until the
  handshake;
- reset (A3.1.2): every VALID is low during reset;
- responses (A3.4.4, B1.1): EXOKAY (``2'b01``) answers only an exclusive access, so a
  subordinate never gives it on AXI4-Lite (which has no exclusive access) nor on an AXI4
  interface without ``awlock``/``arlock``;
- bursts (A3.4.1): the burst type ``2'b11`` is reserved, and a WRAP burst's length is 2, 4, 8
  or 16 transfers (``AxLEN`` 1, 3, 7 or 15).

The rules on what the manager drives (AW, W, AR) are assertions when the design is the manager
and assumptions when it is the subordinate; those on B and R the other way round. Ordering
between channels (a write response only after the write's address and data, as many read data
beats as the burst's length) needs counters the SVA subset dv lowers cannot state without
auxiliary logic: not encoded."""

from __future__ import annotations

from dv.design.interfaces import Handshake, Interface
from dv.protocols.rules import Rule, _ident, handshake_rules, kind_for, reset_rule, statement

EXOKAY = "2'b01"


def rules(itf: Interface) -> list[Rule]:
    out = [r for hs in itf.handshakes for r in handshake_rules(itf, hs)]
    if itf.clock is None:
        return out
    for hs in itf.handshakes:
        rr = reset_rule(itf, hs, "AXI A3.1.2")
        if rr is not None:
            out.append(rr)
        out += _channel_rules(itf, hs)
    return out


def _channel(itf: Interface, hs: Handshake) -> str:
    return next((role[:-len("valid")] for role, port in itf.signals
                 if port == hs.valid and role.endswith("valid")), "")


def _channel_rules(itf: Interface, hs: Handshake) -> list[Rule]:
    ch = _channel(itf, hs)
    kind = kind_for(hs.driver)
    sim = hs.driver == "design"  # dv's stimulus does not choose legal AXI fields yet
    base = f"proto_{_ident(hs.name)}"
    out = []
    if ch in ("b", "r"):
        resp = itf.port(f"{ch}resp")
        lock = itf.port("awlock" if ch == "b" else "arlock")
        if resp is not None and (itf.protocol == "axi4lite" or lock is None):
            why = "AXI4-Lite has no exclusive access" if itf.protocol == "axi4lite" else \
                f"no {'awlock' if ch == 'b' else 'arlock'}: no exclusive access"
            out.append(Rule(f"{base}_no_exokay", kind,
                            statement(itf, kind, f"{hs.valid} |-> {resp} != {EXOKAY}"),
                            f"{resp} is never EXOKAY ({why})", itf.name, itf.protocol, sim))
    if ch in ("aw", "ar"):
        burst, length = itf.port(f"{ch}burst"), itf.port(f"{ch}len")
        if burst is not None:
            out.append(Rule(f"{base}_burst_not_reserved", kind,
                            statement(itf, kind, f"{hs.valid} |-> {burst} != 2'b11"),
                            f"{burst} is not the reserved burst type 2'b11", itf.name,
                            itf.protocol, sim))
            if length is not None:
                legal = " || ".join(f"{length} == {n}" for n in (1, 3, 7, 15))
                out.append(Rule(f"{base}_wrap_length", kind,
                                statement(itf, kind,
                                          f"{hs.valid} && {burst} == 2'b10 |-> ({legal})"),
                                f"a WRAP burst has 2, 4, 8 or 16 transfers ({length})",
                                itf.name, itf.protocol, sim))
    return out
