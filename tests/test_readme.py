"""The README's claims that can be checked mechanically (issue 14, item 11)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _section(title: str) -> str:
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.M | re.S)
    assert m, title
    return m.group(1)


def test_the_command_table_is_one_table():
    rows = [line for line in _section("What works today").splitlines()
            if line.startswith("|")]
    text = _section("What works today")
    first = text.index(rows[0])
    last = text.index(rows[-1])
    assert "\n\n" not in text[first:last], "a blank line splits the table"
    for command in ("dv generate", "dv inspect", "dv rerun", "dv prove", "--model"):
        assert any(command in r for r in rows), command


def test_the_llm_generator_is_not_called_unbuilt():
    assert "--model" in README
    for para in README.split("\n\n"):
        if "not yet built" in para.lower():
            assert "LLM" not in para and "--model" not in para, para


def test_links_stay_inside_the_repository():
    targets = re.findall(r"\]\(([^)]+)\)", README)
    paths = re.findall(r"`((?:\.\./|/)[^`\s]*)`", README)
    for t in targets:
        assert not re.match(r"[a-z]+://", t), t
        assert (ROOT / t.split("#")[0]).resolve().is_relative_to(ROOT), t
    for p in paths:
        assert not p.startswith("../"), p


def test_the_install_says_what_it_needs():
    quick = _section("Quick start (fresh Linux machine: Python 3.11 or newer, g++, make, perl)")
    assert "640 MB" in quick and "package index" in quick
    assert "make PYTHON=python3.11" in quick


def test_the_examples_list_names_every_example():
    examples = _section("Examples").lower()
    names = {"fifo": "fifo", "arbiter": "arbiter", "uart_tx": "uart", "alu": "alu",
             "traffic": "traffic", "skid": "skid", "crc": "crc", "lockbox": "lockbox"}
    for d in sorted(p.name for p in (ROOT / "rtl_examples").iterdir() if p.is_dir()):
        assert names.get(d, d) in examples, d
