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


# -- stimulus roles (issue 10) ---------------------------------------------------------------

DESIGNS = __import__("pathlib").Path(__file__).resolve().parent / "data" / "designs"


def _timer():
    from dv.design import load_design

    return load_design([DESIGNS / "prescale_timer.v"], root=DESIGNS)


def test_roles_of_the_prescale_timer():
    d = _timer()
    roles = {p.name: p.role for p in d.data_inputs()}
    assert roles == {"prescale": "config", "start": "control"}
    assert any("compared with counter count" in e for e in d.port("prescale").role_evidence)


def test_roles_load_compare_accumulate(tmp_path):
    from dv.design import load_design

    (tmp_path / "m.v").write_text("""\
module m (input clk, input rst, input [7:0] reload, input [7:0] limit, input [7:0] x,
          input [7:0] speed, input wr, output reg [7:0] acc, output reg hit);
  reg [7:0] down, up;
  always @(posedge clk) begin
    if (down == 0) down <= reload; else down <= down - 8'd1;
    up <= up + 1;
    hit <= (up >= limit);
    if (wr) acc <= acc + x;
    if (rst) begin down <= 0; up <= 0; acc <= 0; hit <= 0; end
  end
endmodule
""")
    d = load_design([tmp_path / "m.v"], root=tmp_path)
    roles = {p.name: p.role for p in d.data_inputs()}
    # reload: loaded into a counter; limit: compared with one; x: only accumulated (data);
    # speed: read nowhere, named like nothing (data); wr: a 1-bit strobe (control)
    assert roles == {"reload": "config", "limit": "config", "x": "data", "speed": "data",
                     "wr": "control"}
    assert any("loaded into counter down" in e for e in d.port("reload").role_evidence)


def test_config_inputs_held_per_test_and_swept_across_tests():
    from dv.design.roles import apply_holds, config_sweep

    d = _timer()
    sweep = config_sweep(d.port("prescale"), d)
    assert sweep[:3] == [2, 1, 3] and 65535 in sweep and 0 in sweep
    b = BuiltinGenerator().baseline(d, None, seed=1)
    held = [t.plan.get("config", {}).get("prescale") for t in b.tests]
    free = [t.name for t in b.tests if t.plan.get("free_config")]
    assert free == ["r0_corners"]  # one test drives it like data, for its toggles
    assert held == [sweep[0], sweep[1], None, sweep[3], sweep[4]]  # one per test, in order
    # start/done: a reactive test whose timed-out operations (a long prescale) are abandoned
    assert b.tests[-1].name == "r0_transactions"
    assert b.tests[-1].plan["segments"][0]["on_timeout"] == "skip"
    apply_holds(d, {"prescale": "0x20"})
    b = BuiltinGenerator().baseline(d, None, seed=1)
    assert {t.plan["config"]["prescale"] for t in b.tests if "config" in t.plan} == {32}
    assert d.port("prescale").role == "config"


def test_hold_errors():
    import pytest

    from dv.design.roles import apply_holds
    from dv.errors import InputError

    d = _timer()
    for holds, words in (({"nope": "1"}, "not an input"), ({"rst": "1"}, "not an input"),
                         ({"prescale": "x"}, "not an integer"),
                         ({"prescale": "70000"}, "does not fit")):
        with pytest.raises(InputError) as info:
            apply_holds(d, holds)
        assert words in info.value.message


def test_harness_description_roles_resets_and_shapes(tmp_path):
    from dv.design import load_design
    from dv.gen.harness import design_description

    d = _timer()
    desc = design_description(d)
    assert desc["inputs"]["prescale"]["role"] == "config"
    assert desc["config"]["prescale"][:3] == [2, 1, 3]
    assert desc["resets"] == [{"name": "rst", "active": 1, "async": False, "cycles": 3}]
    (tmp_path / "c.sv").write_text(
        "module c (input logic [7:0] v [3], output logic [7:0] s);\n"
        "  assign s = v[0] + v[1] + v[2];\nendmodule\n")
    c = load_design([tmp_path / "c.sv"], root=tmp_path)
    desc = design_description(c)
    assert desc["clock"] is None and desc["reset"] is None and desc["resets"] == []
    assert desc["inputs"]["v"] == {"width": 8, "signed": False, "depth": 3, "role": "data"}


@__import__("pytest").mark.slow
def test_config_role_reaches_what_random_config_does_not(tmp_path, monkeypatch):
    """Class 2 of issue 10: the timer expires only while its prescale holds still."""
    import dataclasses

    from dv.loop import ClosureOptions, run_closure

    monkeypatch.chdir(DESIGNS)  # the design's file names are relative to its root

    def run(with_roles: bool, out):
        d = _timer()
        if not with_roles:
            d.ports = [dataclasses.replace(p, role="data") if p.role else p for p in d.ports]
        opts = ClosureOptions(rounds=2, out=out, root=DESIGNS, formal=False, parallel=2)
        return run_closure(d, None, BuiltinGenerator(), opts).coverage.summary()

    without = run(False, tmp_path / "without")
    with_roles = run(True, tmp_path / "with")
    assert without["branch"].hit < without["branch"].total  # the timer never expires
    assert with_roles["branch"].hit == with_roles["branch"].total
    assert with_roles["line"].hit == with_roles["line"].total


def test_interface_port_at_the_top_is_refused_by_name(tmp_path):
    import pytest

    from dv.design import load_design
    from dv.errors import InputError
    from dv.gen.harness import design_description

    (tmp_path / "t.sv").write_text("""\
interface bus_if; logic v; logic [7:0] d; modport m(input v, d); endinterface
module top (input logic clk, bus_if.m b, output logic [7:0] q);
  always_ff @(posedge clk) if (b.v) q <= b.d;
endmodule
""")
    d = load_design([tmp_path / "t.sv"], root=tmp_path, top="top")
    assert [p.name for p in d.interface_ports] == ["b"]
    with pytest.raises(InputError) as info:
        design_description(d)
    assert "interface port(s) (b)" in info.value.message and info.value.line == 2
    assert info.value.file == "t.sv" and "wrapper" in (info.value.hint or "")
