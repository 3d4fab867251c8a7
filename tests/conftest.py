"""Shared fixtures: one Verilator build cache per session, and no network for any test."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def build_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("build")


@pytest.fixture(scope="session", autouse=True)
def no_builds_in_the_working_tree(tmp_path_factory):
    """``dv rerun`` without --build-root builds under DV_BUILD_ROOT: scratch, not ./build."""
    mp = pytest.MonkeyPatch()
    mp.setenv("DV_BUILD_ROOT", str(tmp_path_factory.mktemp("dv-build-root")))
    yield
    mp.undo()


@pytest.fixture(scope="session", autouse=True)
def one_compile_cache_for_the_run(tmp_path_factory):
    """Verilator builds share compiled runtime objects (dv.sim.objcache, or ccache when it is
    installed) across the run's tests and xdist workers, in scratch rather than ~/.cache."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    mp = pytest.MonkeyPatch()
    mp.setenv("DV_COMPILE_CACHE", str(shared / "dv-compile-cache"))
    mp.setenv("CCACHE_DIR", str(shared / "ccache"))
    yield
    mp.undo()


KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE")


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No test may reach anything but the loopback addresses, and no real key is around."""
    real = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and not (
                str(host).startswith("127.") or host in ("localhost", "::1")):
            raise AssertionError(f"a test tried to reach {address}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
