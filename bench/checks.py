"""Checks in force per committed example, and which kind of check catches its planted bugs.

For every ``rtl_examples/<top>/`` with a committed testbench (``testbenches/<top>/``):

- the checks in force, by kind: ``structural`` (no X/Z on an output after reset, every FSM
  state variable in its legal encodings: from the generated environment's ``DESIGN``),
  ``protocol`` (the rules of its recognised interfaces bound in ``<top>_props.sv``, written by
  dv's protocol pack), ``transport`` (transport checks the spec turns on; proposed ones are
  listed apart, they are not in force), ``spec`` (the spec's properties in ``<top>_props.sv``)
  and ``scoreboard`` (a reference model set by a round module);
- for every planted bug (``<top>_buggy.sv``, a drop-in ``module <top>`` behind the
  `` `ifdef`` its first guard line names), the committed tests are rerun on it and each failing
  test is put down to the kind of check that failed it (by the failure message: a protocol
  rule's ``dv-prop-fail proto_*``, a spec property's ``dv-prop-fail <label>``, a transport
  check's ``dv-check-fail ... in_order_delivery``, the structural checks' X/Z and FSM messages,
  anything else from the checker as scoreboard). A bug counts as caught by a kind when at least
  one test failed on it; a bug no test failed is ``missed``. A timeout or a hang is not a catch.

    .venv/bin/python bench/checks.py [--examples fifo,skid] [--no-bugs] [--json out.json]

Rerunning takes one Verilator build per planted bug (minutes each on a small machine).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("structural", "protocol", "transport", "spec", "scoreboard")


def design_of(env: Path) -> dict:
    """The ``DESIGN`` literal of a generated environment."""
    tree = ast.parse(env.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "DESIGN"
                                                for t in node.targets):
            return ast.literal_eval(node.value)
    return {}


def checks_in_force(top: str) -> dict:
    tb = ROOT / "testbenches" / top
    env = tb / f"{top}_env.py"
    design = design_of(env) if env.is_file() else {}
    props = tb / f"{top}_props.sv"
    text = props.read_text() if props.is_file() else ""
    stmts = re.findall(r"^\s*(\w+):\s*(assert|assume|cover)\s+property", text, re.M)
    pack = set(re.findall(r"// written by dv protocol pack\n\s*(\w+):", text))
    protocol = [f"{lab} ({kind})" for lab, kind in stmts if lab in pack]
    spec = [f"{lab} ({kind})" for lab, kind in stmts if lab not in pack]
    transport = [f"{c} {p['name']}" for p in (design.get("transport") or {}).get("pairs", [])
                 for c in (design.get("transport") or {}).get("enforce", [])]
    proposed = []
    rec = ROOT / "coverage" / top / "closure.json"
    if rec.is_file():
        sim = json.loads(rec.read_text()).get("simulation") or {}
        proposed = [f"{t['check']} {t['pair']}" for t in sim.get("transport") or []
                    if t.get("status") == "proposed"]
    structural = ["no X/Z on outputs"] + [f"FSM {f['var']} legal states"
                                          for f in design.get("fsms", [])]
    scoreboard = [m.name for m in sorted(tb.glob(f"tb_{top}_r*.py"))
                  if re.search(r"^\s*(DvChecker\.)?SCOREBOARD\s*=\s*(?!None)", m.read_text(),
                               re.M)]
    return {"structural": structural, "protocol": protocol, "transport": transport,
            "transport_proposed": proposed, "spec": spec, "scoreboard": scoreboard}


def kind_of(message: str, pack_labels: set[str]) -> str | None:
    """The kind of check a failing test's message names (None: no check, e.g. a timeout)."""
    m = re.search(r"dv-prop-fail (\w+)", message)
    if m:
        return "protocol" if m.group(1) in pack_labels or m.group(1).startswith("proto_") \
            else "spec"
    if "dv-check-fail" in message and "in_order_delivery" in message:
        return "transport"
    if re.search(r"output \w+ is X/Z|FSM \w+ holds", message):
        return "structural"
    if re.search(r"timeout|timed out|killed after|hang", message, re.I):
        return None
    if "check(s) failed" in message:
        return "scoreboard"
    return None


def planted_bugs(top: str) -> list[tuple[Path, str]]:
    out = []
    for f in sorted((ROOT / "rtl_examples" / top).glob(f"{top}_buggy*.sv")):
        m = re.search(r"^\s*`ifdef\s+(\w+)", f.read_text(), re.M)
        if m:
            out.append((f, m.group(1)))
    return out


def run_bug(top: str, rtl: Path, define: str, build_root: Path) -> dict:
    """The committed tests of ``top`` on the planted bug: per test, passed or the check kind
    that failed it."""
    from dv.manifest import load
    from dv.sim.build import BuildConfig, build
    from dv.sim.run import TestJob, run_tests

    tb = (ROOT / "testbenches" / top).resolve()
    m = load(tb)
    root = m.root_dir(tb)
    props = tb / m.props if m.props else None
    text = props.read_text() if props else ""
    pack = set(re.findall(r"// written by dv protocol pack\n\s*(\w+):", text))
    cfg = BuildConfig(top=m.top, sources=[str(rtl)] + ([str(props)] if props else []),
                      parameters=dict(m.parameters), defines={**dict(m.defines), define: ""},
                      includes=[str(root / i) for i in m.include_dirs], timing="##" in text)
    t0 = time.monotonic()
    b = build(cfg, build_root)
    jobs = [TestJob(name=t.name, module=t.module, testcase=t.name, seed=t.seed,
                    python_path=(str(tb),)) for t in m.tests]
    results = run_tests(b, jobs, build_root / "runs" / f"{top}-{define}")
    tests = {}
    for r in results:
        if r.status == "passed":
            tests[r.job.name] = "passed"
        else:
            tests[r.job.name] = kind_of(r.message or "", pack) or f"no check ({r.status})"
    caught = sorted({k for k in tests.values() if k in KINDS})
    return {"bug": str(rtl.relative_to(ROOT)), "define": define, "tests": tests,
            "caught_by": caught, "seconds": round(time.monotonic() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", default="", help="comma-separated tops (default: all)")
    ap.add_argument("--no-bugs", action="store_true", help="checks in force only")
    ap.add_argument("--json", default=None, help="write the figures here")
    ap.add_argument("--build-root", default=str(ROOT / "build" / "bench-checks"))
    args = ap.parse_args(argv)
    tops = sorted(p.parent.name for p in (ROOT / "testbenches").glob("*/dv.toml"))
    if args.examples:
        want = args.examples.split(",")
        tops = [t for t in tops if t in want]
    rows = []
    for top in tops:
        row = {"top": top, "checks": checks_in_force(top), "bugs": []}
        if not args.no_bugs:
            for rtl, define in planted_bugs(top):
                print(f"{top}: rerunning the committed tests on {rtl.name} (-D {define}) …",
                      file=sys.stderr)
                row["bugs"].append(run_bug(top, rtl, define, Path(args.build_root)))
        rows.append(row)
    head = ["example"] + list(KINDS) + ["planted bugs", "caught by"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for row in rows:
        c = row["checks"]
        counts = [str(len(c[k])) + (f" (+{len(c['transport_proposed'])} proposed)"
                                    if k == "transport" and c["transport_proposed"] else "")
                  for k in KINDS]
        caught = "; ".join(f"{Path(b['bug']).name}: {', '.join(b['caught_by']) or 'missed'}"
                           for b in row["bugs"]) or "-"
        print(f"| {row['top']} | " + " | ".join(counts) + f" | {len(row['bugs'])} | {caught} |")
    per_kind = {k: sum(1 for r in rows for b in r["bugs"] if k in b["caught_by"]) for k in KINDS}
    n_bugs = sum(len(r["bugs"]) for r in rows)
    if n_bugs:
        print("\nplanted bugs caught, by kind of check (a bug may be caught by several): "
              + ", ".join(f"{k} {v}" for k, v in per_kind.items())
              + f"; missed {sum(1 for r in rows for b in r['bugs'] if not b['caught_by'])}"
              f" of {n_bugs}")
    if args.json:
        Path(args.json).write_text(json.dumps({"examples": rows, "caught_per_kind": per_kind},
                                              indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
