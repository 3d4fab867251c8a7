"""dv's compile cache (the OBJCACHE wrapper of Verilator builds): reuse only on equal inputs."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dv.sim.objcache import compile_cache_env, main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def setup(tmp_path, monkeypatch):
    """A runtime source outside the build directory, a logging compiler, a cache."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "rt.h").write_text("#define RT_VALUE 7\n")
    (lib / "rt.cpp").write_text('#include "rt.h"\nint rt_value() { return RT_VALUE; }\n')
    log = tmp_path / "calls.log"
    cxx = tmp_path / "cxx"
    cxx.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec c++ "$@"\n')
    cxx.chmod(cxx.stat().st_mode | stat.S_IEXEC)
    build = tmp_path / "build"
    build.mkdir()
    monkeypatch.setenv("DV_COMPILE_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(build)
    return lib, cxx, log, build


def _compile(cxx, lib, *extra, out="rt.o"):
    return main([str(cxx), "-Os", "-MMD", f"-I{lib}", *extra, "-c", "-o", out, str(lib / "rt.cpp")])


def _calls(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.is_file() else 0


def test_second_build_reuses_the_runtime_object(setup, tmp_path):
    lib, cxx, log, build = setup
    assert _compile(cxx, lib) == 0 and _calls(log) == 1
    first = (build / "rt.o").read_bytes()
    (build / "rt.o").unlink()
    (build / "rt.d").unlink()
    assert _compile(cxx, lib) == 0
    assert _calls(log) == 1  # the compiler did not run again
    assert (build / "rt.o").read_bytes() == first and (build / "rt.d").is_file()


def test_a_changed_header_or_flag_is_a_miss(setup):
    lib, cxx, log, build = setup
    assert _compile(cxx, lib) == 0
    (lib / "rt.h").write_text("#define RT_VALUE 8\n")  # read by the compile, not named on it
    assert _compile(cxx, lib) == 0 and _calls(log) == 2
    assert _compile(cxx, lib, "-DEXTRA=1") == 0 and _calls(log) == 3
    assert _compile(cxx, lib) == 0 and _calls(log) == 3  # both header versions are kept


def test_compiles_without_a_dependency_list_are_not_cached(setup):
    lib, cxx, log, build = setup
    for _ in range(2):
        assert main([str(cxx), f"-I{lib}", "-c", "-o", "rt.o", str(lib / "rt.cpp")]) == 0
    assert _calls(log) == 2


def test_a_model_source_is_reused_in_another_build_directory_only_with_equal_content(
        setup, tmp_path, monkeypatch):
    lib, cxx, log, build = setup
    other = tmp_path / "build2"
    other.mkdir()
    for d, body in ((build, "1"), (other, "1"), (build, "2")):
        monkeypatch.chdir(d)
        (d / "Vtop.h").write_text(f"#define V {body}\n")
        (d / "model.cpp").write_text('#include "Vtop.h"\nint model() { return V; }\n')
        assert main([str(cxx), "-I.", "-MMD", "-c", "-o", "model.o", "model.cpp"]) == 0
    # build2's identical sources hit; a changed header in build is a miss
    assert _calls(log) == 2


def test_a_broken_cache_entry_falls_back_to_compiling(setup, tmp_path):
    lib, cxx, log, build = setup
    assert _compile(cxx, lib) == 0
    for obj in (tmp_path / "cache").rglob("*.o"):
        obj.unlink()  # a manifest without its object
    assert _compile(cxx, lib) == 0 and _calls(log) == 2 and (build / "rt.o").is_file()


def test_a_compile_error_is_the_compilers(setup):
    lib, cxx, log, build = setup
    (lib / "rt.cpp").write_text("int broken( {\n")
    assert _compile(cxx, lib) != 0
    assert not (build / "rt.o").exists()


def test_choice_of_cache(monkeypatch, tmp_path):
    assert compile_cache_env({"OBJCACHE": "", "PATH": "/usr/bin"})["OBJCACHE"] == ""
    assert "OBJCACHE" not in compile_cache_env({"DV_COMPILE_CACHE": "off", "PATH": "/usr/bin"})
    empty = tmp_path / "empty"
    empty.mkdir()
    env = compile_cache_env({"PATH": str(empty)})  # no ccache anywhere on this PATH
    assert env["OBJCACHE"].endswith("-m dv.sim.objcache")
    fake = tmp_path / "withcc"
    fake.mkdir()
    (fake / "ccache").write_text("#!/bin/sh\n")
    (fake / "ccache").chmod(0o755)
    assert compile_cache_env({"PATH": str(fake)})["OBJCACHE"] == "ccache"


def test_runs_as_a_module_with_the_compilers_exit_status(setup):
    lib, cxx, log, build = setup
    res = subprocess.run([sys.executable, "-m", "dv.sim.objcache", str(cxx), "-c", "nope.cpp"],
                         capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert res.returncode != 0 and _calls(log) == 1
