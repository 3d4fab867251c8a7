"""The hostile-answer corpus (tests/data/llm/hostile/*.json): every answer is refused by
validation with a precise problem.

Each file holds ``escape`` (what the answer tried), ``expect`` (a phrase the refusal must
contain) and ``answer`` (the model's raw text). The rest of every answer is a valid
baseline, so each file fails validation for its own reason only: the control test below
checks that the same template with nothing hostile in it is accepted. (Containment by the OS
sandbox, with validation bypassed, is tested with the sandbox: tests/data/llm/hostile/sandbox.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_llm_validate import fifo_view

from dv.gen import validate as V
from dv.gen.validate import AnswerProblems, DesignView, parse_answer, validate_answer

HOSTILE = Path(__file__).resolve().parent / "data" / "llm" / "hostile"
CASES = sorted(HOSTILE.glob("*.json"))


def _validate(text: str, view: DesignView | None = None):
    answer = parse_answer(text)
    return validate_answer(answer, view or fifo_view(), round_index=0,
                           taken_tests=(), taken_labels={"never_both"})


def _clean_template() -> dict:
    """The hostile files' template with nothing hostile in it."""
    return {
        "plans": [{"name": "smoke", "purpose": "write then read",
                   "segments": [{"cycles": 20, "bias": {"wr_en": 0.5, "rd_en": 0.5}}]}],
        "scoreboard": "\n\ndef SCOREBOARD(txn, prev):\n    pass\n"
                      "    if txn[\"out\"][\"count\"] > 8:\n        return \"count above depth\"\n"
                      "    return None\n",
        "assertions": ["a_ok: assert property (@(posedge clk) !(full && empty));"],
        "cover_points": ["c_ok: cover property (@(posedge clk) full && wr_en);"],
    }


def test_the_template_itself_is_accepted():
    valid = _validate(json.dumps(_clean_template()))
    assert [t.name for t in valid.tests] == ["r0_smoke"]
    assert valid.scoreboard is not None
    assert [p.label for p in valid.assertions or []] == ["a_ok"]


def test_corpus_covers_every_escape_class_of_the_issue():
    names = {p.stem for p in CASES}
    for prefix in ("import_", "pth_write", "sva_dpi", "env_", "print_flood", "memory_bomb",
                   "format_", "match_", "purpose_lone_surrogate", "label_non_ascii"):
        assert any(n.startswith(prefix) for n in names), prefix
    assert len(CASES) >= 40


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_hostile_answer_is_refused_with_a_precise_problem(path):
    doc = json.loads(path.read_text())
    with pytest.raises(AnswerProblems) as err:
        _validate(doc["answer"])
    rendered = [p.render() for p in err.value.problems]
    assert any(doc["expect"] in r for r in rendered), (doc["escape"], rendered)
    # a refusal is a repair request that can go back to the model: plain text, no traceback
    for r in rendered:
        assert "Traceback" not in r
        r.encode("utf-8")


def test_refused_sva_never_reaches_the_bound_properties():
    doc = json.loads((HOSTILE / "sva_dpi_in_block_comment.json").read_text())
    answer = json.loads(doc["answer"])
    problems: list = []
    got = V.validate_properties(answer["assertions"], "assertions", fifo_view(), set(),
                                problems)
    assert got == [] and problems


def test_comments_are_dropped_from_the_accepted_statement():
    problems: list = []
    [prop] = V.validate_properties(
        ["a_c: assert property (@(posedge clk) /* keep out */ !(full && empty)); // tail"],
        "assertions", fifo_view(), set(), problems)
    assert problems == []
    assert "keep out" not in prop.body and "tail" not in prop.body and "//" not in prop.body
    assert prop.body.startswith("assert property") and prop.body.endswith(";")


# -- a checker that fails refuses, it never accepts --------------------------------------------

def test_exception_inside_the_scoreboard_checker_refuses(monkeypatch):
    def boom(self, tree):
        raise RuntimeError("checker bug")

    monkeypatch.setattr(V._ScoreboardChecker, "run", boom)
    with pytest.raises(AnswerProblems) as err:
        _validate(json.dumps(_clean_template()))
    assert any("could not check this scoreboard" in p.render() for p in err.value.problems)


def test_exception_inside_the_sva_checker_refuses(monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("pyslang bug")

    monkeypatch.setattr(V, "_sva_structure", boom)
    with pytest.raises(AnswerProblems) as err:
        _validate(json.dumps(_clean_template()))
    assert any("could not check this entry" in p.render() for p in err.value.problems)


def test_exception_inside_the_formal_subset_check_refuses(monkeypatch):
    import dv.formal.sva as sva

    def boom(*a, **k):
        raise TypeError("formal parser bug")

    monkeypatch.setattr(sva, "parse_property", boom)
    with pytest.raises(AnswerProblems) as err:
        _validate(json.dumps(_clean_template()))
    assert any("formal front end could not read" in p.render() for p in err.value.problems)


def test_exception_anywhere_else_in_validation_refuses(monkeypatch):
    def boom(*a, **k):
        raise KeyError("plan checker bug")

    monkeypatch.setattr(V, "validate_plans", boom)
    with pytest.raises(AnswerProblems) as err:
        _validate(json.dumps(_clean_template()))
    assert "could not check this answer" in err.value.problems[0].render()


# -- what the harness writes from model text stays inert ---------------------------------------

@pytest.mark.parametrize("text", ['ends with a quote"', 'x"""\nimport os\n"""', "back\\",
                                  "nul\x00", "lone \ud800", "line\u2028sep", "cr\rlf"])
def test_docstrings_and_comments_cannot_be_ended_by_model_text(text):
    import ast

    from dv.gen.harness import _comment, _doc

    src = f'def f():\n    """{_doc(text)}"""\n    # {_comment(text)}\n    return 1\n'
    tree = ast.parse(src)
    fn = tree.body[0]
    assert isinstance(fn, ast.FunctionDef) and len(fn.body) == 2  # docstring + return
    assert ast.get_docstring(fn, clean=False) == text
    src.encode("utf-8")


def test_file_headers_stay_one_comment_line():
    from types import SimpleNamespace

    from dv.gen.harness import header

    design = SimpleNamespace(files=["a\nimport os.sv"], top="t{x}")
    line = header("#", "tests", design, "openai/x\rimport os")
    assert "\n" not in line and "\r" not in line
    assert line.format(hash="0123").endswith("dv-hash: 0123") and "t{x}" in line.format(hash="")


@pytest.mark.filterwarnings("ignore:.*`ReadOnly` qualifier:UserWarning")
def test_a_raw_lone_surrogate_from_the_endpoint_is_a_repair_request_not_a_traceback(tmp_path):
    """A hostile server's answer holding an unencodable character used to crash dv while it
    wrote the transcript (UnicodeEncodeError), then while hashing the repair request."""
    from dv.design.frontend import load_design
    from dv.design.spec import parse_spec
    from dv.gen.llm import LlmGenerator
    from dv.gen.llm_stub import Reply, ScriptedServer

    root = Path(__file__).resolve().parent.parent
    design = load_design([str(root / "rtl_examples/fifo/fifo.sv")], root=root)
    spec = parse_spec(root / "rtl_examples/fifo/fifo.md")
    bad = json.dumps({**_clean_template(), "notes": "x\ud800y"}, ensure_ascii=False)
    assert "\ud800" in bad  # the raw character, not a JSON escape
    with ScriptedServer([Reply(bad)] * 3) as srv:
        gen = LlmGenerator("openai/stub", api_base=srv.api_base, run_dir=tmp_path, root=root,
                           num_retries=0, timeout=10.0, max_repairs=1)
        bundle = gen.baseline(design, spec, seed=1)
    assert bundle.generator == "builtin" and len(srv.requests) == 2
    assert "lone surrogate (U+D800)" in bundle.llm["problems"][0][0]
    assert "\ud800" not in json.dumps(srv.requests[1], ensure_ascii=False)
    for f in (tmp_path / "build/llm/fifo").glob("round-0-turn-*.json"):
        f.read_text(encoding="utf-8")  # written, and valid UTF-8


@pytest.mark.filterwarnings("ignore:.*`ReadOnly` qualifier:UserWarning")
def test_an_oversized_answer_is_an_error_not_a_transcript(tmp_path):
    from dv.gen.llm_client import MAX_ANSWER_CHARS, LlmClient
    from dv.gen.llm_stub import Reply, ScriptedServer

    with ScriptedServer([Reply("x" * (MAX_ANSWER_CHARS + 1))]) as srv:
        client = LlmClient("openai/stub", api_base=srv.api_base, num_retries=0,
                           cache_dir=tmp_path / "cache", transcript_dir=tmp_path / "llm")
        call = client.complete([{"role": "user", "content": "hi"}], round_index=0, turn=0)
    assert call.error["type"] == "AnswerTooLarge" and call.content is None
    assert all(f.stat().st_size < 100_000 for f in tmp_path.rglob("*.json"))
