"""The design front end: what dv learns from RTL (ports, parameters, clocks, resets, registers,
FSMs) and how it reports RTL it cannot use."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from dv.design import design_to_json, load_design
from dv.design.model import Design
from dv.design.paths import relative_path
from dv.errors import EXIT_INPUT, InputError

ROOT = Path(__file__).resolve().parent.parent
FIFO = ROOT / "rtl_examples" / "fifo" / "fifo.sv"


def load_text(tmp_path: Path, text: str, name: str = "dut.sv", **kw: object) -> Design:
    path = tmp_path / name
    path.write_text(text)
    return load_design([path], root=tmp_path, **kw)  # type: ignore[arg-type]


def error_of(tmp_path: Path, text: str, name: str = "dut.sv", **kw: object) -> InputError:
    with pytest.raises(InputError) as info:
        load_text(tmp_path, text, name, **kw)
    return info.value


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line of ``text`` containing ``needle``."""
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


# -- the FIFO ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fifo() -> Design:
    return load_design([FIFO], root=ROOT)


def test_fifo_top_and_files(fifo: Design) -> None:
    assert fifo.top == "fifo"
    assert fifo.files == ["rtl_examples/fifo/fifo.sv"]


def test_fifo_ports(fifo: Design) -> None:
    ports = {p.name: (p.direction, p.width, p.signed) for p in fifo.ports}
    assert ports == {
        "clk": ("input", 1, False), "rst_n": ("input", 1, False), "wr_en": ("input", 1, False),
        "wr_data": ("input", 8, False), "rd_en": ("input", 1, False),
        "rd_data": ("output", 8, False), "full": ("output", 1, False),
        "empty": ("output", 1, False), "count": ("output", 4, False),
        "overflow": ("output", 1, False), "underflow": ("output", 1, False),
    }
    assert [p.name for p in fifo.ports][:3] == ["clk", "rst_n", "wr_en"]  # declaration order
    assert fifo.port("count") is not None and fifo.port("count").line == 15
    assert [p.name for p in fifo.data_inputs()] == ["wr_en", "wr_data", "rd_en"]


def test_fifo_parameters(fifo: Design) -> None:
    params = {p.name: (p.value, p.overridable) for p in fifo.parameters}
    assert params == {"WIDTH": (8, True), "DEPTH": (8, True), "AW": (3, False)}
    assert fifo.param_value("DEPTH") == 8


def test_fifo_clock_and_reset(fifo: Design) -> None:
    assert [(c.name, c.edge) for c in fifo.clocks] == [("clk", "posedge")]
    assert len(fifo.resets) == 1
    rst = fifo.reset
    assert rst is not None
    assert (rst.name, rst.active_low, rst.asynchronous, rst.clock) == ("rst_n", True, True, "clk")
    assert rst.asserted_value == 0


def test_fifo_registers(fifo: Design) -> None:
    regs = {r.name: (r.width, r.depth, r.clock, r.reset) for r in fifo.registers}
    assert regs == {
        "wr_ptr": (3, 1, "clk", "rst_n"), "rd_ptr": (3, 1, "clk", "rst_n"),
        "count": (4, 1, "clk", "rst_n"), "overflow": (1, 1, "clk", "rst_n"),
        "underflow": (1, 1, "clk", "rst_n"), "mem": (8, 8, "clk", "rst_n"),
    }


def test_fifo_signals(fifo: Design) -> None:
    sig = {s.name: (s.kind, s.width, s.depth) for s in fifo.signals}
    assert sig["mem"] == ("memory", 8, 8)
    assert sig["wr_ptr"] == ("reg", 3, 1)
    assert sig["do_write"] == ("wire", 1, 1)
    assert sig["count"] == ("port", 4, 1)
    assert sig["clk"] == ("port", 1, 1)
    assert len(sig) == len(fifo.signals)  # one entry per name
    assert fifo.signal("mem") is not None and fifo.signal("mem").line == 21
    assert fifo.fsms == []


def test_fifo_override_recomputes_widths() -> None:
    d = load_design([FIFO], root=ROOT, overrides={"DEPTH": "16"})
    assert d.port("count").width == 5
    assert d.param_value("DEPTH") == 16
    assert d.param_value("AW") == 4
    assert d.register("wr_ptr").width == 4
    assert d.register("mem").depth == 16
    assert d.overrides == {"DEPTH": "16"}


def test_fifo_override_width() -> None:
    d = load_design([FIFO], root=ROOT, overrides={"WIDTH": "32"})
    assert d.port("wr_data").width == 32
    assert d.signal("mem").width == 32


def test_json_round_trip(fifo: Design) -> None:
    data = json.loads(json.dumps(design_to_json(fifo)))
    assert data["top"] == "fifo"
    assert data["resets"][0]["asserted_value"] == 0
    assert data["source_map"]["lines"]["rtl_examples/fifo/fifo.sv"][0].startswith("// Param")
    assert {p["name"] for p in data["ports"]} >= {"clk", "count"}


def test_load_is_fast() -> None:
    load_design([FIFO], root=ROOT)  # warm up (imports)
    start = time.perf_counter()
    load_design([FIFO], root=ROOT)
    assert time.perf_counter() - start < 0.5


# -- file naming ------------------------------------------------------------------------------


def test_paths_relative_to_root_or_absolute(tmp_path: Path) -> None:
    d = load_design([FIFO], root=tmp_path)  # FIFO is not under tmp_path
    assert d.files == [FIFO.as_posix()]
    assert d.source_map.statements[0].file == FIFO.as_posix()
    assert FIFO.as_posix() in d.source_map.lines


def test_default_root_is_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "rtl_examples")
    d = load_design(["fifo/fifo.sv"])
    assert d.files == ["fifo/fifo.sv"]
    assert {st.file for st in d.source_map.statements} == {"fifo/fifo.sv"}


def test_relative_path(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    assert relative_path(tmp_path / "a" / "x.sv", tmp_path) == "a/x.sv"
    assert relative_path("/elsewhere/x.sv", tmp_path) == "/elsewhere/x.sv"
    link = tmp_path / "link"
    os.symlink(tmp_path / "a", link)
    assert relative_path(link / "x.sv", tmp_path / "a") == "x.sv"


# -- inference on small designs ---------------------------------------------------------------

SYNC_HIGH = """\
module sync_high (input logic clk, input logic rst, input logic [3:0] d, output logic [3:0] q);
  always_ff @(posedge clk) begin
    if (rst) q <= '0;
    else     q <= d;
  end
endmodule
"""


def test_sync_active_high_reset(tmp_path: Path) -> None:
    d = load_text(tmp_path, SYNC_HIGH)
    assert [c.name for c in d.clocks] == ["clk"]
    assert [(r.name, r.active_low, r.asynchronous, r.clock) for r in d.resets] == [
        ("rst", False, False, "clk")]
    assert [(r.name, r.width, r.reset) for r in d.registers] == [("q", 4, "rst")]
    assert [p.name for p in d.data_inputs()] == ["d"]


@pytest.mark.parametrize("test, low", [
    ("!reset_n", True), ("~reset_n", True), ("reset_n == 1'b0", True), ("reset_n != 1'b1", True),
    ("reset_n == 1'b1", False), ("reset_n", False),
])
def test_sync_reset_polarity_from_test(tmp_path: Path, test: str, low: bool) -> None:
    d = load_text(tmp_path, f"""\
module m (input clk, input reset_n, input x, output reg y);
  always @(posedge clk)
    if ({test}) y <= 1'b0;
    else y <= x;
endmodule
""")
    assert [(r.name, r.active_low, r.asynchronous) for r in d.resets] == [("reset_n", low, False)]


def test_sync_test_on_non_reset_name_is_not_a_reset(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module m (input clk, input en, input x, output reg y);
  always @(posedge clk) if (en) y <= x;
endmodule
""")
    assert d.resets == []
    assert [p.name for p in d.data_inputs()] == ["en", "x"]


def test_sync_reset_must_be_tested_alone(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module m (input clk, input rst, input go, input x, output reg y);
  always @(posedge clk) if (rst && go) y <= 1'b0; else y <= x;
endmodule
""")
    assert d.resets == []


def test_no_reset_and_negedge_clock(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module shift (input logic clk, input logic d, output logic [3:0] q);
  always_ff @(negedge clk) q <= {q[2:0], d};
endmodule
""")
    assert [(c.name, c.edge) for c in d.clocks] == [("clk", "negedge")]
    assert d.resets == []
    assert [(r.name, r.width, r.clock, r.reset) for r in d.registers] == [("q", 4, "clk", None)]


def test_async_active_high_reset(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module m (input clk, input arst, input x, output reg y);
  always @(posedge clk or posedge arst)
    if (arst) y <= 1'b0;
    else y <= x;
endmodule
""")
    assert [c.name for c in d.clocks] == ["clk"]
    assert [(r.name, r.active_low, r.asynchronous) for r in d.resets] == [("arst", False, True)]


def test_async_reset_polarity_from_edge(tmp_path: Path) -> None:
    # the first if does not test the reset alone: polarity comes from the negedge
    d = load_text(tmp_path, """\
module m (input clk, input rst_n, input hold, input x, output reg y);
  always @(posedge clk or negedge rst_n)
    if (!rst_n || hold) y <= 1'b0;
    else y <= x;
endmodule
""")
    assert [(r.name, r.active_low, r.asynchronous) for r in d.resets] == [("rst_n", True, True)]
    assert [c.name for c in d.clocks] == ["clk"]


def test_two_clock_domains(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module m (input clk_a, input clk_b, input rst_n, input x, output reg ya, output reg yb);
  always_ff @(posedge clk_a or negedge rst_n) if (!rst_n) ya <= 0; else ya <= x;
  always_ff @(posedge clk_b) yb <= ya;
endmodule
""")
    assert [c.name for c in d.clocks] == ["clk_a", "clk_b"]
    assert {r.name: (r.clock, r.reset) for r in d.registers} == {
        "ya": ("clk_a", "rst_n"), "yb": ("clk_b", None)}


def test_registers_through_selects_and_concatenation(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module m (input clk, input [7:0] x, output logic [7:0] y);
  logic [3:0] hi, lo;
  logic [7:0] mem [0:3][0:1];
  logic [7:0] comb;
  always_comb comb = x + 1;
  always_ff @(posedge clk) begin
    {hi, lo} <= x;
    y[0] <= x[0];
    mem[1][0] <= comb;
    for (int i = 1; i < 8; i++) y[i] <= x[i];
  end
endmodule
""")
    regs = {r.name: (r.width, r.depth) for r in d.registers}
    assert regs == {"hi": (4, 1), "lo": (4, 1), "y": (8, 1), "mem": (8, 8)}
    assert d.signal("comb").kind == "wire"
    assert d.signal("mem").kind == "memory" and d.signal("mem").depth == 8


ENUM_FSM = """\
module enum_fsm (input logic clk, input logic rst_n, input logic go, input logic stop,
                 output logic busy);
  typedef enum logic [1:0] {IDLE, RUN = 2'd2, DONE = 2'd3} state_t;
  state_t state, state_next;

  always_ff @(posedge clk or negedge rst_n)
    if (!rst_n) state <= IDLE;
    else        state <= state_next;

  always_comb begin
    state_next = state;
    unique case (state)
      IDLE: if (go) state_next = RUN;
      RUN:  if (stop) state_next = DONE;
      default: state_next = IDLE;
    endcase
  end
  assign busy = state != IDLE;
endmodule
"""


def test_enum_fsm(tmp_path: Path) -> None:
    d = load_text(tmp_path, ENUM_FSM)
    assert len(d.fsms) == 1
    fsm = d.fsms[0]
    assert fsm.state_var == "state"
    assert fsm.next_var == "state_next"
    assert fsm.width == 2
    assert [(s.name, s.value) for s in fsm.states] == [("IDLE", 0), ("RUN", 2), ("DONE", 3)]
    assert fsm.legal_values == (0, 2, 3)
    assert fsm.line == line_of(ENUM_FSM, "state_t state, state_next")
    assert d.signal("state").kind == "reg"
    assert d.signal("state_next").kind == "wire"


def test_enum_fsm_one_process(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module m (input clk, input rst, input go, output logic done);
  enum logic [2:0] {A = 3'd1, B = 3'd2, C = 3'd4} st;
  always_ff @(posedge clk)
    if (rst) st <= A;
    else case (st)
      A: if (go) st <= B;
      B: st <= C;
      C: st <= A;
    endcase
  assign done = st == C;
endmodule
""")
    assert [(f.state_var, f.next_var, f.width) for f in d.fsms] == [("st", None, 3)]
    assert d.fsms[0].legal_values == (1, 2, 4)
    assert d.resets[0].name == "rst" and not d.resets[0].asynchronous


LP_FSM = """\
module lp_fsm (input clk, input rst, input go, input ack, output reg busy);
  localparam S_IDLE = 2'd0, S_REQ = 2'd1, S_WAIT = 2'd2;
  localparam TIMEOUT = 7;
  reg [1:0] cs, ns;
  reg [2:0] timer;

  always @(posedge clk or posedge rst)
    if (rst) cs <= S_IDLE;
    else     cs <= ns;

  always @* begin
    ns = cs;
    case (cs)
      S_IDLE: if (go) ns = S_REQ;
      S_REQ:  ns = S_WAIT;
      S_WAIT: if (ack || timer == TIMEOUT) ns = S_IDLE;
      default: ns = S_IDLE;
    endcase
  end

  always @(posedge clk) begin
    busy <= (cs != S_IDLE);
    timer <= (cs == S_WAIT) ? timer + 3'd1 : 3'd0;
  end
endmodule
"""


def test_localparam_two_process_fsm(tmp_path: Path) -> None:
    d = load_text(tmp_path, LP_FSM)
    assert [(f.state_var, f.next_var, f.width) for f in d.fsms] == [("cs", "ns", 2)]
    assert [(s.name, s.value) for s in d.fsms[0].states] == [
        ("S_IDLE", 0), ("S_REQ", 1), ("S_WAIT", 2)]
    assert d.fsm("cs") is d.fsms[0]
    # timer is compared with a localparam but never cased on: not an FSM
    assert d.fsm("timer") is None
    assert [(r.name, r.active_low, r.asynchronous) for r in d.resets] == [("rst", False, True)]
    assert {r.name: r.reset for r in d.registers} == {"cs": "rst", "busy": None, "timer": None}


def test_localparam_one_process_fsm(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module m (input clk, input rst_n, input go, output logic [1:0] st);
  localparam logic [1:0] A = 0, B = 1, C = 2;
  always_ff @(posedge clk or negedge rst_n)
    if (!rst_n) st <= A;
    else case (st)
      A: st <= go ? B : A;
      B: st <= C;
      default: st <= A;
    endcase
endmodule
""")
    assert [(f.state_var, f.next_var) for f in d.fsms] == [("st", None)]
    assert [s.name for s in d.fsms[0].states] == ["A", "B", "C"]


def test_opcode_register_is_not_an_fsm(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module m (input clk, input [1:0] op_in, input [7:0] a, output reg [7:0] y);
  localparam OP_ADD = 2'd0, OP_INC = 2'd1;
  reg [1:0] op;
  always @(posedge clk) op <= op_in;
  always @(posedge clk)
    case (op)
      OP_ADD: y <= y + a;
      OP_INC: y <= y + 1;
      default: y <= y;
    endcase
endmodule
""")
    assert d.fsms == []


def test_hierarchy_clock_and_reset_from_submodule(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module top (input sys_clk, input sys_rst_n, input d, output q);
  wire mid;
  stage u0 (.clk(sys_clk), .rst_n(sys_rst_n), .d(d), .q(mid));
  stage u1 (.clk(sys_clk), .rst_n(sys_rst_n), .d(mid), .q(q));
endmodule

module stage (input clk, input rst_n, input d, output reg q);
  always @(posedge clk or negedge rst_n)
    if (!rst_n) q <= 1'b0;
    else q <= d;
endmodule
""")
    assert d.top == "top"
    assert [c.name for c in d.clocks] == ["sys_clk"]
    assert [(r.name, r.active_low, r.asynchronous, r.clock) for r in d.resets] == [
        ("sys_rst_n", True, True, "sys_clk")]
    assert d.registers == []  # only the top's own processes give registers
    # the source map covers the submodule too
    assert any(st.module == "stage" for st in d.source_map.statements)


def test_top_option_picks_a_submodule(tmp_path: Path) -> None:
    text = """\
module top (input clk, input d, output q);
  leaf u (.clk(clk), .d(d), .q(q));
endmodule
module leaf (input clk, input d, output reg q);
  always @(posedge clk) q <= d;
endmodule
"""
    d = load_text(tmp_path, text, top="leaf")
    assert d.top == "leaf"
    assert [r.name for r in d.registers] == ["q"]


def test_parameters_of_every_kind(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module m #(parameter int W = 4, parameter string NAME = "dut", parameter real R = 1.5,
           parameter logic [3:0] X = 4'b10x1, parameter N = -3, parameter type T = logic [2:0])
  (input clk, input signed [W-1:0] a, output T q);
  always @(posedge clk) q <= a[2:0];
endmodule
""")
    values = {p.name: p.value for p in d.parameters}
    assert values["W"] == 4 and values["N"] == -3
    assert values["NAME"] == "dut"
    assert values["R"] == "1.5"
    assert isinstance(values["X"], str) and "x" in values["X"]
    assert values["T"] == "logic[2:0]"
    assert d.port("a").signed and d.port("a").width == 4
    assert d.port("q").width == 3


def test_non_ansi_ports(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module m (clk, d, q);
  input clk;
  input [2:0] d;
  output [2:0] q;
  reg [2:0] q;
  always @(posedge clk) q <= d;
endmodule
""")
    assert [(p.name, p.direction, p.width) for p in d.ports] == [
        ("clk", "input", 1), ("d", "input", 3), ("q", "output", 3)]
    assert d.registers[0].name == "q"


def test_defines_and_include_dirs(tmp_path: Path) -> None:
    inc = tmp_path / "inc"
    inc.mkdir()
    (inc / "widths.vh").write_text("`define DW 12\n")
    d = load_text(tmp_path, """\
`include "widths.vh"
module m (input clk, input [`DW-1:0] d, output reg [`DW-1:0] q);
`ifdef USE_RESET
  input rst;
`endif
  always @(posedge clk) q <= d;
endmodule
""", include_dirs=[inc], defines={"UNUSED": "1"})
    assert d.port("d").width == 12
    assert d.defines == {"UNUSED": "1"}
    assert d.include_dirs == ["inc"]


def test_define_value_changes_width(tmp_path: Path) -> None:
    text = """\
module m (input clk, input [`W-1:0] d, output reg [`W-1:0] q);
  always @(posedge clk) q <= d;
endmodule
"""
    assert load_text(tmp_path, text, defines={"W": "5"}).port("d").width == 5


def test_several_files(tmp_path: Path) -> None:
    (tmp_path / "leaf.sv").write_text(
        "module leaf (input clk, input d, output reg q);\n  always @(posedge clk) q <= d;\n"
        "endmodule\n")
    (tmp_path / "top.sv").write_text("module top (input clk, input d, output q);\n"
                                     "  leaf u (.clk(clk), .d(d), .q(q));\nendmodule\n")
    d = load_design([tmp_path / "top.sv", tmp_path / "leaf.sv"], root=tmp_path)
    assert d.files == ["top.sv", "leaf.sv"]
    assert d.top == "top"
    assert {st.file for st in d.source_map.statements} == {"leaf.sv"}
    assert set(d.source_map.lines) == {"top.sv", "leaf.sv"}


# -- errors -----------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_design([tmp_path / "nope.sv"], root=tmp_path)
    err = info.value
    assert "does not exist" in err.message
    assert err.file == str(tmp_path / "nope.sv")
    assert err.hint
    assert err.exit_code == EXIT_INPUT


def test_no_files() -> None:
    with pytest.raises(InputError, match="no RTL files"):
        load_design([])


def test_syntax_error(tmp_path: Path) -> None:
    text = ("module m (input clk, output reg q);\n  always @(posedge clk)\n    q <= 1'b1\n"
            "endmodule\n")
    err = error_of(tmp_path, text)
    assert err.message == "expected ';'."
    assert (err.file, err.line) == ("dut.sv", 3)
    assert err.column == 14
    assert "syntax error" in (err.hint or "")
    assert err.render().startswith("dut.sv:3:14: expected ';'.")


def test_syntax_error_in_second_file_counts_more(tmp_path: Path) -> None:
    (tmp_path / "ok.sv").write_text("module ok; endmodule\n")
    (tmp_path / "bad.sv").write_text("module bad;\n  wire a = ;\n  wire b = ;\nendmodule\n")
    with pytest.raises(InputError) as info:
        load_design([tmp_path / "ok.sv", tmp_path / "bad.sv"], root=tmp_path)
    assert (info.value.file, info.value.line) == ("bad.sv", 2)
    assert "1 more error" in (info.value.hint or "")


def test_missing_include(tmp_path: Path) -> None:
    err = error_of(tmp_path, "module m;\n`include \"nothere.vh\"\nendmodule\n")
    assert "nothere.vh" in err.message
    assert (err.file, err.line) == ("dut.sv", 2)
    assert "include" in (err.hint or "")


def test_undeclared_identifier(tmp_path: Path) -> None:
    text = """\
module m (input clk, output reg q);
  always @(posedge clk)
    q <= missing_sig;
endmodule
"""
    err = error_of(tmp_path, text)
    assert err.message == "use of undeclared identifier 'missing_sig'."
    assert (err.file, err.line, err.column) == ("dut.sv", 3, 10)
    assert "elaborate" in (err.hint or "")


def test_unknown_module_is_an_elaboration_error(tmp_path: Path) -> None:
    text = "module m (input clk);\n  nowhere u (.clk(clk));\nendmodule\n"
    err = error_of(tmp_path, text)
    assert "nowhere" in err.message
    assert err.line == 2


def test_warnings_are_not_errors(tmp_path: Path) -> None:
    # implicit net, width truncation: slang warns, dv goes on
    d = load_text(tmp_path, """\
module m (input clk, input [7:0] d, output reg [3:0] q);
  assign w = d[0];
  always @(posedge clk) q <= d;
endmodule
""")
    assert d.registers[0].name == "q"


def test_several_tops(tmp_path: Path) -> None:
    text = "module a (input clk);\nendmodule\n\nmodule b (input clk);\nendmodule\n"
    err = error_of(tmp_path, text)
    assert "a, b" in err.message
    assert "--top" in (err.hint or "")
    assert (err.file, err.line) == ("dut.sv", 4)


def test_unknown_top(tmp_path: Path) -> None:
    err = error_of(tmp_path, SYNC_HIGH, top="nope")
    assert "'nope'" in err.message and "sync_high" in err.message
    assert "--top" in (err.hint or "")


def test_override_of_unknown_parameter(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_design([FIFO], root=ROOT, overrides={"DEPT": "4"})
    err = info.value
    assert "DEPT=4" in err.message
    assert "WIDTH, DEPTH" in err.message  # lists the parameters that exist
    assert "AW" not in err.message  # not the localparam
    assert (err.file, err.line) == ("rtl_examples/fifo/fifo.sv", 3)


def test_override_of_localparam(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_design([FIFO], root=ROOT, overrides={"AW": "4"})
    err = info.value
    assert "localparam" in err.message
    assert (err.file, err.line) == ("rtl_examples/fifo/fifo.sv", 19)
    assert "DEPTH" in (err.hint or "")


def test_override_with_bad_value() -> None:
    with pytest.raises(InputError) as info:
        load_design([FIFO], root=ROOT, overrides={"DEPTH": "nonsense"})
    assert "nonsense" in info.value.message
    assert "DEPTH=nonsense" in (info.value.hint or "")


def test_level_sensitive_always_is_not_clocked(tmp_path: Path) -> None:
    text = "module m (input a, input b, output reg y);\n  always @(a or b) y = a & b;\nendmodule\n"
    assert load_text(tmp_path, text).clocks == []


def test_port_reset_comes_before_an_internal_one(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module m (input clk, input rst_n, input x, output reg y);
  reg r1, r2;
  wire rst_sync_n = r2;
  always @(posedge clk or negedge rst_sync_n)
    if (!rst_sync_n) y <= 1'b0; else y <= x;
  always @(posedge clk or negedge rst_n)
    if (!rst_n) {r2, r1} <= 2'b00; else {r2, r1} <= {r1, 1'b1};
endmodule
""")
    # the synchronised reset is the port's, through the synchroniser: one reset, not two
    assert [(r.name, r.active_low) for r in d.resets] == [("rst_n", True)]
    assert d.reset is not None and d.reset.name == "rst_n"
    assert [c.name for c in d.clocks] == ["clk"]


# -- reset styles of real designs (issue 10) --------------------------------------------------

DESIGNS = ROOT / "tests" / "data" / "designs"


def test_trailing_override_reset() -> None:
    d = load_design([DESIGNS / "reset_trailing.v"], root=ROOT)
    assert [(r.name, r.active_low, r.asynchronous, r.clock, r.confidence) for r in d.resets] == [
        ("i_reset", False, False, "i_clk", "high")]
    assert any("trailing 'if (i_reset)'" in e and "reset_trailing.v:19" in e
               for e in d.resets[0].evidence)
    assert [p.name for p in d.data_inputs()] == ["i_stb", "i_data"]


def test_reset_styles_nested_wire_synchroniser_else_arm() -> None:
    d = load_design([DESIGNS / "reset_styles.v"], root=ROOT)
    got = {r.name: (r.active_low, r.asynchronous, r.confidence, r.stages) for r in d.resets}
    assert got == {
        "srst": (False, False, "medium", 0),  # nested under `if (ce)`
        "rst_n": (True, False, "medium", 0),  # `if (rst)` with `assign rst = ~rst_n`
        "arst_in": (False, True, "medium", 1),  # through `sync <= {sync[0], arst_in}`
        "rstn_b": (True, False, "high", 0),  # `if (rstn_b) <logic> else <constants>`
    }
    by = {r.name: r for r in d.resets}
    assert by["rst_n"].via == ("rst",)
    assert any("rst_sync" in e for e in by["arst_in"].evidence)
    assert [p.name for p in d.data_inputs()] == ["ce", "d"]


@pytest.mark.parametrize("name, reset, low", [
    ("rst", True, False), ("rst_n", True, True), ("i_reset", True, False), ("aresetn", True, True),
    ("PRESETn", True, True), ("wb_rst_i", True, False), ("rst_ni", True, True),
    ("nrst", True, True), ("first", False, False), ("burst_len", False, False),
    ("resetting", False, False),
])
def test_reset_names(name: str, reset: bool, low: bool) -> None:
    from dv.design.infer import active_low_by_name, looks_like_reset

    assert looks_like_reset(name) is reset
    assert active_low_by_name(name) is low


def test_signal_named_like_reset_by_substring_only_is_data(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module m (input clk, input first, input [3:0] x, output reg [3:0] y);
  always @(posedge clk) begin y <= x; if (first) y <= 4'd0; end
endmodule
""")
    assert d.resets == []


def test_name_polarity_conflict_goes_by_use(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module m (input clk, input rst_n, input x, output reg y);
  always @(posedge clk) if (rst_n) y <= 1'b0; else y <= x;
endmodule
""")
    r = d.resets[0]
    assert (r.name, r.active_low, r.confidence) == ("rst_n", False, "medium")
    assert any("going by the logic" in e for e in r.evidence)


def test_clock_and_reset_given_by_the_user(tmp_path: Path) -> None:
    text = """\
module m (input ck, input clear_all, input x, output reg y);
  always @(posedge ck) if (clear_all) y <= 1'b0; else y <= x;
endmodule
"""
    assert load_text(tmp_path, text).resets == []
    d = load_text(tmp_path, text, resets=["clear_all:high"], clock="ck")
    assert [(r.name, r.active_low, r.confidence) for r in d.resets] == [
        ("clear_all", False, "given")]
    assert d.clocks[0].confidence == "given"
    assert [p.name for p in d.data_inputs()] == ["x"]
    assert load_text(tmp_path, text, resets=["none"]).resets == []
    err = error_of(tmp_path, text, resets=["nope"])
    assert "'nope' is not an input port" in err.message and "clear_all" in err.message
    assert "polarity" in error_of(tmp_path, text, resets=["clear_all:sideways"]).message


def test_file_list(tmp_path: Path) -> None:
    from dv.design.frontend import read_file_list

    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "w.vh").write_text("`define W 4\n")
    (tmp_path / "a.v").write_text("""\
`include "w.vh"
module a (input clk, input [`W-1:0] x, output reg [`W-1:0] y);
`ifdef DOUBLE
  always @(posedge clk) y <= x + x;
`else
  always @(posedge clk) y <= x;
`endif
endmodule
""")
    (tmp_path / "sub.f").write_text("a.v\n")
    (tmp_path / "files.f").write_text(
        "// the design\n+incdir+inc\n+define+DOUBLE+N=3\n-sv\n-F sub.f  # nested\n")
    sources, incs, defines = read_file_list(tmp_path / "files.f")
    assert sources == [str(tmp_path / "a.v")]
    assert incs == [str(tmp_path / "inc")]
    assert defines == {"DOUBLE": "", "N": "3"}
    d = load_design(sources, include_dirs=incs, defines=defines, root=tmp_path)
    assert d.port("x") is not None and d.port("x").width == 4
    (tmp_path / "bad.f").write_text("a.v\n-y lib\n")
    with pytest.raises(InputError) as info:
        read_file_list(tmp_path / "bad.f")
    assert info.value.line == 2 and "-y" in info.value.message


def test_combinational_design_has_no_clock(tmp_path: Path) -> None:
    d = load_text(tmp_path, "module comb (input [3:0] a, output [3:0] y);\n"
                            "  assign y = ~a;\nendmodule\n")
    assert d.clocks == [] and d.resets == []
    assert [p.name for p in d.data_inputs()] == ["a"]


def test_ternary_reset_and_arm_of_derived_constants(tmp_path: Path) -> None:
    d = load_text(tmp_path, """\
module m (input clk, input reset_i, input Rst, input en, input [1:0] n, output reg [1:0] last_r,
          output reg [2:0] sp, output reg empty);
  always @(posedge clk) last_r <= (reset_i) ? 2'd0 : n;
  always @(posedge clk)
    if (en) begin
      if (Rst == 1) begin sp = 3'd4; empty = sp[2]; end
      else begin sp = sp - 1'b1; empty = sp[2]; end
    end
endmodule
""")
    got = {r.name: (r.active_low, r.confidence) for r in d.resets}
    assert got == {"reset_i": (False, "medium"), "Rst": (False, "medium")}
    assert any(e.startswith("ternary") for e in d.resets[0].evidence)


def test_top_with_parameters_to_set(tmp_path: Path) -> None:
    text = """\
module need #(parameter int W) (input clk, input [W-1:0] x, output reg [W-1:0] y);
  always @(posedge clk) y <= x;
endmodule
"""
    err = error_of(tmp_path, text, top="need")
    assert "without a usable default" in err.message and "-G" in (err.hint or "")
    d = load_text(tmp_path, text, top="need", overrides={"W": "5"})
    assert d.port("x") is not None and d.port("x").width == 5
