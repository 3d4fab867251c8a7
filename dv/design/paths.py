"""How dv names source files: relative POSIX paths under a root, absolute paths elsewhere.

Every stage that names a file (the design's source map, coverage points, waivers, reports) uses
:func:`relative_path` with the same root, so the same file always has the same name.
"""

from __future__ import annotations

import os
from pathlib import Path


def relative_path(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> str:
    """``path`` relative to ``root`` (default: the current directory) as a POSIX string when it
    lies under ``root``, else its absolute POSIX path.

    Symbolic links are tried both as written and resolved, so a root reached through a link still
    matches.
    """
    base = Path(os.path.abspath(root if root is not None else os.getcwd()))
    p = Path(os.path.abspath(path))
    try:
        return p.relative_to(base).as_posix()
    except ValueError:
        pass
    try:
        return p.resolve().relative_to(base.resolve()).as_posix()
    except (ValueError, OSError):
        return p.as_posix()
