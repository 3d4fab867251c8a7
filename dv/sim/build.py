"""Build a Verilator model once per content hash, with coverage and assertions on."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from dv import __version__
from dv.errors import InputError, ToolError
from dv.files import write_atomic
from dv.sim.process import run_logged
from dv.sim.tools import VerilatorTool, find_verilator

BUILD_STAMP = "dv-build.json"
FALLBACK_STAMP = "dv-fallback.json"  # left where a build hit an internal error: what worked
# Verilator's coverage kinds, given one by one (together the same as ``--coverage``); FSM
# coverage crashes this Verilator on some memory writes (see ECOSYSTEM.md), so it is the first
# one a rebuild leaves out. Branch points come with "line".
COVERAGE_KINDS = ("line", "toggle", "expr", "user", "fsm")
_SUSPECTS = ("fsm", "expr", "toggle", "user", "line")  # the order a rebuild drops kinds in


@dataclass
class BuildConfig:
    top: str
    sources: list[str]
    parameters: dict[str, str] = field(default_factory=dict)
    defines: dict[str, str] = field(default_factory=dict)
    includes: list[str] = field(default_factory=list)
    coverage: bool = True
    assertions: bool = True
    timing: bool = False
    waves: bool = False
    extra_args: list[str] = field(default_factory=list)
    coverage_kinds: tuple[str, ...] = COVERAGE_KINDS

    def args(self) -> list[str]:
        args = ["-Wno-fatal", "--x-assign", "unique", "--x-initial", "unique"]
        if self.coverage:
            args += [f"--coverage-{k}" for k in self.coverage_kinds]
        if self.assertions:
            args.append("--assert")
        if self.timing:
            args += ["--timing", "-CFLAGS", "-fcoroutines", "-CFLAGS", "-std=c++20"]
        return args + list(self.extra_args)


@dataclass
class Build:
    config: BuildConfig
    build_dir: Path
    key: str
    seconds: float
    cached: bool
    log: Path
    # coverage kinds left out because the build with them hit a Verilator internal error:
    # [{"kind": "expr", "reason": "..."}]
    dropped: list[dict] = field(default_factory=list)

    @property
    def executable(self) -> Path:
        return self.build_dir / self.config.top


def build_key(cfg: BuildConfig, tool: VerilatorTool) -> str:
    """The content key of a build: every input, with paths as Verilator sees them (resolved).

    ``rtl/a.sv`` and ``/abs/path/rtl/a.sv`` name the same file and give the same key, so
    ``dv rerun`` (absolute paths from the manifest) reuses the build of ``dv generate``
    (paths as typed).
    """
    h = hashlib.sha256()
    conf = asdict(cfg)
    conf["sources"] = [str(Path(s).resolve()) for s in cfg.sources]
    conf["includes"] = [str(Path(i).resolve()) for i in cfg.includes]
    h.update(json.dumps({"cfg": conf, "tool": tool.version, "dv": __version__},
                        sort_keys=True).encode())
    for src in conf["sources"]:
        h.update(src.encode() + b"\0")
        try:
            h.update(Path(src).read_bytes())
        except OSError as exc:
            raise InputError(f"cannot read source file {src}: {exc.strerror}.", file=src) from exc
    for inc in conf["includes"]:
        for f in sorted(Path(inc).glob("*.sv*")) + sorted(Path(inc).glob("*.v*")):
            h.update(str(f).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def build(cfg: BuildConfig, build_root: Path, *, timeout: float = 900.0) -> Build:
    """Build (or reuse) the model for ``cfg`` under ``build_root``; on a Verilator internal
    error, build again without one coverage kind at a time (then without several) and record
    in ``Build.dropped`` which kinds were left out and why. The first build's directory keeps
    a note of what worked, so the next call goes straight to it."""
    first = _build_dir(cfg, build_root)
    note = first / FALLBACK_STAMP
    if note.is_file():
        info = json.loads(note.read_text())
        cfg2 = replace(cfg, coverage_kinds=tuple(info["coverage_kinds"]))
        b = _build_once(cfg2, build_root, timeout=timeout)
        b.dropped = [{**d, "reason": _local(str(d.get("reason", "")))} for d in info["dropped"]]
        return b
    try:
        return _build_once(cfg, build_root, timeout=timeout)
    except InternalToolError as exc:
        if not cfg.coverage or not cfg.coverage_kinds:
            raise
        first_error = exc
    kinds = sorted(cfg.coverage_kinds,
                   key=lambda k: _SUSPECTS.index(k) if k in _SUSPECTS else len(_SUSPECTS))
    dropped: list[dict] = []
    reason = first_error.reason
    while kinds:
        for k in kinds:  # one kind at a time: keep every kind that is not the culprit
            trial = tuple(x for x in kinds if x != k)
            try:
                b = _build_once(replace(cfg, coverage_kinds=trial), build_root, timeout=timeout)
            except InternalToolError:
                continue
            b.dropped = dropped + [{"kind": k, "reason": reason}]
            write_atomic(note, json.dumps({"coverage_kinds": list(trial),
                                           "dropped": b.dropped}, indent=1))
            return b
        # no single kind is the culprit: leave out the first one and try the rest again
        dropped.append({"kind": kinds[0], "reason": reason + " (no single kind was the "
                        "cause; left out in turn)"})
        kinds = kinds[1:]
    raise first_error


class InternalToolError(ToolError):
    """A Verilator internal error (a crash of the tool, not an error in the design)."""

    def __init__(self, message: str, *, reason: str, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.reason = reason


_INTERNAL = re.compile(r"%Error: Internal Error: (?P<msg>.*)")


def _build_dir(cfg: BuildConfig, build_root: Path) -> Path:
    return (build_root / f"{cfg.top}-{build_key(cfg, find_verilator())[:16]}").resolve()


def _build_once(cfg: BuildConfig, build_root: Path, *, timeout: float = 900.0) -> Build:
    """Build (or reuse) the model for ``cfg`` under ``build_root``.

    The model directory is named by the content hash of every input, so a changed RTL file,
    parameter or flag gives a new build and an unchanged one is reused without calling
    Verilator. Raises :class:`InputError` for errors in the user's sources (with file and
    line) and :class:`ToolError` for tool failures, timeouts and C++ build errors.
    """
    tool = find_verilator()
    key = build_key(cfg, tool)
    build_dir = (build_root / f"{cfg.top}-{key[:16]}").resolve()
    stamp = build_dir / BUILD_STAMP
    log = build_dir / "build.log"
    if stamp.is_file() and (build_dir / cfg.top).is_file():
        info = json.loads(stamp.read_text())
        return Build(cfg, build_dir, key, info.get("seconds", 0.0), True, log)
    build_dir.mkdir(parents=True, exist_ok=True)
    job = {
        "mode": "build", "top": cfg.top, "sources": [str(Path(s).resolve()) for s in cfg.sources],
        "build_dir": str(build_dir), "build_args": cfg.args(), "parameters": cfg.parameters,
        "defines": cfg.defines, "includes": [str(Path(i).resolve()) for i in cfg.includes],
        "waves": cfg.waves,
    }
    job_file = build_dir / "build-job.json"
    job_file.write_text(json.dumps(job, indent=1))
    res = run_logged([sys.executable, "-m", "dv.sim.worker", str(job_file)], log=log,
                     timeout=timeout, env=tool.env())
    if res.timed_out:
        raise ToolError(f"the Verilator build of {cfg.top} did not finish in {timeout:.0f} s.",
                        hint=f"See {log}.")
    if not res.ok or not (build_dir / cfg.top).is_file():
        raise _build_error(log, cfg)
    write_atomic(stamp, json.dumps({"key": key, "seconds": res.seconds, "tool": tool.version,
                                     "config": asdict(cfg)}, indent=1))
    return Build(cfg, build_dir, key, res.seconds, False, log)


_VERILATOR_ERR = re.compile(
    r"%Error(?:-(?P<code>[A-Z0-9_]+))?: (?P<file>[^:\s]+):(?P<line>\d+):(?:(?P<col>\d+):)? "
    r"(?P<msg>.*)")


def _local(text: str) -> str:
    """``text`` with paths under the working directory written relative to it."""
    return text.replace(os.getcwd().rstrip(os.sep) + os.sep, "")


def _build_error(log: Path, cfg: BuildConfig) -> Exception:
    text = log.read_text(errors="replace") if log.is_file() else ""
    internal = _INTERNAL.search(text)
    if internal:
        # paths under the working directory as the user gave them: the reason goes into
        # closure.json and summary.md, which must not carry this machine's absolute paths
        msg = " ".join(_local(internal.group("msg")).split())
        reason = "Verilator internal error: " + msg[:300]
        kinds = ", ".join(cfg.coverage_kinds) if cfg.coverage else "none"
        return InternalToolError(
            f"Verilator crashed building {cfg.top} (coverage kinds: {kinds}): {reason}",
            reason=reason, hint=f"The full build log is {log}.")
    sources = {str(Path(s).resolve()) for s in cfg.sources}
    for line in text.splitlines():
        m = _VERILATOR_ERR.search(line)
        if m:
            file = m.group("file")
            msg = m.group("msg").strip()
            code = f" [{m.group('code')}]" if m.group("code") else ""
            err_cls = InputError if str(Path(file).resolve()) in sources else ToolError
            return err_cls(f"Verilator rejected the design{code}: {msg}", file=file,
                           line=int(m.group("line")),
                           column=int(m.group("col")) if m.group("col") else None,
                           hint=f"The full build log is {log}.")
    tail = "\n".join(text.splitlines()[-15:])
    return ToolError(f"the Verilator/C++ build of {cfg.top} failed. Last lines of the log:\n{tail}",
                     hint=f"The full build log is {log}.")
