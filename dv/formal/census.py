"""The assertion statements written in the sources, to show that none vanished on the way.

Yosys reports the checks it elaborated; a statement the front end drops without a word (an
unsupported form, a construct it ignores) would leave no trace in the model. This census reads
the sources with pyslang (the same defines Yosys sees, ``SYNTHESIS`` included unless
undefined), keeps the statements in modules that are part of the design (the top, what it
instantiates, what is bound into those), and lists each one with its line range, so that
:func:`dv.formal.prove.prepare` can name every statement that has no check in the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_KINDS = {"ImmediateAssertStatement": "assert", "ImmediateAssumeStatement": "assume",
          "ImmediateCoverStatement": "cover", "AssertPropertyStatement": "assert",
          "AssumePropertyStatement": "assume", "CoverPropertyStatement": "cover"}


@dataclass(frozen=True)
class SourceCheck:
    file: Path
    first: int  # line range of the statement (label included)
    last: int
    kind: str
    module: str


def source_checks(files: Sequence[Path], *, top: str, defines: Mapping[str, str],
                  include_dirs: Sequence[str | Path] = ()) -> list[SourceCheck]:
    import pyslang
    from pyslang import parsing
    from pyslang import syntax as sx

    pp = parsing.PreprocessorOptions()
    pp.predefines = [f"{k}={v}" if v != "" else k for k, v in defines.items()]
    found: list[SourceCheck] = []
    children: dict[str, set[str]] = {}
    binds: list[tuple[str, str]] = []
    for f in files:
        sm = pyslang.SourceManager()
        pp.additionalIncludePaths = [str(d) for d in include_dirs] + [str(f.resolve().parent)]
        try:
            text = f.read_text(errors="replace")
        except OSError:
            continue
        tree = sx.SyntaxTree.fromText(text, sm, f.name, str(f.resolve()), pyslang.Bag([pp]))

        def line(loc: object, sm: object = sm) -> int | None:
            try:
                orig = sm.getFullyOriginalLoc(loc)  # type: ignore[attr-defined]
                return int(sm.getLineNumber(orig))  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001
                return None

        def visit(node: object, f: Path = f, line: object = line) -> bool:
            kind = str(getattr(node, "kind", "")).rsplit(".", 1)[-1]
            if kind == "ModuleDeclaration":
                try:
                    name = node.header.name.valueText  # type: ignore[attr-defined]
                except AttributeError:
                    return True
                children.setdefault(name, set())
                for member in node.members:  # type: ignore[attr-defined]
                    member.visit(lambda n, name=name: _inner(n, name))
                return False
            if kind == "BindDirective":
                try:
                    target = node.target.getFirstToken().valueText  # type: ignore[attr-defined]
                    child = node.instantiation.type.valueText  # type: ignore[attr-defined]
                    binds.append((target, child))
                except AttributeError:
                    pass
            return True

        def _inner(node: object, module: str, f: Path = f, line: object = line) -> bool:
            kind = str(getattr(node, "kind", "")).rsplit(".", 1)[-1]
            if kind == "HierarchyInstantiation":
                try:
                    children[module].add(node.type.valueText)  # type: ignore[attr-defined]
                except AttributeError:
                    pass
            elif kind == "BindDirective":
                visit(node)
            elif kind in _KINDS:
                rng = node.sourceRange  # type: ignore[attr-defined]
                a, b = line(rng.start), line(rng.end)  # type: ignore[operator]
                if a is not None:
                    found.append(SourceCheck(f, a, b if b is not None else a, _KINDS[kind],
                                             module))
            return True

        tree.root.visit(visit)
    used = {top}
    changed = True
    while changed:
        changed = False
        for m in list(used):
            for c in children.get(m, ()):
                if c not in used:
                    used.add(c)
                    changed = True
        for target, child in binds:
            if target in used and child not in used:
                used.add(child)
                changed = True
    return [c for c in found if c.module in used]
