"""The harness-speed benchmark (bench/harness_speed.py) measures what it claims to.

No timing is asserted here (speed is shown by the bench, on a quiet machine): these tests check
that the generated environment and the minimal loop drive the same design the same way, so
their cycles/s can be compared, and that the measurement runs end to end.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from dv.design.frontend import load_design
from dv.sim.build import BuildConfig, build
from dv.sim.run import TestJob, parse_results, run_tests

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "designs"
sys.path.insert(0, str(ROOT / "bench"))

import harness_speed  # noqa: E402

CYCLES = 150


@pytest.fixture(scope="module")
def design_build(build_root):
    src = DATA / "counter.sv"  # the build tests/test_sim.py makes too
    design = load_design([src], root=ROOT)
    return design, build(BuildConfig(top=design.top, sources=[str(src)]), build_root)


def _run(bld, mods: Path, module: str, out: Path, env: dict):
    job = TestJob(name=out.name, module=module, testcase=None, seed=5,
                  python_path=(str(mods),), timeout=300.0, env=tuple(env.items()))
    res = run_tests(bld, [job], out.parent, parallel=1)[0]
    assert res.status == "passed", res.message
    return res


def test_loop_replaying_the_environment_sees_the_same_outputs(design_build, tmp_path):
    """The environment's output trace (every cycle's reset, inputs and outputs as its monitor
    saw them) driven into the minimal loop gives the same outputs, cycle for cycle: the two
    drive inputs and sample outputs at the same points of each cycle."""
    design, bld = design_build
    mods = harness_speed.write_modules(design, tmp_path / "mods", CYCLES)
    trace = tmp_path / "trace.jsonl"
    _run(bld, mods, harness_speed.ENV_TEST_MODULE, tmp_path / "runs" / "env",
         {"DV_OUTPUT_TRACE": str(trace)})
    lines = trace.read_text().splitlines()
    head, rows = json.loads(lines[0]), lines[1:]
    assert head["format"] == "dv-output-trace" and not head["truncated"]
    desc = harness_speed.harness.design_description(design)
    reset_cycles = max([3] + [r["cycles"] for r in desc["resets"]])
    # one row per cycle: the reset pulse, the plan, and the two cycles the test waits at the end
    assert len(rows) == reset_cycles + CYCLES + 2
    assert any(json.loads(r)[1] != json.loads(rows[-1])[1] for r in rows[reset_cycles:])
    seen = tmp_path / "replayed.jsonl"
    _run(bld, mods, harness_speed.LOOP_TEST_MODULE, tmp_path / "runs" / "loop",
         {"DV_SPEED_REPLAY": str(trace), "DV_SPEED_OUT": str(seen)})
    assert seen.read_text().splitlines() == rows


def test_measure_runs_every_side_on_one_build(design_build, tmp_path):
    design, bld = design_build
    speed = harness_speed.measure(bld, design, tmp_path, cycles=CYCLES, repeat=1)
    assert speed.design == design.top
    assert speed.env_cps > 0 and speed.loop_cps > 0 and speed.raw_cps > 0
    assert speed.ratio == pytest.approx(speed.env_cps / speed.loop_cps)
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert runs == ["env_0", "loop_0", "raw_0"]
    # every side simulated the plan's cycles after the reset; the environment also waits two
    # cycles at the end for the monitor to see the last item's effect
    ns = {run: sum(t.sim_time_ns for t in parse_results(tmp_path / "runs" / run / "results.xml"))
          for run in runs}
    assert ns["loop_0"] == ns["raw_0"] == (3 + CYCLES) * 10 - 5  # the last falling edge
    assert ns["env_0"] == ns["loop_0"] + 2 * 10
