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
from dv.errors import InputError
from dv.files import write_atomic
from dv.formal import MODES
from dv.formal import engine as _engine
from dv.formal.engine import CheckResult, Query, run_queries
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


@dataclass
class ProveOptions:
    depth: int = 20
    mode: str = "all"
    timeout: float = 60.0  # per check (BMC + induction of one property)
    jobs: int | None = None
    out: Path = Path(".")
    replay: bool = True
    reset_init: bool = True
    root: Path = field(default_factory=Path.cwd)
    yosys_timeout: float = 600.0


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

    @property
    def refuted(self) -> list[PropertyResult]:
        return [r for r in self.results if r.status == "refuted"]

    @property
    def disagreements(self) -> list[PropertyResult]:
        return [r for r in self.results if r.disagreement]


Progress = Callable[[str, object], None]


def verdict_text(status: str, res: CheckResult | None = None, depth: int = 0,
                 detail: str = "") -> str:
    if status == "proven" and res is not None:
        return f"proven (k-induction, k={res.k})"
    if status == "refuted" and res is not None:
        return f"refuted at step {res.step}"
    if status == "holds":
        return f"holds to depth {depth}"
    if status == "covered" and res is not None:
        return f"covered at step {res.step}"
    if status == "unreachable":
        return "unreachable"
    if status == "not_reached":
        return f"not reached within {depth}"
    if status == "unknown":
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


def prepare(rtl: Sequence[str | Path], *, top: str | None = None,
            defines: Mapping[str, str] | None = None, includes: Sequence[str | Path] = (),
            params: Mapping[str, str] | None = None, props: Sequence[str | Path] = (),
            spec: str | Path | Spec | None = None, out: Path = Path("."),
            root: Path | None = None, reset_init: bool = True, yosys_timeout: float = 600.0,
            progress: Progress | None = None) -> Prepared:
    """Read the design, collect and lower its properties, and build the SMT2 model."""
    from dv.design.frontend import load_design
    from dv.design.spec import parse_spec

    note = progress or (lambda kind, data: None)
    root = (root or Path.cwd()).resolve()
    seconds: dict[str, float] = {}
    t0 = time.monotonic()
    props_paths = [_abs(p, root) for p in props]
    for pf in props_paths:
        if not pf.is_file():
            raise InputError(f"the properties file {pf} does not exist.", file=str(pf),
                             hint="Pass --props with a SystemVerilog file.")
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
    collected = collect(design, props_files=props_paths,
                        spec_props=spec_obj.properties if spec_obj else [],
                        spec_path=spec_path, work_dir=work, root=root)
    rtl_paths = [f for f in (_abs(f, root) for f in design.files) if f.resolve() not in props_set]
    seconds["frontend"] = time.monotonic() - t0

    t0 = time.monotonic()
    note("model-start", design.top)
    try:
        model = build_model(rtl_paths + collected.yosys_files, top=design.top,
                            build_root=build_root, params=design.overrides,
                            defines=design.defines,
                            includes=[_abs(i, root) for i in design.include_dirs], root=root,
                            timeout=yosys_timeout, rename=collected.rename)
    except InputError as exc:
        raise _monitor_error(exc, collected) from exc
    seconds["model"] = time.monotonic() - t0
    note("model-done", model)

    properties = name_checks(model, collected, rtl_files=rtl_paths, props_files=props_paths,
                             root=root)
    notes: list[str] = []
    reset = None
    if reset_init and design.reset is not None:
        if any(i.name == design.reset.name for i in model.inputs):
            reset = (design.reset.name, design.reset.asserted_value)
        else:
            notes.append(f"the reset {design.reset.name} is not an input of the model: "
                         "BMC starts from arbitrary register values")
    elif reset_init:
        notes.append("no reset found: BMC starts from arbitrary register values")
    return Prepared(design, spec_obj, spec_path, props_paths, rtl_paths,
                    [_abs(i, root) for i in design.include_dirs], work, build_root, model,
                    properties, reset, notes, seconds,
                    collected.monitor_instance if collected.monitor is not None else "")


def run_prove(rtl: Sequence[str | Path], *, top: str | None = None,
              defines: Mapping[str, str] | None = None, includes: Sequence[str | Path] = (),
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
                   props=props, spec=spec, out=Path(opts.out), root=opts.root,
                   reset_init=opts.reset_init, yosys_timeout=opts.yosys_timeout,
                   progress=note)
    design, model, properties, reset = prep.design, prep.model, prep.properties, prep.reset
    formal_dir = Path(opts.out) / "coverage" / design.top / "formal"
    run = ProveRun(design, model, opts, formal_dir=formal_dir, notes=list(prep.notes))
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
        queries.append(Query(mode, p.check, opts.depth, opts.timeout, reset, p.name))
        pending.append(p)

    t0 = time.monotonic()
    by_name = {p.name: p for p in pending}

    def done(res: CheckResult) -> None:
        p = by_name[res.query.name]
        r = PropertyResult(p, res.status, verdict_text(res.status, res, res.depth, res.detail),
                           seconds=res.seconds, step=res.step, depth=res.depth, k=res.k,
                           detail=res.detail)
        results[p.name] = r
        _save_trace(run, design, r, res, [prep.monitor_instance] if prep.monitor_instance
                    else [])
        note("result", r)

    jobs = opts.jobs or os.cpu_count() or 1
    run_queries(model, queries, jobs=jobs, on_done=done)
    _strengthen(model, results, opts, jobs, note)
    run.seconds["solve"] = time.monotonic() - t0
    run.results = sorted(results.values(), key=lambda r: (r.prop.origin != "props",
                                                           r.prop.origin != "rtl",
                                                           r.prop.file, r.prop.line))

    if opts.replay:
        t0 = time.monotonic()
        _replay(run, prep, note)
        run.seconds["replay"] = time.monotonic() - t0
    run.seconds["total"] = time.monotonic() - t_start
    write_reports(run)
    return run


JOINT_MAX_K = 6


def _strengthen(model: SmtModel, results: dict[str, PropertyResult], opts: ProveOptions,
                jobs: int, note: Progress) -> None:
    """Second round with what the first proved: asserts that hold to the depth but are not
    inductive alone get a joint k-induction (with the proven asserts assumed), and covers not
    reached get their unreachability induction again with the proven asserts assumed."""
    if opts.mode not in ("prove", "all"):
        return
    asserts = [r for r in results.values() if r.prop.kind == "assert" and r.prop.check]
    proven = tuple(r.prop.check for r in asserts if r.status == "proven" and r.prop.check)
    holds = [r for r in asserts if r.status == "holds"]
    covers = [r for r in results.values() if r.status == "not_reached" and r.prop.check]
    queries: list[Query] = []
    if holds and (len(holds) > 1 or proven):
        group = tuple(r.prop.check for r in holds if r.prop.check)
        queries.append(Query("joint", group[0], min(opts.depth, JOINT_MAX_K), opts.timeout,
                             name="", group=group, lemmas=proven))
    if proven:
        queries += [Query("unreach", r.prop.check, opts.depth, opts.timeout,  # type: ignore[arg-type]
                          name=r.prop.name, lemmas=proven) for r in covers]
    if not queries:
        return
    by_check = {(r.prop.check.kind, r.prop.check.index): r for r in results.values()
                if r.prop.check is not None}
    names = {c: r.prop.name for c, r in by_check.items()}
    for res in run_queries(model, queries, jobs=jobs):
        if res.query.mode == "joint":
            members = [(c.kind, c.index) for c in res.proven_group]
            for key in members:
                r = by_check[key]
                others = [names[m] for m in members if m != key]
                r.status, r.k = "proven", res.k
                r.verdict = f"proven (k-induction, k={res.k}, with other properties)"
                used = others + [names[(c.kind, c.index)] for c in res.query.lemmas]
                r.detail = "inductive together with: " + ", ".join(used) if used else ""
                r.seconds += res.seconds / max(1, len(members))
                note("result", r)
            for r in holds:
                if r.status == "holds" and r.detail:
                    r.detail += f"; nor together with the other asserts for k <= {res.depth}"
        elif res.status == "unreachable":
            r = results[res.query.name]
            r.status, r.k = "unreachable", res.k
            r.verdict = "unreachable"
            r.detail = "by induction, assuming the proven asserts"
            r.seconds += res.seconds
            note("result", r)


def _abs(path: str | Path, root: Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else (root / p)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


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
    sources, timing = sim_sources(design, prep.rtl_paths, prep.props_paths,
                                  prep.spec.properties if prep.spec else [], prep.spec_path,
                                  prep.work)

    def item(r: PropertyResult) -> ReplayItem:
        return ReplayItem(r.prop.name, r.prop.kind, r.prop.label, r.prop.file, r.prop.line,
                          Path(r.replay_module or "").stem, r.prop.origin)

    items = [item(r) for r in todo]
    note("replay-start", len(items))
    outcomes = run_replays(design, items, sources=sources, timing=timing,
                           traces_dir=run.formal_dir / "traces", build_root=prep.build_root,
                           runs_dir=prep.build_root / "formal" / f"{design.top}-replays",
                           includes=prep.include_paths, parallel=run.options.jobs,
                           refuted=[item(r) for r in run.results if r.status == "refuted"])
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
        "location": r.prop.location, "text": r.prop.text, "status": r.status,
        "verdict": r.verdict, "seconds": round(r.seconds, 4), "step": r.step,
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
                    "timeout": run.options.timeout, "reset_init": run.options.reset_init,
                    "replay": run.options.replay},
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
        ET.SubElement(ET.SubElement(case, "properties"), "property", name="verdict",
                      value=r.verdict)
        if r.disagreement and r.replay is not None:
            errors += 1
            ET.SubElement(case, "error", message=f"engine disagreement: {r.verdict}, but "
                          f"{r.replay.message}").text = r.replay.message
        elif r.status == "refuted":
            fails += 1
            msg = f"{r.verdict} ({r.prop.location})"
            el = ET.SubElement(case, "failure", message=msg)
            el.text = f"{r.prop.text}\ncounterexample: {r.vcd}\nreplay: {r.replay_module}"
        elif r.status in ("unknown", "unsupported", "skipped", "not_reached", "unreachable"):
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
