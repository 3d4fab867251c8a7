"""The typed model of an elaborated design: what every later stage reads.

Built by :mod:`dv.design.frontend` from pyslang's elaboration (parameters resolved, widths
known). Plain dataclasses, serialisable with :func:`dataclasses.asdict`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Direction = Literal["input", "output", "inout"]


@dataclass(frozen=True)
class Port:
    name: str
    direction: Direction
    width: int
    signed: bool = False
    line: int = 0
    depth: int = 1  # >1 for an unpacked-array port (``width`` is then the total bit count)
    role: str = ""  # inputs: "data" | "control" | "config" (see dv.design.roles)
    role_evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parameter:
    name: str
    value: int | str
    overridable: bool = True  # False for localparam
    line: int = 0


Confidence = Literal["high", "medium", "low", "given"]


@dataclass(frozen=True)
class Clock:
    name: str
    edge: Literal["posedge", "negedge"] = "posedge"
    confidence: Confidence = "high"
    evidence: tuple[str, ...] = ()  # why dv thinks so, one short sentence each


@dataclass(frozen=True)
class Reset:
    name: str
    active_low: bool
    asynchronous: bool
    clock: str | None = None
    confidence: Confidence = "high"  # "given": named by the user (--reset, dv.toml)
    evidence: tuple[str, ...] = ()  # why dv thinks so, one short sentence each
    via: tuple[str, ...] = ()  # internal signals between the port and the logic it resets
    stages: int = 0  # register stages (a reset synchroniser) between the port and the logic

    @property
    def asserted_value(self) -> int:
        return 0 if self.active_low else 1


@dataclass(frozen=True)
class Signal:
    """Any named net or variable in the top module (ports included)."""

    name: str
    width: int
    kind: Literal["port", "reg", "wire", "memory"]
    line: int = 0
    depth: int = 1  # >1 for unpacked arrays (memories)
    signed: bool = False
    dims: str = ""  # a memory's unpacked dimensions as declared ("[0:15]"), "" otherwise


@dataclass(frozen=True)
class Register:
    """A variable assigned in a clocked process."""

    name: str
    width: int
    clock: str | None
    reset: str | None
    line: int = 0
    depth: int = 1


@dataclass(frozen=True)
class FsmState:
    name: str
    value: int


@dataclass(frozen=True)
class Fsm:
    """A state variable whose values come from a named set (enum or localparam encodings)."""

    state_var: str
    width: int
    states: tuple[FsmState, ...]
    line: int = 0
    next_var: str | None = None  # the next-state variable in a two-process FSM

    @property
    def legal_values(self) -> tuple[int, ...]:
        return tuple(s.value for s in self.states)


@dataclass(frozen=True)
class Statement:
    """A procedural statement or continuous assignment and the conditions that guard it.

    ``conditions`` are SystemVerilog expressions (source text), outermost first, each written so
    that it is true when control reaches the statement: the ``else`` arm of ``if (a)`` carries
    ``!(a)``, a case item ``2'b10:`` of ``case (sel)`` carries ``(sel) == 2'b10``, a ``default``
    carries the negation of every other label.
    """

    file: str
    line: int
    end_line: int
    kind: str  # "assign", "if", "else", "case_item", "default", "block", "statement", ...
    text: str
    conditions: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()  # signals named in the conditions
    process: str = ""  # "always_ff @(posedge clk ...)" / "assign" / ... (first line of the process)
    module: str = ""  # the module (definition name) whose body holds the statement
    implicit: bool = False  # the missing ``else`` of an ``if``: no text of its own, at the if line


@dataclass
class SourceMap:
    """Lines of every source file and the statements that start on them."""

    lines: dict[str, list[str]] = field(default_factory=dict)  # file -> source lines (no "\n")
    statements: list[Statement] = field(default_factory=list)

    def text(self, file: str, line: int) -> str:
        src = self.lines.get(file)
        if not src or not 1 <= line <= len(src):
            return ""
        return src[line - 1].strip()

    def at(self, file: str, line: int) -> Statement | None:
        """The innermost statement that covers ``line`` of ``file`` (implicit ``else`` arms are
        skipped: they cover nothing, see :meth:`starting_at`)."""
        best: Statement | None = None
        for st in self.statements:
            if st.implicit or st.file != file or not st.line <= line <= st.end_line:
                continue
            if best is None or (st.end_line - st.line) <= (best.end_line - best.line):
                best = st
        return best

    def starting_at(self, file: str, line: int, kind: str | None = None) -> list[Statement]:
        """Every statement (implicit ``else`` arms included) that starts on ``line`` of ``file``,
        optionally only those of one ``kind`` (e.g. ``"else"`` for a branch point)."""
        return [st for st in self.statements if st.file == file and st.line == line
                and (kind is None or st.kind == kind)]


@dataclass
class Design:
    top: str
    files: list[str]
    parameters: list[Parameter] = field(default_factory=list)
    ports: list[Port] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    clocks: list[Clock] = field(default_factory=list)
    resets: list[Reset] = field(default_factory=list)
    registers: list[Register] = field(default_factory=list)
    fsms: list[Fsm] = field(default_factory=list)
    source_map: SourceMap = field(default_factory=SourceMap)
    defines: dict[str, str] = field(default_factory=dict)
    include_dirs: list[str] = field(default_factory=list)
    overrides: dict[str, str] = field(default_factory=dict)  # user -G overrides, as given
    held: dict[str, int] = field(default_factory=dict)  # user --hold NAME=VALUE, every test
    interface_ports: list[Port] = field(default_factory=list)  # SV interface ports of the top
    # enum literals, package parameters (and, below the top, parameters) each instance may
    # read, as sized SV literals: {instance path, "" top, "::" pkg::NAME: {name: literal}}
    constants: dict[str, dict[str, str]] = field(default_factory=dict)
    # standard interfaces (dv.design.interfaces.Interface); None: not recognised yet
    interfaces: list | None = None

    # -- convenience -------------------------------------------------------------------------
    def port(self, name: str) -> Port | None:
        return next((p for p in self.ports if p.name == name), None)

    def signal(self, name: str) -> Signal | None:
        return next((s for s in self.signals if s.name == name), None)

    @property
    def clock(self) -> Clock | None:
        return self.clocks[0] if self.clocks else None

    @property
    def reset(self) -> Reset | None:
        return self.resets[0] if self.resets else None

    def register(self, name: str) -> Register | None:
        return next((r for r in self.registers if r.name == name), None)

    def fsm(self, state_var: str) -> Fsm | None:
        return next((f for f in self.fsms if f.state_var == state_var), None)

    def param_value(self, name: str) -> int | str | None:
        p = next((p for p in self.parameters if p.name == name), None)
        return None if p is None else p.value

    def data_inputs(self) -> list[Port]:
        """Input ports that stimulus drives: every input but clocks and resets."""
        special = {c.name for c in self.clocks} | {r.name for r in self.resets}
        return [p for p in self.ports if p.direction == "input" and p.name not in special]

    def outputs(self) -> list[Port]:
        return [p for p in self.ports if p.direction == "output"]

    def to_dict(self) -> dict:
        return asdict(self)
