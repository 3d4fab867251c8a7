"""Stimulus constraints (issue 10, failure class 5): assumptions the driver keeps, and design
assertions fired by illegal stimulus turned into learned constraints — recorded, shown for a
human to confirm, applied from the next round — while a design bug stays a failure."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest

from dv.gen.base import Bundle
from dv.gen.base import TestPlan as Plan
from dv.gen.builtin import BuiltinGenerator
from dv.gen.constraints import (
    ILLEGAL_CAUSE,
    LEARNED_STATUS,
    StimulusConstraints,
    design_checks,
    evaluate,
)

DESIGNS = Path(__file__).resolve().parent / "data" / "designs"
POP_LINE, PUSH_LINE, ERR_LINE = 33, 34, 35  # the three assertions of learn_pop.sv
BUG_LINE = 27  # the planted bug


def _design(held: int = 0):
    from dv.design import load_design

    d = load_design([DESIGNS / "learn_pop.sv"], root=DESIGNS)
    d.held = {"bug_en": held}
    return d


def _spec(name: str = "learn_pop.md"):
    from dv.design.spec import parse_spec

    return parse_spec(DESIGNS / name)


def test_assertion_lines_are_the_ones_the_constants_name():
    lines = (DESIGNS / "learn_pop.sv").read_text().splitlines()
    assert "pop while empty" in lines[POP_LINE - 1]
    assert "push while full" in lines[PUSH_LINE - 1]
    assert "internal error" in lines[ERR_LINE - 1]
    assert "planted bug" in lines[BUG_LINE - 1]


def test_design_checks_follow_wires_back_to_inputs_and_state():
    checks = {c.line: c for c in design_checks(_design(), DESIGNS)}
    pop = checks[POP_LINE]
    assert pop.kind == "assert" and pop.file == "learn_pop.sv"
    assert pop.sv == "!(pop && empty)"  # the reset guard drops out (never checked in reset)
    assert pop.inputs == ("pop",) and pop.reads == ("count",)  # empty = (count == 0)
    assert checks[PUSH_LINE].inputs == ("push",)
    err = checks[ERR_LINE]
    assert err.expr is not None and err.inputs == () and err.reads == ("err",)


def test_generate_choice_wire_alias_and_dead_branch(tmp_path):
    (tmp_path / "g.sv").write_text("""\
module g #(parameter P = 0) (input logic clk, input logic rst, input logic v_i,
    input logic yumi_i, output logic v_o);
  wire deq = yumi_i;
  logic enq, full_r, empty_r;
  if (P) assign enq = v_i; else assign enq = v_i & ~full_r;
  assign v_o = ~empty_r;
  always_ff @(posedge clk) if (rst) begin full_r <= 0; empty_r <= 1; end
    else begin full_r <= enq; empty_r <= deq; end
  always_ff @(posedge clk) if (~rst) begin
    assert ({empty_r, deq} !== 2'b11)
      else $error("deq on empty");
    if (P) assert ({full_r, enq} !== 2'b10);
    assert ($past(v_i) || 1);
  end
endmodule
""")
    from dv.design import load_design

    d = load_design([tmp_path / "g.sv"], root=tmp_path)
    found = design_checks(d, tmp_path)
    checks = {c.line: c for c in found}
    deq = checks[10]
    assert deq.inputs == ("yumi_i",) and deq.reads == ("empty_r",)
    assert evaluate(deq.expr, {"empty_r": 1, "yumi_i": 1}) == 0
    assert evaluate(deq.expr, {"empty_r": 1, "yumi_i": 0}) == 1
    assert checks[12].expr == ["k", 1, 1]  # under if (P) with P = 0: never checked
    assert checks[13].expr is None and "Call" in checks[13].why_not  # history: not per cycle
    # Verilator names the line of the action block of a statement written on two lines
    sc = StimulusConstraints(d, found, [])
    t = [{"name": "r0", "status": "failed", "message": "[40000] %Error: g.sv:11: Assertion "
          "failed in g: deq on empty"}]
    [lc] = sc.judge(t, {}, 0)
    assert lc.check is deq and t[0]["cause"] == ILLEGAL_CAUSE


def test_evaluator_widths_signs_and_selects():
    s = lambda name, w: ["s", w, name]  # noqa: E731
    assert evaluate(["u", 4, "~", s("a", 4)], {"a": 0b1010}) == 0b0101
    assert evaluate(["{", 6, [s("a", 4), ["[", 2, s("b", 8), 3]]], {"a": 0xF, "b": 0b11000}) \
        == 0b111111
    assert evaluate(["b", 1, "<", s("a", 4), s("b", 4), 1], {"a": 0b1111, "b": 0}) == 1  # -1<0
    assert evaluate(["b", 1, "<", s("a", 4), s("b", 4), 0], {"a": 0b1111, "b": 0}) == 0
    assert evaluate(["u", 1, "^r", s("a", 4)], {"a": 0b0111}) == 1
    assert evaluate(["u", 1, "~&r", s("a", 2)], {"a": 0b11}) == 0
    assert evaluate(["x", 8, s("a", 4), 1], {"a": 0b1000}) == 0xF8  # sign extension
    assert evaluate(["b", 4, "-", s("a", 4), ["k", 4, 1], 0], {"a": 0}) == 0xF


def test_spec_assumption_is_applied_and_plans_carry_it():
    sc = StimulusConstraints.of(_design(), _spec(), DESIGNS)
    [a] = sc.assumptions
    assert a.origin == "spec" and a.applied and a.inputs == ("push",)
    assert a.status == "applied by the driver"
    tests = [Plan("t", {"segments": [{"cycles": 5}]})]
    sc.attach(tests)
    assert [c["id"] for c in tests[0].plan["constraints"]] == [a.id]


def _failed(name: str, line: int, what: str) -> dict:
    return {"name": name, "status": "failed",
            "message": f"[40000] %Error: learn_pop.sv:{line}: Assertion failed in learn_pop: "
                       f"{what} (cocotb expected it would shut down the simulation)"}


def test_judge_learns_attributes_and_keeps_design_failures():
    sc = StimulusConstraints.of(_design(), _spec(), DESIGNS)
    tests = [_failed("r0_a", POP_LINE, "pop while empty"), _failed("r0_b", POP_LINE, "pop"),
             _failed("r0_c", ERR_LINE, "internal error flag set"),
             {"name": "r0_d", "status": "passed", "message": ""}]
    [new] = sc.judge(tests, {}, 0)
    assert new.status == LEARNED_STATUS and new.round == 0 and new.tests == ["r0_a", "r0_b"]
    assert [t.get("cause") for t in tests[:2]] == [ILLEGAL_CAUSE] * 2
    assert all(t["status"] == "failed" for t in tests[:3])  # never turned into passes
    assert tests[2]["cause"].startswith(f"design assertion at learn_pop.sv:{ERR_LINE}")
    assert "reads no data input" in tests[2]["cause"] and "cause" not in tests[3]
    rec = sc.to_json()["learned_constraints"]
    assert rec[0]["from"].startswith(f"learn_pop.sv:{POP_LINE} assert (!(pop && empty))")
    assert rec[0]["constraint"] == "!(pop && empty)" and rec[0]["round"] == 0
    # the same assertion again, its constraint applied in that test: the design's failure
    again = [_failed("r1_a", POP_LINE, "pop while empty")]
    plans = {"r1_a": {"constraints": [c.runtime() for c in sc.active()]}}
    assert sc.judge(again, plans, 1) == []
    assert "fired with learned constraint l1 applied" in again[0]["cause"]
    assert sc.learned[0].status.startswith("did not prevent the failure")
    # --no-learn: nothing is learned, the failure is the design's
    off = StimulusConstraints.of(_design(), None, DESIGNS, learn=False)
    t = [_failed("r0_a", POP_LINE, "pop while empty")]
    assert off.judge(t, {}, 0) == [] and "--no-learn" in t[0]["cause"]


class _Value:
    def __init__(self, v: int):
        self.v = v
        self.is_resolvable = True

    def to_unsigned(self) -> int:
        return self.v


def _runtime(design):
    """The generated environment module, loaded outside a simulator (its driver helpers only
    read signals through ``.value``)."""
    from dv.gen import harness

    mod = types.ModuleType("learn_pop_env")
    exec(compile(harness.env_module(design), "learn_pop_env.py", "exec"), mod.__dict__)
    return mod


def test_driver_repairs_a_cycle_that_breaks_a_constraint():
    design = _design()
    sc = StimulusConstraints.of(design, _spec(), DESIGNS)
    checks = {c.line: c for c in sc.checks}
    env = _runtime(design)
    learned = {"id": "l1", "text": "x", "expr": checks[POP_LINE].expr, "inputs": ["pop"]}
    env.use_constraints({"constraints": [sc.assumptions[0].runtime(), learned]})
    env._APPLIED[1] = True  # no simulator here: the hold watcher is not started
    dut = types.SimpleNamespace(count=types.SimpleNamespace(value=_Value(0)))
    item = types.SimpleNamespace(reset=False, values={"push": 1, "pop": 1, "bug_en": 0})
    env.legalize(item, dut)  # empty: the pop goes
    assert item.values == {"push": 1, "pop": 0, "bug_en": 0}
    dut.count.value = _Value(2)
    item = types.SimpleNamespace(reset=False, values={"push": 1, "pop": 0, "bug_en": 0})
    env.legalize(item, dut)  # full: the push goes (the spec's assumption)
    assert item.values["push"] == 0
    item = types.SimpleNamespace(reset=False, values={"push": 0, "pop": 1, "bug_en": 0})
    env.legalize(item, dut)  # legal: unchanged
    assert item.values == {"push": 0, "pop": 1, "bug_en": 0}
    reset = types.SimpleNamespace(reset=True, values={"push": 1, "pop": 1, "bug_en": 0})
    env.legalize(reset, dut)  # reset cycles are never constrained
    assert reset.values["pop"] == 1
    assert env.CONSTRAINT_STATS == {"l1": {"fixed": 1, "unsatisfiable": 0},
                                    "a1": {"fixed": 1, "unsatisfiable": 0}}
    # a constraint no input can satisfy: driven as chosen, counted
    env.use_constraints({"constraints": [{"id": "s", "text": "!err", "inputs": [],
                                          "expr": checks[ERR_LINE].expr}]})
    env._APPLIED[1] = True
    dut.err = types.SimpleNamespace(value=_Value(1))
    item = types.SimpleNamespace(reset=False, values={"push": 1, "pop": 0, "bug_en": 0})
    env.legalize(item, dut)
    assert item.values["push"] == 1 and env.CONSTRAINT_STATS["s"]["unsatisfiable"] == 1


# -- end to end: one build, two runs (bug_en held at 0, then at 1) -------------------------------

class _Small(BuiltinGenerator):
    """The built-in generator's stimulus, fewer and shorter tests (the build dominates)."""

    def baseline(self, design, spec, seed):
        return Bundle(round=0, properties=list(spec.properties) if spec else [], tests=[
            Plan("r0_random", {"segments": [{"cycles": 400, "default_bias": 0.5}]}),
            Plan("r0_busy", {"segments": [{"cycles": 400, "default_bias": 0.8}]})])

    def next_round(self, design, spec, ctx):
        return Bundle(round=ctx.round, tests=[Plan(
            f"r{ctx.round}_random", {"segments": [{"cycles": 600, "default_bias": 0.6}]})])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from dv.loop import ClosureOptions, run_closure

    out = tmp_path_factory.mktemp("learn")
    got = {}
    mp = pytest.MonkeyPatch()
    mp.chdir(DESIGNS)
    try:
        # bug_en at 0: round 0 fails on pop-while-empty (learned), round 1 passes; bug_en at
        # 1 with both input rules assumed: one round, where only the planted bug can fire
        for held, spec, rounds in ((0, "learn_pop.md", 2), (1, "learn_pop_assumed.md", 1)):
            opts = ClosureOptions(rounds=rounds, out=out, root=DESIGNS, formal=False,
                                  parallel=2, sandbox=False)
            run = run_closure(_design(held), _spec(spec), _Small(), opts)
            cov = out / "coverage" / "learn_pop"
            r1 = run.tb_dir / "tb_learn_pop_r1.py"  # the next run replaces the testbench
            got[held] = (r1.read_text() if r1.is_file() else "",
                         json.loads((cov / "closure.json").read_text()),
                         (cov / "summary.md").read_text())
    finally:
        mp.undo()
    return got


@pytest.mark.slow
def test_learned_constraint_is_recorded_shown_and_applied(runs):
    tb, rec, summary = runs[0]
    r0, r1 = rec["rounds"]
    # round 0: the pop-while-empty assertion fires; the failures stay, attributed
    assert r0["tests"] and all(t["status"] == "failed" for t in r0["tests"])
    assert all(t["cause"] == ILLEGAL_CAUSE and t["constraint"] == "l1" for t in r0["tests"])
    [lc] = rec["learned_constraints"]
    assert lc["status"] == LEARNED_STATUS and lc["round"] == 0
    assert lc["from"].startswith(f"learn_pop.sv:{POP_LINE} ") and lc["inputs"] == ["pop"]
    assert sorted(lc["tests"]) == ["r0_busy", "r0_random"]
    # round 1: the constraint (and the spec's assumption) kept by the driver: all pass,
    # including the round-0 tests run again under it
    names = {t["name"] for t in r1["tests"]}
    assert {"r1_legal_random", "r1_legal_busy", "r1_random"} <= names
    assert all(t["status"] == "passed" for t in r1["tests"]), r1["tests"]
    assert lc["driver"]["cycles_fixed"] > 0 and lc["driver"]["cycles_unsatisfiable"] == 0
    [assume] = rec["assumptions"]
    assert assume["origin"] == "spec" and assume["driver"]["cycles_fixed"] > 0
    # nothing learned from the push-while-full assertion: the assumption kept it quiet
    assert not any(f":{PUSH_LINE}" in t.get("message", "") for r in rec["rounds"]
                   for t in r["tests"])
    # the plans of the committed testbench carry the constraints (a rerun drives the same)
    assert "'constraints'" in tb and "'l1'" in tb
    assert "## Learned stimulus constraints — confirm them (1)" in summary
    assert "`!(pop && empty)`" in summary and "--no-learn" in summary
    assert "[cause: illegal stimulus (learned constraint)]" in summary
    # the one branch arm left is the planted bug's, which bug_en held at 0 never takes
    holes = [h for h in rec["holes"] if h["kind"] in ("line", "branch")]
    assert all(h["line"] == BUG_LINE for h in holes), holes


@pytest.mark.slow
def test_design_bug_assertion_stays_a_design_failure(runs):
    _tb, rec, summary = runs[1]
    tests = [t for r in rec["rounds"] for t in r["tests"]]
    bug = [t for t in tests if f"learn_pop.sv:{ERR_LINE}" in t.get("message", "")]
    assert bug, [t.get("message") for t in tests]
    # the stimulus kept both assumptions: no other assertion fired, nothing was learned
    assert all(t in bug or t["status"] == "passed" for t in tests)
    assert all(t["status"] == "failed" and t["cause"].startswith(
        f"design assertion at learn_pop.sv:{ERR_LINE}") for t in bug)
    assert rec["learned_constraints"] == []
    assert [a["status"] for a in rec["assumptions"]] == ["applied by the driver"] * 2
    assert "not a stimulus constraint" in summary
