"""Run an external process with a wall-clock timeout, its output kept in a log file."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProcessResult:
    returncode: int | None  # None when killed (timeout or stop)
    timed_out: bool
    seconds: float
    log: Path
    stopped: bool = False  # killed because the caller asked (e.g. Ctrl-C)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])


def run_logged(cmd: list[str], *, log: Path, timeout: float, cwd: Path | None = None,
               env: dict[str, str] | None = None,
               stop: threading.Event | None = None) -> ProcessResult:
    """Run ``cmd`` in its own process group, stdout+stderr to ``log``.

    The group is killed when ``timeout`` seconds pass, when ``stop`` is set (another thread
    was interrupted), or when this thread is interrupted: no simulator is ever left behind.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    deadline = start + timeout
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            while True:
                try:
                    rc = proc.wait(timeout=min(0.2, max(0.0, deadline - time.monotonic())))
                    return ProcessResult(rc, False, time.monotonic() - start, log)
                except subprocess.TimeoutExpired:
                    if stop is not None and stop.is_set():
                        _kill_group(proc)
                        return ProcessResult(None, False, time.monotonic() - start, log, True)
                    if time.monotonic() >= deadline:
                        _kill_group(proc)
                        return ProcessResult(None, True, time.monotonic() - start, log)
        except BaseException:  # KeyboardInterrupt: never leave a simulator behind
            _kill_group(proc)
            raise


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    except ProcessLookupError:
        pass
