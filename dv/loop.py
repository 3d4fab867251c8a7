"""The closure loop: generate, build once, simulate, measure, aim at the holes, repeat.

Round 0 runs the generator's baseline; each later round gives the generator the open holes
(with their source context) and the failures, and runs what it adds. A round that adds no
coverage switches the generator's strategy (the built-in one: aim at the holes, untried
configuration values, longer runs, new seeds); the loop stops at the coverage goal, at the round
or time budget, or when two different strategies in a row add nothing. After every
round the full record is written (``coverage/<top>/closure.json``), so an interrupted run keeps
what it had.

Nothing is written before the inputs are checked (spec properties against the design, waivers
against its files). The new testbench is written whole beside ``testbenches/<top>`` and swapped
in; if the run does not complete (Ctrl-C, a tool failure) the previous testbench comes back and
a previous complete record stays ``closure.json``, this run's going to
``closure.interrupted.json`` (and ``summary.interrupted.md``, ...).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dv import __version__
from dv.cov.datfile import read_dat, write_dat
from dv.cov.holes import Hole, find_holes
from dv.cov.model import Coverage, CoverPoint
from dv.design.model import Design
from dv.design.spec import Spec, Waiver
from dv.files import StagedDir, check_writable_dir, stage_dir, write_atomic, write_generated
from dv.gen import harness
from dv.gen.base import Bundle, Generator, RoundContext, TestPlan
from dv.manifest import MANIFEST, Manifest, ManifestTest, relpath, render
from dv.protocols.transport import merge_observed
from dv.sim.build import Build, BuildConfig, build
from dv.sim.run import SimResult, TestJob, run_tests
from dv.sim.sandbox import MODEL_CODE, SPEC_CODE, sandbox_policy

GOAL_KINDS = ("line", "branch", "toggle")


@dataclass
class ClosureOptions:
    rounds: int = 5
    goal: float = 95.0
    goal_kinds: tuple[str, ...] = GOAL_KINDS
    time_budget: float | None = None
    seed: int = 1
    out: Path = Path(".")
    parallel: int | None = None
    test_timeout: float = 300.0
    build_timeout: float = 900.0
    root: Path = Path(".")
    formal: bool = True  # search the holes left open (and the waived ones) with Z3
    formal_depth: int = 20
    formal_timeout: float = 30.0  # per hole
    # seconds for the whole formal pass on the holes; None: formal_fraction of the run's
    # (see formal_budget): holes not searched when it is spent stay open, with that reason
    formal_budget: float | None = None
    formal_fraction: float = 0.25
    sandbox: bool | None = None  # OS sandbox for simulations; None: on when a model writes code
    # a design assertion fired by stimulus it constrains becomes a stimulus constraint of the
    # following rounds (dv.gen.constraints); False: such failures are the design's
    learn: bool = True


@dataclass
class RoundRecord:
    index: int
    generator: str
    tests: list[dict] = field(default_factory=list)
    new_points: int = 0
    summary: dict[str, dict] = field(default_factory=dict)
    open_holes: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    weakened: list[str] = field(default_factory=list)  # checks the generator removed/loosened
    llm: dict = field(default_factory=dict)  # model usage of the round (LLM generator)
    strategy: str = ""  # how the round was aimed: "baseline", or one of generator.strategies()
    learned: list[str] = field(default_factory=list)  # stimulus constraints learned (ids)


@dataclass
class ClosureRun:
    design: Design
    spec: Spec | None
    generator: str
    options: ClosureOptions
    rounds: list[RoundRecord] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    holes: list[Hole] = field(default_factory=list)
    stop_reason: str = ""
    build: Build | None = None
    started: float = field(default_factory=time.time)
    seconds: dict[str, float] = field(default_factory=lambda: {
        "build": 0.0, "simulation": 0.0, "generation": 0.0, "formal": 0.0, "total": 0.0})
    sim_cycles: int = 0
    sim_wall: float = 0.0  # seconds inside the tests (cocotb's count), without process start-up
    transport: dict = field(default_factory=dict)  # dv.protocols.transport.merge_observed
    tb_dir: Path = Path(".")
    cov_dir: Path = Path(".")
    status: str = "running"  # running | done | interrupted | error
    formal: list = field(default_factory=list)  # dv.formal_holes.HoleVerdict, one per hole
    sandbox: dict = field(default_factory=dict)  # dv.sim.sandbox.sandbox_policy: enabled, reason
    # a complete record from an earlier run is kept until this one completes: meanwhile this
    # run's record files are named closure.interrupted.json, summary.interrupted.md, ...
    keep_previous_record: bool = False
    stimulus: object | None = None  # dv.gen.constraints.StimulusConstraints (assumed, learned)
    # the last dv qualify's section of the previous record (carried over, marked stale) and
    # its survivors still at the design's current text: targets of the rounds after round 0
    qualify: dict | None = None
    mutation_targets: list = field(default_factory=list)
    mutation_notes: list = field(default_factory=list)

    @property
    def waivers(self) -> list[Waiver]:
        return list(self.spec.waivers) if self.spec else []

    def summary(self) -> dict:
        return {k: v for k, v in self.coverage.summary(self.waivers).items()}

    def goal_met(self) -> bool:
        summ = self.coverage.summary(self.waivers)
        return all(summ[k].percent >= self.options.goal for k in self.options.goal_kinds
                   if k in summ and summ[k].total > 0)

    def failed_tests(self) -> list[dict]:
        return [t for r in self.rounds for t in r.tests if t["status"] != "passed"]


Progress = Callable[[str, object], None]


def run_closure(design: Design, spec: Spec | None, generator: Generator,
                options: ClosureOptions, progress: Progress | None = None) -> ClosureRun:
    note = progress or (lambda kind, data: None)
    out = options.out
    run = ClosureRun(design, spec, generator.name, options,
                     tb_dir=out / "testbenches" / design.top,
                     cov_dir=out / "coverage" / design.top)
    _check_writable(run.tb_dir)
    _check_writable(run.cov_dir)
    # code dv did not write runs in the sandbox: a model's, or the reference model a spec's
    # python scoreboard block carries (a spec is untrusted input like a model's answer)
    spec_code = spec is not None and getattr(spec, "scoreboard", None) is not None
    run.sandbox = sandbox_policy(generator.name != "builtin" or spec_code, options.sandbox,
                                 MODEL_CODE if generator.name != "builtin" else SPEC_CODE)
    note("sandbox", run.sandbox)
    run.keep_previous_record = _complete_record(run.cov_dir / "closure.json")
    _mutation_targets(run, note)
    start = time.monotonic()
    all_tests: list[TestPlan] = []
    manifest_tests: list[ManifestTest] = []
    staged: StagedDir | None = None
    props_file: Path | None = None
    try:
        _check_inputs(design, spec, options.root)  # before anything is written (or asked)
        from dv.gen.constraints import StimulusConstraints

        run.stimulus = StimulusConstraints.of(design, spec, options.root, options.learn)
        t0 = time.monotonic()
        bundle = generator.baseline(design, spec, options.seed)
        _add_protocol_rules(design, bundle)
        run.seconds["generation"] += time.monotonic() - t0
        # the new testbench is written whole beside the old one, then swapped in; the old
        # one comes back if this run does not complete
        staged = stage_dir(run.tb_dir, _generated_names(design.top, options.rounds))
        for msg in staged.notes:
            note("kept", msg)
        for orig, kept in staged.kept:
            note("kept", f"{orig} was edited by hand: kept as {kept}")
        staged_props = _write_baseline(run, bundle, staged.staging)
        staged.swap_in()
        props_file = run.tb_dir / staged_props.name if staged_props else None
        sources = list(design.files) + ([str(props_file)] if props_file else [])
        cfg = BuildConfig(
            top=design.top, sources=sources, parameters=dict(design.overrides),
            defines=dict(design.defines), includes=list(design.include_dirs),
            timing=any("##" in p.text for p in bundle.properties))
        _build(run, cfg, note)
        bound = [p.text for p in bundle.properties]
        rnd = 0
        strategies = tuple(generator.strategies(design)) or ("default",)
        strategy = "baseline"
        stalled: list[str] = []  # strategies of the rounds since the last that hit a new point
        while True:
            record = _run_round(run, bundle, all_tests, manifest_tests, note)
            record.strategy = strategy
            record.notes += generator.review_round(bundle, record.tests)
            all_tests += bundle.tests
            run.seconds["total"] = time.monotonic() - start
            _write_results(run, manifest_tests, props_file)
            note("round", record)
            aim_mutants = bool(run.mutation_targets) and rnd == 0 and options.rounds > 1
            if record.learned and rnd + 1 < options.rounds:
                pass  # the constraint just learned gets a round to show what it changes
            elif run.goal_met() and not aim_mutants:
                kinds = ", ".join(options.goal_kinds)
                run.stop_reason = f"goal reached ({options.goal:g}% on {kinds})"
                break
            if rnd + 1 >= options.rounds:
                run.stop_reason = f"round budget used ({options.rounds} rounds)"
                break
            stalled = stalled + [strategy] if rnd > 0 and record.new_points == 0 else []
            if record.learned:
                stalled = []
            if len(set(stalled[-2:])) == 2:
                run.stop_reason = (f"stalled after strategies {stalled[-2]} and {stalled[-1]} "
                                   "added nothing")
                break
            untried = [s for s in strategies if s not in stalled]
            if stalled and not untried and not generator.continue_after_stall():
                run.stop_reason = ("stalled: the last round hit no new coverage point"
                                   + (f" (strategy {strategy}, the generator's only one)"
                                      if len(strategies) == 1 else ""))
                break
            if strategy == "baseline" or (stalled and untried):
                strategy = untried[0] if stalled else strategies[0]
            if options.time_budget is not None and time.monotonic() - start >= options.time_budget:
                run.stop_reason = f"time budget used ({options.time_budget:g} s)"
                break
            rnd += 1
            t0 = time.monotonic()
            failures = [t for t in record.tests if t["status"] != "passed"]
            ctx = RoundContext(round=rnd, holes=[h for h in run.holes if h.waiver is None],
                               failures=failures, previous_tests=list(all_tests),
                               seed=options.seed, new_points=record.new_points,
                               bound_properties=[p.label for p in _bound(bound, bundle)],
                               strategy=strategy, survivors=list(run.mutation_targets))
            bundle = generator.next_round(design, spec, ctx)
            if record.learned:  # the tests that failed on illegal stimulus, legal this time
                from dv.gen.constraints import recheck_tests

                bundle.tests += recheck_tests(record.tests, all_tests, rnd)
            if bundle.properties:  # a rebind keeps the protocol rules
                _add_protocol_rules(design, bundle)
            run.seconds["generation"] += time.monotonic() - t0
            texts = [p.text for p in bundle.properties]
            if bundle.properties and texts != bound:  # new or changed properties: rebind
                props_file = _write_props(run, bundle)
                cfg = dataclasses.replace(
                    cfg, sources=list(design.files) + [str(props_file)],
                    timing=any("##" in p.text for p in bundle.properties))
                _build(run, cfg, note)
                bound = texts
        if options.formal and run.holes:
            _formal_on_holes(run, note)
        if run.stimulus is not None and run.rounds and run.rounds[-1].learned:
            run.stimulus.unapplied("the run ended in the round that learned it")
        run.status = "done"
    except KeyboardInterrupt:
        run.status = "interrupted"
        run.stop_reason = "interrupted by the user"
        raise
    except Exception as exc:
        run.status = "error"
        run.stop_reason = f"error: {exc}"
        raise
    finally:
        run.seconds["total"] = time.monotonic() - start
        try:
            if run.rounds:
                _write_results(run, manifest_tests, props_file)
        finally:
            if staged is not None:
                _settle(run, staged, note)
    return run


def _mutation_targets(run: ClosureRun, note: Progress) -> None:
    """The survivors of the last ``dv qualify`` of this design (the previous record's
    ``qualify`` section), kept only where the RTL file is the one measured. They go to every
    round after round 0 (a goal met at round 0 still gets one round aimed at them)."""
    from dv.qualify.feedback import previous_section, targets

    run.qualify = previous_section(run.cov_dir)
    run.mutation_targets, run.mutation_notes = targets(run.qualify, run.options.root,
                                                       list(run.design.files))
    if run.mutation_targets:
        note("kept", f"{len(run.mutation_targets)} surviving mutant(s) of the last dv qualify "
                     "are targets of this run's rounds")
    for msg in run.mutation_notes:
        note("kept", msg)


def _complete_record(path: Path) -> bool:
    try:
        return json.loads(path.read_text()).get("status") == "done"
    except (OSError, ValueError, AttributeError):
        return False


def _generated_names(top: str, rounds: int) -> set[str]:
    return {f"{harness.env_module_name(top)}.py", f"test_{top}.py", f"{top}_props.sv", MANIFEST,
            *(f"{harness.round_module_name(top, r)}.py" for r in range(rounds))}


def _check_inputs(design: Design, spec: Spec | None, root: Path) -> None:
    """Reject, naming the spec's file and line, what would otherwise fail after writing.

    The spec's properties must name the design's own signals (the check ``dv prove`` makes;
    a construct only Z3's lowering lacks is fine, Verilator simulates it) and its waivers
    must name a line of one of the design's files.
    """
    if spec is None:
        return
    from dv.design.spec import check_waivers
    from dv.formal.sva import UnsupportedSva, parse_property

    check_waivers(spec, design, root)
    for sp in spec.properties:
        try:
            parse_property(sp.text, source_file=spec.path, line=sp.line, design=design,
                           kind=sp.kind, label=sp.label)
        except UnsupportedSva:
            continue


def _record_name(name: str, interrupted: bool) -> str:
    if not interrupted:
        return name
    stem, dot, ext = name.partition(".")
    return f"{stem}.interrupted{dot}{ext}"


RECORD_FILES = ("closure.json", "summary.md", "coverage.info", "coverage.dat")


def _settle(run: ClosureRun, staged: StagedDir, note: Progress) -> None:
    """Keep the new testbench if the run completed, else put back the previous complete one."""
    if run.status == "done":
        staged.commit()
        for name in RECORD_FILES:  # records of earlier unfinished runs are superseded
            (run.cov_dir / _record_name(name, True)).unlink(missing_ok=True)
        return
    had_previous = staged.had_previous
    # without a previous testbench, a run that finished a round keeps its partial one in place
    moved = staged.restore(keep_new_as=run.options.out / "build" / "unfinished" / run.design.top,
                           keep_in_place=bool(run.rounds))
    what = "interrupted" if run.status == "interrupted" else "unfinished"
    if had_previous:
        note("kept", f"the previous testbench {run.tb_dir} is unchanged; this {what} run's "
                     f"testbench is in {moved}")
    elif moved is not None:
        note("kept", f"this {what} run's testbench (no test finished) is in {moved}")
    if run.keep_previous_record:
        if run.rounds:
            note("kept", f"the previous record {run.cov_dir / 'closure.json'} is unchanged; "
                         f"this {what} run's record is "
                         f"{run.cov_dir / _record_name('closure.json', True)}")
        else:
            note("kept", f"the previous record {run.cov_dir / 'closure.json'} is unchanged")
    elif run.rounds:
        note("kept", f"this {what} run's record is {run.cov_dir / 'closure.json'}")


def _build(run: ClosureRun, cfg: BuildConfig, note: Progress) -> None:
    """Build (or reuse) the model for ``cfg``, timed into the run's build seconds."""
    note("build-start", cfg)
    t0 = time.monotonic()
    run.build = build(cfg, run.options.out / "build", timeout=run.options.build_timeout)
    run.seconds["build"] += time.monotonic() - t0
    note("build-done", run.build)


def formal_budget(opts: ClosureOptions, spent: float) -> float:
    """Seconds the formal pass on the holes may take: ``formal_budget`` when given, else
    ``formal_fraction`` of ``time_budget``, else (no time budget) enough for formal to be that
    fraction of the whole run given the ``spent`` seconds of the rounds; at least 30 s."""
    if opts.formal_budget is not None:
        return opts.formal_budget
    f = min(max(opts.formal_fraction, 0.01), 0.95)
    if opts.time_budget is not None:
        return max(30.0, f * opts.time_budget)
    return max(30.0, spent * f / (1 - f))


def _formal_on_holes(run: ClosureRun, note: Progress) -> None:
    """Z3 on every hole simulation left (open or waived): unreachable, reachable, or no verdict."""
    from dv.formal_holes import prove_holes

    opts = run.options
    budget = formal_budget(opts, run.seconds["build"] + run.seconds["simulation"]
                           + run.seconds["generation"])
    run.seconds["formal_budget"] = budget
    note("formal-start", len(run.holes))
    t0 = time.monotonic()
    run.formal = prove_holes(run.design, run.spec, run.holes, out=opts.out / "build" / "holes",
                             root=opts.root, depth=opts.formal_depth,
                             timeout=opts.formal_timeout, jobs=opts.parallel, budget=budget)
    run.seconds["formal"] = time.monotonic() - t0
    note("formal-done", run.formal)


def _check_writable(path: Path) -> None:
    check_writable_dir(path, option="--out")


def _write_baseline(run: ClosureRun, bundle: Bundle, tb: Path) -> Path | None:
    """Write the baseline testbench into ``tb`` (the staging directory)."""
    design = run.design
    tb.mkdir(parents=True, exist_ok=True)
    gen = "dv harness"  # the plumbing is dv's own, whichever generator fills the slots
    write_generated(tb / f"{harness.env_module_name(design.top)}.py",
                    harness.header("#", "pyuvm environment", design, gen),
                    harness.env_module(design))
    write_generated(tb / f"test_{design.top}.py",
                    harness.header("#", "pytest rerun entry", design, gen),
                    harness.pytest_entry(design))
    if bundle.properties:
        return _write_props(run, bundle, tb)
    return None


def _write_props(run: ClosureRun, bundle: Bundle, tb: Path | None = None) -> Path:
    design = run.design
    props_path = (tb or run.tb_dir) / f"{design.top}_props.sv"
    spec_path = relpath(run.spec.path, run.options.root) if run.spec else "spec"
    write_generated(props_path, harness.header("//", harness.props_what(bundle), design,
                                               harness.props_generators(bundle)),
                    harness.props_module(design, bundle.properties, spec_path,
                                         bundle.property_origins))
    return props_path


def _add_protocol_rules(design: Design, bundle: Bundle) -> None:
    """The protocol rules of the design's standard interfaces (dv.protocols) join the round's
    properties: assertions on what the design drives, assumptions on what the stimulus
    drives legally."""
    from dv.protocols import ORIGIN, protocol_properties

    labels = {p.label for p in bundle.properties}
    for prop in protocol_properties(design):
        if prop.label not in labels:
            bundle.properties.append(prop)
            bundle.property_origins[prop.label or ""] = ORIGIN


def _bound(texts: list[str], bundle: Bundle) -> list:
    """The properties of ``bundle`` that the current build simulates."""
    return [p for p in bundle.properties if p.text in texts]


def _run_round(run: ClosureRun, bundle: Bundle, all_tests: list[TestPlan],
               manifest_tests: list[ManifestTest], note: Progress) -> RoundRecord:
    design, opts = run.design, run.options
    module = harness.round_module_name(design.top, bundle.round)
    if run.stimulus is not None:  # every plan carries the constraints the driver keeps
        run.stimulus.attach(bundle.tests)
    kept = write_generated(run.tb_dir / f"{module}.py",
                           harness.header("#", f"round {bundle.round} tests", design,
                                          bundle.generator or run.generator),
                           harness.round_module(design, bundle))
    if kept is not None:
        note("kept", f"{run.tb_dir / (module + '.py')} was edited by hand: kept as {kept}")
    record = RoundRecord(index=bundle.round, generator=bundle.generator or run.generator,
                         notes=list(bundle.notes), weakened=list(bundle.weakened),
                         llm=dict(bundle.llm))
    jobs = [TestJob(name=t.name, module=module, testcase=t.name, seed=opts.seed,
                    python_path=(str(run.tb_dir.resolve()),), timeout=opts.test_timeout,
                    sandbox=bool(run.sandbox.get("enabled")))
            for t in bundle.tests]
    t0 = time.monotonic()
    assert run.build is not None
    done: dict[str, SimResult] = {}

    def on_done(res: SimResult) -> None:
        done[res.job.name] = res
        note("test", res)

    interrupted = False
    try:
        run_tests(run.build, jobs, opts.out / "build" / "runs" / design.top,
                  parallel=opts.parallel, on_done=on_done)
    except KeyboardInterrupt:  # keep what finished; the caller records the interruption
        interrupted = True
    record.seconds["simulation"] = time.monotonic() - t0
    run.seconds["simulation"] += record.seconds["simulation"]
    before = sum(1 for p in run.coverage if p.hit)
    period = 10
    for plan in bundle.tests:
        res = done.get(plan.name)
        if res is None:
            continue
        entry = _test_entry(plan, res, bundle.round, opts.root)
        entry["generator"] = plan.generator or record.generator
        if run.stimulus is not None:
            run.stimulus.add_stats(entry, res.run_dir)
        record.tests.append(entry)
        merge_observed(run.transport, res.run_dir / "transport.json", plan.name)
        manifest_tests.append(ManifestTest(module, plan.name, opts.seed, res.status,
                                           bundle.round))
        cycles = int(res.sim_time_ns // period)
        run.sim_cycles += cycles
        run.sim_wall += sum(t.seconds for t in res.tests)
        for cov in _coverage_of(res, run):
            run.coverage.merge(cov, test=plan.name)
    after = sum(1 for p in run.coverage if p.hit)
    record.new_points = after - before
    if run.stimulus is not None:  # failures on design assertions: illegal stimulus or design
        learned = run.stimulus.judge(record.tests, {t.name: t.plan for t in bundle.tests},
                                     bundle.round)
        record.learned = [c.id for c in learned]
        record.notes += [f"learned stimulus constraint {c.id} from {c.source}: {c.sv} "
                         "(unconfirmed: see summary.md)" for c in learned]
    run.holes = find_holes(run.coverage, design.source_map, run.waivers)
    record.open_holes = sum(1 for h in run.holes if h.waiver is None)
    record.summary = {k: v.to_json() for k, v in run.coverage.summary(run.waivers).items()}
    run.rounds.append(record)
    if interrupted:
        record.notes.append(f"interrupted: {len(done)} of {len(jobs)} test(s) finished")
        raise KeyboardInterrupt
    return record


def _test_entry(plan: TestPlan, res: SimResult, rnd: int, root: Path) -> dict:
    message = res.message
    hang = res.run_dir / "scoreboard_hang.json"  # left by the checker's watchdog
    if res.status != "passed" and hang.is_file():
        message = ("the reference model (scoreboard, model-written code) hung — not evidence "
                   f"about the design; {message}")
    return {
        "name": plan.name, "round": rnd, "purpose": plan.purpose, "status": res.status,
        "seed": res.job.seed, "seconds": round(res.seconds, 3),
        "sim_time_ns": res.sim_time_ns, "message": message,
        "test_seconds": round(sum(t.seconds for t in res.tests), 3),
        "log": relpath(res.log, root),
        "cycles": sum(s.get("cycles", 0) for s in plan.plan["segments"]),
    }


def _coverage_of(res: SimResult, run: ClosureRun) -> list[Coverage]:
    out = []
    if res.coverage_file.is_file():
        out.append(read_dat(res.coverage_file, root=run.options.root, test=res.job.name))
    func = res.run_dir / "functional.json"
    if func.is_file():
        out.append(functional_coverage(json.loads(func.read_text()), run.design,
                                       res.job.name))
    return out


def functional_coverage(data: dict, design: Design, test: str | None) -> Coverage:
    """Turn the testbench's functional bins into ``user`` points at the signals' declarations."""
    cov = Coverage()
    file = design.files[0] if design.files else design.top
    for name, count in data.get("bins", {}).items():
        words = name.split()
        sig = words[1] if len(words) > 1 else ""
        decl = design.signal(sig)
        cov.add(CoverPoint(kind="user", file=file, line=decl.line if decl else 0, column=0,
                           comment=f"tb: {name}", hier=design.top, count=int(count),
                           first_test=test if count else None))
    return cov


def _write_results(run: ClosureRun, manifest_tests: list[ManifestTest],
                   props_file: Path | None) -> None:
    from dv.cov.lcov import to_lcov
    from dv.report.closure import closure_record, summary_markdown

    design, opts = run.design, run.options
    run.cov_dir.mkdir(parents=True, exist_ok=True)
    record = closure_record(run)
    unfinished = run.keep_previous_record and run.status != "done"
    cov = {name: run.cov_dir / _record_name(name, unfinished) for name in RECORD_FILES}
    write_atomic(cov["closure.json"], json.dumps(record, indent=1) + "\n")
    write_atomic(cov["summary.md"], summary_markdown(record))
    write_atomic(cov["coverage.info"], to_lcov(run.coverage))
    write_dat(run.coverage, cov["coverage.dat"])
    root = opts.root.resolve()
    tb = run.tb_dir.resolve()
    summ = run.coverage.summary(run.waivers)
    manifest = Manifest(
        top=design.top, root=relpath(root, tb),
        rtl=[relpath(root / f, root) for f in design.files],
        spec=relpath(run.spec.path, root) if run.spec else None,
        parameters=dict(design.overrides), defines=dict(design.defines),
        include_dirs=[relpath(i, root) for i in design.include_dirs],
        props=props_file.name if props_file else None, model=run.generator, seed=opts.seed,
        tests=list(manifest_tests),
        expected={k: [v.hit, v.total] for k, v in summ.items()},
    )
    write_generated(tb / MANIFEST, harness.header("#", "testbench manifest", design,
                                                  run.generator),
                    render(manifest) + harness.timing_toml(design))


__all__ = ["ClosureOptions", "ClosureRun", "RoundRecord", "run_closure", "__version__"]
