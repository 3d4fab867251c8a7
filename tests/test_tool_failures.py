"""Tool failures are exit 3 (``ToolError``), not bad input and not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from dv.errors import EXIT_TOOL, ToolError
from dv.sim.build import BuildConfig, build

DATA = Path(__file__).resolve().parent / "data" / "designs"


def test_verilator_refusing_its_options_is_a_tool_error(tmp_path):
    cfg = BuildConfig(top="counter", sources=[str(DATA / "counter.sv")],
                      extra_args=["--no-such-option-dv"])
    with pytest.raises(ToolError) as exc:
        build(cfg, tmp_path)
    assert exc.value.exit_code == EXIT_TOOL
    assert "build.log" in exc.value.render()


@pytest.mark.slow
def test_a_build_that_outlives_its_timeout_is_a_tool_error(tmp_path):
    cfg = BuildConfig(top="counter", sources=[str(DATA / "counter.sv")])
    with pytest.raises(ToolError, match="did not finish") as exc:
        build(cfg, tmp_path, timeout=0.3)
    assert exc.value.exit_code == EXIT_TOOL
