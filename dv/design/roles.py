"""Stimulus roles of input ports: how a testbench should drive each one.

- ``config``: a value a real environment sets once and keeps (a baud-rate prescale, a length,
  a threshold). Found by use: the input is loaded into a register that is then counted
  (``cnt <= prescale`` with ``cnt <= cnt - 1`` elsewhere), it is compared against a counting
  register (``cnt == limit``, ``cnt >= len``), or its name says so (``prescale``, ``divisor``,
  ``cfg_*``, ``threshold``, ``length``...) and it is at least 2 bits wide. Held constant
  through a test and swept across tests.
- ``control``: a 1-bit input named like a handshake or an enable (``valid``, ``en``, ``stb``,
  ``start``, ``req``, ``wr``, ``rd``, ``push``, ``pop``...). Random with skewed biases.
- ``data``: every other input. Random values and corners.

``--hold NAME=VALUE`` fixes an input to one value in every test (role ``config``, held).
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Mapping

from dv.design.model import Design, Port
from dv.errors import InputError

_CONFIG_NAME = re.compile(
    r"(^|_)(prescale|prescaler|presc|div|divisor|divider|baud|clks?_per_bit|cfg|conf|config|"
    r"setting|settings|setup|threshold|thresh|limit|period|timeout|mode|reload)(_|$|\d)", re.I)
_CONFIG_NAME_1BIT = re.compile(r"(^|_)(cfg|conf|config|mode|setup)(_|$|\d)", re.I)
_CONTROL_NAME = re.compile(
    r"(^|_)(valid|vld|en|ena|enable|ce|stb|strobe|start|go|req|request|wr|we|rd|re|push|pop|"
    r"load|ld|ready|rdy|ack|sel|cs|trig|trigger|shift|clear|clr|flush|cyc|write|read|"
    r"tvalid|tready|tlast|last|sof|eof)(_|$|\d|n$)", re.I)


def name_role(name: str, width: int) -> str | None:
    low = name.lower()
    if (width > 1 and _CONFIG_NAME.search(low)) or _CONFIG_NAME_1BIT.search(low):
        return "config"
    if width == 1 and _CONTROL_NAME.search(low):
        return "control"
    return None


def apply_holds(design: Design, holds: Mapping[str, str]) -> None:
    """Record ``--hold NAME=VALUE``: each NAME an input the stimulus drives."""
    inputs = {p.name: p for p in design.data_inputs()}
    for name, text in holds.items():
        if name not in inputs:
            raise InputError(
                f"--hold {name}={text}: {name!r} is not an input the stimulus drives; those are: "
                f"{', '.join(inputs) or 'none'}.",
                hint="Name a data input (clocks and resets are driven by the harness).")
        try:
            value = int(text.replace("_", ""), 0)
        except ValueError:
            raise InputError(f"--hold {name}={text}: the value is not an integer.",
                             hint="Write it in decimal or with 0x/0b/0o, e.g. --hold PRESCALE=16."
                             ) from None
        width = inputs[name].width
        if not 0 <= value < (1 << width):
            raise InputError(f"--hold {name}={text}: the value does not fit in {width} bit(s).",
                             hint=f"Use a value from 0 to {(1 << width) - 1}.")
        design.held[name] = value
    assign_roles(design)


_ASSIGN = re.compile(r"^(?:assign\s+)?([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*<?=(?!=)\s*(.*?);?\s*$")
_IDENT = re.compile(r"(?<!')\b([A-Za-z_]\w*)\b")
_CONST = r"(?:\d+\s*'\s*[sS]?[bBdDhHoO]\s*[0-9a-fA-F_]+|\d+|'[01])"
_CMP = r"(?:==|!=|>=|<=|>|<)"


def assign_roles(design: Design) -> None:
    """Give every input port the harness drives a role, with the evidence for it."""
    stmts = [st for st in design.source_map.statements
             if st.module in ("", design.top) and st.kind in ("statement", "assign")]
    counters: dict[str, str] = {}  # counter -> where it counts
    loads: dict[str, list[tuple[str, str]]] = defaultdict(list)  # input -> (counter, where)
    compared_texts: list[tuple[str, str]] = []
    for st in stmts:
        where = f"{st.file}:{st.line}"
        m = _ASSIGN.match(st.text)
        compared_texts += [(c, where) for c in st.conditions]
        if not m:
            continue
        lhs, rhs = m.group(1), m.group(2)
        compared_texts.append((rhs, where))
        if re.fullmatch(rf"\(?\s*{lhs}\s*[-+]\s*{_CONST}\s*\)?", rhs) or \
                re.fullmatch(rf"\(?\s*{_CONST}\s*\+\s*{lhs}\s*\)?", rhs):
            counters.setdefault(lhs, where)
    inputs = {p.name for p in design.data_inputs()}
    for st in stmts:
        m = _ASSIGN.match(st.text)
        if not m or m.group(1) not in counters:
            continue
        lhs, rhs = m.group(1), m.group(2)
        names = set(_IDENT.findall(rhs))
        if lhs in names:
            continue  # counts (or accumulates): not a load
        for name in names & inputs:
            loads[name].append((lhs, f"{st.file}:{st.line}"))
    new_ports: list[Port] = []
    for p in design.ports:
        if p.direction != "input" or p.name not in inputs:
            new_ports.append(p)
            continue
        ev: list[str] = []
        if p.width > 1:
            for counter, where in loads.get(p.name, [])[:2]:
                ev.append(f"loaded into counter {counter} at {where}")
            for counter in counters:
                pat_a = rf"\b{counter}\b\s*{_CMP}\s*[^;&|?]*\b{p.name}\b"
                pat_b = rf"\b{p.name}\b\s*{_CMP}\s*[^;&|?]*\b{counter}\b"
                hit = next((w for t, w in compared_texts
                            if re.search(pat_a, t) or re.search(pat_b, t)), None)
                if hit:
                    ev.append(f"compared with counter {counter} at {hit}")
        if p.name in design.held:
            role, ev = "config", [f"held at {design.held[p.name]} by --hold", *ev]
        elif ev:
            role = "config"
        elif name_role(p.name, p.width) == "config":
            role, ev = "config", [f"named like a configuration input ({p.name})"]
        elif name_role(p.name, p.width) == "control":
            role, ev = "control", [f"1-bit, named like a handshake/enable ({p.name})"]
        else:
            role, ev = "data", []
        new_ports.append(dataclasses.replace(p, role=role, role_evidence=tuple(ev[:3])))
    design.ports = new_ports


def config_sweep(port: Port, design: Design) -> list[int]:
    """Values a configuration input takes across tests, one per test, in this order: a small
    value, the design's parameter values that fit (and one less), then 1, 3, the largest
    value, 0, and a few more small ones."""
    top = (1 << port.width) - 1
    if port.name in design.held:
        return [design.held[port.name]]
    out: list[int] = []

    def add(v: int) -> None:
        if 0 <= v <= top and v not in out:
            out.append(v)

    add(2)
    for prm in design.parameters:
        if isinstance(prm.value, int) and 1 < prm.value <= top:
            add(prm.value)
            add(prm.value - 1)
    for v in (1, 3, top, 0, 4, 5, 7, 8):
        add(v)
    return out
