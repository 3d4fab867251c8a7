"""dv regress: baselines, coverage drops, failing tests, golden behaviour, outputs, executors.

One small project (the ALU example copied to a temporary directory and generated there with
the built-in generator) serves every end-to-end test; each test restores what it changed, so
the model built for the unchanged RTL is reused (the build is keyed by content).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dv.cli import main
from dv.cov.baseline import Baseline, compare, load_baseline
from dv.cov.model import Coverage, CoverPoint
from dv.errors import InputError
from dv.regress import _golden

ROOT = Path(__file__).resolve().parent.parent
RTL = "rtl_examples/alu/alu.sv"


# --- golden traces (no simulation) -------------------------------------------------------------

def _trace(outs: list[list[int]], ins: list[list[int]] | None = None) -> _golden.Trace:
    ins = ins or [[0] for _ in outs]
    return _golden.Trace(["a"], ["x", "y"], [(0, i, o) for i, o in zip(ins, outs, strict=True)])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 255)), min_size=1, max_size=300),
       st.data())
def test_golden_finds_the_first_differing_cycle(rows, data) -> None:
    outs = [[a, b] for a, b in rows]
    old = _golden.summarize(_trace(outs), chunk=16)
    assert _golden.compare(old, _trace(outs)) is None
    cycle = data.draw(st.integers(0, len(outs) - 1))
    sig = data.draw(st.integers(0, 1))
    changed = [list(r) for r in outs]
    changed[cycle][sig] += 1000
    diff = _golden.compare(old, _trace(changed))
    assert diff is not None and diff.kind == "outputs"
    assert (diff.cycle, diff.signal) == (cycle + 1, "xy"[sig])
    assert (diff.old, diff.new) == (outs[cycle][sig], outs[cycle][sig] + 1000)


def test_golden_tells_other_stimulus_and_length_apart() -> None:
    outs = [[1, 2], [1, 3], [0, 3]]
    old = _golden.summarize(_trace(outs))
    other_inputs = _golden.compare(old, _trace(outs, [[0], [1], [0]]))
    assert other_inputs is not None and other_inputs.kind == "stimulus"
    # a run of other length drove other stimulus (the generated tests run fixed cycles)
    shorter = _golden.compare(old, _trace(outs[:2], [[0], [0]]))
    assert shorter is not None and shorter.kind == "stimulus"
    # equal values but hashes that disagree: an edited baseline, said so
    edited = dict(old, hashes=["0" * 12])
    diff = _golden.compare(edited, _trace(outs))
    assert diff is not None and "edited baseline" in diff.describe()


def test_trace_reader_refuses_malformed_files(tmp_path) -> None:
    f = tmp_path / "outputs.trace"
    with pytest.raises(_golden.TraceError):
        _golden.read_trace(f)
    f.write_text('{"format": "dv-output-trace", "inputs": ["a"], "outputs": ["x"]}\n[0, [1]]\n')
    with pytest.raises(_golden.TraceError, match="expected"):
        _golden.read_trace(f)
    f.write_text('{"format": "dv-output-trace", "inputs": ["a"], "outputs": ["x"]}\n'
                 '[0,[1],[2]]\n[1,[1],[null]]\n')
    t = _golden.read_trace(f)
    assert t.rows == [(0, [1], [2]), (1, [1], [None])]


# --- the baseline file and drops that ignore new points ----------------------------------------

def _cov(*points: tuple[str, int, int]) -> Coverage:
    c = Coverage()
    for kind, line, count in points:
        c.add(CoverPoint(kind, "a.sv", line, 0, "c", "top", count=count))
    return c


def test_new_points_are_not_drops_but_lost_points_are() -> None:
    base = _cov(("line", 1, 3), ("line", 2, 1))
    grown = _cov(("line", 1, 3), ("line", 2, 1), ("line", 3, 0), ("line", 4, 0))
    diff = compare(grown, base)
    assert diff.regressed_kinds == [] and len(diff.new) == 2
    lost = _cov(("line", 1, 3), ("line", 2, 0))
    diff = compare(lost, base)
    assert diff.regressed_kinds == ["line"] and [p.line for p in diff.lost] == [2]
    assert compare(lost, base, tolerance=50.0).regressed_kinds == []


def test_baseline_round_trip_and_corrupt_files(tmp_path) -> None:
    b = Baseline(top="t", tests={"a": {"module": "m", "seed": 3, "status": "passed"}},
                 coverage=_cov(("line", 1, 7), ("branch", 2, 0)), rtl={"a.sv": "00"},
                 traces={"a": {"cycles": 1}})
    p = tmp_path / "baseline.json"
    p.write_text(b.to_text())
    back = load_baseline(p)
    assert back.tests == b.tests and back.traces == b.traces and back.rtl == b.rtl
    assert {k: q.count for k, q in back.coverage.points.items()} == {
        k: min(q.count, 1) for k, q in b.coverage.points.items()}
    p.write_text(b.to_text()[:-20])
    with pytest.raises(InputError, match="not readable JSON"):
        load_baseline(p)
    p.write_text(json.dumps({"format": "dv-regress-baseline", "version": 1, "top": "t",
                             "tests": {"a": {"seed": "x"}}, "points": []}))
    with pytest.raises(InputError, match="malformed"):
        load_baseline(p)


# --- end to end on the ALU ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def alu_project(tmp_path_factory) -> Path:
    proj = tmp_path_factory.mktemp("regress") / "proj"
    (proj / "rtl_examples").mkdir(parents=True)
    shutil.copytree(ROOT / "rtl_examples" / "alu", proj / "rtl_examples" / "alu")
    subprocess.run([sys.executable, "-m", "dv.cli", "generate", "--rtl", RTL, "--spec",
                    "rtl_examples/alu/alu.md", "--rounds", "1", "--no-formal"],
                   cwd=proj, check=True, capture_output=True, timeout=900)
    env = {**os.environ, "DV_BUILD_ROOT": str(proj / "build")}
    subprocess.run([sys.executable, "-m", "dv.cli", "regress", "--update-baseline", "-j", "2"],
                   cwd=proj, check=True, capture_output=True, timeout=900, env=env)
    assert (proj / "coverage" / "alu" / "baseline.json").is_file()
    return proj


@pytest.fixture
def proj(alu_project, monkeypatch, tmp_path) -> Path:
    """The ALU project as the module fixture left it, restored after the test."""
    saved = tmp_path / "saved"
    parts = ("testbenches", "rtl_examples", "coverage")
    for part in parts:
        shutil.copytree(alu_project / part, saved / part)
    monkeypatch.chdir(alu_project)
    monkeypatch.setenv("DV_BUILD_ROOT", str(alu_project / "build"))  # generate's model
    yield alu_project
    for part in parts:
        shutil.rmtree(alu_project / part)
        shutil.copytree(saved / part, alu_project / part)


def dv(capsys, *args: str) -> tuple[int, str]:
    code = main(["regress", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def _baseline(proj: Path, capsys) -> None:
    if not (proj / "coverage" / "alu" / "baseline.json").is_file():
        code, text = dv(capsys, "--update-baseline", "-j", "2")
        assert code == 0, text


def test_missing_baseline_is_not_a_pass(proj, capsys, tmp_path) -> None:
    (proj / "coverage" / "alu" / "baseline.json").unlink(missing_ok=True)
    out = tmp_path / "out"
    code, text = dv(capsys, "--out", str(out))
    assert code == 2
    assert "no baseline for alu" in text and "--update-baseline" in text
    assert not out.exists()  # nothing written


def test_regression_passes_against_its_baseline(proj, capsys, tmp_path) -> None:
    _baseline(proj, capsys)
    junit, summary = tmp_path / "j.xml", tmp_path / "s.md"
    code, text = dv(capsys, "--extra-seeds", "1", "--golden", "-j", "2", "--junit", str(junit),
                    "--summary", str(summary))
    assert code == 0, text
    cases = ET.parse(junit).getroot().findall(".//testcase")
    runs = [c for c in cases if re.fullmatch(r"r0_\w+\[seed=\d+\]", c.get("name"))]
    assert len(runs) == 8  # four tests, recorded seed plus one fresh each
    props = [{p.get("name"): p.get("value") for p in c.iter("property")} for c in runs]
    assert {p["design"] for p in props} == {"alu"}
    fresh = [p for p in props if p["fresh_seed"] == "true"]
    assert len(fresh) == 4 and all(p["seed"] != "1" for p in fresh)
    assert not ET.parse(junit).getroot().findall(".//failure")
    behaviour = [c for c in cases if c.get("name").startswith("behaviour ")]
    assert len(behaviour) == 4 and not any(c.find("skipped") is not None for c in behaviour)
    md = summary.read_text()
    assert "no regression" in md and "| alu | pass |" in md
    lcov = (proj / "build" / "regress" / "alu" / "coverage.info").read_text()
    assert "SF:" in lcov and "DA:" in lcov
    record = json.loads((proj / "build" / "regress" / "regress.json").read_text())
    assert record["regressed"] is False
    assert all(r["behaviour"]["status"] == "same" for r in record["designs"][0]["runs"]
               if not r["fresh_seed"])


def test_coverage_drop_names_the_points(proj, capsys) -> None:
    _baseline(proj, capsys)
    tb = proj / "testbenches" / "alu" / "tb_alu_r0.py"
    # a weakened testbench: every stimulus segment two cycles long
    tb.write_text(re.sub(r"'cycles': \d+", "'cycles': 2", tb.read_text()))
    code, text = dv(capsys, "-j", "2")
    assert code == 1, text
    assert "coverage dropped" in text
    m = re.search(r"newly missed: rtl_examples/alu/alu\.sv:(\d+) (\w+)", text)
    assert m, text
    record = json.loads((proj / "build" / "regress" / "regress.json").read_text())
    lost = record["designs"][0]["lost"]
    line = int(m.group(1))
    src = (proj / RTL).read_text().splitlines()[line - 1].strip()
    assert any(p["line"] == line and p["source"] == src and p["id"] for p in lost)
    junit = ET.parse(proj / "build" / "regress" / "junit.xml").getroot()
    cov_case = [c for c in junit.iter("testcase") if c.get("name") == "coverage"][0]
    assert cov_case.find("failure").get("type") == "coverage dropped"
    assert f"alu.sv:{line}" in cov_case.find("failure").text
    # the same drop inside a generous tolerance passes, and still lists what was missed
    code, text = dv(capsys, "-j", "2", "--tolerance", "100")
    assert code == 0, text
    assert "newly missed" in text


def test_bad_input_is_exit_2_and_writes_nothing(proj, capsys, tmp_path) -> None:
    _baseline(proj, capsys)
    out = tmp_path / "out"
    assert dv(capsys, "--out", str(out), "testbenches/nope")[0] == 2
    base = proj / "coverage" / "alu" / "baseline.json"
    good = base.read_text()
    base.write_text(good[: len(good) // 2])
    code, text = dv(capsys, "--out", str(out))
    assert code == 2 and "baseline.json" in text and "not readable JSON" in text
    base.write_text(good)
    toml = proj / "testbenches" / "alu" / "dv.toml"
    saved = toml.read_text()
    toml.write_text(saved.replace('rtl = ["rtl_examples/alu/alu.sv"]',
                                  'rtl = ["rtl_examples/alu/gone.sv"]'))
    code, text = dv(capsys, "--out", str(out))
    assert code == 2 and "gone.sv" in text and "does not exist" in text
    toml.write_text(saved)
    rtl = proj / RTL
    rtl.write_text(rtl.read_text().replace("out_valid", "result_valid"))
    code, text = dv(capsys, "--out", str(out))
    assert code == 2 and "interface of alu changed" in text and "out_valid" in text
    assert "dv generate" in text
    assert dv(capsys, "--out", str(out), "--test", "no_such_test")[0] == 2
    # a staging copy left by dv generate (hidden directory) is not a testbench of its own
    shutil.copytree(proj / "testbenches" / "alu", proj / "testbenches" / ".alu.previous")
    code, text = dv(capsys, "--out", str(out), "--test", "no_such_test")
    assert code == 2 and "several testbenches" not in text
    assert dv(capsys, "--out", str(out), "--update-baseline", "--seed", "3")[0] == 2
    assert not out.exists()


@pytest.mark.slow
def test_newly_failing_test_gives_the_reproduce_command(proj, capsys, tmp_path) -> None:
    _baseline(proj, capsys)
    rtl = proj / RTL
    text = rtl.read_text()
    assert "{c, r} = {1'b0, a} + {1'b0, b};" in text
    rtl.write_text(text.replace("{c, r} = {1'b0, a} + {1'b0, b};",
                                "{c, r} = {1'b0, a} - {1'b0, b};"))
    junit = tmp_path / "j.xml"
    code, out = dv(capsys, "-j", "2", "--junit", str(junit))
    assert code == 1, out
    assert "check failed" in out
    failures = [c for c in ET.parse(junit).getroot().iter("testcase")
                if c.find("failure") is not None and c.find("failure").get("type")
                == "check failed"]
    assert failures
    case = failures[0]
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["design"] == "alu" and props["seed"] == "1"
    body = case.find("failure").text
    assert "add_result" in body  # the spec property that caught it
    cmd = re.search(r"reproduce: (dv regress .*)", body).group(1)
    assert f"--test {props['test']} --seed 1" in cmd
    # the command reproduces the failure
    args = cmd.split()[2:]
    code, out = dv(capsys, *args)
    assert code == 1 and "check failed" in out


@pytest.mark.slow
def test_golden_catches_a_behaviour_change_no_check_describes(proj, capsys) -> None:
    _baseline(proj, capsys)
    rtl = proj / RTL
    text = rtl.read_text()
    assert "OP_AND: r = a & b;" in text
    rtl.write_text(text.replace("OP_AND: r = a & b;", "OP_AND: r = a | b;"))
    code, out = dv(capsys, "-j", "2")  # no check describes AND: without --golden, a pass
    assert code == 0, out
    code, out = dv(capsys, "-j", "2", "--golden")
    assert code == 1, out
    m = re.search(r"behaviour changed: (\w+) seed 1: first difference at cycle (\d+): y was "
                  r"(\S+), now (\S+)", out)
    assert m, out
    assert "check failed" not in out
    record = json.loads((proj / "build" / "regress" / "regress.json").read_text())
    change = record["designs"][0]["behaviour_changes"][0]["behaviour"]
    assert change["signal"] == "y" and change["cycle"] == int(m.group(2))
    assert change["old"] != change["new"]
    assert "--golden" in change["reproduce"]
    # an intended change: accepted by --update-baseline, then held to
    code, out = dv(capsys, "-j", "2", "--update-baseline")
    assert code == 0, out
    code, out = dv(capsys, "-j", "2", "--golden")
    assert code == 0, out


@pytest.mark.slow
def test_regression_through_a_dask_local_cluster(proj, capsys) -> None:
    _baseline(proj, capsys)
    code, out = dv(capsys, "--executor", "dask", "-j", "2", "--golden")
    assert code == 0, out
    assert "Dask (LocalCluster, 2 worker(s))" in out
    record = json.loads((proj / "build" / "regress" / "regress.json").read_text())
    d = record["designs"][0]
    assert record["options"]["executor"] == "dask"
    assert len(d["runs"]) == 4 and all(r["status"] == "passed" for r in d["runs"])
    assert all(r["behaviour"]["status"] == "same" for r in d["runs"])
    # coverage came back from the workers: the same figures as the baseline
    assert all(c["delta"] in (0, None) for c in d["coverage"].values())
    # an existing scheduler (--scheduler ADDR): a change is seen there as on the local pool
    from distributed import LocalCluster

    tb = proj / "testbenches" / "alu" / "tb_alu_r0.py"
    tb.write_text(re.sub(r"'cycles': \d+", "'cycles': 2", tb.read_text()))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, host="127.0.0.1") as cluster:
        code, out = dv(capsys, "--scheduler", cluster.scheduler_address)
    assert code == 1 and "newly missed" in out, out
    assert f"Dask ({cluster.scheduler_address}, 2 worker(s))" in out


def test_a_worker_refuses_a_build_with_another_content_key(proj) -> None:
    """A job names its model by content key: a worker whose sources give another key (other
    RTL at the same path) says so instead of simulating the wrong model."""
    from dv.errors import ToolError
    from dv.sim.executor import BuildRef

    good = _current_alu_build(proj)  # the model of the RTL as it is now
    assert good.resolve().cached and good.resolve().key == good.key
    wrong = BuildRef("0" * 64, good.config, good.build_root, good.build_dir)
    with pytest.raises(ToolError, match="content key"):
        wrong.resolve()


def test_update_baseline_never_records_a_run_without_a_verdict(proj, capsys) -> None:
    base = proj / "coverage" / "alu" / "baseline.json"
    before = base.read_text()
    tb = proj / "testbenches" / "alu" / "tb_alu_r0.py"
    tb.write_text(tb.read_text() + "\nraise RuntimeError('a broken test module')\n")
    code, out = dv(capsys, "-j", "2", "--update-baseline")
    assert code == 1, out
    assert "baseline NOT written" in out and "(error)" in out
    assert base.read_text() == before


@pytest.mark.slow
def test_workers_without_the_model_build_it_once(tmp_path) -> None:
    """A job whose model is not in the build directory yet: the worker builds it, and a second
    worker asking for it at the same time waits and reuses it (one Verilator build)."""
    from concurrent.futures import ThreadPoolExecutor

    from dv.sim.build import BuildConfig, build_key
    from dv.sim.executor import BuildRef
    from dv.sim.tools import find_verilator

    rtl = tmp_path / "flop.sv"
    rtl.write_text("module flop(input logic clk, input logic d, output logic q);\n"
                   "  always_ff @(posedge clk) q <= d;\nendmodule\n")
    cfg = BuildConfig(top="flop", sources=[str(rtl)])
    key = build_key(cfg, find_verilator())
    root = tmp_path / "build"
    ref = BuildRef(key, cfg, root, (root / f"flop-{key[:16]}").resolve())
    with ThreadPoolExecutor(2) as pool:
        builds = list(pool.map(lambda _: ref.resolve(), range(2)))
    assert [b.key for b in builds] == [key, key]
    assert sorted(b.cached for b in builds) == [False, True]
    assert builds[0].executable.is_file()


def _current_alu_build(proj: Path):
    from dv.sim.build import BUILD_STAMP, BuildConfig, build_key
    from dv.sim.executor import BuildRef
    from dv.sim.tools import find_verilator

    for stamp in (proj / "build").glob(f"alu-*/{BUILD_STAMP}"):
        info = json.loads(stamp.read_text())
        cfg = BuildConfig(**{**info["config"], "coverage_kinds": tuple(
            info["config"]["coverage_kinds"])})
        if build_key(cfg, find_verilator()) == info["key"]:
            return BuildRef(info["key"], cfg, proj / "build", stamp.parent)
    raise AssertionError("no model of the current ALU RTL")


def test_local_executor_runs_jobs_of_several_models_in_one_pool(proj, tmp_path) -> None:
    from dv.sim.executor import LocalExecutor, SimJob
    from dv.sim.run import TestJob

    ref = _current_alu_build(proj)
    tb = str(proj / "testbenches" / "alu")
    jobs = [SimJob(ref, TestJob(name=f"r0_reset.{i}", module="tb_alu_r0", testcase="r0_reset",
                                seed=i, python_path=(tb,)), tmp_path / f"runs{i % 2}")
            for i in range(1, 5)]
    seen = []
    results = LocalExecutor(2).run(jobs, on_done=seen.append)
    assert [r.job.name for r in results] == [j.test.name for j in jobs]
    assert len(seen) == 4 and all(r.status == "passed" for r in results)
    assert [r.run_dir for r in results] == [j.run_dir.resolve() for j in jobs]
    assert all(r.coverage_file.is_file() for r in results)
