"""``dv prove`` end to end: real Yosys, Z3 and (for the replays) Verilator."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from prove_helpers import dv_prove

from dv.formal.prove import ProveOptions, run_prove

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "rtl_examples"
FIFO = "rtl_examples/fifo/fifo.sv"
BUGGY = "rtl_examples/fifo/fifo_buggy.sv"
FIFO_PROPS = "rtl_examples/fifo/fifo_props.sv"
FIFO_SPEC = "rtl_examples/fifo/fifo.md"


def line_of(path: str, text: str) -> int:
    return next(i + 1 for i, ln in enumerate((ROOT / path).read_text().splitlines())
                if text in ln)


CB = f"count_bound@fifo_props.sv:{line_of(FIFO_PROPS, 'count_bound: assert')}"
NB = f"never_both@fifo_props.sv:{line_of(FIFO_PROPS, 'never_both: assert')}"
FU = f"fill_up@fifo_props.sv:{line_of(FIFO_PROPS, 'fill_up: cover')}"
GROWS = f"rtl_examples/fifo/fifo_props.sv:{line_of(FIFO_PROPS, 'grows: assert')}"


@pytest.fixture(scope="module")
def buggy_run(tmp_path_factory):
    """The buggy FIFO with its props file and its spec, replays included (one Verilator
    build for the whole module)."""
    out = tmp_path_factory.mktemp("prove-buggy")
    opts = ProveOptions(depth=14, out=out, jobs=2, root=ROOT)
    run = run_prove([BUGGY], defines={"FIFO_BUGGY": ""}, props=[FIFO_PROPS], spec=FIFO_SPEC,
                    options=opts)
    return run, out


def by_name(run) -> dict:
    return {r.prop.name: r for r in run.results}


def test_buggy_fifo_is_refuted_and_the_rest_judged(buggy_run):
    run, _out = buggy_run
    res = by_name(run)
    # DEPTH 8, full computed as count > 8: reset at step 0, nine writes, count = 9 in cycle 10,
    # the registered check fails at step 11
    for name in (CB, "count_bound@fifo.md:25"):
        assert (res[name].status, res[name].step) == ("refuted", 11), res[name]
    assert res[NB].verdict == "proven from reset (k-induction, k=1)"
    assert res["grows"].status == "proven"  # concurrent |=>, lowered by sva.py
    assert res["grows"].prop.concurrent and res["grows"].prop.location == GROWS
    assert res["empty_ptrs"].verdict == "holds to depth 14 from reset"
    assert "not k-inductive" in res["empty_ptrs"].detail
    assert res["fill_up@fifo.md:26"].verdict == "covered at step 11 from reset"
    assert res["overflow_seen"].status == "covered"


def test_counterexample_and_witnesses_replay_in_simulation(buggy_run):
    run, _out = buggy_run
    res = by_name(run)
    assert not run.disagreements, [(r.prop.name, r.replay) for r in run.disagreements]
    spec_cex = res["count_bound@fifo.md:25"]
    assert spec_cex.replay is not None and spec_cex.replay.status == "confirmed"
    assert "dv-prop-fail count_bound" in spec_cex.replay.message
    # the props-file twin fails on the same edge; simulation reports one of the two
    twin = res[CB].replay
    assert twin is not None and twin.status in ("confirmed", "blocked")
    for cover in ("fill_up@fifo.md:26", FU, "overflow_seen"):
        assert res[cover].replay is not None and res[cover].replay.status == "confirmed", \
            res[cover].replay


def test_trace_files(buggy_run):
    run, _out = buggy_run
    r = by_name(run)["count_bound@fifo.md:25"]
    vcd = Path(r.vcd).read_text()
    assert "$var wire 4" in vcd and " count [3:0] $end" in vcd
    assert "$scope module dv_mon_i $end" in vcd  # the monitor's signals are in the trace
    replay = Path(r.replay_module).read_text()
    assert "@cocotb.test()" in replay and "STEPS = [" in replay
    steps = json.loads(Path(r.vcd).with_suffix(".json").read_text())["steps"]
    assert len(steps) == 12 and steps[0]["rst_n"] == 0 and steps[10]["count"] == 9


def test_reports(buggy_run):
    run, out = buggy_run
    fd = out / "coverage" / "fifo" / "formal"
    rec = json.loads((fd / "formal.json").read_text())
    assert rec["top"] == "fifo" and rec["options"]["depth"] == 14
    assert rec["summary"]["refuted"] == 2
    names = {p["name"]: p for p in rec["properties"]}
    assert names["grows"]["location"] == GROWS
    assert names["count_bound@fifo.md:25"]["replay"]["status"] == "confirmed"
    suite = ET.parse(fd / "formal-junit.xml").getroot().find("testsuite")
    assert suite is not None
    assert suite.get("tests") == str(len(run.results)) and suite.get("failures") == "2"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["count_bound@fifo.md:25"].find("failure") is not None
    assert cases["grows"].find("failure") is None


def test_cli_exit_codes(tmp_path, capsys):
    code, text = dv_prove(["--rtl", FIFO, "--props", FIFO_PROPS, "--depth", "12", "--mode",
                           "prove", "--out", str(tmp_path), "--no-replay"], capsys)
    assert code == 0, text
    assert "proven from reset (k-induction, k=2)" in text and "holds to depth 12 from reset" in text
    code, text = dv_prove(["--rtl", BUGGY, "-D", "FIFO_BUGGY", "--props", FIFO_PROPS,
                           "--depth", "12", "--mode", "bmc", "--out", str(tmp_path),
                           "--no-replay"], capsys)
    assert code == 1, text
    assert "refuted at step 11" in text and "count_bound" in text


def _spec(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "spec.md"
    p.write_text(f"# FIFO\n\n```sva\n{body}\n```\n")
    return p


def test_unsupported_sva_is_a_verdict_and_the_rest_still_run(tmp_path, capsys):
    spec = _spec(tmp_path, "live: assert property (@(posedge clk) wr_en |-> s_eventually "
                           "!empty);\nok: assert property (@(posedge clk) disable iff "
                           "(!rst_n) !(full && empty));")
    code, text = dv_prove(["--rtl", FIFO, "--spec", str(spec), "--depth", "8", "--out",
                           str(tmp_path), "--no-replay"], capsys)
    assert code == 0, text
    rec = json.loads((tmp_path / "coverage/fifo/formal/formal.json").read_text())
    verdicts = {p["name"]: p for p in rec["properties"]}
    assert verdicts["live"]["status"] == "unsupported"
    assert "s_eventually" in verdicts["live"]["detail"]
    assert verdicts["ok"]["status"] == "proven"


def test_property_on_a_missing_signal_is_bad_input(tmp_path, capsys):
    spec = _spec(tmp_path, "p: assert property (@(posedge clk) no_such_signal |-> full);")
    code, text = dv_prove(["--rtl", FIFO, "--spec", str(spec), "--out", str(tmp_path),
                           "--no-replay"], capsys)
    assert code == 2, text
    assert "no_such_signal" in text and "spec.md:4" in text


def test_props_file_yosys_cannot_read(tmp_path, capsys):
    props = tmp_path / "bad_props.sv"
    props.write_text("module bad_props(input logic clk, input logic full);\n"
                     "  always @(posedge clk) begin\n"
                     "    p: assert (full ||);\n"
                     "  end\nendmodule\nbind fifo bad_props b_i (.*);\n")
    code, text = dv_prove(["--rtl", FIFO, "--props", str(props), "--out", str(tmp_path),
                           "--no-replay"], capsys)
    assert code == 2, text
    assert "bad_props.sv:3" in text
    assert "Traceback" not in text


def test_two_clock_design_is_refused(tmp_path, capsys):
    src = tmp_path / "two.sv"
    src.write_text("module two(input logic clka, input logic clkb, input logic d,\n"
                   "           output logic qa, output logic qb);\n"
                   "  always_ff @(posedge clka) qa <= d;\n"
                   "  always_ff @(posedge clkb) qb <= d;\n"
                   "  always @(posedge clka) p: assert (qa == qa);\nendmodule\n")
    code, text = dv_prove(["--rtl", str(src), "--out", str(tmp_path), "--no-replay"], capsys)
    assert code == 2, text
    assert "2 clocks" in text


def test_solver_timeout_is_unknown_never_proven(tmp_path, capsys):
    code, text = dv_prove(["--rtl", FIFO, "--props", FIFO_PROPS, "--depth", "60", "--timeout",
                           "0.1", "--mode", "prove", "--out", str(tmp_path), "--no-replay",
                           "--jobs", "2"], capsys)
    rec = json.loads((tmp_path / "coverage/fifo/formal/formal.json").read_text())
    statuses = {p["name"]: p["status"] for p in rec["properties"] if p["kind"] == "assert"}
    # nothing decided at all is its own outcome, exit 1 unless allowed
    if all(s == "unknown" for s in statuses.values()):
        assert code == 1 and rec["outcome"] == "inconclusive", text
        assert "inconclusive" in text
    else:
        assert code == 0, text
    assert statuses["empty_ptrs"] == "unknown"
    assert "unknown (timeout)" in text
    assert all(s in ("proven", "unknown") for s in statuses.values())


def test_inline_rtl_assertions_and_no_reset_init(tmp_path, capsys):
    src = tmp_path / "acc.sv"
    src.write_text(
        "module acc(input logic clk, input logic rst, input logic [1:0] d,\n"
        "           output logic [3:0] sum);\n"
        "  always_ff @(posedge clk) if (rst) sum <= '0; else if (sum < 4'd12) sum <= sum + d;\n"
        "  always @(posedge clk) begin\n"
        "    if (!rst) begin\n"
        "      bounded: assert (sum <= 4'd14);\n"
        "      top_seen: cover (sum == 4'd14);\n"
        "    end\n"
        "  end\nendmodule\n")
    code, text = dv_prove(["--rtl", str(src), "--out", str(tmp_path), "--no-replay"], capsys)
    assert code == 0, text
    rec = json.loads((tmp_path / "coverage/acc/formal/formal.json").read_text())
    by = {p["name"]: p for p in rec["properties"]}
    assert by["bounded"]["location"].endswith("/acc.sv:6")
    assert by["bounded"]["origin"] == "rtl"
    assert by["bounded"]["status"] == "proven"  # sum <= 14 is inductive
    assert by["top_seen"]["status"] == "covered"
    # without the reset in the first step, sum starts arbitrary: 15 breaks the bound at once
    code, text = dv_prove(["--rtl", str(src), "--out", str(tmp_path), "--no-replay",
                           "--no-reset-init", "--mode", "bmc"], capsys)
    assert code == 1 and "refuted at step 1" in text, text


def test_replay_starts_from_the_solvers_register_values(tmp_path, capsys):
    # without the reset in the first step the counterexample starts from sum = 15: the
    # replay writes that value into the register before the first clock edge
    src = tmp_path / "acc3.sv"
    src.write_text(
        "module acc3(input logic clk, input logic rst, input logic [1:0] d,\n"
        "            output logic [3:0] out);\n"
        "  logic [3:0] sum;\n"
        "  always_ff @(posedge clk) if (rst) sum <= '0; else if (sum < 4'd12) sum <= sum + d;\n"
        "  assign out = sum;\n"
        "  always @(posedge clk) if (!rst) bounded: assert (sum <= 4'd14);\n"
        "endmodule\n")
    code, text = dv_prove(["--rtl", str(src), "--out", str(tmp_path), "--no-reset-init",
                           "--mode", "bmc"], capsys)
    assert code == 1, text
    rec = json.loads((tmp_path / "coverage/acc3/formal/formal.json").read_text())
    [prop] = rec["properties"]
    assert prop["verdict"] == "refuted at step 1 from initial values"
    assert prop["replay"]["status"] == "confirmed", prop["replay"]
    assert "acc3.sv:6" in prop["replay"]["message"]


def test_props_module_wrapping_the_design_becomes_the_top(tmp_path, capsys):
    wrap = tmp_path / "fifo_formal.sv"
    wrap.write_text(
        "module fifo_formal (input logic clk, input logic rst_n, input logic wr_en,\n"
        "                    input logic [7:0] wr_data, input logic rd_en);\n"
        "    logic [7:0] rd_data;\n"
        "    logic full, empty, overflow, underflow;\n"
        "    logic [3:0] count;\n"
        "    fifo dut (.*);\n"
        "    always @(posedge clk) if (rst_n) w_bound: assert (count <= 8);\n"
        "    w_grows: assert property (@(posedge clk) disable iff (!rst_n)\n"
        "        wr_en && !full && !rd_en |=> count == $past(count) + 1'b1);\n"
        "endmodule\n")
    code, text = dv_prove(["--rtl", FIFO, "--props", str(wrap), "--out", str(tmp_path),
                           "--no-replay", "--depth", "12"], capsys)
    assert code == 0, text
    rec = json.loads((tmp_path / "coverage/fifo_formal/formal/formal.json").read_text())
    assert rec["engine"]["reset"] == {"name": "rst_n", "asserted": 0}  # from the design
    assert {p["name"]: p["status"] for p in rec["properties"]} == {"w_bound": "proven",
                                                                   "w_grows": "proven"}


def test_assumptions_constrain_the_checks(tmp_path, capsys):
    props = tmp_path / "env_props.sv"
    props.write_text(
        "module env_props (input logic clk, input logic rst_n, input logic wr_en,\n"
        "                  input logic full, input logic overflow);\n"
        "    always @(posedge clk) begin\n"
        "        no_push_when_full: assume (!(wr_en && full));\n"
        "        if (rst_n) overflow_seen: cover (overflow);\n"
        "    end\nendmodule\n"
        "bind fifo env_props env_i (.*);\n")
    code, text = dv_prove(["--rtl", FIFO, "--props", str(props), "--out", str(tmp_path),
                           "--no-replay", "--depth", "12"], capsys)
    assert code == 0, text
    rec = json.loads((tmp_path / "coverage/fifo/formal/formal.json").read_text())
    assert [a["name"] for a in rec["assumptions"]] == ["no_push_when_full"]
    [cover] = rec["properties"]
    assert (cover["name"], cover["status"]) == ("overflow_seen", "unreachable")
