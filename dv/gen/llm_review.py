"""Judging a model's claims: failing tests, refuted assertions, and checks that got weaker.

A failing test is either a design bug or a wrong reference model (or assertion); dv cannot
tell which, so it says so and never lets the failure pass. When the model answers a failure by
changing its scoreboard or assertions, the change is compared with what was there before:
every removed or loosened check is recorded (``Bundle.weakened``) and shown in the report.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dv.gen.validate import ModelProperty, ScoreboardInfo

_PROP_FAIL = re.compile(r"dv-prop-fail\s+([A-Za-z_]\w*)")
_CYCLE = re.compile(r"cycle (\d+)")

SCOREBOARD_MISMATCH = "scoreboard mismatch (design bug or wrong reference model)"
SCOREBOARD_CRASH = "reference model error (wrong reference model)"


@dataclass
class Judgement:
    test: str
    category: str  # scoreboard_mismatch | model_crash | model_hang | assertion_refuted |
    # spec_property | structural | timeout | error | failed
    text: str  # one line for the round's notes
    labels: tuple[str, ...] = ()  # refuted property labels


def refuted_labels(message: str) -> list[str]:
    return list(dict.fromkeys(_PROP_FAIL.findall(message or "")))


def judge_failure(entry: Mapping[str, Any], model_labels: Iterable[str],
                  spec_labels: Iterable[str]) -> Judgement:
    """What a failed test means, from its status and first failure message."""
    name = str(entry.get("name", "?"))
    status = str(entry.get("status", "failed"))
    msg = str(entry.get("message") or "")
    seed = entry.get("seed")
    first = msg.strip().splitlines()[0][:300] if msg.strip() else "(no message)"
    head = f"{name} {status.upper()} (seed {seed})"
    labels = refuted_labels(msg)
    mine = [x for x in labels if x in set(model_labels)]
    spec = [x for x in labels if x in set(spec_labels)]
    hung = entry.get("scoreboard_hang")
    if hung:  # the checker's watchdog saw one SCOREBOARD call run for seconds
        return Judgement(name, "model_hang", f"{head}: the reference model (scoreboard) hung "
                         f"at cycle {hung.get('cycle')} — a wrong reference model (model-written "
                         f"code), not evidence about the design: {first}")
    if status == "timeout":
        return Judgement(name, "timeout", f"{head}: the simulation hung or ran past its time "
                         f"limit — a design deadlock or a too-long plan: {first}")
    if SCOREBOARD_CRASH.split(" (")[0] in msg:
        return Judgement(name, "model_crash", f"{head}: the reference model itself raised an "
                         f"exception — a wrong reference model, not evidence about the design: "
                         f"{first}")
    if "scoreboard mismatch" in msg:
        cyc = _CYCLE.search(msg)
        at = f" at cycle {cyc.group(1)}" if cyc else ""
        return Judgement(name, "scoreboard_mismatch", f"{head}: the DUT disagrees with the "
                         f"spec-derived reference model{at} — a DESIGN BUG OR A WRONG REFERENCE "
                         f"MODEL; the test stays failed until one of them is fixed: {first}")
    if mine:
        return Judgement(name, "assertion_refuted", f"{head}: simulation refuted the model's "
                         f"assertion(s) {', '.join(mine)} — a design bug or a wrong assertion; "
                         f"they do not count: {first}", tuple(mine))
    if spec:
        return Judgement(name, "spec_property", f"{head}: the designer's property "
                         f"{', '.join(spec)} failed — a design bug (or a wrong spec property): "
                         f"{first}", tuple(spec))
    if "is not one of its states" in msg or "is X/Z" in msg:
        return Judgement(name, "structural", f"{head}: a structural check failed (illegal FSM "
                         f"state or X/Z output) — a design bug: {first}")
    if status == "error":
        return Judgement(name, "error", f"{head}: the simulation ended without results: "
                         f"{first}")
    return Judgement(name, "failed", f"{head}: {first}", tuple(labels))


def diff_scoreboards(old: ScoreboardInfo | None, new: ScoreboardInfo | None) -> list[str]:
    """Checks the new reference model no longer makes (empty when nothing got weaker)."""
    if old is None:
        return []
    if new is None:
        return ["the reference model (scoreboard) was removed"]
    out = []
    lost_guard = sorted(old.guarded - new.guarded)
    if lost_guard:
        out.append("the scoreboard no longer checks " + ", ".join(lost_guard))
    lost_refs = sorted((old.refs - new.refs) - set(lost_guard))
    if lost_refs:
        out.append("the scoreboard no longer reads " + ", ".join(lost_refs))
    kept = {r.split(".", 1)[1] for r in new.guarded}
    lost_cmp = sorted((s, op) for s, op in old.compares - new.compares if s in kept)
    if lost_cmp:
        out.append("comparisons removed: " + ", ".join(f"{s} {_OPS.get(op, op)}"
                                                        for s, op in lost_cmp))
    if new.n_checks < old.n_checks:
        out.append(f"the scoreboard's error checks went from {old.n_checks} to {new.n_checks}")
    if old.has_reset_hook and not new.has_reset_hook:
        out.append("SCOREBOARD_RESET was removed (the model no longer restarts after a reset)")
    return out


_OPS = {"Eq": "==", "NotEq": "!=", "Lt": "<", "LtE": "<=", "Gt": ">", "GtE": ">=",
        "In": "in", "NotIn": "not in", "Is": "is", "IsNot": "is not"}


def scoreboard_diff_text(old: str | None, new: str | None, round_index: int) -> str:
    return "".join(difflib.unified_diff(
        (old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True),
        fromfile=f"scoreboard before round {round_index}",
        tofile=f"scoreboard of round {round_index}"))


def diff_properties(old: Mapping[str, ModelProperty], new: Iterable[ModelProperty],
                    status: Mapping[str, str], kind: str) -> tuple[list[str], list[str]]:
    """(weakened, notes) between the model's previous and new assertion (or cover) lists."""
    new_map = {p.label: p for p in new}
    weakened: list[str] = []
    notes: list[str] = []
    what = "assertion" if kind == "assert" else "cover point"
    for label, p in old.items():
        st = status.get(label, "pending")
        if label not in new_map:
            why = f" after simulation refuted it ({st})" if st.startswith("refuted") else ""
            line = f"{what} {label} withdrawn{why}: {p.body}"
            (weakened if kind == "assert" else notes).append(line)
        elif new_map[label].body != p.body:
            was = f" after it was {st}" if st.startswith("refuted") else ""
            line = (f"{what} {label} changed (may be weaker; review){was}: "
                    f"{p.body}  ->  {new_map[label].body}")
            (weakened if kind == "assert" else notes).append(line)
    added = [label for label in new_map if label not in old]
    if added:
        notes.append(f"new {what}s: {', '.join(added)}")
    return weakened, notes


__all__ = ["Judgement", "SCOREBOARD_CRASH", "SCOREBOARD_MISMATCH", "diff_properties",
           "diff_scoreboards", "judge_failure", "refuted_labels", "scoreboard_diff_text"]
