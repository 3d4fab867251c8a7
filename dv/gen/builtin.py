"""The offline generator: stimulus plans from the design's interface and the coverage holes.

It knows the ports, widths, reset and FSM encodings, and the source conditions that guard each
uncovered statement. It does not know what the design is for, so it writes no reference model:
its checks are the structural ones the harness runs (no X/Z on outputs, legal FSM states) plus
the designer's own properties from the spec, and the spec's own reference model when the spec
carries a ``python scoreboard`` block (validated like model-written code, run in the same slot).

Request/acknowledge pairs the design answers (start/done, cmd/busy, req/ack: see
:func:`dv.design.interfaces.request_pairs`) get reactive ``transactions`` tests: operands held
stable from the request until the acknowledge, in every round.

Round 0 is a spread of constrained-random tests. Each later round reads the open holes: the
input values named in their guarding conditions and expression rows become held values and
biases of directed tests; holes behind internal state get longer phased runs with extreme
biases (to drive counters and pointers to their ends) under new seeds; holes involving the reset
get tests that pulse reset mid-run.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict

from dv.design.model import Design
from dv.design.spec import Spec
from dv.gen.base import Bundle, Generator, RoundContext, TestPlan

BIAS_LEVELS = (0.03, 0.25, 0.5, 0.75, 0.97)
MAX_DIRECTED = 6


class BuiltinGenerator(Generator):
    name = "builtin"

    def baseline(self, design: Design, spec: Spec | None, seed: int) -> Bundle:
        rng = random.Random(seed)
        tests = [
            TestPlan("r0_random", {"segments": [
                {"cycles": 1500, "default_bias": 0.5, "corner_p": 0.05}]},
                "uniform random inputs, every 1-bit input high half the time"),
            TestPlan("r0_phased", {"segments": _phased(design, rng, 8, 250)},
                     "phases of skewed 1-bit input probabilities, to push counters and "
                     "pointers to their ends"),
            TestPlan("r0_corners", {"segments": [
                {"cycles": 300, "data": "corner", "default_bias": 0.5},
                {"cycles": 4 * _widest(design), "data": "walk", "default_bias": 0.5},
                {"cycles": 300, "data": "corner", "default_bias": 0.9}], "free_config": True},
                "corner values (zero, all ones, extremes, alternating bits) and walking ones"),
            TestPlan("r0_reset", {"segments": _with_resets(_phased(design, rng, 4, 200))},
                     "phased random with reset asserted in the middle of activity"),
        ]
        tests += _transaction_tests(design, rng, 0)
        _sweep_config(design, tests, 0)
        props = list(spec.properties) if spec is not None else []
        return Bundle(round=0, tests=tests, properties=props,
                      scoreboard=spec_model(design, spec))

    def strategies(self, design: Design) -> tuple[str, ...]:
        """``holes`` (directed values read from the holes, a long run, corners: the default),
        ``config`` (configuration inputs held at values no earlier test held; only when the
        design has configuration inputs not fixed by ``--hold``), ``longer`` (runs several
        times the longest so far), ``seeds`` (the baseline's tests again under new seeds)."""
        return ("holes", *(("config",) if _free_configs(design) else ()), "longer", "seeds")

    def next_round(self, design: Design, spec: Spec | None, ctx: RoundContext) -> Bundle:
        bundle = self._next_round(design, spec, ctx)
        bundle.scoreboard = spec_model(design, spec)  # every round module sets the slot
        _vary_knobs(design, bundle.tests, ctx.round)
        return bundle

    def _next_round(self, design: Design, spec: Spec | None, ctx: RoundContext) -> Bundle:
        if ctx.strategy == "config" and _free_configs(design):
            return self._config_round(design, ctx)
        if ctx.strategy == "longer":
            return self._longer_round(design, ctx)
        if ctx.strategy == "seeds":
            return self._seeds_round(design, ctx)
        return self._holes_round(design, ctx)

    def _config_round(self, design: Design, ctx: RoundContext) -> Bundle:
        """Phased random tests, each holding the configuration inputs at values no earlier
        test held: the rest of the sweep first, then the other values of small inputs."""
        from dv.design.roles import config_sweep

        rng = random.Random(ctx.seed * 7919 + ctx.round)
        configs = _free_configs(design)
        tried: dict[str, set[int]] = defaultdict(set)
        for t in ctx.previous_tests:
            for name, value in t.plan.get("config", {}).items():
                tried[name].add(value)
        fresh: dict[str, list[int]] = {}
        for p in configs:
            order = config_sweep(p, design)
            if p.width <= 8:
                order += [v for v in range(1 << p.width) if v not in order]
            else:
                order += [rng.getrandbits(p.width) for _ in range(CONFIG_TESTS)]
            fresh[p.name] = [v for v in order if v not in tried[p.name]] or order
        tests = []
        for i in range(CONFIG_TESTS):
            chosen = {name: vals[i % len(vals)] for name, vals in fresh.items()}
            tests.append(TestPlan(
                f"r{ctx.round}_config_{i}",
                {"segments": _phased(design, rng, 4, 250), "config": chosen},
                "configuration held at values no earlier test held: " + ", ".join(
                    f"{k}={v}" for k, v in chosen.items())))
        notes = [f"builtin round {ctx.round} (strategy config): "
                 f"{len(tests)} test(s) holding untried configuration values"]
        return Bundle(round=ctx.round, tests=tests, notes=notes)

    def _longer_round(self, design: Design, ctx: RoundContext) -> Bundle:
        """Two runs four times the longest so far, phased extreme biases, new seeds."""
        rng = random.Random(ctx.seed * 7919 + ctx.round)
        longest = max((_cycles(t.plan) for t in ctx.previous_tests), default=2000)
        cycles = 4 * longest
        n_seg = max(8, cycles // 500)
        tests = [TestPlan(f"r{ctx.round}_longer_{i}", {
            "segments": _phased(design, rng, n_seg, cycles // n_seg, extreme=bool(i % 2)),
            "seed": rng.getrandbits(32)},
            f"{cycles} cycles of phased {'extreme ' if i % 2 else ''}biases under a new seed")
            for i in range(2)]
        _sweep_config(design, tests, ctx.round * 7)
        return Bundle(round=ctx.round, tests=tests,
                      notes=[f"builtin round {ctx.round} (strategy longer): {cycles}-cycle runs"])

    def _seeds_round(self, design: Design, ctx: RoundContext) -> Bundle:
        """The baseline's tests again, under a new seed (the stimulus and the plans differ)."""
        seed = ctx.seed * 104729 + ctx.round
        base = self.baseline(design, None, seed)
        tests = []
        for t in base.tests:
            t.name = t.name.replace("r0_", f"r{ctx.round}_seed_", 1)
            t.plan["seed"] = seed
            t.plan.pop("config", None)
            t.purpose = t.purpose.split("; configuration held at", 1)[0] + f" (seed {seed})"
            tests.append(t)
        _sweep_config(design, tests, ctx.round * 7)
        return Bundle(round=ctx.round, tests=tests,
                      notes=[f"builtin round {ctx.round} (strategy seeds): the baseline's "
                             f"{len(tests)} test(s) under seed {seed}"])

    def _holes_round(self, design: Design, ctx: RoundContext) -> Bundle:
        rng = random.Random(ctx.seed * 7919 + ctx.round)
        inputs = {p.name: p for p in design.data_inputs()}
        reset = design.reset.name if design.reset else None
        directives: dict[tuple, list] = defaultdict(list)  # frozen constraints -> holes
        union: dict[str, set[int]] = defaultdict(set)
        needs_reset = False
        deep = []
        aimed = survivor_holes(ctx.survivors, design)
        for hole in [*ctx.holes, *aimed]:
            cons = hole_constraints(hole, design)
            if hole.point.comment.startswith(SURVIVOR_TAG):
                for name, values in operand_constraints(hole.source, design).items():
                    cons.setdefault(name, set()).update(values)
            if reset and (reset in hole.signals or reset in " ".join(hole.conditions)):
                needs_reset = True
            if cons:
                key = tuple(sorted((k, tuple(sorted(v))) for k, v in cons.items()))
                directives[key].append(hole)
                for name, values in cons.items():
                    union[name] |= values
            else:
                deep.append(hole)
        tests: list[TestPlan] = []
        ranked = sorted(directives.items(), key=lambda kv: -len(kv[1]))
        for i, (cons, holes) in enumerate(ranked[:MAX_DIRECTED]):
            where = ", ".join(sorted({h.point.file.rsplit("/", 1)[-1] + f":{h.point.line}"
                                      for h in holes})[:6])
            want = ", ".join(f"{n} in {{{', '.join(hex(v) for v in vs)}}}" for n, vs in cons)
            tests.append(TestPlan(f"r{ctx.round}_directed_{i}",
                                  {"segments": _directed(design, rng, dict(cons), inputs)},
                                  f"prefers {want} to reach {len(holes)} hole(s) at {where}"))
        if len(directives) > 1:
            merged = {k: tuple(sorted(v)) for k, v in union.items()}
            tests.append(TestPlan(f"r{ctx.round}_combined",
                                  {"segments": _directed(design, rng, merged, inputs, n=6)},
                                  "prefers every value the holes ask for, in random order, so "
                                  "that sequences of them (one enabling the next) occur"))
        longest = max((_cycles(t.plan) for t in ctx.previous_tests), default=2000)
        long_cycles = min(4 * longest, 2 * longest + 2000)
        n_seg = max(6, long_cycles // 400)
        tests.append(TestPlan(f"r{ctx.round}_long", {
            "segments": _phased(design, rng, n_seg, long_cycles // n_seg, extreme=True)},
            f"{long_cycles} cycles of phased extreme biases under a new seed, for "
            f"{len(deep)} hole(s) no input constraint was found for"))
        tests.append(TestPlan(f"r{ctx.round}_corners", {"segments": [
            {"cycles": 600, "data": "corner", "default_bias": rng.choice(BIAS_LEVELS)},
            {"cycles": 8 * _widest(design), "data": "walk",
             "default_bias": rng.choice(BIAS_LEVELS)}]},
            "corner values and walking ones under a new seed"))
        tests += _transaction_tests(design, rng, ctx.round,
                                    {k: sorted(v) for k, v in union.items()})
        if needs_reset:
            tests.append(TestPlan(f"r{ctx.round}_reset", {
                "segments": _with_resets(_phased(design, rng, 6, 150))},
                "reset pulses in the middle of activity"))
        _sweep_config(design, tests, ctx.round * 7)
        notes = [f"builtin round {ctx.round}: {len(ctx.holes)} open hole(s), "
                 f"{len(directives)} input constraint set(s), {len(deep)} without"]
        if aimed:
            notes.append(f"builtin round {ctx.round}: aimed at the lines of {len(aimed)} "
                         "surviving mutant(s) of the last dv qualify (stimulus only: the "
                         "built-in generator writes no reference model to catch them)")
        return Bundle(round=ctx.round, tests=tests, notes=notes)


CONFIG_TESTS = 6  # tests of a ``config`` round

# per-interface protocol knobs (dv.protocols.drive_runtime), one profile per test, shifted by
# the round: full throughput, heavy backpressure with long frames, gaps, short bursts
KNOB_PROFILES = (
    {"backpressure": 0.0, "gap": [0, 0], "frame_len": [1, 1]},
    {"backpressure": 0.9, "gap": [0, 0], "frame_len": [16, 64]},
    {"backpressure": 0.5, "gap": [2, 8], "frame_len": [1, 4]},
    {"backpressure": 0.2, "gap": [0, 1], "frame_len": [2, 8]},
    {"backpressure": 0.7, "gap": [0, 3], "frame_len": [4, 16]},
)


def _vary_knobs(design: Design, tests: list[TestPlan], rnd: int) -> None:
    """Each test of a later round gets knobs on every interface the driver shapes (those
    that apply to it), a different profile per test and per round; the baseline keeps the
    plain random handshakes."""
    from dv.gen.validate import _interface_knobs

    applies = _interface_knobs(design)
    if not applies:
        return
    for i, t in enumerate(tests):
        prof = KNOB_PROFILES[(i + rnd) % len(KNOB_PROFILES)]
        knobs = {name: {k: prof[k] for k in kinds} for name, kinds in applies.items()}
        t.plan["interfaces"] = knobs
        t.purpose += "; interface knobs " + ", ".join(
            f"{k}={v}" for k, v in prof.items() if any(k in kk for kk in applies.values()))


def _free_configs(design: Design) -> list:
    """Configuration inputs whose value dv chooses (not fixed by ``--hold``)."""
    return [p for p in design.data_inputs()
            if p.role == "config" and p.depth == 1 and p.name not in design.held]


def _sweep_config(design: Design, tests: list[TestPlan], offset: int) -> None:
    """Hold each configuration input at one value per test, a different one from test to test
    (small values, the design's parameter values, corners: see ``config_sweep``). A test whose
    segments prefer values for a configuration input (a directed test) holds the first of them.
    """
    from dv.design.roles import config_sweep

    configs = [p for p in design.data_inputs() if p.role == "config" and p.depth == 1]
    for i, t in enumerate(tests):
        if "config" in t.plan:  # chosen by the round (a ``config`` round)
            continue
        if t.plan.get("free_config"):
            t.purpose += "; configuration inputs driven like data (for their toggles)"
            continue
        chosen = {}
        for p in configs:
            preferred = [v for seg in t.plan.get("segments", [])
                         for v in seg.get("values", {}).get(p.name, [])]
            sweep = config_sweep(p, design)
            chosen[p.name] = preferred[0] if preferred and p.name not in design.held \
                else sweep[(offset + i) % len(sweep)]
        if chosen:
            t.plan["config"] = chosen
            t.purpose += "; configuration held at " + ", ".join(
                f"{k}={v}" for k, v in chosen.items())


def _directed(design: Design, rng: random.Random, cons: dict[str, tuple[int, ...]],
              inputs: dict, n: int = 4) -> list[dict]:
    """Phased segments that prefer the constrained inputs' values (1-bit ones as biases)."""
    values, bias = {}, {}
    for name, vals in cons.items():
        if inputs[name].width == 1:
            if len(vals) == 1:
                bias[name] = 0.97 if vals[0] else 0.03
        else:
            values[name] = list(vals)
    segs = []
    for base in _phased(design, rng, n, 300):
        base["bias"] = {**base["bias"], **bias}
        base["values"] = values
        base["hold"] = 0.85
        segs.append(base)
    return segs


TXN_COUNT = 150  # operations per transactions segment
TXN_TIMEOUT = 500  # cycles to wait for an acknowledge before the test fails


def spec_model(design: Design, spec: Spec | None) -> str | None:
    """The spec's ``python scoreboard`` block, validated like model-written code (a refusal is
    an :class:`~dv.errors.InputError` at the spec's line), with dv's scoreboard wrapper; None
    when the spec has none."""
    from dv.gen.validate import DesignView, spec_scoreboard

    if spec is None or getattr(spec, "scoreboard", None) is None:
        return None
    info = spec_scoreboard(spec, DesignView.of(design))
    if info is None:
        return None
    from dv.gen.llm import wrap_scoreboard

    return wrap_scoreboard(info, f"the engineer in the spec {spec.path}", 0)


def _transaction_tests(design: Design, rng: random.Random, rnd: int,
                       prefer: dict[str, list[int]] | None = None) -> list[TestPlan]:
    """One reactive test per request/acknowledge pair: ``TXN_COUNT`` operations with uniform
    random operands, then as many with corner values (``prefer``: values the holes ask for,
    preferred for the operands instead)."""
    from dv.design.interfaces import request_pairs

    inputs = {p.name: p for p in design.data_inputs()}
    tests = []
    for k, pair in enumerate(request_pairs(design)):
        seg = {"kind": "transactions", "req": pair.req, "ack": pair.ack,
               "ack_value": pair.ack_value, "hold_req": pair.hold_req, "count": TXN_COUNT,
               "timeout": TXN_TIMEOUT, "gap": 2,
               # the latency is not known here: an operation that outlasts the timeout (a
               # long configured delay) is abandoned, not a failure of the design
               "on_timeout": "skip"}
        name = f"r{rnd}_transactions{'_' + str(k) if k else ''}"
        what = (f"{2 * TXN_COUNT} {pair.req}/{pair.ack} operations, operands held stable "
                f"until {pair.ack}=={pair.ack_value}")
        if prefer is None:
            segs = [{**seg, "corner_p": 0.1}, {**seg, "data": "corner"}]
            tests.append(TestPlan(name, {"segments": segs},
                                  what + ": uniform, then corner operands"))
            continue
        values = {n: list(v) for n, v in prefer.items()
                  if n != pair.req and n in inputs and inputs[n].width > 1}
        bias = {n: 0.97 if v == [1] else 0.03 for n, v in prefer.items()
                if n != pair.req and n in inputs and inputs[n].width == 1 and len(v) == 1}
        segs = [{**seg, "values": values, "bias": bias, "hold": 0.85},
                {**seg, "data": rng.choice(("uniform", "corner"))}]
        tests.append(TestPlan(name, {"segments": segs, "seed": rng.getrandbits(32)},
                              what + (": operands prefer the values the holes ask for"
                                      if values or bias else " under a new seed")))
    return tests


def _widest(design: Design) -> int:
    return max((p.width for p in design.data_inputs()), default=1)


def _cycles(plan: dict) -> int:
    return sum(s.get("cycles", 0) for s in plan.get("segments", []))


def _phased(design: Design, rng: random.Random, n: int, cycles: int,
            extreme: bool = False) -> list[dict]:
    levels = (0.03, 0.97) if extreme else BIAS_LEVELS
    one_bit = [p.name for p in design.data_inputs() if p.width == 1 and p.role != "config"]
    segs = []
    for _ in range(n):
        segs.append({
            "cycles": cycles,
            "bias": {name: rng.choice(levels) for name in one_bit},
            "data": rng.choice(("uniform", "uniform", "corner")),
            "corner_p": 0.1,
        })
    return segs


def _with_resets(segs: list[dict]) -> list[dict]:
    out: list[dict] = []
    for i, seg in enumerate(segs):
        out.append(seg)
        if i < len(segs) - 1:
            out.append({"kind": "reset", "cycles": 2})
    return out


# -- surviving mutants as targets ------------------------------------------------------------

SURVIVOR_TAG = "surviving mutant"
_RELOP = re.compile(r"([A-Za-z_]\w*)\s*(==|!=|<=|>=|<|>)\s*([0-9][0-9a-fA-F_']*\s*[sS]?"
                    r"[bBoOdDhH]?\s*[0-9a-fA-F_]*|[A-Za-z_]\w*)")


def survivor_holes(survivors, design: Design) -> list:
    """A surviving mutant of ``dv qualify`` as a hole on its line: the line's guarding
    conditions (source map) lead stimulus there, like an uncovered statement's would. The
    mutated text (``original``) is kept as the hole's source, for :func:`operand_constraints`.
    """
    from dv.cov.holes import Hole
    from dv.cov.model import CoverPoint

    out = []
    for s in survivors or []:
        if not isinstance(s, dict) or not isinstance(s.get("line"), int):
            continue
        file, line = str(s.get("file")), s["line"]
        st = design.source_map.at(file, line)
        point = CoverPoint(kind="line", file=file, line=line,
                           column=s.get("column") if isinstance(s.get("column"), int) else 0,
                           comment=f"{SURVIVOR_TAG} {s.get('id', '')}", hier=design.top)
        conds = tuple(t for c in (st.conditions if st else ()) for t in _conjuncts(c))
        out.append(Hole(point, str(s.get("original") or s.get("source") or ""), conds,
                        tuple(st.signals) if st else (), statement=st))
    return out


def _conjuncts(cond: str) -> list[str]:
    """``a && !b`` -> ``["a", "!b"]`` when the condition is a plain conjunction (no ``||``,
    no parentheses around an ``&&``); else the condition as it is."""
    c = cond.strip()
    while c.startswith("(") and c.endswith(")") and c.count("(") == 1:
        c = c[1:-1].strip()
    if "||" in c or "(" in c or "&&" not in c:
        return [cond]
    return [t.strip() for t in c.split("&&") if t.strip()]


def operand_constraints(text: str, design: Design) -> dict[str, set[int]]:
    """Values of the operands of a mutated expression that tell the original from the mutant:
    for ``x OP c`` (``c`` a literal or parameter) the values c-1, c and c+1 of an input ``x``
    (an internal ``x``: the inputs that assign it those values, by the backward slice); every
    1-bit input named in it both ways."""
    inputs = {p.name: p for p in design.data_inputs()}
    want: dict[str, set[int]] = defaultdict(set)
    internal: list[tuple[str, int | None]] = []
    for name, _op, lit in _RELOP.findall(text):
        val = parse_literal(lit, design)
        if val is None:
            continue
        for v in (val - 1, val, val + 1):
            if name in inputs:
                if 0 <= v < (1 << inputs[name].width):
                    want[name].add(v)
            elif design.signal(name) is not None and v >= 0:
                internal.append((name, v))
    for name in _IDENT.findall(text):
        if name in inputs and inputs[name].width == 1 and inputs[name].role != "config":
            want[name] |= {0, 1}
    seen: set[tuple[str, int | None]] = set()
    for sig, v in internal:
        _slice(sig, v, design, set(inputs), want, SLICE_DEPTH, seen)
    return dict(want)


# -- reading constraints out of holes ---------------------------------------------------------

_LITERAL = re.compile(
    r"^(?:(\d+)?\s*'\s*([sS]?)([bBoOdDhH])\s*([0-9a-fA-F_xXzZ?]+)|(\d+)|'([01]))$")
_EQ = re.compile(r"\(?\s*([A-Za-z_]\w*)\s*\)?\s*==\s*([0-9][0-9a-fA-F_']*\s*[sS]?[bBoOdDhH]?\s*"
                 r"[0-9a-fA-F_]*|'[01]|[A-Za-z_]\w*)")
_ROW = re.compile(r"([A-Za-z_]\w*)==(\d+)")


def parse_literal(text: str, design: Design | None = None) -> int | None:
    text = text.strip()
    if re.fullmatch(r"[A-Za-z_]\w*", text):
        val = design.param_value(text) if design is not None else None
        return val if isinstance(val, int) else None
    text = text.replace("_", "")
    m = _LITERAL.match(text)
    if not m:
        return None
    if m.group(5) is not None:
        return int(m.group(5))
    if m.group(6) is not None:
        return int(m.group(6))
    base = {"b": 2, "o": 8, "d": 10, "h": 16}[m.group(3).lower()]
    digits = m.group(4)
    if re.search(r"[xXzZ?]", digits):
        return None
    return int(digits, base)


SLICE_DEPTH = 4
_ASSIGN = re.compile(r"^(?:assign\s+)?([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*<?=(?!=)\s*(.*?);?\s*$")
_IDENT = re.compile(r"\b([A-Za-z_]\w*)\b")


def hole_constraints(hole, design: Design) -> dict[str, set[int]]:
    """Input values that would help reach a hole, found in three places:

    - the hole itself: its guarding conditions (``(op) == 3'b101``, ``go``, ``!(go)``), the row
      of an expression-coverage point (``(wr_en==1 && full==0) => 1``), the bit of an input toggle;
    - a bounded backward slice through the source map: for an internal signal the hole needs
      (a condition on it, or the signal a toggle hole sits on), the statements that assign it
      the needed value, their own guarding conditions, and so on up to ``SLICE_DEPTH`` steps.

    The result maps each data input to the set of values to prefer. Internal state cannot be
    driven, so a slice is a heuristic: it names values that make the assignments happen, and
    the stimulus mixes them in random order so that sequences (one enabling the next) occur.
    """
    inputs = {p.name for p in design.data_inputs()}
    want: dict[str, set[int]] = defaultdict(set)
    point = hole.point
    if point.kind == "expr" and "=>" in point.comment:
        row = point.comment.split("=>", 1)[0]
        for name, value in _ROW.findall(row):
            if name in inputs:
                want[name].add(int(value))
    internal: list[tuple[str, int | None]] = []
    if point.kind == "toggle":
        sig = point.comment.split(":", 1)[0].split("[", 1)[0]
        port = design.port(sig)
        if sig in inputs and port is not None:
            bit = re.search(r"\[(\d+)\]:", point.comment)
            rise = point.comment.endswith("0->1")
            if port.width > 1 and bit:
                want[sig].add((1 << int(bit.group(1))) if rise else 0)
            else:
                want[sig].add(1 if rise else 0)
        elif design.signal(sig) is not None:
            internal.append((sig, None))
    _from_conditions(hole.conditions, design, inputs, want, internal)
    seen: set[tuple[str, int | None]] = set()
    for sig, value in internal:
        _slice(sig, value, design, inputs, want, SLICE_DEPTH, seen)
    return dict(want)


def _from_conditions(conditions, design: Design, inputs: set[str],
                     want: dict[str, set[int]], internal: list) -> None:
    reset = design.reset.name if design.reset else None
    for cond in conditions:
        text = cond.strip()
        negated = text.startswith("!")
        m = re.fullmatch(r"(!?)\s*\(?\s*([A-Za-z_]\w*)\s*\)?", text)
        if m:
            name, val = m.group(2), 0 if m.group(1) else 1
            if name in inputs:
                want[name].add(val)
            elif name != reset and design.signal(name) is not None:
                internal.append((name, val))
            continue
        for name, lit in _EQ.findall(cond):
            val = parse_literal(lit, design)
            if val is None or negated:
                continue
            if name in inputs:
                want[name].add(val)
            elif name != reset and design.signal(name) is not None:
                internal.append((name, val))


def _slice(sig: str, value: int | None, design: Design, inputs: set[str],
           want: dict[str, set[int]], depth: int, seen: set) -> None:
    if depth <= 0 or (sig, value) in seen:
        return
    seen.add((sig, value))
    for st in design.source_map.statements:
        if st.kind not in ("statement", "assign"):
            continue
        m = _ASSIGN.match(st.text)
        if not m or m.group(1) != sig:
            continue
        rhs = m.group(2)
        lit = parse_literal(rhs, design)
        if value is not None and lit is not None and lit != value:
            continue  # assigns another value than the one the hole needs
        deeper: list[tuple[str, int | None]] = []
        _from_conditions(st.conditions, design, inputs, want, deeper)
        for name in _IDENT.findall(rhs):
            if name in inputs or name == sig:
                continue
            if design.signal(name) is not None:
                deeper.append((name, None))
        for name, val in deeper:
            _slice(name, val, design, inputs, want, depth - 1, seen)
