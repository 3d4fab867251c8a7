"""What ``dv qualify`` hands on: the surviving mutants, recorded in the closure record
(``coverage/<top>/closure.json``, key ``qualify``) and read back by ``dv generate`` as targets.

The ``qualify`` section is a digest of ``qualify.json``: the figures, and each surviving mutant
with its place, its mutation (original -> mutant text) and the closest test. The closest test
is chosen from the closure record's coverage, and the section says how (:data:`CLOSEST_RULE`):
the first test, in run order, that hit a coverage point on the mutant's line. Nothing here
knows which test "nearly" caught a mutant; the one named is one that executed its line.

Only the section is replaced; every other key of ``closure.json`` is kept as it was. Without a
closure record (a testbench ``dv generate`` did not write) nothing is written there and the
caller says so: ``qualify.json`` still holds everything.

No pyslang at import time: :mod:`dv.loop` imports this module (the mutated text is worked out
by :func:`section_of`, which the command calls).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from dv.files import write_atomic

SECTION = "qualify"
CLOSEST_RULE = ("a test that executed the mutant's line, per closure.json's coverage: the first "
                "test to hit the innermost line block or branch arm spanning the line (or a "
                "branch or expression point on it); for a line with no such point, the first "
                "test to toggle a signal named on it; none when those points are unhit")
_IDENT = re.compile(r"\b[A-Za-z_]\w*\b")
# (not "detail": in qualify.json a mutant's "detail" is the failing test's message, which
# replaced the site's own detail; the id still carries it)
_KEEP = ("id", "file", "line", "column", "kind", "class", "description", "behaviour",
         "behaviour_detail")
# fields of a mutant's entry in qualify.json that are not copied into the survivor list
_DROP = {"k", "verdict", "killing_test", "detail", "tests"}


# parts qualify.json's "not_built" may still name that this module and dv report now do
BUILT = ("feeding survivors to the next generation round", "HTML rendering")


def not_built(items: list) -> list[str]:
    return [str(i) for i in items or [] if str(i) not in BUILT]


def file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def cov_dir_of(tb_dir: Path, top: str) -> Path:
    """``coverage/<top>`` beside ``testbenches/`` (where ``dv generate`` writes the record)."""
    tb_dir = Path(tb_dir).resolve()
    base = tb_dir.parent.parent if tb_dir.parent.name == "testbenches" else Path.cwd()
    return base / "coverage" / top


# -- the closest test ----------------------------------------------------------------------------

def _span_lines(span: str) -> set[int]:
    out: set[int] = set()
    for part in (span or "").split(","):
        a, _, b = part.strip().partition("-")
        try:
            lo = int(a)
            hi = int(b) if b else lo
        except ValueError:
            continue
        if hi - lo <= 100000:
            out.update(range(lo, hi + 1))
    return out


class ClosestTests:
    """The closure record's coverage points by file, to name a test that executed a line."""

    def __init__(self, closure: dict[str, Any] | None) -> None:
        self.available = bool(closure and isinstance(closure.get("points"), list))
        self.points: dict[str, list[dict]] = {}
        rounds: dict[str, int] = {}
        for r in (closure or {}).get("rounds") or []:
            for t in (r.get("tests") or []) if isinstance(r, dict) else []:
                if isinstance(t, dict) and isinstance(t.get("name"), str):
                    rounds.setdefault(t["name"], r.get("index"))
        self.rounds = rounds
        for p in (closure or {}).get("points") or []:
            if isinstance(p, dict) and isinstance(p.get("file"), str):
                self.points.setdefault(p["file"], []).append(p)

    def of(self, file: str, line: int, text: str = "") -> tuple[str | None, str]:
        """(test or None, how it was chosen)."""
        if not self.available:
            return None, "unknown: no closure record with coverage to choose from"
        pts = self.points.get(file, [])

        def covers(p: dict) -> bool:
            if p.get("kind") not in ("line", "branch", "expr"):
                return False
            span = _span_lines(str(p.get("span") or ""))
            return p.get("line") == line or line in span

        def size(p: dict) -> int:
            return len(_span_lines(str(p.get("span") or ""))) or 1

        cands = [p for p in pts if covers(p)]
        what = "point"
        if not cands:  # e.g. a continuous assignment: Verilator counts no block for it
            names = set(_IDENT.findall(text))
            cands = [p for p in pts if p.get("kind") == "toggle" and names
                     and re.split(r"[\[:]", str(p.get("comment", "")), maxsplit=1)[0] in names]
            what = "toggle"
            if not cands:
                return None, "none: closure.json has no coverage point on this line"
        hit = [p for p in cands if p.get("first_test") and (p.get("count") or 0) > 0]
        if not hit:
            if what == "toggle":
                return None, "none: no test toggled a signal named on this line"
            return None, (f"none: no test executed {file}:{line} (the coverage point(s) on it "
                          "are unhit): no test reaches the mutant")
        # the innermost point (smallest span), then the earliest round
        best = min(hit, key=lambda p: (size(p), self._round(p["first_test"]),
                                       p.get("line", 0), p.get("column", 0)))
        kind = {"line": "line block", "branch": "branch arm", "expr": "expression row",
                "toggle": "toggle"}.get(str(best.get("kind")), str(best.get("kind")))
        where = f"{best.get('file')}:{best.get('line')}"
        if best.get("span"):
            where += f" (lines {best['span']})"
        return best["first_test"], f"first test to hit the {kind} {best.get('comment', '')!r} " \
                                   f"at {where}"

    def _round(self, test: str) -> int:
        r = self.rounds.get(test)
        return r if isinstance(r, int) else 1 << 30


# -- the section ----------------------------------------------------------------------------------

def read_closure(path: Path) -> dict[str, Any] | None:
    """The closure record at ``path``, or None when absent or not a closure record."""
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or rec.get("format", "dv-closure") != "dv-closure":
        return None
    return rec


def mutation_texts(root: Path, files: dict[str, list[str]]) -> dict[str, tuple[str, str]]:
    """site id -> (original text, mutant text) for the sites named per file (pyslang)."""
    from dv.qualify.sites import find_sites, mutant_text

    out: dict[str, tuple[str, str]] = {}
    for file, ids in files.items():
        try:
            src = find_sites(root / file, file)
        except Exception:  # noqa: BLE001 - the texts are a convenience; the ids stay
            continue
        by_id = {s.id: s for s in src.sites}
        for sid in ids:
            s = by_id.get(sid)
            if s is None:
                continue
            try:
                mutated = mutant_text(src, sid)
            except Exception:  # noqa: BLE001
                continue
            tail = len(src.text) - s.end
            out[sid] = (src.text[s.start:s.end], mutated[s.start:len(mutated) - tail])
    return out


def section_of(record: dict[str, Any], root: Path, closure: dict[str, Any] | None,
               record_path: Path | None = None, rtl: list[str] | None = None) -> dict[str, Any]:
    """The ``qualify`` section of the closure record from a ``qualify.json`` record."""
    mutants = [m for m in record.get("mutants") or [] if isinstance(m, dict)]
    surv = [m for m in mutants if m.get("verdict") == "survived"]
    by_file: dict[str, list[str]] = {}
    for m in surv:
        by_file.setdefault(str(m.get("file")), []).append(str(m.get("id")))
    texts = mutation_texts(root, by_file)
    closest = ClosestTests(closure)
    survivors = []
    for m in surv:
        entry = {k: m.get(k) for k in _KEEP}
        entry.update({k: v for k, v in m.items() if k not in _DROP and k not in entry})
        if isinstance(m.get("equivalence"), dict):
            entry["equivalence"] = _equivalence(m["equivalence"])
        orig, mut = texts.get(str(m.get("id")), ("", ""))
        entry["original"], entry["mutant"] = orig, mut
        lines = _source_lines(root, str(m.get("file")))
        line = m.get("line") if isinstance(m.get("line"), int) else 0
        entry["source"] = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        test, how = closest.of(str(m.get("file")), line, entry["source"])
        entry["closest_test"], entry["closest_test_how"] = test, how
        survivors.append(entry)
    equivalent = [{"id": m.get("id"), "file": m.get("file"), "line": m.get("line"),
                   "description": m.get("description"),
                   "equivalence": _equivalence(m.get("equivalence") or {})}
                  for m in mutants if m.get("verdict") == "equivalent"]
    files = sorted(set(rtl or []) | set(by_file))
    return {
        "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "record": os.path.relpath(record_path, Path.cwd()) if record_path else None,
        "testbench": record.get("testbench"),
        "tests": record.get("tests") or [],
        "options": record.get("options") or {},
        "sites_total": record.get("sites_total"),
        "summary": record.get("summary") or {},
        "behaviour_oracle": record.get("behaviour_oracle", ""),
        "equivalence": record.get("equivalence"),  # the miter's method (None: not run)
        "not_built": not_built(record.get("not_built") or []),
        "rtl": {f: file_hash(root / f) for f in files},
        "closest_test_rule": CLOSEST_RULE,
        "survivors": survivors,
        "equivalent": equivalent,
    }


def _equivalence(e: dict[str, Any]) -> dict[str, Any]:
    """A mutant's miter verdict without its bulk: the distinguishing input trace stays in
    qualify.json (its first cycles are kept)."""
    out = {k: e.get(k) for k in ("verdict", "text", "depth", "k", "step", "outputs")
           if e.get(k) not in (None, [], {})}
    if isinstance(e.get("trace"), list) and e["trace"]:
        out["trace"] = e["trace"][:32]
        if len(e["trace"]) > 32:
            out["trace_cut"] = f"first 32 of {len(e['trace'])} cycles (all in qualify.json)"
    return out


def _source_lines(root: Path, file: str) -> list[str]:
    try:
        return (root / file).read_text(errors="replace").splitlines()
    except OSError:
        return []


def write_section(closure_path: Path, section: dict[str, Any]) -> bool:
    """Put ``section`` under ``qualify`` in the closure record at ``closure_path``, keeping every
    other key; False (nothing written) when there is no closure record there."""
    rec = read_closure(closure_path)
    if rec is None:
        return False
    rec[SECTION] = section
    write_atomic(closure_path, json.dumps(rec, indent=1) + "\n")
    return True


# -- read back by dv generate -----------------------------------------------------------------

def previous_section(cov_dir: Path) -> dict[str, Any] | None:
    """The ``qualify`` section of the closure record in ``cov_dir`` (None: none recorded)."""
    rec = read_closure(cov_dir / "closure.json")
    sec = rec.get(SECTION) if rec else None
    return sec if isinstance(sec, dict) else None


def targets(section: dict[str, Any] | None, root: Path,
            files: list[str]) -> tuple[list[dict], list[str]]:
    """The survivors of ``section`` that still point at the design's current text: those of a
    file of ``files`` (the design's) whose content is what ``dv qualify`` measured. Returns
    (survivors, notes on what was left out and why)."""
    if not section:
        return [], []
    notes = []
    hashes = section.get("rtl") if isinstance(section.get("rtl"), dict) else {}
    out = []
    left: dict[str, int] = {}
    for s in section.get("survivors") or []:
        if not isinstance(s, dict) or not isinstance(s.get("line"), int):
            continue
        f = str(s.get("file"))
        if f not in files:
            left[f"{f} is not one of the design's files"] = \
                left.get(f"{f} is not one of the design's files", 0) + 1
            continue
        want = hashes.get(f)
        if want is None or want != file_hash(root / f):
            why = f"{f} changed since dv qualify measured it (lines may have moved)"
            left[why] = left.get(why, 0) + 1
            continue
        out.append(s)
    for why, n in left.items():
        notes.append(f"{n} surviving mutant(s) of the last dv qualify not used: {why}")
    return out, notes


def target_text(s: dict[str, Any]) -> str:
    """One survivor as the prompt names it: place, source line, mutation."""
    mut = ""
    if s.get("original") or s.get("mutant"):
        mut = f" (`{_one_line(s.get('original'))}` -> `{_one_line(s.get('mutant'))}`)"
    return (f"{s.get('file')}:{s.get('line')}: `{_one_line(s.get('source'))}` — "
            f"{s.get('description') or s.get('kind')}{mut}")


def _one_line(text: Any, n: int = 160) -> str:
    t = " ".join(str(text or "").split())
    return t if len(t) <= n else t[:n - 1] + "…"
