"""The LLM generator: a litellm model fills the testbench's semantic slots, round by round.

The harness writes the plumbing (unchanged, as for the built-in generator); the model is asked
for ONE JSON object with four named slots — ``plans`` (stimulus in the harness's PLAN format),
``scoreboard`` (``def SCOREBOARD(txn, prev)``, the spec's reference model), ``assertions`` and
``cover_points`` (SVA) — plus ``verdicts`` on failing tests. Everything is validated
(:mod:`dv.gen.validate`) before it runs; whatever fails goes back as a precise repair request,
up to ``max_repairs`` turns per round. When the model keeps failing validation, the provider
fails, or LLM rounds stall, the round is made by the built-in generator instead (mixed mode),
and every test records which generator wrote it.

Each round's feedback is the open holes grouped by the logic they sit in, the failing tests
with seed, message and log excerpt, and the refuted assertions — ranked and trimmed to
``max_prompt_tokens``. Requests and responses are saved under
``<run_dir>/build/llm/<top>/round-N-turn-M.json`` (keys redacted) and cached by request hash
(``<run_dir>/build/llm-cache/``), so ``replay=True`` reruns offline with the same answers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dv.design.model import Design
from dv.design.spec import Spec, SvaProperty
from dv.errors import InputError
from dv.gen.base import Bundle, Generator, RoundContext
from dv.gen.llm_client import LlmCall, LlmClient, Mock
from dv.gen.llm_prompt import (
    MUTANTS_TITLE,
    PromptStats,
    PromptTooLarge,
    Section,
    counted_trailer,
    failure_chunks,
    fit,
    hole_chunks,
    holes_trailer,
    interface_text,
    mutant_chunks,
    repair_text,
    shorten_answer,
    slots_text,
    spec_chunks,
    spec_properties_text,
    system_prompt,
)
from dv.gen.llm_review import (
    SCOREBOARD_CRASH,
    SCOREBOARD_MISMATCH,
    diff_properties,
    diff_scoreboards,
    judge_failure,
    scoreboard_diff_text,
)
from dv.gen.validate import (
    AnswerProblems,
    DesignView,
    ModelProperty,
    ScoreboardInfo,
    ValidAnswer,
    parse_answer,
    validate_answer,
)
from dv.redact import redact

DEFAULT_MAX_PROMPT_TOKENS = 16_000
DEFAULT_MAX_REPAIRS = 2
MIN_PROMPT_TOKENS = 1_000
SHOWN_LOOSENED = 3  # loosened transactions listed per round (with the total)


@dataclass
class RoundLog:
    """What happened in one round's conversation with the model."""

    round: int
    generator: str = ""
    calls: list[LlmCall] = field(default_factory=list)
    problems: list[list[str]] = field(default_factory=list)  # per rejected turn
    prompts: list[dict[str, Any]] = field(default_factory=list)  # PromptStats per turn
    accepted_turn: int | None = None
    fallback: str = ""  # why the built-in generator made this round ("" = it did not)
    overhead: float = 0.0  # seconds spent in dv (prompting, validation), without the model
    weakened: list[str] = field(default_factory=list)

    @property
    def repairs(self) -> int:
        return max(0, len(self.calls) - 1)

    @property
    def latency(self) -> float:
        return sum(c.latency for c in self.calls)

    def to_json(self) -> dict[str, Any]:
        pt = [c.prompt_tokens for c in self.calls if c.prompt_tokens is not None]
        ct = [c.completion_tokens for c in self.calls if c.completion_tokens is not None]
        costs = [c.cost for c in self.calls if c.cost is not None]
        return {
            "round": self.round, "generator": self.generator, "turns": len(self.calls),
            "repairs": self.repairs, "accepted_turn": self.accepted_turn,
            "fallback": self.fallback or None,
            "prompt_tokens": sum(pt) if pt else None,
            "completion_tokens": sum(ct) if ct else None,
            "prompt_tokens_counted": [c.prompt_tokens_counted for c in self.calls],
            "prompt_budget": self.prompts[0]["budget"] if self.prompts else None,
            "prompts": self.prompts,
            "cost": round(sum(costs), 6) if costs else None,
            "cost_known": len(costs) == len(self.calls) and bool(self.calls),
            "model_latency": round(self.latency, 3), "overhead": round(self.overhead, 3),
            "errors": [c.error for c in self.calls if c.error],
            "problems": self.problems, "weakened": self.weakened,
            "calls": [c.usage() for c in self.calls],
        }

    def summary(self, model: str) -> str:
        d = self.to_json()
        cost = f"${d['cost']:.4f}" if d["cost"] is not None else "cost unknown"
        toks = (f"{d['prompt_tokens'] or 0}+{d['completion_tokens'] or 0} tokens"
                if self.calls else "no model call")
        outcome = (f"accepted at turn {self.accepted_turn}" if self.accepted_turn is not None
                   else f"built-in generator used: {self.fallback}")
        return (f"llm {model} round {self.round}: {outcome}; {len(self.calls)} call(s), "
                f"{self.repairs} repair turn(s), {toks}, {cost}, model {self.latency:.1f} s, "
                f"dv {self.overhead:.2f} s")


class LlmGenerator(Generator):
    """A litellm model string as a :class:`Generator` (see the module docstring)."""

    def __init__(self, model: str, *, api_base: str | None = None,
                 api_key_env: str | None = None,
                 max_prompt_tokens: int | None = None, max_repairs: int | None = None,
                 replay: bool = False, cache_dir: str | Path | None = None,
                 run_dir: str | Path | None = None, timeout: float | None = None,
                 num_retries: int | None = None, fallbacks: list[str] | None = None,
                 temperature: float | None = 0.2, max_tokens: int | None = 4096,
                 mock_responses: list[Mock] | None = None, check_model: bool = True,
                 root: str | Path | None = None) -> None:
        self.name = model
        self.max_prompt_tokens = int(max_prompt_tokens or DEFAULT_MAX_PROMPT_TOKENS)
        if self.max_prompt_tokens < MIN_PROMPT_TOKENS:
            raise InputError(f"--max-prompt-tokens {self.max_prompt_tokens} is too small: the "
                             f"instructions alone need about {MIN_PROMPT_TOKENS}.",
                             hint="Use 8000 or more.")
        self.max_repairs = DEFAULT_MAX_REPAIRS if max_repairs is None else int(max_repairs)
        if self.max_repairs < 0:
            raise InputError("--max-repairs must be 0 or more.")
        self.run_dir = Path(run_dir) if run_dir is not None else Path(".")
        self.root = Path(root) if root is not None else Path(".")
        self.client = LlmClient(
            model=model, api_base=api_base or None, api_key_env=api_key_env or None,
            timeout=120.0 if timeout is None else float(timeout),
            num_retries=2 if num_retries is None else int(num_retries),
            fallbacks=list(fallbacks or []), temperature=temperature, max_tokens=max_tokens,
            replay=bool(replay),
            cache_dir=Path(cache_dir) if cache_dir else self.run_dir / "build" / "llm-cache",
            transcript_dir=self.run_dir / "build" / "llm",
            mock_responses=list(mock_responses) if mock_responses is not None else None)
        if check_model:
            self.client.check_model()
        from dv.gen.builtin import BuiltinGenerator

        self.builtin = BuiltinGenerator()
        self.rounds: list[RoundLog] = []
        self.on_round: Callable[[RoundLog], None] | None = None
        # state carried across rounds
        self.view: DesignView | None = None
        self.top = ""
        self.scoreboard: ScoreboardInfo | None = None
        self.scoreboard_round: int | None = None
        self.assertions: dict[str, ModelProperty] = {}
        self.covers: dict[str, ModelProperty] = {}
        self.status: dict[str, str] = {}  # label -> pending | held (round N) | refuted ...
        self.spec_labels: set[str] = set()
        self.spec_props: list[SvaProperty] = []
        self.taken_tests: set[str] = set()
        self.bound: set[str] = set()  # model labels bound into the DUT (round-0 build)
        self.judged: set[str] = set()
        self.last_generator = ""
        self.last_open: int | None = None
        self.last_failures: list[dict[str, Any]] = []
        self.weakened: list[str] = []  # over the whole run
        self.origins: dict[str, str] = {}  # property label -> "model, round R, turn T"

    # -- the Generator interface -----------------------------------------------------------------
    def baseline(self, design: Design, spec: Spec | None, seed: int) -> Bundle:
        t0 = time.monotonic()
        self._setup(design, spec)
        view = self.view
        assert view is not None
        task = ("Write the baseline testbench (round 0): 3 to 6 plans that together exercise "
                "every behaviour the specification describes (including its corner cases and "
                "reset in the middle of activity), a scoreboard that checks every output the "
                "specification defines on every cycle, assertions for the specification's "
                "invariants and cover points for its interesting scenarios.")
        if spec is None:
            task += (" There is no specification: infer intent only from port names, and keep "
                     "the scoreboard to checks you are sure of (or null).")
        sections = [
            Section("", [f"# Round 0: the baseline testbench for `{design.top}`"],
                    mandatory=True),
            Section("Interface", [interface_text(design, view)], mandatory=True),
            Section("Specification" + (f" ({_name(spec.path)})" if spec else ""),
                    spec_chunks(spec), priority=1,
                    trailer=counted_trailer("specification sections")),
            Section("Designer's properties (already bound and simulated; do not repeat them)",
                    spec_properties_text(spec), priority=2,
                    trailer=counted_trailer("properties")),
            Section("Your task", [task], mandatory=True),
        ]
        log = RoundLog(0)
        valid = self._converse(0, sections, log, require_scoreboard=spec is not None)
        notes: list[str] = []
        if valid is not None:
            bundle = self._apply(valid, 0, log, notes)
        else:
            bundle = self.builtin.baseline(design, spec, seed)
            bundle.properties = []
            for t in bundle.tests:
                t.generator = "builtin"
            self.taken_tests |= {t.name for t in bundle.tests}
            log.generator = "builtin"
        self.bound = set(self.assertions) | set(self.covers)
        for label in self.bound:
            self.status[label] = "pending (bound from round 0)"
        return self._finish(bundle, log, notes, t0)

    def next_round(self, design: Design, spec: Spec | None, ctx: RoundContext) -> Bundle:
        t0 = time.monotonic()
        if self.view is None:
            self._setup(design, spec)
        view = self.view
        assert view is not None
        notes: list[str] = []
        self._absorb_round(ctx.round - 1, [_entry(f) for f in ctx.failures], ctx, notes)
        live = [h for h in ctx.holes if h.waiver is None]
        log = RoundLog(ctx.round)
        stalled = self._stalled(ctx, len(live))
        self.last_open = len(live)
        valid: ValidAnswer | None = None
        if stalled:
            log.fallback = stalled
        else:
            sections = self._round_sections(design, spec, ctx, view, live)
            valid = self._converse(ctx.round, sections, log,
                                   require_scoreboard=spec is not None and self.scoreboard is None)
        if valid is not None:
            bundle = self._apply(valid, ctx.round, log, notes)
        else:
            bundle = self.builtin.next_round(design, spec, ctx)
            for t in bundle.tests:
                t.generator = "builtin"
            self.taken_tests |= {t.name for t in bundle.tests}
            log.generator = "builtin"
        return self._finish(bundle, log, notes, t0)

    def review_round(self, bundle: Bundle, tests: list[dict]) -> list[str]:
        """Judge a finished round (called by the loop when it supports it)."""
        notes: list[str] = []
        self._absorb_round(bundle.round, [t for t in tests if t.get("status") != "passed"],
                           None, notes)
        return notes

    def continue_after_stall(self) -> bool:
        """After an LLM round that hit nothing new, the built-in generator gets a round."""
        return self.last_generator == self.name

    # -- rounds ---------------------------------------------------------------------------------
    def _setup(self, design: Design, spec: Spec | None) -> None:
        self.view = DesignView.of(design)
        self.top = design.top
        self.client.transcript_dir = self.run_dir / "build" / "llm" / design.top
        self.spec_labels = {p.label for p in (spec.properties if spec else []) if p.label}
        self.spec_props = list(spec.properties) if spec else []

    def _round_sections(self, design: Design, spec: Spec | None, ctx: RoundContext,
                        view: DesignView, live: list) -> list[Section]:
        by_kind: dict[str, int] = {}
        for h in live:
            by_kind[h.point.kind] = by_kind.get(h.point.kind, 0) + 1
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items())) or "none"
        head = [f"# Round {ctx.round} for `{design.top}`",
                f"Open coverage holes: {len(live)} ({kinds})."]
        if self.last_generator == "builtin":
            head.append("(The last round was made by dv's built-in generator.)")
        groups, n_holes = hole_chunks(live)
        failures = failure_chunks(ctx.failures, [self.root, self.run_dir, Path(".")])
        refuted = self._refuted_chunks(ctx)
        prev = [f"- {t.name} [{t.generator or 'builtin'}]: {t.purpose}"[:200]
                for t in reversed(ctx.previous_tests)]
        task = ("Add 1 to 8 new plans aimed at the open holes above (earlier tests are not "
                "rerun). Judge every failing test in \"verdicts\": design_bug or model_wrong. "
                "Return \"scoreboard\" only to change it (null keeps it): a changed scoreboard "
                "is compared with the current one and every removed or loosened check is "
                "reported to the reviewers — fix a wrong model, never silence a real "
                "mismatch. \"assertions\" and \"cover_points\" are complete lists (null keeps "
                "them).")
        mutants = mutant_chunks(ctx.survivors)
        if mutants:
            task += (" Surviving mutants are listed above: add checks (scoreboard, "
                     "assertions) and stimulus that would catch such a bug.")
        return [
            Section("", ["\n".join(head)], mandatory=True),
            Section("Interface", [interface_text(design, view)], mandatory=True),
            Section("Failing tests of the last round (design bug or wrong reference model?)",
                    failures, priority=0, trailer=counted_trailer("failing tests")),
            Section("Assertions refuted by simulation", refuted, priority=0,
                    trailer=counted_trailer("refuted assertions")),
            Section("Your current slots",
                    [slots_text(self.scoreboard.source if self.scoreboard else None,
                                list(self.assertions.values()), list(self.covers.values()),
                                self.status)], mandatory=True),
            Section("Specification" + (f" ({_name(spec.path)})" if spec else ""),
                    spec_chunks(spec), priority=1,
                    trailer=counted_trailer("specification sections")),
            Section(MUTANTS_TITLE, mutants, priority=1,
                    trailer=counted_trailer("surviving mutants")),
            Section("Coverage holes, grouped by source line (most actionable first)", groups,
                    priority=2, trailer=holes_trailer(n_holes)),
            Section("Tests so far (newest first)", prev, priority=3,
                    trailer=counted_trailer("earlier tests")),
            Section("Your task", [task], mandatory=True),
        ]

    def _refuted_chunks(self, ctx: RoundContext) -> list[str]:
        out = []
        for label, st in self.status.items():
            if not st.startswith("refuted"):
                continue
            prop = self.assertions.get(label)
            if prop is None:
                continue
            out.append(f"- {prop.text}\n  {st}")
        for r in ctx.refuted:
            if not isinstance(r, dict):
                continue
            text = f"- {r.get('label', '?')}: {r.get('message', '')}"
            if r.get("trace"):
                text += "\n  counterexample:\n" + "\n".join(
                    "    " + ln for ln in str(r["trace"]).splitlines()[:40])
            out.append(text)
        return out

    def _stalled(self, ctx: RoundContext, open_now: int) -> str:
        if self.last_generator != self.name or ctx.round < 2:
            return ""
        if ctx.new_points is not None:
            if ctx.new_points == 0:
                return ("the last LLM round hit no new coverage point: the built-in generator "
                        "makes this round")
            return ""
        if self.last_open is not None and open_now >= self.last_open:
            return (f"the last LLM round closed no hole ({open_now} open, was "
                    f"{self.last_open}): the built-in generator makes this round")
        return ""

    def _converse(self, rnd: int, sections: list[Section], log: RoundLog,
                  require_scoreboard: bool) -> ValidAnswer | None:
        assert self.view is not None
        system = system_prompt(self.view)
        tail: list[dict[str, str]] = []
        count = self.client.count_tokens
        for turn in range(self.max_repairs + 1):
            try:
                messages, stats = fit(system, sections, self.max_prompt_tokens, count, tail)
            except PromptTooLarge as exc:
                log.fallback = f"prompt does not fit: {exc.message}"
                return None
            log.prompts.append(stats.to_json())
            call = self.client.complete(messages, round_index=rnd, turn=turn)
            log.calls.append(call)
            if not call.ok:
                err = call.error or {}
                log.fallback = (f"provider error on turn {turn}: {err.get('kind')} "
                                f"({err.get('type')}): {str(err.get('message'))[:200]}")
                return None
            try:
                answer = parse_answer(call.content, call.finish_reason)
                valid = validate_answer(
                    answer, self.view, round_index=rnd, taken_tests=self.taken_tests,
                    taken_labels=self.spec_labels, require_scoreboard=require_scoreboard,
                    generator=self.name)
            except AnswerProblems as ap:
                log.problems.append([p.render() for p in ap.problems])
                if turn == self.max_repairs:
                    first = ap.problems[0].render().splitlines()[0][:200]
                    log.fallback = (f"the answer was still invalid after {self.max_repairs} "
                                    f"repair turn(s) ({len(ap.problems)} problem(s); first: "
                                    f"{first})")
                    return None
                reply = shorten_answer(call.content or "", count, self.max_prompt_tokens // 4)
                tail = [{"role": "assistant", "content": reply or "(empty answer)"},
                        {"role": "user",
                         "content": repair_text(ap.problems, turn + 1, self.max_repairs)}]
                continue
            log.accepted_turn = turn
            return valid
        return None

    def _apply(self, valid: ValidAnswer, rnd: int, log: RoundLog,
               notes: list[str]) -> Bundle:
        """Take a validated answer into the generator's state; diff what it changes."""
        log.generator = self.name
        weakened: list[str] = []
        if valid.scoreboard is not None:
            old = self.scoreboard
            lost = diff_scoreboards(old, valid.scoreboard)
            if old is not None and old.source.strip() != valid.scoreboard.source.strip():
                after = self._failed_checks_note()
                notes.append(f"the model changed its reference model in round {rnd}{after}; "
                             f"diff: build/llm/{self.top}/round-{rnd}-scoreboard.diff")
                self._write(f"round-{rnd}-scoreboard.diff",
                            scoreboard_diff_text(old.source, valid.scoreboard.source, rnd))
                weakened += [f"round {rnd}: {w}{after}" for w in lost]
                w, n = self._replay_loosened(old, valid.scoreboard, rnd)
                weakened += w
                notes += n
            self.scoreboard = valid.scoreboard
            self.scoreboard_round = rnd
        for slot, kind, current in (("assertions", "assert", self.assertions),
                                    ("cover_points", "cover", self.covers)):
            new = valid.assertions if slot == "assertions" else valid.cover_points
            if new is None:
                continue
            w, n = diff_properties(current, new, self.status, kind)
            weakened += [f"round {rnd}: {x}" for x in w]
            if rnd > 0:
                notes += [f"round {rnd}: {x}" for x in n]
            for label in [lbl for lbl in current if lbl not in {p.label for p in new}]:
                self.status[label] = "withdrawn in round " + str(rnd) + (
                    f" (was {self.status[label]})" if label in self.status else "")
            before = dict(current)
            current.clear()
            for p in new:
                current[p.label] = p
                changed = p.label in before and before[p.label].body != p.body
                if changed or p.label not in before:
                    self.origins[p.label] = (f"{self.name}, round {rnd}, turn "
                                             f"{log.accepted_turn}")
                if changed or p.label not in self.status \
                        or self.status[p.label].startswith("withdrawn"):
                    self.status[p.label] = ("pending" if rnd == 0 else
                                            f"proposed in round {rnd}"
                                            + (" (changed)" if changed else "")
                                            + " (not simulated until the properties are "
                                            "rebound)")
        for v in valid.verdicts:
            notes.append(f"model verdict on {v.test}: {v.verdict} — {v.reason}"[:400])
        if valid.notes:
            notes.append(f"model notes: {valid.notes}"[:400])
        notes += valid.skipped_checks
        log.weakened = weakened
        self.weakened += weakened
        self.taken_tests |= {t.name for t in valid.tests}
        return Bundle(round=rnd, tests=list(valid.tests))

    def _replay_loosened(self, old: ScoreboardInfo, new: ScoreboardInfo,
                         rnd: int) -> tuple[list[str], list[str]]:
        """Behaviour, not code: run the old and the new scoreboard (in a contained child
        process) on the transactions the last round recorded; a transaction the old one
        rejected and the new one accepts is a loosening. Returns (weakened, notes)."""
        from dv.gen.sb_replay import find_loosened

        files = []
        for f in self.last_failures:
            run_dir = self._run_dir(f)
            if run_dir is not None:
                files.append((str(f.get("name", "?")), run_dir / "transactions.json"))
        if not files:
            return [], []
        prev_round = self.scoreboard_round or 0
        res = find_loosened(wrap_scoreboard(old, self.name, prev_round),
                            wrap_scoreboard(new, self.name, rnd), files,
                            scratch=self.run_dir / "build" / "llm" / self.top)
        if res.error:
            return [], [f"round {rnd}: the old and new scoreboards could not be replayed on "
                        f"the last round's transactions: {res.error}"]
        how = "" if res.sandboxed else " (replayed under resource limits only: no OS sandbox)"
        notes = [f"round {rnd}: old and new scoreboards replayed on {res.replayed} recorded "
                 f"transaction(s){how}: {res.total} now accepted that the old one rejected"]
        weakened = []
        if res.total:
            tests = ", ".join(dict.fromkeys(str(x["test"]) for x in res.loosened))
            weakened.append(f"round {rnd}: the new scoreboard accepts {res.total} recorded "
                            f"transaction(s) the old one rejected (in {tests}); the first "
                            f"{min(SHOWN_LOOSENED, res.total)} follow")
        for item in res.loosened[:SHOWN_LOOSENED]:
            txn = json.dumps(item["txn"], sort_keys=True, separators=(",", ":"))
            weakened.append(f"round {rnd}: the new scoreboard accepts a transaction the old "
                            f"one rejected (test {item['test']}, cycle {item['cycle']}): "
                            f"{txn[:400]} — the old one said: {item['old'][:200]}")
        return weakened, notes

    def _run_dir(self, entry: dict[str, Any]) -> Path | None:
        """A test's run directory, from its record (``log``) or its SimResult."""
        if entry.get("run_dir"):
            return Path(entry["run_dir"])
        log = entry.get("log")
        if not log:
            return None
        path = Path(log)
        if not path.is_absolute():
            for base in (self.root, self.run_dir, Path(".")):
                if (base / path).exists():
                    return (base / path).parent
            return (self.root / path).parent
        return path.parent

    def _failed_checks_note(self) -> str:
        mism = [f["name"] for f in self.last_failures
                if "scoreboard mismatch" in str(f.get("message", ""))
                or SCOREBOARD_CRASH.split(" (")[0] in str(f.get("message", ""))]
        if mism:
            return (" after its scoreboard failed in " + ", ".join(mism[:5])
                    + " (those failures stand in the record)")
        return ""

    def _absorb_round(self, rnd: int, failed: list[dict[str, Any]], ctx: RoundContext | None,
                      notes: list[str]) -> None:
        """Judge the failures of round ``rnd`` and update the assertions' status."""
        if rnd < 0:
            return
        self.last_failures = failed
        refuted: set[str] = set()
        model_labels = set(self.status) | set(self.assertions) | set(self.covers)
        for f in failed:
            key = f"{f.get('round', rnd)}:{f.get('name')}"
            run_dir = self._run_dir(f)
            marker = run_dir / "scoreboard_hang.json" if run_dir is not None else None
            if marker is not None and marker.is_file() and marker.stat().st_size < 4096:
                try:
                    hang = json.loads(marker.read_text())
                except ValueError:
                    hang = None
                f = {**f, "scoreboard_hang": hang if isinstance(hang, dict) else {"cycle": "?"}}
            j = judge_failure(f, model_labels, self.spec_labels)
            refuted |= set(j.labels) & model_labels
            for label in j.labels:
                if label in model_labels:
                    self.status[label] = (f"refuted in round {rnd} by test {f.get('name')} "
                                          f"(seed {f.get('seed')}): "
                                          f"{str(f.get('message', ''))[:300]}")
            if key in self.judged:
                continue
            self.judged.add(key)
            notes.append(f"review of round {rnd}: {j.text}"[:600])
        bound = set(ctx.bound_properties) if ctx is not None and \
            ctx.bound_properties is not None else self.bound
        for label in bound & model_labels:
            if label not in refuted and not self.status.get(label, "").startswith(
                    ("refuted", "held")):
                self.status[label] = f"held in simulation (round {rnd})"

    def _finish(self, bundle: Bundle, log: RoundLog, notes: list[str], t0: float) -> Bundle:
        if not log.generator:
            log.generator = self.name
        self.last_generator = log.generator
        log.overhead = max(0.0, time.monotonic() - t0 - log.latency)
        bundle.generator = log.generator
        if self.scoreboard is not None:
            bundle.scoreboard = wrap_scoreboard(self.scoreboard, self.name,
                                                self.scoreboard_round or 0)
        model_props: list[SvaProperty] = [p.to_sva() for p in self.assertions.values()] + [
            p.to_sva() for p in self.covers.values()]
        bundle.properties = list(self.spec_props) + model_props
        bundle.property_origins = {p.label or "": self.origins.get(p.label or "", self.name)
                                   for p in model_props}
        bundle.weakened = list(log.weakened)
        bundle.llm = log.to_json()
        head = [log.summary(self.name)]
        if log.fallback:
            head.append(f"mixed mode: round {log.round} made by the built-in generator because "
                        f"{log.fallback}")
        for i, probs in enumerate(log.problems):
            shown = "; ".join(p.splitlines()[0][:160] for p in probs[:3])
            more = f" (+{len(probs) - 3} more)" if len(probs) > 3 else ""
            head.append(f"turn {i} rejected: {shown}{more}")
        head += [f"WEAKENED: {w}" for w in log.weakened]
        bundle.notes = [_one_line(n) for n in head + notes + bundle.notes]
        self.rounds.append(log)
        self._write_usage()
        if self.on_round is not None:
            self.on_round(log)
        return bundle

    # -- records --------------------------------------------------------------------------------
    def usage(self) -> dict[str, Any]:
        rounds = [r.to_json() for r in self.rounds]
        costs = [r["cost"] for r in rounds if r["cost"] is not None]
        return {
            "model": self.name, "api_base": self.client.api_base,
            "max_prompt_tokens": self.max_prompt_tokens, "max_repairs": self.max_repairs,
            "replay": self.client.replay, "rounds": rounds,
            "total": {
                "calls": sum(r["turns"] for r in rounds),
                "repairs": sum(r["repairs"] for r in rounds),
                "prompt_tokens": sum(r["prompt_tokens"] or 0 for r in rounds),
                "completion_tokens": sum(r["completion_tokens"] or 0 for r in rounds),
                "cost": round(sum(costs), 6) if costs else None,
                "cost_known": all(r["cost_known"] for r in rounds if r["turns"]),
                "model_latency": round(sum(r["model_latency"] for r in rounds), 3),
                "overhead": round(sum(r["overhead"] for r in rounds), 3),
                "builtin_rounds": [r["round"] for r in rounds if r["generator"] == "builtin"],
            },
            "assertions": {label: self.status.get(label, "pending") for label in
                           list(self.assertions) + list(self.covers)},
            "weakened": self.weakened,
        }

    def _write_usage(self) -> None:
        self._write("usage.json", json.dumps(self.usage(), indent=1) + "\n")

    def _write(self, name: str, text: str) -> None:
        from dv.files import write_atomic

        write_atomic(self.client.transcript_dir / name, redact(text))


def wrap_scoreboard(info: ScoreboardInfo, model: str, rnd: int) -> str:
    """The model's reference model plus dv's wrapper: the reset hook, and messages that say a
    mismatch is "a design bug or a wrong reference model" (never hidden), and that an
    exception inside the model is the model's fault."""
    hook = ""
    if info.has_reset_hook:
        hook = (
            "\n        try:\n            _dv_model_reset(prev)\n"
            "        except Exception as exc:\n"
            '            _dv_state["last"] = txn["cycle"]\n'
            f'            return (f"{SCOREBOARD_CRASH}: SCOREBOARD_RESET raised "\n'
            '                    f"{type(exc).__name__}: {str(exc)[:500]}")')
    model = " ".join(str(model).split())  # one comment line
    return f'''# --- reference model written by {model} (round {rnd}), validated by dv ---
{info.source.strip()}

# --- dv wrapper: a mismatch is a design bug or a wrong reference model, never hidden ---
_dv_model_check = SCOREBOARD
{"_dv_model_reset = SCOREBOARD_RESET" if info.has_reset_hook else ""}
_dv_state = {{"last": None}}


def SCOREBOARD(txn, prev):
    if _dv_state["last"] != prev["cycle"]:  # the first call after a reset{hook}
        pass
    _dv_state["last"] = txn["cycle"]
    try:
        msg = _dv_model_check(txn, prev)
    except Exception as exc:
        return f"{SCOREBOARD_CRASH}: SCOREBOARD raised {{type(exc).__name__}}: {{str(exc)[:500]}}"
    if msg:  # bounded: a model returning megabytes per cycle cannot fill dv's memory or logs
        return f"{SCOREBOARD_MISMATCH}: {{str(msg)[:1000]}}"
    return None
'''


def _entry(f: Any) -> dict[str, Any]:
    if isinstance(f, dict):
        return f
    job = getattr(f, "job", None)
    run_dir = getattr(f, "run_dir", None)
    return {"name": getattr(job, "name", "?"), "seed": getattr(job, "seed", None),
            "status": getattr(f, "status", "failed"), "message": getattr(f, "message", ""),
            "run_dir": str(run_dir) if run_dir is not None else None}


def _name(path: str) -> str:
    return Path(path).name


def _one_line(text: str) -> str:
    return " | ".join(part.strip() for part in str(text).splitlines() if part.strip())


def llm_cli_options() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Click options of ``dv generate`` for the LLM generator (apply with
    ``@llm_cli_options()``); :func:`generator_options` turns their values into
    :func:`dv.gen.base.get_generator` keyword arguments."""
    import click

    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        opts = [
            click.option("--api-base", default=None, metavar="URL",
                         help="Base URL of the model's server (OpenAI-compatible local servers "
                         "with --model openai/<name>, or a non-default ollama). No key is sent "
                         "to it unless --api-key-env names one (or it is the provider's own "
                         "https server)."),
            click.option("--api-key-env", default=None, metavar="VAR",
                         help="Send the value of environment variable VAR as the API key "
                         "(the only way a key reaches a server given by --api-base)."),
            click.option("--max-prompt-tokens", default=DEFAULT_MAX_PROMPT_TOKENS,
                         show_default=True, type=click.IntRange(MIN_PROMPT_TOKENS),
                         help="Upper bound of every prompt (counted with litellm); holes and "
                         "logs are ranked and trimmed to fit."),
            click.option("--max-repairs", default=DEFAULT_MAX_REPAIRS, show_default=True,
                         type=click.IntRange(0, 10),
                         help="Repair turns per round for answers that fail validation, "
                         "before the built-in generator makes the round."),
            click.option("--replay", is_flag=True, default=False,
                         help="Rerun offline from the recorded responses (build/llm-cache or "
                         "--llm-cache); a response not recorded is an error."),
            click.option("--llm-cache", "llm_cache", default=None, type=click.Path(),
                         help="Directory of recorded responses (default <out>/build/llm-cache)."),
            click.option("--llm-timeout", default=120.0, show_default=True, type=float,
                         help="Seconds to wait for one model response (litellm timeout)."),
            click.option("--llm-retries", default=2, show_default=True,
                         type=click.IntRange(0, 10),
                         help="Retries in total per model request on rate limits, "
                         "timeouts, connection and server errors (N retries = at most N+1 "
                         "requests)."),
            click.option("--llm-fallback", "llm_fallbacks", multiple=True, metavar="MODEL",
                         help="Model litellm falls back to when --model fails (repeatable)."),
        ]
        for opt in reversed(opts):
            f = opt(f)
        return f

    return deco


def generator_options(*, api_base: str | None, max_prompt_tokens: int, max_repairs: int,
                      replay: bool, llm_cache: str | None, llm_timeout: float,
                      llm_retries: int, out: str | Path, root: str | Path = ".",
                      llm_fallbacks: tuple[str, ...] | list[str] = (),
                      api_key_env: str | None = None) -> dict:
    """The keyword arguments of :func:`dv.gen.base.get_generator` from the CLI options."""
    return {"api_base": api_base, "api_key_env": api_key_env,
            "max_prompt_tokens": max_prompt_tokens,
            "max_repairs": max_repairs, "replay": replay, "cache_dir": llm_cache,
            "run_dir": out, "timeout": llm_timeout, "num_retries": llm_retries, "root": root,
            "fallbacks": list(llm_fallbacks)}


__all__ = ["DEFAULT_MAX_PROMPT_TOKENS", "DEFAULT_MAX_REPAIRS", "LlmGenerator", "RoundLog",
           "generator_options", "llm_cli_options", "wrap_scoreboard", "PromptStats"]
