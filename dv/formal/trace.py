"""Counterexamples and cover witnesses: VCD files and cocotb replays on Verilator.

A solver trace is a list of steps; step ``i`` holds the values of every input and named wire
in clock cycle ``i`` (registers change at the rising edge that ends the cycle). dv writes it

- as a VCD (``write_vcd``): every port and named signal (hierarchy from the dotted names),
  memories word by word, and a synthesised clock: cycle ``i`` spans ``[10 i, 10 i + 10)`` ns
  with the active edge at ``10 i + 5``;
- as a cocotb test module (``replay_module``) that drives the DUT's inputs cycle by cycle
  from the trace (inputs change while the clock is inactive, one active edge per step) after
  writing the step-0 values of the design's registers and memories, where the simulator
  allows it (registers without a reset are arbitrary at step 0 for the solver; the replay
  gives them the solver's values so that simulation follows the same path).

:func:`run_replays` builds the design once with Verilator, with the ORIGINAL properties bound
in (props files as written, spec properties through :func:`dv.gen.harness.props_module`), runs
every replay and says whether simulation reproduced each solver verdict: a counterexample must
stop the simulation on that property, a cover witness must hit that cover point.
"""

from __future__ import annotations

import json
import pprint
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dv import __version__
from dv.design.model import Design
from dv.design.spec import SvaProperty
from dv.files import write_atomic
from dv.formal.engine import Trace

PERIOD_NS = 10


# -- VCD -----------------------------------------------------------------------------------------


def _vcd_id(n: int) -> str:
    chars = []
    n += 1
    while n:
        n, r = divmod(n - 1, 94)
        chars.append(chr(33 + r))
    return "".join(chars)


def vcd_text(trace: Trace, *, top: str, clock: str | None = None,
             negedge: bool = False, comment: str = "") -> str:
    """The VCD of ``trace`` (see the module docstring for the timing)."""
    names = sorted(n for n in trace.widths if n != clock and not n.startswith("$"))
    mems: list[tuple[str, int, int]] = []  # name, words, width
    if trace.memories:
        for name, words in trace.memories[0].items():
            width = max(1, max((v.bit_length() for st in trace.memories for v in st[name]),
                               default=1))
            mems.append((name, len(words), width))
    idents: dict[str, str] = {}
    n = 0
    if clock:
        idents[clock] = _vcd_id(n)
        n += 1
    for name in names:
        idents[name] = _vcd_id(n)
        n += 1
    mem_ids: dict[tuple[str, int], str] = {}
    for name, words, _w in mems:
        for i in range(words):
            mem_ids[(name, i)] = _vcd_id(n)
            n += 1

    out = [f"$comment {comment or 'dv formal trace'} $end",
           f"$version dv {__version__} $end", "$timescale 1ns $end"]
    tree: dict = {}
    for name in names:
        *scopes, leaf = name.split(".")
        node = tree
        for s in scopes:
            node = node.setdefault(s, {})
        node.setdefault("", []).append((leaf, name))

    def emit(node: dict, indent: str) -> None:
        for leaf, name in node.get("", []):
            w = trace.widths[name]
            out.append(f"{indent}$var wire {w} {idents[name]} {leaf}"
                       + (f" [{w - 1}:0]" if w > 1 else "") + " $end")
        for scope, sub in sorted((k, v) for k, v in node.items() if k):
            out.append(f"{indent}$scope module {scope} $end")
            emit(sub, indent + " ")
            out.append(f"{indent}$upscope $end")

    out.append(f"$scope module {top} $end")
    if clock:
        out.append(f" $var wire 1 {idents[clock]} {clock} $end")
    emit(tree, " ")
    for name, words, width in mems:
        out.append(f" $scope module {name} $end")
        for i in range(words):
            out.append(f"  $var wire {width} {mem_ids[(name, i)]} {name}[{i}]"
                       + (f" [{width - 1}:0]" if width > 1 else "") + " $end")
        out.append(" $upscope $end")
    out += ["$upscope $end", "$enddefinitions $end"]

    def val(v: int, w: int, ident: str) -> str:
        return f"{v & 1}{ident}" if w == 1 else f"b{v:b} {ident}"

    last: dict[str, str] = {}
    inactive, active = ("1", "0") if negedge else ("0", "1")
    for i, step in enumerate(trace.steps):
        changes = []
        if clock:
            changes.append(f"{inactive}{idents[clock]}")
        for name in names:
            w = trace.widths[name]
            text = val(step.get(name, 0), w, idents[name])
            if last.get(name) != text:
                changes.append(text)
                last[name] = text
        if i < len(trace.memories):
            for name, words, width in mems:
                for j in range(words):
                    v = trace.memories[i][name][j] if j < len(trace.memories[i][name]) else 0
                    key = f"{name}[{j}]"
                    text = val(v, width, mem_ids[(name, j)])
                    if last.get(key) != text:
                        changes.append(text)
                        last[key] = text
        out.append(f"#{i * PERIOD_NS}")
        out += changes
        if clock:
            out.append(f"#{i * PERIOD_NS + PERIOD_NS // 2}")
            out.append(f"{active}{idents[clock]}")
    out.append(f"#{len(trace.steps) * PERIOD_NS}")
    return "\n".join(out) + "\n"


def write_vcd(path: Path, trace: Trace, **kw: object) -> None:
    write_atomic(path, vcd_text(trace, **kw))  # type: ignore[arg-type]


# -- cocotb replay -------------------------------------------------------------------------------


def module_name(prop_name: str) -> str:
    return "replay_" + re.sub(r"\W", "_", prop_name).strip("_")


CTL_MODULE = "dv_replay_ctl"
CTL_INSTANCE = "dv_replay_ctl_i"


def ctl_module(top: str) -> str:
    """A module bound into the DUT through which a replay switches assertions off: a cover
    witness may violate an assertion on the way (the solver looks for covers without assuming
    the asserts), and Verilator would stop there before counting the cover."""
    return f"""// Generated by dv {__version__} (dv/formal/trace.py): assertion control for replays.
module {CTL_MODULE};
    logic checks_off = 1'b0;
    // $assertcontrol(Off=4 / On=3, every assertion type, assert|assume directives): covers stay
    always @(checks_off) begin
        if (checks_off) $assertcontrol(4, 255, 5);
        else $assertcontrol(3, 255, 5);
    end
endmodule

bind {top} {CTL_MODULE} {CTL_INSTANCE}();
"""


def replay_module(design: Design, trace: Trace, *, prop_name: str, verdict: str,
                  extra_cycles: int = 1, checks_off: bool = False,
                  skip_instances: Sequence[str] = ()) -> str:
    """A cocotb test module that drives ``design``'s inputs from ``trace``; ``checks_off``
    switches the assertions off first (for cover witnesses); signals under
    ``skip_instances`` (the solver's monitor, absent from simulation) are not written."""
    clock = design.clock
    if clock is None:
        raise ValueError(f"design {design.top} has no clock")
    inputs = [p for p in design.ports if p.direction == "input" and p.name != clock.name]
    steps = [{p.name: trace.steps[i].get(p.name, 0) & ((1 << p.width) - 1) for p in inputs}
             for i in range(len(trace.steps))]
    # step 0 of every named signal but the inputs: registers take the solver's values (the
    # simulator recomputes combinational ones), hierarchical names go down the instances
    skip = {p.name for p in design.ports if p.direction == "input"}
    init: dict[str, int | list[int]] = {}
    if trace.steps:
        for name, value in sorted(trace.steps[0].items()):
            if name not in skip and "$" not in name and \
                    not any(s in name.split(".")[:-1] for s in skip_instances):
                init[name] = value
    if trace.memories:
        for name, words in trace.memories[0].items():
            if not any(s in name.split(".")[:-1] for s in skip_instances):
                init[name] = list(words)
    steps_text = pprint.pformat(steps, width=96, compact=True)
    init_text = pprint.pformat(init, width=96, compact=True)
    negedge = clock.edge == "negedge"
    return f'''"""Replay of a dv prove trace for '{design.top}': {prop_name} {verdict}.

Generated by dv {__version__} (dv/formal/trace.py). Drives the inputs cycle by cycle from the
solver's trace: inputs change while the clock is inactive, one active clock edge per step.
"""
# ruff: noqa
import cocotb
from cocotb.triggers import Timer

CLOCK = {clock.name!r}
NEGEDGE = {negedge!r}
PERIOD_NS = {PERIOD_NS}
EXTRA_CYCLES = {extra_cycles}
CHECKS_OFF = {checks_off!r}  # assertions off (a cover witness may break one on the way)
# step-0 values of registers and memories (arbitrary for the solver when not reset)
INIT = {init_text}
# input values per step
STEPS = {steps_text}


def _handle(dut, name):
    for part in name.split("."):
        dut = getattr(dut, part)
    return dut


def _deposit(dut, name, value):
    try:
        handle = _handle(dut, name)
        if isinstance(value, list):
            for i, v in enumerate(value):
                handle[i].value = v
        else:
            handle.value = value
    except Exception:  # not writable in this simulator build: the replay still runs
        pass


def _read(dut, name, value):
    try:
        handle = _handle(dut, name)
        if isinstance(value, list):
            return [handle[i].value.to_unsigned() for i in range(len(value))]
        return handle.value.to_unsigned()
    except Exception:
        return None


@cocotb.test()
async def replay(dut):
    clk = getattr(dut, CLOCK)
    inactive, active = (1, 0) if NEGEDGE else (0, 1)
    clk.value = inactive
    if CHECKS_OFF:
        getattr(dut, {CTL_INSTANCE!r}).checks_off.value = 1
    for name, value in INIT.items():
        _deposit(dut, name, value)
    steps = STEPS + STEPS[-1:] * EXTRA_CYCLES
    for i, step in enumerate(steps):
        for name, value in step.items():
            getattr(dut, name).value = value
        if i == 0:
            await Timer(1, "ns")
            # the simulator cannot set every register (top-level output ports, for one)
            missed = [n for n, v in INIT.items() if _read(dut, n, v) not in (v, None)]
            if missed:
                dut._log.warning("dv-replay-init-mismatch %s", " ".join(missed))
            await Timer(PERIOD_NS // 2 - 1, "ns")
        else:
            await Timer(PERIOD_NS // 2, "ns")
        clk.value = active
        await Timer(PERIOD_NS // 2, "ns")
        clk.value = inactive
    await Timer(PERIOD_NS // 2, "ns")
'''


@dataclass
class ReplayItem:
    name: str  # property name
    kind: str  # assert | assume | cover
    label: str | None
    file: str  # property source file as shown
    line: int
    module: str  # cocotb module name
    origin: str  # rtl | props | spec
    scope: str = ""  # instance path when the statement has several instances ("u1.chk_i")


@dataclass
class ReplayOutcome:
    status: str  # confirmed | blocked | inconclusive | disagreement | error
    message: str
    run_dir: str = ""


def sim_sources(design: Design, rtl_files: Sequence[Path], props_files: Sequence[Path],
                spec_props: Sequence[SvaProperty], spec_path: str | None,
                work_dir: Path) -> tuple[list[str], bool]:
    """Sources for the replay build (RTL, props files as written, spec properties bound with
    a ``dv-prop-fail`` action) and whether they need ``--timing``."""
    from dv.gen import harness

    sources = [str(f) for f in rtl_files] + [str(p) for p in props_files]
    timing = any("##" in p.read_text(errors="replace")
                 for p in [*props_files, *rtl_files])  # inline SVA in the RTL too
    work_dir.mkdir(parents=True, exist_ok=True)
    ctl = work_dir / f"{CTL_MODULE}.sv"
    if not ctl.is_file() or ctl.read_text() != ctl_module(design.top):
        write_atomic(ctl, ctl_module(design.top))
    sources.append(str(ctl))
    if spec_props:
        text = harness.props_module(design, list(spec_props), spec_path or "spec")
        path = work_dir / spec_props_name(design.top)
        if not path.is_file() or path.read_text() != text:
            write_atomic(path, text)
        sources.append(str(path))
        timing = timing or any("##" in p.text for p in spec_props)
    return sources, timing


def spec_props_name(top: str) -> str:
    return f"{top}_spec_props.sv"


def run_replays(design: Design, items: Sequence[ReplayItem], *, sources: list[str],
                timing: bool, traces_dir: Path, build_root: Path, runs_dir: Path,
                includes: Sequence[Path] = (),
                parallel: int | None = None, timeout: float = 120.0,
                refuted: Sequence[ReplayItem] = ()) -> dict[str, ReplayOutcome]:
    """Build once, run every replay module in ``traces_dir``, judge each outcome.

    ``refuted`` lists every property the solver refuted: a counterexample that stops the
    simulation on one of those first is ``blocked``, not a disagreement."""
    from dv.cov.datfile import read_dat
    from dv.sim.build import BuildConfig, build
    from dv.sim.run import TestJob, run_tests

    if not items:
        return {}
    cfg = BuildConfig(top=design.top, sources=sources, parameters=dict(design.overrides),
                      defines={"FORMAL": "", **design.defines},
                      includes=[str(i) for i in includes],
                      coverage=True, assertions=True, timing=timing)
    b = build(cfg, build_root)
    jobs = [TestJob(name=it.module, module=it.module, testcase="replay", seed=1,
                    python_path=(str(traces_dir),), timeout=timeout) for it in items]
    results = run_tests(b, jobs, runs_dir, parallel=parallel)
    spec_file = spec_props_name(design.top)
    out: dict[str, ReplayOutcome] = {}
    for it, res in zip(items, results, strict=True):
        run_dir = str(res.run_dir)
        if it.kind == "cover":
            hits: list[str] = []
            if res.coverage_file.is_file():
                cov = read_dat(res.coverage_file)
                for p in cov.points.values():
                    if p.kind == "user" and p.count > 0 and _cover_matches(p, it, spec_file):
                        hits.append(f"{Path(p.file).name}:{p.line} {p.comment}".strip())
            if hits:
                out[it.name] = ReplayOutcome("confirmed", f"simulation hit {hits[0]}", run_dir)
            elif res.status in ("error", "timeout"):
                out[it.name] = ReplayOutcome("error", _first_line(res.message), run_dir)
            else:
                extra = f" ({res.status}: {_first_line(res.message)})" \
                    if res.status != "passed" else ""
                out[it.name] = ReplayOutcome(
                    "disagreement", "the solver's witness did not hit the cover point in "
                    f"simulation{extra}", run_dir)
            continue
        if res.status == "failed" and _failure_matches(res.message, it):
            out[it.name] = ReplayOutcome("confirmed", _first_line(res.message), run_dir)
        elif res.status == "failed":
            other = next((o for o in refuted if o.name != it.name
                          and _failure_matches(res.message, o)), None)
            if other is not None:
                out[it.name] = ReplayOutcome(
                    "blocked", f"simulation stopped first on {other.name}, which the solver "
                    "refuted too: " + _first_line(res.message), run_dir)
            else:
                out[it.name] = ReplayOutcome(
                    "disagreement", "simulation failed on something else: "
                    + _first_line(res.message), run_dir)
        elif res.status in ("error", "timeout"):
            out[it.name] = ReplayOutcome("error", _first_line(res.message), run_dir)
        else:
            out[it.name] = ReplayOutcome(
                "disagreement", "the counterexample ran in simulation without failing the "
                "property", run_dir)
    for it, res in zip(items, results, strict=True):
        o = out[it.name]
        missed = _init_mismatch(res.log)
        if o.status == "disagreement" and missed:
            out[it.name] = ReplayOutcome(
                "inconclusive", f"{o.message}; but the trace starts from register values the "
                f"simulator could not set ({', '.join(missed)})", o.run_dir)
    return out


def _init_mismatch(log: Path) -> list[str]:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return []
    m = re.search(r"dv-replay-init-mismatch ([^\n]*)", text)
    return m.group(1).split() if m else []


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else ""


def _failure_matches(message: str, it: ReplayItem) -> bool:
    if it.origin == "spec":
        return bool(it.label and re.search(r"dv-prop-fail " + re.escape(it.label) + r"\b",
                                           message))
    base = Path(it.file).name
    if not re.search(re.escape(base) + r":" + str(it.line) + r"\b", message):
        return False
    # one statement, several instances: the failure must be this instance's
    m = re.search(r"Assertion failed in (\S+?):?\s", message)
    if it.scope and m:
        return f".{it.scope}." in f".{m.group(1)}."
    return True


def _cover_matches(point: object, it: ReplayItem, spec_file: str) -> bool:
    file = Path(str(getattr(point, "file", ""))).name
    line = int(getattr(point, "line", 0))
    comment = str(getattr(point, "comment", ""))
    if it.origin == "spec":
        return file == spec_file and bool(it.label) and comment == it.label
    return file == Path(it.file).name and line == it.line


def trace_json(trace: Trace) -> dict:
    return {"steps": trace.steps, "memories": trace.memories, "widths": trace.widths}


def dump_trace_json(path: Path, trace: Trace) -> None:
    write_atomic(path, json.dumps(trace_json(trace), indent=None))
