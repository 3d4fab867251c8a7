"""Formal free values the slang front end cannot read: ``$anyconst`` / ``$anyseq``.

SymbiYosys users write a symbolic constant as ``(* anyconst *) logic [3:0] addr;`` or
``logic [3:0] addr = $anyconst;`` (and ``$anyseq`` for a value free in every cycle). Yosys'
slang front end keeps the attributes (the model preparation turns the wire's undefined driver
into a ``$anyconst``/``$anyseq`` cell, see :mod:`dv.formal.model`) but rejects the system
functions. This pre-pass rewrites, in a copy of the file that Yosys reads (same line numbers),
every declaration initialised with one of them into the attribute form. Any other use (an
``assign``, an expression) is refused with the file and line: dv never changes what a free
value means.
"""

from __future__ import annotations

import re
from pathlib import Path

from dv.errors import InputError
from dv.files import write_atomic

_DECL = re.compile(
    r"(?P<decl>\b(?:wire|logic|reg|bit|var)\b[^=;()]*?\b)(?P<name>[A-Za-z_]\w*)"
    r"(?P<dims>(?:\s*\[[^\]]*\])*)\s*=\s*\$(?P<kind>anyconst|anyseq)\s*(?:\(\s*\))?\s*;")
_ANY = re.compile(r"\$(anyconst|anyseq)\b")


def rewrite_text(text: str, file: str = "<file>") -> str | None:
    """``text`` with ``T name = $anyconst;`` declarations as ``(* anyconst *) T name;``;
    None when it has no ``$anyconst``/``$anyseq``. Raises :class:`InputError` for other uses."""
    if not _ANY.search(text):
        return None
    out = _DECL.sub(lambda m: f"(* {m.group('kind')} *) {m.group('decl')}{m.group('name')}"
                              f"{m.group('dims')};", text)
    code = re.sub(r"//[^\n]*", "", out)
    m = _ANY.search(code)
    if m:
        line = code.count("\n", 0, m.start()) + 1
        raise InputError(
            f"${m.group(1)} is read only as a declaration's initial value; dv cannot honour "
            "it here (the front end would reject it, and a rewrite could change its meaning).",
            file=file, line=line,
            hint=f"Declare the free value: logic [W-1:0] name = ${m.group(1)}; or "
                 f"(* {m.group(1)} *) logic [W-1:0] name;")
    return out


def rewrite_files(files: list[Path], work_dir: Path, shown: dict[Path, str]
                  ) -> tuple[list[Path], dict[str, str], list[Path]]:
    """Copies of the files that need the rewrite: (files for Yosys, copy -> original path,
    the originals' directories, for their relative includes)."""
    out: list[Path] = []
    rename: dict[str, str] = {}
    dirs: list[Path] = []
    for n, f in enumerate(files):
        text = f.read_text(errors="replace")
        new = rewrite_text(text, shown.get(f, str(f)))
        if new is None:
            out.append(f)
            continue
        copy = work_dir / "anyvalues" / f"{n}_{f.name}"
        copy.parent.mkdir(parents=True, exist_ok=True)
        if not copy.is_file() or copy.read_text(errors="replace") != new:
            write_atomic(copy, new)
        out.append(copy)
        rename[str(copy.resolve())] = str(f.resolve())
        if f.parent.resolve() not in dirs:
            dirs.append(f.parent.resolve())
    return out, rename, dirs
