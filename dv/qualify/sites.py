"""Mutation sites found in the pyslang syntax tree of the RTL, and the text of mutated copies.

A :class:`Site` is one small planted bug at one place in the source: an operator swapped, an
``if`` condition negated, an enable inverted (the condition of an ``if`` without ``else`` in a
clocked block, i.e. a register's update enable, and each plain signal in such a condition's
``&&`` chain), a constant changed (off by one, top bit flipped), an assignment's
right-hand side stuck at all zeros / all ones, a reset value inverted, an ``else`` or ``case``
arm dropped. Its id is stable across runs: ``file:line:column:kind[:detail]``.

Only run-time code is mutated: continuous assignments and ``always*`` blocks (also inside
generate blocks). Elaboration-time code is never touched: parameter and localparam
declarations, functions and tasks (constant functions among them), generate conditions and
loop headers, widths, ranges, bit/part selects, cast sizes, replication counts, case item
labels, event controls, ``for`` loop headers, and assertions (they are the checks, not the
design).

:func:`schema_text` writes one copy of a file in which every chosen site ``e`` becomes
``(dv_mut_sel == K ? mutated_e : e)`` (a statement site: ``begin if (dv_mut_sel != K) s end``),
``dv_mut_sel`` being an ``int`` read from the plusarg ``+dv_mut=K`` at time zero; no newline is
added, so every line keeps its number and Verilator's messages point at the original lines.
:func:`mutant_text` writes the plain mutant (one site mutated, no selector) for comparison.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyslang import parsing
from pyslang import syntax as sx

from dv.errors import InputError

SELECTOR = "dv_mut_sel"
PLUSARG = "dv_mut"

# operator swaps: one replacement per operator (token text -> (replacement, class))
SWAPS: dict[str, tuple[str, str]] = {
    "==": ("!=", "relational"), "!=": ("==", "relational"),
    "===": ("!==", "relational"), "!==": ("===", "relational"),
    "<": ("<=", "relational"), "<=": ("<", "relational"),
    ">": (">=", "relational"), ">=": (">", "relational"),
    "&&": ("||", "logical"), "||": ("&&", "logical"),
    "+": ("-", "arithmetic"), "-": ("+", "arithmetic"), "*": ("+", "arithmetic"),
    "&": ("|", "bitwise"), "|": ("&", "bitwise"), "^": ("&", "bitwise"),
    "<<": (">>", "shift"), ">>": ("<<", "shift"),
}
_BINARY_KINDS = {
    "EqualityExpression", "InequalityExpression", "CaseEqualityExpression",
    "CaseInequalityExpression", "LessThanExpression", "LessThanEqualExpression",
    "GreaterThanExpression", "GreaterThanEqualExpression", "LogicalAndExpression",
    "LogicalOrExpression", "AddExpression", "SubtractExpression", "MultiplyExpression",
    "BinaryAndExpression", "BinaryOrExpression", "BinaryXorExpression",
    "LogicalShiftLeftExpression", "LogicalShiftRightExpression",
}
_ASSIGN_KINDS = {"AssignmentExpression", "NonblockingAssignmentExpression"}
_PROCEDURAL = {"AlwaysBlock", "AlwaysFFBlock", "AlwaysCombBlock", "AlwaysLatchBlock"}
# subtrees never entered: elaboration-time code, selects, checks, timing
_SKIP = {
    "ParameterDeclaration", "TypeParameterDeclaration", "ParameterDeclarationStatement",
    "FunctionDeclaration", "TaskDeclaration", "ElementSelect", "VariableDimension",
    "EventControlWithExpression", "EventControl", "DelayControl", "RepeatedEventControl",
    "ImmediateAssertStatement", "ImmediateAssumeStatement", "ImmediateCoverStatement",
    "AssertPropertyStatement", "AssumePropertyStatement", "CoverPropertyStatement",
    "ConcurrentAssertionMember", "ImmediateAssertionMember", "PropertyDeclaration",
    "SequenceDeclaration", "CovergroupDeclaration", "ForLoopStatement", "ForeverStatement",
    "LoopStatement", "DoWhileStatement", "ForeachLoopStatement", "SystemTimingCheck",
    "InitialBlock", "FinalBlock",
}
_RUNTIME_SYSTEM = {"$signed", "$unsigned"}  # system calls whose arguments are mutated
_RESET_NAME = re.compile(r"(^|_)(rst|reset|rstn|rst_n|reset_n|areset|arst)(_n|_ni|n)?$", re.I)
_VECTOR = re.compile(r"^(\d+)\s*'\s*([sS]?)([bBoOdDhH])\s*([0-9a-fA-F_]+)$")
_BASES = {"b": 2, "o": 8, "d": 10, "h": 16}

# (a select condition c ? a : b negated is kind "negate", detail "select")
# when sites cover the same text, the one of higher rank wraps the lower
_RANK = {"binop": 0, "enable": 0, "const": 1, "negate": 2, "stuck0": 3, "stuck1": 3, "reset": 3,
         "drop-else": 4, "drop-case": 4}


@dataclass
class Site:
    file: str  # as given (relative to the project root when the manifest says so)
    line: int
    column: int
    kind: str  # binop | negate | enable | const | stuck0 | stuck1 | reset | drop-else | drop-case
    detail: str  # e.g. "==->!=", "4'd2->4'd3", "count"
    description: str
    start: int  # byte offsets of the text the site replaces
    end: int
    klass: str = ""  # relational | logical | arithmetic | bitwise | shift | ... (binop)
    # how the mutated text is made: render(start, end) renders a sub-range with inner sites
    _mutate: Callable[[Callable[[int, int], str]], str] = field(repr=False, default=None)  # type: ignore[assignment]
    statement: bool = False

    @property
    def id(self) -> str:
        tail = f":{self.detail}" if self.detail else ""
        return f"{self.file}:{self.line}:{self.column}:{self.kind}{tail}"

    def to_json(self) -> dict:
        return {"id": self.id, "file": self.file, "line": self.line, "column": self.column,
                "kind": self.kind, "class": self.klass, "detail": self.detail,
                "description": self.description}


def _kind(node: object) -> str:
    return str(node.kind).rsplit(".", 1)[-1]  # type: ignore[attr-defined]


def _children(node: object) -> list:
    try:
        return [c for c in node if c is not None]  # type: ignore[attr-defined]
    except TypeError:
        return []


class _Finder:
    def __init__(self, text: str, file: str, buffer: object) -> None:
        self.text = text
        self.file = file
        self.buffer = buffer
        self.sites: list[Site] = []
        self.clocked = False  # inside a clocked always block (always_ff, always @(posedge ..))
        self._line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    # --- positions ---------------------------------------------------------------------------
    def _ok(self, node: object) -> bool:
        r = node.sourceRange  # type: ignore[attr-defined]
        return r.start.buffer == self.buffer and r.end.buffer == self.buffer

    def _span(self, node: object) -> tuple[int, int]:
        r = node.sourceRange  # type: ignore[attr-defined]
        return r.start.offset, r.end.offset

    def _linecol(self, offset: int) -> tuple[int, int]:
        import bisect

        i = bisect.bisect_right(self._line_starts, offset) - 1
        return i + 1, offset - self._line_starts[i] + 1

    def _add(self, node: object, kind: str, detail: str, description: str,
             mutate: Callable, *, klass: str = "", span: tuple[int, int] | None = None,
             at: int | None = None, statement: bool = False) -> None:
        if not self._ok(node):
            return  # from a macro expansion or an include: not this file's text
        s, e = span or self._span(node)
        line, col = self._linecol(at if at is not None else s)
        self.sites.append(Site(self.file, line, col, kind, detail, description, s, e, klass,
                               mutate, statement))

    # --- walking -----------------------------------------------------------------------------
    def members(self, node: object) -> None:
        k = _kind(node)
        if k in _SKIP:
            return
        if k == "NetDeclaration" or k == "DataDeclaration":  # wire x = e; (not data: once)
            if k == "NetDeclaration":
                for d in node.declarators:  # type: ignore[attr-defined]
                    init = d.initializer
                    if init is not None:
                        self.assignment(init, reset=False, lhs=d.name.valueText)
            return
        if k == "ContinuousAssign":
            for a in node.assignments:  # type: ignore[attr-defined]
                if _kind(a) == "AssignmentExpression":
                    self.assignment(a, reset=False)
            return
        if k in _PROCEDURAL:
            body = node.statement  # type: ignore[attr-defined]
            self.clocked = k == "AlwaysFFBlock" or (
                _kind(body) == "TimingControlStatement"
                and re.search(r"\b(posedge|negedge)\b", str(body.timingControl)) is not None)
            self.statement(body, reset=False)
            self.clocked = False
            return
        if k == "LoopGenerate":  # the header is elaboration-time; the body is design
            self.members(node.block)  # type: ignore[attr-defined]
            return
        if k == "IfGenerate":  # the condition is elaboration-time; the blocks are design
            self.members(node.block)  # type: ignore[attr-defined]
            if node.elseClause is not None:  # type: ignore[attr-defined]
                self.members(node.elseClause.clause)  # type: ignore[attr-defined]
            return
        if k == "CaseGenerate":
            for item in node.items:  # type: ignore[attr-defined]
                self.members(item.clause)
            return
        for c in _children(node):
            if not isinstance(c, parsing.Token):
                self.members(c)

    def statement(self, node: object, *, reset: bool) -> None:
        if node is None or isinstance(node, parsing.Token):
            return
        k = _kind(node)
        if k in _SKIP:
            return
        if k == "TimingControlStatement":
            self.statement(node.statement, reset=reset)  # type: ignore[attr-defined]
            return
        if k == "ConditionalStatement":
            self.conditional(node, reset=reset)
            return
        if k == "CaseStatement":
            self.expression(node.expr)  # type: ignore[attr-defined]
            for item in node.items:  # type: ignore[attr-defined]
                ik = _kind(item)
                if ik in ("StandardCaseItem", "DefaultCaseItem"):
                    stmt = item.clause  # type: ignore[attr-defined]
                    if ik == "StandardCaseItem" and not reset:
                        a = item.sourceRange.start.offset
                        label = _short(self.text[a:self._span(stmt)[0]].rstrip().rstrip(":"))
                        self._drop(stmt, "drop-case", label, f"case arm '{label}' dropped")
                    self.statement(stmt, reset=reset)
            return
        if k == "ExpressionStatement":
            e = node.expr  # type: ignore[attr-defined]
            if _kind(e) in _ASSIGN_KINDS:
                self.assignment(e, reset=reset)
            else:
                self.expression(e)
            return
        for c in _children(node):  # blocks and anything else with statements inside
            if isinstance(c, parsing.Token):
                continue
            ck = _kind(c)
            if ck.endswith("Statement") or ck.endswith("Block") or ck == "SyntaxList":
                self.statement(c, reset=reset)

    def conditional(self, node: object, *, reset: bool) -> None:
        pred = node.predicate  # type: ignore[attr-defined]
        conds = list(pred.conditions)
        cond_text = str(pred).strip()
        is_reset = len(conds) == 1 and _is_reset_test(cond_text)
        if not is_reset and len(conds) == 1 and conds[0].matchesClause is None:
            expr = conds[0].expr
            s, e = self._span(expr)
            if self.clocked and not reset and node.elseClause is None:  # type: ignore[attr-defined]
                self.enables(expr)  # a register's update enable
                self._add(expr, "enable", "", f"enable '{_short(cond_text)}' inverted (the "
                          "update happens exactly when it should not)",
                          lambda r, s=s, e=e: f"!({r(s, e)})")
            else:
                self.expression(expr)
                self._add(expr, "negate", "", f"condition '{_short(cond_text)}' negated",
                          lambda r, s=s, e=e: f"!({r(s, e)})")
        # which branch is the reset: `if (!rst_n)` / `if (rst)` -> then; `if (rst_n)` -> else
        negated = cond_text.startswith(("!", "~"))
        active_low = bool(re.search(r"(_n|_ni|n)$", cond_text.lstrip("!~ ").strip(), re.I))
        then_is_reset = is_reset and negated == active_low
        then_reset = reset or then_is_reset
        else_reset = reset or (is_reset and not then_is_reset)
        self.statement(node.statement, reset=then_reset)  # type: ignore[attr-defined]
        clause = node.elseClause  # type: ignore[attr-defined]
        if clause is not None:
            stmt = clause.clause
            if not is_reset and not reset:
                self._drop(stmt, "drop-else", "", f"else branch of 'if ({_short(cond_text)})' "
                           "dropped")
            self.statement(stmt, reset=else_reset)

    def enables(self, expr: object) -> None:
        """The sites of an enable condition: its own (operator swaps, constants) and, when it
        is an ``&&`` chain, each plain signal in it inverted (``x`` -> ``!x``, ``!x`` -> ``x``)."""
        self.expression(expr)
        terms = []

        def chain(n: object) -> None:
            if _kind(n) == "LogicalAndExpression":
                chain(n.left)  # type: ignore[attr-defined]
                chain(n.right)  # type: ignore[attr-defined]
            else:
                terms.append(n)

        chain(expr)
        if len(terms) < 2:
            return
        for t in terms:
            k = _kind(t)
            if k == "ParenthesizedExpression":
                t = t.expression  # type: ignore[attr-defined]
                k = _kind(t)
            if k == "IdentifierName":
                name = str(t).strip()
                s, e = self._span(t)
                self._add(t, "enable", name, f"enable term '{name}' inverted (-> !{name})",
                          lambda r, s=s, e=e: f"!({r(s, e)})")
            elif k in ("UnaryLogicalNotExpression", "UnaryBitwiseNotExpression") and \
                    _kind(t.operand) == "IdentifierName":  # type: ignore[attr-defined]
                name = str(t.operand).strip()  # type: ignore[attr-defined]
                s, e = self._span(t.operand)  # type: ignore[attr-defined]
                self._add(t, "enable", name, f"enable term '{str(t).strip()}' inverted "
                          f"(-> {name})", lambda r, s=s, e=e: f"({r(s, e)})")

    def _drop(self, stmt: object, kind: str, detail: str, description: str) -> None:
        s, e = self._span(stmt)
        self._add(stmt, kind, detail, description, lambda r, s=s, e=e: "begin end",
                  statement=True)

    def assignment(self, node: object, *, reset: bool, lhs: str | None = None) -> None:
        if lhs is None:
            lhs = str(node.left).strip()  # type: ignore[attr-defined]
            rhs = node.right  # type: ignore[attr-defined]
        else:  # a net declaration's initializer (EqualsValueClause)
            rhs = node.expr  # type: ignore[attr-defined]
        s, e = self._span(rhs)
        rhs_text = _short(self.text[s:e])
        if reset:
            self._add(rhs, "reset", lhs, f"reset value of {lhs} inverted (~({rhs_text}))",
                      lambda r, s=s, e=e: f"~({r(s, e)})")
            return  # constants in the reset branch: the reset site covers them
        if _kind(rhs) not in ("IntegerVectorExpression", "IntegerLiteralExpression"):
            self.expression(rhs)  # a bare constant: stuck-at covers its changes
        if "AssignmentPattern" in _kind(rhs):
            return  # '{...}: an aggregate, '0 / '1 would not fit it
        self._add(rhs, "stuck0", lhs, f"{lhs} stuck at 0 (gets '0)", lambda r: "'0")
        self._add(rhs, "stuck1", lhs, f"{lhs} stuck at 1 (gets '1)", lambda r: "'1")

    def expression(self, node: object) -> None:
        if node is None or isinstance(node, parsing.Token):
            return
        k = _kind(node)
        if k in _SKIP:
            return
        if k in _BINARY_KINDS:
            op = node.operatorToken.valueText  # type: ignore[attr-defined]
            if op in SWAPS:
                new, klass = SWAPS[op]
                ls, le = self._span(node.left)  # type: ignore[attr-defined]
                rs, re_ = self._span(node.right)  # type: ignore[attr-defined]
                self._add(node, "binop", f"{op}->{new}",
                          f"'{op}' -> '{new}' in '{_short(self.text[ls:re_])}'",
                          lambda r, ls=ls, le=le, rs=rs, re_=re_, new=new:
                          f"({r(ls, le)}) {new} ({r(rs, re_)})",
                          klass=klass, at=node.operatorToken.location.offset)  # type: ignore[attr-defined]
            self.expression(node.left)  # type: ignore[attr-defined]
            self.expression(node.right)  # type: ignore[attr-defined]
            return
        if k == "CastExpression":  # the size/type part is elaboration-time
            self.expression(node.right)  # type: ignore[attr-defined]
            return
        if k == "MultipleConcatenationExpression":  # the count is elaboration-time
            self.expression(node.concatenation)  # type: ignore[attr-defined]
            return
        if k == "ArrayOrRandomizeMethodExpression":
            return
        if k == "InvocationExpression":  # a user function's arguments are run-time values;
            name = str(node.left).strip()  # type: ignore[attr-defined]
            if name.startswith("$") and name not in _RUNTIME_SYSTEM:  # $clog2, $bits: not
                return
            self.expression(node.arguments)  # type: ignore[attr-defined]
            return
        if k == "ConditionalExpression":  # c ? a : b: the select condition negated
            conds = list(node.predicate.conditions)  # type: ignore[attr-defined]
            if len(conds) == 1 and conds[0].matchesClause is None:
                expr = conds[0].expr
                cs, ce = self._span(expr)
                self._add(expr, "negate", "select", f"select condition "
                          f"'{_short(self.text[cs:ce])}' negated",
                          lambda r, s=cs, e=ce: f"!({r(s, e)})")
            for c in conds:
                self.expression(c.expr)
            self.expression(node.left)  # type: ignore[attr-defined]
            self.expression(node.right)  # type: ignore[attr-defined]
            return
        if k in ("IntegerVectorExpression", "IntegerLiteralExpression"):
            self.constant(node)
            return
        for c in _children(node):
            if not isinstance(c, parsing.Token):
                self.expression(c)

    def constant(self, node: object) -> None:
        s, e = self._span(node)
        text = self.text[s:e]
        compact = re.sub(r"\s+", "", text)
        m = _VECTOR.match(compact)
        if m:
            width, signed, base = int(m.group(1)), m.group(2), m.group(3).lower()
            try:
                value = int(m.group(4).replace("_", ""), _BASES[base])
            except ValueError:
                return
            if width < 1 or width > 64:
                return
            mask = (1 << width) - 1
            plus = f"{width}'{signed}h{(value + 1) & mask:x}"
            self._add(node, "const", f"{compact}->{plus}", f"constant {compact} -> {plus} "
                      "(off by one)", lambda r, t=plus: t)
            if width > 1:
                flip = f"{width}'{signed}h{value ^ (1 << (width - 1)):x}"
                self._add(node, "const", f"{compact}->{flip}",
                          f"constant {compact} -> {flip} (top bit flipped)", lambda r, t=flip: t)
            return
        if re.fullmatch(r"\d+", compact.replace("_", "")):
            value = int(compact.replace("_", ""))
            self._add(node, "const", f"{compact}->{value + 1}",
                      f"constant {compact} -> {value + 1} (off by one)",
                      lambda r, t=str(value + 1): t)


def _is_reset_test(cond: str) -> bool:
    name = cond.lstrip("!~ ").strip()
    return bool(re.fullmatch(r"[A-Za-z_]\w*", name)) and bool(_RESET_NAME.search(name))


def _short(text: str, n: int = 40) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[: n - 3] + "..."


@dataclass
class SourceSites:
    """The sites of one file, with what the schema needs: its text and module headers."""

    file: str
    path: Path
    text: str
    sites: list[Site]
    header_ends: list[tuple[int, str]]  # (offset after each module header's ';', module name)

    def module_of(self, site: Site) -> int:
        """Index of the module (in ``header_ends``) the site lies in."""
        i = -1
        for j, (off, _name) in enumerate(self.header_ends):
            if off <= site.start:
                i = j
        return i


def find_sites(path: Path, file: str | None = None) -> SourceSites:
    """Every mutation site in one SystemVerilog file, in source order."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise InputError(f"cannot read RTL file {path}: {exc.strerror}.", file=path) from exc
    import pyslang

    sm = pyslang.SourceManager()  # our own: the default one refuses a path seen before
    tree = sx.SyntaxTree.fromText(text, sm, str(path.name), str(path))
    root = tree.root
    buffer = root.sourceRange.start.buffer if _children(root) else None
    name = file or str(path)
    finder = _Finder(text, name, buffer)
    headers: list[tuple[int, str]] = []
    tops = list(root.members) if _kind(root) == "CompilationUnit" else [root]
    for member in tops:
        if _kind(member) != "ModuleDeclaration":
            continue
        h = member.header
        semi = h.semi
        headers.append((semi.location.offset + 1, h.name.valueText))
        for m in member.members:
            finder.members(m)
    sites = sorted(finder.sites, key=lambda s: (s.start, -s.end, -_RANK[s.kind], s.id))
    seen: set[str] = set()
    unique = []
    for s in sites:  # an id names one site
        if s.id not in seen:
            seen.add(s.id)
            unique.append(s)
    return SourceSites(name, path, text, unique, headers)


def sample(sites: Sequence[Site], n: int | None, seed: int) -> list[Site]:
    """``n`` sites chosen with ``random.Random(seed)`` (all of them when n is None or larger),
    returned in source order."""
    pool = sorted(sites, key=lambda s: (s.file, s.start, -s.end, -_RANK[s.kind], s.id))
    if n is None or n >= len(pool):
        return pool
    if n < 0:
        raise InputError(f"--mutants must not be negative, got {n}.")
    chosen = set(id(s) for s in random.Random(seed).sample(pool, n))
    return [s for s in pool if id(s) in chosen]


# --- writing mutated copies ------------------------------------------------------------------

def _render(text: str, sites: Sequence[Site], choose: Callable[[Site, str, str], str],
            start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` with every site in it replaced by ``choose(site, original,
    mutated)``; sites nest (a site inside another is rendered inside both its texts)."""
    end = len(text) if end is None else end
    ordered = sorted((s for s in sites if start <= s.start and s.end <= end),
                     key=lambda s: (s.start, -s.end, -_RANK[s.kind]))

    def render(start: int, end: int, inside: list[Site]) -> str:
        out = []
        pos = start
        i = 0
        while i < len(inside):
            s = inside[i]
            if s.start < pos:  # overlaps a site already rendered without nesting: skip it
                i += 1
                continue
            # the sites nested in s: those after it in order, within its span
            j = i + 1
            nested = []
            while j < len(inside) and inside[j].start < s.end:
                if inside[j].end <= s.end:
                    nested.append(inside[j])
                j += 1
            out.append(text[pos:s.start])

            def sub(a: int, b: int, nested: list[Site] = nested) -> str:
                return render(a, b, [x for x in nested if a <= x.start and x.end <= b])

            original = render(s.start, s.end, nested)
            mutated = s._mutate(sub)
            out.append(choose(s, original, mutated))
            pos = s.end
            i = j
        out.append(text[pos:end])
        return "".join(out)

    return render(start, end, ordered)


def selector_declaration() -> str:
    return (f" int {SELECTOR} = 0; initial begin if (!$value$plusargs(\"{PLUSARG}=%d\", "
            f"{SELECTOR})) {SELECTOR} = 0; end")


def schema_text(src: SourceSites, chosen: dict[str, int]) -> str:
    """The schema copy of ``src``: every site whose id is in ``chosen`` selected by its K.

    The selector is declared in every module that has a chosen site, right after its header
    and on the same line, so line numbers stay those of the original."""
    sites = [s for s in src.sites if s.id in chosen]

    def choose(s: Site, original: str, mutated: str) -> str:
        k = chosen[s.id]
        if s.statement:
            return f"begin if ({SELECTOR} != {k}) {original} end"
        return f"({SELECTOR} == {k} ? ({mutated}) : ({original}))"

    cuts = sorted({src.header_ends[m][0] for m in (src.module_of(s) for s in sites)
                   if m >= 0})
    out = []
    pos = 0
    for cut in cuts:  # no site spans a module header
        out.append(_render(src.text, sites, choose, pos, cut))
        out.append(selector_declaration())
        pos = cut
    out.append(_render(src.text, sites, choose, pos, None))
    return "".join(out)


def mutant_text(src: SourceSites, site_id: str) -> str:
    """The plain mutant: only ``site_id`` mutated, no selector."""
    sites = [s for s in src.sites if s.id == site_id]
    if not sites:
        raise InputError(f"no mutation site {site_id} in {src.file}.")

    def choose(s: Site, original: str, mutated: str) -> str:
        if s.statement:
            return "begin end"
        return f"({mutated})"

    return _render(src.text, sites, choose)
