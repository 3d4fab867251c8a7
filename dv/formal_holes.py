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
its own, so a name the engine cannot bind there does not sink the top's holes. Named
constants in a condition (enum literals, package parameters, ``pkg::NAME``, a submodule's
parameters) are replaced by their elaborated values (:attr:`Design.constants`); memory entries
(``mem[i]``) are read through the monitor's unpacked-array port declared with the memory's own
range. Holes whose instance Verilator merged (``top.*``), toggles on memories, statements with
no guarding condition, expression rows that are not ``term==value`` conjunctions, and
conditions the lowering cannot read (functions) get no verdict; each says which, naming the
module, instance, memory or statement. A user point (the design's own ``cover``
statement, as Verilator counts it) is answered by that statement in the formal model (matched
by file and line). The pass has a time ``budget``: a hole whose check has
not started when it is spent stays open (``unknown``, "formal time budget spent").
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dv.cov.holes import Hole
from dv.design.model import Design
from dv.design.spec import Spec, SvaProperty
from dv.formal.engine import BUDGET_SPENT

_ROW_TERM = re.compile(r"(.+)==\s*(\d+)", re.S)
_SIMPLE_TERM = re.compile(r"[A-Za-z_][\w$]*(?:\[\d+(?::\d+)?\])*")


def _row_terms(row: str) -> list[tuple[str, str]] | None:
    """The ``(term, value)`` pairs of an expression-coverage row ``(t1==v1 && t2==v2)``, each
    term a signal or a parenthesised sub-expression (``(x < y)==1``); None when a part of the
    row is not of that form (a row must never lose a term: a weaker cover is a false
    "covered")."""
    t = row.strip()
    if t.startswith("(") and _close(t, 0) == len(t) - 1:
        t = t[1:-1]
    parts: list[str] = []
    depth, start = 0, 0
    i = 0
    while i < len(t):
        c = t[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                return None
        elif depth == 0 and t.startswith("&&", i):
            parts.append(t[start:i])
            start = i + 2
            i += 1
        i += 1
    if depth:
        return None
    parts.append(t[start:])
    out = []
    for part in parts:
        m = _ROW_TERM.fullmatch(part.strip())
        if not m or not m.group(1).strip():
            return None
        expr = m.group(1).strip()
        whole = expr.startswith("(") and _close(expr, 0) == len(expr) - 1
        if not whole and not _SIMPLE_TERM.fullmatch(expr):
            return None
        out.append((expr, m.group(2)))
    return out


def _paren(expr: str) -> str:
    return expr if _SIMPLE_TERM.fullmatch(expr) or expr.startswith("(") else f"({expr})"


def _close(text: str, i: int) -> int:
    """Index of the parenthesis closing the one at ``text[i]`` (-1 when none)."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return j
    return -1
_TOGGLE = re.compile(r"^([A-Za-z_]\w*)((?:\[\d+\])*):(0->1|1->0)$")
_SCOPED_TOGGLE = re.compile(
    r"^((?:[A-Za-z_]\w*(?:\[\d+\])?\.)+[A-Za-z_]\w*)((?:\[\d+\])*):(0->1|1->0)$")


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


_WILDCARD = re.compile(r"[!=]=\?\s*\(?\s*\d*\s*'[sS]?[bBoOhH]\s*[0-9a-fA-FxXzZ?_]+\s*\)?")
_XZ = re.compile(r"'[sS]?[bBoOhHdD]?\s*[0-9a-fA-F_]*[xXzZ?]|'[xXzZ]\b")


def cover_target(hole: Hole, design: Design) -> tuple[str | None, str]:
    """``(expression, "")``, or ``(None, reason)``: why the hole has no cover expression, naming
    the submodule, the memory or the statement that stops it."""
    expr, why = _cover_target(hole, design)
    # a wildcard equality's pattern (a casez/casex item: x ==? 3'b01?) has don't-care bits,
    # which 2-state formal and Verilator read alike
    plain = _WILDCARD.sub("==?", expr) if expr is not None else None
    if plain is not None and _XZ.search(plain):
        m = _XZ.search(plain)
        return None, (f"the condition at {hole.point.file}:{hole.point.line} compares with X/Z "
                      f"({m.group(0)!r}): 2-state formal and Verilator's simulation read X/Z "
                      "differently, so a verdict on it would not be about the simulated point")
    return expr, why


def _cover_target(hole: Hole, design: Design) -> tuple[str | None, str]:
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
        return _in_instance(hole, instance, where, design)
    keep = {s.name for s in design.signals} | {q.name for q in design.ports}
    terms = [f"({_fold(c, design, '', keep)})" for c in hole.conditions]
    if p.kind == "toggle":
        m = _TOGGLE.match(p.comment)
        g = _SCOPED_TOGGLE.match(p.comment)
        if not m and g:  # a generate-scoped signal (g_lane[1].cnt): through the aliases
            if g.group(2).count("[") > 1:
                return None, (f"toggle point {p.comment!r} at {where}: a bit of an entry of a "
                              "generate-scoped memory (memory toggles get no target)")
            ref = g.group(1) + g.group(2)
            return (f"$rose({ref})" if g.group(3) == "0->1" else f"$fell({ref})"), ""
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
        pairs = _row_terms(row)
        if not pairs:
            return None, (f"expression row {row.strip()!r} at {where}: not a conjunction of "
                          "term==value parts dv reads")
        terms += [f"({_paren(_fold(name, design, '', keep))} == {value})"
                  for name, value in pairs]
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
_CONST_NAME = re.compile(r"(?<![\w$'.:])((?:[A-Za-z_]\w*::)?[A-Za-z_]\w*)(?!\w|\s*\()")


def _fold(text: str, design: Design, instance: str, keep: set[str] = frozenset()) -> str:
    """``text`` with the named constants its scope reads (enum literals such as ``FILL``,
    package parameters, ``pkg::NAME``, a submodule's parameters) replaced by their sized
    literals from :attr:`Design.constants`; names in ``keep`` (signals) are left alone."""
    consts = design.constants.get(instance, {})
    qualified = design.constants.get("::", {})
    if not consts and not qualified:
        return text

    def sub(m: re.Match) -> str:
        name = m.group(1)
        if "::" in name:
            return qualified.get(name, name)
        return name if name in keep else consts.get(name, name)

    return _CONST_NAME.sub(sub, text)


def _in_instance(hole: Hole, instance: str, where: str,
                 design: Design | None = None) -> tuple[str | None, str]:
    """A submodule hole's cover expression in hierarchical names (``u_sub.go``), which the
    formal engine reads through aliases bound to the instance's signals."""
    p = hole.point

    def scoped(text: str) -> str:
        if design is not None:
            text = _fold(text, design, instance)
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
        row = p.comment.split("=>", 1)[0]
        pairs = _row_terms(row)
        if not pairs:
            return None, (f"expression row {row.strip()!r} at {where} (instance {instance}): "
                          "not a conjunction of term==value parts dv reads")
        terms += [f"({_paren(scoped(name))} == {value})" for name, value in pairs]
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
                progress: Callable[[str, object], None] | None = None,
                budget: float | None = None) -> list[HoleVerdict]:
    """Search every hole with Z3; return one verdict per hole, in order.

    ``budget``: seconds for the whole pass (Yosys, the checks of the top's holes and of the
    submodules'); a hole whose check has not started when it is spent stays open, ``unknown``
    with the reason "formal time budget spent" (never called unreachable)."""
    import time

    from dv.errors import DvError

    deadline = None if budget is None else time.monotonic() + budget

    verdicts: list[HoleVerdict] = []
    props: list[SvaProperty] = []
    sub_props: list[SvaProperty] = []
    labels: dict[str, HoleVerdict] = {}
    clock = design.clock.name if design.clock else None
    # No ``disable iff`` on a hole's cover: Verilator counts a point during reset too, and a
    # cover disabled while reset is asserted would be "proven unreachable" for points that are
    # hit only then (the reset's own toggle): a false proof.
    disable = ""
    made: list[tuple[HoleVerdict, SvaProperty, bool]] = []
    own: list[HoleVerdict] = []  # user points: the design's own cover statements
    for i, hole in enumerate(holes):
        if hole.point.kind == "user" and clock and not _instance(hole.point.hier):
            where = f"{hole.point.file}:{hole.point.line}"
            if _cover_at(hole.point.file, hole.point.line, root):
                v = HoleVerdict(hole, "unchecked", f"the design's cover statement at {where} "
                                "is not in the formal model (a construct the front end does "
                                "not read as a cover)")
                own.append(v)
            else:
                v = HoleVerdict(hole, "unchecked", f"the cover point {hole.point.comment!r} "
                                f"({where}) is no cover statement of the RTL (a property the "
                                "testbench binds into it): the formal pass on holes searches "
                                "the RTL's points")
            verdicts.append(v)
            continue
        expr, why = cover_target(hole, design) if clock else (
            None, f"the design {design.top} has no clock: no cycle to cover in")
        v = HoleVerdict(hole, "unchecked" if expr is None else "unknown")
        if expr is None:
            v.detail = why
        else:
            label = f"dv_hole_{i}"
            text = f"{label}: cover property (@(posedge {clock}){disable} {expr});"
            sp = SvaProperty(text=text, line=i + 1, label=label, kind="cover")
            made.append((v, sp, bool(_instance(hole.point.hier)) or "." in expr))
        verdicts.append(v)
    # with a budget, the most telling holes go first: statements, then expression rows, then
    # toggles (a design with thousands of holes gets verdicts on its branches, not its bits)
    made.sort(key=lambda m: _PRIORITY.get(m[0].hole.point.kind, 9))
    spent = f"unknown ({BUDGET_SPENT}): not searched, the pass had {budget or 0:g} s"
    # the hierarchical names of every scoped target are looked up at once (one elaboration)
    scoped_design, scoped_text = _scoped_targets([sp for _v, sp, sc in made if sc], design,
                                                 root)
    for v, sp, scoped in made:
        if deadline is not None and time.monotonic() >= deadline:
            v.status, v.detail = "unknown", spent
            continue
        try:  # one condition the lowering cannot read must not sink the others
            _check_target(sp, scoped_design if scoped else design,
                          scoped_text.get(sp.label or "", sp.text))
        except DvError as exc:
            v.status, v.detail = "unsupported", exc.message[:300]
            inst = _instance(v.hole.point.hier)
            if inst:
                v.detail = f"in instance {inst}: {v.detail}"[:300]
        else:
            (sub_props if scoped else props).append(sp)
            labels[sp.label or ""] = v
    # holes in submodules (hierarchical names) are proven in runs of their own, so that a
    # name the engine cannot bind there does not sink the top's holes; at most BATCH targets
    # a run, so that a budget spent leaves verdicts on the first batches
    batches = [(props[i:i + BATCH], out / f"b{i // BATCH}" if i else out)
               for i in range(0, len(props), BATCH)] or [([], out)]
    batches += [(sub_props[i:i + BATCH], out / "submodules" / f"b{i // BATCH}")
                for i in range(0, len(sub_props), BATCH)]
    failed: str | None = None  # the design itself could not be modelled: say so for all
    for k, (group, where) in enumerate(batches):
        mine = own if k == 0 else []
        if not group and not mine:
            continue
        if failed is not None:
            for v in [labels[sp.label or ""] for sp in group] + mine:
                v.status, v.detail = "unsupported", failed
            continue
        if deadline is not None and time.monotonic() >= deadline:
            for v in [labels[sp.label or ""] for sp in group] + mine:
                v.status, v.detail = "unknown", spent
            continue
        each = timeout
        if deadline is not None:  # a fair share of what is left, so one hard hole cannot
            left = sum(len(g) for g, _w in batches[k:]) or 1  # eat the budget of the others
            share = (deadline - time.monotonic()) * max(1, jobs or os.cpu_count() or 1) / left
            each = min(timeout, max(MIN_CHECK_SECONDS, share))
        failed = _prove_group(design, spec, group, labels, where, root, depth, each, jobs,
                              progress, deadline, mine)
    return verdicts


BATCH = 200
MIN_CHECK_SECONDS = 2.0  # a check's time never drops below this under the fair share
_PRIORITY = {"branch": 0, "line": 1, "expr": 2, "toggle": 3}


def _cover_at(file: str, line: int, root: Path) -> bool:
    """True when ``file`` (a design source) has a ``cover`` statement at ``line``."""
    q = Path(file)
    try:
        lines = (q if q.is_absolute() else root / q).read_text(errors="replace").splitlines()
    except OSError:
        return False
    return 0 < line <= len(lines) and re.search(r"\bcover\b", lines[line - 1]) is not None


def _same_file(name: str, root: Path) -> str:
    q = Path(name)
    try:
        return str((q if q.is_absolute() else root / q).resolve())
    except OSError:
        return name


def _scoped_targets(sps: list[SvaProperty], design: Design, root: Path
                    ) -> tuple[Design, dict[str, str]]:
    """The design with flat aliases for every hierarchical name the targets ``sps`` read, and
    each target's text in those aliases (by label)."""
    if not sps:
        return design, {}
    from dv.formal.props import _hierarchical_aliases

    pending, checked, _aliases = _hierarchical_aliases([(sp, "", None) for sp in sps],
                                                       design, root)
    return checked, {sp.label or "": q[0].text for sp, q in zip(sps, pending, strict=True)}


def _check_target(sp: SvaProperty, design: Design, text: str) -> None:
    """Raise the lowering's error if ``text`` (``sp`` with its hierarchical names as aliases)
    cannot be read against the design."""
    from dv.formal.sva import parse_property

    parse_property(text, source_file="<holes>", line=sp.line, design=design)


def _prove_group(design: Design, spec: Spec | None, props: list[SvaProperty],
                 labels: dict[str, HoleVerdict], out: Path, root: Path, depth: int,
                 timeout: float, jobs: int | None, progress,
                 deadline: float | None = None, own: Sequence[HoleVerdict] = ()
                 ) -> str | None:
    """Prove ``props`` (the holes' covers) in one run; ``own``: user-point holes, answered by
    the design's own cover statement at the point's file and line (checked in the same run).
    Returns the reason when the design itself cannot be modelled (not a target's fault), so
    that the other batches are not tried again."""
    import time

    from dv.errors import DvError
    from dv.formal.prove import ProveOptions, run_prove

    mine = [labels[p.label or ""] for p in props] + list(own)
    if spec is not None:  # the designer's assumptions constrain what is reachable
        props = props + [p for p in spec.properties if p.kind == "assume"]
    holes_spec = Spec(path=str(out / "holes.md"), properties=props)
    try:
        # FORMAL undefined: the holes are points of the design as Verilator simulated it,
        # which is not the design's own `ifdef FORMAL harness (often written for another tool)
        run = run_prove(design.files, top=design.top, defines=design.defines,
                        undefines=["FORMAL"],
                        includes=design.include_dirs, params=design.overrides, spec=holes_spec,
                        options=ProveOptions(depth=depth, mode="cover", timeout=timeout,
                                             jobs=jobs, out=out, replay=False, root=root,
                                             deadline=deadline),
                        progress=progress)
    except DvError as exc:  # e.g. a condition the lowering cannot read: say so, keep the run
        text = exc.render()
        for v in mine:
            v.status, v.detail = "unsupported", text[:300]
        return None if "dv_monitor" in text or "holes.md" in text else text[:300]
    except Exception as exc:  # noqa: BLE001 - third-party RTL must not end the run in a traceback
        why = f"the formal pass failed inside dv ({type(exc).__name__}: {exc}); a dv bug"
        for v in mine:
            v.status, v.detail = "unknown", why[:300]
        return None
    by_place = {(_same_file(v.hole.point.file, root), v.hole.point.line): v for v in own}
    for r in run.results:
        v = labels.get(r.prop.label or "") or labels.get(r.prop.name)
        if v is None and r.prop.origin == "rtl" and r.prop.kind == "cover":
            v = by_place.get((_same_file(r.prop.file, root), r.prop.line))
            if v is not None and r.prop.instances > 1:  # a verdict per instance: keep open
                v.detail = (f"the design's cover statement at {r.prop.location} has "
                            f"{r.prop.instances} elaborated instances; one point has no "
                            "single verdict")
                continue
        if v is None:
            continue
        v.status = r.status if r.status in ("unreachable", "covered", "not_reached",
                                            "unknown", "unsupported") else "unknown"
        detail = r.verdict if not r.detail or r.detail in r.verdict else \
            f"{r.verdict}: {r.detail}"
        if (v.status == "unknown" and deadline is not None and BUDGET_SPENT not in detail
                and "time" in detail and time.monotonic() >= deadline - 1.0):
            detail += f" (cut short: {BUDGET_SPENT})"
        v.detail, v.step = detail, r.step
    return None
