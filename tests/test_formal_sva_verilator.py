"""Side by side in Verilator: the original concurrent SVA and the lowered monitor.

One Verilator build (``--binary --timing --assert``) holds three example designs and a small
synthetic one. Each design gets its lowered monitor (bound into it, as emitted) and, bound the
same way, a checker holding the ORIGINAL property statements, which Verilator simulates
natively. A testbench drives random stimulus (reset pulses included, so ``disable iff`` is
exercised) and prints the monitor's inputs every tick. Three views must flag failures at the
same ticks, property by property:

1. Verilator's own concurrent assertions (action block prints),
2. the monitor's immediate assertions as Verilator runs them,
3. the monitor as run by the interpreter of tests/test_formal_sva_interp.py on the printed
   inputs (this is what checks the interpreter that the hypothesis test relies on).

Some properties are deliberately wrong so that there are failures to compare.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_formal_sva_interp import MonitorSim, stub_design

from dv.design.frontend import load_design
from dv.design.model import Design
from dv.design.spec import SvaProperty, parse_spec
from dv.formal.sva import LoweredModule, lower_properties
from dv.sim.tools import find_verilator

ROOT = Path(__file__).resolve().parent.parent
TICKS = 400
SEED = 11

# example properties to keep (by label) and deliberately wrong ones to add
EXTRA = {
    "uart_tx": [
        "bad_frame: assert property (@(posedge clk) disable iff (rst) valid && ready |=> "
        "busy [*10*CLKS_PER_BIT - 2] ##1 !busy);",
        "bad_first_bit: assert property (@(posedge clk) disable iff (rst) valid && ready |-> "
        "##(CLKS_PER_BIT + 1) tx == $past(data[1], CLKS_PER_BIT + 1));",
        "bad_busy: assert property (@(posedge clk) disable iff (rst) $rose(busy) |=> "
        "##[1:3] !tx ##1 tx);",
    ],
    "traffic": [
        "bad_served: assert property (@(posedge clk) disable iff (!rst_n) "
        "ped_req |-> ##[0:3] walk);",
        "bad_walk: assert property (@(posedge clk) disable iff (!rst_n) "
        "$rose(walk) |=> walk [*1:2] ##1 ns_green);",
    ],
    "skid": [
        "bad_pass: assert property (@(posedge clk) disable iff (!rst_n) "
        "s_valid && s_ready |=> ##1 m_valid && m_data == $past(s_data, 2));",
        "bad_stall: assert property (@(posedge clk) disable iff (!rst_n) "
        "m_valid && !m_ready |=> s_ready or ##1 s_ready);",
    ],
}
KEEP = {
    "uart_tx": ["start_bit", "first_data_bit", "frame_length", "idle_high"],
    "traffic": ["walk_safe", "ped_served", "one_lamp_each"],
    "skid": ["stall_stable", "pass_through", "catch_on_stall"],
}
SYNTHETIC = [
    "s1: assert property (@(posedge clk) disable iff (r) a |=> b);",
    "s2: assert property (@(posedge clk) disable iff (r) a ##1 b |-> ##[1:3] c);",
    "s3: assert property (@(posedge clk) disable iff (r) a [*2] |=> d != 2'd0 [*1:2] ##1 b);",
    "s4: assert property (@(posedge clk) disable iff (r) $rose(a) |-> $past(d, 2) == d || c);",
    "s5: assert property (@(posedge clk) disable iff (r) a |-> b |=> c);",
    "s6: assert property (@(posedge clk) disable iff (r) a ##[0:2] b |=> !c ##1 $stable(d));",
    "s7: assert property (@(posedge clk) disable iff (r) ##1 a or ##2 b);",
    "s8: assert property (@(posedge clk) a && b |-> ##2 c);",
    "s9: assert property (@(posedge clk) disable iff (r) $onehot(d) |=> "
    "$countones({a, b, c}) < 2);",
    "s10: assert property (@(posedge clk) disable iff (r) a ##1 b ##1 c |=> d == 2'd2);",
    "s11: assert property (@(posedge clk) disable iff (r) a |=> b [*3]);",
    "s12: assert property (@(posedge clk) disable iff (r) $fell(b) |-> ##2 $changed(d));",
    "s13: assert property (@(posedge clk) disable iff (r) a && $past(b, 3) |=> c ##1 !a);",
    "s14: assert property (@(posedge clk) disable iff (r) b [*2] ##1 c |-> a || d[0]);",
    "s15: assert property (@(posedge clk) disable iff (r) c |-> ##[1:4] a && b);",
]
# Verilator 5.048 gets these wrong (checked by hand on the traces; the monitor follows IEEE
# 1800): a range followed by more sequence ('##[1:3] !tx ##1 tx' never fails), a repetition
# range followed by more ('walk [*1:2] ##1 ns_green' fails as soon as its shortest thread fails),
# sequence 'or' (never fails), a nested implication ('a |-> b |=> c' checks c in the tick of a),
# a range or a repetition in the antecedent ('a ##[0:2] b |=> ...', 'b [*2] ##1 c |-> ...'
# never fire) and a repetition when attempts overlap ('a |=> b [*3]' misses failures of the
# later attempt). For them only the monitor's immediate assertions in Verilator and the
# interpreter are compared.
VERILATOR_WRONG = {"bad_busy", "bad_walk", "bad_stall", "s3", "s5", "s6", "s7", "s11", "s14"}

MEANT_TO_FAIL = {t.split(":")[0] for t in SYNTHETIC + [x for v in EXTRA.values() for x in v]}


@dataclass
class Case:
    design: Design
    sources: list[str]
    props: list[SvaProperty]
    lowered: LoweredModule
    reset: tuple[str, bool] | None  # name, active low


def _ports_and_bind(lowered: LoweredModule) -> tuple[str, str]:
    text = lowered.text
    ports = text[text.index("(", text.index(f"module {lowered.module_name}")) + 1:
                 text.index(");")]
    bind = next(line for line in text.splitlines() if line.startswith("bind "))
    return ports, bind


def orig_checker(case: Case) -> str:
    """The original properties, with action blocks, in a module bound like the monitor."""
    top = case.design.top
    ports, bind = _ports_and_bind(case.lowered)
    lines = [f"module {top}_orig_chk ({ports});"]
    lines += [ln for ln in case.lowered.text.splitlines() if ln.strip().startswith("localparam")]
    for p in case.props:
        body = re.sub(r"^\s*\w+\s*:\s*", "", p.text).rstrip().rstrip(";")
        lines.append(f"    orig_{p.label}: {body} else $display(\"ORIG {top}.{p.label} %0t\", "
                     "$time);")
    lines.append("endmodule")
    lines.append(bind.replace(f" {case.lowered.module_name} dv_mon_i ",
                              f" {top}_orig_chk orig_i "))
    return "\n".join(lines) + "\n"


def _mon_ports(case: Case) -> list[str]:
    ports, _ = _ports_and_bind(case.lowered)
    return [p.split()[-1] for p in ports.split(",")]


def make_testbench(cases: list[Case]) -> str:
    lines = ["module tb;", "    logic clk = 1'b0;", "    always #5 clk = ~clk;"]
    drive: list[str] = []
    for c in cases:
        d = c.design
        inst = f"u_{d.top}"
        conns = []
        for p in d.ports:
            sig = f"{inst}_{p.name}"
            rng = f" [{p.width - 1}:0]" if p.width > 1 else ""
            if p.name == d.clock.name:
                conns.append(f".{p.name}(clk)")
                continue
            init = ""
            if c.reset and p.name == c.reset[0]:
                init = " = 1'b0" if c.reset[1] else " = 1'b1"
            lines.append(f"    logic{rng} {sig}{init};")
            conns.append(f".{p.name}({sig})")
            if p.direction != "input":
                continue
            if c.reset and p.name == c.reset[0]:
                on, off = ("1'b0", "1'b1") if c.reset[1] else ("1'b1", "1'b0")
                drive.append(f"        {sig} = (i < 6 || ($urandom % 100) < 3) ? {on} : {off};")
            else:
                drive.append(f"        {sig} = {p.width}'($urandom);")
        lines.append(f"    {d.top} {inst} ({', '.join(conns)});")
        vals = ", ".join(f"{inst}.dv_mon_i.{n}" for n in _mon_ports(c))
        fmt = " ".join("%0d" for _ in _mon_ports(c))
        lines.append(f"    always @(posedge clk) $display(\"VAL {d.top} %0t {fmt}\", "
                     f"$time, {vals});")
    lines += ["    initial begin", f"        void'($urandom({SEED}));",
              f"        for (int i = 0; i < {TICKS}; i++) begin", "        @(negedge clk);"]
    lines += drive
    lines += ["        end", "        $finish;", "    end", "endmodule"]
    return "\n".join(lines) + "\n"


def _example(top: str) -> Case:
    d = ROOT / "rtl_examples" / top
    sv = sorted(str(p) for p in d.glob("*.sv"))
    design = load_design(sv, root=ROOT)
    spec = parse_spec(d / f"{top}.md")
    props = [p for p in spec.properties if p.label in KEEP[top]]
    props += [SvaProperty(text=t, line=900 + i, label=t.split(":")[0])
              for i, t in enumerate(EXTRA[top])]
    lowered = lower_properties(props, design, source_file=str(d / f"{top}.md"))
    r = design.reset
    return Case(design, sv, props, lowered, (r.name, r.active_low) if r else None)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[list[Case], str]:
    work = tmp_path_factory.mktemp("sva_verilator")
    cases = [_example(t) for t in ("uart_tx", "traffic", "skid")]
    syn = stub_design("sva_syn", {"a": 1, "b": 1, "c": 1, "d": 2, "r": 1})
    syn_sv = work / "sva_syn.sv"
    syn_sv.write_text("module sva_syn(input logic clk, input logic a, b, c, r, "
                      "input logic [1:0] d);\nendmodule\n")
    props = [SvaProperty(text=t, line=i + 1, label=t.split(":")[0])
             for i, t in enumerate(SYNTHETIC)]
    cases.append(Case(syn, [str(syn_sv)], props,
                      lower_properties(props, syn, source_file="synthetic.sv"), ("r", False)))
    files = []
    for c in cases:
        files += c.sources
        for name, text in ((f"{c.design.top}_mon.sv", c.lowered.text),
                           (f"{c.design.top}_orig.sv", orig_checker(c))):
            (work / name).write_text(text)
            files.append(str(work / name))
    (work / "tb.sv").write_text(make_testbench(cases))
    files.append(str(work / "tb.sv"))
    tool = find_verilator()
    cmd = [tool.executable, "--binary", "--timing", "--assert", "-Wno-fatal",
           "-CFLAGS", "-fcoroutines", "-CFLAGS", "-std=c++20", "--top-module", "tb",
           "--build-jobs", "2", "-Mdir", str(work / "obj"), *files]
    b = subprocess.run(cmd, env=tool.env(), capture_output=True, text=True, timeout=600)
    assert b.returncode == 0, b.stdout[-3000:] + b.stderr[-3000:]
    r = subprocess.run([str(work / "obj" / "Vtb"), "+verilator+error+limit+1000000"],
                       capture_output=True, text=True, timeout=300)
    (work / "sim.log").write_text(r.stdout + r.stderr)
    return cases, r.stdout + r.stderr


def _tick(time: str) -> int:
    return (int(time) - 5) // 10


def test_original_sva_and_monitor_fail_at_the_same_ticks(run):
    cases, out = run
    orig: dict[str, set[int]] = {}
    mon: dict[str, set[int]] = {}
    values: dict[str, list[list[int]]] = {}
    for line in out.splitlines():
        if m := re.match(r"ORIG (\w+\.\w+) (\d+)", line):
            orig.setdefault(m.group(1), set()).add(_tick(m.group(2)))
        elif m := re.match(r"\[(\d+)\] %Error: .*Assertion failed in tb\.u_(\w+)\.dv_mon_i\."
                           r"(\w+)", line):
            mon.setdefault(f"{m.group(2)}.{m.group(3)}", set()).add(_tick(m.group(1)))
        elif line.startswith("VAL "):
            parts = line.split()
            values.setdefault(parts[1], []).append([int(v) for v in parts[3:]])
    failing = 0
    problems: list[str] = []
    for c in cases:
        top = c.design.top
        names = _mon_ports(c)
        ticks = [dict(zip(names, v, strict=True)) for v in values[top]]
        assert len(ticks) >= TICKS
        sim = MonitorSim(c.design, c.lowered.text, dut_text="\n".join(
            Path(s).read_text() for s in c.sources))
        trace = sim.run(ticks, watch=[p.fail_signal for p in c.lowered.properties])
        for p in c.lowered.properties:
            key = f"{top}.{p.name}"
            want = orig.get(key, set())
            interp = {t for t, v in enumerate(trace.values) if v[p.fail_signal]}
            if p.name in VERILATOR_WRONG:
                want = mon.get(key, set())
            if mon.get(key, set()) != want or interp != want:
                problems.append(f"{key}: verilator-sva-only {sorted(want - interp)} "
                                f"monitor-only {sorted(interp - want)} "
                                f"immediate-vs-interp {sorted(mon.get(key, set()) ^ interp)}")
            if p.name in MEANT_TO_FAIL:
                if not want:
                    problems.append(f"{key} was meant to fail under random stimulus")
                failing += 1
            elif want:
                problems.append(f"{key}: the example property fails")
    assert not problems, "\n".join(problems)
    assert failing >= 10
