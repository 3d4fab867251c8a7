"""Verdicts one can sign off (issue 9): one verdict per elaborated check, the frame stated,
exit codes that mean something, verdicts kept when a replay cannot be built, joint induction.

Real Yosys and Z3 on small designs of known truth (tests/data/designs/)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from prove_helpers import dv_prove

from dv.errors import ToolError

ROOT = Path(__file__).resolve().parent.parent
D = ROOT / "tests" / "data" / "designs"


def record(out: Path, top: str) -> dict:
    return json.loads((out / "coverage" / top / "formal" / "formal.json").read_text())


def test_one_failing_generate_lane_is_refuted(tmp_path, capsys):
    code, text = dv_prove(["--rtl", str(D / "lanes.sv"), "--out", str(tmp_path), "--depth", "16",
                           "--no-replay"], capsys)
    assert code == 1, text  # one instance of four is refuted: the run fails
    rec = record(tmp_path, "lanes")
    by = {p["name"]: p for p in rec["properties"]}
    assert by["g_lane[2].a_lane_bound"]["status"] == "refuted"
    for i in (0, 1, 3):
        assert by[f"g_lane[{i}].a_lane_bound"]["status"] == "proven"
        assert by[f"g_lane[{i}].c_lane_top"]["status"] == "unreachable"
    assert by["g_lane[2].c_lane_top"]["status"] == "covered"
    sts = {s["name"]: s for s in rec["statements"]}
    assert sts["a_lane_bound"]["status"] == "refuted"
    assert sts["a_lane_bound"]["counts"] == {"refuted": 1, "proven": 3}
    assert sts["c_lane_top"]["status"] == "covered"  # reachable in one lane: never unreachable
    assert rec["checks"]["instances"] == 8 and rec["checks"]["elaborated"] == 8
    assert "4 instances: 1 refuted, 3 proven" in sts["a_lane_bound"]["verdict"]
    assert "g_lane[2].a_lane_bound" in text
    suite = ET.parse(tmp_path / "coverage/lanes/formal/formal-junit.xml").getroot()[0]
    assert suite.get("tests") == "8" and suite.get("failures") == "1"


def test_frame_initial_refutes_what_reset_proves(tmp_path, capsys):
    src = str(D / "sat_count.sv")
    code, text = dv_prove(["--rtl", src, "--out", str(tmp_path / "r"), "--no-replay",
                           "--init", "reset"], capsys)
    assert code == 0, text
    rec = record(tmp_path / "r", "sat_count")
    [p] = rec["properties"]
    # a clocked immediate check is registered: one more step than the condition itself needs
    assert p["verdict"] == "proven from reset (k-induction, k=2)" and p["frame"] == "from reset"
    assert rec["frame"]["init"] == "reset" and "from reset" in text
    # auto picks the reset frame when a reset is inferred
    code, text = dv_prove(["--rtl", src, "--out", str(tmp_path / "a"), "--no-replay"], capsys)
    assert code == 0 and record(tmp_path / "a", "sat_count")["frame"]["init"] == "reset"
    # from the initial values (SymbiYosys' frame) the counter can start at 15
    code, text = dv_prove(["--rtl", src, "--out", str(tmp_path / "i"), "--no-replay",
                           "--init", "initial"], capsys)
    assert code == 1, text
    [p] = record(tmp_path / "i", "sat_count")["properties"]
    assert p["status"] == "refuted" and p["step"] == 1
    assert p["verdict"] == "refuted at step 1 from initial values"
    suite = ET.parse(tmp_path / "i/coverage/sat_count/formal/formal-junit.xml").getroot()[0]
    frames = [e.get("value") for e in suite.iter("property") if e.get("name") == "frame"]
    assert frames == ["from initial values"]


def test_checks_compiled_out_by_synthesis_are_named(tmp_path, capsys):
    src = str(D / "guarded.sv")
    code, text = dv_prove(["--rtl", src, "--out", str(tmp_path), "--no-replay"], capsys)
    assert code == 2, text
    assert "no property" in text and "SYNTHESIS" in text and "-U SYNTHESIS" in text
    code, text = dv_prove(["--rtl", src, "--out", str(tmp_path), "--no-replay", "-U",
                           "SYNTHESIS"], capsys)
    assert code == 0, text
    [p] = record(tmp_path, "guarded")["properties"]
    assert (p["name"], p["status"]) == ("a_max", "proven")


def test_props_file_without_properties_is_bad_input(tmp_path, capsys):
    props = tmp_path / "empty_props.sv"
    props.write_text("module empty_props(input logic clk, input logic [3:0] cnt);\n"
                     "  logic unused;\nendmodule\nbind sat_count empty_props e_i (.*);\n")
    code, text = dv_prove(["--rtl", str(D / "sat_count.sv"), "--props", str(props), "--out",
                           str(tmp_path), "--no-replay"], capsys)
    assert code == 2, text
    assert "empty_props.sv gave no property" in text


def test_all_inconclusive_is_its_own_outcome(tmp_path, capsys):
    args = ["--rtl", str(D / "lanes.sv"), "--out", str(tmp_path), "--no-replay", "--depth",
            "3", "--mode", "bmc"]
    code, text = dv_prove(args, capsys)
    assert code == 1, text  # lane 2 needs 12 steps: all hold to depth 3 and nothing more
    rec = record(tmp_path, "lanes")
    assert rec["outcome"] == "inconclusive"
    assert {p["status"] for p in rec["properties"]} <= {"holds", "skipped"}
    assert "inconclusive" in text
    code, text = dv_prove(args + ["--allow-inconclusive"], capsys)
    assert code == 0, text


def test_joint_induction_retries_the_rest_at_a_larger_k(tmp_path, capsys):
    code, text = dv_prove(["--rtl", str(D / "joint2.sv"), "--out", str(tmp_path), "--no-replay",
                           "--depth", "8", "--mode", "prove"], capsys)
    assert code == 0, text
    by = {p["name"]: p for p in record(tmp_path, "joint2")["properties"]}
    # (clocked immediate checks are registered: each k is one more than the conditions need)
    # {d, e} is proven first; {a, b} only in the retry, with d and e as lemmas
    assert {n: (p["status"], p["k"]) for n, p in by.items()} == {
        "p_a": ("proven", 3), "p_b": ("proven", 3), "p_d": ("proven", 2), "p_e": ("proven", 2)}
    assert "with other properties" in by["p_a"]["verdict"]


def test_replay_that_cannot_be_built_keeps_every_verdict(tmp_path, capsys, monkeypatch):
    import dv.formal.prove as prove_mod

    def broken(*args, **kwargs):
        raise ToolError("Verilator failed to build the replay model (test)")

    monkeypatch.setattr(prove_mod, "run_replays", broken)
    code, text = dv_prove(["--rtl", str(D / "lanes.sv"), "--out", str(tmp_path), "--depth",
                           "16"], capsys)
    assert code == 1, text  # the refutation stands
    rec = record(tmp_path, "lanes")
    by = {p["name"]: p for p in rec["properties"]}
    assert len(by) == 8
    bad = by["g_lane[2].a_lane_bound"]
    assert bad["status"] == "refuted"
    assert bad["replay"]["status"] == "not_built"
    assert bad["replay"]["message"].startswith("replay not built: ")
    assert "Verilator failed" in bad["replay"]["message"]
    assert by["g_lane[2].c_lane_top"]["replay"]["status"] == "not_built"
    assert "replay not built" in text


CONTRACT = (D / "contract_mem.sv").read_text()


@pytest.mark.parametrize("form", ["attribute", "function", "free"])
def test_anyconst_contract(tmp_path, capsys, form):
    src = tmp_path / "contract_mem.sv"
    if form == "attribute":
        text = CONTRACT
    elif form == "function":  # SymbiYosys' $anyconst, which the front end cannot read itself
        text = CONTRACT.replace("(* anyconst *) logic [3:0] addr;",
                                "logic [3:0] addr = $anyconst;")
    else:  # the same wire with no attribute: free in every cycle, a different design
        text = CONTRACT.replace("(* anyconst *) ", "")
    assert text != CONTRACT or form == "attribute"
    src.write_text(text)
    code, out = dv_prove(["--rtl", str(src), "--out", str(tmp_path), "--depth", "8",
                          "--no-replay"], capsys)
    [p] = record(tmp_path, "contract_mem")["properties"]
    if form == "free":
        assert code == 1 and p["status"] == "refuted", out
    else:
        assert code == 0 and p["status"] == "proven", out
        assert p["location"].endswith("contract_mem.sv:23")  # the user's file, not a copy


def test_anyconst_that_cannot_be_honoured_is_refused(tmp_path, capsys):
    src = tmp_path / "contract_mem.sv"
    src.write_text(CONTRACT.replace("(* anyconst *) logic [3:0] addr;",
                                    "(* anyconst *) logic [3:0] addr;\n  assign addr = ra;"))
    code, out = dv_prove(["--rtl", str(src), "--out", str(tmp_path), "--no-replay"], capsys)
    assert code == 2, out
    assert "anyconst" in out and "addr" in out and "contract_mem.sv:17" in out
    src.write_text(CONTRACT.replace("  assign rd = mem[ra];", "  assign rd = mem[ra] ^ $anyseq;"))
    code, out = dv_prove(["--rtl", str(src), "--out", str(tmp_path), "--no-replay"], capsys)
    assert code == 2, out
    assert "$anyseq" in out and "contract_mem.sv:15" in out


def test_unknown_from_a_tactic_falls_through_to_the_next_strategy(tmp_path, monkeypatch):
    import z3

    from dv.formal import engine as engine_mod
    from dv.formal.engine import Engine, Query
    from dv.formal.prove import prepare

    prep = prepare([D / "sat_count.sv"], out=tmp_path, root=tmp_path)
    [prop] = [p for p in prep.properties if p.check is not None]
    # a "tactic" that decides nothing: it answers unknown without failing
    monkeypatch.setattr(engine_mod, "_bitblast_solver", lambda: z3.Tactic("skip").solver())
    eng = Engine(prep.model, solver="bitblast")
    res = eng.run(Query("prove", prop.check, 6, timeout=60, reset=prep.reset))
    assert res.status == "proven", res.detail
    assert res.queries > 2  # each query was asked twice: the tactic, then the general solver


def test_assertion_macros_are_expanded_and_lowered(tmp_path, capsys):
    code, text = dv_prove(["--rtl", str(D / "sat_count.sv"), "--props",
                           str(D / "sat_count_macro_props.sv"), "-I", str(D / "macro_inc"),
                           "--out", str(tmp_path), "--depth", "14", "--no-replay"], capsys)
    assert code == 1, text  # BelowEight_A is false
    by = {p["name"]: p for p in record(tmp_path, "sat_count")["properties"]}
    assert {n: p["status"] for n, p in by.items()} == {
        "a_max": "proven",  # the design's own inline assertion
        "MaxNine_A": "proven", "Steps_A": "proven", "Ten_A": "proven",
        "BelowEight_A": "refuted", "Nine_C": "covered"}
    # the statement as lowered: the macro's expansion, without its action block
    assert by["Steps_A"]["text"].startswith("Steps_A: assert property (@(posedge clk) "
                                            "disable iff (rst)")
    assert "$error" not in by["Steps_A"]["text"]
    assert by["Steps_A"]["location"].endswith("sat_count_macro_props.sv:6")
    assert by["BelowEight_A"]["location"].endswith("sat_count_macro_props.sv:8")


def test_inline_concurrent_sva_in_the_rtl_is_lowered(tmp_path, capsys):
    code, text = dv_prove(["--rtl", str(D / "inline_sva.sv"), "--out", str(tmp_path), "--depth",
                           "8", "--no-replay"], capsys)
    assert code == 1, text
    by = {p["name"]: p for p in record(tmp_path, "inline_sva")["properties"]}
    assert {n: p["status"] for n, p in by.items()} == {
        "a_grant": "proven", "a_quiet": "proven", "a_wrong": "refuted", "c_three": "covered",
        "a_sat": "proven"}
    assert by["a_wrong"]["origin"] == "rtl" and by["a_wrong"]["location"].endswith(
        "inline_sva.sv:14")
    assert by["c_three"]["step"] == 4


def test_combinational_design_is_a_single_step_check(tmp_path, capsys):
    src = tmp_path / "mux4.sv"
    src.write_text(
        "module mux4 (input logic [1:0] sel, input logic [3:0] d, output logic y,\n"
        "             output logic [3:0] oh);\n"
        "  assign y = d[sel];\n"
        "  always_comb begin\n"
        "    oh = 4'b0001 << sel;\n"
        "    a_onehot: assert ($onehot(oh));\n"
        "    a_pick: assert (y == |(d & oh));\n"
        "    a_wrong: assert (oh != 4'b1000);\n"
        "    c_three: cover (sel == 2'd3 && y);\n"
        "  end\nendmodule\n")
    code, text = dv_prove(["--rtl", str(src), "--out", str(tmp_path), "--no-replay"], capsys)
    assert code == 1, text
    rec = record(tmp_path, "mux4")
    assert rec["frame"]["init"] == "comb"
    by = {p["name"]: p for p in rec["properties"]}
    assert by["a_onehot"]["verdict"] == "proven for every input (no state: single-step check)"
    assert by["a_pick"]["status"] == "proven"
    assert by["a_wrong"]["verdict"] == "refuted (an input violates it)"
    assert by["c_three"]["status"] == "covered"


def test_bound_checker_with_its_own_state_in_every_instance(tmp_path, capsys):
    code, text = dv_prove(["--rtl", str(D / "hs_pair.sv"), "--props", str(D / "hs_chk.sv"),
                           "--out", str(tmp_path), "--depth", "8", "--no-replay"], capsys)
    assert code == 1, text
    rec = record(tmp_path, "hs_pair")
    by = {p["name"]: p["status"] for p in rec["properties"]}
    assert by == {"u0.chk_i.a_follows": "proven", "u1.chk_i.a_follows": "refuted",
                  "u0.chk_i.a_pend": "proven", "u1.chk_i.a_pend": "refuted",
                  "u0.chk_i.c_two": "covered", "u1.chk_i.c_two": "covered"}
    sts = {s["name"]: s for s in rec["statements"]}
    assert sts["a_pend"]["counts"] == {"refuted": 1, "proven": 1}
    assert all(p["location"].endswith(f"hs_chk.sv:{ln}") for p, ln in
               zip(rec["properties"], [8, 8, 9, 9, 10, 10], strict=True))


def test_json_spec_is_bad_input(tmp_path, capsys):
    spec = tmp_path / "props.json"
    spec.write_text('{"properties": ["a |-> b"]}\n')
    code, text = dv_prove(["--rtl", str(D / "sat_count.sv"), "--spec", str(spec), "--out",
                           str(tmp_path), "--no-replay"], capsys)
    assert code == 2, text
    assert "JSON" in text and "Traceback" not in text


def test_statements_without_a_check_are_counted_and_named(tmp_path, capsys):
    src = tmp_path / "gen.sv"
    src.write_text(
        "module gen #(parameter int N = 4) (input logic clk, input logic rst,\n"
        "                                   output logic [3:0] c);\n"
        "  always_ff @(posedge clk) if (rst) c <= 0; else if (c < 9) c <= c + 1;\n"
        "  if (N > 8) begin : g_big\n"
        "    always @(posedge clk) if (!rst) a_big: assert (c <= 4'd9);\n"
        "  end\n"
        "  always @(posedge clk) if (!rst) a_small: assert (c <= 4'd9);\n"
        "endmodule\n")
    code, text = dv_prove(["--rtl", str(src), "--out", str(tmp_path), "--no-replay"], capsys)
    assert code == 0, text
    checks = record(tmp_path, "gen")["checks"]
    assert checks["source_statements"] == 2
    assert checks["without_check"] == [f"assert at {src.resolve()}:5"]
    assert "1 of the 2 assertion statement(s)" in " ".join(text.split())
    # with the branch taken, both statements have their check
    code, text = dv_prove(["--rtl", str(src), "-G", "N=9", "--out", str(tmp_path),
                           "--no-replay"], capsys)
    assert code == 0, text
    assert record(tmp_path, "gen")["checks"]["without_check"] == []


def test_replay_confirms_only_the_instance_that_failed():
    from dv.formal.trace import ReplayItem, _failure_matches

    msg = ("[25000] %Error: hs_chk.sv:9: Assertion failed in hs_pair.{}.chk_i.a_pend: "
           "'assert' failed.")
    it = ReplayItem("u1.chk_i.a_pend", "assert", "a_pend", "tests/hs_chk.sv", 9, "replay_x",
                    "props", scope="u1.chk_i")
    assert _failure_matches(msg.format("u1"), it)
    assert not _failure_matches(msg.format("u0"), it)  # the other instance failed
    single = ReplayItem("a_pend", "assert", "a_pend", "tests/hs_chk.sv", 9, "replay_x", "props")
    assert _failure_matches(msg.format("u0"), single)


def test_generate_scoped_names_in_properties(tmp_path, capsys):
    spec = tmp_path / "lanes.md"
    spec.write_text("# lanes\n\n```sva\n"
                    "h_lane1: assert property (@(posedge clk) disable iff (rst) "
                    "g_lane[1].cnt <= 4'd9);\n"
                    "h_lane2: assert property (@(posedge clk) disable iff (rst) "
                    "en[2] && g_lane[2].cnt == 4'd11 |=> g_lane[2].cnt != 4'd12);\n```\n")
    code, text = dv_prove(["--rtl", str(D / "lanes.sv"), "--spec", str(spec), "--out",
                           str(tmp_path), "--depth", "16", "--no-replay"], capsys)
    assert code == 1, text
    by = {p["name"]: p for p in record(tmp_path, "lanes")["properties"]}
    assert by["h_lane1"]["status"] == "proven"
    assert (by["h_lane2"]["status"], by["h_lane2"]["step"]) == ("refuted", 14)
    assert "g_lane[2].cnt" in by["h_lane2"]["text"]  # the user's text, not the alias
