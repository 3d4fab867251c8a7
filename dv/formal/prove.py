"""``dv prove``: properties in, verdicts, traces, replays and reports out.

1. The design is read with pyslang (:func:`dv.design.frontend.load_design`) for its ports,
   clock and reset; the properties are collected (:mod:`dv.formal.props`): props files, inline
   RTL checks, spec ``sva`` blocks (concurrent ones lowered by :mod:`dv.formal.sva`).
2. Yosys writes the SMT2 model (:mod:`dv.formal.model`, cached per content hash).
3. Every assert is checked (BMC to ``depth``, then k-induction in ``prove`` mode), every cover
   searched (:mod:`dv.formal.engine`), in parallel worker processes.
4. Counterexamples and cover witnesses become VCDs and cocotb replays; Verilator runs the
   replays with the original properties bound in (:mod:`dv.formal.trace`). A solver verdict
   simulation does not reproduce is an *engine disagreement*.
5. ``<out>/coverage/<top>/formal/``: ``formal.json`` (the record), ``formal-junit.xml`` (one
   testcase per property), ``traces/`` (``<name>.vcd``, ``replay_<name>.py``).
"""

from __future__ import annotations

import json
import os
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dv import __version__
from dv.design.model import Design
from dv.design.spec import Spec
from dv.errors import DvError, InputError
from dv.files import write_atomic
from dv.formal import MODES
from dv.formal import engine as _engine
from dv.formal.engine import BUDGET_SPENT, CheckResult, Query, run_queries
from dv.formal.model import SmtModel, build_model
from dv.formal.props import Collected, Property, collect, name_checks
from dv.formal.trace import (
    ReplayItem,
    ReplayOutcome,
    dump_trace_json,
    module_name,
    replay_module,
    run_replays,
    sim_sources,
    write_vcd,
)
from dv.verdicts import ASSERT_RANK, COVER_RANK


@dataclass
class ProveOptions:
    depth: int = 20
    mode: str = "all"
    timeout: float = 60.0  # per check (BMC + induction of one property)
    jobs: int | None = None
    out: Path = Path(".")
    replay: bool = True
    reset_init: bool = True  # False: the same as init="initial" (the older option)
    init: str = "auto"  # auto | reset | initial | any (see resolve_init)
    allow_inconclusive: bool = False
    root: Path = field(default_factory=Path.cwd)
    yosys_timeout: float = 600.0
    deadline: float | None = None  # time.monotonic() value: checks not started by then: unknown
    protocols: bool = False  # the interfaces' protocol rules join the properties
    interfaces: tuple[str, ...] = ()  # --interface lines (correct or refuse a recognition)


@dataclass
class PropertyResult:
    prop: Property
    status: str  # proven refuted holds covered unreachable not_reached unknown unsupported skipped
    verdict: str
    seconds: float = 0.0
    step: int | None = None
    depth: int = 0
    k: int | None = None
    detail: str = ""
    vcd: str | None = None
    replay_module: str | None = None
    replay: ReplayOutcome | None = None
    frame: str = ""  # "from reset" | "from initial values" | "from any state"

    @property
    def rank(self) -> int:
        """How good the verdict is, for a statement's summary (the worst instance wins)."""
        order = COVER_RANK if self.prop.kind == "cover" else ASSERT_RANK
        return order.get(self.status, 1)

    @property
    def disagreement(self) -> bool:
        return self.replay is not None and self.replay.status == "disagreement"


@dataclass
class ProveRun:
    design: Design
    model: SmtModel | None
    options: ProveOptions
    results: list[PropertyResult] = field(default_factory=list)
    assumptions: list[Property] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    formal_dir: Path = Path(".")
    notes: list[str] = field(default_factory=list)
    init: str = "reset"
    init_reason: str = ""
    census: tuple[int, list[str]] = (0, [])

    @property
    def frame(self) -> str:
        return FRAMES.get(self.init, self.init)

    @property
    def statements(self) -> list[Statement]:
        return statements(self.results)

    @property
    def outcome(self) -> str:
        """refuted | inconclusive (nothing decided) | decided (proven, covered, unreachable)"""
        if self.refuted:
            return "refuted"
        return "inconclusive" if self.inconclusive else "decided"

    @property
    def inconclusive(self) -> bool:
        """Nothing refuted and nothing decided: every verdict is unknown / a bound."""
        judged = [r for r in self.results if r.status != "skipped"]
        return bool(judged) and all(r.status in INCONCLUSIVE for r in judged)

    @property
    def refuted(self) -> list[PropertyResult]:
        return [r for r in self.results if r.status == "refuted"]

    @property
    def disagreements(self) -> list[PropertyResult]:
        return [r for r in self.results if r.disagreement]


Progress = Callable[[str, object], None]

INITS = ("auto", "reset", "initial", "any")  # dv prove --init
FRAMES = {"reset": "from reset", "initial": "from initial values", "any": "from any state",
          "comb": "for every input"}  # comb: a design without state, checked in one step
INCONCLUSIVE = ("unknown", "holds", "not_reached", "unsupported")


@dataclass
class Statement:
    """One source statement and the verdicts of its elaborated instances."""

    name: str
    kind: str
    location: str
    members: list[PropertyResult]

    @property
    def worst(self) -> PropertyResult:
        return min(self.members, key=lambda r: r.rank)

    @property
    def status(self) -> str:
        return self.worst.status

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in sorted(self.members, key=lambda r: r.rank):
            out[r.status] = out.get(r.status, 0) + 1
        return out

    @property
    def verdict(self) -> str:
        w = self.worst
        if len(self.members) == 1:
            return w.verdict
        parts = ", ".join(f"{n} {STATUS_WORDS.get(st, st)}" for st, n in self.counts.items())
        return f"{w.verdict} [{len(self.members)} instances: {parts}]"


STATUS_WORDS = {"holds": "hold to depth", "not_reached": "not reached", "covered": "reachable"}


def statements(results: Sequence[PropertyResult]) -> list[Statement]:
    """The results grouped by source statement, in the order of their first instance."""
    groups: dict[str, Statement] = {}
    for r in results:
        key = r.prop.statement
        st = groups.get(key)
        if st is None:
            base = r.prop.label or r.prop.name
            if r.prop.instances > 1 and not r.prop.label:
                base = f"{r.prop.kind}@{Path(r.prop.file).name}:{r.prop.line}"
            groups[key] = st = Statement(base, r.prop.kind, r.prop.location, [])
        st.members.append(r)
    return list(groups.values())


def verdict_text(status: str, res: CheckResult | None = None, depth: int = 0,
                 detail: str = "", frame: str = "") -> str:
    """The verdict as the user reads it, with the frame its BMC part starts from (a
    k-induction proof is BMC from that frame plus an inductive step from any state)."""
    fr = f" {frame}" if frame else ""
    if frame == FRAMES["comb"]:  # no state: one step decides everything
        if status == "proven":
            return "proven for every input (no state: single-step check)"
        if status == "refuted":
            return "refuted (an input violates it)"
        if status == "covered":
            return "covered (an input reaches it)"
        if status == "unreachable":
            return "unreachable for every input"
    if status == "proven" and res is not None:
        return f"proven{fr} (k-induction, k={res.k})"
    if status == "refuted" and res is not None:
        return f"refuted at step {res.step}{fr}"
    if status == "holds":
        return f"holds to depth {depth}{fr}"
    if status == "covered" and res is not None:
        return f"covered at step {res.step}{fr}"
    if status == "unreachable":
        k = f" (k-induction, k={res.k})" if res is not None and res.k is not None else ""
        return f"unreachable{fr}{k}"
    if status == "not_reached":
        return f"not reached within {depth} steps{fr}"
    if status == "unknown":
        if BUDGET_SPENT in detail:  # never started: the run's formal budget was used up
            return f"unknown ({BUDGET_SPENT})"
        return "unknown (timeout)" if "timeout" in detail or "time budget" in detail \
            else f"unknown ({detail or 'solver gave up'})"
    return status


@dataclass
class Prepared:
    """The design, its model and its properties, before any check."""

    design: Design
    spec: Spec | None
    spec_path: str | None
    props_paths: list[Path]
    rtl_paths: list[Path]
    include_paths: list[Path]
    work: Path
    build_root: Path
    model: SmtModel
    properties: list[Property]
    reset: tuple[str, int] | None
    notes: list[str]
    seconds: dict[str, float]
    monitor_instance: str = ""  # the lowered SVA monitor's instance (not in simulation)
    init: str = "reset"  # the resolved frame: reset | initial | any
    init_reason: str = ""  # why (for the table header and formal.json)
    census: tuple[int, list[str]] = (0, [])  # statements in the sources, those without a check

    @property
    def frame(self) -> str:
        return FRAMES[self.init]


def prepare(rtl: Sequence[str | Path], *, top: str | None = None,
            defines: Mapping[str, str] | None = None, includes: Sequence[str | Path] = (),
            params: Mapping[str, str] | None = None, props: Sequence[str | Path] = (),
            spec: str | Path | Spec | None = None, out: Path = Path("."),
            root: Path | None = None, reset_init: bool = True, yosys_timeout: float = 600.0,
            progress: Progress | None = None, init: str = "auto",
            undefines: Sequence[str] = (), protocols: bool = False,
            interfaces: Sequence[str] = ()) -> Prepared:
    """Read the design, collect and lower its properties, and build the SMT2 model.
    ``protocols``: the rules of the design's standard interfaces join them (assertions on
    its outputs, assumptions on its inputs; ``interfaces`` are ``--interface`` lines)."""
    from dv.design.frontend import load_design
    from dv.design.spec import parse_spec

    note = progress or (lambda kind, data: None)
    root = (root or Path.cwd()).resolve()
    defines = {k: v for k, v in dict(defines or {}).items() if k not in set(undefines)}
    seconds: dict[str, float] = {}
    t0 = time.monotonic()
    props_paths = [_abs(p, root) for p in props]
    for pf in props_paths:
        if not pf.is_file():
            raise InputError(f"the properties file {pf} does not exist.", file=str(pf),
                             hint="Pass --props with a SystemVerilog file.")
    proto_notes: list[str] = []
    if protocols:
        pf, proto_notes = _protocol_props(rtl, top, defines, includes, params, spec, interfaces,
                                          Path(out), root)
        if pf is not None:
            props_paths.append(pf)
    # the props files are read with the RTL (FORMAL defined, as for Yosys): a props module
    # that wraps the design becomes the top; one bound into it leaves the design the top
    design = load_design([*rtl, *props_paths], top=top,
                         defines={"FORMAL": "", **dict(defines or {})},
                         include_dirs=list(includes), overrides=params, root=root)
    if props_paths and top is None:
        dut = load_design(list(rtl), defines=defines, include_dirs=list(includes),
                          overrides=params, root=root)
        if dut.top != design.top:
            # a wrapper: its own checks (if (rst_n) assert ...) can look like an active-high
            # reset to the inference; the design's registers know the real polarity
            inputs = {p.name for p in design.ports if p.direction == "input"}
            resets = [r for r in dut.resets if r.name in inputs]
            if resets:
                design.resets = resets + [r for r in design.resets
                                          if r.name not in {x.name for x in resets}]
    spec_obj = parse_spec(spec) if isinstance(spec, str | Path) else spec
    spec_path = _shown(Path(spec_obj.path), root) if spec_obj is not None else None
    props_set = {p.resolve() for p in props_paths}
    build_root = Path(out) / "build"
    work = build_root / "formal" / f"{design.top}-inputs"
    rtl_paths = [f for f in (_abs(f, root) for f in design.files) if f.resolve() not in props_set]
    collected = collect(design, props_files=props_paths,
                        spec_props=spec_obj.properties if spec_obj else [],
                        spec_path=spec_path, work_dir=work, root=root, rtl_files=rtl_paths)
    seconds["frontend"] = time.monotonic() - t0

    t0 = time.monotonic()
    note("model-start", design.top)
    from dv.formal.anyvalues import rewrite_files

    blanked = [collected.rtl_copies.get(p, p) for p in rtl_paths]
    yosys_rtl, any_rename, any_dirs = rewrite_files(
        blanked, work, {collected.rtl_copies.get(p, p): _shown(p, root) for p in rtl_paths})
    any_rename = {copy: collected.rename.get(orig, orig) for copy, orig in any_rename.items()}
    any_dirs += [p.parent.resolve() for p in collected.rtl_copies]
    try:
        model = build_model(yosys_rtl + collected.yosys_files, top=design.top,
                            build_root=build_root, params=design.overrides,
                            defines=design.defines,
                            includes=[_abs(i, root) for i in design.include_dirs] + any_dirs,
                            root=root, timeout=yosys_timeout,
                            rename={**collected.rename, **any_rename},
                            undefines=list(undefines))
    except InputError as exc:
        raise _monitor_error(exc, collected) from exc
    seconds["model"] = time.monotonic() - t0
    note("model-done", model)

    properties = name_checks(model, collected, rtl_files=rtl_paths, props_files=props_paths,
                             root=root)
    _check_something_read(properties, model, rtl_paths, props_paths, list(undefines), root,
                          list(design.defines))
    notes: list[str] = list(proto_notes)
    lost = _lost_checks(model)
    if lost:
        notes.append(f"{len(lost)} elaborated check(s) are not in the model: "
                     + ", ".join(lost[:8]) + (" ..." if len(lost) > 8 else ""))
    census = _census(design, rtl_paths, props_paths, properties, undefines, root)
    if census[1]:
        missing = census[1]
        notes.append(f"{len(missing)} of the {census[0]} assertion statement(s) in the sources "
                     "have no check in the model (not elaborated, e.g. in a generate branch "
                     "not taken, or dropped by the front end): " + ", ".join(missing[:8])
                     + (" ..." if len(missing) > 8 else ""))
    if init == "auto" and not reset_init:
        init = "initial"
    resolved, reset, reason = resolve_init(init, design, model, notes)
    return Prepared(design, spec_obj, spec_path, props_paths, rtl_paths,
                    [_abs(i, root) for i in design.include_dirs], work, build_root, model,
                    properties, reset, notes, seconds,
                    (collected.monitor_instance if collected.monitor is not None else "")
                    or ("dv_mon_i" if collected.checker_monitors else ""),
                    resolved, reason, census)


def _protocol_props(rtl: Sequence[str | Path], top: str | None,
                    defines: Mapping[str, str] | None, includes: Sequence[str | Path],
                    params: Mapping[str, str] | None, spec: str | Path | Spec | None,
                    interfaces: Sequence[str], out: Path, root: Path
                    ) -> tuple[Path | None, list[str]]:
    """``dv prove --protocols``: the design's interfaces (recognised, corrected by the spec's
    ``interfaces`` block and ``interfaces``) and their rules, written as a props file bound
    into the design; the file (None when there is no rule) and notes saying what was added."""
    from dv.design.frontend import load_design
    from dv.design.interfaces import attach_interfaces
    from dv.design.spec import parse_spec
    from dv.protocols.props import write_protocol_props

    dut = load_design(list(rtl), top=top, defines=dict(defines or {}),
                      include_dirs=list(includes), overrides=params, root=root)
    spec_obj = parse_spec(spec) if isinstance(spec, str | Path) else spec
    itfs = attach_interfaces(dut, spec_obj, tuple(interfaces))
    path = Path(out) / "build" / "formal" / f"{dut.top}-protocols" / f"{dut.top}_protocol.sv"
    rules = write_protocol_props(dut, _abs(path, root),
                                 f"// Protocol rules of {dut.top}'s interfaces, written by dv "
                                 "prove --protocols.")
    if not rules:
        named = ", ".join(f"{i.name} ({i.protocol})" for i in itfs) or "none"
        return None, [f"--protocols: no protocol rule applies (interfaces: {named})"]
    asserts = [r.label for r in rules if r.kind == "assert"]
    assumes = [r.label for r in rules if r.kind == "assume"]
    named = ", ".join(sorted({f"{r.interface} ({r.protocol})" for r in rules}))
    return _abs(path, root), [
        f"--protocols: {len(asserts)} protocol rule(s) on the design's outputs checked as "
        f"assertions and {len(assumes)} on its inputs taken as assumptions, from the "
        f"interfaces {named}"]


def _census(design: Design, rtl: Sequence[Path], props: Sequence[Path],
            properties: Sequence[Property], undefines: Sequence[str], root: Path
            ) -> tuple[int, list[str]]:
    """(assertion statements in the sources, those with no check in the model)."""
    from dv.formal.census import source_checks

    defines = {"FORMAL": "", "SYNTHESIS": "", **dict(design.defines)}
    for u in undefines:
        defines.pop(u, None)
    try:
        stmts = source_checks([*rtl, *props], top=design.top, defines=defines,
                              include_dirs=design.include_dirs)
    except Exception:  # noqa: BLE001 - a census that cannot be taken is no verdict
        return 0, []
    have: dict[str, set[int]] = {}
    for p in properties:
        have.setdefault(p.file, set()).add(p.line)
    missing = []
    for st in stmts:
        lines = have.get(_shown(st.file.resolve(), root), set())
        if not any(st.first <= ln <= max(st.first, st.last) for ln in lines):
            missing.append(f"{st.kind} at {_shown(st.file, root)}:{st.first}")
    return len(stmts), missing


def _lost_checks(model: SmtModel) -> list[str]:
    """Checks the front end elaborated that did not reach the SMT2 model (none should: they
    are kept through optimisation)."""
    have = {c.name for c in model.checks}
    return [f"{e.kind} {e.name} ({e.src or '?'})" for e in model.elaborated
            if e.name not in have]


_GUARD = re.compile(r"^\s*`(ifndef|ifdef|elsif)\s+(\w+)")
_CHECK_WORD = re.compile(r"\b(assert|cover|assume)\b|`(ASSERT|ASSUME|COVER)\w*")


def _check_something_read(properties: Sequence[Property], model: SmtModel,
                          rtl: Sequence[Path], props: Sequence[Path], undefines: Sequence[str],
                          root: Path, defined: Sequence[str] = ()) -> None:
    """Zero properties is bad input (exit 2), with the reason when it can be seen: checks
    compiled out by a define (the front end defines SYNTHESIS), or a props file with none."""
    per_file: dict[str, int] = {}
    for p in properties:
        per_file[p.file] = per_file.get(p.file, 0) + 1
    for pf in props:
        shown = _shown(pf, root)
        if per_file.get(shown, 0) == 0 and not any(p.origin == "props" for p in properties
                                                   if p.file == shown):
            raise InputError(f"the properties file {shown} gave no property: no assert, "
                             "assume or cover statement was read from it"
                             + _guard_reason([pf], undefines, defined) + ".", file=shown,
                             hint="Write immediate or concurrent assert/assume/cover "
                                  "statements in a module bound into the design.")
    if any(p.kind in ("assert", "cover") for p in properties):
        return
    raise InputError("no property to check: the front end read no assert or cover statement"
                     + _guard_reason([*rtl, *props], undefines, defined) + ".",
                     hint="Write assertions inline, pass --props FILE or --spec FILE.md with "
                          "sva blocks; -U NAME undefines a macro.")


def _guard_reason(files: Sequence[Path], undefines: Sequence[str],
                  defined: Sequence[str] = ()) -> str:
    """``; N statements sit inside `ifndef SYNTHESIS ...`` when the sources show it."""
    guarded: dict[str, int] = {}
    for f in files:
        try:
            lines = f.read_text(errors="replace").splitlines()
        except OSError:
            continue
        stack: list[tuple[str, str]] = []
        for line in lines:
            m = _GUARD.match(line)
            if m:
                if m.group(1) == "elsif":
                    if stack:
                        stack[-1] = ("ifdef", m.group(2))
                else:
                    stack.append((m.group(1), m.group(2)))
                continue
            s = line.strip()
            if s.startswith("`else") and stack:
                kind, name = stack[-1]
                stack[-1] = ("ifdef" if kind == "ifndef" else "ifndef", name)
                continue
            if s.startswith("`endif") and stack:
                stack.pop()
                continue
            if stack and _CHECK_WORD.search(line.split("//", 1)[0]):
                kind, name = stack[-1]
                if kind == "ifndef" and name == "SYNTHESIS" and "SYNTHESIS" not in undefines:
                    guarded["SYNTHESIS"] = guarded.get("SYNTHESIS", 0) + 1
                elif kind == "ifdef":
                    guarded[name] = guarded.get(name, 0) + 1
    if guarded.get("SYNTHESIS"):
        return (f"; {guarded['SYNTHESIS']} line(s) with checks sit inside `ifndef SYNTHESIS, "
                "and Yosys' slang front end defines SYNTHESIS: pass -U SYNTHESIS")
    others = sorted(n for n in guarded if n not in ("SYNTHESIS", "FORMAL", *defined))
    if others:
        return f"; checks sit inside `ifdef {', '.join(others)}: pass -D NAME to include them"
    return ""


def resolve_init(init: str, design: Design, model: SmtModel, notes: list[str]
                 ) -> tuple[str, tuple[str, int] | None, str]:
    """The frame BMC starts from: (reset|initial|any, the reset held at step 0, why).

    - ``reset``: the ``initial`` values, and the inferred reset held asserted in step 0;
    - ``initial``: the ``initial`` values only, the reset free (SymbiYosys' frame);
    - ``any``: no initial values, no reset: BMC from an arbitrary state;
    - ``auto`` (the default): ``reset`` when a reset is inferred and is an input of the
      model, else ``initial``.
    Registers without an initial value are arbitrary at step 0 in every frame."""
    if init not in INITS:
        raise InputError(f"unknown --init {init!r}; use one of {', '.join(INITS)}.")
    if not model.registers and not model.memories:
        return "comb", None, "no registers: every check is decided in one step"
    rst = design.reset
    rst_input = rst is not None and any(i.name == rst.name for i in model.inputs)
    if init == "reset" or (init == "auto" and rst_input):
        if rst is None:
            raise InputError("--init reset: no reset was inferred for this design.",
                             hint="Use --init initial (start from the initial values).")
        if not rst_input:
            raise InputError(f"--init reset: the reset {rst.name} is not an input of the "
                             "formal model (driven inside, or removed by the front end).",
                             hint="Use --init initial.")
        level = "high" if rst.asserted_value else "low"
        return "reset", (rst.name, rst.asserted_value), \
            f"{rst.name} held asserted ({level}) in step 0, then free"
    if init == "auto":
        why = "no reset inferred" if rst is None else \
            f"the reset {rst.name} is not an input of the model"
        notes.append(f"{why}: BMC starts from the initial values (registers without one "
                     "are arbitrary)")
        return "initial", None, f"initial values; {why}"
    if init == "initial":
        return "initial", None, "initial values, the reset free"
    return "any", None, "an arbitrary state (no initial values, no reset)"


def run_prove(rtl: Sequence[str | Path], *, top: str | None = None,
              defines: Mapping[str, str] | None = None, includes: Sequence[str | Path] = (),
              undefines: Sequence[str] = (),
              params: Mapping[str, str] | None = None, props: Sequence[str | Path] = (),
              spec: str | Path | Spec | None = None, options: ProveOptions | None = None,
              progress: Progress | None = None) -> ProveRun:
    """Check every property of the design; see the module docstring. Raises
    :class:`~dv.errors.InputError` / :class:`~dv.errors.ToolError` for bad input and tool
    failures; refuted properties are results, not exceptions."""
    opts = options or ProveOptions()
    if opts.mode not in MODES:
        raise InputError(f"unknown mode {opts.mode!r}; use one of {', '.join(MODES)}.")
    if opts.depth < 1:
        raise InputError(f"the depth must be at least 1, not {opts.depth}.")
    note = progress or (lambda kind, data: None)
    t_start = time.monotonic()
    prep = prepare(rtl, top=top, defines=defines, includes=includes, params=params,
                   undefines=undefines,
                   props=props, spec=spec, out=Path(opts.out), root=opts.root,
                   reset_init=opts.reset_init, yosys_timeout=opts.yosys_timeout,
                   progress=note, init=opts.init, protocols=opts.protocols,
                   interfaces=opts.interfaces)
    design, model, properties, reset = prep.design, prep.model, prep.properties, prep.reset
    formal_dir = Path(opts.out) / "coverage" / design.top / "formal"
    run = ProveRun(design, model, opts, formal_dir=formal_dir, notes=list(prep.notes),
                   init=prep.init, init_reason=prep.init_reason, census=prep.census)
    run.seconds.update(prep.seconds)
    run.assumptions = [p for p in properties if p.kind == "assume" and not p.unsupported]

    queries: list[Query] = []
    pending: list[Property] = []
    results: dict[str, PropertyResult] = {}
    for p in properties:
        if p.kind == "assume" and not p.unsupported:
            continue
        if p.unsupported:
            results[p.name] = PropertyResult(p, "unsupported", "unsupported",
                                             detail=p.unsupported)
            continue
        assert p.check is not None
        if p.kind == "cover":
            if opts.mode not in ("cover", "all"):
                results[p.name] = PropertyResult(p, "skipped", f"skipped ({opts.mode} mode)")
                continue
            mode = "cover"
        else:
            if opts.mode == "cover":
                results[p.name] = PropertyResult(p, "skipped", "skipped (cover mode)")
                continue
            mode = "bmc" if opts.mode == "bmc" else "prove"
        queries.append(Query(mode, p.check, opts.depth, opts.timeout, reset, p.name,
                             init=prep.init))
        pending.append(p)

    t0 = time.monotonic()
    by_name = {p.name: p for p in pending}

    def done(res: CheckResult) -> None:
        p = by_name[res.query.name]
        r = PropertyResult(p, res.status, verdict_text(res.status, res, res.depth, res.detail,
                                                       prep.frame),
                           seconds=res.seconds, step=res.step, depth=res.depth, k=res.k,
                           detail=res.detail, frame=prep.frame)
        results[p.name] = r
        try:
            _save_trace(run, design, r, res, [prep.monitor_instance] if prep.monitor_instance
                        else [])
        except Exception as exc:  # noqa: BLE001 - a trace that cannot be written loses no verdict
            r.replay = ReplayOutcome("not_built", f"trace not written: {exc}")
        note("result", r)

    jobs = opts.jobs or os.cpu_count() or 1
    run_queries(model, queries, jobs=jobs, on_done=done, deadline=opts.deadline)
    _strengthen(model, results, opts, jobs, note, prep.frame)
    run.seconds["solve"] = time.monotonic() - t0
    run.results = sorted(results.values(), key=lambda r: (r.prop.origin != "props",
                                                           r.prop.origin != "rtl",
                                                           r.prop.file, r.prop.line,
                                                           r.prop.name))

    if opts.replay:
        t0 = time.monotonic()
        _replay(run, prep, note)
        run.seconds["replay"] = time.monotonic() - t0
    run.seconds["total"] = time.monotonic() - t_start
    write_reports(run)
    return run


def _strengthen(model: SmtModel, results: dict[str, PropertyResult], opts: ProveOptions,
                jobs: int, note: Progress, frame: str = "") -> None:
    """Further rounds with what is proven so far, until one adds nothing.

    Every assert that holds to the depth but is not inductive alone, and every cover not
    reached (its negation), joins a joint k-induction (k = 1 .. depth, Houdini: members that
    fail are dropped until the rest is inductive together) with everything proven so far
    assumed at every step. A subset proven at some k becomes lemmas, and the rest is retried
    (from k = 1 again: the new lemmas can make a smaller k work), up to the depth. Sound: every
    member holds to the depth by BMC, and k never exceeds it."""
    if opts.mode not in ("prove", "all"):
        return
    by_check = {(r.prop.check.kind, r.prop.check.index): r for r in results.values()
                if r.prop.check is not None}
    names = {c: r.prop.name for c, r in by_check.items()}
    tried: set[tuple[frozenset, frozenset]] = set()
    while True:
        lemmas = tuple(r.prop.check for r in by_check.values() if r.prop.check is not None
                       and r.status in ("proven", "unreachable"))
        open_ = [r for r in by_check.values() if r.prop.check is not None and
                 ((r.prop.kind == "assert" and r.status == "holds") or
                  (r.prop.kind == "cover" and r.status == "not_reached"))]
        if not open_ or (len(open_) == 1 and not lemmas):
            return
        group = tuple(r.prop.check for r in open_ if r.prop.check is not None)
        key = (frozenset((c.kind, c.index) for c in group),
               frozenset((c.kind, c.index) for c in lemmas))
        if key in tried:
            return
        tried.add(key)
        [res] = run_queries(model, [Query("joint", group[0], opts.depth, opts.timeout,
                                          name="", group=group, lemmas=lemmas)], jobs=1,
                            deadline=opts.deadline)
        if res.status != "proven" or not res.proven_group:
            for r in open_:
                if r.prop.kind == "assert" and r.detail and "together" not in r.detail:
                    r.detail += ("; nor together with the other open properties for "
                                 f"k <= {opts.depth}" + (f" ({res.detail})" if res.detail
                                                        else ""))
            return
        members = [(c.kind, c.index) for c in res.proven_group]
        for key2 in members:
            r = by_check[key2]
            others = [names[m] for m in members if m != key2]
            used = others + [names[(c.kind, c.index)] for c in lemmas]
            fr = f" {frame}" if frame else ""
            if r.prop.kind == "cover":
                r.status, r.k = "unreachable", res.k
                r.verdict = f"unreachable{fr} (k-induction, k={res.k}, with other properties)"
            else:
                r.status, r.k = "proven", res.k
                r.verdict = f"proven{fr} (k-induction, k={res.k}, with other properties)"
            r.detail = "inductive together with: " + ", ".join(used) if used else ""
            r.seconds += res.seconds / max(1, len(members))
            note("result", r)


def _abs(path: str | Path, root: Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else (root / p)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path.resolve())


def _safe(name: str) -> str:
    return re.sub(r"\W", "_", name).strip("_") or "property"


def _save_trace(run: ProveRun, design: Design, r: PropertyResult, res: CheckResult,
                monitor_instances: Sequence[str]) -> None:
    if res.trace is None:
        return
    tdir = run.formal_dir / "traces"
    safe = _safe(r.prop.name)
    clock = design.clock
    vcd = tdir / f"{safe}.vcd"
    write_vcd(vcd, res.trace, top=design.top, clock=clock.name if clock else None,
              negedge=bool(clock and clock.edge == "negedge"),
              comment=f"{r.prop.name} {r.verdict} ({r.prop.location})")
    dump_trace_json(tdir / f"{safe}.json", res.trace)
    r.vcd = str(vcd)
    if clock is not None:
        mod = module_name(r.prop.name)
        write_atomic(tdir / f"{mod}.py", replay_module(design, res.trace, prop_name=r.prop.name,
                                                         verdict=r.verdict,
                                                         checks_off=r.prop.kind == "cover",
                                                         skip_instances=monitor_instances))
        r.replay_module = str(tdir / f"{mod}.py")


def _replay(run: ProveRun, prep: Prepared, note: Progress) -> None:
    todo = [r for r in run.results if r.replay_module and r.status in ("refuted", "covered")]
    if not todo:
        return
    design = prep.design

    def item(r: PropertyResult) -> ReplayItem:
        scope = r.prop.instance.rpartition(".")[0] if r.prop.instances > 1 else ""
        return ReplayItem(r.prop.name, r.prop.kind, r.prop.label, r.prop.file, r.prop.line,
                          Path(r.replay_module or "").stem, r.prop.origin, scope)

    items = [item(r) for r in todo]
    note("replay-start", len(items))
    try:
        sources, timing = sim_sources(design, prep.rtl_paths, prep.props_paths,
                                      prep.spec.properties if prep.spec else [],
                                      prep.spec_path, prep.work)
        outcomes = run_replays(design, items, sources=sources, timing=timing,
                               traces_dir=run.formal_dir / "traces",
                               build_root=prep.build_root,
                               runs_dir=prep.build_root / "formal" / f"{design.top}-replays",
                               includes=prep.include_paths, parallel=run.options.jobs,
                               refuted=[item(r) for r in run.results
                                        if r.status == "refuted"])
    except Exception as exc:  # noqa: BLE001 - the verdicts stand without their replays
        reason = exc.render() if isinstance(exc, DvError) else f"{type(exc).__name__}: {exc}"
        reason = " ".join(reason.split())[:400]
        run.notes.append(f"replays not built: {reason}")
        outcomes = {it.name: ReplayOutcome("not_built", f"replay not built: {reason}")
                    for it in items}
    free = prep.model.free_values
    for name, o in list(outcomes.items()):
        if free and o.status == "disagreement":  # the replay drives inputs only
            outcomes[name] = ReplayOutcome(
                "inconclusive", f"{o.message}; but the trace chooses free values the "
                f"simulation cannot set ({', '.join(free)})", o.run_dir)
    for r in todo:
        r.replay = outcomes.get(r.prop.name)
        if r.replay is not None:
            note("replay", r)


def _monitor_error(exc: InputError, collected: Collected) -> InputError:
    """A Yosys error inside the generated monitor, blamed on the property it came from."""
    mon = collected.monitor
    if mon is None or exc.file is None or exc.line is None:
        return exc
    if not exc.file.endswith(f"{mon.module_name}.sv"):  # type: ignore[attr-defined]
        return exc
    lines = mon.text.splitlines()  # type: ignore[attr-defined]
    for i in range(min(exc.line, len(lines)) - 1, -1, -1):
        m = re.match(r"^\s*// (\w+) \((.+):(\d+)\)", lines[i])
        if m:
            return InputError(f"property {m.group(1)}: {exc.message}", file=m.group(2),
                              line=int(m.group(3)),
                              hint="Yosys read the monitor dv generated from this property "
                                   f"({exc.file}:{exc.line}).")
    return exc


# -- reports -------------------------------------------------------------------------------------


def result_record(r: PropertyResult) -> dict:
    return {
        "name": r.prop.name, "kind": r.prop.kind, "origin": r.prop.origin,
        "instance": r.prop.instance or r.prop.name, "statement": r.prop.statement,
        "location": r.prop.location, "text": r.prop.text, "status": r.status,
        "verdict": r.verdict, "frame": r.frame, "seconds": round(r.seconds, 4), "step": r.step,
        "depth": r.depth, "k": r.k, "detail": r.detail, "vcd": r.vcd,
        "replay_module": r.replay_module,
        "replay": None if r.replay is None else {
            "status": r.replay.status, "message": r.replay.message, "run_dir": r.replay.run_dir},
        "check": None if r.prop.check is None else {
            "kind": r.prop.check.kind, "index": r.prop.check.index, "cell": r.prop.check.name},
    }


def write_reports(run: ProveRun) -> None:
    fd = run.formal_dir
    counts: dict[str, int] = {}
    for r in run.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    model = run.model
    record = {
        "dv": __version__, "top": run.design.top, "files": run.design.files,
        "parameters": run.design.overrides,
        "options": {"depth": run.options.depth, "mode": run.options.mode,
                    "timeout": run.options.timeout, "init": run.options.init,
                    "allow_inconclusive": run.options.allow_inconclusive,
                    "replay": run.options.replay, "protocols": run.options.protocols},
        "frame": {"init": run.init, "text": run.frame, "how": run.init_reason},
        "outcome": run.outcome,
        "engine": {"solver": _engine.SOLVER,
                   "queries": "a fresh solver per BMC/cover query; k-induction incremental "
                              "when the model has no memories",
                   "reset": None if run.design.reset is None else {
                       "name": run.design.reset.name,
                       "asserted": run.design.reset.asserted_value}},
        "model": None if model is None else {"path": str(model.path), "key": model.key,
                                             "cached": model.cached},
        "seconds": {k: round(v, 3) for k, v in run.seconds.items()},
        "summary": counts,
        "checks": {"elaborated": len(model.elaborated) if model is not None else None,
                   "in_model": len(model.checks) if model is not None else None,
                   "statements": len(run.statements), "instances": len(run.results),
                   "source_statements": run.census[0], "without_check": run.census[1]},
        "statements": [{"name": st.name, "kind": st.kind, "location": st.location,
                        "status": st.status, "verdict": st.verdict, "counts": st.counts,
                        "instances": [r.prop.name for r in st.members]}
                       for st in run.statements],
        "disagreements": [r.prop.name for r in run.disagreements],
        "notes": run.notes,
        "properties": [result_record(r) for r in run.results],
        "assumptions": [{"name": p.name, "location": p.location, "text": p.text}
                        for p in run.assumptions],
    }
    write_atomic(fd / "formal.json", json.dumps(record, indent=1) + "\n")
    write_atomic(fd / "formal-junit.xml", junit_xml(run))


def junit_xml(run: ProveRun) -> str:
    top = run.design.top
    suite = ET.Element("testsuite", name=f"dv.formal.{top}")
    fails = errors = skipped = 0
    for r in run.results:
        case = ET.SubElement(suite, "testcase", classname=f"dv.formal.{top}", name=r.prop.name,
                             time=f"{r.seconds:.3f}", file=r.prop.file, line=str(r.prop.line))
        props_el = ET.SubElement(case, "properties")
        ET.SubElement(props_el, "property", name="verdict", value=r.verdict)
        ET.SubElement(props_el, "property", name="frame", value=r.frame or run.frame)
        ET.SubElement(props_el, "property", name="statement", value=r.prop.statement)
        if r.disagreement and r.replay is not None:
            errors += 1
            ET.SubElement(case, "error", message=f"engine disagreement: {r.verdict}, but "
                          f"{r.replay.message}").text = r.replay.message
        elif r.status == "refuted":
            fails += 1
            msg = f"{r.verdict} ({r.prop.location})"
            el = ET.SubElement(case, "failure", message=msg)
            el.text = f"{r.prop.text}\ncounterexample: {r.vcd}\nreplay: {r.replay_module}"
        elif r.status in ("unknown", "unsupported", "skipped", "not_reached", "unreachable",
                          "holds"):
            skipped += 1
            ET.SubElement(case, "skipped", message=f"{r.verdict}"
                          + (f": {r.detail}" if r.detail else ""))
    suite.set("tests", str(len(run.results)))
    suite.set("failures", str(fails))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    suite.set("time", f"{run.seconds.get('total', 0.0):.3f}")
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
