"""Run an external process with a wall-clock timeout, its output kept in a capped log file.

The child's stdout and stderr go through a pipe that the parent reads: the log on disk keeps the
first ``head`` and the last ``tail`` bytes of the output (with a marker where the middle was
dropped), so a child that prints without end can neither fill the disk nor make dv's
post-processing slow. With ``output_limit`` the child is killed once it printed that much.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HEAD_BYTES = 1 << 20  # kept from the start of the output
TAIL_BYTES = 4 << 20  # kept from the end of the output
TAIL_READ = 64 << 10  # what ProcessResult.tail reads from the end of the log
DRAIN_GRACE = 2.0  # seconds to read what is left in the pipe after the child exited


@dataclass(frozen=True)
class ProcessResult:
    returncode: int | None  # None when killed (timeout, stop or output limit)
    timed_out: bool
    seconds: float
    log: Path
    stopped: bool = False  # killed because the caller asked (e.g. Ctrl-C)
    output_bytes: int = 0  # what the child printed (the log keeps at most head + tail of it)
    output_exceeded: bool = False  # killed because it printed more than output_limit

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.output_exceeded

    def tail(self, lines: int = 30, max_bytes: int = TAIL_READ) -> str:
        """The last ``lines`` lines of the log, read from its last ``max_bytes`` only."""
        return read_tail(self.log, lines, max_bytes)


def read_tail(path: Path, lines: int = 30, max_bytes: int = TAIL_READ) -> str:
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - max_bytes))
            data = f.read(max_bytes)
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace").splitlines()
    if len(data) == max_bytes and size > max_bytes and len(text) > 1:
        text = text[1:]  # the first line is cut (kept when it is the only one)
    return "\n".join(text[-lines:])


def remove(path: Path) -> None:
    """Remove whatever is at ``path`` (file, link, pipe, directory) without following links."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        pass


def open_new(path: Path) -> int:
    """A new file at ``path`` opened for writing, whatever was there before: never follows a
    link left in a directory an untrusted run could write (``sim.log`` -> ``~/.bashrc``)."""
    remove(path)
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                   0o644)


class CappedLog:
    """Writes the first ``head`` bytes through to ``path``, keeps the last ``tail`` bytes in
    memory, and on :meth:`close` appends them after a marker saying how much was dropped."""

    def __init__(self, path: Path, head: int = HEAD_BYTES, tail: int = TAIL_BYTES) -> None:
        self.file = os.fdopen(open_new(path), "wb")  # closed in close()
        self.head = head
        self.tail = tail
        self.total = 0
        self.written = 0
        self.buf = bytearray()

    def write(self, data: bytes) -> None:
        self.total += len(data)
        room = self.head - self.written
        if room > 0:
            part = data[:room]
            self.file.write(part)
            self.file.flush()
            self.written += len(part)
            data = data[room:]
        if data:
            self.buf += data
            if len(self.buf) > 2 * self.tail:
                del self.buf[:-self.tail]

    def close(self) -> None:
        if self.file.closed:
            return
        tail = bytes(self.buf[-self.tail:])
        dropped = self.total - self.written - len(tail)
        if dropped > 0:
            self.file.write(f"\n[dv: {dropped} bytes of output dropped here; the log keeps the "
                            f"first {self.written} and the last {len(tail)} bytes of "
                            f"{self.total}]\n".encode())
        self.file.write(tail)
        self.file.close()


def run_logged(cmd: list[str], *, log: Path, timeout: float, cwd: Path | None = None,
               env: dict[str, str] | None = None,
               stop: threading.Event | None = None,
               output_limit: int | None = None,
               head: int = HEAD_BYTES, tail: int = TAIL_BYTES,
               pass_fds: tuple[int, ...] = ()) -> ProcessResult:
    """Run ``cmd`` in its own process group, stdout+stderr to ``log`` (capped).

    The group is killed when ``timeout`` seconds pass, when ``stop`` is set (another thread
    was interrupted), when the output passes ``output_limit`` bytes, or when this thread is
    interrupted: no simulator is ever left behind. Returns at most ``DRAIN_GRACE`` s after the
    child exits, even if something it started still holds the pipe open.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    deadline = start + timeout
    out = CappedLog(log, head, tail)
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, pass_fds=pass_fds)
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    os.set_blocking(fd, False)
    eof = False
    exited_at: float | None = None

    def result(rc: int | None, **kw: bool) -> ProcessResult:
        return ProcessResult(rc, kw.pop("timed_out", False), time.monotonic() - start, log,
                             output_bytes=out.total, **kw)

    try:
        while True:
            now = time.monotonic()
            if not eof:
                wait = min(0.2, max(0.0, deadline - now))
                ready, _, _ = select.select([fd], [], [], wait)
                if ready:
                    eof = _drain(fd, out)
            rc = proc.poll()
            if rc is None and eof:
                try:
                    rc = proc.wait(timeout=min(0.2, max(0.0, deadline - time.monotonic())))
                except subprocess.TimeoutExpired:
                    rc = None
            if output_limit is not None and out.total > output_limit:
                _kill_group(proc)
                return result(None, output_exceeded=True)
            if rc is not None:
                if exited_at is None:
                    exited_at = time.monotonic()
                if eof or time.monotonic() - exited_at >= DRAIN_GRACE:
                    if not eof:  # a process the child started still holds the pipe
                        _kill_group(proc)
                    return result(rc)
                continue
            if stop is not None and stop.is_set():
                _kill_group(proc)
                return result(None, stopped=True)
            if time.monotonic() >= deadline:
                _kill_group(proc)
                return result(None, timed_out=True)
    except BaseException:  # KeyboardInterrupt: never leave a simulator behind
        _kill_group(proc)
        raise
    finally:
        proc.stdout.close()
        out.close()


def _drain(fd: int, out: CappedLog, budget: int = 16 << 20) -> bool:
    """Read what the pipe holds (up to ``budget`` bytes per call); True at end of file."""
    got = 0
    while got < budget:
        try:
            chunk = os.read(fd, 1 << 20)
        except BlockingIOError:
            return False
        if not chunk:
            return True
        out.write(chunk)
        got += len(chunk)
    return False


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
    try:  # the leader may be gone while others of its group live on
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
