"""Transport checks: conservation rules that hold for whole classes of stream designs, offered,
never assumed.

For a design with a stream in and a stream out (a handshake the design sinks and one it
sources, on the first clock, whose payloads have the same fields of the same widths: a FIFO, a
skid buffer, a register slice, a pipeline that does not transform its data), the check
``in_order_delivery`` says: every beat that enters leaves, in the order it entered (per
``tid`` when there is one), with every payload field (data and sideband: ``tlast``, ``tuser``,
...) unchanged.

- Turned on by the spec (a line ``checks: [in_order_delivery]``, or the same names in a fenced
  ``checks`` block): the generated testbench fails the test at the first beat that leaves out
  of order, changed, or without having entered, naming the check, the pair and the cycle.
- Otherwise it is only observed: the testbench records whether it held, and ``dv generate``
  proposes it in ``summary.md`` when it held on every transfer of every test. A proposed check
  is never enforced silently.

A beat still inside the design when a test ends is counted, not blamed (the test may end while
the sink stalls): a beat dropped after the last one to leave is not seen. Width converters and
designs that reshape frames have no pair (their payload fields differ) and get no check.
"""

from __future__ import annotations

import re
from pathlib import Path

from dv.design.interfaces import _norm, interfaces_of, spec_source
from dv.design.model import Design
from dv.errors import InputError

CHECKS = {
    "in_order_delivery": "every beat that enters leaves, in order (per tid), with its data and "
                         "sideband unchanged",
}

_LINE = re.compile(r"^\s*[-*]?\s*`?checks\s*:\s*\[([^\]]*)\]`?\s*$", re.I)


def spec_checks(spec) -> list[tuple[str, str]]:
    """The checks the spec turns on: ``(name, file:line)``. Unknown names are bad input."""
    if spec is None:
        return []
    path, text = spec_source(spec)
    out: list[tuple[str, str]] = []
    fence, lang = False, ""
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s.startswith("```") or s.startswith("~~~"):
            fence, lang = (False, "") if fence else (True, s[3:].strip().lower())
            continue
        names: list[str] = []
        if fence and lang == "checks":
            names = [n for n in re.split(r"[\s,]+", s.split("#", 1)[0]) if n]
        elif not fence:
            m = _LINE.match(line)
            if m:
                names = [n.strip().strip("'\"") for n in m.group(1).split(",") if n.strip()]
        for n in names:
            if n not in CHECKS:
                raise InputError(f"{path}:{i}: unknown check {n!r}.", file=str(path), line=i,
                                 hint="Checks dv knows: " + ", ".join(
                                     f"{k} ({v})" for k, v in CHECKS.items()) + ".")
            out.append((n, f"{path}:{i}"))
    return out


def _fields(design: Design, stem: str, ports: tuple[str, ...]) -> dict[str, tuple[str, int]]:
    """Payload ports by field name (the port name less its interface's stem): ``s_axis_tdata``
    -> ``tdata``, ``in_data`` -> ``data``, ``data_i`` -> ``data``."""
    out = {}
    for p in ports:
        port = design.port(p)
        if port is None or port.depth > 1:
            continue
        low = _norm(p)
        role = low[len(stem) + 1:] if stem and low.startswith(stem.lower() + "_") else low
        out[role] = (p, port.width)
    return out


def transport_pairs(design: Design) -> list[dict]:
    """Stream-in/stream-out pairs, for the generated environment's ``DESIGN["transport"]``:
    each a sink handshake (``in``) and the one source handshake (``out``) whose payload has the
    same fields of the same widths. A sink with several such sources gets no pair (which one
    carries its beats is not known)."""
    primary = design.clock.name if design.clock else None
    ins, outs = [], []
    for itf in interfaces_of(design):
        if itf.clock is None or itf.clock != primary:
            continue
        for hs in itf.handshakes:
            if hs.ready is None or not hs.payload:
                continue
            fields = _fields(design, hs.name.lower(), hs.payload)
            end = {"interface": itf.name, "valid": hs.valid, "ready": hs.ready,
                   "ready_inverted": hs.ready_inverted,
                   "fields": {k: v[0] for k, v in fields.items()}}
            shape = tuple(sorted((k, v[1]) for k, v in fields.items()))
            (ins if hs.driver == "env" else outs).append((end, shape))
    pairs = []
    for end_in, shape in ins:
        match = [o for o, s in outs if s == shape]
        if len(match) != 1:
            continue
        end_out = match[0]
        tid = "tid" if "tid" in end_in["fields"] else None
        pairs.append({"name": f"{end_in['interface']} -> {end_out['interface']}",
                      "in": end_in, "out": end_out, "id": tid})
    return pairs


def transport_description(design: Design) -> dict:
    """``{"pairs": [...], "enforce": [check names]}`` for the generated environment, or {}
    when the design has no pair."""
    pairs = transport_pairs(design)
    if not pairs:
        return {}
    return {"pairs": pairs, "enforce": sorted({n for n, _ in getattr(design, "transport_checks",
                                                                      ())})}


def attach_checks(design: Design, spec) -> list[tuple[str, str]]:
    """Record the spec's transport checks on ``design`` (``design.transport_checks``), after
    its interfaces are attached; a check with nothing to apply to is bad input, not ignored."""
    checks = spec_checks(spec)
    if checks and not transport_pairs(design):
        name, where = checks[0]
        found = ", ".join(f"{i.name} ({i.protocol}, {i.direction})"
                          for i in interfaces_of(design)) or "none"
        raise InputError(
            f"{where}: the check {name} needs a stream in and a stream out with the same "
            f"payload fields, and {design.top} has none (interfaces: {found}).",
            hint="Declare the interfaces in a fenced `interfaces` block of the spec, or remove "
                 "the check.")
    design.transport_checks = checks  # type: ignore[attr-defined]
    return checks


# -- what the runs observed (read by the closure loop, shown in summary.md) ---------------------

def merge_observed(acc: dict, path: Path, test: str) -> None:
    """Add one test's ``transport.json`` (written by the testbench) to ``acc``: per check and
    pair, the beats that entered and left, the tests, and the first violation seen."""
    import json

    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return
    for st in data.get("checks", []) if isinstance(data, dict) else []:
        if not isinstance(st, dict) or st.get("check") not in CHECKS:
            continue
        key = f"{st['check']} {st.get('pair', '?')}"
        a = acc.setdefault(key, {"check": st["check"], "pair": str(st.get("pair", "?")),
                                 "enforced": bool(st.get("enforced")), "tests": 0,
                                 "entered": 0, "left": 0, "violation": None})
        a["tests"] += 1
        a["entered"] += int(st.get("entered") or 0)
        a["left"] += int(st.get("left") or 0)
        if st.get("violation") and a["violation"] is None:
            a["violation"] = f"{test}: {st['violation']}"[:400]


def observed_record(acc: dict) -> list[dict]:
    """The record's ``simulation.transport``: each check with its status: ``enforced`` (the
    spec turned it on: ``held`` or ``violated``), ``proposed`` (observed only, held on every
    beat of every test, at least one beat) or ``not proposed`` (observed, violated or no beat
    left)."""
    out = []
    for a in acc.values():
        if a["enforced"]:
            status = "violated" if a["violation"] else "held"
        else:
            status = "proposed" if not a["violation"] and a["left"] > 0 else "not proposed"
        out.append({**a, "status": status})
    return out


def summary_lines(rec: dict) -> list[str]:
    """``summary.md``'s section on transport checks (none when the design has no pair)."""
    items = (rec.get("simulation") or {}).get("transport") or []
    if not items:
        return []
    lines = ["", "## Transport checks", ""]
    for t in items:
        what = f"`{t['check']}` on `{t['pair']}`"
        beats = f"{t['left']} beat(s) out of {t['entered']} in, over {t['tests']} test(s)"
        if t["status"] == "held":
            lines.append(f"- {what}: enforced (the spec turns it on), held — {beats}")
        elif t["status"] == "violated":
            lines.append(f"- {what}: enforced, **violated** — {t['violation']}")
        elif t["status"] == "proposed":
            lines.append(f"- {what}: **proposed, not enforced** — it held on every transfer "
                         f"({beats}); if the design must keep it ({CHECKS[t['check']]}), turn "
                         f"it on with a line `checks: [{t['check']}]` in the spec")
        else:
            why = t["violation"] or "no beat left the design"
            lines.append(f"- {what}: observed, not proposed — {why}")
    return lines
