"""Hostile test code, as a model could write it once past the validator (tests/test_sandbox.py).

Each test tries one escape from the simulation and records what it got in ``observed.json`` in
its working directory (the run directory, the one place a sandboxed run may write). The pytest
side checks the host for the effect; these tests never assert success or failure themselves,
except the flood, memory and CPU ones, which are meant to be stopped by dv.

Parameters come through the environment the job sets (``HOSTILE_*``).
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge


def record(**data):
    path = Path("observed.json")
    old = json.loads(path.read_text()) if path.exists() else {}
    old.update(data)
    path.write_text(json.dumps(old, indent=1))


async def start(dut):
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    dut.en.value = 0
    for _ in range(2):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    dut.en.value = 1


@cocotb.test()
async def write_outside(dut):
    """Write files outside the run directory: the repo, $HOME, site-packages, the build."""
    await start(dut)
    results = {}
    for target in json.loads(os.environ["HOSTILE_TARGETS"]):
        try:
            Path(target).write_text("escaped\n")
            results[target] = "written"
        except OSError as exc:
            results[target] = f"{type(exc).__name__}: {exc.strerror}"
    record(write=results)
    await FallingEdge(dut.clk)


@cocotb.test()
async def connect_out(dut):
    """Reach a listener of the host on 127.0.0.1, and a Unix socket of the host."""
    await start(dut)
    got = {}
    try:
        with socket.create_connection(("127.0.0.1", int(os.environ["HOSTILE_PORT"])), 3) as s:
            s.sendall(b"exfiltrated\n")
            got["tcp"] = "connected"
    except OSError as exc:
        got["tcp"] = f"{type(exc).__name__}: {exc}"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(3)
            s.connect(os.environ["HOSTILE_UNIX"])
            s.sendall(b"exfiltrated\n")
            got["unix"] = "connected"
    except OSError as exc:
        got["unix"] = f"{type(exc).__name__}: {exc}"
    record(connect=got)
    await FallingEdge(dut.clk)


@cocotb.test()
async def read_secrets(dut):
    """Look for the planted key in the environment of every visible process, and read a
    secret file under the user's real home directory."""
    await start(dut)
    needle = os.environ["HOSTILE_NEEDLE"][::-1]  # given reversed, so it is not found as itself
    found = [f"env {k}" for k, v in os.environ.items() if needle in v]
    for proc in Path("/proc").iterdir():
        try:
            if needle.encode() in (proc / "environ").read_bytes():
                found.append(f"/proc/{proc.name}/environ")
        except OSError:
            pass
    try:
        found.append("file: " + Path(os.environ["HOSTILE_SECRET_FILE"]).read_text().strip())
    except OSError as exc:
        found.append(f"file unreadable ({type(exc).__name__})")
    # what dv's own output would carry back: a failing message is the exfiltration channel
    record(secrets=found, home=os.environ.get("HOME"))
    await FallingEdge(dut.clk)


@cocotb.test()
async def leave_daemon(dut):
    """Start a process in its own session that is meant to outlive the simulation."""
    await start(dut)
    marker = os.environ["HOSTILE_MARKER"]
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", marker],
                     start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    record(daemon="started")
    await FallingEdge(dut.clk)


@cocotb.test()
async def print_flood(dut):
    """Print 200 MB (the scoreboard that prints a lot every cycle)."""
    await start(dut)
    line = "x" * 1023 + "\n"
    block = line * 1024  # 1 MB
    for _ in range(200):
        sys.stdout.write(block)
        await FallingEdge(dut.clk)
    record(flood="finished")


@cocotb.test()
async def memory_bomb(dut):
    """Allocate (and touch) 6 GB in 256 MB pieces."""
    await start(dut)
    chunks = []
    for _ in range(24):
        chunks.append(b"\x01" * (256 << 20))
        await FallingEdge(dut.clk)
    record(memory=f"allocated {len(chunks) * 256} MB")


@cocotb.test()
async def cpu_burn(dut):
    """Spin without yielding to the simulator."""
    await start(dut)
    n = 0
    while True:
        n += 1


@cocotb.test()
async def plant_links(dut):
    """Leave a result file that points at a host file, for dv (outside) to read."""
    await start(dut)
    os.symlink(os.environ["HOSTILE_SECRET_FILE"], "functional.json")
    record(links="planted")
    await FallingEdge(dut.clk)


@cocotb.test()
async def link_logs(dut):
    """Replace the files dv (outside) writes into the run directory with links to a host file,
    for the next run in the same directory to write through."""
    await start(dut)
    for name in ("sim.log", "job.json", "coverage.dat"):
        if os.path.lexists(name):
            os.remove(name)
        os.symlink(os.environ["HOSTILE_VICTIM"], name)
    record(links="planted")
    await FallingEdge(dut.clk)
