"""The testbench's FSM check fires on a design whose state register leaves its encodings.

Every generated testbench checks that each recognised state variable holds one of its legal
states. Only the side where every state is legal was tested; this design reaches 2'd3 from
RUN when `jump` is high, and the check must fail the test at the first such cycle, by name.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DESIGN = ROOT / "tests" / "data" / "designs" / "fsm_escape.sv"


@pytest.mark.slow
def test_fsm_check_fails_on_an_illegal_encoding(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "dv.cli", "generate", "--rtl", str(DESIGN), "--rounds", "1",
         "--no-formal", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]  # 1: tests failed
    rec = json.loads((tmp_path / "coverage/fsm_escape/closure.json").read_text())
    tests = [t for r in rec["rounds"] for t in r["tests"]]
    failed = [t for t in tests if t["status"] == "failed"]
    assert failed, [t["status"] for t in tests]
    for t in failed:
        m = re.search(r"cycle (\d+): FSM state holds 0x3, which is not one of its states "
                      r"\['DONE', 'IDLE', 'RUN'\]", t["message"])
        assert m, t["message"][:400]
        assert int(m.group(1)) > 0
    # the failures are the design's (its state left the encodings), not a tool error
    assert all(t["status"] in ("passed", "failed") for t in tests)
