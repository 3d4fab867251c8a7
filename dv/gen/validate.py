"""Validation of what a model writes into a testbench's semantic slots, before anything runs.

A model's answer is untrusted text. Every slot is checked here and every failure becomes a
:class:`Problem` that names the slot, the place (``plans[1].segments[0].bias``, a line of the
scoreboard, an assertion's label) and what is allowed instead, so it can go back to the model
as a precise repair request:

- ``plans``: the PLAN dicts the harness's ``PlanSequence``/``Stimulus`` run; every key and value
  range is checked against the design's data inputs (widths, 1-bit biases). Reactive segments
  (``until``: hold inputs until an output condition; ``transactions``: N request/acknowledge
  operations) must name real data inputs to drive and real outputs to wait on, values that fit,
  and a positive, bounded timeout and count.
- ``scoreboard``: Python source of ``def SCOREBOARD(txn, prev)``. It must parse; it may use only
  an allow-list of builtins, the names it binds itself (resolved with Python's scopes) and
  ``math`` (``from math import`` names math's functions and constants only); every binding
  site (assignment, def, parameter, lambda, import alias, except-as, walrus, comprehension and
  match targets, global/nonlocal) is checked like a name; no dunder or private attributes,
  also not as a match class pattern's keyword (``case str(format=f)``); no ``str.format`` (its
  fields reach attributes; f-strings are checked like code, printf-style ``%`` formatting
  reaches no attribute); no file/network/process access, no ``exec``/``eval``/``open``/
  ``getattr``/``print``/...; no constant memory or time bombs; no control characters or lone
  surrogates; every ``txn["in"|"out"|"fsm"][name]`` must name a real port or FSM variable,
  and constants compared with or masking a signal must fit its width. Removed cocotb 1.x APIs
  are linted.
- ``assertions`` / ``cover_points``: SystemVerilog ``assert property`` / ``cover property``
  statements, printable ASCII without preprocessor directives, parsed by pyslang inside a
  module that declares the DUT's signals (so a wrong name is caught) as exactly one
  assertion/cover member (a DPI import, initial/always, module/endmodule or any other item is
  refused, comments are parser trivia and are dropped from the statement kept), restricted to
  the clocked form dv binds into the DUT and the sampled-value system functions, and checked
  against the formal engine's subset (``dv.formal.sva.parse_property``).

A checker that raises refuses the answer; it never accepts it. This is an allow-list filter,
not the boundary: model code runs only inside the OS sandbox that ``dv.sim`` puts around a
simulation (and the scoreboard replay of :mod:`dv.gen.sb_replay`).
"""

from __future__ import annotations

import ast
import io
import json
import math
import re
import tokenize
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dv.design.model import Design
from dv.design.spec import SvaProperty

# -- what a model may use ----------------------------------------------------------------------

ALLOWED_BUILTINS = frozenset({
    "abs", "all", "any", "bin", "bool", "chr", "dict", "divmod", "enumerate", "filter", "float",
    "format", "frozenset", "hex", "int", "isinstance", "iter", "len", "list", "map", "max", "min",
    "next", "oct", "ord", "pow", "range", "repr", "reversed", "round", "set", "slice",
    "sorted", "str", "sum", "tuple", "zip",
    "ArithmeticError", "AssertionError", "Exception", "IndexError", "KeyError", "LookupError",
    "OverflowError", "TypeError", "ValueError", "ZeroDivisionError",
})
ALLOWED_IMPORTS = frozenset({"math"})
# what `from math import X` / `math.X` may name: math's public functions and constants only
# (never a module attribute such as __loader__ or __spec__, which reach the import machinery)
MATH_NAMES = frozenset(n for n in dir(math) if not n.startswith("_")
                       and (callable(getattr(math, n)) or isinstance(getattr(math, n), float)))
FORBIDDEN_NAMES: dict[str, str] = {
    "exec": "runs arbitrary code", "eval": "runs arbitrary code",
    "compile": "builds code objects", "open": "opens files", "getattr": "reaches any attribute",
    "setattr": "changes any attribute", "delattr": "changes any attribute",
    "hasattr": "probes attributes", "globals": "exposes the module namespace",
    "locals": "exposes frames", "vars": "exposes namespaces", "__import__": "imports modules",
    "input": "reads the terminal", "breakpoint": "starts a debugger", "exit": "ends the process",
    "quit": "ends the process", "help": "starts the help system", "memoryview": "raw memory",
    "type": "builds classes", "object": "reaches the class hierarchy",
    "super": "reaches the class hierarchy", "dir": "lists attributes", "id": "exposes addresses",
    "classmethod": "builds classes", "staticmethod": "builds classes",
    "property": "builds classes", "bytearray": "raw buffers", "bytes": "raw buffers",
    "os": "process and file access", "sys": "interpreter access",
    "subprocess": "process access", "socket": "network access", "cocotb": "simulator access",
    "pyuvm": "the testbench's own plumbing", "DvChecker": "the testbench's own plumbing",
    "DvTest": "the testbench's own plumbing",
    "print": "floods the simulation log (return the mismatch text instead)",
}
BLOCKED_ATTRIBUTES = frozenset({
    "format", "format_map",  # "{0.__class__}".format(x) reaches attributes through a string
    "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code", "f_globals",
    "f_locals", "f_builtins", "f_back", "f_code", "tb_frame", "tb_next", "func_globals",
    "func_code", "mro", "co_code", "co_consts", "co_names", "with_traceback", "gi_yieldfrom",
    "cr_await", "ag_await", "f_trace", "tb_lasti", "load_module", "exec_module",
    "create_module", "find_spec", "loader", "get_data",
})
# bounds on what one scoreboard call may allocate or loop over (memory and time bombs)
MAX_REPEAT = 1 << 16  # [x] * N, "s" * N
MAX_RANGE = 1 << 20  # range(N)
MAX_CONST_BITS = 4096  # 10**N, 1 << N
MAX_SCOREBOARD_CHARS = 40_000
RESERVED_NAMES = frozenset({"pyuvm", "DvChecker", "DvTest"})
TXN_KEYS = ("cycle", "reset", "in", "out", "fsm")

# cocotb 1.x APIs that cocotb 2.x removed: pattern -> what to write instead
REMOVED_COCOTB: tuple[tuple[str, str, str], ...] = (
    (r"\bcocotb\.fork\b|(?<![\w.])fork\s*\(", "fork", "use cocotb.start_soon(coro)"),
    (r"\bTestFailure\b", "TestFailure", "use a plain `assert` (or return an error string)"),
    (r"\bTestSuccess\b", "TestSuccess", "return from the test normally"),
    (r"\bTestError\b", "TestError", "raise a normal exception"),
    (r"\bunits\s*=", "units=", "the keyword is `unit=` (e.g. Timer(1, unit='ns'))"),
    (r"\.value\.integer\b", ".value.integer", "use .value.to_unsigned() / .to_signed()"),
    (r"\.value\.signed_integer\b", ".value.signed_integer", "use .value.to_signed()"),
    (r"\.value\.binstr\b", ".value.binstr", "use str(.value)"),
    (r"\.value\.buff\b", ".value.buff", "use .value.to_bytes()"),
    (r"\bBinaryValue\b", "BinaryValue", "use cocotb.types.LogicArray"),
    (r"\bcocotb\.binary\b", "cocotb.binary", "use cocotb.types"),
    (r"\bcocotb\.result\b", "cocotb.result", "use assert / normal exceptions"),
    (r"\bcocotb\.coroutine\b", "@cocotb.coroutine", "write `async def`"),
    (r"\bcocotb\.decorators\b", "cocotb.decorators", "use cocotb.test / async def"),
    (r"\byield\s+(Timer|RisingEdge|FallingEdge|Edge|ClockCycles|ReadOnly)\b",
     "yield <trigger>", "write `await <trigger>` in an async def"),
    (r"\bsetimmediatevalue\b", "setimmediatevalue", "write `handle.value = Immediate(v)`"),
    (r"\.get_sim_time\s*\(\s*units", "get_sim_time(units=...)", "use get_sim_time(unit=...)"),
)

# sampled-value and pure bit functions; every other system task or function ($system,
# $display, $fopen, $readmemh, $finish, ...) is refused
SVA_SYSTEM_FUNCTIONS = frozenset({
    "past", "rose", "fell", "stable", "changed", "onehot", "onehot0", "isunknown",
    "countones", "clog2", "bits", "signed", "unsigned", "sampled",
})
SVA_KINDS = {"assertions": "assert", "cover_points": "cover"}

PLAN_KEYS = ("cycles", "bias", "default_bias", "values", "hold", "data", "corner_p", "kind")
DATA_MODES = ("uniform", "corner", "walk")
MAX_PLANS = 8
MAX_SEGMENTS = 64
MAX_SEGMENT_CYCLES = 50_000
MAX_PLAN_CYCLES = 200_000
MAX_RESET_CYCLES = 100
MAX_VALUES = 64
REACTIVE_KINDS = ("until", "transactions")  # closed-loop segments (see PlanSequence)
UNTIL_KEYS = ("kind", "drive", "until", "timeout", "then_cycles", "on_timeout")
TRANSACTION_KEYS = ("kind", "req", "ack", "ack_value", "hold_req", "count", "timeout", "gap",
                    "on_timeout")
STIMULUS_KEYS = ("bias", "default_bias", "values", "hold", "data", "corner_p")
MAX_TIMEOUT = 10_000
MAX_TRANSACTIONS = 10_000
MAX_THEN_CYCLES = 1_000
MAX_TXN_GAP = 100  # idle cycles between two transactions
ANSWER_KEYS = ("plans", "scoreboard", "cover_points", "assertions", "verdicts", "notes")
_TEST_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,47}$")
_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an answer, as it will be told to the model."""

    slot: str  # answer | plans | scoreboard | assertions | cover_points | verdicts
    where: str  # e.g. "plans[1].segments[0].bias.wr_data", "line 12", "assertions[2] (lbl)"
    message: str
    line: int | None = None

    def render(self) -> str:
        where = f" {self.where}" if self.where else ""
        return f"[{self.slot}{where}] {self.message}"


class AnswerProblems(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.render() for p in problems))


# -- the design as the validator sees it -------------------------------------------------------

@dataclass(frozen=True)
class SignalInfo:
    name: str
    width: int
    signed: bool = False

    @property
    def mask(self) -> int:
        return (1 << self.width) - 1

    def fits(self, value: int) -> bool:
        if self.signed:
            return -(1 << (self.width - 1)) <= value <= self.mask
        return 0 <= value <= self.mask

    def describe(self) -> str:
        sign = "signed " if self.signed else ""
        lo, hi = ((-(1 << (self.width - 1)), (1 << (self.width - 1)) - 1) if self.signed
                  else (0, self.mask))
        return f"{self.name} ({sign}{self.width} bit{'s' if self.width > 1 else ''}, {lo}..{hi})"


@dataclass(frozen=True)
class DesignView:
    """Names and widths a model may refer to, derived from a :class:`Design`."""

    top: str
    clock: str
    clock_edge: str
    reset: str | None
    reset_active: int | None
    inputs: dict[str, SignalInfo]  # data inputs (what PLANs drive, txn["in"])
    outputs: dict[str, SignalInfo]  # txn["out"]
    fsm: dict[str, SignalInfo]  # txn["fsm"]
    internal: dict[str, SignalInfo]  # every other non-memory signal (visible to SVA only)
    memories: tuple[str, ...]
    params: dict[str, int]
    # interface -> the plan knobs that apply to it ("backpressure", "gap", "frame_len")
    knobs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, design: Design) -> DesignView:
        clock = design.clock
        reset = design.reset
        inputs = {p.name: SignalInfo(p.name, p.width, p.signed) for p in design.data_inputs()}
        outputs = {p.name: SignalInfo(p.name, p.width, p.signed) for p in design.outputs()}
        fsm = {f.state_var: SignalInfo(f.state_var, f.width) for f in design.fsms}
        seen = set(inputs) | set(outputs)
        internal: dict[str, SignalInfo] = {}
        memories: list[str] = []
        for s in design.signals:
            if s.kind == "memory" or s.depth > 1:
                memories.append(s.name)
            elif s.name not in seen:
                internal[s.name] = SignalInfo(s.name, s.width, s.signed)
        for p in design.ports:  # clock and reset: ports, but not stimulus
            if p.name not in seen and p.name not in internal:
                internal[p.name] = SignalInfo(p.name, p.width, p.signed)
        return cls(
            top=design.top, clock=clock.name if clock else "clk",
            clock_edge=clock.edge if clock else "posedge",
            reset=reset.name if reset else None,
            reset_active=reset.asserted_value if reset else None,
            inputs=inputs, outputs=outputs, fsm=fsm, internal=internal,
            memories=tuple(memories),
            params={p.name: p.value for p in design.parameters if isinstance(p.value, int)},
            knobs=_interface_knobs(design),
        )

    def group(self, key: str) -> dict[str, SignalInfo]:
        return {"in": self.inputs, "out": self.outputs, "fsm": self.fsm}[key]

    def sva_signals(self) -> dict[str, SignalInfo]:
        return {**self.inputs, **self.outputs, **self.internal}

    def one_bit_inputs(self) -> list[str]:
        return [n for n, s in self.inputs.items() if s.width == 1]


# -- the answer as a whole ---------------------------------------------------------------------

@dataclass
class ScoreboardInfo:
    """What a scoreboard checks, for comparing one round's reference model with the next."""

    source: str
    refs: set[str] = field(default_factory=set)  # "out.count", "in.wr_en", ...
    checks: list[tuple[str, ...]] = field(default_factory=list)  # per error return: guards
    guarded: set[str] = field(default_factory=set)  # refs that appear in an error's guard
    compares: set[tuple[str, str]] = field(default_factory=set)  # (ref, op) in guards
    has_reset_hook: bool = False

    @property
    def n_checks(self) -> int:
        return len(self.checks)


@dataclass
class ModelProperty:
    label: str
    kind: str  # assert | cover
    body: str  # "assert property (...);" without the label

    @property
    def text(self) -> str:
        return f"{self.label}: {self.body}"

    def to_sva(self, line: int = 0) -> SvaProperty:
        return SvaProperty(text=self.text, line=line, label=self.label, kind=self.kind)


@dataclass
class Verdict:
    test: str
    verdict: str  # design_bug | model_wrong | unsure
    reason: str


@dataclass
class ValidAnswer:
    tests: list  # list[TestPlan]
    scoreboard: ScoreboardInfo | None  # None: keep the current one
    assertions: list[ModelProperty] | None  # None: keep the current ones
    cover_points: list[ModelProperty] | None
    verdicts: list[Verdict] = field(default_factory=list)
    notes: str = ""
    skipped_checks: list[str] = field(default_factory=list)  # checks that could not run


def parse_answer(text: str | None, finish_reason: str | None = None) -> dict[str, Any]:
    """The JSON object in a model's answer (a bare object, or one inside a ```json fence).

    Raises :class:`AnswerProblems` for an empty answer, an answer cut off in the middle, text
    that is not JSON, or a JSON value that is not an object.
    """
    raw = text or ""
    if not raw.strip():
        raise AnswerProblems([Problem(
            "answer", "", "the answer was empty. Answer with exactly one JSON object with the "
            "keys " + ", ".join(ANSWER_KEYS[:4]) + ".")])
    body = raw.strip()
    fence = re.search(r"```(?:json|JSON)?[ \t]*\n", body)
    cut_fence = False
    if fence:
        end = body.find("```", fence.end())
        if end < 0:
            cut_fence = True
            body = body[fence.end():]
        else:
            body = body[fence.end():end]
    start = body.find("{")
    if start < 0:
        raise AnswerProblems([Problem(
            "answer", "", "the answer holds no JSON object (no '{' found). Answer with exactly "
            "one JSON object, nothing before or after it.")])
    try:
        value, _end = json.JSONDecoder(strict=False).raw_decode(body, start)
    except json.JSONDecodeError as exc:
        near_end = exc.pos >= len(body.rstrip()) - 1
        if finish_reason == "length" or cut_fence or near_end:
            why = ("the provider stopped it at its output token limit (finish_reason=length)"
                   if finish_reason == "length" else "it ends in the middle of the JSON")
            raise AnswerProblems([Problem(
                "answer", f"line {exc.lineno}",
                f"your answer was cut off: {why}, after {len(raw)} characters (the JSON "
                f"parser stopped at line {exc.lineno}, column {exc.colno}: {exc.msg}). "
                "Answer again with a complete JSON object; keep it shorter (fewer plans and "
                "segments, a compact scoreboard).", exc.lineno)]) from None
        line = body.splitlines()[exc.lineno - 1] if body.splitlines() else ""
        raise AnswerProblems([Problem(
            "answer", f"line {exc.lineno}",
            f"the answer is not valid JSON: {exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}: {line.strip()[:120]!r}. Python source goes in a JSON string with "
            "its newlines written as \\n and its double quotes as \\\".", exc.lineno)]) from None
    if finish_reason == "length":
        raise AnswerProblems([Problem(
            "answer", "", "your answer was cut off at the provider's output token limit "
            "(finish_reason=length). Answer again, shorter.")])
    if not isinstance(value, dict):
        raise AnswerProblems([Problem(
            "answer", "", f"the answer's JSON is a {type(value).__name__}, not an object with "
            "the keys " + ", ".join(ANSWER_KEYS[:4]) + ".")])
    unknown = [k for k in value if k not in ANSWER_KEYS]
    if unknown:
        raise AnswerProblems([Problem(
            "answer", "", f"unknown key(s) {', '.join(map(repr, unknown))}; the answer's keys "
            f"are {', '.join(ANSWER_KEYS)}.")])
    return value


def validate_answer(answer: dict[str, Any], view: DesignView, *, round_index: int,
                    taken_tests: Iterable[str] = (), taken_labels: Iterable[str] = (),
                    require_scoreboard: bool = False, generator: str = "") -> ValidAnswer:
    """Check every slot of a parsed answer; raise :class:`AnswerProblems` listing them all.

    An exception inside a checker refuses the answer (as a problem), it never accepts it."""
    try:
        return _validate_answer(answer, view, round_index=round_index,
                                taken_tests=taken_tests, taken_labels=taken_labels,
                                require_scoreboard=require_scoreboard, generator=generator)
    except AnswerProblems:
        raise
    except Exception as exc:
        raise AnswerProblems([Problem(
            "answer", "", f"dv could not check this answer ({type(exc).__name__} inside the "
            "validator), so it is refused. Answer again with plain values of the documented "
            "shapes.")]) from None


def _validate_answer(answer: dict[str, Any], view: DesignView, *, round_index: int,
                     taken_tests: Iterable[str], taken_labels: Iterable[str],
                     require_scoreboard: bool, generator: str) -> ValidAnswer:
    problems: list[Problem] = []
    plans = answer.get("plans")
    if not isinstance(plans, list) or not plans:
        problems.append(Problem("plans", "", "'plans' must be a non-empty list of "
                                "{name, purpose, segments} objects."))
        tests: list = []
    else:
        tests = validate_plans(plans, view, round_index, taken_tests, problems, generator)
    sb_src = answer.get("scoreboard")
    scoreboard: ScoreboardInfo | None = None
    if sb_src is None:
        if require_scoreboard:
            problems.append(Problem("scoreboard", "", "'scoreboard' is required in this round: "
                                    "the Python source of def SCOREBOARD(txn, prev)."))
    elif not isinstance(sb_src, str) or not sb_src.strip():
        problems.append(Problem("scoreboard", "", "'scoreboard' must be a string of Python "
                                "source (or null to keep the current reference model)."))
    else:
        scoreboard = validate_scoreboard(sb_src, view, problems)
    skipped: list[str] = []
    reserved = set(taken_labels)
    props: dict[str, list[ModelProperty] | None] = {}
    for slot in ("assertions", "cover_points"):
        items = answer.get(slot)
        if items is None:
            props[slot] = None
            continue
        if not isinstance(items, list):
            problems.append(Problem(slot, "", f"'{slot}' must be a list of SystemVerilog "
                                    f"'{SVA_KINDS[slot]} property' statements (strings)."))
            props[slot] = None
            continue
        got = validate_properties(items, slot, view, reserved, problems, skipped)
        reserved |= {p.label for p in got}
        props[slot] = got
    verdicts = _verdicts(answer.get("verdicts"), problems)
    notes = answer.get("notes")
    if notes is not None and not isinstance(notes, str):
        problems.append(Problem("answer", "notes", "'notes' must be a string."))
    elif notes:
        bad = text_problem(notes, "'notes'")
        if bad:
            problems.append(Problem("answer", "notes", bad))
    if problems:
        raise AnswerProblems(problems)
    return ValidAnswer(tests, scoreboard, props["assertions"], props["cover_points"], verdicts,
                       notes or "", skipped)


def _verdicts(value: Any, problems: list[Problem]) -> list[Verdict]:
    if value is None:
        return []
    out = []
    if not isinstance(value, list):
        problems.append(Problem("verdicts", "", "'verdicts' must be a list of "
                                "{test, verdict, reason} objects."))
        return []
    for i, v in enumerate(value):
        ok = (isinstance(v, dict) and isinstance(v.get("test"), str)
              and v.get("verdict") in ("design_bug", "model_wrong", "unsure")
              and isinstance(v.get("reason", ""), str))
        if not ok:
            problems.append(Problem("verdicts", f"[{i}]", "each verdict is {\"test\": name, "
                                    "\"verdict\": \"design_bug\" | \"model_wrong\" | \"unsure\", "
                                    "\"reason\": text}."))
            continue
        bad = text_problem(v["test"], "the test name") or text_problem(
            v.get("reason", ""), "the reason")
        if bad:
            problems.append(Problem("verdicts", f"[{i}]", bad))
            continue
        out.append(Verdict(v["test"], v["verdict"], v.get("reason", "")))
    return out


# -- plans -------------------------------------------------------------------------------------

def validate_plans(plans: list[Any], view: DesignView, round_index: int,
                   taken: Iterable[str], problems: list[Problem], generator: str = "") -> list:
    from dv.gen.base import TestPlan

    taken_names = set(taken)
    out: list[TestPlan] = []
    if len(plans) > MAX_PLANS:
        problems.append(Problem("plans", "", f"at most {MAX_PLANS} plans per round, got "
                                f"{len(plans)}."))
    for i, plan in enumerate(plans[:MAX_PLANS]):
        where = f"[{i}]"
        if not isinstance(plan, dict):
            problems.append(Problem("plans", where, "each plan is an object {\"name\", "
                                    "\"purpose\", \"segments\"}."))
            continue
        extra = [k for k in plan if k not in ("name", "purpose", "segments", "interfaces")]
        if extra:
            problems.append(Problem("plans", where, f"unknown key(s) {extra}; a plan has "
                                    "name, purpose, segments."))
        name = plan.get("name")
        full = ""
        if not isinstance(name, str) or not _TEST_NAME.match(name):
            problems.append(Problem("plans", f"{where}.name", f"{name!r} is not a valid test "
                                    "name: a letter, then letters, digits or _, at most 48."))
        else:
            base = re.sub(r"^r\d+_", "", name)
            full = f"r{round_index}_{base}"
            if full in taken_names:
                problems.append(Problem("plans", f"{where}.name", f"a test named {full!r} "
                                        "exists already; choose another name."))
            taken_names.add(full)
        purpose = plan.get("purpose", "")
        if not isinstance(purpose, str):
            problems.append(Problem("plans", f"{where}.purpose", "'purpose' must be a string."))
            purpose = ""
        else:
            bad = text_problem(purpose, "'purpose'") or (
                "'purpose' is one line of text." if "\n" in purpose.strip() else None)
            if bad:
                problems.append(Problem("plans", f"{where}.purpose", bad))
                purpose = ""
        segs = plan.get("segments")
        before = len(problems)
        if not isinstance(segs, list) or not segs:
            problems.append(Problem("plans", f"{where}.segments", "'segments' must be a "
                                    "non-empty list of segment objects."))
            continue
        if len(segs) > MAX_SEGMENTS:
            problems.append(Problem("plans", f"{where}.segments", f"at most {MAX_SEGMENTS} "
                                    f"segments per plan, got {len(segs)}."))
        clean = [_segment(s, view, f"{where}.segments[{j}]", problems)
                 for j, s in enumerate(segs[:MAX_SEGMENTS])]
        total = sum(segment_max_cycles(s) for s in clean if s)
        if total > MAX_PLAN_CYCLES:
            problems.append(Problem("plans", f"{where}.segments", f"the plan runs {total} "
                                    f"cycles; at most {MAX_PLAN_CYCLES} per plan."))
        knobs = _knobs(plan.get("interfaces"), view, f"{where}.interfaces", problems)
        if len(problems) == before and full:
            out.append(TestPlan(full, {"segments": clean, **({"interfaces": knobs} if knobs
                                                             else {})}, purpose.strip()[:300],
                                generator=generator))
    return out


def _segment(seg: Any, view: DesignView, where: str, problems: list[Problem]) -> dict:
    if not isinstance(seg, dict):
        problems.append(Problem("plans", where, "a segment is an object, e.g. {\"cycles\": "
                                "200, \"bias\": {...}}."))
        return {}
    if seg.get("kind") in REACTIVE_KINDS:
        return _reactive_segment(seg, view, where, problems)
    unknown = [k for k in seg if k not in PLAN_KEYS]
    if unknown:
        problems.append(Problem("plans", where, f"unknown key(s) {unknown}; a segment's keys "
                                f"are {', '.join(PLAN_KEYS)}."))
    kind = seg.get("kind")
    if kind is not None:
        if kind != "reset":
            problems.append(Problem("plans", f"{where}.kind", f"kind {kind!r} is unknown; the "
                                    "kinds are \"reset\", \"until\" and \"transactions\" "
                                    "(omit 'kind' for random stimulus)."))
            return {}
        if view.reset is None:
            problems.append(Problem("plans", f"{where}.kind", "the design has no reset: "
                                    "a reset segment cannot be run."))
        others = [k for k in seg if k not in ("kind", "cycles")]
        if others:
            problems.append(Problem("plans", where, f"a reset segment takes only 'cycles', "
                                    f"not {others}."))
        cycles = _int(seg.get("cycles", 2), 1, MAX_RESET_CYCLES, f"{where}.cycles", problems)
        return {"kind": "reset", "cycles": cycles}
    out: dict[str, Any] = {}
    if "cycles" not in seg:
        problems.append(Problem("plans", f"{where}.cycles", "every stimulus segment needs "
                                f"'cycles' (1..{MAX_SEGMENT_CYCLES})."))
    else:
        out["cycles"] = _int(seg["cycles"], 1, MAX_SEGMENT_CYCLES, f"{where}.cycles", problems)
    one_bit = view.one_bit_inputs()
    if "bias" in seg:
        bias = seg["bias"]
        if not isinstance(bias, dict):
            problems.append(Problem("plans", f"{where}.bias", "'bias' maps 1-bit inputs to a "
                                    f"probability of 1, e.g. {{{_eg(one_bit)}: 0.9}}."))
        else:
            out["bias"] = {}
            for name, p in bias.items():
                if _input_name(name, view, f"{where}.bias", problems, one_bit_only=True):
                    out["bias"][name] = _prob(p, f"{where}.bias.{name}", problems)
    for key in ("default_bias", "hold", "corner_p"):
        if key in seg:
            out[key] = _prob(seg[key], f"{where}.{key}", problems)
    if "data" in seg:
        if seg["data"] not in DATA_MODES:
            problems.append(Problem("plans", f"{where}.data", f"data mode {seg['data']!r} is "
                                    f"unknown; use one of {', '.join(DATA_MODES)}."))
        else:
            out["data"] = seg["data"]
    if "values" in seg:
        values = seg["values"]
        if not isinstance(values, dict):
            problems.append(Problem("plans", f"{where}.values", "'values' maps inputs to a "
                                    "list of values to prefer."))
        else:
            out["values"] = {}
            for name, vals in values.items():
                if not _input_name(name, view, f"{where}.values", problems):
                    continue
                sig = view.inputs[name]
                w = f"{where}.values.{name}"
                if not isinstance(vals, list) or not vals or len(vals) > MAX_VALUES:
                    problems.append(Problem("plans", w, f"must be a list of 1..{MAX_VALUES} "
                                            f"integers for {sig.describe()}."))
                    continue
                good = []
                for v in vals:
                    if isinstance(v, bool) or not isinstance(v, int):
                        problems.append(Problem("plans", w, f"{v!r} is not an integer (write "
                                                "numbers in decimal; JSON has no 0x literals)."))
                    elif not sig.fits(v):
                        problems.append(Problem("plans", w, f"{v} does not fit "
                                                f"{sig.describe()}."))
                    else:
                        good.append(v)
                out["values"][name] = good
    return out


def segment_max_cycles(seg: dict) -> int:
    """The most cycles a (validated) segment can run: a reactive one at its timeouts."""
    if seg.get("kind") == "until":
        return 1 + seg["timeout"] + 1 + seg.get("then_cycles", 0)
    if seg.get("kind") == "transactions":
        per = 2 + seg["timeout"] * (2 if seg.get("hold_req") else 1) + seg.get("gap", 0)
        return seg["count"] * per + 1
    return seg.get("cycles", 0)


def _reactive_segment(seg: dict, view: DesignView, where: str, problems: list[Problem]) -> dict:
    """An ``until`` or ``transactions`` segment (see ``PlanSequence`` in the runtime)."""
    kind = seg["kind"]
    keys = (UNTIL_KEYS if kind == "until" else TRANSACTION_KEYS) + STIMULUS_KEYS
    unknown = [k for k in seg if k not in keys]
    if unknown:
        problems.append(Problem("plans", where, f"unknown key(s) {unknown}; a {kind} "
                                f"segment's keys are {', '.join(keys)}."))
    out: dict[str, Any] = {"kind": kind}
    before = len(problems)
    if "timeout" not in seg:
        problems.append(Problem("plans", f"{where}.timeout", f"a {kind} segment needs "
                                f"'timeout' (1..{MAX_TIMEOUT} cycles): a design that never "
                                "answers then fails the test instead of hanging it."))
    else:
        out["timeout"] = _int(seg["timeout"], 1, MAX_TIMEOUT, f"{where}.timeout", problems)
    if "on_timeout" in seg:
        if seg["on_timeout"] not in ("fail", "skip"):
            problems.append(Problem("plans", f"{where}.on_timeout", "must be \"fail\" (the "
                                    "test fails when the design does not answer in time) or "
                                    f"\"skip\" (the operation is abandoned), got "
                                    f"{seg['on_timeout']!r}."))
        else:
            out["on_timeout"] = seg["on_timeout"]
    if kind == "until":
        drive = seg.get("drive", {})
        if not isinstance(drive, dict):
            problems.append(Problem("plans", f"{where}.drive", "'drive' maps data inputs to "
                                    "the value to hold (an integer, or \"random\" for one "
                                    "random value held)."))
            drive = {}
        out["drive"] = {}
        for name, value in drive.items():
            if not _input_name(name, view, f"{where}.drive", problems):
                continue
            if value == "random":
                out["drive"][name] = value
            elif _fits(value, view.inputs[name], f"{where}.drive.{name}", problems):
                out["drive"][name] = value
        cond = seg.get("until")
        if not isinstance(cond, dict) or set(cond) != {"signal", "equals"}:
            problems.append(Problem("plans", f"{where}.until", "'until' is {\"signal\": "
                                    "output, \"equals\": value}: the output condition that "
                                    "ends the segment."))
        elif _output_name(cond["signal"], view, f"{where}.until.signal", problems) and \
                _fits(cond["equals"], view.outputs[cond["signal"]], f"{where}.until.equals",
                      problems):
            out["until"] = {"signal": cond["signal"], "equals": cond["equals"]}
        if "then_cycles" in seg:
            out["then_cycles"] = _int(seg["then_cycles"], 0, MAX_THEN_CYCLES,
                                      f"{where}.then_cycles", problems)
    else:
        req, ack = seg.get("req"), seg.get("ack")
        if req is None or ack is None:
            problems.append(Problem("plans", where, "a transactions segment names its "
                                    "request input 'req' and its acknowledge output 'ack'."))
        else:
            if isinstance(req, str) and req in view.inputs and view.inputs[req].width != 1:
                problems.append(Problem("plans", f"{where}.req", f"the request is a 1-bit "
                                        f"input; {view.inputs[req].describe()} is wider."))
            elif _input_name(req, view, f"{where}.req", problems):
                out["req"] = req
            if _output_name(ack, view, f"{where}.ack", problems):
                out["ack"] = ack
                out["ack_value"] = 1
                if "ack_value" in seg and _fits(seg["ack_value"], view.outputs[ack],
                                                f"{where}.ack_value", problems):
                    out["ack_value"] = seg["ack_value"]
        if "count" not in seg:
            problems.append(Problem("plans", f"{where}.count", "a transactions segment needs "
                                    f"'count' (1..{MAX_TRANSACTIONS})."))
        else:
            out["count"] = _int(seg["count"], 1, MAX_TRANSACTIONS, f"{where}.count", problems)
        if "gap" in seg:
            out["gap"] = _int(seg["gap"], 0, MAX_TXN_GAP, f"{where}.gap", problems)
        if "hold_req" in seg:
            if not isinstance(seg["hold_req"], bool):
                problems.append(Problem("plans", f"{where}.hold_req", "must be true (req "
                                        "held until the acknowledge) or false (a one-cycle "
                                        f"pulse), got {seg['hold_req']!r}."))
            else:
                out["hold_req"] = seg["hold_req"]
    stim = {k: v for k, v in seg.items() if k in STIMULUS_KEYS}
    if stim:  # the operands' shape: checked like a stimulus segment's keys
        shaped = _segment({**stim, "cycles": 1}, view, where, problems)
        shaped.pop("cycles", None)
        out.update(shaped)
    if len(problems) > before:
        return {"kind": kind, "timeout": out.get("timeout", 1), "count": 1}
    return out


def _fits(value: Any, sig: SignalInfo, where: str, problems: list[Problem]) -> bool:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(Problem("plans", where, f"{value!r} is not an integer (write numbers "
                                "in decimal; JSON has no 0x literals)."))
        return False
    if not sig.fits(value):
        problems.append(Problem("plans", where, f"{value} does not fit {sig.describe()}."))
        return False
    return True


def _output_name(name: Any, view: DesignView, where: str, problems: list[Problem]) -> bool:
    if isinstance(name, str) and name in view.outputs:
        return True
    if isinstance(name, str) and name in view.inputs:
        msg = f"{name} is an input: a reactive segment waits on an output of {view.top}."
    else:
        msg = f"{name!r} is not an output of {view.top}."
    problems.append(Problem("plans", where, f"{msg} The outputs are: "
                            f"{', '.join(view.outputs) or 'none'}."))
    return False


def spec_scoreboard(spec: Any, view: DesignView) -> ScoreboardInfo | None:
    """The spec's ``python scoreboard`` block, checked exactly like a model's scoreboard.
    Raises :class:`~dv.errors.InputError` naming the spec's file and line of the first problem
    (and listing the others); None when the spec has no such block."""
    from dv.errors import InputError

    block = getattr(spec, "scoreboard", None)
    if block is None:
        return None
    problems: list[Problem] = []
    info = validate_scoreboard(block.source, view, problems)
    if problems:
        first = problems[0]
        line = block.line + (first.line - 1 if first.line else 0)
        rest = "; ".join(f"line {block.line + p.line - 1}: {p.message}" if p.line else
                         p.message for p in problems[1:4])
        raise InputError(
            f"the spec's python scoreboard block is refused: {first.message}"
            + (f" (also: {rest})" if rest else ""), file=spec.path, line=line,
            hint="The block is the reference model dv runs in the scoreboard slot; it follows "
                 "the rules for model-written scoreboards (plain Python, math only, "
                 "txn[\"in\"|\"out\"|\"fsm\"][name] with the design's names).")
    return info


def _eg(names: list[str]) -> str:
    return json.dumps(names[0]) if names else '"en"'


def _input_name(name: Any, view: DesignView, where: str, problems: list[Problem],
                one_bit_only: bool = False) -> bool:
    if name in view.inputs:
        if one_bit_only and view.inputs[name].width != 1:
            problems.append(Problem("plans", f"{where}.{name}", f"bias applies to 1-bit inputs "
                                    f"only; {view.inputs[name].describe()} is wider: use "
                                    "'values' (with 'hold') or 'data' for it."))
            return False
        return True
    if name == view.clock:
        msg = f"{name} is the clock: the harness drives it."
    elif name == view.reset:
        msg = (f"{name} is the reset: the harness drives it; use a {{\"kind\": \"reset\", "
               "\"cycles\": N}} segment to pulse it.")
    elif name in view.outputs or name in view.internal or name in view.memories:
        msg = f"{name} is not a data input of {view.top}: stimulus can drive only inputs."
    else:
        msg = f"{name!r} is not a signal of {view.top}."
    names = view.one_bit_inputs() if one_bit_only else list(view.inputs)
    problems.append(Problem("plans", f"{where}.{name}", f"{msg} The "
                            f"{'1-bit ' if one_bit_only else ''}data inputs are: "
                            f"{', '.join(names) or 'none'}."))
    return False


def _int(v: Any, lo: int, hi: int, where: str, problems: list[Problem]) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        problems.append(Problem("plans", where, f"must be an integer {lo}..{hi}, got {v!r}."))
        return lo
    if not lo <= v <= hi:
        problems.append(Problem("plans", where, f"must be {lo}..{hi}, got {v}."))
        return max(lo, min(hi, v))
    return v


def _interface_knobs(design: Design) -> dict[str, tuple[str, ...]]:
    """Per recognised interface, the plan knobs the protocol driver honours on it: a handshake
    the design sources takes ``backpressure`` (its ready is a data input); one it sinks takes
    ``gap``, and ``frame_len`` when it has a ``last``."""
    from dv.protocols import watched_handshakes

    out: dict[str, set[str]] = {}
    inputs = {p.name for p in design.data_inputs()}
    for hs in watched_handshakes(design):
        kn = out.setdefault(hs["interface"], set())
        if hs["driven"]:
            kn.add("gap")
            if hs.get("last") in inputs:
                kn.add("frame_len")
        elif hs["ready"] in inputs:
            kn.add("backpressure")
    return {k: tuple(sorted(v)) for k, v in out.items() if v}


MAX_GAP = 64  # idle cycles between beats
MAX_FRAME = 256  # beats per frame


def _knobs(value: Any, view: DesignView, where: str, problems: list[Problem]) -> dict:
    """A plan's ``interfaces``: ``{name: {"backpressure": p, "gap": [lo, hi], "frame_len":
    [lo, hi]}}``, each name a recognised interface and each knob one that applies to it."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(Problem("plans", where, "'interfaces' is an object {interface name: "
                                "{\"backpressure\": p, \"gap\": [lo, hi], \"frame_len\": "
                                "[lo, hi]}}."))
        return {}
    out: dict[str, dict] = {}
    for name, knobs in value.items():
        at = f"{where}.{name}"
        if name not in view.knobs:
            have = ", ".join(f"{k} ({', '.join(v)})" for k, v in view.knobs.items())
            problems.append(Problem("plans", at, f"{name!r} is not an interface dv drives or "
                                    f"watches; use one of: {have or 'none (no knobs apply)'}."))
            continue
        if not isinstance(knobs, dict):
            problems.append(Problem("plans", at, "knobs are an object, e.g. {\"gap\": [0, 3]}."))
            continue
        clean: dict[str, Any] = {}
        for k, v in knobs.items():
            if k not in view.knobs[name]:
                problems.append(Problem("plans", f"{at}.{k}", f"{k!r} does not apply to "
                                        f"{name}; it takes {', '.join(view.knobs[name])}."))
            elif k == "backpressure":
                clean[k] = _prob(v, f"{at}.{k}", problems)
            else:
                hi = MAX_GAP if k == "gap" else MAX_FRAME
                lo_min = 0 if k == "gap" else 1
                if not (isinstance(v, list) and len(v) == 2):
                    problems.append(Problem("plans", f"{at}.{k}", f"must be [lo, hi] with "
                                            f"{lo_min} <= lo <= hi <= {hi}, got {v!r}."))
                    continue
                lo_v = _int(v[0], lo_min, hi, f"{at}.{k}[0]", problems)
                hi_v = _int(v[1], lo_min, hi, f"{at}.{k}[1]", problems)
                if lo_v > hi_v:
                    problems.append(Problem("plans", f"{at}.{k}", f"lo {lo_v} > hi {hi_v}."))
                    continue
                clean[k] = [lo_v, hi_v]
        if clean:
            out[name] = clean
    return out


def _prob(v: Any, where: str, problems: list[Problem]) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) \
            or not 0.0 <= v <= 1.0:
        problems.append(Problem("plans", where, f"must be a probability 0.0..1.0, got {v!r}."))
        return 0.5
    return float(v)


# -- scoreboard --------------------------------------------------------------------------------

def lint_cocotb(src: str, slot: str = "scoreboard") -> list[Problem]:
    """Removed cocotb 1.x APIs in ``src`` (comments and strings are not looked at)."""
    code_lines = _code_only(src)
    problems = []
    for pattern, api, fix in REMOVED_COCOTB:
        rx = re.compile(pattern)
        for lineno, text in code_lines:
            if rx.search(text):
                problems.append(Problem(slot, f"line {lineno}", f"`{api}` is a cocotb 1.x API "
                                        f"that cocotb 2.x removed: {fix}.", lineno))
                break
    return problems


def _code_only(src: str) -> list[tuple[int, str]]:
    """Lines of ``src`` with comments and string literals blanked (best effort)."""
    lines = src.splitlines()
    try:
        out = [list(line) for line in lines]
        for tok in tokenize.generate_tokens(io.StringIO(src).readline):
            if tok.type in (tokenize.COMMENT, tokenize.STRING):
                (r0, c0), (r1, c1) = tok.start, tok.end
                for r in range(r0, r1 + 1):
                    if r - 1 >= len(out):
                        break
                    row = out[r - 1]
                    a = c0 if r == r0 else 0
                    b = c1 if r == r1 else len(row)
                    for c in range(a, min(b, len(row))):
                        row[c] = " "
        return [(i + 1, "".join(r)) for i, r in enumerate(out)]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [(i + 1, re.sub(r"#.*$", "", line)) for i, line in enumerate(lines)]


def text_problem(text: str, what: str) -> str | None:
    """Why ``text`` cannot be emitted into a generated file (a lone surrogate, a control
    character), or None. ``what`` names the text in the message."""
    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        if cat == "Cs":
            return (f"{what} holds a lone surrogate (U+{ord(ch):04X}) at character {i}: it "
                    "cannot be written to a file. Use plain text.")
        if (cat == "Cc" and ch not in "\n\t") or cat in ("Cf", "Zl", "Zp"):
            return (f"{what} holds the control character U+{ord(ch):04X} at character {i}. "
                    "Use plain printable text (newlines and tabs only where code needs them).")
    return None


def validate_scoreboard(src: str, view: DesignView,
                        problems: list[Problem] | None = None) -> ScoreboardInfo:
    """Check a reference model's source; problems are appended to ``problems``.

    A failure of the checker itself (an exception inside it) refuses the scoreboard."""
    problems = problems if problems is not None else []
    src = src.replace("\r\n", "\n")
    info = ScoreboardInfo(source=src)
    bad = text_problem(src, "the scoreboard")
    if bad:
        problems.append(Problem("scoreboard", "", bad))
        return info
    if len(src) > MAX_SCOREBOARD_CHARS:
        problems.append(Problem("scoreboard", "", f"the scoreboard is {len(src)} characters; "
                                f"at most {MAX_SCOREBOARD_CHARS}. Keep the reference model "
                                "compact."))
        return info
    problems.extend(lint_cocotb(src))
    try:
        tree = ast.parse(src, filename="scoreboard")
    except SyntaxError as exc:
        lines = src.splitlines()
        line = exc.lineno or 0
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        caret = ""
        if exc.offset and text:
            caret = "\n    " + " " * (exc.offset - 1) + "^"
        problems.append(Problem("scoreboard", f"line {line}", f"SyntaxError: {exc.msg}:\n    "
                                f"{text}{caret}", line))
        return info
    except (RecursionError, MemoryError, ValueError) as exc:
        problems.append(Problem("scoreboard", "", f"the scoreboard cannot be parsed "
                                f"({type(exc).__name__}): write plain, shallow Python."))
        return info
    try:
        _ScoreboardChecker(view, info, problems).run(tree)
    except Exception as exc:  # a checker that fails refuses; it never accepts
        problems.append(Problem("scoreboard", "", f"dv could not check this scoreboard "
                                f"({type(exc).__name__} inside the validator), so it is "
                                "refused. Write it more simply (plain functions, dicts, lists, "
                                "if/for, integer arithmetic)."))
    return info


class _ScoreboardChecker:
    def __init__(self, view: DesignView, info: ScoreboardInfo, problems: list[Problem]) -> None:
        self.view = view
        self.info = info
        self.problems = problems
        self.math_names: set[str] = set()  # module-level names bound to the math module
        self.roots: set[str] = set()  # parameter names that hold a transaction
        self.aliases: dict[str, str] = {}  # variable -> "in" | "out" | "fsm"
        self.parents: dict[int, ast.AST] = {}
        self.reported: set[tuple[int, str]] = set()

    def problem(self, node: ast.AST | None, message: str) -> None:
        line = getattr(node, "lineno", None)
        key = (line or 0, message)
        if key in self.reported:
            return
        self.reported.add(key)
        self.problems.append(Problem("scoreboard", f"line {line}" if line else "", message, line))

    def run(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
        self._top_level(tree)
        self._collect_bindings(tree)
        _Scopes(self).run(tree)
        for node in ast.walk(tree):
            self._node(node)
        if not self.info.checks:
            self.problem(None, "the scoreboard never returns an error message: SCOREBOARD must "
                         "return a string describing the mismatch when the DUT disagrees with "
                         "the spec, and None when it agrees.")

    def _top_level(self, tree: ast.Module) -> None:
        defs: dict[str, ast.FunctionDef] = {}
        for i, st in enumerate(tree.body):
            if isinstance(st, ast.FunctionDef):
                defs[st.name] = st
            elif isinstance(st, ast.Import | ast.ImportFrom):
                continue  # checked with every import below
            elif isinstance(st, ast.Assign | ast.AnnAssign):
                continue
            elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant) \
                    and isinstance(st.value.value, str) and i == 0:
                continue
            else:
                self.problem(st, f"a top-level `{type(st).__name__.lower()}` statement is not "
                             "allowed: at module level write only `import math`, assignments "
                             "of constants or state, and function definitions.")
        sb = defs.get("SCOREBOARD")
        if sb is None:
            self.problem(None, "no top-level `def SCOREBOARD(txn, prev):` was found; the slot "
                         "is that function, returning an error string or None.")
        else:
            self._signature(sb, 2, "SCOREBOARD(txn, prev)")
            self.roots |= {a.arg for a in sb.args.args}
        hook = defs.get("SCOREBOARD_RESET")
        if hook is not None:
            self._signature(hook, 1, "SCOREBOARD_RESET(txn)")
            self.roots |= {a.arg for a in hook.args.args}
            self.info.has_reset_hook = True
        self.roots |= {"txn", "prev"}

    def _signature(self, fn: ast.FunctionDef, n: int, shape: str) -> None:
        a = fn.args
        if len(a.args) != n or a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs:
            self.problem(fn, f"{fn.name} must take exactly {n} positional parameter"
                         f"{'s' if n > 1 else ''}: def {shape}.")

    def _collect_bindings(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Subscript):
                key = _const_key(node.value)
                if key in ("in", "out", "fsm"):
                    for t in node.targets:
                        if isinstance(t, ast.Name):
                            self.aliases[t.id] = key
        # a helper called with txn["in"] (or an alias of it): its parameter is an alias too
        params = {st.name: [a.arg for a in st.args.args] for st in ast.walk(tree)
                  if isinstance(st, ast.FunctionDef)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in params:
                for arg, pname in zip(node.args, params[node.func.id], strict=False):
                    group = self._group_of(arg)
                    if group is not None and pname not in self.roots:
                        self.aliases.setdefault(pname, group)

    def _node(self, node: ast.AST) -> None:
        if isinstance(node, ast.ClassDef):
            self.problem(node, "classes are not allowed in the scoreboard: keep state in "
                         "module-level dicts or lists.")
        elif isinstance(node, ast.AsyncFunctionDef | ast.Await | ast.AsyncFor | ast.AsyncWith):
            self.problem(node, "the scoreboard is plain synchronous Python: no async/await "
                         "(the harness calls it once per clock cycle).")
        elif isinstance(node, ast.With):
            self.problem(node, "`with` blocks are not allowed in the scoreboard (no files, "
                         "no locks, no context managers).")
        elif isinstance(node, ast.Yield | ast.YieldFrom):
            self.problem(node, "the scoreboard must return a value, not yield.")
        elif isinstance(node, ast.FunctionDef) and node.decorator_list:
            self.problem(node, f"decorators are not allowed (on {node.name}).")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            self._import(node)
        elif isinstance(node, ast.MatchClass):
            for attr in node.kwd_attrs:  # case C(attr=p) reads C's attribute, like p = x.attr
                self._attr_name(node, attr, "in a match pattern ")
        elif isinstance(node, ast.While):
            self._while(node)
        elif isinstance(node, ast.Name):
            self._name(node)
        elif isinstance(node, ast.Attribute):
            self._attribute(node)
        elif isinstance(node, ast.Subscript):
            self._subscript(node)
        elif isinstance(node, ast.Call):
            self._call(node)
            self._range(node)
        elif isinstance(node, ast.Compare):
            self._compare(node)
        elif isinstance(node, ast.BinOp):
            self._binop(node)
            self._bomb(node)
        elif isinstance(node, ast.Return):
            self._return(node)

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        parent = self.parents.get(id(node))
        allowed = ", ".join(sorted(ALLOWED_IMPORTS))
        if isinstance(node, ast.ImportFrom):
            mod = ("." * node.level) + (node.module or "")
            if mod not in ALLOWED_IMPORTS:
                self.problem(node, f"`from {mod} import ...` is not allowed: the scoreboard may "
                             f"import only {allowed} (no file, network or process access, no "
                             "simulator access).")
                return
            if not isinstance(parent, ast.Module):
                self.problem(node, "import math at the top of the scoreboard, not inside a "
                             "function.")
            for a in node.names:
                if a.name == "*":
                    self.problem(node, "`from math import *` is not allowed: import the "
                                 "names you use.")
                elif a.name not in MATH_NAMES:
                    self.problem(node, f"`from math import {a.name}` is not allowed: only "
                                 "math's functions and constants may be imported (e.g. "
                                 "`from math import log2, ceil`), never module attributes.")
            return
        for a in node.names:
            if a.name not in ALLOWED_IMPORTS:
                self.problem(node, f"`import {a.name}` is not allowed: the scoreboard may "
                             f"import only {allowed} (no file, network or process access, no "
                             "simulator access).")
            elif not isinstance(parent, ast.Module):
                self.problem(node, "import math at the top of the scoreboard, not inside a "
                             "function.")
            else:
                self.math_names.add(a.asname or a.name)

    def binding(self, node: ast.AST, name: str, how: str) -> None:
        """Every name the scoreboard binds (assignment, def, parameter, import, except-as,
        walrus, comprehension and match targets, global/nonlocal) passes here."""
        if not name.isidentifier():
            self.problem(node, f"{name!r} is not a valid name.")
        elif name.startswith("__"):
            self.problem(node, f"the name {name} ({how}) is not allowed (no dunder names).")
        elif name.startswith("_dv"):
            self.problem(node, f"names starting with _dv are reserved for dv ({name}, {how}).")
        elif name in RESERVED_NAMES or re.match(r"^r\d+_", name):
            self.problem(node, f"the name {name} ({how}) is reserved for the testbench's own "
                         "code: choose another.")
        elif name in FORBIDDEN_NAMES and name not in ("os", "sys", "socket"):
            self.problem(node, f"do not rebind the name {name} ({how}).")

    def _name(self, node: ast.Name) -> None:
        name = node.id
        if isinstance(node.ctx, ast.Store | ast.Del):
            return  # checked as a binding, with its scope
        if name.startswith("__"):
            self.problem(node, f"the name {name} is not allowed (no dunder names).")
        elif name.startswith("_dv"):
            self.problem(node, f"names starting with _dv are reserved for dv ({name}).")
        elif name in FORBIDDEN_NAMES:
            self.problem(node, f"`{name}` is not allowed in generated code ({FORBIDDEN_NAMES[name]}"
                         ").")

    def undefined(self, node: ast.Name, scope_note: str) -> None:
        self.problem(node, f"the name `{node.id}` is not defined{scope_note}. The scoreboard may "
                     "use the names it defines itself (module level, or earlier in the same "
                     "function), math (after `import math`) and these builtins: "
                     + ", ".join(sorted(ALLOWED_BUILTINS)) + ".")

    def _attr_name(self, node: ast.AST, attr: str, where: str = "") -> None:
        if attr.startswith("_"):
            self.problem(node, f"the attribute .{attr} {where}is not allowed (no private or "
                         "dunder attributes).")
        elif attr in BLOCKED_ATTRIBUTES:
            extra = " Use an f-string instead." if attr.startswith("format") else ""
            self.problem(node, f"the attribute .{attr} {where}is not allowed.{extra}")

    def _attribute(self, node: ast.Attribute) -> None:
        self._attr_name(node, node.attr)
        if isinstance(node.value, ast.Name) and node.value.id in self.math_names \
                and node.attr not in MATH_NAMES and not node.attr.startswith("_"):
            self.problem(node, f"math.{node.attr} is not one of math's functions or "
                         "constants.")

    def _while(self, node: ast.While) -> None:
        test = node.test
        forever = isinstance(test, ast.Constant) and bool(test.value)
        if forever and not any(isinstance(n, ast.Break | ast.Return)
                               for st in node.body for n in ast.walk(st)):
            self.problem(node, "an endless loop (`while True` without break or return): the "
                         "scoreboard is called once per cycle and must return quickly.")

    def _bomb(self, node: ast.BinOp) -> None:
        val = _fold(node)
        if val is _HUGE:
            self.problem(node, f"this constant is astronomically large (more than "
                         f"{MAX_CONST_BITS} bits): {ast.unparse(node)[:60]}.")
            return
        if isinstance(node.op, ast.Mult):
            for seq, count in ((node.left, node.right), (node.right, node.left)):
                if _is_sequence(seq):
                    n = _fold(count)
                    if n is _HUGE or (isinstance(n, int) and n > MAX_REPEAT):
                        self.problem(node, f"repeating a sequence {ast.unparse(count)[:40]} "
                                     f"times allocates too much memory (at most {MAX_REPEAT} "
                                     "elements).")

    def _range(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else (
            f"math.{func.attr}" if isinstance(func, ast.Attribute) and isinstance(
                func.value, ast.Name) and func.value.id in self.math_names else "")
        if name == "iter" and len(node.args) >= 2:
            self.problem(node, "iter(callable, sentinel) can run forever: loop over a list or "
                         "range instead.")
        if name in ("pow", "math.factorial", "math.comb", "math.perm", "math.prod"):
            for a in node.args:
                n = _fold(a)
                big = MAX_CONST_BITS if name == "pow" else MAX_RANGE
                if n is _HUGE or (isinstance(n, int) and abs(n) > big):
                    self.problem(node, f"{name}(...) with {ast.unparse(a)[:40]} computes an "
                                 "astronomically large number (minutes of CPU).")
                    break
        if isinstance(node.func, ast.Name) and node.func.id == "range":
            for a in node.args:
                n = _fold(a)
                if n is _HUGE or (isinstance(n, int) and abs(n) > MAX_RANGE):
                    self.problem(node, f"range({ast.unparse(a)[:40]}) loops too long for a "
                                 f"per-cycle check (at most {MAX_RANGE} iterations).")

    def _call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "get" and node.args:
            ref = self._ref_of_get(node)
            if ref is not None:
                self._check_ref(node, *ref)

    def _ref_of_get(self, node: ast.Call) -> tuple[str, str] | None:
        func = node.func
        assert isinstance(func, ast.Attribute)
        arg = node.args[0]
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            return None
        group = self._group_of(func.value)
        if group is not None:
            return group, arg.value
        if isinstance(func.value, ast.Name) and func.value.id in self.roots \
                and func.value.id not in self.aliases:
            self._check_txn_key(node, arg.value)
        return None

    def _group_of(self, expr: ast.AST) -> str | None:
        """'in'/'out'/'fsm' when ``expr`` is ``<x>["in"]``, ``<x>.get("in")`` or an alias."""
        if isinstance(expr, ast.Name):
            return self.aliases.get(expr.id)
        key = None
        if isinstance(expr, ast.Subscript):
            key = _const_key(expr)
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) \
                and expr.func.attr == "get" and expr.args \
                and isinstance(expr.args[0], ast.Constant):
            key = expr.args[0].value
        return key if key in ("in", "out", "fsm") else None

    def _subscript(self, node: ast.Subscript) -> None:
        key = _const_key(node)
        if key is None:
            return
        group = self._group_of(node.value)
        if group is not None:
            self._check_ref(node, group, key)
        elif isinstance(node.value, ast.Name) and node.value.id in self.roots \
                and node.value.id not in self.aliases:
            self._check_txn_key(node, key)

    def _check_txn_key(self, node: ast.AST, key: Any) -> None:
        if key not in TXN_KEYS:
            self.problem(node, f"a transaction has no key {key!r}; its keys are "
                         f"{', '.join(map(repr, TXN_KEYS))}: txn['in'][input], "
                         "txn['out'][output], txn['fsm'][state variable].")

    def _check_ref(self, node: ast.AST, group: str, name: Any) -> None:
        sigs = self.view.group(group)
        if name in sigs:
            self.info.refs.add(f"{group}.{name}")
            return
        v = self.view
        if group == "in" and name == v.reset:
            why = (f"{name} is the reset: it is not in txn['in']. The harness does not call "
                   "SCOREBOARD while reset is asserted; define SCOREBOARD_RESET(txn) to "
                   "restart your model after a reset.")
        elif group == "in" and name == v.clock:
            why = f"{name} is the clock: it is not in txn['in']."
        elif name in v.inputs or name in v.outputs or name in v.fsm:
            right = "in" if name in v.inputs else "out" if name in v.outputs else "fsm"
            why = f"{name} is in txn[{right!r}], not txn[{group!r}]."
        elif name in v.internal or name in v.memories:
            why = (f"{name} is internal to {v.top}: the scoreboard sees only ports (and FSM "
                   "state variables). Internal signals may be used in assertions instead.")
        else:
            why = f"{name!r} is not a signal of {v.top} (hallucinated name?)."
        self.problem(node, f"txn[{group!r}][{name!r}]: {why} txn[{group!r}] holds: "
                     + (", ".join(s.describe() for s in sigs.values()) or "nothing") + ".")

    def _sig(self, expr: ast.AST) -> SignalInfo | None:
        """The signal ``expr`` reads directly (``txn["out"]["count"]``), if any."""
        group: str | None = None
        name: Any = None
        if isinstance(expr, ast.Subscript):
            name = _const_key(expr)
            group = self._group_of(expr.value)
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) \
                and expr.func.attr == "get" and expr.args \
                and isinstance(expr.args[0], ast.Constant):
            name = expr.args[0].value
            group = self._group_of(expr.func.value)
        if group is None or name is None:
            return None
        return self.view.group(group).get(name)

    def _compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        for (a, b), op in zip(zip(operands, operands[1:], strict=False), node.ops, strict=True):
            for sig_side, const_side in ((a, b), (b, a)):
                sig = self._sig(sig_side)
                if sig is None:
                    continue
                consts = _int_constants(const_side, op)
                for c in consts:
                    if isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) \
                            and not sig.fits(c):
                        self.problem(node, f"{c} can never equal {sig.describe()}: the "
                                     "comparison is always "
                                     f"{'false' if isinstance(op, ast.Eq | ast.In) else 'true'}"
                                     ". Check the signal's width.")

    def _binop(self, node: ast.BinOp) -> None:
        sig = self._sig(node.left) or self._sig(node.right)
        if sig is None:
            return
        other = node.right if self._sig(node.left) else node.left
        c = _int_constant(other)
        if c is None:
            return
        if isinstance(node.op, ast.BitAnd) and c > sig.mask and c & ~sig.mask \
                and not sig.signed:
            self.problem(node, f"the mask {c:#x} is wider than {sig.describe()}: a mask for "
                         f"it is at most {sig.mask:#x}.")
        if isinstance(node.op, ast.RShift) and node.left is not other and c >= sig.width:
            self.problem(node, f"shifting {sig.describe()} right by {c} leaves nothing: its "
                         f"bits are 0..{sig.width - 1}.")

    def _return(self, node: ast.Return) -> None:
        if node.value is None or (isinstance(node.value, ast.Constant)
                                  and node.value.value is None):
            return
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, bool | int):
            return
        guards: list[str] = []
        cur: ast.AST | None = node
        while cur is not None:
            parent = self.parents.get(id(cur))
            if isinstance(parent, ast.If | ast.While):
                in_body = any(cur is s for s in parent.body)
                test = ast.unparse(parent.test)
                guards.append(test if in_body else f"not ({test})")
                self._guard_refs(parent.test, in_body)
            if isinstance(parent, ast.FunctionDef):
                break
            cur = parent
        self.info.checks.append(tuple(reversed(guards)))

    def _guard_refs(self, test: ast.AST, positive: bool) -> None:
        for node in ast.walk(test):
            sig_node = None
            if isinstance(node, ast.Subscript | ast.Call):
                sig_node = node
            if sig_node is not None:
                sig = self._sig(sig_node)
                if sig is not None:
                    group = self._group_of(sig_node.value if isinstance(sig_node, ast.Subscript)
                                           else sig_node.func.value)  # type: ignore[attr-defined]
                    self.info.guarded.add(f"{group}.{sig.name}")
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
                for (a, b), op in zip(zip(operands, operands[1:], strict=False), node.ops,
                                      strict=True):
                    for side in (a, b):
                        sig = self._sig(side)
                        if sig is not None:
                            self.info.compares.add((sig.name, type(op).__name__))


class _Scope:
    def __init__(self, kind: str, parent: _Scope | None) -> None:
        self.kind = kind  # module | function | comprehension
        self.parent = parent
        self.bound: set[str] = set()
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()

    def module(self) -> _Scope:
        s = self
        while s.parent is not None:
            s = s.parent
        return s

    def resolves(self, name: str) -> bool:
        s: _Scope | None = self
        while s is not None:
            if name in s.bound:
                return True
            s = s.parent
        return False


class _Scopes:
    """Python's scopes over the scoreboard: every binding site is checked (names bound by
    assignment, def, parameters, lambda, import, except-as, walrus, comprehension and match
    targets, global/nonlocal) and every name read must resolve in its own scope chain."""

    def __init__(self, checker: _ScoreboardChecker) -> None:
        self.c = checker
        self.loads: list[tuple[ast.Name, _Scope]] = []
        self._all_bound: set[str] = set()

    def run(self, tree: ast.Module) -> None:
        top = _Scope("module", None)
        # module-level names are visible in every function, whatever the order
        self._visit(tree, top)
        for node, scope in self.loads:
            if scope.resolves(node.id) or node.id in ALLOWED_BUILTINS \
                    or node.id.startswith("__") or node.id.startswith("_dv") \
                    or node.id in FORBIDDEN_NAMES:
                continue
            where = ""
            if node.id in self._all_bound:
                where = (" in this scope (it is bound only inside another function or a "
                         "comprehension)")
            self.c.undefined(node, where)

    def bind(self, node: ast.AST, name: str, scope: _Scope, how: str) -> None:
        self.c.binding(node, name, how)
        self._all_bound.add(name)
        target = scope
        if name in scope.globals:
            target = scope.module()
        elif name in scope.nonlocals and scope.parent is not None:
            target = scope.parent
            while target.parent is not None and name not in target.bound \
                    and target.kind != "module":
                target = target.parent
        target.bound.add(name)

    def _args(self, args: ast.arguments, scope: _Scope, outer: _Scope) -> None:
        for d in [*args.defaults, *[d for d in args.kw_defaults if d is not None]]:
            self._visit(d, outer)
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        if args.vararg:
            every.append(args.vararg)
        if args.kwarg:
            every.append(args.kwarg)
        for a in every:
            if a.annotation is not None:
                self._visit(a.annotation, outer)
            self.bind(a, a.arg, scope, "a parameter")

    def _visit(self, node: ast.AST, scope: _Scope) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for d in node.decorator_list:
                self._visit(d, scope)
            if node.returns is not None:
                self._visit(node.returns, scope)
            self.bind(node, node.name, scope, "a function name")
            inner = _Scope("function", scope)
            self._declare(node.body, inner)
            self._args(node.args, inner, scope)
            for st in node.body:
                self._visit(st, inner)
            return
        if isinstance(node, ast.Lambda):
            inner = _Scope("function", scope)
            self._args(node.args, inner, scope)
            self._visit(node.body, inner)
            return
        if isinstance(node, ast.ClassDef):
            self.bind(node, node.name, scope, "a class name")
            for child in ast.iter_child_nodes(node):
                self._visit(child, scope)
            return
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            inner = _Scope("comprehension", scope)
            for i, gen in enumerate(node.generators):
                self._visit(gen.iter, scope if i == 0 else inner)
                self._visit(gen.target, inner)
                for cond in gen.ifs:
                    self._visit(cond, inner)
            elts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            for e in elts:
                self._visit(e, inner)
            return
        if isinstance(node, ast.NamedExpr):
            self._visit(node.value, scope)
            target = scope
            while target.kind == "comprehension" and target.parent is not None:
                target = target.parent  # PEP 572: := binds in the enclosing function
            if isinstance(node.target, ast.Name):
                self.bind(node.target, node.target.id, target, "an assignment expression")
            return
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self.loads.append((node, scope))
            else:
                self.bind(node, node.id, scope, "an assignment target")
            return
        if isinstance(node, ast.ExceptHandler):
            if node.type is not None:
                self._visit(node.type, scope)
            if node.name:
                self.bind(node, node.name, scope, "an except-as target")
            for st in node.body:
                self._visit(st, scope)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            for a in node.names:
                if a.name != "*":
                    self.bind(node, a.asname or a.name.split(".")[0], scope, "an import")
            return
        if isinstance(node, ast.Global | ast.Nonlocal):
            for name in node.names:
                self.bind(node, name, scope.module() if isinstance(node, ast.Global)
                          else scope, "a global/nonlocal declaration")
            return
        if isinstance(node, ast.MatchAs | ast.MatchStar):
            if node.name:
                self.bind(node, node.name, scope, "a match capture")
        elif isinstance(node, ast.MatchMapping) and node.rest:
            self.bind(node, node.rest, scope, "a match capture")
        for child in ast.iter_child_nodes(node):
            self._visit(child, scope)

    def _declare(self, body: list[ast.stmt], scope: _Scope) -> None:
        """global/nonlocal declarations of a function body (not of nested functions)."""
        stack: list[ast.AST] = list(body)
        while stack:
            n = stack.pop()
            if isinstance(n, ast.Global):
                scope.globals.update(n.names)
            elif isinstance(n, ast.Nonlocal):
                scope.nonlocals.update(n.names)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
                continue
            stack.extend(ast.iter_child_nodes(n))


class _Huge:
    def __repr__(self) -> str:
        return "HUGE"


_HUGE: Any = _Huge()


def _fold(node: ast.AST) -> Any:
    """The value of a constant integer expression (``10**9``, ``1 << 30``, ``4 * 1024``),
    ``_HUGE`` when it exceeds MAX_CONST_BITS bits, None when it is not constant."""
    if isinstance(node, ast.Constant):
        v = node.value
        return v if isinstance(v, int) and not isinstance(v, bool) else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd | ast.Invert):
        v = _fold(node.operand)
        if v is None or v is _HUGE:
            return v
        return -v if isinstance(node.op, ast.USub) else ~v if isinstance(
            node.op, ast.Invert) else v
    if not isinstance(node, ast.BinOp):
        return None
    a, b = _fold(node.left), _fold(node.right)
    if a is None or b is None:
        return None
    if a is _HUGE or b is _HUGE:
        return _HUGE
    op = node.op
    try:
        if isinstance(op, ast.Pow):
            if b < 0:
                return None
            if abs(a) > 1 and b * max(1, abs(a).bit_length()) > MAX_CONST_BITS:
                return _HUGE
            v = a ** b
        elif isinstance(op, ast.LShift):
            if b > MAX_CONST_BITS:
                return _HUGE if a else 0
            v = a << b
        elif isinstance(op, ast.Mult):
            v = a * b
        elif isinstance(op, ast.Add):
            v = a + b
        elif isinstance(op, ast.Sub):
            v = a - b
        elif isinstance(op, ast.FloorDiv | ast.Mod | ast.RShift | ast.BitAnd | ast.BitOr
                        | ast.BitXor):
            v = {ast.FloorDiv: lambda: a // b, ast.Mod: lambda: a % b,
                 ast.RShift: lambda: a >> b, ast.BitAnd: lambda: a & b,
                 ast.BitOr: lambda: a | b, ast.BitXor: lambda: a ^ b}[type(op)]()
        else:
            return None
    except (ZeroDivisionError, ValueError, OverflowError):
        return None
    return _HUGE if isinstance(v, int) and v.bit_length() > MAX_CONST_BITS else v


def _is_sequence(node: ast.AST) -> bool:
    return isinstance(node, ast.List | ast.Tuple | ast.ListComp | ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str | bytes)) or (
        isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)
        and (_is_sequence(node.left) or _is_sequence(node.right)))


def _const_key(node: ast.Subscript) -> Any:
    sl = node.slice
    if isinstance(sl, ast.Constant) and isinstance(sl.value, str):
        return sl.value
    return None


def _int_constant(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) \
            and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int_constant(node.operand)
        return -inner if inner is not None else None
    return None


def _int_constants(node: ast.AST, op: ast.cmpop) -> list[int]:
    if isinstance(op, ast.In | ast.NotIn) and isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [c for c in (_int_constant(e) for e in node.elts) if c is not None]
    c = _int_constant(node)
    return [] if c is None else [c]


# -- assertions and cover points ---------------------------------------------------------------

_PROP_HEAD = re.compile(r"^\s*(?:(?P<label>[A-Za-z_]\w*)\s*:\s*)?(?P<kind>assert|assume|cover|"
                        r"restrict|expect)\b\s*(?P<prop>property\b)?", re.S)


def validate_properties(items: list[Any], slot: str, view: DesignView, taken: set[str],
                        problems: list[Problem],
                        skipped: list[str] | None = None) -> list[ModelProperty]:
    """Check ``assert property``/``cover property`` statements; return the good ones."""
    want = SVA_KINDS[slot]
    out: list[ModelProperty] = []
    labels = set(taken)
    if len(items) > MAX_PROPERTIES:
        problems.append(Problem(slot, "", f"at most {MAX_PROPERTIES} entries, got {len(items)}: "
                                "keep the ones that check the spec's main rules."))
    for i, item in enumerate(items[:MAX_PROPERTIES]):
        where = f"[{i}]"
        label: str | None = None
        if isinstance(item, dict):
            text = item.get("property") or item.get("text") or item.get("sva")
            label = item.get("name") or item.get("label")
            if label is not None and not isinstance(label, str):
                label = None
        else:
            text = item
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(slot, where, f"each entry is a string holding one "
                                    f"SystemVerilog '{want} property (...);' statement."))
            continue
        bad = sv_text_problem(text)
        if bad:
            problems.append(Problem(slot, where, bad))
            continue
        text = text.strip()
        m = _PROP_HEAD.match(text)
        if not m:
            problems.append(Problem(slot, where, f"{text[:80]!r} is not a '{want} property' "
                                    f"statement; write e.g. 'name: {want} property "
                                    f"(@({view.clock_edge} {view.clock}) ...);'."))
            continue
        if m.group("label"):
            if label and label != m.group("label"):
                problems.append(Problem(slot, where, f"two names given: {label!r} and "
                                        f"{m.group('label')!r}."))
                continue
            label = m.group("label")
        body = text[m.start("kind"):].strip()
        kind = m.group("kind")
        if kind != want:
            problems.append(Problem(slot, where, f"'{slot}' holds only '{want} property' "
                                    f"statements, not '{kind}'"
                                    + (" (dv never lets a model add assumptions: they would "
                                       "hide behaviour)." if kind in ("assume", "restrict")
                                       else ".")))
            continue
        if not m.group("prop"):
            problems.append(Problem(slot, where, f"write a concurrent '{want} property "
                                    f"(@({view.clock_edge} {view.clock}) ...);', not an "
                                    "immediate assertion."))
            continue
        body = body.rstrip().rstrip(";").rstrip() + ";"  # "...);;" is one statement too
        if label is None:
            label = f"llm_{'a' if want == 'assert' else 'c'}_{_short_hash(body)}"
        name_where = f"{where} ({label})"
        if not _LABEL.match(label):
            problems.append(Problem(slot, name_where, f"the name {label!r} is not a valid "
                                    "SystemVerilog identifier (letters, digits, _)."))
            continue
        if label in labels or label in view.sva_signals() or label in view.params:
            problems.append(Problem(slot, name_where, f"the name {label!r} is already used "
                                    "(by another property, a signal or a parameter)."))
            continue
        try:
            errs, body = _sva_structure(body, label, view, want)
            if not errs:
                errs = _pyslang_check(body, label, view)
            if not errs:
                errs, note = _formal_subset(body, slot, i)
                if note and skipped is not None and note not in skipped:
                    skipped.append(note)
        except Exception as exc:  # a checker that fails refuses; it never accepts
            errs = [f"dv could not check this entry ({type(exc).__name__} inside the "
                    "validator), so it is refused. Write one plain "
                    f"'{want} property (@({view.clock_edge} {view.clock}) ...);' statement."]
        if errs:
            for e in errs:
                problems.append(Problem(slot, name_where, e))
            continue
        labels.add(label)
        out.append(ModelProperty(label, want, body))
    return out


def _short_hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:8]


MAX_PROPERTIES = 64  # per slot (each one is parsed and compiled)
SVA_ALLOWED_TRIVIA = ("Whitespace", "EndOfLine", "LineComment", "BlockComment")
SVA_MAX_CHARS = 2000


def sv_text_problem(text: str) -> str | None:
    """Why ``text`` cannot be a SystemVerilog property entry before it is even parsed: SV
    source here is printable ASCII, with no preprocessor (a backtick would let `include read
    files and `define rewrite what follows)."""
    if len(text) > SVA_MAX_CHARS:
        return f"the entry is {len(text)} characters; at most {SVA_MAX_CHARS}."
    for i, ch in enumerate(text):
        if ch == "`":
            return ("macros and compiler directives (`...) are not allowed in properties.")
        if not (" " <= ch <= "~" or ch in "\n\t"):
            return (f"the entry holds the character U+{ord(ch):04X} at position {i}: a "
                    "property is printable ASCII text only (no control characters, no "
                    "surrogates, no non-ASCII letters).")
    return None


def _tokens(node: Any, out: list) -> list:
    for child in node:
        if type(child).__name__ == "Token":
            out.append(child)
        else:
            _tokens(child, out)
    return out


def _nodes(node: Any, out: list) -> list:
    out.append(node)
    for child in node:
        if type(child).__name__ != "Token":
            _nodes(child, out)
    return out


def _sva_structure(body: str, label: str, view: DesignView, want: str) -> tuple[list[str], str]:
    """Parse ``label: body`` with pyslang inside the props wrapper and check that it is exactly
    one ``assert``/``cover property`` of the bound-property form: no other module item (DPI
    import, package import, initial/always, module/endmodule, declarations), no action block,
    only the allowed sampled-value system functions, no function calls, no hierarchical
    names or strings, and the design's clock. Comments are trivia to the parser and are
    dropped. Returns (problems, the statement re-emitted from its tokens without comments).
    """
    from pyslang import syntax as sx

    text = props_wrapper(view, [(label, body)])
    tree = sx.SyntaxTree.fromText(text, "property.sv")
    syntax = [d for d in tree.diagnostics if d.isError()]
    if syntax:
        import pyslang

        engine = pyslang.DiagnosticEngine(tree.sourceManager)
        msgs = list(dict.fromkeys(engine.formatMessage(d) for d in syntax))
        return [f"SystemVerilog syntax error: {m}" for m in msgs[:3]], body
    root = tree.root
    kind = str(root.kind).rsplit(".", 1)[-1]
    mods = [root] if kind == "ModuleDeclaration" else list(getattr(root, "members", []))
    if len(mods) != 1 or str(mods[0].kind).rsplit(".", 1)[-1] != "ModuleDeclaration":
        return ["one property statement per entry: this entry ends the module dv wraps it in "
                "or adds text outside it (module/endmodule are not allowed)."], body
    members = list(mods[0].members)
    n_params = len(view.params)
    ours, theirs = members[:n_params], members[n_params:]
    errs: list[str] = []
    if any(str(m.kind).rsplit(".", 1)[-1] != "ParameterDeclarationStatement" for m in ours):
        errs.append("the entry changes the declarations dv wraps it in.")
    names = [str(m.kind).rsplit(".", 1)[-1] for m in theirs]
    others = [n for n in names if n != "ConcurrentAssertionMember"]
    if others or len(theirs) != 1:
        what = {"DPIImport": "a DPI import (import \"DPI-C\")",
                "DPIExport": "a DPI export", "InitialBlock": "an initial block",
                "FinalBlock": "a final block", "AlwaysBlock": "an always block",
                "AlwaysCombBlock": "an always_comb block", "AlwaysFFBlock": "an always_ff block",
                "AlwaysLatchBlock": "an always_latch block",
                "PackageImportDeclaration": "a package import",
                "ModuleDeclaration": "a module", "FunctionDeclaration": "a function",
                "TaskDeclaration": "a task", "ContinuousAssign": "an assign statement",
                "DataDeclaration": "a declaration", "NetDeclaration": "a declaration",
                "HierarchyInstantiation": "an instance", "BindDirective": "a bind directive",
                "ImmediateAssertionMember": "an immediate assertion",
                "EmptyMember": "a stray ';'"}
        found = ", ".join(dict.fromkeys(what.get(n, n) for n in others)) or \
            f"{len(theirs)} statements"
        return errs + [f"one '{want} property (...);' statement per entry and nothing else; "
                       f"this entry also holds {found}. Comments do not hide code from dv."], body
    st = theirs[0].statement
    skind = str(st.kind).rsplit(".", 1)[-1]
    expect = {"assert": "AssertPropertyStatement", "cover": "CoverPropertyStatement"}[want]
    if skind != expect:
        return [f"the entry is a {skind}, not a '{want} property (...);' statement."], body
    lab = getattr(st, "label", None)
    lab_toks = _tokens(lab, []) if lab is not None else []
    if not lab_toks or lab_toks[0].valueText != label:
        errs.append(f"the statement's label must be {label}.")
    action = st.action
    if action is None or action.elseClause is not None or action.statement is None \
            or str(action.statement.kind).rsplit(".", 1)[-1] != "EmptyStatement":
        errs.append("no action blocks (a statement or 'else ...' after the property): dv adds "
                    "the failure report itself, so a failure can be traced back to the "
                    "property.")
    spec = st.propertySpec
    clocking = [t.valueText for t in _tokens(spec.clocking, [])] if spec.clocking else []
    if clocking not in (["@", "(", "posedge", view.clock, ")"],
                        ["@", "(", "negedge", view.clock, ")"]):
        errs.append(f"the property must name its clock: '@({view.clock_edge} {view.clock})' "
                    "right after 'property ('.")
    for t in _tokens(st, []):
        tk = str(t.kind).rsplit(".", 1)[-1]
        trivia = [str(x.kind).rsplit(".", 1)[-1] for x in t.trivia]
        if any(k not in SVA_ALLOWED_TRIVIA for k in trivia):
            errs.append("the entry holds text the parser skipped or a directive: write one "
                        "plain property statement.")
            break
        if tk == "SystemIdentifier":
            fn = t.valueText.lstrip("$")
            if fn not in SVA_SYSTEM_FUNCTIONS:
                errs.append(f"${fn} is not allowed; the system functions allowed are "
                            + ", ".join("$" + f for f in sorted(SVA_SYSTEM_FUNCTIONS)) + ".")
        elif tk == "StringLiteral":
            errs.append("strings are not allowed in a property.")
    for n in _nodes(spec, []):
        nk = str(n.kind).rsplit(".", 1)[-1]
        if nk == "InvocationExpression" and \
                str(n.left.kind).rsplit(".", 1)[-1] != "SystemName":
            errs.append(f"calls to functions ({str(n.left).strip()}(...)) are not allowed in "
                        "properties; only the sampled-value system functions are.")
        elif nk in ("ScopedName", "MemberAccessExpression"):
            errs.append(f"hierarchical or scoped names ({str(n).strip()}) are not allowed: the "
                        f"property is bound into {view.top} and sees its signals by their "
                        "plain names.")
    if errs:
        return list(dict.fromkeys(errs)), body
    toks = _tokens(st, [])[len(lab_toks):]
    canon = "".join((" " if i and t.trivia else "") + t.rawText for i, t in enumerate(toks))
    return [], canon


def props_wrapper(view: DesignView, bodies: Sequence[tuple[str, str]]) -> str:
    """A module declaring the DUT's signals (as the harness's bound props module does)."""
    ports = []
    for s in view.sva_signals().values():
        rng = f"[{s.width - 1}:0] " if s.width > 1 else ""
        sign = "signed " if s.signed else ""
        ports.append(f"input logic {sign}{rng}{s.name}")
    params = [f"localparam {n} = {v};" for n, v in view.params.items()]
    lines = [f"module {view.top}_dv_check ({', '.join(ports)});", *params]
    for label, body in bodies:
        lines.append(f"{label}: {body}")
    lines.append("endmodule")
    return "\n".join(lines) + "\n"


def _pyslang_check(body: str, label: str, view: DesignView) -> list[str]:
    import pyslang
    from pyslang import ast as sast
    from pyslang import syntax as sx

    text = props_wrapper(view, [(label, body)])
    tree = sx.SyntaxTree.fromText(text, "property.sv")
    comp = sast.Compilation()
    comp.addSyntaxTree(tree)
    engine = pyslang.DiagnosticEngine(tree.sourceManager)
    errs: list[str] = []
    seen: set[str] = set()
    for d in list(tree.diagnostics) + list(comp.getAllDiagnostics()):
        if not d.isError():
            continue
        msg = engine.formatMessage(d)
        if msg in seen:
            continue
        seen.add(msg)
        if "undeclared identifier" in msg:
            names = ", ".join(s.describe() for s in view.sva_signals().values())
            params = ", ".join(f"{k}={v}" for k, v in view.params.items())
            msg += (f". The signals of {view.top} visible to properties are: {names}"
                    + (f"; parameters: {params}" if params else "")
                    + (f"; memories ({', '.join(view.memories)}) are not visible"
                       if view.memories else "") + ".")
        errs.append(f"SystemVerilog error: {msg}")
    return errs


def _formal_subset(body: str, slot: str, index: int) -> tuple[list[str], str]:
    """Ask ``dv.formal.sva.parse_property`` (when it exists) whether ``body`` is in the subset
    the formal engine reads. Returns (problems, a note when the check could not run)."""
    try:
        from dv.formal import sva  # type: ignore[attr-defined]
    except Exception:  # not written yet, or broken: the check is skipped, not failed
        return [], "formal subset check skipped: dv.formal.sva is not available"
    parse = getattr(sva, "parse_property", None)
    unsupported = getattr(sva, "UnsupportedSva", None)
    if parse is None or unsupported is None:
        return [], "formal subset check skipped: dv.formal.sva has no parse_property"
    try:
        parse(body, source_file=f"<model {slot}>", line=index + 1)
    except unsupported as exc:
        return [f"the formal engine cannot read this property: {exc}. Rewrite it within the "
                "supported subset."], ""
    except Exception as exc:  # a checker that fails refuses; it never accepts
        return [f"dv's formal front end could not read this property ({type(exc).__name__}: "
                f"{str(exc)[:200]}), so it is refused. Write it more simply, within the "
                "supported subset."], ""
    return [], ""


__all__ = [
    "ALLOWED_BUILTINS", "AnswerProblems", "DesignView", "ModelProperty", "Problem",
    "ScoreboardInfo", "ValidAnswer", "Verdict", "lint_cocotb", "parse_answer",
    "props_wrapper", "validate_answer", "validate_plans", "validate_properties",
    "validate_scoreboard",
]
