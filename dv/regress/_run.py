"""``dv regress``: rerun committed testbenches and hold them to their baselines.

For every testbench (``testbenches/<top>/dv.toml``, or the directories named): check the inputs
(manifest, files, the design's interface against the generated environment, the baseline),
build the model once (content-keyed), run every test with its recorded seed plus fresh ones
through an :class:`~dv.sim.executor.Executor`, merge coverage, and compare with
``coverage/<top>/baseline.json``: tests that newly fail, coverage points newly missed, per-kind
drops beyond the tolerance, and (``--golden``) output traces that differ. The record of the
run (``regress.json``) is the source of truth for the JUnit and Markdown renderings.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import random
import shlex
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dv import __version__
from dv.cov.baseline import Baseline, CoverageDiff, compare, load_baseline
from dv.cov.datfile import read_dat
from dv.cov.lcov import to_lcov
from dv.cov.model import Coverage
from dv.errors import InputError
from dv.files import write_atomic
from dv.manifest import MANIFEST, Manifest, load
from dv.regress import _golden
from dv.sim.build import Build, BuildConfig, build
from dv.sim.executor import BuildRef, SimJob, get_executor
from dv.sim.run import SimResult, TestJob

BASELINE = "baseline.json"
TRACE_FILE = "outputs.trace"
FAILED = ("failed", "error", "timeout")

Progress = Callable[[str, Any], None]


@dataclass
class RegressOptions:
    tb_dirs: list[Path] = field(default_factory=list)  # empty: every testbenches/*/dv.toml
    project: Path = field(default_factory=Path.cwd)  # holds testbenches/ and coverage/
    out: Path | None = None  # default: <project>/build/regress
    build_root: Path | None = None  # default: <project>/build
    extra_seeds: int = 0
    tolerance: float = 0.0  # percentage points, per kind
    update_baseline: bool = False
    golden: bool = False
    tests: tuple[str, ...] = ()  # only these tests (a reproduce run)
    seed: int | None = None  # this seed instead of the recorded one (a reproduce run)
    junit: Path | None = None
    summary: Path | None = None
    parallel: int | None = None
    executor: str = "local"
    scheduler: str | None = None
    test_timeout: float = 300.0
    sandbox: bool | None = None  # None: on for testbenches a model wrote
    rng: random.Random = field(default_factory=random.SystemRandom)

    @property
    def partial(self) -> bool:
        return bool(self.tests) or self.seed is not None


@dataclass
class Testbench:
    tb_dir: Path
    manifest: Manifest
    root: Path  # what the manifest's paths are relative to
    cov_dir: Path  # coverage/<top>
    design: Any
    waivers: list
    config: BuildConfig
    sandbox: bool
    baseline: Baseline | None = None

    @property
    def top(self) -> str:
        return self.manifest.top

    @property
    def baseline_path(self) -> Path:
        return self.cov_dir / BASELINE


@dataclass
class RunEntry:
    test: str
    module: str
    seed: int
    fresh: bool  # a fresh seed (--extra-seeds / --seed), not the recorded one
    result: SimResult
    verdict: str = ""  # passed | check failed | error | timeout | known failure
    new_failure: bool = False
    behaviour: dict[str, Any] | None = None  # {"status": same|changed|not compared, ...}
    reproduce: str = ""

    def to_json(self) -> dict[str, Any]:
        r = self.result
        return {"test": self.test, "module": self.module, "seed": self.seed,
                "fresh_seed": self.fresh, "status": r.status, "verdict": self.verdict,
                "new_failure": self.new_failure, "seconds": round(r.seconds, 3),
                "sim_time_ns": r.sim_time_ns, "message": r.message[:2000],
                "log": str(r.log), "reproduce": self.reproduce, "behaviour": self.behaviour}


@dataclass
class DesignOutcome:
    tb: Testbench
    build: Build
    runs: list[RunEntry]
    coverage: Coverage
    diff: CoverageDiff | None
    notes: list[str] = field(default_factory=list)
    lcov: Path | None = None
    baseline_written: bool = False
    baseline_refused: bool = False  # --update-baseline with runs that ended in error/timeout

    @property
    def new_failures(self) -> list[RunEntry]:
        return [r for r in self.runs if r.new_failure]

    @property
    def behaviour_changes(self) -> list[RunEntry]:
        return [r for r in self.runs if r.behaviour and r.behaviour["status"] == "changed"]

    @property
    def coverage_regressed(self) -> bool:
        return self.diff is not None and bool(self.diff.regressed_kinds)

    @property
    def regressed(self) -> bool:
        return bool(self.new_failures or self.behaviour_changes or self.coverage_regressed
                    or self.baseline_refused)


@dataclass
class RegressOutcome:
    designs: list[DesignOutcome]
    record: dict[str, Any]
    out: Path

    @property
    def regressed(self) -> bool:
        return any(d.regressed for d in self.designs)


# --- inputs ----------------------------------------------------------------------------------

def discover(opts: RegressOptions) -> list[Path]:
    """The testbench directories: those named, else every ``testbenches/*/dv.toml``."""
    if opts.tb_dirs:
        out = []
        for d in opts.tb_dirs:
            d = Path(d)
            if not d.is_dir():
                raise InputError(f"testbench directory {d} does not exist.",
                                 hint="Name directories written by 'dv generate' "
                                      "(testbenches/<top>).")
            out.append(d.resolve())
        return out
    tbs = opts.project / "testbenches"
    # hidden directories are dv generate's staging and previous copies, not testbenches
    found = sorted(p.parent.resolve() for p in tbs.glob(f"*/{MANIFEST}")
                   if not p.parent.name.startswith("."))
    if not found:
        raise InputError(f"no testbench found: {tbs} has no <top>/{MANIFEST}.",
                         hint="Run 'dv regress' where 'dv generate' wrote testbenches/, or name "
                              "the testbench directories.")
    return found


def _cov_dir(tb_dir: Path, top: str, project: Path) -> Path:
    base = tb_dir.parent.parent if tb_dir.parent.name == "testbenches" else project
    return base / "coverage" / top


def prepare(tb_dir: Path, opts: RegressOptions) -> Testbench:
    """Everything a testbench needs checked before anything runs or is written."""
    from dv.design.spec import parse_spec
    from dv.regress._rerun import _design
    from dv.sim.sandbox import testbench_sandbox_policy

    m = load(tb_dir)
    root = m.root_dir(tb_dir)
    toml = tb_dir / MANIFEST
    missing = [(what, p) for what, p in
               [*(("RTL file", root / f) for f in m.rtl),
                *((("spec", root / m.spec),) if m.spec else ()),
                *((("properties file", tb_dir / m.props),) if m.props else ()),
                *(("test module", tb_dir / f"{t.module}.py")
                  for t in {t.module: t for t in m.tests}.values()),
                ("environment", tb_dir / f"{m.top}_env.py")]
               if not p.is_file()]
    if missing:
        what, p = missing[0]
        more = f" (and {len(missing) - 1} more missing file(s))" if len(missing) > 1 else ""
        raise InputError(f"{toml} names a {what} that does not exist: {p}{more}.", file=toml,
                         hint="Fix the path in dv.toml, or regenerate the testbench with "
                              "'dv generate'.")
    if not m.tests:
        raise InputError(f"{toml} lists no tests.", file=toml,
                         hint="Regenerate the testbench with 'dv generate'.")
    design = _design(m, root, tb_dir)
    _check_interface(tb_dir / f"{m.top}_env.py", design, m)
    waivers = parse_spec(root / m.spec).waivers if m.spec else []
    sources = [str(root / f) for f in m.rtl] + ([str(tb_dir / m.props)] if m.props else [])
    props_text = (tb_dir / m.props).read_text() if m.props else ""
    cfg = BuildConfig(top=m.top, sources=sources, parameters=dict(m.parameters),
                      defines=dict(m.defines), includes=[str(root / i) for i in m.include_dirs],
                      timing="##" in props_text)
    policy = testbench_sandbox_policy(m.model, tb_dir, opts.sandbox)
    tb = Testbench(tb_dir, m, root, _cov_dir(tb_dir, m.top, opts.project), design, waivers, cfg,
                   bool(policy["enabled"]))
    if not opts.update_baseline and tb.baseline_path.is_file():
        tb.baseline = load_baseline(tb.baseline_path)
    return tb


def _env_description(env_file: Path) -> dict | None:
    """The ``DESIGN = {...}`` literal of a generated environment, or None."""
    try:
        tree = ast.parse(env_file.read_text())
    except (OSError, SyntaxError):
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "DESIGN" for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _check_interface(env_file: Path, design: Any, m: Manifest) -> None:
    """The RTL's ports must still be those the testbench was generated for."""
    desc = _env_description(env_file)
    if desc is None:
        raise InputError(f"{env_file} has no readable DESIGN description.", file=env_file,
                         hint="Regenerate the testbench with 'dv generate'.")
    then: dict[str, tuple[str, int | None]] = {}
    for name, spec in (desc.get("inputs") or {}).items():
        then[name] = ("input", spec.get("width"))
    for name, spec in (desc.get("outputs") or {}).items():
        then[name] = ("output", spec.get("width"))
    for c in [desc.get("clock"), *(desc.get("other_clocks") or [])]:
        if c:
            then[c["name"]] = ("input", None)
    for r in [desc.get("reset"), *(desc.get("resets") or [])]:
        if r:
            then[r["name"]] = ("input", None)
    now = {p.name: (p.direction, p.width // max(1, p.depth)) for p in design.ports}
    problems = []
    for name, (direction, width) in then.items():
        if name not in now:
            problems.append(f"{direction} {name} is gone")
        elif now[name][0] != direction:
            problems.append(f"{name} was an {direction}, is now an {now[name][0]}")
        elif width is not None and now[name][1] != width:
            problems.append(f"{name} was {width} bit(s) wide, is now {now[name][1]}")
    problems += [f"{d} {n} is new" for n, (d, _w) in now.items() if n not in then]
    if problems:
        rtl = " ".join(f"--rtl {f}" for f in m.rtl)
        spec = f" --spec {m.spec}" if m.spec else ""
        raise InputError(
            f"the interface of {m.top} changed since its testbench was generated: "
            + "; ".join(problems[:6]) + (f" (and {len(problems) - 6} more)"
                                          if len(problems) > 6 else "") + ".",
            file=env_file,
            hint=f"Regenerate the testbench: dv generate {rtl}{spec} --top {m.top} "
                 "(then record a new baseline with 'dv regress --update-baseline').")


# --- running ---------------------------------------------------------------------------------

def _rel(path: Path) -> str:
    try:
        return os.path.relpath(path, Path.cwd())
    except ValueError:
        return str(path)


def reproduce_command(tb: Testbench, test: str, seed: int, golden: bool = False) -> str:
    cmd = ["dv", "regress", _rel(tb.tb_dir), "--test", test, "--seed", str(seed)]
    if golden:
        cmd.append("--golden")
    return shlex.join(cmd)


def _plan(tb: Testbench, opts: RegressOptions) -> list[tuple[str, str, int, bool]]:
    """(test, module, seed, fresh) per run."""
    tests = tb.manifest.tests
    if opts.tests:
        names = {t.name for t in tests}
        unknown = [t for t in opts.tests if t not in names]
        if unknown and len(opts.tests) == len(unknown):
            return []
        tests = [t for t in tests if t.name in opts.tests]
    runs = []
    for t in tests:
        seed = t.seed if opts.seed is None else opts.seed
        runs.append((t.name, t.module, seed, seed != t.seed))
        for _ in range(opts.extra_seeds):
            runs.append((t.name, t.module, opts.rng.randrange(1, 2**31 - 1), True))
    return runs


def _job_name(test: str, seed: int, fresh: bool) -> str:
    return f"{test}.seed{seed}" if fresh else test


def run_regression(opts: RegressOptions, progress: Progress | None = None) -> RegressOutcome:
    note = progress or (lambda kind, data: None)
    opts.project = opts.project.resolve()
    out = (opts.out or opts.project / "build" / "regress").resolve()
    build_root = (opts.build_root or opts.project / "build").resolve()
    if opts.update_baseline and opts.partial:
        raise InputError("--update-baseline records every test with its recorded seed; it "
                         "cannot be combined with --test or --seed.")
    if opts.tolerance < 0:
        raise InputError(f"--tolerance must not be negative, got {opts.tolerance}.")
    t_all = time.monotonic()
    tbs = [prepare(d, opts) for d in discover(opts)]
    tops = [tb.top for tb in tbs]
    dup = sorted({t for t in tops if tops.count(t) > 1})
    if dup:
        raise InputError(f"several testbenches have the top {dup[0]}: "
                         + ", ".join(str(tb.tb_dir) for tb in tbs if tb.top == dup[0]) + ".")
    if opts.tests:
        known = {t.name for tb in tbs for t in tb.manifest.tests}
        unknown = [t for t in opts.tests if t not in known]
        if unknown:
            raise InputError(f"no test named {unknown[0]} in "
                             + ", ".join(_rel(tb.tb_dir) for tb in tbs) + ".",
                             hint="The test names are the 'name' entries of dv.toml.")
    missing = [tb for tb in tbs if tb.baseline is None and not opts.update_baseline]
    if missing and not opts.partial:
        names = ", ".join(_rel(tb.baseline_path) for tb in missing)
        raise InputError(
            f"no baseline for {', '.join(tb.top for tb in missing)} ({names}): there is "
            "nothing to hold the tests, coverage and behaviour to, so this is not a pass.",
            hint="Record the current state as the baseline with 'dv regress --update-baseline' "
                 "(and commit coverage/<top>/baseline.json).")
    if opts.executor not in ("local", "dask"):
        raise InputError(f"unknown executor {opts.executor!r}; use local or dask.")

    seconds = {"build": 0.0, "simulation": 0.0, "merge": 0.0}
    t0 = time.monotonic()
    builds = _build_all(tbs, build_root, opts.parallel, note)
    seconds["build"] = time.monotonic() - t0

    jobs: list[SimJob] = []
    meta: list[tuple[Testbench, str, str, int, bool]] = []
    for tb, b in zip(tbs, builds, strict=True):
        runs_dir = out / "runs" / tb.top
        if runs_dir.exists():
            shutil.rmtree(runs_dir)
        ref = BuildRef.of(b, build_root)
        for test, module, seed, fresh in _plan(tb, opts):
            name = _job_name(test, seed, fresh)
            env = (("DV_OUTPUT_TRACE", str((runs_dir / name / TRACE_FILE).resolve())),)
            job = TestJob(name=name, module=module, testcase=test, seed=seed,
                          python_path=(str(tb.tb_dir),), timeout=opts.test_timeout, env=env,
                          sandbox=tb.sandbox)
            jobs.append(SimJob(ref, job, runs_dir))
            meta.append((tb, test, module, seed, fresh))
    t0 = time.monotonic()
    with get_executor(opts.executor, parallel=opts.parallel,
                      scheduler=opts.scheduler) as executor:
        note("executor", executor.describe())
        results = executor.run(jobs, on_done=lambda r: note("test", r))
    seconds["simulation"] = time.monotonic() - t0
    by_dir = {r.run_dir: r for r in results}

    t0 = time.monotonic()
    designs = []
    for tb, b in zip(tbs, builds, strict=True):
        entries = []
        for (mtb, test, module, seed, fresh), job in zip(meta, jobs, strict=True):
            if mtb is not tb:
                continue
            res = by_dir.get(job.run_dir.resolve())
            if res is None:  # interrupted before it ran
                continue
            entries.append(RunEntry(test, module, seed, fresh, res,
                                    reproduce=reproduce_command(tb, test, seed)))
        designs.append(_judge(tb, b, entries, opts, out))
    seconds["merge"] = time.monotonic() - t0
    seconds["total"] = time.monotonic() - t_all

    from dv.regress._render import junit_xml, summary_markdown

    record = regress_record(designs, opts, seconds)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "regress.json", json.dumps(record, indent=1) + "\n")
    junit = junit_xml(record)
    summary = summary_markdown(record)
    write_atomic(out / "junit.xml", junit)
    write_atomic(out / "summary.md", summary)
    if opts.junit:
        write_atomic(Path(opts.junit), junit)
    if opts.summary:
        write_atomic(Path(opts.summary), summary)
    return RegressOutcome(designs, record, out)


def _build_all(tbs: list[Testbench], build_root: Path, parallel: int | None,
               note: Progress) -> list[Build]:
    def one(tb: Testbench) -> Build:
        note("build-start", tb.top)
        b = build(tb.config, build_root)
        note("build-done", (tb.top, b))
        return b

    workers = max(1, min(parallel or os.cpu_count() or 1, len(tbs)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, tbs))


# --- judging ---------------------------------------------------------------------------------

def _coverage_of(tb: Testbench, res: SimResult) -> Coverage:
    from dv.loop import functional_coverage

    cov = Coverage()
    if res.coverage_file.is_file():
        cov.merge(read_dat(res.coverage_file, root=tb.root, test=res.job.name))
    func = res.run_dir / "functional.json"
    if func.is_file():
        try:
            data = json.loads(func.read_text())
        except ValueError:
            data = None
        if isinstance(data, dict):
            cov.merge(functional_coverage(data, tb.design, res.job.name))
    return cov


def _source_line(root: Path, file: str, line: int) -> str:
    p = Path(file) if Path(file).is_absolute() else root / file
    try:
        lines = p.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def rtl_hashes(tb: Testbench) -> dict[str, str]:
    return {f: hashlib.sha256((tb.root / f).read_bytes()).hexdigest()[:16]
            for f in tb.manifest.rtl}


def _judge(tb: Testbench, b: Build, runs: list[RunEntry], opts: RegressOptions,
           out: Path) -> DesignOutcome:
    base = tb.baseline
    notes: list[str] = []
    if b.dropped:
        notes.append("coverage kinds left out of the build (Verilator internal error): "
                     + ", ".join(d["kind"] for d in b.dropped))
    base_tests = base.tests if base else {}
    for r in runs:
        st = r.result.status
        known = (not r.fresh and base_tests.get(r.test, {}).get("status") in FAILED
                 and st in FAILED)
        if st == "passed":
            r.verdict = "passed"
        elif known:
            r.verdict = "known failure"
        else:
            r.verdict = "check failed" if st == "failed" else st
        # --update-baseline accepts a recorded seed's check failure, never a run without a
        # verdict (error, timeout) nor a fresh seed's failure (the baseline does not hold it)
        r.new_failure = st in FAILED and not known and (
            not opts.update_baseline or st != "failed" or r.fresh)
        hang = r.result.run_dir / "scoreboard_hang.json"
        if st in FAILED and hang.is_file():
            r.result.message = ("the reference model (scoreboard, model-written code) hung — "
                                "not evidence about the design; " + r.result.message)
    if base is not None:
        fixed = [r.test for r in runs if not r.fresh and r.result.status == "passed"
                 and base_tests.get(r.test, {}).get("status") in FAILED]
        if fixed:
            notes.append("failing in the baseline, passing now: " + ", ".join(fixed))
        gone = sorted(set(base_tests) - {t.name for t in tb.manifest.tests})
        if gone:
            notes.append("in the baseline but no longer in dv.toml: " + ", ".join(gone))
        added = sorted({t.name for t in tb.manifest.tests} - set(base_tests))
        if added:
            notes.append("new since the baseline: " + ", ".join(added))
        changed = [f for f, h in rtl_hashes(tb).items() if base.rtl.get(f) not in (None, h)]
        if changed:
            notes.append("RTL changed since the baseline: " + ", ".join(changed))

    # behaviour: the recorded seed's output trace against the baseline's
    traces: dict[str, dict] = {}
    for r in runs:
        if r.fresh:
            continue
        try:
            trace = _golden.read_trace(r.result.run_dir / TRACE_FILE)
        except _golden.TraceError as exc:
            trace = None
            why = str(exc)
        if trace is not None:
            traces[r.test] = _golden.summarize(trace)
        if not opts.golden or base is None:
            continue
        old = base.traces.get(r.test)
        if trace is None:
            r.behaviour = {"status": "not compared",
                           "detail": f"{why} (a testbench generated before output traces "
                                     "existed: regenerate it with 'dv generate')"}
        elif old is None:
            r.behaviour = {"status": "not compared",
                           "detail": "the baseline has no output trace of this test (record "
                                     "one with 'dv regress --update-baseline')"}
        elif base_tests.get(r.test, {}).get("seed") != r.seed:
            r.behaviour = {"status": "not compared",
                           "detail": f"the baseline's trace is of seed "
                                     f"{base_tests.get(r.test, {}).get('seed')}"}
        else:
            try:
                diff = _golden.compare(old, trace)
            except _golden.TraceError as exc:
                diff = _golden.Difference("stimulus", detail=f"{exc}; behaviour not compared")
            if diff is None:
                r.behaviour = {"status": "same"}
            elif diff.kind in ("outputs", "length"):
                r.behaviour = {"status": "changed", **diff.to_json(),
                               "reproduce": reproduce_command(tb, r.test, r.seed, True)}
            else:
                r.behaviour = {"status": "not compared", **diff.to_json()}
    if opts.golden and base is not None:
        skipped = [r for r in runs if r.behaviour and r.behaviour["status"] == "not compared"]
        if skipped:
            notes.append(f"behaviour not compared for {len(skipped)} test(s): "
                         + str(skipped[0].behaviour["detail"]))

    # coverage: every run merged; the baseline records the recorded seeds only
    cov = Coverage()
    recorded = Coverage()
    for r in runs:
        c = _coverage_of(tb, r.result)
        cov.merge(c, test=r.result.job.name)
        if not r.fresh:
            recorded.merge(c, test=r.result.job.name)
    diff = None
    if base is not None and not opts.partial:
        diff = compare(cov, base.coverage, waivers=tb.waivers, tolerance=opts.tolerance)
    elif opts.partial:
        notes.append("a partial run (--test/--seed): coverage not compared with the baseline")
    outcome = DesignOutcome(tb, b, runs, cov, diff, notes)
    design_out = out / tb.top
    design_out.mkdir(parents=True, exist_ok=True)
    outcome.lcov = design_out / "coverage.info"
    write_atomic(outcome.lcov, to_lcov(cov, tb.root))
    write_atomic(design_out / "coverage.json", json.dumps(cov.to_json()) + "\n")
    broken = [r for r in runs if not r.fresh and r.result.status in ("error", "timeout")]
    if opts.update_baseline and broken:
        # a run without a verdict says nothing about the design: never record it as expected
        outcome.baseline_refused = True
        notes.append("baseline NOT written: " + ", ".join(
            f"{r.test} ({r.result.status})" for r in broken) + " ended without a verdict "
            "(see the log); fix that, then record again")
    elif opts.update_baseline:
        baseline = Baseline(
            top=tb.top, coverage=recorded, rtl=rtl_hashes(tb), dv_version=__version__,
            tests={r.test: {"module": r.module, "seed": r.seed, "status": r.result.status}
                   for r in runs if not r.fresh},
            traces={k: traces[k] for k in sorted(traces)})
        write_atomic(tb.baseline_path, baseline.to_text(tb.waivers))
        outcome.baseline_written = True
    return outcome


# --- the record ------------------------------------------------------------------------------

def _kinds(cov: Coverage, waivers: list) -> dict[str, dict]:
    return {k: v.to_json() for k, v in cov.summary(waivers).items()}


def design_record(d: DesignOutcome) -> dict[str, Any]:
    tb = d.tb
    base = tb.baseline
    lost = []
    if d.diff is not None:
        for p in sorted(d.diff.lost, key=lambda p: (p.file, p.line, p.kind, p.comment)):
            lost.append({"id": p.key, "kind": p.kind, "file": p.file, "line": p.line,
                         "comment": p.comment, "hier": p.hier,
                         "source": _source_line(tb.root, p.file, p.line)})
    coverage = {}
    now = _kinds(d.coverage, tb.waivers)
    before = _kinds(base.coverage, tb.waivers) if base is not None else {}
    for kind, s in now.items():
        b = before.get(kind)
        coverage[kind] = {"now": s, "baseline": b,
                          "delta": (round(s["percent"] - b["percent"], 2)
                                    if b and (b["total"] or s["total"]) else None),
                          "regressed": bool(d.diff and kind in d.diff.regressed_kinds)}
    return {
        "top": tb.top, "testbench": _rel(tb.tb_dir), "baseline": _rel(tb.baseline_path),
        "baseline_found": base is not None, "baseline_written": d.baseline_written,
        "sandbox": tb.sandbox,
        "build": {"key": d.build.key, "cached": d.build.cached,
                  "seconds": round(d.build.seconds, 3), "dropped": d.build.dropped},
        "regressed": d.regressed,
        "verdict": ("baseline not written" if d.baseline_refused else
                    "regression" if d.regressed else
                    "baseline recorded" if d.baseline_written else "pass"),
        "runs": [r.to_json() for r in d.runs],
        "new_failures": [r.to_json() for r in d.new_failures],
        "behaviour_changes": [r.to_json() for r in d.behaviour_changes],
        "coverage": coverage,
        "coverage_regressed": d.coverage_regressed,
        "regressed_kinds": d.diff.regressed_kinds if d.diff else [],
        "tolerance": d.diff.tolerance if d.diff else None,
        "lost": lost,
        "new_points": len(d.diff.new) if d.diff else 0,
        "new_points_hit": sum(1 for p in d.diff.new if p.hit) if d.diff else 0,
        "removed_points": len(d.diff.removed) if d.diff else 0,
        "lcov": _rel(d.lcov) if d.lcov else None,
        "notes": d.notes,
    }


def regress_record(designs: list[DesignOutcome], opts: RegressOptions,
                   seconds: dict[str, float]) -> dict[str, Any]:
    return {
        "format": "dv-regress", "version": 1, "dv": __version__,
        "options": {"extra_seeds": opts.extra_seeds, "tolerance": opts.tolerance,
                    "golden": opts.golden, "update_baseline": opts.update_baseline,
                    "tests": list(opts.tests), "seed": opts.seed, "executor": opts.executor,
                    "scheduler": opts.scheduler},
        "regressed": any(d.regressed for d in designs),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "designs": [design_record(d) for d in designs],
    }
