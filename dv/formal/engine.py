"""The Z3 model checker: loads Yosys' SMT2 model and unrolls it (BMC, k-induction, cover).

Loading
    The SMT2 text is parsed once with ``z3.parse_smt2_string`` together with *probe* assertions
    over two symbolic states ``dv_s0``/``dv_s1`` (transition, initial values, assumptions, each
    assert and cover, reset input, named wires and memories). Z3 expands Yosys' ``define-fun``
    macros while parsing, so each probe comes back as a plain formula over the *state leaves*:
    applications ``f(dv_s0)`` / ``f(dv_s1)`` of the uninterpreted functions Yosys declares per
    register, input and memory. Step ``k`` of an unrolling replaces every leaf ``f(dv_s0)`` with
    a constant ``f@k`` (``z3.substitute``): bit-vectors and arrays only, no uninterpreted sort.

Queries (a fresh solver each, except induction without memories)
    Z3's incremental mode (push/pop) is very slow on satisfiable queries over arrays, which every
    design with a memory produces (ECOSYSTEM.md: 688 s against 1.3 s; here, the FIFO's
    empty_ptrs at depth 20 did not finish in 300 s incrementally and takes 1-7 s fresh). dv
    therefore asks every BMC and cover question of a new solver. The one exception is
    k-induction on a model without arrays: it only ever adds constraints (a new state in front
    of the window), and one incremental solver was 2-6x faster there; with arrays it was 26x
    slower, so those get fresh solvers too.

    - BMC to depth N (steps 0..N-1, like ``yosys-smtbmc -t N``): ONE query "the property fails
      at some step 0..N-1" instead of N queries. Assumptions at step i are required only while
      no failure happened before i, which gives exactly smtbmc's per-step semantics. When it is
      satisfiable the earliest failing step of the model is taken and the query repeats over the
      steps before it until none fails, so the step reported is the first possible one.
    - k-induction (k = transitions, like ``yosys-smtbmc -i``): from an arbitrary state (no
      initial values, no reset, the init-state flag false), assumptions everywhere, the
      property holding at k consecutive steps and failing at the next; k = 0, 1, ... up to N.
      Unsatisfiable at k together with BMC to depth >= k means proven.
    - Cover: BMC on the cover condition (the witness is the earliest reaching trace); when not
      reached, k-induction on its negation proves it unreachable.

Frames: BMC starts from the initial values with the reset input held at its asserted value at
step 0 (``init="reset"``; registers without an initial value are arbitrary there, so checks
must start from reset), from the initial values alone (``"initial"``, SymbiYosys' frame), or
from any state (``"any"``: neither); induction always starts anywhere.

Solvers: the default is a bit-blasting tactic pipeline. A tactic can answer ``unknown``
without failing (``OrElse`` then does not fall through): such an answer, when time is left,
is asked again of Z3's general solver before the query is reported unknown.

Checks run in worker processes (fork), each loading the model once; a check that exceeds its
time budget gets ``unknown``: Z3's ``timeout`` parameter bounds each query and the parent
kills a worker that overruns the budget by more than a grace period.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import multiprocessing.connection
import os
import re
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3
from z3.z3 import _to_expr_ref

from dv.formal.model import SmtCheck, SmtModel

# "auto": z3.Solver() (Z3 picks its strategy per query). "bitblast": a tactic pipeline that
# eliminates the per-step array variables (solve-eqs), Ackermannizes what is left and bit-blasts
# to SAT (falling back to Z3's SMT core when arrays remain). Measured on the 64 example
# properties at depth 20 (bench/formal.py --solver): bitblast 27 s in total, median 0.21 s per
# property; auto 36 s, median 0.29 s (crc's hold_when_idle 0.12 s against 0.66 s). The
# DV_FORMAL_SOLVER environment variable overrides the choice.
SOLVER = os.environ.get("DV_FORMAL_SOLVER", "bitblast")


@dataclass(frozen=True)
class Query:
    """One property to check. ``mode`` is "bmc", "prove" (BMC then k-induction), "cover", or
    "joint": k-induction of ``group`` together (see :meth:`Engine.joint_induction`)."""

    mode: str
    check: SmtCheck
    depth: int
    timeout: float = 60.0
    reset: tuple[str, int] | None = None  # (input name, asserted value) at step 0 of BMC
    name: str = ""  # the property's name in reports
    group: tuple[SmtCheck, ...] = ()  # joint: asserts (and covers' negations) not proven alone
    lemmas: tuple[SmtCheck, ...] = ()  # proven asserts / unreachable covers: at every step
    init: str = "reset"  # BMC's frame: reset / initial (initial values) / any (neither)


@dataclass
class Trace:
    """Values of every input, named wire and memory at steps 0..len(steps)-1."""

    steps: list[dict[str, int]] = field(default_factory=list)
    memories: list[dict[str, list[int]]] = field(default_factory=list)  # per step
    widths: dict[str, int] = field(default_factory=dict)

    def value(self, step: int, name: str) -> int | None:
        return self.steps[step].get(name) if 0 <= step < len(self.steps) else None


@dataclass
class CheckResult:
    query: Query
    status: str  # refuted | holds | proven | covered | unreachable | not_reached | unknown
    step: int | None = None  # failing / covering step
    depth: int = 0  # steps checked by BMC
    k: int | None = None  # induction depth (transitions) of a proof
    seconds: float = 0.0
    detail: str = ""  # e.g. why unknown, or how far induction went
    trace: Trace | None = None
    queries: int = 0
    proven_group: list[SmtCheck] = field(default_factory=list)  # joint: proven together


class Unknown(Exception):
    """A query that Z3 could not decide (timeout, resource limit)."""


# -- loading -------------------------------------------------------------------------------------

_DEFN_RE_CACHE: dict[str, re.Pattern[str]] = {}


def _sort_text(text: str, top: str, fn: str) -> str | None:
    """The result sort of ``(define-fun |<fn>| ((state |<top>_s|)) SORT ...)`` in ``text``."""
    m = re.search(r"^\(define-fun \|" + re.escape(fn) + r"\| \(\(state \|" + re.escape(top)
                  + r"_s\|\)\) (Bool|\(_ BitVec \d+\)|\(Array \(_ BitVec \d+\) \(_ BitVec \d+\)\))",
                  text, re.M)
    return m.group(1) if m else None


class Unroller:
    """A parsed model and the per-step copies of its formulas."""

    def __init__(self, model: SmtModel, *, with_signals: bool = True) -> None:
        self.model = model
        top = model.top
        text = model.text
        self.top = top
        st = f"|{top}_s|"
        probes: list[str] = [f"(declare-fun dv_s0 () {st})", f"(declare-fun dv_s1 () {st})"]
        names: list[str] = []

        def probe(name: str, expr: str) -> None:
            names.append(name)
            probes.append(f"(assert {expr})")

        probe("T", f"(|{top}_t| dv_s0 dv_s1)")
        probe("I", f"(|{top}_i| dv_s0)")
        probe("H", f"(|{top}_h| dv_s0)")
        probe("U", f"(|{top}_u| dv_s0)")
        probe("IS", f"(|{top}_is| dv_s0)")
        for c in model.checks:
            probe(f"{c.kind}:{c.index}", f"(|{top}_{c.function}| dv_s0)")
        # values: named wires (inputs are wires too) and memories, probed as p = f(s0)
        self.signals: list[tuple[str, int]] = []
        self.memories: list[tuple[str, int, int]] = []  # name, abits, size
        sig_names = {i.name for i in model.inputs}
        if with_signals:
            sig_names |= {w.name for w in model.wires}
        n = 0
        for name in sorted(sig_names):
            sort = _sort_text(text, top, f"{top}_n {name}")
            if sort is None or sort.startswith("(Array"):
                continue
            width = 1 if sort == "Bool" else int(sort.split()[-1].rstrip(")"))
            probes.append(f"(declare-fun dv_p{n} () {sort})")
            probe(f"sig:{name}", f"(= dv_p{n} (|{top}_n {name}| dv_s0))")
            self.signals.append((name, width))
            n += 1
        for mem in model.memories if with_signals else []:
            sort = _sort_text(text, top, f"{top}_m {mem.name}")
            if sort is None:
                continue
            probes.append(f"(declare-fun dv_p{n} () {sort})")
            probe(f"mem:{mem.name}", f"(= dv_p{n} (|{top}_m {mem.name}| dv_s0))")
            self.memories.append((mem.name, mem.abits, mem.size))
            n += 1
        vec = z3.parse_smt2_string(text + "\n" + "\n".join(probes) + "\n")
        parsed = list(vec)[-len(names):]
        self.f: dict[str, z3.ExprRef] = {}
        for name, e in zip(names, parsed, strict=True):
            self.f[name] = e.arg(1) if name.startswith(("sig:", "mem:")) else e
        self.widths = dict(self.signals)
        self._leaves = _state_leaves(list(self.f.values()))
        self._pairs: dict[tuple[int, int], tuple[int, Any, Any, list[z3.ExprRef]]] = {}
        self._is = next((leaf for leaf, _ in self._leaves if leaf.decl().name() == f"{top}_is"),
                        None)
        self._cache: dict[tuple[str, int, int | None], z3.ExprRef] = {}
        self.has_arrays = any(leaf.sort().kind() == z3.Z3_ARRAY_SORT for leaf, _ in self._leaves)

    def has(self, name: str) -> bool:
        return name in self.f

    def _subst(self, k: int, k1: int) -> tuple[int, Any, Any, list[z3.ExprRef]]:
        """The C arrays of a substitution state 0 -> step k, state 1 -> step k1 (built once:
        ``z3.substitute`` checks every pair in Python, which costs more than the solver on
        small models)."""
        key = (k, k1)
        sub = self._pairs.get(key)
        if sub is None:
            consts = [z3.Const(f"{leaf.decl().name()}@{k if which == 0 else k1}", leaf.sort())
                      for leaf, which in self._leaves]
            n = len(consts)
            src = (z3.Ast * n)()
            dst = (z3.Ast * n)()
            for i, ((leaf, _which), c) in enumerate(zip(self._leaves, consts, strict=True)):
                src[i] = leaf.as_ast()
                dst[i] = c.as_ast()
            sub = (n, src, dst, consts)  # consts keeps the targets alive
            self._pairs[key] = sub
        return sub

    def at(self, name: str, k: int, k1: int | None = None) -> z3.ExprRef:
        """Formula ``name`` with state 0 (and 1) replaced by step ``k`` (and ``k1``)."""
        key = (name, k, k1)
        e = self._cache.get(key)
        if e is None:
            f = self.f[name]
            n, src, dst, _keep = self._subst(k, k1 if k1 is not None else k + 1)
            ctx = f.ctx
            e = _to_expr_ref(z3.Z3_substitute(ctx.ref(), f.as_ast(), n, src, dst), ctx)
            self._cache[key] = e
        return e

    def init_flag(self, k: int) -> z3.BoolRef:
        if self._is is None:
            return z3.BoolVal(k == 0)
        return z3.Const(f"{self._is.decl().name()}@{k}", z3.BoolSort())

    def reset_at(self, reset: tuple[str, int] | None, k: int) -> list[z3.BoolRef]:
        if reset is None or not self.has(f"sig:{reset[0]}"):
            return []
        e = self.at(f"sig:{reset[0]}", k)
        if z3.is_bool(e):
            return [e if reset[1] else z3.Not(e)]
        return [e == z3.BitVecVal(reset[1], e.size())]

    def trace(self, m: z3.ModelRef, steps: int) -> Trace:
        tr = Trace(widths=dict(self.widths))
        for k in range(steps):
            vals: dict[str, int] = {}
            for name, _w in self.signals:
                vals[name] = _as_int(m.eval(self.at(f"sig:{name}", k), model_completion=True))
            tr.steps.append(vals)
            mems: dict[str, list[int]] = {}
            for name, abits, size in self.memories:
                arr = self.at(f"mem:{name}", k)
                mems[name] = [_as_int(m.eval(z3.Select(arr, z3.BitVecVal(i, abits)),
                                             model_completion=True))
                              for i in range(min(size, 1 << abits, 4096))]
            tr.memories.append(mems)
        return tr


def _as_int(v: z3.ExprRef) -> int:
    if z3.is_true(v):
        return 1
    if z3.is_false(v):
        return 0
    if z3.is_bv_value(v):
        return v.as_long()
    return 0  # an unconstrained value Z3 left symbolic: any value will do


def _state_leaves(exprs: Sequence[z3.ExprRef]) -> list[tuple[z3.ExprRef, int]]:
    """Every application ``f(dv_s0)`` / ``f(dv_s1)`` in ``exprs`` with 0 or 1 for the state."""
    seen: set[int] = set()
    leaves: list[tuple[z3.ExprRef, int]] = []
    stack = list(exprs)
    while stack:
        e = stack.pop()
        eid = e.get_id()
        if eid in seen:
            continue
        seen.add(eid)
        if not z3.is_app(e):
            continue
        if e.num_args() == 1 and e.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            arg = e.arg(0)
            if z3.is_const(arg) and arg.decl().name() in ("dv_s0", "dv_s1"):
                leaves.append((e, 0 if arg.decl().name() == "dv_s0" else 1))
                continue
        stack.extend(e.children())
    return leaves


# -- queries -------------------------------------------------------------------------------------


class Engine:
    """Answers :class:`Query` objects on one model."""

    def __init__(self, model: SmtModel, *, with_signals: bool = True,
                 solver: str | None = None) -> None:
        self.u = Unroller(model, with_signals=with_signals)
        self.solver_kind = solver or SOLVER
        self.queries = 0
        self.init = "reset"

    # one fresh solver per question
    def _solve(self, constraints: Sequence[z3.BoolRef],
               deadline: float) -> z3.ModelRef | None:
        kinds = [self.solver_kind] + (["auto"] if self.solver_kind != "auto" else [])
        reasons: list[str] = []
        for kind in kinds:  # "unknown" from one strategy falls through to the next
            left = deadline - time.monotonic()
            if left <= 0:
                raise Unknown("time budget used up")
            s = _bitblast_solver() if kind == "bitblast" else z3.Solver()
            s.set("timeout", max(1, int(left * 1000)))
            s.add(*constraints)
            self.queries += 1
            r = s.check()
            if r == z3.sat:
                return s.model()
            if r == z3.unsat:
                return None
            reason = s.reason_unknown()
            if time.monotonic() >= deadline - 0.05 or "timeout" in reason or \
                    "canceled" in reason:
                raise Unknown("timeout")
            reasons.append(f"{kind}: {reason or 'unknown'}")
        raise Unknown("; ".join(reasons) or "unknown")

    def _bmc_frame(self, steps: int, bad: Callable[[int], z3.BoolRef],
                   reset: tuple[str, int] | None) -> list[z3.BoolRef]:
        """Steps 0..steps-1 from the initial state; assumptions at step i are required only
        while ``bad`` has not held at an earlier step."""
        u = self.u
        cs: list[z3.BoolRef] = []
        if self.init != "any":
            cs += [u.at("I", 0), u.init_flag(0)]
        elif u._is is not None:
            cs.append(z3.Not(u.init_flag(0)))
        cs += u.reset_at(reset, 0)
        earlier: z3.BoolRef | None = None
        trivial_u = z3.is_true(z3.simplify(u.f["U"]))
        for k in range(steps):
            cs.append(u.at("H", k))
            if not trivial_u:
                cs.append(u.at("U", k) if earlier is None else z3.Or(u.at("U", k), earlier))
            if k:
                cs.append(u.at("T", k - 1, k))
                cs.append(z3.Not(u.init_flag(k)))
            earlier = bad(k) if earlier is None else z3.Or(earlier, bad(k))
        return cs

    def first_bad(self, bad: Callable[[int], z3.BoolRef], depth: int,
                  reset: tuple[str, int] | None, deadline: float, *, forward: bool = False
                  ) -> tuple[int, z3.ModelRef] | None:
        """The earliest step < depth at which ``bad`` can hold, with a model; None if none.

        Asserts usually hold: one query over all steps answers that at once. Covers usually
        are reachable, often early: ``forward`` searches windows [0,2), [2,4), [4,8), ...
        instead. Once a window is satisfiable at step k, one more query over the steps before
        k usually confirms k is the first; if it finds an earlier one, the solver's models are
        not minimal here and the search bisects instead. Every unsatisfiable window adds "no
        failure before lo" to the later queries as a known fact."""
        if depth <= 0:
            return None
        lo = 0
        if forward:
            found = None
            while lo < depth and found is None:
                hi = min(depth, max(2 * lo, lo + 2))
                found = self._window(bad, lo, hi, reset, deadline)
                if found is None:
                    lo = hi
        else:
            found = self._window(bad, 0, depth, reset, deadline)
        if found is None:
            return None
        linear = True
        while lo < found[0]:
            mid = found[0] if linear else max(lo + 1, (lo + found[0]) // 2)
            earlier = self._window(bad, lo, mid, reset, deadline)
            if earlier is not None:
                found, linear = earlier, False
            else:
                lo = mid
        return found

    def _window(self, bad: Callable[[int], z3.BoolRef], lo: int, hi: int,
                reset: tuple[str, int] | None, deadline: float
                ) -> tuple[int, z3.ModelRef] | None:
        """A model in which ``bad`` holds at some step in [lo, hi), knowing it cannot before
        ``lo``; the first such step in the model."""
        cs = self._bmc_frame(hi, bad, reset)
        cs += [z3.Not(bad(k)) for k in range(lo)]
        cs.append(z3.Or(*[bad(k) for k in range(lo, hi)]) if hi - lo > 1 else bad(lo))
        m = self._solve(cs, deadline)
        if m is None:
            return None
        k = next(k for k in range(lo, hi) if z3.is_true(m.eval(bad(k), model_completion=True)))
        return k, m

    def good(self, fn: str, i: int) -> z3.BoolRef:
        """``fn`` as an invariant at step ``i``: an assert's condition, a cover's negation."""
        e = self.u.at(fn, i)
        return z3.Not(e) if fn.startswith("cover:") else e

    def _step_frame(self, k: int, lemmas: Sequence[str] = ()) -> list[z3.BoolRef]:
        """States 0..k from anywhere (no initial values, init flag false), assumptions and
        the already proven ``lemmas`` at every step."""
        u = self.u
        trivial_u = z3.is_true(z3.simplify(u.f["U"]))
        cs: list[z3.BoolRef] = []
        for i in range(k + 1):
            cs.append(u.at("H", i))
            cs.append(z3.Not(u.init_flag(i)))
            if not trivial_u:
                cs.append(u.at("U", i))
            cs += [self.good(fn, i) for fn in lemmas]
            if i < k:
                cs.append(u.at("T", i, i + 1))
        return cs

    def induction(self, good: Callable[[int], z3.BoolRef], max_k: int,
                  deadline: float, lemmas: Sequence[str] = ()) -> int | None:
        """The smallest k <= max_k for which ``good`` is k-inductive, or None.

        Without memories one incremental solver grows the window backwards (k = 0, 1, ...:
        a new state in front, never a pop): measured 2-6x faster than fresh solvers on the
        examples whose induction fails. With arrays Z3's incremental core is slow (26x on a
        16x32 FIFO), so each k then gets a fresh solver."""
        if not self.u.has_arrays:
            return self._induction_incremental(good, max_k, deadline, lemmas)
        for k in range(max_k + 1):
            cs = self._step_frame(k, lemmas)
            cs += [good(i) for i in range(k)]
            cs.append(z3.Not(good(k)))
            if self._solve(cs, deadline) is None:
                return k
        return None

    def _induction_incremental(self, good: Callable[[int], z3.BoolRef], max_k: int,
                               deadline: float, lemmas: Sequence[str]) -> int | None:
        """Induction with states numbered backwards: 0 is the failing one, j + 1 precedes j."""
        u = self.u
        trivial_u = z3.is_true(z3.simplify(u.f["U"]))
        s = z3.Solver()
        for j in range(max_k + 1):
            cs = [u.at("H", j), z3.Not(u.init_flag(j))]
            if not trivial_u:
                cs.append(u.at("U", j))
            cs += [self.good(fn, j) for fn in lemmas]
            cs += [u.at("T", j, j - 1), good(j)] if j else [z3.Not(good(0))]
            s.add(*cs)
            left = deadline - time.monotonic()
            if left <= 0:
                raise Unknown("time budget used up")
            s.set("timeout", max(1, int(left * 1000)))
            self.queries += 1
            r = s.check()
            if r == z3.unsat:
                return j
            if r != z3.sat:
                reason = s.reason_unknown()
                raise Unknown("timeout" if time.monotonic() >= deadline - 0.05
                              or "timeout" in reason or "canceled" in reason
                              else reason or "unknown")
        return None

    def joint_induction(self, group: Sequence[str], lemmas: Sequence[str], max_k: int,
                        deadline: float) -> tuple[int, list[str]] | None:
        """Prove asserts that are not inductive alone by induction on their conjunction.

        For k = 1, 2, ...: assume every member of the group at steps 0..k-1 (and the proven
        ``lemmas`` everywhere) and ask for a step k where one fails; drop the members that
        fail in the model and ask again (Houdini), until the rest is k-inductive together or
        nothing is left. Sound with BMC to depth >= k for every member: the members left hold
        at the first k steps of every run and, together, at every step after."""
        for k in range(0 if lemmas else 1, max_k + 1):
            cur = list(group)
            while cur:
                cs = self._step_frame(k, lemmas)
                cs += [self.good(fn, i) for fn in cur for i in range(k)]
                cs.append(z3.Not(z3.And(*[self.good(fn, k) for fn in cur])))
                m = self._solve(cs, deadline)
                if m is None:
                    return k, cur
                failing = {fn for fn in cur
                           if z3.is_false(m.eval(self.good(fn, k), model_completion=True))}
                cur = [fn for fn in cur if fn not in failing]
        return None

    def run(self, q: Query) -> CheckResult:
        start = time.monotonic()
        deadline = start + q.timeout
        self.queries = 0
        self.init = q.init
        fn = f"{q.check.kind}:{q.check.index}"
        u = self.u
        res = CheckResult(q, "unknown", depth=q.depth)
        lemmas = [f"{c.kind}:{c.index}" for c in q.lemmas]
        try:
            if q.mode == "joint":
                group = {f"{c.kind}:{c.index}": c for c in q.group}
                found_joint = self.joint_induction(list(group), lemmas, q.depth, deadline)
                res.status = "holds"
                if found_joint is not None:
                    res.status, res.k = "proven", found_joint[0]
                    res.proven_group = [group[fn] for fn in found_joint[1]]
            elif q.mode == "unreach":
                res.status = "not_reached"
                k = self.induction(lambda i: z3.Not(u.at(fn, i)), q.depth, deadline, lemmas)
                if k is not None:
                    res.status, res.k = "unreachable", k
            elif q.mode == "cover":
                def hit(k: int) -> z3.BoolRef:
                    return u.at(fn, k)

                found = self.first_bad(hit, q.depth, q.reset, deadline, forward=True)
                if found is not None:
                    res.status, res.step = "covered", found[0]
                    res.trace = u.trace(found[1], found[0] + 1)
                else:
                    res.status = "not_reached"
                    try:
                        k = self.induction(lambda i: z3.Not(hit(i)), q.depth, deadline,
                                           lemmas)
                    except Unknown as exc:
                        k = None
                        res.detail = f"induction on the negation: {exc}"
                    if k is not None:
                        res.status, res.k = "unreachable", k
            else:
                def bad(k: int) -> z3.BoolRef:
                    return z3.Not(u.at(fn, k))

                found = self.first_bad(bad, q.depth, q.reset, deadline)
                if found is not None:
                    res.status, res.step = "refuted", found[0]
                    res.trace = u.trace(found[1], found[0] + 1)
                else:
                    res.status = "holds"
                    if q.mode == "prove":
                        try:
                            k = self.induction(lambda i: u.at(fn, i), q.depth, deadline)
                        except Unknown as exc:
                            k = None
                            res.detail = f"induction: {exc}"
                        if k is not None:
                            res.status, res.k = "proven", k
                        elif not res.detail:
                            res.detail = f"not k-inductive for k <= {q.depth}"
        except Unknown as exc:
            res.status = "unknown"
            res.detail = str(exc)
        res.seconds = time.monotonic() - start
        res.queries = self.queries
        return res


def _bitblast_solver() -> z3.Solver:
    simp = z3.With("simplify", expand_select_store=True)
    tactic = z3.Then(simp, "propagate-values", "solve-eqs", "elim-uncnstr", simp,
                     "ackermannize_bv", "bit-blast", "sat")
    return z3.OrElse(tactic, z3.Tactic("smt")).solver()


# -- running many checks in worker processes ---------------------------------------------------


BUDGET_SPENT = "formal time budget spent"


def run_queries(model: SmtModel, queries: Sequence[Query], *, jobs: int = 1,
                on_done: Callable[[CheckResult], None] | None = None,
                grace: float = 10.0, deadline: float | None = None) -> list[CheckResult]:
    """Run ``queries`` on ``model``, ``jobs`` worker processes at a time (in-process for 1).

    Results come back in the order of ``queries``. A worker that overruns a query's timeout by
    more than ``grace`` seconds is killed and the query reported ``unknown`` (timeout).
    ``deadline`` (a ``time.monotonic()`` value) is the whole batch's time budget: a query
    started before it gets at most the time left as its timeout, and one not started by then
    is reported ``unknown`` with the detail :data:`BUDGET_SPENT` without running.
    """
    if not queries:
        return []
    jobs = max(1, min(jobs, len(queries)))
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        engine = Engine(model)
        out = []
        for q in queries:
            fitted = _fit(q, deadline)
            r = engine.run(fitted) if fitted is not None else _spent(q)
            out.append(r)
            if on_done:
                on_done(r)
        return out
    return list(_Pool(model, jobs, grace, deadline).run(queries, on_done))


def _fit(q: Query, deadline: float | None) -> Query | None:
    """``q`` with its timeout cut to the time left before ``deadline``; None when none is."""
    if deadline is None:
        return q
    left = deadline - time.monotonic()
    if left <= 0.5:
        return None
    return q if q.timeout <= left else dataclasses.replace(q, timeout=left)


def _spent(q: Query) -> CheckResult:
    return CheckResult(q, "unknown", depth=q.depth, detail=BUDGET_SPENT)


class _Pool:
    def __init__(self, model: SmtModel, jobs: int, grace: float,
                 deadline: float | None = None) -> None:
        self.model = model
        self.jobs = jobs
        self.grace = grace
        self.deadline = deadline
        self.ctx = multiprocessing.get_context("fork")

    def _spawn(self) -> tuple[Any, Any]:
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker, args=(self.model, child), daemon=True)
        proc.start()
        child.close()
        return proc, parent

    def run(self, queries: Sequence[Query],
            on_done: Callable[[CheckResult], None] | None) -> Iterator[CheckResult]:
        queries = list(queries)  # a query's timeout is cut to the budget when it starts
        results: list[CheckResult | None] = [None] * len(queries)
        pending = list(range(len(queries)))
        workers: list[list[Any]] = []  # [proc, conn, index | None, started]
        try:
            for _ in range(self.jobs):
                proc, conn = self._spawn()
                workers.append([proc, conn, None, 0.0])
            while pending or any(w[2] is not None for w in workers):
                for w in workers:
                    while w[2] is None and pending:
                        i = pending.pop(0)
                        fitted = _fit(queries[i], self.deadline)
                        if fitted is None:  # the batch's budget is spent: not started
                            results[i] = _spent(queries[i])
                            if on_done:
                                on_done(results[i])
                            continue
                        queries[i] = fitted
                        w[1].send(fitted)
                        w[2], w[3] = i, time.monotonic()
                busy = [w for w in workers if w[2] is not None]
                ready = multiprocessing.connection.wait([w[1] for w in busy], timeout=0.5)
                now = time.monotonic()
                for w in busy:
                    i = w[2]
                    q = queries[i]
                    if w[1] in ready:
                        try:
                            kind, payload = w[1].recv()
                        except (EOFError, OSError):
                            kind, payload = "error", "the worker process died"
                        if kind == "ok":
                            res = payload
                        else:
                            res = CheckResult(q, "unknown", depth=q.depth,
                                              seconds=now - w[3], detail=f"engine error: "
                                              f"{str(payload).strip().splitlines()[-1]}")
                            self._replace(w)
                    elif now - w[3] > q.timeout + self.grace or not w[0].is_alive():
                        what = "timeout" if w[0].is_alive() else "the worker process died"
                        res = CheckResult(q, "unknown", depth=q.depth, seconds=now - w[3],
                                          detail=what)
                        self._replace(w)
                    else:
                        continue
                    results[i] = res
                    w[2] = None
                    if on_done:
                        on_done(res)
        finally:
            for w in workers:
                try:
                    w[1].send(None)
                except (OSError, BrokenPipeError):
                    pass
            for w in workers:
                w[0].join(timeout=1)
                if w[0].is_alive():
                    w[0].kill()
                    w[0].join()
        return iter([r for r in results if r is not None])

    def _replace(self, w: list[Any]) -> None:
        if w[0].is_alive():
            w[0].kill()
        w[0].join()
        w[1].close()
        w[0], w[1] = self._spawn()


def _worker(model: SmtModel, conn: Any) -> None:
    engine: Engine | None = None
    while True:
        try:
            q = conn.recv()
        except (EOFError, OSError):
            return
        if q is None:
            return
        try:
            if engine is None:
                engine = Engine(model)
            conn.send(("ok", engine.run(q)))
        except Exception:  # report, never hang the parent
            conn.send(("error", traceback.format_exc()))
