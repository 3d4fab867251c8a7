"""Coverage holes with a hand-built SourceMap."""

from __future__ import annotations

from pathlib import Path

from dv.cov.datfile import read_dat
from dv.cov.holes import (
    describe_group,
    find_holes,
    group_holes,
    names_in_expr,
    signal_of_toggle,
    summarise_toggles,
    toggle_parts,
)
from dv.cov.model import Coverage, CoverPoint
from dv.design.model import SourceMap, Statement
from dv.design.spec import Waiver

FIFO = Path(__file__).parent / "data" / "cov" / "fifo.dat"
SV = "rtl_examples/fifo/fifo.sv"
ROOT = Path(__file__).resolve().parents[1]


def fifo_source_map() -> SourceMap:
    """What dv.design.sourcemap produces for the parts of fifo.sv these tests use: an ``if``
    statement is its then-arm (it carries its own condition, as does the ``begin`` block on the
    same line), an explicit ``else`` starts at the ``else`` keyword, a missing ``else`` is an
    implicit statement at the ``if`` line."""
    lines = [f"// line {i}" for i in range(1, 56)]
    text = {
        8: "    input  logic             rst_n,",
        10: "    input  logic [WIDTH-1:0] wr_data,",
        24: "    wire do_write = wr_en && !full;",
        28: "        if (!rst_n) begin",
        29: "            wr_ptr    <= '0;",
        34: "        end else begin",
        35: "            overflow  <= wr_en && full && !rd_en;",
        37: "            if (do_write) begin",
        38: "                mem[wr_ptr] <= wr_data;",
        39: "                wr_ptr <= (wr_ptr == AW'(DEPTH - 1)) ? '0 : wr_ptr + 1'b1;",
        45: "                2'b10:   count <= count + 1'b1;",
    }
    for n, t in text.items():
        lines[n - 1] = t
    run = ("!(!rst_n)",)
    wr = ("!(!rst_n)", "do_write")
    item = "({do_write, do_read}) == 2'b10"
    stmts = [
        Statement(SV, 24, 24, "assign", "wire do_write = wr_en && !full;", (), ("wr_en", "full")),
        Statement(SV, 28, 34, "if", "if (!rst_n) begin", ("!rst_n",), ("rst_n",)),
        Statement(SV, 28, 34, "block", "begin", ("!rst_n",), ("rst_n",)),
        Statement(SV, 29, 29, "statement", "wr_ptr <= '0;", ("!rst_n",), ("rst_n",)),
        Statement(SV, 34, 49, "else", "else begin", run, ("rst_n",)),
        Statement(SV, 34, 49, "block", "begin", run, ("rst_n",)),
        Statement(SV, 35, 35, "statement", "overflow <= ...", run, ("rst_n",)),
        Statement(SV, 37, 40, "if", "if (do_write) begin", wr, ("rst_n", "do_write")),
        Statement(SV, 37, 40, "block", "begin", wr, ("rst_n", "do_write")),
        Statement(SV, 37, 37, "else", "if (do_write) begin", ("!(!rst_n)", "!(do_write)"),
                  ("rst_n", "do_write"), implicit=True),
        Statement(SV, 38, 38, "statement", "mem[wr_ptr] <= wr_data;", wr, ("rst_n", "do_write")),
        Statement(SV, 39, 39, "statement", "wr_ptr <= ...", wr, ("rst_n", "do_write")),
        Statement(SV, 44, 48, "case", "case ({do_write, do_read})", run, ("rst_n",)),
        Statement(SV, 45, 45, "case_item", "2'b10:   count <= count + 1'b1;", (*run, item),
                  ("rst_n", "do_write", "do_read")),
        Statement(SV, 45, 45, "statement", "count <= count + 1'b1;", (*run, item),
                  ("rst_n", "do_write", "do_read")),
    ]
    return SourceMap(lines={SV: lines}, statements=stmts)


def point(kind: str, line: int, comment: str, count: int = 0, span: str = "",
          column: int = 1) -> CoverPoint:
    return CoverPoint(kind, SV, line, column, comment, "fifo", span=span, count=count)


def test_toggle_names() -> None:
    assert signal_of_toggle("wr_data[3]:0->1") == ("wr_data", 3)
    assert signal_of_toggle("rd_en:0->1") == ("rd_en", None)
    assert signal_of_toggle("mem[2][3]:0->1") == ("mem", 3)
    assert signal_of_toggle("s.f[1]:1->0") == ("s.f", 1)
    assert signal_of_toggle("x[i]:0->1") == ("x", None)
    assert signal_of_toggle("weird") == ("weird", None)
    assert toggle_parts("mem[2][3]:0->1") == ("mem", ("2", "3"), "0->1")


def test_names_in_expr_rows() -> None:
    assert names_in_expr("(wr_en==1 && full==0) => 1") == ("wr_en", "full")
    assert names_in_expr("((wr_ptr == (DEPTH - 32'sh1)[2:0])==1) => 1") == ("wr_ptr", "DEPTH")
    assert names_in_expr("($countones(v)==1) => 0") == ("v",)


def test_holes_on_fixture_with_source_map() -> None:
    cov = read_dat(FIFO, root="/src")
    [hole] = find_holes(cov, fifo_source_map())
    assert hole.point.comment == "rst_n:1->0"
    assert hole.source == "input  logic             rst_n,"
    assert hole.conditions == ()
    assert hole.signals == ("rst_n",)
    assert hole.describe() == (f"{SV}:8 toggle rst_n:1->0  `input  logic             rst_n,`")


def test_hole_conditions_follow_the_arm() -> None:
    cov = Coverage()
    for p in [
        point("branch", 28, "if", span="28-33", column=9),
        point("branch", 28, "else", span="34-36,44", column=10),
        point("expr", 28, "(rst_n==1) => 0", column=13),
        point("branch", 39, "cond_then", span="39", column=56),
        point("expr", 24, "(wr_en==1 && full==0) => 1", column=27),
        point("branch", 37, "if", span="37-39", column=13),
        point("branch", 37, "else", column=14),
        point("line", 45, "case", span="45", column=22),
        point("line", 27, "block", count=5),  # hit: not a hole
    ]:
        cov.add(p)
    holes = find_holes(cov, fifo_source_map())
    got = {(h.point.line, h.point.comment): h for h in holes}
    assert len(holes) == 8
    # if arm: the if statement itself; explicit else: found through its span
    assert got[28, "if"].conditions == ("!rst_n",)
    assert got[28, "else"].conditions == ("!(!rst_n)",)
    assert got[28, "else"].statement is not None and got[28, "else"].statement.kind == "else"
    # the if condition's expression rows are evaluated before the arm
    assert got[28, "(rst_n==1) => 0"].conditions == ()
    assert got[28, "(rst_n==1) => 0"].signals == ("rst_n",)
    assert got[39, "cond_then"].conditions == ("!(!rst_n)", "do_write")
    assert got[39, "cond_then"].signals == ("rst_n", "do_write")
    assert got[37, "if"].conditions == ("!(!rst_n)", "do_write")
    # the implicit else
    assert got[37, "else"].conditions == ("!(!rst_n)", "!(do_write)")
    assert got[45, "case"].conditions == ("!(!rst_n)", "({do_write, do_read}) == 2'b10")
    assert got[45, "case"].statement.kind == "case_item"  # type: ignore[union-attr]
    expr = got[24, "(wr_en==1 && full==0) => 1"]
    assert expr.signals == ("wr_en", "full")
    assert expr.source == "wire do_write = wr_en && !full;"
    assert got[39, "cond_then"].describe() == (
        f"{SV}:39 branch cond_then  `wr_ptr <= (wr_ptr == AW'(DEPTH - 1)) ? '0 : wr_ptr + "
        "1'b1;`  when: !(!rst_n) && do_write")
    assert got[45, "case"].describe().endswith(
        "when: !(!rst_n) && (({do_write, do_read}) == 2'b10)")
    # sorted by file, line, kind (KINDS order), column
    assert [(h.point.line, h.point.kind, h.point.column) for h in holes] == [
        (24, "expr", 27), (28, "branch", 9), (28, "branch", 10), (28, "expr", 13),
        (37, "branch", 13), (37, "branch", 14), (39, "branch", 56), (45, "line", 22)]


def test_hole_conditions_without_arm_statements() -> None:
    # a map that only knows plain statements: the statements inside the span still tell
    sm = SourceMap(lines={}, statements=[
        Statement(SV, 29, 29, "statement", "wr_ptr <= '0;", ("!rst_n",), ("rst_n",)),
        Statement(SV, 35, 35, "statement", "overflow <= ...", ("!(!rst_n)",), ("rst_n",)),
    ])
    cov = Coverage()
    cov.add(point("branch", 28, "if", span="28-33", column=9))
    cov.add(point("branch", 28, "else", span="34-36,44", column=10))
    cov.add(point("branch", 50, "else", column=10))
    holes = find_holes(cov, sm)
    assert [h.conditions for h in holes] == [("!rst_n",), ("!(!rst_n)",), ()]
    assert holes[2].statement is None and holes[2].source == ""


def test_holes_without_source_map_and_with_waivers() -> None:
    cov = Coverage()
    for p in [point("toggle", 10, f"wr_data[{b}]:{e}") for b in range(8)
              for e in ("0->1", "1->0") if not (b == 4 and e == "1->0")]:
        cov.add(p)
    cov.add(point("line", 45, "case"))
    ws = [Waiver("fifo.sv", 45, "line", "unreachable by design")]
    holes = find_holes(cov, None, ws)
    assert len(holes) == 16
    waived = [h for h in holes if h.waiver is not None]
    assert [h.point.line for h in waived] == [45]
    assert waived[0].describe().endswith("[waived: unreachable by design]")
    assert all(h.source == "" and h.conditions == () for h in holes)
    groups = group_holes(holes)
    assert list(groups) == [(SV, 10), (SV, 45)]
    assert len(groups[SV, 10]) == 15
    text = describe_group(groups[SV, 10])
    assert text == f"{SV}:10\n  toggle wr_data bits 0-7 0->1; wr_data bits 0-3,5-7 1->0"
    assert describe_group(groups[SV, 45]) == (
        f"{SV}:45\n  [waived] line case -- unreachable by design")
    assert describe_group([]) == ""


def test_summarise_toggles() -> None:
    assert summarise_toggles(["d[0]:0->1", "d[1]:0->1", "d[3]:0->1", "en:1->0"]) == (
        "d bits 0-1,3 0->1; en 1->0")
    assert summarise_toggles(["m[2][7]:0->1", "m[2][6]:0->1", "m[3][0]:0->1"]) == (
        "m[2] bits 6-7 0->1; m[3] bit 0 0->1")


def test_real_source_text_lines_up_with_the_fixture() -> None:
    assert (ROOT / SV).is_file(), f"{SV} is committed and must be there"
    # the fixture's line numbers refer to rtl_examples/fifo/fifo.sv
    src = (ROOT / SV).read_text().splitlines()
    sm = SourceMap(lines={SV: src})
    cov = read_dat(FIFO, root="/src")
    [hole] = find_holes(cov, sm)
    assert "rst_n" in hole.source
