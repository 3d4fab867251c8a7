"""Reactive stimulus (issue #13): ``until`` and ``transactions`` plan segments, their
validation, request/acknowledge recognition, the spec's ``python scoreboard`` block, and the
multi-cycle ALU example (rtl_examples/mcalu) whose planted bug only a reactive plan and the
spec's reference model catch."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dv.design.model import Clock, Design, Port, Reset
from dv.design.spec import parse_spec, parse_spec_text
from dv.errors import InputError
from dv.gen.base import Bundle
from dv.gen.base import TestPlan as Plan
from dv.gen.validate import (
    MAX_PLAN_CYCLES,
    DesignView,
    Problem,
    spec_scoreboard,
    validate_plans,
)

ROOT = Path(__file__).resolve().parent.parent
MCALU = ROOT / "rtl_examples" / "mcalu"


def _design(*ports: tuple[str, str, int]) -> Design:
    return Design(top="t", files=["t.sv"],
                  ports=[Port("clk", "input", 1), Port("rst_n", "input", 1),
                         *(Port(n, d, w) for n, d, w in ports)],
                  clocks=[Clock("clk")],
                  resets=[Reset("rst_n", active_low=True, asynchronous=True)])


def _alu_view() -> DesignView:
    return DesignView.of(_design(("start", "input", 1), ("op", "input", 3), ("a", "input", 8),
                                 ("busy", "output", 1), ("done", "output", 1),
                                 ("result", "output", 16)))


def _check(*segments) -> tuple[list, list[str]]:
    problems: list[Problem] = []
    tests = validate_plans([{"name": "p", "purpose": "x", "segments": list(segments)}],
                           _alu_view(), 1, [], problems)
    return tests, [p.render() for p in problems]


# -- validation of reactive segments ------------------------------------------------------------

def test_valid_reactive_segments_are_kept_as_written():
    txn = {"kind": "transactions", "req": "start", "ack": "done", "count": 20, "timeout": 30,
           "gap": 3, "data": "corner", "values": {"op": [4, 5]}, "hold": 0.9}
    until = {"kind": "until", "drive": {"start": 1, "op": 4, "a": "random"},
             "until": {"signal": "done", "equals": 1}, "timeout": 12, "then_cycles": 2}
    busy = {"kind": "transactions", "req": "start", "ack": "busy", "ack_value": 0,
            "count": 3, "timeout": 9, "hold_req": True, "on_timeout": "skip"}
    tests, problems = _check(txn, until, busy, {"cycles": 10})
    assert problems == []
    segs = tests[0].plan["segments"]
    assert segs[0] == {**txn, "ack_value": 1}
    assert segs[1] == until
    assert segs[2] == busy


@pytest.mark.parametrize("segment,message", [
    ({"kind": "until", "drive": {"busy": 1}, "until": {"signal": "done", "equals": 1},
      "timeout": 5}, "busy is not a data input of t"),
    ({"kind": "until", "drive": {"nope": 1}, "until": {"signal": "done", "equals": 1},
      "timeout": 5}, "'nope' is not a signal of t"),
    ({"kind": "until", "drive": {"rst_n": 0}, "until": {"signal": "done", "equals": 1},
      "timeout": 5}, "rst_n is the reset"),
    ({"kind": "until", "drive": {"a": 256}, "until": {"signal": "done", "equals": 1},
      "timeout": 5}, "256 does not fit a (8 bits, 0..255)"),
    ({"kind": "until", "until": {"signal": "start", "equals": 1}, "timeout": 5},
     "start is an input: a reactive segment waits on an output"),
    ({"kind": "until", "until": {"signal": "done", "equals": 2}, "timeout": 5},
     "2 does not fit done"),
    ({"kind": "until", "until": {"signal": "done"}, "timeout": 5}, "'until' is {\"signal\""),
    ({"kind": "until", "until": {"signal": "done", "equals": 1}}, "needs 'timeout'"),
    ({"kind": "until", "until": {"signal": "done", "equals": 1}, "timeout": 0},
     "timeout] must be 1..10000, got 0"),
    ({"kind": "until", "until": {"signal": "done", "equals": 1}, "timeout": 10**9},
     "must be 1..10000, got 1000000000"),
    ({"kind": "until", "until": {"signal": "done", "equals": 1}, "timeout": True},
     "must be an integer 1..10000, got True"),
    ({"kind": "transactions", "req": "start", "ack": "done", "count": 0, "timeout": 5},
     "count] must be 1..10000, got 0"),
    ({"kind": "transactions", "req": "start", "ack": "done", "timeout": 5}, "needs 'count'"),
    ({"kind": "transactions", "req": "start", "ack": "done", "count": -3, "timeout": -1},
     "timeout] must be 1..10000, got -1"),
    ({"kind": "transactions", "req": "op", "ack": "done", "count": 2, "timeout": 5},
     "the request is a 1-bit input; op (3 bits"),
    ({"kind": "transactions", "req": "start", "ack": "a", "count": 2, "timeout": 5},
     "a is an input: a reactive segment waits on an output"),
    ({"kind": "transactions", "req": "start", "count": 2, "timeout": 5},
     "names its request input 'req' and its acknowledge output 'ack'"),
    ({"kind": "transactions", "req": "start", "ack": "done", "count": 2, "timeout": 5,
      "hold_req": "yes"}, "must be true (req held"),
    ({"kind": "transactions", "req": "start", "ack": "done", "count": 2, "timeout": 5,
      "gap": 1000}, "gap] must be 0..100"),
    ({"kind": "transactions", "req": "start", "ack": "done", "count": 2, "timeout": 5,
      "cycles": 9}, "unknown key(s) ['cycles']; a transactions segment's keys"),
    ({"kind": "transactions", "req": "start", "ack": "done", "count": 2, "timeout": 5,
      "values": {"a": [999]}}, "999 does not fit a"),
    ({"kind": "until", "until": {"signal": "done", "equals": 1}, "timeout": 5,
      "on_timeout": "ignore"}, "on_timeout] must be \"fail\""),
    ({"kind": "wait", "timeout": 5}, "kind 'wait' is unknown; the kinds are \"reset\", "
     "\"until\" and \"transactions\""),
])
def test_bad_reactive_segments_are_refused_with_the_place_and_why(segment, message):
    tests, problems = _check(segment)
    assert tests == []
    assert any(message in p for p in problems), problems
    assert all(p.startswith("[plans [0].segments[0]") for p in problems), problems


def test_a_reactive_plan_is_bounded_by_its_timeouts():
    # 10000 transactions that may each wait 10000 cycles: far over the plan's cycle budget
    seg = {"kind": "transactions", "req": "start", "ack": "done", "count": 10_000,
           "timeout": 10_000}
    tests, problems = _check(seg)
    assert tests == [] and any(f"at most {MAX_PLAN_CYCLES} per plan" in p for p in problems)
    tests, problems = _check({**seg, "count": 5})
    assert problems == [] and len(tests) == 1


# -- recognition of request/acknowledge pairs ---------------------------------------------------

def test_request_pairs_start_done_cmd_busy_req_ack_and_near_misses():
    from dv.design.interfaces import request_pairs

    d = _design(("start", "input", 1), ("done", "output", 1), ("busy", "output", 1))
    [p] = request_pairs(d)
    assert (p.req, p.ack, p.ack_value, p.hold_req) == ("start", "done", 1, False)
    d = _design(("cmd", "input", 1), ("busy", "output", 1), ("x_start", "input", 1),
                ("x_done", "output", 1))
    got = {(p.req, p.ack, p.ack_value, p.hold_req) for p in request_pairs(d)}
    assert got == {("cmd", "busy", 0, False), ("x_start", "x_done", 1, False)}
    d = _design(("mem_req", "input", 1), ("mem_ack", "output", 1))
    [p] = request_pairs(d)
    assert (p.req, p.ack, p.ack_value, p.hold_req) == ("mem_req", "mem_ack", 1, True)
    # the design is the requester: nothing for the stimulus to drive
    assert request_pairs(_design(("mem_req", "output", 1), ("mem_ack", "input", 1))) == []
    # near misses: restart/undone, a wide start, a done that is an input
    for ports in ((("restart", "input", 1), ("undone", "output", 1)),
                  (("start", "input", 2), ("done", "output", 1)),
                  (("start", "input", 1), ("done", "input", 1))):
        assert request_pairs(_design(*ports)) == [], ports


# -- the spec's python scoreboard block ---------------------------------------------------------

SB = """def SCOREBOARD(txn, prev):
    if txn["out"]["done"] == 1 and txn["out"]["result"] > 65535:
        return "impossible"
    return None
"""


def _spec(body: str) -> str:
    return f"# T\n\n## Model\ntext\n\n```python scoreboard\n{body}```\n\n```python\nx = 1\n```\n"


def test_spec_scoreboard_block_is_parsed_with_its_line():
    spec = parse_spec_text(_spec(SB), "t.md")
    assert spec.scoreboard is not None
    assert spec.scoreboard.source == SB.rstrip("\n")
    assert spec.scoreboard.line == 7  # the block's first source line
    info = spec_scoreboard(spec, _alu_view())
    assert info is not None and info.n_checks == 1
    # a plain python block is prose, not a model
    assert parse_spec_text("# T\n```python\ndef SCOREBOARD(t, p):\n  pass\n```\n").scoreboard \
        is None
    assert spec_scoreboard(parse_spec_text("# T\n"), _alu_view()) is None


def test_two_scoreboard_blocks_are_refused():
    text = _spec(SB) + "\n```python scoreboard\n" + SB + "```\n"
    with pytest.raises(InputError) as info:
        parse_spec_text(text, "t.md")
    assert info.value.line == 17 and "second ```python scoreboard block" in str(info.value)


@pytest.mark.parametrize("body,line,message", [
    ("import os\ndef SCOREBOARD(txn, prev):\n    return None\n", 7, "os"),
    ("def SCOREBOARD(txn, prev):\n    return open('/etc/passwd').read()\n", 8, "open"),
    ("def SCOREBOARD(txn, prev):\n    return txn['out']['nope']\n", 8, "nope"),
    ("def SCOREBOARD(txn, prev):\n    return ().__class__.__bases__\n", 8, "__class__"),
    ("def SCOREBOARD(txn, prev):\n    while True:\n        pass\n", 8, "while"),
    ("def SCOREBOARD(txn, prev)\n    return None\n", 7, "SyntaxError"),
    ("def CHECK(txn, prev):\n    return None\n", 7, "def SCOREBOARD(txn, prev)"),
])
def test_hostile_spec_scoreboard_is_refused_at_its_spec_line(body, line, message):
    spec = parse_spec_text(_spec(body), "t.md")
    with pytest.raises(InputError) as info:
        spec_scoreboard(spec, _alu_view())
    err = info.value
    assert err.file == "t.md" and err.line == line, (err.line, str(err))
    assert "python scoreboard block is refused" in str(err)
    assert message in str(err), str(err)


def test_builtin_generator_runs_the_spec_model_and_transactions_on_mcalu():
    from dv.design import load_design
    from dv.gen.builtin import BuiltinGenerator
    from dv.gen.validate import validate_scoreboard

    design = load_design([MCALU / "mcalu.sv"], root=ROOT)
    spec = parse_spec(MCALU / "mcalu.md")
    b = BuiltinGenerator().baseline(design, spec, 1)
    assert b.scoreboard is not None and "reference model written by the engineer" in \
        b.scoreboard and "def SCOREBOARD(txn, prev)" in b.scoreboard
    txn = [t for t in b.tests if any(s.get("kind") == "transactions"
                                     for s in t.plan["segments"])]
    assert [t.name for t in txn] == ["r0_transactions"]
    seg = txn[0].plan["segments"][0]
    assert (seg["req"], seg["ack"], seg["ack_value"], seg["hold_req"]) == \
        ("start", "done", 1, False)
    # the generator's plans pass the validator a model's plans go through
    view = DesignView.of(design)
    problems: list[Problem] = []
    plans = [{"name": t.name, "purpose": "p", "segments": t.plan["segments"]} for t in b.tests]
    validate_plans(plans, view, 0, [], problems)
    assert problems == []
    problems = []
    validate_scoreboard(spec.scoreboard.source, view, problems)
    assert problems == []
    # without the block: no reference model (nothing is made up)
    bare = parse_spec_text("# mcalu\n", "m.md")
    assert BuiltinGenerator().baseline(design, bare, 1).scoreboard is None


# -- simulation: segments as documented, and the planted bug ------------------------------------

UNTIL_HOLD = {"kind": "until", "drive": {"start": 1, "op": 4, "a": 200, "b": 3},
              "until": {"signal": "done", "equals": 1}, "timeout": 20}
# start stays high through the cycle done is seen, so a second MUL starts there; the next
# segment waits for it to end (its operands change: the reference model leaves it unchecked)
AFTER = {"kind": "until", "drive": {"op": 2, "a": 7, "b": 9},
         "until": {"signal": "busy", "equals": 0}, "timeout": 30}
PLANS = {
    "t_hold": [UNTIL_HOLD, AFTER],
    "t_timeout": [{"kind": "until", "drive": {"op": 4},
                   "until": {"signal": "done", "equals": 1}, "timeout": 6},
                  {"cycles": 20000}],
    "t_txn_ok": [{"kind": "transactions", "req": "start", "ack": "done", "count": 60,
                  "timeout": 40, "gap": 2, "values": {"op": [0, 1, 2, 3, 5, 6, 7]},
                  "hold": 1.0}],
    "t_txn_bug": [{"kind": "transactions", "req": "start", "ack": "done", "count": 4,
                   "timeout": 40, "values": {"op": [4], "b": [200]}, "hold": 1.0}],
}


@pytest.fixture(scope="module")
def buggy_runs(tmp_path_factory, build_root):
    """The buggy mcalu (MUL drops b[7]'s partial product) built once, a testbench of the
    plans above with the spec's reference model, every test run once."""
    from dv.design import load_design
    from dv.gen import harness
    from dv.gen.builtin import spec_model
    from dv.sim.build import BuildConfig, build
    from dv.sim.run import TestJob, run_tests

    rtl = MCALU / "mcalu_buggy.sv"
    design = load_design([rtl], defines={"MCALU_BUGGY": "1"}, root=ROOT)
    spec = parse_spec(MCALU / "mcalu.md")
    tb = tmp_path_factory.mktemp("mcalu_tb")
    bundle = Bundle(round=0, tests=[Plan(n, {"segments": s}) for n, s in PLANS.items()],
                    scoreboard=spec_model(design, spec))
    (tb / "mcalu_env.py").write_text(harness.env_module(design))
    (tb / "tb_mcalu_r0.py").write_text(harness.round_module(design, bundle))
    b = build(BuildConfig(top="mcalu", sources=[str(rtl)], defines={"MCALU_BUGGY": "1"},
                          coverage=False), build_root)
    jobs = [TestJob(name=n, module="tb_mcalu_r0", testcase=n, seed=5, python_path=(str(tb),),
                    timeout=300) for n in PLANS]
    runs = tmp_path_factory.mktemp("mcalu_runs")
    return {r.job.name: r for r in run_tests(b, jobs, runs, parallel=2)}


def _trace(res) -> list[dict]:
    return [txn for _kind, txn in json.loads((res.run_dir / "transactions.json").read_text())]


def test_until_holds_the_inputs_through_the_cycle_the_condition_is_seen(buggy_runs):
    res = buggy_runs["t_hold"]
    assert res.status == "passed", res.message
    by_cycle = {t["cycle"]: t for t in _trace(res)}
    held = {"start": 1, "op": 4, "a": 200, "b": 3}
    # three reset items (applied at falling edges 1-3, shown by the monitor in cycles 2-4);
    # the segment's first item is applied at the 4th falling edge: the inputs of cycle 5,
    # the first cycle out of reset
    assert min(by_cycle) == 5
    done = min(c for c, t in by_cycle.items() if t["out"]["done"] == 1)
    assert done == 5 + 8 and by_cycle[done]["out"]["result"] == 600  # MUL: 8 cycles
    for c in range(5, done + 2):  # held up to and including the item applied when done is seen
        assert by_cycle[c]["in"] == held, (c, by_cycle[c]["in"])
    assert by_cycle[done + 2]["in"] == {"start": 0, "op": 2, "a": 7, "b": 9}
    assert by_cycle[done + 1]["out"]["busy"] == 1  # the held start began a second MUL


def test_a_timeout_fails_the_test_with_a_named_message_not_a_hang(buggy_runs):
    res = buggy_runs["t_timeout"]
    assert res.status == "failed"
    assert "cycle 11: no done==1 within 6 cycles of the request at cycle 4 (until segment)" \
        in res.message, res.message
    assert res.sim_time_ns < 20000 * 10  # the rest of the plan was not run


def test_every_result_of_held_transactions_is_checked_and_passes(buggy_runs):
    res = buggy_runs["t_txn_ok"]
    assert res.status == "passed", res.message
    trace = _trace(res)
    starts = trace[:1] if trace[0]["in"]["start"] == 1 else []  # after reset: idle
    starts += [t for t, p in zip(trace[1:], trace, strict=False)
               if t["in"]["start"] == 1 and p["out"]["busy"] == 0]
    dones = [t for t in trace if t["out"]["done"] == 1]
    assert len(starts) == len(dones) == 60
    # the operands stayed stable from each start to its done
    for s in starts:
        d = next(t for t in dones if t["cycle"] >= s["cycle"])
        span = [t for t in trace if s["cycle"] <= t["cycle"] <= d["cycle"]]
        assert len({(t["in"]["op"], t["in"]["a"], t["in"]["b"]) for t in span}) == 1


def test_planted_mul_bug_is_caught_by_the_spec_model_at_the_failing_cycle(buggy_runs):
    res = buggy_runs["t_txn_bug"]
    assert res.status == "failed"
    m = re.search(r"cycle (\d+): scoreboard mismatch \(design bug or wrong reference model\): "
                  r"MUL a=0x[0-9a-f]{2} b=0xc8 started at cycle (\d+): result 0x[0-9a-f]{4} "
                  r"err 0, expected 0x[0-9a-f]{4} err 0", res.message)
    assert m, res.message
    assert int(m.group(1)) == int(m.group(2)) + 8  # named at the cycle done rose


def test_dv_generate_refuses_a_hostile_spec_model_before_writing_anything(tmp_path):
    import subprocess
    import sys

    text = (MCALU / "mcalu.md").read_text()
    bad = tmp_path / "bad.md"
    bad.write_text(text.replace("MASK = 0xFFFF\n", "import os\nMASK = 0xFFFF\n", 1))
    line = bad.read_text().splitlines().index("import os") + 1
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "dv.cli", "generate", "--rtl",
                           str(MCALU / "mcalu.sv"), "--spec", str(bad), "--out", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    assert f"{bad}:{line}: the spec's python scoreboard block is refused: `import os`" in \
        " ".join((proc.stdout + proc.stderr).split())
    assert "Traceback" not in proc.stderr
    assert not out.exists()
