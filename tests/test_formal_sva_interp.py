"""A cycle interpreter for the SystemVerilog subset dv/formal/sva.py emits, and its own tests.

The monitor text is elaborated with pyslang (bound into a stub of the DUT) and every expression
is evaluated with slang's constant evaluator, so widths, signedness and operator semantics are
exactly SystemVerilog's. Supported: input ports, variables with initial values, continuous
``assign``, one or more ``always @(posedge clk)`` blocks of non-blocking assignments and labelled
immediate ``assert``/``assume``/``cover`` statements. The interpreter is checked against a real
Verilator build in tests/test_formal_sva_verilator.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyslang
import pytest
from pyslang import ast
from pyslang import syntax as sx

from dv.design.model import Clock, Design, Port, Signal


def stub_design(top: str, signals: Mapping[str, int], clock: str = "clk",
                params: Mapping[str, int] | None = None) -> Design:
    """A Design with the given input signals (name -> width), for lowering synthetic
    properties."""
    from dv.design.model import Parameter

    sigs = [Signal(clock, 1, "port")] + [Signal(n, w, "port") for n, w in signals.items()]
    ports = [Port(s.name, "input", s.width) for s in sigs]
    return Design(top=top, files=[], ports=ports, signals=sigs, clocks=[Clock(clock)],
                  parameters=[Parameter(k, v) for k, v in (params or {}).items()])


def stub_text(design: Design) -> str:
    ports = ", ".join(f"input logic [{p.width - 1}:0] {p.name}" for p in design.ports)
    return f"module {design.top}({ports});\nendmodule\n"


@dataclass
class Check:
    label: str
    kind: str  # assert | assume | cover
    cond: ast.Expression


@dataclass
class Trace:
    """What the monitor did: per tick, the labels whose check fired (assert/assume failed,
    cover matched) and the values of the requested signals."""

    fired: list[set[str]] = field(default_factory=list)
    values: list[dict[str, int]] = field(default_factory=list)

    def cycles(self, label: str) -> list[int]:
        return [t for t, f in enumerate(self.fired) if label in f]


class MonitorSim:
    """Simulate the monitor bound into ``design.top`` (``monitor_text`` as emitted)."""

    def __init__(self, design: Design, monitor_text: str, dut_text: str | None = None) -> None:
        self.sm = pyslang.SourceManager()
        self.comp = ast.Compilation()
        self.trees = [sx.SyntaxTree.fromText(dut_text or stub_text(design), self.sm, "dut.sv"),
                      sx.SyntaxTree.fromText(monitor_text, self.sm, "monitor.sv")]
        for t in self.trees:
            self.comp.addSyntaxTree(t)
        eng = pyslang.DiagnosticEngine(self.sm)
        errors = [eng.formatMessage(d) for t in self.trees for d in t.diagnostics if d.isError()]
        errors += [eng.formatMessage(d) for d in self.comp.getAllDiagnostics() if d.isError()]
        assert not errors, errors
        top = next(i for i in self.comp.getRoot().topInstances if i.name == design.top)
        inst = next(m for m in top.body if isinstance(m, ast.InstanceSymbol)
                    and m.name == "dv_mon_i")
        body = inst.body
        self.ctx = ast.EvalContext(body)
        self.syms: dict[str, ast.ValueSymbol] = {}
        self.inputs: list[str] = []
        self.assigns: list[tuple[ast.ValueSymbol, ast.Expression]] = []
        self.updates: list[tuple[ast.ValueSymbol, ast.Expression]] = []
        self.checks: list[Check] = []
        self.state: dict[str, int] = {}
        for m in body:
            if isinstance(m, ast.PortSymbol):
                self.inputs.append(m.name)
            elif isinstance(m, ast.VariableSymbol | ast.NetSymbol):
                self.syms[m.name] = m
            elif isinstance(m, ast.ContinuousAssignSymbol):
                a = m.assignment
                self.assigns.append((a.left.symbol, a.right))
            elif isinstance(m, ast.ProceduralBlockSymbol):
                self._process(m)
        for name, sym in self.syms.items():
            init = getattr(sym, "initializer", None)
            if init is not None:
                self.state[name] = self._int(init.eval(self.ctx), sym)
        self.regs = set(self.state)

    def _process(self, m: ast.ProceduralBlockSymbol) -> None:
        st = m.body
        assert isinstance(st, ast.TimedStatement), f"{st.kind}: not an always @(posedge) block"
        assert st.timing.edge == ast.EdgeKind.PosEdge
        block = st.stmt
        stmts = list(block.body.list) if isinstance(block.body, ast.StatementList) \
            else [block.body]
        for s in stmts:
            if isinstance(s, ast.ExpressionStatement):
                e = s.expr
                assert e.kind == ast.ExpressionKind.Assignment and e.isNonBlocking
                self.updates.append((e.left.symbol, e.right))
            elif isinstance(s, ast.BlockStatement) and isinstance(
                    s.body, ast.ImmediateAssertionStatement):
                ia = s.body
                kind = {ast.AssertionKind.Assert: "assert", ast.AssertionKind.Assume: "assume",
                        ast.AssertionKind.CoverProperty: "cover"}[ia.assertionKind]
                self.checks.append(Check(s.blockSymbol.name, kind, ia.cond))
            else:  # pragma: no cover - outside the emitted subset
                raise AssertionError(f"statement kind {s.kind} is not in the emitted subset")

    @staticmethod
    def _int(cv: pyslang.ConstantValue, sym: ast.ValueSymbol) -> int:
        v = cv.value
        assert isinstance(v, pyslang.SVInt) and not v.hasUnknown, (sym.name, cv)
        return int(v) & ((1 << sym.type.bitWidth) - 1)

    def _set(self, name: str, value: int) -> None:
        sym = self.syms[name]
        w = sym.type.bitWidth
        self.ctx.createLocal(sym, pyslang.ConstantValue(
            pyslang.SVInt(w, value & ((1 << w) - 1), sym.type.isSigned)))

    def run(self, inputs: Sequence[Mapping[str, int]], watch: Sequence[str] = ()) -> Trace:
        trace = Trace()
        state = dict(self.state)
        for tick in inputs:
            for name in self.inputs:
                self._set(name, tick.get(name, 0))
            for name, v in state.items():
                self._set(name, v)
            # continuous assigns: in text order, repeated until nothing changes
            values: dict[str, int] = {}
            for _ in range(len(self.assigns) + 1):
                changed = False
                for sym, expr in self.assigns:
                    v = self._int(expr.eval(self.ctx), sym)
                    if values.get(sym.name) != v:
                        values[sym.name] = v
                        self._set(sym.name, v)
                        changed = True
                if not changed:
                    break
            else:  # pragma: no cover
                raise AssertionError("combinational loop in the monitor")
            fired = set()
            for c in self.checks:
                ok = c.cond.eval(self.ctx).value
                true = not ok.hasUnknown and int(ok) != 0
                if (c.kind == "cover") == true:
                    fired.add(c.label)
            trace.fired.append(fired)
            snapshot = {**state, **values, **{n: tick.get(n, 0) for n in self.inputs}}
            trace.values.append({w: snapshot[w] for w in watch})
            nxt = {sym.name: self._int(expr.eval(self.ctx), sym) for sym, expr in self.updates}
            state = {**state, **nxt}
        return trace


# -- tests of the interpreter itself (small, hand-checked) ----------------------------------


MONITOR = """\
module t_dv_monitor (input logic clk, input logic a, input logic [3:0] d);
    logic [3:0] p = '0;
    logic [1:0] pv = '0;
    logic f;
    assign f = pv[0] && a && (d != p + 4'd1);
    logic signed [31:0] ones;
    assign ones = 32'(d[0]) + 32'(d[1]) + 32'(d[2]) + 32'(d[3]);
    always @(posedge clk) begin
        p <= d;
        pv <= {pv[0], 1'b1};
        inc: assert (!f);
        three: cover (ones == 3);
    end
endmodule
bind t t_dv_monitor dv_mon_i (.clk(clk), .a(a), .d(d));
"""


def test_interpreter_registers_assigns_and_checks():
    design = stub_design("t", {"a": 1, "d": 4})
    sim = MonitorSim(design, MONITOR)
    ticks = [{"a": 1, "d": 3}, {"a": 1, "d": 4}, {"a": 1, "d": 7}, {"a": 0, "d": 0},
             {"a": 1, "d": 15}]
    tr = sim.run(ticks, watch=["p", "f", "ones"])
    assert [v["p"] for v in tr.values] == [0, 3, 4, 7, 0]
    assert tr.cycles("inc") == [2, 4]  # 7 != 4+1 at tick 2; tick 4: 15 != 0+1
    assert tr.cycles("three") == [2]
    assert [v["ones"] for v in tr.values] == [2, 1, 3, 0, 4]


def test_interpreter_rejects_what_it_cannot_run():
    design = stub_design("t", {"a": 1})
    with pytest.raises(AssertionError, match="undeclared"):  # slang errors are reported
        MonitorSim(design, MONITOR.replace("p + 4'd1", "q + 4'd1"))
    # so are statements outside the subset
    with pytest.raises(AssertionError, match="not an always"):
        MonitorSim(design, MONITOR.replace("endmodule", "initial p = 1;\nendmodule"))
