"""The OS sandbox around simulations of model-written code, exercised for real (bubblewrap).

Hostile cocotb tests (tests/data/llm/hostile/sandbox/tb_hostile.py) run against a real Verilator
build, as if a model's code had got past the validator. Where it is safe, each escape is first
run *without* the sandbox as a control, which shows that the check would see the escape; then
sandboxed, where the effect must be absent on the host.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import sysconfig
import threading
import time
import uuid
from pathlib import Path

import pytest

from dv.errors import EXIT_TOOL
from dv.sim import sandbox
from dv.sim.build import BuildConfig, build
from dv.sim.limits import GIB, Limits
from dv.sim.process import HEAD_BYTES, TAIL_BYTES, read_tail, run_logged
from dv.sim.run import SimResult, TestJob, _assertion_errors, run_one

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
HOSTILE = DATA / "llm" / "hostile" / "sandbox"
NO_BWRAP = "bubblewrap not installed: apt-get install bubblewrap"
needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason=NO_BWRAP)


@pytest.fixture(scope="module")
def counter(build_root):
    return build(BuildConfig(top="counter", sources=[str(DATA / "designs" / "counter.sv")]),
                 build_root)


def hostile(counter, tmp_path: Path, test: str, *, sandboxed: bool, timeout: float = 60,
            env: dict[str, str] | None = None, **job: object) -> tuple[SimResult, dict]:
    name = f"{test}-{'sandboxed' if sandboxed else 'control'}"
    res = run_one(counter, TestJob(name=name, module="tb_hostile", testcase=test, seed=1,
                                   python_path=(str(HOSTILE),), timeout=timeout,
                                   env=tuple((env or {}).items()), sandbox=sandboxed,
                                   **job),  # type: ignore[arg-type]
                  tmp_path / name)
    obs = res.run_dir / "observed.json"
    return res, json.loads(obs.read_text()) if obs.is_file() else {}


@needs_bwrap
def test_a_normal_test_passes_sandboxed_with_coverage(counter, tmp_path):
    job = TestJob(name="counts", module="tb_counter_manual", testcase="counts", seed=3,
                  python_path=(str(DATA / "designs"),), timeout=60, sandbox=True)
    res = run_one(counter, job, tmp_path / "counts")
    assert res.status == "passed", res.message
    assert res.coverage_file.is_file() and res.coverage_file.stat().st_size > 0
    spec = json.loads((res.run_dir / "job.json").read_text())
    assert spec["limits"]["address_space"] == 4 * GIB  # the limits were applied inside
    # the build directory stayed untouched (it is read-only inside)
    assert not list(counter.build_dir.glob("results*.xml"))


@needs_bwrap
def test_writes_outside_the_run_directory_do_not_land(counter, tmp_path):
    tag = uuid.uuid4().hex[:10]
    targets = {
        "repo": ROOT / f"dv-escape-{tag}.txt",
        "home": Path(os.environ.get("HOME", "/root")) / f"dv-escape-{tag}.txt",
        "site-packages": Path(sysconfig.get_paths()["purelib"]) / f"dv_escape_{tag}.pth",
        "build": counter.build_dir / f"escape-{tag}",
        "tmp": Path("/tmp") / f"dv-escape-{tag}",
    }
    env = {"HOSTILE_TARGETS": json.dumps([str(p) for p in targets.values()])}
    try:
        res, obs = hostile(counter, tmp_path, "write_outside", sandboxed=False, env=env)
        landed = {k for k, p in targets.items() if p.exists()}
        assert landed == set(targets), f"control run: the check sees no escape ({obs})"
    finally:
        for p in targets.values():
            p.unlink(missing_ok=True)
    res, obs = hostile(counter, tmp_path, "write_outside", sandboxed=True, env=env)
    assert res.status == "passed", res.message  # it ran, and wrote observed.json in its run dir
    assert obs["write"], "the hostile test did not run"
    assert [k for k, p in targets.items() if p.exists()] == []
    for kind in ("repo", "site-packages", "build"):
        assert "Read-only file system" in obs["write"][str(targets[kind])]


class Listener:
    """TCP and Unix-socket listeners of the host; ``hits`` counts connections that got in."""

    def __init__(self, unix_path: Path) -> None:
        self.hits: list[str] = []
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        self.unix_path = unix_path
        self.unix = socket.socket(socket.AF_UNIX)
        self.unix.bind(str(unix_path))
        self.unix.listen()
        self.stop = False
        self.threads = [threading.Thread(target=self._serve, args=(s, k), daemon=True)
                        for s, k in ((self.tcp, "tcp"), (self.unix, "unix"))]
        for t in self.threads:
            t.start()

    def _serve(self, srv: socket.socket, kind: str) -> None:
        srv.settimeout(0.2)
        while not self.stop:
            try:
                conn, _ = srv.accept()
            except (TimeoutError, OSError):
                continue
            self.hits.append(kind)
            conn.close()

    def close(self) -> None:
        self.stop = True
        for t in self.threads:
            t.join(5)
        self.tcp.close()
        self.unix.close()
        self.unix_path.unlink(missing_ok=True)


@needs_bwrap
def test_no_network_and_no_host_sockets(counter, tmp_path):
    # a Unix socket on a path the sandbox can read (the filesystem is visible read-only)
    sock_dir = ROOT / "build"
    sock_dir.mkdir(exist_ok=True)
    lis = Listener(sock_dir / f"dv-s-{uuid.uuid4().hex[:8]}.sock")
    env = {"HOSTILE_PORT": str(lis.port), "HOSTILE_UNIX": str(lis.unix_path)}
    try:
        res, obs = hostile(counter, tmp_path, "connect_out", sandboxed=False, env=env)
        time.sleep(0.5)
        assert sorted(lis.hits) == ["tcp", "unix"], f"control run: {obs}"
        lis.hits.clear()
        res, obs = hostile(counter, tmp_path, "connect_out", sandboxed=True, env=env)
        time.sleep(0.5)
        assert res.status == "passed", res.message
        assert lis.hits == []
        assert obs["connect"]["tcp"].startswith("ConnectionRefusedError")
        assert "Permission denied" in obs["connect"]["unix"]
    finally:
        lis.close()


@needs_bwrap
def test_planted_keys_and_home_secrets_are_not_visible(counter, tmp_path, monkeypatch):
    key = "sk-test-" + uuid.uuid4().hex
    home = ROOT / "build" / f"home-{uuid.uuid4().hex[:8]}"  # a home on a visible path
    (home / ".config").mkdir(parents=True)
    secret = home / ".config" / "token"
    secret.write_text("tok-" + key)
    monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.setenv("COCOTB_API_TOKEN", key)  # an allowed prefix does not let a key in
    monkeypatch.setenv("HOME", str(home))
    env = {"HOSTILE_NEEDLE": key[::-1], "HOSTILE_SECRET_FILE": str(secret)}
    try:
        res, obs = hostile(counter, tmp_path, "read_secrets", sandboxed=False, env=env)
        assert "env OPENAI_API_KEY" in obs["secrets"], f"control run: {obs}"
        assert f"file: tok-{key}" in obs["secrets"]
        res, obs = hostile(counter, tmp_path, "read_secrets", sandboxed=True, env=env)
        assert res.status == "passed", res.message
        assert obs["secrets"] == ["file unreadable (FileNotFoundError)"]
        assert obs["home"] == "/tmp"
        assert key not in (res.run_dir / "sim.log").read_text()
        assert key not in (res.run_dir / "job.json").read_text()
    finally:
        shutil.rmtree(home, ignore_errors=True)


@needs_bwrap
def test_result_files_that_are_links_are_not_followed(counter, tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"bins": {"tok-sk-test-1234567890": 1}}))
    res, obs = hostile(counter, tmp_path, "plant_links", sandboxed=True,
                       env={"HOSTILE_SECRET_FILE": str(secret)})
    assert obs.get("links") == "planted"
    assert res.status == "failed"
    assert "functional.json is not a regular file" in res.message
    assert not os.path.lexists(res.run_dir / "functional.json")
    assert secret.is_file()  # the link was removed, not its target


@needs_bwrap
def test_links_left_in_the_run_directory_are_not_written_through(counter, tmp_path):
    victim = ROOT / "build" / f"victim-{uuid.uuid4().hex[:8]}.txt"
    victim.parent.mkdir(exist_ok=True)
    victim.write_text("precious\n")
    env = {"HOSTILE_VICTIM": str(victim)}
    try:
        # the hostile run does not end by itself (it runs into its timeout); the timeout only
        # has to outlast planting the links
        res, obs = hostile(counter, tmp_path, "link_logs", sandboxed=True, env=env, timeout=20)
        assert obs.get("links") == "planted"
        assert (res.run_dir / "job.json").is_symlink()  # the links are there for the next run
        again = run_one(counter, TestJob(name="again", module="tb_counter_manual",
                                         testcase="counts", seed=3,
                                         python_path=(str(DATA / "designs"),), sandbox=True),
                        res.run_dir)  # the same run directory
        assert again.status == "passed", again.message
        assert victim.read_text() == "precious\n"
        assert not (res.run_dir / "sim.log").is_symlink()
    finally:
        victim.unlink(missing_ok=True)


def _processes_with(marker: str) -> list[int]:
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker.encode() in (proc / "cmdline").read_bytes():
                    out.append(int(proc.name))
            except OSError:
                pass
    return out


@needs_bwrap
def test_no_process_outlives_the_sandbox(counter, tmp_path):
    marker = f"dv-daemon-{uuid.uuid4().hex}"
    env = {"HOSTILE_MARKER": marker}
    try:
        t0 = time.monotonic()
        res, obs = hostile(counter, tmp_path, "leave_daemon", sandboxed=False, env=env)
        assert time.monotonic() - t0 < 30  # the daemon holding the log pipe does not hang dv
        assert obs.get("daemon") == "started"
        assert _processes_with(marker), "control run: the daemon did not outlive the run"
    finally:
        for pid in _processes_with(marker):  # the control's daemon: ours to end, by its id
            os.kill(pid, 9)
    marker = f"dv-daemon-{uuid.uuid4().hex}"
    res, obs = hostile(counter, tmp_path, "leave_daemon", sandboxed=True,
                       env={"HOSTILE_MARKER": marker})
    assert obs.get("daemon") == "started" and res.status == "passed", res.message
    time.sleep(0.5)
    assert _processes_with(marker) == []


@needs_bwrap
def test_print_flood_ends_as_a_failed_test_with_a_capped_log(counter, tmp_path):
    timeout = 60
    t0 = time.monotonic()
    res, obs = hostile(counter, tmp_path, "print_flood", sandboxed=True, timeout=timeout)
    took = time.monotonic() - t0
    assert res.status == "failed"
    assert "printed more than 64 MB" in res.message
    assert "flood" not in obs  # it was stopped, not finished
    assert took < timeout + 5
    size = res.log.stat().st_size
    assert size <= HEAD_BYTES + TAIL_BYTES + 4096, size
    assert "bytes of output dropped here" in read_tail(res.log, 5, TAIL_BYTES + 4096) or \
        "bytes of output dropped here" in res.log.read_text(errors="replace")


@needs_bwrap
def test_memory_bomb_ends_as_a_failed_test_with_the_reason(counter, tmp_path):
    t0 = time.monotonic()
    res, obs = hostile(counter, tmp_path, "memory_bomb", sandboxed=True, timeout=60)
    assert time.monotonic() - t0 < 65
    assert res.status in ("failed", "error")
    assert "memory" not in obs  # it did not get its 6 GB
    assert "address space limit" in res.message, res.message


@needs_bwrap
def test_cpu_limit_stops_a_busy_loop(counter, tmp_path):
    t0 = time.monotonic()
    res, _ = hostile(counter, tmp_path, "cpu_burn", sandboxed=True, timeout=120,
                     limits=Limits(cpu_seconds=3))
    assert time.monotonic() - t0 < 30  # long before the 120 s wall clock
    assert res.status in ("failed", "error")
    assert "CPU time limit" in res.message, res.message


@needs_bwrap
def test_no_capabilities_inside_even_for_root(tmp_path):
    """bwrap started by root keeps every capability unless told otherwise: a remount of a
    read-only bind as read-write then succeeds and writes to the host. Not in dv's sandbox."""
    import subprocess

    ro = ROOT / "build" / f"ro-{uuid.uuid4().hex[:8]}"
    ro.mkdir(parents=True)
    run = tmp_path / "run"
    run.mkdir()
    script = (f"mount -o remount,bind,rw {ro} 2>/dev/null; touch {ro}/x 2>/dev/null; "
              "grep CapEff /proc/self/status")
    try:
        with sandbox.seccomp_fd() as fd:
            cmd = sandbox.wrap(["/bin/sh", "-c", script], rw=[run], env={"PATH": "/usr/bin:/bin"},
                               seccomp=fd)
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                                 pass_fds=() if fd is None else (fd,))
        assert out.returncode == 0, out.stderr
        assert out.stdout.split()[-1] == "0000000000000000"
        assert not (ro / "x").exists()
    finally:
        shutil.rmtree(ro, ignore_errors=True)


def test_log_tail_reads_only_the_end(tmp_path):
    log = tmp_path / "big.log"
    log.write_bytes(b"first line\n" + b"y" * (8 << 20) + b"\nlast line\n")
    assert read_tail(log, 3, 1024).splitlines()[-1] == "last line"
    assert "first line" not in read_tail(log, 10**6, 1024)


def test_assertion_scan_is_linear_on_long_lines():
    line = "a" * 2_000_000  # no match: a backtracking regex would take quadratic time
    t0 = time.monotonic()
    assert _assertion_errors(line + "\n%Error: x.sv:3: Assertion failed in top\n").startswith(
        "%Error: x.sv:3: Assertion failed")
    assert _assertion_errors(line) == ""
    assert time.monotonic() - t0 < 1.0


def test_run_logged_caps_output_of_any_child(tmp_path):
    code = ("import sys\nfor _ in range(40 << 10): sys.stdout.write('z' * 1023 + '\\n')\n"
            "print('END')")
    res = run_logged([sys.executable, "-c", code], log=tmp_path / "l.log", timeout=60,
                     head=1 << 16, tail=1 << 16)
    assert res.ok and res.output_bytes > 40 << 20
    assert (tmp_path / "l.log").stat().st_size < 3 << 16
    assert res.tail(1) == "END"


def test_environment_filter_drops_credentials():
    env = sandbox.sim_env({"PATH": "/usr/bin", "OPENAI_API_KEY": "sk-1", "GITHUB_TOKEN": "t",
                           "COCOTB_LOG_LEVEL": "INFO", "COCOTB_SECRET": "s", "AWS_SECRET": "a",
                           "LD_PRELOAD": "/x.so", "HOME": "/root", "VERILATOR_ROOT": "/v"})
    assert env["COCOTB_LOG_LEVEL"] == "INFO" and env["VERILATOR_ROOT"] == "/v"
    assert env["HOME"] == "/tmp"
    for gone in ("OPENAI_API_KEY", "GITHUB_TOKEN", "COCOTB_SECRET", "AWS_SECRET", "LD_PRELOAD"):
        assert gone not in env


@pytest.fixture
def fake_bwrap(tmp_path, monkeypatch):
    """Point dv at a bwrap that cannot create namespaces (as where user namespaces are off)."""
    exe = tmp_path / "bwrap"
    exe.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\n"
                   "exit 1\n")
    exe.chmod(0o755)
    monkeypatch.setenv("DV_BWRAP", str(exe))
    sandbox.sandbox_available.cache_clear()
    yield exe
    sandbox.sandbox_available.cache_clear()


def test_refused_namespaces_are_reported_with_the_fix(fake_bwrap, counter, tmp_path):
    ok, reason = sandbox.sandbox_available()
    assert not ok and "Permission denied" in reason
    with pytest.raises(sandbox.SandboxUnavailable) as exc:
        run_one(counter, TestJob(name="x", module="tb_counter_manual", testcase="counts",
                                 seed=1, python_path=(str(DATA / "designs"),), sandbox=True),
                tmp_path / "x")
    assert "apt-get install bubblewrap" in exc.value.message
    assert exc.value.exit_code == EXIT_TOOL
    # the built-in generator is not affected; --no-sandbox is recorded with the reason
    assert sandbox.sandbox_policy(False, None)["enabled"] is False
    off = sandbox.sandbox_policy(True, False)
    assert off["enabled"] is False and "unavailable" in off["reason"]


def test_cli_refuses_a_model_run_without_bwrap(monkeypatch, capsys):
    from dv.cli import main

    monkeypatch.setenv("DV_BWRAP", "")
    sandbox.sandbox_available.cache_clear()
    try:
        rc = main(["generate", "--rtl", str(ROOT / "rtl_examples/fifo/fifo.sv"),
                   "--model", "openai/stub", "--api-base", "http://127.0.0.1:9/v1",
                   "--out", "/nonexistent-dv-out"])
    finally:
        sandbox.sandbox_available.cache_clear()
    assert rc == EXIT_TOOL
    err = capsys.readouterr().err
    assert "apt-get install bubblewrap" in err and "--no-sandbox" in err


@needs_bwrap
@pytest.mark.slow
def test_model_runs_are_sandboxed_and_no_sandbox_is_recorded(tmp_path, capsys):
    """A closure run whose generator is not the built-in one runs its simulations sandboxed;
    with sandbox=False the record says so, with the reason."""
    from dv.design.frontend import load_design
    from dv.gen.builtin import BuiltinGenerator
    from dv.loop import ClosureOptions, run_closure

    class ModelLike(BuiltinGenerator):
        name = "openai/pretend"

    design = load_design([str(DATA / "designs" / "counter.sv")], root=ROOT)
    for requested, enabled in ((None, True), (False, False)):
        out = tmp_path / f"out-{requested}"
        run = run_closure(design, None, ModelLike(), ClosureOptions(
            rounds=1, out=out, root=ROOT, formal=False, parallel=2, sandbox=requested))
        rec = json.loads((out / "coverage/counter/closure.json").read_text())
        assert rec["sandbox"]["enabled"] is enabled and rec["sandbox"]["model_code"]
        jobs = list((out / "build" / "runs").rglob("job.json"))
        assert jobs and all(("limits" in json.loads(j.read_text())) is enabled for j in jobs)
        assert run.rounds[0].tests
        assert all(t["status"] == "passed" for t in run.rounds[0].tests), run.rounds[0].tests
    assert "--no-sandbox" in rec["sandbox"]["reason"]
    summary = (tmp_path / "out-False/coverage/counter/summary.md").read_text()
    assert "Sandbox: **off**" in summary


@needs_bwrap
@pytest.mark.slow
def test_cli_no_sandbox_warns_and_records_and_rerun_sandboxes(tmp_path, capsys, monkeypatch):
    """``dv generate --model ... --no-sandbox``: a warning and the record say model code ran
    unconfined; ``dv rerun`` of that model-written testbench runs it sandboxed again."""
    from dv.cli import main
    from dv.gen.llm_stub import Reply, ScriptedServer

    data = json.loads((DATA / "llm" / "fifo_r0.json").read_text())
    sb = data.pop("scoreboard_file", None)
    if sb:
        data["scoreboard"] = (DATA / "llm" / sb).read_text()
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    with ScriptedServer([Reply(json.dumps(data))]) as srv:
        rc = main(["generate", "--rtl", "rtl_examples/fifo/fifo.sv", "--spec",
                   "rtl_examples/fifo/fifo.md", "--model", "openai/stub", "--api-base",
                   srv.api_base, "--rounds", "1", "--no-formal", "--no-sandbox",
                   "--out", str(out)])
    assert rc in (0, 1)
    err = capsys.readouterr().err
    assert "warning:" in err and "--no-sandbox" in err
    rec = json.loads((out / "coverage/fifo/closure.json").read_text())
    assert rec["sandbox"]["enabled"] is False and rec["sandbox"]["model_code"] is True
    assert "Sandbox: **off**" in (out / "coverage/fifo/summary.md").read_text()
    runs = list((out / "build/runs").rglob("job.json"))
    assert runs and not any("limits" in json.loads(j.read_text()) for j in runs)
    # the committed testbench was written by a model: a rerun is sandboxed by default
    rc = main(["rerun", str(out / "testbenches/fifo"), "--build-root", str(out / "build")])
    jobs = list((out / "build/runs").rglob("job.json"))  # the same runs, rerun
    assert jobs and all("limits" in json.loads(j.read_text()) for j in jobs)
    assert rc == 0, capsys.readouterr()


def test_limits_wrapper_applies_limits_before_exec(tmp_path):
    import subprocess

    code = ("import resource\n"
            "print(resource.getrlimit(resource.RLIMIT_NOFILE)[0])\n"
            "bytearray(1 << 30)\n")
    out = subprocess.run([sys.executable, "-m", "dv.sim.limits", "--as", str(512 << 20),
                          "--nofile", "64", "--", sys.executable, "-c", code],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.stdout.split()[0] == "64"
    assert out.returncode != 0 and "MemoryError" in out.stderr


@needs_bwrap
def test_oversized_coverage_of_a_sandboxed_run_is_not_read(counter, tmp_path, monkeypatch):
    import dv.sim.run as run_mod

    monkeypatch.setattr(run_mod, "COVERAGE_FILE_LIMIT", 100)  # bytes: any real file is larger
    res = run_one(counter, TestJob(name="c", module="tb_counter_manual", testcase="counts",
                                   seed=3, python_path=(str(DATA / "designs"),), sandbox=True),
                  tmp_path / "c")
    assert res.status == "failed"
    assert "coverage.dat larger than" in res.message
    assert not res.coverage_file.exists()


# -- code a spec wrote is untrusted too -----------------------------------------------------------

def test_a_spec_scoreboard_puts_the_testbench_in_the_sandbox(monkeypatch):
    """mcalu's spec carries a python scoreboard block: rerunning its testbench (dv rerun,
    regress, qualify) runs code dv did not write, so it is sandboxed like a model's; a
    testbench with no foreign scoreboard is not."""
    mcalu, fifo = ROOT / "testbenches" / "mcalu", ROOT / "testbenches" / "fifo"
    assert "scoreboard not written by dv" in (sandbox.foreign_code(mcalu) or "")
    assert sandbox.foreign_code(fifo) is None
    monkeypatch.setattr(sandbox, "sandbox_available", lambda: (False, "no bwrap in this test"))
    with pytest.raises(sandbox.SandboxUnavailable) as exc:
        sandbox.testbench_sandbox_policy("builtin", mcalu, None)
    assert "scoreboard not written by dv" in str(exc.value)
    assert "--no-sandbox" in str(exc.value)
    off = sandbox.testbench_sandbox_policy("builtin", mcalu, False)
    assert off["enabled"] is False and off["model_code"] is True
    assert "ran without the OS sandbox" in off["reason"]
    assert sandbox.testbench_sandbox_policy("builtin", fifo, None)["enabled"] is False


def test_the_committed_spec_scoreboard_example_ran_sandboxed():
    rec = json.loads((ROOT / "coverage" / "mcalu" / "closure.json").read_text())
    assert rec["sandbox"]["enabled"] is True, rec["sandbox"]
    assert sandbox.SPEC_CODE in rec["sandbox"]["reason"]
