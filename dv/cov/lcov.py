"""Export coverage as an lcov tracefile (``.info``) for existing tools (genhtml, CI widgets).

lcov only has line (``DA``), branch (``BRDA``) and function (``FN``) records, so the export is
lossy: toggle, expression, user (``cover property``) and FSM points are not written anywhere.
dv's JSON (:meth:`dv.cov.model.Coverage.to_json`) stays the source of truth.

Mapping:

- ``DA:<line>,<count>``: every line touched by a ``line`` or ``branch`` point: the point's own
  line plus every line of its ``S`` span (``34-36,44``).  A line touched by several points
  gets the largest count, as ``verilator_coverage --write-info`` does (a branch arm's span is
  the set of lines executed when that arm is taken).
- ``BRDA:<line>,<block>,<branch>,<taken>``: one per ``branch`` point, grouped by line.  On a
  line, points are ordered by column; a new block starts at each ``if``/``cond_then`` after
  the first point (so two ternaries on one line are two blocks); branches are numbered within
  their block.  ``taken`` is ``-`` when no arm of the block was ever taken (the condition was
  never evaluated), else the count.
- no ``FN`` records; ``LF/LH/BRF/BRH`` totals and ``end_of_record`` per file.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from dv.cov.model import Coverage, CoverPoint

_BLOCK_START = ("if", "cond_then")


def to_lcov(cov: Coverage, root: Path | str | None = None, *, test_name: str = "dv") -> str:
    """lcov tracefile text.  ``SF`` is the point's file; a relative file is joined to ``root``
    when given (so genhtml finds the sources), else written as it is."""
    by_file: dict[str, list[CoverPoint]] = {}
    for p in cov.points.values():
        if p.kind in ("line", "branch"):
            by_file.setdefault(p.file, []).append(p)
    out: list[str] = []
    for file in sorted(by_file):
        points = by_file[file]
        out.append(f"TN:{test_name}")
        out.append(f"SF:{_source_path(file, root)}")
        branch_lines: dict[int, list[CoverPoint]] = {}
        for p in points:
            if p.kind == "branch":
                branch_lines.setdefault(p.line, []).append(p)
        brf = brh = 0
        for line in sorted(branch_lines):
            for block, arms in enumerate(_blocks(branch_lines[line])):
                evaluated = any(a.count > 0 for a in arms)
                for number, arm in enumerate(arms):
                    taken = str(arm.count) if evaluated else "-"
                    out.append(f"BRDA:{line},{block},{number},{taken}")
                    brf += 1
                    brh += arm.count > 0
        out.append(f"BRF:{brf}")
        out.append(f"BRH:{brh}")
        da = line_counts(points)
        for line in sorted(da):
            out.append(f"DA:{line},{da[line]}")
        out.append(f"LF:{len(da)}")
        out.append(f"LH:{sum(1 for c in da.values() if c > 0)}")
        out.append("end_of_record")
    return "\n".join(out) + "\n" if out else ""


def line_counts(points: list[CoverPoint]) -> dict[int, int]:
    """Line -> execution count from ``line`` and ``branch`` points (own line and span lines;
    the largest count wins)."""
    da: dict[int, int] = {}
    for p in points:
        if p.kind not in ("line", "branch"):
            continue
        lines = p.span_lines()
        if p.line not in lines:
            lines.append(p.line)
        for n in lines:
            if n <= 0:
                continue
            if da.get(n, -1) < p.count:
                da[n] = p.count
    return da


def _blocks(arms: list[CoverPoint]) -> list[list[CoverPoint]]:
    blocks: list[list[CoverPoint]] = []
    for p in sorted(arms, key=lambda a: (a.column, a.comment, a.hier)):
        if not blocks or (p.comment in _BLOCK_START and blocks[-1]):
            blocks.append([])
        blocks[-1].append(p)
    return blocks


def _source_path(file: str, root: Path | str | None) -> str:
    if root is None or PurePosixPath(file).is_absolute() or Path(file).is_absolute():
        return file
    return (Path(root) / file).as_posix()
