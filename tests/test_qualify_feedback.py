"""dv qualify's feedback: survivors into closure.json, back into dv generate's rounds (the
built-in generator's stimulus, the LLM's prompt), and the closest test chosen honestly.

Most tests need no simulator (pyslang and plain records); the loop's control flow is run with
the build and the simulation replaced (they are what other test modules check). One slow test
runs the real ``dv qualify`` on a copy of the committed FIFO testbench.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dv.design.frontend import load_design
from dv.gen.base import Bundle, Generator, RoundContext
from dv.gen.base import TestPlan as Plan
from dv.gen.builtin import BuiltinGenerator
from dv.qualify.feedback import (
    CLOSEST_RULE,
    ClosestTests,
    file_hash,
    previous_section,
    section_of,
    targets,
    write_section,
)

ROOT = Path(__file__).resolve().parent.parent
HS = ROOT / "tests" / "designs" / "qual_hs" / "qual_hs.sv"
PLUS = "rtl/qual_hs.sv:32:27:binop:+->-"
XOR = "rtl/qual_hs.sv:39:22:binop:^->&"
BOUNDED = "no difference within 20 cycles (bounded); not proven for longer runs"
CMP_SV = """module cmp (input logic clk, input logic rst_n, input logic [3:0] x, input logic go,
            output logic y);
  always_ff @(posedge clk or negedge rst_n)
    if (!rst_n) y <= 1'b0;
    else if (go) y <= (x > 4'd5);
endmodule
"""


def _mutant(sid: str, line: int, verdict: str, **kw) -> dict:
    kind = sid.split(":")[3]
    return {"k": 1, "id": sid, "file": "rtl/qual_hs.sv", "line": line,
            "column": int(sid.split(":")[2]),
            "kind": kind, "class": "", "detail": "a failing test's message",
            "description": f"mutation {sid}", "verdict": verdict, "killing_test": None,
            "behaviour": "same", "behaviour_detail": "", "tests": {"t": "passed"}, **kw}


def _qualify_record(mutants: list[dict]) -> dict:
    n = len(mutants)
    c = {v: sum(1 for m in mutants if m["verdict"] == v)
         for v in ("killed", "hang", "error", "survived")}
    return {"format": "dv-qualify", "top": "qual_hs", "testbench": "testbenches/qual_hs",
            "tests": ["t_a", "t_b"], "options": {"seed": 3}, "sites_total": 21,
            "behaviour_oracle": "output traces compared with the unmutated run (K=0)",
            "not_built": ["equivalent-mutant proofs (Z3 miter)",
                          "feeding survivors to the next generation round", "HTML rendering"],
            "summary": {"mutants": n, **c, "score_checks": 100.0 * c["killed"] / n,
                        "detected_only_by_behaviour": 1, "equivalent": None},
            "mutants": mutants}


def _closure(points: list[dict]) -> dict:
    return {"format": "dv-closure", "design": {"top": "qual_hs", "files": ["rtl/qual_hs.sv"]},
            "status": "done", "summary": {}, "points": points,
            "rounds": [{"index": 0, "tests": [{"name": "t_a"}]},
                       {"index": 1, "tests": [{"name": "t_b"}]}],
            "holes": [], "keep": "every other key stays"}


def _pt(kind: str, line: int, test: str | None, span: str = "", comment: str = "if",
        count: int = 5) -> dict:
    p = {"kind": kind, "file": "rtl/qual_hs.sv", "line": line, "column": 3, "comment": comment,
         "hier": "qual_hs", "count": count if test else 0}
    if span:
        p["span"] = span
    if test:
        p["first_test"] = test
    return p


@pytest.fixture()
def project(tmp_path, monkeypatch):
    (tmp_path / "rtl").mkdir()
    shutil.copy(HS, tmp_path / "rtl" / "qual_hs.sv")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- the closure record's section -----------------------------------------------------------------

def test_section_lists_survivors_with_their_mutation_and_closest_test(project):
    mutants = [_mutant("rtl/qual_hs.sv:30:21:binop:&&->||", 30, "killed"),
               _mutant(PLUS, 32, "survived", behaviour="changed",
                       behaviour_detail="t_a: sum was 8, now 6",
                       equivalence={"verdict": "bounded", "text": BOUNDED, "depth": 20,
                                    "k": None, "step": None, "trace": [], "outputs": {},
                                    "lemmas": 0, "seconds": 1.5}),
               _mutant(XOR, 39, "survived"),
               _mutant("rtl/qual_hs.sv:41:30:binop:>->>=", 41, "equivalent",
                       equivalence={"verdict": "equivalent", "text": "equivalent (proven by "
                                    "k-induction, k=2; no difference within 20 cycles)",
                                    "depth": 20, "k": 2, "trace": []})]
    closure = _closure([
        # the outer else arm spans line 32 too, hit first by t_a; the innermost arm (30-32)
        # was first hit by t_b: the innermost one is the closest
        _pt("branch", 28, "t_a", span="28-37", comment="else"),
        _pt("branch", 30, "t_b", span="30-32"),
        _pt("toggle", 9, "t_a", comment="a[0]:0->1"),
    ])
    sec = section_of(_qualify_record(mutants), project, closure,
                     record_path=project / "coverage" / "qual_hs" / "qualify.json",
                     rtl=["rtl/qual_hs.sv"])
    assert [s["id"] for s in sec["survivors"]] == [PLUS, XOR]
    plus, xor = sec["survivors"]
    assert (plus["original"], plus["mutant"]) == ("a + b", "((a) - (b))")
    assert plus["source"] == "sum  <= a + b;"
    assert plus["closest_test"] == "t_b" and "branch arm 'if'" in plus["closest_test_how"]
    assert "lines 30-32" in plus["closest_test_how"]
    # the miter's verdict, without its bulk
    assert plus["equivalence"] == {"verdict": "bounded", "text": BOUNDED, "depth": 20}
    assert "detail" not in plus and "tests" not in plus and "verdict" not in plus
    # a continuous assignment has no block: the first test that toggled a signal it names
    assert (xor["original"], xor["mutant"]) == ("a ^ b", "((a) & (b))")
    assert xor["closest_test"] == "t_a" and "toggle 'a[0]:0->1'" in xor["closest_test_how"]
    assert [e["id"] for e in sec["equivalent"]] == ["rtl/qual_hs.sv:41:30:binop:>->>="]
    assert sec["equivalent"][0]["equivalence"]["k"] == 2
    assert sec["rtl"] == {"rtl/qual_hs.sv": file_hash(project / "rtl" / "qual_hs.sv")}
    assert sec["closest_test_rule"] == CLOSEST_RULE
    assert sec["not_built"] == ["equivalent-mutant proofs (Z3 miter)"]
    assert sec["record"] == "coverage/qual_hs/qualify.json"


def test_closest_test_is_none_when_no_test_ran_the_line():
    c = ClosestTests(_closure([_pt("line", 16, None, span="16-17", comment="block"),
                               _pt("branch", 30, "t_a", span="30-32")]))
    assert c.of("rtl/qual_hs.sv", 16)[0] is None
    assert "no test executed rtl/qual_hs.sv:16" in c.of("rtl/qual_hs.sv", 16)[1]
    assert c.of("rtl/qual_hs.sv", 5) == (None, "none: closure.json has no coverage point on "
                                              "this line")
    assert c.of("rtl/qual_hs.sv", 31)[0] == "t_a"
    assert ClosestTests(None).of("rtl/qual_hs.sv", 31)[0] is None


def test_section_replaces_only_its_key_and_needs_a_closure_record(tmp_path):
    path = tmp_path / "closure.json"
    assert not write_section(path, {"survivors": []})
    assert not path.exists()
    path.write_text(json.dumps(_closure([])))
    assert write_section(path, {"survivors": [{"id": "x"}], "measured": "1"})
    assert write_section(path, {"survivors": [], "measured": "2"})  # a later run replaces it
    rec = json.loads(path.read_text())
    assert rec["keep"] == "every other key stays" and rec["qualify"]["measured"] == "2"
    assert previous_section(tmp_path)["measured"] == "2"
    path.write_text("{not json")
    assert previous_section(tmp_path) is None and not write_section(path, {})


def test_targets_are_only_survivors_of_unchanged_design_files(project):
    f = project / "rtl" / "qual_hs.sv"
    sec = {"rtl": {"rtl/qual_hs.sv": file_hash(f)},
           "survivors": [{"id": PLUS, "file": "rtl/qual_hs.sv", "line": 32},
                         {"id": "other.sv:1:1:negate", "file": "other.sv", "line": 1}]}
    got, notes = targets(sec, project, ["rtl/qual_hs.sv"])
    assert [s["id"] for s in got] == [PLUS]
    assert notes == ["1 surviving mutant(s) of the last dv qualify not used: other.sv is not "
                     "one of the design's files"]
    f.write_text(f.read_text() + "\n// edited\n")
    got, notes = targets(sec, project, ["rtl/qual_hs.sv"])
    assert got == [] and "rtl/qual_hs.sv changed since dv qualify measured it" in notes[0]
    assert targets(None, project, ["rtl/qual_hs.sv"]) == ([], [])


# -- the generators -------------------------------------------------------------------------------

def test_builtin_aims_stimulus_at_a_survivors_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cmp.sv").write_text(CMP_SV)
    design = load_design(["cmp.sv"], root=tmp_path)
    surv = {"id": "cmp.sv:5:25:binop:>->>=", "file": "cmp.sv", "line": 5, "column": 25,
            "description": "'>' -> '>=' in 'x > 4'd5'", "original": "x > 4'd5",
            "mutant": "(x >= 4'd5)", "source": "else if (go) y <= (x > 4'd5);"}
    ctx = dict(round=1, holes=[], failures=[], previous_tests=[], seed=1, strategy="holes")
    plain = BuiltinGenerator().next_round(design, None, RoundContext(**ctx))
    aimed = BuiltinGenerator().next_round(design, None, RoundContext(**ctx, survivors=[surv]))
    assert not [t for t in plain.tests if "directed" in t.name]
    directed = [t for t in aimed.tests if "directed" in t.name]
    assert len(directed) == 1 and "cmp.sv:5" in directed[0].purpose
    seg = directed[0].plan["segments"][0]
    # the compare's operand around its constant, and the guard `go` held high
    assert sorted(seg["values"]["x"]) == [4, 5, 6]
    assert seg["bias"]["go"] == 0.97
    assert any("aimed at the lines of 1 surviving mutant" in n for n in aimed.notes)


def test_llm_prompt_names_survivors_as_bugs_that_would_not_be_caught(tmp_path):
    from dv.design.spec import parse_spec
    from dv.gen.llm import LlmGenerator
    from dv.gen.llm_stub import Reply, ScriptedServer

    data = ROOT / "tests" / "data" / "llm"

    def answer(name: str) -> str:
        d = json.loads((data / name).read_text())
        sb = d.pop("scoreboard_file", None)
        if sb:
            d["scoreboard"] = (data / sb).read_text()
        return json.dumps(d)

    design = load_design([str(ROOT / "rtl_examples/fifo/fifo.sv")], root=ROOT)
    spec = parse_spec(ROOT / "rtl_examples/fifo/fifo.md")
    surv = {"id": "rtl_examples/fifo/fifo.sv:45:26:drop-case:2'b10",
            "file": "rtl_examples/fifo/fifo.sv", "line": 45,
            "description": "case arm 2'b10 dropped", "original": "2'b10: count <= count + 1'b1;",
            "mutant": "begin end", "source": "2'b10: count <= count + 1'b1;",
            "closest_test": "r0_fill_drain", "closest_test_how": "first test to hit ...",
            "equivalence": {"verdict": "differs", "depth": 20, "step": 4,
                            "text": "differs: the outputs differ in cycle 4 (count 2 vs 1)"}}
    r0, r1 = answer("fifo_r0.json"), answer("fifo_r1.json")
    with ScriptedServer([Reply(r0), Reply(r1), Reply(r0), Reply(r1)]) as srv:
        for name, given in (("without", []), ("with", [surv])):
            gen = LlmGenerator("openai/stub", api_base=srv.api_base, num_retries=0,
                               timeout=10.0, run_dir=tmp_path / name, root=ROOT)
            b0 = gen.baseline(design, spec, seed=1)
            b1 = gen.next_round(design, spec, RoundContext(round=1, holes=[], failures=[],
                                                           previous_tests=b0.tests, seed=1,
                                                           survivors=given))
            assert b1.generator == "openai/stub"
    assert len(srv.requests) == 4
    without, with_ = ("\n".join(m["content"] for m in r["messages"] if m["role"] == "user")
                      for r in (srv.requests[1], srv.requests[3]))
    assert "would not be caught" not in without and "Surviving mutants" not in without
    assert ("rtl_examples/fifo/fifo.sv:45: a bug here would not be caught: "
            "`2'b10: count <= count + 1'b1;`, case arm 2'b10 dropped "
            "(`2'b10: count <= count + 1'b1;` -> `begin end`)") in with_
    assert "test r0_fill_drain ran this line and its checks missed it" in with_
    assert ("a formal miter shows it is a real bug: differs: the outputs differ in cycle 4 "
            "(count 2 vs 1)") in with_
    assert "Surviving mutants are listed above" in with_


# -- the loop: survivors of the previous record become targets ------------------------------------

class _Recorder(Generator):
    """Records what the loop hands over; one trivial test per round."""

    name = "builtin"

    def __init__(self) -> None:
        self.contexts: list[RoundContext] = []

    def baseline(self, design, spec, seed):
        return Bundle(round=0, tests=[Plan("r0_t", {"segments": [{"cycles": 10}]})])

    def next_round(self, design, spec, ctx):
        self.contexts.append(ctx)
        return Bundle(round=ctx.round,
                      tests=[Plan(f"r{ctx.round}_t", {"segments": [{"cycles": 10}]})])


def _fake_sim(monkeypatch):
    """The loop without Verilator: a build that is not made, rounds whose tests all pass and
    hit nothing (no coverage points: every goal kind is met, vacuously)."""
    import dv.loop as loop
    from dv.sim.build import Build

    def fake_build(cfg, root, timeout=None):
        return Build(cfg, Path(root) / "fake", "k", 0.0, True, Path(root) / "fake" / "log")

    def fake_round(run, bundle, all_tests, manifest_tests, note):
        rec = loop.RoundRecord(index=bundle.round, generator="builtin",
                               tests=[{"name": t.name, "status": "passed"}
                                      for t in bundle.tests])
        manifest_tests += [loop.ManifestTest(f"tb_r{bundle.round}", t.name, 1, "passed",
                                             bundle.round) for t in bundle.tests]
        run.rounds.append(rec)
        return rec

    monkeypatch.setattr(loop, "build", fake_build)
    monkeypatch.setattr(loop, "_run_round", fake_round)


def _previous_record(project: Path, hash_of: Path) -> None:
    cov = project / "coverage" / "qual_hs"
    cov.mkdir(parents=True)
    rec = _closure([])
    rec["qualify"] = {"measured": "2026-01-01T00:00:00Z",
                      "rtl": {"rtl/qual_hs.sv": file_hash(hash_of)},
                      "summary": {"mutants": 2, "killed": 1, "survived": 1},
                      "survivors": [{"id": PLUS, "file": "rtl/qual_hs.sv", "line": 32,
                                     "source": "sum  <= a + b;"}]}
    (cov / "closure.json").write_text(json.dumps(rec))


def _run(project: Path, gen: Generator, rounds: int = 4):
    from dv.loop import ClosureOptions, run_closure

    design = load_design(["rtl/qual_hs.sv"], root=project)
    opts = ClosureOptions(rounds=rounds, out=project, root=project, formal=False)
    run = run_closure(design, None, gen, opts)
    return run, json.loads((project / "coverage" / "qual_hs" / "closure.json").read_text())


def test_generate_hands_survivors_to_a_round_even_when_round_0_met_the_goal(project,
                                                                            monkeypatch):
    _fake_sim(monkeypatch)
    _previous_record(project, project / "rtl" / "qual_hs.sv")
    gen = _Recorder()
    run, rec = _run(project, gen)
    assert [r.index for r in run.rounds] == [0, 1]  # one round aimed at them, then the goal
    assert run.stop_reason.startswith("goal reached")
    assert [s["id"] for s in gen.contexts[0].survivors] == [PLUS]
    # the section is carried over, marked stale (it measured the replaced testbench)
    assert rec["qualify"]["survivors"][0]["id"] == PLUS
    assert "run dv qualify again" in rec["qualify"]["stale"]
    assert rec["mutation_targets"] == {"survivors": [PLUS], "notes": []}


def test_survivors_of_changed_rtl_are_not_targets(project, monkeypatch):
    _fake_sim(monkeypatch)
    other = project / "old.sv"
    other.write_text("// what dv qualify measured\n")
    _previous_record(project, other)
    gen = _Recorder()
    run, rec = _run(project, gen)
    assert [r.index for r in run.rounds] == [0] and gen.contexts == []
    assert rec["mutation_targets"]["survivors"] == []
    assert "changed since dv qualify measured it" in rec["mutation_targets"]["notes"][0]


def test_no_qualify_no_keys(project, monkeypatch):
    """Without a recorded dv qualify the record's shape is what it was (no new keys)."""
    _fake_sim(monkeypatch)
    run, rec = _run(project, _Recorder(), rounds=2)
    assert "qualify" not in rec and "mutation_targets" not in rec
    assert [r.index for r in run.rounds] == [0]


# -- the real command -----------------------------------------------------------------------------

@pytest.mark.slow
def test_qualify_records_survivors_in_closure_json_and_report_shows_them(tmp_path,
                                                                        monkeypatch, capsys):
    """The real command on the small hand-written qual_hs testbench, beside a closure record:
    the adder swap is killed, the unchecked output's swap survives and is recorded with the
    test that toggled its operand; --min-score exits 1 after recording; every other key of the
    record is kept; dv report shows the figures and the survivor."""
    from dv.cli import main

    tb = tmp_path / "testbenches" / "qual_hs"
    shutil.copytree(HS.parent, tb)
    cov = tmp_path / "coverage" / "qual_hs"
    cov.mkdir(parents=True)
    before = _closure([dict(_pt("toggle", 9, "adds", comment="a[0]:0->1"), file="qual_hs.sv"),
                       dict(_pt("branch", 30, "adds", span="30-32"), file="qual_hs.sv")])
    before["rounds"] = [{"index": 0, "tests": [{"name": "adds", "status": "passed"}]}]
    (cov / "closure.json").write_text(json.dumps(before))
    monkeypatch.chdir(tmp_path)
    plus, xor = "qual_hs.sv:32:27:binop:+->-", "qual_hs.sv:39:22:binop:^->&"
    rc = main(["qualify", "testbenches/qual_hs", "--site", plus, "--site", xor, "-j", "2",
               "--min-score", "75"])
    out = capsys.readouterr().out
    assert rc == 1, out  # 1 of 2 killed: 50% < 75%
    rec = json.loads((cov / "closure.json").read_text())
    assert {k: v for k, v in rec.items() if k != "qualify"} == before
    q = rec["qualify"]
    assert q["summary"]["killed"] == 1 and q["summary"]["survived"] == 1
    [s] = q["survivors"]
    assert s["id"] == xor and (s["original"], s["mutant"]) == ("a ^ b", "((a) & (b))")
    assert s["closest_test"] == "adds" and "toggle 'a[0]:0->1'" in s["closest_test_how"]
    assert s["behaviour"] == "changed"
    assert "surviving mutant(s) recorded in" in out
    assert main(["report", "coverage/qual_hs", "--format", "md"]) == 0
    md = (cov / "report.md").read_text()
    assert "## Mutation analysis (dv qualify)" in md
    assert "| killed by the testbench's checks | 1 of 2 (50.0%) |" in md
    assert "`qual_hs.sv:39`" in md and "`((a) & (b))`" in md
