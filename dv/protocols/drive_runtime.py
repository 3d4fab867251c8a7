"""Runtime part of the protocol driver, copied into every generated ``<top>_env.py`` after the
runtime of :mod:`dv.gen.tb_runtime` (see :mod:`dv.protocols.drive`)."""
# ruff: noqa: E402
from __future__ import annotations

from cocotb.triggers import FallingEdge, Timer

# --- dv protocol runtime (copied into generated testbenches below this line) ---


class HandshakeShaper:
    """Keeps every handshake the design sinks legal: a valid that was not taken stays high,
    with its payload unchanged, until the design's ready takes it.

    ``watch`` samples valid and ready once per cycle after the driver's writes (ready may
    depend on them combinationally) and before the next rising edge; ``shape`` rewrites the
    next item's values at the falling edge that follows that rising edge.
    """

    def __init__(self, dut, handshakes: list, reset: dict | None, sample_ns: float = 1):
        self.dut = dut
        self.handshakes = handshakes
        self.reset = reset
        self.sample_ns = sample_ns
        self.held: list = [None] * len(handshakes)

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
                if in_reset or valid != 1 or taken:
                    self.held[i] = None
                else:
                    names = [hs["valid"], *hs["payload"]]
                    self.held[i] = {n: self._int(getattr(dut, n)) or 0 for n in names}
