"""Lower concurrent SVA to synthesizable monitor logic that Yosys and SMT checkers can read.

Open-source Yosys reads only immediate assertions (and, through ``read_slang``, a clocked
``assert property`` over a plain boolean). dv therefore parses each concurrent property with
pyslang and rewrites it into a *monitor module*: small registers in clocked ``always`` blocks and
ONE immediate check per property::

    module <top>_dv_monitor (input logic clk, input logic [7:0] data, ...);
        ...registers, assigns...
        always @(posedge clk) begin
            ...register updates...
            <name>: assert (!<fail_signal>);     // assume (!<fail>) / cover (<match>)
        end
    endmodule
    bind <top> <top>_dv_monitor dv_mon_i (.clk(clk), .data(data), ...);

Ports are ``input logic [w-1:0] <name>`` for every DUT signal the properties read; the bind
connects them by name (explicit ``.name(name)`` connections rather than ``.*``: an enum-typed
DUT signal bound with ``.*`` to a ``logic`` port is an error in Yosys' slang front end). DUT
parameters the properties use become ``localparam NAME = <resolved value>;``.

Supported subset
----------------
``assert|assume|cover property ([@(posedge|negedge clk)] [disable iff (expr)] P);`` (labelled or
not, an action block is ignored) where P is

- a boolean: any SystemVerilog expression over the top module's signals and parameters,
  including ``$past(x[, N])``, ``$rose``, ``$fell``, ``$stable``, ``$changed``, ``$onehot``,
  ``$onehot0``, ``$countones``, ``$isunknown`` (constant 0: formal is 2-state), ``$sampled``;
  these are lowered to plain logic and registers;
- a sequence: booleans joined by ``##N`` / ``##[m:n]`` (also leading), consecutive repetition
  ``[*N]`` / ``[*m:n]`` (of a boolean or a parenthesised sequence) and sequence ``or``;
  ``1`` / ``1'b1`` / ``true`` fill gaps;
- ``s |-> P2`` / ``s |=> P2`` with a sequence ``s`` and P2 a sequence or again an implication;
- ``weak(s)`` (the default for assert/assume).

``cover property`` takes a sequence. Everything else (unbounded ``$`` ranges, ``[->n]``,
``[=n]``, ``throughout``, ``within``, ``intersect``, sequence/property ``and``, ``first_match``,
``until``, ``s_eventually`` and the other LTL operators, ``strong``, ``not``, ``if``/``case``,
local variables, named sequences, ``.triggered``, ``$past`` with enable or clock arguments,
several clocks, function calls, memories, hierarchical names) raises :class:`UnsupportedSva`
naming the construct, the file and the line. No property is ever silently dropped.

Semantics implemented (exact, cycle by cycle)
---------------------------------------------
Let ``v(t)`` be the values sampled at clock tick ``t`` (t = 0, 1, ...) and ``r(t)`` the value of
the ``disable iff`` expression sampled the same way (0 when there is none).

- Attempts. An attempt of the property starts at every tick ``t0`` with ``r(t0) = 0`` and
  ``t0 >= D``, where ``D`` is the deepest history the property reads (``$past(x, N)`` reads N
  ticks back, ``$rose``/``$fell``/``$stable``/``$changed`` one; nested calls add up). The
  monitor's "past valid" shift register (initial value 0) provides this gate, so ``$past`` never
  reads the arbitrary/initial value before the first ticks.
- Sequences are matched with the usual SVA semantics (``##0`` fuses, empty matches of ``[*0]``
  follow IEEE 1800 16.9.2.1). ``s |-> P`` starts an attempt of P at the end tick of *every*
  match of ``s``; ``s |=> P`` is ``s ##1 1 |-> P``. Empty matches of an antecedent are ignored.
- A sequence used as a property is weak: its attempt from ``t0`` succeeds at the first tick at
  which some match ends, and **fails at the first tick ``t1`` at which no thread of the
  sequence is alive any more** (every way of matching has a boolean that was false at some tick
  in ``[t0, t1]``). An attempt still alive at the end of a trace is pending, not failed.
- ``disable iff (r)``: a failure (or cover match) of an attempt started at ``t0`` and detected at
  ``t1`` is reported only if ``r(t) = 0`` for every tick ``t`` in ``[t0, t1]``. In the monitor:
  no attempt starts while r is 1, every pending-obligation register is cleared at a tick where
  r is 1 (obligations started before or at that tick are cancelled), and the check is gated
  with ``!r``. Attempts starting at the next tick with r = 0 run normally. ``disable iff`` is
  thus sampled at clock ticks only (like Verilator), not asynchronously between ticks.
- ``fail_signal`` is 1 at tick ``t1`` iff some attempt fails at ``t1`` (assert/assume), or some
  attempt's sequence matches ending at ``t1`` (cover). The check is an immediate statement in
  ``always @(posedge clk)`` and so reads the values of the tick, like a concurrent assertion.

Every register has an initial value (``logic r = 1'b0;``), which Yosys formal honours.

Monitor structure
-----------------
Each sequence is compiled into an epsilon-free NFA whose edges are labelled with conjunctions
of booleans (one letter = one clock tick). An antecedent (or a cover sequence) is tracked as
the *set* of active NFA states (one flag per state, all attempts merged: only "some match ends
now" matters). A consequent obligation must remember which attempt a thread belongs to, so its
states are layered by age (ticks since the obligation started): one flag per (state, age) pair
that can occur; at each age the obligation is satisfied when a thread reaches a final state
(its other threads are then dropped) and fails when its last thread dies. For the common fixed
length consequents (``|=> a ##1 b``, ``[*N]``) this is a plain shift register of N flags.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyslang
from pyslang import ast
from pyslang import syntax as sx

from dv.design.model import Design
from dv.design.spec import SvaProperty
from dv.errors import InputError

__all__ = [
    "Bool",
    "Call",
    "Concat",
    "Implication",
    "LoweredModule",
    "LoweredProperty",
    "PropertyAst",
    "Repeat",
    "SeqOr",
    "UnsupportedSva",
    "lower_properties",
    "parse_property",
]

MAX_NFA_STATES = 4000  # per sequence; beyond this the bounds are unreasonably large


class UnsupportedSva(InputError):
    """A property uses a construct outside the subset dv can lower (see the module docstring).

    The message names the construct; ``file``/``line`` locate the property."""


# -- the property AST --------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """A system function inside a boolean that the monitor computes with its own logic."""

    name: str  # "$past", "$rose", "$fell", "$stable", "$changed", "$onehot", "$onehot0",
    #            "$countones", "$isunknown", "$sampled"
    args: tuple[tuple[str | Call, ...], ...]  # each argument as pieces (see Bool.pieces)
    width: int  # bits of the first argument (self-determined)
    signed: bool
    count: int = 1  # the N of $past(x, N)


@dataclass(frozen=True)
class Bool:
    """A boolean sampled at one tick: a leaf of a sequence."""

    text: str  # as written
    pieces: tuple[str | Call, ...] = field(default=(), repr=False)  # text with calls cut out
    width: int = 1
    const: bool | None = None  # the value when the expression is a constant


@dataclass(frozen=True)
class Concat:
    """``##[lo:hi] s0 ##[lo:hi] s1 ...``: each item's delay separates it from the previous item;
    the first item's delay is a leading delay from the start of the attempt ((0, 0): none)."""

    items: tuple[tuple[int, int, Seq], ...]


@dataclass(frozen=True)
class Repeat:
    """Consecutive repetition ``seq [*lo:hi]``."""

    seq: Seq
    lo: int
    hi: int


@dataclass(frozen=True)
class SeqOr:
    left: Seq
    right: Seq


Seq = Bool | Concat | Repeat | SeqOr


@dataclass(frozen=True)
class Implication:
    antecedent: Seq
    overlapped: bool  # |-> (True) or |=> (False)
    consequent: Prop


Prop = Seq | Implication


@dataclass(frozen=True)
class PropertyAst:
    kind: str  # assert | assume | cover
    label: str | None
    clock: str | None  # None: no clocking event written (the design's clock is used)
    edge: str  # posedge | negedge
    disable: Bool | None
    body: Prop
    text: str
    source_file: str
    line: int
    signals: tuple[str, ...] = ()  # signals read, in order of appearance (clock included)
    parameters: tuple[str, ...] = ()  # parameters read by the booleans
    past_depth: int = 0  # ticks of history the property reads (the "past valid" gate)


# -- the lowered result ------------------------------------------------------------------------


@dataclass
class LoweredProperty:
    name: str  # the label, or "<kind>_<index>"
    kind: str  # "assert" | "assume" | "cover"
    source_file: str
    source_line: int
    text: str
    fail_signal: str  # 1 in the tick the property is violated (assert/assume) / matched (cover)
    pending_signal: str = ""  # 1 while some attempt is still undecided (registers non-zero)


@dataclass
class LoweredModule:
    module_name: str
    text: str
    properties: list[LoweredProperty]


# -- parsing -----------------------------------------------------------------------------------

_KIND_RE = re.compile(r"^\s*(?:(\w+)\s*:\s*)?(assert|assume|cover|restrict|expect)\b")
_IMMEDIATE_RE = re.compile(r"^\s*(?:\w+\s*:\s*)?(assert|assume|cover)\s*(\(|#|final\b)")
_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_QUOTED = re.compile(r"'([^']+)'")

_LOWERED_CALLS = {"$past", "$rose", "$fell", "$stable", "$changed", "$onehot", "$onehot0",
                  "$countones", "$isunknown", "$sampled"}
_PURE_CALLS = {"$signed", "$unsigned", "$bits", "$clog2", "$size", "$high", "$low", "$left",
               "$right", "$increment", "$dimensions", "$unpacked_dimensions"}

_BINARY_OP_TEXT = {
    "And": "sequence/property 'and'", "Or": "property 'or' of non-sequences",
    "Intersect": "'intersect'", "Throughout": "'throughout'", "Within": "'within'",
    "Iff": "'iff'", "Until": "'until'", "SUntil": "'s_until'", "UntilWith": "'until_with'",
    "SUntilWith": "'s_until_with'", "Implies": "'implies'", "OverlappedFollowedBy": "'#-#'",
    "NonOverlappedFollowedBy": "'#=#'",
}
_UNARY_OP_TEXT = {
    "Not": "'not'", "NextTime": "'nexttime'", "SNextTime": "'s_nexttime'",
    "Always": "'always'", "SAlways": "'s_always'", "Eventually": "'eventually'",
    "SEventually": "'s_eventually'",
}
_LIVENESS_HINT = ("dv lowers safety properties with bounded sequences only: express the "
                  "liveness requirement with a bound, e.g. 'a |-> ##[1:16] b'.")
_BOUND_HINT = ("Replace '$' with a bound (e.g. '##[1:16]' for '##[1:$]', '[*1:16]' for "
               "'[*1:$]'): dv lowers only bounded sequences into monitor registers.")


@dataclass(frozen=True)
class _Decls:
    """What the wrapper module declares so that slang can elaborate a property."""

    signals: dict[str, tuple[int, bool, int]]  # name -> (width, signed, depth)
    params: dict[str, int | str]
    top: str | None = None
    dims: dict[str, str] = field(default_factory=dict)  # memory -> unpacked dims as declared


def parse_property(text: str, *, source_file: str, line: int,
                   design: Design | None = None, kind: str | None = None,
                   label: str | None = None) -> PropertyAst:
    """Parse one ``assert|assume|cover property (...);`` statement into a :class:`PropertyAst`.

    With ``design`` the names resolve against its top module's signals and parameters (unknown
    names are an :class:`InputError`); without it every undeclared name is taken as a 1-bit
    signal. Raises :class:`UnsupportedSva` for constructs outside the subset and
    :class:`InputError` for syntax errors, both located at ``source_file``:``line``.
    """
    if design is not None:
        decls = _design_decls(design)
    else:
        decls = _Decls(signals={}, params={})
    parser = _Parser(text, source_file, line, decls, implicit=design is None)
    ast_ = parser.parse()
    if kind is not None and kind != ast_.kind:
        raise InputError(f"the statement is a '{ast_.kind}' but was listed as a '{kind}'.",
                         file=source_file, line=line)
    if label is not None and ast_.label is None:
        ast_ = _replace_label(ast_, label)
    return ast_


def _replace_label(p: PropertyAst, label: str) -> PropertyAst:
    return PropertyAst(p.kind, label, p.clock, p.edge, p.disable, p.body, p.text, p.source_file,
                       p.line, p.signals, p.parameters, p.past_depth)


def _design_decls(design: Design) -> _Decls:
    signals: dict[str, tuple[int, bool, int]] = {}
    for s in design.signals:
        depth = s.depth if s.kind == "memory" else max(s.depth, 1)
        signals[s.name] = (max(s.width, 1), s.signed, depth)
    for p in design.ports:
        signals.setdefault(p.name, (max(p.width, 1), p.signed, 1))
    params = {p.name: p.value for p in design.parameters}
    dims = {s.name: s.dims for s in design.signals if s.kind == "memory" and s.dims}
    return _Decls(signals=signals, params=params, top=design.top, dims=dims)


def _int_literal(value: int) -> str:
    if -(2**31) <= value < 2**31:
        return str(value)
    bits = abs(value).bit_length() + 1
    return f"-{bits}'sd{-value}" if value < 0 else f"{bits}'d{value}"


def _signal_decl(name: str, width: int, signed: bool, depth: int = 1, dims: str = "") -> str:
    """``dims``: a memory's unpacked dimensions as the design declares them (``[0:15]``), so
    that ``mem[i]`` reads the same entry in the monitor as in the design."""
    sign = " signed" if signed else ""
    rng = f" [{width - 1}:0]" if width > 1 or signed else ""
    mem = f" {dims}" if dims else f" [{depth}]" if depth > 1 else ""
    return f"logic{sign}{rng} {name}{mem}"


class _Parser:
    def __init__(self, text: str, source_file: str, line: int, decls: _Decls,
                 implicit: bool) -> None:
        self.text = text.strip()
        self.file = source_file
        self.line = line
        self.decls = decls
        self.implicit = implicit
        self.buf = b""
        self.prop_start = 0
        self.signals: list[str] = []
        self.params: list[str] = []
        self._keep: tuple[object, ...] = ()

    # -- errors ---------------------------------------------------------------------------
    def _loc_line(self, offset: int | None) -> int:
        if offset is None or offset < self.prop_start:
            return self.line
        return self.line + self.buf[self.prop_start:offset].count(b"\n")

    def unsupported(self, what: str, node: object | None = None, hint: str | None = None
                    ) -> UnsupportedSva:
        return UnsupportedSva(f"{what} is outside the SVA subset dv can lower to monitor logic.",
                              file=self.file, line=self._loc_line(_offset(node)),
                              hint=hint or "See dv/formal/sva.py for the supported subset.")

    def error(self, message: str, node: object | None = None, hint: str | None = None
              ) -> InputError:
        return InputError(message, file=self.file, line=self._loc_line(_offset(node)), hint=hint)

    # -- elaboration ----------------------------------------------------------------------
    def _wrapper(self, extra: Sequence[str]) -> str:
        lines = ["module dv_sva_wrapper;"]
        for name, (width, signed, depth) in self.decls.signals.items():
            dims = self.decls.dims.get(name, "")
            lines.append(f"  {_signal_decl(name, width, signed, depth, dims)};")
        for name in extra:
            lines.append(f"  logic {name};")
        for name, value in self.decls.params.items():
            if name in self.decls.signals:
                continue
            val = _int_literal(value) if isinstance(value, int) else "0"
            lines.append(f"  localparam {name} = {val};")
        for name, val in (("true", "1'b1"), ("false", "1'b0")):
            if name not in self.decls.signals and name not in self.decls.params:
                lines.append(f"  localparam bit {name} = {val};")
        head = "\n".join(lines) + "\n"
        body = self.text if self.text.endswith(";") else self.text + ";"
        self.prop_start = len(head.encode())
        return head + body + "\nendmodule\n"

    def _elaborate(self, extra: Sequence[str]
                   ) -> tuple[ast.Compilation, list, pyslang.SourceManager]:
        src = self._wrapper(extra)
        self.buf = src.encode()
        sm = pyslang.SourceManager()
        tree = sx.SyntaxTree.fromText(src, sm, "dv_sva_property.sv")
        comp = ast.Compilation()
        comp.addSyntaxTree(tree)
        diags = [d for d in tree.diagnostics if d.isError()]
        if not diags:
            diags = [d for d in comp.getAllDiagnostics() if d.isError()]
        self._keep = (tree, comp, sm)  # keep the syntax tree alive while the AST is used
        return comp, diags, sm

    def parse(self) -> PropertyAst:
        if not self.text:
            raise self.error("the property text is empty.")
        if "`" in self.text:
            raise self.unsupported("a macro (`name) in a property",
                                   hint="Write the property without macros.")
        m = _KIND_RE.match(self.text)
        if _IMMEDIATE_RE.match(self.text) or not m:
            raise self.error(
                "expected a concurrent assertion 'assert|assume|cover property (...);', got "
                f"{self.text[:60]!r}.",
                hint="Write e.g. 'name: assert property (@(posedge clk) a |-> b);'.")
        label = m.group(1)
        extra: list[str] = []
        comp, diags, sm = self._elaborate(extra)
        if self.implicit:
            for _ in range(64):
                names = [_QUOTED.search(_message(sm, d)) for d in diags
                         if d.code == pyslang.Diags.UndeclaredIdentifier]
                new = sorted({n.group(1) for n in names if n} - set(extra))
                if not new:
                    break
                extra += new
                comp, diags, sm = self._elaborate(extra)
        if diags:
            raise self._diag_error(diags, sm)
        stmt = self._statement(comp)
        kind = {ast.AssertionKind.Assert: "assert", ast.AssertionKind.Assume: "assume",
                ast.AssertionKind.CoverProperty: "cover",
                ast.AssertionKind.CoverSequence: "cover"}.get(stmt.assertionKind)
        if kind is None:
            what = str(stmt.assertionKind).rsplit(".", 1)[-1].lower()
            raise self.unsupported(f"a '{what} property' statement",
                                   hint="Use assert, assume or cover property.")
        spec = stmt.propertySpec
        clock: str | None = None
        edge = "posedge"
        if isinstance(spec, ast.ClockingAssertionExpr):
            clock, edge = self._clock(spec.clocking)
            spec = spec.expr
        disable: Bool | None = None
        if isinstance(spec, ast.DisableIffAssertionExpr):
            disable = self._bool(spec.condition, in_disable=True)
            spec = spec.expr
        body: Prop
        if kind == "cover":
            if isinstance(spec, ast.BinaryAssertionExpr) and spec.op in (
                    ast.BinaryAssertionOperator.OverlappedImplication,
                    ast.BinaryAssertionOperator.NonOverlappedImplication):
                raise self.unsupported(
                    "'cover property' of an implication", spec,
                    hint="Cover the sequence itself: 'cover property (@(posedge clk) a ##1 b);'.")
            body = self._seq(spec)
        else:
            body = self._prop(spec)
        depth = _prop_depth(body)
        return PropertyAst(kind=kind, label=label, clock=clock, edge=edge, disable=disable,
                           body=body, text=self.text, source_file=self.file, line=self.line,
                           signals=tuple(dict.fromkeys(self.signals)),
                           parameters=tuple(dict.fromkeys(self.params)), past_depth=depth)

    def _diag_error(self, diags: list, sm: pyslang.SourceManager) -> InputError:
        d = diags[0]
        msg = _message(sm, d)
        line = self._loc_line(d.location.offset)
        if d.code == pyslang.Diags.UndeclaredIdentifier:
            m = _QUOTED.search(msg)
            name = m.group(1) if m else "?"
            top = f" of module {self.decls.top!r}" if self.decls.top else ""
            return InputError(
                f"the property reads {name!r}, which is not a signal or parameter{top}.",
                file=self.file, line=line,
                hint="Properties may read the top module's own signals and parameters "
                     "(no hierarchical names, enum literals or named sequences): check the "
                     "spelling.")
        if not msg.endswith("."):
            msg += "."
        return InputError(f"slang rejects the property: {msg}", file=self.file, line=line,
                          hint="Fix the property text (IEEE 1800-2017 SVA syntax).")

    def _statement(self, comp: ast.Compilation) -> ast.ConcurrentAssertionStatement:
        inst = comp.getRoot().topInstances[0]
        found: list[ast.ConcurrentAssertionStatement] = []
        others = 0
        for m in inst.body:
            if isinstance(m, ast.ProceduralBlockSymbol):
                st = m.body
                while isinstance(st, ast.BlockStatement):
                    st = st.body
                if isinstance(st, ast.ConcurrentAssertionStatement):
                    found.append(st)
                else:
                    others += 1
            elif _offset(m) is not None and (_offset(m) or 0) >= self.prop_start and not \
                    isinstance(m, ast.StatementBlockSymbol):
                others += 1
        if len(found) != 1 or others:
            raise self.error("expected exactly one 'assert|assume|cover property (...);' "
                             f"statement, found {len(found)} (and {others} other items).")
        return found[0]

    def _clock(self, ev: ast.TimingControl) -> tuple[str, str]:
        if not isinstance(ev, ast.SignalEventControl):
            raise self.unsupported("this clocking event", ev,
                                   hint="Write '@(posedge clk)' with a clock signal.")
        if ev.iffCondition is not None:
            raise self.unsupported("a clocking event with 'iff'", ev)
        edge = {ast.EdgeKind.PosEdge: "posedge", ast.EdgeKind.NegEdge: "negedge"}.get(ev.edge)
        if edge is None:
            raise self.unsupported("a clocking event without posedge/negedge", ev)
        expr = ev.expr
        if not isinstance(expr, ast.NamedValueExpression) or expr.symbol.kind not in (
                ast.SymbolKind.Variable, ast.SymbolKind.Net):
            raise self.unsupported("a clock that is not a plain signal", ev)
        name = expr.symbol.name
        self._use_signal(expr)
        return name, edge

    # -- properties and sequences ---------------------------------------------------------
    def _prop(self, x: ast.AssertionExpr) -> Prop:
        if isinstance(x, ast.BinaryAssertionExpr):
            op = x.op
            if op in (ast.BinaryAssertionOperator.OverlappedImplication,
                      ast.BinaryAssertionOperator.NonOverlappedImplication):
                return Implication(self._seq(x.left),
                                   op == ast.BinaryAssertionOperator.OverlappedImplication,
                                   self._prop(x.right))
        if isinstance(x, ast.StrongWeakAssertionExpr):
            if x.strength == ast.StrongWeakAssertionExpr.Strength.Weak:
                return self._seq(x.expr)
            raise self.unsupported("'strong(...)' (a liveness obligation)", x,
                                   hint=_LIVENESS_HINT)
        return self._seq(x)

    def _seq(self, x: ast.AssertionExpr) -> Seq:
        if isinstance(x, ast.SimpleAssertionExpr):
            return self._repeat(self._bool(x.expr), x.repetition, x)
        if isinstance(x, ast.SequenceConcatExpr):
            items: list[tuple[int, int, Seq]] = []
            for el in x.elements:
                lo, hi = el.delay.min, el.delay.max
                if hi is None:
                    raise self.unsupported(f"an unbounded delay '##[{lo}:$]'", x,
                                           hint=_BOUND_HINT)
                items.append((int(lo), int(hi), self._seq(el.sequence)))
            if len(items) == 1 and items[0][:2] == (0, 0):
                return items[0][2]
            return Concat(tuple(items))
        if isinstance(x, ast.SequenceWithMatchExpr):
            if list(x.matchItems):
                raise self.unsupported("a sequence match item (local variable assignment)", x,
                                       hint="Local variables cannot be lowered; compare with "
                                            "$past(...) instead.")
            return self._repeat(self._seq(x.expr), x.repetition, x)
        if isinstance(x, ast.BinaryAssertionExpr):
            op = x.op
            if op == ast.BinaryAssertionOperator.Or:
                return SeqOr(self._seq(x.left), self._seq(x.right))
            if op in (ast.BinaryAssertionOperator.OverlappedImplication,
                      ast.BinaryAssertionOperator.NonOverlappedImplication):
                raise self.unsupported("an implication inside a sequence or 'or'", x)
            hint = _LIVENESS_HINT if "until" in op.name.lower() else None
            raise self.unsupported(_BINARY_OP_TEXT.get(op.name, f"'{op.name}'"), x, hint=hint)
        if isinstance(x, ast.UnaryAssertionExpr):
            name = x.op.name
            hint = _LIVENESS_HINT if name in ("SEventually", "Eventually", "SAlways",
                                              "SNextTime") else None
            raise self.unsupported(_UNARY_OP_TEXT.get(name, f"'{name}'"), x, hint=hint)
        if isinstance(x, ast.StrongWeakAssertionExpr):
            if x.strength == ast.StrongWeakAssertionExpr.Strength.Weak:
                return self._seq(x.expr)
            raise self.unsupported("'strong(...)' (a liveness obligation)", x,
                                   hint=_LIVENESS_HINT)
        if isinstance(x, ast.FirstMatchAssertionExpr):
            raise self.unsupported("'first_match'", x)
        if isinstance(x, ast.ClockingAssertionExpr):
            raise self.unsupported("a clocking event inside the property (multiple clocks)", x,
                                   hint="Write one '@(posedge clk)' at the start.")
        if isinstance(x, ast.DisableIffAssertionExpr):
            raise self.unsupported("a nested 'disable iff'", x)
        if isinstance(x, ast.ConditionalAssertionExpr):
            raise self.unsupported("a property 'if ... else'", x,
                                   hint="Write 'c |-> p' (and '!c |-> q').")
        if isinstance(x, ast.CaseAssertionExpr):
            raise self.unsupported("a property 'case'", x)
        if isinstance(x, ast.AbortAssertionExpr):
            raise self.unsupported("'accept_on'/'reject_on'", x)
        kind = str(getattr(x, "kind", type(x).__name__)).rsplit(".", 1)[-1]
        raise self.unsupported(f"the construct '{kind}'", x)

    def _repeat(self, seq: Seq, rep: ast.SequenceRepetition | None, node: object) -> Seq:
        if rep is None:
            return seq
        if rep.kind == ast.SequenceRepetition.Kind.GoTo:
            raise self.unsupported("goto repetition '[->n]'", node,
                                   hint="Use bounded consecutive repetition '[*m:n]' with "
                                        "'##[m:n]' delays.")
        if rep.kind == ast.SequenceRepetition.Kind.Nonconsecutive:
            raise self.unsupported("non-consecutive repetition '[=n]'", node,
                                   hint="Use bounded consecutive repetition '[*m:n]' with "
                                        "'##[m:n]' delays.")
        lo, hi = rep.range.min, rep.range.max
        if hi is None:
            raise self.unsupported(f"an unbounded repetition '[*{lo}:$]'", node,
                                   hint=_BOUND_HINT)
        if (lo, hi) == (1, 1):
            return seq
        return Repeat(seq, int(lo), int(hi))

    # -- booleans -------------------------------------------------------------------------
    def _use_signal(self, expr: ast.NamedValueExpression) -> None:
        sym = expr.symbol
        if sym.type.isUnpackedArray and not self._element_read(expr):
            raise self.unsupported(f"the memory {sym.name!r} (an unpacked array) as a whole",
                                   expr, hint="Properties may read a memory's entries "
                                   "(mem[i], mem[i][b]), not the whole array.")
        self.signals.append(sym.name)

    def _element_read(self, expr: ast.NamedValueExpression) -> bool:
        """True when ``expr`` (a memory) is read one entry at a time: ``mem[i]`` of a
        one-dimensional unpacked array of integral entries (``_pieces`` notes the element
        selects it meets before their operands)."""
        t = expr.symbol.type.canonicalType
        elem = getattr(t, "arrayElementType", None)
        if elem is None or not elem.isIntegral or elem.isUnpackedArray:
            return False
        return expr.sourceRange.start.offset in getattr(self, "_selected", set())

    def _bool(self, expr: ast.Expression, in_disable: bool = False) -> Bool:
        if not expr.type.isIntegral:
            raise self.unsupported(f"a boolean of type '{expr.type}'", expr)
        pieces = self._pieces(expr, in_disable)
        const: bool | None = None
        cv = expr.constant
        if cv is not None and isinstance(cv.value, pyslang.SVInt) and not cv.value.hasUnknown:
            const = int(cv.value) != 0
        return Bool(text=self._text(expr), pieces=pieces, width=expr.type.bitWidth, const=const)

    def _text(self, node: ast.Expression) -> str:
        r = node.sourceRange
        return self.buf[r.start.offset:r.end.offset].decode()

    def _pieces(self, expr: ast.Expression, in_disable: bool) -> tuple[str | Call, ...]:
        start, end = expr.sourceRange.start.offset, expr.sourceRange.end.offset
        found: list[tuple[int, int, object]] = []

        def visit(node: object) -> bool:
            if isinstance(node, ast.ElementSelectExpression):
                v = node.value
                if isinstance(v, ast.NamedValueExpression):
                    if not hasattr(self, "_selected"):
                        self._selected: set[int] = set()
                    self._selected.add(v.sourceRange.start.offset)
            if isinstance(node, ast.CallExpression):
                name = node.subroutineName
                if not node.isSystemCall:
                    raise self.unsupported(f"the function call {name}()", node,
                                           hint="Inline the function as an expression.")
                if name in _LOWERED_CALLS:
                    if in_disable:
                        raise self.unsupported(f"{name} in a 'disable iff' condition", node)
                    r = node.sourceRange
                    found.append((r.start.offset, r.end.offset, node))
                elif name not in _PURE_CALLS:
                    what = f"the method .{name}" if not name.startswith("$") else \
                        f"the system function {name}"
                    raise self.unsupported(what, node)
            elif isinstance(node, ast.HierarchicalValueExpression):
                raise self.unsupported("a hierarchical reference", node,
                                       hint="Read only the top module's own signals.")
            elif isinstance(node, ast.NamedValueExpression):
                sym = node.symbol
                if sym.kind == ast.SymbolKind.Parameter:
                    if sym.name in ("true", "false") and sym.name not in self.decls.params:
                        r = node.sourceRange
                        found.append((r.start.offset, r.end.offset, sym.name))
                    else:
                        value = self.decls.params.get(sym.name)
                        if value is not None and not isinstance(value, int):
                            raise self.unsupported(
                                f"the parameter {sym.name!r} with the non-integer value "
                                f"{value!r}", node)
                        self.params.append(sym.name)
                elif sym.kind in (ast.SymbolKind.Variable, ast.SymbolKind.Net):
                    self._use_signal(node)
                else:
                    raise self.unsupported(f"the name {sym.name!r} ({sym.kind.name})", node)
            elif isinstance(node, ast.AssertionInstanceExpression):
                raise self.unsupported("a named sequence or property instance", node)
            return True

        expr.visit(visit)
        found.sort(key=lambda f: (f[0], -f[1]))
        out: list[str | Call] = []
        pos = start
        last_end = -1
        for s, e, obj in found:
            if s < last_end:  # inside an outer call: handled when that call's args are cut
                continue
            if s > pos:
                out.append(self.buf[pos:s].decode())
            if isinstance(obj, str):
                out.append("1'b1" if obj == "true" else "1'b0")
            else:
                assert isinstance(obj, ast.CallExpression)
                out.append(self._call(obj))
            pos = e
            last_end = e
        if pos < end:
            out.append(self.buf[pos:end].decode())
        return tuple(out)

    def _call(self, node: ast.CallExpression) -> Call:
        name = node.subroutineName
        args = [a for a in node.arguments]
        if any(isinstance(a, ast.EmptyArgumentExpression) for a in args):
            raise self.unsupported(f"{name} with an empty argument", node)
        if name == "$past":
            if len(args) > 2:
                raise self.unsupported("$past with an enable or clocking argument", node,
                                       hint="Use $past(x) or $past(x, N).")
        elif len(args) != 1:
            raise self.unsupported(f"{name} with {len(args)} arguments (a clocking argument?)",
                                   node, hint=f"Use {name}(x) with the property's clock.")
        arg = args[0]
        if not arg.type.isIntegral:
            raise self.unsupported(f"{name} of a non-integral value", node)
        count = 1
        if name == "$past" and len(args) == 2:
            cv = args[1].constant
            if cv is None or not isinstance(cv.value, pyslang.SVInt) or cv.value.hasUnknown:
                raise self.error("the number of ticks of $past must be a constant.", node)
            count = int(cv.value)
            if count < 1:
                raise self.error(f"$past needs at least 1 tick, got {count}.", node)
        return Call(name=name, args=(self._pieces(arg, False),), width=arg.type.bitWidth,
                    signed=arg.type.isSigned, count=count)


def _message(sm: pyslang.SourceManager, d: pyslang.Diagnostic) -> str:
    return pyslang.DiagnosticEngine(sm).formatMessage(d)


def _offset(node: object | None) -> int | None:
    if node is None:
        return None
    rng = getattr(node, "sourceRange", None)
    if rng is not None:
        try:
            return int(rng.start.offset)
        except AttributeError:
            return None
    syn = getattr(node, "syntax", None)
    if syn is not None and getattr(syn, "sourceRange", None) is not None:
        return int(syn.sourceRange.start.offset)
    loc = getattr(node, "location", None)
    if loc is not None:
        return int(loc.offset)
    return None


def _pieces_depth(pieces: Sequence[str | Call]) -> int:
    best = 0
    for p in pieces:
        if isinstance(p, Call):
            inner = max((_pieces_depth(a) for a in p.args), default=0)
            own = p.count if p.name == "$past" else \
                1 if p.name in ("$rose", "$fell", "$stable", "$changed") else 0
            best = max(best, own + inner)
    return best


def _prop_depth(p: Prop) -> int:
    if isinstance(p, Bool):
        return _pieces_depth(p.pieces)
    if isinstance(p, Concat):
        return max(_prop_depth(s) for _, _, s in p.items)
    if isinstance(p, Repeat):
        return _prop_depth(p.seq)
    if isinstance(p, SeqOr):
        return max(_prop_depth(p.left), _prop_depth(p.right))
    return max(_prop_depth(p.antecedent), _prop_depth(p.consequent))


# -- NFAs ----------------------------------------------------------------------------------------

Guard = frozenset[int]  # a conjunction of boolean leaves (indices); empty: true
_TRUE: Guard = frozenset()


@dataclass(frozen=True)
class _Nfa:
    """Epsilon-free NFA over ticks. State 0 is initial and has no incoming edge; an edge
    (p, g, q) consumes one tick at which every boolean of g holds. 0 in finals: empty match."""

    n: int
    edges: tuple[tuple[int, Guard, int], ...]
    finals: frozenset[int]


def _nfa_leaf(guard: Guard) -> _Nfa:
    return _Nfa(2, ((0, guard, 1),), frozenset({1}))


_EMPTY = _Nfa(1, (), frozenset({0}))
_NEVER = _Nfa(1, (), frozenset())


def _check_size(n: int) -> None:
    if n > MAX_NFA_STATES:
        raise _TooLarge(n)


class _TooLarge(Exception):
    pass


def _join(a: _Nfa, b: _Nfa, lo: int, hi: int) -> _Nfa:
    """``a ##[lo:hi] b`` (``##0`` fuses the last tick of ``a`` with the first of ``b``)."""
    n_chain = max(hi - 1, 0)  # chain state j (1-based) = j filler ticks after a ended
    chain0 = a.n
    b0 = chain0 + n_chain - 1  # b's state q>=1 maps to b0 + q

    def mb(q: int) -> int:
        return b0 + q

    n = a.n + n_chain + b.n - 1
    _check_size(n)
    edges = list(a.edges)
    b_start = [(g, q) for p, g, q in b.edges if p == 0]
    edges += [(mb(p), g, mb(q)) for p, g, q in b.edges if p != 0]
    a_ends = sorted(a.finals)
    if n_chain:
        edges += [(f, _TRUE, chain0) for f in a_ends]
        edges += [(chain0 + j, _TRUE, chain0 + j + 1) for j in range(n_chain - 1)]
    launch: set[int] = set()
    if lo <= 1 <= hi:
        launch.update(a_ends)
    for k in range(max(2, lo), hi + 1):
        launch.add(chain0 + k - 2)
    for s in sorted(launch):
        edges += [(s, g, mb(q)) for g, q in b_start]
    if lo == 0:
        for p, g, f in a.edges:
            if f in a.finals:
                edges += [(p, g | h, mb(q)) for h, q in b_start]
    finals = {mb(q) for q in b.finals if q != 0}
    if 0 in b.finals:
        finals |= launch
    return _Nfa(n, tuple(edges), frozenset(finals))


def _union(a: _Nfa, b: _Nfa) -> _Nfa:
    def mb(q: int) -> int:
        return 0 if q == 0 else a.n + q - 1

    n = a.n + b.n - 1
    _check_size(n)
    edges = a.edges + tuple((mb(p), g, mb(q)) for p, g, q in b.edges)
    return _Nfa(n, edges, a.finals | frozenset(mb(q) for q in b.finals))


def _optional(a: _Nfa) -> _Nfa:
    return _Nfa(a.n, a.edges, a.finals | {0})


def _repeat(a: _Nfa, lo: int, hi: int) -> _Nfa:
    r = _EMPTY
    for _ in range(hi - lo):
        r = _optional(_join(a, r, 1, 1))
    for _ in range(lo):
        r = _join(a, r, 1, 1)
    return r


def _prune(a: _Nfa, keep_empty: bool = True) -> _Nfa:
    """Drop states not reachable from 0 or from which no final state is reachable; renumber."""
    fwd = {0}
    changed = True
    while changed:
        changed = False
        for p, _g, q in a.edges:
            if p in fwd and q not in fwd:
                fwd.add(q)
                changed = True
    finals = {f for f in a.finals if f in fwd and (keep_empty or f != 0)}
    back = set(finals)
    changed = True
    while changed:
        changed = False
        for p, _g, q in a.edges:
            if q in back and p not in back and p in fwd:
                back.add(p)
                changed = True
    live = sorted((fwd & back) | {0})
    index = {q: i for i, q in enumerate(live)}
    edges = tuple(dict.fromkeys((index[p], g, index[q]) for p, g, q in a.edges
                                if p in index and q in index and q != 0))
    return _Nfa(len(live), edges, frozenset(index[f] for f in finals))


# -- lowering ------------------------------------------------------------------------------------


def _paren(x: str) -> str:
    if _IDENT_RE.match(x) or re.match(r"^!?[A-Za-z_][A-Za-z0-9_$]*(\[\d+\])?$", x) \
            or x in ("1'b0", "1'b1"):
        return x
    return f"({x})"


def _wrapped(x: str) -> bool:
    """``x`` is one parenthesised expression: ``(a) && (b)`` is not, ``((a) && (b))`` is."""
    if not (x.startswith("(") and x.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(x):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(x) - 1:
            return False
    return True


def _and(*xs: str) -> str:
    items: list[str] = []
    for x in xs:
        if x == "1'b0":
            return "1'b0"
        if x != "1'b1" and x not in items:
            items.append(x)
    if not items:
        return "1'b1"
    if len(items) == 1:
        return items[0]
    return " && ".join(_paren(x) for x in items)


def _or(*xs: str) -> str:
    items: list[str] = []
    for x in xs:
        if x == "1'b1":
            return "1'b1"
        if x != "1'b0" and x not in items:
            items.append(x)
    if not items:
        return "1'b0"
    if len(items) == 1:
        return items[0]
    return " || ".join(_paren(x) for x in items)


def _not(x: str) -> str:
    if x == "1'b1":
        return "1'b0"
    if x == "1'b0":
        return "1'b1"
    if x.startswith("!") and _IDENT_RE.match(x[1:]):
        return x[1:]
    return "!" + _paren(x)


class _Names:
    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def fresh(self, base: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", base)
        name = base
        i = 1
        while name in self.taken:
            name = f"{base}_{i}"
            i += 1
        self.taken.add(name)
        return name


_SV_KEYWORDS = {
    "accept_on", "alias", "always", "always_comb", "always_ff", "always_latch", "and", "assert",
    "assign", "assume", "automatic", "before", "begin", "bind", "bins", "binsof", "bit",
    "break", "buf", "bufif0", "bufif1", "byte", "case", "casex", "casez", "cell", "chandle",
    "checker", "class", "clocking", "cmos", "config", "const", "constraint", "context",
    "continue", "cover", "covergroup", "coverpoint", "cross", "deassign", "default",
    "defparam", "design", "disable", "dist", "do", "edge", "else", "end", "endcase",
    "endchecker", "endclass", "endclocking", "endconfig", "endfunction", "endgenerate",
    "endgroup", "endinterface", "endmodule", "endpackage", "endprimitive", "endprogram",
    "endproperty", "endsequence", "endspecify", "endtable", "endtask", "enum", "event",
    "eventually", "expect", "export", "extends", "extern", "final", "first_match", "for",
    "force", "foreach", "forever", "fork", "forkjoin", "function", "generate", "genvar",
    "global", "highz0", "highz1", "if", "iff", "ifnone", "ignore_bins", "illegal_bins",
    "implements", "implies", "import", "incdir", "include", "initial", "inout", "input",
    "inside", "instance", "int", "integer", "interconnect", "interface", "intersect", "join",
    "join_any", "join_none", "large", "let", "liblist", "library", "local", "localparam",
    "logic", "longint", "macromodule", "matches", "medium", "modport", "module", "nand",
    "negedge", "nettype", "new", "nexttime", "nmos", "nor", "noshowcancelled", "not",
    "notif0", "notif1", "null", "or", "output", "package", "packed", "parameter", "pmos",
    "posedge", "primitive", "priority", "program", "property", "protected", "pull0", "pull1",
    "pulldown", "pullup", "pulsestyle_ondetect", "pulsestyle_onevent", "pure", "rand",
    "randc", "randcase", "randsequence", "rcmos", "real", "realtime", "ref", "reg",
    "reject_on", "release", "repeat", "restrict", "return", "rnmos", "rpmos", "rtran",
    "rtranif0", "rtranif1", "s_always", "s_eventually", "s_nexttime", "s_until",
    "s_until_with", "scalared", "sequence", "shortint", "shortreal", "showcancelled",
    "signed", "small", "soft", "solve", "specify", "specparam", "static", "string", "strong",
    "strong0", "strong1", "struct", "super", "supply0", "supply1", "sync_accept_on",
    "sync_reject_on", "table", "tagged", "task", "this", "throughout", "time", "timeprecision",
    "timeunit", "tran", "tranif0", "tranif1", "tri", "tri0", "tri1", "triand", "trior",
    "trireg", "type", "typedef", "union", "unique", "unique0", "unsigned", "until",
    "until_with", "untyped", "use", "uwire", "var", "vectored", "virtual", "void", "wait",
    "wait_order", "wand", "weak", "weak0", "weak1", "while", "wildcard", "wire", "with",
    "within", "wor", "xnor", "xor",
}


@dataclass
class _Domain:
    clock: str
    edge: str
    pv: str  # name of the past-valid shift register
    depth: int = 0
    updates: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)


class _Emitter:
    def __init__(self, design: Design, source_file: str) -> None:
        self.design = design
        self.source_file = source_file
        taken = {s.name for s in design.signals} | {p.name for p in design.ports} | \
            {p.name for p in design.parameters} | _SV_KEYWORDS
        self.names = _Names(taken)
        self.body: list[str] = []  # declarations and assigns, in dependency order
        self.domains: dict[tuple[str, str], _Domain] = {}
        self.values: dict[tuple[str, int, bool], str] = {}  # (text, width, signed) -> wire
        self.pasts: dict[tuple[str, str, str, int], str] = {}  # (edge, clk, wire, n) -> reg
        self.leaves: dict[str, str] = {}  # boolean text -> 1-bit wire
        self.signals: list[str] = []
        self.params: list[str] = []
        self.regs: list[str] = []  # the current property's obligation registers
        self.prop_line = 0

    # -- small builders -------------------------------------------------------------------
    def wire(self, base: str, expr: str, width: int = 1, signed: bool = False) -> str:
        if width == 1 and not signed and (_IDENT_RE.match(expr) or expr in ("1'b0", "1'b1")):
            return expr
        name = self.names.fresh(base)
        self.body.append(f"    {_signal_decl(name, width, signed)};")
        self.body.append(f"    assign {name} = {expr};")
        return name

    def reg(self, dom: _Domain, base: str, nxt: str, width: int = 1, signed: bool = False,
            vector: bool = False) -> str:
        name = self.names.fresh(base)
        decl = _signal_decl(name, width, signed) if not vector else \
            f"logic{' signed' if signed else ''} [{width - 1}:0] {name}"
        self.body.append(f"    {decl} = '0;")
        dom.updates.append(f"        {name} <= {nxt};")
        return name

    def domain(self, clock: str, edge: str) -> _Domain:
        key = (edge, clock)
        if key not in self.domains:
            self.domains[key] = _Domain(clock, edge, self.names.fresh(f"dv_past_valid_{clock}"))
        return self.domains[key]

    # -- booleans -------------------------------------------------------------------------
    def render(self, pieces: Sequence[str | Call], dom: _Domain) -> str:
        out: list[str] = []
        for p in pieces:
            out.append(p if isinstance(p, str) else self.call(p, dom))
        return "".join(out)

    def value(self, pieces: Sequence[str | Call], width: int, signed: bool, dom: _Domain) -> str:
        text = self.render(pieces, dom).strip()
        key = (text, width, signed)
        if key not in self.values:
            self.values[key] = self._value_wire(text, width, signed)
        return self.values[key]

    def _value_wire(self, text: str, width: int, signed: bool) -> str:
        name = self.names.fresh(f"dv_v{len(self.values)}")
        sign = " signed" if signed else ""
        self.body.append(f"    logic{sign} [{width - 1}:0] {name};")
        self.body.append(f"    assign {name} = {text};")
        return name

    def past(self, wire: str, width: int, signed: bool, n: int, dom: _Domain) -> str:
        prev = wire
        for k in range(1, n + 1):
            key = (dom.edge, dom.clock, wire, k)
            if key not in self.pasts:
                self.pasts[key] = self.reg(dom, f"{wire}_past{k}", prev, width, signed,
                                           vector=True)
            prev = self.pasts[key]
        return prev

    def call(self, c: Call, dom: _Domain) -> str:
        if c.name == "$isunknown":
            return "1'b0"
        if c.name == "$sampled":
            return "(" + self.render(c.args[0], dom) + ")"
        v = self.value(c.args[0], c.width, c.signed, dom)
        w = c.width
        if c.name == "$past":
            return self.past(v, w, c.signed, c.count, dom)
        if c.name in ("$rose", "$fell", "$stable", "$changed"):
            p = self.past(v, w, c.signed, 1, dom)
            return {"$rose": f"({v}[0] && !{p}[0])", "$fell": f"(!{v}[0] && {p}[0])",
                    "$stable": f"({v} == {p})", "$changed": f"({v} != {p})"}[c.name]
        if c.name == "$onehot":
            return f"(({v} != '0) && (({v} & ({v} - {w}'d1)) == '0))"
        if c.name == "$onehot0":
            return f"(({v} & ({v} - {w}'d1)) == '0)"
        if c.name == "$countones":
            name = self.names.fresh(f"{v}_ones")
            terms = " + ".join(f"32'({v}[{i}])" for i in range(w))
            self.body.append(f"    logic signed [31:0] {name};")
            self.body.append(f"    assign {name} = {terms};")
            return name
        raise AssertionError(c.name)  # pragma: no cover - the parser admits only the above

    def leaf(self, b: Bool, dom: _Domain) -> str:
        if b.const is not None:
            return "1'b1" if b.const else "1'b0"
        text = self.render(b.pieces, dom).strip()
        inner = text if _wrapped(text) else f"({text})"
        expr = inner if b.width == 1 else f"|{inner}"
        if _IDENT_RE.match(text) and b.width == 1:
            return text
        if expr not in self.leaves:
            self.leaves[expr] = self.wire(f"dv_b{len(self.leaves)}", expr)
        return self.leaves[expr]

    # -- sequences ------------------------------------------------------------------------
    def nfa(self, s: Seq, dom: _Domain, leaves: list[str]) -> _Nfa:
        if isinstance(s, Bool):
            sig = self.leaf(s, dom)
            if sig == "1'b1":
                return _nfa_leaf(_TRUE)
            if sig == "1'b0":
                return _NEVER
            if sig not in leaves:
                leaves.append(sig)
            return _nfa_leaf(frozenset({leaves.index(sig)}))
        if isinstance(s, Concat):
            cur: _Nfa | None = None
            for lo, hi, item in s.items:
                sub = self.nfa(item, dom, leaves)
                if cur is None:
                    cur = sub if (lo, hi) == (0, 0) else _join(_nfa_leaf(_TRUE), sub, lo, hi)
                else:
                    cur = _join(cur, sub, lo, hi)
            assert cur is not None
            return cur
        if isinstance(s, Repeat):
            return _repeat(self.nfa(s.seq, dom, leaves), s.lo, s.hi)
        return _union(self.nfa(s.left, dom, leaves), self.nfa(s.right, dom, leaves))

    def guard(self, g: Guard, leaves: list[str]) -> str:
        return _and(*(leaves[i] for i in sorted(g)))

    def matcher(self, a: _Nfa, leaves: list[str], trig: str, dis: str, pfx: str,
                dom: _Domain) -> str:
        """Flags for the active states of all attempts of ``a`` started where ``trig`` is 1;
        returns the signal that is 1 when some attempt's match ends in this tick."""
        outgoing = {p for p, _g, _q in a.edges}
        regs: dict[int, str] = {}
        nxt: dict[int, list[str]] = {}
        for q in sorted(outgoing - {0}):
            regs[q] = self.names.fresh(f"{pfx}_s{q}")
            self.body.append(f"    logic {regs[q]} = 1'b0;")
            self.regs.append(regs[q])
        for p, g, q in a.edges:
            src = trig if p == 0 else regs[p]
            nxt.setdefault(q, []).append(_and(src, self.guard(g, leaves)))
        hits = {q: self.wire(f"{pfx}_n{q}", _or(*terms)) for q, terms in sorted(nxt.items())}
        for q, r in regs.items():
            nq = hits.get(q, "1'b0")
            dom.updates.append(f"        {r} <= {_and(nq, _not(dis))};")
        return self.wire(f"{pfx}_match", _or(*(hits[q] for q in sorted(a.finals) if q in hits)))

    def obligation(self, a: _Nfa, leaves: list[str], trig: str, dis: str, pfx: str,
                   dom: _Domain) -> str:
        """Flags per (state, age) for weak obligations of ``a`` started where ``trig`` is 1;
        returns the signal that is 1 when an obligation's last thread dies in this tick."""
        # ages (ticks consumed) at which each state can be active; the NFA is a DAG
        ages: dict[int, set[int]] = {0: {0}}
        by_src: dict[int, list[tuple[int, Guard, int]]] = {}
        for e in a.edges:
            by_src.setdefault(e[0], []).append(e)
        for p in _topo(a):
            if p in a.finals:  # a thread that reaches a final state satisfies the obligation
                continue
            for _p, _g, q in by_src.get(p, []):
                ages.setdefault(q, set()).update(k + 1 for k in ages.get(p, set()))
        max_age = max((k for s in ages.values() for k in s), default=0)
        regs: dict[tuple[int, int], str] = {}
        fails: list[str] = []
        if not by_src.get(0):  # nothing can match: the obligation fails where it starts
            fails.append(trig)
        for k in range(1, max_age + 1):
            layer_edges = [e for p in sorted(by_src) if (k - 1) in ages.get(p, ())
                           and p not in a.finals for e in by_src[p]]
            if not layer_edges:
                continue
            sources = sorted({p for p, _g, _q in layer_edges})
            src_sig = {p: (trig if p == 0 else regs[(p, k - 1)]) for p in sources}
            alive = _or(*src_sig.values())
            if len(sources) == 1:
                # one source: factor it out of the accept/continue terms
                (p0,) = sources
                acc_g = _or(*(self.guard(g, leaves) for _p, g, q in layer_edges
                              if q in a.finals))
                cont: dict[int, str] = {}
                for _p, g, q in layer_edges:
                    if q not in a.finals:
                        cont[q] = _or(cont.get(q, "1'b0"), self.guard(g, leaves))
                keep = _not(acc_g)  # threads continue unless the obligation was satisfied
                cont_any = _or(*cont.values())
                fails.append(_and(src_sig[p0], _not(acc_g), _not(cont_any)))
                nxt = {q: _and(src_sig[p0], g) for q, g in cont.items()}
            else:
                terms: dict[int, list[str]] = {}
                for p, g, q in layer_edges:
                    terms.setdefault(q, []).append(_and(src_sig[p], self.guard(g, leaves)))
                acc = self.wire(f"{pfx}_acc{k}",
                                _or(*(t for q, ts in terms.items() if q in a.finals
                                      for t in ts)))
                keep = _not(acc)
                nxt = {q: self.wire(f"{pfx}_n{k}_{q}", _or(*ts)) for q, ts in terms.items()
                       if q not in a.finals}
                fails.append(_and(alive, _not(acc), _not(_or(*nxt.values()))))
            for q, n in sorted(nxt.items()):
                r = self.names.fresh(f"{pfx}_a{k}_s{q}")
                regs[(q, k)] = r
                self.body.append(f"    logic {r} = 1'b0;")
                self.regs.append(r)
                dom.updates.append(f"        {r} <= {_and(n, keep, _not(dis))};")
        return self.wire(f"{pfx}_fail", _or(*fails))

    def prop(self, p: Prop, trig: str, dis: str, pfx: str, dom: _Domain) -> list[str]:
        leaves: list[str] = []
        if isinstance(p, Implication):
            ante = self.nfa(p.antecedent, dom, leaves)
            if not p.overlapped:
                ante = _join(ante, _nfa_leaf(_TRUE), 1, 1)
            ante = _prune(ante, keep_empty=False)
            match = self.matcher(ante, leaves, trig, dis, f"{pfx}_t", dom)
            return self.prop(p.consequent, match, dis, pfx + "_c", dom)
        cons = self.nfa(p, dom, leaves)
        if 0 in cons.finals:
            raise UnsupportedSva(
                "a sequence that can match empty (e.g. 'a[*0:1]') used as a property is not "
                "allowed (IEEE 1800 16.12.2).", file=self.source_file, line=self.prop_line)
        cons = _prune(cons)
        return [self.obligation(cons, leaves, trig, dis, f"{pfx}_o", dom)]

    # -- a whole property -------------------------------------------------------------------
    def lower(self, p: PropertyAst, name: str, label: str) -> LoweredProperty:
        self.prop_line = p.line
        clock, edge = p.clock, p.edge
        if clock is None:
            dclk = self.design.clock
            if dclk is None:
                raise InputError("the property has no clocking event and the design has no "
                                 "clock.", file=p.source_file, line=p.line,
                                 hint="Write '@(posedge clk)' at the start of the property.")
            clock, edge = dclk.name, dclk.edge
            if clock not in p.signals:
                self._signal(clock, p)
        for s in p.signals:
            self._signal(s, p)
        for q in p.parameters:
            if q not in self.params:
                self.params.append(q)
        dom = self.domain(clock, edge)
        dom.depth = max(dom.depth, p.past_depth)
        self.regs = []
        self.body.append(f"    // {name} ({p.source_file}:{p.line}): {' '.join(p.text.split())}")
        pfx = f"dv_{name}"
        dis = "1'b0"
        if p.disable is not None:
            dis = self.wire(f"{pfx}_disable", self.leaf(p.disable, dom))
        pv = "1'b1" if p.past_depth == 0 else f"{dom.pv}[{p.past_depth - 1}]"
        start = self.wire(f"{pfx}_start", _and(pv, _not(dis)))
        try:
            if p.kind == "cover":
                assert not isinstance(p.body, Implication)
                leaves: list[str] = []
                a = self.nfa(p.body, dom, leaves)
                a = _prune(a, keep_empty=False)
                hit = self.matcher(a, leaves, start, dis, f"{pfx}_t", dom)
                out = self._named(f"{pfx}_match", _and(hit, _not(dis)))
            else:
                fails = self.prop(p.body, start, dis, pfx, dom)
                out = _and(_or(*fails), _not(dis))
                out = self._named(f"{pfx}_fail", out)
        except _TooLarge as exc:
            raise UnsupportedSva(f"the sequence needs more than {MAX_NFA_STATES} monitor states "
                                 f"({exc.args[0]}).", file=p.source_file, line=p.line,
                                 hint="Reduce the delay/repetition bounds.") from None
        pending = self._named(f"{pfx}_pending", _or(*self.regs))
        verb = {"assert": "assert", "assume": "assume", "cover": "cover"}[p.kind]
        check = f"({out})" if p.kind == "cover" else f"(!{out})"
        dom.checks.append(f"        {label}: {verb} {check};")
        return LoweredProperty(name=name, kind=p.kind, source_file=p.source_file,
                               source_line=p.line, text=p.text, fail_signal=out,
                               pending_signal=pending)

    def _named(self, base: str, expr: str) -> str:
        """A wire with its own name even when ``expr`` is already a plain signal or constant
        (the fail signal must be a monitor signal the engine can look up)."""
        name = self.names.fresh(base)
        self.body.append(f"    logic {name};")
        self.body.append(f"    assign {name} = {expr};")
        return name

    def _signal(self, name: str, p: PropertyAst) -> None:
        if name in self.signals:
            return
        sig = self.design.signal(name)
        port = self.design.port(name)
        if sig is None and port is None:
            raise InputError(f"the property reads {name!r}, which is not a signal of module "
                             f"{self.design.top!r}.", file=p.source_file, line=p.line)
        self.signals.append(name)

    # -- the module text ----------------------------------------------------------------------
    def module_text(self, module: str, props: list[LoweredProperty]) -> str:
        d = self.design
        ports = []
        for name in self.signals:
            sig = d.signal(name)
            port = d.port(name)
            width = sig.width if sig is not None else port.width if port is not None else 1
            signed = sig.signed if sig is not None else bool(port and port.signed)
            mem = sig is not None and sig.kind == "memory"
            decl = _signal_decl(name, max(width, 1), signed, sig.depth if mem else 1,
                                sig.dims if mem else "")
            ports.append(f"    input {decl}")
        lines = [
            f"// Generated by dv (dv/formal/sva.py) from {self.source_file}: monitor logic for",
            f"// the concurrent SVA properties of {d.top}; one immediate check per property.",
            f"module {module} (",
            ",\n".join(ports),
            ");",
        ]
        for q in self.params:
            value = d.param_value(q)
            if isinstance(value, int):
                lines.append(f"    localparam {q} = {_int_literal(value)};")
        for dom in self.domains.values():
            if dom.depth:
                lines.append(f"    logic [{dom.depth - 1}:0] {dom.pv} = '0;")
                nxt = "1'b1" if dom.depth == 1 else f"{{{dom.pv}[{dom.depth - 2}:0], 1'b1}}"
                dom.updates.insert(0, f"        {dom.pv} <= {nxt};")
        lines += self.body
        for dom in self.domains.values():
            lines.append(f"    always @({dom.edge} {dom.clock}) begin")
            lines += dom.updates
            lines += dom.checks
            lines.append("    end")
        lines.append("endmodule")
        conns = ", ".join(f".{s}({s})" for s in self.signals)
        lines.append(f"bind {d.top} {module} dv_mon_i ({conns});")
        return "\n".join(lines) + "\n"


def _topo(a: _Nfa) -> list[int]:
    indeg = [0] * a.n
    succ: dict[int, list[int]] = {}
    for p, _g, q in a.edges:
        indeg[q] += 1
        succ.setdefault(p, []).append(q)
    ready = [q for q in range(a.n) if indeg[q] == 0]
    order: list[int] = []
    while ready:
        p = ready.pop()
        order.append(p)
        for q in succ.get(p, []):
            indeg[q] -= 1
            if indeg[q] == 0:
                ready.append(q)
    if len(order) != a.n:  # pragma: no cover - bounded constructs build DAGs
        raise AssertionError("sequence NFA has a cycle")
    return order


def lower_properties(props: Sequence[SvaProperty], design: Design, *,
                     source_file: str) -> LoweredModule:
    """Lower ``props`` (read from ``source_file``) into one monitor module bound into
    ``design.top``. Raises :class:`UnsupportedSva` / :class:`InputError` naming file and line."""
    em = _Emitter(design, source_file)
    module = em.names.fresh(f"{design.top}_dv_monitor")
    parsed: list[tuple[PropertyAst, str]] = []
    used: set[str] = set()
    for i, sp in enumerate(props):
        p = parse_property(sp.text, source_file=source_file, line=sp.line, design=design,
                           kind=sp.kind, label=sp.label)
        name = p.label or f"{p.kind}_{i}"
        if p.label is not None and name in used:
            raise InputError(f"two properties are named {name!r}.", file=source_file,
                             line=sp.line, hint="Give each property its own label.")
        used.add(name)
        parsed.append((p, name))
    for _p, name in parsed:  # labels first, so generated names keep out of their way
        if name in em.names.taken:
            continue
        em.names.taken.add(name)
    out: list[LoweredProperty] = []
    labels: set[str] = set()
    for p, name in parsed:
        label = name
        if name in labels or name in {s.name for s in design.signals} or \
                name in {q.name for q in design.parameters} or name in _SV_KEYWORDS:
            label = em.names.fresh(f"{name}_check")
        labels.add(label)
        out.append(em.lower(p, name, label))
    return LoweredModule(module_name=module, text=em.module_text(module, out), properties=out)
