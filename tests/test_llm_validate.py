"""Validation of model answers (dv.gen.validate): every slot, every kind of bad answer."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dv.design.model import Clock, Design, Fsm, FsmState, Port, Reset, Signal
from dv.gen.validate import (
    AnswerProblems,
    DesignView,
    lint_cocotb,
    parse_answer,
    validate_answer,
    validate_plans,
    validate_properties,
    validate_scoreboard,
)

DATA = Path(__file__).resolve().parent / "data" / "llm"


def fifo_view() -> DesignView:
    ports = [Port("clk", "input", 1), Port("rst_n", "input", 1), Port("wr_en", "input", 1),
             Port("wr_data", "input", 8), Port("rd_en", "input", 1),
             Port("rd_data", "output", 8), Port("full", "output", 1),
             Port("empty", "output", 1), Port("count", "output", 4),
             Port("overflow", "output", 1), Port("underflow", "output", 1)]
    signals = [Signal(p.name, p.width, "port") for p in ports] + [
        Signal("mem", 8, "memory", depth=8), Signal("wr_ptr", 3, "reg"),
        Signal("rd_ptr", 3, "reg"), Signal("state", 2, "reg")]
    from dv.design.model import Parameter

    d = Design(top="fifo", files=["fifo.sv"], ports=ports, signals=signals,
               parameters=[Parameter("DEPTH", 8), Parameter("WIDTH", 8)],
               clocks=[Clock("clk")], resets=[Reset("rst_n", True, True, "clk")],
               fsms=[Fsm("state", 2, (FsmState("IDLE", 0), FsmState("RUN", 1)))])
    return DesignView.of(d)


GOOD_SB = (DATA / "fifo_scoreboard_good.py").read_text()


def problems_of(src: str) -> list[str]:
    out: list = []
    validate_scoreboard(src, fifo_view(), out)
    return [p.render() for p in out]


# -- scoreboard --------------------------------------------------------------------------------

def test_good_scoreboard_passes_and_is_summarised():
    probs: list = []
    info = validate_scoreboard(GOOD_SB, fifo_view(), probs)
    assert probs == []
    assert info.has_reset_hook
    assert {"out.count", "out.full", "out.empty", "out.rd_data", "out.overflow",
            "out.underflow"} <= info.guarded
    assert "in.wr_en" in info.refs  # through the helper step(i) called with txn["in"]
    assert info.n_checks == 6


def test_syntax_error_names_the_line_with_a_caret():
    src = "def SCOREBOARD(txn, prev):\n    if txn['out']['full'] == 1\n        return 'x'\n"
    [p] = problems_of(src)
    assert "line 2" in p and "SyntaxError" in p and "^" in p


@pytest.mark.parametrize("ref, needle", [
    ('txn["out"]["almost_full"]', "'almost_full' is not a signal of fifo"),
    ('txn["out"]["wr_ptr"]', "internal to fifo"),
    ('txn["in"]["rst_n"]', "rst_n is the reset"),
    ('txn["in"]["count"]', "count is in txn['out']"),
    ('txn["outputs"]', "has no key 'outputs'"),
    ('prev["fsm"]["stat"]', "'stat' is not a signal"),
    ('txn["out"].get("almost_full")', "'almost_full' is not a signal"),
])
def test_hallucinated_or_misplaced_signal(ref, needle):
    src = f"def SCOREBOARD(txn, prev):\n    if {ref}:\n        return 'bad'\n    return None\n"
    probs = problems_of(src)
    assert any(needle in p for p in probs), probs
    assert all("line 2" in p for p in probs if needle in p)
    # the repair request lists what exists, with widths
    assert any("] holds: " in p or "keys are" in p for p in probs)


def test_alias_of_a_group_is_checked():
    src = ("def SCOREBOARD(txn, prev):\n    o = txn['out']\n    if o['cnt'] != 0:\n"
           "        return 'x'\n    return None\n")
    assert any("'cnt' is not a signal" in p for p in problems_of(src))


@pytest.mark.parametrize("line, needle", [
    ("cocotb.fork(x)", "`fork` is a cocotb 1.x API"),
    ("raise TestFailure('x')", "`TestFailure` is a cocotb 1.x API"),
    ("v = h.value.integer", "`.value.integer`"),
    ("v = h.value.binstr", "`.value.binstr`"),
    ("t = Timer(1, units='ns')", "`units=`"),
])
def test_removed_cocotb_apis_are_linted(line, needle):
    src = f"def SCOREBOARD(txn, prev):\n    {line}\n    return 'x'\n"
    probs = problems_of(src)
    assert any(needle in p and "line 2" in p for p in probs), probs


def test_cocotb_lint_ignores_comments_and_strings():
    assert lint_cocotb("x = 1  # cocotb.fork was removed\ny = 'TestFailure'\n") == []


@pytest.mark.parametrize("src, needle", [
    ("import os\n", "`import os` is not allowed"),
    ("import subprocess as sp\n", "`import subprocess` is not allowed"),
    ("from socket import socket\n", "`from socket import ...` is not allowed"),
    ("def f():\n    import math\n", "at the top of the scoreboard"),
    ("x = open('/etc/passwd')\n", "`open` is not allowed"),
    ("x = eval('1')\n", "`eval` is not allowed"),
    ("x = getattr(1, 'real')\n", "`getattr` is not allowed"),
    ("x = ().__class__\n", "attribute .__class__ is not allowed"),
    ("x = __builtins__\n", "__builtins__ is not allowed"),
    ("x = '{0}'.format(1)\n", "attribute .format is not allowed"),
    ("x = (y for y in ()).gi_frame\n", "attribute .gi_frame is not allowed"),
    ("x = globals()\n", "`globals` is not allowed"),
    ("class A:\n    pass\n", "classes are not allowed"),
    ("x = unknown_helper(1)\n", "`unknown_helper` is not defined"),
    ("DvChecker = None\n", "reserved for the testbench"),
    ("print('hi')\n", "top-level `expr` statement is not allowed"),
])
def test_forbidden_code(src, needle):
    full = src + "\ndef SCOREBOARD(txn, prev):\n    return 'x' if txn['out']['full'] else None\n"
    probs = problems_of(full)
    assert any(needle in p for p in probs), probs


def test_math_is_allowed():
    src = ("import math\nfrom math import log2\n\ndef SCOREBOARD(txn, prev):\n"
           "    if txn['out']['count'] > math.ceil(log2(256)) + 8:\n        return 'big'\n"
           "    return None\n")
    assert problems_of(src) == []


@pytest.mark.parametrize("expr, needle", [
    ("txn['out']['count'] == 16", "16 can never equal count (4 bits, 0..15)"),
    ("txn['out']['full'] in (0, 2)", "2 can never equal full"),
    ("txn['in']['wr_data'] & 0x1FF", "mask 0x1ff is wider than wr_data"),
    ("txn['out']['count'] >> 4", "shifting count (4 bits, 0..15) right by 4"),
])
def test_widths_and_masks(expr, needle):
    src = f"def SCOREBOARD(txn, prev):\n    if {expr}:\n        return 'x'\n    return None\n"
    assert any(needle in p for p in problems_of(src))


def test_shape_of_the_slot():
    probs = problems_of("def check(txn):\n    return 'x'\n")
    assert any("no top-level `def SCOREBOARD(txn, prev):`" in p for p in probs)
    probs = problems_of("def SCOREBOARD(txn):\n    return 'x'\n")
    assert any("exactly 2 positional parameters" in p for p in probs)
    probs = problems_of("def SCOREBOARD(txn, prev):\n    return None\n")
    assert any("never returns an error message" in p for p in probs)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_scoreboard_validator_never_crashes(src):
    validate_scoreboard(src, fifo_view(), [])


# -- plans -------------------------------------------------------------------------------------

def plan_problems(plans) -> tuple[list, list[str]]:
    probs: list = []
    tests = validate_plans(plans, fifo_view(), 2, {"r2_taken"}, probs, "m")
    return tests, [p.render() for p in probs]


def test_good_plan_is_normalised():
    tests, probs = plan_problems([{"name": "r0_fill", "purpose": "fill", "segments": [
        {"cycles": 10, "bias": {"wr_en": 1, "rd_en": 0.0}, "values": {"wr_data": [0, 255]},
         "hold": 0.5, "data": "walk", "corner_p": 0.2, "default_bias": 0.5},
        {"kind": "reset", "cycles": 2}]}])
    assert probs == []
    [t] = tests
    assert t.name == "r2_fill" and t.generator == "m"
    assert t.plan["segments"][0]["bias"] == {"wr_en": 1.0, "rd_en": 0.0}
    assert t.plan["segments"][1] == {"kind": "reset", "cycles": 2}


@pytest.mark.parametrize("seg, needle", [
    ({"cycles": 0}, "must be 1..50000, got 0"),
    ({"cycles": True}, "must be an integer"),
    ({}, "needs 'cycles'"),
    ({"cycles": 5, "bias": {"wr_data": 0.5}}, "bias applies to 1-bit inputs only"),
    ({"cycles": 5, "bias": {"rst_n": 0.5}}, "rst_n is the reset"),
    ({"cycles": 5, "bias": {"clk": 0.5}}, "clk is the clock"),
    ({"cycles": 5, "bias": {"full": 0.5}}, "not a data input"),
    ({"cycles": 5, "bias": {"wr_enable": 0.5}}, "'wr_enable' is not a signal"),
    ({"cycles": 5, "bias": {"wr_en": 1.5}}, "probability 0.0..1.0"),
    ({"cycles": 5, "values": {"wr_data": [256]}}, "256 does not fit wr_data (8 bits, 0..255)"),
    ({"cycles": 5, "values": {"wr_data": ["0xff"]}}, "is not an integer"),
    ({"cycles": 5, "data": "random"}, "data mode 'random' is unknown"),
    ({"cycles": 5, "repeat": 3}, "unknown key(s) ['repeat']"),
    ({"kind": "idle", "cycles": 3}, "kind 'idle' is unknown"),
    ({"kind": "reset", "cycles": 500}, "must be 1..100"),
])
def test_bad_segments(seg, needle):
    _tests, probs = plan_problems([{"name": "x", "purpose": "", "segments": [seg]}])
    assert any(needle in p for p in probs), probs
    assert all("plans [0].segments[0]" in p for p in probs if needle in p)


def test_bad_plan_names_and_shapes():
    _t, probs = plan_problems([{"name": "9lives", "segments": [{"cycles": 1}]},
                               {"name": "taken", "segments": [{"cycles": 1}]},
                               {"name": "ok", "segments": []}, "nope"])
    text = "\n".join(probs)
    assert "'9lives' is not a valid test name" in text
    assert "'r2_taken' exists already" in text
    assert "non-empty list of segment objects" in text
    assert "each plan is an object" in text


# -- properties --------------------------------------------------------------------------------

def prop_problems(items, slot="assertions", taken=()):
    probs: list = []
    got = validate_properties(items, slot, fifo_view(), set(taken), probs, [])
    return got, [p.render() for p in probs]


def test_good_properties_are_labelled_and_parsed():
    got, probs = prop_problems([
        "a1: assert property (@(posedge clk) disable iff (!rst_n) full |-> count == DEPTH);",
        {"name": "a2", "property": "assert property (@(posedge clk) $rose(full) |=> ##1 "
         "$stable(wr_ptr) or !full)"},
        "assert property (@(posedge clk) disable iff (!rst_n) empty |-> !underflow || rd_en)"])
    assert probs == []
    assert [p.label for p in got][:2] == ["a1", "a2"]
    assert got[2].label.startswith("llm_a_") and got[1].body.endswith(";")


@pytest.mark.parametrize("text, needle", [
    ("a: assert property (@(posedge clk) fulll |-> !empty);",
     "undeclared identifier 'fulll'; did you mean 'full'?"),
    ("a: assert property (@(posedge clk) mem[0] == 0);", "memories (mem) are not visible"),
    ("a: assume property (@(posedge clk) !full);", "never lets a model add assumptions"),
    ("a: cover property (@(posedge clk) full);", "holds only 'assert property'"),
    ("a: assert property (full |-> !empty);", "must name its clock"),
    ("a: assert property (@(posedge clk) !full) else $error(\"x\");", "no action blocks"),
    ("a: assert property (@(posedge clk) $display(full));", "$display is not allowed"),
    ("a: assert property (@(posedge clk) fifo.full |-> 1);", "hierarchical or scoped names"),
    ("a: assert property (@(posedge clk) (full |-> !empty);", "syntax error: expected ')'"),
    ("a: assert (full);", "not an immediate assertion"),
    ("full: assert property (@(posedge clk) !empty);", "already used"),
    ("never_both: assert property (@(posedge clk) !empty);", "already used"),
    ("a: assert property (@(posedge clk) full |-> (count ==));", "SystemVerilog syntax error"),
])
def test_bad_properties(text, needle):
    _got, probs = prop_problems([text], taken={"never_both"})
    assert any(needle in p for p in probs), probs


def test_formal_subset_is_checked_when_dv_formal_sva_exists(monkeypatch):
    mod = types.ModuleType("dv.formal.sva")

    class UnsupportedSva(Exception):
        pass

    def parse_property(text, *, source_file, line):
        if "##" in text:
            raise UnsupportedSva("sequence delays (##) are not in the subset")
        return object()

    mod.UnsupportedSva = UnsupportedSva
    mod.parse_property = parse_property
    monkeypatch.setitem(sys.modules, "dv.formal.sva", mod)
    import dv.formal

    monkeypatch.setattr(dv.formal, "sva", mod, raising=False)
    got, probs = prop_problems(["a: assert property (@(posedge clk) full |-> ##1 !empty);",
                                "b: assert property (@(posedge clk) full |-> !empty);"])
    assert [p.label for p in got] == ["b"]
    assert any("formal engine cannot read" in p and "##" in p for p in probs)


def test_formal_subset_check_is_skipped_without_the_module(monkeypatch):
    import dv.formal

    monkeypatch.setitem(sys.modules, "dv.formal.sva", None)  # import fails
    monkeypatch.delattr(dv.formal, "sva", raising=False)
    probs: list = []
    skipped: list = []
    got = validate_properties(["a: assert property (@(posedge clk) !(full && empty));"],
                              "assertions", fifo_view(), set(), probs, skipped)
    assert len(got) == 1 and probs == []
    assert skipped and "skipped" in skipped[0]


# -- the answer --------------------------------------------------------------------------------

def test_parse_answer_accepts_fences_and_raw_newlines_in_strings():
    text = 'Here it is:\n```json\n{"plans": [], "scoreboard": "def f():\n    pass"}\n```\n'
    assert parse_answer(text)["scoreboard"].startswith("def f():\n")


@pytest.mark.parametrize("text, finish, needle", [
    ("", "stop", "the answer was empty"),
    ("   \n", "stop", "the answer was empty"),
    ('{"plans": [{"name": "a", "segments": [{"cycles": 4', "stop", "your answer was cut off"),
    ('```json\n{"plans": []', "stop", "your answer was cut off"),
    ('{"plans": [], "scoreboard": "x"}', "length", "finish_reason=length"),
    ('{"plans": [} ]', "stop", "is not valid JSON"),
    ("I cannot help with that.", "stop", "holds no JSON object"),
    ('[1, 2]', "stop", "no JSON object"),
    ('{"plan": []}', "stop", "unknown key(s) 'plan'"),
])
def test_bad_answers(text, finish, needle):
    with pytest.raises(AnswerProblems) as exc:
        parse_answer(text, finish)
    assert needle in str(exc.value)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["stop", "length", None]))
def test_parse_answer_only_raises_answer_problems(text, finish):
    try:
        parse_answer(text, finish)
    except AnswerProblems:
        pass


def test_validate_answer_collects_every_problem_at_once():
    answer = {"plans": [{"name": "a", "segments": [{"cycles": 5, "bias": {"nope": 1}}]}],
              "scoreboard": "def SCOREBOARD(txn, prev):\n    return txn['out']['zz']\n",
              "assertions": ["x: assert property (@(posedge clk) zz);"],
              "cover_points": "no", "verdicts": [{"test": "t", "verdict": "maybe"}]}
    with pytest.raises(AnswerProblems) as exc:
        validate_answer(answer, fifo_view(), round_index=1, require_scoreboard=True)
    slots = {p.slot for p in exc.value.problems}
    assert slots == {"plans", "scoreboard", "assertions", "cover_points", "verdicts"}


def test_scripted_fifo_answer_is_valid():
    answer = json.loads((DATA / "fifo_r0.json").read_text())
    answer["scoreboard"] = (DATA / answer.pop("scoreboard_file")).read_text()
    valid = validate_answer(answer, fifo_view(), round_index=0, require_scoreboard=True,
                            taken_labels={"never_both", "count_bound", "fill_up"})
    assert [t.name for t in valid.tests] == ["r0_fill_drain", "r0_both_ends"]
    assert valid.assertions is not None and len(valid.assertions) == 2
    assert valid.cover_points is not None and valid.cover_points[0].kind == "cover"


def test_too_many_properties_are_refused_quickly():
    import time

    items = [f"a{i}: assert property (@(posedge clk) !(full && empty));" for i in range(5000)]
    probs: list = []
    t0 = time.monotonic()
    validate_properties(items, "assertions", fifo_view(), set(), probs)
    assert time.monotonic() - t0 < 30
    assert any("at most 64 entries, got 5000" in p.render() for p in probs)
