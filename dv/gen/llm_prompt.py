"""Prompts for the LLM generator, kept within a token budget.

A prompt is a system message (the division of labour and the answer format, from
``prompts/system.txt``) and one user message built from sections. Mandatory sections (the
task, the design's interface, the model's current slots) always go in; the others (failing
tests, refuted assertions, the spec, the coverage holes, earlier tests) are filled by priority,
chunk by chunk, until the budget (counted with ``litellm.token_counter``) is used. What does
not fit is summarised in one line ("… 4 870 more groups (9 740 holes) not shown"), never sent.
Holes are grouped by the source line they sit on (:func:`dv.cov.holes.group_holes`), so a
prompt names ``wr_data bits 0-7 0->1`` once instead of eight toggle points.
"""

from __future__ import annotations

import importlib.resources
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dv.cov.holes import Hole, describe_group, group_holes
from dv.design.model import Design
from dv.design.spec import Spec
from dv.errors import InputError
from dv.gen.validate import ALLOWED_BUILTINS, DesignView, ModelProperty, Problem

Counter = Callable[..., int]

_KIND_RANK = {"branch": 0, "line": 0, "expr": 1, "fsm_state": 2, "fsm_arc": 2, "user": 3,
              "toggle": 4}
SECTION_RESERVE = 48  # tokens kept back per optional section for its "not shown" line


class PromptTooLarge(InputError):
    """Even the mandatory part of a prompt does not fit the budget."""


@dataclass
class Section:
    title: str
    chunks: list[str]
    mandatory: bool = False
    priority: int = 9  # filling order of optional sections (low first)
    trailer: Callable[[int, int], str] | None = None  # (shown, total) -> "... not shown" line
    intro: str = ""


@dataclass
class PromptStats:
    budget: int
    tokens: int = 0
    shown: dict[str, tuple[int, int]] = field(default_factory=dict)  # title -> (shown, total)

    @property
    def trimmed(self) -> bool:
        return any(s < t for s, t in self.shown.values())

    def to_json(self) -> dict[str, Any]:
        return {"budget": self.budget, "tokens": self.tokens,
                "sections": {k: {"shown": s, "total": t} for k, (s, t) in self.shown.items()}}


def system_prompt(view: DesignView) -> str:
    text = importlib.resources.files("dv.gen").joinpath("prompts/system.txt").read_text()
    reset_off = "1'b0"
    if view.reset is not None:
        reset_off = view.reset if view.reset_active == 1 else f"!{view.reset}"
    return (text.replace("<<BUILTINS>>", ", ".join(sorted(ALLOWED_BUILTINS)))
            .replace("<<EDGE>>", view.clock_edge).replace("<<CLOCK>>", view.clock)
            .replace("<<RESET_OFF>>", reset_off)).strip()


def fit(system: str, sections: Sequence[Section], budget: int, count: Counter,
        tail: Sequence[dict[str, str]] = ()) -> tuple[list[dict[str, str]], PromptStats]:
    """Messages ``[system, user, *tail]`` within ``budget`` tokens, filling optional sections
    by priority. Raises :class:`PromptTooLarge` when the mandatory part alone does not fit."""
    stats = PromptStats(budget)
    chosen: dict[int, list[str]] = {i: list(s.chunks) if s.mandatory else []
                                    for i, s in enumerate(sections)}

    def render() -> list[dict[str, str]]:
        parts = []
        for i, s in enumerate(sections):
            got = chosen[i]
            if not got and not s.mandatory:
                if s.chunks and s.trailer is not None:
                    parts.append(f"## {s.title}\n{s.trailer(0, len(s.chunks))}")
                continue
            body = "\n".join(got)
            if s.intro:
                body = f"{s.intro}\n{body}" if body else s.intro
            if s.trailer is not None and len(got) < len(s.chunks):
                body += "\n" + s.trailer(len(got), len(s.chunks))
            parts.append(f"## {s.title}\n{body}" if s.title else body)
        return [{"role": "system", "content": system},
                {"role": "user", "content": "\n\n".join(parts).strip()}, *tail]

    base = count(messages=render())
    if base > budget:
        raise PromptTooLarge(
            f"the prompt needs {base} tokens before any coverage feedback, more than "
            f"--max-prompt-tokens {budget}.",
            hint="Raise --max-prompt-tokens (the system instructions, the design's interface "
            "and the current scoreboard/assertions must always fit).")
    optional = sorted((i for i, s in enumerate(sections) if not s.mandatory and s.chunks),
                      key=lambda i: (sections[i].priority, i))
    remaining = budget - base - 8 - (budget // 50) - SECTION_RESERVE * len(optional)
    for i in optional:
        sec = sections[i]
        extra = (count(text=sec.intro) + 4) if sec.intro else 4
        if extra > remaining:
            continue
        remaining -= extra
        for chunk in sec.chunks:
            cost = count(text=chunk) + 1
            if cost > remaining:
                break
            chosen[i].append(chunk)
            remaining -= cost
    messages = render()
    total = count(messages=messages)
    while total > budget:  # estimates were off: drop the lowest-priority chunks until it fits
        for i in reversed(optional):
            if chosen[i]:
                chosen[i].pop()
                break
        else:
            break
        messages = render()
        total = count(messages=messages)
    stats.tokens = total
    for i, s in enumerate(sections):
        stats.shown[s.title or f"part{i}"] = (len(chosen[i]), len(s.chunks))
    return messages, stats


# -- pieces ------------------------------------------------------------------------------------

def interface_text(design: Design, view: DesignView) -> str:
    lines = [f"top module: {design.top}  (RTL: {', '.join(_short(f) for f in design.files)})",
             f"clock: {view.clock} ({view.clock_edge}), driven by the harness"]
    if view.reset is not None:
        r = design.reset
        assert r is not None
        lines.append(f"reset: {view.reset} (active {'low' if r.active_low else 'high'}, "
                     f"{'asynchronous' if r.asynchronous else 'synchronous'}), driven by the "
                     "harness; plans pulse it with {\"kind\": \"reset\"} segments")
    else:
        lines.append("reset: none")
    lines.append("data inputs — txn[\"in\"], drivable by plans: "
                 + (", ".join(s.describe() for s in view.inputs.values()) or "none"))
    lines.append("outputs — txn[\"out\"]: "
                 + (", ".join(s.describe() for s in view.outputs.values()) or "none"))
    if view.fsm:
        for f in design.fsms:
            states = ", ".join(f"{s.name}={s.value}" for s in f.states)
            lines.append(f"FSM state variable — txn[\"fsm\"][{f.state_var!r}]: {states}")
    if view.params:
        lines.append("parameters: " + ", ".join(f"{k}={v}" for k, v in view.params.items()))
    from dv.design.interfaces import request_pairs

    pairs = request_pairs(design)
    if pairs:  # operands must be held until the answer: reactive "transactions" segments
        lines.append("request/acknowledge pairs — drive them with \"transactions\" segments: "
                     + "; ".join(f"req {p.req}, ack {p.ack}, ack_value {p.ack_value}, "
                                 f"hold_req {str(p.hold_req).lower()}" for p in pairs))
    if view.knobs:  # the plan's "interfaces" knobs (dv.protocols.drive_runtime)
        lines.append(
            "interface knobs — a plan may add \"interfaces\": {name: {knob: value}} with, per "
            "interface, only the knobs listed here: " + "; ".join(
                f"{name}: {', '.join(kinds)}" for name, kinds in view.knobs.items())
            + ". \"backpressure\": 0.0..1.0, the probability the design's output stream is "
            "stalled; \"gap\": [lo, hi], idle cycles (0..64) between the beats dv sends; "
            "\"frame_len\": [lo, hi], beats per frame (1..256, last on the final one). dv keeps "
            "every handshake legal whatever the knobs.")
    internal = [s for s in view.internal.values() if s.name not in (view.clock, view.reset)]
    if internal:
        shown = internal[:60]
        more = f" (+{len(internal) - 60} more)" if len(internal) > 60 else ""
        lines.append("internal signals — assertions/cover points only: "
                     + ", ".join(f"{s.name}[{s.width}]" for s in shown) + more)
    if view.memories:
        lines.append("memories (not visible to assertions): " + ", ".join(view.memories))
    return "\n".join(lines)


def spec_chunks(spec: Spec | None) -> list[str]:
    if spec is None:
        return []
    out = []
    for s in spec.sections:
        head = f"{'#' * max(3, s.level + 2)} {s.heading}".rstrip()
        out.append(f"{head}\n{s.text}".strip())
    return out


def spec_properties_text(spec: Spec | None) -> list[str]:
    if spec is None:
        return []
    return [p.text for p in spec.properties]


def hole_chunks(holes: Sequence[Hole]) -> tuple[list[str], int]:
    """One chunk per source line holding open holes, most actionable first; and the number of
    live holes."""
    live = [h for h in holes if h.waiver is None]
    groups = group_holes(live)
    ranked = sorted(groups.items(), key=lambda kv: _group_rank(kv[1]))
    chunks = []
    for (_file, _line), hs in ranked:
        text = describe_group(hs)
        sigs = sorted({s for h in hs if h.point.kind != "toggle" for s in h.signals})
        if sigs:
            text += "\n  signals: " + ", ".join(sigs[:12])
        chunks.append(_scrub(text))
    return chunks, len(live)


def _group_rank(hs: Sequence[Hole]) -> tuple[int, int, str, int]:
    kind = min(_KIND_RANK.get(h.point.kind, 5) for h in hs)
    return (kind, -len(hs), hs[0].point.file, hs[0].point.line)


def holes_trailer(n_holes: int) -> Callable[[int, int], str]:
    def trailer(shown: int, total: int) -> str:
        rest = total - shown
        return (f"(… {rest} more source line(s) with open holes not shown, to keep the prompt "
                f"within its budget; {n_holes} open holes in all; the ones shown are the most "
                "actionable: branches and lines first, toggles last)") if rest else ""
    return trailer


def counted_trailer(what: str) -> Callable[[int, int], str]:
    def trailer(shown: int, total: int) -> str:
        return f"(… {total - shown} more {what} not shown)" if total > shown else ""
    return trailer


MUTANTS_TITLE = ("Surviving mutants of the last dv qualify (planted bugs every test missed: "
                 "a bug here would not be caught)")


def mutant_chunks(survivors: Sequence[Any]) -> list[str]:
    """One chunk per surviving mutant (``RoundContext.survivors``): "a bug here would not be
    caught: <source line>, <mutation>", and the test that ran the line (chosen as the closure
    record says) whose checks missed it."""
    chunks = []
    for s in survivors:
        if not isinstance(s, dict):
            continue
        src = " ".join(str(s.get("source") or "").split())[:200]
        what = str(s.get("description") or s.get("kind") or "mutation")[:200]
        orig = " ".join(str(s.get("original") or "").split())[:160]
        mut = " ".join(str(s.get("mutant") or "").split())[:160]
        text = (f"- {s.get('file')}:{s.get('line')}: a bug here would not be caught: "
                f"`{src}`, {what}")
        if orig or mut:
            text += f" (`{orig}` -> `{mut}`)"
        eq = s.get("equivalence") if isinstance(s.get("equivalence"), dict) else {}
        if eq.get("verdict") == "differs":
            text += f"\n  a formal miter shows it is a real bug: {str(eq.get('text'))[:240]}"
        elif eq.get("verdict") == "bounded":
            text += (f"\n  (a formal miter found no difference within {eq.get('depth')} "
                     "cycles: it may be equivalent, so it may be impossible to catch)")
        if s.get("closest_test"):
            text += f"\n  test {s.get('closest_test')} ran this line and its checks missed it"
        elif str(s.get("closest_test_how") or "").startswith("none: no test executed"):
            text += "\n  no test ran this line"
        chunks.append(_scrub(text))
    return chunks


_LOG_KEEP = re.compile(r"error|fail|mismatch|scoreboard|dv-prop-fail|assert|traceback|"
                       r"exception|reference model", re.I)
_LOG_SKIP = re.compile(r"^\s*\*\*|REAL TIME|RATIO|SIM TIME|sim time \(ns\)|^\s*(\+\s+where|"
                       r"assert not \[)", re.I)


def failure_chunks(failures: Sequence[Any], search_dirs: Sequence[Path]) -> list[str]:
    chunks = []
    for f in failures:
        entry = _entry(f)
        lines = [ln for ln in str(entry.get("message") or "").splitlines() if ln.strip()]
        msg = _scrub(lines[0] if lines else "(no message)")[:500]
        text = (f"- {entry.get('name')} (seed {entry.get('seed')}, {entry.get('status')}, "
                f"round {entry.get('round', '?')}): {msg}")
        excerpt = log_excerpt(entry.get("log"), search_dirs)
        if excerpt:
            text += "\n  log excerpt:\n" + "\n".join("    " + ln for ln in excerpt)
        chunks.append(text)
    return chunks


def _entry(f: Any) -> dict[str, Any]:
    if isinstance(f, dict):
        return f
    job = getattr(f, "job", None)  # a dv.sim.run.SimResult
    return {"name": getattr(job, "name", "?"), "seed": getattr(job, "seed", None),
            "status": getattr(f, "status", "failed"), "message": getattr(f, "message", ""),
            "log": str(getattr(f, "log", "")) or None}


_LOG_READ = 256 << 10


def log_excerpt(log: str | None, search_dirs: Sequence[Path], n: int = 12) -> list[str]:
    if not log:
        return []
    path = Path(log)
    candidates = [path] if path.is_absolute() else [d / path for d in search_dirs] + [path]
    for p in candidates:
        if p.is_file():
            try:  # bounded: the head and the tail of a log, never the whole of a flood
                with open(p, "rb") as f:
                    size = os.fstat(f.fileno()).st_size
                    if size <= 2 * _LOG_READ:
                        raw = f.read()
                    else:
                        head = f.read(_LOG_READ)
                        f.seek(size - _LOG_READ)
                        raw = head + b"\n[...]\n" + f.read(_LOG_READ)
                lines = raw.decode("utf-8", errors="replace").splitlines()
            except OSError:
                return []
            keep = [ln.strip() for ln in lines
                    if _LOG_KEEP.search(ln) and not _LOG_SKIP.search(ln)]
            half = n // 2
            picked = keep if len(keep) <= n else keep[:half] + ["[…]"] + keep[-half:]
            out = []
            for ln in picked:
                ln = _scrub(ln)
                out.append(ln if len(ln) <= 240 else ln[:237] + "...")
            return out
    return []


_ABS_PATH = re.compile(r"(?<![\w.])/(?:[^\s/:'\"()]+/)+([^\s/:'\"()]+/)?([^\s/:'\"()]+)")


def _scrub(text: str) -> str:
    """Absolute paths shortened to their last two parts: prompts must not depend on where
    the run directory is (the response cache is keyed by the prompt)."""
    return _ABS_PATH.sub(lambda m: "…/" + (m.group(1) or "") + m.group(2), text)


def _short(path: str) -> str:
    return _scrub(path) if path.startswith("/") else path


def slots_text(scoreboard: str | None, assertions: Sequence[ModelProperty],
               covers: Sequence[ModelProperty], status: dict[str, str]) -> str:
    parts = []
    if scoreboard:
        parts.append("scoreboard (current reference model):\n```python\n"
                     + scoreboard.rstrip() + "\n```")
    else:
        parts.append("scoreboard: none yet")
    if assertions:
        parts.append("assertions:\n" + "\n".join(
            f"- {p.text}  [{status.get(p.label, 'pending')}]" for p in assertions))
    else:
        parts.append("assertions: none")
    if covers:
        parts.append("cover points:\n" + "\n".join(
            f"- {p.text}  [{status.get(p.label, 'pending')}]" for p in covers))
    else:
        parts.append("cover points: none")
    return "\n".join(parts)


def repair_text(problems: Sequence[Problem], turn: int, max_repairs: int) -> str:
    lines = [f"Your answer has {len(problems)} problem(s); nothing of it was used. Fix them "
             f"and answer again with the complete JSON object (all keys, not only the fixed "
             f"parts). Repair {turn} of {max_repairs}."]
    for i, p in enumerate(problems[:25], 1):
        lines.append(f"{i}. {p.render()}")
    if len(problems) > 25:
        lines.append(f"(… {len(problems) - 25} more problems of the same kinds)")
    return "\n".join(lines)


def shorten_answer(text: str, count: Counter, limit: int) -> str:
    """The model's own (rejected) answer, shortened in the middle when it is large."""
    if count(text=text) <= limit:
        return text
    keep = max(200, limit * 3 // 2)  # characters per end, ~4 chars a token
    return (text[:keep] + f"\n[… {len(text) - 2 * keep} characters omitted …]\n"
            + text[-keep:])


__all__ = [
    "PromptStats", "PromptTooLarge", "Section", "counted_trailer", "failure_chunks", "fit",
    "MUTANTS_TITLE", "hole_chunks", "holes_trailer", "interface_text", "log_excerpt",
    "mutant_chunks", "repair_text",
    "shorten_answer", "slots_text", "spec_chunks", "spec_properties_text", "system_prompt",
]
