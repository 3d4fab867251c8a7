"""Runtime part of the protocol driver and monitor, copied into every generated
``<top>_env.py`` after the runtime of :mod:`dv.gen.tb_runtime` (see :mod:`dv.protocols.drive`)."""
# ruff: noqa: E402
from __future__ import annotations

from cocotb.triggers import FallingEdge, Timer

# --- dv protocol runtime (copied into generated testbenches below this line) ---

PROTOCOL_BINS: dict = {}  # functional coverage of the handshakes, merged by DvCoverage
KNOBS: dict = {}  # the running plan's per-interface knobs (set_interface_knobs)


def protocol_bins() -> dict:
    return dict(PROTOCOL_BINS)


def set_interface_knobs(knobs: dict | None, rng) -> None:
    """A plan's ``interfaces`` knobs, ``{name: {"backpressure": p, "gap": [lo, hi],
    "frame_len": [lo, hi]}}``, for the shaper; their random choices follow a generator seeded
    from the plan's (drawn only when there are knobs, so plans without any keep their
    stimulus)."""
    import random

    KNOBS.clear()
    if knobs:
        KNOBS.update(knobs=dict(knobs), rng=random.Random(rng.getrandbits(64)))


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
        self.gap_left: list = [0] * len(handshakes)  # knob "gap": idle cycles still to go
        self.frame: list = [[0, 0] for _ in handshakes]  # knob "frame_len": [sent, length]
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
            self.gap_left = [0] * len(self.handshakes)
            self.frame = [[0, 0] for _ in self.handshakes]
            return
        for held in self.held:
            if held is not None:
                item.values.update(held)
        if KNOBS:
            self.apply_knobs(item)

    def apply_knobs(self, item) -> None:
        """The plan's knobs: on a handshake the design sources, its ready is low with the
        ``backpressure`` probability; on one it sinks (when valid is not held), valid rests
        low for a ``gap`` of idle cycles after each transfer, and ``last`` closes a frame of
        ``frame_len`` beats."""
        rng, knobs = KNOBS["rng"], KNOBS["knobs"]
        for i, hs in enumerate(self.handshakes):
            k = knobs.get(hs.get("interface"))
            if not k:
                continue
            values = item.values
            if not hs.get("driven", True):
                p = k.get("backpressure")
                if p is not None and hs["ready"] in values:
                    stall = rng.random() < p
                    values[hs["ready"]] = int(stall) if hs.get("ready_inverted") else \
                        int(not stall)
                continue
            if self.held[i] is not None:
                continue
            if "gap" in k:
                values[hs["valid"]] = 0 if self.gap_left[i] > 0 else 1
                self.gap_left[i] = max(0, self.gap_left[i] - 1)
            last = hs.get("last")
            if "frame_len" in k and last and last in values:
                frame = self.frame[i]
                if frame[1] <= 0:
                    frame[:] = [0, rng.randint(*k["frame_len"])]
                values[last] = int(frame[0] + 1 >= frame[1])

    def transferred(self, i: int, hs: dict) -> None:
        """A beat of a driven handshake with knobs was taken: the next gap, the frame count."""
        k = KNOBS["knobs"].get(hs.get("interface"))
        if not k:
            return
        if "gap" in k:
            self.gap_left[i] = KNOBS["rng"].randint(*k["gap"])
        frame = self.frame[i]
        if "frame_len" in k and hs.get("last"):
            frame[0] += 1
            if self._int(getattr(self.dut, hs["last"])) == 1 or frame[0] >= frame[1]:
                frame[:] = [0, 0]

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
                    if KNOBS and hs.get("driven"):
                        self.transferred(i, hs)
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


class TransportChecker:
    """Transport check ``in_order_delivery`` on stream-in/stream-out pairs (see
    :mod:`dv.protocols.transport`): every beat that leaves at a pair's ``out`` handshake must be
    the oldest beat that entered at its ``in`` handshake and has not left yet (per ``tid``),
    with every payload field equal.

    Sampled like the handshake monitor: once per cycle after the driver's writes, before the
    rising edge that transfers. Cycle numbers are those of the monitor's transactions (the
    transfer's inputs show in the transaction of the next falling edge). Pairs whose check the
    spec turns on (``enforce``) fail the test at the first violation, naming the check, the pair
    and the cycle; the others are observed only, and ``transport.json`` in the run directory
    says whether the check held (``dv generate`` proposes it when it held everywhere).
    """

    CHECK = "in_order_delivery"

    def __init__(self, dut, transport: dict | None, reset: dict | None, sample_ns: float = 1):
        self.dut = dut
        self.pairs = list((transport or {}).get("pairs", []))
        self.enforce = self.CHECK in (transport or {}).get("enforce", [])
        self.reset = reset
        self.sample_ns = sample_ns
        self.queues: list[dict] = [{} for _ in self.pairs]
        self.stats = [{"pair": p["name"], "check": self.CHECK, "enforced": self.enforce,
                       "entered": 0, "left": 0, "violation": None} for p in self.pairs]

    @staticmethod
    def _int(handle):
        val = handle.value
        if not val.is_resolvable:
            return None
        return val.to_unsigned() if hasattr(val, "to_unsigned") else int(val)

    def start(self, clk) -> None:
        if self.pairs:
            import cocotb

            cocotb.start_soon(self.watch(clk))

    def fired(self, end: dict) -> bool:
        dut = self.dut
        ready = self._int(getattr(dut, end["ready"]))
        return self._int(getattr(dut, end["valid"])) == 1 and \
            ready == (0 if end.get("ready_inverted") else 1)

    def beat(self, end: dict) -> dict:
        return {f: self._int(getattr(self.dut, port)) for f, port in end["fields"].items()}

    @staticmethod
    def show(beat: dict) -> str:
        return " ".join(f"{k}={v:#x}" if isinstance(v, int) else f"{k}={v}"
                        for k, v in beat.items())

    def violate(self, i: int, cycle: int, msg: str) -> None:
        st = self.stats[i]
        text = f"cycle {cycle}: {self.CHECK} {self.pairs[i]['name']}: {msg}"
        if st["violation"] is None:
            st["violation"] = text
        if self.enforce:
            import os  # the test ends here: leave the record report_phase would have written

            cov = os.environ.get("DV_FUNCTIONAL_COVERAGE")
            if cov:
                self.write(os.path.join(os.path.dirname(cov) or ".", "transport.json"))
            raise AssertionError(f"dv-check-fail {text}")

    async def watch(self, clk) -> None:
        cycle = 0
        while True:
            await FallingEdge(clk)
            await Timer(self.sample_ns, unit="ns")
            cycle += 1
            self.sample(cycle)

    def sample(self, cycle: int) -> None:
        """One cycle's look at the pairs (``cycle``: falling edges so far)."""
        if self.reset is not None and \
                self._int(getattr(self.dut, self.reset["name"])) == self.reset["active"]:
            self.queues = [{} for _ in self.pairs]  # beats inside are flushed by reset
            return
        for i, pair in enumerate(self.pairs):
            key = pair.get("id")
            queue = self.queues[i]
            st = self.stats[i]
            if self.fired(pair["in"]):  # first: a combinational path delivers it now
                b = self.beat(pair["in"])
                st["entered"] += 1
                queue.setdefault(b.get(key) if key else None, []).append(
                    (st["entered"], cycle + 1, b))
            if not self.fired(pair["out"]):
                continue
            b = self.beat(pair["out"])
            st["left"] += 1
            waiting = queue.get(b.get(key) if key else None) or []
            if not waiting:
                self.violate(i, cycle + 1, f"a beat left ({self.show(b)}) that never "
                             "entered, or entered and already left (duplicated)")
                continue
            n, when, want = waiting.pop(0)
            if b != want:
                later = next((m for m, _, x in waiting if x == b), None)
                how = (f"it is beat {later}, so beat {n} was dropped or reordered"
                       if later else "its payload changed, or beat "
                       f"{n} was dropped")
                self.violate(i, cycle + 1, f"beat {n} (entered at cycle {when}: "
                             f"{self.show(want)}) expected, but {self.show(b)} left: "
                             f"{how}")

    def write(self, path: str) -> None:
        if not self.pairs:
            return
        import json

        for st, queue in zip(self.stats, self.queues, strict=False):
            st["inside_at_end"] = sum(len(q) for q in queue.values())
        try:
            with open(path, "w") as fh:
                json.dump({"checks": self.stats}, fh, indent=1)
        except OSError:
            pass
