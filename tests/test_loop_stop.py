"""The loop's stop rule (issue 10, item 6): a round that adds nothing switches strategy; the
loop stops only after two different strategies in a row add nothing (or at goal or budget)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dv.gen.base import RoundContext
from dv.gen.builtin import BuiltinGenerator

DESIGNS = Path(__file__).resolve().parent / "data" / "designs"


def _design():
    from dv.design import load_design

    return load_design([DESIGNS / "stop_cfg.sv"], root=DESIGNS)


def test_builtin_strategies_and_untried_config_values():
    d = _design()
    gen = BuiltinGenerator()
    assert gen.strategies(d) == ("holes", "config", "longer", "seeds")
    base = gen.baseline(d, None, 1)
    held = {t.plan["config"]["period"] for t in base.tests if "config" in t.plan}
    ctx = RoundContext(round=1, holes=[], failures=[], previous_tests=base.tests, seed=1,
                       strategy="config")
    b = gen.next_round(d, None, ctx)
    fresh = [t.plan["config"]["period"] for t in b.tests]
    assert fresh and not set(fresh) & held and len(set(fresh)) == len(fresh)
    # the longer strategy runs longer than anything before, under new seeds
    ctx.strategy = "longer"
    longer = gen.next_round(d, None, ctx).tests
    most = max(sum(s["cycles"] for s in t.plan["segments"]) for t in base.tests)
    assert all(sum(s["cycles"] for s in t.plan["segments"]) > most for t in longer)
    ctx.strategy = "seeds"
    seeds = gen.next_round(d, None, ctx).tests
    assert len(seeds) == len(base.tests) and all(t.plan.get("seed") for t in seeds)


@pytest.mark.slow
def test_a_stalled_round_switches_strategy_and_two_stalls_stop(tmp_path, monkeypatch):
    """stop_cfg's `hit` needs `period` held at 6: the holes name no value of it, so round 1
    (aimed at the holes) adds nothing — the old rule stopped there — and round 2 (untried
    configuration values) reaches it. Then two different strategies add nothing: stop."""
    from dv.loop import ClosureOptions, run_closure

    monkeypatch.chdir(DESIGNS)
    out = tmp_path / "out"
    opts = ClosureOptions(rounds=8, goal=100.0, out=out, root=DESIGNS, formal=False,
                          parallel=2)
    run = run_closure(_design(), None, BuiltinGenerator(), opts)
    strategies = [r.strategy for r in run.rounds]
    news = [r.new_points for r in run.rounds]
    assert strategies[:3] == ["baseline", "holes", "config"], (strategies, news)
    assert news[1] == 0 and news[2] > 0, news  # the old rule stopped after round 1
    taken = [p for p in run.coverage
             if p.kind == "branch" and p.line == 29 and p.comment == "if"]  # hit <= 1
    assert len(taken) == 1 and taken[0].hit and taken[0].first_test.startswith("r2_config_")
    # the last two rounds were different strategies that added nothing, and that is the reason
    last, prev = run.rounds[-1], run.rounds[-2]
    assert last.new_points == prev.new_points == 0 and last.strategy != prev.strategy
    reason = f"stalled after strategies {prev.strategy} and {last.strategy} added nothing"
    assert run.stop_reason == reason and len(run.rounds) < opts.rounds
    rec = json.loads((out / "coverage/stop_cfg/closure.json").read_text())
    assert [r["strategy"] for r in rec["rounds"]] == strategies
    assert rec["stop_reason"] == reason
    md = (out / "coverage/stop_cfg/summary.md").read_text()
    assert reason in md and "| 2 | config |" in md

