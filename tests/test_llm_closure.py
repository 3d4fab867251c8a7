"""A full closure run on the FIFO with the LLM generator: real Verilator, scripted model.

Round 0's reference model is wrong (it expects the newest entry on ``rd_data``): simulation
must flag the mismatch and the run must report it as "a design bug or a wrong reference model",
not pass it. Round 1's first answer names a signal the FIFO does not have and goes back as a
repair request; the repaired answer fixes the model but drops the underflow check, which the
round must record as a weakened check.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dv.design.frontend import load_design
from dv.design.spec import parse_spec
from dv.gen.llm import LlmGenerator
from dv.gen.llm_stub import Reply, ScriptedServer
from dv.loop import ClosureOptions, run_closure

pytestmark = pytest.mark.filterwarnings("ignore:.*`ReadOnly` qualifier:UserWarning")
ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "llm"


def answer(name: str) -> str:
    data = json.loads((DATA / name).read_text())
    sb = data.pop("scoreboard_file", None)
    if sb:
        data["scoreboard"] = (DATA / sb).read_text()
    return json.dumps(data)


@pytest.mark.slow
def test_llm_closure_on_the_fifo_flags_a_wrong_reference_model(tmp_path):
    design = load_design([str(ROOT / "rtl_examples/fifo/fifo.sv")], root=ROOT)
    spec = parse_spec(ROOT / "rtl_examples/fifo/fifo.md")
    out = tmp_path / "out"
    script = [Reply(answer("fifo_r0_wrong.json")), Reply(answer("fifo_r1_hallucinated.json")),
              Reply(answer("fifo_r1.json"))]
    with ScriptedServer(script) as srv:
        gen = LlmGenerator("openai/stub", api_base=srv.api_base, run_dir=out, root=ROOT,
                           num_retries=0, timeout=30)
        run = run_closure(design, spec, gen, ClosureOptions(rounds=2, out=out, root=ROOT,
                                                            parallel=2, seed=1))
    assert len(srv.requests) == 3
    rec = json.loads((out / "coverage/fifo/closure.json").read_text())
    r0, r1 = rec["rounds"]
    # round 0: the wrong reference model fails the test; the failure says what it may mean
    [t0] = r0["tests"]
    assert t0["name"] == "r0_writes_only" and t0["status"] == "failed"
    assert "scoreboard mismatch (design bug or wrong reference model)" in t0["message"]
    assert "the newest entry" in t0["message"]
    assert run.failed_tests()  # the CLI exits 1 on this run: the failure is not passed
    # judged (in round 0's record when the loop asks the generator to review a round, else
    # in round 1's), repaired, and the dropped check recorded
    judged = "\n".join(r0["notes"] + r1["notes"])
    assert "r0_writes_only FAILED (seed 1)" in judged
    assert "DESIGN BUG OR A WRONG REFERENCE MODEL" in judged
    notes = "\n".join(r1["notes"])
    assert "turn 0 rejected" in notes and "'almost_full' is not a signal of fifo" in notes
    assert "WEAKENED: round 1: the scoreboard no longer checks out.underflow after its " \
           "scoreboard failed in r0_writes_only" in notes
    assert "model verdict on r0_writes_only: model_wrong" in notes
    # judged by behaviour too: the checker recorded round 0's transactions, and the new model,
    # replayed on them in a contained child, accepts ones the old (wrong) model rejected
    loosened = [w for w in r1["weakened"] if "accepts a transaction the old one rejected" in w]
    assert loosened and "test r0_writes_only, cycle" in loosened[0], r1["weakened"]
    assert "rd_data" in loosened[0] and "the newest entry" in loosened[0]
    assert "replayed on" in notes
    assert [t["status"] for t in r1["tests"]] == ["passed", "passed"]
    assert r1["new_points"] > 0
    # what the model was told in round 1: the failing test with seed, message and log
    prompt = "\n".join(m["content"] for m in srv.requests[1]["messages"] if m["role"] == "user")
    assert "r0_writes_only (seed 1, failed, round 0)" in prompt
    assert "log excerpt:" in prompt and "scoreboard mismatch" in prompt
    assert "## Coverage holes, grouped by source line" in prompt
    repair = srv.requests[2]["messages"][-1]["content"]
    assert "'almost_full' is not a signal of fifo" in repair
    # the generated round modules carry the (wrapped) reference model
    tb = out / "testbenches/fifo"
    assert "def SCOREBOARD_RESET(first):" in (tb / "tb_fifo_r1.py").read_text()
    usage = json.loads((out / "build/llm/fifo/usage.json").read_text())
    assert usage["total"]["calls"] == 3 and usage["total"]["repairs"] == 1
    assert [r["overhead"] < 5 for r in usage["rounds"]] == [True, True]


@pytest.mark.slow
def test_a_hanging_scoreboard_is_blamed_on_the_reference_model(tmp_path):
    """A reference model that loops forever (a loop validation cannot prove endless) times the
    test out; the checker's watchdog marks it, and the record blames the model, not the RTL."""
    design = load_design([str(ROOT / "rtl_examples/fifo/fifo.sv")], root=ROOT)
    spec = parse_spec(ROOT / "rtl_examples/fifo/fifo.md")
    out = tmp_path / "out"
    data = json.loads(answer("fifo_r0_wrong.json"))
    data["scoreboard"] = ("def SCOREBOARD(txn, prev):\n    n = 0\n    while n >= 0:\n"
                          "        n += 1\n    if n:\n        return 'never'\n    return None\n")
    with ScriptedServer([Reply(json.dumps(data))]) as srv:
        gen = LlmGenerator("openai/stub", api_base=srv.api_base, run_dir=out, root=ROOT,
                           num_retries=0, timeout=30)
        run_closure(design, spec, gen, ClosureOptions(rounds=1, out=out, root=ROOT, seed=1,
                                                      parallel=1, test_timeout=15,
                                                      formal=False))
    rec = json.loads((out / "coverage/fifo/closure.json").read_text())
    [t0] = rec["rounds"][0]["tests"]
    assert t0["status"] in ("timeout", "failed", "error"), t0
    assert "the reference model (scoreboard, model-written code) hung" in t0["message"]
    assert "hung at cycle" in "\n".join(rec["rounds"][0]["notes"])
