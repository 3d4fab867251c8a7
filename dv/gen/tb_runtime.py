"""Runtime part of every generated pyuvm environment (``<top>_env.py``).

The harness (:mod:`dv.gen.harness`) writes a ``DESIGN`` description of the DUT's interface
above the marker line below and copies everything after the marker verbatim, so a generated
testbench is one readable, self-contained file with no import of dv. This file is kept as real
Python in the package so that it is linted and tested like the rest of dv.
"""
# ruff: noqa: E501, E402
from __future__ import annotations

# the harness copies these in after the runtime
from dv.protocols.drive_runtime import (
    HandshakeShaper,
    TransportChecker,
    protocol_bins,
    set_interface_knobs,
)

DESIGN: dict = {}
# --- dv runtime (copied into generated testbenches below this line) ---
import json
import os
import random
import threading
import time

import cocotb
import pyuvm
from cocotb.clock import Clock
from cocotb.triggers import Event, FallingEdge, Timer
from pyuvm import (
    uvm_analysis_port,
    uvm_component,
    uvm_driver,
    uvm_env,
    uvm_monitor,
    uvm_seq_item_export,
    uvm_sequence,
    uvm_sequence_item,
    uvm_sequencer,
    uvm_subscriber,
    uvm_test,
    uvm_transaction,
)

INPUTS: dict = DESIGN["inputs"]
OUTPUTS: dict = DESIGN["outputs"]
CLOCK: dict | None = DESIGN["clock"]  # None: a combinational design, driven with a settle delay
RESET: dict | None = DESIGN["reset"]
RESETS: list = DESIGN.get("resets") or ([RESET] if RESET else [])  # every reset port
FSMS: list = DESIGN["fsms"]
FSM_VARS: list = [f["var"] for f in FSMS]
HELD: dict = DESIGN.get("held", {})  # inputs the user holds (--hold): one value in every test
SWEEP: dict = DESIGN.get("config", {})  # configuration inputs: values to hold, one per test
PERIOD_NS: int = CLOCK["period_ns"] if CLOCK else DESIGN.get("settle_ns", 10)


def drive(handle, value) -> None:
    """Write an input: an int, or a list of ints for an unpacked array (element by element)."""
    if isinstance(value, list):
        for i, v in zip(handle.range, value, strict=False):
            handle[i].value = v
    else:
        handle.value = value


def test_config(plan: dict, rng: random.Random) -> dict:
    """The configuration inputs' values for one test: held by the user, set by the plan, the
    first value a plan segment prefers, else one of the sweep values."""
    out = {}
    if plan.get("free_config"):  # configuration inputs driven like data, for their toggles
        return {k: v for k, v in HELD.items() if k in SWEEP}
    for name, values in SWEEP.items():
        if name in HELD:
            out[name] = HELD[name]
        elif name in plan.get("config", {}):
            out[name] = plan["config"][name]
        else:
            preferred = [v for seg in plan.get("segments", [])
                         for v in seg.get("values", {}).get(name, [])]
            out[name] = preferred[0] if preferred else rng.choice(values)
    return out


def max_value(width: int) -> int:
    return (1 << width) - 1


_CORNERS: dict = {}  # width -> corner_values(width), computed once


def corner_values(width: int) -> list[int]:
    """Values that break arithmetic and comparisons: zero, ones, extremes, alternating bits,
    and the design's parameter values (and one less) that fit in the width."""
    if width in _CORNERS:
        return _CORNERS[width]
    top = max_value(width)
    vals = {0, top, 1, top - 1 if top else 0, 1 << (width - 1), (1 << (width - 1)) - 1,
            int("55" * ((width + 7) // 8), 16) & top, int("AA" * ((width + 7) // 8), 16) & top}
    for value in DESIGN["params"].values():
        if isinstance(value, int) and 0 < value <= top:
            vals.update((value, value - 1))
    _CORNERS[width] = sorted(vals)
    return _CORNERS[width]


class DvItem(uvm_sequence_item):
    """One clock cycle of stimulus: a value for every data input, and the reset line."""

    def __init__(self, name: str = "dv_item", values: dict | None = None, reset: bool = False):
        # a uvm_sequence_item without the three handshake events pyuvm's own sequencer makes
        # for every item: DvSequencer hands items over without them (one item per cycle)
        uvm_transaction.__init__(self, name)
        self.parent_sequence_id = None
        self.response_id = None
        self.values = values or {}
        self.reset = reset

    def __str__(self) -> str:
        vals = " ".join(f"{k}={v:#x}" if isinstance(v, int) else f"{k}={v}"
                        for k, v in self.values.items())
        return f"{'RESET ' if self.reset else ''}{vals}"


class Stimulus:
    """Chooses one cycle's input values under the constraints of a plan segment.

    Segment keys: ``cycles``; ``bias`` {1-bit input: probability of 1}; ``default_bias``;
    ``values`` {input: [values to prefer]} held with probability ``hold``; ``data``
    ("uniform" | "corner" | "walk"); ``corner_p`` (probability of a corner value when uniform).
    The same keys shape the random operands of a reactive ``transactions`` segment and the
    ``"random"`` values of an ``until`` segment (see :class:`PlanSequence`).
    """

    def __init__(self, rng: random.Random, segment: dict, config: dict | None = None):
        self.rng = rng
        self.seg = segment
        self.step = 0
        self.config = {**(config or {}), **HELD}

    def value(self, name: str, spec: dict):
        if name in self.config:
            return self.config[name]
        if spec.get("depth", 1) > 1:
            return [self.pick(name, spec) for _ in range(spec["depth"])]
        return self.pick(name, spec)

    def pick(self, name: str, spec: dict) -> int:
        seg, rng, width = self.seg, self.rng, spec["width"]
        preferred = seg.get("values", {}).get(name)
        if preferred and rng.random() < seg.get("hold", 0.8):
            return int(rng.choice(preferred)) & max_value(width)
        if width == 1:
            p = seg.get("bias", {}).get(name, seg.get("default_bias", 0.5))
            return int(rng.random() < p)
        mode = seg.get("data", "uniform")
        if mode == "walk":
            return 1 << (self.step % width)
        if mode == "corner" or rng.random() < seg.get("corner_p", 0.1):
            return rng.choice(corner_values(width))
        return rng.getrandbits(width)

    def next(self) -> dict:
        values = {name: self.value(name, spec) for name, spec in INPUTS.items()}
        self.step += 1
        return values


def idle_values(config: dict | None = None) -> dict:
    """Inputs during reset: zero, configuration inputs at their test value."""
    out = {name: [0] * spec["depth"] if spec.get("depth", 1) > 1 else 0
           for name, spec in INPUTS.items()}
    out.update({k: v for k, v in {**(config or {}), **HELD}.items() if k in out})
    return out


class PlanSequence(uvm_sequence):
    """Runs a test plan: a list of segments, one after the other. Every item is one clock cycle.

    Open-loop segments (their values chosen before the cycle, without looking at the design):

    - ``{"kind": "reset", "cycles": N}``: reset asserted for N cycles (at least each reset
      port's own length), inputs idle;
    - a stimulus segment (no ``kind``): ``cycles`` of biased random values, see
      :class:`Stimulus`.

    Reactive segments (closed-loop: each cycle's values are chosen at the falling edge where the
    driver applies them, from the outputs the design shows at that edge, which are the outputs
    the monitor records for that cycle; see :class:`Reactive`):

    - ``{"kind": "until", "drive": {input: value | "random"}, "until": {"signal": output,
      "equals": v}, "timeout": N, "then_cycles": k}``: hold the named inputs (``"random"``: one
      random value, chosen once and held) and the others idle, until ``output == v`` is seen; the
      cycle in which it is seen still holds them (a condition that depends combinationally on
      the held inputs completes at the next edge), then ``k`` more cycles (default 0). Not seen
      on any of the ``N`` cycles after the first: the test fails with "no <output>==v within N
      cycles of the request at cycle C" and the rest of the plan is skipped (a hang is a failed
      check, not a simulation timeout).
    - ``{"kind": "transactions", "req": input, "ack": output, "count": N, "timeout": T,
      "ack_value": 1, "hold_req": false, "gap": G, ...}``: N request/acknowledge operations.
      Each one: random operands on every other input (the stimulus keys ``values``, ``hold``,
      ``data``, ``corner_p``, ``bias``, ``default_bias`` shape them), ``req`` asserted, the
      operands held stable until ``ack == ack_value`` is seen (the cycle it is seen still holds
      them), then 0..G idle cycles with ``req`` low and random operands. ``hold_req`` false
      (start/done, cmd/busy): ``req`` is a one-cycle pulse; true (four-phase req/ack): ``req``
      stays high until the acknowledge, then dv waits for ``ack`` to leave ``ack_value`` again
      before the next request. Timeouts fail the test as above, naming the transaction.

    Both take ``"on_timeout"``: ``"fail"`` (the default: the design must answer in time) or
    ``"skip"`` (the latency is not known, as for the built-in generator: a timed-out operation
    is abandoned, logged and counted, and the segment goes on with the next one).

    Inputs held by the user (``--hold``) and configuration inputs keep their test value in
    every segment.
    """

    def __init__(self, name: str, plan: dict):
        super().__init__(name)
        self.plan = plan
        self.count = 0  # items applied so far: item n is applied at the n-th falling edge

    async def send(self, item) -> None:
        await self.start_item(item)
        await self.finish_item(item)
        self.count += 1

    async def body(self):
        # follows cocotb's per-test seed, mixed with the plan's own (a "new seeds" round)
        rng = random.Random(random.getrandbits(64) ^ int(self.plan.get("seed", 0)))
        config = test_config(self.plan, rng)
        set_interface_knobs(self.plan.get("interfaces"), rng)  # per-interface protocol knobs
        for seg in self.plan["segments"]:
            if seg.get("kind") == "reset":
                cycles = max([seg.get("cycles", 2)] + [r.get("cycles", 0) for r in RESETS])
                for _ in range(cycles):
                    await self.send(DvItem("reset", idle_values(config), reset=True))
                continue
            if seg.get("kind") in REACTIVE_KINDS:
                runner = Reactive(rng, seg, config)
                while not runner.finished:
                    await self.send(ReactiveItem("item", runner, self.count + 1))
                if runner.failure:
                    self.report_failure(*runner.failure)
                    return  # the rest of the plan would only pile up consequences
                continue
            stim = Stimulus(rng, seg, config)
            for _ in range(seg["cycles"]):
                await self.send(DvItem("item", stim.next()))

    def report_failure(self, cycle: int, msg: str) -> None:
        """A reactive segment timed out: a failed check of the test (the checker's error list,
        so the test fails at its check phase with the message), never a hang."""
        env = self.sequencer.get_parent() if self.sequencer is not None else None
        checker = getattr(env, "checker", None)
        if checker is not None and hasattr(checker, "error"):
            checker.error({"cycle": cycle}, msg)
        else:
            raise AssertionError(f"cycle {cycle}: {msg}")


REACTIVE_KINDS = ("until", "transactions")


def observe(name: str):
    """An output's value now (None while it is X/Z)."""
    return read(getattr(cocotb.top, name))


class ReactiveItem(DvItem):
    """An item whose values are chosen when the driver reads them, which it does at the falling
    edge where it applies them: the segment then sees the outputs of that very cycle."""

    def __init__(self, name: str, runner: Reactive, cycle: int):
        self._values: dict | None = None
        self._runner = runner
        self.cycle = cycle
        super().__init__(name)

    @property
    def values(self) -> dict:
        if self._values is None:
            self._values = self._runner.step(self.cycle)
        return self._values

    @values.setter
    def values(self, value: dict) -> None:
        if value:
            self._values = value


class Reactive:
    """One reactive segment (``until`` or ``transactions``, see :class:`PlanSequence`), run as a
    generator: each ``step(cycle)`` looks at the design's outputs now and returns the inputs of
    this cycle. ``finished`` is set with the segment's last item; ``failure`` is
    ``(cycle, message)`` after a timeout (that cycle's inputs are idle)."""

    def __init__(self, rng: random.Random, segment: dict, config: dict | None = None):
        self.rng = rng
        self.seg = segment
        self.config = config or {}
        self.stim = Stimulus(rng, segment, config)
        self.finished = False
        self.failure: tuple[int, str] | None = None
        self.abandoned = 0  # operations that timed out under "on_timeout": "skip"
        self.cycle = 0
        self.gen = self.until() if segment["kind"] == "until" else self.transactions()

    def step(self, cycle: int) -> dict:
        self.cycle = cycle
        try:
            values, last = next(self.gen)
        except StopIteration:  # every path yields its last item flagged: not reached
            values, last = idle_values(self.config), True
        if last:
            self.finished = True
        return values

    def seen(self, cond: dict) -> bool:
        return observe(cond["signal"]) == cond["equals"]

    def fail(self, msg: str):
        self.failure = (self.cycle, msg)
        return idle_values(self.config), True

    def abandon(self, msg: str) -> bool:
        """A timeout under ``"on_timeout": "skip"``: logged, counted, not a failure. True when
        the segment goes on."""
        if self.seg.get("on_timeout", "fail") != "skip":
            return False
        self.abandoned += 1
        if self.abandoned <= 5:
            import logging

            logging.getLogger("dv.plan").info("cycle %d: %s: abandoned (on_timeout skip)",
                                              self.cycle, msg)
        return True

    def held(self, drive: dict) -> dict:
        """Idle inputs, the named ones at their value ("random": one random value)."""
        values = idle_values(self.config)
        for name, value in drive.items():
            if name in values and name not in self.stim.config:
                values[name] = self.stim.value(name, INPUTS[name]) if value == "random" else value
        return values

    def until(self):
        seg, cond = self.seg, self.seg["until"]
        values, start, timeout = self.held(seg.get("drive", {})), self.cycle, seg["timeout"]
        then = seg.get("then_cycles", 0)
        yield values, False
        waited = 0
        while not self.seen(cond):
            waited += 1
            if waited > timeout:
                msg = (f"no {cond['signal']}=={cond['equals']} within {timeout} cycles of the "
                       f"request at cycle {start} (until segment)")
                yield (idle_values(self.config), True) if self.abandon(msg) else self.fail(msg)
                return
            yield values, False
        for _ in range(then):
            yield values, False
        yield values, True

    def transactions(self):
        seg = self.seg
        req, ack, value = seg["req"], seg["ack"], seg.get("ack_value", 1)
        hold, timeout, gap = seg.get("hold_req", False), seg["timeout"], seg.get("gap", 0)
        count = seg["count"]
        for n in range(1, count + 1):
            ops = self.stim.next()
            ops[req] = 1
            start = self.cycle
            yield ops, False
            waiting = {**ops, req: 1 if hold else 0}
            waited = 0
            while observe(ack) != value:
                waited += 1
                if waited > timeout:
                    msg = (f"no {ack}=={value} within {timeout} cycles of the request ({req}) "
                           f"at cycle {start}, transaction {n} of {count}")
                    if not self.abandon(msg):
                        yield self.fail(msg)
                        return
                    break
                yield waiting, False
            idle = n == count and not hold
            yield waiting, idle and gap == 0
            if idle and gap == 0:
                return
            waited = 0
            while hold and observe(ack) == value:  # four-phase: the acknowledge returns to idle
                waited += 1
                if waited > timeout:
                    msg = (f"{ack} still =={value} {timeout} cycles after {req} fell, "
                           f"transaction {n} of {count} (requested at cycle {start})")
                    if not self.abandon(msg):
                        yield self.fail(msg)
                        return
                    break
                yield {**self.stim.next(), req: 0}, False
            pause = self.rng.randint(0, gap) if gap else 0
            if n == count:
                pause = max(pause, 1)  # the segment's last item
            for i in range(pause):
                yield {**self.stim.next(), req: 0}, n == count and i == pause - 1


class DvItemExport(uvm_seq_item_export):
    """The driver's side of :class:`DvSequencer`: one item in flight at a time.

    ``finish_item`` (the sequence) offers an item and waits for ``item_done``;
    ``get_next_item``/``try_next_item`` (the driver) take the offered item. The UVM meaning of
    the four calls is kept; what is left out is pyuvm's arbitration between sequences (two
    queues and a sequencer task per item), which dv never needs: one sequence runs at a time.
    """

    def __init__(self, name: str, parent):
        super().__init__(name, parent)
        self.offered = None  # the item finish_item handed over, not yet taken by the driver
        self.offer = Event()  # set when an item is offered
        self.done = Event()  # set by item_done

    async def hand_over(self, item) -> None:
        self.offered = item
        self.done.clear()
        self.offer.set()
        await self.done.wait()

    def take(self):
        if self.current_item is not None:
            raise pyuvm.UVMSequenceError("item_done() must be called before the next item is taken")
        self.current_item, self.offered = self.offered, None
        self.offer.clear()
        return self.current_item

    async def get_next_item(self):
        while self.offered is None:
            await self.offer.wait()
        return self.take()

    def try_next_item(self):
        if self.offered is None:
            return False, None
        return True, self.take()

    def item_done(self, rsp=None) -> None:
        if self.current_item is None:
            raise pyuvm.UVMSequenceError("item_done() called with no item taken")
        self.current_item = None
        self.done.set()
        if rsp is not None:
            self.put_response(rsp)


class DvSequencer(uvm_sequencer):
    """Passes the running sequence's items to the driver, one per clock cycle, through
    :class:`DvItemExport`: ``start_item`` returns at once (nothing to arbitrate), ``finish_item``
    returns when the driver has applied the item (its ``item_done``)."""

    def __init__(self, name: str, parent=None):
        uvm_component.__init__(self, name, parent)  # not uvm_sequencer's: its export and queue
        self.seq_item_export = DvItemExport("seq_item_export", self)
        self.seq_q = None

    async def run_phase(self):
        pass  # no arbitration task

    async def start_item(self, item) -> None:
        pass

    async def finish_item(self, item) -> None:
        await self.seq_item_export.hand_over(item)


class DvDriver(uvm_driver):
    """Drives each item's values on the falling edge, so the DUT samples them at the next rising
    edge (``drive_cycle``, called at every falling edge by DvEnv's cycle loop)."""

    def build_phase(self):
        self.dut = cocotb.top
        self.pins = {name: getattr(self.dut, name) for name in INPUTS}  # looked up once
        self.reset_pins = [(getattr(self.dut, rst["name"]), rst["active"]) for rst in RESETS]
        # handshakes the design sinks: valid held (payload stable) until ready takes it
        self.shaper = HandshakeShaper(self.dut, DESIGN.get("handshakes", []), RESET,
                                      max(1, PERIOD_NS // 4))
        # stream in -> stream out pairs: beats delivered in order (enforced when the spec says)
        self.transport = TransportChecker(self.dut, DESIGN.get("transport"), RESET,
                                          max(1, PERIOD_NS // 4))

    def report_phase(self):
        out = os.path.dirname(os.environ.get("DV_FUNCTIONAL_COVERAGE", "functional.json")) or "."
        self.transport.write(os.path.join(out, "transport.json"))

    def apply(self, item: DvItem) -> None:
        legalize(item, self.dut)  # stimulus constraints (assumptions, learned ones)
        # every input written every cycle, even with the value it holds: Verilator counts
        # expression coverage per evaluation, and fewer writes would change those counts
        for handle, active in self.reset_pins:
            handle.value = active if item.reset else 1 - active
        pins = self.pins
        for name, value in item.values.items():
            handle = pins.get(name)
            if handle is None:
                handle = pins[name] = getattr(self.dut, name)
            drive(handle, value)

    async def run_phase(self):
        if CLOCK is None:
            return
        clk = getattr(self.dut, CLOCK["name"])
        self.shaper.start(clk)
        self.transport.start(clk)

    def drive_cycle(self) -> None:
        """At a falling edge: the next item, shaped and applied. The sequence makes each item
        as soon as the previous one is done, so one is normally waiting; when none is (the plan
        is over, or its next item is not made yet), the inputs hold, and an item that comes
        later is applied at the next falling edge (items only ever take effect at one)."""
        ok, item = self.seq_item_port.try_next_item()
        if ok:
            self.shaper.shape(item)
            self.apply(item)
            self.seq_item_port.item_done()


_BITS = tuple(getattr(cocotb.handle, n) for n in ("LogicObject", "LogicArrayObject", "PackedObject")
              if hasattr(cocotb.handle, n))  # signals whose value is a string of bits


def reader(handle):
    """:func:`read` for one signal, resolved once: a function of no arguments (the monitor reads
    every cycle)."""
    raw = getattr(getattr(handle, "_handle", None), "get_signal_val_binstr", None)
    if raw is None or not isinstance(handle, _BITS):
        return lambda: read(handle)

    def bits():
        try:
            return int(raw(), 2)
        except ValueError:  # X, Z, weak levels
            return read(handle)

    return bits


def read(handle) -> int | list | None:
    """Integer value of a signal, or None when it holds X or Z (a list for an unpacked array)."""
    if isinstance(handle, cocotb.handle.ArrayObject):
        return [read(handle[i]) for i in handle.range]
    if isinstance(handle, _BITS):
        try:  # the simulator's bit string of 0s and 1s: one int(), no Logic objects built
            return int(handle._handle.get_signal_val_binstr(), 2)
        except (AttributeError, ValueError):  # X, Z, weak levels: cocotb's own reading below
            pass
    val = handle.value
    if not val.is_resolvable:
        return None
    return val.to_unsigned() if hasattr(val, "to_unsigned") else int(val)


class DvTxn:
    """One clock cycle as the monitor saw it: the reset, and tuples of values in the order of
    ``INPUTS``, ``OUTPUTS`` and ``FSMS`` (the checker and coverage index them).

    ``txn`` is the same cycle in the form the scoreboard slot takes and
    ``transactions.json`` records: ``{"cycle", "reset", "in": {input: value}, "out": {...},
    "fsm": {state variable: value}}``, built when first asked for (only a scoreboard does).
    """

    __slots__ = ("cycle", "reset", "ins", "outs", "fsm", "_txn")

    def __init__(self, cycle: int, reset: bool, ins: tuple, outs: tuple, fsm: tuple):
        self.cycle, self.reset, self.ins, self.outs, self.fsm = cycle, reset, ins, outs, fsm
        self._txn: dict | None = None

    @property
    def txn(self) -> dict:
        if self._txn is None:
            self._txn = {"cycle": self.cycle, "reset": self.reset,
                         "in": dict(zip(INPUTS, self.ins, strict=False)), "out": dict(zip(OUTPUTS, self.outs, strict=False)),
                         "fsm": dict(zip(FSM_VARS, self.fsm, strict=False))}
        return self._txn

    def __getitem__(self, key: str):  # txn["cycle"], txn["out"][name]: as the dict form
        return self.txn[key]


class DvMonitor(uvm_monitor):
    """Samples inputs, outputs and FSM state once per cycle, on the falling edge (``sample``,
    called by DvEnv's cycle loop before the driver writes the next cycle's inputs).

    At a falling edge the outputs show the result of the previous rising edge, and the inputs
    still hold what the DUT sampled at it: one transaction is one clock cycle.
    """

    TRACE_CYCLES = 200_000  # cycles an output trace keeps (dv regress --golden)

    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.dut = cocotb.top
        # opt-in (dv regress sets it): every cycle's reset, inputs and outputs, one JSON line
        # each, written to this file at the end of the test for the behaviour comparison
        self.trace_path = os.environ.get("DV_OUTPUT_TRACE")
        self.trace_rows: list[tuple] = []  # (reset, inputs, outputs), written out at the end
        self.cycle = 0
        dut = self.dut  # every signal looked up once, with its reader
        self.ins = [reader(getattr(dut, n)) for n in INPUTS]
        self.outs = [reader(getattr(dut, n)) for n in OUTPUTS]
        self.fsms = [reader(getattr(dut, v)) for v in FSM_VARS]
        self.rst = reader(getattr(dut, RESET["name"])) if RESET is not None else None

    def extract_phase(self):  # before check_phase, so a failing test keeps its trace too
        if not self.trace_path:
            return
        head = {"format": "dv-output-trace", "version": 1, "inputs": list(INPUTS),
                "outputs": list(OUTPUTS), "truncated": len(self.trace_rows) >= self.TRACE_CYCLES}
        lines = [json.dumps([int(reset), list(ins), list(outs)], separators=(",", ":"))
                 for reset, ins, outs in self.trace_rows]
        try:
            with open(self.trace_path, "w") as fh:
                fh.write(json.dumps(head) + "\n" + "\n".join(lines) + "\n")
        except OSError:
            pass

    def sample(self) -> None:
        self.cycle += 1
        txn = DvTxn(self.cycle, self.rst is not None and self.rst() == RESET["active"],
                    tuple([r() for r in self.ins]), tuple([r() for r in self.outs]),
                    tuple([r() for r in self.fsms]))
        if self.trace_path and len(self.trace_rows) < self.TRACE_CYCLES:
            self.trace_rows.append((txn.reset, txn.ins, txn.outs))
        self.ap.write(txn)


class DvChecker(uvm_subscriber):
    """Checks what can be derived from the design alone, and runs the scoreboard slot.

    - no X or Z on any output once reset has been released (Verilator is two-state, so under
      Verilator this check can only fire through a simulator that models X);
    - every FSM state variable holds one of its legal encodings;
    - ``SCOREBOARD`` (set by a round module) may add spec-derived checks: a callable taking
      the transaction and the previous one, returning an error message or None.
    """

    SCOREBOARD = None
    TRACE_LIMIT = 4000  # transactions kept for replaying a later round's scoreboard on them
    HANG_SECONDS = 2.0  # one SCOREBOARD call longer than this: the reference model hangs

    def build_phase(self):
        self.errors: list[str] = []
        self.released = False
        self.prev = None
        self.trace: list[str] = []  # what SCOREBOARD saw, in order: ["p"|"c", txn] as JSON
        self.sb_since: float | None = None
        self.sb_cycle = None
        self.arrays = any(spec.get("depth", 1) > 1 for spec in OUTPUTS.values())
        self.legal = [set(fsm["states"].values()) for fsm in FSMS]  # per FSM, its encodings
        self.out_dir = os.path.dirname(os.environ.get("DV_FUNCTIONAL_COVERAGE", "functional.json")) or "."
        for stale in ("transactions.json", "scoreboard_hang.json"):
            try:
                os.unlink(os.path.join(self.out_dir, stale))
            except OSError:
                pass
        if self.SCOREBOARD is not None:
            threading.Thread(target=self.watchdog, daemon=True).start()

    def watchdog(self) -> None:
        """Leaves ``scoreboard_hang.json`` when one SCOREBOARD call runs too long, so a timeout
        is blamed on the reference model (model code), not on the design."""
        while True:
            time.sleep(self.HANG_SECONDS / 4)
            since = self.sb_since
            if since is not None and time.monotonic() - since > self.HANG_SECONDS:
                try:
                    with open(os.path.join(self.out_dir, "scoreboard_hang.json"), "w") as fh:
                        json.dump({"cycle": self.sb_cycle, "seconds": self.HANG_SECONDS}, fh)
                except OSError:
                    pass
                return

    def record(self, kind: str, txn) -> None:
        if self.SCOREBOARD is not None and len(self.trace) < self.TRACE_LIMIT:
            try:
                self.trace.append(json.dumps([kind, txn], sort_keys=True))
            except (TypeError, ValueError):
                pass

    def write(self, t: DvTxn):
        if t.reset:
            self.released = False
            self.prev = None
            return
        if not self.released:
            self.released = True  # first cycle out of reset: outputs may still settle
            if self.SCOREBOARD is not None:
                self.prev = t.txn
                self.record("p", self.prev)
            return
        if None in t.outs or self.arrays:
            for name, value in zip(OUTPUTS, t.outs, strict=False):
                if value is None or (isinstance(value, list) and None in value):
                    self.error(t, f"output {name} is X/Z")
        for fsm, legal, value in zip(FSMS, self.legal, t.fsm, strict=False):
            if value is not None and value not in legal:
                self.error(t, f"FSM {fsm['var']} holds {value:#x}, which is not one of its "
                              f"states {sorted(fsm['states'])}")
        if self.SCOREBOARD is not None:
            txn = t.txn
            self.record("c", txn)
            self.sb_cycle = txn["cycle"]
            self.sb_since = time.monotonic()
            try:
                msg = type(self).SCOREBOARD(txn, self.prev)
            finally:
                self.sb_since = None
            if msg:
                self.error(txn, msg)
            self.prev = txn

    def error(self, txn, msg: str) -> None:
        text = f"cycle {txn['cycle']}: {msg}"
        if len(self.errors) < 20:
            self.logger.error(text)
        self.errors.append(text)

    def extract_phase(self):  # before check_phase, which fails the test
        if self.SCOREBOARD is None:
            return
        try:
            with open(os.path.join(self.out_dir, "transactions.json"), "w") as fh:
                fh.write("[" + ",\n".join(self.trace) + "]\n")
        except OSError:
            pass

    def check_phase(self):
        assert not self.errors, f"{len(self.errors)} check(s) failed; first: {self.errors[0]}"


class DvCoverage(uvm_subscriber):
    """Functional coverage Verilator cannot give: input corner values and FSM states/arcs.

    Written to ``functional.json`` in the run directory at the end of the test, where dv
    merges it with Verilator's line/branch/toggle/expression coverage.
    """

    def build_phase(self):
        # bins are counted by index during the run and named at the end
        self.names: list[str] = []
        self.hits: list[int] = []
        self.corners: list[tuple] = []  # (input's index, its max, bin of == 0); == max is next
        for i, (name, spec) in enumerate(INPUTS.items()):
            if spec["width"] > 1 and spec.get("depth", 1) == 1:
                self.corners.append((i, max_value(spec["width"]), len(self.names)))
                self.names += [f"input {name} == 0", f"input {name} == max"]
        self.states: list[dict] = []  # per FSM: encoding -> (state name, its bin)
        for fsm in FSMS:
            names = {v: k for k, v in fsm["states"].items()}
            first = {state: len(self.names) + i for i, state in enumerate(fsm["states"])}
            self.names += [f"fsm {fsm['var']} == {state}" for state in fsm["states"]]
            self.states.append({v: (k, first[k]) for v, k in names.items()})
        self.hits = [0] * len(self.names)
        self.arc_hits: dict[tuple, int] = {}  # (FSM index, from, to encodings) -> count
        self.last_state: list = [None] * len(FSMS)

    def write(self, t: DvTxn):
        if t.reset:
            self.last_state = [None] * len(FSMS)
            return
        hits, ins = self.hits, t.ins
        for i, top, zero in self.corners:
            value = ins[i]
            if value == 0:
                hits[zero] += 1
            elif value == top:
                hits[zero + 1] += 1
        for k, (states, value) in enumerate(zip(self.states, t.fsm, strict=False)):
            if value in states:
                hits[states[value][1]] += 1
                prev = self.last_state[k]
                if prev is not None and prev != value and prev in states:
                    arc = (k, prev, value)
                    self.arc_hits[arc] = self.arc_hits.get(arc, 0) + 1
            self.last_state[k] = value

    @property
    def bins(self) -> dict[str, int]:
        return dict(zip(self.names, self.hits, strict=False))

    @property
    def arcs(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for (k, prev, value), n in self.arc_hits.items():
            states = self.states[k]
            arc = f"fsm {FSMS[k]['var']} {states[prev][0]}->{states[value][0]}"
            out[arc] = out.get(arc, 0) + n
        return out

    def report_phase(self):
        path = os.environ.get("DV_FUNCTIONAL_COVERAGE", "functional.json")
        with open(path, "w") as fh:
            json.dump({"bins": {**self.bins, **protocol_bins()}, "arcs": self.arcs}, fh,
                      indent=1, sort_keys=True)


class DvEnv(uvm_env):
    def build_phase(self):
        self.seqr = DvSequencer("seqr", self)
        self.driver = DvDriver("driver", self)
        self.monitor = DvMonitor("monitor", self)
        self.checker = DvChecker("checker", self)
        self.coverage = DvCoverage("coverage", self)

    def connect_phase(self):
        self.driver.seq_item_port.connect(self.seqr.seq_item_export)
        self.monitor.ap.connect(self.checker.analysis_export)
        self.monitor.ap.connect(self.coverage.analysis_export)

    async def run_phase(self):
        """The cycle loop: one falling-edge trigger per clock cycle, shared by the monitor and
        the driver. At each falling edge the monitor samples the cycle that ended, then the
        driver applies the next cycle's item."""
        if CLOCK is None:  # combinational: apply, let the logic settle, sample, next item
            port = self.driver.seq_item_port
            while True:
                item = await port.get_next_item()
                self.driver.apply(item)
                await Timer(PERIOD_NS, unit="ns")
                self.monitor.sample()
                port.item_done()
        edge = FallingEdge(getattr(cocotb.top, CLOCK["name"]))
        while True:
            await edge
            self.monitor.sample()
            self.driver.drive_cycle()


class DvTest(uvm_test):
    """Base of every generated test: clock, reset, then the class's ``PLAN``."""

    PLAN: dict = {"segments": []}

    def build_phase(self):
        self.env = DvEnv("env", self)
        use_constraints(self.PLAN)

    def report_phase(self):
        write_constraint_stats()

    async def run_phase(self):
        self.raise_objection()
        dut = cocotb.top
        for name, value in idle_values().items():
            drive(getattr(dut, name), value)
        for rst in RESETS:
            getattr(dut, rst["name"]).value = rst["active"]
        plan = dict(self.PLAN)
        plan["segments"] = [{"kind": "reset", "cycles": 3}] + list(self.PLAN["segments"])
        if CLOCK is None:
            await PlanSequence("plan", plan).start(self.env.seqr)
            await Timer(PERIOD_NS, unit="ns")
            self.drop_objection()
            return
        clk = getattr(dut, CLOCK["name"])
        cocotb.start_soon(Clock(clk, CLOCK["period_ns"], unit="ns").start())
        for other in DESIGN.get("other_clocks", []):  # other domains run free
            cocotb.start_soon(Clock(getattr(dut, other["name"]), other["period_ns"],
                                    unit="ns").start())
        await PlanSequence("plan", plan).start(self.env.seqr)
        for _ in range(2):  # let the monitor see the last item's effect
            await FallingEdge(clk)
        self.drop_objection()


# -- stimulus constraints (dv.gen.constraints): the driver never drives a cycle that breaks one --
# A test plan's "constraints" are booleans over the cycle's inputs and the design's state,
# each a JSON tree: ["k", w, value] | ["s", w, signal] | ["u", w, op, a] |
# ["b", w, op, a, b, signed] | ["?", w, c, a, b] | ["{", w, [parts]] | ["[", w, a, low] |
# ["x", w, a, signed] (resize). The driver checks them at the falling edge where it applies the
# cycle's inputs, reading the state from the design there, and repairs a violating cycle by
# forcing the constraint's free inputs (see ``legalize``).
CONSTRAINTS: list = []  # the running test's constraints (from its PLAN)
CONSTRAINT_STATS: dict = {}  # id -> {"fixed": cycles repaired, "unsatisfiable": cycles not}


def _sx(v: int, w: int) -> int:
    return v - (1 << w) if w and v >> (w - 1) & 1 else v


def cx(node: list, env) -> int:
    """Value of a constraint tree; ``env(name)`` gives a signal's value (None: X/Z)."""
    op, w = node[0], node[1]
    m = (1 << w) - 1 if w else 0
    if op == "k":
        return node[2]
    if op == "s":
        v = env(node[2])
        if v is None or isinstance(v, list):
            raise ValueError(node[2])
        return v & m
    if op == "u":
        f, a = node[2], cx(node[3], env)
        aw = node[3][1]
        am = (1 << aw) - 1
        if f == "!":
            return int(a == 0)
        if f == "~":
            return ~a & m
        if f == "-":
            return -a & m
        if f == "+":
            return a & m
        r = {"&r": a == am, "|r": a != 0, "^r": bin(a).count("1") & 1}.get(f.lstrip("~"))
        if r is None:
            raise ValueError(f)
        return int(not r) if f.startswith("~") else int(r)
    if op == "b":
        f = node[2]
        if f == "&&":
            return int(cx(node[3], env) != 0 and cx(node[4], env) != 0)
        if f == "||":
            return int(cx(node[3], env) != 0 or cx(node[4], env) != 0)
        a, b = cx(node[3], env), cx(node[4], env)
        if f == ">>>":  # signed: the left operand is
            return (_sx(a, node[3][1]) if node[5] else a) >> b & m
        if node[5]:  # both operands signed
            a, b = _sx(a, node[3][1]), _sx(b, node[4][1])
        if f == "->":
            return int(a == 0 or b != 0)
        if f == "<->":
            return int((a != 0) == (b != 0))
        if f in ("==", "!=", "<", "<=", ">", ">="):
            return int({"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b,
                        ">=": a >= b}[f])
        if f in ("/", "%"):
            if b == 0:
                raise ValueError("division by zero")
            q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
            return (q if f == "/" else a - q * b) & m
        r = {"+": a + b, "-": a - b, "*": a * b, "&": a & b, "|": a | b, "^": a ^ b,
             "~^": ~(a ^ b), "<<": a << b if b < 4096 else 0, ">>": a >> b}.get(f)
        if r is None:
            raise ValueError(f)
        return r & m
    if op == "?":
        return cx(node[3], env) if cx(node[2], env) else cx(node[4], env)
    if op == "{":
        v = 0
        for part in node[2]:
            v = v << part[1] | cx(part, env)
        return v & m
    if op == "[":
        return cx(node[2], env) >> node[3] & m if node[3] >= 0 else 0
    if op == "x":
        a = cx(node[2], env)
        return (_sx(a, node[2][1]) if node[3] else a) & m
    raise ValueError(op)
# -- end of the constraint evaluator --


from cocotb.triggers import ReadWrite


def use_constraints(plan: dict) -> None:
    """Called as a test starts: its plan's constraints are the ones the driver keeps."""
    CONSTRAINTS[:] = [c for c in plan.get("constraints", []) if isinstance(c, dict)]
    CONSTRAINT_STATS.clear()
    _APPLIED[:] = [False, False]


def _holds(values: dict, state) -> bool:
    def env(name):
        return values[name] if name in values else state(name)

    for c in CONSTRAINTS:
        try:
            if not cx(c["expr"], env):
                return False
        except (ValueError, KeyError, TypeError, IndexError):  # X/Z state: not judged
            continue
    return True


def _candidates(name: str, value) -> list:
    width = INPUTS[name]["width"]
    if width == 1:
        return [1 - (value or 0)]
    top = max_value(width)
    return [v for v in (0, top, random.getrandbits(width), random.getrandbits(width))
            if v != value]


_APPLIED = [False, False]  # [the driver applied an item at this falling edge, watcher runs]


def legalize(item, dut) -> None:
    """Keep every constraint true in the cycle the driver is about to apply: a violating
    cycle gets one of the constraint's free inputs changed (random order; a 1-bit input
    flipped, a wider one 0, all ones or random), else all of them 0; if nothing works the
    cycle is driven as chosen and counted as unsatisfiable. A falling edge where the driver
    has no item (the inputs hold) is checked by ``hold_watch`` the same way."""
    if not CONSTRAINTS:
        return
    _APPLIED[0] = True
    if CLOCK is not None and not _APPLIED[1]:
        _APPLIED[1] = True
        cocotb.start_soon(hold_watch(dut))
    if not item.reset:
        _legalize(item.values, dut)


async def hold_watch(dut) -> None:
    """Held inputs were legal in the state they were chosen for, not always in the next one
    (a pop of the last entry held into the cycle where the FIFO is empty): at a falling edge
    where the driver applied nothing, the held inputs are checked and repaired (written in
    the same time step, before the rising edge that samples them)."""
    clk = getattr(dut, CLOCK["name"])
    while True:
        await FallingEdge(clk)
        await ReadWrite()
        if _APPLIED[0]:
            _APPLIED[0] = False
            continue
        if any(read(getattr(dut, r["name"])) == r["active"] for r in RESETS):
            continue
        held = {n: read(getattr(dut, n)) for n, spec in INPUTS.items()
                if spec.get("depth", 1) == 1}
        values = dict(held)
        _legalize(values, dut)
        for name, value in values.items():
            if value != held[name]:
                drive(getattr(dut, name), value)


def _legalize(values: dict, dut) -> None:
    seen: dict = {}

    def state(name):
        if name not in seen:
            seen[name] = read(getattr(dut, name)) if hasattr(dut, name) else None
        return seen[name]

    for c in CONSTRAINTS:
        def env(name):
            return values[name] if name in values else state(name)

        try:
            if cx(c["expr"], env):
                continue
        except (ValueError, KeyError, TypeError, IndexError):
            continue
        stats = CONSTRAINT_STATS.setdefault(c["id"], {"fixed": 0, "unsatisfiable": 0})
        free = [n for n in c.get("inputs", []) if n in values and n in INPUTS
                and n not in HELD and n not in SWEEP]
        random.shuffle(free)
        fixed = False
        for name in free:
            old = values[name]
            for cand in _candidates(name, old):
                values[name] = cand
                if _holds(values, state):
                    fixed = True
                    break
            if fixed:
                break
            values[name] = old
        if not fixed and free:
            old = {n: values[n] for n in free}
            values.update({n: 0 for n in free})
            fixed = _holds(values, state)
            if not fixed:
                values.update(old)
        stats["fixed" if fixed else "unsatisfiable"] += 1


def write_constraint_stats() -> None:
    """The driver's counts, for dv's record (``dv_constraints.json`` in the run directory)."""
    if not CONSTRAINTS:
        return
    out = os.path.dirname(os.environ.get("DV_FUNCTIONAL_COVERAGE", "functional.json")) or "."
    try:
        with open(os.path.join(out, "dv_constraints.json"), "w") as fh:
            json.dump({c["id"]: CONSTRAINT_STATS.get(c["id"], {"fixed": 0, "unsatisfiable": 0})
                       for c in CONSTRAINTS}, fh)
    except OSError:
        pass


__all__ = ["DvTest", "DvChecker", "DvCoverage", "DvEnv", "pyuvm"]
