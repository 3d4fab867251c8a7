"""Inference of clocks, resets, registers and FSMs from the elaborated processes of a module.

Rules (each a heuristic on the elaborated statement trees, documented so a user can predict it):

Clocked process
    ``always_ff`` or ``always`` whose body starts with an event control holding at least one edge
    (``@(posedge clk)``, ``@(negedge clk or negedge rst_n)``). ``always_comb``, ``always @*`` and
    level-sensitive ``always @(a or b)`` are combinational.
Asynchronous reset
    With two or more edges, an edge signal read by the condition of the process's first ``if``
    is a reset (when none is, an edge signal named like a reset: containing ``rst``/``reset``).
    Polarity comes from the test (``if (!rst_n)``, ``if (rst_n == 1'b0)``, ``if (rst)``) and, when
    the test is not that simple, from the edge (``negedge`` means active low).
Synchronous reset
    With one edge, the first ``if`` of the process tests a 1-bit input port alone (``if (rst)``,
    ``if (!rst_n)``, ``if (~rst_n)``, ``if (rst_n == 1'b0)``, ``if (rst != 0)``) and the port's
    name contains ``rst`` or ``reset``.
Clock
    Every other edge signal of a clocked process.
Register
    Every module-level variable assigned (``=`` or ``<=``, also through a bit/part select or a
    concatenation) in a clocked process; clock and reset are those of the process.
FSM
    A register of an enum type (states: the enum members), or a register ``r`` such that a
    ``case (r)`` (or ``case (n)``, ``n`` being ``r``'s next-state variable) has at least two
    labels that are parameters/localparams and ``r`` or ``n`` is assigned one of them (states:
    the parameters used as labels, compared with ``r``/``n``, or assigned to them). ``n`` is the
    next-state variable when ``r <= n`` in a clocked process and ``n`` is not itself a register.

Only the processes of the module itself (and its generate blocks) give registers and FSMs.
Clocks and resets also come from submodules when the submodule's clock/reset port is connected
to a plain signal of the parent, so a structural top that only instantiates clocked modules still
has its clock; registers and FSMs inside submodules are not reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pyslang
from pyslang import ast

from dv.design.model import Clock, Fsm, FsmState, Register, Reset

_EK = ast.ExpressionKind
_SK = ast.StatementKind
_MODULE_VALUE = {ast.SymbolKind.Net, ast.SymbolKind.Variable}
_EQ = {ast.BinaryOperator.Equality, ast.BinaryOperator.CaseEquality}
_NE = {ast.BinaryOperator.Inequality, ast.BinaryOperator.CaseInequality}
_NOT = {ast.UnaryOperator.LogicalNot, ast.UnaryOperator.BitwiseNot}
_OR_AND = {ast.BinaryOperator.BinaryOr, ast.BinaryOperator.LogicalOr,
           ast.BinaryOperator.BinaryAnd, ast.BinaryOperator.LogicalAnd}
_INCDEC = {ast.UnaryOperator.Preincrement, ast.UnaryOperator.Predecrement,
           ast.UnaryOperator.Postincrement, ast.UnaryOperator.Postdecrement}


# -- expression helpers ----------------------------------------------------------------------


def strip(expr: ast.Expression) -> ast.Expression:
    """The expression under any implicit or explicit conversions."""
    while expr is not None and expr.kind == _EK.Conversion:
        expr = expr.operand
    return expr


def named(expr: ast.Expression | None) -> ast.Symbol | None:
    """The symbol of a plain name (through conversions), else None."""
    if expr is None:
        return None
    expr = strip(expr)
    if expr is not None and expr.kind == _EK.NamedValue:
        return expr.symbol
    return None


def is_module_signal(sym: ast.Symbol | None) -> bool:
    return sym is not None and sym.kind in _MODULE_VALUE and not sym.parentScope.isProceduralContext


def const_int(expr: ast.Expression, scope: ast.Symbol) -> int | None:
    try:
        value = expr.eval(ast.EvalContext(scope)).value
    except Exception:  # noqa: BLE001 - pyslang raises assorted errors for odd expressions
        return None
    if isinstance(value, pyslang.SVInt) and not value.hasUnknown:
        return int(value)
    return None


def lvalue_roots(expr: ast.Expression | None) -> Iterator[ast.Symbol]:
    """The variables an assignment target writes: ``a``, ``a[i]``, ``a.f``, ``{a, b}``."""
    if expr is None:
        return
    expr = strip(expr)
    k = expr.kind
    if k == _EK.NamedValue:
        yield expr.symbol
    elif k in (_EK.ElementSelect, _EK.RangeSelect, _EK.MemberAccess):
        yield from lvalue_roots(expr.value)
    elif k == _EK.Concatenation:
        for op in expr.operands:
            yield from lvalue_roots(op)
    else:
        sym = expr.getSymbolReference()
        if sym is not None:
            yield sym


def param_leaves(expr: ast.Expression | None) -> Iterator[ast.Symbol]:
    """Parameters an expression's value can be taken from directly: ``P``, ``c ? P : Q``."""
    if expr is None:
        return
    expr = strip(expr)
    if expr.kind == _EK.NamedValue and expr.symbol.kind == ast.SymbolKind.Parameter:
        yield expr.symbol
    elif expr.kind == _EK.ConditionalOp:
        yield from param_leaves(expr.left)
        yield from param_leaves(expr.right)


def reset_test(expr: ast.Expression | None, scope: ast.Symbol) -> tuple[ast.Symbol, bool] | None:
    """``(signal, active_low)`` when ``expr`` tests one signal alone, else None."""
    if expr is None:
        return None
    expr = strip(expr)
    sym = named(expr)
    if sym is not None:
        return (sym, False) if is_module_signal(sym) else None
    if expr.kind == _EK.UnaryOp and expr.op in _NOT:
        inner = reset_test(expr.operand, scope)
        return (inner[0], not inner[1]) if inner else None
    if expr.kind == _EK.BinaryOp and expr.op in _EQ | _NE:
        for a, b in ((expr.left, expr.right), (expr.right, expr.left)):
            sym = named(a)
            value = const_int(b, scope)
            if is_module_signal(sym) and value is not None:
                low = value == 0 if expr.op in _EQ else value != 0
                return sym, low
    return None


def names_read(expr: ast.Expression | None) -> set[str]:
    out: set[str] = set()
    if expr is None:
        return out

    def visit(node: object) -> None:
        if isinstance(node, ast.NamedValueExpression) and is_module_signal(node.symbol):
            out.add(node.symbol.name)

    expr.visit(visit)
    return out


# -- processes -------------------------------------------------------------------------------


@dataclass
class ProcessInfo:
    """What inference learnt about one procedural block."""

    symbol: ast.ProceduralBlockSymbol
    clocks: list[Clock] = field(default_factory=list)
    resets: list[Reset] = field(default_factory=list)
    assigned: list[ast.Symbol] = field(default_factory=list)  # module-level targets

    @property
    def clocked(self) -> bool:
        return bool(self.clocks)

    @property
    def clock(self) -> str | None:
        return self.clocks[0].name if self.clocks else None

    @property
    def reset(self) -> str | None:
        return self.resets[0].name if self.resets else None


def processes(scope: Iterable[ast.Symbol]) -> Iterator[ast.ProceduralBlockSymbol]:
    """The procedural blocks of a module body, generate blocks included."""
    for m in scope:
        if isinstance(m, ast.ProceduralBlockSymbol):
            yield m
        elif isinstance(m, ast.GenerateBlockSymbol):
            if not m.isUninstantiated:
                yield from processes(m)
        elif isinstance(m, ast.GenerateBlockArraySymbol):
            for entry in m.entries:
                yield from processes(entry)


def edge_events(proc: ast.ProceduralBlockSymbol) -> list[tuple[ast.Symbol, ast.EdgeKind]]:
    kind = proc.procedureKind
    if kind not in (ast.ProceduralBlockKind.Always, ast.ProceduralBlockKind.AlwaysFF):
        return []
    body = proc.body
    if body.kind != _SK.Timed:
        return []
    timing = body.timing
    events = list(timing.events) if isinstance(timing, ast.EventListControl) else [timing]
    out: list[tuple[ast.Symbol, ast.EdgeKind]] = []
    for ev in events:
        if not isinstance(ev, ast.SignalEventControl):
            continue
        if ev.edge not in (ast.EdgeKind.PosEdge, ast.EdgeKind.NegEdge, ast.EdgeKind.BothEdges):
            continue
        sym = next(iter(lvalue_roots(ev.expr)), None)
        if sym is not None:
            out.append((sym, ev.edge))
    return out


def first_if(stmt: ast.Statement | None) -> ast.ConditionalStatement | None:
    while stmt is not None:
        k = stmt.kind
        if k == _SK.Conditional:
            return stmt
        if k == _SK.Block:
            stmt = stmt.body
        elif k == _SK.List:
            items = [s for s in stmt.list if s.kind not in (_SK.Empty, _SK.VariableDeclaration)]
            stmt = items[0] if items else None
        else:
            return None
    return None


def assigned_targets(stmt: ast.Statement) -> list[ast.Symbol]:
    """Module-level variables a statement tree assigns, first assignment first."""
    out: list[ast.Symbol] = []
    seen: set[str] = set()

    def add(syms: Iterable[ast.Symbol]) -> None:
        for sym in syms:
            if is_module_signal(sym) and sym.name not in seen:
                seen.add(sym.name)
                out.append(sym)

    def visit(node: object) -> None:
        if isinstance(node, ast.AssignmentExpression):
            add(lvalue_roots(node.left))
        elif isinstance(node, ast.UnaryExpression) and node.op in _INCDEC:
            add(lvalue_roots(node.operand))

    stmt.visit(visit)
    return out


def _edge_name(edge: ast.EdgeKind) -> str:
    return "negedge" if edge == ast.EdgeKind.NegEdge else "posedge"


_RESET_TOKEN = re.compile(r"^(?:[asnioph])?(?:rst|reset)(?:n|b|ni|_n)?$")
_LOW_SUFFIX = {"n", "ni", "b", "l", "bar", "neg"}


def _tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)
    return [t.lower() for t in re.split(r"[_\W\d]+", spaced) if t]


def looks_like_reset(name: str) -> bool:
    """A reset by its name: a word ``rst``/``reset`` (``rst_n``, ``i_reset``, ``aresetn``,
    ``PRESETn``, ``wb_rst_i``, ``rstn``), not a substring (``first``, ``burst``)."""
    return any(_RESET_TOKEN.match(t) for t in _tokens(name))


def active_low_by_name(name: str) -> bool:
    """Whether a reset's name says active low (``rst_n``, ``resetn``, ``nrst``, ``rst_b``)."""
    toks = _tokens(name)
    for i, t in enumerate(toks):
        if _RESET_TOKEN.match(t):
            if (t.endswith(("n", "b")) and t not in ("rst", "reset")) or \
                    (t.startswith("n") and t[1:] in ("rst", "reset")):
                return True
            if any(x in _LOW_SUFFIX for x in toks[i + 1:]):
                return True
    return False


@dataclass
class Context:
    """What :func:`analyse_process` may use beyond the process: the module's input ports
    (name -> width), a resolver that follows a signal back to the input port driving it, and
    a function naming a source location (``file:line``) for evidence."""

    input_ports: dict[str, int]
    resolver: Resolver | None = None
    where: Callable[[object], str] | None = None

    def at(self, node: object) -> str:
        if self.where is None:
            return ""
        try:
            return f" at {self.where(node)}"
        except Exception:  # noqa: BLE001 - evidence only: a location we cannot name is left out
            return ""


def _src(expr: ast.Expression | None) -> str:
    syn = getattr(expr, "syntax", None)
    return " ".join(str(syn).split()) if syn is not None else "?"


def _top_items(proc: ast.ProceduralBlockSymbol) -> list[ast.Statement]:
    stmt = proc.body.stmt if proc.body.kind == _SK.Timed else proc.body
    while stmt is not None and stmt.kind == _SK.Block:
        stmt = stmt.body
    if stmt is None:
        return []
    if stmt.kind == _SK.List:
        return [s for s in stmt.list if s.kind not in (_SK.Empty, _SK.VariableDeclaration)]
    return [stmt]


def _const_targets(stmt: ast.Statement | None, scope: ast.Symbol) -> tuple[list[str], int]:
    """(module signals assigned a constant, number of assignments of a non-constant) in
    ``stmt``. Loop variables and other procedural locals do not count."""
    const: list[str] = []
    other = [0]
    if stmt is None:
        return const, 0

    def visit(node: object) -> None:
        if not isinstance(node, ast.AssignmentExpression):
            return
        targets = [s.name for s in lvalue_roots(node.left) if is_module_signal(s)]
        if not targets:
            return
        try:
            value = node.right.eval(ast.EvalContext(scope)).value
        except Exception:  # noqa: BLE001
            value = None
        if value is None and not (names_read(node.right) <= set(const)):
            other[0] += 1  # (an RHS reading only signals this arm set to constants is one too)
        else:
            const.extend(t for t in targets if t not in const)

    stmt.visit(visit)
    return const, other[0]


@dataclass
class _ResetIf:
    symbol: ast.Symbol
    active_low: bool  # polarity by use: the value that takes the constant arm
    position: str  # "leading" | "trailing" | "nested"
    targets: list[str]
    cond: str
    node: ast.ConditionalStatement


def _reset_ifs(proc: ast.ProceduralBlockSymbol) -> list[_ResetIf]:
    """Every ``if`` of a clocked process that tests one signal alone and whose arm for one
    value of it assigns only constants: the shapes a reset takes, wherever it sits."""
    items = _top_items(proc)
    lead = first_if(proc.body.stmt)
    lead_at = lead.sourceRange.start.offset if lead is not None else -1
    last = items[-1] if items else None
    trail_at = last.sourceRange.start.offset if last is not None and \
        last.kind == _SK.Conditional else -2
    found: list[ast.ConditionalStatement] = []

    ternaries: list[ast.AssignmentExpression] = []

    def visit(node: object) -> None:
        if isinstance(node, ast.ConditionalStatement):
            found.append(node)
        elif isinstance(node, ast.AssignmentExpression):
            rhs = strip(node.right)
            if rhs is not None and rhs.kind == _EK.ConditionalOp:
                ternaries.append(node)

    proc.body.visit(visit)
    out: list[_ResetIf] = []
    for node in ternaries:  # q <= rst ? 0 : d
        rhs = strip(node.right)
        conds = list(rhs.conditions)
        if len(conds) != 1 or conds[0].pattern is not None:
            continue
        test = reset_test(conds[0].expr, proc)
        targets = [t.name for t in lvalue_roots(node.left) if is_module_signal(t)]
        if test is None or not targets:
            continue
        left, right = const_int(rhs.left, proc), const_int(rhs.right, proc)
        if left is not None and right is None:
            out.append(_ResetIf(test[0], test[1], "ternary", targets,
                                _src(conds[0].expr) + " ? <constant> :", node))
        elif right is not None and left is None:
            out.append(_ResetIf(test[0], not test[1], "ternary", targets,
                                _src(conds[0].expr) + " ? ... : <constant>", node))
    for node in found:
        if len(node.conditions) != 1 or node.conditions[0].pattern is not None:
            continue
        cond = node.conditions[0].expr
        test = reset_test(cond, proc)
        if test is None:
            continue
        sym, low = test
        at = node.sourceRange.start.offset
        position = "leading" if at == lead_at else "trailing" if at == trail_at else "nested"
        targets, other = _const_targets(node.ifTrue, proc)
        if targets and other == 0:
            out.append(_ResetIf(sym, low, position, targets, _src(cond), node))
            continue
        if node.ifFalse is not None:  # if (rst_n) <logic> else <constants>
            targets, other = _const_targets(node.ifFalse, proc)
            if targets and other == 0 and node.ifFalse.kind != _SK.Conditional:
                out.append(_ResetIf(sym, not low, position, targets, f"!({_src(cond)})", node))
    return out


def _polarity_note(name: str, low: bool) -> tuple[str, bool]:
    """Evidence on the name's polarity; False when the name contradicts the use."""
    by_name = active_low_by_name(name)
    if by_name and not low:
        return (f"the name {name!r} reads active-low but the logic resets when it is 1: "
                "going by the logic", False)
    if by_name:
        return f"the name {name!r} reads active-low, as the logic uses it", True
    return f"active {'low' if low else 'high'} by use", True


def analyse_process(proc: ast.ProceduralBlockSymbol, input_ports: dict[str, int] | Context
                    ) -> ProcessInfo:
    """Clock, reset and assigned variables of one process. ``input_ports``: name -> width, or
    a :class:`Context` (with a resolver, resets reached through wires and synchronisers are
    named by the input port that drives them)."""
    ctx = input_ports if isinstance(input_ports, Context) else Context(input_ports)
    info = ProcessInfo(proc)
    edges = edge_events(proc)
    if not edges:
        return info
    info.assigned = assigned_targets(proc.body)
    branch = first_if(proc.body.stmt)
    cond = None
    if branch is not None and len(branch.conditions) == 1 and branch.conditions[0].pattern is None:
        cond = branch.conditions[0].expr
    test = reset_test(cond, proc)
    head = f"'{_src_head(proc)}'{ctx.at(proc)}"
    if len(edges) >= 2:
        read = names_read(cond)
        resets = [(s, e) for s, e in edges if s.name in read]
        why = "read by the first 'if'"
        if not resets:
            resets = [(s, e) for s, e in edges if looks_like_reset(s.name)]
            why = "named like a reset"
        if len(resets) == len(edges):
            resets = []  # every edge a "reset": no clock left; treat them all as clocks
        clocks = [(s, e) for s, e in edges if all(s.name != r.name for r, _ in resets)]
        info.clocks = [Clock(s.name, _edge_name(e), evidence=(f"edge of {head}",))
                       for s, e in clocks]
        for sym, edge in resets:
            ev = [f"second edge of {head}, {why}"]
            if test is not None and test[0].name == sym.name:
                low = test[1]
                ev.append(f"the first 'if ({_src(cond)})' gives the polarity")
            else:
                low = edge == ast.EdgeKind.NegEdge
                ev.append(f"polarity from the {_edge_name(edge)}")
            info.resets.append(_resolved(ctx, Reset(
                sym.name, active_low=low, asynchronous=True, clock=info.clock,
                confidence="high" if why.startswith("read") else "medium", evidence=tuple(ev))))
        return info
    sym, edge = edges[0]
    info.clocks = [Clock(sym.name, _edge_name(edge), evidence=(f"edge of {head}",))]
    for cand in _reset_ifs(proc):
        name = cand.symbol.name
        if any(r.name == name for r in info.resets) or cand.symbol.type.bitWidth != 1:
            continue
        reset = _resolved(ctx, Reset(name, active_low=cand.active_low, asynchronous=False,
                                     clock=sym.name))
        if reset.name not in ctx.input_ports or ctx.input_ports[reset.name] != 1:
            continue  # an internal reset the testbench cannot drive (power-on counters...)
        if not (looks_like_reset(name) or looks_like_reset(reset.name)):
            continue
        shape = f"'{cand.cond}'" if cand.position == "ternary" else f"'if ({cand.cond})'"
        ev = [f"{cand.position} {shape}{ctx.at(cand.node)} assigns constants to "
              f"{len(cand.targets)} signal(s) ({', '.join(cand.targets[:4])}"
              f"{', ...' if len(cand.targets) > 4 else ''})",
              f"named like a reset ({name if looks_like_reset(name) else reset.name})"]
        note, agrees = _polarity_note(reset.name, reset.active_low)
        ev.append(note)
        sure = cand.position in ("leading", "trailing") and agrees and not reset.via
        reset = Reset(reset.name, reset.active_low, False, sym.name,
                      confidence="high" if sure else "medium",
                      evidence=tuple(ev) + reset.evidence, via=reset.via, stages=reset.stages)
        if all(r.name != reset.name for r in info.resets):
            info.resets.append(reset)
    return info


def _src_head(proc: ast.ProceduralBlockSymbol) -> str:
    syn = getattr(proc.body, "syntax", None)
    text = " ".join(str(syn).split()) if syn is not None else ""
    kw = "always_ff" if proc.procedureKind == ast.ProceduralBlockKind.AlwaysFF else "always"
    head = text.split(")", 1)[0] + ")" if text.startswith("@") else "@(...)"
    return f"{kw} {head}"


def _resolved(ctx: Context, reset: Reset) -> Reset:
    """``reset`` named by the input port that drives it, when it is an internal signal."""
    if reset.name in ctx.input_ports or ctx.resolver is None:
        return reset
    traced = ctx.resolver.resolve(reset.name, reset.asserted_value)
    if traced is None:
        return reset
    port, asserted, via, stages = traced
    how = " -> ".join((port, *reversed(via)))
    ev = (f"{reset.name} is driven by input {port} through {how}"
          + (f" ({stages} register stage(s): a reset synchroniser)" if stages else ""),)
    return Reset(port, active_low=asserted == 0, asynchronous=reset.asynchronous,
                 clock=reset.clock, confidence="medium" if stages else reset.confidence,
                 evidence=reset.evidence + ev, via=tuple(via), stages=stages)


class Resolver:
    """Follows an internal signal back to the input port that drives it: through continuous
    assignments and net initialisers (``assign rst = ~rst_n``), bit selects, inversions, ORs,
    and register chains (``r1 <= rst_in; r2 <= r1``, ``sync <= {sync[0], rst_in}``), including
    the async-assert/sync-deassert synchroniser whose data input is a constant (then the
    synchroniser's own reset is the source)."""

    def __init__(self, body: Iterable[ast.Symbol], input_ports: dict[str, int]) -> None:
        self.ports = input_ports
        self.comb: dict[str, list[ast.Expression]] = {}
        self.clocked: dict[str, list[tuple[ast.ProceduralBlockSymbol, ast.Expression,
                                           set[str]]]] = {}
        for m in body:
            if isinstance(m, ast.NetSymbol) and m.initializer is not None:
                self.comb.setdefault(m.name, []).append(m.initializer)
            elif isinstance(m, ast.ContinuousAssignSymbol):
                a = m.assignment
                if isinstance(a, ast.AssignmentExpression):
                    for root in lvalue_roots(a.left):
                        self.comb.setdefault(root.name, []).append(a.right)
        for proc in processes(body):
            clocked = bool(edge_events(proc))

            def visit(node: object, proc: ast.ProceduralBlockSymbol = proc,
                      clocked: bool = clocked) -> None:
                if isinstance(node, ast.AssignmentExpression):
                    roots = {r.name for r in lvalue_roots(node.left)}
                    for name in roots:
                        if clocked:
                            self.clocked.setdefault(name, []).append((proc, node.right, roots))
                        else:
                            self.comb.setdefault(name, []).append(node.right)

            proc.body.visit(visit)

    def resolve(self, name: str, asserted: int, depth: int = 0,
                seen: frozenset[str] = frozenset()
                ) -> tuple[str, int, list[str], int] | None:
        """(port, its asserted value, internal signals from the logic back to the port,
        register stages), or None."""
        if name in self.ports:
            return name, asserted, [], 0
        if depth > 8 or name in seen:
            return None
        seen = seen | {name}
        for rhs in self.comb.get(name, []):
            t = self._expr(rhs, asserted, depth, seen, set())
            if t is not None:
                return t[0], t[1], [name, *t[2]], t[3]
        for _proc, rhs, lhs in self.clocked.get(name, []):
            t = self._expr(rhs, asserted, depth, seen, lhs)
            if t is not None:
                return t[0], t[1], [name, *t[2]], t[3] + 1
        for proc, _rhs, _lhs in self.clocked.get(name, []):
            info = analyse_process(proc, self.ports)
            for r in info.resets:
                if r.asynchronous:  # async-assert, sync-deassert: follows its own reset
                    t = self.resolve(r.name, r.asserted_value, depth + 1, seen)
                    if t is not None:
                        return t[0], t[1], [name, *t[2]], t[3] + 1
        return None

    def _expr(self, expr: ast.Expression, asserted: int, depth: int, seen: frozenset[str],
              exclude: set[str]) -> tuple[str, int, list[str], int] | None:
        e = strip(expr)
        if e is None:
            return None
        k = e.kind
        if k in (_EK.NamedValue, _EK.ElementSelect, _EK.RangeSelect):
            root = next(iter(lvalue_roots(e)), None)
            if root is None or root.name in exclude or not is_module_signal(root):
                return None
            return self.resolve(root.name, asserted, depth + 1, seen)
        if k == _EK.UnaryOp and e.op in _NOT:
            return self._expr(e.operand, 1 - asserted, depth, seen, exclude)
        if k == _EK.Concatenation:
            ops = list(e.operands)
            for op in reversed(ops):
                t = self._expr(op, asserted, depth, seen, exclude)
                if t is not None:
                    return t
            return None
        if k == _EK.BinaryOp and e.op in _OR_AND:
            for side in (e.left, e.right):
                t = self._expr(side, asserted, depth, seen, exclude)
                if t is not None:
                    return t
        return None


# -- clocks and resets across the hierarchy --------------------------------------------------


def input_port_widths(body: ast.InstanceBodySymbol) -> dict[str, int]:
    return {p.name: p.type.bitWidth for p in body
            if isinstance(p, ast.PortSymbol) and p.direction == ast.ArgumentDirection.In}


def _children(scope: Iterable[ast.Symbol]) -> Iterator[ast.InstanceSymbol]:
    for m in scope:
        if isinstance(m, ast.InstanceSymbol):
            if m.isModule:
                yield m
        elif isinstance(m, ast.InstanceArraySymbol):
            yield from _children(m)
        elif isinstance(m, ast.GenerateBlockSymbol):
            if not m.isUninstantiated:
                yield from _children(m)
        elif isinstance(m, ast.GenerateBlockArraySymbol):
            for entry in m.entries:
                yield from _children(entry)


def timing(body: ast.InstanceBodySymbol, infos: list[ProcessInfo] | None = None,
           depth: int = 0, ctx: Context | None = None) -> tuple[list[Clock], list[Reset]]:
    """Clocks and resets of a module body, named in that body: its own clocked processes first,
    then its submodules' clocks and resets that are connected to plain signals of this body
    (followed back to an input port through wires and synchronisers when ``ctx`` has a
    resolver)."""
    if ctx is None:
        ports = input_port_widths(body)
        ctx = Context(ports, Resolver(body, ports))
    if infos is None:
        infos = [analyse_process(p, ctx) for p in processes(body)]
    clocks: list[Clock] = []
    resets: list[Reset] = []
    for info in infos:
        _merge(clocks, resets, info.clocks, info.resets)
    if depth > 32:
        return clocks, resets
    for inst in _children(body):
        sub_clocks, sub_resets = timing(inst.body, depth=depth + 1)
        rename = _port_map(inst)
        via = f"port of instance {inst.name} ({inst.body.definition.name})"
        mapped_clocks = [Clock(rename[c.name], c.edge, c.confidence,
                               c.evidence + (f"{c.name}: {via}",))
                         for c in sub_clocks if c.name in rename]
        mapped_resets = [
            _resolved(ctx, Reset(rename[r.name], r.active_low, r.asynchronous,
                                 rename.get(r.clock) if r.clock else None, r.confidence,
                                 r.evidence + (f"{r.name}: {via}",), r.via, r.stages))
            for r in sub_resets if r.name in rename
        ]
        _merge(clocks, resets, mapped_clocks, mapped_resets)
    return clocks, resets


def _port_map(inst: ast.InstanceSymbol) -> dict[str, str]:
    """Child port name -> parent signal name, for ports connected to a plain signal."""
    out: dict[str, str] = {}
    for conn in inst.portConnections:
        port = conn.port
        expr = conn.expression
        if expr is None or not isinstance(port, ast.PortSymbol):
            continue
        if expr.kind == _EK.Assignment:  # output connections are wrapped in an assignment
            expr = expr.left
        sym = named(expr)
        if is_module_signal(sym):
            out[port.name] = sym.name
    return out


def _merge(clocks: list[Clock], resets: list[Reset], new_clocks: Iterable[Clock],
           new_resets: Iterable[Reset]) -> None:
    reset_names = {r.name for r in resets} | {r.name for r in new_resets}
    rank = {"given": 0, "high": 1, "medium": 2, "low": 3}
    for r in new_resets:
        i = next((i for i, x in enumerate(resets) if x.name == r.name), None)
        if i is None:
            resets.append(r)
        elif rank[r.confidence] < rank[resets[i].confidence]:
            resets[i] = r  # the same reset, seen more directly elsewhere
    for c in new_clocks:
        if c.name not in reset_names and all(c.name != x.name for x in clocks):
            clocks.append(c)


# -- registers and FSMs ----------------------------------------------------------------------


def unpacked_shape(t: ast.Type) -> tuple[int, int]:
    """(element width, number of elements) of a possibly unpacked-array type."""
    depth = 1
    t = t.canonicalType
    while t.isUnpackedArray and t.hasFixedRange:
        depth *= t.fixedRange.width
        t = t.arrayElementType.canonicalType
    return t.bitWidth, depth


def registers(infos: Iterable[ProcessInfo], line_of: dict[str, int]) -> list[Register]:
    out: list[Register] = []
    seen: set[str] = set()
    for info in infos:
        if not info.clocked:
            continue
        for sym in info.assigned:
            if sym.name in seen:
                continue
            seen.add(sym.name)
            width, depth = unpacked_shape(sym.type)
            out.append(Register(sym.name, width, info.clock, info.reset,
                                line=line_of.get(sym.name, 0), depth=depth))
    return out


@dataclass
class _FsmFacts:
    case_labels: dict[str, list[ast.Symbol]] = field(default_factory=dict)
    compared: dict[str, list[ast.Symbol]] = field(default_factory=dict)
    assigned_params: dict[str, list[ast.Symbol]] = field(default_factory=dict)
    assigned_from: dict[str, list[str]] = field(default_factory=dict)  # clocked r <= n


def _add(table: dict[str, list], key: str, items: Iterable[object]) -> None:
    bucket = table.setdefault(key, [])
    for item in items:
        if item not in bucket:
            bucket.append(item)


def _fsm_facts(infos: Iterable[ProcessInfo]) -> _FsmFacts:
    facts = _FsmFacts()

    for info in infos:
        clocked = info.clocked

        def visit(node: object, clocked: bool = clocked) -> None:
            if isinstance(node, ast.CaseStatement):
                sym = named(node.expr)
                if is_module_signal(sym):
                    labels = [p for item in node.items for e in item.expressions
                              for p in param_leaves(e)]
                    _add(facts.case_labels, sym.name, labels)
            elif isinstance(node, ast.BinaryExpression) and node.op in _EQ | _NE:
                for a, b in ((node.left, node.right), (node.right, node.left)):
                    sym, par = named(a), named(b)
                    if is_module_signal(sym) and par is not None and \
                            par.kind == ast.SymbolKind.Parameter:
                        _add(facts.compared, sym.name, [par])
            elif isinstance(node, ast.AssignmentExpression):
                target = named(node.left)
                if not is_module_signal(target):
                    return
                _add(facts.assigned_params, target.name, param_leaves(node.right))
                source = named(node.right)
                if clocked and is_module_signal(source):
                    _add(facts.assigned_from, target.name, [source.name])

        info.symbol.body.visit(visit)
    return facts


def _param_states(params: Iterable[ast.Symbol]) -> list[FsmState]:
    out: list[FsmState] = []
    ordered = sorted(params, key=lambda p: (p.location.buffer.id, p.location.offset))
    for p in ordered:
        value = p.value.value
        if isinstance(value, pyslang.SVInt) and not value.hasUnknown and \
                all(s.name != p.name for s in out):
            out.append(FsmState(p.name, int(value)))
    return out


def fsms(infos: list[ProcessInfo], variables: dict[str, ast.Symbol],
         line_of: dict[str, int]) -> list[Fsm]:
    """FSM state variables among the registers of ``infos``; ``variables``: module-level
    variables by name."""
    registered: list[str] = []
    for info in infos:
        if info.clocked:
            registered += [s.name for s in info.assigned if s.name not in registered]
    facts = _fsm_facts(infos)
    out: list[Fsm] = []
    for name in registered:
        sym = variables.get(name)
        if sym is None or sym.type.isUnpackedArray:
            continue
        nexts = [n for n in facts.assigned_from.get(name, [])
                 if n not in registered and n in variables]
        next_var = nexts[0] if len(nexts) == 1 else None
        group = [name] + ([next_var] if next_var else [])
        canonical = sym.type.canonicalType
        if canonical.isEnum:
            states = [FsmState(m.name, int(m.value.value)) for m in canonical
                      if isinstance(m, ast.EnumValueSymbol)
                      and isinstance(m.value.value, pyslang.SVInt)
                      and not m.value.value.hasUnknown]
        else:
            labels = [p for v in group for p in facts.case_labels.get(v, [])]
            assigned = [p for v in group for p in facts.assigned_params.get(v, [])]
            label_names = {p.name for p in labels}
            if len(label_names) < 2 or not label_names & {p.name for p in assigned}:
                continue
            compared = [p for v in group for p in facts.compared.get(v, [])]
            states = _param_states(labels + compared + assigned)
        if len(states) < 2:
            continue
        out.append(Fsm(name, sym.type.bitWidth, tuple(states), line=line_of.get(name, 0),
                       next_var=next_var))
    return out
