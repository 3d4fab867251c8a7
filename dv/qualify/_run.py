"""``dv qualify``: plant sampled mutants in one schema build and run the committed tests on each.

One Verilator build holds every sampled mutant behind ``dv_mut_sel`` (see
:mod:`dv.qualify.sites`); each mutant is one set of simulations with ``+dv_mut=K``, and K=0 is
the reference (it must pass as the original design does). Verdicts per mutant:

- ``killed``: a test failed or an HDL assertion fired within the test timeout;
- ``error``: a simulation ended without results (a crash, e.g. a combinational loop that
  does not settle) and no test failed;
- ``hang``: only timeouts, no failure;
- ``survived``: every test passed, and the formal miter did not prove it equivalent;
- ``equivalent``: every test passed and the miter (:mod:`dv.qualify.equiv`) proved by
  k-induction that no input sequence makes its outputs differ from the original's: set aside
  with the proof, not counted as a miss (nor in the score's denominator).

Every survivor of the tests goes through the miter (unless ``equiv=False``); its verdict is
kept on the mutant (``equivalence``): equivalent / bounded (no difference within N cycles, not
proven: it stays a survivor) / differs (with the distinguishing input trace) / no verdict.

The second oracle is behaviour: each test's output trace (the generated monitor writes it
when ``DV_OUTPUT_TRACE`` is set) compared with the same test's trace at K=0. Reported as a
separate number: a mutant that changes the outputs but fails no test is one a check is missing
for. Testbenches without an output-trace monitor get "not compared".
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dv import __version__
from dv.errors import DvError, InputError, VerificationFailure
from dv.files import write_atomic
from dv.manifest import Manifest, load
from dv.qualify.equiv import START_STATE
from dv.qualify.sites import PLUSARG, Site, SourceSites, find_sites, sample, schema_text
from dv.sim.build import Build, BuildConfig, build
from dv.sim.executor import BuildRef, SimJob, get_executor
from dv.sim.limits import MIB
from dv.sim.run import OUTPUT_LIMIT, SimResult, TestJob

TRACE_FILE = "outputs.trace"
Progress = Callable[[str, Any], None]


@dataclass
class QualifyOptions:
    tb_dir: Path
    mutants: int | None = 20  # None: every site
    seed: int = 1
    parallel: int | None = None
    out: Path | None = None  # the JSON record; default coverage/<top>/qualify.json
    work: Path | None = None  # scratch; default <project>/build/qualify/<top>
    build_root: Path | None = None  # default <project>/build
    test_timeout: float | None = None  # per mutant run; None: max(30 s, 5 x slowest reference)
    reference_timeout: float = 300.0
    executor: str = "local"
    scheduler: str | None = None
    sandbox: bool | None = None
    sites: tuple[str, ...] = ()  # exactly these site ids (instead of a sample)
    all_tests: bool = False  # run every test on a mutant already killed (the full matrix)
    group_tests: bool = True  # a module's tests in one simulator process (see units_of)
    equiv: bool = True  # survivors go through the formal miter (dv.qualify.equiv)
    equiv_depth: int = 20  # its BMC depth (cycles)
    equiv_timeout: float = 60.0  # its Z3 seconds per mutant


@dataclass
class Mutant:
    k: int
    site: Site
    verdict: str = "survived"  # killed | error | hang | survived | equivalent
    killer: str = ""  # the first test that killed it
    detail: str = ""
    behaviour: str = "not compared"  # changed | same | not compared
    behaviour_detail: str = ""
    tests: dict[str, str] = field(default_factory=dict)  # test -> status
    equivalence: Any = None  # dv.qualify.equiv.Equivalence (survivors of the tests only)

    def to_json(self) -> dict[str, Any]:
        return {"k": self.k, **self.site.to_json(), "verdict": self.verdict,
                "killing_test": self.killer or None, "detail": self.detail[:1000],
                "behaviour": self.behaviour, "behaviour_detail": self.behaviour_detail,
                "tests": self.tests,
                "equivalence": None if self.equivalence is None
                else self.equivalence.to_json()}


@dataclass
class QualifyOutcome:
    top: str
    mutants: list[Mutant]
    record: dict[str, Any]
    out: Path
    sites_total: int

    def count(self, verdict: str) -> int:
        return sum(1 for m in self.mutants if m.verdict == verdict)


def _cov_dir(tb_dir: Path, top: str) -> Path:
    base = tb_dir.parent.parent if tb_dir.parent.name == "testbenches" else Path.cwd()
    return base / "coverage" / top


@dataclass
class Prepared:
    manifest: Manifest
    tb_dir: Path
    root: Path
    sources: list[SourceSites]
    config: BuildConfig  # of the original design (sources as in the manifest)
    sandbox: bool


def prepare(tb_dir: Path, sandbox: bool | None = None) -> Prepared:
    from dv.sim.sandbox import testbench_sandbox_policy

    tb_dir = Path(tb_dir)
    if not tb_dir.is_dir():
        raise InputError(f"testbench directory {tb_dir} does not exist.",
                         hint="Name a directory written by 'dv generate' (testbenches/<top>).")
    tb_dir = tb_dir.resolve()
    m = load(tb_dir)
    root = m.root_dir(tb_dir)
    if not m.tests:
        raise InputError(f"{tb_dir / 'dv.toml'} lists no tests.",
                         hint="Regenerate the testbench with 'dv generate'.")
    for t in {t.module for t in m.tests}:
        if not (tb_dir / f"{t}.py").is_file():
            raise InputError(f"{tb_dir / 'dv.toml'} names test module {t}, but {tb_dir}/{t}.py "
                             "does not exist.", file=tb_dir / "dv.toml")
    sources = [find_sites(root / f, f) for f in m.rtl]
    props_text = (tb_dir / m.props).read_text() if m.props else ""
    cfg = BuildConfig(top=m.top, sources=[str(root / f) for f in m.rtl]
                      + ([str(tb_dir / m.props)] if m.props else []),
                      parameters=dict(m.parameters), defines=dict(m.defines),
                      includes=[str(root / i) for i in m.include_dirs],
                      timing="##" in props_text, coverage=False)
    policy = testbench_sandbox_policy(m.model, tb_dir, sandbox)
    return Prepared(m, tb_dir, root, sources, cfg, bool(policy["enabled"]))


def choose_sites(p: Prepared, n: int | None, seed: int, ids: tuple[str, ...] = ()) -> list[Site]:
    every = [s for src in p.sources for s in src.sites]
    if ids:
        by_id = {s.id: s for s in every}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise InputError(f"no mutation site {missing[0]} in {p.manifest.top}.",
                             hint="Site ids are file:line:column:kind[:detail], as "
                                  "'dv qualify' lists them.")
        return [by_id[i] for i in ids]
    return sample(every, n, seed)


def schema_config(p: Prepared, chosen: dict[str, int], work: Path) -> BuildConfig:
    """The build configuration of the schema: each RTL file replaced by its schema copy."""
    srcs = []
    includes = list(p.config.includes)
    for i, src in enumerate(p.sources):
        d = work / "schema" / str(i)
        d.mkdir(parents=True, exist_ok=True)
        f = d / src.path.name
        text = schema_text(src, chosen)
        if not f.is_file() or f.read_text() != text:
            write_atomic(f, text)
        srcs.append(str(f))
        if str(src.path.parent) not in includes:
            includes.append(str(src.path.parent))  # `include "x.svh" next to the original
    extra = p.config.sources[len(p.sources):]
    return BuildConfig(top=p.config.top, sources=srcs + extra,
                       parameters=p.config.parameters, defines=p.config.defines,
                       includes=includes, timing=p.config.timing, coverage=False)


_LINE = re.compile(r":(\d+):")


_ERROR = re.compile(r"%Error(?:-(?P<code>[A-Z0-9_]+))?: (?P<file>[^:\s]+):(?P<line>\d+):"
                    r"(?:(?P<col>\d+):)? (?P<msg>.*)")
_SEL = re.compile(r"dv_mut_sel [=!]= (\d+)")


def _culprits(exc: DvError, cfg: BuildConfig, p: Prepared, sites: list[Site],
              chosen: dict[str, int]) -> list[tuple[Site, str]]:
    """The sites behind Verilator's errors: every ``%Error`` in the build log on a line of a
    schema copy, blamed on the innermost selection (the last ``dv_mut_sel == K`` before the
    error's column), else on every chosen site of that line."""
    schema = {str(Path(f).resolve()): i for i, f in enumerate(cfg.sources[:len(p.sources)])}
    log = None
    m = re.search(r"The full build log is (\S+?)\.?$", exc.hint or "")
    if m:
        log = Path(m.group(1))
    lines = log.read_text(errors="replace").splitlines() if log and log.is_file() else []
    if not lines and exc.file and exc.line:
        lines = [f"%Error: {exc.file}:{exc.line}:{exc.column or ''}{':' if exc.column else ''} "
                 f"{exc.message}"]
    by_k = {k: s for s in sites for sid, k in chosen.items() if sid == s.id}
    out: dict[str, tuple[Site, str]] = {}
    texts: dict[int, list[str]] = {}
    for ln in lines:
        e = _ERROR.search(ln)
        if not e:
            continue
        idx = schema.get(str(Path(e.group("file")).resolve()))
        if idx is None:
            continue
        line = int(e.group("line"))
        reason = (f"[{e.group('code')}] " if e.group("code") else "") + e.group("msg")[:240]
        if idx not in texts:
            texts[idx] = Path(cfg.sources[idx]).read_text().splitlines()
        text = texts[idx][line - 1] if 0 < line <= len(texts[idx]) else ""
        col = int(e.group("col") or 0)
        before = [int(x.group(1)) for x in _SEL.finditer(text) if col and x.start() < col - 1]
        if before and before[-1] in by_k:
            blamed = [by_k[before[-1]]]
        else:
            rtl = p.sources[idx].file
            blamed = [s for s in sites if s.file == rtl and s.line == line]
        for s in blamed:
            out.setdefault(s.id, (s, reason))
    return list(out.values())


def build_schema(p: Prepared, sites: list[Site], work: Path, build_root: Path,
                 note: Progress) -> tuple[Build, list[Site], list[dict]]:
    """Build the schema; a site Verilator rejects (e.g. '0 assigned to an enum) is dropped
    with the reason and the build retried (a few times at most)."""
    rejected: list[dict] = []
    for _attempt in range(4):
        chosen = {s.id: k for k, s in enumerate(sites, 1)}
        cfg = schema_config(p, chosen, work)
        try:
            return build(cfg, build_root), sites, rejected
        except DvError as exc:
            bad = _culprits(exc, cfg, p, sites, chosen)
            if not bad:
                raise
            for s, reason in bad:
                rejected.append({"site": s.id, "reason": reason})
            note("rejected", [s for s, _r in bad])
            ids = {s.id for s, _r in bad}
            sites = [s for s in sites if s.id not in ids]
    raise InputError("Verilator kept rejecting the schema build after dropping sites: "
                     + "; ".join(r["reason"] for r in rejected[-3:]))


def _jobs(p: Prepared, k: int, tests: list, timeout: float, runs_dir: Path) -> list[TestJob]:
    jobs = []
    for t in tests:
        name = f"m{k}.{t.name}"
        trace = (runs_dir / name / TRACE_FILE).resolve()
        jobs.append(TestJob(name=name, module=t.module, testcase=t.name, seed=t.seed,
                            python_path=(str(p.tb_dir),), timeout=timeout,
                            env=(("DV_OUTPUT_TRACE", str(trace)),), sandbox=p.sandbox,
                            plusargs=(f"+{PLUSARG}={k}",)))
    return jobs


def run_jobs(b: Build, build_root: Path, jobs: list[TestJob], runs_dir: Path,
             opts: QualifyOptions, note: Progress) -> dict[str, SimResult]:
    ref = BuildRef.of(b, build_root)
    sim_jobs = [SimJob(ref, j, runs_dir) for j in jobs]
    with get_executor(opts.executor, parallel=opts.parallel,
                      scheduler=opts.scheduler) as ex:
        results = ex.run(sim_jobs, on_done=lambda r: note("test", r))
    return {r.job.name: r for r in results}


# -- one simulator process for several tests ---------------------------------------------------
#
# Most of a mutant's simulation time is start-up (a Python worker, the simulator, cocotb and the
# testbench imports: ~2 s) against well under a second of test. A *unit* is the tests of one
# module that can share one process: every test the manifest lists for that module passed and
# has the same seed. cocotb then runs them one after another in one simulation (so each test
# starts where the previous one left the design: the reference runs the same way, and its
# traces are the ones compared). The output-trace monitor writes each test's trace to
# DV_OUTPUT_TRACE at its end; in a unit that is the process's standard output, so the traces
# are read back from the log in the order the tests ran (if their number is not the number of
# tests that ran, none is used: behaviour "not compared"). A unit run that hangs or ends
# without results is rerun one test per process, so a later test can still kill the mutant.

TRACE_HEAD = '{"format": "dv-output-trace"'


def units_of(p: Prepared, tests: list) -> list[list]:
    """The tests in run units (one process each): runs of one module's tests where that is
    faithful, single tests otherwise; in the manifest's order of first appearance."""
    listed = {t.name for t in tests}
    by_module: dict[str, list] = {}
    for t in tests:
        by_module.setdefault(t.module, []).append(t)
    out = []
    for module, group in by_module.items():
        every = [t for t in p.manifest.tests if t.module == module]
        if len(group) > 1 and all(t.name in listed for t in every) and \
                len({t.seed for t in group}) == 1:
            out.append(group)
        else:
            out.extend([t] for t in group)
    return out


def _unit_job(p: Prepared, k: int, unit: list, timeout: float) -> TestJob:
    return TestJob(name=f"m{k}.@{unit[0].module}", module=unit[0].module, testcase=None,
                   seed=unit[0].seed, python_path=(str(p.tb_dir),), timeout=timeout,
                   env=(("DV_OUTPUT_TRACE", "/dev/stdout"),), sandbox=p.sandbox,
                   plusargs=(f"+{PLUSARG}={k}",),
                   output_limit=OUTPUT_LIMIT + 16 * MIB * len(unit))


def log_traces(log: Path) -> list[str]:
    """The output traces a unit run printed, in order (each: the head line and its rows)."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    out = []
    i = 0
    while i < len(lines):
        if lines[i].startswith(TRACE_HEAD):
            j = i + 1
            while j < len(lines) and lines[j].startswith("["):
                j += 1
            out.append("\n".join(lines[i:j]) + "\n")
            i = j
        else:
            i += 1
    return out


def split_unit(res: SimResult, unit: list, k: int, runs_dir: Path) -> dict[str, SimResult] | None:
    """Per-test results (named ``m{k}.{test}``, each with its own run directory holding its
    trace) from one unit run; None when the run must be redone one test per process (it hung,
    ended without results, or a listed test did not run although nothing failed)."""
    if res.status not in ("passed", "failed"):
        return None
    ran = [t for t in res.tests if t.status != "skipped"]
    by_name = {t.name: t for t in res.tests}
    traces = log_traces(res.log)
    aligned = len(traces) == len(ran)
    trace_of = {t.name: traces[i] for i, t in enumerate(ran)} if aligned else {}
    listed_ran = [t for t in unit if t.name in by_name]
    stopped = res.status == "failed" and not any(by_name[t.name].status == "failed"
                                                 for t in listed_ran)
    # an HDL assertion (the log says so) stops the simulation in the test that was running
    hdl = res.status == "failed" and ("Assertion failed" in res.message
                                      or "dv-prop-fail" in res.message)
    if len(listed_ran) < len(unit) and res.status != "failed":
        return None
    if hdl:  # cocotb fails the test that was running and every later one with one message
        first = next((tc for tc in res.tests if tc.status == "failed"), None)
        if first is not None:
            never = {tc.name for tc in res.tests[res.tests.index(first) + 1:]
                     if tc.status == "failed" and tc.message == first.message}
            listed_ran = [t for t in listed_ran if t.name not in never]
            last = next((t for t in listed_ran if t.name == first.name), None)
            if last is not None:  # blame the test that was running
                listed_ran = listed_ran[:listed_ran.index(last) + 1]
    out: dict[str, SimResult] = {}
    for t in listed_ran:
        tc = by_name[t.name]
        d = runs_dir / f"m{k}.{t.name}"
        d.mkdir(parents=True, exist_ok=True)
        if t.name in trace_of:
            (d / TRACE_FILE).write_text(trace_of[t.name])
        status, msg = ("failed" if tc.status == "failed" else "passed"), tc.message
        if (stopped or hdl) and t is listed_ran[-1]:  # the simulation ended here
            status, msg = "failed", res.message
        out[f"m{k}.{t.name}"] = SimResult(
            dataclasses.replace(res.job, name=f"m{k}.{t.name}", testcase=t.name), status, d,
            res.seconds, [tc], msg)
    return out


def run_mutants(p: Prepared, b: Build, build_root: Path, ks: list[int], tests: list,
                timeout: float, runs_dir: Path, opts: QualifyOptions, note: Progress,
                plusargs: bool = True, units: list[list] | None = None,
                unit_timeouts: list[float] | None = None) -> dict[str, SimResult]:
    """Every test on every mutant K in ``ks``, one run unit at a time across all mutants
    (``units``: see :func:`units_of`; None: every test in its own process): a mutant a unit
    has killed is not run again (unless ``opts.all_tests``), so a killed mutant usually costs
    one simulation. A hang or error does not stop the later tests: one of them may still kill
    it (a unit run that hangs is redone one test per process)."""
    results: dict[str, SimResult] = {}
    alive = list(ks)
    units = units if units is not None else [[t] for t in tests]
    for ui, unit in enumerate(units):
        if not alive:
            break
        redo: list[int] = []
        if len(unit) == 1:
            jobs = [j for k in alive for j in _jobs(p, k, unit, timeout, runs_dir)]
        else:
            ut = unit_timeouts[ui] if unit_timeouts else timeout * len(unit)
            jobs = [_unit_job(p, k, unit, ut) for k in alive]
        if not plusargs:
            jobs = [dataclasses.replace(j, plusargs=()) for j in jobs]
        res = run_jobs(b, build_root, jobs, runs_dir, opts, note)
        if len(unit) == 1:
            results.update(res)
        else:
            for k in alive:
                got = res.get(f"m{k}.@{unit[0].module}")
                split = split_unit(got, unit, k, runs_dir) if got is not None else None
                if split is None:
                    redo.append(k)
                else:
                    results.update(split)
            if redo:  # one test per process, in order, as without units
                for t in unit:
                    redo_jobs = [j for k in redo for j in _jobs(p, k, [t], timeout, runs_dir)]
                    if not plusargs:
                        redo_jobs = [dataclasses.replace(j, plusargs=()) for j in redo_jobs]
                    if not redo_jobs:
                        break
                    rr = run_jobs(b, build_root, redo_jobs, runs_dir, opts, note)
                    results.update(rr)
                    if not opts.all_tests:
                        redo = [k for k in redo if getattr(rr.get(f"m{k}.{t.name}"),
                                                           "status", None) != "failed"]
        if not opts.all_tests:
            alive = [k for k in alive
                     if not any(getattr(results.get(f"m{k}.{t.name}"), "status", None)
                                == "failed" for t in unit)]
    return results


def reference_runs(p: Prepared, b: Build, build_root: Path, tests: list, runs_dir: Path,
                   opts: QualifyOptions, note: Progress
                   ) -> tuple[dict[str, SimResult], list[list] | None, list[float], float]:
    """The reference (K=0): per-test results, the run units (None: one process per test),
    each unit's timeout for mutant runs, and the per-test timeout. Units are used only when
    every listed test passes in them too; else every test runs alone (as the manifest says
    they passed)."""
    units = units_of(p, tests) if opts.group_tests else None
    if units is not None and all(len(u) == 1 for u in units):
        units = None
    ref: dict[str, SimResult] = {}
    if units is not None:
        jobs = [_unit_job(p, 0, u, opts.reference_timeout) if len(u) > 1 else
                _jobs(p, 0, u, opts.reference_timeout, runs_dir)[0] for u in units]
        res = run_jobs(b, build_root, jobs, runs_dir, opts, note)
        for u in units:
            if len(u) == 1:
                r = res.get(f"m0.{u[0].name}")
                if r is not None:
                    ref[r.job.name] = r
                continue
            got = res.get(f"m0.@{u[0].module}")
            split = split_unit(got, u, 0, runs_dir) if got is not None else None
            ref.update(split or {})
        if any(getattr(ref.get(f"m0.{t.name}"), "status", None) != "passed" for t in tests):
            note("ungrouped", [t.name for t in tests
                               if getattr(ref.get(f"m0.{t.name}"), "status", None)
                               != "passed"])
            units, ref = None, {}
            for t in tests:  # what the unit runs left there
                shutil.rmtree(runs_dir / f"m0.{t.name}", ignore_errors=True)
    if units is None:
        ref = run_jobs(b, build_root, _jobs(p, 0, tests, opts.reference_timeout, runs_dir),
                       runs_dir, opts, note)
    done = [r for r in ref.values()]
    slowest = max((r.seconds for r in done), default=0.0)
    timeout = opts.test_timeout or max(30.0, 5.0 * slowest)
    unit_timeouts = []
    for u in units or []:
        r = ref.get(f"m0.{u[0].name}")
        unit_timeouts.append(opts.test_timeout * len(u) if opts.test_timeout else
                             max(30.0, 5.0 * (r.seconds if r else slowest)))
    return ref, units, unit_timeouts, timeout


def _trace_summary(res: SimResult) -> dict | None:
    from dv.regress import TraceError, read_trace, summarize

    try:
        return summarize(read_trace(res.run_dir / TRACE_FILE))
    except TraceError:
        return None


def judge(m: Mutant, tests: list, results: dict[str, SimResult],
          ref_traces: dict[str, dict | None]) -> None:
    from dv.regress import TraceError, read_trace
    from dv.regress._golden import compare

    failed, errors, timeouts = [], [], []
    changed, compared = [], 0
    for t in tests:
        res = results.get(f"m{m.k}.{t.name}")
        if res is None:
            m.tests[t.name] = "not run (already killed)" if failed else "not run"
            continue
        m.tests[t.name] = res.status
        if res.status == "failed":
            failed.append((t.name, res.message))
        elif res.status == "error":
            errors.append((t.name, res.message))
        elif res.status == "timeout":
            timeouts.append((t.name, res.message))
        old = ref_traces.get(t.name)
        if old is None or res.status in ("error", "timeout"):
            continue
        try:
            trace = read_trace(res.run_dir / TRACE_FILE)
        except TraceError:
            continue
        compared += 1
        diff = compare(old, trace)
        if diff is None:
            continue
        if diff.kind in ("outputs", "length"):
            changed.append(f"{t.name}: {diff.describe()}")
        elif diff.kind == "stimulus":  # a reactive testbench saw different outputs
            changed.append(f"{t.name}: the testbench drove different inputs (it reacted to "
                           "different outputs)")
    if failed:
        m.verdict, m.killer, m.detail = "killed", failed[0][0], failed[0][1]
    elif errors:
        m.verdict, m.killer, m.detail = "error", errors[0][0], errors[0][1]
    elif timeouts:
        m.verdict, m.killer, m.detail = "hang", timeouts[0][0], timeouts[0][1]
    else:
        m.verdict = "survived"
    if changed:
        m.behaviour, m.behaviour_detail = "changed", changed[0]
    elif compared and not (errors or timeouts):
        m.behaviour = "same"
    elif compared:
        m.behaviour = "same where compared"
    else:
        m.behaviour = "not compared"
        m.behaviour_detail = ("no output trace (the testbench has no trace monitor, or every "
                              "run ended without one)")


def qualify(opts: QualifyOptions, progress: Progress | None = None) -> QualifyOutcome:
    note = progress or (lambda kind, data: None)
    t_all = time.monotonic()
    p = prepare(opts.tb_dir, opts.sandbox)
    top = p.manifest.top
    project = p.tb_dir.parent.parent if p.tb_dir.parent.name == "testbenches" else Path.cwd()
    build_root = (opts.build_root or project / "build").resolve()
    work = (opts.work or build_root / "qualify" / top).resolve()
    out = Path(opts.out) if opts.out else _cov_dir(p.tb_dir, top) / "qualify.json"
    if opts.mutants is not None and opts.mutants < 0:
        raise InputError(f"--mutants must not be negative, got {opts.mutants}.")
    if opts.executor not in ("local", "dask"):
        raise InputError(f"unknown executor {opts.executor!r}; use local or dask.")
    total = sum(len(s.sites) for s in p.sources)
    sites = choose_sites(p, opts.mutants, opts.seed, opts.sites)
    note("sites", (total, len(sites)))
    seconds: dict[str, float] = {}

    t0 = time.monotonic()
    b, sites, rejected = build_schema(p, sites, work, build_root, note)
    seconds["build"] = time.monotonic() - t0
    note("built", b)

    runs_dir = work / "runs"
    if runs_dir.exists():
        shutil.rmtree(runs_dir)
    tests = [t for t in p.manifest.tests if t.status == "passed"]
    skipped = [t.name for t in p.manifest.tests if t.status != "passed"]
    if not tests:
        raise InputError(f"no test of {top} is recorded as passing in dv.toml: there is "
                         "nothing to qualify.", hint="Fix the testbench first.")
    # the reference: K=0 must behave exactly as the original design
    t0 = time.monotonic()
    ref, units, unit_timeouts, timeout = reference_runs(p, b, build_root, tests, runs_dir,
                                                        opts, note)
    seconds["reference"] = time.monotonic() - t0
    bad = [(t.name, ref.get(f"m0.{t.name}")) for t in tests]
    bad = [(n, r) for n, r in bad if r is None or r.status != "passed"]
    if bad:
        name, r = bad[0]
        raise VerificationFailure(
            f"the reference run (+{PLUSARG}=0, no mutant) of {top} did not pass test {name} "
            f"({r.status if r else 'not run'}: {(r.message if r else '')[:300]}): the "
            "testbench does not pass on the unmutated design, so no mutant can be judged.",
            hint=f"Run 'dv regress {p.tb_dir}' and fix the testbench or the design first.")
    ref_traces = {t.name: _trace_summary(ref[f"m0.{t.name}"]) for t in tests}

    mutants = [Mutant(k, s) for k, s in enumerate(sites, 1)]
    t0 = time.monotonic()
    results = run_mutants(p, b, build_root, [m.k for m in mutants], tests, timeout, runs_dir,
                          opts, note, units=units, unit_timeouts=unit_timeouts)
    seconds["mutants"] = time.monotonic() - t0
    for mu in mutants:
        judge(mu, tests, results, ref_traces)
    if opts.equiv:
        t0 = time.monotonic()
        check_equivalence(p, mutants, work, opts, note)
        seconds["equivalence"] = time.monotonic() - t0
    seconds["total"] = time.monotonic() - t_all

    record = qualify_record(p, mutants, total, opts, b, timeout, seconds, rejected, skipped,
                            ref_traces)
    # how the tests ran: each inner list in one simulator process (None: one test each)
    record["run_units"] = [[t.name for t in u] for u in units] if units else None
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, json.dumps(record, indent=1) + "\n")
    return QualifyOutcome(top, mutants, record, out, total)


def check_equivalence(p: Prepared, mutants: list[Mutant], work: Path, opts: QualifyOptions,
                      note: Progress) -> None:
    """The formal miter on every survivor of the tests; a proven one becomes ``equivalent``."""
    from dv.qualify.equiv import EquivOptions, check_mutants

    survivors = [m for m in mutants if m.verdict == "survived"]
    if not survivors:
        return
    note("equiv-start", len(survivors))
    eo = EquivOptions(depth=opts.equiv_depth, timeout=opts.equiv_timeout,
                      jobs=opts.parallel or 1)
    verdicts = check_mutants(p, [m.site for m in survivors], work, eo, note)
    for m in survivors:
        m.equivalence = verdicts[m.site.id]
        if m.equivalence.verdict == "equivalent":
            m.verdict = "equivalent"


def summary(mutants: list[Mutant], equiv: bool = True) -> dict[str, Any]:
    """The counts of the record. ``score_checks``: killed / (mutants - equivalent), percent
    (a proven equivalent mutant is no miss); ``equivalence``: the miter verdicts of the
    survivors of the tests (None when the check was off)."""
    n = len(mutants)

    def c(v: str) -> int:
        return sum(1 for m in mutants if m.verdict == v)

    behaviour_only = sum(1 for m in mutants
                         if m.verdict == "survived" and m.behaviour == "changed")
    compared = sum(1 for m in mutants if m.behaviour != "not compared")
    denominator = n - c("equivalent")
    eqs = [m.equivalence.verdict for m in mutants if m.equivalence is not None]
    return {
        "mutants": n, "killed": c("killed"), "error": c("error"), "hang": c("hang"),
        "survived": c("survived"),
        "score_checks": round(100.0 * c("killed") / denominator, 1) if denominator else None,
        "score_denominator": denominator,
        "behaviour_compared": compared,
        "behaviour_changed": sum(1 for m in mutants if m.behaviour == "changed"),
        "detected_only_by_behaviour": behaviour_only,
        "equivalent": c("equivalent") if equiv else None,  # None: the miter was not run
        "equivalence": {"checked": len(eqs), "equivalent": eqs.count("equivalent"),
                        "bounded": eqs.count("bounded"), "differs": eqs.count("differs"),
                        "no_verdict": eqs.count("no verdict")} if equiv else None,
    }


def qualify_record(p: Prepared, mutants: list[Mutant], total: int, opts: QualifyOptions,
                   b: Build, timeout: float, seconds: dict[str, float], rejected: list[dict],
                   skipped: list[str], ref_traces: dict[str, dict | None]) -> dict[str, Any]:
    return {
        "format": "dv-qualify", "version": 1, "dv": __version__, "top": p.manifest.top,
        "testbench": os.path.relpath(p.tb_dir, Path.cwd()),
        "options": {"mutants": opts.mutants, "seed": opts.seed, "sites": list(opts.sites),
                    "test_timeout": round(timeout, 1), "all_tests": opts.all_tests,
                    "equiv": opts.equiv, "group_tests": opts.group_tests},
        "sites_total": total,
        "build": {"key": b.key, "cached": b.cached, "seconds": round(b.seconds, 3),
                  "schema": [str(s) for s in b.config.sources]},
        "tests": [t.name for t in p.manifest.tests if t.status == "passed"],
        "tests_skipped": skipped,
        "behaviour_oracle": ("output traces compared with the unmutated run (K=0)"
                             if any(v is not None for v in ref_traces.values()) else
                             "not available: the reference runs wrote no output trace"),
        "not_built": ["feeding survivors to the next generation round", "HTML rendering"],
        "equivalence": ({"method": "miter of the original and the plain mutant (Yosys), BMC "
                         "then k-induction with internal agreements as lemmas (Z3)",
                         "depth": opts.equiv_depth, "timeout": opts.equiv_timeout,
                         "start": START_STATE} if opts.equiv else None),
        "rejected_sites": rejected,
        "summary": summary(mutants, opts.equiv),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "mutants": [m.to_json() for m in mutants],
    }
