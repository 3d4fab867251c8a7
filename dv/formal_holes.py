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
processes that hold most statements see them. A hole in a submodule instance is a target in
hierarchical names (``u_sub.go``, bound through the engine's aliases) and is proven in a run of
its own, so a name the engine cannot bind there does not sink the top's holes. Holes whose
instance Verilator merged (``top.*``), toggles on memories, statements with no guarding
condition, and conditions the lowering cannot read (enum literals, functions) get no verdict;
each says which, naming the module, instance, memory or statement.
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
    return cover_target(hole, design)[0]


def cover_target(hole: Hole, design: Design) -> tuple[str | None, str]:
    """``(expression, "")``, or ``(None, reason)``: why the hole has no cover expression, naming
    the submodule, the memory or the statement that stops it."""
    p = hole.point
    stmt = hole.statement if hasattr(hole, "statement") else None
    where = f"{p.file}:{p.line}"
    instance = _instance(p.hier)
    module = getattr(stmt, "module", "") if stmt is not None else ""
    if module not in ("", design.top) or instance:
        mod = f"submodule {module}" if module not in ("", design.top) else "a submodule"
        if not instance or "*" in p.hier:  # no single instance path to name its signals by
            why = (f"Verilator merged the points of its instances ({p.hier})"
                   if "*" in p.hier else "the coverage point names no instance path")
            return None, f"in {mod}, not the top {design.top}: {why}"
        return _in_instance(hole, instance, where)
    terms = [f"({c})" for c in hole.conditions]
    if p.kind == "toggle":
        m = _TOGGLE.match(p.comment)
        if not m:
            return None, f"toggle point {p.comment!r} at {where} is not a signal edge dv reads"
        name = m.group(1)
        sig = design.signal(name)
        if sig is None:
            return None, (f"toggle on {name}: no signal of that name in {design.top} (a package, "
                          "interface or generate-scoped signal)")
        if sig.kind == "memory" or sig.depth > 1:
            return None, (f"toggle on memory {name} ({sig.depth} entries of {sig.width} bits): "
                          "memories are not lowered for formal")
        if m.group(2).count("[") > 1:
            return None, f"toggle on {name}{m.group(2)}: more than one index"
        ref = name + m.group(2)
        return (f"$rose({ref})" if m.group(3) == "0->1" else f"$fell({ref})"), ""
    if p.kind == "expr":
        row = p.comment.split("=>", 1)[0]
        pairs = _ROW_TERM.findall(row)
        if not pairs:
            return None, f"expression row {row.strip()!r} at {where} has no signal==value terms"
        terms += [f"({name} == {value})" for name, value in pairs]
    elif p.kind not in ("line", "branch"):
        return None, f"{p.kind} point: coverage of this kind has no cover form"
    if not terms:
        if stmt is None:
            return None, (f"no statement of the source map at {where}: its guarding "
                          "conditions are unknown")
        proc = f" ({stmt.process})" if getattr(stmt, "process", "") else ""
        return None, (f"no guarding condition: the statement at {where} runs whenever its "
                      f"process{proc} runs, so there is no condition to search for")
    return " && ".join(terms), ""


_NAME = re.compile(r"(?<![\w$'.:])([A-Za-z_]\w*)(?!\w|\s*::|\s*\()")


def _in_instance(hole: Hole, instance: str, where: str) -> tuple[str | None, str]:
    """A submodule hole's cover expression in hierarchical names (``u_sub.go``), which the
    formal engine reads through aliases bound to the instance's signals."""
    p = hole.point

    def scoped(text: str) -> str:
        return _NAME.sub(lambda m: f"{instance}.{m.group(1)}", text)

    if p.kind == "toggle":
        m = _TOGGLE.match(p.comment)
        if not m or m.group(2).count("[") > 1:
            return None, (f"toggle point {p.comment!r} in instance {instance} is not a signal "
                          "edge dv reads")
        ref = f"{instance}.{m.group(1)}{m.group(2)}"
        return (f"$rose({ref})" if m.group(3) == "0->1" else f"$fell({ref})"), ""
    terms = [f"({scoped(c)})" for c in hole.conditions]
    if p.kind == "expr":
        pairs = _ROW_TERM.findall(p.comment.split("=>", 1)[0])
        if not pairs:
            return None, f"expression row at {where} (instance {instance}) has no terms"
        terms += [f"({instance}.{name} == {value})" for name, value in pairs]
    elif p.kind not in ("line", "branch"):
        return None, f"{p.kind} point: coverage of this kind has no cover form"
    if not terms:
        return None, (f"no guarding condition: the statement at {where} (instance {instance}) "
                      "runs whenever its process runs, so there is no condition to search for")
    return " && ".join(terms), ""


def _instance(hier: str) -> str:
    """The instance path below the top in a coverage point's hierarchy (``top.u_a.u_b``:
    ``u_a.u_b``), "" for the top's own points."""
    parts = [x for x in (hier or "").split(".") if x and x != "*"]
    if parts and parts[0] == "TOP" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts[1:])


def prove_holes(design: Design, spec: Spec | None, holes: Sequence[Hole], *, out: Path,
                root: Path, depth: int = 20, timeout: float = 30.0, jobs: int | None = None,
                progress: Callable[[str, object], None] | None = None) -> list[HoleVerdict]:
    """Search every hole with Z3; return one verdict per hole, in order."""
    from dv.errors import DvError

    verdicts: list[HoleVerdict] = []
    props: list[SvaProperty] = []
    sub_props: list[SvaProperty] = []
    labels: dict[str, HoleVerdict] = {}
    clock = design.clock.name if design.clock else None
    # No ``disable iff`` on a hole's cover: Verilator counts a point during reset too, and a
    # cover disabled while reset is asserted would be "proven unreachable" for points that are
    # hit only then (the reset's own toggle): a false proof.
    disable = ""
    for i, hole in enumerate(holes):
        expr, why = cover_target(hole, design) if clock else (
            None, f"the design {design.top} has no clock: no cycle to cover in")
        v = HoleVerdict(hole, "unchecked" if expr is None else "unknown")
        if expr is None:
            v.detail = why
        else:
            label = f"dv_hole_{i}"
            text = f"{label}: cover property (@(posedge {clock}){disable} {expr});"
            sp = SvaProperty(text=text, line=i + 1, label=label, kind="cover")
            scoped = bool(_instance(hole.point.hier))
            try:  # one condition the lowering cannot read must not sink the others
                _check_target(sp, design, root, scoped)
            except DvError as exc:
                v.status, v.detail = "unsupported", exc.message[:300]
                if scoped:
                    v.detail = (f"in instance {_instance(hole.point.hier)}: "
                                f"{v.detail}")[:300]
            else:
                (sub_props if scoped else props).append(sp)
                labels[label] = v
        verdicts.append(v)
    # holes in submodules (hierarchical names) are proven in a run of their own, so that a
    # name the engine cannot bind there does not sink the top's holes
    for group, where in ((props, out), (sub_props, out / "submodules")):
        if group:
            _prove_group(design, spec, group, labels, where, root, depth, timeout, jobs,
                         progress)
    return verdicts


def _check_target(sp: SvaProperty, design: Design, root: Path, scoped: bool) -> None:
    """Raise the lowering's error if ``sp`` cannot be read against the design (hierarchical
    names through the aliases the engine makes for them)."""
    from dv.formal.sva import parse_property

    text, checked = sp.text, design
    if scoped:
        from dv.formal.props import _hierarchical_aliases

        pending, checked, _aliases = _hierarchical_aliases([(sp, "", None)], design, root)
        text = pending[0][0].text
    parse_property(text, source_file="<holes>", line=sp.line, design=checked)


def _prove_group(design: Design, spec: Spec | None, props: list[SvaProperty],
                 labels: dict[str, HoleVerdict], out: Path, root: Path, depth: int,
                 timeout: float, jobs: int | None, progress) -> None:
    from dv.errors import DvError
    from dv.formal.prove import ProveOptions, run_prove

    mine = [labels[p.label or ""] for p in props]
    if spec is not None:  # the designer's assumptions constrain what is reachable
        props = props + [p for p in spec.properties if p.kind == "assume"]
    holes_spec = Spec(path=str(out / "holes.md"), properties=props)
    try:
        run = run_prove(design.files, top=design.top, defines=design.defines,
                        includes=design.include_dirs, params=design.overrides, spec=holes_spec,
                        options=ProveOptions(depth=depth, mode="cover", timeout=timeout,
                                             jobs=jobs, out=out, replay=False, root=root),
                        progress=progress)
    except DvError as exc:  # e.g. a condition the lowering cannot read: say so, keep the run
        for v in mine:
            v.status, v.detail = "unsupported", exc.render()[:300]
        return
    for r in run.results:
        v = labels.get(r.prop.label or "") or labels.get(r.prop.name)
        if v is None:
            continue
        v.status = r.status if r.status in ("unreachable", "covered", "not_reached",
                                            "unknown", "unsupported") else "unknown"
        v.detail, v.step = r.verdict if not r.detail else f"{r.verdict}: {r.detail}", r.step
