"""Mutant schemata against rebuilding per mutant, in the same run, on a small sample.

    .venv/bin/python bench/qualify.py [testbenches/<top>] [--mutants 3] [--seed 1] [-j 2]
    .venv/bin/python bench/qualify.py --examples --mutants 12   # figures for every example

Schema: one Verilator build holding every sampled mutant, then the reference (+dv_mut=0) and
the tests on each mutant (+dv_mut=K). Naive: per mutant, a build of the plain mutant source
(only that site changed, no selector) and the same runs. Both sides run the tests the same
way (the same run units: a module's tests in one simulator process unless --per-test-runs; a
killed mutant is not run by later units; -j simulations at a time; each Verilator build uses
both cores by itself) and build from an empty build directory (no cache). Prints the times,
the simulator processes started, their ratio, the ratio extrapolated to every site of the
design, and checks on the sample that the schema build with +dv_mut=K and the plain mutant
build give the same verdict and the same per-test statuses (exit 1 if not).

--examples: dv qualify (the formal miter on survivors included) on every example, one row of
figures each: mutants, killed by checks, detected only by the behaviour baseline, hang,
error, equivalent (proven), surviving, and the miter's verdicts on the survivors of the tests.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dv.files import write_atomic  # noqa: E402
from dv.qualify import mutant_text  # noqa: E402
from dv.qualify._run import (  # noqa: E402
    Mutant,
    QualifyOptions,
    _trace_summary,
    build_schema,
    choose_sites,
    judge,
    prepare,
    reference_runs,
    run_mutants,
)
from dv.sim.build import BuildConfig, build  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("testbench", nargs="?", default=str(ROOT / "testbenches" / "fifo"))
    ap.add_argument("--mutants", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--test-timeout", type=float, default=60.0)
    ap.add_argument("--all-tests", action="store_true",
                    help="run every test on every mutant (no stop at the first kill)")
    ap.add_argument("--per-test-runs", action="store_true",
                    help="one simulator process per test on both sides (no run units)")
    ap.add_argument("--no-equiv", action="store_true", help="--examples: no formal miter")
    ap.add_argument("--examples", action="store_true",
                    help="instead: dv qualify on every testbenches/<top> (--mutants each), "
                         "one row of figures per example")
    args = ap.parse_args(argv)
    if args.examples:
        return examples(args)

    p = prepare(Path(args.testbench))
    sites = choose_sites(p, args.mutants, args.seed)
    total_sites = sum(len(s.sites) for s in p.sources)
    tests = [t for t in p.manifest.tests if t.status == "passed"]
    opts = QualifyOptions(p.tb_dir, parallel=args.jobs, all_tests=args.all_tests,
                          test_timeout=args.test_timeout, group_tests=not args.per_test_runs)
    procs = {"n": 0}

    def note(kind: str, data: object) -> None:
        if kind == "test":
            procs["n"] += 1

    print(f"{p.manifest.top}: {total_sites} sites, sample of {len(sites)} (seed {args.seed}), "
          f"{len(tests)} test(s) per mutant, -j {args.jobs}")
    for s in sites:
        print(f"  {s.id}  {s.description}")

    with tempfile.TemporaryDirectory(prefix="dv-bench-qualify-") as tmp:
        tmp_path = Path(tmp)
        # --- schema: one build, reference + N runs
        root = tmp_path / "schema"
        t0 = time.monotonic()
        b, sites, rejected = build_schema(p, sites, root / "work", root / "build", note)
        t_build = time.monotonic() - t0
        if rejected:
            print(f"  rejected by Verilator: {rejected}")
        runs = root / "runs"
        t0 = time.monotonic()
        ref, units, unit_timeouts, timeout = reference_runs(p, b, root / "build", tests, runs,
                                                            opts, note)
        t_ref = time.monotonic() - t0
        bad = [t.name for t in tests if getattr(ref.get(f"m0.{t.name}"), "status", "")
               != "passed"]
        if bad:
            print(f"reference run failed: {bad}")
            return 1
        print("run units (one simulator process each): "
              + ("; ".join(", ".join(t.name for t in u) for u in units) if units
                 else "every test alone"))
        ref_traces = {t.name: _trace_summary(ref[f"m0.{t.name}"]) for t in tests}
        mutants = [Mutant(k, s) for k, s in enumerate(sites, 1)]
        procs["n"] = 0
        t0 = time.monotonic()
        res = run_mutants(p, b, root / "build", [m.k for m in mutants], tests, timeout, runs,
                          opts, note, units=units, unit_timeouts=unit_timeouts)
        t_runs = time.monotonic() - t0
        n_schema = procs["n"]
        for m in mutants:
            judge(m, tests, res, ref_traces)

        # --- naive: per mutant, its own build + runs
        t_nbuild = t_nruns = 0.0
        procs["n"] = 0
        plain: list[Mutant] = []
        for m in mutants:
            d = tmp_path / f"naive{m.k}"
            srcs = []
            for i, src in enumerate(p.sources):
                f = d / "src" / str(i) / src.path.name
                f.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(f, mutant_text(src, m.site.id) if m.site.file == src.file
                             else src.text)
                srcs.append(str(f))
            cfg = BuildConfig(top=p.config.top, sources=srcs + p.config.sources[len(srcs):],
                              parameters=p.config.parameters, defines=p.config.defines,
                              includes=p.config.includes + [str(s.path.parent)
                                                            for s in p.sources],
                              timing=p.config.timing, coverage=False)
            t0 = time.monotonic()
            nb = build(cfg, d / "build")
            t_nbuild += time.monotonic() - t0
            t0 = time.monotonic()
            nres = run_mutants(p, nb, d / "build", [m.k], tests, timeout, d / "runs", opts,
                               note, plusargs=False, units=units, unit_timeouts=unit_timeouts)
            t_nruns += time.monotonic() - t0
            pm = Mutant(m.k, m.site)
            judge(pm, tests, nres, ref_traces)
            plain.append(pm)
            shutil.rmtree(d / "build", ignore_errors=True)

    n_naive = procs["n"]
    schema_total = t_build + t_ref + t_runs
    naive_total = t_nbuild + t_nruns
    n = len(mutants)
    print()
    print(f"schema: 1 build {t_build:.1f} s + reference {t_ref:.1f} s + {n} mutant(s) "
          f"{t_runs:.1f} s ({n_schema} simulator processes) = {schema_total:.1f} s")
    print(f"naive:  {n} build(s) {t_nbuild:.1f} s + {n} mutant(s) {t_nruns:.1f} s "
          f"({n_naive} simulator processes) = {naive_total:.1f} s")
    print(f"ratio naive/schema on this sample: {naive_total / schema_total:.2f}x")
    per_build = t_nbuild / n if n else 0.0
    per_run = (t_runs / n) if n else 0.0
    if n:
        all_schema = t_build + t_ref + per_run * total_sites
        all_naive = (per_build + per_run) * total_sites
        print(f"extrapolated to all {total_sites} sites (per build {per_build:.1f} s, per "
              f"mutant's runs {per_run:.1f} s): schema {all_schema:.0f} s, naive "
              f"{all_naive:.0f} s, ratio {all_naive / all_schema:.2f}x")
    same = True
    print()
    print(f"{'K':>3} {'site':<55} {'schema':<9} {'plain':<9} same")
    for m, pm in zip(mutants, plain, strict=True):
        ok = m.verdict == pm.verdict and m.tests == pm.tests
        same &= ok
        print(f"{m.k:>3} {m.site.id:<55} {m.verdict:<9} {pm.verdict:<9} "
              f"{'yes' if ok else 'NO: ' + str((m.tests, pm.tests))}")
    print(f"schema and plain mutant builds agree on every sampled mutant: {same}")
    return 0 if same else 1


def examples(args: argparse.Namespace) -> int:
    """Per example: sites, mutants, killed by checks, detected only by behaviour, hang,
    error, equivalent (proven by the miter), surviving, the miter's verdicts on the survivors
    of the tests (bounded / differs / no verdict), rejected by Verilator, seconds."""
    from dv.qualify import qualify

    head = (f"{'example':<9} {'sites':>5} {'mutants':>7} {'killed':>6} {'behav.only':>10} "
            f"{'hang':>4} {'error':>5} {'equiv.':>6} {'surviving':>9} {'bounded':>7} "
            f"{'differs':>7} {'no-verd.':>8} {'rejected':>8} {'build s':>7} {'sims s':>6} "
            f"{'miter s':>7}")
    print(head)
    for tb in sorted((ROOT / "testbenches").glob("*/dv.toml")):
        with tempfile.TemporaryDirectory(prefix="dv-bench-qualify-") as tmp:
            try:
                o = qualify(QualifyOptions(tb.parent, mutants=args.mutants or None,
                                           seed=args.seed, parallel=args.jobs,
                                           out=Path(tmp) / "q.json", work=Path(tmp) / "w",
                                           build_root=Path(tmp) / "build",
                                           group_tests=not args.per_test_runs,
                                           equiv=not args.no_equiv))
            except Exception as exc:  # one example's failure is a row, not the end
                print(f"{tb.parent.name:<9} failed: {str(exc).splitlines()[0][:150]}")
                continue
        r = o.record
        sm, sec = r["summary"], r["seconds"]
        eq = sm["equivalence"] or {}
        print(f"{o.top:<9} {r['sites_total']:>5} {sm['mutants']:>7} {sm['killed']:>6} "
              f"{sm['detected_only_by_behaviour'] if sm['behaviour_compared'] else '-':>10} "
              f"{sm['hang']:>4} {sm['error']:>5} "
              f"{sm['equivalent'] if sm['equivalent'] is not None else 'n/a':>6} "
              f"{sm['survived']:>9} {eq.get('bounded', '-'):>7} {eq.get('differs', '-'):>7} "
              f"{eq.get('no_verdict', '-'):>8} {len(r['rejected_sites']):>8} "
              f"{sec['build']:>7.1f} {sec['reference'] + sec['mutants']:>6.1f} "
              f"{sec.get('equivalence', 0.0):>7.1f}", flush=True)
    print("equiv.: proven equivalent by the formal miter (k-induction), set aside; surviving: "
          "survived every test and not proven equivalent (bounded + differs + no verdict); "
          "behav.only: survivors whose output traces differ from the unmutated run.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
