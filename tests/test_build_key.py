"""The Verilator build's content key (issue 14, item 9): the same inputs give the same key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dv.sim.build import BuildConfig, build_key
from dv.sim.tools import find_verilator

ROOT = Path(__file__).resolve().parent.parent
FIFO = "rtl_examples/fifo/fifo.sv"


@pytest.fixture(scope="module")
def tool():
    return find_verilator()


def test_relative_and_absolute_paths_give_one_key(tool, monkeypatch):
    monkeypatch.chdir(ROOT)
    rel = BuildConfig(top="fifo", sources=[FIFO], includes=["rtl_examples/fifo"])
    absolute = BuildConfig(top="fifo", sources=[str(ROOT / FIFO)],
                           includes=[str(ROOT / "rtl_examples/fifo")])
    dotted = BuildConfig(top="fifo", sources=[f"./rtl_examples/../{FIFO}"],
                         includes=[str(ROOT / "rtl_examples/fifo") + os.sep])
    assert build_key(rel, tool) == build_key(absolute, tool) == build_key(dotted, tool)


def test_a_different_file_or_setting_gives_another_key(tool, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    base = BuildConfig(top="fifo", sources=[FIFO])
    copy = tmp_path / "fifo.sv"
    copy.write_text((ROOT / FIFO).read_text())
    keys = {build_key(base, tool),
            build_key(BuildConfig(top="fifo", sources=[str(copy)]), tool),  # same text, elsewhere
            build_key(BuildConfig(top="fifo", sources=[FIFO], parameters={"DEPTH": "4"}), tool),
            build_key(BuildConfig(top="fifo", sources=[FIFO], defines={"X": "1"}), tool),
            build_key(BuildConfig(top="fifo", sources=[FIFO], timing=True), tool)}
    assert len(keys) == 5
    copy.write_text(copy.read_text() + "\n// changed\n")
    assert build_key(BuildConfig(top="fifo", sources=[str(copy)]), tool) not in keys
