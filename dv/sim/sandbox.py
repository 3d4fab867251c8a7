"""The OS sandbox around a simulation that runs model-written code (bubblewrap).

This module only decides command lines and environments; :mod:`dv.sim.run` uses them. What a
sandboxed process gets (see :func:`wrap`):

- its own user namespace as an unprivileged user with no capabilities (also when dv runs as
  root), and no way to create another one (``--disable-userns`` where bwrap has it);
- no network: a network namespace of its own with only a loopback, so nothing on the host's
  127.0.0.1 (or anywhere else) is reachable; its own PID, IPC and UTS namespaces;
- the filesystem read-only (``--ro-bind / /``) except the directories given as read-write (the
  run directory); a private empty ``/tmp``; ``/run`` (daemon sockets) and ``$HOME`` (keys,
  tokens, config) hidden behind empty tmpfs mounts, with the paths the run needs (the Python
  install, the build, the test modules) bound back read-only;
- an environment built from nothing (``--clearenv``): the variables cocotb, Python and the
  simulator need (:func:`sim_env`), never a variable that looks like a key or token;
- a seccomp filter that refuses ``socket(AF_UNIX, ...)`` (and ``io_uring``): a Unix socket of the
  host on a visible path (a database, a container daemon) cannot be connected to even though
  the filesystem is readable; syscalls of a foreign ABI (i386, x32) are refused too;
- ``--die-with-parent`` and ``--new-session``: when dv (or its timeout) kills the sandbox,
  everything inside dies with the namespace's init, daemons included.

Resource limits are set inside by :mod:`dv.sim.limits`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from dv.errors import ToolError

INSTALL_HINT = "apt-get install bubblewrap"
SANDBOX_UID = 65534  # "nobody" inside the sandbox's user namespace

# Variables passed into the sandbox (when set outside), by name or by prefix.
ENV_NAMES = frozenset({
    "PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "TZ", "LD_LIBRARY_PATH",
    "VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONHASHSEED", "PYTHONPATH", "VERILATOR_ROOT",
    "MAKEFLAGS", "LIBPYTHON_LOC", "SYSTEMC_HOME",
})
ENV_PREFIXES = ("COCOTB_", "PYGPI_", "GPI_", "VERILATOR_")
# A variable whose name looks like a credential never enters, whatever its prefix.
SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASS(?:WD|WORD)?|CRED|AUTH|COOKIE|SESSION|PRIVATE",
                         re.IGNORECASE)


class SandboxUnavailable(ToolError):
    """bubblewrap is missing or cannot create its namespaces here. Exit code 3."""


# seccomp: (AUDIT_ARCH, __NR_socket, __NR_io_uring_setup) per machine
_SECCOMP_ARCH = {"x86_64": (0xC000003E, 41, 425), "aarch64": (0xC00000B7, 198, 425)}
_RET_ALLOW = 0x7FFF0000
_RET_EACCES = 0x00050000 | 13
_AF_UNIX = 1


def seccomp_program(machine: str | None = None) -> bytes | None:
    """The BPF program bwrap installs (``--seccomp FD``), or None on an unknown machine."""
    arch = _SECCOMP_ARCH.get(machine or platform.machine())
    if arch is None:
        return None
    audit, nr_socket, nr_uring = arch

    def op(code: int, jt: int, jf: int, k: int) -> bytes:
        return struct.pack("<HBBI", code, jt, jf, k)

    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    return b"".join([
        op(ld, 0, 0, 4),  # 0: A = arch
        op(jeq, 0, 7, audit),  # 1: foreign ABI -> deny
        op(ld, 0, 0, 0),  # 2: A = syscall number
        op(jge, 5, 0, 0x40000000),  # 3: x32 numbers -> deny
        op(jeq, 4, 0, nr_uring),  # 4: io_uring_setup -> deny
        op(jeq, 0, 2, nr_socket),  # 5: not socket() -> allow
        op(ld, 0, 0, 16),  # 6: A = low word of the address family
        op(jeq, 1, 0, _AF_UNIX),  # 7: AF_UNIX -> deny
        op(ret, 0, 0, _RET_ALLOW),  # 8
        op(ret, 0, 0, _RET_EACCES),  # 9
    ])


@contextlib.contextmanager
def seccomp_fd() -> Iterator[int | None]:
    """A readable fd holding :func:`seccomp_program` for one bwrap start (pass it in
    ``pass_fds``), closed on exit; None where there is no program for this machine."""
    prog = seccomp_program()
    if prog is None:
        yield None
        return
    fd = os.memfd_create("dv-seccomp")
    try:
        os.write(fd, prog)
        os.lseek(fd, 0, os.SEEK_SET)
        yield fd
    finally:
        os.close(fd)


def find_bwrap() -> str | None:
    """``bwrap`` on PATH, or the executable ``DV_BWRAP`` names (an empty or wrong one: none)."""
    named = os.environ.get("DV_BWRAP")
    if named is not None:
        return named if named and os.access(named, os.X_OK) and Path(named).is_file() else None
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=4)
def _help_text(bwrap: str) -> str:
    try:
        out = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout + out.stderr


def _has(bwrap: str, option: str) -> bool:
    return option in _help_text(bwrap)


def _hidden_dirs() -> list[Path]:
    """Directories covered by an empty tmpfs inside the sandbox."""
    out = [Path("/tmp")]
    run = Path("/run")
    if run.is_dir() and not run.is_symlink():
        out.append(run)
    home = os.environ.get("HOME")
    if home:
        h = Path(home)
        if h.is_absolute() and h.is_dir() and not h.is_symlink() and len(h.resolve().parts) > 1:
            h = h.resolve()
            if h not in out and not any(_under(h, d) for d in out):
                out.append(h)
    return out


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _minimal(paths: Iterable[Path]) -> list[Path]:
    """Existing absolute paths, without those inside another one, parents first."""
    uniq = sorted({Path(os.path.realpath(p)) for p in paths if Path(p).exists()},
                  key=lambda p: (len(p.parts), str(p)))
    out: list[Path] = []
    for p in uniq:
        if not any(_under(p, q) for q in out):
            out.append(p)
    return out


def python_roots() -> list[Path]:
    """What the Python that runs cocotb reads: its install, the venv, every import path, dv."""
    import dv

    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix),
             Path(os.path.realpath(sys.executable)).parent, Path(dv.__file__).parent.parent}
    paths |= {Path(p) for p in sys.path if p and Path(p).is_absolute()}
    return sorted(paths)


def wrap(cmd: list[str], *, rw: Iterable[Path], ro: Iterable[Path] = (),
         env: Mapping[str, str], cwd: Path | None = None, bwrap: str | None = None,
         seccomp: int | None = None) -> list[str]:
    """The command line that runs ``cmd`` inside the sandbox.

    ``rw``: directories bound read-write (the run directory; nothing else is writable).
    ``ro``: paths the command must be able to read even where the sandbox hides the host's
    directory (``/tmp``, ``/run``, ``$HOME``); anywhere else the host is visible read-only.
    ``env``: the whole environment inside (filter it with :func:`sim_env` or
    :func:`scrub_env`). ``seccomp``: an fd from :func:`seccomp_fd` (pass it to the child).
    """
    exe = bwrap or find_bwrap()
    if exe is None:
        raise SandboxUnavailable(unavailable_message("bwrap is not on PATH"))
    args = [exe, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    if _has(exe, "--disable-userns"):
        args.append("--disable-userns")
    args += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    if _has(exe, "--unshare-cgroup-try"):
        args.append("--unshare-cgroup-try")
    args += ["--die-with-parent", "--new-session"]
    if _has(exe, "--cap-drop"):
        args += ["--cap-drop", "ALL"]
    hidden = _hidden_dirs()
    for d in hidden:
        args += ["--tmpfs", str(d)]
    rw_dirs = _minimal(rw)
    for p in _minimal(ro):
        if any(_under(p, d) for d in hidden) and not any(_under(p, w) for w in rw_dirs):
            args += ["--ro-bind", str(p), str(p)]
    for p in rw_dirs:
        args += ["--bind", str(p), str(p)]
    if cwd is not None:
        args += ["--chdir", str(cwd)]
    if seccomp is not None:
        args += ["--seccomp", str(seccomp)]
    args.append("--clearenv")
    for k, v in env.items():
        args += ["--setenv", k, v]
    return args + ["--", *cmd]


def scrub_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables of ``environ`` allowed into the sandbox (no credential-like names)."""
    return {k: v for k, v in environ.items()
            if (k in ENV_NAMES or k.startswith(ENV_PREFIXES)) and not SECRET_NAME.search(k)
            and "\0" not in v}


def sim_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of a sandboxed simulation, from the one dv would use unsandboxed."""
    import dv

    env = scrub_env(environ)
    dv_root = str(Path(dv.__file__).resolve().parent.parent)
    extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != dv_root]
    env["PYTHONPATH"] = os.pathsep.join([dv_root, *extra])
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.setdefault("LANG", "C.UTF-8")
    env.update({"HOME": "/tmp", "TMPDIR": "/tmp", "USER": "nobody", "LOGNAME": "nobody",
                "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1"})
    return env


MODEL_CODE = "model-written code"
SPEC_CODE = "the spec's python scoreboard block"


def unavailable_message(reason: str, origin: str = MODEL_CODE) -> str:
    return (f"the OS sandbox for {origin} is not available: {reason}. dv runs code a model or "
            "a spec wrote (scoreboard, assertions) only inside bubblewrap (no network, "
            "read-only filesystem except the run directory, no keys in the environment); "
            f"install it with `{INSTALL_HINT}` (and allow unprivileged user namespaces if your "
            "system restricts them), or pass --no-sandbox to run that code unconfined at your "
            "own risk.")


def foreign_code(tb_dir: Path) -> str | None:
    """What in a generated testbench was written by someone other than dv: a round module that
    installs a scoreboard (a model's or a spec's reference model) makes the testbench run code
    dv did not write. Returns a description for the sandbox reason, or None."""
    for mod in sorted(Path(tb_dir).glob("tb_*_r*.py")):
        try:
            text = mod.read_text(errors="replace")
        except OSError:
            continue
        if "DvChecker.SCOREBOARD = SCOREBOARD" in text:
            return f"a scoreboard not written by dv ({mod.name})"
    return None


@functools.lru_cache(maxsize=1)
def sandbox_available() -> tuple[bool, str]:
    """Whether a sandbox can really be created here: runs ``bwrap ... true`` once (cached).
    Returns ``(ok, reason)``; ``reason`` says why not (or which bwrap works)."""
    exe = find_bwrap()
    if exe is None:
        return False, "bubblewrap (bwrap) is not installed"
    true = shutil.which("true") or "/bin/true"
    with tempfile.TemporaryDirectory(prefix="dv-sandbox-probe-") as tmp, seccomp_fd() as fd:
        cmd = wrap([true], rw=[Path(tmp)], env={"PATH": "/usr/bin:/bin"}, cwd=Path(tmp),
                   bwrap=exe, seccomp=fd)
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                                 stdin=subprocess.DEVNULL, pass_fds=() if fd is None else (fd,))
        except subprocess.TimeoutExpired:
            return False, f"{exe} did not start a sandbox within 30 s"
        except OSError as exc:
            return False, f"{exe} could not be run ({exc.strerror})"
    if out.returncode != 0:
        why = (out.stderr.strip().splitlines() or [f"exit code {out.returncode}"])[0][:300]
        return False, f"{exe} could not create its namespaces ({why})"
    return True, f"bubblewrap at {exe}"


def require_sandbox() -> None:
    """Raise :class:`SandboxUnavailable` unless :func:`sandbox_available`."""
    ok, reason = sandbox_available()
    if not ok:
        raise SandboxUnavailable(unavailable_message(reason))


def sandbox_policy(model_code: bool, requested: bool | None,
                   origin: str = MODEL_CODE) -> dict[str, object]:
    """Whether a run's simulations go into the sandbox, and why (recorded in closure.json).

    ``model_code``: the run executes code dv did not write — a model's (any generator but the
    built-in one) or a spec's (its ``python scoreboard`` block); ``origin`` says which.
    ``requested``: ``--sandbox`` (True), ``--no-sandbox`` (False) or nothing (None). Such code
    is sandboxed unless the user said ``--no-sandbox``; raises :class:`SandboxUnavailable` when
    the sandbox is needed and cannot be created here.
    """
    if requested is False:
        if not model_code:
            return {"enabled": False, "model_code": False, "reason": "--no-sandbox"}
        ok, how = sandbox_available()
        return {"enabled": False, "model_code": True,
                "reason": f"--no-sandbox: {origin} ran without the OS sandbox "
                          f"(sandbox {'available: ' + how if ok else 'unavailable: ' + how})"}
    if requested is None and not model_code:
        return {"enabled": False, "model_code": False,
                "reason": "built-in generator only: no model-written code runs"}
    ok, reason = sandbox_available()
    if not ok:
        raise SandboxUnavailable(unavailable_message(reason, origin))
    why = origin if model_code else "--sandbox"
    return {"enabled": True, "model_code": model_code,
            "reason": f"{why}: simulations run in {sandbox_available()[1]}"}


def testbench_sandbox_policy(model: str, tb_dir: Path, requested: bool | None) -> dict[str, object]:
    """:func:`sandbox_policy` for rerunning a generated testbench (``dv rerun``, ``dv regress``,
    ``dv qualify``): sandboxed when a model wrote it (``model`` from its manifest) or when a
    round module installs a scoreboard dv did not write (a spec's reference model)."""
    if model != "builtin":
        return sandbox_policy(True, requested, MODEL_CODE)
    foreign = foreign_code(tb_dir)
    return sandbox_policy(foreign is not None, requested, foreign or MODEL_CODE)


__all__ = ["INSTALL_HINT", "MODEL_CODE", "SPEC_CODE", "SandboxUnavailable", "find_bwrap",
           "foreign_code", "python_roots",
           "require_sandbox", "sandbox_available", "sandbox_policy", "scrub_env",
           "seccomp_fd", "seccomp_program", "sim_env", "testbench_sandbox_policy",
           "unavailable_message", "wrap"]
