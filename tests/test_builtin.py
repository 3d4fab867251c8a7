"""The built-in generator: literal parsing, constraints read from holes, round plans."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dv.cov.holes import Hole
from dv.cov.model import CoverPoint
from dv.design.model import Clock, Design, Parameter, Port, Reset
from dv.gen.base import RoundContext
from dv.gen.builtin import BuiltinGenerator, hole_constraints, parse_literal


def _design() -> Design:
    return Design(
        top="alu", files=["alu.sv"],
        parameters=[Parameter("W", 8), Parameter("OP_ADD", 3, overridable=False)],
        ports=[Port("clk", "input", 1), Port("rst", "input", 1), Port("op", "input", 3),
               Port("a", "input", 8), Port("go", "input", 1), Port("y", "output", 8)],
        clocks=[Clock("clk")], resets=[Reset("rst", active_low=False, asynchronous=False)])


def _hole(kind="branch", comment="if", conditions=(), signals=()) -> Hole:
    p = CoverPoint(kind=kind, file="alu.sv", line=10, column=1, comment=comment, hier="alu")
    return Hole(point=p, source="", conditions=tuple(conditions), signals=tuple(signals))


@given(st.integers(min_value=0, max_value=2**40), st.sampled_from("bodh"), st.booleans())
def test_parse_literal_round_trips_sized_literals(value, base, underscore):
    digits = {"b": f"{value:b}", "o": f"{value:o}", "d": f"{value}", "h": f"{value:x}"}[base]
    if underscore and len(digits) > 2:
        digits = digits[:1] + "_" + digits[1:]
    width = max(1, value.bit_length())
    assert parse_literal(f"{width}'{base}{digits}") == value
    assert parse_literal(f"'{base}{digits}") == value


def test_parse_literal_names_and_unknowns():
    d = _design()
    assert parse_literal("OP_ADD", d) == 3
    assert parse_literal("42") == 42
    assert parse_literal("'1") == 1
    assert parse_literal("4'b1x0z") is None
    assert parse_literal("NOT_A_PARAM", d) is None


def test_constraints_from_case_and_if_conditions():
    d = _design()
    h = _hole(conditions=["!(rst)", "(op) == 3'b101", "go"])
    assert hole_constraints(h, d) == {"op": {5}, "go": {1}}
    h = _hole(conditions=["(op) == OP_ADD", "!(go)"])
    assert hole_constraints(h, d) == {"op": {3}, "go": {0}}


def test_constraints_from_expression_rows_and_input_toggles():
    d = _design()
    assert hole_constraints(_hole("expr", "(go==1 && busy==0) => 1"), d) == {"go": {1}}
    assert hole_constraints(_hole("toggle", "a[6]:0->1"), d) == {"a": {64}}
    assert hole_constraints(_hole("toggle", "a[6]:1->0"), d) == {"a": {0}}
    # internal signals cannot be driven: no constraint, the hole goes to the long runs
    assert hole_constraints(_hole(conditions=["count == 4'd8"]), d) == {}


def test_next_round_directs_tests_at_constrained_holes():
    d = _design()
    gen = BuiltinGenerator()
    base = gen.baseline(d, None, seed=5)
    assert [t.name for t in base.tests] == ["r0_random", "r0_phased", "r0_corners", "r0_reset"]
    holes = [_hole(conditions=["(op) == 3'b110"]), _hole(conditions=["(op) == 3'b110"]),
             _hole(conditions=["cnt == 0"], signals=["cnt"]),
             _hole(conditions=["rst"], signals=["rst"])]
    nxt = gen.next_round(d, None, RoundContext(round=1, holes=holes, failures=[],
                                                previous_tests=base.tests, seed=5))
    names = [t.name for t in nxt.tests]
    assert names[0] == "r1_directed_0" and "r1_long" in names and "r1_reset" in names
    seg = nxt.tests[0].plan["segments"][0]
    assert seg["values"] == {"op": [6]}
    assert "2 hole(s)" in nxt.tests[0].purpose
    assert "r1_combined" not in names  # one constraint set: nothing to combine
    # the long run is longer than anything before it
    longest_before = max(sum(s.get("cycles", 0) for s in t.plan["segments"]) for t in base.tests)
    long_plan = next(t for t in nxt.tests if t.name == "r1_long").plan
    assert sum(s["cycles"] for s in long_plan["segments"]) > longest_before


def test_plans_are_deterministic_in_the_seed():
    d = _design()
    a = BuiltinGenerator().baseline(d, None, seed=9)
    b = BuiltinGenerator().baseline(d, None, seed=9)
    c = BuiltinGenerator().baseline(d, None, seed=10)
    assert [t.plan for t in a.tests] == [t.plan for t in b.tests]
    assert [t.plan for t in a.tests] != [t.plan for t in c.tests]


LOCKBOX = """
module lockbox(input logic clk, input logic rst, input logic valid, input logic [7:0] cmd,
               output logic locked, output logic [7:0] q);
  localparam logic [7:0] KEY1 = 8'hA5, KEY2 = 8'h5A, WRITE = 8'h01;
  logic key1_seen;
  always_ff @(posedge clk) begin
    if (rst) begin locked <= 1'b1; key1_seen <= 1'b0; q <= '0; end
    else if (valid) begin
      key1_seen <= 1'b0;
      case (cmd)
        KEY1: key1_seen <= 1'b1;
        KEY2: if (key1_seen) locked <= 1'b0;
        WRITE: if (!locked) q <= cmd;
        default: ;
      endcase
    end
  end
endmodule
"""


def test_backward_slice_finds_the_enabling_sequence(tmp_path, monkeypatch):
    from dv.design.frontend import load_design

    monkeypatch.chdir(tmp_path)
    (tmp_path / "lockbox.sv").write_text(LOCKBOX)
    d = load_design(["lockbox.sv"])
    write = next(s for s in d.source_map.statements if s.text.startswith("q <= cmd"))
    h = _hole(conditions=write.conditions)
    # WRITE reaches q only when unlocked: unlocking needs KEY2 after KEY1
    assert hole_constraints(h, d) == {"valid": {1}, "cmd": {0x01, 0x5A, 0xA5}}
    # a toggle hole on q slices back through the same chain
    t = _hole("toggle", "q[3]:0->1")
    assert hole_constraints(t, d)["cmd"] == {0x01, 0x5A, 0xA5}
    # the relock value (locked <= 1 at reset) is not asked for: the hole needs locked == 0
    unlock = next(s for s in d.source_map.statements if s.text.startswith("locked <= 1'b0"))
    assert hole_constraints(_hole(conditions=unlock.conditions), d)["cmd"] == {0x5A, 0xA5}
