"""Replaying two reference models on recorded transactions: was a check loosened?

When a round changes the scoreboard, the old and the new ``SCOREBOARD`` run on the
transactions the last round recorded (``transactions.json`` in each test's run directory,
written by the harness's checker, bounded). A transaction the old model rejected and the new
one accepts is a loosening, whatever the code looks like.

Both scoreboards are model-written code, so they never run in dv's own process:
:func:`find_loosened` starts ``python -m dv.gen.sb_replay JOB`` as a child, inside the OS
sandbox (:func:`dv.sim.sandbox.wrap`: no network, read-only filesystem except its scratch
directory, no keys in the environment) when it is available, and always with resource limits
the child sets on itself before it reads any model code (CPU time, address space, open files,
file size) and a wall-clock timeout; its output is capped. Without the sandbox the limits and
the timeout are the only containment (a child running as root could raise its hard limits):
the result says so.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_TRANSACTIONS = 20_000  # over all files of one replay
MAX_LOOSENED = 20
CPU_SECONDS = 20
ADDRESS_SPACE = 1 << 30  # 1 GiB
WALL_SECONDS = 30.0
RESULT_LIMIT = 1 << 20


@dataclass
class ReplayResult:
    loosened: list[dict[str, Any]] = field(default_factory=list)  # {test, cycle, txn, old}
    replayed: int = 0  # transactions both models were run on
    total: int = 0  # loosened transactions in all (``loosened`` keeps the first few)
    sandboxed: bool = False
    error: str = ""  # why the replay could not run (then loosened is empty)


def _limits() -> None:
    import resource

    for what, value in ((resource.RLIMIT_CPU, CPU_SECONDS), (resource.RLIMIT_AS, ADDRESS_SPACE),
                        (resource.RLIMIT_NOFILE, 32), (resource.RLIMIT_FSIZE, 4 * RESULT_LIMIT)):
        try:
            resource.setrlimit(what, (value, value))
        except (ValueError, OSError):
            pass


def _load(source: str) -> Any:
    ns: dict[str, Any] = {"__name__": "dv_replay_scoreboard"}
    exec(compile(source, "<scoreboard>", "exec"), ns)  # noqa: S102 - the sandboxed child
    return ns["SCOREBOARD"]


def _replay(job: dict[str, Any]) -> dict[str, Any]:
    old, new = _load(job["old"]), _load(job["new"])
    loosened: list[dict[str, Any]] = []
    replayed = total = 0
    for test, path in job["files"]:
        try:
            events = json.loads(Path(path).read_text())
        except (OSError, ValueError):
            continue
        prev = None
        for item in events:
            if replayed >= MAX_TRANSACTIONS:
                break
            kind, txn = item
            if kind == "p":
                prev = txn
                continue
            try:
                was = old(txn, prev)
            except Exception as exc:  # the wrapper catches the model's; this is the wrapper's
                was = f"{type(exc).__name__}: {exc}"
            try:
                now = new(txn, prev)
            except Exception as exc:
                now = f"{type(exc).__name__}: {exc}"
            replayed += 1
            total += bool(was and not now)
            if was and not now and len(loosened) < MAX_LOOSENED:
                loosened.append({"test": test, "cycle": txn.get("cycle"),
                                 "txn": {k: txn.get(k) for k in ("in", "out", "fsm")},
                                 "old": str(was)[:300]})
            prev = txn
    return {"loosened": loosened, "replayed": replayed, "total": total}


def main(argv: list[str] | None = None) -> int:
    """The child: ``python -m dv.gen.sb_replay JOB.json`` writes ``result.json`` beside it."""
    _limits()  # before any model code is read
    args = sys.argv[1:] if argv is None else argv
    job_path = Path(args[0])
    job = json.loads(job_path.read_text())
    try:
        out = _replay(job)
    except BaseException as exc:  # the models' fault: reported, not raised
        out = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    (job_path.parent / "result.json").write_text(json.dumps(out)[:RESULT_LIMIT])
    return 0


MAX_RECORD_BYTES = 16 << 20


def _read_recorded(path: Path) -> bytes | None:
    """A transactions file written by a (possibly sandboxed) run: read only a regular file,
    never through a link the run may have planted, and only up to a size bound."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_RECORD_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(MAX_RECORD_BYTES + 1)[:MAX_RECORD_BYTES]
    finally:
        os.close(fd)


def find_loosened(old_source: str, new_source: str, files: list[tuple[str, Path]],
                  scratch: Path | None = None, timeout: float = WALL_SECONDS,
                  sandbox_ok: bool | None = None) -> ReplayResult:
    """Run both (wrapped) scoreboards on the recorded transactions in ``files`` (test name,
    ``transactions.json``) in a contained child process; see the module docstring."""
    files = [(t, Path(p)) for t, p in files if Path(p).is_file()]
    if not files:
        return ReplayResult(error="no recorded transactions")
    from dv.sim.process import run_logged

    base = Path(scratch) if scratch is not None else Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dv-sb-replay-", dir=base) as tmp:
        work = Path(tmp)
        copies = []
        for i, (test, path) in enumerate(files):
            data = _read_recorded(path)
            if data is None:  # a link, a pipe or an oversized file left by the run: unread
                continue
            dst = work / f"t{i}.json"
            dst.write_bytes(data)
            copies.append((test, str(dst)))
        if not copies:
            return ReplayResult(error="no readable recorded transactions")
        job = work / "job.json"
        job.write_text(json.dumps({"old": old_source, "new": new_source, "files": copies}))
        cmd = [sys.executable, "-m", "dv.gen.sb_replay", str(job)]
        env = _child_env()
        sandboxed = False
        fds: tuple[int, ...] = ()
        try:
            from dv.sim import sandbox

            ok = sandbox.sandbox_available()[0] if sandbox_ok is None else sandbox_ok
        except Exception:  # the sandbox module missing or broken: limits only
            ok = False
        if ok:
            with sandbox.seccomp_fd() as fd:
                cmd = sandbox.wrap(cmd, rw=[work], ro=sandbox.python_roots(), env=env, cwd=work,
                                   seccomp=fd)
                fds = () if fd is None else (fd,)
                sandboxed = True
                res = run_logged(cmd, log=work / "replay.log", timeout=timeout, cwd=work,
                                 env=env, output_limit=RESULT_LIMIT, pass_fds=fds)
        else:
            res = run_logged(cmd, log=work / "replay.log", timeout=timeout, cwd=work,
                             env=env, output_limit=RESULT_LIMIT)
        out = ReplayResult(sandboxed=sandboxed)
        result = work / "result.json"
        if res.timed_out:
            out.error = f"the replay took longer than {timeout:g} s (a scoreboard hangs)"
            return out
        if not result.is_file() or result.stat().st_size > RESULT_LIMIT:
            tail = (work / "replay.log").read_text(errors="replace")[-300:].strip()
            out.error = f"the replay ended without a result (exit {res.returncode}): {tail}"
            return out
        try:
            data = json.loads(result.read_text())
        except ValueError:
            out.error = "the replay's result is not JSON"
            return out
    if data.get("error"):
        out.error = f"a scoreboard failed in the replay: {data['error']}"
        return out
    out.loosened = list(data.get("loosened", []))[:MAX_LOOSENED]
    out.replayed = int(data.get("replayed", 0))
    out.total = max(len(out.loosened), int(data.get("total", 0)))
    if not sandboxed:
        out.error = ""  # ran, but only under resource limits (recorded by the caller)
    return out


def _child_env() -> dict[str, str]:
    """No keys, no user environment: what Python needs to import dv."""
    import dv

    root = str(Path(dv.__file__).resolve().parent.parent)
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONPATH": root, "LANG": "C.UTF-8",
            "HOME": "/tmp", "TMPDIR": "/tmp", "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1", "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0")}


if __name__ == "__main__":
    raise SystemExit(main())
