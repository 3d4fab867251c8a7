"""The source map: statements, their lines and the conditions that guard them.

The property test generates random nested if/else and case/casez structures, evaluates every
recorded condition with Python over *all* input values, and checks that a statement's conditions
are all true exactly when an interpreter of the same structure executes it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dv.design import load_design
from dv.design.model import Design, SourceMap, Statement

ROOT = Path(__file__).resolve().parent.parent
FIFO = ROOT / "rtl_examples" / "fifo" / "fifo.sv"
FIFO_NAME = "rtl_examples/fifo/fifo.sv"


def load_text(tmp_path: Path, text: str) -> Design:
    path = tmp_path / "dut.sv"
    path.write_text(text)
    return load_design([path], root=tmp_path)


def find(smap: SourceMap, kind: str, line: int) -> Statement:
    found = [s for s in smap.statements if s.kind == kind and s.line == line]
    assert len(found) == 1, (kind, line, found)
    return found[0]


def line_of(text: str, needle: str, nth: int = 0) -> int:
    return [i for i, ln in enumerate(text.splitlines(), 1) if needle in ln][nth]


# -- the FIFO ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fifo() -> Design:
    return load_design([FIFO], root=ROOT)


HEADER = "always_ff @(posedge clk or negedge rst_n)"


def test_fifo_lines(fifo: Design) -> None:
    lines = fifo.source_map.lines[FIFO_NAME]
    assert lines == FIFO.read_text().splitlines()
    assert fifo.source_map.text(FIFO_NAME, 38) == "mem[wr_ptr] <= wr_data;"


def test_fifo_reset_arm(fifo: Design) -> None:
    smap = fifo.source_map
    arm = find(smap, "if", 28)
    assert (arm.end_line, arm.text, arm.conditions, arm.signals) == (
        34, "if (!rst_n) begin", ("!rst_n",), ("rst_n",))
    assert arm.process == HEADER and arm.module == "fifo" and arm.file == FIFO_NAME
    st = find(smap, "statement", 29)
    assert st.text == "wr_ptr    <= '0;"
    assert st.conditions == ("!rst_n",)


def test_fifo_else_arm(fifo: Design) -> None:
    arm = find(fifo.source_map, "else", 34)
    assert arm.text == "else begin"
    assert arm.end_line == 49
    assert arm.conditions == ("!(!rst_n)",)


def test_fifo_nested_if(fifo: Design) -> None:
    st = find(fifo.source_map, "statement", 38)
    assert st.conditions == ("!(!rst_n)", "do_write")
    assert st.signals == ("rst_n", "do_write")
    implicit = [s for s in fifo.source_map.starting_at(FIFO_NAME, 37, "else")]
    assert len(implicit) == 1 and implicit[0].implicit
    assert implicit[0].conditions == ("!(!rst_n)", "!(do_write)")


def test_fifo_case_items(fifo: Design) -> None:
    smap = fifo.source_map
    case = find(smap, "case", 44)
    assert (case.end_line, case.text, case.conditions) == (
        48, "case ({do_write, do_read})", ("!(!rst_n)",))
    item = find(smap, "case_item", 45)
    assert item.text == "2'b10:   count <= count + 1'b1;"
    assert item.conditions == ("!(!rst_n)", "({do_write, do_read}) == 2'b10")
    assert item.signals == ("rst_n", "do_write", "do_read")
    assert find(smap, "case_item", 46).conditions[-1] == "({do_write, do_read}) == 2'b01"
    default = find(smap, "default", 47)
    assert default.conditions == (
        "!(!rst_n)", "!(({do_write, do_read}) == 2'b10 || ({do_write, do_read}) == 2'b01)")
    assert find(smap, "statement", 47).conditions == default.conditions


def test_fifo_continuous_assignments(fifo: Design) -> None:
    smap = fifo.source_map
    a = find(smap, "assign", 52)
    assert (a.text, a.conditions, a.process) == ("assign rd_data = mem[rd_ptr];", (), "assign")
    w = find(smap, "assign", 24)
    assert w.text == "wire do_write = wr_en && !full;"


def test_fifo_at(fifo: Design) -> None:
    smap = fifo.source_map
    assert smap.at(FIFO_NAME, 38).text == "mem[wr_ptr] <= wr_data;"
    inner = smap.at(FIFO_NAME, 37)  # the if line: the arm's block, not the implicit else
    assert inner is not None and not inner.implicit and inner.conditions[-1] == "do_write"
    assert smap.at(FIFO_NAME, 1) is None
    assert smap.at("other.sv", 38) is None


def test_statements_are_unique_and_sorted(fifo: Design) -> None:
    sts = fifo.source_map.statements
    assert len(set(sts)) == len(sts)
    assert [s.line for s in sts] == sorted(s.line for s in sts)
    for s in sts:
        assert s.line <= s.end_line


# -- smaller constructs -----------------------------------------------------------------------


def test_else_if_chain(tmp_path: Path) -> None:
    text = """\
module m (input clk, input a, input b, output reg [1:0] y);
  always @(posedge clk)
    if (a) y <= 2'd1;
    else if (b) y <= 2'd2;
    else y <= 2'd3;
endmodule
"""
    smap = load_text(tmp_path, text).source_map
    assert find(smap, "else", 4).text == "else if (b) y <= 2'd2;"
    assert find(smap, "if", 4).conditions == ("!(a)", "b")
    assert find(smap, "else", 5).conditions == ("!(a)", "!(b)")
    assert find(smap, "statement", 5).conditions == ("!(a)", "!(b)")
    assert find(smap, "if", 3).process == "always @(posedge clk)"


def test_condition_text_is_the_source_text(tmp_path: Path) -> None:
    text = """\
module m (input clk, input [3:0] a, input b, output reg y);
  localparam [3:0] LIMIT = 4'd9;
  always @(posedge clk)
    if (a>LIMIT &&   // too big
        b)
      y <= 1'b1;
endmodule
"""
    st = find(load_text(tmp_path, text).source_map, "statement", 6)
    assert st.conditions == ("a>LIMIT && b",)
    assert st.signals == ("a", "b")  # LIMIT is a parameter, not a signal


def test_casez_and_overlapping_labels(tmp_path: Path) -> None:
    text = """\
module m (input clk, input [2:0] req, output reg [1:0] g);
  always_comb
    casez (req)
      3'b1??: g = 2'd2;
      3'b?1?: g = 2'd1;
      3'b001: g = 2'd0;
      default: g = 2'd3;
    endcase
  always @(posedge clk) ;
endmodule
"""
    smap = load_text(tmp_path, text).source_map
    assert find(smap, "case_item", 4).conditions == ("(req) ==? 3'b1??",)
    # 3'b?1? overlaps 3'b1?? (110 matches both): the earlier label is excluded
    assert find(smap, "case_item", 5).conditions == ("!((req) ==? 3'b1??) && ((req) ==? 3'b?1?)",)
    # 3'b001 overlaps neither
    assert find(smap, "case_item", 6).conditions == ("(req) ==? 3'b001",)
    assert find(smap, "default", 7).conditions == (
        "!((req) ==? 3'b1?? || (req) ==? 3'b?1? || (req) ==? 3'b001)",)
    assert find(smap, "case", 3).process == "always_comb"


def test_case_with_non_constant_labels(tmp_path: Path) -> None:
    text = """\
module m (input clk, input a, input b, output reg y);
  always @(posedge clk)
    case (1'b1)
      a: y <= 1'b0;
      b: y <= 1'b1;
    endcase
endmodule
"""
    smap = load_text(tmp_path, text).source_map
    assert find(smap, "case_item", 4).conditions == ("(1'b1) == a",)
    assert find(smap, "case_item", 5).conditions == ("!((1'b1) == a) && ((1'b1) == b)",)
    assert find(smap, "case_item", 5).signals == ("b", "a")


def test_case_inside_and_label_with_operators(tmp_path: Path) -> None:
    text = """\
module m (input clk, input [3:0] v, input [3:0] k, output reg y);
  always @(posedge clk) begin
    case (v) inside
      [0:3]: y <= 1'b0;
      default: y <= 1'b1;
    endcase
    case (v)
      k | 4'd1: y <= 1'b1;
    endcase
  end
endmodule
"""
    smap = load_text(tmp_path, text).source_map
    assert find(smap, "case_item", 4).conditions == ("(v) inside {[0:3]}",)
    assert find(smap, "default", 5).conditions == ("!((v) inside {[0:3]})",)
    assert find(smap, "case_item", 8).conditions == ("(v) == (k | 4'd1)",)


def test_multiple_labels_per_item(tmp_path: Path) -> None:
    text = """\
module m (input clk, input [1:0] s, output reg y);
  always @(posedge clk)
    case (s)
      2'd0, 2'd3: y <= 1'b1;
      default: y <= 1'b0;
    endcase
endmodule
"""
    smap = load_text(tmp_path, text).source_map
    assert find(smap, "case_item", 4).conditions == ("(s) == 2'd0 || (s) == 2'd3",)
    assert find(smap, "default", 5).conditions == ("!((s) == 2'd0 || (s) == 2'd3)",)


def test_loops_functions_generate_and_macros(tmp_path: Path) -> None:
    text = """\
`define CLEAR(x) x <= '0
module m #(parameter N = 2) (input clk, input en, input [3:0] d, output reg [3:0] q);
  function automatic [3:0] inc(input [3:0] v);
    if (v == 4'hf) inc = 4'h0;
    else inc = v + 4'h1;
  endfunction
  genvar i;
  reg [3:0] r [N];
  for (i = 0; i < N; i++) begin : g
    always @(posedge clk) if (en) r[i] <= d;
  end
  always @(posedge clk) begin
    for (int j = 0; j < 4; j++)
      if (d[j]) q[j] <= 1'b1;
    if (!en) `CLEAR(q);
  end
endmodule
"""
    d = load_text(tmp_path, text)
    smap = d.source_map
    assert find(smap, "if", 4).process == "function inc"
    assert find(smap, "if", 4).conditions == ("v == 4'hf",)
    assert find(smap, "if", 4).signals == ()  # a function argument is not a design signal
    # the generate loop's two copies of the process give one statement
    gen_if = find(smap, "if", 10)
    assert gen_if.conditions == ("en",)
    assert find(smap, "loop", 13).conditions == ()
    assert find(smap, "if", 14).conditions == ("d[j]",)
    assert find(smap, "if", 14).signals == ("d",)
    # a statement from a macro sits at the line where the macro is used
    assert find(smap, "statement", 15).conditions == ("!en",)


def test_one_assign_several_targets(tmp_path: Path) -> None:
    text = """\
module m (input clk, input a, output x, output y);
  assign x = a,
         y = !a;
  always @(posedge clk) ;
endmodule
"""
    smap = load_text(tmp_path, text).source_map
    assert find(smap, "assign", 2).text == "x = a"
    assert find(smap, "assign", 3).text == "y = !a"


# -- property: conditions are exact -----------------------------------------------------------

INPUTS = {"a": 1, "b": 1, "c": 1, "s": 2, "t": 3}  # name -> width

ATOMS = ["a", "b", "c", "!a", "!c", "s == 2'd1", "s != 2'b11", "t > 3'd2", "t[1]", "s[0]",
         "(t == 3'h5)", "a ^ b"]


@dataclass
class Leaf:
    ident: int


@dataclass
class If:
    cond: str
    then: list[object]
    other: list[object] | None
    compact: bool = False  # "if (c) stmt;" on one line when the arm is one leaf


@dataclass
class Case:
    sel: str  # "s" (2 bits, case) or "t" (3 bits, casez)
    items: list[tuple[list[str], list[object]]]
    default: list[object] | None


@dataclass
class Counter:
    n: int = 0
    lines: list[str] = field(default_factory=list)


def conditions() -> st.SearchStrategy[str]:
    atom = st.sampled_from(ATOMS)
    return st.recursive(atom, lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: f"{p[0]} && {p[1]}"),
        st.tuples(inner, inner).map(lambda p: f"{p[0]} || {p[1]}"),
        inner.map(lambda x: f"!({x})"),
    ), max_leaves=3)


S_LABELS = ["2'd0", "2'd1", "2'd2", "2'd3", "2'b01", "{a, b}", "{c, a}"]
T_LABELS = ["3'b1??", "3'b?1?", "3'b??1", "3'b000", "3'b10?", "3'b0?1", "3'b111"]


@st.composite
def blocks(draw: st.DrawFn, depth: int = 0) -> list[object]:
    size = draw(st.integers(1, 3 if depth < 2 else 2))
    out: list[object] = [Leaf(0)]  # every block starts with a leaf: each arm is observable
    for _ in range(size - 1):
        out.append(draw(nodes(depth)))
    return out


@st.composite
def nodes(draw: st.DrawFn, depth: int) -> object:
    if depth >= 3:
        return Leaf(0)
    kind = draw(st.sampled_from(["leaf", "if", "if", "case"]))
    if kind == "leaf":
        return Leaf(0)
    if kind == "if":
        then = draw(blocks(depth + 1))
        other = draw(st.one_of(st.none(), blocks(depth + 1)))
        if other is not None and draw(st.booleans()):
            # an else-if chain: the else arm holds a single if
            other = [If(draw(conditions()), draw(blocks(depth + 1)), None)]
        return If(draw(conditions()), then, other, compact=draw(st.booleans()))
    sel = draw(st.sampled_from(["s", "t"]))
    pool = S_LABELS if sel == "s" else T_LABELS
    n_items = draw(st.integers(1, 3))
    items = [(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2)),
              draw(blocks(depth + 1))) for _ in range(n_items)]
    default = draw(st.one_of(st.none(), blocks(depth + 1)))
    return Case(sel, items, default)


def number(tree: list[object], counter: Counter) -> None:
    for node in tree:
        if isinstance(node, Leaf):
            node.ident = counter.n
            counter.n += 1
        elif isinstance(node, If):
            number(node.then, counter)
            if node.other is not None:
                number(node.other, counter)
        elif isinstance(node, Case):
            for _, body in node.items:
                number(body, counter)
            if node.default is not None:
                number(node.default, counter)


def render(tree: list[object], out: list[str], indent: str) -> None:
    for node in tree:
        if isinstance(node, Leaf):
            out.append(f"{indent}hit[{node.ident}] = 1'b1;")
        elif isinstance(node, If):
            one = len(node.then) == 1 and isinstance(node.then[0], Leaf)
            if node.compact and one and node.other is None:
                out.append(f"{indent}if ({node.cond}) hit[{node.then[0].ident}] = 1'b1;")
                continue
            out.append(f"{indent}if ({node.cond}) begin")
            render(node.then, out, indent + "  ")
            if node.other is None:
                out.append(f"{indent}end")
            elif len(node.other) == 1 and isinstance(node.other[0], If):
                out.append(f"{indent}end else")
                render(node.other, out, indent + "  ")
            else:
                out.append(f"{indent}end else begin")
                render(node.other, out, indent + "  ")
                out.append(f"{indent}end")
        elif isinstance(node, Case):
            out.append(f"{indent}{'case' if node.sel == 's' else 'casez'} ({node.sel})")
            for labels, body in node.items:
                out.append(f"{indent}  {', '.join(labels)}: begin")
                render(body, out, indent + "    ")
                out.append(f"{indent}  end")
            if node.default is not None:
                out.append(f"{indent}  default: begin")
                render(node.default, out, indent + "    ")
                out.append(f"{indent}  end")
            out.append(f"{indent}endcase")


def module(tree: list[object], n: int) -> str:
    body: list[str] = []
    render(tree, body, "    ")
    return "\n".join([
        "module gen (input logic clk, input logic a, input logic b, input logic c,",
        f"            input logic [1:0] s, input logic [2:0] t, output logic [{n - 1}:0] q);",
        f"  logic [{n - 1}:0] hit;",
        "  always_comb begin",
        "    hit = '0;",
        *body,
        "  end",
        "  always_ff @(posedge clk) q <= hit;",
        "endmodule",
        "",
    ])


# A tiny translation of the SystemVerilog the source map writes into Python.
_SIZED = re.compile(r"(\d+)'([bdh])([0-9a-fA-F?_]+)")
_WILD = re.compile(r"\((\w)\) ==\? 3'b([01?]+)")


def to_python(cond: str) -> str:
    py = _WILD.sub(lambda m: f"wild({m.group(1)}, '{m.group(2)}')", cond)
    py = re.sub(r"\{(\w), (\w)\}", r"((\1 << 1) | \2)", py)
    py = re.sub(r"(\w)\[(\d)\]", r"((\1 >> \2) & 1)", py)
    py = _SIZED.sub(lambda m: str(int(m.group(3).replace("_", ""),
                                      {"b": 2, "d": 10, "h": 16}[m.group(2)])), py)
    py = py.replace("&&", " and ").replace("||", " or ")
    py = re.sub(r"!(?!=)", " not ", py)
    return py.strip()


def wild(value: int, pattern: str) -> bool:
    bits = format(value, f"0{len(pattern)}b")
    return all(p in "?" or p == b for p, b in zip(pattern, bits, strict=True))


def sv_true(cond: str, env: dict[str, int]) -> bool:
    return bool(eval(to_python(cond), {"wild": wild}, dict(env)))  # noqa: S307 - test oracle


def label_matches(sel: str, label: str, env: dict[str, int]) -> bool:
    if sel == "t":
        return wild(env["t"], label.split("'b")[1])
    return env["s"] == eval(to_python(label), {}, dict(env))  # noqa: S307 - test oracle


def execute(tree: list[object], env: dict[str, int], hits: set[int], else_taken: set[str],
            lines: Callable[[If], str]) -> None:
    for node in tree:
        if isinstance(node, Leaf):
            hits.add(node.ident)
        elif isinstance(node, If):
            if sv_true(node.cond, env):
                execute(node.then, env, hits, else_taken, lines)
            elif node.other is not None:
                execute(node.other, env, hits, else_taken, lines)
            else:
                else_taken.add(lines(node))
        elif isinstance(node, Case):
            for labels, body in node.items:
                if any(label_matches(node.sel, lb, env) for lb in labels):
                    execute(body, env, hits, else_taken, lines)
                    break
            else:
                if node.default is not None:
                    execute(node.default, env, hits, else_taken, lines)


def ifs(tree: list[object]) -> Iterator[If]:
    for node in tree:
        if isinstance(node, If):
            yield node
            yield from ifs(node.then)
            if node.other is not None:
                yield from ifs(node.other)
        elif isinstance(node, Case):
            for _, body in node.items:
                yield from ifs(body)
            if node.default is not None:
                yield from ifs(node.default)


def all_inputs() -> Iterator[dict[str, int]]:
    names = list(INPUTS)
    for values in itertools.product(*(range(2 ** INPUTS[n]) for n in names)):
        yield dict(zip(names, values, strict=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(tree=blocks())
def test_conditions_hold_exactly_when_statement_runs(tree: list[object], tmp_path: Path) -> None:
    counter = Counter()
    number(tree, counter)
    text = module(tree, counter.n)
    (tmp_path / "gen.sv").write_text(text)
    smap = load_design([tmp_path / "gen.sv"], root=tmp_path).source_map

    leaves: dict[int, Statement] = {}
    for s in smap.statements:
        m = re.match(r"hit\[(\d+)\]", s.text)
        if s.kind == "statement" and m:
            leaves[int(m.group(1))] = s
    assert sorted(leaves) == list(range(counter.n)), text

    # the line of each generated if, to match the implicit else entries
    src = text.splitlines()
    if_lines: dict[int, int] = {}
    for node in ifs(tree):
        first = node.then[0]
        assert isinstance(first, Leaf)
        leaf_line = leaves[first.ident].line
        if_lines[id(node)] = leaf_line if src[leaf_line - 1].lstrip().startswith("if") \
            else leaf_line - 1
    implicit = {s.line: s for s in smap.statements if s.implicit}
    assert set(implicit) == {if_lines[id(n)] for n in ifs(tree) if n.other is None}

    compiled = {s: [compile(to_python(c), "<cond>", "eval") for c in s.conditions]
                for s in [*leaves.values(), *implicit.values()]}
    for env in all_inputs():
        hits: set[int] = set()
        else_taken: set[str] = set()
        execute(tree, env, hits, else_taken, lambda node: str(if_lines[id(node)]))
        for ident, s in leaves.items():
            holds = all(eval(code, {"wild": wild}, dict(env)) for code in compiled[s])  # noqa: S307
            assert holds == (ident in hits), (text, s, env)
        for line, s in implicit.items():
            holds = all(eval(code, {"wild": wild}, dict(env)) for code in compiled[s])  # noqa: S307
            assert holds == (str(line) in else_taken), (text, s, env)
