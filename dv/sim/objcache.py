"""A compile cache for Verilator builds, used as Verilator's ``OBJCACHE`` compiler wrapper.

Most of a small design's build is not the design: Verilator's runtime (``verilated.cpp``,
``verilated_vpi.cpp``, ``verilated_cov.cpp``, ...) and cocotb's ``verilator.cpp`` main are
compiled again in every build directory, about 80% of the build time of an example here.
:func:`compile_cache_env` picks a compiler cache for the build's ``make``:

- ``OBJCACHE`` already in the environment: the user's choice, untouched (empty turns it off);
- ``DV_COMPILE_CACHE=off``: none;
- ``ccache`` on PATH: ccache (it caches every object, the design's too);
- otherwise this module, which caches every object compiled with a dependency list (the
  runtime's, and the model's own, whose generated sources are the same for the same design
  and options in any build directory), in ``DV_COMPILE_CACHE`` (default
  ``$XDG_CACHE_HOME/dv/compile``, else ``~/.cache/dv/compile``).

How this module decides a hit (the way ccache's direct mode does): the key is the compile
command with its output name taken out, the compiler binary (path, size, modification time)
and the source's path as the compile names it (relative to the build directory for the
model's sources); under a key, each stored object keeps the list of files the compiler
read (from the ``-MMD`` dependency file it wrote) with their SHA-256. An object is reused only
when every one of those files has the same content now, so a changed Verilator or cocotb
header, a different model header included by cocotb's main (``Vtop.h``), or another design's
generated source under the same name, is a miss. The dependency list leaves out system
headers (``-MMD``): a C++ library update that keeps the compiler binary unchanged is not
seen (clear the cache, or use ccache). A compile without ``-c`` or ``-MMD`` is never cached.
Anything that goes wrong in the cache itself falls back to running the compiler: the cache
can make a build slower, never wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE_SUFFIXES = (".cpp", ".cc", ".cxx", ".c")


def cache_dir(env: dict[str, str] | os._Environ = os.environ) -> Path:
    setting = env.get("DV_COMPILE_CACHE", "")
    if setting and setting != "off":
        return Path(setting)
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dv" / "compile"


def compile_cache_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` with ``OBJCACHE`` set for a Verilator ``make`` (see the module docstring)."""
    if "OBJCACHE" in env or env.get("DV_COMPILE_CACHE") == "off":
        return env
    if shutil.which("ccache", path=env.get("PATH")):
        env["OBJCACHE"] = "ccache"
    else:
        env["OBJCACHE"] = f"{shlex.quote(sys.executable)} -m dv.sim.objcache"
    return env


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _parse(argv: list[str]) -> tuple[Path, Path, bool] | None:
    """(source, output, writes a dependency file) of a cacheable compile, else None."""
    if "-c" not in argv:
        return None
    out = None
    for i, a in enumerate(argv[:-1]):
        if a == "-o":
            out = argv[i + 1]
    sources = [a for a in argv[1:] if a.endswith(SOURCE_SUFFIXES) and not a.startswith("-")]
    if len(sources) != 1:
        return None
    src = Path(sources[0])
    output = Path(out) if out else Path(src.stem + ".o")
    return src, output, "-MMD" in argv or "-MD" in argv


def _key(argv: list[str], output: Path, src: Path) -> str:
    compiler = shutil.which(argv[0]) or argv[0]
    try:
        st = os.stat(compiler)
        ident = [str(Path(compiler).resolve()), st.st_size, st.st_mtime_ns]
    except OSError:
        ident = [compiler]
    args = ["<out>" if a == str(output) else a for a in argv[1:]]
    blob = json.dumps({"compiler": ident, "args": args, "source": str(src)})
    return hashlib.sha256(blob.encode()).hexdigest()


def _deps(depfile: Path) -> list[str]:
    """The prerequisites listed in a make dependency file written by ``-MMD``."""
    text = depfile.read_text().replace("\\\n", " ")
    _, _, rest = text.partition(":")
    return [d for d in rest.split() if d and d != "\\"]


def _lookup(entry: Path, cwd: Path) -> Path | None:
    if not entry.is_dir():
        return None
    for manifest in sorted(entry.glob("*.json")):
        try:
            info = json.loads(manifest.read_text())
            if all(_sha(cwd / dep) == digest for dep, digest in info["deps"].items()):
                obj = manifest.with_suffix(".o")
                return obj if obj.is_file() else None
        except (OSError, ValueError, KeyError):
            continue
    return None


def _copy_atomic(src: Path, dst: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _store(entry: Path, cwd: Path, output: Path, depfile: Path) -> None:
    deps = {d: _sha(cwd / d) for d in _deps(depfile)}
    name = hashlib.sha256(json.dumps(deps, sort_keys=True).encode()).hexdigest()[:24]
    entry.mkdir(parents=True, exist_ok=True)
    _copy_atomic(cwd / output, entry / f"{name}.o")
    _copy_atomic(depfile, entry / f"{name}.d")
    fd, tmp = tempfile.mkstemp(dir=entry, prefix=".manifest.")
    with os.fdopen(fd, "w") as fh:
        json.dump({"deps": deps}, fh)
    os.replace(tmp, entry / f"{name}.json")  # last: a manifest names a complete object


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m dv.sim.objcache COMPILER ARGS...", file=sys.stderr)
        return 2
    cwd = Path.cwd()
    parsed = _parse(argv)
    if parsed is None or not parsed[2]:
        return subprocess.call(argv)
    src, output, _ = parsed
    depfile = (cwd / output).with_suffix(".d")
    try:
        entry = cache_dir() / (key := _key(argv, output, src))[:2] / key
        hit = _lookup(entry, cwd)
        if hit is not None:
            _copy_atomic(hit, cwd / output)
            _copy_atomic(hit.with_suffix(".d"), depfile)
            return 0
    except OSError:
        entry = None
    code = subprocess.call(argv)
    if code == 0 and entry is not None and depfile.is_file():
        try:
            _store(entry, cwd, output, depfile)
        except OSError:
            pass  # a full or read-only cache: the object is built, only not kept
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
