"""Run dv on a corpus of third-party designs and print what happened to each.

Each design is described by a small TOML file (committed under ``bench/corpus/``); the RTL
itself stays outside the repository, in a corpus directory laid out as
``<corpus>/<owner>+<repo>/<path in the repo>``::

    name = "wbuart32_rxuart"
    repo = "ZipCPU/wbuart32"
    sources = ["rtl/rxuart.v"]          # in order, paths inside the repository
    top = "rxuart"
    parameters = { }                    # -G
    defines = { }                       # -D (an empty value: the name alone)
    include_dirs = [ ]                  # -I, inside the repository
    spec = "path/to/spec.txt"           # optional, inside the repository
    [expected]                          # checked by hand against the RTL, once
    clock = "i_clk"                     # or "none" (combinational)
    reset = "i_reset:high"              # "name:low|high", several comma-separated, or "none"
    notes = "..."

``--extract`` fills the corpus directory from bare git mirrors (``<mirrors>/<owner>+<repo>/repo``,
as the fetch tool leaves them) with ``git show HEAD:<path>``. Then each design runs
``dv inspect --json`` (clock and reset as inferred, compared with the expected ones) and
``dv generate`` (offline generator, a round and time budget, formal off unless ``--formal``,
its own budget ``--formal-budget``), each under a hard wall-clock limit, and the table says:
ran or failed (with a class), clock/reset inferred vs expected, coverage by kind, failed
tests, the formal pass's verdicts on the holes (unreachable / covered / without a verdict, the
reasons of the latter by class), the time split (build / simulation / formal and its budget /
total) and wall time. ``--rerender JSON`` prints the table of an earlier run again.

    python bench/corpus.py --corpus /work/corpus --budget 60 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
KINDS = ("line", "branch", "toggle", "expr", "user", "fsm_state")


@dataclass
class Entry:
    name: str
    repo: str
    sources: list[str]
    top: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    defines: dict[str, str] = field(default_factory=dict)
    include_dirs: list[str] = field(default_factory=list)
    spec: str | None = None
    clock: str | None = None  # expected
    reset: str | None = None  # expected
    notes: str = ""
    path: Path = Path()

    @property
    def repo_dir(self) -> str:
        return self.repo.replace("/", "+")


@dataclass
class Outcome:
    entry: Entry
    ran: bool = False
    failure: str = ""  # class of failure, "" when it ran
    detail: str = ""
    clock: str = "?"
    reset: str = "?"
    coverage: dict[str, float | None] = field(default_factory=dict)
    failed_tests: int = 0
    tests: int = 0
    dropped: list[str] = field(default_factory=list)
    stop: str = ""
    seconds: float = 0.0
    formal: dict[str, int] = field(default_factory=dict)  # hole verdicts (status: count)
    split: dict[str, float] = field(default_factory=dict)  # the record's seconds
    no_verdict: dict[str, int] = field(default_factory=dict)  # reason class: count

    @property
    def clock_ok(self) -> bool:
        return self.entry.clock is None or self.clock == self.entry.clock

    @property
    def reset_ok(self) -> bool:
        return self.entry.reset is None or _norm(self.reset) == _norm(self.entry.reset)


def _norm(resets: str) -> str:
    return ",".join(sorted(r.strip() for r in resets.split(",") if r.strip()))


def load_entries(toml_dir: Path, only: list[str] | None = None) -> list[Entry]:
    out = []
    for f in sorted(toml_dir.glob("*.toml")):
        d = tomllib.loads(f.read_text())
        exp = d.get("expected", {})
        e = Entry(name=d.get("name", f.stem), repo=d["repo"], sources=list(d["sources"]),
                  top=d.get("top"), parameters={k: str(v) for k, v in
                                                d.get("parameters", {}).items()},
                  defines={k: str(v) for k, v in d.get("defines", {}).items()},
                  include_dirs=list(d.get("include_dirs", [])), spec=d.get("spec"),
                  clock=exp.get("clock"), reset=exp.get("reset"), notes=exp.get("notes", ""),
                  path=f)
        if not only or e.name in only:
            out.append(e)
    return out


def extract(entries: list[Entry], corpus: Path, mirrors: Path) -> None:
    for e in entries:
        git_dir = mirrors / e.repo_dir / "repo"
        paths = list(e.sources) + ([e.spec] if e.spec else [])
        for inc in e.include_dirs:
            ls = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "--name-only",
                                 "HEAD", inc.rstrip("/") + "/"], capture_output=True,
                                text=True, timeout=60)
            paths += ls.stdout.split()
        for p in paths:
            dest = corpus / e.repo_dir / p
            if dest.is_file():
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            blob = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"HEAD:{p}"],
                                  capture_output=True, timeout=60)
            if blob.returncode != 0:
                raise SystemExit(f"{e.name}: cannot extract {p} from {git_dir}: "
                                 f"{blob.stderr.decode(errors='replace').strip()}")
            dest.write_bytes(blob.stdout)


def design_args(e: Entry, corpus: Path) -> list[str]:
    base = corpus / e.repo_dir
    args: list[str] = []
    for s in e.sources:
        args += ["--rtl", str(base / s)]
    if e.top:
        args += ["--top", e.top]
    for k, v in e.parameters.items():
        args += ["-G", f"{k}={v}"]
    for k, v in e.defines.items():
        args += ["-D", f"{k}={v}" if v != "" else k]
    for i in e.include_dirs:
        args += ["-I", str(base / i)]
    return args


_CLASSES = [
    (r"Verilator crashed", "verilator-internal"),
    (r"Verilator rejected", "verilator-rejects"),
    (r"Verilator/C\+\+ build", "cxx-build"),
    (r"syntax error|preprocessor|does not elaborate|Unknown module|unknown module",
     "frontend"),
    (r"no clock", "no-clock"),
    (r"inout", "inout-port"),
    (r"Traceback \(most recent call last\)", "dv-crash"),
]


def classify(text: str) -> str:
    for pat, name in _CLASSES:
        if re.search(pat, text, re.I):
            if name == "dv-crash":
                exc = re.findall(r"^(\w+(?:Error|Exception)\w*):", text, re.M)
                return f"dv-crash:{exc[-1] if exc else '?'}"
            return name
    return "error"


def dv_cmd() -> list[str]:
    return [sys.executable, "-m", "dv.cli"]


def inspect(e: Entry, corpus: Path, timeout: float) -> tuple[str, str, str]:
    """(clock, resets, error text) as ``dv inspect --json`` sees them."""
    try:
        res = subprocess.run(dv_cmd() + ["inspect", "--json", *design_args(e, corpus)],
                             capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "?", "?", "inspect timed out"
    if res.returncode != 0:
        return "?", "?", res.stderr + res.stdout
    d = json.loads(res.stdout)
    ports = {p["name"] for p in d["ports"] if p["direction"] == "input"}
    clock = d["clocks"][0]["name"] if d["clocks"] else "none"
    resets = [f"{r['name']}:{'low' if r['active_low'] else 'high'}" for r in d["resets"]
              if r["name"] in ports]
    return clock, ",".join(resets) or "none", ""


def run_one(e: Entry, corpus: Path, work: Path, args: argparse.Namespace) -> Outcome:
    o = Outcome(e)
    t0 = time.monotonic()
    missing = [s for s in e.sources if not (corpus / e.repo_dir / s).is_file()]
    if missing:
        o.failure, o.detail = "missing-source", ", ".join(missing)
        return o
    o.clock, o.reset, err = inspect(e, corpus, 120)
    if err or args.inspect_only:
        if err:
            o.failure, o.detail = classify(err), _last_line(err)
        o.seconds = time.monotonic() - t0
        return o
    out = work / e.name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    cmd = dv_cmd() + ["generate", *design_args(e, corpus), "--rounds", str(args.rounds),
                      "--time-budget", str(args.budget), "--out", str(out), "-j",
                      str(args.jobs), "--test-timeout", str(args.test_timeout)]
    if not args.formal:
        cmd.append("--no-formal")
    elif args.formal_budget:
        cmd += ["--formal-budget", args.formal_budget]
    if e.spec and not args.no_spec:
        cmd += ["--spec", str(corpus / e.repo_dir / e.spec)]
    limit = args.hard_limit or (args.budget * 3 + 600)
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=limit,
                             env={**os.environ, "COLUMNS": "200"})
        text, code = res.stdout + res.stderr, res.returncode
    except subprocess.TimeoutExpired as exc:
        text = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) \
            else (exc.stdout or "")
        code = None
    (out / "dv.log").write_text(text)
    o.seconds = time.monotonic() - t0
    rec_path = out / "coverage" / (e.top or "") / "closure.json"
    if not rec_path.is_file():
        recs = list((out / "coverage").glob("*/closure.json"))
        rec_path = recs[0] if recs else rec_path
    if rec_path.is_file():
        rec = json.loads(rec_path.read_text())
        o.ran = bool(rec.get("rounds"))
        summ = rec.get("summary", {})
        o.coverage = {k: (summ[k]["percent"] if summ.get(k, {}).get("total") else None)
                      for k in KINDS}
        tests = [t for r in rec.get("rounds", []) for t in r["tests"]]
        o.tests = len(tests)
        o.failed_tests = sum(1 for t in tests if t["status"] != "passed")
        o.dropped = [d["kind"] for d in (rec.get("build") or {}).get("dropped_coverage", [])]
        o.stop = rec.get("stop_reason", "")
        read_formal(o, rec)
    if code is None:
        o.failure = "timeout" if not o.ran else ""
        o.detail = f"hard limit {limit:.0f} s"
    elif not o.ran:
        o.failure, o.detail = classify(text), _last_line(text)
    elif o.failed_tests:
        o.detail = f"{o.failed_tests} test(s) failed"
    return o


def _reason_class(detail: str) -> str:
    """A short class for a hole's no-verdict reason (for the table's tally)."""
    for pat, name in [(r"budget spent", "budget"), (r"timeout", "timeout"),
                      (r"both edges of its clock", "both-clock-edges"),
                      (r"the design has \d+ clocks", "several-clocks"),
                      (r"compares with X/Z", "x/z-literal"),
                      (r"no cover statement of the RTL", "tb-bound-cover"),
                      (r"cover statement at .* is not in the formal model", "own-cover"),
                      (r"not a conjunction of term==value", "expr-row"),
                      (r"merged the points", "merged-instances"),
                      (r"no guarding condition", "no-condition"),
                      (r"memory", "memory"), (r"has no terms|no signal==value", "expr-row"),
                      (r"not a signal edge", "toggle-name"),
                      (r"Yosys cannot", "yosys-front-end"),
                      (r"not a signal or parameter|not a signal of", "name"),
                      (r"outside the SVA subset", "lowering"),
                      (r"no clock", "no-clock"), (r"not reached within", "bounded")]:
        if re.search(pat, detail, re.I):
            return name
    return "other"


def read_formal(o: Outcome, rec: dict) -> None:
    """The hole verdicts, the reasons of those without one, and the time split of a record."""
    o.split = {k: float(v) for k, v in (rec.get("seconds") or {}).items()}
    o.formal, o.no_verdict = {}, {}
    for h in rec.get("holes", []):
        f = h.get("formal")
        if not f:
            continue
        st = f.get("status", "?")
        o.formal[st] = o.formal.get(st, 0) + 1
        if st not in ("unreachable", "covered"):
            c = _reason_class(f.get("detail", "") or st)
            o.no_verdict[c] = o.no_verdict.get(c, 0) + 1


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    err = [ln for ln in lines if ln.startswith(("error:", "Error", "%Error")) or "Error:" in ln]
    return (err[0] if err else (lines[-1] if lines else ""))[:160]


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f}"


def table(outcomes: list[Outcome]) -> str:
    head = ["design", "ran", "failure", "clock (inferred/expected)", "reset (inferred/expected)",
            *KINDS, "tests failed", "dropped cov", "formal: unreach/covered/other",
            "no-verdict reasons", "s build/sim/formal(budget)/total", "wall s"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for o in outcomes:
        e = o.entry
        clk = o.clock + ("" if o.clock_ok else f" ≠ {e.clock}")
        rst = o.reset + ("" if o.reset_ok else f" ≠ {e.reset}")
        rows.append("| " + " | ".join([
            e.name, "yes" if o.ran else "no", o.failure or "", clk, rst,
            *[_pct(o.coverage.get(k)) for k in KINDS],
            f"{o.failed_tests}/{o.tests}" if o.tests else "", ",".join(o.dropped),
            _formal_cell(o), ", ".join(f"{k} {v}" for k, v in sorted(o.no_verdict.items())),
            _split_cell(o), f"{o.seconds:.0f}"]) + " |")
    n = len(outcomes)
    ran = sum(o.ran for o in outcomes)
    clocked = [o for o in outcomes if o.entry.clock not in (None, "none")]
    ok_timing = sum(o.clock_ok and o.reset_ok for o in outcomes)
    rows.append("")
    rows.append(f"{ran}/{n} ran to a coverage record; clock and reset as expected on "
                f"{ok_timing}/{n} ({len(clocked)} clocked)")
    holes = sum(sum(o.formal.values()) for o in outcomes)
    if holes:
        tot: dict[str, int] = {}
        why: dict[str, int] = {}
        for o in outcomes:
            for k, v in o.formal.items():
                tot[k] = tot.get(k, 0) + v
            for k, v in o.no_verdict.items():
                why[k] = why.get(k, 0) + v
        verdict = tot.get("unreachable", 0) + tot.get("covered", 0)
        rows.append(f"formal on {holes} holes: {verdict} with a verdict ("
                    + ", ".join(f"{k} {v}" for k, v in sorted(tot.items())) + "); without one: "
                    + (", ".join(f"{k} {v}" for k, v in sorted(why.items())) or "none"))
        f_secs = sum(o.split.get("formal", 0) for o in outcomes)
        t_secs = sum(o.split.get("total", 0) for o in outcomes)
        if t_secs:
            rows.append(f"formal took {f_secs:.0f} s of {t_secs:.0f} s "
                        f"({100 * f_secs / t_secs:.0f}%) over the designs that ran")
    return "\n".join(rows)


def _formal_cell(o: Outcome) -> str:
    if not o.formal:
        return ""
    other = sum(v for k, v in o.formal.items() if k not in ("unreachable", "covered"))
    return f"{o.formal.get('unreachable', 0)}/{o.formal.get('covered', 0)}/{other}"


def _split_cell(o: Outcome) -> str:
    s = o.split
    if not s:
        return ""
    budget = f"({s['formal_budget']:.0f})" if s.get("formal_budget") else ""
    return (f"{s.get('build', 0):.0f}/{s.get('simulation', 0):.0f}/"
            f"{s.get('formal', 0):.0f}{budget}/{s.get('total', 0):.0f}")


def rerender(saved: Path, work: Path, descriptions: Path) -> list[Outcome]:
    """Outcomes from an earlier run's ``--json`` file, the formal columns and the time split
    read again from the records under ``work`` (``--rerender``)."""
    entries = {e.name: e for e in load_entries(descriptions)}
    out = []
    for d in json.loads(saved.read_text()):
        e = entries.get(d["name"])
        if e is None:
            continue
        o = Outcome(e, ran=d["ran"], failure=d["failure"], detail=d["detail"],
                    clock=d["clock"], reset=d["reset"], coverage=d["coverage"],
                    failed_tests=d["failed_tests"], tests=d["tests"], dropped=d["dropped"],
                    stop=d["stop"], seconds=d["seconds"])
        recs = list((work / e.name / "coverage").glob("*/closure.json"))
        if recs:
            read_formal(o, json.loads(recs[0].read_text()))
        out.append(o)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=Path(os.environ.get("DV_CORPUS",
                                                                       "/work/corpus")))
    ap.add_argument("--descriptions", type=Path, default=HERE / "corpus")
    ap.add_argument("--work", type=Path, default=Path("build/corpus"))
    ap.add_argument("--extract", type=Path, default=None, metavar="MIRRORS",
                    help="extract the sources from bare git mirrors first")
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--budget", type=float, default=60.0, help="dv --time-budget per design")
    ap.add_argument("--hard-limit", type=float, default=None,
                    help="wall-clock kill per design (default 3x budget + 600 s)")
    ap.add_argument("--test-timeout", type=float, default=120.0)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--formal", action="store_true")
    ap.add_argument("--formal-budget", default=None, metavar="SECONDS|PCT%",
                    help="dv generate --formal-budget (default: dv's)")
    ap.add_argument("--inspect-only", action="store_true",
                    help="only compare the inferred clock and reset with the expected ones")
    ap.add_argument("--no-spec", action="store_true")
    ap.add_argument("--json", type=Path, default=None, help="write the outcomes as JSON")
    ap.add_argument("--rerender", type=Path, default=None, metavar="JSON",
                    help="print the table of an earlier run (its --json file and --work)")
    args = ap.parse_args(argv)
    if args.rerender:
        print(table(rerender(args.rerender, args.work.resolve(), args.descriptions)))
        return 0
    entries = load_entries(args.descriptions, args.only)
    if args.extract:
        extract(entries, args.corpus, args.extract)
    outcomes = []
    for e in entries:
        o = run_one(e, args.corpus, args.work.resolve(), args)
        state = "ran" if o.ran else ("inspected" if args.inspect_only and not o.failure
                                     else "FAILED " + o.failure)
        print(f"{e.name}: {state} "
              f"clock {o.clock} reset {o.reset} {o.detail} ({o.seconds:.0f} s)", flush=True)
        outcomes.append(o)
    print()
    print(table(outcomes))
    if args.json:
        args.json.write_text(json.dumps([{
            "name": o.entry.name, "ran": o.ran, "failure": o.failure, "detail": o.detail,
            "clock": o.clock, "expected_clock": o.entry.clock, "reset": o.reset,
            "expected_reset": o.entry.reset, "coverage": o.coverage, "tests": o.tests,
            "failed_tests": o.failed_tests, "dropped": o.dropped, "stop": o.stop,
            "seconds": round(o.seconds, 1), "formal": o.formal, "no_verdict": o.no_verdict,
            "split": o.split} for o in outcomes], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
