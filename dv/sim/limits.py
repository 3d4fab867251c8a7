"""Resource limits for a process that runs untrusted (model-written) code.

The limits are set with :func:`resource.setrlimit` in the child itself, before anything untrusted
runs, and are inherited by everything it starts (the simulator and the Python inside it):

- CPU seconds (``RLIMIT_CPU``): from the test's wall-clock timeout, so a busy loop dies even if
  the parent is gone;
- address space (``RLIMIT_AS``): a memory bomb gets ``MemoryError`` / ``std::bad_alloc``
  instead of the machine's memory;
- open files (``RLIMIT_NOFILE``);
- file size (``RLIMIT_FSIZE``): no file the child writes (``coverage.dat``, ``results.xml``, its
  log) grows past it;
- core dumps off (``RLIMIT_CORE``).

:func:`apply` is what :mod:`dv.sim.worker` calls first when its job names limits. Run as
``python -m dv.sim.limits [--cpu S] [--as BYTES] [--nofile N] [--fsize BYTES] -- CMD ...`` it
applies them and ``exec``\\ s ``CMD`` (for any other sandboxed command).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
from dataclasses import asdict, dataclass

GIB = 1 << 30
MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int | None = None  # None: no CPU limit
    address_space: int | None = 4 * GIB
    open_files: int | None = 1024
    file_size: int | None = 256 * MIB

    @classmethod
    def for_timeout(cls, timeout: float, **changes: int | None) -> Limits:
        """Limits for a run with a ``timeout`` s wall clock: CPU time a little above it, so the
        parent's timeout (the clearer message) normally fires first."""
        base = {"cpu_seconds": int(timeout) + 10}
        base.update(changes)
        return cls(**base)

    def to_json(self) -> dict[str, int | None]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, int | None]) -> Limits:
        return cls(**{k: data.get(k) for k in asdict(cls()).keys() if k in data})

    def describe(self) -> str:
        parts = []
        if self.cpu_seconds is not None:
            parts.append(f"CPU {self.cpu_seconds} s")
        if self.address_space is not None:
            parts.append(f"address space {_size(self.address_space)}")
        if self.open_files is not None:
            parts.append(f"{self.open_files} open files")
        if self.file_size is not None:
            parts.append(f"file size {_size(self.file_size)}")
        return ", ".join(parts) or "none"


def _size(n: int) -> str:
    return f"{n / GIB:g} GB" if n >= GIB else f"{n / MIB:g} MB"


def _set(kind: int, value: int | None, *, hard_extra: int = 0) -> None:
    if value is None:
        return
    _soft, hard = resource.getrlimit(kind)
    want_hard = value + hard_extra
    if hard != resource.RLIM_INFINITY:
        want_hard = min(want_hard, hard)
    resource.setrlimit(kind, (min(value, want_hard), want_hard))


def apply(limits: Limits) -> None:
    """Set ``limits`` on this process (inherited by its children). Lowering a limit always
    works; a limit above the current hard limit is clamped to it."""
    # CPU: SIGXCPU at the soft limit (Python dies of it), SIGKILL 5 s later at the hard one.
    _set(resource.RLIMIT_CPU, limits.cpu_seconds, hard_extra=5)
    _set(resource.RLIMIT_AS, limits.address_space)
    _set(resource.RLIMIT_NOFILE, limits.open_files)
    _set(resource.RLIMIT_FSIZE, limits.file_size)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m dv.sim.limits",
                                 description="Apply resource limits, then exec a command.")
    ap.add_argument("--cpu", type=int, default=None, help="CPU seconds")
    ap.add_argument("--as", dest="address_space", type=int, default=None, help="bytes")
    ap.add_argument("--nofile", type=int, default=None)
    ap.add_argument("--fsize", type=int, default=None, help="bytes")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("no command given")
    apply(Limits(args.cpu, args.address_space, args.nofile, args.fsize))
    os.execvp(cmd[0], cmd)
    return 127  # pragma: no cover - execvp does not return


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
