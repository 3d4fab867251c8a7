"""Fuzzing the answer validator with answers shaped like real ones.

Random text stops at the JSON parser and never reaches the checkers behind it. These answers
are JSON objects with plans, a scoreboard built from a small grammar of Python over the
transaction (with dangerous names and attributes mixed in), and properties, so every slot's
checker runs on them. Whatever comes in, the validator either accepts the answer or refuses it
with AnswerProblems; what it accepts never names a forbidden builtin or a dunder attribute.
"""

from __future__ import annotations

import ast
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_llm_validate import fifo_view, problems_of

from dv.gen.validate import (
    FORBIDDEN_NAMES,
    AnswerProblems,
    ValidAnswer,
    parse_answer,
    validate_answer,
)

INS = ["wr_en", "wr_data", "rd_en", "rst_n", "clk", "nope", "count"]
OUTS = ["rd_data", "full", "empty", "count", "overflow", "underflow", "wr_ptr", "almost_full"]
DANGER = ["open", "eval", "exec", "getattr", "__import__", "globals", "type", "object", "print",
          "os", "sys", "cocotb", "compile", "vars", "breakpoint"]
ATTRS = ["__class__", "__globals__", "__subclasses__", "format", "bit_length", "__dict__",
         "f_back", "get", "items", "gi_frame", "mro"]

ints = st.one_of(st.integers(-3, 300), st.sampled_from([0, 1, 255, 256, 1 << 40, -(1 << 70)]))
leaf = st.one_of(
    st.builds(lambda n: f"txn['in']['{n}']", st.sampled_from(INS)),
    st.builds(lambda n: f"txn['out']['{n}']", st.sampled_from(OUTS)),
    st.builds(lambda n: f"prev['out']['{n}']", st.sampled_from(OUTS)),
    st.builds(str, ints),
    st.sampled_from(["txn['cycle']", "txn['reset']", "prev", "None", "'x'", "txn"]),
    st.sampled_from(DANGER),
)


def _expr(children):
    return st.one_of(
        st.builds(lambda a, op, b: f"({a} {op} {b})", children,
                  st.sampled_from(["+", "-", "&", "|", "^", "==", "!=", "<", ">>", "<<", "*",
                                   "**", "and", "or", "%"]), children),
        st.builds(lambda a: f"(not {a})", children),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(DANGER + ["int", "len", "min"]),
                  children),
        st.builds(lambda a, at: f"({a}).{at}", children, st.sampled_from(ATTRS)),
        st.builds(lambda a, b: f"([{a}] * {b})", children, ints),
    )


exprs = st.recursive(leaf, _expr, max_leaves=6)
stmts = st.one_of(
    st.builds(lambda c, m: f"if {c}:\n        return {m!r}", exprs,
              st.sampled_from(["full wrong", "count off", "{0.__class__}"])),
    st.builds(lambda e: f"x = {e}", exprs),
    st.builds(lambda e: f"for i in range({e}):\n        pass", exprs),
    st.sampled_from(["import os", "from math import floor", "global DvChecker",
                     "while True:\n        pass", "return None", "state = {}"]),
)
scoreboards = st.builds(
    lambda body: "def SCOREBOARD(txn, prev):\n" + "".join(f"    {s}\n" for s in body)
    + "    return None\n", st.lists(stmts, min_size=1, max_size=4))

values = st.one_of(ints, st.floats(allow_nan=True), st.text(max_size=8), st.none(),
                   st.booleans(), st.lists(ints, max_size=3))
segments = st.one_of(
    st.fixed_dictionaries({"cycles": values}, optional={
        "bias": st.dictionaries(st.sampled_from(INS + OUTS), values, max_size=3),
        "values": st.dictionaries(st.sampled_from(INS), st.lists(values, max_size=3),
                                  max_size=2),
        "data": st.one_of(st.sampled_from(["uniform", "corner", "walk", "bogus"]), values),
        "hold": values, "default_bias": values, "corner_p": values}),
    st.fixed_dictionaries({"kind": st.sampled_from(["reset", "until", "bogus"])},
                          optional={"cycles": values, "timeout": values,
                                    "until": st.dictionaries(st.sampled_from(
                                        ["signal", "equals"]), st.one_of(
                                        st.sampled_from(OUTS + INS), values), max_size=2)}),
    values,
)
plans = st.fixed_dictionaries(
    {"name": st.one_of(st.sampled_from(["r1_a", "r1_b", "bad name", "", "r0_random"]), values),
     "segments": st.one_of(st.lists(segments, max_size=4), values)},
    optional={"purpose": st.one_of(st.text(max_size=20), values)})
sva = st.one_of(
    st.builds(lambda s: f"p_{abs(hash(s)) % 1000}: assert property (@(posedge clk) {s});",
              st.sampled_from(["full |-> !empty", "wr_en |=> count > 0", "nope", "$fopen(1)",
                               "empty && full", "count <= 8"])),
    st.text(max_size=30), values)
answers = st.fixed_dictionaries({"plans": st.one_of(st.lists(plans, max_size=3), values)},
                                optional={"scoreboard": st.one_of(scoreboards, values),
                                          "assertions": st.one_of(st.lists(sva, max_size=2),
                                                                  values),
                                          "cover_points": st.one_of(st.lists(sva, max_size=2),
                                                                    values),
                                          "verdicts": values, "notes": values})

# answers that are right in every slot but the scoreboard, so the scoreboard decides
good_plans = st.lists(st.fixed_dictionaries({
    "name": st.sampled_from(["r1_a", "r1_b", "r1_fill"]),
    "purpose": st.just("fill then drain"),
    "segments": st.lists(st.fixed_dictionaries(
        {"cycles": st.integers(1, 500)},
        optional={"bias": st.fixed_dictionaries({}, optional={
            "wr_en": st.floats(0, 1), "rd_en": st.floats(0, 1)}),
            "data": st.sampled_from(["uniform", "corner", "walk"])}), min_size=1, max_size=3)}),
    min_size=1, max_size=1)
mostly_valid = st.fixed_dictionaries({"plans": good_plans, "scoreboard": scoreboards})


def _accepted_code_is_harmless(src: str) -> None:
    tree = ast.parse(src)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            assert node.id not in FORBIDDEN_NAMES, node.id
        if isinstance(node, ast.Attribute):
            assert not node.attr.startswith("__"), node.attr
            assert node.attr not in ("format", "gi_frame", "f_back", "mro"), node.attr
        assert not isinstance(node, ast.Import | ast.ImportFrom | ast.Global) or (
            isinstance(node, ast.ImportFrom) and node.module == "math")


@settings(max_examples=150, deadline=None)
@given(answer=st.one_of(answers, mostly_valid))
def test_structured_answers_are_accepted_or_refused_never_crash(answer):
    text = json.dumps(answer)
    try:
        parsed = parse_answer(text, "stop")
        got = validate_answer(parsed, fifo_view(), round_index=1)
    except AnswerProblems as exc:
        assert exc.problems  # a refusal always says why
        for p in exc.problems:
            assert p.render().strip()
        return
    assert isinstance(got, ValidAnswer)
    if got.scoreboard is not None:
        _accepted_code_is_harmless(answer["scoreboard"])


@settings(max_examples=100, deadline=None)
@given(src=scoreboards)
def test_grammar_scoreboards_reach_the_checker(src):
    """The grammar's scoreboards parse as Python, so the checker (not the parser) judges them,
    and it refuses every one that names something dangerous."""
    ast.parse(src)
    problems = problems_of(src)
    if not problems:
        _accepted_code_is_harmless(src)
    assert not any("SyntaxError" in p for p in problems)


@pytest.mark.parametrize("line, col", [
    ("    if txn['out']['full'] == 1", 30),  # the ':' that is missing
    ("    x = (1 +* 2)", 12),  # the '*' after '+'
    ("    return txn['out']['full'] ==", 32),  # the missing right operand
])
def test_syntax_errors_point_at_the_column(line, col):
    src = f"def SCOREBOARD(txn, prev):\n{line}\n        return 'x'\n"
    [p] = problems_of(src)
    assert "[scoreboard line 2] SyntaxError" in p
    shown, caret = p.splitlines()[-2:]
    # the offending line is shown indented; the caret sits under the offending column
    indent = len(shown) - len(shown.lstrip(" ")) - (len(line) - len(line.lstrip(" ")))
    assert shown[indent:] == line
    assert caret.index("^") - indent == col, (shown, caret)
