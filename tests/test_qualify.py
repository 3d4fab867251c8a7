"""dv qualify: mutation sites, the schema text, and verdicts on real Verilator runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dv.qualify import (
    PLUSARG,
    SELECTOR,
    QualifyOptions,
    find_sites,
    mutant_text,
    qualify,
    sample,
    schema_text,
)

ROOT = Path(__file__).resolve().parent.parent
HS = ROOT / "tests" / "designs" / "qual_hs"

# every site of qual_hs.sv, worked out by hand from the source: the parameter, localparams,
# the function (a constant function), the generate condition `T > 4` give none; the reset
# branch gives inverted reset values only; a bare constant on a right-hand side gives only
# stuck-at sites.
HS_SITES = [
    "qual_hs.sv:25:21:reset:busy",
    "qual_hs.sv:26:21:reset:ack",
    "qual_hs.sv:27:21:reset:sum",
    "qual_hs.sv:29:20:stuck0:ack",
    "qual_hs.sv:29:20:stuck1:ack",
    "qual_hs.sv:30:17:negate",
    "qual_hs.sv:30:21:binop:&&->||",
    "qual_hs.sv:31:25:stuck0:busy",
    "qual_hs.sv:31:25:stuck1:busy",
    "qual_hs.sv:32:25:stuck0:sum",
    "qual_hs.sv:32:25:stuck1:sum",
    "qual_hs.sv:32:27:binop:+->-",
    "qual_hs.sv:33:22:drop-else",
    "qual_hs.sv:34:25:stuck0:busy",
    "qual_hs.sv:34:25:stuck1:busy",
    "qual_hs.sv:39:20:stuck0:spare",
    "qual_hs.sv:39:20:stuck1:spare",
    "qual_hs.sv:39:22:binop:^->&",
    "qual_hs.sv:41:28:stuck0:unused_gt",
    "qual_hs.sv:41:28:stuck1:unused_gt",
    "qual_hs.sv:41:30:binop:>->>=",
]


def test_sites_of_a_small_design_by_hand():
    src = find_sites(HS / "qual_hs.sv", "qual_hs.sv")
    assert [s.id for s in src.sites] == HS_SITES
    lines = {s.line for s in src.sites}
    assert not lines & set(range(1, 22)), "parameters, localparams, the function: no sites"
    assert 40 not in lines, "the generate condition is elaboration-time"


def test_constants_and_case_arms():
    src = find_sites(ROOT / "rtl_examples" / "fifo" / "fifo.sv", "fifo.sv")
    ids = {s.id for s in src.sites}
    assert "fifo.sv:45:26:drop-case:2'b10" in ids
    assert "fifo.sv:45:43:const:1'b1->1'h0" in ids
    assert "fifo.sv:31:26:reset:count" in ids
    assert "fifo.sv:39:27:negate:select" in ids  # (wr_ptr == ...) ? '0 : wr_ptr + 1'b1
    # the cast size ($clog2(DEPTH)+1) and the localparam AW are elaboration-time
    assert not [s for s in src.sites if s.line == 53 and s.kind in ("binop", "const")
                and s.detail.startswith("+")]
    assert not [s for s in src.sites if s.line in (3, 4, 5, 19)]


def test_user_function_arguments_are_mutated_not_the_function():
    src = find_sites(ROOT / "rtl_examples" / "crc" / "crc.sv", "crc.sv")
    ids = {s.id for s in src.sites}
    assert "crc.sv:31:34:negate:select" in ids  # crc8_byte(init ? INIT : crc_out, data)
    assert not [s for s in src.sites if s.line < 27]  # parameters and the function body


def test_schema_keeps_lines_and_selects_each_site():
    src = find_sites(HS / "qual_hs.sv", "qual_hs.sv")
    chosen = {sid: k for k, sid in enumerate(HS_SITES, 1)}
    text = schema_text(src, chosen)
    assert text.count("\n") == src.text.count("\n")
    assert text.count(f"int {SELECTOR}") == 1
    assert f'$value$plusargs("{PLUSARG}=%d", {SELECTOR})' in text
    for k in chosen.values():
        assert (f"{SELECTOR} == {k} ?" in text) or (f"{SELECTOR} != {k})" in text)
    line32 = text.splitlines()[31]
    # nested sites: the operator swap sits inside both texts of the stuck-at selection
    assert line32.count(f"{SELECTOR} == 12 ? ((a) - (b)) : (a + b)") == 1
    plain = mutant_text(src, "qual_hs.sv:32:27:binop:+->-")
    assert SELECTOR not in plain and "sum  <= ((a) - (b));" in plain
    assert "begin end" in mutant_text(src, "qual_hs.sv:33:22:drop-else")


def test_sample_is_seeded():
    src = find_sites(HS / "qual_hs.sv", "qual_hs.sv")
    a = [s.id for s in sample(src.sites, 5, seed=1)]
    assert a == [s.id for s in sample(src.sites, 5, seed=1)]
    assert a != [s.id for s in sample(src.sites, 5, seed=2)]
    assert len(a) == 5 and a == [i for i in HS_SITES if i in a]  # source order
    assert len(sample(src.sites, None, seed=1)) == len(HS_SITES)


def test_cli_bad_input_exits_2(tmp_path):
    from dv.cli import main

    assert main(["qualify", str(tmp_path / "nope")]) == 2
    tb = tmp_path / "tb"
    shutil.copytree(HS, tb)
    assert main(["qualify", str(tb), "--site", "qual_hs.sv:1:1:binop:+->-"]) == 2
    assert not (tmp_path / "coverage").exists()


@pytest.mark.slow
def test_every_site_of_a_design_compiles_and_is_judged(tmp_path):
    """All 21 sites in one schema build; K=0 must pass (qualify raises otherwise); the adder
    swap is killed by the test's check, ack stuck at 0 stalls the handshake (hang), the
    unchecked output's swap survives the checks but changes the outputs, and a swap on a
    signal nothing reads survives with the same behaviour."""
    tb = tmp_path / "tb"
    shutil.copytree(HS, tb)
    out = tmp_path / "qualify.json"
    outcome = qualify(QualifyOptions(tb, mutants=None, parallel=2, out=out,
                                     build_root=tmp_path / "build", test_timeout=40.0,
                                     equiv=False))
    rec = json.loads(out.read_text())
    assert rec["rejected_sites"] == []
    by_id = {m.site.id: m for m in outcome.mutants}
    assert set(by_id) == set(HS_SITES)
    plus = by_id["qual_hs.sv:32:27:binop:+->-"]
    assert (plus.verdict, plus.killer) == ("killed", "adds")
    assert "gave" in plus.detail
    assert by_id["qual_hs.sv:29:20:stuck0:ack"].verdict == "hang"
    spare = by_id["qual_hs.sv:39:22:binop:^->&"]
    assert (spare.verdict, spare.behaviour) == ("survived", "changed")
    assert "spare" in spare.behaviour_detail
    gt = by_id["qual_hs.sv:41:30:binop:>->>="]
    assert (gt.verdict, gt.behaviour) == ("survived", "same")  # the miter is off here
    assert gt.equivalence is None and rec["summary"]["equivalent"] is None
    sm = rec["summary"]
    assert sm["mutants"] == len(HS_SITES)
    assert sm["killed"] + sm["hang"] + sm["error"] + sm["survived"] == sm["mutants"]
    assert sm["detected_only_by_behaviour"] >= 1


@pytest.mark.slow
def test_committed_fifo_testbench_kills_one_and_misses_one(tmp_path):
    """On the committed FIFO testbench: `full` stuck at 1 trips its never_both assertion;
    dropping the count-increment case arm is not caught (its checks do not model the count),
    and the formal miter shows it is no equivalent mutant: an input trace makes the outputs
    differ (a hint for the stimulus)."""
    full = "rtl_examples/fifo/fifo.sv:53:22:stuck1:full"
    arm = "rtl_examples/fifo/fifo.sv:45:26:drop-case:2'b10"
    out = tmp_path / "q.json"
    outcome = qualify(QualifyOptions(ROOT / "testbenches" / "fifo", sites=(full, arm),
                                     parallel=2, out=out, build_root=tmp_path / "build"))
    by_id = {m.site.id: m for m in outcome.mutants}
    assert by_id[full].verdict == "killed"
    assert "never_both" in by_id[full].detail
    assert by_id[arm].verdict == "survived"
    eq = by_id[arm].equivalence
    assert eq.verdict == "differs", eq.text
    assert len(eq.trace) == eq.step + 1 and eq.outputs
    assert by_id[full].equivalence is None  # killed: no miter
    sm = json.loads(out.read_text())["summary"]
    assert sm["killed"] == 1 and sm["equivalence"]["differs"] == 1


def test_enables_are_inverted(tmp_path):
    """An if without else in a clocked block is a register's enable: the whole condition is
    inverted (kind enable, not negate) and each plain signal of an && chain alone; an if with
    an else, or in combinational code, keeps negate."""
    f = tmp_path / "qual_en.sv"
    f.write_text(
        "module qual_en (input logic clk, input logic en, input logic hold, input logic d,\n"
        "                output logic q, output logic p, output logic c);\n"
        "always_ff @(posedge clk) if (en && !hold) q <= d;\n"
        "always_ff @(posedge clk) if (en) p <= d; else p <= 1'b0;\n"
        "always_comb if (en) c = d; else c = 1'b0;\n"
        "endmodule\n")
    src = find_sites(f, "qual_en.sv")
    ids = [s.id for s in src.sites if s.kind in ("enable", "negate")]
    assert ids == ["qual_en.sv:3:30:enable", "qual_en.sv:3:30:enable:en",
                   "qual_en.sv:3:36:enable:hold", "qual_en.sv:4:30:negate",
                   "qual_en.sv:5:17:negate"]
    assert "if ((!(en && !hold))) q" in mutant_text(src, "qual_en.sv:3:30:enable")
    assert "if ((!(en)) && !hold) q" in mutant_text(src, "qual_en.sv:3:30:enable:en")
    assert "if (en && ((hold))) q" in mutant_text(src, "qual_en.sv:3:36:enable:hold")


def test_reset_branch_follows_the_reset_polarity(tmp_path):
    f = tmp_path / "qual_rst.sv"
    f.write_text(
        "module qual_rst (input logic clk, input logic rst_n, input logic rst, input logic d,\n"
        "                 output logic q, output logic p);\n"
        "always_ff @(posedge clk) if (rst_n) q <= d; else q <= 1'b0;\n"
        "always_ff @(posedge clk) if (rst) p <= 1'b1; else p <= d;\n"
        "endmodule\n")
    ids = [s.id for s in find_sites(f, "qual_rst.sv").sites]
    assert ids == ["qual_rst.sv:3:42:stuck0:q", "qual_rst.sv:3:42:stuck1:q",
                   "qual_rst.sv:3:55:reset:q", "qual_rst.sv:4:40:reset:p",
                   "qual_rst.sv:4:56:stuck0:p", "qual_rst.sv:4:56:stuck1:p"]


@pytest.mark.slow
def test_cli_table_record_and_min_score(tmp_path, capsys):
    """dv qualify writes coverage/<top>/qualify.json beside testbenches/, prints the table,
    and exits 1 under --min-score. Planted: the adder swap (the test's check kills it), the
    unchecked output's swap (survives; the miter finds the input that shows it), and a swap on
    a signal nothing reads: equivalent by construction, the miter proves it by k-induction, so
    it is set aside and the score is one killed of two (50%), not of three."""
    from dv.cli import main

    tb = tmp_path / "testbenches" / "qual_hs"
    shutil.copytree(HS, tb)
    plus, spare = "qual_hs.sv:32:27:binop:+->-", "qual_hs.sv:39:22:binop:^->&"
    gt = "qual_hs.sv:41:30:binop:>->>="
    rc = main(["qualify", str(tb), "--site", plus, "--site", spare, "--site", gt, "-j", "2",
               "--min-score", "60"])
    out = capsys.readouterr().out
    assert rc == 1
    rec = json.loads((tmp_path / "coverage" / "qual_hs" / "qualify.json").read_text())
    sm = rec["summary"]
    assert (sm["score_checks"], sm["score_denominator"], sm["equivalent"]) == (50.0, 2, 1)
    assert [m["verdict"] for m in rec["mutants"]] == ["killed", "survived", "equivalent"]
    by_id = {m["id"]: m for m in rec["mutants"]}
    assert by_id[plus]["equivalence"] is None
    assert by_id[spare]["equivalence"]["verdict"] == "differs"
    assert by_id[spare]["equivalence"]["outputs"].keys() == {"spare"}
    assert by_id[gt]["equivalence"]["verdict"] == "equivalent"
    assert by_id[gt]["equivalence"]["text"].startswith("equivalent (proven by k-induction, k=")
    assert "qual_hs.sv:32" in out and "killed" in out and "survived" in out
    assert "equivalent (proven by k-induction" in out


@pytest.mark.slow
def test_sites_verilator_rejects_are_dropped_alone(tmp_path):
    """'0 / '1 assigned to an enum-typed state: Verilator rejects them (ENUMVALUE). Exactly
    those sites are dropped, with the reason; the case arm and the condition on the same line
    are kept and judged."""
    tb = tmp_path / "tb"
    shutil.copytree(ROOT / "tests" / "designs" / "qual_enum", tb)
    out = tmp_path / "q.json"
    outcome = qualify(QualifyOptions(tb, mutants=None, parallel=2, out=out,
                                     build_root=tmp_path / "build", equiv=False))
    rec = json.loads(out.read_text())
    rejected = {r["site"] for r in rec["rejected_sites"]}
    assert rejected == {f"qual_enum.sv:{ln}:{c}:stuck{v}:st"
                        for ln, c in ((14, 33), (15, 24), (16, 28)) for v in (0, 1)}
    assert all("ENUMVALUE" in r["reason"] for r in rec["rejected_sites"])
    by_id = {m.site.id: m.verdict for m in outcome.mutants}
    assert by_id["qual_enum.sv:14:19:drop-case:IDLE"] == "killed"
    assert by_id["qual_enum.sv:14:23:enable"] == "killed"  # if (go) without else: an enable
    assert len(by_id) == 13 - 6


@pytest.mark.slow
def test_schema_at_k0_gives_the_original_outputs(tmp_path):
    """The schema build of every site with +dv_mut=0 drives exactly the outputs of the
    unmutated design, cycle by cycle (output traces compared), and +dv_mut=K of the adder swap
    does not."""
    from dv.qualify._run import _jobs, build_schema, choose_sites, prepare, run_jobs
    from dv.regress import read_trace, summarize
    from dv.regress._golden import compare
    from dv.sim.build import build

    tb = tmp_path / "tb"
    shutil.copytree(HS, tb)
    p = prepare(tb)
    opts = QualifyOptions(tb, parallel=2)
    note = lambda kind, data: None  # noqa: E731
    sites = choose_sites(p, None, 1)
    b, sites, rejected = build_schema(p, sites, tmp_path / "work", tmp_path / "build", note)
    assert not rejected
    plus = 1 + [s.id for s in sites].index("qual_hs.sv:32:27:binop:+->-")
    orig = build(p.config, tmp_path / "build")
    assert orig.key != b.key
    test = p.manifest.tests
    runs = tmp_path / "runs"
    schema = run_jobs(b, tmp_path / "build", _jobs(p, 0, test, 60, runs / "s")
                      + _jobs(p, plus, test, 60, runs / "s"), runs / "s", opts, note)
    original = run_jobs(orig, tmp_path / "build", _jobs(p, 0, test, 60, runs / "o"),
                        runs / "o", opts, note)
    assert original["m0.adds"].status == schema["m0.adds"].status == "passed"
    ref = summarize(read_trace(original["m0.adds"].run_dir / "outputs.trace"))
    assert compare(ref, read_trace(schema["m0.adds"].run_dir / "outputs.trace")) is None
    assert schema[f"m{plus}.adds"].status == "failed"


def test_a_unit_run_is_split_into_per_test_results(tmp_path):
    """A module's tests in one simulator process: per-test statuses from its results, each
    test's output trace read back from the log in run order (none when the count does not
    match), an HDL assertion that ended the run blamed on the test that was running, and a
    hang redone one test per process (None)."""
    from types import SimpleNamespace

    from dv.qualify._run import log_traces, split_unit
    from dv.sim.run import SimResult, TestCaseResult, TestJob

    unit = [SimpleNamespace(name=n, module="tb") for n in ("t1", "t2", "t3")]
    job = TestJob(name="m3.@tb", module="tb", testcase=None, seed=1, python_path=())
    head = '{"format": "dv-output-trace", "version": 1, "inputs": ["a"], "outputs": ["y"]}'
    log = tmp_path / "sim.log"
    log.write_text("running tb.t1\n" + head + "\n[0,[1],[2]]\n[0,[3],[4]]\n"
                   "  10.00ns INFO tb.t1 passed\n" + head + "\n[1,[0],[0]]\n"
                   "  20.00ns INFO tb.t2 failed\n" + head + "\n[0,[5],[6]]\n")
    assert [t.count("\n") for t in log_traces(log)] == [3, 2, 2]
    tcs = [TestCaseResult("t1", "passed"), TestCaseResult("t2", "failed", message="bad y"),
           TestCaseResult("t3", "passed")]
    res = SimResult(job, "failed", tmp_path, 2.0, tcs, "t2: bad y")
    out = split_unit(res, unit, 3, tmp_path / "runs")
    assert [(n, r.status) for n, r in out.items()] == [("m3.t1", "passed"),
                                                        ("m3.t2", "failed"),
                                                        ("m3.t3", "passed")]
    assert out["m3.t2"].message == "bad y" and out["m3.t2"].job.testcase == "t2"
    assert (out["m3.t3"].run_dir / "outputs.trace").read_text() == head + "\n[0,[5],[6]]\n"
    # an HDL assertion stopped the simulation in t2: no trace for it, so none is used
    log.write_text(head + "\n[0,[1],[2]]\n%Error: fifo.sv:9: Assertion failed\n")
    for t2 in ("passed", "failed"):  # cocotb may or may not mark the test it was in
        res = SimResult(job, "failed", tmp_path, 2.0, [tcs[0], TestCaseResult(
            "t2", t2, message="simulator shut down")], "%Error: fifo.sv:9: Assertion failed")
        out = split_unit(res, unit, 4, tmp_path / "runs")
        assert [(n, r.status) for n, r in out.items()] == [("m4.t1", "passed"),
                                                            ("m4.t2", "failed")]
        assert "Assertion failed" in out["m4.t2"].message
    assert not (out["m4.t1"].run_dir / "outputs.trace").exists()
    # ... and when cocotb fails the running test and every later one with its message
    gone = "the simulation ended prematurely"
    res = SimResult(job, "failed", tmp_path, 2.0, [tcs[0]] + [
        TestCaseResult(n, "failed", message=gone) for n in ("t2", "t3")],
        "%Error: fifo.sv:9: Assertion failed")
    out = split_unit(res, unit, 7, tmp_path / "runs")
    assert [(n, r.status) for n, r in out.items()] == [("m7.t1", "passed"),
                                                        ("m7.t2", "failed")]
    assert "Assertion failed" in out["m7.t2"].message
    # a hang, or a listed test missing although nothing failed: redone one test per process
    assert split_unit(SimResult(job, "timeout", tmp_path, 9.0), unit, 5, tmp_path) is None
    assert split_unit(SimResult(job, "passed", tmp_path, 2.0, tcs[:1]), unit, 6,
                      tmp_path) is None
