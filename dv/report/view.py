"""What a reviewer reads in a closure: computed once from ``closure.json`` (and ``formal.json``)
for every rendering of ``dv report`` (HTML, Markdown) and for the pieces ``summary.md`` shares.

Only the records are read, and nothing is upgraded: a point is "proven unreachable" only where
the record's status says so, an assertion "proven" only where its status is ``proven``; a
status this module does not know counts as open (points) or unknown (properties), and says so.
Records written by older versions (no ``closure`` table, no ``status`` per point, no frame per
property) are read with what they hold.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dv.errors import InputError
from dv.report.closure import KIND_ORDER, KIND_UNITS
from dv.report.vcd import CycleTable, read_vcd
from dv.verdicts import ASSERT_RANK, COVER_RANK

# a point's disposition, in the order a reviewer reads them: what is still open comes first
POINT_STATUSES = ("open", "not_reached", "waived", "unreachable", "hit")
POINT_WORDS = {"open": "open", "not_reached": "not reached within bound",
               "waived": "waived", "unreachable": "proven unreachable", "hit": "hit"}

PROP_WORDS = {"proven": "proven", "refuted": "refuted", "holds": "holds to depth",
              "unknown": "unknown", "unsupported": "unsupported", "skipped": "skipped",
              "covered": "reachable (covered)", "unreachable": "proven unreachable",
              "not_reached": "not reached within depth"}


# -- loading ---------------------------------------------------------------------------------------

def _read_json(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        why = "is not a file" if path.exists() else "does not exist"
        raise InputError(f"no {what}: {path} {why}.",
                         hint="Run 'dv generate' first (it writes coverage/<top>/closure.json), "
                              "or name the directory or file it wrote.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} is not UTF-8 text ({exc.reason}).", file=path) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} is not valid JSON: {exc.msg}.", file=path, line=exc.lineno,
                         column=exc.colno,
                         hint="Regenerate it with 'dv generate' (or 'dv prove').") from exc
    if not isinstance(data, dict):
        raise InputError(f"{what} must hold a JSON object, found {type(data).__name__}.",
                         file=path)
    return data


def _require(data: dict, path: Path, what: str, keys: dict[str, type | tuple]) -> None:
    for key, typ in keys.items():
        if key not in data:
            raise InputError(f"{what} has no '{key}' field, which every record of it has.",
                             file=path, hint="Is this the file 'dv generate'/'dv prove' wrote? "
                                             "Regenerate it.")
        if not isinstance(data[key], typ):
            want = " or ".join(t.__name__ for t in (typ if isinstance(typ, tuple) else (typ,)))
            raise InputError(f"{what}: '{key}' should be {want}, found "
                             f"{type(data[key]).__name__}.", file=path)


def closure_path(target: Path) -> Path:
    """``coverage/<top>`` or its ``closure.json``."""
    return target / "closure.json" if target.is_dir() else target


def load_closure(target: Path) -> dict[str, Any]:
    """The closure record at ``target`` (a ``coverage/<top>`` directory or the file), checked
    for the fields a report needs; :class:`InputError` names the file and what was expected."""
    path = closure_path(target)
    rec = _read_json(path, "closure record (closure.json)")
    if rec.get("format", "dv-closure") != "dv-closure":
        raise InputError(f"not a closure record: format is {rec.get('format')!r}, expected "
                         "'dv-closure'.", file=path)
    _require(rec, path, "closure record", {"design": dict, "points": list, "rounds": list,
                                           "summary": dict})
    _require(rec["design"], path, "closure record's design", {"top": str})
    for i, p in enumerate(rec["points"]):
        if not isinstance(p, dict) or not all(k in p for k in ("kind", "file", "line")):
            raise InputError(f"closure record: point {i} lacks kind/file/line.", file=path)
    for i, r in enumerate(rec["rounds"]):
        if not isinstance(r, dict) or not isinstance(r.get("tests", []), list):
            raise InputError(f"closure record: round {i} is not a round (with a tests list).",
                             file=path)
    return rec


def formal_path(cov_dir: Path, given: Path | None) -> Path | None:
    """Where ``formal.json`` is: ``given`` (a file or a directory holding one), else
    ``coverage/<top>/formal/formal.json`` when it exists, else None."""
    if given is not None:
        return given / "formal.json" if given.is_dir() else given
    default = cov_dir / "formal" / "formal.json"
    return default if default.is_file() else None


def load_formal(path: Path, top: str | None = None) -> dict[str, Any]:
    rec = _read_json(path, "formal record (formal.json)")
    _require(rec, path, "formal record", {"properties": list})
    if top is not None and rec.get("top") not in (None, top):
        raise InputError(f"formal record is for top '{rec.get('top')}', the closure record "
                         f"for '{top}'.", file=path,
                         hint="Pass the formal.json of the same design with --formal.")
    for i, p in enumerate(rec["properties"]):
        if not isinstance(p, dict) or "status" not in p:
            raise InputError(f"formal record: property {i} has no status.", file=path)
    return rec


# -- the view --------------------------------------------------------------------------------------

@dataclass
class HitBy:
    test: str
    round: int | None
    generator: str


@dataclass
class PointView:
    kind: str
    file: str
    line: int
    comment: str
    hier: str
    count: int
    status: str  # one of POINT_STATUSES
    source: str | None  # the source line's text, when the file (or the record) has it
    hit_by: HitBy | None = None
    detail: str = ""  # the verdict in words: the bound, the proof, why it stays open
    waiver: str = ""  # the waiver's reason
    waiver_check: str = ""  # confirmed | contradicted | unchecked (by Z3 or simulation)
    waiver_check_text: str = ""
    note: str = ""  # the record's own note on the point
    anchor: str = ""  # the id of the point's row on the page (holes link there)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class KindCounts:
    kind: str
    points: int = 0
    hit: int = 0
    unreachable: int = 0
    waived: int = 0
    not_reached: int = 0
    open: int = 0
    goal_hit: int = 0  # the record's summary: hit and total of what counts toward the goal
    goal_total: int = 0
    percent: float | None = None  # None: no points of this kind ("n/a", never 100%)

    @property
    def unit(self) -> str:
        return KIND_UNITS.get(self.kind, ("points", ""))[0]

    @property
    def unit_note(self) -> str:
        return KIND_UNITS.get(self.kind, ("", ""))[1]


@dataclass
class TestView:
    name: str
    round: int | None
    generator: str
    status: str
    seed: Any
    cycles: Any
    seconds: float | None
    purpose: str
    message: str
    log: str
    rerun: str = ""  # the command that reruns this one test with its recorded seed


@dataclass
class RoundView:
    index: Any
    generator: str
    tests: int
    failed: int
    new_points: Any
    open_holes: Any
    seconds: float | None
    fallback: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class PropView:
    name: str
    instance: str
    kind: str  # assert | cover | ...
    statement: str
    location: str
    text: str
    status: str  # the record's status, or "unknown" when it is not one dv knows
    recorded_status: str
    verdict: str  # the record's verdict text
    frame: str
    k: Any
    depth: Any
    step: Any
    detail: str
    vcd: str | None
    vcd_found: Path | None
    replay_status: str
    replay_message: str
    replay_command: str
    cex: CycleTable | None = None  # the counterexample's cycle table, read from the VCD
    cex_error: str = ""  # why there is no table (VCD missing, unreadable)

    @property
    def rank(self) -> int:
        order = COVER_RANK if self.kind == "cover" else ASSERT_RANK
        return order.get(self.status, 1)


@dataclass
class StatementView:
    name: str
    kind: str
    location: str
    members: list[PropView]

    @property
    def worst(self) -> PropView:
        return min(self.members, key=lambda r: r.rank)

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in sorted(self.members, key=lambda r: r.rank):
            out[r.status] = out.get(r.status, 0) + 1
        return out


@dataclass
class FormalView:
    path: Path
    frame: str
    frame_how: str
    depth: Any
    mode: str
    outcome: str
    props: list[PropView]
    statements: list[StatementView]
    notes: list[str]
    assumptions: list[dict]
    disagreements: list[str]

    def count(self, kind_is_cover: bool, status: str) -> int:
        return sum(1 for p in self.props
                   if (p.kind == "cover") == kind_is_cover and p.status == status)


@dataclass
class Flag:
    """Something the reviewer must look at even when the goal is met."""

    text: str
    anchor: str = ""  # the section of the report that shows it


@dataclass
class RegressView:
    """The latest ``dv regress`` of this design: its entry of ``regress.json``."""

    path: Path
    verdict: str
    runs: list[dict]
    coverage: dict[str, dict]  # kind -> {now, baseline, delta, regressed}
    behaviour_changes: list[dict]
    new_failures: list[dict]
    lost: list[dict]
    notes: list[str]
    testbench: str = ""
    baseline: str = ""
    mismatch: str = ""  # why this regression may be of another record of the same top

    @property
    def passed(self) -> int:
        return sum(1 for r in self.runs if r.get("status") == "passed")


@dataclass
class SurvivorView:
    """A planted bug no test's check caught (a ``dv qualify`` survivor)."""

    id: str
    where: str
    description: str
    original: str
    mutant: str
    source: str
    behaviour: str  # changed | same | same where compared | not compared
    behaviour_detail: str
    closest_test: str  # "" when none
    closest_how: str
    other: list[tuple[str, str]] = field(default_factory=list)  # fields dv report does not know
    equivalence: str = ""  # the miter's verdict in its own words (bounded, differs, ...)


@dataclass
class MutationView:
    """The closure record's ``qualify`` section: the last ``dv qualify`` of this design."""

    measured: str
    stale: str  # why these figures are of an earlier testbench ("" when current)
    record: str
    testbench: str
    tests: int
    seed: Any
    sites_total: Any
    mutants: int
    killed: int  # by the testbench's own checks (a test failed or an assertion fired)
    behaviour_only: int  # survived the checks, but the outputs differ from the unmutated run
    hang: int
    error: int
    equivalent: int | None  # proven equivalent; None: no equivalence proof in the record
    surviving: int  # no check failed and not proven equivalent
    score: Any
    behaviour_oracle: str
    closest_rule: str
    survivors: list[SurvivorView]
    equivalent_list: list[dict]
    not_built: list[str]


_SURVIVOR_KNOWN = {"id", "file", "line", "column", "kind", "class", "detail", "description",
                   "behaviour", "behaviour_detail", "original", "mutant", "source",
                   "closest_test", "closest_test_how", "equivalence"}


def _equivalence_text(e: Any) -> str:
    if not isinstance(e, dict):
        return ""
    return str(e.get("text") or e.get("verdict") or "")


def _short_value(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_short_value(x)}" for k, x in v.items())[:300]
    if isinstance(v, list):
        return ", ".join(_short_value(x) for x in v)[:300]
    return str(v)[:300]


def mutation_view(rec: dict[str, Any]) -> MutationView | None:
    """The mutation figures and survivors; None when no ``dv qualify`` is recorded."""
    q = rec.get("qualify")
    if not isinstance(q, dict):
        return None
    sm = q.get("summary") if isinstance(q.get("summary"), dict) else {}
    surv = []
    for s in q.get("survivors") or []:
        if not isinstance(s, dict):
            continue
        surv.append(SurvivorView(
            id=str(s.get("id") or ""), where=f"{s.get('file')}:{s.get('line')}",
            description=str(s.get("description") or s.get("kind") or ""),
            original=str(s.get("original") or ""), mutant=str(s.get("mutant") or ""),
            source=str(s.get("source") or ""), behaviour=str(s.get("behaviour") or ""),
            behaviour_detail=str(s.get("behaviour_detail") or ""),
            closest_test=str(s.get("closest_test") or ""),
            closest_how=str(s.get("closest_test_how") or ""),
            other=[(str(k), _short_value(v)) for k, v in s.items()
                   if k not in _SURVIVOR_KNOWN and v not in (None, "", [], {})],
            equivalence=_equivalence_text(s.get("equivalence"))))
    equiv = [e for e in q.get("equivalent") or [] if isinstance(e, dict)]
    eq = sm.get("equivalent")
    # only a count the record states (or mutants it lists as equivalent) reads as proven
    n_eq = eq if isinstance(eq, int) and not isinstance(eq, bool) else (len(equiv) or None)
    opts = q.get("options") if isinstance(q.get("options"), dict) else {}
    return MutationView(
        measured=str(q.get("measured") or "?"), stale=str(q.get("stale") or ""),
        record=str(q.get("record") or ""), testbench=str(q.get("testbench") or ""),
        tests=len(q.get("tests") or []), seed=opts.get("seed"),
        sites_total=q.get("sites_total"), mutants=_int(sm.get("mutants")),
        killed=_int(sm.get("killed")),
        behaviour_only=_int(sm.get("detected_only_by_behaviour")), hang=_int(sm.get("hang")),
        error=_int(sm.get("error")), equivalent=n_eq,
        surviving=_int(sm.get("survived"), len(surv)), score=sm.get("score_checks"),
        behaviour_oracle=str(q.get("behaviour_oracle") or ""),
        closest_rule=str(q.get("closest_test_rule") or ""), survivors=surv,
        equivalent_list=equiv, not_built=[str(n) for n in q.get("not_built") or []])


def mutation_figures(m: MutationView) -> list[tuple[str, str, str]]:
    """(id, label, value) of the figures a reviewer reads beside coverage."""
    eq = ("not checked (no equivalence proof in the record)" if m.equivalent is None
          else str(m.equivalent))
    score = f" ({m.score}%)" if m.score is not None else ""
    return [
        ("mut-killed", "killed by the testbench's checks", f"{m.killed} of {m.mutants}{score}"),
        ("mut-behaviour", "detected only by the behaviour baseline (outputs changed, no check "
         "failed)", str(m.behaviour_only)),
        ("mut-hang", "hang (only timeouts)", str(m.hang)),
        ("mut-error", "error (simulation ended without results)", str(m.error)),
        ("mut-equivalent", "equivalent (proven)", eq),
        ("mut-surviving", "surviving (no check failed; the behaviour-only ones included)",
         str(m.surviving)),
    ]


def regress_path(given: Path | None) -> Path | None:
    """``given`` (a regress.json or the directory holding one), else build/regress/regress.json
    under the working directory when it exists."""
    if given is not None:
        return given / "regress.json" if given.is_dir() else given
    default = Path.cwd() / "build" / "regress" / "regress.json"
    return default if default.is_file() else None


def load_regress(path: Path, top: str) -> RegressView | None:
    """This design's part of a regression record; None when the regression did not run it."""
    rec = _read_json(path, "regression record (regress.json)")
    if rec.get("format", "dv-regress") != "dv-regress":
        raise InputError(f"not a regression record: format is {rec.get('format')!r}, expected "
                         "'dv-regress'.", file=path)
    _require(rec, path, "regression record", {"designs": list})
    d = next((d for d in rec["designs"] if isinstance(d, dict) and d.get("top") == top), None)
    if d is None:
        return None
    cov = d.get("coverage") if isinstance(d.get("coverage"), dict) else {}
    return RegressView(path=path, verdict=str(d.get("verdict") or "?"),
                       runs=[r for r in d.get("runs") or [] if isinstance(r, dict)],
                       coverage={k: c for k, c in cov.items() if isinstance(c, dict)},
                       behaviour_changes=[r for r in d.get("behaviour_changes") or []
                                          if isinstance(r, dict)],
                       new_failures=[r for r in d.get("new_failures") or []
                                     if isinstance(r, dict)],
                       lost=[p for p in d.get("lost") or [] if isinstance(p, dict)],
                       notes=[str(n) for n in d.get("notes") or []],
                       testbench=str(d.get("testbench") or ""),
                       baseline=str(d.get("baseline") or ""))


@dataclass
class ReportView:
    rec: dict[str, Any]
    top: str
    verdict: str  # closed | closed-with-flags | not-closed
    reasons: list[str]
    flags: list[Flag]
    links: dict[str, str]  # a reason's text -> the section that shows it
    kinds: list[KindCounts]
    points: list[PointView]
    files: list[tuple[str, list[PointView]]]
    tests: list[TestView]
    rounds: list[RoundView]
    weakened: list[str]
    fallbacks: list[tuple[Any, str]]
    usage: list[dict]
    assumptions: list[str]
    inputs: list[tuple[str, str]]
    formal: FormalView | None
    source_note: str
    goal: float | None
    goal_kinds: list[str]
    # per RTL file of the record: its lines, or None when the file was not found
    sources: list[tuple[str, list[str] | None]] = field(default_factory=list)
    regress: RegressView | None = None
    regress_note: str = ""  # why a regression record found was not shown
    mutation: MutationView | None = None  # the last dv qualify (None: not run)

    @property
    def headline(self) -> str:
        return {"closed": "CLOSED", "closed-with-flags": "CLOSED — REVIEW THE FLAGS",
                "not-closed": "NOT CLOSED"}[self.verdict]


# -- shared pieces (summary.md uses them too) --------------------------------------------------

def fallback_rounds(rec: dict[str, Any]) -> list[tuple[Any, str]]:
    """Rounds the model did not make (the built-in generator did), and why."""
    out = [(r.get("index"), (r.get("llm") or {}).get("fallback")) for r in rec.get("rounds", [])]
    return [(i, str(why)) for i, why in out if why]


def weakened_checks(rec: dict[str, Any]) -> list[str]:
    """Checks the generator removed or loosened, over every round."""
    return [str(w) for r in rec.get("rounds", []) for w in r.get("weakened") or []]


def model_usage(rec: dict[str, Any]) -> list[dict]:
    return [r["llm"] for r in rec.get("rounds", []) if r.get("llm")]


def failing_tests(rec: dict[str, Any]) -> list[dict]:
    return [t for r in rec.get("rounds", []) for t in r.get("tests", [])
            if t.get("status") != "passed"]


def usage_cost(u: dict) -> str:
    return f"${u['cost']:.4f}" if u.get("cost") is not None else "unknown"


def dispositions(points: list[PointView]) -> list[tuple[str, int, str]]:
    """What is not simply hit, in a line each for the verdict: (status, count, explanation)."""
    out = []
    waived = [p for p in points if p.status == "waived"]
    if waived:
        shown = "; ".join(f"{p.where} {p.kind}: {p.waiver}" for p in waived[:5])
        more = f"; and {len(waived) - 5} more" if len(waived) > 5 else ""
        out.append(("waived", len(waived), shown + more))
    nr = [p for p in points if p.status == "not_reached"]
    if nr:
        bounds = sorted({m.group(1) for p in nr
                         for m in [re.search(r"not reached within (.+)", p.detail)] if m})
        out.append(("not_reached", len(nr), "searched by Z3 without a witness: not reached "
                    "within " + (", ".join(bounds) if bounds else "a bound not recorded")
                    + " (a bound, not a proof)"))
    op = [p for p in points if p.status == "open"]
    if op:
        reach = sum(1 for p in op if p.detail.startswith("reachable"))
        out.append(("open", len(op), f"{reach} reachable (Z3 found a witness; simulation "
                    f"missed them), {len(op) - reach} without a formal verdict"))
    un = [p for p in points if p.status == "unreachable"]
    if un:
        out.append(("unreachable", len(un), "proven unreachable by Z3: they need "
                    "no stimulus"))
    return out


def assertion_counts(f: FormalView) -> list[tuple[str, str, int]]:
    """(assert|cover, status, count) in verdict order, worst first."""
    out = []
    for kind, order in (("assert", ASSERT_RANK), ("cover", COVER_RANK)):
        ps = [p for p in f.props if (p.kind == "cover") == (kind == "cover")]
        for st in sorted({p.status for p in ps}, key=lambda s: order.get(s, 1)):
            out.append((kind, st, sum(1 for p in ps if p.status == st)))
    return out


# -- building the view -----------------------------------------------------------------------------

class _Sources:
    """Source lines of the design's files, read at report time from the first base directory
    where the file exists (the record's paths are relative to where dv ran)."""

    def __init__(self, bases: list[Path]):
        self.bases = bases
        self.cache: dict[str, list[str] | None] = {}
        self.missing: set[str] = set()

    def lines(self, file: str) -> list[str] | None:
        if file not in self.cache:
            found = None
            candidates = [Path(file)] if Path(file).is_absolute() else \
                [b / file for b in self.bases]
            for c in candidates:
                if c.is_file():
                    try:
                        found = c.read_text(encoding="utf-8", errors="replace").splitlines()
                    except OSError:
                        continue
                    break
            if found is None:
                self.missing.add(file)
            self.cache[file] = found
        return self.cache[file]

    def line(self, file: str, n: int) -> str | None:
        lines = self.lines(file)
        if lines is None or not 1 <= n <= len(lines):
            return None
        return lines[n - 1].strip()


def _int(v: Any, default: int = 0) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


def _point_key(kind: str, file: str, line: Any, comment: str) -> tuple:
    return (kind, file, _int(line), comment)


def _disposition(p: dict, hole: dict | None, tests: dict[str, TestView]) -> PointView:
    kind, file, line = str(p["kind"]), str(p["file"]), _int(p["line"])
    count = _int(p.get("count"))
    rec_status = p.get("status")
    if rec_status is None:  # an older record: only a count is known
        rec_status = "hit" if count > 0 else "open"
    hf = (hole or {}).get("formal") or {}
    fstatus = p.get("formal") or hf.get("status")
    fdetail = str(hf.get("detail") or "")
    v = PointView(kind=kind, file=file, line=line, comment=str(p.get("comment", "")),
                  hier=str(p.get("hier", "")), count=count, status="open",
                  source=None, note=str(p.get("note", "")))
    if rec_status == "hit":
        v.status = "hit"
        t = p.get("first_test")
        if t:
            tv = tests.get(str(t))
            v.hit_by = HitBy(str(t), tv.round if tv else None, tv.generator if tv else "")
        v.detail = f"hit {count} time(s)"
    elif rec_status == "waived":
        v.status = "waived"
        w = p.get("waiver") or {}
        v.waiver = str(w.get("reason") or "(no reason recorded)")
        v.detail = "waived: " + v.waiver
        if count > 0:
            v.waiver_check = "contradicted"
            v.waiver_check_text = f"hit {count} time(s) in simulation: the waiver is wrong"
        elif fstatus == "unreachable":
            v.waiver_check = "confirmed"
            v.waiver_check_text = "confirmed: Z3 proved the point unreachable" + (
                f" ({fdetail})" if fdetail and fdetail != "unreachable" else "")
        elif fstatus == "covered":
            v.waiver_check = "contradicted"
            v.waiver_check_text = "contradicted: Z3 reached the point" + (
                f" ({fdetail})" if fdetail else "")
        else:
            v.waiver_check = "unchecked"
            v.waiver_check_text = ("not confirmed: Z3 " + (f"gave {fstatus}"
                                   + (f" ({fdetail})" if fdetail else "") if fstatus
                                   else "did not check it"))
    elif rec_status == "unreachable":
        v.status = "unreachable"
        v.detail = "proven unreachable by Z3" + (f": {fdetail}" if fdetail else "")
    elif rec_status == "open":
        if fstatus == "not_reached":
            v.status = "not_reached"
            v.detail = fdetail or "not reached within the search bound (bound not recorded)"
        else:
            v.status = "open"
            if fstatus == "covered":
                v.detail = "reachable: Z3 found a witness (" + (fdetail or "covered") + \
                    "); simulation missed it"
            elif fstatus:
                v.detail = f"Z3: {fstatus}" + (f" — {fdetail}" if fdetail else "")
            else:
                v.detail = "no formal verdict"
    else:
        v.status = "open"
        v.detail = f"record status {rec_status!r} is not one dv knows: counted as open"
    return v


def _tests(rec: dict[str, Any]) -> list[TestView]:
    out = []
    top = str((rec.get("design") or {}).get("top") or "?")
    for r in rec.get("rounds", []):
        for t in r.get("tests", []):
            rnd = t.get("round", r.get("index"))
            out.append(TestView(
                name=str(t.get("name", "?")), round=rnd if isinstance(rnd, int) else None,
                generator=str(t.get("generator") or r.get("generator") or ""),
                status=str(t.get("status", "?")), seed=t.get("seed"), cycles=t.get("cycles"),
                seconds=t.get("seconds"), purpose=str(t.get("purpose") or ""),
                message=str(t.get("message") or ""), log=str(t.get("log") or ""),
                rerun=rerun_command(top, t.get("name"), t.get("seed"))))
    return out


def rerun_command(top: str, name: Any, seed: Any) -> str:
    """The command that reruns one test with its recorded seed (what ``dv regress`` prints as
    a test's reproduce command)."""
    if not name:
        return ""
    cmd = f"dv regress testbenches/{_shell(top)} --test {_shell(str(name))}"
    if isinstance(seed, int) and not isinstance(seed, bool):
        cmd += f" --seed {seed}"
    return cmd


def _shell(word: str) -> str:
    import shlex

    return shlex.quote(word)


def _kinds(rec: dict[str, Any], points: list[PointView]) -> list[KindCounts]:
    by: dict[str, KindCounts] = {}
    for p in points:
        c = by.setdefault(p.kind, KindCounts(p.kind))
        c.points += 1
        setattr(c, p.status, getattr(c, p.status) + 1)
    for kind, s in (rec.get("summary") or {}).items():
        if not isinstance(s, dict):
            continue
        c = by.get(kind)
        if c is None:
            if not _int(s.get("total")) and not _int(s.get("waived")):
                continue  # a kind with no points at all: not worth a row
            c = by.setdefault(kind, KindCounts(kind))
        c.goal_hit, c.goal_total = _int(s.get("hit")), _int(s.get("total"))
    for c in by.values():
        c.percent = 100.0 * c.goal_hit / c.goal_total if c.goal_total else None
    order = [k for k in KIND_ORDER if k in by] + sorted(k for k in by if k not in KIND_ORDER)
    return [by[k] for k in order]


def _prop_views(frec: dict[str, Any], path: Path, bases: list[Path]) -> FormalView:
    fr = frec.get("frame")
    top_frame = fr.get("text", "") if isinstance(fr, dict) else str(fr or "")
    how = fr.get("how", "") if isinstance(fr, dict) else ""
    props = []
    for p in frec["properties"]:
        kind = str(p.get("kind") or "assert")
        status = str(p.get("status"))
        known = COVER_RANK if kind == "cover" else ASSERT_RANK
        vcd = p.get("vcd")
        found = None
        if vcd:
            cands = [Path(vcd)] if Path(vcd).is_absolute() else [b / vcd for b in bases]
            cands.append(path.parent / "traces" / Path(vcd).name)
            found = next((c for c in cands if c.is_file()), None)
        pframe = p.get("frame")
        if isinstance(pframe, dict):  # a richer frame record: its text is what a reader reads
            pframe = pframe.get("text") or pframe.get("init")
        replay = p.get("replay") or {}
        run_dir = replay.get("run_dir") if isinstance(replay, dict) else None
        cmd = ""
        if run_dir:
            cmd = f"python -m dv.sim.worker {Path(run_dir) / 'job.json'}"
        props.append(PropView(
            name=str(p.get("name", "?")), instance=str(p.get("instance") or p.get("name", "?")),
            kind=kind, statement=str(p.get("statement") or p.get("name", "?")),
            location=str(p.get("location") or ""), text=str(p.get("text") or ""),
            status=status if status in known else "unknown", recorded_status=status,
            verdict=str(p.get("verdict") or status), frame=str(pframe or top_frame or ""),
            k=p.get("k"), depth=p.get("depth"), step=p.get("step"),
            detail=str(p.get("detail") or ""), vcd=str(vcd) if vcd else None, vcd_found=found,
            replay_status=str(replay.get("status", "")) if isinstance(replay, dict) else "",
            replay_message=str(replay.get("message", "")) if isinstance(replay, dict) else "",
            replay_command=cmd))
        pv = props[-1]
        if pv.status == "refuted":
            if found is None:
                pv.cex_error = ("no counterexample VCD recorded" if not vcd
                                else f"the counterexample VCD {vcd} was not found")
            else:
                try:
                    pv.cex = read_vcd(found)
                except (OSError, ValueError) as exc:
                    pv.cex_error = f"the counterexample VCD could not be read: {exc}"
    groups: dict[str, StatementView] = {}
    for pv in props:
        st = groups.get(pv.statement)
        if st is None:
            name = pv.name.split("@")[0] if "@" in pv.name else pv.name
            groups[pv.statement] = st = StatementView(name, pv.kind, pv.location, [])
        st.members.append(pv)
    opts = frec.get("options") or {}
    return FormalView(path=path, frame=top_frame, frame_how=str(how),
                      depth=opts.get("depth"), mode=str(opts.get("mode") or ""),
                      outcome=str(frec.get("outcome") or ""), props=props,
                      statements=list(groups.values()),
                      notes=[str(n) for n in frec.get("notes") or []],
                      assumptions=[a for a in frec.get("assumptions") or []
                                   if isinstance(a, dict)],
                      disagreements=[str(d) for d in frec.get("disagreements") or []])


def _assumptions(rec: dict[str, Any], formal: FormalView | None) -> list[str]:
    d = rec.get("design") or {}
    out = []
    params = d.get("parameters") or {}
    over = d.get("overrides") or {}
    if params:
        out.append("Results hold for this configuration only: " + ", ".join(
            f"{k}={v}" for k, v in params.items())
            + (f" (overridden: {', '.join(f'{k}={v}' for k, v in over.items())})"
               if over else " (defaults)"))
    clocks = d.get("clocks") or []
    out.append("Clock: " + (", ".join(map(str, clocks)) if clocks else
                            "none (combinational, driven with a settle delay)"))
    resets = d.get("resets") or []
    if resets:
        out.append("Reset: " + ", ".join(
            f"{r.get('name')} (active {'low' if r.get('active_low') else 'high'}, "
            f"{'asynchronous' if r.get('asynchronous') else 'synchronous'})"
            for r in resets if isinstance(r, dict)))
    else:
        out.append("Reset: none inferred")
    held = d.get("held") or {}
    if held:
        out.append("Inputs held in every test: " + ", ".join(f"{k}={v}" for k, v in held.items()))
    for drop in (rec.get("build") or {}).get("dropped_coverage") or []:
        if isinstance(drop, dict):
            out.append(f"{drop.get('kind')} coverage left out of the build: {drop.get('reason')}")
    if any(h.get("formal") for h in rec.get("holes") or []):
        frames = sorted({str(h["formal"].get("detail", "")).rpartition(" from ")[2]
                         for h in rec.get("holes") or [] if h.get("formal")
                         and " from " in str(h["formal"].get("detail", ""))})
        out.append("Formal verdicts on holes: Z3 cover search, "
                   + (", ".join("from " + f for f in frames) if frames
                      else "frame not recorded")
                   + "; 'not reached within N' is a bound, not a proof")
    if formal is not None:
        out.append(f"Properties checked {formal.frame or '(frame not recorded)'}"
                   + (f": {formal.frame_how}" if formal.frame_how else "")
                   + (f"; BMC depth {formal.depth}" if formal.depth is not None else ""))
        for a in formal.assumptions:
            out.append(f"Assumed (not checked): {a.get('name', '?')} — {a.get('text', '')} "
                       f"({a.get('location', '')})")
    for a in rec.get("assumptions") or []:  # stated by the run itself, when it records them
        out.append(str(a))
    sb = rec.get("sandbox") or {}
    if sb.get("model_code"):
        out.append("Model-written code ran " + ("in the OS sandbox" if sb.get("enabled")
                                                else "UNCONFINED") + f": {sb.get('reason', '')}")
    return out


def _inputs(rec: dict[str, Any]) -> list[tuple[str, str]]:
    d = rec.get("design") or {}
    opts = rec.get("options") or {}
    b = rec.get("build") or {}
    out = [("RTL", ", ".join(map(str, d.get("files") or []))),
           ("top", str(d.get("top"))),
           ("spec", str(rec.get("spec") or "none")),
           ("generator", str(rec.get("generator") or "?")),
           ("seed", str(opts.get("seed", "?"))),
           ("rounds (budget)", str(opts.get("rounds", "?"))),
           ("dv version", str(rec.get("dv", "?"))),
           ("started", str(rec.get("started", "?")))]
    if b.get("key"):
        out.append(("build key (content hash of the inputs)", str(b["key"])))
    sim = rec.get("simulation") or {}
    if sim:
        out.append(("simulated", f"{sim.get('cycles', '?')} cycles in "
                                 f"{sim.get('wall_seconds', '?')} s"))
    return out


def build_view(rec: dict[str, Any], *, formal: dict[str, Any] | None = None,
               formal_file: Path | None = None, bases: list[Path] | None = None) -> ReportView:
    """The report's content. ``bases``: directories the record's relative paths are read from
    (the source lines, the traces), first match wins."""
    bases = bases or [Path.cwd()]
    src = _Sources(bases)
    tests = _tests(rec)
    by_name = {}
    for t in tests:
        by_name.setdefault(t.name, t)
    holes = {}
    for h in rec.get("holes") or []:
        if isinstance(h, dict):
            holes.setdefault(_point_key(str(h.get("kind")), str(h.get("file")), h.get("line"),
                                        str(h.get("comment", ""))), h)
    points = []
    stale = 0
    for p in rec["points"]:
        h = holes.get(_point_key(str(p["kind"]), str(p["file"]), p["line"],
                                 str(p.get("comment", ""))))
        v = _disposition(p, h, by_name)
        v.source = src.line(v.file, v.line)
        if h is not None and h.get("source"):
            if v.source is not None and v.source != str(h["source"]).strip():
                stale += 1
            if v.source is None:
                v.source = str(h["source"]).strip()
        points.append(v)
    for i, v in enumerate(points):
        v.anchor = f"pt-{i}"
    rtl = [str(f) for f in (rec.get("design") or {}).get("files") or []]
    rtl += sorted({v.file for v in points} - set(rtl))
    sources = [(f, src.lines(f)) for f in rtl]
    rank = {s: i for i, s in enumerate(POINT_STATUSES)}
    files: dict[str, list[PointView]] = {}
    for v in sorted(points, key=lambda v: (rank[v.status], v.line, v.kind, v.comment)):
        files.setdefault(v.file, []).append(v)
    # files with open points first, then by name
    ordered = sorted(files.items(), key=lambda kv: (min(rank[v.status] for v in kv[1]), kv[0]))
    source_note = "Source text read from the RTL files at report time."
    if src.missing:
        source_note += (" Not found (text from the record where it has it): "
                        + ", ".join(sorted(src.missing)) + ".")
    if stale:
        source_note += (f" {stale} hole(s) show different text now than when the run recorded "
                        "them: the RTL changed since the run; regenerate before judging.")

    fview = None
    if formal is not None:
        fview = _prop_views(formal, formal_file or Path("formal.json"), bases)

    kinds = _kinds(rec, points)
    opts = rec.get("options") or {}
    goal = opts.get("goal")
    goal_kinds = [str(k) for k in opts.get("goal_kinds") or []]
    reasons: list[str] = []
    short: list[str] = []  # goal kinds below the goal, by how much
    flags: list[Flag] = []
    for k in goal_kinds:
        c = next((c for c in kinds if c.kind == k), None)
        if goal is None:
            break
        if c is None or c.percent is None:
            reasons.append(f"{k}: n/a (no {k} points) — the goal of {goal:g}% does not apply")
            continue
        need = max(0, math.ceil(goal * c.goal_total / 100 - 1e-9) - c.goal_hit)
        if need:
            short.append(f"{k} at {c.percent:.1f}% < goal {goal:g}%: {need} more {c.unit} "
                           f"needed ({c.goal_hit} of {c.goal_total})")
    goal_met = bool(rec.get("goal_met")) and not short
    last = rec["rounds"][-1] if rec["rounds"] else {}
    last_failed = [t for t in last.get("tests", []) if t.get("status") != "passed"]
    earlier_failed = [t for r in rec["rounds"][:-1] for t in r.get("tests", [])
                      if t.get("status") != "passed"]
    blockers = []
    links = {s: "points" for s in short}
    if last_failed:
        blockers.append(f"{len(last_failed)} test(s) of the last round failed")
        links[blockers[-1]] = "tests"
    refuted = [p for p in (fview.props if fview else []) if p.status == "refuted"]
    if refuted:
        blockers.append(f"{len(refuted)} assertion instance(s) refuted")
        links[blockers[-1]] = "formal"
    if fview and fview.disagreements:
        blockers.append(f"engine disagreement on {', '.join(fview.disagreements)}")
        links[blockers[-1]] = "formal"
    if rec.get("status") not in (None, "done"):
        blockers.append(f"the run did not finish: status {rec.get('status')}")
    if earlier_failed:
        flags.append(Flag(f"{len(earlier_failed)} test(s) failed in earlier rounds; the "
                          "failures stand in the record", "tests"))
    weakened = weakened_checks(rec)
    if weakened:
        flags.append(Flag(f"{len(weakened)} check(s) removed or loosened by the generator",
                          "provenance"))
    fallbacks = fallback_rounds(rec)
    if fallbacks:
        flags.append(Flag(f"{len(fallbacks)} round(s) made by the built-in generator instead "
                          "of the model", "provenance"))
    contradicted = [v for v in points if v.waiver_check == "contradicted"]
    if contradicted:
        flags.append(Flag(f"{len(contradicted)} waiver(s) contradicted (the point is reachable)",
                          "waivers"))
    unconfirmed = [v for v in points if v.waiver_check == "unchecked"]
    if unconfirmed:
        flags.append(Flag(f"{len(unconfirmed)} waiver(s) not confirmed by a proof", "waivers"))
    not_proven = [p for p in (fview.props if fview else [])
                  if p.kind != "cover" and p.status in ("holds", "unknown", "unsupported")]
    if not_proven:
        flags.append(Flag(f"{len(not_proven)} assertion instance(s) not proven (bounded or "
                          "unknown)", "formal"))
    sb = rec.get("sandbox") or {}
    if sb.get("model_code") and not sb.get("enabled"):
        flags.append(Flag("model-written code ran without the sandbox", "assumptions"))
    for drop in (rec.get("build") or {}).get("dropped_coverage") or []:
        if isinstance(drop, dict):
            flags.append(Flag(f"{drop.get('kind')} coverage left out of the build", "assumptions"))
    if src.missing or stale:
        flags.append(Flag(source_note, "points"))
    mview = mutation_view(rec)
    if mview is not None and mview.surviving:
        flags.append(Flag(f"{mview.surviving} planted bug(s) no check caught (dv qualify"
                          + (", of an earlier testbench)" if mview.stale else ")"), "mutation"))
    if not goal_met or blockers:
        verdict = "not-closed"
    elif flags:
        verdict = "closed-with-flags"
    else:
        verdict = "closed"
    if goal is not None and goal_met:
        reasons.insert(0, f"goal of {goal:g}% met on {', '.join(goal_kinds)}")
    elif not short:
        reasons.insert(0, "the record says the goal was not met")
    reasons = short + reasons + blockers
    if rec.get("stop_reason"):
        reasons.append(f"stopped: {rec['stop_reason']}")

    rounds = []
    fb = dict(fallbacks)
    for r in rec["rounds"]:
        ts = r.get("tests", [])
        secs = r.get("seconds")
        total = sum(v for v in secs.values() if isinstance(v, (int, float))) \
            if isinstance(secs, dict) else secs if isinstance(secs, (int, float)) else None
        rounds.append(RoundView(index=r.get("index"), generator=str(r.get("generator") or ""),
                                tests=len(ts),
                                failed=sum(1 for t in ts if t.get("status") != "passed"),
                                new_points=r.get("new_points"), open_holes=r.get("open_holes"),
                                seconds=total, fallback=fb.get(r.get("index"), ""),
                                notes=[str(n) for n in r.get("notes") or []]))
    return ReportView(rec=rec, top=str(rec["design"]["top"]), verdict=verdict, reasons=reasons,
                      flags=flags, links=links, kinds=kinds, points=points, files=ordered,
                      tests=tests,
                      rounds=rounds, weakened=weakened, fallbacks=fallbacks,
                      usage=model_usage(rec), assumptions=_assumptions(rec, fview),
                      inputs=_inputs(rec), formal=fview, source_note=source_note,
                      goal=goal, goal_kinds=goal_kinds, sources=sources, mutation=mview)


def load_view(target: Path, formal: Path | None = None,
              regress: Path | None = None) -> ReportView:
    """Load ``coverage/<top>`` (or its closure.json) and the formal record, and build the view."""
    path = closure_path(target)
    rec = load_closure(target)
    cov_dir = path.parent
    fpath = formal_path(cov_dir, formal)
    frec = None
    if fpath is not None:
        if not fpath.is_file():
            raise InputError(f"no formal record at {fpath}.",
                             hint="Run 'dv prove' first, or leave out --formal.")
        frec = load_formal(fpath, top=str(rec["design"]["top"]))
    bases = [Path.cwd()]
    if cov_dir.parent.name == "coverage":  # <out>/coverage/<top>: paths may be relative to <out>
        bases.append(cov_dir.parent.parent)
    rpath = regress_path(regress)
    rview = None
    regress_note = ""
    if rpath is not None:
        if not rpath.is_file():
            raise InputError(f"no regression record at {rpath}.",
                             hint="Run 'dv regress' first, or leave out --regress.")
        try:
            rview = load_regress(rpath, str(rec["design"]["top"]))
        except InputError as exc:
            if regress is not None:  # named: a bad file is bad input
                raise
            rview, regress_note = None, f"{rpath} was not read: {exc}"
    if rview is not None and rview.baseline:
        # the regression compares with coverage/<top>/baseline.json: is that this record's?
        base = Path(rview.baseline)
        where = base.parent if base.is_absolute() else Path.cwd() / base.parent
        if where.resolve() != cov_dir.resolve():
            rview.mismatch = (f"this regression compared {rview.testbench or '?'} with "
                              f"{rview.baseline}, which is not beside this closure record "
                              f"({path}): it may be of another record of top "
                              f"'{rec['design']['top']}'")
            if regress is None:  # found by default: not shown as this record's
                regress_note = (f"{rpath} holds a regression of top '{rec['design']['top']}' "
                                f"for {rview.baseline}, not for this record: not shown "
                                "(pass --regress to show it anyway).")
                rview = None
    view = build_view(rec, formal=frec, formal_file=fpath, bases=bases)
    view.regress = rview
    view.regress_note = regress_note
    return view
