"""Coverage holes: the points no test hit, with the source and conditions needed to reach them.

:func:`find_holes` lists every unhit point (waived ones too, marked with their waiver) and
attaches what the :class:`~dv.design.model.SourceMap` knows about its line: the source text,
the guarding conditions and the signals involved.  :func:`group_holes` and
:func:`describe_group` fold the holes of one source line into one entry, so a prompt or a
report names ``wr_data bits 0-7 0->1`` once instead of listing eight toggle points.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dv.cov.model import KINDS, Coverage, CoverPoint, waiver_index
from dv.design.model import SourceMap, Statement
from dv.design.spec import Waiver

_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}
# identifiers, but not the base/digits of a sized literal (32'sh1) nor a system task name
_IDENT = re.compile(r"(?<![\w$'`])[A-Za-z_][\w$]*")
_TOGGLE = re.compile(r"^(?P<name>[^\[:]+)(?P<idx>(?:\[[^\]]*\])*)(?::(?P<edge>.*))?$")
_INDEX = re.compile(r"\[([^\]]*)\]")


@dataclass
class Hole:
    point: CoverPoint
    source: str  # the source line text (stripped) from the SourceMap, "" when unknown
    conditions: tuple[str, ...]  # guarding conditions (SV expressions, outermost first)
    signals: tuple[str, ...]  # signals involved
    waiver: Waiver | None = None
    statement: Statement | None = None  # the SourceMap statement the conditions came from

    @property
    def file(self) -> str:
        return self.point.file

    @property
    def line(self) -> int:
        return self.point.line

    @property
    def kind(self) -> str:
        return self.point.kind

    def describe(self) -> str:
        """One line, e.g. ``fifo.sv:39 branch cond_then  `wr_ptr <= ...`  when: do_write``."""
        p = self.point
        text = f"{p.file}:{p.line} {p.kind} {p.comment}".rstrip()
        if self.source:
            text += f"  `{self.source}`"
        if self.conditions:
            text += f"  when: {join_conditions(self.conditions)}"
        if self.waiver is not None:
            text += f"  [waived: {self.waiver.reason}]"
        return text


def join_conditions(conditions: Sequence[str]) -> str:
    """``("a", "b || c")`` -> ``"a && (b || c)"``."""
    if len(conditions) == 1:
        return conditions[0]
    return " && ".join(_parenthesise(c) for c in conditions)


def _parenthesise(cond: str) -> str:
    c = cond.strip()
    if re.fullmatch(r"!?[\w$.\[\]:']+", c) or _wrapped(c):
        return c
    return f"({c})"


def _wrapped(c: str) -> bool:
    """True when ``c`` is one parenthesised expression, like ``(a || b)`` or ``!(a)``."""
    if c.startswith("!"):
        c = c[1:]
    if not (c.startswith("(") and c.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(c):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and i != len(c) - 1:
                return False
    return True


def signal_of_toggle(comment: str) -> tuple[str, int | None]:
    """The signal and bit of a toggle point's comment.

    ``"wr_data[3]:0->1"`` -> ``("wr_data", 3)``; ``"rd_en:0->1"`` -> ``("rd_en", None)``;
    ``"mem[2][3]:0->1"`` -> ``("mem", 3)``: the name is the declared identifier (what the
    design model and ``toggle:<signal>`` waivers use), the bit is the *last* index (the bit
    within the element; use :func:`toggle_parts` for every index).  A non-numeric last index
    gives ``None``.
    """
    name, indices, _edge = toggle_parts(comment)
    bit: int | None = None
    if indices:
        try:
            bit = int(indices[-1])
        except ValueError:
            bit = None
    return name, bit


def toggle_parts(comment: str) -> tuple[str, tuple[str, ...], str]:
    """``"mem[2][3]:0->1"`` -> ``("mem", ("2", "3"), "0->1")``."""
    m = _TOGGLE.match(comment.strip())
    if m is None:
        name = comment.split(":", 1)[0].split("[", 1)[0].strip()
        return name, (), comment.partition(":")[2]
    return (m.group("name").strip(), tuple(_INDEX.findall(m.group("idx"))),
            (m.group("edge") or "").strip())


def names_in_expr(row: str) -> tuple[str, ...]:
    """Identifiers in an expression-coverage row, ``"(wr_en==1 && full==0) => 1"`` ->
    ``("wr_en", "full")``.  Sized-literal bases (``32'sh1``) are skipped; parameters are not
    told apart from signals."""
    expr = row.rsplit("=>", 1)[0]
    return tuple(dict.fromkeys(_IDENT.findall(expr)))


# Verilator point (kind, comment) -> the SourceMap statement kinds that model that arm
_ARMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("branch", "if"): ("if",),
    ("branch", "else"): ("else",),
    ("line", "case"): ("case_item", "default"),
    ("branch", "case"): ("case_item", "default"),
}
_HEADERS = frozenset(("if", "else", "case", "case_item", "default"))

_StatementIndex = dict[tuple[str, int], list[Statement]]


def _index_statements(source_map: SourceMap) -> _StatementIndex:
    index: _StatementIndex = {}
    for st in source_map.statements:
        index.setdefault((st.file, st.line), []).append(st)
    return index


def _statement_for(point: CoverPoint, source_map: SourceMap,
                   starts: _StatementIndex) -> tuple[Statement | None, tuple[str, ...]]:
    """The statement that describes how to reach ``point``, and the conditions to use.

    1. A branch arm (``if``/``else``) or case item: the SourceMap statement of that arm kind
       starting on the point's line (an ``if`` arm, an implicit ``else``) or else on one of its
       span lines (an explicit ``else``, which Verilator reports on the ``if`` line but whose
       span starts at the ``else`` keyword).
    2. A point whose span reaches other lines: the first statement inside the span that is not
       itself an arm header: statements inside an arm carry the arm's condition.
    3. An expression row on a line where statements start: the outermost of them (an ``if``
       header rather than its then-block).  The SourceMap's ``if`` statement is its then-arm and
       carries its own condition, which is dropped: the condition is evaluated before the arm.
    4. Otherwise the innermost statement covering the point's line (``SourceMap.at``).
    """
    file, line = point.file, point.line
    others = [n for n in point.span_lines() if n != line]
    wanted = _ARMS.get((point.kind, point.comment))
    if wanted:
        for n in (line, *others):
            for st in starts.get((file, n), ()):
                if st.kind in wanted:
                    return st, tuple(st.conditions)
    for n in others:
        st = source_map.at(file, n)
        if st is not None and st.kind not in _HEADERS:
            return st, tuple(st.conditions)
    if point.kind == "expr":
        here = [st for st in starts.get((file, line), ()) if not getattr(st, "implicit", False)]
        if here:
            st = min(here, key=lambda s: len(s.conditions) - (s.kind == "if"))
            conditions = tuple(st.conditions)
            if st.kind == "if" and conditions:
                conditions = conditions[:-1]
            return st, conditions
    st = source_map.at(file, line)
    return st, (tuple(st.conditions) if st is not None else ())


def _hole(point: CoverPoint, source_map: SourceMap | None, starts: _StatementIndex,
          waiver: Waiver | None) -> Hole:
    source = ""
    statement: Statement | None = None
    conditions: tuple[str, ...] = ()
    signals: list[str] = []
    if source_map is not None:
        source = source_map.text(point.file, point.line)
        # a toggle point sits on the declaration: statements there say nothing about it
        if point.kind != "toggle":
            statement, conditions = _statement_for(point, source_map, starts)
            if statement is not None:
                signals.extend(statement.signals)
    if point.kind == "toggle":
        signals.append(signal_of_toggle(point.comment)[0])
    elif point.kind == "expr":
        signals.extend(names_in_expr(point.comment))
    return Hole(point, source, conditions, tuple(dict.fromkeys(s for s in signals if s)),
                waiver, statement)


def _sort_key(point: CoverPoint) -> tuple[str, int, int, str, int, str, str]:
    return (point.file, point.line, _KIND_ORDER.get(point.kind, len(KINDS)), point.kind,
            point.column, point.comment, point.hier)


def find_holes(cov: Coverage, source_map: SourceMap | None = None,
               waivers: Sequence[Waiver] = ()) -> list[Hole]:
    """Every unhit point as a :class:`Hole`, sorted by file, line, kind (in :data:`KINDS`
    order), column, comment.  Waived points are included with ``waiver`` set; filter them out
    with ``[h for h in holes if h.waiver is None]`` when only actionable holes are wanted."""
    index = waiver_index(waivers)
    starts = _index_statements(source_map) if source_map is not None else {}
    unhit = sorted((p for p in cov.points.values() if p.count <= 0), key=_sort_key)
    return [_hole(p, source_map, starts, index.match(p)) for p in unhit]


def group_holes(holes: Iterable[Hole]) -> dict[tuple[str, int], list[Hole]]:
    """Holes by ``(file, line)``, in the order of first appearance (sorted when ``holes`` comes
    from :func:`find_holes`).

    One source line is the natural unit: Verilator puts every toggle bit of a signal on the
    signal's declaration line, and every branch arm / expression row of a statement on the
    statement's line, so a group is "one thing to look at".  Points of several instances of a
    module (different ``hier``) share their lines and so land in the same group.  Render a
    group with :func:`describe_group`, which compresses toggle bits into ranges.
    """
    groups: dict[tuple[str, int], list[Hole]] = {}
    for h in holes:
        groups.setdefault((h.point.file, h.point.line), []).append(h)
    return groups


def describe_group(holes: Sequence[Hole]) -> str:
    """A compact description of holes on one line (as from :func:`group_holes`), e.g.::

        fifo.sv:10 `input logic [WIDTH-1:0] wr_data,`
          toggle wr_data bits 0-3,5 0->1; wr_data bits 0-3 1->0
          branch cond_then  when: do_write
          [waived] expr (full==1) => 0 -- full is never seen with wr_en low

    Waived holes are listed last, each with its reason.
    """
    if not holes:
        return ""
    first = holes[0]
    head = f"{first.point.file}:{first.point.line}"
    if first.source:
        head += f" `{first.source}`"
    out = [head]
    live = [h for h in holes if h.waiver is None]
    waived = [h for h in holes if h.waiver is not None]
    toggles = [h for h in live if h.point.kind == "toggle"]
    if toggles:
        out.append("  toggle " + summarise_toggles(h.point.comment for h in toggles))
    for h in live:
        if h.point.kind == "toggle":
            continue
        text = f"  {h.point.kind} {h.point.comment}".rstrip()
        if h.conditions:
            text += f"  when: {join_conditions(h.conditions)}"
        out.append(text)
    for h in waived:
        assert h.waiver is not None
        out.append(f"  [waived] {h.point.kind} {h.point.comment} -- {h.waiver.reason}")
    return "\n".join(out)


def summarise_toggles(comments: Iterable[str]) -> str:
    """``["d[0]:0->1", "d[1]:0->1", "d[3]:0->1", "en:1->0"]`` -> ``"d bits 0-1,3 0->1; en 1->0"``.

    Bits are grouped per element (the name plus any unpacked indices) and transition, in order
    of first appearance."""
    groups: dict[tuple[str, str], list[str]] = {}
    for c in comments:
        name, indices, edge = toggle_parts(c)
        element = name + "".join(f"[{i}]" for i in indices[:-1])
        groups.setdefault((element, edge), []).extend(indices[-1:])
    parts = []
    for (element, edge), bits in groups.items():
        text = element
        if bits:
            text += (" bit " if len(bits) == 1 else " bits ") + _ranges(bits)
        if edge:
            text += f" {edge}"
        parts.append(text)
    return "; ".join(parts)


def _ranges(bits: list[str]) -> str:
    nums = sorted({int(b) for b in bits if b.lstrip("-").isdigit()})
    others = [b for b in dict.fromkeys(bits) if not b.lstrip("-").isdigit()]
    pieces: list[str] = []
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        pieces.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    return ",".join(pieces + others)
