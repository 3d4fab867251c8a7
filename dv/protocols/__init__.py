"""Protocol packs: per standard interface, its rules as SVA (and, in :mod:`.drive`, the legal
stimulus the generated testbench applies).

One module per protocol family, found by name through :data:`PACKS`. A pack's ``rules(itf)``
turns one recognised :class:`~dv.design.interfaces.Interface` into :class:`Rule` statements:
assertions on what the design drives, assumptions on what the environment drives. Generators
and formal use these; they do not re-encode protocol rules.
"""

from __future__ import annotations

from collections.abc import Callable

from dv.design.interfaces import Interface, interfaces_of
from dv.design.model import Design
from dv.design.spec import SvaProperty
from dv.protocols import apb, axi, handshake, wishbone
from dv.protocols.drive import driven_handshakes, watched_handshakes
from dv.protocols.rules import Rule

PACKS: dict[str, Callable[[Interface], list[Rule]]] = {
    "axis": handshake.rules,
    "valid_ready": handshake.rules,
    "axi4lite": axi.rules,
    "axi4": axi.rules,
    "apb": apb.rules,
    "wishbone": wishbone.rules,
}

ORIGIN = "dv protocol pack"


def rules_for(design: Design, interfaces: list[Interface] | None = None) -> list[Rule]:
    """Every rule of every interface (recognised ones when ``interfaces`` is None)."""
    out: list[Rule] = []
    seen: set[str] = set()
    for itf in interfaces if interfaces is not None else interfaces_of(design):
        pack = PACKS.get(itf.protocol)
        for rule in pack(itf) if pack else []:
            if rule.label not in seen:
                seen.add(rule.label)
                out.append(rule)
    return out


def protocol_properties(design: Design, simulation: bool = True) -> list[SvaProperty]:
    """The rules as properties for ``<top>_props.sv``: in ``simulation``, only those the
    stimulus obeys (every assertion, and the assumptions on inputs dv drives legally)."""
    out = []
    for r in rules_for(design):
        if simulation and not r.simulate:
            continue
        text = r.text
        if simulation and r.kind == "assume":  # named when it fires, like an assertion
            fail = f"dv-prop-fail {r.label} (written by {ORIGIN})"
            text = text.rstrip(";") + f' else $error("{fail}");'
        out.append(SvaProperty(text=f"{r.label}: {text}", line=0, label=r.label, kind=r.kind))
    return out


__all__ = ["ORIGIN", "PACKS", "Rule", "driven_handshakes", "protocol_properties", "rules_for",
           "watched_handshakes"]
