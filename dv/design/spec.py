"""The design spec: a Markdown file read by section, with designer properties and waivers.

Format (see ``rtl_examples/fifo/fifo.md``):

- ``#``/``##``/``###`` headings split the prose into sections (kept verbatim for the LLM).
- A fenced block tagged ``sva`` holds SystemVerilog properties written by the designer, one
  statement per ``;``-terminated item (``assert property (...);``, ``cover property (...);``,
  optionally labelled ``name: assert property (...);``).
- A fenced block tagged ``unreachable`` lists coverage points the design makes unreachable on
  purpose, one per line: ``<file>:<line> <kind> <reason>`` where ``<kind>`` is one of
  ``line``, ``branch``, ``expr``, ``toggle``, ``user``, ``fsm`` or ``*`` (every point on the
  line); ``toggle`` may name a signal bit with ``toggle:<signal>``. The reason is mandatory.
  These points are waived: never counted as hit, never counted against the goal.
- A fenced block tagged ``python scoreboard`` (at most one) holds a reference model written by
  the engineer: Python defining ``SCOREBOARD(txn, prev)`` (and optionally
  ``SCOREBOARD_RESET(first)``), the slot an LLM fills otherwise. It is kept verbatim here;
  ``dv.gen.validate.spec_scoreboard`` checks it against the design exactly as it checks
  model-written code, and the built-in generator runs it in the testbench's scoreboard slot.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dv.errors import InputError

if TYPE_CHECKING:
    from dv.design.model import Design

WAIVER_KINDS = ("line", "branch", "expr", "toggle", "user", "fsm", "*")


@dataclass(frozen=True)
class Section:
    heading: str
    level: int
    text: str
    line: int


@dataclass(frozen=True)
class SvaProperty:
    text: str
    line: int  # line in the spec file where the statement starts
    label: str | None = None
    kind: str = "assert"  # assert | assume | cover


@dataclass(frozen=True)
class Waiver:
    file: str  # file name as written (matched against the end of a coverage point's path)
    line: int
    kind: str  # one of WAIVER_KINDS
    reason: str
    target: str | None = None  # for toggle:<signal>
    spec_line: int = 0

    def matches(self, kind: str, file: str, line: int, comment: str = "") -> bool:
        if line != self.line:
            return False
        if not (file == self.file or file.endswith("/" + self.file)):
            return False
        if self.kind != "*" and not kind.startswith(self.kind):
            return False
        if self.target is not None:
            sig = comment.split(":", 1)[0]
            return sig == self.target or sig.startswith(self.target + "[")
        return True


@dataclass(frozen=True)
class SpecScoreboard:
    """The spec's ``python scoreboard`` block: its source and where it sits in the spec."""

    source: str
    line: int  # spec line of the block's first source line


@dataclass
class Spec:
    path: str
    title: str = ""
    sections: list[Section] = field(default_factory=list)
    properties: list[SvaProperty] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    scoreboard: SpecScoreboard | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(f"{'#' * s.level} {s.heading}\n{s.text}".strip() for s in self.sections)


# ATX heading; a closing run of '#' counts only after a space ("## C#" is the heading "C#").
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
# Opening fence: the tag is the first word of the info string ("```sva title" is tagged sva).
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([\w+-]*)[^`]*$")
_PROP_KIND = re.compile(r"^\s*(?:(\w+)\s*:\s*)?(assert|assume|cover)\b")


def parse_spec(path: str | Path) -> Spec:
    """Read a Markdown spec. Raises :class:`InputError` naming file and line on malformed input."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"spec file {p} does not exist.", hint="Pass --spec with a Markdown file.")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"spec file {p} is not UTF-8 text ({exc.reason}).", file=p) from exc
    if _is_json(text):
        raise InputError(
            f"spec file {p} is JSON; a spec is Markdown (or plain) text.", file=p,
            hint="Pass the design's Markdown description with --spec: prose under '#' headings, "
                 "properties in ```sva blocks, waivers in ```unreachable blocks (see "
                 "rtl_examples/fifo/fifo.md).")
    return parse_spec_text(text, str(p))


def _is_json(text: str) -> bool:
    head = text.lstrip()
    if not head.startswith(("{", "[")):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def check_waivers(spec: Spec, design: Design, root: Path | str = ".") -> None:
    """Raise :class:`InputError` at the waiver's spec line if it names no line of the design.

    A waiver's file must be one of the design's source files (as given, or its trailing path)
    and its line must exist in that file. ``design.files`` are relative to ``root``.
    """
    for w in spec.waivers:
        files = [f for f in design.files
                 if f == w.file or f.endswith("/" + w.file) or Path(f).name == w.file]
        if not files:
            raise InputError(
                f"this waiver names {w.file}, which is not a file of the design "
                f"({', '.join(Path(f).name for f in design.files)}).", file=spec.path,
                line=w.spec_line or None,
                hint="Write '<file>:<line> <kind> <reason>' with one of the design's files.")
        counts = []
        for f in files:
            try:
                counts.append(len((Path(root) / f).read_text(errors="replace").splitlines()))
            except OSError:
                counts.append(None)
        if all(n is not None and w.line > n for n in counts):
            n = max(c for c in counts if c is not None)
            raise InputError(
                f"this waiver names {w.file}:{w.line}, but {w.file} has only {n} lines.",
                file=spec.path, line=w.spec_line or None,
                hint="Point the waiver at the line of the statement it waives.")


def parse_spec_text(text: str, path: str = "<spec>") -> Spec:
    spec = Spec(path=path)
    lines = text.splitlines()
    heading, level, start, body = "", 0, 1, []

    def close_section() -> None:
        content = "\n".join(body).strip()
        if heading or content:
            spec.sections.append(Section(heading, level, content, start))

    i = 0
    while i < len(lines):
        raw = lines[i]
        fence = _FENCE.match(raw)
        if fence:
            marker, tag = fence.group(1), fence.group(2).lower()
            closing = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$")
            j = i + 1
            while j < len(lines) and not closing.match(lines[j]):
                j += 1
            if j >= len(lines):
                raise InputError(
                    f"the fenced block opened here with {marker} is never closed.",
                    file=path, line=i + 1, hint="Add a closing fence line.",
                )
            block = lines[i + 1 : j]
            if tag == "sva":
                spec.properties.extend(_parse_sva(block, i + 2, path))
            elif tag == "unreachable":
                spec.waivers.extend(_parse_waivers(block, i + 2, path))
            elif tag == "python" and "scoreboard" in raw.strip()[len(marker):].split()[1:]:
                if spec.scoreboard is not None:
                    raise InputError(
                        "a second ```python scoreboard block: a spec holds one reference "
                        f"model (the first is at line {spec.scoreboard.line - 1}).",
                        file=path, line=i + 1,
                        hint="Merge the two into one block defining SCOREBOARD(txn, prev).")
                spec.scoreboard = SpecScoreboard("\n".join(block), i + 2)
            body.extend(lines[i : j + 1])
            i = j + 1
            continue
        m = _HEADING.match(raw)
        if m:
            close_section()
            heading, level, start, body = m.group(2) or "", len(m.group(1)), i + 1, []
            if not spec.title and level == 1:
                spec.title = heading
        else:
            body.append(raw)
        i += 1
    close_section()
    return spec


def _parse_sva(block: list[str], first_line: int, path: str) -> list[SvaProperty]:
    """Split an sva block into ``;``-terminated statements.

    A ``;`` ends a statement only outside parentheses, strings and comments, so a statement may
    span lines and several may share one line; ``//`` and ``/* */`` comments are dropped.
    """
    props: list[SvaProperty] = []
    words: list[str] = []  # the statement so far, one stripped piece per source line
    piece: list[str] = []
    start = first_line
    depth = 0
    in_comment = False

    def flush_piece() -> None:
        text = "".join(piece).strip()
        if text:
            words.append(text)
        piece.clear()

    def finish() -> None:
        stmt = " ".join(words)
        words.clear()
        m = _PROP_KIND.match(stmt)
        if not m:
            raise InputError(
                "an sva block may hold only assert/assume/cover statements; this one starts "
                f"with {stmt.split()[0]!r}.", file=path, line=start,
                hint="Write e.g. 'name: assert property (@(posedge clk) a |-> b);'.",
            )
        props.append(SvaProperty(text=stmt, line=start, label=m.group(1), kind=m.group(2)))

    for offset, raw in enumerate(block):
        lineno = first_line + offset
        i = 0
        in_string = False
        while i < len(raw):
            ch = raw[i]
            if in_comment:
                if raw.startswith("*/", i):
                    in_comment = False
                    i += 2
                else:
                    i += 1
                continue
            if in_string:
                piece.append(ch)
                if ch == "\\" and i + 1 < len(raw):
                    piece.append(raw[i + 1])
                    i += 2
                    continue
                in_string = ch != '"'
                i += 1
                continue
            if raw.startswith("//", i):
                break
            if raw.startswith("/*", i):
                in_comment = True
                i += 2
                continue
            if not words and not "".join(piece).strip() and not ch.isspace():
                start = lineno  # first character of a new statement
            piece.append(ch)
            if ch == '"':
                in_string = True
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth < 0:
                    raise InputError("this ')' closes a parenthesis that was never opened.",
                                     file=path, line=lineno, hint="Balance the parentheses.")
            elif ch == ";" and depth == 0:
                flush_piece()
                finish()
            i += 1
        flush_piece()
    if words:
        raise InputError(
            "this sva statement is not terminated with ';' (or its parentheses do not balance).",
            file=path, line=start,
        )
    return props


_WAIVER = re.compile(r"^\s*(?P<file>[^\s:]+):(?P<line>\d+)\s+(?P<kind>[\w*]+)(?::(?P<target>\S+))?"
                     r"\s+(?P<reason>\S.*)$")


def _parse_waivers(block: list[str], first_line: int, path: str) -> list[Waiver]:
    waivers = []
    for offset, raw in enumerate(block):
        if not raw.strip() or raw.strip().startswith("#"):
            continue
        m = _WAIVER.match(raw)
        if not m or m.group("kind") not in WAIVER_KINDS:
            raise InputError(
                f"cannot read this waiver line: {raw.strip()!r}.", file=path,
                line=first_line + offset,
                hint="Expected '<file>:<line> <kind> <reason>' with kind one of "
                + ", ".join(WAIVER_KINDS) + " (toggle:<signal> for one signal), e.g. "
                "'alu.sv:42 branch the case is fully decoded'.",
            )
        if m.group("target") is not None and m.group("kind") != "toggle":
            raise InputError(
                f"only a toggle waiver may name a signal; this one is {m.group('kind')}:"
                f"{m.group('target')}.", file=path, line=first_line + offset,
                hint="Write 'toggle:<signal>' or drop the ':<signal>' part.",
            )
        if int(m.group("line")) < 1:
            raise InputError("a waiver's line number starts at 1.", file=path,
                             line=first_line + offset)
        waivers.append(Waiver(file=m.group("file"), line=int(m.group("line")), kind=m.group("kind"),
                              reason=m.group("reason").strip(), target=m.group("target"),
                              spec_line=first_line + offset))
    return waivers
