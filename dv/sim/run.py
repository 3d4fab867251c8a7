"""Run cocotb test modules against a built model: one process per run, in parallel."""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dv.sim.build import Build
from dv.sim.limits import MIB, Limits
from dv.sim.process import ProcessResult, open_new, remove, run_logged
from dv.sim.tools import find_verilator

OUTPUT_LIMIT = 64 * MIB  # a simulation that prints more is killed (print flood)
RESULT_FILE_LIMIT = 16 * MIB  # results.xml / functional.json larger than this are not read
# coverage.dat of a sandboxed run larger than this is not read (reading takes ~0.1 s per MB;
# 64 MB is about 550 000 coverage points)
COVERAGE_FILE_LIMIT = 64 * MIB


@dataclass(frozen=True)
class TestJob:
    __test__ = False  # not a pytest test class
    name: str  # unique run name (also the run directory name)
    module: str  # python module holding the cocotb/pyuvm tests
    testcase: str | None  # one test in the module, or None for all of them
    seed: int
    python_path: tuple[str, ...]  # directories that hold the module
    timeout: float = 300.0
    env: tuple[tuple[str, str], ...] = ()
    sandbox: bool = False  # run inside the OS sandbox (dv.sim.sandbox), with resource limits
    limits: Limits | None = None  # sandbox limits; None: Limits.for_timeout(timeout)
    output_limit: int = OUTPUT_LIMIT  # bytes of stdout+stderr before the run is killed
    plusargs: tuple[str, ...] = ()  # extra simulator plusargs, e.g. ("+dv_mut=3",)


@dataclass
class TestCaseResult:
    name: str
    status: str  # passed | failed | skipped
    sim_time_ns: float = 0.0
    seconds: float = 0.0
    message: str = ""


@dataclass
class SimResult:
    job: TestJob
    status: str  # passed | failed | error | timeout (| stopped, never returned by run_tests)
    run_dir: Path
    seconds: float
    tests: list[TestCaseResult] = field(default_factory=list)
    message: str = ""

    @property
    def coverage_file(self) -> Path:
        return self.run_dir / "coverage.dat"

    @property
    def log(self) -> Path:
        return self.run_dir / "sim.log"

    @property
    def sim_time_ns(self) -> float:
        return sum(t.sim_time_ns for t in self.tests)


def run_tests(build: Build, jobs: Sequence[TestJob], runs_dir: Path, *,
              parallel: int | None = None,
              on_done: Callable[[SimResult], None] | None = None) -> list[SimResult]:
    """Run every job against ``build``; results come back in the order of ``jobs``."""
    workers = max(1, min(parallel or os.cpu_count() or 1, len(jobs) or 1))
    results: list[SimResult | None] = [None] * len(jobs)
    stop = threading.Event()

    def one(i: int) -> None:
        if stop.is_set():
            return
        res = run_one(build, jobs[i], runs_dir / jobs[i].name, stop=stop)
        if res.status == "stopped":
            return
        results[i] = res
        if on_done:
            on_done(res)

    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        for fut in [pool.submit(one, i) for i in range(len(jobs))]:
            fut.result()
    except BaseException:  # Ctrl-C: kill running simulations, start no new ones
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return [r for r in results if r is not None]


def run_one(build: Build, job: TestJob, run_dir: Path, *,
            stop: threading.Event | None = None) -> SimResult:
    run_dir = run_dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("coverage.dat", "results.xml", "functional.json"):
        remove(run_dir / stale)  # whatever an earlier (sandboxed) run left under these names
    results_xml = run_dir / "results.xml"
    spec = {
        "mode": "test", "top": build.config.top, "modules": [job.module],
        "test_filter": (None if job.testcase is None
                        else f"^{re.escape(job.module)}\\.{re.escape(job.testcase)}$"),
        "build_dir": str(build.build_dir), "test_dir": str(run_dir),
        "seed": job.seed, "results_xml": str(results_xml),
        "test_args": [f"+verilator+coverage+file+{run_dir / 'coverage.dat'}"],
        "plusargs": list(job.plusargs),
        "python_path": [str(Path(p).resolve()) for p in job.python_path],
        "env": dict(job.env),
    }
    job_file = run_dir / "job.json"
    env = find_verilator().env()
    env.pop("COCOTB_TEST_FILTER", None)
    env.pop("COCOTB_TESTCASE", None)
    cmd = [sys.executable, "-m", "dv.sim.worker", str(job_file)]
    if not job.sandbox:
        _write_new(job_file, json.dumps(spec, indent=1))
        proc = run_logged(cmd, log=run_dir / "sim.log", timeout=job.timeout, cwd=run_dir,
                          env=env, stop=stop, output_limit=job.output_limit)
        return _judge(job, proc, run_dir, None)
    from dv.sim import sandbox

    sandbox.require_sandbox()
    limits = job.limits or Limits.for_timeout(job.timeout)
    spec["limits"] = limits.to_json()
    _write_new(job_file, json.dumps(spec, indent=1))
    env = sandbox.sim_env(env)
    readable = [build.build_dir, *map(Path, spec["python_path"]), *sandbox.python_roots()]
    with sandbox.seccomp_fd() as fd:
        cmd = sandbox.wrap(cmd, rw=[run_dir], ro=readable, env=env, cwd=run_dir, seccomp=fd)
        proc = run_logged(cmd, log=run_dir / "sim.log", timeout=job.timeout, cwd=run_dir,
                          env=env, stop=stop, output_limit=job.output_limit,
                          pass_fds=() if fd is None else (fd,))
    return _judge(job, proc, run_dir, limits)


def _write_new(path: Path, text: str) -> None:
    with os.fdopen(open_new(path), "w") as f:
        f.write(text)


def _judge(job: TestJob, proc: ProcessResult, run_dir: Path,
           limits: Limits | None) -> SimResult:
    """Turn a finished run into a result: reads only bounded files and the log's tail."""
    log = run_dir / "sim.log"
    if proc.stopped:
        return SimResult(job, "stopped", run_dir, proc.seconds, message="stopped by the user")
    if proc.timed_out:
        return SimResult(job, "timeout", run_dir, proc.seconds,
                         message=f"killed after {job.timeout:.0f} s wall clock (hang?); "
                                 f"log: {log}")
    if proc.output_exceeded:
        return SimResult(job, "failed", run_dir, proc.seconds,
                         message=f"killed: the simulation printed more than "
                                 f"{job.output_limit / MIB:g} MB (a print flood in the test "
                                 f"code?); the log keeps its start and end: {log}")
    results_xml = run_dir / "results.xml"
    tail = proc.tail(80)
    limit_hit = _limit_hit(tail, proc.returncode, limits)
    rejected = _not_regular(run_dir) if limits is not None else []
    for f in (results_xml, run_dir / "functional.json"):
        if f.is_file() and f.stat().st_size > RESULT_FILE_LIMIT:  # a result this large is not
            remove(f)  # a result: never parsed
            rejected.append(f"{f.name} larger than {RESULT_FILE_LIMIT / MIB:g} MB, not read")
    cov = run_dir / "coverage.dat"
    if limits is not None and cov.is_file() and cov.stat().st_size > COVERAGE_FILE_LIMIT:
        remove(cov)
        rejected.append(f"coverage.dat larger than {COVERAGE_FILE_LIMIT / MIB:g} MB, not read")
    tests = parse_results(results_xml) if results_xml.is_file() else []
    if not tests:
        msg = "; ".join([*rejected, _crash_message(tail, proc.returncode, run_dir)])
        return SimResult(job, "error", run_dir, proc.seconds,
                         message=(limit_hit + "; " + msg) if limit_hit else msg)
    failed = [t for t in tests if t.status == "failed"]
    status = "failed" if failed else "passed"
    msg = "; ".join(f"{t.name}: {t.message}" for t in failed)
    sim_err = _assertion_errors(tail)
    if sim_err:  # the HDL assertion is the cause; cocotb only sees the simulation end
        status, msg = "failed", sim_err + (f" ({msg})" if msg else "")
    if limit_hit and status != "passed":
        msg = f"{limit_hit}: {msg}"
    if rejected:
        status, msg = "failed", "; ".join([*rejected, msg] if msg else rejected)
    return SimResult(job, status, run_dir, proc.seconds, tests, msg)


RESULT_FILES = ("results.xml", "coverage.dat", "functional.json")


def _not_regular(run_dir: Path) -> list[str]:
    """Result files a sandboxed run left as something other than a regular file (a symlink to
    a host file, a FIFO that would block the reader): removed unread, never followed."""
    out = []
    for name in RESULT_FILES:
        f = run_dir / name
        try:
            st = f.lstat()
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            remove(f)
            out.append(f"{name} is not a regular file (a link or a pipe?), not read")
    return out


def parse_results(path: Path) -> list[TestCaseResult]:
    """Read cocotb's JUnit results file."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return []
    out = []
    for case in root.iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        status = "passed"
        message = ""
        for tag in ("failure", "error"):
            el = case.find(tag)
            if el is not None:
                status = "failed"
                message = (el.get("message") or el.text or "").strip()
        if case.find("skipped") is not None:
            status = "skipped"
        out.append(TestCaseResult(
            name=case.get("name", "?"), status=status,
            sim_time_ns=float(props.get("sim_time_duration") or 0.0),
            seconds=float(case.get("time") or 0.0), message=message[:2000]))
    return out


LINE_SHOWN = 400  # characters of one log line quoted in a message


def _assertion_errors(tail: str) -> str:
    """HDL assertion failures in the log's tail (substring tests: linear in the tail)."""
    hits = [ln.strip()[:LINE_SHOWN] for ln in tail.splitlines()
            if ("%Error: " in ln and "Assertion failed" in ln.partition("%Error: ")[2])
            or "dv-prop-fail" in ln]
    return "; ".join(hits[:3])


_LIMIT_SIGNS = (
    ("MemoryError", "address space"), ("bad_alloc", "address space"),
    ("Cannot allocate memory", "address space"), ("File too large", "file size"),
    ("CPU time limit", "CPU time"), ("return code: -24", "CPU time"),
    ("return code: -25", "file size"),
)


def _limit_hit(tail: str, rc: int | None, limits: Limits | None) -> str:
    """Which sandbox resource limit the run ran into, said plainly ("" = none seen)."""
    if limits is None:
        return ""
    kinds = {kind for sign, kind in _LIMIT_SIGNS if sign in tail}
    if rc is not None and rc in (-24, 128 + 24, 152):  # SIGXCPU
        kinds.add("CPU time")
    if rc is not None and rc in (-25, 128 + 25, 153):  # SIGXFSZ
        kinds.add("file size")
    if not kinds:
        return ""
    return ("the test ran into the sandbox's " + " and ".join(sorted(kinds))
            + f" limit ({limits.describe()})")


def _crash_message(tail: str, rc: int | None, run_dir: Path) -> str:
    lines = [ln[:LINE_SHOWN] for ln in tail.splitlines() if ln.strip()]
    signs = ("Error", "error", "Traceback", "Segmentation", "Abort")
    key = [ln for ln in lines if any(s in ln for s in signs)]
    shown = "\n".join((key or lines)[-8:])
    return (f"the simulation ended without results (exit code {rc}). "
            f"Log: {run_dir / 'sim.log'}\n{shown}")
