"""A small reader of a counterexample's VCD: the value changes of the top scope's signals,
sampled once per clock cycle into a cycle x signal table. Bounded: at most ``max_bytes`` of the
file, ``max_cycles`` cycles and ``max_signals`` signals are read; what was cut is said."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class CycleTable:
    signals: list[str]
    cycles: list[int]  # the cycle numbers (0 = the first sample)
    times: list[str]  # the VCD time of each sample (the clock edge)
    rows: list[list[str]]  # rows[i][j]: signal j at cycle i
    clock: str | None
    notes: list[str] = field(default_factory=list)


def _value(raw: str, width: int) -> str:
    """A VCD value as a reader reads it: 1-bit as is, vectors in hex when they are binary."""
    if width <= 1:
        return raw
    if raw and set(raw) <= {"0", "1"}:
        return f"{int(raw, 2):#x}" if width > 4 else str(int(raw, 2))
    return raw


def read_vcd(path: Path, *, max_bytes: int = 2_000_000, max_cycles: int = 64,
             max_signals: int = 40) -> CycleTable:
    """The top scope's signals per cycle: one row per active edge of the clock (``clk`` or a
    signal named like it; the edge away from the level it starts at, so a negedge trace is
    read right), the values before the edge; without a clock, one row per timestamp."""
    notes: list[str] = []
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        data = data[:max_bytes]
        notes.append(f"only the first {max_bytes} bytes of the VCD were read")
    text = data.decode("utf-8", errors="replace")
    head, sep, body = text.partition("$enddefinitions")
    if not sep:
        raise ValueError("no $enddefinitions: not a VCD")
    depth = 0
    ids: dict[str, tuple[str, int]] = {}  # code -> (name, width), top scope only
    order: list[str] = []
    toks = head.split()
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == "$scope":
            depth += 1
        elif t == "$upscope":
            depth -= 1
        elif t == "$var" and i + 4 < len(toks):
            width, code, name = toks[i + 2], toks[i + 3], toks[i + 4]
            if depth == 1 and code not in ids:
                try:
                    w = int(width)
                except ValueError:
                    w = 1
                ids[code] = (name, w)
                order.append(code)
        i += 1
    clock = next((c for c in order if ids[c][0] in ("clk", "clock", "clk_i")), None)
    shown = [c for c in order if c != clock]
    if len(shown) > max_signals:
        notes.append(f"{len(shown) - max_signals} more signal(s) not shown")
        shown = shown[:max_signals]
    cur: dict[str, str] = {c: "x" for c in order}
    samples: list[dict[str, str]] = []
    times: list[str] = []
    now = "0"
    cut = False

    def sample() -> None:
        nonlocal cut
        if len(samples) >= max_cycles:
            cut = True
            return
        samples.append({c: cur[c] for c in shown})
        times.append(now)

    pending_time = False
    active: str | None = None  # the clock's active level: the one it first changes to
    prev_clk = cur.get(clock, "x") if clock else None
    lines = body.split("\n")[1:]
    for ln in lines:
        ln = ln.strip()
        if not ln or ln.startswith("$"):
            continue
        if ln[0] == "#":
            if clock is None and pending_time:
                sample()
            pending_time = True
            now = ln[1:]
            continue
        if ln[0] in "bBrR":
            val, _, code = ln[1:].partition(" ")
            code = code.strip()
        else:
            val, code = ln[0], ln[1:].strip()
        if code not in cur:
            continue
        if clock is not None and code == clock:
            if active is None:  # the clock starts at its inactive level (dv's traces do)
                active = "0" if val == "1" else "1"
            elif prev_clk != active and val == active:
                sample()  # the values the flops see at this edge
            prev_clk = val
        cur[code] = val
        if cut:
            break
    if clock is None and pending_time and not cut:
        sample()
    if cut:
        notes.append(f"only the first {max_cycles} cycles are shown")
    rows = [[_value(s[c], ids[c][1]) for c in shown] for s in samples]
    return CycleTable(signals=[ids[c][0] for c in shown], cycles=list(range(len(rows))),
                      times=times, rows=rows, clock=ids[clock][0] if clock else None, notes=notes)
