"""The shape every protocol pack returns: one :class:`Rule` per SVA statement."""

from __future__ import annotations

from dataclasses import dataclass

from dv.design.interfaces import Handshake, Interface


@dataclass(frozen=True)
class Rule:
    """One protocol rule of one interface, as an SVA statement.

    ``kind`` is ``assert`` when the design drives the signals the rule constrains (the design
    must obey it) and ``assume`` when the environment does (the stimulus must obey it; formal
    takes it as a constraint). ``simulate`` is False for an assumption dv's stimulus does not
    honour (a protocol without a driver yet): binding it in simulation would blame the
    stimulus, so it is kept for formal only.
    """

    label: str
    kind: str  # assert | assume
    text: str  # the whole statement, ``assert property (...);``
    rule: str  # what it says, for people ("valid held until ready")
    interface: str
    protocol: str
    simulate: bool = True


def _ident(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in text)


def statement(itf: Interface, kind: str, body: str) -> str:
    clk = f"@(posedge {itf.clock}) " if itf.clock else ""
    dis = f"disable iff ({itf.reset}) " if itf.reset else ""
    return f"{kind} property ({clk}{dis}{body});"


def reset_rule(itf: Interface, hs: Handshake, spec: str) -> Rule | None:
    """``valid`` low during reset (AMBA AXI A3.1.2, AXI4-Stream 2.7.2): from the second clock
    edge of a reset on (a synchronous reset clears it at the first), while the reset lasts.
    Not disabled by the reset, which it is about. None without a reset or a clock."""
    if itf.reset is None or itf.clock is None:
        return None
    kind = kind_for(hs.driver)
    body = f"({itf.reset}) ##1 ({itf.reset}) |-> !{hs.valid}"
    return Rule(f"proto_{_ident(hs.name)}_valid_low_in_reset", kind,
                f"{kind} property (@(posedge {itf.clock}) {body});",
                f"{hs.valid} low during reset ({spec})", itf.name, itf.protocol,
                True)  # the generated stimulus drives every input to 0 during reset


def kind_for(driver: str) -> str:
    return "assert" if driver == "design" else "assume"


def handshake_rules(itf: Interface, hs: Handshake, driven: bool = True) -> list[Rule]:
    """The valid/ready rules every handshake shares (AXI-Stream, AXI channels, valid/ready,
    Wishbone): once valid is up it stays up until the transfer, and the payload holds still
    while valid waits for ready. ``driven``: dv's stimulus obeys these on inputs."""
    if hs.ready is None or itf.clock is None:
        return []
    kind = kind_for(hs.driver)
    stall = f"{hs.valid} && {hs.ready}" if hs.ready_inverted else f"{hs.valid} && !{hs.ready}"
    wait = "stall" if hs.ready_inverted else f"!{hs.ready}"
    base = f"proto_{_ident(hs.name)}"
    sim = hs.driver == "design" or driven
    until = "falls" if hs.ready_inverted else "is high"
    out = [Rule(f"{base}_valid_held", kind, statement(itf, kind, f"{stall} |=> {hs.valid}"),
                f"{hs.valid} stays high until {hs.ready} {until} (no valid drop before the "
                "handshake)", itf.name, itf.protocol, sim)]
    for p in hs.payload:
        short = p[len(hs.name) + 1:] if p.lower().startswith(hs.name.lower() + "_") else p
        out.append(Rule(f"{base}_{_ident(short)}_stable", kind,
                        statement(itf, kind, f"{stall} |=> $stable({p})"),
                        f"{p} holds while {hs.valid} waits ({wait})", itf.name, itf.protocol,
                        sim))
    return out
