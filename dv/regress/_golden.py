"""Behaviour regression: a compact record of a test's outputs per cycle, and where two differ.

The generated testbench's monitor writes an output trace when ``DV_OUTPUT_TRACE`` names a file
(see :mod:`dv.gen.tb_runtime`): a header line, then one JSON line per cycle
``[reset, [inputs...], [outputs...]]`` (a value is an int, ``null`` for X/Z, or a list for an
unpacked array). :func:`summarize` turns it into what a baseline keeps per recorded seed:

- ``hashes``: one short hash of the outputs per ``CHUNK`` cycles (equal hashes: equal outputs);
- ``stimulus``: one hash of the reset line and inputs over the whole test (the same seed must
  drive the same stimulus, else the outputs cannot be compared);
- ``values``: the outputs as change lists (per signal ``[cycle, value]`` where it changes),
  JSON, zlib-compressed and base64-encoded, so the first differing cycle is found with the old
  and the new value without running the old design again.

The file comes from a simulation that may run model-written code: it is read with a size
limit and checked for shape, and anything else is reported as an unreadable trace.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHUNK = 64  # cycles per hash
TRACE_FORMAT = "dv-output-trace"
TRACE_FILE_LIMIT = 64 * 1024 * 1024
SUMMARY_VERSION = 1


class TraceError(Exception):
    """An output trace that cannot be read (missing, too large, malformed)."""


@dataclass
class Trace:
    inputs: list[str]
    outputs: list[str]
    rows: list[tuple[int, list, list]]  # (reset, input values, output values) per cycle
    truncated: bool = False


def read_trace(path: Path) -> Trace:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TraceError(f"no output trace ({path.name} was not written)") from exc
    if size > TRACE_FILE_LIMIT:
        raise TraceError(f"{path.name} is larger than {TRACE_FILE_LIMIT >> 20} MB")
    lines = path.read_text(errors="replace").splitlines()
    try:
        head = json.loads(lines[0]) if lines else None
    except ValueError as exc:
        raise TraceError(f"{path.name}: the header is not JSON") from exc
    if not isinstance(head, dict) or head.get("format") != TRACE_FORMAT:
        raise TraceError(f"{path.name}: not a dv output trace")
    inputs, outputs = head.get("inputs"), head.get("outputs")
    if not (_names(inputs) and _names(outputs)):
        raise TraceError(f"{path.name}: the header does not list inputs and outputs")
    rows: list[tuple[int, list, list]] = []
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise TraceError(f"{path.name}:{n}: not JSON") from exc
        if (not isinstance(row, list) or len(row) != 3 or row[0] not in (0, 1)
                or not isinstance(row[1], list) or not isinstance(row[2], list)
                or len(row[1]) != len(inputs) or len(row[2]) != len(outputs)):
            raise TraceError(f"{path.name}:{n}: expected [reset, [inputs], [outputs]]")
        rows.append((row[0], row[1], row[2]))
    return Trace(list(inputs), list(outputs), rows, bool(head.get("truncated")))


def _names(x: Any) -> bool:
    return isinstance(x, list) and all(isinstance(n, str) for n in x)


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def summarize(trace: Trace, chunk: int = CHUNK) -> dict[str, Any]:
    """What a baseline keeps of one trace (see the module docstring)."""
    outs = [_dump(r[2]) for r in trace.rows]
    hashes = [_digest(outs[i:i + chunk]) for i in range(0, len(outs), chunk)]
    stimulus = _digest([_dump([r[0], r[1]]) for r in trace.rows])
    changes: dict[str, list] = {name: [] for name in trace.outputs}
    last: list[Any] = [object()] * len(trace.outputs)
    for cycle, row in enumerate(trace.rows):
        for i, value in enumerate(row[2]):
            if value != last[i]:
                changes[trace.outputs[i]].append([cycle, value])
                last[i] = value
    packed = base64.b64encode(zlib.compress(_dump(changes).encode(), 9)).decode()
    return {"version": SUMMARY_VERSION, "cycles": len(trace.rows), "chunk": chunk,
            "outputs": list(trace.outputs), "stimulus": stimulus, "hashes": hashes,
            "truncated": trace.truncated, "values": packed}


def unpack_values(summary: dict[str, Any]) -> dict[str, list]:
    try:
        data = json.loads(zlib.decompress(base64.b64decode(summary["values"])))
    except (KeyError, ValueError, TypeError, zlib.error) as exc:
        raise TraceError("the baseline's trace values cannot be decoded") from exc
    if not isinstance(data, dict):
        raise TraceError("the baseline's trace values are not a table")
    return data


def value_at(changes: list, cycle: int) -> Any:
    """The value of a change list at ``cycle`` (the last change at or before it)."""
    lo, hi = 0, len(changes)
    while lo < hi:
        mid = (lo + hi) // 2
        if changes[mid][0] <= cycle:
            lo = mid + 1
        else:
            hi = mid
    return changes[lo - 1][1] if lo else None


@dataclass
class Difference:
    """Where behaviour first differs. ``cycle`` is the monitor's cycle number (1 = the first
    falling edge after the test started, reset cycles included)."""

    kind: str  # "outputs" | "length" | "stimulus" | "interface"
    cycle: int | None = None
    signal: str | None = None
    old: Any = None
    new: Any = None
    in_reset: bool = False
    detail: str = ""

    def describe(self) -> str:
        if self.kind == "outputs":
            where = " (in reset)" if self.in_reset else ""
            return (f"first difference at cycle {self.cycle}{where}: {self.signal} was "
                    f"{fmt_value(self.old)}, now {fmt_value(self.new)}")
        return self.detail

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "cycle": self.cycle, "signal": self.signal,
                "old": fmt_value(self.old) if self.kind == "outputs" else None,
                "new": fmt_value(self.new) if self.kind == "outputs" else None,
                "in_reset": self.in_reset, "detail": self.describe()}


def fmt_value(v: Any) -> str:
    if v is None:
        return "X"
    if isinstance(v, list):
        return "[" + ", ".join(fmt_value(x) for x in v) + "]"
    if isinstance(v, bool) or not isinstance(v, int):
        return str(v)
    return f"{v:#x}" if v > 9 else str(v)


def compare(old: dict[str, Any], trace: Trace, chunk: int | None = None) -> Difference | None:
    """How the current ``trace`` differs from a baseline summary ``old`` (None: the same)."""
    chunk = int(old.get("chunk", CHUNK)) if chunk is None else chunk
    new = summarize(trace, chunk)
    if old.get("outputs") != new["outputs"]:
        return Difference("interface", detail=(
            f"the outputs differ: baseline {old.get('outputs')}, now {new['outputs']}; "
            "behaviour not compared"))
    if old.get("stimulus") != new["stimulus"]:
        return Difference("stimulus", detail=(
            "the same seed drove different inputs than in the baseline (the testbench was "
            "changed or regenerated); behaviour not compared"))
    if old.get("hashes") == new["hashes"] and old.get("cycles") == new["cycles"]:
        return None
    changes = unpack_values(old)
    hashes = old.get("hashes") or []
    first_chunk = next((i for i, (a, b) in enumerate(zip(hashes, new["hashes"], strict=False))
                        if a != b), min(len(hashes), len(new["hashes"])))
    names = trace.outputs
    cycles = min(int(old.get("cycles", 0)), len(trace.rows))
    for cycle in range(first_chunk * chunk, cycles):
        reset, _ins, outs = trace.rows[cycle]
        for i, name in enumerate(names):
            before = value_at(changes.get(name, []), cycle)
            if before != outs[i]:
                return Difference("outputs", cycle=cycle + 1, signal=name, old=before,
                                  new=outs[i], in_reset=bool(reset))
    if int(old.get("cycles", 0)) == len(trace.rows):
        return Difference("length", detail=(
            "the per-chunk hashes differ from the baseline's but its recorded values agree "
            "(an edited baseline?); refresh it with --update-baseline"))
    return Difference("length", detail=(
        f"the outputs agree on the first {cycles} cycles, but the test ran "
        f"{old.get('cycles')} cycles in the baseline and {len(trace.rows)} now"))
