"""Helpers shared by the dv prove test modules (not a test module itself)."""

from __future__ import annotations

import pytest

from dv.errors import DvError
from dv.formal.cli import prove_command


def dv_prove(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the click command the way ``dv`` does: exit code from the DvError raised."""
    code = 0
    try:
        prove_command.main(args, prog_name="dv prove", standalone_mode=False)
    except DvError as exc:
        print(f"error: {exc.render()}")
        code = exc.exit_code
    out = capsys.readouterr()
    return code, out.out + out.err
