"""Coverage holes as Z3 cover targets."""

from __future__ import annotations

from dv.cov.holes import Hole
from dv.cov.model import CoverPoint
from dv.design.model import Clock, Design, Port, Reset, Signal
from dv.formal_holes import cover_expression


def _design() -> Design:
    return Design(
        top="t", files=["t.sv"],
        ports=[Port("clk", "input", 1), Port("rst", "input", 1), Port("a", "input", 1),
               Port("q", "output", 4)],
        signals=[Signal("clk", 1, "port"), Signal("rst", 1, "port"), Signal("a", 1, "port"),
                 Signal("q", 4, "port"), Signal("mem", 8, "memory", depth=4)],
        clocks=[Clock("clk")], resets=[Reset("rst", active_low=False, asynchronous=False)])


def _hole(kind: str, comment: str, conditions=()) -> Hole:
    p = CoverPoint(kind=kind, file="t.sv", line=3, column=1, comment=comment, hier="t")
    return Hole(point=p, source="", conditions=tuple(conditions), signals=())


def test_line_and_branch_holes_cover_their_guarding_conditions():
    d = _design()
    assert cover_expression(_hole("branch", "if", ["!(rst)", "a"]), d) == "(!(rst)) && (a)"
    assert cover_expression(_hole("line", "block", ["q == 4'd9"]), d) == "(q == 4'd9)"
    # a statement with no guard is reached every cycle: nothing to search for
    assert cover_expression(_hole("line", "block", []), d) is None


def test_expression_rows_add_their_terms():
    d = _design()
    h = _hole("expr", "(a==1 && q[3]==0) => 1", ["!(rst)"])
    assert cover_expression(h, d) == "(!(rst)) && (a == 1) && (q[3] == 0)"


def test_toggle_holes_become_edges_except_on_memories():
    d = _design()
    assert cover_expression(_hole("toggle", "q[2]:0->1"), d) == "$rose(q[2])"
    assert cover_expression(_hole("toggle", "a:1->0"), d) == "$fell(a)"
    assert cover_expression(_hole("toggle", "mem[1][3]:0->1"), d) is None
    assert cover_expression(_hole("toggle", "nosuch[0]:0->1"), d) is None


def test_points_hit_only_during_reset_are_never_proven_unreachable(tmp_path):
    """Verilator counts a point while reset is asserted: a hole cover must not be disabled by
    the reset, or the reset's own toggle and the reset branch would be 'proven unreachable'."""
    from pathlib import Path

    from dv.design.frontend import load_design
    from dv.formal_holes import prove_holes

    src = Path(__file__).parent / "data" / "designs" / "counter.sv"
    d = load_design([src], top="counter", root=src.parent)
    assert d.reset is not None and d.reset.name == "rst"
    holes = [_hole("toggle", "rst:1->0"), _hole("branch", "if", ["rst"])]
    holes[0].point.file = holes[1].point.file = "counter.sv"
    verdicts = prove_holes(d, None, holes, out=tmp_path, root=src.parent, depth=6, timeout=60)
    assert [v.status for v in verdicts] == ["covered", "covered"], [
        (v.status, v.detail) for v in verdicts]


def test_every_unchecked_hole_says_which_reason(tmp_path):
    """Issue 10, item 7: the submodule (module and instance), the memory (name and size) or
    the statement with no guarding condition, named per hole; a top-level hole still gets a
    verdict."""
    from pathlib import Path

    from dv.cov.holes import find_holes
    from dv.cov.model import Coverage
    from dv.design.frontend import load_design
    from dv.formal_holes import prove_holes

    src = Path(__file__).parent / "data" / "designs" / "holes_why.sv"
    d = load_design([src], top="holes_why", root=src.parent)
    cov = Coverage()
    for kind, line, comment, hier in [
            ("branch", 10, "if", "holes_why.u_sub"),  # in holes_why_sub: u_sub.go
            ("branch", 10, "else", "holes_why.*"),  # instances merged: no path to name
            ("toggle", 7, "done:1->0", "holes_why.u_sub"),  # set, never cleared
            ("toggle", 22, "mem[2][5]:0->1", "holes_why"),  # a memory's bit
            ("line", 24, "block", "holes_why"),  # assign y = a: no guarding condition
            ("branch", 28, "if", "holes_why")]:  # !(rst) && a: reachable
        cov.add(CoverPoint(kind=kind, file="holes_why.sv", line=line, column=1,
                           comment=comment, hier=hier))
    holes = find_holes(cov, d.source_map)
    verdicts_all = prove_holes(d, None, holes, out=tmp_path, root=src.parent, depth=4,
                               timeout=60)
    verdicts = {(v.hole.point.kind, v.hole.point.line): v for v in verdicts_all
                if v.hole.point.comment != "else"}
    sub, mem, bare, top = (verdicts[k] for k in [
        ("branch", 10), ("toggle", 22), ("line", 24), ("branch", 28)])
    # the submodule's hole is a target through the instance's hierarchical names
    assert sub.status == "covered", (sub.status, sub.detail)
    falls = verdicts[("toggle", 7)]
    assert falls.status == "unreachable", (falls.status, falls.detail)
    assert mem.status == "unchecked" and "memory mem (4 entries of 8 bits)" in mem.detail
    assert bare.status == "unchecked" and "no guarding condition" in bare.detail
    assert "holes_why.sv:24" in bare.detail and "(assign)" in bare.detail
    assert top.status == "covered", (top.status, top.detail)
    merged = next(v for v in verdicts_all if v.hole.point.hier == "holes_why.*")
    assert merged.status == "unchecked" and "submodule holes_why_sub" in merged.detail
    assert "merged the points of its instances (holes_why.*)" in merged.detail
    assert all(v.detail for v in verdicts_all)
    assert not any("submodule, memory, or" in v.detail for v in verdicts_all)


def test_reason_when_a_toggle_names_no_top_signal():
    from dv.formal_holes import cover_target

    d = _design()
    expr, why = cover_target(_hole("toggle", "nosuch[0]:0->1"), d)
    assert expr is None and "no signal of that name in t" in why
    expr, why = cover_target(_hole("line", "block", []), d)
    assert expr is None and "no statement of the source map at t.sv:3" in why
    expr, why = cover_target(_hole("toggle", "q[2]:0->1"), d)
    assert expr == "$rose(q[2])" and why == ""


SHAPES = __import__("pathlib").Path(__file__).parent / "designs" / "formal_shapes"


def _pkg_mem_holes():
    from dv.cov.holes import find_holes
    from dv.cov.model import Coverage
    from dv.design.frontend import load_design

    d = load_design([SHAPES / "pkg_mem_pkg.sv", SHAPES / "pkg_mem.sv"], root=SHAPES)
    cov = Coverage()
    for kind, line, comment in [("branch", 34, "if"),  # state == FILL (package enum)
                                ("branch", 35, "if"),  # count == 3'(DEPTH - 1) (package param)
                                ("line", 38, "block"),  # state == SPARE: never
                                ("branch", 45, "if"),  # mem[ra] == 8'hff (a memory entry)
                                ("branch", 56, "if"),  # back[4] == 8'h5a: reset, never written
                                ("branch", 57, "if")]:  # back[7] == 8'h5a: written
        cov.add(CoverPoint(kind=kind, file="pkg_mem.sv", line=line, column=1, comment=comment,
                           hier="pkg_mem"))
    return d, find_holes(cov, d.source_map)


def test_package_enum_and_memory_holes_are_targets(tmp_path):
    """Issue 10, item 7: conditions naming package enum literals and parameters, and memory
    entries (a descending, offset range read at the right entry), get formal verdicts."""
    from dv.formal_holes import prove_holes

    d, holes = _pkg_mem_holes()
    assert d.constants[""]["FILL"] == "2'd1" and d.constants["::"]["pkg_mem_pkg::DEPTH"]
    assert next(s for s in d.signals if s.name == "back").dims == "[7:4]"
    verdicts = prove_holes(d, None, holes, out=tmp_path, root=SHAPES, depth=8, timeout=60,
                           jobs=1)
    got = {v.hole.point.line: (v.status, v.detail) for v in verdicts}
    assert {ln: st for ln, (st, _) in got.items()} == {
        34: "covered", 35: "covered", 38: "unreachable", 45: "covered", 56: "unreachable",
        57: "covered"}, got


def test_formal_budget_spent_leaves_holes_open_with_the_reason(tmp_path):
    """A hole not searched within the formal pass's budget stays open: unknown, saying the
    budget was spent; never unreachable."""
    from dv.formal_holes import prove_holes

    d, holes = _pkg_mem_holes()
    verdicts = prove_holes(d, None, holes, out=tmp_path, root=SHAPES, depth=8, timeout=60,
                           jobs=1, budget=0.0)
    assert [v.status for v in verdicts] == ["unknown"] * len(holes)
    assert all("formal time budget spent" in v.detail for v in verdicts)


def test_engine_deadline_stops_queries_not_started(tmp_path):
    """run_queries with a deadline: a query not started by then is not run and says why
    (in-process and in worker processes); one started before it gets the time left."""
    import time

    from dv.formal.engine import BUDGET_SPENT, Query, run_queries
    from dv.formal.model import build_model

    src = tmp_path / "c.sv"
    src.write_text("module c (input logic clk, input logic rst, output logic [3:0] q);\n"
                   "  always_ff @(posedge clk) q <= rst ? 4'd0 : q + 4'd1;\n"
                   "  always @(posedge clk) if (!rst) c9: cover (q == 4'd9);\n"
                   "endmodule\n")
    model = build_model([src], top="c", build_root=tmp_path / "build", root=tmp_path)
    q = Query("cover", model.covers()[0], 12, 30.0, reset=("rst", 1))
    for jobs in (1, 2):
        res = run_queries(model, [q, q], jobs=jobs, deadline=time.monotonic() - 1)
        assert [(r.status, r.detail) for r in res] == [("unknown", BUDGET_SPENT)] * 2
    [res] = run_queries(model, [q], jobs=1, deadline=time.monotonic() + 60)
    assert res.status == "covered" and res.query.timeout <= 60


def test_formal_budget_defaults_to_a_share_of_the_run():
    from dv.loop import ClosureOptions, formal_budget

    assert formal_budget(ClosureOptions(time_budget=400), 10.0) == 100.0
    assert formal_budget(ClosureOptions(time_budget=400, formal_fraction=0.5), 10.0) == 200.0
    assert formal_budget(ClosureOptions(formal_budget=7.0, time_budget=400), 10.0) == 7.0
    # no time budget: formal may be a quarter of the whole run (a third of the rounds' time)
    assert formal_budget(ClosureOptions(), 300.0) == 100.0
    assert formal_budget(ClosureOptions(), 1.0) == 30.0  # at least 30 s


def test_expression_rows_with_sub_expressions_keep_every_term():
    """A row term may be a parenthesised sub-expression; a row dv cannot split into
    term==value parts gets no target (dropping a term would make a weaker cover, whose
    witness is a false 'covered')."""
    from dv.formal_holes import cover_target

    d = _design()
    expr, _ = cover_target(_hole("expr", "((q < 4'd3)==0 && a==1) => 1", ["!(rst)"]), d)
    assert expr == "(!(rst)) && ((q < 4'd3) == 0) && (a == 1)"
    for row in ["(a==1 || q[0]==0) => 1", "(a && q[0]==1) => 0"]:
        expr, why = cover_target(_hole("expr", row), d)
        assert expr is None and "not a conjunction of term==value parts" in why, row


def _one_hole(design, file: str, line: int, kind: str = "branch", comment: str = "if"):
    from dv.cov.holes import find_holes
    from dv.cov.model import Coverage

    cov = Coverage()
    cov.add(CoverPoint(kind=kind, file=file, line=line, column=1, comment=comment,
                       hier=design.top))
    return find_holes(cov, design.source_map)


def test_formal_front_end_reads_what_verilator_reads(tmp_path):
    """Corpus failure classes: an `ifdef FORMAL harness the front end rejects (picorv32,
    wbuart32: the holes pass reads the design as simulated, FORMAL undefined) and a source in
    a directory with spaces in its name (RTLLM); both get verdicts."""
    from dv.design.frontend import load_design
    from dv.formal_holes import prove_holes

    for rel, top, line in [("formal_block.sv", "formal_block", 7),
                           ("dir with space/spaced.sv", "spaced", 6)]:
        src = SHAPES / rel
        d = load_design([src], top=top, root=SHAPES)
        [v] = prove_holes(d, None, _one_hole(d, rel, line), out=tmp_path / top, root=SHAPES,
                          depth=16, timeout=60, jobs=1)
        assert v.status == "covered", (rel, v.status, v.detail)


def test_designs_the_engine_cannot_model_say_the_construct_and_where(tmp_path):
    """Both edges of one clock (spimemio) and two clocks (an async FIFO): no verdict, and the
    reason names the construct and its file:line."""
    from dv.design.frontend import load_design
    from dv.formal_holes import prove_holes

    for rel, top, line, words in [
            ("both_edges.sv", "both_edges", 6, ["both edges of its clock clk",
                                                "posedge at both_edges.sv:4",
                                                "negedge at both_edges.sv:7"]),
            ("two_clocks.sv", "two_clocks", 7, ["2 clocks (rclk, wclk",
                                                "rclk at two_clocks.sv:9",
                                                "wclk at two_clocks.sv:6"])]:
        src = SHAPES / rel
        d = load_design([src], top=top, root=SHAPES)
        [v] = prove_holes(d, None, _one_hole(d, rel, line), out=tmp_path / top, root=SHAPES,
                          depth=4, timeout=60, jobs=1)
        assert v.status == "unsupported", (rel, v.status, v.detail)
        for w in words:
            assert w in v.detail, (w, v.detail)


def test_top_needing_overrides_keeps_submodule_and_generate_holes_as_targets(tmp_path):
    """Corpus class (bsg_two_fifo): a top whose parameter has no default; the hierarchical
    names of its submodule holes and generate-scoped toggles are looked up with its -G values
    (they were all 'not a signal' before)."""
    from dv.design.frontend import load_design
    from dv.formal_holes import prove_holes

    src = SHAPES / "param_top.sv"
    d = load_design([src], top="param_top", overrides={"W": "3"}, root=SHAPES)
    holes = []
    for kind, line, comment, hier in [("branch", 8, "if", "param_top.u_sub"),
                                      ("toggle", 15, "g_flag.seen:0->1", "param_top"),
                                      ("toggle", 15, "g_flag.seen:1->0", "param_top")]:
        holes += _one_hole(d, "param_top.sv", line, kind, comment)
        holes[-1].point.hier = hier
    verdicts = prove_holes(d, None, holes, out=tmp_path, root=SHAPES, depth=12, timeout=60,
                           jobs=1)
    got = [(v.status, v.detail) for v in verdicts]
    # seen falls when reset clears an arbitrary initial 1 (points count during reset)
    assert [s for s, _ in got] == ["covered", "covered", "covered"], got
    assert verdicts[1].step == 10  # n == 3'b111 takes 7 increments after reset


def test_conditions_comparing_with_x_or_z_get_no_target():
    """2-state formal and Verilator read X/Z literals differently (bsg's ``=== 'X`` checks):
    such a hole gets no target, with the reason; ``===`` on 2-state values is fine."""
    from dv.formal_holes import cover_target

    d = _design()
    expr, why = cover_target(_hole("branch", "if", ["a === 1'bx"]), d)
    assert expr is None and "X/Z" in why and "t.sv:3" in why
    expr, why = cover_target(_hole("branch", "if", ["a === 1'b1"]), d)
    assert expr == "(a === 1'b1)" and why == ""


def test_user_points_are_answered_by_the_designs_own_cover_statements(tmp_path):
    from dv.design.frontend import load_design
    from dv.formal_holes import prove_holes

    src = SHAPES / "own_covers.sv"
    d = load_design([src], top="own_covers", root=SHAPES)
    holes = (_one_hole(d, "own_covers.sv", 8, "user", "c_top")
             + _one_hole(d, "own_covers.sv", 9, "user", "c_never"))
    verdicts = prove_holes(d, None, holes, out=tmp_path, root=SHAPES, depth=12, timeout=60,
                           jobs=1)
    assert [v.status for v in verdicts] == ["covered", "unreachable"], [
        (v.status, v.detail) for v in verdicts]


def test_user_point_of_a_testbench_property_says_so(tmp_path):
    """A user point Verilator places at a line with no cover statement (a property the
    testbench binds into the design) is not searched, and the reason says why."""
    from dv.design.frontend import load_design
    from dv.formal_holes import prove_holes

    d = load_design([SHAPES / "own_covers.sv"], top="own_covers", root=SHAPES)
    holes = _one_hole(d, "own_covers.sv", 4, "user", "tb: handshake transfer after stall")
    [v] = prove_holes(d, None, holes, out=tmp_path, root=SHAPES, depth=4, timeout=60, jobs=1)
    assert v.status == "unchecked" and "no cover statement of the RTL" in v.detail


def test_targets_run_in_batches_with_the_same_verdicts(tmp_path, monkeypatch):
    """Targets go to the engine in batches (a spent budget keeps the first batches' verdicts),
    statements first; the verdicts do not depend on the batching."""
    import dv.formal_holes as fh

    monkeypatch.setattr(fh, "BATCH", 2)
    d, holes = _pkg_mem_holes()
    verdicts = fh.prove_holes(d, None, holes, out=tmp_path, root=SHAPES, depth=8, timeout=60,
                              jobs=1)
    assert {v.hole.point.line: v.status for v in verdicts} == {
        34: "covered", 35: "covered", 38: "unreachable", 45: "covered", 56: "unreachable",
        57: "covered"}
    assert (tmp_path / "b1").is_dir() and (tmp_path / "b2").is_dir()


def test_casez_wildcards_are_targets_and_a_design_failure_is_said_once_per_batch(
        tmp_path, monkeypatch):
    """A casez item's condition (x ==? 3'b01?) is a target (its ? bits are don't-cares, not
    X/Z); when the design itself cannot be modelled (both clock edges, spimemio) every batch
    gets that reason without Yosys being run again."""
    import dv.formal_holes as fh

    d = _design()
    expr, why = fh.cover_target(_hole("branch", "case", ["(q) ==? (4'b 01??)"]), d)
    assert expr == "((q) ==? (4'b 01??))", why
    from dv.design.frontend import load_design

    src = SHAPES / "both_edges.sv"
    dd = load_design([src], top="both_edges", root=SHAPES)
    holes = _one_hole(dd, "both_edges.sv", 6) + _one_hole(dd, "both_edges.sv", 5)
    monkeypatch.setattr(fh, "BATCH", 1)
    calls = []
    real = fh._prove_group
    monkeypatch.setattr(fh, "_prove_group", lambda *a, **k: calls.append(1) or real(*a, **k))
    verdicts = fh.prove_holes(dd, None, holes, out=tmp_path, root=SHAPES, depth=4,
                              timeout=60, jobs=1)
    assert len(calls) == 1
    assert [v.status for v in verdicts] == ["unsupported", "unsupported"]
    assert all("both edges of its clock clk" in v.detail for v in verdicts)
