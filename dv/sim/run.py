"""Run cocotb test modules against a built model: one process per run, in parallel."""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dv.sim.build import Build
from dv.sim.process import run_logged
from dv.sim.tools import find_verilator


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
    for stale in ("coverage.dat", "results.xml"):
        (run_dir / stale).unlink(missing_ok=True)
    results_xml = run_dir / "results.xml"
    spec = {
        "mode": "test", "top": build.config.top, "modules": [job.module],
        "test_filter": (None if job.testcase is None
                        else f"^{re.escape(job.module)}\\.{re.escape(job.testcase)}$"),
        "build_dir": str(build.build_dir), "test_dir": str(run_dir),
        "seed": job.seed, "results_xml": str(results_xml),
        "test_args": [f"+verilator+coverage+file+{run_dir / 'coverage.dat'}"],
        "python_path": [str(Path(p).resolve()) for p in job.python_path],
        "env": dict(job.env),
    }
    job_file = run_dir / "job.json"
    job_file.write_text(json.dumps(spec, indent=1))
    env = find_verilator().env()
    env.pop("COCOTB_TEST_FILTER", None)
    env.pop("COCOTB_TESTCASE", None)
    proc = run_logged([sys.executable, "-m", "dv.sim.worker", str(job_file)],
                      log=run_dir / "sim.log", timeout=job.timeout, cwd=run_dir, env=env,
                      stop=stop)
    if proc.stopped:
        return SimResult(job, "stopped", run_dir, proc.seconds, message="stopped by the user")
    if proc.timed_out:
        return SimResult(job, "timeout", run_dir, proc.seconds,
                         message=f"killed after {job.timeout:.0f} s wall clock (hang?); "
                                 f"log: {run_dir / 'sim.log'}")
    tests = parse_results(results_xml) if results_xml.is_file() else []
    if not tests:
        return SimResult(job, "error", run_dir, proc.seconds,
                         message=_crash_message(proc.tail(40), proc.returncode, run_dir))
    failed = [t for t in tests if t.status == "failed"]
    status = "failed" if failed else "passed"
    msg = "; ".join(f"{t.name}: {t.message}" for t in failed)
    sim_err = _assertion_errors(proc.tail(80))
    if sim_err:  # the HDL assertion is the cause; cocotb only sees the simulation end
        status, msg = "failed", sim_err + (f" ({msg})" if msg else "")
    return SimResult(job, status, run_dir, proc.seconds, tests, msg)


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


_ASSERT = re.compile(r"(%Error: .*?Assertion failed.*|.*\bdv-prop-fail\b.*)")


def _assertion_errors(tail: str) -> str:
    hits = _ASSERT.findall(tail)
    return "; ".join(h.strip() for h in hits[:3])


def _crash_message(tail: str, rc: int | None, run_dir: Path) -> str:
    lines = [ln for ln in tail.splitlines() if ln.strip()]
    key = [ln for ln in lines if re.search(r"Error|error|Traceback|Segmentation|Abort", ln)]
    shown = "\n".join((key or lines)[-8:])
    return (f"the simulation ended without results (exit code {rc}). "
            f"Log: {run_dir / 'sim.log'}\n{shown}")
