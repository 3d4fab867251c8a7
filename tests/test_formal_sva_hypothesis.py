"""Random property shapes: the lowered monitor against a direct SVA reference evaluation.

For each example, hypothesis draws a few properties (implications overlapped/non-overlapped and
nested, ``##N``/``##[m:n]`` delays, bounded repetition, ``or``, ``$past``/``$rose``/``$fell``/
``$stable``/``$changed``, ``disable iff``; cover sequences) and a random trace of a few 1-2 bit
signals. The reference below computes, for every attempt, the cycles where it fails (or the
cover matches) and whether it is still pending at the end of the trace, straight from the SVA
semantics: a sequence is its finite set of words (one conjunction of booleans per tick, IEEE
1800 16.9 rules for ``##0`` fusion and empty matches). The monitor is lowered by
dv.formal.sva, elaborated with pyslang and run by the interpreter of
tests/test_formal_sva_interp.py, so the SystemVerilog actually emitted is what is checked.
"""

from __future__ import annotations

import functools
import os
import random
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from test_formal_sva_interp import MonitorSim, stub_design

from dv.design.spec import SvaProperty
from dv.errors import InputError
from dv.formal.sva import lower_properties

Values = dict[str, int]
Trace = list[Values]


@dataclass(frozen=True)
class Leaf:
    text: str
    fn: Callable[[Trace, int], bool]
    depth: int = 0  # ticks of history read


def _past(tr: Trace, t: int, name: str, n: int = 1) -> int:
    return tr[t - n][name]


def _ones(x: int) -> int:
    return bin(x).count("1")


LEAVES = [
    Leaf("a", lambda tr, t: tr[t]["a"] == 1),
    Leaf("!b", lambda tr, t: tr[t]["b"] == 0),
    Leaf("a && c", lambda tr, t: tr[t]["a"] == 1 and tr[t]["c"] == 1),
    Leaf("a ^ b", lambda tr, t: tr[t]["a"] != tr[t]["b"]),
    Leaf("b || c", lambda tr, t: tr[t]["b"] == 1 or tr[t]["c"] == 1),
    Leaf("d == 2'd1", lambda tr, t: tr[t]["d"] == 1),
    Leaf("d[1]", lambda tr, t: tr[t]["d"] >> 1 == 1),
    Leaf("d", lambda tr, t: tr[t]["d"] != 0),
    Leaf("$past(a)", lambda tr, t: _past(tr, t, "a") == 1, 1),
    Leaf("$past(d, 2) == d", lambda tr, t: _past(tr, t, "d", 2) == tr[t]["d"], 2),
    Leaf("$rose(b)", lambda tr, t: tr[t]["b"] == 1 and _past(tr, t, "b") == 0, 1),
    Leaf("$fell(a)", lambda tr, t: tr[t]["a"] == 0 and _past(tr, t, "a") == 1, 1),
    Leaf("$stable(d)", lambda tr, t: tr[t]["d"] == _past(tr, t, "d"), 1),
    Leaf("$changed(c)", lambda tr, t: tr[t]["c"] != _past(tr, t, "c"), 1),
    Leaf("$rose(d)", lambda tr, t: tr[t]["d"] & 1 == 1 and _past(tr, t, "d") & 1 == 0, 1),
    Leaf("$onehot(d)", lambda tr, t: _ones(tr[t]["d"]) == 1),
    Leaf("$onehot0({a, b, c})", lambda tr, t: tr[t]["a"] + tr[t]["b"] + tr[t]["c"] <= 1),
    Leaf("$countones({a, d}) >= 2", lambda tr, t: tr[t]["a"] + _ones(tr[t]["d"]) >= 2),
    Leaf("$past($rose(a))", lambda tr, t: tr[t - 1]["a"] == 1 and tr[t - 2]["a"] == 0, 2),
    Leaf("1", lambda tr, t: True),
    Leaf("1'b1", lambda tr, t: True),
]
TRUE = frozenset({"1"})  # the leaf set of a constant-true gap filler

# -- shapes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SLeaf:
    leaf: Leaf


@dataclass(frozen=True)
class SCat:
    left: object | None  # None: leading delay
    lo: int
    hi: int
    right: object


@dataclass(frozen=True)
class SRep:
    seq: object
    lo: int
    hi: int


@dataclass(frozen=True)
class SOr:
    left: object
    right: object


@dataclass(frozen=True)
class PImp:
    ante: object
    overlapped: bool
    cons: object


def _delay(lo: int, hi: int) -> str:
    return f"##{lo}" if lo == hi else f"##[{lo}:{hi}]"


def render(s: object) -> str:
    if isinstance(s, SLeaf):
        return f"({s.leaf.text})"
    if isinstance(s, SCat):
        right = render(s.right)
        return f"{_delay(s.lo, s.hi)} {right}" if s.left is None else \
            f"({render(s.left)} {_delay(s.lo, s.hi)} {right})"
    if isinstance(s, SRep):
        rep = f"[*{s.lo}]" if s.lo == s.hi else f"[*{s.lo}:{s.hi}]"
        return f"({render(s.seq)}){rep}"
    if isinstance(s, SOr):
        return f"({render(s.left)} or {render(s.right)})"
    assert isinstance(s, PImp)
    op = "|->" if s.overlapped else "|=>"
    return f"{render(s.ante)} {op} ({render(s.cons)})"


def leaves_of(s: object) -> list[Leaf]:
    if isinstance(s, SLeaf):
        return [s.leaf]
    if isinstance(s, SCat):
        return (leaves_of(s.left) if s.left is not None else []) + leaves_of(s.right)
    if isinstance(s, SRep):
        return leaves_of(s.seq)
    if isinstance(s, SOr):
        return leaves_of(s.left) + leaves_of(s.right)
    assert isinstance(s, PImp)
    return leaves_of(s.ante) + leaves_of(s.cons)


def has_empty_rep(shape: tuple[str, object, bool]) -> bool:
    def walk(s: object) -> bool:
        if isinstance(s, SRep):
            return s.lo == 0 or walk(s.seq)
        if isinstance(s, SCat):
            return (s.left is not None and walk(s.left)) or walk(s.right)
        if isinstance(s, SOr):
            return walk(s.left) or walk(s.right)
        if isinstance(s, PImp):
            return walk(s.ante) or walk(s.cons)
        return False

    return walk(shape[1])


@st.composite
def seqs(draw: st.DrawFn, depth: int = int(os.environ.get("DV_SVA_DEPTH", "2"))) -> object:
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        return SLeaf(draw(st.sampled_from(LEAVES)))
    kind = draw(st.sampled_from(["cat", "cat", "lead", "rep", "or"]))
    lo = draw(st.integers(0, 2))
    hi = lo + draw(st.integers(0, 2))
    if kind == "cat":
        return SCat(draw(seqs(depth - 1)), lo, hi, draw(seqs(depth - 1)))
    if kind == "lead":
        return SCat(None, lo, hi, draw(seqs(depth - 1)))
    if kind == "rep":
        return SRep(draw(seqs(depth - 1)), lo, max(hi, 1))
    return SOr(draw(seqs(depth - 1)), draw(seqs(depth - 1)))


@st.composite
def props(draw: st.DrawFn) -> tuple[str, object, bool]:
    kind = draw(st.sampled_from(["assert", "assert", "assume", "cover"]))
    if kind == "cover":
        body: object = draw(seqs())
    else:
        body = draw(seqs())
        for _ in range(draw(st.integers(0, 2))):
            body = PImp(draw(seqs(1)), draw(st.booleans()), body)
    return kind, body, draw(st.booleans())


# -- the reference semantics -------------------------------------------------------------------

Word = tuple[frozenset[str], ...]
MAX_WORDS = 600


def _join(u: Word, v: Word, k: int) -> Word | None:
    if k == 0:
        if not u or not v:
            return None  # fusion with an empty match: no match
        return u[:-1] + (u[-1] | v[0],) + v[1:]
    return u + (TRUE,) * (k - 1) + v


@functools.lru_cache(maxsize=4096)
def words(s: object) -> frozenset[Word]:
    if isinstance(s, SLeaf):
        return frozenset({(frozenset({s.leaf.text}),)})
    if isinstance(s, SCat):
        left = words(s.left) if s.left is not None else frozenset({(TRUE,)})
        right = words(s.right)
        out = {w for u in left for v in right for k in range(s.lo, s.hi + 1)
               if (w := _join(u, v, k)) is not None}
    elif isinstance(s, SRep):
        base = words(s.seq)
        power: set[Word] = {()}
        out = set(power) if s.lo == 0 else set()
        for n in range(1, s.hi + 1):
            power = {u + v for u in power for v in base}
            if len(power) > MAX_WORDS:
                raise OverflowError
            if n >= s.lo:
                out |= power
    else:
        assert isinstance(s, SOr)
        out = set(words(s.left) | words(s.right))
    if len(out) > MAX_WORDS:
        raise OverflowError
    return frozenset(out)


class Reference:
    def __init__(self, trace: Trace, disable: list[bool], depth: int) -> None:
        self.tr = trace
        self.dis = disable
        self.depth = depth
        self.by_text = {leaf.text: leaf for leaf in LEAVES}
        self.cache: dict[tuple[frozenset[str], int], bool] = {}

    def holds(self, g: frozenset[str], t: int) -> bool:
        key = (g, t)
        if key not in self.cache:
            self.cache[key] = all(self.by_text[x].fn(self.tr, t) for x in g)
        return self.cache[key]

    def prefix_ok(self, w: Word, t0: int, t: int) -> bool:
        """The letters of ``w`` at ticks t0..t hold (letters beyond t are not judged)."""
        return all(self.holds(w[i], t0 + i) for i in range(min(len(w), t - t0 + 1)))

    def matches(self, ws: frozenset[Word], t0: int) -> tuple[set[int], bool]:
        """End ticks of the non-empty matches from t0, and whether a match may still end
        after the trace."""
        n = len(self.tr)
        ends = {t0 + len(w) - 1 for w in ws if w and t0 + len(w) - 1 < n
                and self.prefix_ok(w, t0, t0 + len(w) - 1)}
        open_ = any(w and t0 + len(w) - 1 >= n and self.prefix_ok(w, t0, n - 1) for w in ws)
        return ends, open_

    def prop(self, p: object, t0: int) -> tuple[set[int], bool]:
        """(failure ticks, pending at trace end) of the attempt of p starting at t0."""
        n = len(self.tr)
        if t0 >= n:
            return set(), True
        if isinstance(p, PImp):
            ante = words(p.ante)
            if not p.overlapped:  # s |=> p is s ##1 1 |-> p (IEEE 1800 16.12.7)
                ante = frozenset(u + (TRUE,) for u in ante)
            ends, pending = self.matches(ante, t0)
            fails: set[int] = set()
            for e in sorted(ends):
                f, pend = self.prop(p.cons, e)
                fails |= f
                pending = pending or pend
            return fails, pending
        ws = frozenset(w for w in words(p) if w)
        for t in range(t0, n):
            if any(len(w) == t - t0 + 1 and self.prefix_ok(w, t0, t) for w in ws):
                return set(), False
            if not any(self.prefix_ok(w, t0, t) for w in ws):
                return {t}, False
        return set(), True

    def run(self, kind: str, body: object) -> tuple[set[int], bool]:
        fired: set[int] = set()
        pending = False
        n = len(self.tr)
        for t0 in range(self.depth, n):
            if self.dis[t0]:
                continue
            if kind == "cover":
                ends, pend = self.matches(words(body), t0)
            else:
                ends, pend = self.prop(body, t0)
            fired |= {e for e in ends if not any(self.dis[t0:e + 1])}
            pending = pending or (pend and not any(self.dis[t0:]))
        return fired, pending


# -- the test ----------------------------------------------------------------------------------

SIGNALS = {"a": 1, "b": 1, "c": 1, "d": 2, "r": 1}


def random_trace(seed: int, n: int, p_dis: float) -> Trace:
    rng = random.Random(seed)
    return [{"a": int(rng.random() < 0.6), "b": int(rng.random() < 0.5),
             "c": int(rng.random() < 0.4), "d": rng.randrange(4),
             "r": int(rng.random() < p_dis)} for _ in range(n)]


# DV_SVA_EXAMPLES=5000 runs a longer, randomised search (default: 300 derandomised examples)
EXAMPLES = int(os.environ.get("DV_SVA_EXAMPLES", "300"))


@settings(max_examples=EXAMPLES, deadline=None, derandomize="DV_SVA_EXAMPLES" not in os.environ,
          database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(props(), min_size=1, max_size=4), st.integers(0, 2**32 - 1),
       st.integers(12, 36), st.sampled_from([0.0, 0.05, 0.15]))
def test_monitor_matches_reference(shapes, seed, length, p_dis):
    design = stub_design("t", SIGNALS)
    svas = []
    expect_unsupported = False
    for i, (kind, body, with_disable) in enumerate(shapes):
        dis = "disable iff (r) " if with_disable else ""
        text = f"p{i}: {kind} property (@(posedge clk) {dis}{render(body)});"
        svas.append(SvaProperty(text=text, line=10 + i, label=f"p{i}", kind=kind))
        cons = body
        try:
            while isinstance(cons, PImp):
                words(cons.ante)
                cons = cons.cons
            if () in words(cons) and kind != "cover":
                expect_unsupported = True
        except OverflowError:
            assume(False)
    if expect_unsupported:
        with pytest.raises(InputError, match="empty match|match empty"):
            lower_properties(svas, design, source_file="props.md")
        event("empty match")
        return
    try:
        lowered = lower_properties(svas, design, source_file="props.md")
    except InputError as exc:
        # slang also rejects a property sequence like '##0 a[*0:1]' (a leading ##0 before a
        # sequence that can match empty) that the word semantics above does not call empty
        assert "empty match" in exc.message and any(has_empty_rep(s) for s in shapes), exc
        event("slang: empty match")
        return
    trace = random_trace(seed, length, p_dis)
    sim = MonitorSim(design, lowered.text)
    watch = [p.fail_signal for p in lowered.properties] + \
        [p.pending_signal for p in lowered.properties]
    got = sim.run(trace + [trace[-1]], watch=watch)
    for i, (kind, body, with_disable) in enumerate(shapes):
        lp = lowered.properties[i]
        depth = max(leaf.depth for leaf in leaves_of(body))
        ref = Reference(trace, [bool(v["r"]) and with_disable for v in trace], depth)
        want_fail, want_pending = ref.run(kind, body)
        have_fail = {t for t in range(length) if got.values[t][lp.fail_signal]}
        assert have_fail == want_fail, (svas[i].text, trace)
        assert set(got.cycles(f"p{i}")) - {length} == want_fail, svas[i].text
        assert bool(got.values[length][lp.pending_signal]) == want_pending, (svas[i].text, trace)
        event(f"{kind}: {'fired' if want_fail else 'silent'}, "
              f"{'pending' if want_pending else 'settled'}")
