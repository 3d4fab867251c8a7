"""Run simulation jobs: one interface, two engines (a local process pool, Dask distributed).

A :class:`SimJob` is everything a machine needs to run one test against a built model: a
:class:`BuildRef` (the build's content key, its configuration and the shared build directory),
the :class:`~dv.sim.run.TestJob`, and the run directory. Results come back as data: the
:class:`~dv.sim.run.SimResult` (picklable) plus the run's result files (``coverage.dat``,
``functional.json``, the output trace) as bytes, written into the run directory on the
submitting side when they are not already there.

- :class:`LocalExecutor` (default) wraps :func:`dv.sim.run.run_tests`: worker threads, one
  simulator process per job, on this machine; jobs against several models share one pool.
- :class:`DaskExecutor` sends each job to a Dask worker: a ``LocalCluster`` of worker processes
  started here, or an existing scheduler (``tcp://host:8786``). A worker reuses the model in
  the shared build directory when it is there and builds it once itself otherwise, and checks
  that its build has the job's content key (the same sources, flags and tool). On one machine
  (or a shared filesystem) the build directory and the run directories are the same paths
  everywhere; on separate machines the sources must be at the same paths on every worker.

Loop, regress and qualify use only :func:`get_executor` and :meth:`Executor.run`.
"""

from __future__ import annotations

import fcntl
import json
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from dv.errors import InputError, ToolError
from dv.sim.build import BUILD_STAMP, Build, BuildConfig
from dv.sim.run import RESULT_FILE_LIMIT, SimResult, TestJob, run_one, run_tests

# result files a job returns as data (read on the worker, bounded in size)
RESULT_FILES = ("coverage.dat", "functional.json", "outputs.trace", "scoreboard_hang.json")

EXECUTORS = ("local", "dask")


@dataclass(frozen=True)
class BuildRef:
    """A built model as a job names it: its content key and where it lives (or will live)."""

    key: str
    config: BuildConfig  # the configuration the model was built with (after any fallback)
    build_root: Path
    build_dir: Path

    @classmethod
    def of(cls, build: Build, build_root: Path) -> BuildRef:
        return cls(build.key, build.config, Path(build_root).resolve(), build.build_dir)

    def resolve(self) -> Build:
        """The model on this machine: reused from the shared build directory when its stamp
        names this key, else built here (and checked to have this key)."""
        from dv.sim.build import build as build_model

        stamp = self.build_dir / BUILD_STAMP
        if stamp.is_file() and (self.build_dir / self.config.top).is_file():
            try:
                info = json.loads(stamp.read_text())
            except (OSError, ValueError):
                info = {}
            if info.get("key") == self.key:
                return Build(self.config, self.build_dir, self.key, 0.0, True,
                             self.build_dir / "build.log")
        # several worker processes on one machine may need the same model: one builds it,
        # the others wait for the lock and then find it built
        self.build_root.mkdir(parents=True, exist_ok=True)
        lock = self.build_root / f".{self.config.top}-{self.key[:16]}.lock"
        with open(lock, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                built = build_model(self.config, self.build_root)
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        if built.key != self.key:
            raise ToolError(
                f"the model of {self.config.top} built on this worker has content key "
                f"{built.key[:16]}, the job asked for {self.key[:16]}: the sources or the "
                "Verilator version differ between the machines.",
                hint="Workers need the same sources at the same paths and the same dv/Verilator.")
        return built


@dataclass(frozen=True)
class SimJob:
    """One simulation to run: a test job against a build, in ``runs_dir / test.name``."""

    build: BuildRef
    test: TestJob
    runs_dir: Path

    @property
    def run_dir(self) -> Path:
        return self.runs_dir / self.test.name


OnDone = Callable[[SimResult], None]


class Executor(ABC):
    """Runs simulation jobs; results come back in the order of the jobs."""

    name = "?"

    @abstractmethod
    def run(self, jobs: Sequence[SimJob], on_done: OnDone | None = None) -> list[SimResult]:
        """Run every job; a job whose build cannot be had raises (ToolError/InputError)."""

    def describe(self) -> str:
        return self.name

    def close(self) -> None:
        """Release what the executor started (worker processes, connections)."""
        return None

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalExecutor(Executor):
    """The local process pool: :func:`dv.sim.run.run_tests`, one call per build."""

    name = "local"

    def __init__(self, parallel: int | None = None) -> None:
        self.parallel = parallel

    def describe(self) -> str:
        return f"local process pool ({self.parallel or 'core count'} in parallel)"

    def run(self, jobs: Sequence[SimJob], on_done: OnDone | None = None) -> list[SimResult]:
        groups: dict[tuple[str, Path], list[int]] = {}
        for i, job in enumerate(jobs):
            groups.setdefault((job.build.key, job.runs_dir), []).append(i)
        if len(groups) == 1:  # one model: run_tests as it is (its Ctrl-C stops every run)
            (_key, runs_dir), idx = next(iter(groups.items()))
            build = jobs[idx[0]].build.resolve()
            return run_tests(build, [jobs[i].test for i in idx], runs_dir,
                             parallel=self.parallel, on_done=on_done)
        # several models (a regression over several designs): one pool over every job, so a
        # design with few tests does not leave cores idle; each job is a run_tests of one.
        # On Ctrl-C the jobs not started are dropped and the running ones finish.
        builds = {}
        for job in jobs:
            if job.build.key not in builds:
                builds[job.build.key] = job.build.resolve()
        results: list[SimResult | None] = [None] * len(jobs)

        def one(i: int) -> None:
            job = jobs[i]
            done = run_tests(builds[job.build.key], [job.test], job.runs_dir, parallel=1,
                             on_done=on_done)
            results[i] = done[0] if done else None

        workers = max(1, min(self.parallel or os.cpu_count() or 1, len(jobs)))
        pool = ThreadPoolExecutor(max_workers=workers)
        futures = [pool.submit(one, i) for i in range(len(jobs))]
        try:
            for fut in futures:
                fut.result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return [r for r in results if r is not None]


def run_remote(job: SimJob) -> tuple[SimResult, dict[str, bytes]]:
    """What a Dask worker runs for one job: the model (reused or built), the simulation, and
    the result files read back as bytes."""
    build = job.build.resolve()
    res = run_one(build, job.test, job.run_dir)
    files: dict[str, bytes] = {}
    for name in RESULT_FILES:
        f = res.run_dir / name
        if f.is_file() and f.stat().st_size <= RESULT_FILE_LIMIT:
            files[name] = f.read_bytes()
    return res, files


def _land(res: SimResult, files: dict[str, bytes]) -> None:
    """Write a remote job's result files into its run directory unless the worker already
    wrote them there (same machine or shared filesystem)."""
    res.run_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        f = res.run_dir / name
        if not f.is_file() or f.stat().st_size != len(data):
            f.write_bytes(data)


class DaskExecutor(Executor):
    """Dask distributed: a ``LocalCluster`` of ``workers`` processes started here, or the
    scheduler at ``scheduler`` (``tcp://host:8786``)."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int = 2) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - a dependency of dv
            raise ToolError("the Dask executor needs the 'distributed' package.",
                            hint="pip install 'dask[distributed]'") from exc
        self.cluster = None
        self.scheduler = scheduler
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="20s")
            else:
                self.cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                                            processes=True, dashboard_address=None,
                                            host="127.0.0.1")
                self.client = Client(self.cluster)
        except OSError as exc:
            self.close()
            where = scheduler or "a local cluster"
            raise ToolError(f"cannot reach the Dask scheduler at {where}: {exc}.",
                            hint="Check --scheduler (tcp://host:8786) and that the scheduler "
                                 "runs.") from exc
        self.workers = workers

    def describe(self) -> str:
        n = len(self.client.scheduler_info().get("workers", {}))
        where = self.scheduler or "LocalCluster"
        return f"Dask ({where}, {n} worker(s))"

    def run(self, jobs: Sequence[SimJob], on_done: OnDone | None = None) -> list[SimResult]:
        from distributed import as_completed

        futures = [self.client.submit(run_remote, job, pure=False, key=f"dv-sim-{i}-"
                                      f"{job.build.key[:12]}-{job.test.name}")
                   for i, job in enumerate(jobs)]
        order = {f.key: i for i, f in enumerate(futures)}
        results: list[SimResult | None] = [None] * len(jobs)
        try:
            for fut in as_completed(futures):
                res, files = fut.result()
                _land(res, files)
                results[order[fut.key]] = res
                if on_done:
                    on_done(res)
        except BaseException:
            self.client.cancel(futures)
            raise
        return [r for r in results if r is not None]

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None


def get_executor(name: str = "local", *, parallel: int | None = None,
                 scheduler: str | None = None) -> Executor:
    """An executor by name: ``local`` (default) or ``dask`` (``scheduler`` given: connect to
    it; else a LocalCluster of ``parallel`` (default 2) worker processes)."""
    if scheduler and name == "local":
        name = "dask"
    if name == "local":
        return LocalExecutor(parallel)
    if name == "dask":
        return DaskExecutor(scheduler, workers=parallel or 2)
    raise InputError(f"unknown executor {name!r}; use one of {', '.join(EXECUTORS)}.")
