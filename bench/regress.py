"""Regression benchmark: ``dv regress`` over the committed examples (those with a baseline).

Prints:

- the wall time of a first run in an empty build directory, split into build, simulation and
  merge, and of a second run on the same build directory (target: the cached run spends no
  time building), with their ratio;
- the merge time of 50 coverage files of the FIFO (read + merge; target under 1 s);
- the same regression through a Dask ``LocalCluster`` of 2 worker processes against the local
  pool with 2 in parallel (target: within 1.2x of the local pool on this machine).

    python bench/regress.py [--designs fifo,alu] [--keep DIR] [--skip-cold]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dv.cov.datfile import read_dat  # noqa: E402
from dv.cov.model import Coverage  # noqa: E402
from dv.regress import RegressOptions, run_regression  # noqa: E402


def with_baseline(selected: list[str] | None) -> list[Path]:
    out = []
    for tb in sorted((ROOT / "testbenches").glob("*/dv.toml")):
        top = tb.parent.name
        if selected and top not in selected:
            continue
        if (ROOT / "coverage" / top / "baseline.json").is_file():
            out.append(tb.parent)
    return out


def regress(tbs: list[Path], work: Path, build_root: Path, name: str, **kw) -> dict:
    opts = RegressOptions(tb_dirs=tbs, project=ROOT, out=work / name, build_root=build_root,
                          parallel=2, **kw)
    t0 = time.monotonic()
    outcome = run_regression(opts)
    wall = time.monotonic() - t0
    s = outcome.record["seconds"]
    bad = [d["top"] for d in outcome.record["designs"] if d["regressed"]]
    print(f"{name:12s} wall {wall:7.1f} s   build {s['build']:6.1f} s   simulation "
          f"{s['simulation']:6.1f} s   merge {s['merge']:5.2f} s"
          + (f"   REGRESSED: {', '.join(bad)}" if bad else ""))
    return {"wall": wall, **s}


def merge_50(work: Path) -> float:
    files = sorted((work / "cached" / "runs" / "fifo").glob("*/coverage.dat"))
    if not files:
        return float("nan")
    t0 = time.monotonic()
    cov = Coverage()
    for i in range(50):
        f = files[i % len(files)]
        cov.merge(read_dat(f, root=ROOT, test=f"run{i}"), test=f"run{i}")
    return time.monotonic() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--designs", default=None, help="comma-separated tops (default: all with "
                                                    "a baseline)")
    ap.add_argument("--keep", default=None, help="keep the work directory here")
    ap.add_argument("--skip-cold", action="store_true",
                    help="reuse the build directory (--keep) instead of starting empty")
    args = ap.parse_args()
    tbs = with_baseline(args.designs.split(",") if args.designs else None)
    if not tbs:
        print("no example with a baseline (dv regress --update-baseline)", file=sys.stderr)
        return 2
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="dv-bench-regress-"))
    build_root = work / "build"
    print(f"{len(tbs)} design(s): {', '.join(t.name for t in tbs)}; work in {work}")
    cold = None if args.skip_cold else regress(tbs, work, build_root, "cold")
    cached = regress(tbs, work, build_root, "cached")
    if cold:
        print(f"cached / cold wall time: {cached['wall'] / cold['wall']:.2f}; "
              f"cached build time {cached['build']:.2f} s")
    print(f"merge of 50 FIFO coverage files: {merge_50(work):.2f} s (target < 1 s)")
    local = regress(tbs, work, build_root, "local-2")
    dask = regress(tbs, work, build_root, "dask-2", executor="dask")
    print(f"Dask LocalCluster(2) / local pool(2): {dask['wall'] / local['wall']:.2f} "
          f"(simulation phase {dask['simulation'] / local['simulation']:.2f}; target <= 1.2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
