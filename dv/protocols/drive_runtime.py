"""Runtime part of the protocol driver and monitor, copied into every generated
``<top>_env.py`` after the runtime of :mod:`dv.gen.tb_runtime` (see :mod:`dv.protocols.drive`)."""
# ruff: noqa: E402
from __future__ import annotations

from cocotb.triggers import FallingEdge, Timer

# --- dv protocol runtime (copied into generated testbenches below this line) ---

PROTOCOL_BINS: dict = {}  # functional coverage of the handshakes, merged by DvCoverage


def protocol_bins() -> dict:
    return dict(PROTOCOL_BINS)


class HandshakeShaper:
    """Drives and watches the design's valid/ready handshakes.

    Driving: on every handshake the design sinks (``driven``), a valid that was not taken
    stays high, with its payload unchanged, until the design's ready takes it. Watching: on
    every handshake, transfers, stalls, back-to-back transfers, transfers after a stall and
    (with a ``last``) frame ends are counted as functional coverage bins.

    ``watch`` samples valid and ready once per cycle after the driver's writes (ready may
    depend on them combinationally) and before the next rising edge; ``shape`` rewrites the
    next item's values at the falling edge that follows that rising edge.
    """

    KINDS = ("transfer", "stall", "back-to-back", "transfer after stall")

    def __init__(self, dut, handshakes: list, reset: dict | None, sample_ns: float = 1):
        self.dut = dut
        self.handshakes = handshakes
        self.reset = reset
        self.sample_ns = sample_ns
        self.held: list = [None] * len(handshakes)
        self.last_state: list = [None] * len(handshakes)  # "transfer" | "stall" | None
        for hs in handshakes:
            for kind in self.KINDS + (("frame end",) if hs.get("last") else ()):
                PROTOCOL_BINS[f"handshake {hs['valid']} {kind}"] = 0

    @staticmethod
    def _int(handle):
        val = handle.value
        if not val.is_resolvable:
            return None
        return val.to_unsigned() if hasattr(val, "to_unsigned") else int(val)

    def shape(self, item) -> None:
        if item.reset:
            self.held = [None] * len(self.handshakes)
            return
        for held in self.held:
            if held is not None:
                item.values.update(held)

    def start(self, clk) -> None:
        if self.handshakes:
            import cocotb

            cocotb.start_soon(self.watch(clk))

    def count(self, hs: dict, kind: str) -> None:
        key = f"handshake {hs['valid']} {kind}"
        PROTOCOL_BINS[key] = PROTOCOL_BINS.get(key, 0) + 1

    async def watch(self, clk) -> None:
        dut = self.dut
        rst = getattr(dut, self.reset["name"]) if self.reset else None
        while True:
            await FallingEdge(clk)
            await Timer(self.sample_ns, unit="ns")
            in_reset = rst is not None and self._int(rst) == self.reset["active"]
            for i, hs in enumerate(self.handshakes):
                valid = self._int(getattr(dut, hs["valid"]))
                ready = self._int(getattr(dut, hs["ready"]))
                taken = ready == (0 if hs.get("ready_inverted") else 1)
                state = None if in_reset or valid != 1 else "transfer" if taken else "stall"
                if state == "transfer":
                    self.count(hs, "transfer")
                    if self.last_state[i] == "transfer":
                        self.count(hs, "back-to-back")
                    elif self.last_state[i] == "stall":
                        self.count(hs, "transfer after stall")
                    if hs.get("last") and self._int(getattr(dut, hs["last"])) == 1:
                        self.count(hs, "frame end")
                elif state == "stall":
                    self.count(hs, "stall")
                self.last_state[i] = state
                if not hs.get("driven", True) or state != "stall":
                    self.held[i] = None
                else:
                    names = [hs["valid"], *hs["payload"]]
                    self.held[i] = {n: self._int(getattr(dut, n)) or 0 for n in names}
