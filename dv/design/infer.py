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

from collections.abc import Iterable, Iterator
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
_INCDEC = {ast.UnaryOperator.Preincrement, ast.UnaryOperator.Predecrement,
           ast.UnaryOperator.Postincrement, ast.UnaryOperator.Postdecrement}


def looks_like_reset(name: str) -> bool:
    low = name.lower()
    return "rst" in low or "reset" in low


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


def analyse_process(proc: ast.ProceduralBlockSymbol, input_ports: dict[str, int]) -> ProcessInfo:
    """Clock, reset and assigned variables of one process. ``input_ports``: name -> width."""
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
    if len(edges) >= 2:
        read = names_read(cond)
        resets = [(s, e) for s, e in edges if s.name in read]
        if not resets:
            resets = [(s, e) for s, e in edges if looks_like_reset(s.name)]
        if len(resets) == len(edges):
            resets = []  # every edge a "reset": no clock left; treat them all as clocks
        clocks = [(s, e) for s, e in edges if all(s.name != r.name for r, _ in resets)]
        info.clocks = [Clock(s.name, _edge_name(e)) for s, e in clocks]
        for sym, edge in resets:
            if test is not None and test[0].name == sym.name:
                low = test[1]
            else:
                low = edge == ast.EdgeKind.NegEdge
            info.resets.append(Reset(sym.name, active_low=low, asynchronous=True,
                                     clock=info.clock))
    else:
        sym, edge = edges[0]
        info.clocks = [Clock(sym.name, _edge_name(edge))]
        if test is not None:
            name, low = test[0].name, test[1]
            if input_ports.get(name) == 1 and looks_like_reset(name):
                info.resets.append(Reset(name, active_low=low, asynchronous=False,
                                         clock=sym.name))
    return info


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
           depth: int = 0) -> tuple[list[Clock], list[Reset]]:
    """Clocks and resets of a module body, named in that body: its own clocked processes first,
    then its submodules' clocks and resets that are connected to plain signals of this body."""
    if infos is None:
        ports = input_port_widths(body)
        infos = [analyse_process(p, ports) for p in processes(body)]
    clocks: list[Clock] = []
    resets: list[Reset] = []
    for info in infos:
        _merge(clocks, resets, info.clocks, info.resets)
    if depth > 32:
        return clocks, resets
    for inst in _children(body):
        sub_clocks, sub_resets = timing(inst.body, depth=depth + 1)
        rename = _port_map(inst)
        mapped_clocks = [Clock(rename[c.name], c.edge) for c in sub_clocks if c.name in rename]
        mapped_resets = [
            Reset(rename[r.name], r.active_low, r.asynchronous,
                  rename.get(r.clock) if r.clock else None)
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
    for r in new_resets:
        if all(r.name != x.name for x in resets):
            resets.append(r)
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
