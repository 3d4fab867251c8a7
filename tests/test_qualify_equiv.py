"""dv qualify's formal miter (dv.qualify.equiv): equivalent / bounded / differs / no verdict on
tiny designs, without simulation (Yosys + Z3 only)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from dv.qualify import find_sites
from dv.qualify.equiv import EquivOptions, check_mutants
from dv.sim.build import BuildConfig

ROOT = Path(__file__).resolve().parent.parent
EQ = ROOT / "tests" / "designs" / "qual_eq"

SHADOW = "qual_eq.sv:22:42:binop:^->&"  # a register nothing reads: equivalent by construction
FAR = "qual_eq.sv:23:25:const:8'd200->8'hc9"  # differs only after 200 cycles: bounded
ENABLE = "qual_eq.sv:18:17:enable"  # the counter's enable inverted: differs in cycle 1
HIT0 = "qual_eq.sv:23:18:stuck0:hit"  # hit is 0 for the first 200 cycles anyway: bounded


def _prepared(sv: Path, top: str) -> SimpleNamespace:
    src = find_sites(sv, sv.name)
    cfg = BuildConfig(top=top, sources=[str(sv)], parameters={}, defines={}, includes=[],
                      timing=False, coverage=False)
    return SimpleNamespace(sources=[src], config=cfg)


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    p = _prepared(EQ / "qual_eq.sv", "qual_eq")
    sites = {s.id: s for s in p.sources[0].sites}
    chosen = [sites[i] for i in (SHADOW, FAR, ENABLE, HIT0)]
    return check_mutants(p, chosen, tmp_path_factory.mktemp("equiv"),
                         EquivOptions(depth=12, timeout=60, jobs=2))


def test_unread_register_mutant_is_proven_equivalent(verdicts):
    e = verdicts[SHADOW]
    assert e.verdict == "equivalent", e.text
    assert e.k is not None and e.k >= 1
    assert e.text.startswith(f"equivalent (proven by k-induction, k={e.k}")


def test_far_difference_is_only_bounded_not_equivalent(verdicts):
    """The match at 200 (-> 201) and hit stuck at 0 cannot differ within 12 cycles from the
    power-up state, but they are not equivalent: the verdict says bounded, with the bound."""
    for sid in (FAR, HIT0):
        e = verdicts[sid]
        assert e.verdict == "bounded", (sid, e.text)
        assert e.k is None and e.depth == 12
        assert "no difference within 12 cycles (bounded)" in e.text


def test_inverted_enable_differs_with_a_trace(verdicts):
    e = verdicts[ENABLE]
    assert e.verdict == "differs", e.text
    assert len(e.trace) == e.step + 1
    assert set(e.trace[0]) >= {"rst_n", "en", "d"}
    assert "cnt" in e.outputs
    orig, mut = e.outputs["cnt"]
    assert orig != mut
    # from the all-zero start the counters first part when the reset is off and en decides
    # which one counts; the trace's inputs say which
    first = next(i for i, s in enumerate(e.trace) if s["rst_n"] == 1)
    assert e.step == first + 1
    assert (orig, mut) == ((1, 0) if e.trace[first]["en"] else (0, 1))


def test_two_clocks_give_no_verdict(tmp_path):
    p = _prepared(EQ / "qual_2clk.sv", "qual_2clk")
    site = next(s for s in p.sources[0].sites if s.kind == "binop")
    e = check_mutants(p, [site], tmp_path, EquivOptions(depth=4, timeout=30))[site.id]
    assert e.verdict == "no verdict"
    assert e.text.startswith("no verdict: the design has 2 clocks")


def test_unreadable_mutant_gives_no_verdict(tmp_path):
    """A design Yosys cannot read: the reason, not a traceback."""
    sv = tmp_path / "bad.sv"
    sv.write_text("module bad(input logic clk, input logic a, output logic q);\n"
                  "always_ff @(posedge clk) q <= a & nosuch;\nendmodule\n")
    p = _prepared(sv, "bad")
    site = next(s for s in p.sources[0].sites if s.kind == "binop")
    e = check_mutants(p, [site], tmp_path / "w", EquivOptions(depth=4, timeout=30))[site.id]
    assert e.verdict == "no verdict"
    assert "Yosys cannot build the miter" in e.text and "nosuch" in e.text
