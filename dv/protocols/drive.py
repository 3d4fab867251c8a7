"""Legal stimulus on the handshakes the design sinks, and functional coverage of all of them.

The generated testbench drives one cycle of random values per plan item (see
:mod:`dv.gen.tb_runtime`); on every handshake whose valid the environment drives, the
:class:`~dv.protocols.drive_runtime.HandshakeShaper` (copied into the generated environment
after the runtime) turns those values into a legal source: once valid is up and the design did
not take the transfer (ready low just before the rising edge), the next cycle keeps valid high
and the payload unchanged. Everything else stays random: when valid is first raised (idle gaps
of random length), the data, ``tlast`` (so frames of random length), and the design's output
``ready`` inputs (backpressure with the plan's probability for that 1-bit input). On every
handshake, both directions, it counts transfers, stalls, back-to-back transfers, transfers
after a stall and frame ends as functional coverage bins (``user`` points ``tb: handshake
<valid> <kind>``).

The shaper is a small driver of dv's own rather than cocotbext-axi's ``AxiStreamSource``: the
plans are per-cycle value streams chosen ahead of time, and the driver must decide each cycle
at the falling edge from what happened at the rising edge; a BFM with its own frame queue and
clocking would take over the inputs and bypass the plan's biases and corner values.
"""

from __future__ import annotations

from dv.design.interfaces import interfaces_of
from dv.design.model import Design


def driven_handshakes(design: Design) -> list[dict]:
    """The handshakes the testbench must drive legally (the design is their sink)."""
    return [h for h in watched_handshakes(design) if h["driven"]]


def watched_handshakes(design: Design) -> list[dict]:
    """Every valid/ready handshake on the design's first clock, for the generated
    environment's ``DESIGN["handshakes"]``: ``driven`` when the design sinks it (its valid
    and payload are inputs the stimulus drives)."""
    out = []
    inputs = {p.name for p in design.data_inputs() if p.depth == 1}
    names = {p.name for p in design.ports if p.depth == 1}
    primary = design.clock.name if design.clock else None
    for itf in interfaces_of(design):
        if itf.clock is None or itf.clock != primary:
            continue  # the driver runs on the design's first clock only
        for hs in itf.handshakes:
            if hs.ready is None or hs.valid not in names or hs.ready not in names:
                continue
            driven = hs.driver == "env" and hs.valid in inputs
            last = next((p for p in hs.payload if p.lower().endswith("last")), None)
            out.append({"interface": itf.name, "protocol": itf.protocol, "valid": hs.valid,
                        "ready": hs.ready, "ready_inverted": hs.ready_inverted,
                        "payload": [p for p in hs.payload if p in inputs] if driven else [],
                        "driven": driven, **({"last": last} if last else {})})
    return out
