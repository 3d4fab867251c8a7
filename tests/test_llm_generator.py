"""The LLM generator driven through litellm with scripted answers (no provider is reached).

Most tests go through a stub OpenAI-compatible server on 127.0.0.1 (the real litellm HTTP
path: retries, timeouts, error mapping); a few use litellm's own ``mock_response``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dv.cov.holes import Hole
from dv.cov.model import CoverPoint
from dv.design.frontend import load_design
from dv.design.spec import parse_spec
from dv.errors import InputError
from dv.gen import harness
from dv.gen.base import RoundContext, get_generator
from dv.gen.llm import LlmGenerator, wrap_scoreboard
from dv.gen.llm_client import ReplayMiss, redact
from dv.gen.llm_stub import Reply, ScriptedServer, synthetic_design
from dv.gen.validate import DesignView, validate_scoreboard

pytestmark = pytest.mark.filterwarnings("ignore:.*`ReadOnly` qualifier:UserWarning")
ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "llm"
FIFO = ROOT / "rtl_examples/fifo/fifo.sv"
FIFO_SPEC = ROOT / "rtl_examples/fifo/fifo.md"


@pytest.fixture(scope="module")
def fifo():
    return load_design([str(FIFO)], root=ROOT), parse_spec(FIFO_SPEC)


def answer(name: str, **changes) -> str:
    data = json.loads((DATA / name).read_text())
    sb = data.pop("scoreboard_file", None)
    if sb:
        data["scoreboard"] = (DATA / sb).read_text()
    data.update(changes)
    return json.dumps(data)


GOOD = answer("fifo_r0.json")
GOOD_SB = (DATA / "fifo_scoreboard_good.py").read_text()


def gen_for(srv: ScriptedServer | None, tmp_path: Path, **kw) -> LlmGenerator:
    opts = {"num_retries": 0, "timeout": 10.0, "run_dir": tmp_path, "root": ROOT}
    opts.update(kw)
    api_base = srv.api_base if srv is not None else "http://127.0.0.1:9/v1"
    return LlmGenerator("openai/stub", api_base=api_base, **opts)


def user_text(request: dict) -> str:
    return "\n".join(m["content"] for m in request["messages"] if m["role"] == "user")


# -- a good answer -----------------------------------------------------------------------------

def test_good_answer_fills_every_slot(fifo, tmp_path):
    design, spec = fifo
    with ScriptedServer([Reply(GOOD, prompt_tokens=2100, completion_tokens=900)]) as srv:
        gen = gen_for(srv, tmp_path)
        bundle = gen.baseline(design, spec, seed=1)
    assert [t.name for t in bundle.tests] == ["r0_fill_drain", "r0_both_ends"]
    assert {t.generator for t in bundle.tests} == {"openai/stub"}
    assert bundle.generator == "openai/stub"
    labels = [p.label for p in bundle.properties]
    assert labels == ["never_both", "count_bound", "fill_up", "empty_iff_zero",
                      "full_write_dropped", "cov_write_read_full", "cov_underflow"]
    assert bundle.scoreboard and "scoreboard mismatch (design bug or wrong reference model)" \
        in bundle.scoreboard
    compile(harness.round_module(design, bundle), "tb_fifo_r0.py", "exec")
    # what went out: one system + one user message, the spec and interface inside, in budget
    [req] = srv.requests
    assert [m["role"] for m in req["messages"]] == ["system", "user"]
    text = user_text(req)
    assert "wr_data (8 bits, 0..255)" in text and "first-word fall-through" in text
    usage = bundle.llm
    assert usage["turns"] == 1 and usage["repairs"] == 0 and usage["accepted_turn"] == 0
    assert usage["prompt_tokens"] == 2100 and usage["completion_tokens"] == 900
    assert usage["cost"] is None and usage["cost_known"] is False  # a stub has no price
    assert 0 < usage["prompt_tokens_counted"][0] <= gen.max_prompt_tokens
    assert any("accepted at turn 0" in n for n in bundle.notes)
    # recorded and cached
    run = tmp_path / "build" / "llm" / "fifo"
    rec = json.loads((run / "round-0-turn-0.json").read_text())
    assert rec["request"]["messages"] == req["messages"]
    assert rec["response"]["content"] == GOOD
    assert len(list((tmp_path / "build" / "llm-cache").glob("*.json"))) == 1
    assert json.loads((run / "usage.json").read_text())["total"]["calls"] == 1


# -- bad answers, each repaired on the next turn ------------------------------------------------

def _sb(src: str) -> str:
    return answer("fifo_r0.json", scoreboard=src)


BAD_ANSWERS = {
    "syntax_error": (_sb(GOOD_SB.replace("if out[\"count\"] != n:", "if out[\"count\"] != n")),
                     "stop", ["SyntaxError", "line 27", "expected ':'"]),
    "hallucinated_signal": (_sb(GOOD_SB.replace('out["full"]', 'out["is_full"]')), "stop",
                            ["'is_full' is not a signal of fifo", "full (1 bit, 0..1)"]),
    "removed_cocotb_api": (_sb(GOOD_SB.replace("    step(txn[\"in\"])\n",
                                               "    step(txn[\"in\"])\n    cocotb.fork(x)\n")),
                           "stop", ["`fork` is a cocotb 1.x API", "cocotb.start_soon"]),
    "forbidden_import": (_sb("import os\n" + GOOD_SB), "stop",
                         ["`import os` is not allowed", "only math"]),
    "cut_off_mid_block": (GOOD[: len(GOOD) // 2], "length",
                          ["your answer was cut off", "finish_reason=length"]),
    "cut_off_without_reason": ("```json\n" + GOOD[: len(GOOD) // 3], "stop",
                               ["your answer was cut off"]),
    "empty": ("", "stop", ["the answer was empty"]),
}


@pytest.mark.parametrize("kind", sorted(BAD_ANSWERS))
def test_bad_answer_goes_back_as_a_repair_request(kind, fifo, tmp_path):
    design, spec = fifo
    bad, finish, needles = BAD_ANSWERS[kind]
    with ScriptedServer([Reply(bad, finish_reason=finish), Reply(GOOD)]) as srv:
        gen = gen_for(srv, tmp_path)
        bundle = gen.baseline(design, spec, seed=1)
    assert len(srv.requests) == 2
    repair = srv.requests[1]["messages"]
    assert [m["role"] for m in repair] == ["system", "user", "assistant", "user"]
    assert repair[:2] == srv.requests[0]["messages"]  # the same prompt, then the exchange
    for needle in needles:
        assert needle in repair[-1]["content"], repair[-1]["content"]
    assert "Repair 1 of 2" in repair[-1]["content"]
    # the round records what happened, and the repaired answer is used
    assert bundle.llm["accepted_turn"] == 1 and bundle.llm["repairs"] == 1
    assert bundle.llm["problems"] and needles[0] in "\n".join(bundle.llm["problems"][0])
    assert any(n.startswith("turn 0 rejected") for n in bundle.notes)
    assert [t.name for t in bundle.tests] == ["r0_fill_drain", "r0_both_ends"]
    assert (tmp_path / "build/llm/fifo/round-0-turn-1.json").is_file()


def test_still_invalid_after_the_repairs_falls_back_to_builtin(fifo, tmp_path):
    design, spec = fifo
    with ScriptedServer([Reply("not json")] * 3) as srv:
        gen = gen_for(srv, tmp_path, max_repairs=2)
        bundle = gen.baseline(design, spec, seed=1)
    assert len(srv.requests) == 3
    assert bundle.generator == "builtin"
    assert {t.generator for t in bundle.tests} == {"builtin"}
    assert [t.name for t in bundle.tests][0] == "r0_random"
    assert bundle.scoreboard is None
    assert any("still invalid after 2 repair turn(s)" in n for n in bundle.notes)
    assert [p.label for p in bundle.properties] == ["never_both", "count_bound", "fill_up"]


# -- provider failures -------------------------------------------------------------------------

def test_rate_limit_then_success_is_retried_by_litellm(fifo, tmp_path):
    design, spec = fifo
    script = [Reply(status=429, content="slow down", headers={"retry-after-ms": "5"}),
              Reply(GOOD)]
    with ScriptedServer(script) as srv:
        gen = gen_for(srv, tmp_path, num_retries=2)
        bundle = gen.baseline(design, spec, seed=1)
    assert len(srv.requests) == 2  # litellm retried; dv saw one call
    assert bundle.llm["turns"] == 1 and bundle.llm["errors"] == []
    assert bundle.generator == "openai/stub"


def test_rate_limit_that_persists_is_recorded_and_builtin_makes_the_round(fifo, tmp_path):
    design, spec = fifo
    with ScriptedServer([Reply(status=429, headers={"retry-after-ms": "5"})] * 4) as srv:
        gen = gen_for(srv, tmp_path, num_retries=1)
        bundle = gen.baseline(design, spec, seed=1)
    assert bundle.generator == "builtin"
    [err] = bundle.llm["errors"]
    assert err["kind"] == "rate_limit"
    assert any("provider error on turn 0: rate_limit" in n for n in bundle.notes)


def test_timeout_is_recorded_and_builtin_makes_the_round(fifo, tmp_path):
    design, spec = fifo
    with ScriptedServer([Reply(GOOD, delay=3.0)]) as srv:
        gen = gen_for(srv, tmp_path, timeout=0.5, num_retries=0)
        bundle = gen.baseline(design, spec, seed=1)
    assert bundle.generator == "builtin"
    assert bundle.llm["errors"][0]["kind"] == "timeout"
    assert any("mixed mode: round 0 made by the built-in generator" in n for n in bundle.notes)
    rec = json.loads((tmp_path / "build/llm/fifo/round-0-turn-0.json").read_text())
    assert rec["response"]["error"]["kind"] == "timeout"


def test_connection_refused_is_an_error_not_a_crash(fifo, tmp_path):
    design, spec = fifo
    gen = gen_for(None, tmp_path, timeout=2.0)
    bundle = gen.baseline(design, spec, seed=1)
    assert bundle.generator == "builtin"
    assert bundle.llm["errors"][0]["kind"] in ("connection", "server_error", "error")


# -- litellm's mock_response -------------------------------------------------------------------

def test_mock_response_path(fifo, tmp_path):
    design, spec = fifo
    import litellm

    gen = LlmGenerator("openai/gpt-4o-mini", run_dir=tmp_path, num_retries=0,
                       mock_responses=[GOOD, "litellm.RateLimitError",
                                       {"mock_response": GOOD, "mock_timeout": True}],
                       timeout=0.2, check_model=False)
    bundle = gen.baseline(design, spec, seed=1)
    assert bundle.generator == "openai/gpt-4o-mini"
    assert bundle.llm["cost"] and bundle.llm["cost"] > 0  # a priced model: completion_cost
    ctx = RoundContext(round=1, holes=[], failures=[], previous_tests=bundle.tests, seed=1)
    b1 = gen.next_round(design, spec, ctx)
    assert b1.generator == "builtin" and b1.llm["errors"][0]["kind"] == "rate_limit"
    b2 = gen.next_round(design, spec, RoundContext(round=2, holes=[], failures=[],
                                                   previous_tests=[], seed=1))
    assert b2.generator == "builtin" and b2.llm["errors"][0]["kind"] == "timeout"
    assert litellm  # imported lazily by dv, usable here


# -- replay ------------------------------------------------------------------------------------

def _session(gen: LlmGenerator, design, spec):
    b0 = gen.baseline(design, spec, seed=1)
    holes = [_hole("fifo.sv", 40, "branch", "if", ("do_read",))]
    ctx = RoundContext(round=1, holes=holes, failures=[], previous_tests=b0.tests, seed=1)
    return b0, gen.next_round(design, spec, ctx)


def test_replay_reruns_offline_with_the_same_results(fifo, tmp_path):
    design, spec = fifo
    r1 = answer("fifo_r1.json")
    with ScriptedServer([Reply("oops"), Reply(GOOD), Reply(r1)]) as srv:
        live = _session(gen_for(srv, tmp_path), design, spec)
    replayed = _session(gen_for(None, tmp_path, replay=True), design, spec)
    for a, b in zip(live, replayed, strict=True):
        assert [(t.name, t.plan) for t in a.tests] == [(t.name, t.plan) for t in b.tests]
        assert a.scoreboard == b.scoreboard and a.weakened == b.weakened
        assert a.llm["accepted_turn"] == b.llm["accepted_turn"]
    assert replayed[0].llm["calls"][0]["cached"] is True
    assert replayed[1].weakened  # the underflow check was dropped: recorded the same way


def test_replay_miss_is_a_clear_error(fifo, tmp_path):
    design, spec = fifo
    gen = gen_for(None, tmp_path, replay=True)
    with pytest.raises(ReplayMiss) as exc:
        gen.baseline(design, spec, seed=1)
    assert "no recorded response for round 0 turn 0" in exc.value.render()
    assert "without --replay" in exc.value.render()


# -- keys --------------------------------------------------------------------------------------

def test_keys_never_reach_the_disk(fifo, tmp_path, monkeypatch):
    design, spec = fifo
    secret = "sk-test-THISISNOTAREALKEY0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    leaky = GOOD.replace("baseline from the spec", f"my key is {secret}")
    with ScriptedServer([Reply(leaky)]) as srv:
        gen = gen_for(srv, tmp_path)
        gen.baseline(design, spec, seed=1)
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert secret not in f.read_text(errors="replace"), f
    assert redact({"api_key": "abc", "x": f"Bearer {secret}"}) == {
        "api_key": "[redacted]", "x": "Bearer [redacted]"}
    monkeypatch.delenv("OPENAI_API_KEY")
    assert redact("Authorization: Bearer abcdefghijklmnopqrstu") == "Authorization: [redacted]"


# -- prompt budget -----------------------------------------------------------------------------

SYNTH_ANSWER = json.dumps({
    "plans": [{"name": "a5", "purpose": "go with din == 0xA5",
               "segments": [{"cycles": 50, "bias": {"go": 0.9},
                             "values": {"din": [165]}, "hold": 0.9}]}],
    "scoreboard": None, "assertions": [], "cover_points": []})


def test_prompt_stays_within_budget_with_10000_toggle_holes(tmp_path):
    design, holes = synthetic_design(5000)
    assert len(holes) >= 10_000
    with ScriptedServer([Reply(SYNTH_ANSWER)]) as srv:
        gen = gen_for(srv, tmp_path, max_prompt_tokens=4000)
        ctx = RoundContext(round=1, holes=holes, failures=[], previous_tests=[], seed=1)
        bundle = gen.next_round(design, None, ctx)
    [req] = srv.requests
    counted = gen.client.count_tokens(messages=req["messages"])
    assert counted <= 4000
    assert bundle.llm["prompt_tokens_counted"][0] <= 4000
    text = user_text(req)
    first = text.index("## Coverage holes")
    assert text.index("branch if", first) < text.index("toggle", first)  # ranked
    assert "more source line(s) with open holes not shown" in text
    assert "10002 open holes" in text
    assert text.count("toggle s") < 1000  # grouped and trimmed, not a list of bits
    assert bundle.tests[0].plan["segments"][0]["values"] == {"din": [165]}


def test_prompt_too_small_for_the_mandatory_part_falls_back(fifo, tmp_path):
    design, spec = fifo
    gen = gen_for(None, tmp_path, max_prompt_tokens=1000)
    bundle = gen.baseline(design, spec, seed=1)
    assert bundle.generator == "builtin" and bundle.llm["turns"] == 0
    assert any("prompt does not fit" in n for n in bundle.notes)


# -- judging claims across rounds --------------------------------------------------------------

def _hole(file, line, kind, comment, signals=(), conditions=()):
    p = CoverPoint(kind=kind, file=file, line=line, column=0, comment=comment, hier="fifo")
    return Hole(p, "", tuple(conditions), tuple(signals))


MISMATCH = {"name": "r0_fill_drain", "round": 0, "seed": 1, "status": "failed",
            "message": "r0_fill_drain: 3 check(s) failed; first: cycle 12: scoreboard mismatch "
                       "(design bug or wrong reference model): rd_data is 0x3, the oldest entry "
                       "is 0x7", "log": "nowhere/sim.log"}
REFUTED = {"name": "r0_both_ends", "round": 0, "seed": 1, "status": "failed",
           "message": "[0] %Error: fifo_props.sv:12: Assertion failed in TOP.fifo.dv_props_i."
                      "empty_iff_zero: dv-prop-fail empty_iff_zero (spec:0)"}


def test_weakened_checks_and_refuted_assertions_are_recorded(fifo, tmp_path):
    design, spec = fifo
    r1 = answer("fifo_r1.json", assertions=[
        "full_write_dropped: assert property (@(posedge clk) disable iff (!rst_n) "
        "(full && wr_en) |=> count == DEPTH);"])
    with ScriptedServer([Reply(GOOD), Reply(r1)]) as srv:
        gen = gen_for(srv, tmp_path)
        b0 = gen.baseline(design, spec, seed=1)
        notes = gen.review_round(b0, [MISMATCH, REFUTED, {"name": "ok", "status": "passed"}])
        ctx = RoundContext(round=1, holes=[_hole("fifo.sv", 40, "branch", "if")],
                           failures=[MISMATCH, REFUTED], previous_tests=b0.tests, seed=1)
        b1 = gen.next_round(design, spec, ctx)
    # the loop's review: a failing check is "design bug or wrong model", never a pass
    assert any("DESIGN BUG OR A WRONG REFERENCE MODEL" in n and "cycle 12" in n for n in notes)
    assert any("refuted the model's assertion(s) empty_iff_zero" in n for n in notes)
    # the refuted assertion and the failure went back to the model with their messages
    text = user_text(srv.requests[1])
    assert "## Assertions refuted by simulation" in text and "empty_iff_zero" in text
    assert "rd_data is 0x3, the oldest entry is 0x7" in text and "seed 1" in text
    # every weakening is recorded, with the failure it followed
    w = "\n".join(b1.weakened)
    assert "no longer checks out.underflow" in w
    assert "after its scoreboard failed in r0_fill_drain" in w
    assert "assertion empty_iff_zero withdrawn after simulation refuted it" in w
    assert "assertion full_write_dropped changed (may be weaker; review)" in w
    assert any(n.startswith("WEAKENED: ") for n in b1.notes)
    assert any("model verdict on r0_writes_only: model_wrong" in n for n in b1.notes)
    assert (tmp_path / "build/llm/fifo/round-1-scoreboard.diff").read_text().count(
        "-    if out[\"underflow\"]") == 1
    usage = json.loads((tmp_path / "build/llm/fifo/usage.json").read_text())
    assert usage["weakened"] == b1.weakened
    assert usage["assertions"]["full_write_dropped"].startswith("proposed in round 1")
    # the next round's scoreboard still checks the rest, and is carried into the bundle
    assert "the oldest entry" in (b1.scoreboard or "")


def test_held_assertions_count_after_a_clean_round(fifo, tmp_path):
    design, spec = fifo
    with ScriptedServer([Reply(GOOD), Reply(answer("fifo_r1.json"))]) as srv:
        gen = gen_for(srv, tmp_path)
        b0 = gen.baseline(design, spec, seed=1)
        assert gen.status["empty_iff_zero"].startswith("pending")
        gen.next_round(design, spec, RoundContext(round=1, holes=[], failures=[],
                                                  previous_tests=b0.tests, seed=1))
    assert gen.status["empty_iff_zero"] == "held in simulation (round 0)"
    assert gen.status["cov_underflow"] == "held in simulation (round 0)"


def test_stalled_llm_rounds_fall_back_to_builtin(fifo, tmp_path):
    design, spec = fifo
    holes = [_hole("fifo.sv", 40, "branch", "if"), _hole("fifo.sv", 41, "branch", "else")]
    r1 = answer("fifo_r1.json", scoreboard=None)
    with ScriptedServer([Reply(GOOD), Reply(r1), Reply(r1)]) as srv:
        gen = gen_for(srv, tmp_path)
        b0 = gen.baseline(design, spec, seed=1)
        b1 = gen.next_round(design, spec, RoundContext(1, holes, [], b0.tests, 1))
        b2 = gen.next_round(design, spec, RoundContext(2, holes, [], b0.tests + b1.tests, 1))
        b3 = gen.next_round(design, spec, RoundContext(3, holes, [], [], 1))
    assert len(srv.requests) == 3  # round 2 did not ask the model; round 3 did again
    assert b1.generator == "openai/stub" and b3.generator == "openai/stub"
    assert b2.generator == "builtin" and {t.generator for t in b2.tests} == {"builtin"}
    assert any("closed no hole" in n for n in b2.notes)
    assert [t.name for t in b3.tests] == ["r3_drain", "r3_full_both"]
    # the reference model keeps checking the built-in generator's tests
    assert b2.scoreboard and "the oldest entry" in b2.scoreboard
    assert gen.usage()["total"]["builtin_rounds"] == [2]


def test_stall_reported_by_the_loop(fifo, tmp_path):
    design, spec = fifo
    with ScriptedServer([Reply(GOOD), Reply(answer("fifo_r1.json"))]) as srv:
        gen = gen_for(srv, tmp_path)
        b0 = gen.baseline(design, spec, seed=1)
        gen.next_round(design, spec, RoundContext(1, [], [], b0.tests, 1, new_points=5))
        b2 = gen.next_round(design, spec, RoundContext(2, [], [], [], 1, new_points=0))
    assert b2.generator == "builtin"
    assert any("hit no new coverage point" in n for n in b2.notes)


# -- the scoreboard wrapper at run time ---------------------------------------------------------

def _run_scoreboard(src: str, stream: list[dict]) -> list[str | None]:
    ns: dict = {}
    exec(compile(src, "tb_round.py", "exec"), ns)  # noqa: S102 - our own generated code
    out = []
    prev = None
    for txn in stream:
        if prev is not None and txn.get("first"):
            prev = txn  # the harness skips the first cycle after a reset
            continue
        if prev is not None:
            out.append(ns["SCOREBOARD"](txn, prev))
        prev = txn
    return out


def _txn(cycle, wr=0, rd=0, data=0, count=0, rd_data=0, first=False, **flags):
    full, empty = int(count == 8), int(count == 0)
    return {"cycle": cycle, "reset": False, "first": first,
            "in": {"wr_en": wr, "wr_data": data, "rd_en": rd},
            "out": {"rd_data": rd_data, "full": full, "empty": empty, "count": count,
                    "overflow": flags.get("overflow", 0), "underflow": flags.get("underflow", 0)},
            "fsm": {}}


def test_wrapped_scoreboard_says_design_bug_or_wrong_model():
    view = DesignView.of(load_design([str(FIFO)], root=ROOT))
    src = wrap_scoreboard(validate_scoreboard(GOOD_SB, view), "m", 0)
    stream = [_txn(4, wr=1, data=7, count=1, rd_data=7), _txn(5, wr=1, data=9, count=2,
                                                               rd_data=7),
              _txn(6, rd=1, count=1, rd_data=9), _txn(7, count=5, rd_data=9)]
    got = _run_scoreboard(src, stream)
    assert got[:2] == [None, None]
    assert got[2].startswith("scoreboard mismatch (design bug or wrong reference model): "
                             "count is 5")
    # after a reset the hook restarts the model from the first transaction
    stream = [_txn(4, wr=1, data=7, count=1, rd_data=7), _txn(5, count=1, rd_data=7),
              _txn(9, wr=1, data=3, count=1, rd_data=3, first=True),
              _txn(10, count=1, rd_data=3)]
    assert _run_scoreboard(src, stream) == [None, None]
    crashing = "def SCOREBOARD(txn, prev):\n    return 1 // 0 and 'x'\n"
    src = wrap_scoreboard(validate_scoreboard(crashing, view), "m", 0)
    [msg] = _run_scoreboard(src, stream[:2])
    assert msg.startswith("reference model error (wrong reference model): SCOREBOARD raised "
                          "ZeroDivisionError")
    # a model returning megabytes per cycle: the message dv keeps is bounded
    flood = "def SCOREBOARD(txn, prev):\n    return 'x' * 60000\n"
    src = wrap_scoreboard(validate_scoreboard(flood, view), "m\nimport os", 0)
    assert "\nimport os" not in src
    [msg] = _run_scoreboard(src, stream[:2])
    assert msg.startswith("scoreboard mismatch") and len(msg) < 1100


# -- choosing the generator --------------------------------------------------------------------

def test_get_generator_by_name(tmp_path):
    from dv.gen.builtin import BuiltinGenerator

    assert isinstance(get_generator("builtin"), BuiltinGenerator)
    assert isinstance(get_generator("builtin", max_repairs=3), BuiltinGenerator)
    g = get_generator("openai/local", api_base="http://127.0.0.1:1/v1", max_prompt_tokens=9000,
                      max_repairs=1, replay=False, cache_dir=str(tmp_path / "c"),
                      run_dir=str(tmp_path))
    assert isinstance(g, LlmGenerator) and g.name == "openai/local"
    assert g.max_prompt_tokens == 9000 and g.max_repairs == 1
    assert g.client.cache_dir == tmp_path / "c"


def test_unroutable_model_and_missing_key_are_input_errors(tmp_path):
    with pytest.raises(InputError) as exc:
        get_generator("nosuchprovider/x", run_dir=str(tmp_path))
    assert "not a model string litellm can route" in exc.value.render()
    with pytest.raises(InputError) as exc:
        get_generator("openai/gpt-4o", run_dir=str(tmp_path))
    text = exc.value.render()
    assert "OPENAI_API_KEY" in text and "builtin" in text
    with pytest.raises(InputError):
        get_generator("openai/gpt-4o", max_prompt_tokens=10)
    # replay needs no key
    assert isinstance(get_generator("openai/gpt-4o", replay=True, run_dir=str(tmp_path)),
                      LlmGenerator)


# -- the committed example ---------------------------------------------------------------------

def test_committed_example_still_replays_its_first_round(fifo, tmp_path):
    """coverage/fifo_llm_example is replayed from its cache: the prompts dv builds today must
    still hash to the recorded ones. If this fails after a prompt change, re-record it with
    `python bench/llm_harness.py --record-example coverage/fifo_llm_example`."""
    example = ROOT / "coverage" / "fifo_llm_example"
    assert example.is_dir(), "coverage/fifo_llm_example is committed and must be there"
    design, spec = fifo
    gen = get_generator("openai/stub", replay=True, cache_dir=str(example / "llm-cache"),
                        run_dir=str(tmp_path), root=str(ROOT))
    bundle = gen.baseline(design, spec, seed=1)
    rec = json.loads((example / "closure.json").read_text())
    assert [t.name for t in bundle.tests] == [t["name"] for t in rec["rounds"][0]["tests"]]


def test_cli_options_map_to_generator_options(tmp_path):
    import click
    from click.testing import CliRunner

    from dv.gen.llm import generator_options, llm_cli_options

    seen: dict = {}

    @click.command()
    @llm_cli_options()
    def cmd(**kw):
        seen.update(generator_options(out=tmp_path, **kw))

    res = CliRunner().invoke(cmd, ["--api-base", "http://127.0.0.1:8/v1", "--max-repairs", "1",
                                   "--replay", "--llm-fallback", "openai/b"])
    assert res.exit_code == 0, res.output
    assert seen["api_base"] == "http://127.0.0.1:8/v1" and seen["max_repairs"] == 1
    assert seen["replay"] is True and seen["fallbacks"] == ["openai/b"]
    assert seen["max_prompt_tokens"] == 16000 and seen["run_dir"] == tmp_path
    g = get_generator("openai/x", **seen)
    assert g.client.fallbacks == ["openai/b"]


# -- provider credentials and retries ----------------------------------------------------------

MSG = [{"role": "user", "content": "hi"}]


def _client(srv: ScriptedServer, tmp_path: Path, **kw):
    from dv.gen.llm_client import LlmClient

    opts = {"timeout": 10.0, "num_retries": 0, "cache_dir": tmp_path / "cache",
            "transcript_dir": tmp_path / "llm"}
    opts.update(kw)
    return LlmClient("openai/stub", api_base=srv.api_base, **opts)


def test_api_base_gets_no_key_from_the_environment(tmp_path, monkeypatch):
    secret = "sk-envkey-NOTFORTHISSERVER0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    with ScriptedServer([Reply("ok")]) as srv:
        call = _client(srv, tmp_path).complete(MSG, round_index=0, turn=0)
    assert call.ok
    [headers] = srv.headers
    assert secret not in json.dumps(headers)
    assert headers.get("authorization") == "Bearer no-key-needed"


def test_api_base_gets_the_key_the_user_names(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-envkey-NOTFORTHISSERVER0123456789")
    monkeypatch.setenv("MY_LOCAL_SERVER_KEY", "local-server-key-42")
    with ScriptedServer([Reply("ok")]) as srv:
        call = _client(srv, tmp_path, api_key_env="MY_LOCAL_SERVER_KEY").complete(
            MSG, round_index=0, turn=0)
    assert call.ok
    assert srv.headers[0].get("authorization") == "Bearer local-server-key-42"
    # and the transcript written to disk holds neither key
    for f in (tmp_path / "llm").rglob("*.json"):
        text = f.read_text()
        assert "local-server-key-42" not in text and "NOTFORTHISSERVER" not in text


def test_named_key_variable_must_be_set(tmp_path, monkeypatch):
    from dv.gen.llm_client import LlmClient

    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    with pytest.raises(InputError, match="--api-key-env NO_SUCH_KEY_VAR"):
        LlmClient("openai/stub", api_base="http://127.0.0.1:9/v1",
                  api_key_env="NO_SUCH_KEY_VAR").check_model()


@pytest.mark.parametrize("model, base, owns", [
    ("openai/gpt-4o", "https://api.openai.com/v1", True),
    ("anthropic/claude-x", "https://api.anthropic.com", True),
    ("openai/gpt-4o", "http://api.openai.com/v1", False),  # not https
    ("openai/gpt-4o", "https://api.openai.com.evil.example/v1", False),
    ("openai/gpt-4o", "https://user:pw@api.openai.com/v1", False),
    ("openai/gpt-4o", "https://api.anthropic.com", False),  # another provider's host
    ("openai/stub", "http://127.0.0.1:8000/v1", False),
])
def test_provider_owns_only_its_own_https_host(model, base, owns):
    from dv.gen.llm_client import LlmClient, provider_owns_base

    assert provider_owns_base(model, base) is owns
    creds = LlmClient(model, api_base=base).credentials()
    assert ("api_key" not in creds) is owns  # its own host: litellm reads the env key


@pytest.mark.parametrize("retries", [0, 1, 2, 3])
@pytest.mark.parametrize("status", [429, 500])
def test_llm_retries_means_retries_in_total(retries, status, tmp_path):
    """--llm-retries N: at most N+1 requests (litellm's num_retries=2 alone made 5)."""
    with ScriptedServer(lambda body, i: Reply(status=status,
                                              headers={"retry-after-ms": "1"})) as srv:
        call = _client(srv, tmp_path, num_retries=retries).complete(MSG, round_index=0, turn=0)
    assert not call.ok
    assert len(srv.requests) == retries + 1
    assert call.attempts == retries + 1


def test_retry_stops_at_the_first_success(tmp_path):
    script = [Reply(status=500), Reply(status=429, headers={"retry-after-ms": "1"}),
              Reply("ok"), Reply("never asked")]
    with ScriptedServer(script) as srv:
        call = _client(srv, tmp_path, num_retries=5).complete(MSG, round_index=0, turn=0)
    assert call.ok and call.content == "ok" and len(srv.requests) == 3


def test_a_request_error_is_not_retried(tmp_path):
    with ScriptedServer(lambda body, i: Reply(status=400)) as srv:
        call = _client(srv, tmp_path, num_retries=3).complete(MSG, round_index=0, turn=0)
    assert call.error["kind"] == "bad_request" and len(srv.requests) == 1


def test_cli_api_key_env_option(tmp_path):
    import click
    from click.testing import CliRunner

    from dv.gen.llm import generator_options, llm_cli_options

    seen: dict = {}

    @click.command()
    @llm_cli_options()
    def cmd(**kw):
        seen.update(generator_options(out=tmp_path, **kw))

    res = CliRunner().invoke(cmd, ["--api-base", "http://127.0.0.1:8/v1",
                                   "--api-key-env", "LOCAL_KEY", "--llm-retries", "3"])
    assert res.exit_code == 0, res.output
    assert seen["api_key_env"] == "LOCAL_KEY" and seen["num_retries"] == 3


# -- provenance --------------------------------------------------------------------------------

def test_model_properties_are_attributed_to_the_model_not_the_spec(fifo, tmp_path):
    design, spec = fifo
    bad = answer("fifo_r0.json", plans="not a list")  # turn 0 is rejected, turn 1 accepted
    with ScriptedServer([Reply(bad), Reply(GOOD)]) as srv:
        gen = gen_for(srv, tmp_path)
        bundle = gen.baseline(design, spec, seed=1)
    assert bundle.property_origins["empty_iff_zero"] == "openai/stub, round 0, turn 1"
    spec_labels = {p.label for p in spec.properties}
    assert not spec_labels & set(bundle.property_origins)
    sv = harness.props_module(design, bundle.properties, "fifo.md", bundle.property_origins)
    assert 'dv-prop-fail empty_iff_zero (written by openai/stub, round 0, turn 1)' in sv
    assert "// written by openai/stub, round 0, turn 1" in sv
    some_spec = next(p for p in spec.properties if p.kind == "assert")
    assert f"dv-prop-fail {some_spec.label} (fifo.md:{some_spec.line})" in sv
    assert harness.props_generators(bundle) == "spec + openai/stub"
    assert "model-written properties" in harness.props_what(bundle)


def test_fallback_rounds_are_named_in_summary_and_console(capsys):
    from types import SimpleNamespace

    from dv.cli import _progress
    from dv.report.closure import summary_markdown

    example = ROOT / "coverage" / "fifo_llm_example" / "closure.json"
    assert example.is_file(), "coverage/fifo_llm_example is committed and must be there"
    rec = json.loads(example.read_text())
    why = "the answer was still invalid after 2 repair turn(s)"
    from dv.gen.llm import RoundLog

    rec["rounds"][0]["llm"] = RoundLog(0, generator="builtin", fallback=why).to_json()
    md = summary_markdown(rec)
    assert "## Rounds made by the built-in generator instead of the model" in md
    assert f"- round 0: {why}" in md
    r = SimpleNamespace(index=2, summary={}, new_points=0, open_holes=3,
                        llm={"fallback": "provider error on turn 0: rate_limit"})
    _progress("round", r)
    out = capsys.readouterr().out
    assert "round 2 made by the built-in generator" in out and "rate_limit" in out


# -- weakening judged by behaviour: replay in a contained child ---------------------------------

def _txn_file(path: Path, rows: list[tuple[int, int]]) -> Path:
    """transactions.json as the checker writes it: (count, full) per cycle after reset."""
    events = [["p", {"cycle": 1, "reset": False, "in": {}, "out": {"count": 0, "full": 0},
                     "fsm": {}}]]
    for i, (count, full) in enumerate(rows):
        events.append(["c", {"cycle": i + 2, "reset": False, "in": {},
                             "out": {"count": count, "full": full}, "fsm": {}}])
    path.write_text(json.dumps(events))
    return path


STRICT = ('def SCOREBOARD(txn, prev):\n'
          '    if txn["out"]["full"] != int(txn["out"]["count"] == 8):\n'
          '        return "full disagrees with count"\n'
          '    return None\n')
LOOSE = ('def SCOREBOARD(txn, prev):\n'
         '    if txn["out"]["count"] > 8:\n'
         '        return "count above depth"\n'
         '    return None\n')


def _wrapped(src: str, rnd: int) -> str:
    info = validate_scoreboard(src, DesignView.of(load_design([str(FIFO)], root=ROOT)))
    return wrap_scoreboard(info, "openai/stub", rnd)


@pytest.mark.parametrize("sandbox_ok", [True, False])
def test_replay_finds_transactions_the_new_scoreboard_stopped_rejecting(tmp_path, sandbox_ok):
    from dv.gen.sb_replay import find_loosened
    from dv.sim.sandbox import sandbox_available

    if sandbox_ok and not sandbox_available()[0]:
        pytest.skip("no bubblewrap here")
    f = _txn_file(tmp_path / "transactions.json", [(3, 0), (8, 0), (8, 1), (5, 1)])
    res = find_loosened(_wrapped(STRICT, 0), _wrapped(LOOSE, 1), [("r0_t", f)],
                        scratch=tmp_path, sandbox_ok=sandbox_ok)
    assert res.error == "" and res.replayed == 4 and res.sandboxed is sandbox_ok
    assert [x["cycle"] for x in res.loosened] == [3, 5]  # (8, 0) and (5, 1)
    assert res.loosened[0]["txn"]["out"] == {"count": 8, "full": 0}
    assert "full disagrees with count" in res.loosened[0]["old"]
    # the same scoreboard on both sides loosens nothing
    same = find_loosened(_wrapped(STRICT, 0), _wrapped(STRICT, 1), [("r0_t", f)],
                         scratch=tmp_path, sandbox_ok=sandbox_ok)
    assert same.loosened == [] and same.replayed == 4


def test_replay_runs_model_code_in_another_process_without_keys(tmp_path, monkeypatch):
    """Validation deliberately bypassed: the replayed code sees another PID and no keys."""
    import os

    from dv.gen.sb_replay import find_loosened

    monkeypatch.setenv("OPENAI_API_KEY", "sk-replay-MUSTNOTBEVISIBLE0123456789")
    spy = ('import os\n'
           'SEEN = "pid=%d key=%s" % (os.getpid(), os.environ.get("OPENAI_API_KEY"))\n'
           'def SCOREBOARD(txn, prev):\n    return SEEN\n')
    accept = 'def SCOREBOARD(txn, prev):\n    return None\n'
    f = _txn_file(tmp_path / "transactions.json", [(1, 0)])
    res = find_loosened(spy, accept, [("t", f)], scratch=tmp_path, sandbox_ok=False)
    [item] = res.loosened
    assert f"pid={os.getpid()} " not in item["old"] and "key=None" in item["old"]


def test_replay_of_a_hanging_scoreboard_is_bounded(tmp_path):
    import time

    from dv.gen.sb_replay import find_loosened

    hang = 'def SCOREBOARD(txn, prev):\n    while True:\n        pass\n'
    f = _txn_file(tmp_path / "transactions.json", [(1, 0)])
    t0 = time.monotonic()
    res = find_loosened(hang, LOOSE, [("t", f)], scratch=tmp_path, timeout=3.0,
                        sandbox_ok=False)
    assert time.monotonic() - t0 < 15
    assert "longer than 3 s" in res.error and res.loosened == []


def test_changed_scoreboard_is_replayed_and_loosenings_listed(fifo, tmp_path):
    design, spec = fifo
    run_dir = tmp_path / "runs" / "r0_fill_drain"
    run_dir.mkdir(parents=True)
    _txn_file(run_dir / "transactions.json", [(8, 0)])
    strict = answer("fifo_r0.json", scoreboard=STRICT)
    loose = answer("fifo_r1.json", scoreboard=LOOSE)
    with ScriptedServer([Reply(strict), Reply(loose)]) as srv:
        gen = gen_for(srv, tmp_path)
        b0 = gen.baseline(design, spec, seed=1)
        failed = {"name": "r0_fill_drain", "seed": 1, "status": "failed", "round": 0,
                  "message": "scoreboard mismatch: full disagrees with count",
                  "log": str(run_dir / "sim.log")}
        gen.review_round(b0, [failed])
        ctx = RoundContext(round=1, holes=[_hole("fifo.sv", 40, "branch", "if")],
                           failures=[failed], previous_tests=b0.tests, seed=1)
        b1 = gen.next_round(design, spec, ctx)
    loosened = [w for w in b1.weakened if "accepts a transaction the old one rejected" in w]
    assert len(loosened) == 1
    assert "test r0_fill_drain, cycle 2" in loosened[0] and '"count":8' in loosened[0]
    assert any("accepts 1 recorded transaction(s) the old one rejected (in r0_fill_drain)" in w
               for w in b1.weakened)
    assert any("replayed on 1 recorded transaction(s)" in n for n in b1.notes)


def test_a_hanging_scoreboard_is_blamed_on_the_reference_model(fifo, tmp_path):
    from dv.gen.llm_review import judge_failure

    entry = {"name": "r0_t", "seed": 3, "status": "timeout", "message": "timed out after 60 s"}
    assert "design deadlock" in judge_failure(entry, [], []).text
    j = judge_failure({**entry, "scoreboard_hang": {"cycle": 17}}, [], [])
    assert j.category == "model_hang" and "reference model (scoreboard) hung at cycle 17" in j.text
    # the generator finds the checker's marker in the test's run directory
    design, spec = fifo
    run_dir = tmp_path / "runs" / "r0_t"
    run_dir.mkdir(parents=True)
    (run_dir / "scoreboard_hang.json").write_text('{"cycle": 17, "seconds": 2.0}')
    with ScriptedServer([Reply(GOOD)]) as srv:
        gen = gen_for(srv, tmp_path)
        b0 = gen.baseline(design, spec, seed=1)
        notes = gen.review_round(b0, [{**entry, "log": str(run_dir / "sim.log")}])
    assert any("hung at cycle 17" in n and "not evidence about the design" in n for n in notes)


def test_replay_never_reads_a_recorded_file_through_a_link(tmp_path):
    """A sandboxed run could leave transactions.json as a link to a host file: dv reads it
    outside the sandbox, so it must not follow it (nor read a pipe or an oversized file)."""
    import os

    from dv.gen.sb_replay import find_loosened

    secret = tmp_path / "host_secret.json"
    _txn_file(secret, [(8, 0)])
    link = tmp_path / "run" / "transactions.json"
    link.parent.mkdir()
    os.symlink(secret, link)
    res = find_loosened(_wrapped(STRICT, 0), _wrapped(LOOSE, 1), [("t", link)],
                        scratch=tmp_path, sandbox_ok=False)
    assert res.replayed == 0 and res.loosened == []
    assert "no readable recorded transactions" in res.error


def test_log_excerpt_reads_head_and_tail_of_a_flooded_log(tmp_path):
    from dv.gen.llm_prompt import log_excerpt

    log = tmp_path / "sim.log"
    with open(log, "w") as f:
        f.write("first error: counter overflow\n")
        f.write(("noise line that says nothing at all\n") * 400_000)  # ~14 MB
        f.write("last error: scoreboard mismatch at cycle 9\n")
    out = log_excerpt(str(log), [tmp_path])
    assert out[0].startswith("first error") and out[-1].startswith("last error")
