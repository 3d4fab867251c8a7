"""The source map: every procedural statement and continuous assignment, with its guards.

A coverage hole names a file and line; to turn it into a formal cover target we need to know
which statement is there and what must be true for control to reach it. This module walks the
elaborated statement trees that pyslang builds and records, for each statement, the guarding
conditions outermost first, each written from the source text of the condition so a person
recognises it:

- the ``if`` arm of ``if (c)`` carries ``c``; the ``else`` arm carries ``!(c)`` (an ``if`` with no
  ``else`` still gets an *implicit* ``else`` entry at the ``if`` line, for branch coverage);
- a case item ``L1, L2:`` of ``case (sel)`` carries ``(sel) == L1 || (sel) == L2`` (``==?`` for
  ``casez``/``casex``, ``(sel) inside {L}`` for ``case inside``); when an earlier item's label may
  match the same value (equal constants, overlapping wildcards, or a label that is not constant)
  the item also carries the negation of those earlier labels, so the condition stays exact;
- ``default`` carries ``!(...)`` of every label of the statement.

Each condition is a complete expression on its own; join several with ``(c1) && (c2)``. Conditions
are in terms of the values the variables hold when the test is evaluated (a blocking assignment
earlier in the same process can change them). Loop bodies carry the guards around the loop, not
the loop's own test (in RTL loops have constant bounds). ``case ... matches`` (pattern case) items
are not split into arms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyslang
from pyslang import ast, parsing
from pyslang import syntax as sx

from dv.design.model import SourceMap, Statement
from dv.design.paths import relative_path

_SK = ast.StatementKind
_LOOPS = {_SK.ForLoop, _SK.RepeatLoop, _SK.ForeachLoop, _SK.WhileLoop, _SK.DoWhileLoop,
          _SK.ForeverLoop}
_SKIP = {_SK.Empty, _SK.VariableDeclaration, _SK.Invalid}
_SIGNAL_KINDS = {ast.SymbolKind.Net, ast.SymbolKind.Variable}


# -- source text -----------------------------------------------------------------------------


class SourceText:
    """Positions and text of syntax, with files named the way dv names them (see ``paths``)."""

    def __init__(self, sm: pyslang.SourceManager, root: Path) -> None:
        self.sm = sm
        self.root = root
        self._names: dict[int, str] = {}
        self._texts: dict[int, str] = {}
        self.used: dict[str, int] = {}  # file name -> buffer id, for every file a statement is in

    def expand(self, loc: pyslang.SourceLocation) -> pyslang.SourceLocation:
        """The location in a real file (the macro usage site for text that came from a macro)."""
        if self.sm.isMacroLoc(loc):
            return self.sm.getFullyExpandedLoc(loc)
        return loc

    def file_name(self, loc: pyslang.SourceLocation) -> str:
        buf = loc.buffer
        name = self._names.get(buf.id)
        if name is None:
            full = str(self.sm.getFullPath(buf))
            if not full or full == ".":
                full = self.sm.getFileName(loc)
            name = relative_path(full, self.root) if full and not full.startswith("<") else full
            self._names[buf.id] = name
        return name

    def buffer_text(self, buf: pyslang.BufferID) -> str:
        text = self._texts.get(buf.id)
        if text is None:
            text = self.sm.getSourceText(buf).rstrip("\x00")
            self._texts[buf.id] = text
        return text

    def position(self, loc: pyslang.SourceLocation) -> tuple[str, int, int]:
        """(file, line, column) of a location, 1-based."""
        loc = self.expand(loc)
        return self.file_name(loc), self.sm.getLineNumber(loc), self.sm.getColumnNumber(loc)

    def first_line(self, start: pyslang.SourceLocation, end: pyslang.SourceLocation) -> str:
        """The text from ``start`` to ``end`` or the end of ``start``'s line, whichever is first."""
        start, end = self.expand(start), self.expand(end)
        text = self.buffer_text(start.buffer)
        stop = text.find("\n", start.offset)
        if stop < 0:
            stop = len(text)
        if end.buffer == start.buffer and start.offset <= end.offset < stop:
            stop = end.offset
        return text[start.offset:stop].strip()

    def lines(self, buffer_id: int) -> list[str]:
        text = self._texts.get(buffer_id, "")
        out = [ln.rstrip("\r") for ln in text.split("\n")]
        if out and out[-1] == "":
            out.pop()
        return out

    def note_file(self, loc: pyslang.SourceLocation) -> str:
        loc = self.expand(loc)
        name = self.file_name(loc)
        if name not in self.used:
            self.buffer_text(loc.buffer)
            self.used[name] = loc.buffer.id
        return name


def tokens(node: object) -> Iterator[parsing.Token]:
    """The tokens of a syntax node, in order."""
    if isinstance(node, parsing.Token):
        if not node.isMissing:
            yield node
        return
    if node is None:
        return
    for child in node:  # type: ignore[attr-defined]
        yield from tokens(child)


def node_text(node: object) -> str:
    """The source text of a syntax node on one line: tokens as written, comments dropped, any run
    of whitespace between tokens written as one space."""
    parts: list[str] = []
    for tok in tokens(node):
        if parts and tok.trivia:
            parts.append(" ")
        parts.append(tok.rawText)
    return "".join(parts)


def syntax_nodes(items: Iterable[object]) -> list[sx.SyntaxNode]:
    """The nodes of a separated syntax list (the separators dropped)."""
    return [x for x in items if isinstance(x, sx.SyntaxNode)]


def signals_in(expr: ast.Expression | None) -> list[str]:
    """Names of module-level nets and variables an expression reads (not parameters, enum
    values, loop variables or subroutine arguments), first appearance first."""
    out: list[str] = []
    if expr is None:
        return out

    def visit(node: object) -> None:
        if isinstance(node, ast.NamedValueExpression):
            sym = node.symbol
            if (sym.kind in _SIGNAL_KINDS and not sym.parentScope.isProceduralContext
                    and sym.name not in out):
                out.append(sym.name)

    expr.visit(visit)
    return out


_NAME = r"[A-Za-z_$][\w$]*(?:::[A-Za-z_$][\w$]*)*"
_NUMBER = r"(?:\d[\d_]*)?'[sS]?[bBoOdDhH][0-9a-fA-FxXzZ?_]+|\d[\d_]*|'[01xXzZ]"
_PLAIN = re.compile(rf"(?:{_NUMBER}|{_NAME}(?:\.{_NAME})*)")


def _is_atom(text: str) -> bool:
    """True when ``text`` needs no parentheses as an operand of ``==``: a name, a number, a
    bracketed or braced expression, or a name followed by selects (``a[3]``, ``m[i][j]``)."""
    if _PLAIN.fullmatch(text):
        return True
    if text[:1] in "({" and _closes_at_end(text):
        return True
    m = _PLAIN.match(text)
    if m is None or not text.endswith("]") or text[m.end():m.end() + 1] != "[":
        return False
    rest = text[m.end():]
    while rest:
        if rest[0] != "[" or not _closes_at_end(rest[:_close_index(rest) + 1]):
            return False
        rest = rest[_close_index(rest) + 1:]
    return True


def _close_index(text: str) -> int:
    """Index of the bracket that closes the one opening ``text``."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return len(text) - 1


def _closes_at_end(text: str) -> bool:
    """True when the bracket opened by the first character closes at the last one."""
    return bool(text) and _close_index(text) == len(text) - 1 and text.count("(") + \
        text.count("[") + text.count("{") == text.count(")") + text.count("]") + text.count("}")


def paren(text: str) -> str:
    return text if _is_atom(text) else f"({text})"


# -- the walk --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guard:
    text: str
    signals: tuple[str, ...]


@dataclass(frozen=True)
class _Label:
    text: str  # the match term, e.g. "(sel) == 2'b10"
    bits: str | None  # the label's constant value as bits, None when not constant
    signals: tuple[str, ...]


@dataclass
class _Process:
    header: str
    module: str
    scope: ast.Symbol  # for constant evaluation of case labels


class SourceMapBuilder:
    """Collects :class:`Statement` records from instance bodies; see the module docstring."""

    def __init__(self, text: SourceText) -> None:
        self.text = text
        self.statements: list[Statement] = []
        self._seen: set[Statement] = set()
        self._bodies: set[tuple[str, str]] = set()

    # -- members -------------------------------------------------------------------------
    def add_body(self, body: ast.InstanceBodySymbol, *, recurse: bool = True) -> None:
        """Statements of one module body, then (``recurse``) of every module instance below it.
        Bodies of the same module with the same parameter values are walked once."""
        key = (body.definition.name, ";".join(f"{p.name}={getattr(p, 'value', '')}"
                                              for p in body.parameters))
        if key in self._bodies:
            return
        self._bodies.add(key)
        children: list[ast.InstanceSymbol] = []
        self._members(body, body.definition.name, children)
        if recurse:
            for inst in children:
                if inst.isModule:
                    self.add_body(inst.body)

    def _members(self, scope: Iterable[ast.Symbol], module: str,
                 children: list[ast.InstanceSymbol]) -> None:
        for m in scope:
            if isinstance(m, ast.ProceduralBlockSymbol):
                self._process(m, module)
            elif isinstance(m, ast.ContinuousAssignSymbol):
                self._assign(m.syntax, m, module)
            elif isinstance(m, ast.NetSymbol) and m.initializer is not None:
                self._assign(m.syntax, m, module)
            elif isinstance(m, ast.GenerateBlockSymbol):
                if not m.isUninstantiated:
                    self._members(m, module, children)
            elif isinstance(m, ast.GenerateBlockArraySymbol):
                for entry in m.entries:
                    self._members([entry], module, children)
            elif isinstance(m, ast.SubroutineSymbol):
                self._subroutine(m, module)
            elif isinstance(m, ast.InstanceSymbol):
                children.append(m)
            elif isinstance(m, ast.InstanceArraySymbol):
                self._members(m, module, children)

    def _process(self, proc: ast.ProceduralBlockSymbol, module: str) -> None:
        header = process_header(proc)
        body = proc.body
        if body.kind == _SK.Timed and isinstance(proc.syntax, sx.ProceduralBlockSyntax) and \
                isinstance(proc.syntax.statement, sx.TimingControlStatementSyntax):
            body = body.stmt  # the sensitivity list is part of the header
        self._walk(body, (), _Process(header, module, proc))

    def _subroutine(self, sub: ast.SubroutineSymbol, module: str) -> None:
        body = sub.body
        if body is None:
            return
        kind = "task" if sub.subroutineKind == ast.SubroutineKind.Task else "function"
        self._walk(body, (), _Process(f"{kind} {sub.name}", module, sub))

    def _assign(self, node: sx.SyntaxNode | None, sym: ast.Symbol, module: str) -> None:
        if node is None:
            return
        parent = node.parent
        if parent is not None and len(syntax_nodes(_assignments(parent))) == 1:
            node = parent  # "assign x = y;" / "wire x = y;" with the keyword
        rng = node.sourceRange
        self._emit("assign", rng.start, rng.end, (), _Process("assign", module, sym))

    # -- statements ----------------------------------------------------------------------
    def _walk(self, s: ast.Statement, guards: tuple[Guard, ...], proc: _Process) -> None:
        k = s.kind
        if k == _SK.List:
            for item in s.list:
                self._walk(item, guards, proc)
        elif k == _SK.Block:
            if isinstance(s.syntax, sx.BlockStatementSyntax):
                self._emit_node("block", s.syntax, guards, proc)
            self._walk(s.body, guards, proc)
        elif k == _SK.Timed:
            if s.stmt.kind == _SK.Empty:
                self._emit_node("statement", s.syntax, guards, proc)
            else:
                self._walk(s.stmt, guards, proc)
        elif k == _SK.Conditional:
            self._if(s, guards, proc)
        elif k == _SK.Case:
            self._case(s, guards, proc)
        elif k in _LOOPS:
            self._emit_node("loop", s.syntax, guards, proc)
            self._walk(s.body, guards, proc)
        elif k not in _SKIP:
            self._emit_node("statement", s.syntax, guards, proc)

    def _if(self, s: ast.ConditionalStatement, guards: tuple[Guard, ...], proc: _Process) -> None:
        syn = s.syntax
        if not isinstance(syn, sx.ConditionalStatementSyntax):
            return
        conds = syntax_nodes(syn.predicate.conditions)
        if len(conds) == 1:
            text = node_text(conds[0])
        else:
            text = " && ".join(paren(node_text(c)) for c in conds)
        sigs: list[str] = []
        for c in s.conditions:
            sigs += [n for n in signals_in(c.expr) if n not in sigs]
        yes = Guard(text, tuple(sigs))
        no = Guard(f"!({text})", tuple(sigs))
        start = syn.sourceRange.start
        self._emit("if", start, syn.statement.sourceRange.end, guards + (yes,), proc)
        self._walk(s.ifTrue, guards + (yes,), proc)
        if s.ifFalse is not None and syn.elseClause is not None:
            clause = syn.elseClause
            self._emit("else", clause.elseKeyword.location, clause.sourceRange.end,
                       guards + (no,), proc)
            self._walk(s.ifFalse, guards + (no,), proc)
        else:
            self._emit("else", start, syn.statement.sourceRange.end, guards + (no,), proc,
                       implicit=True)

    def _case(self, s: ast.CaseStatement, guards: tuple[Guard, ...], proc: _Process) -> None:
        syn = s.syntax
        if not isinstance(syn, sx.CaseStatementSyntax):
            return
        self._emit_node("case", syn, guards, proc)
        sel = node_text(syn.expr)
        sel_sigs = signals_in(s.expr)
        mode = s.condition
        std = [it for it in syn.items if isinstance(it, sx.StandardCaseItemSyntax)]
        default = next((it for it in syn.items if isinstance(it, sx.DefaultCaseItemSyntax)), None)
        sem_items = list(s.items)
        earlier: list[_Label] = []
        for sem, item in zip(sem_items, std, strict=False):
            nodes = syntax_nodes(item.expressions)
            labels = [
                _Label(_match(sel, node_text(node), mode), _const_bits(expr, proc.scope),
                       tuple(signals_in(expr)))
                for expr, node in zip(sem.expressions, nodes, strict=False)
            ]
            mine = " || ".join(lb.text for lb in labels)
            before = [e for e in earlier if any(_may_overlap(e, lb, mode) for lb in labels)]
            text = mine
            if before:
                text = f"!({' || '.join(e.text for e in before)}) && ({mine})"
            guard = Guard(text, _union(sel_sigs, *(lb.signals for lb in labels + before)))
            self._emit("case_item", nodes[0].sourceRange.start if nodes else item.sourceRange.start,
                       item.sourceRange.end, guards + (guard,), proc)
            self._walk(sem.stmt, guards + (guard,), proc)
            earlier += labels
        if default is not None and s.defaultCase is not None:
            inner = guards
            if earlier:
                text = f"!({' || '.join(e.text for e in earlier)})"
                inner = guards + (Guard(text, _union(sel_sigs, *(e.signals for e in earlier))),)
            self._emit("default", default.sourceRange.start, default.sourceRange.end, inner, proc)
            self._walk(s.defaultCase, inner, proc)

    # -- records -------------------------------------------------------------------------
    def _emit_node(self, kind: str, node: sx.SyntaxNode | None, guards: tuple[Guard, ...],
                   proc: _Process) -> None:
        if node is None:
            return
        rng = node.sourceRange
        self._emit(kind, rng.start, rng.end, guards, proc)

    def _emit(self, kind: str, start: pyslang.SourceLocation, end: pyslang.SourceLocation,
              guards: tuple[Guard, ...], proc: _Process, *, implicit: bool = False) -> None:
        file = self.text.note_file(start)
        _, line, _ = self.text.position(start)
        _, end_line, _ = self.text.position(end)
        if implicit:
            end_line = line
        st = Statement(
            file=file, line=line, end_line=max(line, end_line), kind=kind,
            text=self.text.first_line(start, end),
            conditions=tuple(g.text for g in guards),
            signals=_union(*(g.signals for g in guards)),
            process=proc.header, module=proc.module, implicit=implicit,
        )
        if st not in self._seen:
            self._seen.add(st)
            self.statements.append(st)

    def source_map(self, extra_files: Iterable[str] = ()) -> SourceMap:
        """The statements found so far, with the lines of every file they are in."""
        smap = SourceMap()
        for name, buf in sorted(self.text.used.items()):
            smap.lines[name] = self.text.lines(buf)
        for name in extra_files:
            if name not in smap.lines:
                try:
                    smap.lines[name] = Path(self.text.root, name).read_text(
                        encoding="utf-8", errors="replace").splitlines()
                except OSError:
                    smap.lines[name] = []
        smap.statements = sorted(self.statements,
                                 key=lambda st: (st.file, st.line, st.implicit, -st.end_line))
        return smap


def process_header(proc: ast.ProceduralBlockSymbol) -> str:
    """``always_ff @(posedge clk or negedge rst_n)``, ``always_comb``, ``initial``, ..."""
    syn = proc.syntax
    if not isinstance(syn, sx.ProceduralBlockSyntax):
        return str(proc.procedureKind.name).lower()
    head = syn.keyword.rawText
    if isinstance(syn.statement, sx.TimingControlStatementSyntax):
        head += " " + node_text(syn.statement.timingControl)
    return head


def _assignments(parent: sx.SyntaxNode) -> Iterable[object]:
    if isinstance(parent, sx.ContinuousAssignSyntax):
        return parent.assignments
    declarators = getattr(parent, "declarators", None)
    return declarators if declarators is not None else ()


def _match(sel: str, label: str, mode: ast.CaseStatementCondition) -> str:
    if mode == ast.CaseStatementCondition.Inside:
        return f"({sel}) inside {{{label}}}"
    op = "==" if mode == ast.CaseStatementCondition.Normal else "==?"
    return f"({sel}) {op} {paren(label)}"


def _const_bits(expr: ast.Expression, scope: ast.Symbol) -> str | None:
    """The value of a constant case label as a string of 0/1/x/z, or None when not constant."""
    try:
        value = expr.eval(ast.EvalContext(scope)).value
    except Exception:  # noqa: BLE001 - pyslang raises assorted errors for odd expressions
        return None
    if not isinstance(value, pyslang.SVInt):
        return None
    bits = value.toString(pyslang.LiteralBase.Binary, False).lower().replace("?", "z")
    return bits.rjust(value.bitWidth, "0")


def _may_overlap(a: _Label, b: _Label, mode: ast.CaseStatementCondition) -> bool:
    """Could one value of the case expression match both labels?"""
    if a.bits is None or b.bits is None:
        return True
    width = max(len(a.bits), len(b.bits))
    x, y = a.bits.rjust(width, "0"), b.bits.rjust(width, "0")
    if mode == ast.CaseStatementCondition.Normal:
        return x == y
    wild = "z" if mode == ast.CaseStatementCondition.WildcardJustZ else "xz"
    return all(p == q or p in wild or q in wild for p, q in zip(x, y, strict=True))


def _union(*groups: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for group in groups:
        out += [n for n in group if n not in out]
    return tuple(out)
