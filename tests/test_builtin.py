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
    assert hole_constraints(h, d) == {"op": 5, "go": 1}
    h = _hole(conditions=["(op) == OP_ADD", "!(go)"])
    assert hole_constraints(h, d) == {"op": 3, "go": 0}


def test_constraints_from_expression_rows_and_input_toggles():
    d = _design()
    assert hole_constraints(_hole("expr", "(go==1 && busy==0) => 1"), d) == {"go": 1}
    assert hole_constraints(_hole("toggle", "a[6]:0->1"), d) == {"a": 64}
    assert hole_constraints(_hole("toggle", "a[6]:1->0"), d) == {"a": 0}
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
