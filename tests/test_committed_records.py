"""The committed example records are what the current dv writes.

``coverage/<top>/closure.json`` is committed for every example. A record written by an older dv
lacks fields the current one writes (or keeps ones it dropped), and a reviewer reading it would
be reading something dv no longer produces. Two checks:

- the FIFO is generated afresh with the options its record names, and the two records must be
  equal once the volatile fields (timings, start time, where the run wrote) are set aside;
- every other committed record has the same shape (the keys of the record, of each round, of
  each test) as the fresh one, and names the current dv version.

When either fails, regenerate the committed examples with ``make examples``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dv import __version__

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.name for p in (ROOT / "rtl_examples").iterdir() if p.is_dir())

# fields whose value depends on the machine, the moment or the output directory
VOLATILE = {"started", "seconds", "test_seconds", "wall_seconds", "cycles_per_second", "log",
            "dir", "cached", "key"}  # a build key hashes the sources' resolved paths
REGENERATE = "regenerate the committed examples: make examples"


def _strip(value, prefixes: tuple[str, ...]):
    if isinstance(value, dict):
        return {k: _strip(v, prefixes) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v, prefixes) for v in value]
    if isinstance(value, str):
        for prefix in prefixes:
            value = value.replace(prefix, "")
    return value


def _normal(record: dict, out: str = "") -> dict:
    """The record without volatile fields; paths under ``out`` (absolute, or relative to the
    project root as dv writes some of them) made relative to it, as in a committed record."""
    prefixes = (out + "/", os.path.relpath(out, ROOT) + "/") if out else ()
    rec = _strip(record, prefixes)
    # points: one per coverage point, compared as a set (their order is not part of the record)
    rec["points"] = sorted(rec.get("points", []), key=lambda p: json.dumps(p, sort_keys=True))
    return rec


def _differences(a, b, path: str = "") -> list[str]:
    """Where two JSON values differ, as paths (``rounds[0].strategy``)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b))
                for d in (_differences(a.get(k), b.get(k), f"{path}.{k}") if k in a and k in b
                          else [f"{path}.{k} ({'only committed' if k in a else 'only fresh'})"])]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [path or "."]


# record keys written only after another command ran (dv qualify's survivors, and the targets
# the next dv generate took from them): their presence is not a question of dv's version
CONDITIONAL = {"qualify", "mutation_targets"}


def _shape(record: dict) -> dict[str, set[str]]:
    rounds = record.get("rounds") or [{}]
    tests = [t for r in rounds for t in r.get("tests", [])] or [{}]
    return {
        "record": set(record) - CONDITIONAL,
        "round": set().union(*(set(r) for r in rounds)),
        "test": set().union(*(set(t) for t in tests)),
    }


def _options_argv(options: dict) -> list[str]:
    argv = ["--rounds", str(options["rounds"]), "--goal", str(options["goal"]),
            "--goal-on", ",".join(options["goal_kinds"]), "--seed", str(options["seed"])]
    if options.get("time_budget"):
        argv += ["--time-budget", str(options["time_budget"])]
    return argv


@pytest.fixture(scope="module")
def fresh_fifo(tmp_path_factory) -> tuple[dict, str]:
    committed = json.loads((ROOT / "coverage/fifo/closure.json").read_text())
    out = tmp_path_factory.mktemp("regen")
    argv = [sys.executable, "-m", "dv.cli", "generate",
            "--rtl", "rtl_examples/fifo/fifo.sv", "--spec", "rtl_examples/fifo/fifo.md",
            "--out", str(out), *_options_argv(committed["options"])]
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    record = json.loads((out / "coverage/fifo/closure.json").read_text())
    return record, str(out)


@pytest.mark.slow
def test_fifo_record_is_what_dv_writes_today(fresh_fifo):
    fresh, out = fresh_fifo
    committed = json.loads((ROOT / "coverage/fifo/closure.json").read_text())
    a, b = _normal(committed), _normal(fresh, out)
    diff = _differences(a, b)
    assert not diff, f"coverage/fifo/closure.json differs from a fresh run at {diff[:8]}: " \
                     + REGENERATE


@pytest.mark.slow
@pytest.mark.parametrize("top", EXAMPLES)
def test_committed_record_has_the_current_shape(top, fresh_fifo):
    fresh, _ = fresh_fifo
    path = ROOT / "coverage" / top / "closure.json"
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: {REGENERATE}"
    record = json.loads(path.read_text())
    assert record.get("dv") == __version__, f"{top}: written by dv {record.get('dv')}"
    want, got = _shape(fresh), _shape(record)
    for part in want:
        missing, extra = want[part] - got[part], got[part] - want[part]
        assert not missing and not extra, (
            f"coverage/{top}/closure.json {part} keys: missing {sorted(missing)}, "
            f"no longer written {sorted(extra)}: {REGENERATE}")


def test_normalising_keeps_what_matters():
    """The comparison cannot pass by stripping everything: a changed count or status shows."""
    rec = {"started": "x", "points": [{"count": 1, "status": "hit"}],
           "rounds": [{"seconds": {"simulation": 1.0}, "tests": [{"status": "passed"}]}]}
    other = json.loads(json.dumps(rec))
    other["started"], other["rounds"][0]["seconds"] = "y", {"simulation": 9.0}
    assert _normal(rec) == _normal(other)
    other["points"][0]["count"] = 2
    assert _normal(rec) != _normal(other)
    other = json.loads(json.dumps(rec))
    other["rounds"][0]["tests"][0]["status"] = "failed"
    assert _normal(rec) != _normal(other)
