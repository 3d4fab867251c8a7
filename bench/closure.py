"""Closure benchmark: run the built-in generator's closure loop on every example design.

Prints, per design: rounds, wall time split into build / simulation / generation, simulated
cycles per second, final line / branch / toggle / expression coverage (waived points
excluded), and how many Verilator builds the run made. Targets (issue #2): >= 95% line and
branch and >= 90% toggle on every example; the FIFO closed in under 60 s after its build; one
build per run.

Column ``harness`` (issue #14): the generated environment's cycles/s divided by a minimal
hand-written cocotb loop's, both run on one build of the design alone (no bound properties),
one after the other, with the same per-cycle random stimulus (see bench/harness_speed.py); target >= 0.5. ``vs raw``: the
same against the loop reading outputs the way the environment does.

    python bench/closure.py [--examples fifo,alu] [--rounds 5] [--keep DIR]
                            [--harness-cycles 20000] [--harness-repeat 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dv.design.frontend import load_design  # noqa: E402
from dv.design.spec import parse_spec  # noqa: E402
from dv.gen.builtin import BuiltinGenerator  # noqa: E402
from dv.loop import ClosureOptions, run_closure  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness_speed import measure  # noqa: E402

from dv.sim.build import BuildConfig, build  # noqa: E402


def examples(selected: list[str] | None) -> list[tuple[str, Path, Path | None]]:
    out = []
    for d in sorted((ROOT / "rtl_examples").iterdir()):
        if not d.is_dir() or (selected and d.name not in selected):
            continue
        rtl = d / f"{d.name}.sv"
        spec = d / f"{d.name}.md"
        if rtl.is_file():
            out.append((d.name, rtl, spec if spec.is_file() else None))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", default=None, help="comma-separated example names")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--keep", default=None, help="directory for outputs (default: a temp dir)")
    ap.add_argument("--harness-cycles", type=int, default=20_000,
                    help="cycles of each harness-speed run (0: no harness column)")
    ap.add_argument("--harness-repeat", type=int, default=1,
                    help="harness-speed runs per side; the best counts")
    args = ap.parse_args()
    selected = args.examples.split(",") if args.examples else None
    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="dv-bench-"))
    os.chdir(ROOT)
    rows = []
    for name, rtl, spec_path in examples(selected):
        design = load_design([rtl.relative_to(ROOT)], root=ROOT)
        spec = parse_spec(spec_path.relative_to(ROOT)) if spec_path else None
        t0 = time.monotonic()
        run = run_closure(design, spec, BuiltinGenerator(),
                          ClosureOptions(rounds=args.rounds, out=out / name, root=ROOT))
        wall = time.monotonic() - t0
        summ = run.coverage.summary(run.waivers)
        builds = 0 if run.build is None or run.build.cached else 1
        sim_secs = sum(t.get("test_seconds", 0) for r in run.rounds for t in r.tests)
        rows.append({
            "design": name, "rounds": len(run.rounds), "wall": wall,
            "build": run.seconds["build"], "sim": run.seconds["simulation"],
            "gen": run.seconds["generation"], "after_build": wall - run.seconds["build"],
            "cps": run.sim_cycles / sim_secs if sim_secs else 0.0, "cycles": run.sim_cycles,
            "line": summ["line"].percent, "branch": summ["branch"].percent,
            "toggle": summ["toggle"].percent, "expr": summ["expr"].percent,
            "waived": sum(s.waived for s in summ.values()), "builds": builds,
            "failed": len(run.failed_tests()), "stop": run.stop_reason,
        })
        speed = None
        if args.harness_cycles and run.build is not None:
            # a build of the design alone: the minimal loop drives plain random values, which
            # the run's bound properties (protocol input rules, spec assumptions) would reject
            plain = build(BuildConfig(top=design.top, sources=list(design.files),
                                      parameters=dict(design.overrides),
                                      defines=dict(design.defines),
                                      includes=list(design.include_dirs)),
                          out / name / "harness-build")
            speed = measure(plain, design, out / name / "harness", cycles=args.harness_cycles,
                            repeat=args.harness_repeat)
        rows[-1]["harness"] = speed.ratio if speed else float("nan")
        rows[-1]["vs_raw"] = speed.raw_ratio if speed else float("nan")
        print(f"{name}: {run.stop_reason}"
              + (f"; harness {speed.env_cps:.0f} / {speed.loop_cps:.0f} cyc/s = "
                 f"{speed.ratio:.2f}" if speed else ""), flush=True)
    hdr = (f"{'design':10s} {'rounds':>6s} {'wall s':>7s} {'build':>6s} {'sim':>6s} {'gen':>5s} "
           f"{'post-build':>10s} {'cycles':>7s} {'cyc/s':>7s} {'line%':>6s} {'branch%':>7s} "
           f"{'toggle%':>7s} {'expr%':>6s} {'waived':>6s} {'builds':>6s} {'failed':>6s} "
           f"{'harness':>7s} {'vs raw':>6s}")
    print()
    print(hdr)
    for r in rows:
        print(f"{r['design']:10s} {r['rounds']:6d} {r['wall']:7.1f} {r['build']:6.1f} "
              f"{r['sim']:6.1f} {r['gen']:5.2f} {r['after_build']:10.1f} {r['cycles']:7d} "
              f"{r['cps']:7.0f} {r['line']:6.1f} {r['branch']:7.1f} {r['toggle']:7.1f} "
              f"{r['expr']:6.1f} {r['waived']:6d} {r['builds']:6d} {r['failed']:6d} "
              f"{r['harness']:7.2f} {r['vs_raw']:6.2f}")
    misses = [r["design"] for r in rows
              if r["line"] < 95 or r["branch"] < 95 or r["toggle"] < 90]
    print()
    print(f"targets (line/branch >= 95%, toggle >= 90%): "
          f"{'all met' if not misses else 'missed by ' + ', '.join(misses)}")
    slow = [r["design"] for r in rows if not r["harness"] >= 0.5]
    if args.harness_cycles:
        print(f"harness target (generated env >= 0.5 x the minimal loop's cycles/s): "
              f"{'all met' if not slow else 'missed by ' + ', '.join(slow)}")
    fifo = next((r for r in rows if r["design"] == "fifo"), None)
    if fifo:
        print(f"fifo closure after its build: {fifo['after_build']:.1f} s (target < 60 s)")
    print(f"outputs: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
