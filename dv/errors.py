"""Errors the user can act on.

Every error the user can fix is a :class:`DvError` with a one-paragraph message; the CLI prints it
without a traceback and exits with the class's ``exit_code``:

- 1: verification failure (a test failed, coverage dropped, an assertion was refuted)
- 2: bad input or usage (missing file, syntax error, unknown top, bad parameter, ...)
- 3: tool or environment failure (Verilator/make/yosys missing or crashing)
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_VERIFICATION = 1
EXIT_INPUT = 2
EXIT_TOOL = 3


class DvError(Exception):
    """Base of every error dv reports to the user as a message, not a traceback."""

    exit_code = EXIT_INPUT

    def __init__(
        self, message: str, *, file: str | Path | None = None, line: int | None = None,
        column: int | None = None, hint: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(self.render())

    def location(self) -> str:
        if self.file is None:
            return ""
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def render(self) -> str:
        text = self.message
        loc = self.location()
        if loc:
            text = f"{loc}: {text}"
        if self.hint:
            text += f" {self.hint}"
        return text


class InputError(DvError):
    """Bad input the user can fix: files, syntax, options. Exit code 2."""

    exit_code = EXIT_INPUT


class ToolError(DvError):
    """An external tool is missing, crashed or timed out. Exit code 3."""

    exit_code = EXIT_TOOL


class VerificationFailure(DvError):
    """Verification found a problem (failed test, coverage drop, refuted assertion). Exit code 1."""

    exit_code = EXIT_VERIFICATION
