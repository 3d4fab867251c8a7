"""Read and write Verilator's ``coverage.dat`` (``# SystemC::Coverage-3``).

The format, as written by ``verilated_cov.cpp``::

    # SystemC::Coverage-3
    C '\\x01f\\x02fifo.sv\\x01l\\x0228\\x01n\\x029\\x01t\\x02branch\\x01page\\x02v_branch/fifo...' 3

- one point per ``C`` line: ``C '`` + record + ``' `` + decimal count;
- the record is a sequence of ``\\x01<key>\\x02<value>`` pairs;
- keys and values are escaped by Verilator: every non-printable byte, ``%`` and ``"`` becomes
  ``%XX`` (upper-case hex; on platforms with a signed ``char`` a byte >= 0x80 comes out as
  ``%FFFFFFXX``).  A single quote is *not* escaped, so values may contain ``'`` (expression rows
  such as ``(DEPTH - 32'sh1)``): the record ends at the *last* ``' `` of the line;
- ``h`` (hierarchy) comes last and may be a combined hierarchy like ``top.*`` when Verilator
  collapsed equal points of several instances.

Parsing is one pass over the lines with ``str.split``; no regular expression per key.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from dv.cov.model import Coverage, CoverPoint
from dv.errors import InputError

HEADER = "# SystemC::Coverage-3"

# keys modelled by CoverPoint fields; everything else goes to CoverPoint.extra
_CORE_KEYS = frozenset(("f", "l", "n", "t", "o", "h", "S"))

_ESCAPED_RUN = re.compile(r"(?:%(?:FFFFFF|ffffff)?[0-9A-Fa-f]{2})+")
_ESCAPED_ONE = re.compile(r"%(?:FFFFFF|ffffff)?([0-9A-Fa-f]{2})")
_NEEDS_ESCAPE = re.compile(r'[^\x20-\x7e]|[%"]')
_HINT = "Is this a coverage.dat written by a Verilator model built with --coverage?"


def read_dat(path: Path | str, *, root: Path | str | None = None,
             test: str | None = None) -> Coverage:
    """Read a ``coverage.dat``.

    File paths under ``root`` become relative (posix); others are kept as written.  ``test`` is
    recorded as the ``first_test`` of every hit point.  Malformed input raises
    :class:`~dv.errors.InputError` naming the file, the line and what was expected.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"coverage file {p} does not exist.",
                         hint="Did the simulation run with +verilator+coverage+file+<path>?")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read coverage file {p}: {exc.strerror}.") from exc
    # Verilator escapes everything but printable ASCII, so any decoding works on a real file;
    # 'replace' keeps stray bytes from crashing the reader.
    text = data.decode("utf-8", errors="replace")
    return parse_dat_text(text, source=str(p), root=root, test=test)


def parse_dat_text(text: str, *, source: str = "<coverage.dat>",
                   root: Path | str | None = None, test: str | None = None) -> Coverage:
    """Parse the text of a ``coverage.dat``; see :func:`read_dat`."""
    lines = text.split("\n")
    first = lines[0].rstrip("\r")
    if first != HEADER:
        found = "an empty file" if not text.strip() else f"{_clip(first)}"
        raise InputError(f"expected the header {HEADER!r} on the first line, found {found}.",
                         file=source, line=1, hint=_HINT)
    # Bulk loading creates hundreds of thousands of objects: the cyclic GC only slows it down.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_lines(lines, source, _path_normaliser(root), test)
    finally:
        if gc_was_enabled:
            gc.enable()


def _parse_lines(lines: list[str], source: str, normalise: Callable[[str], str] | None,
                 test: str | None) -> Coverage:
    cov = Coverage()
    points = cov.points
    files: dict[str, str] = {}  # file as written -> normalised
    for index in range(1, len(lines)):
        raw = lines[index]
        # the common case first; anything odd goes to the slow path
        end = raw.rfind("' ")
        if end < 4 or not raw.startswith("C '\x01"):
            if not raw or raw[0] == "#" or raw.isspace():
                continue
            _diagnose(raw, source, index + 1)
        fields: dict[str, str] = {}
        for pair in raw[4:end].split("\x01"):
            key, sep, value = pair.partition("\x02")
            if not sep:
                _diagnose(raw, source, index + 1)
            fields[key] = value
        if "%" in raw:
            fields = {_unescape(k): _unescape(v) for k, v in fields.items()}
        file = fields.pop("f", None)
        line_text = fields.pop("l", None)
        kind = fields.pop("t", None)
        if file is None or line_text is None or not kind:
            kind = _missing_keys(file, line_text, kind, fields, source, index + 1)
        col_text = fields.pop("n", "0")
        try:
            count = int(raw[end + 2:])
        except ValueError:
            _diagnose(raw, source, index + 1)
        if count < 0:
            _diagnose(raw, source, index + 1)
        try:
            line = int(line_text)  # type: ignore[arg-type]
            column = int(col_text)
        except ValueError:
            raise InputError(
                f"expected integer line and column numbers in the record, found "
                f"l={line_text!r} n={col_text!r}.", file=source, line=index + 1) from None
        if normalise is not None:
            norm = files.get(file)  # type: ignore[arg-type]
            if norm is None:
                norm = files[file] = normalise(file)  # type: ignore[index, arg-type]
            file = norm
        comment = fields.pop("o", "")
        hier = fields.pop("h", "")
        point = CoverPoint(kind, file, line, column, comment, hier,  # type: ignore[arg-type]
                           fields.pop("S", ""), count, test if count else None, fields)
        key = f"{kind}|{file}|{line}|{column}|{hier}|{comment}"
        if key in points:  # the same point listed twice: add up
            cov.add(point)
        else:
            points[key] = point
    return cov


def _diagnose(raw: str, source: str, lineno: int) -> NoReturn:
    """Raise the InputError that explains what is wrong with a bad ``C`` line."""
    if raw.endswith("\r"):
        raw = raw[:-1]
    if not raw.startswith("C '"):
        raise InputError(
            f"expected a coverage point line \"C '<record>' <count>\", found {_clip(raw)}.",
            file=source, line=lineno, hint=_HINT)
    end = raw.rfind("' ")
    if end < 3:
        raise InputError(
            "the record is not closed: expected \"' <count>\" at the end of the line "
            "(is the file truncated?).", file=source, line=lineno)
    count_text = raw[end + 2:].rstrip("\r")
    if not (count_text.isascii() and count_text.isdigit()):
        raise InputError(
            f"expected a non-negative integer count after the record, found "
            f"{_clip(count_text)}.", file=source, line=lineno)
    record = raw[3:end]
    if not record.startswith("\x01"):
        raise InputError(
            "the record must start with \\x01<key>\\x02<value>; found "
            f"{_clip(record)}.", file=source, line=lineno)
    for pair in record[1:].split("\x01"):
        key, sep, _value = pair.partition("\x02")
        if not sep:
            raise InputError(
                f"malformed record: key {_clip(key)} has no value (expected "
                "\\x01<key>\\x02<value> pairs).", file=source, line=lineno)
    raise InputError(f"malformed coverage point line {_clip(raw)}.", file=source, line=lineno)


def _missing_keys(file: str | None, line: str | None, kind: str | None,
                  fields: dict[str, str], source: str, lineno: int) -> str:
    """Report a missing required key, or derive the missing type from the page."""
    if file is None:
        raise InputError("the record has no 'f' (file) key.", file=source, line=lineno)
    if line is None:
        raise InputError("the record has no 'l' (line number) key.", file=source, line=lineno)
    page = fields.get("page", "")
    # Verilator derives 't' from the page: "v_toggle/fifo" -> "toggle"
    if kind is None and page.startswith("v_") and "/" in page:
        return page[2:page.index("/")]
    raise InputError("the record has no 't' (type) key and no 'page' to derive it from.",
                     file=source, line=lineno)


def write_dat(cov: Coverage, path: Path | str) -> None:
    """Write ``cov`` in Verilator's format (readable by :func:`read_dat` and other tools).

    Keys are written as ``f l n t <extra...> o S h`` (Verilator's order; ``S`` and ``h`` only
    when non-empty).  ``first_test`` has no place in the format and is not written.
    """
    Path(path).write_text(format_dat(cov), encoding="ascii", newline="\n")


def format_dat(cov: Coverage) -> str:
    """The text :func:`write_dat` writes."""
    out = [HEADER]
    for p in cov.points.values():
        if p.count < 0:
            raise ValueError(f"coverage point {p.key} has a negative count {p.count}")
        parts = ["C '\x01f\x02", _escape(p.file), "\x01l\x02", str(p.line),
                 "\x01n\x02", str(p.column), "\x01t\x02", _escape(p.kind)]
        for k, v in p.extra.items():
            if k in _CORE_KEYS:  # would duplicate a modelled key
                continue
            parts += ["\x01", _escape(k), "\x02", _escape(v)]
        parts += ["\x01o\x02", _escape(p.comment)]
        if p.span:
            parts += ["\x01S\x02", _escape(p.span)]
        if p.hier:
            parts += ["\x01h\x02", _escape(p.hier)]
        parts += ["' ", str(p.count)]
        out.append("".join(parts))
    out.append("")
    return "\n".join(out)


def _escape(text: str) -> str:
    if text.isascii() and text.isprintable() and "%" not in text and '"' not in text:
        return text
    return _NEEDS_ESCAPE.sub(_escape_char, text)


def _escape_char(m: re.Match[str]) -> str:
    return "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8", errors="surrogatepass"))


def _unescape(text: str) -> str:
    if "%" not in text:
        return text
    return _ESCAPED_RUN.sub(_unescape_run, text)


def _unescape_run(m: re.Match[str]) -> str:
    data = bytes(int(h, 16) for h in _ESCAPED_ONE.findall(m.group(0)))
    return data.decode("utf-8", errors="replace")


def _clip(text: str, limit: int = 60) -> str:
    shown = text.replace("\x01", "\\x01").replace("\x02", "\\x02")
    if len(shown) > limit:
        shown = shown[:limit] + "..."
    return repr(shown)


def _path_normaliser(root: Path | str | None) -> Callable[[str], str] | None:
    """A function making absolute paths under ``root`` relative (posix); None without root."""
    if root is None:
        return None
    base = Path(root)
    prefixes = []
    for cand in (base.absolute(), base.resolve()):
        prefix = os.path.normpath(str(cand))
        if prefix not in prefixes:
            prefixes.append(prefix)
    def normalise(file: str) -> str:
        result = file
        if os.path.isabs(file):
            norm = os.path.normpath(file)
            for prefix in prefixes:
                if norm == prefix:
                    break
                stem = prefix if prefix.endswith(os.sep) else prefix + os.sep
                if norm.startswith(stem):
                    result = Path(norm[len(stem):]).as_posix()
                    break
        return result

    return normalise
