"""The Z3 engine on a small counter: BMC, k-induction, covers, reset handling, timeouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from dv.formal.engine import Engine, Query, run_queries
from dv.formal.model import SmtModel, build_model
from dv.formal.trace import vcd_text

COUNTER = """\
module cnt (input logic clk, input logic rst, input logic en, output logic [3:0] q);
    logic [1:0] st;  // cycles 0, 1, 2: never 3
    always_ff @(posedge clk) begin
        if (rst) begin
            q <= '0;
            st <= '0;
        end else begin
            if (en) q <= (q == 4'd9) ? '0 : q + 1'b1;
            st <= (st == 2'd2) ? 2'd0 : st + 1'b1;
        end
    end
    always @(posedge clk) begin
        if (!rst) begin
            q_max: assert (q <= 4'd9);
            q_not7: assert (q != 4'd7);
            reach9: cover (q == 4'd9);
            st3: cover (st == 2'd3);
        end
    end
endmodule
"""

RESET = ("rst", 1)


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> SmtModel:
    d = tmp_path_factory.mktemp("engine")
    src = d / "cnt.sv"
    src.write_text(COUNTER)
    return build_model([src], top="cnt", build_root=d / "build", root=d)


@pytest.fixture(scope="module")
def engine(model) -> Engine:
    return Engine(model)


def check(model: SmtModel, name: str):
    return next(c for c in model.checks if c.name.endswith(name))


def test_bmc_finds_the_earliest_violation_from_reset(model, engine):
    # reset at step 0, q = 0 at step 1, seven increments: q = 7 in cycle 8; the clocked
    # assertion is registered, so the failure shows at step 9
    res = engine.run(Query("bmc", check(model, "q_not7"), 20, reset=RESET))
    assert (res.status, res.step) == ("refuted", 9)
    tr = res.trace
    assert tr is not None and len(tr.steps) == 10
    assert tr.value(0, "rst") == 1
    assert [tr.value(i, "q") for i in range(1, 9)] == list(range(8))
    assert all(tr.value(i, "en") == 1 for i in range(1, 8))


def test_depth_too_small_holds(model, engine):
    res = engine.run(Query("bmc", check(model, "q_not7"), 9, reset=RESET))
    assert (res.status, res.depth) == ("holds", 9)


def test_inductive_assert_is_proven(model, engine):
    res = engine.run(Query("prove", check(model, "q_max"), 20, reset=RESET))
    assert res.status == "proven"
    assert res.k is not None and 1 <= res.k <= 3


def test_cover_witness_and_unreachable_cover(model, engine):
    res = engine.run(Query("cover", check(model, "reach9"), 20, reset=RESET))
    assert (res.status, res.step) == ("covered", 11)
    assert res.trace is not None and res.trace.value(10, "q") == 9
    res = engine.run(Query("cover", check(model, "st3"), 20, reset=RESET))
    assert res.status == "unreachable" and res.k is not None


def test_cover_not_reached_within_a_short_depth(model, engine):
    res = engine.run(Query("cover", check(model, "reach9"), 6, reset=RESET))
    assert res.status == "not_reached"


def test_without_reset_registers_start_arbitrary(model, engine):
    # q is arbitrary at step 0 (it has no initial value): q = 12 breaks q_max at once
    res = engine.run(Query("bmc", check(model, "q_max"), 10, reset=None))
    assert (res.status, res.step) == ("refuted", 1)
    assert res.trace is not None and res.trace.value(0, "q") > 9


def test_timeout_gives_unknown_not_a_verdict(model, engine):
    res = engine.run(Query("prove", check(model, "q_max"), 200, timeout=0.001, reset=RESET))
    assert res.status == "unknown"
    assert "time" in res.detail


def test_parallel_workers_agree_with_in_process(model):
    queries = [Query("prove", check(model, n), 16, reset=RESET) for n in ("q_max", "q_not7")]
    queries += [Query("cover", check(model, n), 16, reset=RESET) for n in ("reach9", "st3")]
    seq = run_queries(model, queries, jobs=1)
    par = run_queries(model, queries, jobs=2)
    assert [(r.status, r.step, r.k) for r in seq] == [(r.status, r.step, r.k) for r in par]
    assert [r.status for r in par] == ["proven", "refuted", "covered", "unreachable"]


def test_timeouts_hold_in_worker_processes(model):
    q = Query("prove", check(model, "q_max"), 400, timeout=0.2, reset=RESET)
    slow = run_queries(model, [q, q], jobs=2, grace=0.0)
    assert [r.status for r in slow] == ["unknown", "unknown"]
    assert all(r.seconds < 5 for r in slow)


def test_vcd_has_every_signal_and_the_clock(model, engine):
    res = engine.run(Query("bmc", check(model, "q_not7"), 12, reset=RESET))
    text = vcd_text(res.trace, top="cnt", clock="clk")
    assert "$timescale 1ns $end" in text
    for sig in ("clk", "rst", "en", "q", "st"):
        assert f" {sig} " in text or f" {sig} [" in text
    # q = 7 (b111) is dumped at step 8 = 80 ns, the clock rises at 85 ns
    lines = [ln.strip() for ln in text.splitlines()]
    q_id = next(ln.split()[3] for ln in lines if ln.startswith("$var") and ln.split()[4] == "q")
    clk_id = next(ln.split()[3] for ln in lines if ln.startswith("$var")
                  and ln.split()[4] == "clk")
    assert f"b111 {q_id}" in lines[lines.index("#80") + 1: lines.index("#85")]
    assert lines[lines.index("#85") + 1] == f"1{clk_id}"


def test_model_path_under_tmp_is_readable(tmp_path):
    # yowasp maps /tmp to its own directory: dv mounts the host root so /tmp paths work
    src = tmp_path / "t.sv"
    src.write_text("module t(input logic clk, input logic d, output logic q);\n"
                   "  always_ff @(posedge clk) q <= d;\nendmodule\n")
    m = build_model([src], top="t", build_root=tmp_path / "b", root=Path(tmp_path))
    assert {i.name for i in m.inputs} == {"clk", "d"}
