"""Harness speed: the generated pyuvm environment against a minimal hand-written cocotb loop.

Both run on the same Verilator build, one after the other in this process's run (never in
parallel, so they do not share the cores), with the same per-cycle work asked of them: a
fresh random value on every data input each clock cycle, one clock edge awaited per cycle, the
outputs read. The minimal loop is the floor of what any cocotb testbench costs; the ratio
(environment cycles/s divided by the loop's) is what the generated structure (sequence,
driver, monitor, checker, coverage) costs on top. Issue #14: the ratio should be >= 0.5.

The minimal loop reads outputs the plain cocotb way (``handle.value``, which builds a Logic
object per bit). The generated environment reads the simulator's bit string into an int
instead (cocotb's own reading only for X/Z), which is much of its gain; so a second baseline,
the same loop reading the environment's way ("raw"), is measured too: ``vs raw`` is what the
pyuvm structure itself (sequence, driver, monitor, checker, coverage) costs.

Cycles/s counts simulated clock cycles (simulated time over the period) per second of the
test's own wall time as cocotb records it (results.xml), so process start-up and the build
are left out of every side.

    python bench/harness_speed.py [--examples fifo,traffic] [--cycles 20000] [--repeat 2]

``bench/closure.py`` calls :func:`measure` on each closure run's build and prints the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dv.design.model import Design  # noqa: E402
from dv.gen import harness  # noqa: E402
from dv.sim.build import Build, BuildConfig, build  # noqa: E402
from dv.sim.run import SimResult, TestJob, run_tests  # noqa: E402

ENV_TEST_MODULE = "dv_speed_env"
LOOP_TEST_MODULE = "dv_speed_loop"
PERIOD_NS = 10  # the generated environment's default period (harness.design_description)

# The minimal loop. Everything a testbench of this design must do at the least, written
# plainly: handles looked up once, one falling-edge trigger awaited per cycle, a random value
# written on each data input, every output read. DV_SPEED_REPLAY (tests only) names an output
# trace of the environment (DV_OUTPUT_TRACE): its inputs are driven instead of random ones,
# and the outputs read are written to DV_SPEED_OUT in the trace's line format, so a test can
# check that the environment and the loop see the same design.
LOOP_MODULE = '''"""Minimal cocotb loop of the harness-speed benchmark (bench/harness_speed.py)."""
import json
import os
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, Timer

DESIGN = {design!r}
CYCLES = {cycles!r}


def level(value, width, depth):
    return value if depth == 1 else [value] * depth


def put(handle, value):
    if isinstance(value, list):
        for i, v in zip(handle.range, value):
            handle[i].value = v
    else:
        handle.value = value


def get(handle):
    if isinstance(handle, cocotb.handle.ArrayObject):
        return [get(handle[i]) for i in handle.range]
    v = handle.value
    return int(v) if v.is_resolvable else None


def raw_reader(handle):
    """The simulator's bit string to an int, as the generated environment reads (the loop's
    "raw" variant, DV_SPEED_READ=raw)."""
    if isinstance(handle, cocotb.handle.ArrayObject):
        return lambda: get(handle)
    raw = handle._handle.get_signal_val_binstr

    def read():
        try:
            return int(raw(), 2)
        except ValueError:
            return None

    return read


@cocotb.test()
async def minimal_loop(dut):
    rng = random.Random(1)
    clock, period = DESIGN["clock"], DESIGN["settle_ns"]
    held = {{**DESIGN.get("held", {{}})}}
    ins = [(getattr(dut, n), s["width"], s.get("depth", 1), held.get(n))
           for n, s in DESIGN["inputs"].items()]
    outs = [getattr(dut, n) for n in DESIGN["outputs"]]
    resets = [(getattr(dut, r["name"]), r["active"]) for r in DESIGN["resets"]]
    for h, w, d, fixed in ins:
        put(h, level(0, w, d) if fixed is None else fixed)
    if clock is not None:
        clk = getattr(dut, clock["name"])
        cocotb.start_soon(Clock(clk, clock["period_ns"], unit="ns").start())
        edge = FallingEdge(clk)
    else:
        edge = Timer(period, unit="ns")
    for h, active in resets:
        h.value = active
    replay = os.environ.get("DV_SPEED_REPLAY")
    if replay:  # the agreement check of the tests, not the timed loop
        await replay_trace(edge, ins, outs, resets, replay)
        return
    for _ in range(3):
        await edge
    for h, active in resets:
        h.value = 1 - active
    if os.environ.get("DV_SPEED_READ") == "raw":
        readers = [raw_reader(h) for h in outs]
        for _ in range(CYCLES):
            await edge
            for h, w, d, fixed in ins:
                if fixed is not None:
                    continue
                if d == 1:
                    h.value = rng.getrandbits(w)
                else:
                    put(h, [rng.getrandbits(w) for _ in range(d)])
            for r in readers:
                r()
        return
    for _ in range(CYCLES):
        await edge
        for h, w, d, fixed in ins:
            if fixed is not None:
                continue
            if d == 1:
                h.value = rng.getrandbits(w)
            else:
                put(h, [rng.getrandbits(w) for _ in range(d)])
        for h in outs:
            get(h)


def apply(step, ins, resets):
    for h, active in resets:
        h.value = active if step[0] else 1 - active
    for (h, w, d, fixed), v in zip(ins, step[1]):
        put(h, v)


async def replay_trace(edge, ins, outs, resets, path):
    with open(path) as fh:
        lines = fh.read().splitlines()
    steps = [json.loads(ln) for ln in lines[1:] if ln]
    seen = []
    # the trace's line k holds the inputs on the pins at the k-th falling edge (those the
    # design sampled at the rising edge before it) and the outputs that edge produced: line
    # 0's inputs go on before the first edge, line k+1's at edge k
    if steps:
        apply(steps[0], ins, resets)
    for k in range(len(steps)):
        await edge
        seen.append(json.dumps([steps[k][0], steps[k][1], [get(h) for h in outs]],
                               separators=(",", ":")))
        if k + 1 < len(steps):
            apply(steps[k + 1], ins, resets)
    with open(os.environ["DV_SPEED_OUT"], "w") as fh:
        fh.write("\\n".join(seen) + "\\n")
'''

ENV_MODULE = '''"""Harness-speed test of the generated environment (bench/harness_speed.py)."""
import pyuvm

from {env} import DvTest


@pyuvm.test()
class generated_env(DvTest):
    """uniform random data on every input for CYCLES cycles"""

    PLAN = {{"segments": [{{"cycles": {cycles!r}, "default_bias": 0.5, "data": "uniform",
                           "corner_p": 0.0}}]}}
'''


@dataclass
class Speed:
    """Cycles per second of each side; ``raw_cps`` is the minimal loop reading outputs as the
    environment does (the simulator's bit string), 0 when not measured."""

    design: str
    env_cps: float
    loop_cps: float
    raw_cps: float = 0.0

    @property
    def ratio(self) -> float:
        """The environment's speed over the minimal (plain cocotb) loop's: issue #14's figure."""
        return self.env_cps / self.loop_cps if self.loop_cps else 0.0

    @property
    def raw_ratio(self) -> float:
        """The environment's speed over the raw-read loop's: what the pyuvm structure costs."""
        return self.env_cps / self.raw_cps if self.raw_cps else 0.0


def write_modules(design: Design, out: Path, cycles: int) -> Path:
    """The environment, its one speed test and the minimal loop, in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    env = harness.env_module_name(design.top)
    (out / f"{env}.py").write_text(harness.env_module(design))
    (out / f"{ENV_TEST_MODULE}.py").write_text(ENV_MODULE.format(env=env, cycles=cycles))
    desc = harness.design_description(design, PERIOD_NS)
    (out / f"{LOOP_TEST_MODULE}.py").write_text(LOOP_MODULE.format(design=desc, cycles=cycles))
    return out


def _cps(res: SimResult) -> float:
    """Simulated clock cycles per second of the test's own wall time (results.xml)."""
    if res.status != "passed" or not res.tests:
        raise RuntimeError(f"harness-speed run {res.job.name} {res.status}: {res.message} "
                           f"(log: {res.log})")
    seconds = sum(t.seconds for t in res.tests)
    return res.sim_time_ns / PERIOD_NS / seconds if seconds else 0.0


# the runs measure() makes: (name, test module, extra environment)
VARIANTS = (("env", ENV_TEST_MODULE, ()), ("loop", LOOP_TEST_MODULE, ()),
            ("raw", LOOP_TEST_MODULE, (("DV_SPEED_READ", "raw"),)))


def measure(bld: Build, design: Design, out: Path, *, cycles: int = 20_000,
            repeat: int = 1, seed: int = 1, raw: bool = True,
            env: dict[str, str] | None = None) -> Speed:
    """Run the environment and the minimal loop (and, with ``raw``, the raw-read loop) on
    ``bld`` one after the other, ``repeat`` times each, alternating; each side's best run
    counts (the one least disturbed by other load on the machine)."""
    mods = write_modules(design, out / "modules", cycles)
    best: dict[str, float] = {}
    for i in range(repeat):
        for name, module, extra in VARIANTS:
            if name == "raw" and not raw:
                continue
            job = TestJob(name=f"{name}_{i}", module=module, testcase=None, seed=seed,
                          python_path=(str(mods.resolve()),), timeout=600.0,
                          env=extra + tuple((env or {}).items()))
            res = run_tests(bld, [job], out / "runs", parallel=1)[0]
            best[name] = max(best.get(name, 0.0), _cps(res))
    return Speed(design.top, best["env"], best["loop"], best.get("raw", 0.0))


def _examples(selected: list[str] | None):
    from bench.closure import examples

    return examples(selected)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", default="fifo,traffic", help="comma-separated example names")
    ap.add_argument("--cycles", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--keep", default=None, help="directory for outputs (default: a temp dir)")
    ap.add_argument("--profile", action="store_true",
                    help="also write cocotb's cProfile of each run (COCOTB_ENABLE_PROFILING)")
    args = ap.parse_args()
    from dv.design.frontend import load_design

    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="dv-speed-"))
    os.chdir(ROOT)
    rows = []
    for name, rtl, _spec in _examples(args.examples.split(",")):
        design = load_design([rtl.relative_to(ROOT)], root=ROOT)
        t0 = time.monotonic()
        bld = build(BuildConfig(top=design.top, sources=list(design.files),
                                parameters=dict(design.overrides),
                                defines=dict(design.defines),
                                includes=list(design.include_dirs)), out / "build")
        print(f"{name}: built in {time.monotonic() - t0:.1f} s", flush=True)
        env = {"COCOTB_ENABLE_PROFILING": "1"} if args.profile else None
        rows.append(measure(bld, design, out / name, cycles=args.cycles, repeat=args.repeat,
                            env=env))
    print()
    print(f"{'design':10s} {'env cyc/s':>10s} {'loop cyc/s':>10s} {'harness':>7s} "
          f"{'raw cyc/s':>10s} {'vs raw':>6s}")
    for r in rows:
        print(f"{r.design:10s} {r.env_cps:10.0f} {r.loop_cps:10.0f} {r.ratio:7.2f} "
              f"{r.raw_cps:10.0f} {r.raw_ratio:6.2f}")
    print("harness: generated environment cyc/s / minimal cocotb loop cyc/s (issue #14: >= 0.5);"
          " vs raw: / the same loop reading outputs as the environment does")
    print(f"outputs: {out}")
    print(json.dumps([{"design": r.design, "env_cps": round(r.env_cps),
                       "loop_cps": round(r.loop_cps), "raw_cps": round(r.raw_cps),
                       "ratio": round(r.ratio, 3), "raw_ratio": round(r.raw_ratio, 3)}
                      for r in rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
