"""Formal on what simulation leaves open: each coverage hole becomes a cover target for Z3.

A line or branch hole is reached when the conditions guarding its statement hold at a clock
edge (the source map writes them, outermost first); an expression-coverage row adds its own
terms; a toggle hole on bit ``b`` of ``sig`` is ``$rose(sig[b])`` / ``$fell(sig[b])``. Each
becomes ``cover property (@(posedge clk) ...)``, lowered by :mod:`dv.formal.sva` and searched by
the engine from reset (BMC) with an induction proof of the negation:

- ``unreachable``: Z3 proved no reachable state satisfies it; the hole needs no stimulus, and
  a waiver on it is confirmed by proof;
- ``covered``: Z3 found a witness within the depth: the hole is reachable and simulation missed
  it (a waiver on it is wrong);
- ``not_reached`` / ``unknown`` / ``unsupported``: no verdict; the hole stays open.

Conditions are read in the cycle model: they are sampled at the clock edge, as the clocked
processes that hold most statements see them. Holes in submodules, on memories, or whose
conditions name things the lowering cannot (enum literals, functions) are left unchecked, and
say so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dv.cov.holes import Hole
from dv.design.model import Design
from dv.design.spec import Spec, SvaProperty

_ROW_TERM = re.compile(r"([A-Za-z_]\w*(?:\[\d+\])?)==(\d+)")
_TOGGLE = re.compile(r"^([A-Za-z_]\w*)((?:\[\d+\])*):(0->1|1->0)$")


@dataclass
class HoleVerdict:
    hole: Hole
    status: str  # unreachable | covered | not_reached | unknown | unsupported | unchecked
    detail: str = ""
    step: int | None = None

    def to_json(self) -> dict:
        p = self.hole.point
        out = {"kind": p.kind, "file": p.file, "line": p.line, "comment": p.comment,
               "status": self.status, "detail": self.detail}
        if self.step is not None:
            out["step"] = self.step
        return out


def cover_expression(hole: Hole, design: Design) -> str | None:
    """The SV boolean that is true in a cycle where the hole's point is hit, or None."""
    p = hole.point
    stmt = hole.statement if hasattr(hole, "statement") else None
    if stmt is not None and getattr(stmt, "module", design.top) not in ("", design.top):
        return None
    terms = [f"({c})" for c in hole.conditions]
    if p.kind == "toggle":
        m = _TOGGLE.match(p.comment)
        if not m:
            return None
        sig = design.signal(m.group(1))
        if sig is None or sig.kind == "memory" or sig.depth > 1 or m.group(2).count("[") > 1:
            return None
        ref = m.group(1) + m.group(2)
        return f"$rose({ref})" if m.group(3) == "0->1" else f"$fell({ref})"
    if p.kind == "expr":
        row = p.comment.split("=>", 1)[0]
        pairs = _ROW_TERM.findall(row)
        if not pairs:
            return None
        terms += [f"({name} == {value})" for name, value in pairs]
    elif p.kind not in ("line", "branch"):
        return None
    if not terms:
        return None
    return " && ".join(terms)


def prove_holes(design: Design, spec: Spec | None, holes: Sequence[Hole], *, out: Path,
                root: Path, depth: int = 20, timeout: float = 30.0, jobs: int | None = None,
                progress: Callable[[str, object], None] | None = None) -> list[HoleVerdict]:
    """Search every hole with Z3; return one verdict per hole, in order."""
    from dv.errors import DvError
    from dv.formal.prove import ProveOptions, run_prove
    from dv.formal.sva import parse_property

    verdicts: list[HoleVerdict] = []
    props: list[SvaProperty] = []
    labels: dict[str, HoleVerdict] = {}
    clock = design.clock.name if design.clock else None
    # No ``disable iff`` on a hole's cover: Verilator counts a point during reset too, and a
    # cover disabled while reset is asserted would be "proven unreachable" for points that are
    # hit only then (the reset's own toggle): a false proof.
    disable = ""
    for i, hole in enumerate(holes):
        expr = cover_expression(hole, design) if clock else None
        v = HoleVerdict(hole, "unchecked" if expr is None else "unknown")
        if expr is None:
            v.detail = "no cover expression (submodule, memory, or no guarding condition)"
        else:
            label = f"dv_hole_{i}"
            text = f"{label}: cover property (@(posedge {clock}){disable} {expr});"
            try:  # one condition the lowering cannot read must not sink the others
                parse_property(text, source_file="<holes>", line=i + 1, design=design)
            except DvError as exc:
                v.status, v.detail = "unsupported", exc.message[:300]
            else:
                props.append(SvaProperty(text=text, line=i + 1, label=label, kind="cover"))
                labels[label] = v
        verdicts.append(v)
    if not props:
        return verdicts
    if spec is not None:  # the designer's assumptions constrain what is reachable
        props += [p for p in spec.properties if p.kind == "assume"]
    holes_spec = Spec(path=str(out / "holes.md"), properties=props)
    try:
        run = run_prove(design.files, top=design.top, defines=design.defines,
                        includes=design.include_dirs, params=design.overrides, spec=holes_spec,
                        options=ProveOptions(depth=depth, mode="cover", timeout=timeout,
                                             jobs=jobs, out=out, replay=False, root=root),
                        progress=progress)
    except DvError as exc:  # e.g. a condition the lowering cannot read: say so, keep the run
        for v in labels.values():
            v.status, v.detail = "unsupported", exc.render()[:300]
        return verdicts
    for r in run.results:
        v = labels.get(r.prop.label or "") or labels.get(r.prop.name)
        if v is None:
            continue
        v.status = r.status if r.status in ("unreachable", "covered", "not_reached",
                                            "unknown", "unsupported") else "unknown"
        v.detail, v.step = r.verdict if not r.detail else f"{r.verdict}: {r.detail}", r.step
    return verdicts
